//! The logical CHS geometry int13 reports and uses, derived like other PC BIOSes do, so a
//! partition table written under one BIOS reads the same under this one.
//!
//! A disk whose reported geometry fits int13 (at most 1024 cylinders, 16 heads, 63
//! sectors) is used as is. Otherwise "large" translation multiplies heads and divides
//! cylinders by powers of two while that fits; disks too big for that get "LBA"
//! translation: 63 sectors, heads from the size (16, 32, 64, 128 or 255).

use super::{Chs, DriveInfo};

/// int13 can address at most this many cylinders.
pub const MAX_CYLINDERS: u32 = 1024;
const MAX_HEADS_UNTRANSLATED: u32 = 16;
const MAX_SPT: u32 = 63;
const LBA_SPT: u32 = 63;
/// Beyond this size every BIOS reports 1024/255/63.
const LBA_FULL: u64 = LBA_SPT as u64 * 255 * MAX_CYLINDERS as u64;
/// Largest cylinders*heads for which large translation applies.
const LARGE_LIMIT: u32 = 131072;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Translation {
    None,
    Large,
    Lba,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// What int13/08 reports and CHS calls use.
    pub logical: Chs,
    /// The device's own geometry (EDD int13/48 reports it).
    pub physical: Chs,
    pub translation: Translation,
}

impl Geometry {
    pub fn for_drive(info: &DriveInfo) -> Geometry {
        let usable = |c: &Chs| {
            c.cylinders > 0
                && c.heads > 0
                && c.sectors > 0
                && c.heads <= 255
                && c.sectors <= MAX_SPT
        };
        match info.chs.filter(usable) {
            Some(phys) => Self::translate(phys, info.sectors),
            None => {
                let logical = Self::lba(info.sectors);
                Geometry {
                    logical,
                    physical: logical,
                    translation: Translation::Lba,
                }
            }
        }
    }

    fn translate(phys: Chs, sectors: u64) -> Geometry {
        let Chs {
            cylinders,
            heads,
            sectors: spt,
        } = phys;
        if cylinders <= MAX_CYLINDERS && heads <= MAX_HEADS_UNTRANSLATED {
            return Geometry {
                logical: phys,
                physical: phys,
                translation: Translation::None,
            };
        }
        if cylinders.saturating_mul(heads) <= LARGE_LIMIT {
            let (mut c, mut h) = (cylinders, heads);
            while c > MAX_CYLINDERS {
                c >>= 1;
                h <<= 1;
            }
            if h > 255 {
                // 256 heads do not fit AH-era registers: trade one head for more cylinders.
                c = (c * h / 255).min(MAX_CYLINDERS);
                h = 255;
            }
            let logical = Chs {
                cylinders: c,
                heads: h,
                sectors: spt,
            };
            return Geometry {
                logical,
                physical: phys,
                translation: Translation::Large,
            };
        }
        Geometry {
            logical: Self::lba(sectors),
            physical: phys,
            translation: Translation::Lba,
        }
    }

    /// LBA-assisted translation for a disk of `sectors` sectors.
    pub fn lba(sectors: u64) -> Chs {
        if sectors > LBA_FULL {
            return Chs {
                cylinders: MAX_CYLINDERS,
                heads: 255,
                sectors: LBA_SPT,
            };
        }
        let tracks = (sectors / LBA_SPT as u64) as u32;
        let heads = match tracks / MAX_CYLINDERS {
            h if h > 128 => 255,
            h if h > 64 => 128,
            h if h > 32 => 64,
            h if h > 16 => 32,
            _ => 16,
        };
        let cylinders = (tracks / heads).clamp(1, MAX_CYLINDERS);
        Chs {
            cylinders,
            heads,
            sectors: LBA_SPT,
        }
    }

    /// Sectors reachable through CHS calls.
    pub fn chs_capacity(&self) -> u64 {
        let l = self.logical;
        l.cylinders as u64 * l.heads as u64 * l.sectors as u64
    }

    /// LBA of a CHS address (sector is 1-based), or None when outside the geometry.
    pub fn to_lba(&self, cylinder: u32, head: u32, sector: u32) -> Option<u64> {
        let l = self.logical;
        if cylinder >= l.cylinders || head >= l.heads || sector == 0 || sector > l.sectors {
            return None;
        }
        Some(
            (cylinder as u64 * l.heads as u64 + head as u64) * l.sectors as u64
                + (sector - 1) as u64,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::{DriveKind, Interface, PciAddr};

    fn disk(sectors: u64, chs: Option<(u32, u32, u32)>) -> DriveInfo {
        DriveInfo {
            kind: DriveKind::Disk,
            sectors,
            sector_size: 512,
            read_only: false,
            removable: false,
            chs: chs.map(|(c, h, s)| Chs {
                cylinders: c,
                heads: h,
                sectors: s,
            }),
            interface: Interface::Xen {
                pci: PciAddr::default(),
                vdev: 51712,
            },
        }
    }

    fn logical(g: Geometry) -> (u32, u32, u32) {
        (g.logical.cylinders, g.logical.heads, g.logical.sectors)
    }

    #[test]
    fn small_ide_disk_is_untranslated() {
        // QEMU's 64 MiB IDE disk: IDENTIFY says 130/16/63.
        let g = Geometry::for_drive(&disk(131072, Some((130, 16, 63))));
        assert_eq!(g.translation, Translation::None);
        assert_eq!(logical(g), (130, 16, 63));
    }

    #[test]
    fn medium_ide_disk_uses_large_translation() {
        // 2 GiB: QEMU's IDENTIFY says 4161/16/63.
        let g = Geometry::for_drive(&disk(4194304, Some((4161, 16, 63))));
        assert_eq!(g.translation, Translation::Large);
        // Halve cylinders and double heads until cylinders fit: 4161 -> 2080 -> 1040 -> 520.
        assert_eq!(logical(g), (520, 128, 63));
    }

    #[test]
    fn big_disk_uses_lba_translation() {
        // 8 GiB PV disk without a geometry of its own.
        let g = Geometry::for_drive(&disk(16 * 1024 * 1024, None));
        assert_eq!(g.translation, Translation::Lba);
        assert_eq!(logical(g), (1024, 255, 63));
        // 100 MiB: 204800 sectors -> 3250 tracks -> 16 heads, 203 cylinders.
        assert_eq!(
            Geometry::lba(204800),
            Chs {
                cylinders: 203,
                heads: 16,
                sectors: 63
            }
        );
    }

    #[test]
    fn chs_to_lba_checks_bounds() {
        let g = Geometry::for_drive(&disk(131072, Some((130, 16, 63))));
        assert_eq!(g.to_lba(0, 0, 1), Some(0));
        assert_eq!(g.to_lba(1, 2, 3), Some((16 + 2) * 63 + 2));
        assert_eq!(g.to_lba(0, 0, 0), None);
        assert_eq!(g.to_lba(130, 0, 1), None);
        assert_eq!(g.to_lba(0, 16, 1), None);
        assert_eq!(g.to_lba(0, 0, 64), None);
    }
}
