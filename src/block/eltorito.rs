//! El Torito: which image a BIOS boots from a CD, found through the Boot Record Volume
//! Descriptor and the boot catalog.
//!
//! The source is the "El Torito" Bootable CD-ROM Format Specification 1.0 (Phoenix and
//! IBM, 1995), cited as "ET" with its section or figure; EDD-4 (T13/2132-D) 7.3 restates
//! it. [`find_boot_image`] is a pure function of the sectors it reads: the caller passes
//! its driver's read of one 2048-byte sector and the disc's size, and gets the entry to
//! boot or the reason there is none. It touches no memory and no device, so host tests
//! and a fuzz target drive it with any sector contents.
//!
//! Rules chosen:
//! - **Which entry boots.** The Initial/Default entry when it is bootable (88h) and the
//!   validation entry names the 80x86 platform (the default entry has no platform byte of
//!   its own: the validation entry's is its). Otherwise the first bootable section entry
//!   under a section header for the 80x86 platform, in catalog order. ET 4.4 and EDD-4
//!   7.3.4 make the default entry the one a BIOS boots ("normally, a system BIOS does not
//!   check for additional boot images"), and ISOLINUX and GRUB discs put their BIOS
//!   loader there (xorriso, which builds both, writes the BIOS image first and an EFI one
//!   in a section for platform EFh; its author's advice is one boot image per platform,
//!   BIOS first). SeaBIOS boots the default entry only, and only under a
//!   80x86 validation entry; the section fallback adds catalogs SeaBIOS refuses (a
//!   non-bootable default, or an EFI default with a BIOS image in a section) and never
//!   changes the choice for one it boots. Section header ID strings and selection criteria
//!   are not interpreted: there is no user setting to match them against.
//! - **Stricter than SeaBIOS**, where SeaBIOS would boot garbage or nothing: the
//!   validation entry's checksum is checked (ET Figure 2 requires it; xorriso writes it);
//!   a sector count of 0 is refused (SeaBIOS then loads nothing and jumps into
//!   whatever memory holds); an image that would not fit below 1 MiB at its load segment,
//!   or that lies past the end of the disc, is refused.
//! - **As lenient as SeaBIOS** elsewhere: the boot system identifier must be "EL TORITO
//!   SPECIFICATION" followed by a zero byte (the rest of the field's zero padding is not
//!   checked); a boot indicator other than 88h means "not bootable"; an entry that is not
//!   a section header where one may follow ends the catalog.
//! - **Bounded.** At most [`MAX_CATALOG_SECTORS`] catalog sectors are read (ET puts no
//!   limit on the catalog; xorriso and genisoimage write one sector), none past the end of
//!   the disc, and each at most once: reading stops at the chosen entry. A catalog that
//!   lists entries past that bound is refused.
//! - **Not checked here**: that a hard-disk image holds a valid MBR (its geometry comes
//!   from its partition table; the emulation layer reads it), and that the load area is
//!   free RAM (the boot layer knows the memory map).

use super::{Chs, DiskError};
use core::fmt;

/// Bytes of a CD sector: the ISO 9660 logical block El Torito's addresses count.
pub const CD_SECTOR_SIZE: usize = 2048;
/// One CD sector, as `find_boot_image`'s reader fills it.
pub type CdSector = [u8; CD_SECTOR_SIZE];

/// ET 2.0: "This Boot Record must reside at sector 11 (17 decimal) in the last session".
pub const BOOT_RECORD_LBA: u32 = 17;
/// The most boot catalog sectors read (ET 2.0: "there is no limit to the number of
/// sectors"). 256 entries: libisofs caps a catalog at 32 boot images so that it fits one
/// sector, genisoimage writes one sector.
pub const MAX_CATALOG_SECTORS: u32 = 4;

// ---- ET Figure 7, Boot Record Volume Descriptor ------------------------------------------

/// Offset 0, "Boot Record Indicator, must be 0" (ISO 9660 8.2: volume descriptor type 0).
const BR_TYPE_AT: usize = 0;
const BOOT_RECORD_TYPE: u8 = 0;
/// Offsets 1-5, "ISO-9660 Identifier, must be CD001".
const BR_STANDARD_ID_AT: usize = 1;
const STANDARD_ID: &[u8] = b"CD001";
/// Offset 6, "Version of this descriptor, must be 1".
const BR_VERSION_AT: usize = 6;
const BOOT_RECORD_VERSION: u8 = 1;
/// Offsets 7-26h, "Boot System Identifier, must be 'EL TORITO SPECIFICATION' padded with
/// 0's".
const BR_SYSTEM_ID_AT: usize = 7;
const EL_TORITO_ID: &[u8] = b"EL TORITO SPECIFICATION";
/// Offsets 47h-4Ah, "Absolute pointer to first sector of Boot Catalog".
const BR_CATALOG_AT: usize = 0x47;

// ---- The boot catalog ----------------------------------------------------------------------

/// ET 2.0: the catalog is a list of 20h-byte entries, 40h to the sector.
const ENTRY_SIZE: usize = 32;
const ENTRIES_PER_SECTOR: usize = CD_SECTOR_SIZE / ENTRY_SIZE;
type Entry = [u8; ENTRY_SIZE];

/// ET Figure 2, Validation Entry: offset 0 "Header ID, must be 01", offset 1 the platform
/// ID, 1Ch-1Dh a checksum word making the sum of the entry's 16 words 0, 1Eh "Key byte,
/// must be 55", 1Fh "Key byte, must be AA".
const VALIDATION_HEADER_ID: u8 = 0x01;
const VALIDATION_PLATFORM_AT: usize = 1;
const VALIDATION_KEY_AT: usize = 0x1e;
const VALIDATION_KEY: [u8; 2] = [0x55, 0xaa];

/// ET Figure 2 and 4, Platform ID: "0 = 80x86" (1 is PowerPC, 2 Mac; UEFI added EFh).
const PLATFORM_X86: u8 = 0x00;

/// ET Figures 3 and 5, Initial/Default Entry and Section Entry (the same layout up to
/// offset 0Bh): the boot indicator ("88 = Bootable, 00 = Not Bootable"), the boot media
/// type (its low nibble; a section entry keeps flags in the high one), the load segment,
/// the system type, the sector count in virtual sectors, the load RBA.
const BOOT_INDICATOR_AT: usize = 0;
const BOOTABLE: u8 = 0x88;
const MEDIA_AT: usize = 1;
const MEDIA_TYPE_MASK: u8 = 0x0f;
const LOAD_SEGMENT_AT: usize = 2;
const SYSTEM_TYPE_AT: usize = 4;
const SECTOR_COUNT_AT: usize = 6;
const LOAD_RBA_AT: usize = 8;

/// ET Figure 3: "If this value is 0 the system will use the traditional segment of 7C0".
pub const DEFAULT_LOAD_SEGMENT: u16 = 0x07c0;
/// ET 1.5 and Figure 3: the sector count counts "virtual disk sectors" of 512 bytes.
pub const VIRTUAL_SECTOR_SIZE: u32 = 512;
const VIRTUAL_PER_CD_SECTOR: u32 = CD_SECTOR_SIZE as u32 / VIRTUAL_SECTOR_SIZE;

/// ET Figure 4, Section Header Entry: offset 0 "90 Header, more headers follow, 91 Final
/// Header", offset 1 the platform ID, 2-3 "Number of section entries following this
/// header".
const MORE_HEADERS: u8 = 0x90;
const FINAL_HEADER: u8 = 0x91;
const SECTION_PLATFORM_AT: usize = 1;
const SECTION_COUNT_AT: usize = 2;

/// ET Figure 6, Section Entry Extension: offset 0 "Extension Indicator, must be 44". These
/// follow a section entry and are not counted in its header's number of entries.
const EXTENSION: u8 = 0x44;

// ---- Where a real-mode image can go ----------------------------------------------------

/// Bytes per segment unit (a real-mode address is segment * 16 + offset).
const PARAGRAPH: u64 = 16;
/// The end of what real mode addresses (without the high memory area).
const REAL_MODE_END: u64 = 1 << 20;

// ---- Emulated floppies (ET 3.0: the image is int13 drive 00 with the geometry of its
// size, as SeaBIOS's `cdrom_boot` sets it) ------------------------------------------------

const FLOPPY_CYLINDERS: u32 = 80;
const FLOPPY_HEADS: u32 = 2;
/// Sectors per track of a 1.2 MB, 1.44 MB and 2.88 MB diskette.
const SPT_1200K: u32 = 15;
const SPT_1440K: u32 = 18;
const SPT_2880K: u32 = 36;

/// Boot media type (ET Figure 3, offset 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    /// 0: the image is code loaded at the load segment; the CD keeps its own drive number.
    NoEmulation,
    /// 1: a 1.2 MB diskette image, which becomes drive 00h.
    Floppy1200K,
    /// 2: a 1.44 MB diskette image.
    Floppy1440K,
    /// 3: a 2.88 MB diskette image.
    Floppy2880K,
    /// 4: a hard disk image (an MBR with one partition), which becomes drive 80h.
    HardDisk,
}

impl Media {
    /// The media of a boot media type's low nibble; `None` for the reserved types 5-Fh.
    pub fn from_type(media_type: u8) -> Option<Media> {
        match media_type {
            0 => Some(Media::NoEmulation),
            1 => Some(Media::Floppy1200K),
            2 => Some(Media::Floppy1440K),
            3 => Some(Media::Floppy2880K),
            4 => Some(Media::HardDisk),
            _ => None,
        }
    }

    /// The boot media type byte (ET Figure 3) of this media.
    pub fn media_type(self) -> u8 {
        match self {
            Media::NoEmulation => 0,
            Media::Floppy1200K => 1,
            Media::Floppy1440K => 2,
            Media::Floppy2880K => 3,
            Media::HardDisk => 4,
        }
    }

    /// The geometry of an emulated diskette; `None` for the other media.
    pub fn floppy_geometry(self) -> Option<Chs> {
        let sectors = match self {
            Media::Floppy1200K => SPT_1200K,
            Media::Floppy1440K => SPT_1440K,
            Media::Floppy2880K => SPT_2880K,
            Media::NoEmulation | Media::HardDisk => return None,
        };
        Some(Chs {
            cylinders: FLOPPY_CYLINDERS,
            heads: FLOPPY_HEADS,
            sectors,
        })
    }

    /// CD sectors the whole image spans, when the media type fixes its size (diskettes).
    pub fn image_cd_sectors(self) -> Option<u32> {
        let g = self.floppy_geometry()?;
        Some((g.cylinders * g.heads * g.sectors).div_ceil(VIRTUAL_PER_CD_SECTOR))
    }
}

/// The boot entry a BIOS boots, checked against the disc and the real-mode address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootImage {
    pub media: Media,
    /// Where the loaded sectors go (offset 0): the entry's segment, 07C0h when it says 0.
    pub load_segment: u16,
    /// The system type byte: for hard-disk emulation a copy of the image's partition type.
    pub system_type: u8,
    /// Virtual (512-byte) sectors to load at boot, at least 1.
    pub sector_count: u16,
    /// The image's first CD sector.
    pub load_rba: u32,
}

impl BootImage {
    /// CD sectors to read from `load_rba` to `load_segment:0` at boot: the sector count
    /// rounded up to whole CD sectors, as a CD cannot read less (SeaBIOS does the same).
    pub fn load_cd_sectors(&self) -> u32 {
        u32::from(self.sector_count).div_ceil(VIRTUAL_PER_CD_SECTOR)
    }
}

/// Why a disc does not boot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// The driver failed to read a sector the parse needed.
    Read { lba: u32, error: DiskError },
    /// Sector 17 is not an ISO 9660 boot record (or the disc is smaller than that).
    NoBootRecord,
    /// A boot record for another boot system than El Torito.
    NotElTorito,
    /// The boot record points past the end of the disc.
    CatalogPastDisc(u32),
    /// The catalog's first entry is not a validation entry (its header ID).
    BadValidationHeader(u8),
    /// The validation entry lacks the key bytes 55h AAh.
    NoKeyBytes,
    /// The validation entry's 16 words do not sum to 0.
    BadChecksum,
    /// A section header lists entries past [`MAX_CATALOG_SECTORS`] or the disc's end.
    EntryPastEnd,
    /// No bootable entry for the 80x86 platform.
    NoBootableEntry,
    /// The chosen entry's boot media type is reserved (5-Fh).
    BadMedia(u8),
    /// The chosen entry loads no sector.
    ZeroSectorCount,
    /// The image (what boot loads, or the whole diskette) runs past the disc's end; its RBA.
    ImagePastDisc(u32),
    /// What boot loads does not fit below 1 MiB at this load segment.
    LoadPastOneMib(u16),
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Invalid::Read { lba, error } => {
                write!(f, "read error {:#04x} at sector {lba}", error.code())
            }
            Invalid::NoBootRecord => f.write_str("no El Torito boot record"),
            Invalid::NotElTorito => f.write_str("boot record is not El Torito's"),
            Invalid::CatalogPastDisc(lba) => {
                write!(
                    f,
                    "boot catalog at sector {lba} is past the end of the disc"
                )
            }
            Invalid::BadValidationHeader(id) => {
                write!(f, "catalog validation entry header {id:#04x}, not 01")
            }
            Invalid::NoKeyBytes => f.write_str("catalog validation entry lacks the 55 AA key"),
            Invalid::BadChecksum => f.write_str("catalog validation checksum wrong"),
            Invalid::EntryPastEnd => f.write_str("catalog entry past the end of the catalog"),
            Invalid::NoBootableEntry => f.write_str("no bootable x86 entry in the catalog"),
            Invalid::BadMedia(t) => write!(f, "boot media type {t} is reserved"),
            Invalid::ZeroSectorCount => f.write_str("boot entry loads 0 sectors"),
            Invalid::ImagePastDisc(rba) => {
                write!(
                    f,
                    "boot image at sector {rba} runs past the end of the disc"
                )
            }
            Invalid::LoadPastOneMib(seg) => {
                write!(
                    f,
                    "boot image does not fit below 1 MiB at segment {seg:#06x}"
                )
            }
        }
    }
}

/// The image a BIOS boots from a disc of `disc_sectors` CD sectors, read through
/// `read(lba, buf)` (one CD sector; the caller's driver). Reads sector
/// [`BOOT_RECORD_LBA`], then catalog sectors in order, each at most once, never past
/// `disc_sectors` nor more than [`MAX_CATALOG_SECTORS`] of them. The module's header says
/// which entry boots and what is checked.
pub fn find_boot_image(
    disc_sectors: u64,
    read: &mut dyn FnMut(u32, &mut CdSector) -> Result<(), DiskError>,
) -> Result<BootImage, Invalid> {
    if disc_sectors <= u64::from(BOOT_RECORD_LBA) {
        return Err(Invalid::NoBootRecord);
    }
    let mut buf = [0u8; CD_SECTOR_SIZE];
    read(BOOT_RECORD_LBA, &mut buf).map_err(|error| Invalid::Read {
        lba: BOOT_RECORD_LBA,
        error,
    })?;
    let lba = catalog_lba(&buf)?;
    if u64::from(lba) >= disc_sectors {
        return Err(Invalid::CatalogPastDisc(lba));
    }
    // Catalog sectors that may be read: not past the bound, the disc, or the last sector
    // number `read` takes (a disc may be larger than that).
    let addressable = u64::from(u32::MAX) + 1;
    let sectors =
        (disc_sectors.min(addressable) - u64::from(lba)).min(u64::from(MAX_CATALOG_SECTORS)) as u32;
    let mut catalog = Catalog {
        read,
        lba,
        sectors,
        loaded: None,
        buf,
    };
    let validation = catalog.entry(0)?;
    check_validation(&validation)?;
    let default = catalog.entry(1)?;
    let chosen = if validation[VALIDATION_PLATFORM_AT] == PLATFORM_X86
        && default[BOOT_INDICATOR_AT] == BOOTABLE
    {
        default
    } else {
        catalog.first_bootable_section_entry()?
    };
    boot_image(&chosen, disc_sectors)
}

/// The catalog's sector, from an El Torito boot record.
fn catalog_lba(br: &CdSector) -> Result<u32, Invalid> {
    let standard = &br[BR_STANDARD_ID_AT..BR_STANDARD_ID_AT + STANDARD_ID.len()];
    if br[BR_TYPE_AT] != BOOT_RECORD_TYPE
        || standard != STANDARD_ID
        || br[BR_VERSION_AT] != BOOT_RECORD_VERSION
    {
        return Err(Invalid::NoBootRecord);
    }
    // The identifier, then (at least) the first byte of its zero padding.
    let id = &br[BR_SYSTEM_ID_AT..BR_SYSTEM_ID_AT + EL_TORITO_ID.len() + 1];
    if id[..EL_TORITO_ID.len()] != *EL_TORITO_ID || id[EL_TORITO_ID.len()] != 0 {
        return Err(Invalid::NotElTorito);
    }
    Ok(le32(br, BR_CATALOG_AT))
}

fn check_validation(e: &Entry) -> Result<(), Invalid> {
    if e[0] != VALIDATION_HEADER_ID {
        return Err(Invalid::BadValidationHeader(e[0]));
    }
    if e[VALIDATION_KEY_AT..VALIDATION_KEY_AT + VALIDATION_KEY.len()] != VALIDATION_KEY {
        return Err(Invalid::NoKeyBytes);
    }
    let sum = e.chunks_exact(2).fold(0u16, |s, w| {
        s.wrapping_add(u16::from_le_bytes([w[0], w[1]]))
    });
    if sum != 0 {
        return Err(Invalid::BadChecksum);
    }
    Ok(())
}

/// The boot image an Initial/Default or section entry describes, checked.
fn boot_image(e: &Entry, disc_sectors: u64) -> Result<BootImage, Invalid> {
    let media_type = e[MEDIA_AT] & MEDIA_TYPE_MASK;
    let media = Media::from_type(media_type).ok_or(Invalid::BadMedia(media_type))?;
    let load_segment = match le16(e, LOAD_SEGMENT_AT) {
        0 => DEFAULT_LOAD_SEGMENT,
        s => s,
    };
    let sector_count = le16(e, SECTOR_COUNT_AT);
    if sector_count == 0 {
        return Err(Invalid::ZeroSectorCount);
    }
    let image = BootImage {
        media,
        load_segment,
        system_type: e[SYSTEM_TYPE_AT],
        sector_count,
        load_rba: le32(e, LOAD_RBA_AT),
    };
    let load = image.load_cd_sectors();
    let load_end = u64::from(load_segment) * PARAGRAPH + u64::from(load) * CD_SECTOR_SIZE as u64;
    if load_end > REAL_MODE_END {
        return Err(Invalid::LoadPastOneMib(load_segment));
    }
    let extent = media
        .image_cd_sectors()
        .map_or(load, |whole| whole.max(load));
    if u64::from(image.load_rba) + u64::from(extent) > disc_sectors {
        return Err(Invalid::ImagePastDisc(image.load_rba));
    }
    Ok(image)
}

/// The catalog's entries, read a sector at a time as the walk reaches them.
struct Catalog<'a> {
    read: &'a mut dyn FnMut(u32, &mut CdSector) -> Result<(), DiskError>,
    /// Its first sector, and how many may be read (at most `MAX_CATALOG_SECTORS`, none
    /// past the disc nor past sector `u32::MAX`).
    lba: u32,
    sectors: u32,
    /// Which of its sectors `buf` holds.
    loaded: Option<u32>,
    buf: CdSector,
}

impl Catalog<'_> {
    /// Entry `n` (the validation entry is 0), if it lies within the sectors readable.
    fn get(&mut self, n: usize) -> Option<Result<Entry, Invalid>> {
        let sector = u32::try_from(n / ENTRIES_PER_SECTOR).ok()?;
        if sector >= self.sectors {
            return None;
        }
        if self.loaded != Some(sector) {
            // No overflow: `sectors` stops at the last sector number a u32 holds.
            let lba = self.lba + sector;
            self.loaded = None;
            if let Err(error) = (self.read)(lba, &mut self.buf) {
                return Some(Err(Invalid::Read { lba, error }));
            }
            self.loaded = Some(sector);
        }
        let at = n % ENTRIES_PER_SECTOR * ENTRY_SIZE;
        let mut e = [0; ENTRY_SIZE];
        e.copy_from_slice(&self.buf[at..at + ENTRY_SIZE]);
        Some(Ok(e))
    }

    /// Entry `n`, which the catalog's structure says exists.
    fn entry(&mut self, n: usize) -> Result<Entry, Invalid> {
        self.get(n).unwrap_or(Err(Invalid::EntryPastEnd))
    }

    /// The first bootable section entry under an 80x86 section header. Headers follow the
    /// default entry; each is followed by its section entries, each of those by its
    /// extensions (44h).
    fn first_bootable_section_entry(&mut self) -> Result<Entry, Invalid> {
        // After the validation and default entries.
        let mut n = 2;
        loop {
            let header = self.entry(n)?;
            n += 1;
            let indicator = header[0];
            if indicator != MORE_HEADERS && indicator != FINAL_HEADER {
                return Err(Invalid::NoBootableEntry);
            }
            let x86 = header[SECTION_PLATFORM_AT] == PLATFORM_X86;
            for _ in 0..le16(&header, SECTION_COUNT_AT) {
                let e = self.entry(n)?;
                n += 1;
                if x86 && e[BOOT_INDICATOR_AT] == BOOTABLE {
                    return Ok(e);
                }
                // Its extensions, as far as the catalog goes: a missing next entry is an
                // error only where one must be (the next section entry or header).
                while let Some(next) = self.get(n) {
                    if next?[0] != EXTENSION {
                        break;
                    }
                    n += 1;
                }
            }
            if indicator == FINAL_HEADER {
                return Err(Invalid::NoBootableEntry);
            }
        }
    }
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
