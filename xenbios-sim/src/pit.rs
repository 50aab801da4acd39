//! A simulated 8254 (channels 0 and 2) with port B, on a simulated time line.
//!
//! Time is a shared nanosecond count: every port access costs `port_cost_ns`, and a
//! test's fake TSC advances the same count, so a calibration loop sees the two clocks
//! move together as on hardware.

use super::PortDevice;
use std::cell::Cell;
use std::rc::Rc;

/// Intel 82371AB (PIIX4) datasheet, counter/timer: the 8254 counts a 1.193182 MHz clock.
const PIT_HZ: u64 = 1_193_182;
/// 82371AB, ISA-compatible I/O map (8254 datasheet: A1 A0 = 00): counter 0 at 40h.
const CHANNEL0: u16 = 0x40;
/// 82371AB, I/O map (8254: A1 A0 = 10): counter 2 at 42h.
const CHANNEL2: u16 = 0x42;
/// 82371AB, I/O map (8254: A1 A0 = 11): the control word register at 43h.
const CONTROL: u16 = 0x43;
/// 82371AB: NMI Status and Control register ("port B") at 61h.
const PORT_B: u16 = 0x61;
/// 82371AB, NMI Status and Control bit 0: timer counter 2 enable (the counter's gate).
const PORT_B_GATE2: u8 = 1 << 0;
/// 82371AB, NMI Status and Control bit 1: speaker data enable.
const PORT_B_SPEAKER: u8 = 1 << 1;
/// 82371AB, NMI Status and Control bit 5: timer counter 2 OUT status.
const PORT_B_OUT2: u8 = 1 << 5;

/// Nanoseconds since the simulation started, shared by the PIT and fake counters.
pub type SimTime = Rc<Cell<u64>>;

pub struct SimPit {
    pub time: SimTime,
    /// What one port access costs.
    pub port_cost_ns: u64,
    /// A broken PIT: channel 2 never counts.
    pub stopped: bool,
    /// Last control word per channel and the 16-bit count last loaded.
    pub control: [Option<u8>; 3],
    pub count: [Option<u16>; 3],
    low_byte: [Option<u8>; 3],
    port_b: u8,
    /// Channel 2 counting: ns spent gated on so far, and since when the gate is on.
    ch2_gated_ns: u64,
    ch2_gate_since: Option<u64>,
}

impl SimPit {
    pub fn new(time: SimTime) -> Self {
        SimPit {
            time,
            port_cost_ns: 500,
            stopped: false,
            control: [None; 3],
            count: [None; 3],
            low_byte: [None; 3],
            port_b: 0,
            ch2_gated_ns: 0,
            ch2_gate_since: None,
        }
    }

    fn now(&self) -> u64 {
        self.time.get()
    }

    fn ch2_out(&self) -> bool {
        let Some(count) = self.count[2] else {
            return false;
        };
        if self.stopped {
            return false;
        }
        let gated = self.ch2_gated_ns + self.ch2_gate_since.map_or(0, |t| self.now() - t);
        let ticks = u128::from(gated) * u128::from(PIT_HZ) / 1_000_000_000;
        let count = if count == 0 { 65536 } else { count as u128 };
        ticks >= count
    }

    fn write_count(&mut self, ch: usize, v: u8) {
        match self.low_byte[ch].take() {
            None => self.low_byte[ch] = Some(v),
            Some(lo) => {
                self.count[ch] = Some(u16::from_le_bytes([lo, v]));
                if ch == 2 {
                    // Mode 0 starts over with the new count.
                    self.ch2_gated_ns = 0;
                    self.ch2_gate_since = (self.port_b & PORT_B_GATE2 != 0).then(|| self.now());
                }
            }
        }
    }
}

impl PortDevice for SimPit {
    fn read(&mut self, port: u16, _size: u8) -> u32 {
        self.time.set(self.now() + self.port_cost_ns);
        match port {
            PORT_B => {
                let out = if self.ch2_out() { PORT_B_OUT2 } else { 0 };
                (self.port_b & (PORT_B_GATE2 | PORT_B_SPEAKER) | out) as u32
            }
            _ => 0,
        }
    }

    fn write(&mut self, port: u16, _size: u8, value: u32) {
        self.time.set(self.now() + self.port_cost_ns);
        let v = value as u8;
        match port {
            CONTROL => {
                let ch = (v >> 6) as usize;
                if ch < 3 {
                    self.control[ch] = Some(v);
                    self.count[ch] = None;
                    self.low_byte[ch] = None;
                }
            }
            CHANNEL0 => self.write_count(0, v),
            CHANNEL2 => self.write_count(2, v),
            PORT_B => {
                let was_on = self.port_b & PORT_B_GATE2 != 0;
                let on = v & PORT_B_GATE2 != 0;
                if on && !was_on {
                    self.ch2_gate_since = Some(self.now());
                } else if !on && was_on {
                    self.ch2_gated_ns += self.ch2_gate_since.take().map_or(0, |t| self.now() - t);
                }
                self.port_b = v;
            }
            _ => {}
        }
    }
}

/// A counter running at `khz` on `time`, advancing time by `read_cost_ns` per read (the
/// TSC as the calibration code sees it).
pub fn counter(time: SimTime, khz: u64, read_cost_ns: u64) -> impl Fn() -> u64 {
    move || {
        let t = time.get() + read_cost_ns;
        time.set(t);
        (t as u128 * khz as u128 / 1_000_000) as u64
    }
}
