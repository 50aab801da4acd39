//! TODO: the TSC as a Clock, calibrated against PIT channel 2 at POST.

use super::PortIo;
use super::clock::Clock;

#[derive(Clone, Copy, Debug)]
pub struct TscClock {
    /// TSC ticks per millisecond.
    pub khz: u32,
}

impl TscClock {
    pub const UNCALIBRATED: TscClock = TscClock { khz: 1_000_000 };

    pub fn calibrate(io: &dyn PortIo) -> TscClock {
        let _ = io;
        Self::UNCALIBRATED
    }
}

impl Clock for TscClock {
    fn micros(&self) -> u64 {
        #[cfg(target_arch = "x86")]
        // SAFETY: rdtsc only reads the time-stamp counter.
        let tsc = unsafe { core::arch::x86::_rdtsc() };
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        let tsc = unsafe { core::arch::x86_64::_rdtsc() };
        tsc * 1000 / self.khz as u64
    }
}
