//! CMOS RAM and the MC146818 RTC registers behind ports 0x70/0x71.

use crate::hal::PortIo;

const INDEX: u16 = 0x70;
const DATA: u16 = 0x71;
/// Bit 7 of the index port masks NMI; it stays set while the firmware talks to CMOS.
const NMI_DISABLE: u8 = 0x80;

pub const RTC_SECONDS: u8 = 0x00;
pub const RTC_MINUTES: u8 = 0x02;
pub const RTC_HOURS: u8 = 0x04;
pub const RTC_DAY_OF_WEEK: u8 = 0x06;
pub const RTC_DAY: u8 = 0x07;
pub const RTC_MONTH: u8 = 0x08;
pub const RTC_YEAR: u8 = 0x09;
pub const RTC_STATUS_A: u8 = 0x0a;
pub const RTC_STATUS_B: u8 = 0x0b;
pub const RTC_STATUS_C: u8 = 0x0c;
pub const RTC_STATUS_D: u8 = 0x0d;
/// Shutdown status: why the CPU was reset (warm boot, resume through 40:67, ...).
pub const SHUTDOWN_STATUS: u8 = 0x0f;
/// Extended memory 1 MiB - 16 MiB, KiB (QEMU).
pub const EXT_MEM_KB_LO: u8 = 0x30;
pub const EXT_MEM_KB_HI: u8 = 0x31;
pub const CENTURY: u8 = 0x32;
/// Memory above 16 MiB, 64 KiB units (QEMU).
pub const MEM_ABOVE_16M_LO: u8 = 0x34;
pub const MEM_ABOVE_16M_HI: u8 = 0x35;
/// Memory above 4 GiB, 64 KiB units, 3 bytes (QEMU).
pub const MEM_ABOVE_4G_0: u8 = 0x5b;
pub const MEM_ABOVE_4G_1: u8 = 0x5c;
pub const MEM_ABOVE_4G_2: u8 = 0x5d;

pub fn read(io: &dyn PortIo, reg: u8) -> u8 {
    io.outb(INDEX, reg | NMI_DISABLE);
    io.inb(DATA)
}

pub fn write(io: &dyn PortIo, reg: u8, v: u8) {
    io.outb(INDEX, reg | NMI_DISABLE);
    io.outb(DATA, v);
}
