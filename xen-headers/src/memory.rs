//! `memory.h`: `HYPERVISOR_memory_op`.
//!
//! An HVM guest places Xen-owned pages (the shared info page, grant table frames) into its
//! physical address space with `memory_op(XENMEM_add_to_physmap, &XenAddToPhysmap { domid:
//! DOMID_SELF, space: XENMAPSPACE_grant_table, idx: frame, gpfn, .. })`. The argument holds
//! `xen_ulong_t` and `xen_pfn_t` fields, so a 32-bit caller passes
//! [`x86_32::XenAddToPhysmap`] (16 bytes) and a 64-bit one [`x86_64::XenAddToPhysmap`] (24).

use crate::xen::Domid;

pub const XENMEM_INCREASE_RESERVATION: u32 = 0;
pub const XENMEM_DECREASE_RESERVATION: u32 = 1;
pub const XENMEM_MAXIMUM_RAM_PAGE: u32 = 2;
pub const XENMEM_CURRENT_RESERVATION: u32 = 3;
pub const XENMEM_MAXIMUM_RESERVATION: u32 = 4;
pub const XENMEM_MACHPHYS_MFN_LIST: u32 = 5;
pub const XENMEM_POPULATE_PHYSMAP: u32 = 6;
/// Map a page of a `XENMAPSPACE_*` at a guest frame.
pub const XENMEM_ADD_TO_PHYSMAP: u32 = 7;
/// The guest's pseudo-physical memory map, as E820 entries.
pub const XENMEM_MEMORY_MAP: u32 = 9;
/// Bytes of one entry of `XENMEM_memory_map`'s buffer: Xen's `struct e820entry` (u64 address,
/// u64 size, u32 type, packed), the layout of the BIOS's int15/E820 too.
pub const E820_ENTRY_SIZE: usize = 20;
pub const XENMEM_MACHINE_MEMORY_MAP: u32 = 10;
pub const XENMEM_EXCHANGE: u32 = 11;
pub const XENMEM_MACHPHYS_MAPPING: u32 = 12;
pub const XENMEM_SET_MEMORY_MAP: u32 = 13;
pub const XENMEM_MAXIMUM_GPFN: u32 = 14;
/// Unmap whatever is mapped at a guest frame.
pub const XENMEM_REMOVE_FROM_PHYSMAP: u32 = 15;
pub const XENMEM_ADD_TO_PHYSMAP_BATCH: u32 = 23;

// Spaces for `XENMEM_add_to_physmap` (`enum phys_map_space`).
/// The shared info page (`idx` 0).
pub const XENMAPSPACE_SHARED_INFO: u32 = 0;
/// Grant table frame `idx` (or status frame `idx | XENMAPIDX_grant_table_status`).
pub const XENMAPSPACE_GRANT_TABLE: u32 = 1;
pub const XENMAPSPACE_GMFN: u32 = 2;
pub const XENMAPSPACE_GMFN_RANGE: u32 = 3;
pub const XENMAPSPACE_GMFN_FOREIGN: u32 = 4;
pub const XENMAPSPACE_DEV_MMIO: u32 = 5;
/// Or-ed into `idx` with `XENMAPSPACE_grant_table`: a v2 status frame.
pub const XENMAPIDX_GRANT_TABLE_STATUS: u32 = 0x8000_0000;

/// The 32-bit (compat) argument layouts. xenbios uses these.
pub mod x86_32 {
    use super::Domid;
    use crate::xen::x86_32::{GuestHandle, XenPfn, XenUlong};
    use core::mem::{align_of, offset_of, size_of};
    use static_assertions::const_assert_eq;
    use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

    /// `struct xen_add_to_physmap` (i386).
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C)]
    pub struct XenAddToPhysmap {
        /// The domain whose physmap changes: [`crate::xen::DOMID_SELF`].
        pub domid: Domid,
        /// Pages to map, for `XENMAPSPACE_gmfn_range` only.
        pub size: u16,
        /// `XENMAPSPACE_*`.
        pub space: u32,
        /// Index within the space (grant table frame number, ...).
        pub idx: XenUlong,
        /// The guest frame where the page appears.
        pub gpfn: XenPfn,
    }

    /// `struct xen_remove_from_physmap` (i386).
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C)]
    pub struct XenRemoveFromPhysmap {
        pub domid: Domid,
        pub _pad0: [u8; 2],
        pub gpfn: XenPfn,
    }

    /// `struct xen_memory_map` (i386): `buffer` points at `nr_entries` 20-byte E820 entries.
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C)]
    pub struct XenMemoryMap {
        /// IN: capacity of `buffer` in entries; OUT: entries stored.
        pub nr_entries: u32,
        pub buffer: GuestHandle,
    }

    const_assert_eq!(size_of::<XenAddToPhysmap>(), 16);
    const_assert_eq!(offset_of!(XenAddToPhysmap, domid), 0);
    const_assert_eq!(offset_of!(XenAddToPhysmap, size), 2);
    const_assert_eq!(offset_of!(XenAddToPhysmap, space), 4);
    const_assert_eq!(offset_of!(XenAddToPhysmap, idx), 8);
    const_assert_eq!(offset_of!(XenAddToPhysmap, gpfn), 12);
    const_assert_eq!(align_of::<XenAddToPhysmap>(), 4);

    const_assert_eq!(size_of::<XenRemoveFromPhysmap>(), 8);
    const_assert_eq!(offset_of!(XenRemoveFromPhysmap, domid), 0);
    const_assert_eq!(offset_of!(XenRemoveFromPhysmap, gpfn), 4);

    const_assert_eq!(size_of::<XenMemoryMap>(), 8);
    const_assert_eq!(offset_of!(XenMemoryMap, nr_entries), 0);
    const_assert_eq!(offset_of!(XenMemoryMap, buffer), 4);
}

/// The 64-bit argument layouts.
pub mod x86_64 {
    use super::Domid;
    use crate::xen::x86_64::{GuestHandle, XenPfn, XenUlong};
    use core::mem::{align_of, offset_of, size_of};
    use static_assertions::const_assert_eq;
    use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

    /// `struct xen_add_to_physmap` (x86-64).
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C, align(8))]
    pub struct XenAddToPhysmap {
        pub domid: Domid,
        pub size: u16,
        pub space: u32,
        pub idx: XenUlong,
        pub gpfn: XenPfn,
    }

    /// `struct xen_remove_from_physmap` (x86-64).
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C, align(8))]
    pub struct XenRemoveFromPhysmap {
        pub domid: Domid,
        pub _pad0: [u8; 6],
        pub gpfn: XenPfn,
    }

    /// `struct xen_memory_map` (x86-64).
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C, align(8))]
    pub struct XenMemoryMap {
        pub nr_entries: u32,
        pub _pad0: [u8; 4],
        pub buffer: GuestHandle,
    }

    const_assert_eq!(size_of::<XenAddToPhysmap>(), 24);
    const_assert_eq!(offset_of!(XenAddToPhysmap, domid), 0);
    const_assert_eq!(offset_of!(XenAddToPhysmap, size), 2);
    const_assert_eq!(offset_of!(XenAddToPhysmap, space), 4);
    const_assert_eq!(offset_of!(XenAddToPhysmap, idx), 8);
    const_assert_eq!(offset_of!(XenAddToPhysmap, gpfn), 16);
    const_assert_eq!(align_of::<XenAddToPhysmap>(), 8);

    const_assert_eq!(size_of::<XenRemoveFromPhysmap>(), 16);
    const_assert_eq!(offset_of!(XenRemoveFromPhysmap, domid), 0);
    const_assert_eq!(offset_of!(XenRemoveFromPhysmap, gpfn), 8);

    const_assert_eq!(size_of::<XenMemoryMap>(), 16);
    const_assert_eq!(offset_of!(XenMemoryMap, nr_entries), 0);
    const_assert_eq!(offset_of!(XenMemoryMap, buffer), 8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use zerocopy::IntoBytes;

    #[test]
    fn add_to_physmap_compat_bytes() {
        // Grant table frame 0 at guest frame 0x40, the way a 32-bit HVM guest passes it.
        let a = x86_32::XenAddToPhysmap {
            domid: crate::xen::DOMID_SELF,
            size: 0,
            space: XENMAPSPACE_GRANT_TABLE,
            idx: 0,
            gpfn: 0x40,
        };
        assert_eq!(
            a.as_bytes(),
            &[0xf0, 0x7f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0]
        );
    }
}
