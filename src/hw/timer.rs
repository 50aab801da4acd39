//! The TSC as the firmware's [`Clock`], calibrated against PIT channel 2 at POST.
//!
//! Calibration: channel 2 is gated on and loaded as a one-shot of ~10 ms; the TSC is
//! read right after the count is loaded and when OUT2 rises; the median of three such
//! windows is the rate. The wait for OUT2 is bounded twice: by a
//! deadline on the TSC read as if the CPU ran at [`MAX_KHZ`] (so it can only last longer
//! in real time, never shorter, than the stated timeout) and by a poll count, in case
//! the TSC itself does not move. A PIT that never counts, or a result outside
//! [`MIN_KHZ`]..[`MAX_KHZ`], gives [`DEFAULT_KHZ`], with the reason logged.

use super::pit;
use crate::hal::PortIo;
use crate::hal::clock::{Clock, Deadline};

/// Calibration window, and how many are measured.
pub const CALIBRATE_MS: u32 = 10;
const CALIBRATE_RUNS: usize = 3;
const CALIBRATE_COUNT: u16 = (pit::PIT_HZ * CALIBRATE_MS / 1000) as u16;
/// How long OUT2 may take to rise (five windows), in micros of the provisional clock.
const CALIBRATE_TIMEOUT_US: u64 = 5 * CALIBRATE_MS as u64 * 1000;
/// Polls of port B before giving up even if the TSC does not advance. One port read
/// takes well over 100 ns, so this is more than the timeout on any machine.
const CALIBRATE_MAX_POLLS: u32 = 10_000_000;

/// Plausible TSC rates: 100 MHz to 20 GHz.
pub const MIN_KHZ: u32 = 100_000;
pub const MAX_KHZ: u32 = 20_000_000;
/// Used when calibration fails: a typical rate of current hosts. Timeouts are then off by
/// the ratio to the real rate, which is why the failure is logged.
pub const DEFAULT_KHZ: u32 = 2_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TscClock {
    /// TSC ticks per millisecond.
    pub khz: u32,
}

/// Reads the time-stamp counter.
#[inline]
pub fn rdtsc() -> u64 {
    #[cfg(target_arch = "x86")]
    // SAFETY: rdtsc only reads the time-stamp counter; it has no memory effects.
    let tsc = unsafe { core::arch::x86::_rdtsc() };
    #[cfg(target_arch = "x86_64")]
    // SAFETY: as above.
    let tsc = unsafe { core::arch::x86_64::_rdtsc() };
    tsc
}

/// `ticks` of a counter running at `khz`, in microseconds, without overflowing for any
/// u64 tick count.
fn ticks_to_micros(ticks: u64, khz: u32) -> u64 {
    let khz = khz.max(1) as u64;
    ticks / khz * 1000 + ticks % khz * 1000 / khz
}

/// A free-running counter of known rate as a [`Clock`] (the TSC during calibration, a
/// simulated counter in tests).
pub struct CounterClock<'a> {
    pub read: &'a dyn Fn() -> u64,
    pub khz: u32,
}

impl Clock for CounterClock<'_> {
    fn micros(&self) -> u64 {
        ticks_to_micros((self.read)(), self.khz)
    }
}

impl TscClock {
    pub const UNCALIBRATED: TscClock = TscClock { khz: DEFAULT_KHZ };

    /// Measure the TSC against the PIT (about 10 ms); logs the result.
    pub fn calibrate(io: &dyn PortIo) -> TscClock {
        Self::calibrate_with(io, &rdtsc)
    }

    /// [`calibrate`](Self::calibrate) with `counter` in place of the TSC.
    pub fn calibrate_with(io: &dyn PortIo, counter: &dyn Fn() -> u64) -> TscClock {
        match measure_khz(io, counter) {
            Ok(khz) => {
                info!(
                    "tsc",
                    "{}.{:03} MHz (PIT channel 2, median of {CALIBRATE_RUNS} x {CALIBRATE_MS} ms)",
                    khz / 1000,
                    khz % 1000
                );
                TscClock { khz }
            }
            Err(why) => {
                warn!(
                    "tsc",
                    "calibration failed: {why}; assuming {} MHz",
                    DEFAULT_KHZ / 1000
                );
                TscClock { khz: DEFAULT_KHZ }
            }
        }
    }
}

/// Rate of `counter` in kHz: the median of three windows, so that one window stretched
/// or shortened by a host preempting the (virtual) CPU does not decide the result.
pub fn measure_khz(io: &dyn PortIo, counter: &dyn Fn() -> u64) -> Result<u32, &'static str> {
    let mut r = [0u32; CALIBRATE_RUNS];
    for k in r.iter_mut() {
        *k = measure_once(io, counter)?;
    }
    r.sort_unstable();
    Ok(r[CALIBRATE_RUNS / 2])
}

/// Rate of `counter` in kHz, measured over one PIT channel 2 one-shot.
fn measure_once(io: &dyn PortIo, counter: &dyn Fn() -> u64) -> Result<u32, &'static str> {
    // Gate on first: in mode 0 the 8254 counts from the clock after the count is loaded
    // (QEMU's model ignores the gate in mode 0), so the window opens with the last write.
    pit::ch2_gate(io, true);
    pit::ch2_oneshot(io, CALIBRATE_COUNT);
    let start = counter();
    if pit::ch2_out(io) {
        // OUT stays low until the count runs out.
        pit::ch2_gate(io, false);
        return Err("PIT channel 2 output high before counting (no PIT?)");
    }
    let provisional = CounterClock {
        read: counter,
        khz: MAX_KHZ,
    };
    let deadline = Deadline::after(&provisional, CALIBRATE_TIMEOUT_US);
    let mut end = None;
    for _ in 0..CALIBRATE_MAX_POLLS {
        if pit::ch2_out(io) {
            end = Some(counter());
            break;
        }
        if deadline.expired(&provisional) {
            break;
        }
    }
    pit::ch2_gate(io, false);
    let end = end.ok_or("PIT channel 2 output never rose (PIT not counting)")?;
    let ticks = end.wrapping_sub(start);
    let khz = ticks / CALIBRATE_MS as u64;
    if khz < MIN_KHZ as u64 || khz > MAX_KHZ as u64 {
        return Err("TSC rate out of range (TSC not advancing?)");
    }
    Ok(khz as u32)
}

impl Clock for TscClock {
    fn micros(&self) -> u64 {
        ticks_to_micros(rdtsc(), self.khz)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_do_not_overflow_for_huge_tick_counts() {
        assert_eq!(ticks_to_micros(3_000_000, 3_000_000), 1000);
        assert_eq!(ticks_to_micros(1500, 3_000_000), 0);
        assert_eq!(ticks_to_micros(4500, 3_000_000), 1);
        // 2^63 ticks at 1 GHz: 9.2e12 s, far beyond u64::MAX / 1000 ticks.
        assert_eq!(ticks_to_micros(1 << 63, 1_000_000), (1u64 << 63) / 1000);
    }
}
