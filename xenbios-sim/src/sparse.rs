use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use xenbios::hal::mem::Memory;

/// Simulated pages are this big (Xen's page size).
pub const SIM_PAGE: u32 = xen_headers::XEN_PAGE_SIZE as u32;

/// A 32-bit physical address space with memory only where a test put it: RAM ranges, and
/// single pages mapped over MMIO holes (the pages Xen overlays: shared info, grant table
/// frames, the xenstore ring). Pages are allocated, zeroed, on first touch, so RAM up to
/// 4 GiB costs nothing until used. An access to an address with no memory panics, naming
/// it: a test that lets firmware touch a hole or an unmapped frame fails loudly.
#[derive(Default)]
pub struct SparseMemory {
    pages: BTreeMap<u32, Box<[u8]>>,
    /// RAM (and ROM) as [start, end) ranges.
    ram: Vec<(u64, u64)>,
    /// Page numbers of pages mapped outside RAM.
    mapped: BTreeSet<u32>,
}

impl SparseMemory {
    pub fn new() -> Self {
        Self::default()
    }

    /// Make `[start, start + len)` accessible RAM.
    pub fn add_ram(&mut self, start: u64, len: u64) {
        self.ram.push((start, start + len));
    }

    pub fn is_ram(&self, addr: u64) -> bool {
        self.ram.iter().any(|&(s, e)| (s..e).contains(&addr))
    }

    /// Make page `pfn` accessible (an overlay on a hole), zeroed.
    pub fn map_page(&mut self, pfn: u32) {
        self.mapped.insert(pfn);
        self.pages.remove(&pfn);
    }

    /// Take page `pfn` away again (its contents are lost).
    pub fn unmap_page(&mut self, pfn: u32) {
        self.mapped.remove(&pfn);
        self.pages.remove(&pfn);
    }

    pub fn is_mapped(&self, pfn: u32) -> bool {
        self.mapped.contains(&pfn)
    }

    /// A copy of page `pfn`'s bytes.
    pub fn page(&mut self, pfn: u32) -> Vec<u8> {
        self.page_mut(pfn).to_vec()
    }

    /// Replace page `pfn`'s bytes.
    pub fn set_page(&mut self, pfn: u32, bytes: &[u8]) {
        self.page_mut(pfn).copy_from_slice(bytes);
    }

    fn accessible(&self, addr: u64) -> bool {
        self.is_ram(addr) || self.mapped.contains(&((addr / u64::from(SIM_PAGE)) as u32))
    }

    fn check(&self, addr: u32, len: usize) {
        let start = u64::from(addr);
        let end = start + len as u64;
        assert!(end <= 1 << 32, "access {start:#x}+{len:#x} wraps 4 GiB");
        let mut a = start;
        while a < end {
            assert!(
                self.accessible(a),
                "access {start:#x}..{end:#x}: no memory at {a:#x}"
            );
            a = (a / u64::from(SIM_PAGE) + 1) * u64::from(SIM_PAGE);
        }
    }

    fn page_mut(&mut self, pfn: u32) -> &mut [u8] {
        self.pages
            .entry(pfn)
            .or_insert_with(|| vec![0; SIM_PAGE as usize].into_boxed_slice())
    }

    /// Split `[addr, addr + len)` into per-page pieces: (page, offset in page, offset in
    /// the buffer, length).
    fn pieces(addr: u32, len: usize) -> impl Iterator<Item = (u32, usize, usize, usize)> {
        let mut done = 0usize;
        std::iter::from_fn(move || {
            if done >= len {
                return None;
            }
            let a = addr as u64 + done as u64;
            let pfn = (a / u64::from(SIM_PAGE)) as u32;
            let off = (a % u64::from(SIM_PAGE)) as usize;
            let n = (SIM_PAGE as usize - off).min(len - done);
            let piece = (pfn, off, done, n);
            done += n;
            Some(piece)
        })
    }
}

impl Memory for SparseMemory {
    fn read(&self, addr: u32, buf: &mut [u8]) {
        self.check(addr, buf.len());
        for (pfn, off, at, n) in Self::pieces(addr, buf.len()) {
            match self.pages.get(&pfn) {
                Some(p) => buf[at..at + n].copy_from_slice(&p[off..off + n]),
                None => buf[at..at + n].fill(0),
            }
        }
    }
    fn write(&mut self, addr: u32, data: &[u8]) {
        self.check(addr, data.len());
        for (pfn, off, at, n) in Self::pieces(addr, data.len()) {
            self.page_mut(pfn)[off..off + n].copy_from_slice(&data[at..at + n]);
        }
    }
}

/// Memory shared between the firmware under test (as its `Memory`) and simulated agents
/// that access guest memory too (the simulated Xen and its backends, a scripted option
/// ROM). Each access borrows it briefly, so the agents can act between the firmware's
/// accesses.
pub struct Shared<M>(pub Rc<RefCell<M>>);

/// Sparse guest memory (RAM and Xen's mappings above it), shared.
pub type SharedMemory = Shared<SparseMemory>;
/// Flat real-mode memory, shared.
pub type SharedSimMemory = Shared<super::SimMemory>;

impl<M> Clone for Shared<M> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<M: Default> Default for Shared<M> {
    fn default() -> Self {
        Shared::new(M::default())
    }
}

impl<M> Shared<M> {
    pub fn new(mem: M) -> Self {
        Shared(Rc::new(RefCell::new(mem)))
    }
    pub fn borrow_mut(&self) -> std::cell::RefMut<'_, M> {
        self.0.borrow_mut()
    }
}

impl<M: Memory> Memory for Shared<M> {
    fn read(&self, addr: u32, buf: &mut [u8]) {
        self.0.borrow().read(addr, buf)
    }
    fn write(&mut self, addr: u32, data: &[u8]) {
        self.0.borrow_mut().write(addr, data)
    }
}

/// Shared memory as a bus-master device reaches it ([`DmaMemory`]), with the scratch area
/// at `scratch`: what [`SimPorts::set_dma`](super::SimPorts::set_dma) gives the firmware.
pub struct SimDma<M> {
    pub mem: Shared<M>,
    pub scratch: u32,
}

impl<M: Memory> xenbios::hal::mem::DmaMemory for SimDma<M> {
    fn scratch(&self) -> u32 {
        self.scratch
    }
    fn read(&self, addr: u32, buf: &mut [u8]) {
        self.mem.0.borrow().read(addr, buf)
    }
    fn write(&self, addr: u32, data: &[u8]) {
        self.mem.0.borrow_mut().write(addr, data)
    }
    fn read_u32(&self, addr: u32) -> u32 {
        self.mem.0.borrow().read_u32(addr)
    }
    fn fence(&self) {}
}
