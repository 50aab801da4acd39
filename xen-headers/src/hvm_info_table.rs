//! `hvm/hvm_info_table.h`: the table Xen's domain builder writes into every HVM guest with a
//! device model, at [`HVM_INFO_PADDR`], before the firmware runs. hvmloader reads it; a
//! firmware that Xen starts directly (xl.cfg `firmware=`) reads it instead. libxl rewrites
//! `apic_mode`, `nr_vcpus` and `vcpu_online` after the build and fixes the checksum
//! (tools/libs/light/libxl_dom.c, `hvm_build_set_params`).
//!
//! The table is valid when its signature is [`HVM_INFO_SIGNATURE`], its `length` covers the
//! structure, and its `length` bytes sum to 0 (mod 256).

use core::mem::{offset_of, size_of};
use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `HVM_INFO_PFN`, `HVM_INFO_OFFSET`, `HVM_INFO_PADDR`: the page and offset of the table.
pub const HVM_INFO_PFN: u32 = 0x09f;
pub const HVM_INFO_OFFSET: u32 = 0x800;
pub const HVM_INFO_PADDR: u32 = (HVM_INFO_PFN << 12) + HVM_INFO_OFFSET;

/// `HVM_MAX_VCPUS`: "Maximum we can support with current vLAPIC ID mapping" (APIC ID =
/// 2 x vCPU id, which must fit in 8 bits).
pub const HVM_MAX_VCPUS: u32 = 128;

/// The signature, `"HVM INFO"`.
pub const HVM_INFO_SIGNATURE: [u8; 8] = *b"HVM INFO";

/// `struct hvm_info_table`, 48 bytes (the same for 32- and 64-bit guests).
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct HvmInfoTable {
    pub signature: [u8; 8],
    /// Bytes the checksum covers.
    pub length: u32,
    pub checksum: u8,
    /// "Should firmware build APIC descriptors (APIC MADT / MP BIOS)?"
    pub apic_mode: u8,
    pub _pad0: [u8; 2],
    /// vCPUs of the domain (`max_vcpus`).
    pub nr_vcpus: u32,
    /// RAM below 4 GiB ends at `low_mem_pgend << 12` (except the VGA hole 0xA0000-0xBFFFF).
    pub low_mem_pgend: u32,
    /// `reserved_mem_pgstart << 12` up to 4 GiB: "Reserved for special memory mappings"
    /// (xenstore, ioreq and console pages).
    pub reserved_mem_pgstart: u32,
    /// RAM above 4 GiB ends at `high_mem_pgend << 12` (0: none).
    pub high_mem_pgend: u32,
    /// Bit `n`: vCPU `n` is online at boot.
    pub vcpu_online: [u8; (HVM_MAX_VCPUS as usize).div_ceil(8)],
}

const_assert_eq!(size_of::<HvmInfoTable>(), 48);
const_assert_eq!(offset_of!(HvmInfoTable, length), 8);
const_assert_eq!(offset_of!(HvmInfoTable, checksum), 12);
const_assert_eq!(offset_of!(HvmInfoTable, apic_mode), 13);
const_assert_eq!(offset_of!(HvmInfoTable, nr_vcpus), 16);
const_assert_eq!(offset_of!(HvmInfoTable, low_mem_pgend), 20);
const_assert_eq!(offset_of!(HvmInfoTable, reserved_mem_pgstart), 24);
const_assert_eq!(offset_of!(HvmInfoTable, high_mem_pgend), 28);
const_assert_eq!(offset_of!(HvmInfoTable, vcpu_online), 32);
