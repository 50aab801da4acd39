//! Interrupt vector -> service. The one place that knows which vector is whose.

use crate::bios::{Bios, Ctx};
use crate::regs::{Action, Regs};
use crate::services;

pub fn dispatch(regs: &mut Regs, ctx: &mut Ctx, bios: &mut Bios) -> Action {
    match regs.vector {
        0x09 => services::keyboard::int09(regs, ctx),
        0x10 => services::video::int10(regs, ctx),
        0x11 => services::equipment::int11(regs, ctx),
        0x12 => services::equipment::int12(regs, ctx),
        // int40 is the diskette service int13 chains to on old machines; both land here.
        0x13 | 0x40 => crate::block::int13::handle(regs, ctx, &mut bios.drives),
        0x14 => services::serial::int14(regs, ctx),
        0x15 => return services::system::int15(regs, ctx, bios),
        0x16 => return services::keyboard::int16(regs, ctx),
        0x17 => services::serial::int17(regs, ctx),
        0x18 => crate::boot::int18(regs, ctx, bios),
        0x19 => crate::boot::int19(regs, ctx, bios),
        0x1a => services::time::int1a(regs, ctx),
        0x70 => services::time::int70(regs, ctx),
        0x74 => services::keyboard::int74(regs, ctx),
        v => {
            warn!("int", "no service for vector {v:#04x}");
            regs.fail(services::UNSUPPORTED);
        }
    }
    Action::Return
}
