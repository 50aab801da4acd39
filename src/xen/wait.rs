//! Bounded waiting for another agent (Xen, xenstored, a backend).
//!
//! Every wait has a deadline on the calibrated clock, yields the vCPU to Xen between polls
//! (`SCHEDOP_yield`: the backend may be a thread of the same host CPU; it is also a cheap
//! pause), and says in the log what it waited for when the deadline passes.

use crate::hal::clock::{Clock, Deadline};
use crate::hal::hypercall::Hypervisor;
use core::fmt;

/// How long one xenstore request, or one backend handshake step, may take.
pub const DEFAULT_TIMEOUT_US: u64 = 5_000_000;

/// Microseconds per millisecond, for log lines.
const US_PER_MS: u64 = 1000;

/// A deadline and the length of time it was set for (for the log line when it passes).
/// One `Timeout` may bound several waits: a whole request and its answer, say.
#[derive(Clone, Copy, Debug)]
pub struct Timeout {
    deadline: Deadline,
    us: u64,
}

impl Timeout {
    pub fn start(clock: &dyn Clock, us: u64) -> Timeout {
        Timeout {
            deadline: Deadline::after(clock, us),
            us,
        }
    }
    pub fn expired(&self, clock: &dyn Clock) -> bool {
        self.deadline.expired(clock)
    }
    /// The length it was set for, in milliseconds.
    pub fn ms(&self) -> u64 {
        self.us / US_PER_MS
    }
}

/// Poll `ready` until it returns true, or give up when `timeout` passes and log
/// `[tag] timed out after N ms waiting for <what>`. Returns whether `ready` came true.
pub fn wait_for(
    hv: &dyn Hypervisor,
    clock: &dyn Clock,
    timeout: &Timeout,
    tag: &str,
    what: &dyn fmt::Display,
    ready: &mut dyn FnMut() -> bool,
) -> bool {
    loop {
        if ready() {
            return true;
        }
        if timeout.expired(clock) {
            // One last look: the answer may have come while the clock was read.
            if ready() {
                return true;
            }
            warn!(
                tag,
                "timed out after {} ms waiting for {what}",
                timeout.ms()
            );
            return false;
        }
        // A failed yield only makes the loop spin faster; the deadline still bounds it.
        let _ = hv.sched_yield();
    }
}
