//! The BIOS services other than disks (block::int13) and boot (boot).

pub mod equipment;
pub mod keyboard;
pub mod serial;
pub mod system;
pub mod time;
pub mod video;

use crate::regs::Regs;

/// AH for "function not supported" (int15 convention, used by every service here).
pub const UNSUPPORTED: u8 = 0x86;

/// The defined answer to a function this BIOS does not implement: CF=1, AH=86h, a log line.
pub fn unsupported(regs: &mut Regs, tag: &str) {
    warn!(
        tag,
        "unsupported function ax={:#06x} bx={:#06x}",
        regs.ax(),
        regs.bx()
    );
    regs.fail(UNSUPPORTED);
}
