//! int1A AH=B1h: the PCI BIOS (PCI BIOS Specification 2.1, chapter 2 and 3).
//!
//! - B101 installation check: AH=0, AL = hardware mechanism (configuration mechanism #1),
//!   BX = interface version 2.10 (BCD), CL = last bus, EDX = "PCI ", EDI = the 32-bit
//!   protected-mode entry (also reachable through the BIOS32 directory, `_32_`).
//! - B102 find device (CX device, DX vendor, SI index) and B103 find class code (ECX
//!   bits 23:0 class, subclass, programming interface; SI index): BH = bus, BL = device <<
//!   3 | function. Functions are counted in bus/device/function order over the functions
//!   PCI POST found, the order in which the 32-bit entry scans configuration space.
//! - B108/B109/B10A read a configuration byte/word/dword (BX bdf, DI register) into
//!   CL/CX/ECX; B10B/B10C/B10D write CL/CX/ECX. DI must be below 256 and aligned to the
//!   access.
//! - Everything else (B10E routing options, B10F set IRQ, B106 special cycle):
//!   FUNC_NOT_SUPPORTED.
//!
//! Results: CF clear and AH = SUCCESSFUL, or CF set and AH = the error code.

use crate::hal::Ctx;
use crate::hal::regs::Regs;
use crate::hw::pci::{self, Bdf, PciDevice, PciDevices};

const TAG: &str = "pcibios";

/// AH of every PCI BIOS call.
pub const PCI_FUNCTION_ID: u8 = 0xb1;

pub const PCI_BIOS_PRESENT: u8 = 0x01;
pub const FIND_PCI_DEVICE: u8 = 0x02;
pub const FIND_PCI_CLASS_CODE: u8 = 0x03;
pub const READ_CONFIG_BYTE: u8 = 0x08;
pub const READ_CONFIG_WORD: u8 = 0x09;
pub const READ_CONFIG_DWORD: u8 = 0x0a;
pub const WRITE_CONFIG_BYTE: u8 = 0x0b;
pub const WRITE_CONFIG_WORD: u8 = 0x0c;
pub const WRITE_CONFIG_DWORD: u8 = 0x0d;

/// Return codes (AH).
pub const SUCCESSFUL: u8 = 0x00;
pub const FUNC_NOT_SUPPORTED: u8 = 0x81;
pub const BAD_VENDOR_ID: u8 = 0x83;
pub const DEVICE_NOT_FOUND: u8 = 0x86;
pub const BAD_REGISTER_NUMBER: u8 = 0x87;

/// B101 answers: "PCI " in EDX, version 2.10, configuration mechanism #1 (AL bit 0).
pub const PCI_SIGNATURE: u32 = u32::from_le_bytes(*b"PCI ");
pub const INTERFACE_VERSION: u16 = 0x0210;
pub const HW_CONFIG_MECHANISM_1: u8 = 1 << 0;
/// The vendor ID no device has (an empty slot reads it).
const VENDOR_INVALID: u16 = 0xffff;
/// Configuration registers a PCI BIOS reaches (the conventional 256-byte space).
const CONFIG_SPACE: u16 = 0x100;
/// ECX bits 23:0 of B103: class << 16 | subclass << 8 | programming interface.
const CLASS_CODE_MASK: u32 = 0x00ff_ffff;
const PROG_IF_BITS: u32 = 8;

/// int1A with AH=B1h. `entry32` is the 32-bit entry's linear address (B101 EDI).
#[inline(never)]
pub fn int1a(regs: &mut Regs, ctx: &mut Ctx, pci: &PciDevices, entry32: u32) {
    let io = ctx.io;
    match regs.al() {
        PCI_BIOS_PRESENT => {
            regs.edx = PCI_SIGNATURE;
            regs.set_al(HW_CONFIG_MECHANISM_1);
            regs.set_bx(INTERFACE_VERSION);
            regs.set_cl(pci.last_bus);
            regs.edi = entry32;
            succeed(regs);
        }
        FIND_PCI_DEVICE => {
            let (vendor, device) = (regs.dx(), regs.cx());
            if vendor == VENDOR_INVALID {
                return fail(regs, BAD_VENDOR_ID);
            }
            let found = nth_in_bdf_order(pci, &|d| d.is(vendor, device), regs.si());
            found_or_not(regs, found);
        }
        FIND_PCI_CLASS_CODE => {
            let code = regs.ecx & CLASS_CODE_MASK;
            let class = (code >> PROG_IF_BITS) as u16;
            let prog_if = code as u8;
            let found = nth_in_bdf_order(
                pci,
                &|d| d.class == class && d.prog_if == prog_if,
                regs.si(),
            );
            found_or_not(regs, found);
        }
        f @ READ_CONFIG_BYTE..=WRITE_CONFIG_DWORD => {
            let width = match f {
                READ_CONFIG_BYTE | WRITE_CONFIG_BYTE => 1,
                READ_CONFIG_WORD | WRITE_CONFIG_WORD => 2,
                _ => 4,
            };
            let reg = regs.di();
            if reg >= CONFIG_SPACE || !reg.is_multiple_of(width) {
                debug!(TAG, "function {f:#04x}: register {reg:#x} refused");
                return fail(regs, BAD_REGISTER_NUMBER);
            }
            let (bdf, reg) = (Bdf(regs.bx()), reg as u8);
            match f {
                READ_CONFIG_BYTE => regs.set_cl(pci::read8(io, bdf, reg)),
                READ_CONFIG_WORD => regs.set_cx(pci::read16(io, bdf, reg)),
                READ_CONFIG_DWORD => regs.ecx = pci::read32(io, bdf, reg),
                WRITE_CONFIG_BYTE => pci::write8(io, bdf, reg, regs.cl()),
                WRITE_CONFIG_WORD => pci::write16(io, bdf, reg, regs.cx()),
                _ => pci::write32(io, bdf, reg, regs.ecx),
            }
            succeed(regs);
        }
        f => {
            warn!(TAG, "function B1{f:02x} not supported");
            fail(regs, FUNC_NOT_SUPPORTED);
        }
    }
}

fn succeed(regs: &mut Regs) {
    regs.set_ah(SUCCESSFUL);
    regs.set_cf(false);
}

fn fail(regs: &mut Regs, code: u8) {
    regs.fail(code);
}

fn found_or_not(regs: &mut Regs, found: Option<&PciDevice>) {
    match found {
        Some(d) => {
            regs.set_bx(d.bdf.0);
            succeed(regs);
        }
        None => fail(regs, DEVICE_NOT_FOUND),
    }
}

/// The `index`th (from 0) device matching `pred`, in bus/device/function order.
fn nth_in_bdf_order<'a>(
    pci: &'a PciDevices,
    pred: &dyn Fn(&PciDevice) -> bool,
    index: u16,
) -> Option<&'a PciDevice> {
    let matching = || pci.all().iter().filter(|d| pred(d));
    matching().find(|d| matching().filter(|e| e.bdf < d.bdf).count() == usize::from(index))
}
