//! Interrupt vector -> service.

use crate::hw::PortIo;
use crate::mem::Memory;
use crate::regs::{Action, Regs};

pub fn dispatch(regs: &mut Regs, mem: &mut dyn Memory, io: &dyn PortIo) -> Action {
    let _ = (mem, io);
    info!("int", "vector {:#x} ax={:#06x}", regs.vector, regs.ax());
    regs.fail(0x86);
    Action::Return
}
