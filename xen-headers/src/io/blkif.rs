//! `io/blkif.h`: the PV block device protocol (blkfront/blkback), in both ring layouts.
//!
//! # The two layouts
//!
//! `struct blkif_request` and `struct blkif_response` hold `uint64_t` fields (`id`,
//! `sector_number`), which the i386 C ABI aligns to 4 bytes and x86-64 to 8. A backend serves
//! either layout and picks it from the frontend's `protocol` xenstore node
//! ([`XEN_IO_PROTO_ABI_X86_32`] or [`XEN_IO_PROTO_ABI_X86_64`]); **without that node it assumes
//! its own native layout** (x86_64 for a 64-bit dom0 or QEMU). So a 32-bit frontend must either
//! write `protocol = "x86_32-abi"` and use [`x86_32`], or use [`x86_64`] (and may then still
//! write `"x86_64-abi"` to be explicit).
//!
//! | | `x86_32` | `x86_64` |
//! |---|---|---|
//! | `blkif_request`: `id` / `sector_number` / `seg` | 4 / 12 / 20 | 8 / 16 / 24 |
//! | `sizeof(blkif_request)` | 108 | 112 |
//! | `blkif_response`: `id` / `operation` / `status` | 0 / 8 / 10 | 0 / 8 / 10 |
//! | `sizeof(blkif_response)` | 12 | 16 |
//! | ring entry (union) | 108, align 4 | 112, align 8 |
//! | entries in a 4 KiB ring: `(4096 - 64) / entry`, rounded down to 2^n | 37 → **32** | 36 → **32** |
//!
//! The `x86_32` structures are `#[repr(C, packed(4))]`, the `x86_64` ones `#[repr(C, align(8))]`
//! with explicit padding, so both are exact whatever the compilation target. Read fields of the
//! packed ones by value.
//!
//! # Units
//!
//! `sector_number`, `first_sect` and `last_sect` are in **512-byte units** whatever the
//! backend's `sector-size` node says; so is the backend's `sectors` node. (Xen 4.17's header
//! text said "units of sector-size"; later Xen corrected the text to match what Linux, QEMU and
//! blkback do.) A segment covers sectors `first_sect..=last_sect` of one granted 4 KiB page
//! (0..=7), and a request carries at most [`BLKIF_MAX_SEGMENTS_PER_REQUEST`] segments.
//!
//! # Handshake (xenstore, `device/vbd/<id>` for the frontend)
//!
//! Read `backend`; wait for the backend's `state` to be `InitWait` (2); read `sectors`,
//! `sector-size`, `info` ([`VDISK_CDROM`], ...); grant the ring page; allocate an unbound event
//! channel for the backend domain; write `ring-ref`, `event-channel`, `protocol`, then `state
//! = 3` (Initialised); wait for the backend's `state = 4` (Connected) and write `state = 4`.

use core::mem::{offset_of, size_of};
use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::grant_table::GrantRef;
pub use crate::io::protocols::{XEN_IO_PROTO_ABI_X86_32, XEN_IO_PROTO_ABI_X86_64};
use crate::io::ring::{SRING_HEADER_SIZE, SringHeader, const_ring_size};

/// `blkif_vdev_t`: the `handle` field, the low 16 bits of `virtual-device`.
pub type BlkifVdev = u16;
/// `blkif_sector_t`.
pub type BlkifSector = u64;

pub const BLKIF_OP_READ: u8 = 0;
pub const BLKIF_OP_WRITE: u8 = 1;
/// Needs `feature-barrier`.
pub const BLKIF_OP_WRITE_BARRIER: u8 = 2;
/// Needs `feature-flush-cache`; a request without segments.
pub const BLKIF_OP_FLUSH_DISKCACHE: u8 = 3;
pub const BLKIF_OP_RESERVED_1: u8 = 4;
/// Needs `feature-discard`; see `BlkifRequestDiscard`.
pub const BLKIF_OP_DISCARD: u8 = 5;
/// Needs `feature-max-indirect-segments`; see `BlkifRequestIndirect`.
pub const BLKIF_OP_INDIRECT: u8 = 6;

/// Segments in one direct request.
pub const BLKIF_MAX_SEGMENTS_PER_REQUEST: usize = 11;
pub const BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST: usize = 8;
/// `BlkifRequestDiscard::flag`: erase securely (if `discard-secure`).
pub const BLKIF_DISCARD_SECURE: u8 = 1 << 0;

/// `blkif_response.status`: done.
pub const BLKIF_RSP_OKAY: i16 = 0;
/// The operation failed (I/O error).
pub const BLKIF_RSP_ERROR: i16 = -1;
/// The operation is not supported (only happens on barrier writes).
pub const BLKIF_RSP_EOPNOTSUPP: i16 = -2;

// The backend's `info` node: bits describing the disk.
pub const VDISK_CDROM: u32 = 0x1;
pub const VDISK_REMOVABLE: u32 = 0x2;
pub const VDISK_READONLY: u32 = 0x4;

/// Sector size of the ring's sector units.
pub const BLKIF_SECTOR_SIZE: usize = 512;
/// 512-byte sectors in one segment page (`last_sect` is at most this minus 1).
pub const BLKIF_SECTORS_PER_PAGE: u8 = (crate::XEN_PAGE_SIZE / BLKIF_SECTOR_SIZE) as u8;

/// One segment of a request (`struct blkif_request_segment`); the same 8 bytes in both layouts.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct BlkifRequestSegment {
    /// Grant reference of the data page.
    pub gref: GrantRef,
    /// First 512-byte sector within the page (inclusive).
    pub first_sect: u8,
    /// Last 512-byte sector within the page (inclusive).
    pub last_sect: u8,
    pub _pad0: [u8; 2],
}

const_assert_eq!(size_of::<BlkifRequestSegment>(), 8);
const_assert_eq!(offset_of!(BlkifRequestSegment, gref), 0);
const_assert_eq!(offset_of!(BlkifRequestSegment, first_sect), 4);
const_assert_eq!(offset_of!(BlkifRequestSegment, last_sect), 5);

impl BlkifRequestSegment {
    /// The segment for sectors `first..=last` of the page granted as `gref`.
    pub const fn new(gref: GrantRef, first_sect: u8, last_sect: u8) -> Self {
        Self {
            gref,
            first_sect,
            last_sect,
            _pad0: [0; 2],
        }
    }
}

// Xenstore nodes of the blkif handshake (documented in blkif.h; not macros there).
/// The directory of a domain's VBD frontends (relative to its home `/local/domain/<id>`).
pub const XENSTORE_VBD_DIR: &str = "device/vbd";
/// Frontend node: the backend's directory path.
pub const XENBUS_NODE_BACKEND: &str = "backend";
/// Frontend node: the backend's domain id.
pub const XENBUS_NODE_BACKEND_ID: &str = "backend-id";
/// Both sides: the `XenbusState`, in decimal.
pub const XENBUS_NODE_STATE: &str = "state";
/// Frontend node: grant reference of the (single-page) ring.
pub const XENBUS_NODE_RING_REF: &str = "ring-ref";
/// Frontend node: the event channel port allocated for the backend.
pub const XENBUS_NODE_EVENT_CHANNEL: &str = "event-channel";
/// Frontend node: the ring layout, [`XEN_IO_PROTO_ABI_X86_32`] or [`XEN_IO_PROTO_ABI_X86_64`].
pub const XENBUS_NODE_PROTOCOL: &str = "protocol";
/// Frontend node: the `virtual-device` number (see [`Vbd::decode`]).
pub const XENBUS_NODE_VIRTUAL_DEVICE: &str = "virtual-device";
/// Frontend node: "disk", "cdrom", ...
pub const XENBUS_NODE_DEVICE_TYPE: &str = "device-type";
/// Backend node: size in 512-byte sectors.
pub const XENBUS_NODE_SECTORS: &str = "sectors";
/// Backend node: logical sector size in bytes.
pub const XENBUS_NODE_SECTOR_SIZE: &str = "sector-size";
pub const XENBUS_NODE_PHYSICAL_SECTOR_SIZE: &str = "physical-sector-size";
/// Backend node: `VDISK_*` bits.
pub const XENBUS_NODE_INFO: &str = "info";
/// Backend node: "r" or "w".
pub const XENBUS_NODE_MODE: &str = "mode";
pub const XENBUS_NODE_FEATURE_FLUSH_CACHE: &str = "feature-flush-cache";
pub const XENBUS_NODE_FEATURE_BARRIER: &str = "feature-barrier";
pub const XENBUS_NODE_FEATURE_DISCARD: &str = "feature-discard";
pub const XENBUS_NODE_FEATURE_PERSISTENT: &str = "feature-persistent";
pub const XENBUS_NODE_FEATURE_MAX_INDIRECT_SEGMENTS: &str = "feature-max-indirect-segments";

/// The disk naming scheme a `virtual-device` number encodes (`xen-vbd-interface(7)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VbdKind {
    /// Xen virtual disk, `xvd*`.
    Xvd,
    /// SCSI disk, `sd*`.
    Sd,
    /// IDE disk, `hd*`: for HVM guests also present as an emulated IDE disk.
    Hd,
}

/// A decoded `virtual-device` number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vbd {
    pub kind: VbdKind,
    /// Disk number, 0 = `xvda` / `sda` / `hda`.
    pub disk: u32,
    /// Partition number, 0 = whole disk.
    pub partition: u32,
}

impl Vbd {
    /// Decodes a `virtual-device` number (the name of the `device/vbd/<id>` directory), per
    /// `xen-vbd-interface(7)`; `None` for reserved or deprecated encodings.
    ///
    /// | encoding | meaning |
    /// |---|---|
    /// | `1 << 28 \| disk << 8 \| partition` | xvd, disks or partitions 16 onwards |
    /// | `202 << 8 \| disk << 4 \| partition` | xvd, disks and partitions up to 15 |
    /// | `8 << 8 \| disk << 4 \| partition` | sd, disks and partitions up to 15 |
    /// | `3 << 8 \| disk << 6 \| partition` | hd, disks 0..1, partitions 0..63 |
    /// | `22 << 8 \| (disk - 2) << 6 \| partition` | hd, disks 2..3, partitions 0..63 |
    pub const fn decode(vdev: u32) -> Option<Self> {
        if vdev >> 28 == 1 {
            return Some(Self {
                kind: VbdKind::Xvd,
                disk: (vdev >> 8) & 0xf_ffff,
                partition: vdev & 0xff,
            });
        }
        if vdev >> 16 != 0 {
            return None;
        }
        let minor = vdev & 0xff;
        match vdev >> 8 {
            202 => Some(Self {
                kind: VbdKind::Xvd,
                disk: minor >> 4,
                partition: minor & 0xf,
            }),
            8 => Some(Self {
                kind: VbdKind::Sd,
                disk: minor >> 4,
                partition: minor & 0xf,
            }),
            3 => Some(Self {
                kind: VbdKind::Hd,
                disk: minor >> 6,
                partition: minor & 0x3f,
            }),
            22 => Some(Self {
                kind: VbdKind::Hd,
                disk: 2 + (minor >> 6),
                partition: minor & 0x3f,
            }),
            _ => None,
        }
    }
}

macro_rules! sring_accessors {
    () => {
        impl BlkifSringEntry {
            /// The entry holding request `req`.
            pub fn from_request(req: &BlkifRequest) -> Self {
                Self {
                    bytes: zerocopy::transmute!(*req),
                }
            }

            /// The entry read as a request.
            pub fn request(&self) -> BlkifRequest {
                zerocopy::transmute!(self.bytes)
            }

            /// Stores `req` in the entry.
            pub fn set_request(&mut self, req: &BlkifRequest) {
                self.bytes = zerocopy::transmute!(*req);
            }

            /// The entry read as a response.
            pub fn response(&self) -> BlkifResponse {
                let view: ResponseView = zerocopy::transmute!(self.bytes);
                view.rsp
            }

            /// Stores `rsp` in the entry (leaving the bytes past it alone, as C does).
            pub fn set_response(&mut self, rsp: &BlkifResponse) {
                let mut view: ResponseView = zerocopy::transmute!(self.bytes);
                view.rsp = *rsp;
                self.bytes = zerocopy::transmute!(view);
            }
        }

        impl BlkifSring {
            /// A zeroed ring with initialised indices (`SHARED_RING_INIT`).
            pub fn new() -> Self {
                let h = SringHeader::new();
                Self {
                    req_prod: h.req_prod,
                    req_event: h.req_event,
                    rsp_prod: h.rsp_prod,
                    rsp_event: h.rsp_event,
                    pvt: h.pvt,
                    pad: h.pad,
                    ring: [BlkifSringEntry {
                        bytes: [0; ENTRY_SIZE],
                    }; BLKIF_RING_SIZE as usize],
                }
            }
        }

        impl Default for BlkifSring {
            fn default() -> Self {
                Self::new()
            }
        }

        impl crate::io::ring::SharedRingIndices for BlkifSring {
            fn req_prod(&self) -> crate::io::ring::RingIdx {
                self.req_prod
            }
            fn set_req_prod(&mut self, v: crate::io::ring::RingIdx) {
                self.req_prod = v;
            }
            fn req_event(&self) -> crate::io::ring::RingIdx {
                self.req_event
            }
            fn rsp_prod(&self) -> crate::io::ring::RingIdx {
                self.rsp_prod
            }
            fn rsp_event(&self) -> crate::io::ring::RingIdx {
                self.rsp_event
            }
            fn set_rsp_event(&mut self, v: crate::io::ring::RingIdx) {
                self.rsp_event = v;
            }
        }

        // The ring header is the generic one, and the entries follow it.
        const_assert_eq!(
            offset_of!(BlkifSring, req_prod),
            offset_of!(SringHeader, req_prod)
        );
        const_assert_eq!(
            offset_of!(BlkifSring, req_event),
            offset_of!(SringHeader, req_event)
        );
        const_assert_eq!(
            offset_of!(BlkifSring, rsp_prod),
            offset_of!(SringHeader, rsp_prod)
        );
        const_assert_eq!(
            offset_of!(BlkifSring, rsp_event),
            offset_of!(SringHeader, rsp_event)
        );
        const_assert_eq!(offset_of!(BlkifSring, pvt), offset_of!(SringHeader, pvt));
        const_assert_eq!(offset_of!(BlkifSring, pad), offset_of!(SringHeader, pad));
        const_assert_eq!(offset_of!(BlkifSring, ring), SRING_HEADER_SIZE);
        // An entry is the larger of request and response.
        const_assert_eq!(ENTRY_SIZE, size_of::<BlkifRequest>());
        const_assert!(size_of::<BlkifResponse>() <= ENTRY_SIZE);
        const_assert_eq!(size_of::<BlkifSringEntry>(), ENTRY_SIZE);
        // The ring fits a page, and a 2^n ring of these entries is what fits.
        const_assert_eq!(
            BLKIF_RING_SIZE,
            const_ring_size(crate::XEN_PAGE_SIZE, ENTRY_SIZE)
        );
        const_assert_eq!(BLKIF_RING_SIZE, 32);
        const_assert!(size_of::<BlkifSring>() <= crate::XEN_PAGE_SIZE);
        const_assert_eq!(size_of::<BlkifSring>(), SRING_HEADER_SIZE + 32 * ENTRY_SIZE);
    };
}

/// The `x86_32-abi` layout: 64-bit fields 4-byte aligned.
pub mod x86_32 {
    use super::{
        BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST, BLKIF_MAX_SEGMENTS_PER_REQUEST, BlkifRequestSegment,
        BlkifSector, BlkifVdev, SRING_HEADER_SIZE, SringHeader, const_ring_size,
    };
    use crate::grant_table::GrantRef;
    use core::mem::{align_of, offset_of, size_of};
    use static_assertions::{const_assert, const_assert_eq};
    use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

    /// The value for the frontend's `protocol` node that selects this layout.
    pub const PROTOCOL: &str = super::XEN_IO_PROTO_ABI_X86_32;

    /// `struct blkif_request` (x86_32-abi), 108 bytes.
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C, packed(4))]
    pub struct BlkifRequest {
        /// `BLKIF_OP_*`.
        pub operation: u8,
        /// Segments used in `seg` (1..=11 for read/write).
        pub nr_segments: u8,
        /// The device (`virtual-device`), for read/write.
        pub handle: BlkifVdev,
        /// Echoed in the response.
        pub id: u64,
        /// First 512-byte sector on the disk.
        pub sector_number: BlkifSector,
        pub seg: [BlkifRequestSegment; BLKIF_MAX_SEGMENTS_PER_REQUEST],
    }

    /// `struct blkif_response` (x86_32-abi), 12 bytes.
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C, packed(4))]
    pub struct BlkifResponse {
        /// The request's `id`.
        pub id: u64,
        /// The request's `operation`.
        pub operation: u8,
        pub _pad0: u8,
        /// `BLKIF_RSP_*`.
        pub status: i16,
    }

    /// `struct blkif_request_discard` (x86_32-abi).
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C, packed(4))]
    pub struct BlkifRequestDiscard {
        pub operation: u8,
        /// `BLKIF_DISCARD_SECURE` or 0.
        pub flag: u8,
        pub handle: BlkifVdev,
        pub id: u64,
        pub sector_number: BlkifSector,
        pub nr_sectors: u64,
    }

    /// `struct blkif_request_indirect` (x86_32-abi; i386 adds `pad` to reach 64 bytes).
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C, packed(4))]
    pub struct BlkifRequestIndirect {
        pub operation: u8,
        /// `BLKIF_OP_READ` or `BLKIF_OP_WRITE`.
        pub indirect_op: u8,
        pub nr_segments: u16,
        pub id: u64,
        pub sector_number: BlkifSector,
        pub handle: BlkifVdev,
        pub _pad0: [u8; 2],
        pub indirect_grefs: [GrantRef; BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST],
        pub pad: u64,
    }

    const ENTRY_SIZE: usize = 108;

    /// One slot of the ring (`union blkif_sring_entry`): a request or a response.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
    #[repr(C, align(4))]
    pub struct BlkifSringEntry {
        pub bytes: [u8; ENTRY_SIZE],
    }

    #[derive(Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
    #[repr(C, packed(4))]
    struct ResponseView {
        rsp: BlkifResponse,
        rest: [u8; ENTRY_SIZE - size_of::<BlkifResponse>()],
    }

    /// Requests in a one-page ring (`__CONST_RING_SIZE(blkif, 4096)`).
    pub const BLKIF_RING_SIZE: u32 = const_ring_size(crate::XEN_PAGE_SIZE, ENTRY_SIZE);

    /// A one-page blkif shared ring (`struct blkif_sring` with its 32 entries).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
    #[repr(C)]
    pub struct BlkifSring {
        pub req_prod: u32,
        pub req_event: u32,
        pub rsp_prod: u32,
        pub rsp_event: u32,
        pub pvt: [u8; 4],
        pub pad: [u8; 44],
        pub ring: [BlkifSringEntry; BLKIF_RING_SIZE as usize],
    }

    sring_accessors!();

    const_assert_eq!(size_of::<BlkifRequest>(), 108);
    const_assert_eq!(offset_of!(BlkifRequest, operation), 0);
    const_assert_eq!(offset_of!(BlkifRequest, nr_segments), 1);
    const_assert_eq!(offset_of!(BlkifRequest, handle), 2);
    const_assert_eq!(offset_of!(BlkifRequest, id), 4);
    const_assert_eq!(offset_of!(BlkifRequest, sector_number), 12);
    const_assert_eq!(offset_of!(BlkifRequest, seg), 20);
    const_assert_eq!(align_of::<BlkifRequest>(), 4);

    const_assert_eq!(size_of::<BlkifResponse>(), 12);
    const_assert_eq!(offset_of!(BlkifResponse, id), 0);
    const_assert_eq!(offset_of!(BlkifResponse, operation), 8);
    const_assert_eq!(offset_of!(BlkifResponse, status), 10);
    const_assert_eq!(align_of::<BlkifResponse>(), 4);

    const_assert_eq!(size_of::<BlkifRequestDiscard>(), 28);
    const_assert_eq!(offset_of!(BlkifRequestDiscard, flag), 1);
    const_assert_eq!(offset_of!(BlkifRequestDiscard, handle), 2);
    const_assert_eq!(offset_of!(BlkifRequestDiscard, id), 4);
    const_assert_eq!(offset_of!(BlkifRequestDiscard, sector_number), 12);
    const_assert_eq!(offset_of!(BlkifRequestDiscard, nr_sectors), 20);

    const_assert_eq!(size_of::<BlkifRequestIndirect>(), 64);
    const_assert_eq!(offset_of!(BlkifRequestIndirect, indirect_op), 1);
    const_assert_eq!(offset_of!(BlkifRequestIndirect, nr_segments), 2);
    const_assert_eq!(offset_of!(BlkifRequestIndirect, id), 4);
    const_assert_eq!(offset_of!(BlkifRequestIndirect, sector_number), 12);
    const_assert_eq!(offset_of!(BlkifRequestIndirect, handle), 20);
    const_assert_eq!(offset_of!(BlkifRequestIndirect, indirect_grefs), 24);
    const_assert_eq!(offset_of!(BlkifRequestIndirect, pad), 56);

    const_assert_eq!(align_of::<BlkifSringEntry>(), 4);
}

/// The `x86_64-abi` layout: natural alignment (what a backend assumes without `protocol`).
pub mod x86_64 {
    use super::{
        BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST, BLKIF_MAX_SEGMENTS_PER_REQUEST, BlkifRequestSegment,
        BlkifSector, BlkifVdev, SRING_HEADER_SIZE, SringHeader, const_ring_size,
    };
    use crate::grant_table::GrantRef;
    use core::mem::{align_of, offset_of, size_of};
    use static_assertions::{const_assert, const_assert_eq};
    use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

    /// The value for the frontend's `protocol` node that selects this layout.
    pub const PROTOCOL: &str = super::XEN_IO_PROTO_ABI_X86_64;

    /// `struct blkif_request` (x86_64-abi), 112 bytes.
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C, align(8))]
    pub struct BlkifRequest {
        /// `BLKIF_OP_*`.
        pub operation: u8,
        /// Segments used in `seg` (1..=11 for read/write).
        pub nr_segments: u8,
        /// The device (`virtual-device`), for read/write.
        pub handle: BlkifVdev,
        pub _pad0: [u8; 4],
        /// Echoed in the response.
        pub id: u64,
        /// First 512-byte sector on the disk.
        pub sector_number: BlkifSector,
        pub seg: [BlkifRequestSegment; BLKIF_MAX_SEGMENTS_PER_REQUEST],
    }

    /// `struct blkif_response` (x86_64-abi), 16 bytes.
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C, align(8))]
    pub struct BlkifResponse {
        /// The request's `id`.
        pub id: u64,
        /// The request's `operation`.
        pub operation: u8,
        pub _pad0: u8,
        /// `BLKIF_RSP_*`.
        pub status: i16,
        pub _pad1: [u8; 4],
    }

    /// `struct blkif_request_discard` (x86_64-abi).
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C, align(8))]
    pub struct BlkifRequestDiscard {
        pub operation: u8,
        pub flag: u8,
        pub handle: BlkifVdev,
        pub _pad0: [u8; 4],
        pub id: u64,
        pub sector_number: BlkifSector,
        pub nr_sectors: u64,
    }

    /// `struct blkif_request_indirect` (x86_64-abi).
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C, align(8))]
    pub struct BlkifRequestIndirect {
        pub operation: u8,
        pub indirect_op: u8,
        pub nr_segments: u16,
        pub _pad0: [u8; 4],
        pub id: u64,
        pub sector_number: BlkifSector,
        pub handle: BlkifVdev,
        pub _pad1: [u8; 2],
        pub indirect_grefs: [GrantRef; BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST],
        pub _pad2: [u8; 4],
    }

    const ENTRY_SIZE: usize = 112;

    /// One slot of the ring (`union blkif_sring_entry`): a request or a response.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
    #[repr(C, align(8))]
    pub struct BlkifSringEntry {
        pub bytes: [u8; ENTRY_SIZE],
    }

    #[derive(Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
    #[repr(C, align(8))]
    struct ResponseView {
        rsp: BlkifResponse,
        rest: [u8; ENTRY_SIZE - size_of::<BlkifResponse>()],
    }

    /// Requests in a one-page ring (`__CONST_RING_SIZE(blkif, 4096)`).
    pub const BLKIF_RING_SIZE: u32 = const_ring_size(crate::XEN_PAGE_SIZE, ENTRY_SIZE);

    /// A one-page blkif shared ring (`struct blkif_sring` with its 32 entries).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
    #[repr(C, align(8))]
    pub struct BlkifSring {
        pub req_prod: u32,
        pub req_event: u32,
        pub rsp_prod: u32,
        pub rsp_event: u32,
        pub pvt: [u8; 4],
        pub pad: [u8; 44],
        pub ring: [BlkifSringEntry; BLKIF_RING_SIZE as usize],
    }

    sring_accessors!();

    const_assert_eq!(size_of::<BlkifRequest>(), 112);
    const_assert_eq!(offset_of!(BlkifRequest, operation), 0);
    const_assert_eq!(offset_of!(BlkifRequest, nr_segments), 1);
    const_assert_eq!(offset_of!(BlkifRequest, handle), 2);
    const_assert_eq!(offset_of!(BlkifRequest, id), 8);
    const_assert_eq!(offset_of!(BlkifRequest, sector_number), 16);
    const_assert_eq!(offset_of!(BlkifRequest, seg), 24);
    const_assert_eq!(align_of::<BlkifRequest>(), 8);

    const_assert_eq!(size_of::<BlkifResponse>(), 16);
    const_assert_eq!(offset_of!(BlkifResponse, id), 0);
    const_assert_eq!(offset_of!(BlkifResponse, operation), 8);
    const_assert_eq!(offset_of!(BlkifResponse, status), 10);
    const_assert_eq!(align_of::<BlkifResponse>(), 8);

    const_assert_eq!(size_of::<BlkifRequestDiscard>(), 32);
    const_assert_eq!(offset_of!(BlkifRequestDiscard, flag), 1);
    const_assert_eq!(offset_of!(BlkifRequestDiscard, handle), 2);
    const_assert_eq!(offset_of!(BlkifRequestDiscard, id), 8);
    const_assert_eq!(offset_of!(BlkifRequestDiscard, sector_number), 16);
    const_assert_eq!(offset_of!(BlkifRequestDiscard, nr_sectors), 24);

    const_assert_eq!(size_of::<BlkifRequestIndirect>(), 64);
    const_assert_eq!(offset_of!(BlkifRequestIndirect, indirect_op), 1);
    const_assert_eq!(offset_of!(BlkifRequestIndirect, nr_segments), 2);
    const_assert_eq!(offset_of!(BlkifRequestIndirect, id), 8);
    const_assert_eq!(offset_of!(BlkifRequestIndirect, sector_number), 16);
    const_assert_eq!(offset_of!(BlkifRequestIndirect, handle), 24);
    const_assert_eq!(offset_of!(BlkifRequestIndirect, indirect_grefs), 28);

    const_assert_eq!(align_of::<BlkifSringEntry>(), 8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::ring::FrontRing;

    #[test]
    fn request_bytes_differ_between_layouts() {
        let seg = BlkifRequestSegment::new(9, 0, 7);
        let r32 = x86_32::BlkifRequest {
            operation: BLKIF_OP_READ,
            nr_segments: 1,
            handle: 51712,
            id: 0x1234,
            sector_number: 0x1_0000_0002,
            seg: [seg; BLKIF_MAX_SEGMENTS_PER_REQUEST],
        };
        let b = r32.as_bytes();
        assert_eq!(&b[..4], &[0, 1, 0x00, 0xca]);
        assert_eq!(&b[4..12], &0x1234u64.to_le_bytes());
        assert_eq!(&b[12..20], &0x1_0000_0002u64.to_le_bytes());
        assert_eq!(&b[20..28], &[9, 0, 0, 0, 0, 7, 0, 0]);

        let r64 = x86_64::BlkifRequest {
            operation: BLKIF_OP_READ,
            nr_segments: 1,
            handle: 51712,
            _pad0: [0; 4],
            id: 0x1234,
            sector_number: 0x1_0000_0002,
            seg: [seg; BLKIF_MAX_SEGMENTS_PER_REQUEST],
        };
        let b = r64.as_bytes();
        assert_eq!(&b[..8], &[0, 1, 0x00, 0xca, 0, 0, 0, 0]);
        assert_eq!(&b[8..16], &0x1234u64.to_le_bytes());
        assert_eq!(&b[16..24], &0x1_0000_0002u64.to_le_bytes());
        assert_eq!(&b[24..32], &[9, 0, 0, 0, 0, 7, 0, 0]);
    }

    #[test]
    fn ring_entries_hold_requests_and_responses() {
        let mut sring = x86_64::BlkifSring::new();
        assert_eq!((sring.req_event, sring.rsp_event), (1, 1));
        let mut front = FrontRing::new(x86_64::BLKIF_RING_SIZE);
        let slot = front.next_request_slot().unwrap() as usize;
        let req = x86_64::BlkifRequest {
            id: 77,
            nr_segments: 1,
            ..Default::default()
        };
        sring.ring[slot].set_request(&req);
        assert_eq!(sring.ring[slot].request(), req);
        assert!(front.push_requests_and_check_notify(&mut sring));
        assert_eq!(sring.req_prod, 1);

        // The backend answers in the same slot: the response overlays the request's start.
        let rsp = x86_64::BlkifResponse {
            id: 77,
            operation: BLKIF_OP_READ,
            status: BLKIF_RSP_ERROR,
            ..Default::default()
        };
        sring.ring[slot].set_response(&rsp);
        sring.rsp_prod = 1;
        assert_eq!(
            &sring.ring[slot].bytes[..12],
            &[77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]
        );
        let got = front.next_response_slot(sring.rsp_prod).unwrap() as usize;
        assert_eq!(sring.ring[got].response(), rsp);
        // The tail of the request is untouched by the response.
        assert_eq!(sring.ring[slot].request().seg, req.seg);

        let mut s32 = x86_32::BlkifSring::new();
        let r = x86_32::BlkifResponse {
            id: 5,
            operation: 1,
            _pad0: 0,
            status: BLKIF_RSP_EOPNOTSUPP,
        };
        s32.ring[3].set_response(&r);
        assert_eq!(
            &s32.ring[3].bytes[..12],
            &[5, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0xfe, 0xff]
        );
        assert_eq!(s32.ring[3].response(), r);
        let entry = x86_32::BlkifSringEntry::from_request(&x86_32::BlkifRequest {
            id: 9,
            ..Default::default()
        });
        assert_eq!(entry.request().as_bytes()[4], 9);
    }

    #[test]
    fn ring_page_offsets() {
        // Entry i starts at 64 + i * entry size in both layouts.
        assert_eq!(
            core::mem::offset_of!(x86_64::BlkifSring, ring) + 5 * 112,
            624
        );
        assert_eq!(core::mem::size_of::<x86_64::BlkifSring>(), 64 + 32 * 112);
        assert_eq!(core::mem::size_of::<x86_32::BlkifSring>(), 64 + 32 * 108);
        let page = [0u8; 4096];
        let (s, _) = x86_32::BlkifSring::read_from_prefix(&page).unwrap();
        assert_eq!(s.req_prod, 0);
    }

    #[test]
    fn vbd_numbers() {
        let d = |kind, disk, partition| {
            Some(Vbd {
                kind,
                disk,
                partition,
            })
        };
        assert_eq!(Vbd::decode(51712), d(VbdKind::Xvd, 0, 0));
        assert_eq!(Vbd::decode(51713), d(VbdKind::Xvd, 0, 1));
        assert_eq!(Vbd::decode(51728), d(VbdKind::Xvd, 1, 0));
        assert_eq!(
            Vbd::decode((1 << 28) | (536 << 8) | 37),
            d(VbdKind::Xvd, 536, 37)
        );
        assert_eq!(Vbd::decode(768), d(VbdKind::Hd, 0, 0));
        assert_eq!(Vbd::decode(832), d(VbdKind::Hd, 1, 0));
        assert_eq!(Vbd::decode(5632 + 64 + 2), d(VbdKind::Hd, 3, 2));
        assert_eq!(Vbd::decode(2048 + 16 + 3), d(VbdKind::Sd, 1, 3));
        assert_eq!(Vbd::decode(2 << 28), None);
        assert_eq!(Vbd::decode(7 << 8), None);
        assert_eq!(Vbd::decode(0x1_0000), None);
    }
}
