//! Time: the RTC at POST, int1A (tick count, RTC time, date and alarm) and int70 (IRQ8).
//!
//! The RTC may count in BCD or binary and in 12- or 24-hour format (status register B
//! says which); callers always get BCD and 24 hours. POST leaves it running with a
//! 32.768 kHz time base, 24 hours and no interrupts but the alarm when int1A/06 asks.

use crate::bda;
use crate::hal::Ctx;
use crate::hal::PortIo;
use crate::hal::clock::{Clock, Deadline};
use crate::hal::cpu::Call16;
use crate::hal::regs::Regs;
use crate::hw::cmos::{
    self, CENTURY, RTC_DAY, RTC_HOURS, RTC_MINUTES, RTC_MONTH, RTC_SECONDS, RTC_STATUS_A,
    RTC_STATUS_B, RTC_STATUS_C, RTC_STATUS_D, RTC_YEAR,
};

const TAG: &str = "int1a";

const RTC_ALARM_SECONDS: u8 = 0x01;
const RTC_ALARM_MINUTES: u8 = 0x03;
const RTC_ALARM_HOURS: u8 = 0x05;

// Status register A.
const A_UPDATE_IN_PROGRESS: u8 = 0x80;
/// 32.768 kHz time base, 1024 Hz periodic rate: what a PC RTC runs with.
const A_DEFAULT: u8 = 0x26;
// Status register B.
const B_SET: u8 = 0x80;
const B_PERIODIC_IRQ: u8 = 0x40;
const B_ALARM_IRQ: u8 = 0x20;
const B_UPDATE_IRQ: u8 = 0x10;
const B_SQUARE_WAVE: u8 = 0x08;
const B_BINARY: u8 = 0x04;
const B_24_HOUR: u8 = 0x02;
const B_DST: u8 = 0x01;
// Status register C: alarm flag.
const C_ALARM: u8 = 0x20;
// Status register D: valid RAM and time (the battery held).
const D_VALID: u8 = 0x80;
/// 12-hour format: PM flag in the hours register.
const HOUR_PM: u8 = 0x80;

/// An update cycle lasts under 2 ms; give it 10.
const UPDATE_TIMEOUT_US: u64 = 10_000;

/// Ticks from midnight to midnight (the int08 handler wraps here), and seconds.
pub const TICKS_PER_DAY: u32 = 0x18_00b0;
const SECONDS_PER_DAY: u32 = 86_400;
const SECONDS_PER_HOUR: u32 = 3600;
const SECONDS_PER_MINUTE: u32 = 60;
/// Valid hours, minutes, seconds; century, year, month, day.
const TIME_RANGES: [(u8, u8); 3] = [(0, 23), (0, 59), (0, 59)];
const DATE_RANGES: [(u8, u8); 4] = [(0, 99), (0, 99), (1, 12), (1, 31)];
const HOURS_PER_HALF_DAY: u8 = 12;

const RTC_IRQ: u8 = 8;
const INT_ALARM: u8 = 0x4a;
/// PIC mask registers: IRQ8 is bit 0 on the slave, the cascade bit 2 on the master.
const PIC_MASTER_MASK: u16 = 0x21;
const PIC_SLAVE_MASK: u16 = 0xa1;
const PIC_CASCADE_BIT: u8 = 1 << 2;
const PIC_IRQ8_BIT: u8 = 1 << 0;

// Out of line: the RTC is read and written in many places.
#[inline(never)]
fn rtc_read(io: &dyn PortIo, reg: u8) -> u8 {
    cmos::read(io, reg)
}

#[inline(never)]
fn rtc_write(io: &dyn PortIo, reg: u8, v: u8) {
    cmos::write(io, reg, v)
}

/// BCD: one decimal digit per nibble.
const NIBBLE: u8 = 0x0f;
const NIBBLE_BITS: u8 = 4;
const DECIMAL: u8 = 10;

fn valid_bcd(v: u8) -> bool {
    v & NIBBLE < DECIMAL && v >> NIBBLE_BITS < DECIMAL
}

fn bcd_to_bin(v: u8) -> u8 {
    (v >> NIBBLE_BITS) * DECIMAL + (v & NIBBLE)
}

fn bin_to_bcd(v: u8) -> u8 {
    (v / DECIMAL) << NIBBLE_BITS | (v % DECIMAL)
}

/// The RTC's number format, from status register B.
#[derive(Clone, Copy)]
struct Format {
    binary: bool,
    h24: bool,
}

impl Format {
    fn of(b: u8) -> Self {
        Format {
            binary: b & B_BINARY != 0,
            h24: b & B_24_HOUR != 0,
        }
    }

    fn decode(self, v: u8) -> Option<u8> {
        if self.binary {
            Some(v)
        } else {
            valid_bcd(v).then(|| bcd_to_bin(v))
        }
    }

    fn encode(self, v: u8) -> u8 {
        if self.binary { v } else { bin_to_bcd(v) }
    }

    /// Hours register to 0-23.
    fn decode_hours(self, v: u8) -> Option<u8> {
        if self.h24 {
            return self.decode(v).filter(|&h| h < 24);
        }
        let h = self
            .decode(v & !HOUR_PM)
            .filter(|&h| (1..=12).contains(&h))?;
        Some(h % 12 + if v & HOUR_PM != 0 { 12 } else { 0 })
    }

    fn encode_hours(self, h: u8) -> u8 {
        if self.h24 {
            return self.encode(h);
        }
        let half = HOURS_PER_HALF_DAY;
        let h12 = if h.is_multiple_of(half) {
            half
        } else {
            h % half
        };
        self.encode(h12) | if h >= half { HOUR_PM } else { 0 }
    }
}

/// Wait (bounded) until the RTC is not in an update cycle: the registers can then be
/// read consistently for 244 µs.
fn wait_update_done(io: &dyn PortIo, clock: &dyn Clock) -> bool {
    let d = Deadline::after(clock, UPDATE_TIMEOUT_US);
    loop {
        if rtc_read(io, RTC_STATUS_A) & A_UPDATE_IN_PROGRESS == 0 {
            return true;
        }
        if d.expired(clock) {
            return false;
        }
        core::hint::spin_loop();
    }
}

/// Hours, minutes, seconds (binary, 24 h) and the DST flag; None if the RTC stays busy
/// or holds values that are not a time.
fn read_time(io: &dyn PortIo, clock: &dyn Clock) -> Option<(u8, u8, u8, bool)> {
    if !wait_update_done(io, clock) {
        warn!(TAG, "RTC stays in its update cycle");
        return None;
    }
    let b = rtc_read(io, RTC_STATUS_B);
    let f = Format::of(b);
    let s = f.decode(rtc_read(io, RTC_SECONDS)).filter(|&v| v < 60);
    let m = f.decode(rtc_read(io, RTC_MINUTES)).filter(|&v| v < 60);
    let h = f.decode_hours(rtc_read(io, RTC_HOURS));
    match (h, m, s) {
        (Some(h), Some(m), Some(s)) => Some((h, m, s, b & B_DST != 0)),
        _ => {
            warn!(TAG, "RTC time is not a time");
            None
        }
    }
}

/// Century, year, month, day (binary).
fn read_date(io: &dyn PortIo, clock: &dyn Clock) -> Option<[u8; 4]> {
    if !wait_update_done(io, clock) {
        warn!(TAG, "RTC stays in its update cycle");
        return None;
    }
    let f = Format::of(rtc_read(io, RTC_STATUS_B));
    let mut out = [0u8; 4];
    for (o, reg) in out.iter_mut().zip([CENTURY, RTC_YEAR, RTC_MONTH, RTC_DAY]) {
        *o = f.decode(rtc_read(io, reg))?;
    }
    Some(out)
}

/// Write registers with updates held (SET), then B as `new_b` (SET clear).
fn write_held(io: &dyn PortIo, regs: &[(u8, u8)], new_b: u8) {
    let b = rtc_read(io, RTC_STATUS_B);
    rtc_write(io, RTC_STATUS_B, b | B_SET);
    for &(r, v) in regs {
        rtc_write(io, r, v);
    }
    rtc_write(io, RTC_STATUS_B, new_b & !B_SET);
}

/// POST: RTC running (time base, 24 hours, no interrupts), BDA tick count from its
/// time of day, midnight flag clear.
#[inline(never)] // POST step: its locals live only while it runs (stack budget)
pub fn init(ctx: &mut Ctx) {
    let io = ctx.io;
    let a = rtc_read(io, RTC_STATUS_A);
    if a & !A_UPDATE_IN_PROGRESS != A_DEFAULT {
        info!(TAG, "RTC status A {a:#04x}: set to {A_DEFAULT:#04x}");
        rtc_write(io, RTC_STATUS_A, A_DEFAULT);
    }
    let b = rtc_read(io, RTC_STATUS_B);
    let keep = b & (B_BINARY | B_24_HOUR | B_DST);
    let interrupts = B_PERIODIC_IRQ | B_ALARM_IRQ | B_UPDATE_IRQ | B_SQUARE_WAVE;
    if b & B_24_HOUR == 0 {
        // The hours register changes format with the bit: convert it with updates held.
        let old = Format::of(b);
        let new_b = keep | B_24_HOUR;
        let hours = rtc_read(io, RTC_HOURS);
        let writes: &[(u8, u8)] = match old.decode_hours(hours) {
            Some(h) => &[(RTC_HOURS, Format::of(new_b).encode_hours(h))],
            None => &[],
        };
        write_held(io, writes, new_b);
        info!(TAG, "RTC switched to 24-hour format");
    } else if b & (B_SET | interrupts) != 0 {
        rtc_write(io, RTC_STATUS_B, keep);
    }
    rtc_read(io, RTC_STATUS_C);
    if rtc_read(io, RTC_STATUS_D) & D_VALID == 0 {
        warn!(TAG, "RTC lost power: time and CMOS contents are not valid");
    }
    let ticks = match read_time(io, ctx.clock) {
        Some((h, m, s, _)) => {
            let secs = h as u32 * SECONDS_PER_HOUR + m as u32 * SECONDS_PER_MINUTE + s as u32;
            (secs as u64 * TICKS_PER_DAY as u64 / SECONDS_PER_DAY as u64) as u32
        }
        None => 0,
    };
    ctx.mem.write_u32(bda::at(bda::TICKS), ticks);
    ctx.mem.write_u8(bda::at(bda::MIDNIGHT), 0);
}

pub fn int1a(regs: &mut Regs, ctx: &mut Ctx) {
    let io = ctx.io;
    match regs.ah() {
        0x00 => {
            let ticks = ctx.mem.read_u32(bda::at(bda::TICKS));
            regs.set_cx((ticks >> 16) as u16);
            regs.set_dx(ticks as u16);
            regs.set_al(ctx.mem.read_u8(bda::at(bda::MIDNIGHT)));
            ctx.mem.write_u8(bda::at(bda::MIDNIGHT), 0);
            regs.set_cf(false);
        }
        0x01 => {
            let ticks = (regs.cx() as u32) << 16 | regs.dx() as u32;
            ctx.mem.write_u32(bda::at(bda::TICKS), ticks);
            ctx.mem.write_u8(bda::at(bda::MIDNIGHT), 0);
            regs.set_cf(false);
        }
        0x02 => match read_time(io, ctx.clock) {
            Some((h, m, s, dst)) => {
                regs.set_ch(bin_to_bcd(h));
                regs.set_cl(bin_to_bcd(m));
                regs.set_dh(bin_to_bcd(s));
                regs.set_dl(dst as u8);
                regs.ok();
            }
            None => regs.set_cf(true),
        },
        0x03 => set_time(regs, io),
        0x04 => match read_date(io, ctx.clock) {
            Some([c, y, m, d]) => {
                regs.set_ch(bin_to_bcd(c));
                regs.set_cl(bin_to_bcd(y));
                regs.set_dh(bin_to_bcd(m));
                regs.set_dl(bin_to_bcd(d));
                regs.ok();
            }
            None => regs.set_cf(true),
        },
        0x05 => set_date(regs, io),
        0x06 => set_alarm(regs, io),
        0x07 => {
            let b = rtc_read(io, RTC_STATUS_B);
            rtc_write(io, RTC_STATUS_B, b & !B_ALARM_IRQ);
            regs.ok();
        }
        _ => super::unsupported(regs, TAG),
    }
}

/// BCD values in range, as binary.
fn bcd_fields<const N: usize>(vals: [u8; N], ranges: [(u8, u8); N]) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    for ((o, v), (lo, hi)) in out.iter_mut().zip(vals).zip(ranges) {
        *o = valid_bcd(v)
            .then(|| bcd_to_bin(v))
            .filter(|b| (lo..=hi).contains(b))?;
    }
    Some(out)
}

/// 03: CH hours, CL minutes, DH seconds (BCD), DL bit 0 daylight saving.
fn set_time(regs: &mut Regs, io: &dyn PortIo) {
    let Some([h, m, s]) = bcd_fields([regs.ch(), regs.cl(), regs.dh()], TIME_RANGES) else {
        warn!(
            TAG,
            "set time {:04x}:{:02x}: not a BCD time",
            regs.cx(),
            regs.dh()
        );
        return regs.set_cf(true);
    };
    let b = rtc_read(io, RTC_STATUS_B);
    let f = Format::of(b);
    let new_b = (b & !B_DST) | (regs.dl() & B_DST);
    write_held(
        io,
        &[
            (RTC_SECONDS, f.encode(s)),
            (RTC_MINUTES, f.encode(m)),
            (RTC_HOURS, f.encode_hours(h)),
        ],
        new_b,
    );
    regs.ok();
}

/// 05: CH century, CL year, DH month, DL day (BCD).
fn set_date(regs: &mut Regs, io: &dyn PortIo) {
    let vals = [regs.ch(), regs.cl(), regs.dh(), regs.dl()];
    let Some([c, y, m, d]) = bcd_fields(vals, DATE_RANGES) else {
        warn!(
            TAG,
            "set date {:04x}{:04x}: not a BCD date",
            regs.cx(),
            regs.dx()
        );
        return regs.set_cf(true);
    };
    let b = rtc_read(io, RTC_STATUS_B);
    let f = Format::of(b);
    write_held(
        io,
        &[
            (CENTURY, f.encode(c)),
            (RTC_YEAR, f.encode(y)),
            (RTC_MONTH, f.encode(m)),
            (RTC_DAY, f.encode(d)),
        ],
        b,
    );
    regs.ok();
}

/// 06: alarm at CH:CL:DH (BCD), delivered through IRQ8 as int4A. CF=1 if an alarm is
/// already set or the time is not one.
fn set_alarm(regs: &mut Regs, io: &dyn PortIo) {
    let b = rtc_read(io, RTC_STATUS_B);
    if b & B_ALARM_IRQ != 0 {
        debug!(TAG, "alarm already set");
        return regs.set_cf(true);
    }
    let Some([h, m, s]) = bcd_fields([regs.ch(), regs.cl(), regs.dh()], TIME_RANGES) else {
        warn!(
            TAG,
            "set alarm {:04x}:{:02x}: not a BCD time",
            regs.cx(),
            regs.dh()
        );
        return regs.set_cf(true);
    };
    let f = Format::of(b);
    write_held(
        io,
        &[
            (RTC_ALARM_SECONDS, f.encode(s)),
            (RTC_ALARM_MINUTES, f.encode(m)),
            (RTC_ALARM_HOURS, f.encode_hours(h)),
        ],
        b | B_ALARM_IRQ,
    );
    io.outb(PIC_SLAVE_MASK, io.inb(PIC_SLAVE_MASK) & !PIC_IRQ8_BIT);
    io.outb(PIC_MASTER_MASK, io.inb(PIC_MASTER_MASK) & !PIC_CASCADE_BIT);
    regs.ok();
}

/// IRQ8: status C read (which acknowledges the RTC), int4A for an alarm a program
/// hooked, end of interrupt on both PICs.
pub fn int70(regs: &mut Regs, ctx: &mut Ctx) {
    let _ = regs;
    let c = rtc_read(ctx.io, RTC_STATUS_C);
    let b = rtc_read(ctx.io, RTC_STATUS_B);
    if c & C_ALARM != 0 && b & B_ALARM_IRQ != 0 && super::hooked(ctx, INT_ALARM) {
        let mut call = Call16::int(crate::ivt::get(ctx.mem, INT_ALARM), Regs::default());
        ctx.cpu.call16(&mut call);
    }
    crate::hw::pic::eoi(ctx.io, RTC_IRQ);
}
