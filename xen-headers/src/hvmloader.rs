//! The table hvmloader leaves for a SeaBIOS-type BIOS (`struct seabios_info`).
//!
//! **Not from a public header**: the layout is private to hvmloader
//! (`tools/firmware/hvmloader/seabios.c`, `config-seabios.h`) and to SeaBIOS (`src/fw/xen.c`),
//! which both define it identically; the ABI test cannot check it against C and does not.
//!
//! Under real Xen, hvmloader runs before the BIOS: it builds ACPI, MP, SMBIOS and PIR tables
//! and an e820 map, and leaves this table at [`BIOS_INFO_PHYSICAL_ADDRESS`] pointing at them.
//! The table is valid when its signature is [`SEABIOS_INFO_SIGNATURE`], its `length` is at
//! least the size of [`SeabiosInfo`], and the bytes `0..length` sum to 0 (mod 256). Without
//! hvmloader (QEMU's Xen emulation) there is no table.

use core::mem::{offset_of, size_of};
use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Where hvmloader puts the table (`BIOS_INFO_PHYSICAL_ADDRESS`).
pub const BIOS_INFO_PHYSICAL_ADDRESS: u32 = 0x1000;

/// The table's signature, NUL included: `"XenHVMSeaBIOS\0"`.
pub const SEABIOS_INFO_SIGNATURE: [u8; 14] = *b"XenHVMSeaBIOS\0";

/// The most BIOS tables hvmloader lists (`MAX_TABLES`): RSDP, MP, SMBIOS entry point, PIR.
pub const SEABIOS_INFO_MAX_TABLES: u32 = 4;

/// `struct seabios_info`, 32 bytes, byte-packed.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C, packed)]
pub struct SeabiosInfo {
    /// [`SEABIOS_INFO_SIGNATURE`].
    pub signature: [u8; 14],
    /// Bytes covered by `checksum` (the size of this structure).
    pub length: u8,
    /// Makes the bytes `0..length` sum to 0.
    pub checksum: u8,
    /// Physical address of `tables_nr` 32-bit physical addresses of BIOS tables.
    pub tables: u32,
    pub tables_nr: u32,
    /// Physical address of `e820_nr` [`HvmloaderE820Entry`]s.
    pub e820: u32,
    pub e820_nr: u32,
}

const_assert_eq!(size_of::<SeabiosInfo>(), 32);
const_assert_eq!(offset_of!(SeabiosInfo, signature), 0);
const_assert_eq!(offset_of!(SeabiosInfo, length), 14);
const_assert_eq!(offset_of!(SeabiosInfo, checksum), 15);
const_assert_eq!(offset_of!(SeabiosInfo, tables), 16);
const_assert_eq!(offset_of!(SeabiosInfo, tables_nr), 20);
const_assert_eq!(offset_of!(SeabiosInfo, e820), 24);
const_assert_eq!(offset_of!(SeabiosInfo, e820_nr), 28);

/// One entry of hvmloader's e820 list (`struct e820entry`, `hvmloader/e820.h`), 20 bytes.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C, packed)]
pub struct HvmloaderE820Entry {
    pub addr: u64,
    pub size: u64,
    /// `E820_RAM` (1), `E820_RESERVED` (2), `E820_ACPI` (3), `E820_NVS` (4).
    pub r#type: u32,
}

const_assert_eq!(size_of::<HvmloaderE820Entry>(), 20);
const_assert_eq!(offset_of!(HvmloaderE820Entry, size), 8);
const_assert_eq!(offset_of!(HvmloaderE820Entry, r#type), 16);

/// hvmloader's e820 list has room for this many entries (`seabios_setup_e820`).
pub const SEABIOS_INFO_MAX_E820: u32 = 16;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_and_layout() {
        assert_eq!(&SEABIOS_INFO_SIGNATURE[..13], b"XenHVMSeaBIOS");
        let t = SeabiosInfo {
            signature: SEABIOS_INFO_SIGNATURE,
            length: 32,
            checksum: 0,
            tables: 0x2000,
            tables_nr: 3,
            e820: 0x3000,
            e820_nr: 5,
        };
        let b = t.as_bytes();
        assert_eq!(b[14], 32);
        assert_eq!(&b[16..20], &[0, 0x20, 0, 0]);
        assert_eq!(&b[28..32], &[5, 0, 0, 0]);
    }
}
