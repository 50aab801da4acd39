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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{SimFunction, SimPci, SimPorts};
    use std::cell::RefCell;
    use std::rc::Rc;

    fn host(device: u16) -> (SimPorts, Rc<RefCell<SimPci>>) {
        let mut pci = SimPci::new();
        pci.add(None, 0, 0, SimFunction::new(0x8086, device, 0x0600));
        let pci = Rc::new(RefCell::new(pci));
        let mut ports = SimPorts::new();
        ports.attach(0xcf8, 0xcff, pci.clone());
        (ports, pci)
    }

    #[test]
    fn i440fx_and_q35_open_pam1_to_pam4() {
        for (device, pam1) in [(0x1237, 0x5a), (0x29c0, 0x91)] {
            let (ports, pci) = host(device);
            assert!(make_ram(&ports, 0xc0000, 0xe0000));
            let f = &pci.borrow().fns[0];
            for reg in pam1..pam1 + 4 {
                assert_eq!(f.get8(reg), 0x33, "device {device:#x} reg {reg:#x}");
            }
            assert_eq!(f.get8(pam1 - 1), 0, "PAM0 is the trampoline's");
            assert_eq!(f.get8(pam1 + 4), 0, "PAM5 is the trampoline's");
        }
    }

    #[test]
    fn unknown_host_bridge_is_left_alone() {
        let (ports, pci) = host(0x1234);
        assert!(!make_ram(&ports, 0xc0000, 0xe0000));
        assert_eq!(pci.borrow().writes[0], 0);
    }
}
