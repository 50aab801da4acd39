//! x86 port I/O behind a trait: `arch::Ports` in the image, `sim::SimPorts` in tests.

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
}
