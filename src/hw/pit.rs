//! The 8254 programmable interval timer.
//!
//! Channel 0 drives IRQ0, the BIOS tick (18.2 Hz: the int08 handler in trampoline.S counts
//! it at 40:6C). Channel 2 is gated through port 0x61 and its output can be read back
//! there, which makes it the reference for calibrating the TSC (`hw::timer`).
//!
//! Facts from the Intel 8254 datasheet (control word format, modes 0 and 3) and the PC/AT
//! system control port B (0x61: bit 0 gate 2, bit 1 speaker data, bit 5 OUT2).

use crate::hal::PortIo;

/// Input clock of every channel: 14.31818 MHz / 12.
pub const PIT_HZ: u32 = 1_193_182;

pub const CHANNEL0: u16 = 0x40;
pub const CHANNEL2: u16 = 0x42;
pub const CONTROL: u16 = 0x43;
/// System control port B.
pub const PORT_B: u16 = 0x61;

pub const PORT_B_GATE2: u8 = 1 << 0;
pub const PORT_B_SPEAKER: u8 = 1 << 1;
pub const PORT_B_OUT2: u8 = 1 << 5;

/// Control word fields: channel (bits 7-6), access (5-4), mode (3-1), BCD (0).
const SELECT_CHANNEL0: u8 = 0b00 << 6;
const SELECT_CHANNEL2: u8 = 0b10 << 6;
const ACCESS_LOHI: u8 = 0b11 << 4;
/// Mode 0: interrupt on terminal count (OUT low from the control word, high at zero).
const MODE0_TERMINAL_COUNT: u8 = 0 << 1;
/// Mode 3: square wave.
const MODE3_SQUARE_WAVE: u8 = 3 << 1;

/// Channel 0 in mode 3 with the largest divisor, 65536 (written as 0).
pub const TICK_CONTROL: u8 = SELECT_CHANNEL0 | ACCESS_LOHI | MODE3_SQUARE_WAVE;
pub const TICK_DIVISOR: u32 = 65536;
/// Channel 2 as a one-shot: mode 0.
pub const ONESHOT_CONTROL: u8 = SELECT_CHANNEL2 | ACCESS_LOHI | MODE0_TERMINAL_COUNT;

/// The BIOS tick: IRQ0 every 65536 / 1193182 s (18.2 Hz).
pub fn init(io: &dyn PortIo) {
    io.outb(CONTROL, TICK_CONTROL);
    // 65536 does not fit 16 bits: the 8254 reads a count of 0 as 65536.
    let count = (TICK_DIVISOR & 0xffff) as u16;
    io.outb(CHANNEL0, count as u8);
    io.outb(CHANNEL0, (count >> 8) as u8);
    info!(
        "pit",
        "channel 0: mode 3, divisor {TICK_DIVISOR}, {}.{} Hz tick",
        PIT_HZ / TICK_DIVISOR,
        PIT_HZ * 10 / TICK_DIVISOR % 10
    );
}

/// Gate channel 2 on or off; the speaker stays off.
pub fn ch2_gate(io: &dyn PortIo, on: bool) {
    let b = io.inb(PORT_B) & !(PORT_B_GATE2 | PORT_B_SPEAKER);
    io.outb(PORT_B, if on { b | PORT_B_GATE2 } else { b });
}

/// Load channel 2 as a one-shot of `count` input clocks, counting from the load on if
/// the gate is on; OUT2 is low until the count runs out.
pub fn ch2_oneshot(io: &dyn PortIo, count: u16) {
    io.outb(CONTROL, ONESHOT_CONTROL);
    io.outb(CHANNEL2, count as u8);
    io.outb(CHANNEL2, (count >> 8) as u8);
}

/// Channel 2's output as port B reflects it.
pub fn ch2_out(io: &dyn PortIo) -> bool {
    io.inb(PORT_B) & PORT_B_OUT2 != 0
}
