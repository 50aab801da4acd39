//! TODO: service module equipment.

use crate::bios::Ctx;
use crate::regs::Regs;

pub fn int11(regs: &mut Regs, ctx: &mut Ctx) {
    let _ = ctx;
    super::unsupported(regs, "int11");
}

pub fn int12(regs: &mut Regs, ctx: &mut Ctx) {
    let _ = ctx;
    super::unsupported(regs, "int12");
}
