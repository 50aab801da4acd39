//! Shared by `tests/eltorito.rs` and the El Torito fuzz target (`tests/fuzz_parsers.rs`):
//! discs built byte by byte from the "El Torito" Bootable CD-ROM Format Specification 1.0
//! ("ET"), with constants of their own (not the parser's, so that a wrong constant there
//! fails a test), a disc that records which sectors the parser reads, and `mkiso.sh`,
//! which builds real discs with xorriso.

#![allow(dead_code)] // each test file uses its own part

use std::collections::{BTreeMap, BTreeSet};
use xenbios::block::DiskError;
use xenbios::block::eltorito::{self, BootImage, Invalid};

/// Bytes of a CD sector.
pub const SECTOR: usize = 2048;
/// ET 2.0: the Boot Record Volume Descriptor is at sector 11h.
pub const BOOT_RECORD_LBA: u32 = 0x11;
/// ET 2.0: 20h-byte entries, 40h to the sector.
pub const ENTRY: usize = 0x20;
pub const ENTRIES_PER_SECTOR: usize = 0x40;
/// ET Figure 3: 512-byte virtual sectors, and the load segment 0 stands for.
pub const VIRTUAL_SECTOR: usize = 512;
pub const DEFAULT_SEGMENT: u16 = 0x7c0;

// ET Figure 7: Boot Record Volume Descriptor.
pub const BR_TYPE_AT: usize = 0;
pub const BR_STANDARD_ID_AT: usize = 1;
pub const STANDARD_ID: &[u8] = b"CD001";
pub const BR_VERSION_AT: usize = 6;
pub const BR_VERSION: u8 = 1;
pub const BR_SYSTEM_ID_AT: usize = 7;
pub const BR_SYSTEM_ID_LEN: usize = 0x20;
pub const BR_CATALOG_AT: usize = 0x47;
pub const EL_TORITO: &[u8] = b"EL TORITO SPECIFICATION";

// ET Figures 2 to 6: validation entry, boot indicators, section headers, extensions.
pub const VALIDATION_ID: u8 = 1;
pub const CHECKSUM_AT: usize = 0x1c;
pub const KEY_AT: usize = 0x1e;
pub const KEY: [u8; 2] = [0x55, 0xaa];
/// Where the validation entry's and a section header's ID strings start.
pub const VALIDATION_ID_STRING_AT: usize = 4;
pub const SECTION_ID_STRING_AT: usize = 4;
/// Boot entry fields (ET Figures 3 and 5) and section header fields (Figure 4).
pub const MEDIA_AT: usize = 1;
/// The media type is the low nibble (a section entry has flags in the high one).
pub const MEDIA_TYPE_MASK: u8 = 0x0f;
pub const SEGMENT_AT: usize = 2;
pub const SYSTEM_TYPE_AT: usize = 4;
pub const COUNT_AT: usize = 6;
pub const RBA_AT: usize = 8;
pub const PLATFORM_AT: usize = 1;
pub const SECTION_COUNT_AT: usize = 2;
pub const BOOTABLE: u8 = 0x88;
pub const NOT_BOOTABLE: u8 = 0x00;
pub const MORE_HEADERS: u8 = 0x90;
pub const FINAL_HEADER: u8 = 0x91;
pub const EXTENSION: u8 = 0x44;
/// ET Figure 6, offset 1 bit 5: "more extensions follow".
pub const EXTENSION_FLAGS_AT: usize = 1;
pub const MORE_EXTENSIONS: u8 = 1 << 5;

/// Platform IDs: ET Figure 2 (80x86, PowerPC) and UEFI 2.x 13.3.2.1 (EFI).
pub const X86: u8 = 0;
pub const POWERPC: u8 = 1;
pub const EFI: u8 = 0xef;

/// ET Figure 3 boot media types.
pub const NO_EMULATION: u8 = 0;
pub const FLOPPY_1200K: u8 = 1;
pub const FLOPPY_1440K: u8 = 2;
pub const FLOPPY_2880K: u8 = 3;
pub const HARD_DISK: u8 = 4;
/// 512-byte sectors of those diskettes (80 cylinders, 2 heads, 15/18/36 sectors).
pub const FLOPPY_SECTORS: [(u8, usize); 3] = [
    (FLOPPY_1200K, 2400),
    (FLOPPY_1440K, 2880),
    (FLOPPY_2880K, 5760),
];

/// The Boot Record Volume Descriptor of an El Torito disc whose catalog is at `catalog`.
pub fn boot_record(catalog: u32) -> Vec<u8> {
    let mut b = vec![0u8; SECTOR];
    put(&mut b, BR_STANDARD_ID_AT, STANDARD_ID);
    b[BR_VERSION_AT] = BR_VERSION;
    put(&mut b, BR_SYSTEM_ID_AT, EL_TORITO);
    put(&mut b, BR_CATALOG_AT, &catalog.to_le_bytes());
    b
}

/// Sets the validation entry's checksum word so that its 16 words sum to 0.
pub fn fix_checksum(e: &mut [u8; ENTRY]) {
    e[CHECKSUM_AT..CHECKSUM_AT + 2].fill(0);
    let sum = e.chunks(2).fold(0u16, |s, w| {
        s.wrapping_add(u16::from_le_bytes([w[0], w[1]]))
    });
    e[CHECKSUM_AT..CHECKSUM_AT + 2].copy_from_slice(&0u16.wrapping_sub(sum).to_le_bytes());
}

/// A valid validation entry for `platform`.
pub fn validation(platform: u8) -> [u8; ENTRY] {
    let mut e = [0u8; ENTRY];
    e[0] = VALIDATION_ID;
    e[PLATFORM_AT] = platform;
    put(&mut e, VALIDATION_ID_STRING_AT, b"XENBIOS TEST");
    put(&mut e, KEY_AT, &KEY);
    fix_checksum(&mut e);
    e
}

/// An Initial/Default or section entry.
pub fn boot_entry(
    indicator: u8,
    media: u8,
    segment: u16,
    system_type: u8,
    count: u16,
    rba: u32,
) -> [u8; ENTRY] {
    let mut e = [0u8; ENTRY];
    e[0] = indicator;
    e[MEDIA_AT] = media;
    put(&mut e, SEGMENT_AT, &segment.to_le_bytes());
    e[SYSTEM_TYPE_AT] = system_type;
    put(&mut e, COUNT_AT, &count.to_le_bytes());
    put(&mut e, RBA_AT, &rba.to_le_bytes());
    e
}

pub fn section_header(indicator: u8, platform: u8, entries: u16) -> [u8; ENTRY] {
    let mut e = [0u8; ENTRY];
    e[0] = indicator;
    e[PLATFORM_AT] = platform;
    put(&mut e, SECTION_COUNT_AT, &entries.to_le_bytes());
    put(&mut e, SECTION_ID_STRING_AT, b"SECTION");
    e
}

pub fn extension(more: bool) -> [u8; ENTRY] {
    let mut e = [0u8; ENTRY];
    e[0] = EXTENSION;
    e[EXTENSION_FLAGS_AT] = if more { MORE_EXTENSIONS } else { 0 };
    e
}

/// Writes `bytes` into `buf` at `at`.
pub fn put(buf: &mut [u8], at: usize, bytes: &[u8]) {
    buf[at..at + bytes.len()].copy_from_slice(bytes);
}

/// A disc of `size` CD sectors (zeros unless written), some of which fail to read, that
/// records every sector read.
pub struct Disc {
    pub size: u64,
    sectors: BTreeMap<u32, Vec<u8>>,
    pub failing: BTreeSet<u32>,
    pub reads: Vec<u32>,
}

/// The size, the failing sectors, and each sector written without its trailing zeros.
impl std::fmt::Debug for Disc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "Disc of {} sectors, failing {:?}",
            self.size, self.failing
        )?;
        for (lba, s) in &self.sectors {
            let used = s.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            write!(f, "  sector {lba}:")?;
            for b in &s[..used] {
                write!(f, " {b:02x}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// The error a failing sector gives.
pub const READ_ERROR: DiskError = DiskError::ReadError;

impl Disc {
    pub fn new(size: u64) -> Disc {
        Disc {
            size,
            sectors: BTreeMap::new(),
            failing: BTreeSet::new(),
            reads: Vec::new(),
        }
    }

    /// A disc holding `bytes` (an ISO file), padded to whole sectors.
    pub fn from_bytes(bytes: &[u8]) -> Disc {
        let mut d = Disc::new(bytes.len().div_ceil(SECTOR) as u64);
        d.write(0, bytes);
        d
    }

    /// The El Torito disc of `size` sectors whose catalog at `catalog` holds `entries`.
    pub fn with_catalog(size: u64, catalog: u32, entries: &[[u8; ENTRY]]) -> Disc {
        let mut d = Disc::new(size);
        d.write(BOOT_RECORD_LBA, &boot_record(catalog));
        d.write(catalog, &entries.concat());
        d
    }

    /// Writes `bytes` from the start of sector `lba` on.
    pub fn write(&mut self, lba: u32, bytes: &[u8]) {
        for (i, chunk) in bytes.chunks(SECTOR).enumerate() {
            // Sectors past the last number a disc can have are dropped.
            let Some(at) = u32::try_from(i).ok().and_then(|i| lba.checked_add(i)) else {
                break;
            };
            let s = self.sectors.entry(at).or_insert_with(|| vec![0; SECTOR]);
            s[..chunk.len()].copy_from_slice(chunk);
        }
    }

    /// `len` bytes from the start of sector `lba` on.
    pub fn bytes(&self, lba: u32, len: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(len);
        let mut s = lba;
        while v.len() < len {
            let sector = self.sectors.get(&s).cloned().unwrap_or(vec![0; SECTOR]);
            let n = (len - v.len()).min(SECTOR);
            v.extend_from_slice(&sector[..n]);
            s = s.wrapping_add(1);
        }
        v
    }

    /// What the driver does: a sector past the disc's end is a bad command (and the
    /// parser should never ask for one).
    pub fn read(&mut self, lba: u32, buf: &mut [u8; SECTOR]) -> Result<(), DiskError> {
        self.reads.push(lba);
        if u64::from(lba) >= self.size {
            return Err(DiskError::BadCommand);
        }
        if self.failing.contains(&lba) {
            return Err(READ_ERROR);
        }
        match self.sectors.get(&lba) {
            Some(s) => buf.copy_from_slice(s),
            None => buf.fill(0),
        }
        Ok(())
    }

    /// The parser on this disc; the reads are recorded in `reads`.
    pub fn find(&mut self) -> Result<BootImage, Invalid> {
        let size = self.size;
        eltorito::find_boot_image(size, &mut |lba, buf| self.read(lba, buf))
    }
}
