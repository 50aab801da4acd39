//! `io/ring.h`: the generic shared request/response ring of PV devices.
//!
//! # Layout
//!
//! A shared ring is one page: a 64-byte header ([`SringHeader`]: `req_prod`, `req_event`,
//! `rsp_prod`, `rsp_event`, 4 bytes of per-protocol `pvt`, 44 bytes of padding) followed by an
//! array of entries. Each entry is a C union of the request and the response type, so its size
//! is the larger of the two, rounded up to the larger alignment. The number of entries is the
//! number that fits in the rest of the page, **rounded down to a power of two**
//! (`__CONST_RING_SIZE`, here [`const_ring_size`]), so that a free-running index maps to a slot
//! with `idx & (size - 1)`.
//!
//! # Indices
//!
//! All indices are free-running `u32`s ([`RingIdx`]) that wrap at 2^32: never compare them
//! with `<`, only subtract with wrapping arithmetic. The frontend owns `req_prod` and
//! `rsp_event`, the backend `rsp_prod` and `req_event`. Each side keeps private copies
//! ([`FrontRing`]: `req_prod_pvt`, `rsp_cons`).
//!
//! # Notification
//!
//! The `*_event` fields hold the index at which the other side wants an event: a producer that
//! moved its index from `old` to `new` must notify iff `event` lies in `(old, new]`, i.e.
//! `new - event < new - old` in wrapping arithmetic ([`need_notify`],
//! `RING_PUSH_REQUESTS_AND_CHECK_NOTIFY`). A consumer that found nothing to do sets its event
//! index to `cons + 1` and checks once more after a full barrier, so that a response produced
//! in between is not missed ([`final_check_event`], `RING_FINAL_CHECK_FOR_RESPONSES`).
//!
//! The pure functions here do the index arithmetic. The sequences that also touch the shared
//! page, with their barriers, are [`FrontRing::push_requests_and_check_notify`] and
//! [`FrontRing::final_check_for_responses`] over a [`SharedRingIndices`] that the caller
//! implements for its shared memory (with volatile accesses).

use core::mem::{offset_of, size_of};
use core::sync::atomic::{Ordering, fence};
use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// A free-running ring index (`RING_IDX`).
pub type RingIdx = u32;

/// The header of every shared ring page (the fields of `struct __name##_sring` before `ring`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct SringHeader {
    /// Requests produced by the frontend.
    pub req_prod: RingIdx,
    /// The backend wants an event when `req_prod` passes this.
    pub req_event: RingIdx,
    /// Responses produced by the backend.
    pub rsp_prod: RingIdx,
    /// The frontend wants an event when `rsp_prod` passes this.
    pub rsp_event: RingIdx,
    /// Per-protocol private bytes (`pvt.pvt_pad`; unused by blkif), zero.
    pub pvt: [u8; 4],
    /// `__pad`, zero.
    pub pad: [u8; 44],
}

/// Bytes before the first ring entry (`offsetof(struct __name##_sring, ring)`).
pub const SRING_HEADER_SIZE: usize = size_of::<SringHeader>();

const_assert_eq!(SRING_HEADER_SIZE, 64);
const_assert_eq!(offset_of!(SringHeader, req_prod), 0);
const_assert_eq!(offset_of!(SringHeader, req_event), 4);
const_assert_eq!(offset_of!(SringHeader, rsp_prod), 8);
const_assert_eq!(offset_of!(SringHeader, rsp_event), 12);
const_assert_eq!(offset_of!(SringHeader, pvt), 16);
const_assert_eq!(offset_of!(SringHeader, pad), 20);

impl SringHeader {
    /// An initialised empty ring (`SHARED_RING_INIT`): producers at 0, both sides asking for an
    /// event at the first entry.
    pub const fn new() -> Self {
        Self {
            req_prod: 0,
            req_event: 1,
            rsp_prod: 0,
            rsp_event: 1,
            pvt: [0; 4],
            pad: [0; 44],
        }
    }
}

impl Default for SringHeader {
    /// Same as [`SringHeader::new`].
    fn default() -> Self {
        Self::new()
    }
}

/// `__RD32`: `x` rounded down to a power of two (0 stays 0).
pub const fn round_down_pow2(x: u32) -> u32 {
    if x == 0 {
        0
    } else {
        1 << (31 - x.leading_zeros())
    }
}

/// `__CONST_RING_SIZE`: the number of `entry_size`-byte entries in a shared ring of
/// `ring_bytes` bytes (usually one page), a power of two.
pub const fn const_ring_size(ring_bytes: usize, entry_size: usize) -> u32 {
    if ring_bytes <= SRING_HEADER_SIZE || entry_size == 0 {
        return 0;
    }
    let n = (ring_bytes - SRING_HEADER_SIZE) / entry_size;
    round_down_pow2(if n > u32::MAX as usize {
        u32::MAX
    } else {
        n as u32
    })
}

/// The slot of free-running index `idx` in a ring of `size` (a power of two) entries.
pub const fn ring_slot(idx: RingIdx, size: u32) -> u32 {
    idx & (size - 1)
}

/// `RING_FREE_REQUESTS`: request slots the frontend may still fill.
pub const fn free_requests(size: u32, req_prod_pvt: RingIdx, rsp_cons: RingIdx) -> u32 {
    size.wrapping_sub(req_prod_pvt.wrapping_sub(rsp_cons))
}

/// `XEN_RING_NR_UNCONSUMED_RESPONSES`: responses produced but not yet consumed.
pub const fn unconsumed_responses(rsp_prod: RingIdx, rsp_cons: RingIdx) -> u32 {
    rsp_prod.wrapping_sub(rsp_cons)
}

/// `XEN_RING_NR_UNCONSUMED_REQUESTS`: requests the backend may still consume (bounded by the
/// ring size, so that a misbehaving frontend cannot make it run past its own responses).
pub const fn unconsumed_requests(
    size: u32,
    req_prod: RingIdx,
    req_cons: RingIdx,
    rsp_prod_pvt: RingIdx,
) -> u32 {
    let req = req_prod.wrapping_sub(req_cons);
    let rsp = size.wrapping_sub(req_cons.wrapping_sub(rsp_prod_pvt));
    if req < rsp { req } else { rsp }
}

/// `RING_RESPONSE_PROD_OVERFLOW`: a backend claiming `rsp_prod` responses while the frontend
/// consumed up to `rsp_cons` is broken if that is more than the ring holds.
pub const fn response_prod_overflow(size: u32, rsp_prod: RingIdx, rsp_cons: RingIdx) -> bool {
    rsp_prod.wrapping_sub(rsp_cons) > size
}

/// The notification rule of `RING_PUSH_{REQUESTS,RESPONSES}_AND_CHECK_NOTIFY`: after moving a
/// producer index from `old` to `new`, notify the other side iff its `event` index is in
/// `(old, new]`.
pub const fn need_notify(old: RingIdx, new: RingIdx, event: RingIdx) -> bool {
    new.wrapping_sub(event) < new.wrapping_sub(old)
}

/// The event index a consumer sets before its final check (`RING_FINAL_CHECK_FOR_*`): ask for
/// an event when the next entry after `cons` is produced.
pub const fn final_check_event(cons: RingIdx) -> RingIdx {
    cons.wrapping_add(1)
}

/// Access to the index fields of a shared ring page, as the caller wants them done (volatile
/// reads and writes of the page in firmware; plain fields in tests).
pub trait SharedRingIndices {
    fn req_prod(&self) -> RingIdx;
    fn set_req_prod(&mut self, v: RingIdx);
    fn req_event(&self) -> RingIdx;
    fn rsp_prod(&self) -> RingIdx;
    fn rsp_event(&self) -> RingIdx;
    fn set_rsp_event(&mut self, v: RingIdx);
}

/// Plain field access, for a ring that nobody else touches concurrently (tests, simulations).
impl SharedRingIndices for SringHeader {
    fn req_prod(&self) -> RingIdx {
        self.req_prod
    }
    fn set_req_prod(&mut self, v: RingIdx) {
        self.req_prod = v;
    }
    fn req_event(&self) -> RingIdx {
        self.req_event
    }
    fn rsp_prod(&self) -> RingIdx {
        self.rsp_prod
    }
    fn rsp_event(&self) -> RingIdx {
        self.rsp_event
    }
    fn set_rsp_event(&mut self, v: RingIdx) {
        self.rsp_event = v;
    }
}

/// The frontend's private ring state (`struct __name##_front_ring` without the pointer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrontRing {
    /// The next request index to fill (published to `req_prod` on push).
    pub req_prod_pvt: RingIdx,
    /// The next response index to consume.
    pub rsp_cons: RingIdx,
    /// Entries in the ring, a power of two (`nr_ents`).
    pub nr_ents: u32,
}

impl FrontRing {
    /// `FRONT_RING_INIT` for a freshly initialised shared ring of `nr_ents` entries.
    pub const fn new(nr_ents: u32) -> Self {
        Self::attach(nr_ents, 0)
    }

    /// `FRONT_RING_ATTACH`: take over a shared ring whose indices are at `start`.
    pub const fn attach(nr_ents: u32, start: RingIdx) -> Self {
        Self {
            req_prod_pvt: start,
            rsp_cons: start,
            nr_ents,
        }
    }

    /// `RING_FREE_REQUESTS`.
    pub const fn free_requests(&self) -> u32 {
        free_requests(self.nr_ents, self.req_prod_pvt, self.rsp_cons)
    }

    /// `RING_FULL`.
    pub const fn is_full(&self) -> bool {
        self.free_requests() == 0
    }

    /// Claims the next request slot: returns its index in the entry array and advances
    /// `req_prod_pvt`, or `None` if the ring is full. The request becomes visible to the
    /// backend only at the next push.
    pub fn next_request_slot(&mut self) -> Option<u32> {
        if self.is_full() {
            return None;
        }
        let slot = ring_slot(self.req_prod_pvt, self.nr_ents);
        self.req_prod_pvt = self.req_prod_pvt.wrapping_add(1);
        Some(slot)
    }

    /// The slot of the next response to consume, if `rsp_prod` (read from the shared page,
    /// *followed by a read barrier before reading the entry*) says there is one; advances
    /// `rsp_cons`.
    pub fn next_response_slot(&mut self, rsp_prod: RingIdx) -> Option<u32> {
        if unconsumed_responses(rsp_prod, self.rsp_cons) == 0 {
            return None;
        }
        let slot = ring_slot(self.rsp_cons, self.nr_ents);
        self.rsp_cons = self.rsp_cons.wrapping_add(1);
        Some(slot)
    }

    /// `RING_PUSH_REQUESTS_AND_CHECK_NOTIFY`: publishes `req_prod_pvt` and returns whether the
    /// backend must be notified (by `EVTCHNOP_send`).
    pub fn push_requests_and_check_notify<S: SharedRingIndices>(&self, sring: &mut S) -> bool {
        let old = sring.req_prod();
        let new = self.req_prod_pvt;
        // The backend must see the requests before the producer index that covers them.
        fence(Ordering::Release);
        sring.set_req_prod(new);
        // And our new req_prod before we read its req_event.
        fence(Ordering::SeqCst);
        need_notify(old, new, sring.req_event())
    }

    /// `RING_FINAL_CHECK_FOR_RESPONSES`: returns the number of unconsumed responses; if it is
    /// 0, `rsp_event` was set so that the backend notifies on the next response, and it is safe
    /// to wait for an event.
    pub fn final_check_for_responses<S: SharedRingIndices>(&self, sring: &mut S) -> u32 {
        let n = unconsumed_responses(sring.rsp_prod(), self.rsp_cons);
        if n != 0 {
            return n;
        }
        sring.set_rsp_event(final_check_event(self.rsp_cons));
        // The new rsp_event must be visible before rsp_prod is read again.
        fence(Ordering::SeqCst);
        unconsumed_responses(sring.rsp_prod(), self.rsp_cons)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_matches_rd32() {
        for (x, r) in [
            (0, 0),
            (1, 1),
            (2, 2),
            (3, 2),
            (36, 32),
            (37, 32),
            (63, 32),
            (64, 64),
        ] {
            assert_eq!(round_down_pow2(x), r, "{x}");
        }
        assert_eq!(round_down_pow2(u32::MAX), 1 << 31);
    }

    #[test]
    fn ring_sizes() {
        // blkif entries: 112 bytes (x86_64) and 108 (x86_32) both give 32.
        assert_eq!(const_ring_size(4096, 112), 32);
        assert_eq!(const_ring_size(4096, 108), 32);
        // An entry of exactly (4096 - 64) / 64 = 63 slots rounds down to 32.
        assert_eq!(const_ring_size(4096, 64), 32);
        assert_eq!(const_ring_size(4096, 63), 64);
        assert_eq!(const_ring_size(4096, 4096), 0);
        assert_eq!(const_ring_size(64, 8), 0);
    }

    #[test]
    fn notify_rule_with_wrap_around() {
        // event inside (old, new]
        assert!(need_notify(0, 1, 1));
        assert!(need_notify(0, 5, 3));
        assert!(need_notify(0, 5, 5));
        // event already passed, or not yet reached
        assert!(!need_notify(3, 5, 3));
        assert!(!need_notify(0, 5, 6));
        assert!(!need_notify(5, 5, 5));
        // across 2^32
        assert!(need_notify(u32::MAX - 1, 2, u32::MAX));
        assert!(need_notify(u32::MAX - 1, 2, 0));
        assert!(need_notify(u32::MAX - 1, 2, 2));
        assert!(!need_notify(u32::MAX - 1, 2, u32::MAX - 1));
        assert!(!need_notify(u32::MAX - 1, 2, 3));
    }

    #[test]
    fn counts_with_wrap_around() {
        assert_eq!(free_requests(32, 5, 5), 32);
        assert_eq!(free_requests(32, 37, 5), 0);
        assert_eq!(free_requests(32, 3, u32::MAX - 2), 26);
        assert_eq!(unconsumed_responses(2, u32::MAX), 3);
        assert_eq!(unconsumed_requests(32, 2, u32::MAX, u32::MAX), 3);
        // A frontend claiming 100 requests is capped at the ring size.
        assert_eq!(unconsumed_requests(32, 100, 0, 0), 32);
        assert!(!response_prod_overflow(32, 32, 0));
        assert!(response_prod_overflow(32, 33, 0));
        assert!(response_prod_overflow(32, 1, 2));
        assert_eq!(ring_slot(u32::MAX, 32), 31);
        assert_eq!(ring_slot(u32::MAX.wrapping_add(1), 32), 0);
    }

    /// A frontend and a simulated backend exchange requests across the 2^32 wrap; every
    /// notification decision is checked against what the other side asked for.
    #[test]
    fn front_ring_round_trips_across_wrap() {
        let start = u32::MAX - 40;
        let mut sring = SringHeader {
            req_prod: start,
            rsp_prod: start,
            ..SringHeader::new()
        };
        sring.req_event = start.wrapping_add(1);
        sring.rsp_event = start.wrapping_add(1);
        let mut front = FrontRing::attach(32, start);
        let mut back_req_cons = start;
        let (mut notified, mut quiet) = (0, 0);

        for round in 0..30u32 {
            let batch = round % 5 + 1;
            for _ in 0..batch {
                let slot = front.next_request_slot().unwrap();
                assert!(slot < 32);
            }
            let notify = front.push_requests_and_check_notify(&mut sring);
            // The backend asked for an event at req_event; it is notified iff that is within
            // the batch just published.
            let old = sring.req_prod.wrapping_sub(batch);
            let expect = sring.req_event.wrapping_sub(old).wrapping_sub(1) < batch;
            assert_eq!(notify, expect, "round {round}");
            if notify {
                notified += 1;
            } else {
                quiet += 1;
            }

            // Backend: consume everything, respond, and re-arm req_event only every other
            // round (a backend still busy does not ask for events).
            let n = unconsumed_requests(32, sring.req_prod, back_req_cons, sring.rsp_prod);
            assert_eq!(n, batch);
            back_req_cons = back_req_cons.wrapping_add(n);
            sring.rsp_prod = sring.rsp_prod.wrapping_add(n);
            if round % 2 == 1 {
                sring.req_event = final_check_event(back_req_cons);
            }

            // Frontend: drain the responses.
            let mut got = 0;
            while front.next_response_slot(sring.rsp_prod).is_some() {
                got += 1;
            }
            assert_eq!(got, batch);
            assert_eq!(front.final_check_for_responses(&mut sring), 0);
            assert_eq!(sring.rsp_event, front.rsp_cons.wrapping_add(1));
            assert_eq!(front.free_requests(), 32);
        }
        // The indices really did wrap, and both outcomes were exercised.
        assert!(front.req_prod_pvt < start);
        assert_eq!((notified, quiet), (15, 15));
    }

    #[test]
    fn front_ring_fills_up() {
        let mut front = FrontRing::new(32);
        for i in 0..32 {
            assert_eq!(front.next_request_slot(), Some(i));
        }
        assert!(front.is_full());
        assert_eq!(front.next_request_slot(), None);
        // One response frees one slot, which is slot 0 again.
        assert_eq!(front.next_response_slot(1), Some(0));
        assert_eq!(front.next_request_slot(), Some(0));
    }

    #[test]
    fn final_check_sees_late_response() {
        let mut sring = SringHeader::new();
        let front = FrontRing::new(32);
        assert_eq!(front.final_check_for_responses(&mut sring), 0);
        assert_eq!(sring.rsp_event, 1);
        sring.rsp_prod = 1;
        assert_eq!(front.final_check_for_responses(&mut sring), 1);
    }
}
