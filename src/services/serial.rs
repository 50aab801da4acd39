//! TODO: service module serial.

use crate::bios::Ctx;
use crate::regs::Regs;

pub fn int14(regs: &mut Regs, ctx: &mut Ctx) {
    let _ = ctx;
    super::unsupported(regs, "int14");
}

pub fn int17(regs: &mut Regs, ctx: &mut Ctx) {
    let _ = ctx;
    super::unsupported(regs, "int17");
}
