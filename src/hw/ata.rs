//! TODO: ATA (PIIX IDE) driver.

use crate::bios::Ctx;
use crate::block::Drives;

pub fn probe(ctx: &mut Ctx, drives: &mut Drives) {
    let _ = (ctx, drives);
}
