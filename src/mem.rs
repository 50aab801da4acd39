//! Guest memory as the services see it: linear addresses below 4 GiB.
//!
//! In the image this is the flat 32-bit address space (`arch::FlatMemory`); in host tests
//! a `sim::SimMemory`. Services never build raw pointers to caller buffers: they go
//! through this trait, which is also what keeps every access checkable in tests.

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

pub trait Memory {
    fn read(&self, addr: u32, buf: &mut [u8]);
    fn write(&mut self, addr: u32, data: &[u8]);

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
