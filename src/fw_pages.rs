//! Pages the firmware keeps for itself after boot, outside its 128 KiB image: the Xen
//! hypercall page, PV ring and bounce pages.
//!
//! They come from the top of the highest RAM region below 4 GiB (the image region is full,
//! and conventional memory belongs to loaders) and are marked reserved in the e820 map at
//! once, so nothing after POST (loaders, the OS) reuses them. Each allocation takes the next
//! pages down. Nothing is ever freed.

use crate::e820::{E820Map, Kind};

/// The allocation unit.
pub const PAGE_SIZE: u32 = 4096;
/// Below this, memory is the real-mode world's (and loaders'): never taken.
pub const LOWEST: u64 = 0x10_0000;
/// Addresses must fit the 32-bit flat address space the firmware runs in.
pub const LIMIT: u64 = 1 << 32;

/// `pages` contiguous, page-aligned pages of RAM, now reserved in `e820`; their linear
/// address, or `None` (logged) when no RAM region below 4 GiB has room or the map is full.
pub fn alloc(e820: &mut E820Map, pages: u32) -> Option<u32> {
    let bytes = u64::from(pages) * u64::from(PAGE_SIZE);
    let region = e820
        .regions()
        .iter()
        .filter(|r| r.kind == Kind::Ram && r.start < LIMIT && r.end > LOWEST)
        .max_by_key(|r| r.end.min(LIMIT))
        .copied();
    let found = region.and_then(|r| {
        let top = r.end.min(LIMIT) & !u64::from(PAGE_SIZE - 1);
        let base = top.checked_sub(bytes)?;
        (pages > 0 && base >= r.start.max(LOWEST)).then_some((base, top))
    });
    let Some((base, top)) = found else {
        error!(
            "pages",
            "no RAM below 4 GiB for {pages} firmware page(s) ({bytes} bytes)"
        );
        return None;
    };
    if !e820.add(base, top, Kind::Reserved) {
        error!("pages", "e820 map full: cannot reserve {base:#x}-{top:#x}");
        return None;
    }
    debug!("pages", "reserved {base:#x}-{top:#x} for the firmware");
    Some(base as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qemu_map(top: u64) -> E820Map {
        let mut m = E820Map::new();
        m.add(0, 0x9fc00, Kind::Ram);
        m.add(0x9fc00, 0xa0000, Kind::Reserved);
        m.add(0xe0000, 0x10_0000, Kind::Reserved);
        m.add(0x10_0000, top, Kind::Ram);
        m.add(0xfeff_8000, 0xfeff_c000, Kind::Reserved);
        m
    }

    #[test]
    fn pages_come_from_the_top_of_ram_and_are_reserved() {
        let mut m = qemu_map(0x800_0000);
        assert_eq!(alloc(&mut m, 1), Some(0x7ff_f000));
        assert_eq!(alloc(&mut m, 2), Some(0x7ff_d000));
        let r = m.regions();
        assert!(
            r.iter()
                .any(|r| r.start == 0x7ff_d000 && r.end == 0x800_0000 && r.kind == Kind::Reserved)
        );
        assert_eq!(m.ram_end_from(0x10_0000), 0x7ff_d000);
        // Low memory is untouched.
        assert_eq!(m.ram_between(0, 0xa0000), 0x9fc00);
    }

    #[test]
    fn ram_above_4g_is_not_used_and_unaligned_tops_are_rounded_down() {
        let mut m = qemu_map(0x7ff_f800);
        m.add(0x1_0000_0000, 0x2_0000_0000, Kind::Ram);
        assert_eq!(alloc(&mut m, 1), Some(0x7ff_e000));
    }

    #[test]
    fn no_room_gives_none() {
        let mut m = E820Map::new();
        assert_eq!(alloc(&mut m, 1), None);
        m.add(0, 0xa0000, Kind::Ram);
        assert_eq!(
            alloc(&mut m, 1),
            None,
            "low memory is not for firmware pages"
        );
        m.add(0x10_0000, 0x10_2000, Kind::Ram);
        assert_eq!(alloc(&mut m, 3), None);
        assert_eq!(alloc(&mut m, 0), None);
        assert_eq!(alloc(&mut m, 2), Some(0x10_0000));
        assert_eq!(alloc(&mut m, 1), None);
    }
}
