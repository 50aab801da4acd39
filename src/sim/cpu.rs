use crate::console::Console;
use crate::cpu::{Call16, Cpu};
use crate::hw::clock::Clock;
use std::cell::Cell;

/// A CPU that records the real-mode calls services make instead of making them.
#[derive(Default)]
pub struct SimCpu {
    pub calls: Vec<Call16>,
    pub a20: bool,
    /// CPUID answers by (leaf, sub-leaf); anything else reads as zeros.
    pub cpuid: Vec<((u32, u32), [u32; 4])>,
    /// Times `wait_for_interrupt` was called.
    pub idles: usize,
}

impl Cpu for SimCpu {
    fn call16(&mut self, call: &mut Call16) {
        self.calls.push(*call);
    }
    fn wait_for_interrupt(&mut self) {
        self.idles += 1;
    }
    fn caller_a20(&self) -> bool {
        self.a20
    }
    fn set_caller_a20(&mut self, on: bool) {
        self.a20 = on;
    }
    fn cpuid(&self, leaf: u32, sub: u32) -> [u32; 4] {
        self.cpuid
            .iter()
            .find(|(k, _)| *k == (leaf, sub))
            .map_or([0; 4], |(_, v)| *v)
    }
}

/// A clock that moves forward by `step_us` every time it is read, so that waits in tests
/// end after a bounded number of polls whatever their timeout.
pub struct SimClock {
    now: Cell<u64>,
    pub step_us: u64,
}

impl SimClock {
    pub fn new(step_us: u64) -> Self {
        SimClock {
            now: Cell::new(0),
            step_us,
        }
    }
    pub fn advance(&self, us: u64) {
        self.now.set(self.now.get() + us);
    }
}

impl Default for SimClock {
    fn default() -> Self {
        Self::new(10)
    }
}

impl Clock for SimClock {
    fn micros(&self) -> u64 {
        let t = self.now.get();
        self.now.set(t + self.step_us);
        t
    }
}

/// A console that keeps what is written and serves queued input.
#[derive(Default)]
pub struct SimConsole {
    pub out: Vec<u8>,
    pub input: std::collections::VecDeque<u8>,
    /// The VGA BIOS int10 entry POST attached, if any.
    pub display: Option<crate::mem::FarPtr>,
}

impl SimConsole {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.out).into_owned()
    }
}

impl Console for SimConsole {
    fn write(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }
    fn read(&mut self) -> Option<u8> {
        self.input.pop_front()
    }
    fn attach_display(&mut self, int10: crate::mem::FarPtr) {
        self.display = Some(int10);
    }
}
