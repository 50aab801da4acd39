//! `sched.h`: `HYPERVISOR_sched_op`.
//!
//! `SCHEDOP_poll` blocks until one of a list of ports is pending or a timeout passes; its
//! argument holds a guest handle, so it has a 32-bit ([`x86_32::SchedPoll`], 16 bytes) and a
//! 64-bit ([`x86_64::SchedPoll`], 24 bytes) layout. (QEMU's Xen emulation treats it as a
//! plain yield: always re-check the ring.) `SCHEDOP_shutdown` powers off, reboots or reports a
//! crash.

use core::mem::{offset_of, size_of};
use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::xen::Domid;

pub const SCHEDOP_YIELD: u32 = 0;
pub const SCHEDOP_BLOCK: u32 = 1;
pub const SCHEDOP_SHUTDOWN: u32 = 2;
pub const SCHEDOP_POLL: u32 = 3;
pub const SCHEDOP_REMOTE_SHUTDOWN: u32 = 4;
pub const SCHEDOP_SHUTDOWN_CODE: u32 = 5;
pub const SCHEDOP_WATCHDOG: u32 = 6;
pub const SCHEDOP_PIN_OVERRIDE: u32 = 7;

// `sched_shutdown.reason` (`enum sched_shutdown_reason`).
pub const SHUTDOWN_POWEROFF: u32 = 0;
pub const SHUTDOWN_REBOOT: u32 = 1;
pub const SHUTDOWN_SUSPEND: u32 = 2;
pub const SHUTDOWN_CRASH: u32 = 3;
pub const SHUTDOWN_WATCHDOG: u32 = 4;
pub const SHUTDOWN_SOFT_RESET: u32 = 5;
pub const SHUTDOWN_MAX: u32 = 5;

/// `SCHEDOP_shutdown` (`struct sched_shutdown`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct SchedShutdown {
    /// `SHUTDOWN_*`.
    pub reason: u32,
}

/// `SCHEDOP_remote_shutdown` (`struct sched_remote_shutdown`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct SchedRemoteShutdown {
    pub domain_id: Domid,
    pub _pad0: [u8; 2],
    pub reason: u32,
}

const_assert_eq!(size_of::<SchedShutdown>(), 4);
const_assert_eq!(offset_of!(SchedShutdown, reason), 0);
const_assert_eq!(size_of::<SchedRemoteShutdown>(), 8);
const_assert_eq!(offset_of!(SchedRemoteShutdown, domain_id), 0);
const_assert_eq!(offset_of!(SchedRemoteShutdown, reason), 4);

/// The 32-bit (compat) layout of `SCHEDOP_poll`. xenbios uses this one.
pub mod x86_32 {
    use crate::xen::x86_32::GuestHandle;
    use core::mem::{align_of, offset_of, size_of};
    use static_assertions::const_assert_eq;
    use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

    /// `struct sched_poll` (i386). `packed(4)`: the i386 ABI puts `timeout` at offset 8 with
    /// 4-byte alignment. Read fields by value (`let t = p.timeout;`), not by reference.
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C, packed(4))]
    pub struct SchedPoll {
        /// Address of an array of `nr_ports` [`crate::event_channel::EvtchnPort`]s.
        pub ports: GuestHandle,
        pub nr_ports: u32,
        /// Absolute system time (ns) to give up at; 0 = no timeout.
        pub timeout: u64,
    }

    const_assert_eq!(size_of::<SchedPoll>(), 16);
    const_assert_eq!(offset_of!(SchedPoll, ports), 0);
    const_assert_eq!(offset_of!(SchedPoll, nr_ports), 4);
    const_assert_eq!(offset_of!(SchedPoll, timeout), 8);
    const_assert_eq!(align_of::<SchedPoll>(), 4);
}

/// The 64-bit layout of `SCHEDOP_poll`.
pub mod x86_64 {
    use crate::xen::x86_64::GuestHandle;
    use core::mem::{align_of, offset_of, size_of};
    use static_assertions::const_assert_eq;
    use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

    /// `struct sched_poll` (x86-64).
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C, align(8))]
    pub struct SchedPoll {
        pub ports: GuestHandle,
        pub nr_ports: u32,
        pub _pad0: [u8; 4],
        pub timeout: u64,
    }

    const_assert_eq!(size_of::<SchedPoll>(), 24);
    const_assert_eq!(offset_of!(SchedPoll, ports), 0);
    const_assert_eq!(offset_of!(SchedPoll, nr_ports), 8);
    const_assert_eq!(offset_of!(SchedPoll, timeout), 16);
    const_assert_eq!(align_of::<SchedPoll>(), 8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_compat_bytes() {
        let p = x86_32::SchedPoll {
            ports: 0x1000,
            nr_ports: 1,
            timeout: 0x1_0000_0002,
        };
        assert_eq!(
            p.as_bytes(),
            &[0, 0x10, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0]
        );
        let timeout = p.timeout;
        assert_eq!(timeout, 0x1_0000_0002);
    }
}
