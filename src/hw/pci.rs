//! TODO: PCI enumeration, BAR assignment, interrupt routing.

use crate::bios::Ctx;
use crate::e820::E820Map;

pub fn setup(ctx: &mut Ctx, e820: &E820Map) {
    let _ = (ctx, e820);
}
