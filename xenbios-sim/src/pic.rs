//! A simulated 8259A pair, enough to check what POST programmed: the ICW sequence, the
//! masks and the EOIs.

use super::PortDevice;
use xenbios::hw::pic::{MASTER_CMD, MASTER_DATA, SLAVE_CMD, SLAVE_DATA};

#[derive(Default, Debug, Clone)]
pub struct Sim8259 {
    /// ICW words expected next (2, 3, 4), 0 when initialised.
    next_icw: u8,
    need_icw4: bool,
    pub initialised: bool,
    pub vector_base: u8,
    pub icw3: u8,
    pub icw4: u8,
    pub mask: u8,
    pub eois: u32,
}

impl Sim8259 {
    fn command(&mut self, v: u8) {
        if v & 0x10 != 0 {
            // ICW1
            self.initialised = false;
            self.need_icw4 = v & 1 != 0;
            self.next_icw = 2;
            self.mask = 0;
        } else if v & 0x18 == 0 && v & 0x20 != 0 {
            // OCW2 with EOI
            self.eois += 1;
        }
    }

    fn data(&mut self, v: u8) {
        match self.next_icw {
            2 => {
                self.vector_base = v & 0xf8;
                self.next_icw = 3;
            }
            3 => {
                self.icw3 = v;
                self.next_icw = if self.need_icw4 { 4 } else { 0 };
                self.initialised = !self.need_icw4;
            }
            4 => {
                self.icw4 = v;
                self.next_icw = 0;
                self.initialised = true;
            }
            _ => self.mask = v,
        }
    }
}

/// Master and slave, on ports 0x20-0x21 and 0xA0-0xA1.
#[derive(Default, Debug, Clone)]
pub struct SimPic {
    pub master: Sim8259,
    pub slave: Sim8259,
}

impl PortDevice for SimPic {
    fn read(&mut self, port: u16, _size: u8) -> u32 {
        match port {
            MASTER_DATA => self.master.mask as u32,
            SLAVE_DATA => self.slave.mask as u32,
            _ => 0,
        }
    }
    fn write(&mut self, port: u16, _size: u8, value: u32) {
        let v = value as u8;
        match port {
            MASTER_CMD => self.master.command(v),
            MASTER_DATA => self.master.data(v),
            SLAVE_CMD => self.slave.command(v),
            SLAVE_DATA => self.slave.data(v),
            _ => {}
        }
    }
}

/// The two ELCR bytes at 0x4D0/0x4D1.
#[derive(Default, Debug, Clone)]
pub struct SimElcr {
    pub value: u16,
}

impl PortDevice for SimElcr {
    fn read(&mut self, port: u16, _size: u8) -> u32 {
        (self.value >> (8 * (port & 1))) as u8 as u32
    }
    fn write(&mut self, port: u16, _size: u8, value: u32) {
        let shift = 8 * (port & 1);
        self.value = self.value & !(0xff << shift) | (value as u8 as u16) << shift;
    }
}
