//! 16550 UART, polled: COM1 carries the firmware log and int10 text.

use super::PortIo;

pub const COM1: u16 = 0x3f8;

const THR: u16 = 0; // transmit holding (DLAB=0)
const DLL: u16 = 0; // divisor low (DLAB=1)
const DLM: u16 = 1; // divisor high (DLAB=1)
const IER: u16 = 1;
const FCR: u16 = 2;
const LCR: u16 = 3;
const MCR: u16 = 4;
const LSR: u16 = 5;
const SCR: u16 = 7;

const LCR_8N1: u8 = 0x03;
const LCR_DLAB: u8 = 0x80;
const FCR_ENABLE_CLEAR: u8 = 0x07;
const MCR_DTR_RTS_OUT2: u8 = 0x0b;
const LSR_THRE: u8 = 0x20;
const LSR_DR: u8 = 0x01;
/// 115200 baud: 1.8432 MHz / 16 / 115200.
const DIVISOR_115200: u16 = 1;
/// Polls of LSR before a byte is dropped: a UART that never drains must not hang POST.
const TX_SPINS: u32 = 100_000;

#[derive(Clone, Copy, Debug)]
pub struct Uart {
    pub base: u16,
}

impl Uart {
    /// Probe through the scratch register; program 115200 8N1 with FIFOs.
    pub fn init(io: &dyn PortIo, base: u16) -> Option<Uart> {
        io.outb(base + SCR, 0x5a);
        if io.inb(base + SCR) != 0x5a {
            return None;
        }
        io.outb(base + IER, 0);
        io.outb(base + LCR, LCR_DLAB);
        io.outb(base + DLL, DIVISOR_115200 as u8);
        io.outb(base + DLM, (DIVISOR_115200 >> 8) as u8);
        io.outb(base + LCR, LCR_8N1);
        io.outb(base + FCR, FCR_ENABLE_CLEAR);
        io.outb(base + MCR, MCR_DTR_RTS_OUT2);
        Some(Uart { base })
    }

    pub fn putc(&self, io: &dyn PortIo, c: u8) {
        for _ in 0..TX_SPINS {
            if io.inb(self.base + LSR) & LSR_THRE != 0 {
                break;
            }
        }
        io.outb(self.base + THR, c);
    }

    /// A received byte, if one is waiting.
    pub fn getc(&self, io: &dyn PortIo) -> Option<u8> {
        (io.inb(self.base + LSR) & LSR_DR != 0).then(|| io.inb(self.base + THR))
    }
}
