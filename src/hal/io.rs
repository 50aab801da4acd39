//! x86 port I/O behind a trait: `arch::Ports` in the image, `xenbios_sim::SimPorts` in
//! tests.

use crate::hal::mem::DmaMemory;

pub trait PortIo {
    fn inb(&self, port: u16) -> u8;
    fn inw(&self, port: u16) -> u16;
    fn inl(&self, port: u16) -> u32;
    fn outb(&self, port: u16, v: u8);
    fn outw(&self, port: u16, v: u16);
    fn outl(&self, port: u16, v: u32);

    /// `rep insw`: one data block from a device FIFO (ATA PIO).
    fn insw(&self, port: u16, buf: &mut [u16]) {
        for w in buf {
            *w = self.inw(port);
        }
    }
    /// `rep outsw`.
    fn outsw(&self, port: u16, buf: &[u16]) {
        for w in buf {
            self.outw(port, *w);
        }
    }
    /// `rep outsb`: bytes to one port (a debug port, a UART's FIFO). Under virtualization
    /// the string instruction is one exit per page instead of one per byte.
    fn outsb(&self, port: u16, buf: &[u8]) {
        for &b in buf {
            self.outb(port, b);
        }
    }

    /// Memory that bus-master devices on this bus reach (fw_cfg DMA), as the firmware
    /// reaches it; `None` when the firmware does not let devices DMA (then drivers use
    /// port I/O only).
    fn dma(&self) -> Option<&dyn DmaMemory> {
        None
    }
}
