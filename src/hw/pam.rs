//! Programmable Attribute Map: whether the host bridge sends reads and writes of the
//! legacy ROM area 0xC0000-0xFFFFF to RAM or to the PCI/ISA bus.
//!
//! Facts from the Intel 440FX PMC datasheet (PAM0-PAM6, configuration registers
//! 59h-5Fh of 00:00.0) and the Intel 3 Series / Q35 MCH datasheet (the same registers at
//! 90h-96h): PAM0 bits 7:4 cover 0xF0000-0xFFFFF; PAM1-PAM6 each cover two 16 KiB
//! segments, the low nibble the lower one, from 0xC0000 up. In each nibble bit 0 sends
//! reads to RAM and bit 1 sends writes to RAM.
//!
//! The trampoline opened 0xE0000-0xFFFFF (PAM0, PAM5, PAM6) to copy the image; option
//! ROMs need 0xC0000-0xDFFFF (PAM1-PAM4), which stays read/write RAM afterwards.

use super::pci::{self, Bdf, Chipset};
use crate::hal::PortIo;

/// PAM0 of each host bridge.
pub const I440FX_PAM0: u8 = 0x59;
pub const Q35_PAM0: u8 = 0x90;
/// PAM1 covers 0xC0000-0xC7FFF; each register 32 KiB more.
pub const FIRST_SEGMENT: u32 = 0xc0000;
pub const BYTES_PER_REGISTER: u32 = 0x8000;
/// Both 16 KiB halves: reads and writes to RAM.
pub const READ_WRITE_RAM: u8 = 0x33;

/// Turn `start..end` (within 0xC0000-0xDFFFF, 32 KiB aligned) into read/write RAM.
/// False when the host bridge is not one whose PAM registers are known: the caller
/// then checks whether the area is writable anyway (Xen's hvmloader leaves it RAM).
pub fn make_ram(io: &dyn PortIo, start: u32, end: u32) -> bool {
    let pam0 = match pci::chipset(io) {
        Some(Chipset::I440fx) => I440FX_PAM0,
        Some(Chipset::Q35) => Q35_PAM0,
        _ => return false,
    };
    let host = Bdf::new(0, 0, 0);
    let mut at = start;
    while at < end {
        let reg = pam0 + 1 + ((at - FIRST_SEGMENT) / BYTES_PER_REGISTER) as u8;
        pci::write8(io, host, reg, READ_WRITE_RAM);
        at += BYTES_PER_REGISTER;
    }
    true
}
