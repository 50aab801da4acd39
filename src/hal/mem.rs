//! Guest memory as the services see it: linear addresses below 4 GiB.
//!
//! In the image this is the flat 32-bit address space (`arch::FlatMemory`); in host tests
//! a `xenbios_sim::SimMemory`. Services never build raw pointers to caller buffers: they
//! go through this trait, which is also what keeps every access checkable in tests.

use zerocopy::{FromBytes, Immutable, IntoBytes};

/// Linear address of a real-mode `segment:offset`.
#[inline]
pub const fn linear(seg: u16, off: u16) -> u32 {
    ((seg as u32) << 4) + off as u32
}

/// A real-mode far pointer (`offset`, `segment`, in memory order).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable)]
pub struct FarPtr {
    pub offset: u16,
    pub segment: u16,
}

impl FarPtr {
    pub const fn new(segment: u16, offset: u16) -> Self {
        FarPtr { offset, segment }
    }
    pub const fn linear(self) -> u32 {
        linear(self.segment, self.offset)
    }
}

/// Guest memory.
///
/// # Memory shared with another agent
///
/// Pages shared with Xen or a backend running on another CPU (xenstore and PV rings, grant
/// table entries, the shared info page) change under the firmware's feet. For those:
///
/// * the 8-, 16- and 32-bit accessors (`read_u32`, `write_u16`, ...) are single volatile
///   accesses in the image, so the compiler neither merges, tears, caches nor drops them
///   (64-bit ones are two 32-bit accesses on i686: never use them for a shared field);
/// * [`Memory::fence`] orders everything before it against everything after it, for the
///   compiler and the CPU (x86 keeps stores in order and loads in order, so a fence is needed
///   between a store and a later load of another location: publishing an index, then reading
///   the peer's event index);
/// * [`Memory::cmpxchg_u16`] / [`Memory::cmpxchg_u32`] are atomic read-modify-writes, for
///   fields both sides write (grant entry flags, event channel bitmaps).
///
/// Simulations run one agent at a time, so their defaults (plain accesses, no-op fence) are
/// exact there.
pub trait Memory {
    fn read(&self, addr: u32, buf: &mut [u8]);
    fn write(&mut self, addr: u32, data: &[u8]);

    /// A full barrier between the accesses before and after it (see the trait docs).
    fn fence(&self) {}

    /// Atomically: if the 16-bit word at `addr` (2-aligned) equals `expected`, replace it with
    /// `new`. Returns the value found, so the exchange happened iff it equals `expected`.
    fn cmpxchg_u16(&mut self, addr: u32, expected: u16, new: u16) -> u16 {
        let found = self.read_u16(addr);
        if found == expected {
            self.write_u16(addr, new);
        }
        found
    }

    /// As [`Memory::cmpxchg_u16`], for the 32-bit word at `addr` (4-aligned).
    fn cmpxchg_u32(&mut self, addr: u32, expected: u32, new: u32) -> u32 {
        let found = self.read_u32(addr);
        if found == expected {
            self.write_u32(addr, new);
        }
        found
    }

    /// Copy `len` bytes from `from` to `to`, in chunks from the start (the ranges must not
    /// overlap, or `to` must be below `from`).
    fn copy_within(&mut self, from: u32, to: u32, len: u32) {
        let mut buf = [0u8; 512];
        let mut done = 0;
        while done < len {
            let n = (len - done).min(buf.len() as u32) as usize;
            self.read(from + done, &mut buf[..n]);
            self.write(to + done, &buf[..n]);
            done += n as u32;
        }
    }

    /// The 8-bit sum of `len` bytes at `addr`: 0 for a table or ROM with a valid checksum.
    fn sum8(&self, addr: u32, len: u32) -> u8 {
        let mut buf = [0u8; 64];
        let mut total = 0u8;
        let mut done = 0;
        while done < len {
            let n = (len - done).min(buf.len() as u32) as usize;
            self.read(addr + done, &mut buf[..n]);
            total = buf[..n].iter().fold(total, |s, &x| s.wrapping_add(x));
            done += n as u32;
        }
        total
    }

    fn fill(&mut self, addr: u32, len: u32, byte: u8) {
        let chunk = [byte; 64];
        let mut done = 0;
        while done < len {
            let n = (len - done).min(64);
            self.write(addr + done, &chunk[..n as usize]);
            done += n;
        }
    }
    fn read_u8(&self, addr: u32) -> u8 {
        let mut b = [0u8; 1];
        self.read(addr, &mut b);
        b[0]
    }
    fn read_u16(&self, addr: u32) -> u16 {
        let mut b = [0u8; 2];
        self.read(addr, &mut b);
        u16::from_le_bytes(b)
    }
    fn read_u32(&self, addr: u32) -> u32 {
        let mut b = [0u8; 4];
        self.read(addr, &mut b);
        u32::from_le_bytes(b)
    }
    fn read_u64(&self, addr: u32) -> u64 {
        let mut b = [0u8; 8];
        self.read(addr, &mut b);
        u64::from_le_bytes(b)
    }
    fn write_u8(&mut self, addr: u32, v: u8) {
        self.write(addr, &[v]);
    }
    fn write_u16(&mut self, addr: u32, v: u16) {
        self.write(addr, &v.to_le_bytes());
    }
    fn write_u32(&mut self, addr: u32, v: u32) {
        self.write(addr, &v.to_le_bytes());
    }
    fn write_u64(&mut self, addr: u32, v: u64) {
        self.write(addr, &v.to_le_bytes());
    }
}

/// Typed access for zerocopy structures (BDA, EDD packets, e820 entries, ...).
pub trait MemoryExt: Memory {
    fn read_obj<T: FromBytes + IntoBytes>(&self, addr: u32) -> T {
        let mut v = T::new_zeroed();
        self.read(addr, v.as_mut_bytes());
        v
    }
    fn write_obj<T: IntoBytes + Immutable>(&mut self, addr: u32, v: &T) {
        self.write(addr, v.as_bytes());
    }
}
impl<M: Memory + ?Sized> MemoryExt for M {}

/// Bytes of [`DmaMemory::scratch`]: room for a device descriptor (fw_cfg's is 16 bytes)
/// and a bounce buffer for reads into the firmware's own variables.
pub const DMA_SCRATCH_LEN: usize = 1024;
/// Alignment of [`DmaMemory::scratch`].
pub const DMA_SCRATCH_ALIGN: u32 = 16;

/// Physical memory as a bus-master device reaches it, for drivers that hand a device a
/// descriptor and buffers by address (fw_cfg DMA).
///
/// In the image this is the flat address space (flat segments, no paging: a linear
/// address is the physical one, so the device writes exactly where the firmware reads);
/// in tests a simulated memory that the simulated device shares. Accesses take `&self`:
/// the device changes this memory behind the firmware's back anyway, and the driver that
/// owns [`scratch`](Self::scratch) is the only one writing it.
pub trait DmaMemory {
    /// The physical address of [`DMA_SCRATCH_LEN`] bytes, [`DMA_SCRATCH_ALIGN`]-aligned,
    /// that the device reaches and that only DMA descriptors and bounce buffers use (one
    /// transfer at a time: DMA is a POST activity, never an interrupt service's).
    fn scratch(&self) -> u32;
    fn read(&self, addr: u32, buf: &mut [u8]);
    fn write(&self, addr: u32, data: &[u8]);
    /// One 32-bit access that the compiler does not cache (polling a field the device
    /// writes).
    fn read_u32(&self, addr: u32) -> u32;
    /// A full barrier (see [`Memory::fence`]): descriptor writes before the doorbell, the
    /// device's data after its completion.
    fn fence(&self);
}
