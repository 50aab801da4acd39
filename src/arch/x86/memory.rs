//! The flat 32-bit address space as `Memory`.

use crate::hal::mem::{DMA_SCRATCH_ALIGN, DMA_SCRATCH_LEN, DmaMemory, Memory};
use core::arch::asm;
use core::ptr::{read_volatile, write_volatile};

/// All of memory below 4 GiB, identity-mapped (flat segments, no paging).
pub struct FlatMemory;

/// The address as a pointer. Flat segments, no paging: a linear address is the pointer.
#[inline(always)]
fn ptr<T>(addr: u32) -> *mut T {
    addr as usize as *mut T
}

// SAFETY (every block below): the firmware runs with flat 4 GiB segments and no paging, so
// every linear address is accessible and x86 allows unaligned accesses; guest-supplied
// addresses are memory the caller named, which is what a BIOS service does with them.
// Accesses go only to the bytes the caller asked for. The scalar accessors are volatile
// because some of that memory is shared with Xen and backends (see `Memory`).
impl Memory for FlatMemory {
    fn read(&self, addr: u32, buf: &mut [u8]) {
        // SAFETY: see the impl comment; `buf` is a distinct Rust buffer.
        unsafe { core::ptr::copy(ptr::<u8>(addr), buf.as_mut_ptr(), buf.len()) }
    }
    fn write(&mut self, addr: u32, data: &[u8]) {
        // SAFETY: see the impl comment; `data` is a distinct Rust buffer.
        unsafe { core::ptr::copy(data.as_ptr(), ptr::<u8>(addr), data.len()) }
    }
    fn copy_within(&mut self, from: u32, to: u32, len: u32) {
        // SAFETY: see the impl comment; `ptr::copy` is a memmove, so overlapping ranges are
        // copied right too.
        unsafe { core::ptr::copy(ptr::<u8>(from), ptr::<u8>(to), len as usize) }
    }
    fn fill(&mut self, addr: u32, len: u32, byte: u8) {
        // SAFETY: see the impl comment.
        unsafe { core::ptr::write_bytes(ptr::<u8>(addr), byte, len as usize) }
    }

    fn read_u8(&self, addr: u32) -> u8 {
        // SAFETY: see the impl comment (one volatile access).
        unsafe { read_volatile(ptr(addr)) }
    }
    fn read_u16(&self, addr: u32) -> u16 {
        // SAFETY: see the impl comment (one volatile access).
        unsafe { read_volatile(ptr(addr)) }
    }
    fn read_u32(&self, addr: u32) -> u32 {
        // SAFETY: see the impl comment (one volatile access).
        unsafe { read_volatile(ptr(addr)) }
    }
    fn write_u8(&mut self, addr: u32, v: u8) {
        // SAFETY: see the impl comment (one volatile access).
        unsafe { write_volatile(ptr(addr), v) }
    }
    fn write_u16(&mut self, addr: u32, v: u16) {
        // SAFETY: see the impl comment (one volatile access).
        unsafe { write_volatile(ptr(addr), v) }
    }
    fn write_u32(&mut self, addr: u32, v: u32) {
        // SAFETY: see the impl comment (one volatile access).
        unsafe { write_volatile(ptr(addr), v) }
    }

    fn fence(&self) {
        // SAFETY: as above; the locked `or` of 0 leaves the stack word unchanged.
        // A locked read-modify-write of the stack top is a full barrier on every x86 (i686
        // has no guaranteed `mfence`); without `nomem` the asm is also a compiler barrier.
        unsafe {
            asm!(
                "lock or dword ptr [esp], 0",
                options(nostack, preserves_flags)
            )
        }
    }

    fn cmpxchg_u16(&mut self, addr: u32, expected: u16, new: u16) -> u16 {
        let found: u16;
        // SAFETY: as above; `cmpxchg` writes the word only if it held `expected`.
        unsafe {
            asm!("lock cmpxchg word ptr [{p}], {new:x}",
                 p = in(reg) ptr::<u16>(addr), new = in(reg) new,
                 inout("ax") expected => found, options(nostack))
        };
        found
    }

    fn cmpxchg_u32(&mut self, addr: u32, expected: u32, new: u32) -> u32 {
        let found: u32;
        // SAFETY: as for cmpxchg_u16.
        unsafe {
            asm!("lock cmpxchg dword ptr [{p}], {new:e}",
                 p = in(reg) ptr::<u32>(addr), new = in(reg) new,
                 inout("eax") expected => found, options(nostack))
        };
        found
    }
}

/// The scratch area of [`FlatDma`]: zeroed data (.bss, the firmware's low area), below
/// 1 MiB, so its linear address is a physical address any device reaches.
#[repr(C, align(16))]
struct DmaScratch([u8; DMA_SCRATCH_LEN]);

const _: () = assert!(core::mem::align_of::<DmaScratch>() == DMA_SCRATCH_ALIGN as usize);

/// Only ever addressed through `&raw mut` (its bytes are the device's and FlatDma's).
static mut DMA_SCRATCH: DmaScratch = DmaScratch([0; DMA_SCRATCH_LEN]);

/// The flat address space as devices reach it by DMA (see [`DmaMemory`]).
pub struct FlatDma;

/// What `Ports::dma` hands out.
pub static FLAT_DMA: FlatDma = FlatDma;

// SAFETY (every block below): as for `FlatMemory`: flat segments, no paging, so a linear
// address is the physical address the device was given, and the bytes touched are the
// ones the driver named (the scratch area it owns, or memory it asked the device to fill).
impl DmaMemory for FlatDma {
    fn scratch(&self) -> u32 {
        // Taking the address does not access the static.
        (&raw mut DMA_SCRATCH) as u32
    }
    fn read(&self, addr: u32, buf: &mut [u8]) {
        // SAFETY: see the impl comment; `buf` is a distinct Rust buffer.
        unsafe { core::ptr::copy(ptr::<u8>(addr), buf.as_mut_ptr(), buf.len()) }
    }
    fn write(&self, addr: u32, data: &[u8]) {
        // SAFETY: see the impl comment; `data` is a distinct Rust buffer.
        unsafe { core::ptr::copy(data.as_ptr(), ptr::<u8>(addr), data.len()) }
    }
    fn read_u32(&self, addr: u32) -> u32 {
        // SAFETY: see the impl comment (one volatile access).
        unsafe { read_volatile(ptr(addr)) }
    }
    fn fence(&self) {
        FlatMemory.fence()
    }
}
