//! Memory the firmware hands to the OS or keeps after boot, in two zones:
//!
//! - **High**: whole pages from the top of the highest RAM region below 4 GiB, marked in
//!   the e820 map with the kind the caller names the moment they are taken, so no loader
//!   or OS reuses them. ACPI tables, SMBIOS structures, and the Xen pages (hypercall page,
//!   rings) live here. Each allocation takes the pages below the previous one; nothing is
//!   ever freed.
//! - **FSEG**: a bump allocator over a fixed range of the BIOS image in the F segment
//!   (linker.ld `.fseg_data`), for the structures an OS finds only by scanning
//!   0xE0000-0xFFFFF or 0xF0000-0xFFFFF: the ACPI RSDP, the SMBIOS entry point, the MP
//!   floating pointer. The image is already reserved in e820.
//!

use crate::e820::{E820Map, Kind};

/// The high zone's unit: every allocation is whole pages, page aligned, so e820 entries
/// stay page granular (OSes round partial pages of RAM away anyway).
pub const PAGE_SIZE: u32 = 4096;
/// Below 1 MiB is the real-mode world's (loaders, the EBDA, the image): never taken.
pub const HIGH_LOWEST: u64 = 0x10_0000;
/// Addresses must fit the flat 32-bit space the firmware and 32-bit OS entry code use.
pub const HIGH_LIMIT: u64 = 1 << 32;

/// `pages` pages the firmware keeps for itself (Xen hypercall page, PV rings and bounce
/// buffers), reserved in `e820`: their linear address, or None (logged).
pub fn alloc_pages(e820: &mut E820Map, pages: u32) -> Option<u32> {
    alloc_high(
        e820,
        pages.checked_mul(PAGE_SIZE)?,
        PAGE_SIZE,
        Kind::Reserved,
    )
}

/// `size` bytes (rounded up to pages) aligned to `align` (a power of two; at least a
/// page), taken from the top of the highest RAM region below 4 GiB and marked `kind` in
/// `e820`. The alignment slack above the block is marked too, so the region keeps no
/// sliver of RAM. `None` (logged) when no region has room, the map is full or the request
/// is malformed.
pub fn alloc_high(e820: &mut E820Map, size: u32, align: u32, kind: Kind) -> Option<u32> {
    let page = u64::from(PAGE_SIZE);
    let valid = size != 0 && align.is_power_of_two();
    let align = u64::from(align.max(PAGE_SIZE));
    let bytes = u64::from(size).next_multiple_of(page);
    // The highest fit over all RAM regions below the limit.
    let mut found: Option<(u64, u64)> = None;
    for r in e820.regions().iter().filter(|r| r.kind == Kind::Ram) {
        let top = r.end.min(HIGH_LIMIT);
        let Some(base) = top.checked_sub(bytes) else {
            continue;
        };
        let base = base & !(align - 1);
        if base >= r.start.max(HIGH_LOWEST) && found.is_none_or(|(b, _)| base > b) {
            found = Some((base, top));
        }
    }
    match found {
        Some((base, top)) if valid && e820.add(base, top, kind) => {
            debug!(
                "zone",
                "{base:#x}-{top:#x} taken as e820 kind {}", kind as u32
            );
            Some(base as u32)
        }
        _ => {
            error!(
                "zone",
                "no room below 4 GiB for {size} bytes (align {align:#x}) or e820 full"
            );
            None
        }
    }
}

/// A bump allocator over `[start, end)`: the FSEG zone (or any fixed firmware area).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool {
    start: u32,
    end: u32,
    next: u32,
}

impl Pool {
    pub const fn new(start: u32, end: u32) -> Self {
        Pool {
            start,
            end,
            next: start,
        }
    }

    /// `size` bytes aligned to `align` (a power of two), or `None` (logged) when the pool
    /// is full. The bytes hold whatever the image had there (zeros).
    pub fn alloc(&mut self, size: u32, align: u32) -> Option<u32> {
        if !align.is_power_of_two() {
            error!("zone", "bad FSEG allocation: align {align}");
            return None;
        }
        let base = self.next.checked_next_multiple_of(align)?;
        match base.checked_add(size) {
            Some(end) if end <= self.end => {
                self.next = end;
                Some(base)
            }
            _ => {
                error!(
                    "zone",
                    "FSEG area full: {size} bytes wanted, {} of {} left",
                    self.end.saturating_sub(base),
                    self.end - self.start
                );
                None
            }
        }
    }

    /// Bytes handed out so far.
    pub fn used(&self) -> u32 {
        self.next - self.start
    }

    pub fn contains(&self, addr: u32, len: u32) -> bool {
        addr >= self.start && addr.checked_add(len).is_some_and(|e| e <= self.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qemu_map(top: u64) -> E820Map {
        let mut m = E820Map::new();
        m.add(0, 0x9a000, Kind::Ram);
        m.add(0x9a000, 0xa0000, Kind::Reserved);
        m.add(0xe0000, 0x10_0000, Kind::Reserved);
        m.add(0x10_0000, top, Kind::Ram);
        m.add(0xfffe_0000, 0x1_0000_0000, Kind::Reserved);
        m
    }

    fn kinds(m: &E820Map) -> Vec<(u64, u64, Kind)> {
        m.regions()
            .iter()
            .map(|r| (r.start, r.end, r.kind))
            .collect()
    }

    #[test]
    fn high_blocks_come_from_the_top_down_as_whole_pages_of_their_kind() {
        let mut m = qemu_map(0x800_0000);
        assert_eq!(
            alloc_high(&mut m, 0x2_0000, 64, Kind::AcpiNvs),
            Some(0x7fe_0000)
        );
        assert_eq!(
            alloc_high(&mut m, 100, 16, Kind::Reserved),
            Some(0x7fd_f000)
        );
        assert_eq!(
            kinds(&m)[3..6],
            [
                (0x10_0000, 0x7fd_f000, Kind::Ram),
                (0x7fd_f000, 0x7fe_0000, Kind::Reserved),
                (0x7fe_0000, 0x800_0000, Kind::AcpiNvs),
            ]
        );
        // Same kind twice: one e820 entry.
        let mut m = qemu_map(0x800_0000);
        alloc_high(&mut m, 4096, 4096, Kind::AcpiNvs);
        alloc_high(&mut m, 4096, 4096, Kind::AcpiNvs);
        assert_eq!(kinds(&m)[4], (0x7ff_e000, 0x800_0000, Kind::AcpiNvs));
    }

    #[test]
    fn large_alignment_keeps_no_ram_sliver_above_the_block() {
        let mut m = qemu_map(0x7ff_f000);
        assert_eq!(
            alloc_high(&mut m, 4096, 0x1_0000, Kind::Reserved),
            Some(0x7ff_0000)
        );
        assert_eq!(kinds(&m)[4], (0x7ff_0000, 0x7ff_f000, Kind::Reserved));
    }

    #[test]
    fn ram_above_4g_and_below_1m_is_never_used() {
        let mut m = qemu_map(0x200_0000);
        m.add(0x1_0000_0000, 0x2_0000_0000, Kind::Ram);
        assert_eq!(alloc_high(&mut m, 1, 1, Kind::Reserved), Some(0x1ff_f000));
        let mut low = E820Map::new();
        low.add(0, 0xa0000, Kind::Ram);
        assert_eq!(alloc_high(&mut low, 1, 1, Kind::Reserved), None);
    }

    #[test]
    fn no_room_or_bad_requests_give_none_and_leave_the_map() {
        let mut m = E820Map::new();
        m.add(0x10_0000, 0x10_2000, Kind::Ram);
        let before = kinds(&m);
        assert_eq!(alloc_high(&mut m, 0x3000, 1, Kind::Reserved), None);
        assert_eq!(alloc_high(&mut m, 0, 1, Kind::Reserved), None);
        assert_eq!(alloc_high(&mut m, 1, 3, Kind::Reserved), None);
        assert_eq!(kinds(&m), before);
        assert_eq!(
            alloc_high(&mut m, 0x2000, 1, Kind::Reserved),
            Some(0x10_0000)
        );
        assert_eq!(alloc_high(&mut m, 1, 1, Kind::Reserved), None);
    }

    #[test]
    fn the_pool_bumps_aligned_and_refuses_past_its_end() {
        let mut p = Pool::new(0xf_5000, 0xf_5040);
        assert_eq!(p.alloc(20, 16), Some(0xf_5000));
        assert_eq!(p.alloc(1, 1), Some(0xf_5014));
        assert_eq!(p.alloc(16, 16), Some(0xf_5020));
        assert_eq!(p.alloc(17, 16), None);
        assert_eq!(p.alloc(16, 16), Some(0xf_5030));
        assert_eq!(p.alloc(1, 1), None);
        assert_eq!(p.alloc(0, 3), None);
        assert_eq!(p.used(), 0x40);
        assert!(p.contains(0xf_5030, 16));
        assert!(!p.contains(0xf_5030, 17));
    }
}
