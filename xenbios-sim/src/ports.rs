use std::cell::RefCell;
use std::rc::Rc;
use xenbios::hal::PortIo;
use xenbios::hal::mem::DmaMemory;

/// A device on the simulated port bus. Accesses are byte-, word- or dword-sized as the
/// driver made them; `size` is 1, 2 or 4.
pub trait PortDevice {
    fn read(&mut self, port: u16, size: u8) -> u32;
    fn write(&mut self, port: u16, size: u8, value: u32);
}

struct Mapping {
    first: u16,
    last: u16,
    dev: Rc<RefCell<dyn PortDevice>>,
}

/// A port space: devices claim ranges; unclaimed reads float high (0xff..), writes vanish.
#[derive(Default)]
pub struct SimPorts {
    map: Vec<Mapping>,
    /// Every write to an unclaimed port, in order.
    pub stray_writes: RefCell<Vec<(u16, u32)>>,
    /// What [`PortIo::dma`] answers: none unless a test lets devices DMA.
    dma: Option<Box<dyn DmaMemory>>,
}

impl SimPorts {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn attach(&mut self, first: u16, last: u16, dev: Rc<RefCell<dyn PortDevice>>) {
        self.map.push(Mapping { first, last, dev });
    }
    /// Let bus-master devices DMA into `mem` (the memory the devices on this bus share).
    pub fn set_dma(&mut self, mem: Box<dyn DmaMemory>) {
        self.dma = Some(mem);
    }
    fn find(&self, port: u16) -> Option<&Rc<RefCell<dyn PortDevice>>> {
        self.map
            .iter()
            .find(|m| (m.first..=m.last).contains(&port))
            .map(|m| &m.dev)
    }
    fn read(&self, port: u16, size: u8) -> u32 {
        match self.find(port) {
            Some(d) => d.borrow_mut().read(port, size),
            None => u32::MAX >> (32 - 8 * size as u32),
        }
    }
    fn write(&self, port: u16, size: u8, v: u32) {
        match self.find(port) {
            Some(d) => d.borrow_mut().write(port, size, v),
            None => self.stray_writes.borrow_mut().push((port, v)),
        }
    }
}

impl PortIo for SimPorts {
    fn inb(&self, port: u16) -> u8 {
        self.read(port, 1) as u8
    }
    fn inw(&self, port: u16) -> u16 {
        self.read(port, 2) as u16
    }
    fn inl(&self, port: u16) -> u32 {
        self.read(port, 4)
    }
    fn outb(&self, port: u16, v: u8) {
        self.write(port, 1, v as u32)
    }
    fn outw(&self, port: u16, v: u16) {
        self.write(port, 2, v as u32)
    }
    fn outl(&self, port: u16, v: u32) {
        self.write(port, 4, v)
    }
    fn dma(&self) -> Option<&dyn DmaMemory> {
        self.dma.as_deref()
    }
}
