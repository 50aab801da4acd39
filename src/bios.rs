//! The firmware's state and the hardware handles every service gets.

use crate::block::Drives;
use crate::console::Console;
use crate::cpu::Cpu;
use crate::e820::E820Map;
use crate::hw::PortIo;
use crate::hw::clock::Clock;
use crate::hw::pci::PciDevices;
use crate::mem::Memory;

/// Hardware as the services see it. Built per call by the image (and by tests).
pub struct Ctx<'a> {
    pub mem: &'a mut dyn Memory,
    pub io: &'a dyn PortIo,
    pub clock: &'a dyn Clock,
    pub cpu: &'a mut dyn Cpu,
    pub console: &'a mut dyn Console,
}

/// What POST found and the services keep between calls.
pub struct Bios {
    pub drives: Drives,
    pub e820: E820Map,
    /// Every PCI function POST found, with its BARs and IRQ.
    pub pci: PciDevices,
    pub boot: crate::boot::BootState,
    /// The blocking wait in progress (int15/86, int14 and int17 timeouts).
    pub wait: crate::services::system::PendingWait,
    /// The BIOS tables: where the image keeps its fixed ones (set before POST), what POST
    /// placed (ACPI RSDP, SMBIOS, MP).
    pub tables: crate::tables::Tables,
}

impl Default for Bios {
    fn default() -> Self {
        Self::new()
    }
}

impl Bios {
    pub const fn new() -> Self {
        Bios {
            drives: Drives::new(),
            e820: E820Map::new(),
            pci: PciDevices::new(),
            boot: crate::boot::BootState::new(),
            wait: crate::services::system::PendingWait::new(),
            tables: crate::tables::Tables::new(),
        }
    }
}
