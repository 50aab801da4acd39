//! Port I/O instructions.

use super::memory::FLAT_DMA;
use crate::hal::PortIo;
use crate::hal::mem::DmaMemory;
use core::arch::asm;

/// The machine's I/O port space.
#[derive(Clone, Copy, Default)]
pub struct Ports;

// SAFETY (all blocks below): port I/O has no memory effects visible to Rust; which ports
// are touched is the callers' business, and the firmware owns the machine.
impl PortIo for Ports {
    #[inline]
    fn inb(&self, port: u16) -> u8 {
        let v: u8;
        unsafe {
            asm!("in al, dx", out("al") v, in("dx") port, options(nomem, nostack, preserves_flags))
        };
        v
    }
    #[inline]
    fn inw(&self, port: u16) -> u16 {
        let v: u16;
        unsafe {
            asm!("in ax, dx", out("ax") v, in("dx") port, options(nomem, nostack, preserves_flags))
        };
        v
    }
    #[inline]
    fn inl(&self, port: u16) -> u32 {
        let v: u32;
        unsafe {
            asm!("in eax, dx", out("eax") v, in("dx") port, options(nomem, nostack, preserves_flags))
        };
        v
    }
    #[inline]
    fn outb(&self, port: u16, v: u8) {
        unsafe {
            asm!("out dx, al", in("dx") port, in("al") v, options(nomem, nostack, preserves_flags))
        };
    }
    #[inline]
    fn outw(&self, port: u16, v: u16) {
        unsafe {
            asm!("out dx, ax", in("dx") port, in("ax") v, options(nomem, nostack, preserves_flags))
        };
    }
    #[inline]
    fn outl(&self, port: u16, v: u32) {
        unsafe {
            asm!("out dx, eax", in("dx") port, in("eax") v, options(nomem, nostack, preserves_flags))
        };
    }
    fn insw(&self, port: u16, buf: &mut [u16]) {
        // SAFETY: rep insw writes exactly buf.len() words at buf (DF is clear in our code).
        unsafe {
            asm!("rep insw", in("dx") port, inout("edi") buf.as_mut_ptr() => _,
                 inout("ecx") buf.len() => _, options(nostack, preserves_flags))
        };
    }
    fn outsw(&self, port: u16, buf: &[u16]) {
        // SAFETY: rep outsw reads exactly buf.len() words from buf. LLVM reserves esi on
        // i386, so it is saved around the instruction.
        unsafe {
            asm!("push esi", "mov esi, {src}", "rep outsw", "pop esi",
                 src = in(reg) buf.as_ptr(), in("dx") port,
                 inout("ecx") buf.len() => _, options(preserves_flags, readonly))
        };
    }
    fn outsb(&self, port: u16, buf: &[u8]) {
        // SAFETY: rep outsb reads exactly buf.len() bytes from buf (DF is clear in our
        // code). LLVM reserves esi on i386, so it is saved around the instruction.
        unsafe {
            asm!("push esi", "mov esi, {src}", "rep outsb", "pop esi",
                 src = in(reg) buf.as_ptr(), in("dx") port,
                 inout("ecx") buf.len() => _, options(preserves_flags, readonly))
        };
    }
    fn dma(&self) -> Option<&dyn DmaMemory> {
        Some(&FLAT_DMA)
    }
}
