//! int19 (boot) and int18 (boot failed): boot order, boot sector checks, hand-off.

use crate::bios::{Bios, Ctx};
use crate::regs::Regs;

pub struct BootState {}

impl Default for BootState {
    fn default() -> Self {
        Self::new()
    }
}

impl BootState {
    pub const fn new() -> Self {
        BootState {}
    }
}

/// POST: decide the boot order.
pub fn setup(ctx: &mut Ctx, bios: &mut Bios) {
    let _ = (ctx, bios);
}

pub fn int19(regs: &mut Regs, ctx: &mut Ctx, bios: &mut Bios) {
    let _ = (regs, ctx, bios);
    info!("boot", "int19: nothing to boot yet");
}

pub fn int18(regs: &mut Regs, ctx: &mut Ctx, bios: &mut Bios) {
    let _ = (regs, ctx, bios);
    info!("boot", "int18: no bootable device");
}
