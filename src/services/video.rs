//! TODO: service module video.

use crate::bios::Ctx;
use crate::regs::Regs;

pub fn int10(regs: &mut Regs, ctx: &mut Ctx) {
    let _ = ctx;
    super::unsupported(regs, "int10");
}
