//! The x86 side of the image: trampoline (16-bit stubs, mode switches), port I/O and the
//! flat 32-bit view of memory.

mod io;
mod memory;

pub use io::Ports;
pub use memory::FlatMemory;

use crate::regs::Regs;
use static_assertions::const_assert_eq;

core::arch::global_asm!(include_str!("trampoline.S"), options(att_syntax, raw));

/// Segment of the BIOS code (the trampoline's 16-bit sections live in it).
pub const BIOS_SEG: u16 = 0xf000;

unsafe extern "C" {
    fn xenbios_call16(block: *mut Call16);
    /// Port 0x92 as the caller of the current interrupt left it; the trampoline restores
    /// bit 1 (A20) from here on return.
    static mut xenbios_caller_a20: u8;
}

/// Kinds of real-mode call, see `Call16::kind`.
pub mod kind {
    /// Emulate `int`: push FLAGS and clear IF; the callee returns with `iret`.
    pub const INT: u16 = 1;
    /// Run on `ss:sp` from the block instead of the firmware stack.
    pub const OWN_STACK: u16 = 2;
    /// The callee never returns (a boot sector): the firmware stack is free again.
    pub const NORETURN: u16 = 4;
}

/// A real-mode call: registers in, registers out. `regs.cs:regs.ip` is the target.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Call16 {
    pub regs: Regs,
    pub ss: u16,
    pub sp: u16,
    pub kind: u16,
    _pad: u16,
}
const_assert_eq!(core::mem::size_of::<Call16>(), 56);

impl Call16 {
    pub fn far_call(cs: u16, ip: u16, regs: Regs) -> Self {
        Call16 { regs: Regs { cs, ip, ..regs }, ..Default::default() }
    }
}

/// Run real-mode code and return with its registers and flags in `block.regs`.
///
/// The block must live on the firmware stack or elsewhere below 1 MiB (it does when it is
/// a local): the real-mode side reaches it as a segment:offset.
pub fn call16(block: &mut Call16) {
    debug_assert!((block as *mut Call16 as usize) < 0x10_0000);
    // SAFETY: the trampoline saves every register it touches, switches to real mode with
    // interrupts off, runs the target with the registers from `block`, writes the results
    // back into `block` (below 1 MiB, so reachable from real mode) and returns to this
    // flat 32-bit context with the same stack.
    unsafe { xenbios_call16(block) }
}

/// A20 state the interrupted caller will get back (int15/2400-2402).
pub fn caller_a20() -> bool {
    // SAFETY: written only by the trampoline at interrupt entry, before this code runs;
    // single-threaded with interrupts off.
    unsafe { core::ptr::read_volatile(&raw const xenbios_caller_a20) & 2 != 0 }
}

pub fn set_caller_a20(on: bool) {
    // SAFETY: as above; the trampoline reads it after this service returns.
    unsafe {
        let p = &raw mut xenbios_caller_a20;
        let v = core::ptr::read_volatile(p);
        core::ptr::write_volatile(p, if on { v | 2 } else { v & !2 });
    }
}

/// Offset in segment F000 of a trampoline symbol (16-bit sections are linked that way).
#[macro_export]
macro_rules! fseg_offset {
    ($sym:ident) => {{
        unsafe extern "C" {
            static $sym: u8;
        }
        // SAFETY: only the address is taken; the linker gives 16-bit section symbols
        // their offset in segment F000 as value.
        (unsafe { &raw const $sym } as usize) as u16
    }};
}
