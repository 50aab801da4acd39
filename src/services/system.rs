//! TODO: int15 system services.

use crate::bios::{Bios, Ctx};
use crate::regs::{Action, Regs};

pub fn int15(regs: &mut Regs, ctx: &mut Ctx, bios: &mut Bios) -> Action {
    let _ = (ctx, bios);
    super::unsupported(regs, "int15");
    Action::Return
}
