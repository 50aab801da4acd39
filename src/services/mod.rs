//! The BIOS services other than disks (block::int13) and boot (boot).

pub mod equipment;
pub mod keyboard;
pub mod pcibios;
pub mod serial;
pub mod system;
pub mod time;
pub mod video;

use crate::hal::Ctx;
use crate::hal::regs::Regs;

/// AH for "function not supported" (int15 convention, used by every service here).
pub const UNSUPPORTED: u8 = 0x86;

/// Segment of the BIOS code: a vector pointing elsewhere has been hooked by a program
/// (decides whether int09 calls int15/4F and int1B, int70 calls int4A).
pub const BIOS_SEGMENT: u16 = 0xf000;

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

/// The first address A20 decides about.
const A20_BIT: u32 = 1 << 20;
/// Real-mode offsets wrap at 64 KiB.
const SEGMENT_SIZE: u32 = 0x1_0000;

/// Linear address of the caller's buffer `seg:off`, `len` bytes, as the caller addresses
/// it: with A20 off, 1 MiB and up wraps to 0. None when the buffer runs past the end of
/// its segment or straddles the 1 MiB wrap (a caller bug: refuse rather than write
/// somewhere the caller did not mean).
pub fn caller_buffer(ctx: &Ctx, seg: u16, off: u16, len: u32) -> Option<u32> {
    if off as u32 + len > SEGMENT_SIZE {
        return None;
    }
    let start = crate::hal::mem::linear(seg, off);
    if ctx.cpu.caller_a20() || start + len <= A20_BIT {
        return Some(start);
    }
    // A20 off: the caller's 0x100000.. is 0..; a buffer across the wrap has two pieces.
    (start >= A20_BIT).then_some(start & !A20_BIT)
}

/// Whether `vector` points outside the BIOS (a program hooked it). A null vector is
/// nobody's handler.
pub fn hooked(ctx: &Ctx, vector: u8) -> bool {
    let v = crate::ivt::get(ctx.mem, vector);
    v.segment != BIOS_SEGMENT && v != crate::hal::mem::FarPtr::default()
}
