//! TODO: i8042 keyboard controller.

use crate::bios::Ctx;

pub fn init(ctx: &mut Ctx) {
    let _ = ctx;
}
