//! A simulated 8259A pair, enough to check what POST programmed: the ICW sequence, the
//! masks and the EOIs.

use super::PortDevice;

/// Intel 82371AB (PIIX4) datasheet, ISA-compatible I/O map: controller 1 at 20h-21h;
/// 8259A datasheet: A0 = 0 takes ICW1, OCW2 and OCW3.
const MASTER_CMD: u16 = 0x20;
/// 82371AB, I/O map; 8259A: A0 = 1 takes ICW2-ICW4 and OCW1 (the mask).
const MASTER_DATA: u16 = 0x21;
/// 82371AB, I/O map: controller 2 at A0h-A1h (A0 = 0: ICW1, OCW2, OCW3).
const SLAVE_CMD: u16 = 0xa0;
/// 82371AB, I/O map; 8259A: A0 = 1 (ICW2-ICW4, OCW1) of controller 2.
const SLAVE_DATA: u16 = 0xa1;
/// 8259A datasheet, ICW1: D4 = 1 marks it; D0 (IC4) says an ICW4 follows.
const ICW1: u8 = 0x10;
const ICW1_IC4: u8 = 0x01;
/// 8259A datasheet, OCW2: D4 = D3 = 0 marks it (OCW3 has D3 = 1); D5 is EOI.
const OCW_KIND: u8 = 0x18;
const OCW2_EOI: u8 = 0x20;
/// 8259A datasheet, ICW2: T7-T3 of the vectors (the low bits are the IRQ).
const ICW2_VECTOR: u8 = 0xf8;

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
        if v & ICW1 != 0 {
            self.initialised = false;
            self.need_icw4 = v & ICW1_IC4 != 0;
            self.next_icw = 2;
            self.mask = 0;
        } else if v & OCW_KIND == 0 && v & OCW2_EOI != 0 {
            self.eois += 1;
        }
    }

    fn data(&mut self, v: u8) {
        match self.next_icw {
            2 => {
                self.vector_base = v & ICW2_VECTOR;
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
