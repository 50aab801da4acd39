//! TODO: service module time.

use crate::bios::Ctx;
use crate::regs::Regs;

/// POST: RTC running, BDA tick count from the RTC time.
pub fn init(ctx: &mut Ctx) {
    let _ = ctx;
}

pub fn int1a(regs: &mut Regs, ctx: &mut Ctx) {
    let _ = ctx;
    super::unsupported(regs, "int1a");
}

pub fn int70(regs: &mut Regs, ctx: &mut Ctx) {
    let _ = ctx;
    super::unsupported(regs, "int70");
}
