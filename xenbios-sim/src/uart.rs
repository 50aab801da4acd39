//! A simulated 16550A UART: what is sent is kept, what a test queues is received. Its
//! transmit FIFO holds 16 bytes and empties while the driver polls LSR (time passes); a
//! byte written to a full FIFO counts as an overrun.

use super::PortDevice;
use std::collections::VecDeque;

// 16550D datasheet (National Semiconductor): register offsets from the base, the LCR and
// LSR bits, the 16-byte transmit FIFO.
const DATA: u16 = 0;
const IER: u16 = 1;
const LCR: u16 = 3;
const MCR: u16 = 4;
const LSR: u16 = 5;
const MSR: u16 = 6;
const SCR: u16 = 7;
const LCR_DLAB: u8 = 0x80;
const LSR_DATA_READY: u8 = 0x01;
const LSR_THR_EMPTY: u8 = 0x20;
const LSR_TX_IDLE: u8 = 0x40;
const TX_FIFO_DEPTH: usize = 16;

pub struct SimUart {
    pub base: u16,
    pub rx: VecDeque<u8>,
    pub tx: Vec<u8>,
    /// The transmitter never drains (a port whose cable went nowhere, flow control).
    pub tx_stuck: bool,
    /// Bytes in the transmit FIFO, not yet sent on the line.
    pub tx_fifo: usize,
    /// Bytes written while the FIFO was full (lost on a real UART; kept in `tx` here).
    pub overruns: usize,
    /// Reads of LSR.
    pub lsr_reads: usize,
    pub lcr: u8,
    pub divisor: u16,
    pub msr: u8,
    ier: u8,
    mcr: u8,
    scr: u8,
}

impl SimUart {
    pub fn new(base: u16) -> Self {
        SimUart {
            base,
            rx: VecDeque::new(),
            tx: Vec::new(),
            tx_stuck: false,
            tx_fifo: 0,
            overruns: 0,
            lsr_reads: 0,
            lcr: 0,
            divisor: 0,
            // CTS, DSR, DCD.
            msr: 0xb0,
            ier: 0,
            mcr: 0,
            scr: 0,
        }
    }

    fn lsr(&mut self) -> u8 {
        self.lsr_reads += 1;
        if !self.tx_stuck {
            self.tx_fifo = 0;
        }
        let mut v = 0;
        if !self.rx.is_empty() {
            v |= LSR_DATA_READY;
        }
        if !self.tx_stuck {
            v |= LSR_THR_EMPTY | LSR_TX_IDLE;
        }
        v
    }
}

impl PortDevice for SimUart {
    fn read(&mut self, port: u16, _size: u8) -> u32 {
        let dlab = self.lcr & LCR_DLAB != 0;
        (match port - self.base {
            DATA if dlab => self.divisor as u8,
            DATA => self.rx.pop_front().unwrap_or(0),
            IER if dlab => (self.divisor >> 8) as u8,
            IER => self.ier,
            LCR => self.lcr,
            MCR => self.mcr,
            LSR => self.lsr(),
            MSR => self.msr,
            SCR => self.scr,
            _ => 0,
        }) as u32
    }

    fn write(&mut self, port: u16, _size: u8, value: u32) {
        let v = value as u8;
        let dlab = self.lcr & LCR_DLAB != 0;
        match port - self.base {
            DATA if dlab => self.divisor = (self.divisor & 0xff00) | v as u16,
            DATA => {
                if self.tx_fifo >= TX_FIFO_DEPTH {
                    self.overruns += 1;
                }
                self.tx_fifo += 1;
                self.tx.push(v);
            }
            IER if dlab => self.divisor = (self.divisor & 0xff) | (v as u16) << 8,
            IER => self.ier = v,
            LCR => self.lcr = v,
            MCR => self.mcr = v,
            SCR => self.scr = v,
            _ => {}
        }
    }
}
