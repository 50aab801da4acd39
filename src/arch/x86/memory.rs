//! The flat 32-bit address space as `Memory`.

use crate::mem::Memory;

/// All of memory below 4 GiB, identity-mapped (flat segments, no paging).
pub struct FlatMemory;

impl Memory for FlatMemory {
    fn read(&self, addr: u32, buf: &mut [u8]) {
        // SAFETY: the firmware runs with flat 4 GiB segments and no paging, so every
        // linear address is readable; guest-supplied addresses are memory the caller
        // named, which is what a BIOS service does with them.
        unsafe { core::ptr::copy(addr as usize as *const u8, buf.as_mut_ptr(), buf.len()) }
    }
    fn write(&mut self, addr: u32, data: &[u8]) {
        // SAFETY: as for read; writes go only to the range the caller asked for.
        unsafe { core::ptr::copy(data.as_ptr(), addr as usize as *mut u8, data.len()) }
    }
    // Word accesses are single volatile loads and stores of that width: device registers
    // (local APIC, MMIO BARs) and rings shared with another agent (Xen) need exactly that.
    // SAFETY (all four): as for read/write; the address is the caller's, any alignment
    // is accepted by x86 for ordinary memory, and device registers are naturally aligned.
    fn read_u16(&self, addr: u32) -> u16 {
        unsafe { core::ptr::read_volatile(addr as usize as *const u16) }
    }
    fn read_u32(&self, addr: u32) -> u32 {
        unsafe { core::ptr::read_volatile(addr as usize as *const u32) }
    }
    fn write_u16(&mut self, addr: u32, v: u16) {
        unsafe { core::ptr::write_volatile(addr as usize as *mut u16, v) }
    }
    fn write_u32(&mut self, addr: u32, v: u32) {
        unsafe { core::ptr::write_volatile(addr as usize as *mut u32, v) }
    }
    fn fill(&mut self, addr: u32, len: u32, byte: u8) {
        // SAFETY: as for write.
        unsafe { core::ptr::write_bytes(addr as usize as *mut u8, byte, len as usize) }
    }
}
