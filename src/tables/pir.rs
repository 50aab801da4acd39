//! `$PIR`, the PCI IRQ routing table (Microsoft, PCI IRQ Routing Table Specification 1.0),
//! for the i440FX/PIIX: how each bus-0 slot's INTA#-INTD# reach the PIIX's PIRQ links and
//! which ISA IRQs the links may take. OSes without ACPI (and Linux with `pci=noacpi`, or
//! `acpi=off`) route PCI interrupts from it, finding it by scanning 0xF0000-0xFFFFF on
//! 16-byte boundaries; SeaBIOS and hvmloader both provide one for this chipset.
//!
//! Rules chosen:
//! - i440FX only: Q35's ICH9 has eight links and the OSes that run on it use ACPI.
//! - The router is the PIIX3/PIIX4 ISA bridge POST found on bus 0; its link values are
//!   the configuration registers of PIRQA-D (0x60-0x63), which is how Linux's PIIX router
//!   driver reads and writes them.
//! - One entry per bus-0 device with an interrupt pin or a bridge (devices behind a
//!   bridge reach bus 0 through its pins, swizzled by the OS); pins map to links the way
//!   POST routed them (`platform::pci::pirq_of`).
//! - Each link's IRQ bitmap and the exclusive-IRQ field: the ISA IRQs the links are routed
//!   to now, read back from the router, so an OS that re-routes stays on IRQs that POST
//!   made level triggered.
//!
//! Layout (spec 1.0, "PCI IRQ Routing Table" and "Slot Entry"): a 32-byte header
//! (signature, version 1.0, size, router bus and devfn, exclusive IRQs, compatible
//! router, miniport data, 11 reserved bytes, checksum), then 16 bytes a slot (bus,
//! devfn, four (link, bitmap) pairs, slot number, reserved).

use crate::hal::PortIo;
use crate::hal::mem::Memory;
use crate::hw::pci::{
    Bdf, Chipset, DEVICE_PIIX3_ISA, DEVICE_PIIX4_ISA, PciDevices, VENDOR_INTEL, chipset, read8,
};
use crate::platform::pci::{PIRQ_DISABLED, PIRQA_ROUTE, pirq_of};
use crate::zone::Pool;

const TAG: &str = "pir";

/// The signature as a little-endian word (never a byte string in the image, which an OS
/// scanning the F segment might find).
const SIG: u32 = u32::from_le_bytes(*b"$PIR");
const VERSION_1_0: u16 = 0x0100;
const HEADER_LEN: usize = 32;
const VERSION: usize = 4;
const SIZE: usize = 6;
const ROUTER_BUS: usize = 8;
const ROUTER_DEVFN: usize = 9;
const EXCLUSIVE_IRQS: usize = 10;
const COMPATIBLE_ROUTER: usize = 12;
const CHECKSUM: usize = 31;
/// A slot entry: bus 0, devfn 1, (link, bitmap u16) for INTA-D from 2, slot number 14.
pub const SLOT_LEN: usize = 16;
const SLOT_DEVFN: usize = 1;
const SLOT_LINKS: usize = 2;
const SLOT_LINK_LEN: usize = 3;
const SLOT_NUMBER: usize = 14;
/// Scanned for on paragraph boundaries.
const ALIGN: u32 = 16;
/// INTA# to INTD#; the PIIX's PIRQA-D.
const PINS: u8 = 4;
const LINKS: u8 = 4;
const DEVICES_PER_BUS: usize = 32;
/// Configuration header type 1: a PCI-to-PCI bridge.
const HEADER_TYPE_BRIDGE: u8 = 1;
/// PIRQ route registers hold the IRQ in bits 3:0.
const ROUTE_IRQ_MASK: u8 = 0x0f;

/// The largest table: a slot entry for every device number on bus 0.
const MAX_LEN: usize = HEADER_LEN + DEVICES_PER_BUS * SLOT_LEN;

/// Build the table in `fseg` for an i440FX with the devices in `pci` (POST's list,
/// routing done); returns its address, or None for another chipset (silently) or when
/// there is no PIIX router or no room (logged).
#[inline(never)]
pub fn build(
    io: &dyn PortIo,
    mem: &mut dyn Memory,
    fseg: &mut Pool,
    pci: &PciDevices,
) -> Option<u32> {
    const CHIPSET: Chipset = Chipset::I440fx;
    if chipset(io) != Some(CHIPSET) {
        return None;
    }
    let Some(router) = pci.all().iter().find(|d| {
        d.bdf.bus() == 0
            && (d.is(VENDOR_INTEL, DEVICE_PIIX3_ISA) || d.is(VENDOR_INTEL, DEVICE_PIIX4_ISA))
    }) else {
        warn!(TAG, "no PIIX ISA bridge on bus 0: no $PIR");
        return None;
    };
    let mut irqs = 0u16;
    for link in 0..LINKS {
        let route = read8(io, router.bdf, PIRQA_ROUTE + link);
        if route & PIRQ_DISABLED == 0 {
            irqs |= 1 << (route & ROUTE_IRQ_MASK);
        }
    }

    let mut t = [0u8; MAX_LEN];
    let mut len = HEADER_LEN;
    for dev in 0..DEVICES_PER_BUS as u8 {
        let wired = pci.all().iter().any(|d| {
            d.bdf.bus() == 0
                && d.bdf.dev() == dev
                && ((1..=PINS).contains(&d.irq_pin) || d.header_type == HEADER_TYPE_BRIDGE)
        });
        if !wired {
            continue;
        }
        let e = &mut t[len..len + SLOT_LEN];
        e[SLOT_DEVFN] = Bdf::new(0, dev, 0).0 as u8;
        for pin in 0..PINS {
            let Some(link) = pirq_of(CHIPSET, pci.intx_via_xen, dev, pin) else {
                continue;
            };
            let at = SLOT_LINKS + usize::from(pin) * SLOT_LINK_LEN;
            e[at] = PIRQA_ROUTE + link;
            e[at + 1..at + 3].copy_from_slice(&irqs.to_le_bytes());
        }
        e[SLOT_NUMBER] = dev;
        len += SLOT_LEN;
    }
    t[..4].copy_from_slice(&SIG.to_le_bytes());
    t[VERSION..VERSION + 2].copy_from_slice(&VERSION_1_0.to_le_bytes());
    t[SIZE..SIZE + 2].copy_from_slice(&(len as u16).to_le_bytes());
    t[ROUTER_BUS] = router.bdf.bus();
    t[ROUTER_DEVFN] = router.bdf.0 as u8;
    t[EXCLUSIVE_IRQS..EXCLUSIVE_IRQS + 2].copy_from_slice(&irqs.to_le_bytes());
    t[COMPATIBLE_ROUTER..COMPATIBLE_ROUTER + 2].copy_from_slice(&router.vendor.to_le_bytes());
    t[COMPATIBLE_ROUTER + 2..COMPATIBLE_ROUTER + 4].copy_from_slice(&router.device.to_le_bytes());
    let sum = t[..len].iter().fold(0u8, |s, &b| s.wrapping_add(b));
    t[CHECKSUM] = sum.wrapping_neg();

    let at = fseg.alloc(len as u32, ALIGN)?;
    mem.write(at, &t[..len]);
    info!(
        TAG,
        "$PIR at {at:#x}: router {}, {} slots, IRQs {irqs:#06x}",
        router.bdf,
        (len - HEADER_LEN) / SLOT_LEN
    );
    Some(at)
}
