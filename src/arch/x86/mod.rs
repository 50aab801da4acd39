//! The x86 side of the image: trampoline (16-bit stubs, mode switches), port I/O and the
//! flat 32-bit view of memory.

mod asm;
mod io;
mod memory;
pub mod unpack;
pub mod xen;

pub use io::Ports;
pub use memory::{FlatDma, FlatMemory};
pub use xen::RealXenCpu;

use crate::hal::cpu::{Call16, Cpu};

/// Segment of the BIOS code (the trampoline's 16-bit sections live in it).
pub const BIOS_SEG: u16 = 0xf000;

unsafe extern "C" {
    fn xenbios_call16(block: *mut Call16);
}

/// Linear address of the BIOS segment.
pub(crate) const BIOS_BASE: usize = (BIOS_SEG as usize) << 4;

/// Port 0x92's A20 bit (bit 0 there resets the machine).
pub(crate) const PORT92_A20: u8 = 1 << 1;

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
        unsafe { core::ptr::read_volatile(caller_port92()) & PORT92_A20 != 0 }
    }

    fn set_caller_a20(&mut self, on: bool) {
        // SAFETY: as above; the trampoline reads it after this service returns.
        unsafe {
            let p = caller_port92();
            let v = core::ptr::read_volatile(p);
            core::ptr::write_volatile(p, if on { v | PORT92_A20 } else { v & !PORT92_A20 });
        }
    }

    fn cpuid(&self, leaf: u32, sub: u32) -> [u32; 4] {
        // CPUID only reads processor identification; every CPU this firmware runs on
        // (i686 and later) has it.
        let r = core::arch::x86::__cpuid_count(leaf, sub);
        [r.eax, r.ebx, r.ecx, r.edx]
    }

    fn rdmsr(&self, msr: u32) -> u64 {
        let (lo, hi): (u32, u32);
        // SAFETY: the firmware runs at CPL 0 in flat 32-bit mode; the Cpu trait's contract
        // makes callers name only MSRs CPUID says exist, so this does not fault. RDMSR
        // touches no memory and only EAX/EDX/ECX.
        unsafe {
            core::arch::asm!("rdmsr", in("ecx") msr, out("eax") lo, out("edx") hi,
                options(nomem, nostack, preserves_flags));
        }
        u64::from(hi) << 32 | u64::from(lo)
    }

    fn wrmsr(&mut self, msr: u32, value: u64) {
        // SAFETY: as for rdmsr (CPL 0, an MSR that exists, a value it accepts, by the
        // trait's contract). The MSRs written (MTRRs) change cache attributes only, never
        // what memory holds.
        unsafe {
            core::arch::asm!("wrmsr", in("ecx") msr, in("eax") value as u32,
                in("edx") (value >> 32) as u32, options(nostack, preserves_flags));
        }
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
