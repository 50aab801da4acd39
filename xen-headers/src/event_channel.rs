//! `event_channel.h`: `HYPERVISOR_event_channel_op`.
//!
//! All argument structures here have one layout for 32- and 64-bit callers. A frontend
//! allocates a port for its backend with `EVTCHNOP_alloc_unbound` (`dom = DOMID_SELF`,
//! `remote_dom` = the backend domain), publishes the port in xenstore, and kicks the backend
//! with `EVTCHNOP_send`.

use core::mem::{align_of, offset_of, size_of};
use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::xen::Domid;

pub const EVTCHNOP_BIND_INTERDOMAIN: u32 = 0;
pub const EVTCHNOP_BIND_VIRQ: u32 = 1;
pub const EVTCHNOP_BIND_PIRQ: u32 = 2;
pub const EVTCHNOP_CLOSE: u32 = 3;
pub const EVTCHNOP_SEND: u32 = 4;
pub const EVTCHNOP_STATUS: u32 = 5;
pub const EVTCHNOP_ALLOC_UNBOUND: u32 = 6;
pub const EVTCHNOP_BIND_IPI: u32 = 7;
pub const EVTCHNOP_BIND_VCPU: u32 = 8;
pub const EVTCHNOP_UNMASK: u32 = 9;
pub const EVTCHNOP_RESET: u32 = 10;
pub const EVTCHNOP_INIT_CONTROL: u32 = 11;
pub const EVTCHNOP_EXPAND_ARRAY: u32 = 12;
pub const EVTCHNOP_SET_PRIORITY: u32 = 13;

/// An event channel port (`evtchn_port_t`).
pub type EvtchnPort = u32;

/// `EVTCHNOP_alloc_unbound` (`struct evtchn_alloc_unbound`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct EvtchnAllocUnbound {
    /// IN: the domain allocating the port ([`crate::xen::DOMID_SELF`]).
    pub dom: Domid,
    /// IN: the domain allowed to bind to it.
    pub remote_dom: Domid,
    /// OUT: the new port.
    pub port: EvtchnPort,
}

/// `EVTCHNOP_bind_interdomain` (`struct evtchn_bind_interdomain`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct EvtchnBindInterdomain {
    pub remote_dom: Domid,
    pub _pad0: [u8; 2],
    pub remote_port: EvtchnPort,
    /// OUT.
    pub local_port: EvtchnPort,
}

/// `EVTCHNOP_close` (`struct evtchn_close`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct EvtchnClose {
    pub port: EvtchnPort,
}

/// `EVTCHNOP_send` (`struct evtchn_send`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct EvtchnSend {
    pub port: EvtchnPort,
}

/// `EVTCHNOP_unmask` (`struct evtchn_unmask`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct EvtchnUnmask {
    pub port: EvtchnPort,
}

/// `EVTCHNOP_bind_vcpu` (`struct evtchn_bind_vcpu`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct EvtchnBindVcpu {
    pub port: EvtchnPort,
    pub vcpu: u32,
}

// `evtchn_status.status`.
pub const EVTCHNSTAT_CLOSED: u32 = 0;
pub const EVTCHNSTAT_UNBOUND: u32 = 1;
pub const EVTCHNSTAT_INTERDOMAIN: u32 = 2;
pub const EVTCHNSTAT_PIRQ: u32 = 3;
pub const EVTCHNSTAT_VIRQ: u32 = 4;
pub const EVTCHNSTAT_IPI: u32 = 5;

/// `EVTCHNOP_status` (`struct evtchn_status`). The C union `u` is kept as two words; the
/// accessors read the member that `status` selects.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct EvtchnStatus {
    /// IN.
    pub dom: Domid,
    pub _pad0: [u8; 2],
    /// IN.
    pub port: EvtchnPort,
    /// OUT: `EVTCHNSTAT_*`.
    pub status: u32,
    /// OUT: the vCPU the port notifies.
    pub vcpu: u32,
    /// OUT: `u.unbound.dom` / `u.interdomain.{dom,port}` / `u.pirq` / `u.virq`.
    pub u: [u32; 2],
}

impl EvtchnStatus {
    /// `u.unbound.dom` or `u.interdomain.dom`: the remote domain.
    pub const fn remote_dom(&self) -> Domid {
        self.u[0] as Domid
    }

    /// `u.interdomain.port`: the remote port.
    pub const fn remote_port(&self) -> EvtchnPort {
        self.u[1]
    }

    /// `u.pirq` or `u.virq`.
    pub const fn irq(&self) -> u32 {
        self.u[0]
    }
}

const_assert_eq!(size_of::<EvtchnAllocUnbound>(), 8);
const_assert_eq!(offset_of!(EvtchnAllocUnbound, dom), 0);
const_assert_eq!(offset_of!(EvtchnAllocUnbound, remote_dom), 2);
const_assert_eq!(offset_of!(EvtchnAllocUnbound, port), 4);
const_assert_eq!(align_of::<EvtchnAllocUnbound>(), 4);

const_assert_eq!(size_of::<EvtchnBindInterdomain>(), 12);
const_assert_eq!(offset_of!(EvtchnBindInterdomain, remote_dom), 0);
const_assert_eq!(offset_of!(EvtchnBindInterdomain, remote_port), 4);
const_assert_eq!(offset_of!(EvtchnBindInterdomain, local_port), 8);

const_assert_eq!(size_of::<EvtchnClose>(), 4);
const_assert_eq!(offset_of!(EvtchnClose, port), 0);
const_assert_eq!(size_of::<EvtchnSend>(), 4);
const_assert_eq!(offset_of!(EvtchnSend, port), 0);
const_assert_eq!(size_of::<EvtchnUnmask>(), 4);
const_assert_eq!(offset_of!(EvtchnUnmask, port), 0);
const_assert_eq!(size_of::<EvtchnBindVcpu>(), 8);
const_assert_eq!(offset_of!(EvtchnBindVcpu, port), 0);
const_assert_eq!(offset_of!(EvtchnBindVcpu, vcpu), 4);

const_assert_eq!(size_of::<EvtchnStatus>(), 24);
const_assert_eq!(offset_of!(EvtchnStatus, dom), 0);
const_assert_eq!(offset_of!(EvtchnStatus, port), 4);
const_assert_eq!(offset_of!(EvtchnStatus, status), 8);
const_assert_eq!(offset_of!(EvtchnStatus, vcpu), 12);
const_assert_eq!(offset_of!(EvtchnStatus, u), 16);
const_assert_eq!(align_of::<EvtchnStatus>(), 4);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_union_members() {
        // An interdomain port bound to domain 0 port 7, as Xen fills it in.
        let mut bytes = [0u8; 24];
        bytes[8] = EVTCHNSTAT_INTERDOMAIN as u8;
        bytes[16] = 0; // u.interdomain.dom = 0
        bytes[20] = 7; // u.interdomain.port = 7
        let s = EvtchnStatus::read_from_bytes(&bytes).unwrap();
        assert_eq!(s.status, EVTCHNSTAT_INTERDOMAIN);
        assert_eq!((s.remote_dom(), s.remote_port()), (0, 7));
    }
}
