//! The x86 side of the image: trampoline (16-bit stubs, mode switches), port I/O and the
//! flat 32-bit view of memory.

mod io;
mod memory;
pub mod unpack;
pub mod xen;

pub use io::Ports;
pub use memory::{FlatDma, FlatMemory};
pub use xen::RealXenCpu;

use crate::hal::cpu::{Call16, Cpu, call_kind};
use crate::hal::regs::{Action, Flags, Regs};
use core::mem::offset_of;

/// Assembles the `.S` files after one `.set NAME, value` line per `NAME = value`, so that
/// every number the assembly shares with Rust (an offset into a structure, a flag, ...)
/// has one source, the Rust item named here: the `.S` files use only the names. The
/// values are substituted as `const` operands, so the `.S` text is a format string: a
/// literal brace in it would have to be doubled.
macro_rules! global_asm_with {
    ($($file:literal),+; $($name:ident = $value:expr,)+) => {
        core::arch::global_asm!(
            $(concat!(".set ", stringify!($name), ", {", stringify!($name), "}"),)+
            $(include_str!($file),)+
            $($name = const $value,)+
            options(att_syntax),
        );
    };
}

global_asm_with!("trampoline.S", "tables.S";
    // The interrupt frame (pushed by the stubs and the entry path) and the register image
    // of a call block.
    REGS_EDI = offset_of!(Regs, edi),
    REGS_ESI = offset_of!(Regs, esi),
    REGS_EBP = offset_of!(Regs, ebp),
    REGS_ESP = offset_of!(Regs, esp),
    REGS_EBX = offset_of!(Regs, ebx),
    REGS_EDX = offset_of!(Regs, edx),
    REGS_ECX = offset_of!(Regs, ecx),
    REGS_EAX = offset_of!(Regs, eax),
    REGS_GS = offset_of!(Regs, gs),
    REGS_FS = offset_of!(Regs, fs),
    REGS_ES = offset_of!(Regs, es),
    REGS_DS = offset_of!(Regs, ds),
    REGS_VECTOR = offset_of!(Regs, vector),
    REGS_IP = offset_of!(Regs, ip),
    REGS_CS = offset_of!(Regs, cs),
    REGS_FLAGS = offset_of!(Regs, flags),
    REGS_SIZE = size_of::<Regs>(),
    FLAGS_CF = Flags::CF.bits(),
    // xenbios_call16's block.
    CALL16_REGS = offset_of!(Call16, regs),
    CALL16_SS = offset_of!(Call16, ss),
    CALL16_SP = offset_of!(Call16, sp),
    CALL16_KIND = offset_of!(Call16, kind),
    CALL16_INT = call_kind::INT,
    CALL16_OWN_STACK = call_kind::OWN_STACK,
    CALL16_NORETURN = call_kind::NORETURN,
    // What xenbios_interrupt returns.
    ACTION_YIELD = Action::Yield as u32,
);

/// Segment of the BIOS code (the trampoline's 16-bit sections live in it).
pub const BIOS_SEG: u16 = 0xf000;

unsafe extern "C" {
    fn xenbios_call16(block: *mut Call16);
}

/// Linear address of the BIOS segment.
const BIOS_BASE: usize = (BIOS_SEG as usize) << 4;

/// `xenbios_caller_a20`: port 0x92 as the caller of the current interrupt left it; the
/// trampoline restores bit 1 (A20) from here on return. Its symbol is an offset in
/// segment F000 (16-bit sections are linked that way), so the flat address adds the
/// segment base.
fn caller_port92() -> *mut u8 {
    (BIOS_BASE + crate::fseg_offset!(xenbios_caller_a20) as usize) as *mut u8
}

/// The CPU as the trampoline lets Rust use it.
pub struct RealCpu;

impl Cpu for RealCpu {
    fn call16(&mut self, block: &mut Call16) {
        debug_assert!((block as *mut Call16 as usize) < 0x10_0000);
        // SAFETY: the trampoline saves every register it touches, switches to real mode
        // with interrupts off, runs the target with the registers from `block`, writes the
        // results back into `block` (a local on the firmware stack, below 1 MiB, so
        // reachable from real mode) and returns to this flat 32-bit context on the same
        // stack.
        unsafe { xenbios_call16(block) }
    }

    fn wait_for_interrupt(&mut self) {
        let mut call = Call16::far_call(
            BIOS_SEG,
            crate::fseg_offset!(xenbios_wait_irq16),
            crate::hal::regs::Regs::default(),
        );
        self.call16(&mut call);
    }

    fn caller_a20(&self) -> bool {
        // SAFETY: written only by the trampoline at interrupt entry, before this code
        // runs; single CPU with interrupts off.
        unsafe { core::ptr::read_volatile(caller_port92()) & 2 != 0 }
    }

    fn set_caller_a20(&mut self, on: bool) {
        // SAFETY: as above; the trampoline reads it after this service returns.
        unsafe {
            let p = caller_port92();
            let v = core::ptr::read_volatile(p);
            core::ptr::write_volatile(p, if on { v | 2 } else { v & !2 });
        }
    }

    fn cpuid(&self, leaf: u32, sub: u32) -> [u32; 4] {
        // CPUID only reads processor identification; every CPU this firmware runs on
        // (i686 and later) has it.
        let r = core::arch::x86::__cpuid_count(leaf, sub);
        [r.eax, r.ebx, r.ecx, r.edx]
    }
}

/// Offset in segment F000 of a trampoline symbol (16-bit sections are linked that way).
#[macro_export]
macro_rules! fseg_offset {
    ($sym:ident) => {{
        unsafe extern "C" {
            static $sym: u8;
        }
        // Only the address is taken: the linker gives 16-bit section symbols their offset
        // in segment F000 as value.
        (&raw const $sym as usize) as u16
    }};
}
