//! `arch-x86/hvm/start_info.h`: what Xen's domain builder hands a 32-bit entry point in EBX
//! (a PVH kernel, or an HVM firmware started directly by xl.cfg `firmware=`). Version 1
//! (Xen 4.11 and later) adds the memory map. For an HVM guest with a device model the
//! builder lists one module, the default BIOS, with the command line `"firmware"`
//! (tools/libs/guest/xg_dom_x86.c, `bootlate_hvm`), and no command line or RSDP.

use core::mem::{offset_of, size_of};
use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `XEN_HVM_START_MAGIC_VALUE` ("xEn3" with the 0x80 bit of the "E" set).
pub const XEN_HVM_START_MAGIC_VALUE: u32 = 0x336e_c578;
/// The version that adds `memmap_paddr` and `memmap_entries`.
pub const HVM_START_INFO_VERSION_MEMMAP: u32 = 1;

/// `struct hvm_start_info`. Every 64-bit field sits on an 8-byte offset, so the offsets are
/// the same for 32- and 64-bit guests; `packed(4)` gives the i386 alignment everywhere.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C, packed(4))]
pub struct HvmStartInfo {
    pub magic: u32,
    pub version: u32,
    /// `SIF_*` flags.
    pub flags: u32,
    pub nr_modules: u32,
    /// Physical address of `nr_modules` [`HvmModlistEntry`]s.
    pub modlist_paddr: u64,
    pub cmdline_paddr: u64,
    pub rsdp_paddr: u64,
    /// Version 1: physical address of `memmap_entries` [`HvmMemmapTableEntry`]s.
    pub memmap_paddr: u64,
    pub memmap_entries: u32,
    pub reserved: u32,
}

/// `struct hvm_modlist_entry`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C, packed(4))]
pub struct HvmModlistEntry {
    pub paddr: u64,
    pub size: u64,
    /// Physical address of the module's NUL-terminated command line (0: none).
    pub cmdline_paddr: u64,
    pub reserved: u64,
}

/// `struct hvm_memmap_table_entry`: `type` is an e820 type (`XEN_HVM_MEMMAP_TYPE_*`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C, packed(4))]
pub struct HvmMemmapTableEntry {
    pub addr: u64,
    pub size: u64,
    pub r#type: u32,
    pub reserved: u32,
}

const_assert_eq!(size_of::<HvmStartInfo>(), 56);
const_assert_eq!(offset_of!(HvmStartInfo, nr_modules), 12);
const_assert_eq!(offset_of!(HvmStartInfo, modlist_paddr), 16);
const_assert_eq!(offset_of!(HvmStartInfo, cmdline_paddr), 24);
const_assert_eq!(offset_of!(HvmStartInfo, rsdp_paddr), 32);
const_assert_eq!(offset_of!(HvmStartInfo, memmap_paddr), 40);
const_assert_eq!(offset_of!(HvmStartInfo, memmap_entries), 48);
const_assert_eq!(size_of::<HvmModlistEntry>(), 32);
const_assert_eq!(offset_of!(HvmModlistEntry, cmdline_paddr), 16);
const_assert_eq!(size_of::<HvmMemmapTableEntry>(), 24);
const_assert_eq!(offset_of!(HvmMemmapTableEntry, r#type), 16);
