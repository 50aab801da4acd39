//! The e820 memory map: built once at POST, read by int15/E820, E801, 88 and int12.
//!
//! Regions are kept sorted and non-overlapping; adding a region carves it out of whatever
//! it overlaps, so "reserve the BIOS area inside RAM" is one call.

use zerocopy::{FromBytes, Immutable, IntoBytes};

pub const MAX_ENTRIES: usize = 32;
/// Where 32-bit physical addresses end.
pub const FOUR_GIB: u64 = 1 << 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Kind {
    Ram = 1,
    Reserved = 2,
    AcpiReclaim = 3,
    AcpiNvs = 4,
    Unusable = 5,
}

impl Kind {
    pub fn from_raw(v: u32) -> Kind {
        match v {
            1 => Kind::Ram,
            3 => Kind::AcpiReclaim,
            4 => Kind::AcpiNvs,
            5 => Kind::Unusable,
            _ => Kind::Reserved,
        }
    }
}

/// One int15/E820 record as written to the caller's buffer (20 bytes; 24 with the ACPI
/// 3.0 extended attributes dword).
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable)]
pub struct E820Entry {
    pub base: u64,
    pub length: u64,
    pub kind: u32,
}
static_assertions::const_assert_eq!(core::mem::size_of::<E820Entry>(), 20);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub start: u64,
    /// Exclusive.
    pub end: u64,
    pub kind: Kind,
}

#[derive(Clone, Debug)]
pub struct E820Map {
    regions: [Region; MAX_ENTRIES],
    len: usize,
}

impl Default for E820Map {
    fn default() -> Self {
        Self::new()
    }
}

impl E820Map {
    pub const fn new() -> Self {
        E820Map {
            regions: [Region {
                start: 0,
                end: 0,
                kind: Kind::Ram,
            }; MAX_ENTRIES],
            len: 0,
        }
    }

    pub fn regions(&self) -> &[Region] {
        &self.regions[..self.len]
    }

    /// Set `[start, end)` to `kind`, replacing whatever was there. Adjacent regions of the
    /// same kind merge. Returns false (map unchanged) when the table would overflow.
    pub fn add(&mut self, start: u64, end: u64, kind: Kind) -> bool {
        if start >= end {
            return true;
        }
        // Regions are sorted and disjoint, so the result is: every region's part left of
        // `start`, the new region, every region's part right of `end`.
        let rs = self.regions();
        let left = rs.iter().map(|r| Region {
            end: r.end.min(start),
            ..*r
        });
        let right = rs.iter().map(|r| Region {
            start: r.start.max(end),
            ..*r
        });
        let mut out = E820Map::new();
        let fits = left
            .chain(core::iter::once(Region { start, end, kind }))
            .chain(right)
            .all(|r| out.push(r));
        if fits {
            *self = out;
        }
        fits
    }

    /// Append a region at the end (it must not start before the last one ends); empty
    /// regions vanish and a region continuing the last one of its kind extends it.
    fn push(&mut self, r: Region) -> bool {
        if r.start >= r.end {
            return true;
        }
        if let Some(last) = self.regions[..self.len].last_mut()
            && last.kind == r.kind
            && last.end == r.start
        {
            last.end = r.end;
            return true;
        }
        if self.len == MAX_ENTRIES {
            return false;
        }
        self.regions[self.len] = r;
        self.len += 1;
        true
    }

    /// Bytes of RAM in `[start, end)`.
    pub fn ram_between(&self, start: u64, end: u64) -> u64 {
        self.regions()
            .iter()
            .filter(|r| r.kind == Kind::Ram)
            .map(|r| r.end.min(end).saturating_sub(r.start.max(start)))
            .sum()
    }

    /// Whether all of `[start, end)` is RAM.
    pub fn is_ram(&self, start: u64, end: u64) -> bool {
        self.ram_between(start, end) == end.saturating_sub(start)
    }

    /// End of the RAM region containing `addr`, i.e. contiguous RAM from `addr`.
    pub fn ram_end_from(&self, addr: u64) -> u64 {
        let mut end = addr;
        for r in self.regions() {
            if r.kind == Kind::Ram && r.start <= end && r.end > end {
                end = r.end;
            }
        }
        end
    }

    pub fn entry(&self, i: usize) -> Option<E820Entry> {
        let r = self.regions().get(i)?;
        Some(E820Entry {
            base: r.start,
            length: r.end - r.start,
            kind: r.kind as u32,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(m: &E820Map) -> Vec<(u64, u64, Kind)> {
        m.regions()
            .iter()
            .map(|r| (r.start, r.end, r.kind))
            .collect()
    }

    #[test]
    fn carving_a_reservation_out_of_ram_splits_it() {
        let mut m = E820Map::new();
        assert!(m.add(0, 0xa0000, Kind::Ram));
        assert!(m.add(0x9fc00, 0xa0000, Kind::Reserved));
        assert!(m.add(0x100000, 0x8000000, Kind::Ram));
        assert!(m.add(0x7ff0000, 0x8000000, Kind::Reserved));
        assert!(m.add(0xe0000, 0x100000, Kind::Reserved));
        assert_eq!(
            kinds(&m),
            vec![
                (0, 0x9fc00, Kind::Ram),
                (0x9fc00, 0xa0000, Kind::Reserved),
                (0xe0000, 0x100000, Kind::Reserved),
                (0x100000, 0x7ff0000, Kind::Ram),
                (0x7ff0000, 0x8000000, Kind::Reserved),
            ]
        );
        assert_eq!(m.ram_between(0x100000, u64::MAX), 0x7ef0000);
        assert_eq!(m.ram_end_from(0x100000), 0x7ff0000);
    }

    #[test]
    fn adjacent_regions_of_a_kind_merge() {
        let mut m = E820Map::new();
        m.add(0x100000, 0x200000, Kind::Ram);
        m.add(0x200000, 0x300000, Kind::Ram);
        m.add(0, 0x1000, Kind::Reserved);
        assert_eq!(
            kinds(&m),
            vec![(0, 0x1000, Kind::Reserved), (0x100000, 0x300000, Kind::Ram)]
        );
        let e = m.entry(1).unwrap();
        assert_eq!({ e.base }, 0x100000);
        assert_eq!({ e.length }, 0x200000);
        assert_eq!({ e.kind }, 1);
        assert!(m.entry(2).is_none());
    }

    #[test]
    fn a_full_table_refuses_and_stays_unchanged() {
        let mut m = E820Map::new();
        for i in 0..MAX_ENTRIES as u64 {
            assert!(m.add(i * 0x2000, i * 0x2000 + 0x1000, Kind::Ram));
        }
        let before = kinds(&m);
        assert!(!m.add(0x100_0000, 0x200_0000, Kind::Reserved));
        assert_eq!(kinds(&m), before);
    }
}
