//! `grant_table.h`: version 1 grant entries and `HYPERVISOR_grant_table_op`.
//!
//! A guest lets another domain map one of its pages by filling a [`GrantEntryV1`] in its
//! grant table and handing the entry's index (a grant reference) to the other side. The
//! table's frames are mapped into the guest with `XENMEM_add_to_physmap(
//! XENMAPSPACE_grant_table, frame)` (QEMU's Xen emulation does not implement
//! `GNTTABOP_setup_table`). Entries `0..GNTTAB_NR_RESERVED_ENTRIES` belong to the toolstack
//! (entry [`GNTTAB_RESERVED_XENSTORE`] grants the xenstore ring); a guest's own grants start
//! at [`GNTTAB_NR_RESERVED_ENTRIES`].
//!
//! To grant a page: write `domid` and `frame`, then (after a write barrier) `flags =
//! GTF_permit_access` (`| GTF_readonly`). To revoke: the grant is in use while `flags` has
//! `GTF_reading` or `GTF_writing`; clear `flags` with a compare-and-exchange that expects
//! neither.

use core::mem::{align_of, offset_of, size_of};
use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::xen::Domid;

/// A grant reference: an index into the grant table (`grant_ref_t`).
pub type GrantRef = u32;
/// `grant_handle_t`.
pub type GrantHandle = u32;

/// A version 1 grant entry (`struct grant_entry_v1`), 8 bytes.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct GrantEntryV1 {
    /// `GTF_*`: type and flags. Write it last.
    pub flags: u16,
    /// The domain being granted access.
    pub domid: Domid,
    /// The guest frame (GFN) it may access.
    pub frame: u32,
}

const_assert_eq!(size_of::<GrantEntryV1>(), 8);
const_assert_eq!(offset_of!(GrantEntryV1, flags), 0);
const_assert_eq!(offset_of!(GrantEntryV1, domid), 2);
const_assert_eq!(offset_of!(GrantEntryV1, frame), 4);
const_assert_eq!(align_of::<GrantEntryV1>(), 4);

/// Grant entries per 4 KiB grant table frame (v1).
pub const GRANT_ENTRIES_V1_PER_FRAME: usize = crate::XEN_PAGE_SIZE / size_of::<GrantEntryV1>();
const_assert_eq!(GRANT_ENTRIES_V1_PER_FRAME, 512);

/// Entries reserved for the toolstack at the start of the table.
pub const GNTTAB_NR_RESERVED_ENTRIES: GrantRef = 8;
/// The reserved entry granting the PV console ring.
pub const GNTTAB_RESERVED_CONSOLE: GrantRef = 0;
/// The reserved entry granting the xenstore ring.
pub const GNTTAB_RESERVED_XENSTORE: GrantRef = 1;

// `flags`: the type (bits 1:0).
pub const GTF_INVALID: u16 = 0;
/// Allow `domid` to map/access `frame`.
pub const GTF_PERMIT_ACCESS: u16 = 1;
pub const GTF_ACCEPT_TRANSFER: u16 = 2;
pub const GTF_TRANSITIVE: u16 = 3;
pub const GTF_TYPE_MASK: u16 = 3;
// `flags`: sub-flags.
/// `domid` may only read.
pub const GTF_READONLY: u16 = 1 << 2;
/// Set by Xen while `domid` has the page mapped for reading.
pub const GTF_READING: u16 = 1 << 3;
/// Set by Xen while `domid` has the page mapped for writing.
pub const GTF_WRITING: u16 = 1 << 4;
pub const GTF_PWT: u16 = 1 << 5;
pub const GTF_PCD: u16 = 1 << 6;
pub const GTF_PAT: u16 = 1 << 7;
pub const GTF_SUB_PAGE: u16 = 1 << 8;
pub const GTF_TRANSFER_COMMITTED: u16 = 1 << 2;
pub const GTF_TRANSFER_COMPLETED: u16 = 1 << 3;

impl GrantEntryV1 {
    /// The entry granting `domid` access to guest frame `frame`.
    pub const fn permit_access(domid: Domid, frame: u32, readonly: bool) -> Self {
        let flags = if readonly {
            GTF_PERMIT_ACCESS | GTF_READONLY
        } else {
            GTF_PERMIT_ACCESS
        };
        Self {
            flags,
            domid,
            frame,
        }
    }

    /// Whether the grantee currently has the page mapped (the grant cannot be revoked yet).
    pub const fn in_use(&self) -> bool {
        self.flags & (GTF_READING | GTF_WRITING) != 0
    }
}

pub const GNTTABOP_MAP_GRANT_REF: u32 = 0;
pub const GNTTABOP_UNMAP_GRANT_REF: u32 = 1;
pub const GNTTABOP_SETUP_TABLE: u32 = 2;
pub const GNTTABOP_DUMP_TABLE: u32 = 3;
pub const GNTTABOP_TRANSFER: u32 = 4;
pub const GNTTABOP_COPY: u32 = 5;
pub const GNTTABOP_QUERY_SIZE: u32 = 6;
pub const GNTTABOP_UNMAP_AND_REPLACE: u32 = 7;
pub const GNTTABOP_SET_VERSION: u32 = 8;
pub const GNTTABOP_GET_STATUS_FRAMES: u32 = 9;
pub const GNTTABOP_GET_VERSION: u32 = 10;
pub const GNTTABOP_SWAP_GRANT_REF: u32 = 11;
pub const GNTTABOP_CACHE_FLUSH: u32 = 12;

// Per-operation status (`status` fields; `enum grant_status`).
pub const GNTST_OKAY: i16 = 0;
pub const GNTST_GENERAL_ERROR: i16 = -1;
pub const GNTST_BAD_DOMAIN: i16 = -2;
pub const GNTST_BAD_GNTREF: i16 = -3;
pub const GNTST_BAD_HANDLE: i16 = -4;
pub const GNTST_BAD_VIRT_ADDR: i16 = -5;
pub const GNTST_BAD_DEV_ADDR: i16 = -6;
pub const GNTST_NO_DEVICE_SPACE: i16 = -7;
pub const GNTST_PERMISSION_DENIED: i16 = -8;
pub const GNTST_BAD_PAGE: i16 = -9;
pub const GNTST_BAD_COPY_ARG: i16 = -10;
pub const GNTST_ADDRESS_TOO_BIG: i16 = -11;
pub const GNTST_EAGAIN: i16 = -12;
pub const GNTST_NO_SPACE: i16 = -13;

/// `GNTTABOP_query_size` (`struct gnttab_query_size`), one layout for both bitnesses.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct GnttabQuerySize {
    /// IN: [`crate::xen::DOMID_SELF`].
    pub dom: Domid,
    pub _pad0: [u8; 2],
    /// OUT: frames in use.
    pub nr_frames: u32,
    /// OUT: the most frames the table may grow to.
    pub max_nr_frames: u32,
    /// OUT: `GNTST_*`.
    pub status: i16,
    pub _pad1: [u8; 2],
}

const_assert_eq!(size_of::<GnttabQuerySize>(), 16);
const_assert_eq!(offset_of!(GnttabQuerySize, dom), 0);
const_assert_eq!(offset_of!(GnttabQuerySize, nr_frames), 4);
const_assert_eq!(offset_of!(GnttabQuerySize, max_nr_frames), 8);
const_assert_eq!(offset_of!(GnttabQuerySize, status), 12);

/// The 32-bit (compat) layout of `GNTTABOP_setup_table`. xenbios uses this one.
pub mod x86_32 {
    use super::Domid;
    use crate::xen::x86_32::GuestHandle;
    use core::mem::{offset_of, size_of};
    use static_assertions::const_assert_eq;
    use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

    /// `struct gnttab_setup_table` (i386): Xen writes `nr_frames` frame numbers (32-bit
    /// `xen_pfn_t`) to `frame_list`.
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C)]
    pub struct GnttabSetupTable {
        pub dom: Domid,
        pub _pad0: [u8; 2],
        pub nr_frames: u32,
        /// OUT: `GNTST_*`.
        pub status: i16,
        pub _pad1: [u8; 2],
        pub frame_list: GuestHandle,
    }

    const_assert_eq!(size_of::<GnttabSetupTable>(), 16);
    const_assert_eq!(offset_of!(GnttabSetupTable, dom), 0);
    const_assert_eq!(offset_of!(GnttabSetupTable, nr_frames), 4);
    const_assert_eq!(offset_of!(GnttabSetupTable, status), 8);
    const_assert_eq!(offset_of!(GnttabSetupTable, frame_list), 12);
}

/// The 64-bit layout of `GNTTABOP_setup_table`.
pub mod x86_64 {
    use super::Domid;
    use crate::xen::x86_64::GuestHandle;
    use core::mem::{align_of, offset_of, size_of};
    use static_assertions::const_assert_eq;
    use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

    /// `struct gnttab_setup_table` (x86-64).
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C, align(8))]
    pub struct GnttabSetupTable {
        pub dom: Domid,
        pub _pad0: [u8; 2],
        pub nr_frames: u32,
        pub status: i16,
        pub _pad1: [u8; 6],
        pub frame_list: GuestHandle,
    }

    const_assert_eq!(size_of::<GnttabSetupTable>(), 24);
    const_assert_eq!(offset_of!(GnttabSetupTable, dom), 0);
    const_assert_eq!(offset_of!(GnttabSetupTable, nr_frames), 4);
    const_assert_eq!(offset_of!(GnttabSetupTable, status), 8);
    const_assert_eq!(offset_of!(GnttabSetupTable, frame_list), 16);
    const_assert_eq!(align_of::<GnttabSetupTable>(), 8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permit_access_entries() {
        let rw = GrantEntryV1::permit_access(0, 0x41, false);
        assert_eq!(rw.as_bytes(), &[1, 0, 0, 0, 0x41, 0, 0, 0]);
        let ro = GrantEntryV1::permit_access(0, 0x42, true);
        assert_eq!(ro.flags, 5);
        assert!(!ro.in_use());
        let busy = GrantEntryV1 {
            flags: rw.flags | GTF_WRITING,
            ..rw
        };
        assert!(busy.in_use());
    }
}
