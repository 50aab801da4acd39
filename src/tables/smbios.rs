//! SMBIOS from QEMU: fw_cfg `etc/smbios/smbios-anchor` holds a ready entry point (2.1
//! `_SM_`, 31 bytes, or 3.0 `_SM3_`, 24 bytes) and `etc/smbios/smbios-tables` the
//! structures it describes. The structures go to the high zone (e820 reserved: the OS
//! reads them whenever it likes), the entry point to the FSEG zone, where OSes scan for it
//! (0xF0000-0xFFFFF, 16-byte boundaries), with its table address and checksums patched.
//!
//! QEMU leaves the type 0 structure (BIOS information) to the firmware unless told
//! otherwise; when it is missing, one describing this BIOS is put first (Linux prints its
//! version and date on its `DMI:` line).
//!
//! Facts from the SMBIOS specification (DMTF DSP0134 3.x): entry point layouts (5.2.1,
//! 5.2.2), structure header and string sets (6.1), type 0 (7.1).

use crate::e820::{E820Map, Kind};
use crate::hal::mem::Memory;
use crate::hw::fw_cfg::FwCfg;
use crate::zone::{self, Pool};

mod own;
pub use own::{MAX_CPUS, SmbiosParams, build};

const TAG: &str = "smbios";

pub const ANCHOR_FILE: &str = "etc/smbios/smbios-anchor";
pub const TABLES_FILE: &str = "etc/smbios/smbios-tables";

/// Signatures as little-endian words (never as byte strings in the image: an OS scanning
/// the BIOS area must not mistake a constant for an entry point).
pub(super) const SIG_21: u32 = u32::from_le_bytes(*b"_SM_");
const SIG_30: u32 = u32::from_le_bytes(*b"_SM3");
const SIG_30_LAST: u8 = b'_';

/// 2.1 (32-bit) entry point: 0x1F bytes.
pub const EP21_LEN: u32 = 0x1f;
const EP21_CHECKSUM: usize = 0x04;
pub(super) const EP21_LENGTH: usize = 0x05;
const EP21_MAX_STRUCTURE: usize = 0x08;
/// The intermediate ("_DMI_") part runs from 0x10 to the end, with its own checksum.
const EP21_INTERMEDIATE: usize = 0x10;
const EP21_INTERMEDIATE_CHECKSUM: usize = 0x15;
const EP21_TABLE_LENGTH: usize = 0x16;
const EP21_TABLE_ADDRESS: usize = 0x18;
const EP21_STRUCTURES: usize = 0x1c;
/// 3.0 (64-bit) entry point: 0x18 bytes.
pub const EP30_LEN: u32 = 0x18;
const EP30_SIG_LAST: usize = 4;
const EP30_CHECKSUM: usize = 0x05;
const EP30_LENGTH: usize = 0x06;
const EP30_TABLE_MAX: usize = 0x0c;
const EP30_TABLE_ADDRESS: usize = 0x10;
/// Room for either entry point.
const ANCHOR_MAX: usize = 0x20;
/// OSes scan for entry points on paragraph boundaries.
const ENTRY_ALIGN: u32 = 16;
/// Structure alignment in the high zone (none needed; a dword is polite).
const TABLE_ALIGN: u32 = 4;

/// Structure header: type, length (of the formatted part) at 1, handle at 2.
const HEADER_LEN: u32 = 4;
const HEADER_LENGTH: u32 = 1;
const HEADER_HANDLE: u32 = 2;
/// A string set ends with two NULs.
const STRINGS_END_LEN: u32 = 2;
const TYPE_BIOS: u8 = 0;
const TYPE_END: u8 = 127;
/// Structures walked before giving up (QEMU's PC tables hold a few dozen).
const MAX_STRUCTURES: u32 = 1024;

/// Type 0 as this BIOS writes it (SMBIOS 2.4+ layout, 0x18 bytes) and its strings.
const T0_LEN: usize = 0x18;
const T0_VENDOR: &str = "xenbios";
const T0_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The date in the fixed area at F000:FFF5 (trampoline.S), with its century.
const T0_DATE: &str = "11/22/2026";
/// Room for the structure, its three strings with their NULs and the set's final NUL.
const T0_MAX: usize = T0_LEN + T0_VENDOR.len() + T0_VERSION.len() + T0_DATE.len() + 3 + 1;
/// Type 0 fields (7.1): string numbers of vendor, version and date, the BIOS segment,
/// the ROM size, characteristics (u64), extension bytes, EC release.
const T0_VENDOR_STR: usize = 0x04;
const T0_VERSION_STR: usize = 0x05;
const T0_SEGMENT: usize = 0x06;
const T0_DATE_STR: usize = 0x08;
const T0_ROM_SIZE: usize = 0x09;
const T0_CHARACTERISTICS: usize = 0x0a;
const T0_EXT1: usize = 0x12;
const T0_EXT2: usize = 0x13;
const T0_EC_MAJOR: usize = 0x16;
const T0_EC_MINOR: usize = 0x17;
/// The image starts at E000:0000 and is 128 KiB: ROM size byte = 64 KiB * (n + 1).
const T0_START_SEGMENT: u16 = 0xe000;
const T0_ROM_SIZE_128K: u8 = 1;
/// Characteristics (7.1.1): PCI (bit 7), boot from CD (bit 11), selectable boot (bit
/// 16), EDD (bit 19); extension byte 1: ACPI (bit 0); extension byte 2 (7.1.2.2): enable
/// targeted content distribution (bit 2: the structures describe this system, which
/// Windows' SVVP checks; QEMU's type 0 sets it too) and the system is a virtual machine
/// (bit 4).
const T0_CHARACTERISTICS_BITS: u64 = 1 << 7 | 1 << 11 | 1 << 16 | 1 << 19;
const T0_EXT1_ACPI: u8 = 1 << 0;
const T0_EXT2_TARGETED_CONTENT: u8 = 1 << 2;
const T0_EXT2_VIRTUAL_MACHINE: u8 = 1 << 4;
/// Its strings, numbered 1 to 3 in this order.
const T0_STRINGS: [&str; 3] = [T0_VENDOR, T0_VERSION, T0_DATE];
/// No embedded controller firmware.
const T0_NO_EC: u8 = 0xff;

/// Copy QEMU's SMBIOS into place; returns the entry point's address.
#[inline(never)]
pub fn load(fw: &FwCfg, mem: &mut dyn Memory, e820: &mut E820Map, fseg: &mut Pool) -> Option<u32> {
    let (Some(anchor), Some(tables)) = (fw.find(ANCHOR_FILE), fw.find(TABLES_FILE)) else {
        info!(
            TAG,
            "no {ANCHOR_FILE} and {TABLES_FILE} in fw_cfg: no SMBIOS"
        );
        return None;
    };
    let mut ep = [0u8; ANCHOR_MAX];
    fw.read_file(ANCHOR_FILE, &mut ep)?;
    let sig = le32(&ep, 0);
    let v21 = sig == SIG_21 && anchor.size == EP21_LEN && ep[EP21_LENGTH] as u32 == EP21_LEN;
    let v30 = sig == SIG_30
        && ep[EP30_SIG_LAST] == SIG_30_LAST
        && anchor.size == EP30_LEN
        && ep[EP30_LENGTH] as u32 == EP30_LEN;
    let stated = if v21 {
        u32::from(le16(&ep, EP21_TABLE_LENGTH))
    } else {
        le32(&ep, EP30_TABLE_MAX)
    };
    if !(v21 || v30) || stated != tables.size {
        error!(
            TAG,
            "{ANCHOR_FILE} is no SMBIOS 2.1/3.0 entry point for {TABLES_FILE}"
        );
        return None;
    }

    // Room for a type 0 first, QEMU's structures after it.
    let base = zone::alloc_high(
        e820,
        tables.size + T0_MAX as u32,
        TABLE_ALIGN,
        Kind::Reserved,
    )?;
    let qemu_at = base + T0_MAX as u32;
    fw.copy_to(tables, mem, qemu_at, tables.size);
    let (mut table, mut len, mut added) = (qemu_at, tables.size, 0u16);
    if let Some(w) = walk(mem, qemu_at, tables.size).filter(|w| !w.has_type0) {
        let (t0, t0_len) = type0(w.free_handle);
        table -= t0_len as u32;
        len += t0_len as u32;
        added = t0_len as u16;
        mem.write(table, &t0[..t0_len]);
    }
    let ep_at = fseg.alloc(anchor.size, ENTRY_ALIGN)?;
    if v21 {
        let Ok(len16) = u16::try_from(len) else {
            error!(
                TAG,
                "{len} bytes of structures do not fit a 2.1 entry point"
            );
            return None;
        };
        put16(&mut ep, EP21_TABLE_LENGTH, len16);
        put32(&mut ep, EP21_TABLE_ADDRESS, table);
        if added != 0 {
            let count = le16(&ep, EP21_STRUCTURES).saturating_add(1);
            let max = le16(&ep, EP21_MAX_STRUCTURE).max(added);
            put16(&mut ep, EP21_STRUCTURES, count);
            put16(&mut ep, EP21_MAX_STRUCTURE, max);
        }
        // The intermediate part first: the whole sums over it.
        ep[EP21_INTERMEDIATE_CHECKSUM] = 0;
        ep[EP21_INTERMEDIATE_CHECKSUM] = sum(&ep[EP21_INTERMEDIATE..EP21_LEN as usize]);
        ep[EP21_CHECKSUM] = 0;
        ep[EP21_CHECKSUM] = sum(&ep[..EP21_LEN as usize]);
    } else {
        put32(&mut ep, EP30_TABLE_MAX, len);
        put32(&mut ep, EP30_TABLE_ADDRESS, table);
        put32(&mut ep, EP30_TABLE_ADDRESS + 4, 0); // the high half: below 4 GiB
        ep[EP30_CHECKSUM] = 0;
        ep[EP30_CHECKSUM] = sum(&ep[..EP30_LEN as usize]);
    }
    mem.write(ep_at, &ep[..anchor.size as usize]);
    info!(
        TAG,
        "entry point at {ep_at:#x}, {len} bytes of structures at {table:#x}{}",
        if added != 0 { " (type 0 added)" } else { "" }
    );
    Some(ep_at)
}

/// The byte that makes `b` sum to 0 with it.
fn sum(b: &[u8]) -> u8 {
    b.iter().fold(0u8, |s, &x| s.wrapping_sub(x))
}

fn le16(b: &[u8; ANCHOR_MAX], off: usize) -> u16 {
    u16::from_le_bytes([b[off], b[off + 1]])
}

fn le32(b: &[u8; ANCHOR_MAX], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

fn put16(b: &mut [u8; ANCHOR_MAX], off: usize, v: u16) {
    b[off..off + 2].copy_from_slice(&v.to_le_bytes());
}

fn put32(b: &mut [u8; ANCHOR_MAX], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

/// What a walk over the structures found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Walk {
    pub has_type0: bool,
    pub structures: u32,
    /// A handle no structure uses (0 if free, else one past the largest).
    pub free_handle: u16,
}

/// Walk the structures at `[at, at + len)`; None (logged) when one runs past the end or
/// is shorter than its header.
#[inline(never)]
pub fn walk(mem: &dyn Memory, at: u32, len: u32) -> Option<Walk> {
    let end = at + len;
    let mut p = at;
    let mut w = Walk {
        has_type0: false,
        structures: 0,
        free_handle: 0,
    };
    let mut handle_zero_used = false;
    let mut max_handle = 0u16;
    while p < end && w.structures < MAX_STRUCTURES {
        if end - p < HEADER_LEN {
            break;
        }
        let ty = mem.read_u8(p);
        let formatted = u32::from(mem.read_u8(p + HEADER_LENGTH));
        let handle = mem.read_u16(p + HEADER_HANDLE);
        if formatted < HEADER_LEN || formatted > end - p {
            error!(
                TAG,
                "structure at {p:#x} (type {ty}) has a bad length {formatted}"
            );
            return None;
        }
        w.structures += 1;
        w.has_type0 |= ty == TYPE_BIOS;
        handle_zero_used |= handle == 0;
        max_handle = max_handle.max(handle);
        // The string set ends with two NULs (an empty set is two NULs too).
        let mut q = p + formatted;
        loop {
            if end - q < STRINGS_END_LEN {
                error!(
                    TAG,
                    "structure at {p:#x} (type {ty}): strings run past the end"
                );
                return None;
            }
            if mem.read_u16(q) == 0 {
                break;
            }
            q += 1;
        }
        p = q + STRINGS_END_LEN;
        if ty == TYPE_END {
            break;
        }
    }
    w.free_handle = if handle_zero_used {
        max_handle.saturating_add(1)
    } else {
        0
    };
    Some(w)
}

/// This BIOS's type 0 structure, formatted part (handle 0; strings [`T0_STRINGS`]).
fn type0_formatted() -> [u8; T0_LEN] {
    let mut t = [0u8; T0_LEN];
    t[0] = TYPE_BIOS;
    t[HEADER_LENGTH as usize] = T0_LEN as u8;
    // Strings are numbered from 1, in the order they follow the structure.
    t[T0_VENDOR_STR] = 1;
    t[T0_VERSION_STR] = 2;
    t[T0_DATE_STR] = 3;
    t[T0_SEGMENT..][..2].copy_from_slice(&T0_START_SEGMENT.to_le_bytes());
    t[T0_ROM_SIZE] = T0_ROM_SIZE_128K;
    t[T0_CHARACTERISTICS..][..8].copy_from_slice(&T0_CHARACTERISTICS_BITS.to_le_bytes());
    t[T0_EXT1] = T0_EXT1_ACPI;
    t[T0_EXT2] = T0_EXT2_TARGETED_CONTENT | T0_EXT2_VIRTUAL_MACHINE;
    // System BIOS major/minor release 0.0; no embedded controller.
    t[T0_EC_MAJOR] = T0_NO_EC;
    t[T0_EC_MINOR] = T0_NO_EC;
    t
}

/// This BIOS's type 0 structure with its strings: the bytes and how many are used.
#[inline(never)]
fn type0(handle: u16) -> ([u8; T0_MAX], usize) {
    let mut t = [0u8; T0_MAX];
    t[..T0_LEN].copy_from_slice(&type0_formatted());
    t[HEADER_HANDLE as usize..][..2].copy_from_slice(&handle.to_le_bytes());
    let mut len = T0_LEN;
    for s in T0_STRINGS {
        t[len..len + s.len()].copy_from_slice(s.as_bytes());
        len += s.len() + 1; // and its NUL
    }
    (t, len + 1) // the set's final NUL
}
