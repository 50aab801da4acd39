//! Event channels: ports to a backend's domain, notifications, and the pending bits Xen
//! sets in the shared info page.
//!
//! The firmware runs with interrupts off and takes no upcalls, so it learns of events by
//! polling: either the condition itself (ring indexes, a xenstore node) or a port's pending
//! bit in the shared info page, which Xen writes in the `x86_32` layout for this domain
//! (the layout was latched from 32-bit mode when the hypercall page was installed; see
//! `xen_headers::xen`).

use crate::hal::hypercall::{Hypervisor, XenErrno};
use crate::hal::mem::Memory;
use core::mem::offset_of;
use xen_headers::event_channel::EvtchnPort;
use xen_headers::xen::Domid;
use xen_headers::xen::x86_32::{
    BITS_PER_XEN_ULONG, EVTCHN_2L_NR_CHANNELS, SharedInfo as SharedInfo32, XenUlong, evtchn_bit,
    evtchn_word,
};

const WORD_BYTES: u32 = core::mem::size_of::<XenUlong>() as u32;
const PENDING: u32 = offset_of!(SharedInfo32, evtchn_pending) as u32;
const MASK: u32 = offset_of!(SharedInfo32, evtchn_mask) as u32;

/// A port allocated for a backend domain, unbound until the backend binds it.
pub fn alloc_unbound(hv: &dyn Hypervisor, remote: Domid) -> Result<EvtchnPort, XenErrno> {
    let r = hv.evtchn_alloc_unbound(remote);
    match r {
        Ok(port) => debug!("evtchn", "port {port} allocated for domain {remote}"),
        Err(e) => warn!(
            "evtchn",
            "alloc_unbound for domain {} failed: {e}",
            u32::from(remote)
        ),
    }
    r
}

/// Notify the other end of `port`.
pub fn send(hv: &dyn Hypervisor, port: EvtchnPort) -> Result<(), XenErrno> {
    let r = hv.evtchn_send(port);
    if let Err(e) = r {
        warn!("evtchn", "send on port {port} failed: {e}");
    }
    r
}

/// Close `port` (the backend's binding goes with it).
pub fn close(hv: &dyn Hypervisor, port: EvtchnPort) -> Result<(), XenErrno> {
    let r = hv.evtchn_close(port);
    match r {
        Ok(()) => debug!("evtchn", "port {port} closed"),
        Err(e) => warn!("evtchn", "close of port {port} failed: {e}"),
    }
    r
}

/// The shared info page, where it was mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SharedInfo {
    /// Linear address of the page.
    pub base: u32,
}

impl SharedInfo {
    fn word_addr(&self, bitmap: u32, port: EvtchnPort) -> u32 {
        self.base + bitmap + evtchn_word(port) as u32 * WORD_BYTES
    }

    /// Whether Xen has marked `port` pending. Ports beyond the 2-level ABI never are.
    pub fn is_pending(&self, mem: &dyn Memory, port: EvtchnPort) -> bool {
        port < EVTCHN_2L_NR_CHANNELS
            && mem.read_u32(self.word_addr(PENDING, port)) & evtchn_bit(port) != 0
    }

    /// Whether `port` is masked (its events raise no upcall; they still set pending).
    pub fn is_masked(&self, mem: &dyn Memory, port: EvtchnPort) -> bool {
        port < EVTCHN_2L_NR_CHANNELS
            && mem.read_u32(self.word_addr(MASK, port)) & evtchn_bit(port) != 0
    }

    /// Clear `port`'s pending bit; returns whether it was set. Xen sets other bits of the
    /// same word concurrently, so the bit is cleared with a compare-exchange: each failure
    /// means Xen set another bit, which it can do at most once per bit of the word.
    pub fn test_and_clear_pending(&self, mem: &mut dyn Memory, port: EvtchnPort) -> bool {
        if port >= EVTCHN_2L_NR_CHANNELS {
            return false;
        }
        let addr = self.word_addr(PENDING, port);
        let bit = evtchn_bit(port);
        let mut word = mem.read_u32(addr);
        for _ in 0..=BITS_PER_XEN_ULONG {
            if word & bit == 0 {
                return false;
            }
            let found = mem.cmpxchg_u32(addr, word, word & !bit);
            if found == word {
                return true;
            }
            word = found;
        }
        false
    }
}
