//! A simulated MC146818 RTC and CMOS RAM (ports 0x70/0x71).
//!
//! Time does not advance on its own: tests set the registers (`cmos`) in whatever format
//! status register B announces, and `uip_reads` makes status A report an update in
//! progress for that many reads.

use super::PortDevice;

// Intel 82371AB (PIIX4) datasheet, I/O map: RTC index at 70h, data at 71h (bit 7 of the
// index is NMI enable); MC146818A datasheet: status registers A, C, D and A's UIP bit.
const INDEX: u16 = 0x70;
const DATA: u16 = 0x71;
const INDEX_MASK: u8 = 0x7f;
const STATUS_A: usize = 0x0a;
const STATUS_C: usize = 0x0c;
const STATUS_D: usize = 0x0d;
const UIP: u8 = 0x80;

pub struct SimRtc {
    pub cmos: [u8; 128],
    pub index: u8,
    /// Reads of status A that still show update-in-progress.
    pub uip_reads: u32,
    /// (register, value) of every write, in order.
    pub writes: Vec<(u8, u8)>,
}

impl Default for SimRtc {
    fn default() -> Self {
        let mut cmos = [0u8; 128];
        // As QEMU leaves it: 32.768 kHz divider, 1024 Hz rate, 24 h BCD, RAM valid.
        cmos[STATUS_A] = 0x26;
        cmos[0x0b] = 0x02;
        cmos[STATUS_D] = 0x80;
        SimRtc {
            cmos,
            index: 0,
            uip_reads: 0,
            writes: Vec::new(),
        }
    }
}

impl SimRtc {
    pub fn new() -> Self {
        Self::default()
    }

    /// Set the clock: values are written as given (BCD or binary is the test's choice).
    pub fn set_time(&mut self, hours: u8, minutes: u8, seconds: u8) {
        self.cmos[0x04] = hours;
        self.cmos[0x02] = minutes;
        self.cmos[0x00] = seconds;
    }

    pub fn set_date(&mut self, century: u8, year: u8, month: u8, day: u8) {
        self.cmos[0x32] = century;
        self.cmos[0x09] = year;
        self.cmos[0x08] = month;
        self.cmos[0x07] = day;
    }
}

impl PortDevice for SimRtc {
    fn read(&mut self, port: u16, _size: u8) -> u32 {
        if port != DATA {
            return 0xff;
        }
        let i = self.index as usize;
        let v = self.cmos[i];
        match i {
            STATUS_A if self.uip_reads > 0 => {
                self.uip_reads -= 1;
                (v | UIP) as u32
            }
            STATUS_C => {
                self.cmos[i] = 0;
                v as u32
            }
            _ => v as u32,
        }
    }

    fn write(&mut self, port: u16, _size: u8, value: u32) {
        let v = value as u8;
        match port {
            INDEX => self.index = v & INDEX_MASK,
            DATA => {
                self.writes.push((self.index, v));
                let i = self.index as usize;
                if i != STATUS_C && i != STATUS_D {
                    self.cmos[i] = v;
                }
            }
            _ => {}
        }
    }
}
