//! hvmloader's table for the BIOS (`XenHVMSeaBIOS` at 0x1000), when there is one.
//!
//! Under real Xen, hvmloader runs first and leaves pointers to the ACPI, MP, SMBIOS and PIR
//! tables it built and to its e820 map. The table is used only when valid (signature,
//! length, checksum, counts within hvmloader's limits) and is never required: under QEMU's
//! Xen emulation there is no hvmloader. Memory detection takes its e820 list
//! (`platform::memmap`), the BIOS tables step copies its tables into the F segment
//! (`tables/hvmloader.rs`), both when fw_cfg has nothing.

use crate::hal::mem::{Memory, MemoryExt};
use core::mem::size_of;
use xen_headers::hvmloader::{
    BIOS_INFO_PHYSICAL_ADDRESS, HvmloaderE820Entry, SEABIOS_INFO_MAX_E820, SEABIOS_INFO_MAX_TABLES,
    SEABIOS_INFO_SIGNATURE, SeabiosInfo,
};

const TAG: &str = "xen";
const INFO_SIZE: usize = size_of::<SeabiosInfo>();
/// `length` is a byte: the checksum covers at most this much.
const MAX_LENGTH: usize = u8::MAX as usize;
/// Bytes of one entry of the table list (a 32-bit address) and of the e820 list.
const TABLE_PTR_SIZE: u64 = size_of::<u32>() as u64;
const E820_ENTRY_SIZE: u64 = size_of::<HvmloaderE820Entry>() as u64;
/// The lists must end below 4 GiB: their entries are read at 32-bit addresses.
const ADDRESS_SPACE_END: u64 = 1 << 32;

/// What the table points at (physical addresses and counts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HvmInfo {
    /// `tables_nr` 32-bit addresses of BIOS tables (RSDP, MP, SMBIOS entry point, PIR).
    pub tables: u32,
    pub tables_nr: u32,
    /// `e820_nr` 20-byte e820 entries.
    pub e820: u32,
    pub e820_nr: u32,
}

/// Why a table at [`BIOS_INFO_PHYSICAL_ADDRESS`] is not used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// No signature: no hvmloader (QEMU, or QEMU's Xen emulation).
    Absent,
    TooShort(u8),
    BadChecksum,
    /// More tables or e820 entries than hvmloader has room for.
    TooMany {
        tables: u32,
        e820: u32,
    },
    /// A list that runs past 4 GiB (reading it would wrap around the address space).
    BeyondFourGib,
}

/// The table at [`BIOS_INFO_PHYSICAL_ADDRESS`], if valid, without a word in the log (memory
/// detection and the BIOS tables look at it before Xen's set-up, which logs it: [`read`]).
pub fn find(mem: &dyn Memory) -> Result<HvmInfo, Invalid> {
    let t: SeabiosInfo = mem.read_obj(BIOS_INFO_PHYSICAL_ADDRESS);
    if t.signature != SEABIOS_INFO_SIGNATURE {
        return Err(Invalid::Absent);
    }
    let len = t.length as usize;
    if len < INFO_SIZE {
        return Err(Invalid::TooShort(t.length));
    }
    let mut bytes = [0u8; MAX_LENGTH];
    mem.read(BIOS_INFO_PHYSICAL_ADDRESS, &mut bytes[..len]);
    let sum = bytes[..len].iter().fold(0u8, |s, &b| s.wrapping_add(b));
    if sum != 0 {
        return Err(Invalid::BadChecksum);
    }
    let info = HvmInfo {
        tables: t.tables,
        tables_nr: t.tables_nr,
        e820: t.e820,
        e820_nr: t.e820_nr,
    };
    if info.tables_nr > SEABIOS_INFO_MAX_TABLES || info.e820_nr > SEABIOS_INFO_MAX_E820 {
        return Err(Invalid::TooMany {
            tables: info.tables_nr,
            e820: info.e820_nr,
        });
    }
    let end = |at: u32, n: u32, size: u64| u64::from(at) + u64::from(n) * size;
    if end(info.tables, info.tables_nr, TABLE_PTR_SIZE) > ADDRESS_SPACE_END
        || end(info.e820, info.e820_nr, E820_ENTRY_SIZE) > ADDRESS_SPACE_END
    {
        return Err(Invalid::BeyondFourGib);
    }
    Ok(info)
}

/// The table at [`BIOS_INFO_PHYSICAL_ADDRESS`], if valid; logs what was found.
pub fn read(mem: &dyn Memory) -> Option<HvmInfo> {
    match find(mem) {
        Ok(info) => {
            info!(
                TAG,
                "hvmloader table: {} BIOS tables at {:#x}, {} e820 entries at {:#x}",
                info.tables_nr,
                info.tables,
                info.e820_nr,
                info.e820
            );
            Some(info)
        }
        Err(Invalid::Absent) => {
            debug!(TAG, "no hvmloader table at {BIOS_INFO_PHYSICAL_ADDRESS:#x}");
            None
        }
        Err(Invalid::TooShort(len)) => {
            warn!(TAG, "hvmloader table: length {} too short", u32::from(len));
            None
        }
        Err(Invalid::BadChecksum) => {
            warn!(TAG, "hvmloader table: bad checksum");
            None
        }
        Err(Invalid::TooMany { tables, e820 }) => {
            warn!(
                TAG,
                "hvmloader table: {tables} tables, {e820} e820 entries: more than hvmloader writes"
            );
            None
        }
        Err(Invalid::BeyondFourGib) => {
            warn!(TAG, "hvmloader table: a list runs past 4 GiB");
            None
        }
    }
}

/// The `n`th 32-bit table address of the list at `info.tables` (`n < tables_nr`).
pub fn table(mem: &dyn Memory, info: &HvmInfo, n: u32) -> u32 {
    mem.read_u32(info.tables + n * TABLE_PTR_SIZE as u32)
}

/// The `n`th e820 entry of hvmloader's list (`n < e820_nr`).
pub fn e820_entry(mem: &dyn Memory, info: &HvmInfo, n: u32) -> HvmloaderE820Entry {
    mem.read_obj(info.e820 + n * E820_ENTRY_SIZE as u32)
}
