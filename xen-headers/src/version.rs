//! `version.h` (and the feature numbers of `features.h`): `HYPERVISOR_xen_version` commands.
//!
//! `xen_version(XENVER_version, NULL)` returns `major << 16 | minor`; the other commands
//! return 0 and fill the buffer their argument points to, or `-XEN_ENOSYS` where the
//! hypervisor does not implement them (QEMU's Xen emulation answers `XENVER_extraversion`
//! so).

use core::mem::{offset_of, size_of};
use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

pub const XENVER_VERSION: u32 = 0;
pub const XENVER_EXTRAVERSION: u32 = 1;
pub const XENVER_COMPILE_INFO: u32 = 2;
pub const XENVER_CAPABILITIES: u32 = 3;
pub const XENVER_CHANGESET: u32 = 4;
pub const XENVER_PLATFORM_PARAMETERS: u32 = 5;
pub const XENVER_GET_FEATURES: u32 = 6;
pub const XENVER_PAGESIZE: u32 = 7;
pub const XENVER_GUEST_HANDLE: u32 = 8;
pub const XENVER_COMMANDLINE: u32 = 9;
pub const XENVER_BUILD_ID: u32 = 10;

/// `xen_extraversion_t`: the version suffix (".7-pre" etc.), NUL-padded.
pub type XenExtraversion = [u8; XEN_EXTRAVERSION_LEN];
/// `sizeof(xen_extraversion_t)`.
pub const XEN_EXTRAVERSION_LEN: usize = 16;
/// `xen_capabilities_info_t`.
pub type XenCapabilitiesInfo = [u8; XEN_CAPABILITIES_INFO_LEN];
pub const XEN_CAPABILITIES_INFO_LEN: usize = 1024;
/// `xen_changeset_info_t`.
pub type XenChangesetInfo = [u8; XEN_CHANGESET_INFO_LEN];
pub const XEN_CHANGESET_INFO_LEN: usize = 64;

/// Splits the result of `XENVER_version` into (major, minor).
pub const fn version_split(version: u32) -> (u16, u16) {
    ((version >> 16) as u16, version as u16)
}

/// The argument of `XENVER_get_features` (`struct xen_feature_info`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct XenFeatureInfo {
    /// IN: which 32-bit submap to return (only 0 exists, `XENFEAT_NR_SUBMAPS`).
    pub submap_idx: u32,
    /// OUT: bit `n` set = feature `32 * submap_idx + n` present.
    pub submap: u32,
}

const_assert_eq!(size_of::<XenFeatureInfo>(), 8);
const_assert_eq!(offset_of!(XenFeatureInfo, submap_idx), 0);
const_assert_eq!(offset_of!(XenFeatureInfo, submap), 4);

// Feature numbers (`features.h`), bit numbers within the submaps.
pub const XENFEAT_WRITABLE_PAGE_TABLES: u32 = 0;
pub const XENFEAT_WRITABLE_DESCRIPTOR_TABLES: u32 = 1;
pub const XENFEAT_AUTO_TRANSLATED_PHYSMAP: u32 = 2;
pub const XENFEAT_SUPERVISOR_MODE_KERNEL: u32 = 3;
pub const XENFEAT_PAE_PGDIR_ABOVE_4GB: u32 = 4;
pub const XENFEAT_MMU_PT_UPDATE_PRESERVE_AD: u32 = 5;
pub const XENFEAT_HIGHMEM_ASSIST: u32 = 6;
pub const XENFEAT_GNTTAB_MAP_AVAIL_BITS: u32 = 7;
/// `HVM_PARAM_CALLBACK_TYPE_VECTOR` is available.
pub const XENFEAT_HVM_CALLBACK_VECTOR: u32 = 8;
pub const XENFEAT_HVM_SAFE_PVCLOCK: u32 = 9;
pub const XENFEAT_HVM_PIRQS: u32 = 10;
pub const XENFEAT_DOM0: u32 = 11;
pub const XENFEAT_MEMORY_OP_VNODE_SUPPORTED: u32 = 13;
pub const XENFEAT_ARM_SMCCC_SUPPORTED: u32 = 14;
pub const XENFEAT_LINUX_RSDP_UNRESTRICTED: u32 = 15;
pub const XENFEAT_NOT_DIRECT_MAPPED: u32 = 16;
pub const XENFEAT_DIRECT_MAPPED: u32 = 17;
/// Number of 32-bit feature submaps.
pub const XENFEAT_NR_SUBMAPS: u32 = 1;

#[cfg(test)]
mod tests {
    #[test]
    fn version_split() {
        assert_eq!(super::version_split(0x0004_0011), (4, 17));
        assert_eq!(super::version_split(0x0004_000a), (4, 10));
    }
}
