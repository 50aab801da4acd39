//! 16550A UART, polled: COM1 carries the firmware log and int10 text. Programmed with
//! FIFOs, so output goes a FIFO's worth at a time.

use crate::hal::PortIo;

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
/// Polls of LSR for an empty transmitter before writing anyway: a UART that never drains
/// must not hang POST.
pub const TX_SPINS: u32 = 100_000;
/// The 16550A's transmit FIFO: bytes the UART takes at once when LSR says it is empty
/// (THRE, in FIFO mode: the whole FIFO is empty).
pub const TX_FIFO_DEPTH: usize = 16;

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

    /// Send `bytes`, "\n" as "\r\n": per FIFO's worth, one wait for an empty transmit
    /// FIFO and one string write (under virtualization, two exits instead of two per byte).
    pub fn write(&self, io: &dyn PortIo, bytes: &[u8]) {
        let mut fifo = [0u8; TX_FIFO_DEPTH];
        let mut n = 0;
        for &b in bytes {
            for c in if b == b'\n' {
                &b"\r\n"[..]
            } else {
                core::slice::from_ref(&b)
            } {
                if n == TX_FIFO_DEPTH {
                    self.send(io, &fifo);
                    n = 0;
                }
                fifo[n] = *c;
                n += 1;
            }
        }
        if n > 0 {
            self.send(io, &fifo[..n]);
        }
    }

    /// At most a FIFO's worth, once the transmit FIFO is empty (or the wait ran out).
    fn send(&self, io: &dyn PortIo, chunk: &[u8]) {
        for _ in 0..TX_SPINS {
            if io.inb(self.base + LSR) & LSR_THRE != 0 {
                break;
            }
        }
        io.outsb(self.base + THR, chunk);
    }

    /// A received byte, if one is waiting.
    pub fn getc(&self, io: &dyn PortIo) -> Option<u8> {
        (io.inb(self.base + LSR) & LSR_DR != 0).then(|| io.inb(self.base + THR))
    }
}
