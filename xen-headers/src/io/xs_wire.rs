//! `io/xs_wire.h`: the xenstore wire protocol and the guest's xenstore ring page.
//!
//! The page at `HVM_PARAM_STORE_PFN` is a [`XenstoreDomainInterface`]: a 1024-byte request
//! ring (guest → xenstored) and a 1024-byte response ring, each with free-running `u32`
//! `cons`/`prod` byte indices (slot = [`mask_xenstore_idx`]). The producer copies bytes in,
//! then (after a write barrier) advances `prod` and sends an event on
//! `HVM_PARAM_STORE_EVTCHN`; the consumer reads bytes, then (after a full barrier) advances
//! `cons` and sends an event too.
//!
//! A message is an [`XsdSockmsg`] header followed by `len` (at most
//! [`XENSTORE_PAYLOAD_MAX`]) payload bytes, usually NUL-terminated strings: `XS_READ` sends
//! `path\0` and gets the value (not NUL-terminated); `XS_WRITE` sends `path\0value`;
//! `XS_DIRECTORY` gets the children as `name\0name\0...`. A failed request is answered with
//! type `XS_ERROR` and an error name such as `"ENOENT\0"` ([`XsdError`]). Messages with
//! `type == XS_WATCH_EVENT` may arrive between a request and its answer; match answers by
//! `req_id`.

use core::mem::{offset_of, size_of};
use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::errno;

// Message types (`enum xsd_sockmsg_type`).
pub const XS_CONTROL: u32 = 0;
/// Old name of `XS_CONTROL`.
pub const XS_DEBUG: u32 = XS_CONTROL;
pub const XS_DIRECTORY: u32 = 1;
pub const XS_READ: u32 = 2;
pub const XS_GET_PERMS: u32 = 3;
pub const XS_WATCH: u32 = 4;
pub const XS_UNWATCH: u32 = 5;
pub const XS_TRANSACTION_START: u32 = 6;
pub const XS_TRANSACTION_END: u32 = 7;
pub const XS_INTRODUCE: u32 = 8;
pub const XS_RELEASE: u32 = 9;
pub const XS_GET_DOMAIN_PATH: u32 = 10;
pub const XS_WRITE: u32 = 11;
pub const XS_MKDIR: u32 = 12;
pub const XS_RM: u32 = 13;
pub const XS_SET_PERMS: u32 = 14;
pub const XS_WATCH_EVENT: u32 = 15;
pub const XS_ERROR: u32 = 16;
pub const XS_IS_DOMAIN_INTRODUCED: u32 = 17;
pub const XS_RESUME: u32 = 18;
pub const XS_SET_TARGET: u32 = 19;
// 20 was XS_RESTRICT, removed.
pub const XS_RESET_WATCHES: u32 = 21;
pub const XS_DIRECTORY_PART: u32 = 22;
/// Number of message types in Xen 4.17 (later versions add more).
pub const XS_TYPE_COUNT: u32 = 23;
/// Guaranteed never to be a valid type.
pub const XS_INVALID: u32 = 0xffff;

pub const XS_WRITE_NONE: &str = "NONE";
pub const XS_WRITE_CREATE: &str = "CREATE";
pub const XS_WRITE_CREATE_EXCL: &str = "CREATE|EXCL";

// `XS_WATCH_EVENT` payload fields (`enum xs_watch_type`).
pub const XS_WATCH_PATH: usize = 0;
pub const XS_WATCH_TOKEN: usize = 1;

/// The header of every xenstore message (`struct xsd_sockmsg`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct XsdSockmsg {
    /// `XS_*`.
    pub r#type: u32,
    /// Chosen by the requester, echoed in the answer.
    pub req_id: u32,
    /// Transaction id, 0 outside a transaction.
    pub tx_id: u32,
    /// Payload bytes following the header.
    pub len: u32,
}

const_assert_eq!(size_of::<XsdSockmsg>(), 16);
const_assert_eq!(offset_of!(XsdSockmsg, r#type), 0);
const_assert_eq!(offset_of!(XsdSockmsg, req_id), 4);
const_assert_eq!(offset_of!(XsdSockmsg, tx_id), 8);
const_assert_eq!(offset_of!(XsdSockmsg, len), 12);

/// Bytes in each of the two rings.
pub const XENSTORE_RING_SIZE: usize = 1024;
/// A ring byte index (`XENSTORE_RING_IDX`).
pub type XenstoreRingIdx = u32;

/// `MASK_XENSTORE_IDX`: the ring offset of free-running index `idx`.
pub const fn mask_xenstore_idx(idx: XenstoreRingIdx) -> usize {
    idx as usize & (XENSTORE_RING_SIZE - 1)
}

/// Bytes waiting in a ring (`prod - cons`); more than [`XENSTORE_RING_SIZE`] means the
/// indices are corrupt.
pub const fn xenstore_ring_used(prod: XenstoreRingIdx, cons: XenstoreRingIdx) -> u32 {
    prod.wrapping_sub(cons)
}

/// Bytes a producer may still write, 0 if the indices are corrupt.
pub const fn xenstore_ring_free(prod: XenstoreRingIdx, cons: XenstoreRingIdx) -> u32 {
    (XENSTORE_RING_SIZE as u32).saturating_sub(xenstore_ring_used(prod, cons))
}

/// The longest run of bytes that can be copied at once from/to index `idx` without wrapping
/// the ring, given `avail` bytes of data or space.
pub const fn xenstore_ring_chunk(idx: XenstoreRingIdx, avail: u32) -> usize {
    let to_end = XENSTORE_RING_SIZE - mask_xenstore_idx(idx);
    if (avail as usize) < to_end {
        avail as usize
    } else {
        to_end
    }
}

/// Byte offsets of [`XenstoreDomainInterface`]'s fields in the ring page, for code that
/// reaches the page through guest memory field by field (the frontend and the simulated
/// xenstored alike).
pub mod ring_offset {
    use super::XenstoreDomainInterface as Ring;
    use core::mem::offset_of;

    pub const REQ: u32 = offset_of!(Ring, req) as u32;
    pub const RSP: u32 = offset_of!(Ring, rsp) as u32;
    pub const REQ_CONS: u32 = offset_of!(Ring, req_cons) as u32;
    pub const REQ_PROD: u32 = offset_of!(Ring, req_prod) as u32;
    pub const RSP_CONS: u32 = offset_of!(Ring, rsp_cons) as u32;
    pub const RSP_PROD: u32 = offset_of!(Ring, rsp_prod) as u32;
    pub const SERVER_FEATURES: u32 = offset_of!(Ring, server_features) as u32;
    pub const CONNECTION: u32 = offset_of!(Ring, connection) as u32;
    pub const ERROR: u32 = offset_of!(Ring, error) as u32;
}

/// The xenstore ring page (`struct xenstore_domain_interface`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct XenstoreDomainInterface {
    /// Requests to xenstored.
    pub req: [u8; XENSTORE_RING_SIZE],
    /// Replies and watch events.
    pub rsp: [u8; XENSTORE_RING_SIZE],
    pub req_cons: XenstoreRingIdx,
    pub req_prod: XenstoreRingIdx,
    pub rsp_cons: XenstoreRingIdx,
    pub rsp_prod: XenstoreRingIdx,
    /// `XENSTORE_SERVER_FEATURE_*` the server supports.
    pub server_features: u32,
    /// `XENSTORE_CONNECTED` / `XENSTORE_RECONNECT`.
    pub connection: u32,
    /// `XENSTORE_ERROR_*` (if `XENSTORE_SERVER_FEATURE_ERROR`).
    pub error: u32,
}

const_assert_eq!(size_of::<XenstoreDomainInterface>(), 2076);
const_assert_eq!(offset_of!(XenstoreDomainInterface, req), 0);
const_assert_eq!(offset_of!(XenstoreDomainInterface, rsp), 1024);
const_assert_eq!(offset_of!(XenstoreDomainInterface, req_cons), 2048);
const_assert_eq!(offset_of!(XenstoreDomainInterface, req_prod), 2052);
const_assert_eq!(offset_of!(XenstoreDomainInterface, rsp_cons), 2056);
const_assert_eq!(offset_of!(XenstoreDomainInterface, rsp_prod), 2060);
const_assert_eq!(offset_of!(XenstoreDomainInterface, server_features), 2064);
const_assert_eq!(offset_of!(XenstoreDomainInterface, connection), 2068);
const_assert_eq!(offset_of!(XenstoreDomainInterface, error), 2072);

/// The largest payload of one message.
pub const XENSTORE_PAYLOAD_MAX: usize = 4096;
pub const XENSTORE_ABS_PATH_MAX: usize = 3072;
pub const XENSTORE_REL_PATH_MAX: usize = 2048;

pub const XENSTORE_SERVER_FEATURE_RECONNECTION: u32 = 1;
pub const XENSTORE_SERVER_FEATURE_ERROR: u32 = 2;
pub const XENSTORE_CONNECTED: u32 = 0;
pub const XENSTORE_RECONNECT: u32 = 1;
pub const XENSTORE_ERROR_NONE: u32 = 0;
pub const XENSTORE_ERROR_COMM: u32 = 1;
pub const XENSTORE_ERROR_RINGIDX: u32 = 2;
pub const XENSTORE_ERROR_PROTO: u32 = 3;

/// The error names xenstored sends in an `XS_ERROR` payload.
///
/// All but [`XsdError::EQUOTA`] are `xsd_errors[]` of `xs_wire.h`; `EQUOTA` is sent by the
/// OCaml xenstored (oxenstored) when a quota is exceeded, where the C xenstored sends `ENOSPC`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::upper_case_acronyms)]
pub enum XsdError {
    EINVAL,
    EACCES,
    EEXIST,
    EISDIR,
    ENOENT,
    ENOMEM,
    ENOSPC,
    EIO,
    ENOTEMPTY,
    ENOSYS,
    EROFS,
    EBUSY,
    EAGAIN,
    EISCONN,
    E2BIG,
    EPERM,
    EQUOTA,
}

/// `xsd_errors[]` in the header's order, then `EQUOTA`.
pub const XSD_ERRORS: [XsdError; 17] = [
    XsdError::EINVAL,
    XsdError::EACCES,
    XsdError::EEXIST,
    XsdError::EISDIR,
    XsdError::ENOENT,
    XsdError::ENOMEM,
    XsdError::ENOSPC,
    XsdError::EIO,
    XsdError::ENOTEMPTY,
    XsdError::ENOSYS,
    XsdError::EROFS,
    XsdError::EBUSY,
    XsdError::EAGAIN,
    XsdError::EISCONN,
    XsdError::E2BIG,
    XsdError::EPERM,
    XsdError::EQUOTA,
];

/// Entries of [`XSD_ERRORS`] that are in the header's `xsd_errors[]`.
pub const XSD_ERRORS_IN_HEADER: usize = 16;

impl XsdError {
    /// The name as sent on the wire (without the NUL).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::EINVAL => "EINVAL",
            Self::EACCES => "EACCES",
            Self::EEXIST => "EEXIST",
            Self::EISDIR => "EISDIR",
            Self::ENOENT => "ENOENT",
            Self::ENOMEM => "ENOMEM",
            Self::ENOSPC => "ENOSPC",
            Self::EIO => "EIO",
            Self::ENOTEMPTY => "ENOTEMPTY",
            Self::ENOSYS => "ENOSYS",
            Self::EROFS => "EROFS",
            Self::EBUSY => "EBUSY",
            Self::EAGAIN => "EAGAIN",
            Self::EISCONN => "EISCONN",
            Self::E2BIG => "E2BIG",
            Self::EPERM => "EPERM",
            Self::EQUOTA => "EQUOTA",
        }
    }

    /// The Xen errno of the same name ([`crate::errno`]); `None` for `EQUOTA`, which has none.
    pub const fn errno(self) -> Option<i32> {
        Some(match self {
            Self::EINVAL => errno::XEN_EINVAL,
            Self::EACCES => errno::XEN_EACCES,
            Self::EEXIST => errno::XEN_EEXIST,
            Self::EISDIR => errno::XEN_EISDIR,
            Self::ENOENT => errno::XEN_ENOENT,
            Self::ENOMEM => errno::XEN_ENOMEM,
            Self::ENOSPC => errno::XEN_ENOSPC,
            Self::EIO => errno::XEN_EIO,
            Self::ENOTEMPTY => errno::XEN_ENOTEMPTY,
            Self::ENOSYS => errno::XEN_ENOSYS,
            Self::EROFS => errno::XEN_EROFS,
            Self::EBUSY => errno::XEN_EBUSY,
            Self::EAGAIN => errno::XEN_EAGAIN,
            Self::EISCONN => errno::XEN_EISCONN,
            Self::E2BIG => errno::XEN_E2BIG,
            Self::EPERM => errno::XEN_EPERM,
            Self::EQUOTA => return None,
        })
    }

    /// Parses an `XS_ERROR` payload: the name, optionally NUL-terminated.
    pub fn from_wire(payload: &[u8]) -> Option<Self> {
        let name = match payload.iter().position(|&b| b == 0) {
            Some(nul) => &payload[..nul],
            None => payload,
        };
        XSD_ERRORS
            .iter()
            .copied()
            .find(|e| e.as_str().as_bytes() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_names_round_trip() {
        for e in XSD_ERRORS {
            assert_eq!(XsdError::from_wire(e.as_str().as_bytes()), Some(e));
            let mut nul = [0u8; 16];
            nul[..e.as_str().len()].copy_from_slice(e.as_str().as_bytes());
            assert_eq!(XsdError::from_wire(&nul), Some(e));
        }
        assert_eq!(XsdError::from_wire(b"ENOENT\0"), Some(XsdError::ENOENT));
        assert_eq!(XsdError::ENOENT.errno(), Some(2));
        assert_eq!(XsdError::EQUOTA.errno(), None);
        assert_eq!(XsdError::from_wire(b"ENOEN"), None);
        assert_eq!(XsdError::from_wire(b""), None);
    }

    #[test]
    fn ring_index_helpers() {
        assert_eq!(mask_xenstore_idx(1023), 1023);
        assert_eq!(mask_xenstore_idx(1024), 0);
        assert_eq!(mask_xenstore_idx(u32::MAX), 1023);
        assert_eq!(xenstore_ring_used(3, u32::MAX - 1), 5);
        assert_eq!(xenstore_ring_free(3, u32::MAX - 1), 1019);
        assert_eq!(xenstore_ring_free(2000, 0), 0);
        assert_eq!(xenstore_ring_chunk(1020, 100), 4);
        assert_eq!(xenstore_ring_chunk(1024 + 10, 100), 100);
        assert_eq!(xenstore_ring_chunk(u32::MAX, 16), 1);
    }

    #[test]
    fn header_bytes() {
        let m = XsdSockmsg {
            r#type: XS_READ,
            req_id: 7,
            tx_id: 0,
            len: 6,
        };
        assert_eq!(
            m.as_bytes(),
            &[2, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0]
        );
    }
}
