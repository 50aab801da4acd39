//! TODO: keyboard services (int09, int16, int74).

use crate::bios::Ctx;
use crate::regs::{Action, Regs};

pub fn int09(regs: &mut Regs, ctx: &mut Ctx) {
    let _ = (regs, ctx);
}

pub fn int16(regs: &mut Regs, ctx: &mut Ctx) -> Action {
    let _ = ctx;
    super::unsupported(regs, "int16");
    Action::Return
}

pub fn int74(regs: &mut Regs, ctx: &mut Ctx) {
    let _ = (regs, ctx);
}

/// Take one key from the keyboard buffer (or the serial console), if any: the boot
/// failure wait uses it to retry at a key press.
pub fn take_key(ctx: &mut Ctx) -> Option<u16> {
    ctx.console.read().map(u16::from)
}
