//! int 13h for every registered drive: CHS and EDD 3.0 on top of the registry.

use super::Drives;
use crate::mem::Memory;
use crate::regs::Regs;

pub fn handle(regs: &mut Regs, mem: &mut dyn Memory, drives: &mut Drives) {
    let _ = (mem, drives);
    warn!(
        "int13",
        "ah={:#04x} dl={:#04x}: not implemented",
        regs.ah(),
        regs.dl()
    );
    regs.fail(super::DiskError::BadCommand.code());
}
