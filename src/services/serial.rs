//! int14 (serial ports) and int17 (printers) for the ports listed in the BDA.
//!
//! Waits (int14/01, 02 and int17/00) sleep with `Action::Yield` until the port is ready
//! or the port's timeout in the BDA (40:7C, 40:78; timer ticks, 0 taken as the usual
//! default) runs out.
//!
//! A port the BDA does not list (POST lists COM1; no printer ports) answers CF=1 with the
//! timeout bit in AH: int14 AH=80h, int17 AH=09h (timeout and I/O error), so that a
//! program that looks only at AH sees a printer that is not ready.

use crate::bda;
use crate::hal::Ctx;
use crate::hal::mem::Memory;
use crate::hal::regs::{Action, Regs};
use crate::services::system::{PendingWait, TICK_US, Waited};

const TAG: &str = "int14";
const TAG_LPT: &str = "int17";

const COM_PORTS: u16 = 4;
const LPT_PORTS: u16 = 3;
const COM_TIMEOUTS: u32 = 0x7c;
const LPT_TIMEOUTS: u32 = 0x78;
const DEFAULT_COM_TIMEOUT_TICKS: u8 = 10;
const DEFAULT_LPT_TIMEOUT_TICKS: u8 = 20;

// 16550 registers (offsets from the base port).
const UART_DATA: u16 = 0;
const UART_DLL: u16 = 0;
const UART_DLM: u16 = 1;
const UART_LCR: u16 = 3;
const UART_LSR: u16 = 5;
const UART_MSR: u16 = 6;
const LCR_DLAB: u8 = 0x80;
/// int14/00 AL bits 4-0 are the LCR's parity, stop bits and word length.
const INIT_LINE_BITS: u8 = 0x1f;
/// int14/00 AL bits 7-5: 110, 150, 300, ... 9600 baud.
const INIT_BAUD_SHIFT: u8 = 5;
/// Divisors of the 1.8432 MHz clock: 110 baud, and 150 baud halving with each step.
const DIVISOR_110: u16 = 0x417;
const DIVISOR_150_DOUBLED: u16 = 0x600;
const LSR_DATA_READY: u8 = 0x01;
/// Transmit holding register and shift register empty.
const LSR_TX_EMPTY: u8 = 0x60;
/// int14 AH bit 7: timed out.
const COM_TIMEOUT: u8 = 0x80;

// Parallel port registers (offsets) and bits.
const LPT_DATA: u16 = 0;
const LPT_STATUS: u16 = 1;
const LPT_CONTROL: u16 = 2;
/// Status bits the BIOS reports: not busy, ack, paper out, selected, error.
const LPT_STATUS_MASK: u8 = 0xf8;
/// ACK and ERROR are active low on the port, active high in AH.
const LPT_STATUS_INVERT: u8 = 0x48;
const LPT_NOT_BUSY: u8 = 0x80;
const LPT_CTRL_STROBE: u8 = 0x01;
const LPT_CTRL_INIT_OFF: u8 = 0x04;
const LPT_CTRL_SELECT: u8 = 0x08;
/// The INIT line is held low this long.
const LPT_INIT_PULSE_US: u64 = 100;
/// int17 AH bits 0 and 3.
const LPT_TIMEOUT: u8 = 0x01;
const LPT_IO_ERROR: u8 = 0x08;

fn port_base(mem: &dyn Memory, table: u32, count: u16, index: u16) -> Option<u16> {
    (index < count)
        .then(|| mem.read_u16(bda::at(table) + 2 * index as u32))
        .filter(|&b| b != 0)
}

fn timeout_us(mem: &dyn Memory, table: u32, index: u16, default_ticks: u8) -> u64 {
    let ticks = match mem.read_u8(bda::at(table) + index as u32) {
        0 => default_ticks,
        t => t,
    };
    ticks as u64 * TICK_US
}

pub fn int14(regs: &mut Regs, ctx: &mut Ctx, wait: &mut PendingWait) -> Action {
    if !(0x00..=0x03).contains(&regs.ah()) {
        super::unsupported(regs, TAG);
        return Action::Return;
    }
    let Some(base) = port_base(ctx.mem, bda::COM_PORTS, COM_PORTS, regs.dx()) else {
        debug!(TAG, "no COM{}", regs.dx() as u32 + 1);
        regs.fail(COM_TIMEOUT);
        return Action::Return;
    };
    let io = ctx.io;
    let lsr = io.inb(base + UART_LSR);
    match regs.ah() {
        0x00 => {
            let speed = regs.al() >> INIT_BAUD_SHIFT;
            let divisor = match speed {
                0 => DIVISOR_110,
                s => DIVISOR_150_DOUBLED >> s,
            };
            io.outb(base + UART_LCR, io.inb(base + UART_LCR) | LCR_DLAB);
            io.outb(base + UART_DLL, divisor as u8);
            io.outb(base + UART_DLM, (divisor >> 8) as u8);
            io.outb(base + UART_LCR, regs.al() & INIT_LINE_BITS);
            regs.set_ah(io.inb(base + UART_LSR));
            regs.set_al(io.inb(base + UART_MSR));
        }
        0x01 => {
            let us = timeout_us(ctx.mem, COM_TIMEOUTS, regs.dx(), DEFAULT_COM_TIMEOUT_TICKS);
            let ready = lsr & LSR_TX_EMPTY == LSR_TX_EMPTY;
            match wait.poll(regs, ctx.clock, us, ready) {
                Waited::Pending => return Action::Yield,
                Waited::Ready => {
                    io.outb(base + UART_DATA, regs.al());
                    regs.set_ah(lsr);
                }
                Waited::TimedOut => regs.set_ah(lsr | COM_TIMEOUT),
            }
        }
        0x02 => {
            let us = timeout_us(ctx.mem, COM_TIMEOUTS, regs.dx(), DEFAULT_COM_TIMEOUT_TICKS);
            let ready = lsr & LSR_DATA_READY != 0;
            match wait.poll(regs, ctx.clock, us, ready) {
                Waited::Pending => return Action::Yield,
                Waited::Ready => {
                    regs.set_al(io.inb(base + UART_DATA));
                    regs.set_ah(lsr);
                }
                Waited::TimedOut => regs.set_ah(lsr | COM_TIMEOUT),
            }
        }
        _ => {
            regs.set_ah(lsr);
            regs.set_al(io.inb(base + UART_MSR));
        }
    }
    regs.set_cf(false);
    Action::Return
}

fn lpt_status(ctx: &Ctx, base: u16) -> u8 {
    (ctx.io.inb(base + LPT_STATUS) & LPT_STATUS_MASK) ^ LPT_STATUS_INVERT
}

pub fn int17(regs: &mut Regs, ctx: &mut Ctx, wait: &mut PendingWait) -> Action {
    if !(0x00..=0x02).contains(&regs.ah()) {
        super::unsupported(regs, TAG_LPT);
        return Action::Return;
    }
    let Some(base) = port_base(ctx.mem, bda::LPT_PORTS, LPT_PORTS, regs.dx()) else {
        debug!(TAG_LPT, "no LPT{}", regs.dx() as u32 + 1);
        regs.fail(LPT_TIMEOUT | LPT_IO_ERROR);
        return Action::Return;
    };
    let io = ctx.io;
    match regs.ah() {
        0x00 => {
            let us = timeout_us(ctx.mem, LPT_TIMEOUTS, regs.dx(), DEFAULT_LPT_TIMEOUT_TICKS);
            let ready = lpt_status(ctx, base) & LPT_NOT_BUSY != 0;
            match wait.poll(regs, ctx.clock, us, ready) {
                Waited::Pending => return Action::Yield,
                Waited::Ready => {
                    let ctrl = LPT_CTRL_SELECT | LPT_CTRL_INIT_OFF;
                    io.outb(base + LPT_DATA, regs.al());
                    io.outb(base + LPT_CONTROL, ctrl | LPT_CTRL_STROBE);
                    io.outb(base + LPT_CONTROL, ctrl);
                    regs.set_ah(lpt_status(ctx, base));
                }
                Waited::TimedOut => regs.set_ah(lpt_status(ctx, base) | LPT_TIMEOUT),
            }
        }
        0x01 => {
            io.outb(base + LPT_CONTROL, LPT_CTRL_SELECT);
            ctx.clock.delay_us(LPT_INIT_PULSE_US);
            io.outb(base + LPT_CONTROL, LPT_CTRL_SELECT | LPT_CTRL_INIT_OFF);
            regs.set_ah(lpt_status(ctx, base));
        }
        _ => regs.set_ah(lpt_status(ctx, base)),
    }
    regs.set_cf(false);
    Action::Return
}
