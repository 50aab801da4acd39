//! hvmloader's table for the BIOS (`XenHVMSeaBIOS` at 0x1000), when there is one.
//!
//! Under real Xen, hvmloader runs first and leaves pointers to the ACPI, MP, SMBIOS and PIR
//! tables it built and to its e820 map. The table is used only when valid (signature,
//! length, checksum, counts within hvmloader's limits) and is never required: under QEMU's
//! Xen emulation there is no hvmloader.

use crate::mem::{Memory, MemoryExt};
use core::mem::size_of;
use xen_headers::hvmloader::{
    BIOS_INFO_PHYSICAL_ADDRESS, SEABIOS_INFO_MAX_E820, SEABIOS_INFO_MAX_TABLES,
    SEABIOS_INFO_SIGNATURE, SeabiosInfo,
};

const TAG: &str = "xen";
const INFO_SIZE: usize = size_of::<SeabiosInfo>();
/// `length` is a byte: the checksum covers at most this much.
const MAX_LENGTH: usize = u8::MAX as usize;

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

/// The table at [`BIOS_INFO_PHYSICAL_ADDRESS`], if valid.
pub fn read(mem: &dyn Memory) -> Option<HvmInfo> {
    let t: SeabiosInfo = mem.read_obj(BIOS_INFO_PHYSICAL_ADDRESS);
    if t.signature != SEABIOS_INFO_SIGNATURE {
        debug!(TAG, "no hvmloader table at {BIOS_INFO_PHYSICAL_ADDRESS:#x}");
        return None;
    }
    let len = t.length as usize;
    if len < INFO_SIZE {
        warn!(
            TAG,
            "hvmloader table: length {} too short",
            u32::from(t.length)
        );
        return None;
    }
    let mut bytes = [0u8; MAX_LENGTH];
    mem.read(BIOS_INFO_PHYSICAL_ADDRESS, &mut bytes[..len]);
    let sum = bytes[..len].iter().fold(0u8, |s, &b| s.wrapping_add(b));
    if sum != 0 {
        warn!(TAG, "hvmloader table: bad checksum");
        return None;
    }
    let info = HvmInfo {
        tables: t.tables,
        tables_nr: t.tables_nr,
        e820: t.e820,
        e820_nr: t.e820_nr,
    };
    if info.tables_nr > SEABIOS_INFO_MAX_TABLES || info.e820_nr > SEABIOS_INFO_MAX_E820 {
        warn!(
            TAG,
            "hvmloader table: {} tables, {} e820 entries: more than hvmloader writes",
            info.tables_nr,
            info.e820_nr
        );
        return None;
    }
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
