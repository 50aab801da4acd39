//! Time for timeouts: a monotonic microsecond clock and deadlines on it.
//!
//! In the image the clock is the TSC calibrated against the PIT at POST
//! (`hw::timer::TscClock`); in tests `xenbios_sim::SimClock` advances on every reading,
//! so a wait that never ends in a test still reaches its deadline quickly.

pub trait Clock {
    /// Microseconds since an arbitrary origin; never goes backwards.
    fn micros(&self) -> u64;

    /// Busy-wait `us` microseconds.
    fn delay_us(&self, us: u64) {
        let d = Deadline::after(self, us);
        while !d.expired(self) {
            core::hint::spin_loop();
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    end: u64,
}

impl Deadline {
    pub fn after(clock: &(impl Clock + ?Sized), us: u64) -> Self {
        Deadline {
            end: clock.micros().saturating_add(us),
        }
    }
    pub fn after_ms(clock: &(impl Clock + ?Sized), ms: u64) -> Self {
        Self::after(clock, ms * 1000)
    }
    pub fn expired(&self, clock: &(impl Clock + ?Sized)) -> bool {
        clock.micros() >= self.end
    }
}

/// Poll `ready` until it yields a value or `timeout_us` passes.
pub fn poll<T>(
    clock: &(impl Clock + ?Sized),
    timeout_us: u64,
    mut ready: impl FnMut() -> Option<T>,
) -> Option<T> {
    let d = Deadline::after(clock, timeout_us);
    loop {
        if let Some(v) = ready() {
            return Some(v);
        }
        if d.expired(clock) {
            return ready();
        }
        core::hint::spin_loop();
    }
}
