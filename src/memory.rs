//! TODO: memory detection at POST (fw_cfg etc/e820, CMOS fallback) into the e820 map.

use crate::bios::Ctx;
use crate::e820::E820Map;

pub fn detect(ctx: &mut Ctx, e820: &mut E820Map) {
    let _ = (ctx, e820);
}
