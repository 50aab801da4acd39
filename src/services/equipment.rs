//! int11 (equipment list) and int12 (conventional memory size): the BDA words POST set.

use crate::bda;
use crate::hal::Ctx;
use crate::hal::regs::Regs;

/// AX = equipment word (40:10).
pub fn int11(regs: &mut Regs, ctx: &mut Ctx) {
    regs.set_ax(ctx.mem.read_u16(bda::at(bda::EQUIPMENT)));
}

/// AX = KiB of conventional memory below the EBDA (40:13).
pub fn int12(regs: &mut Regs, ctx: &mut Ctx) {
    regs.set_ax(ctx.mem.read_u16(bda::at(bda::MEM_KB)));
}
