//! Shared by the Xen tests: the simulated machine's platform device as the firmware's type.

use xenbios::hw::pci::Bdf;
use xenbios::xen::PlatformDevice;
use xenbios_sim::xen::XenMachine;

/// `m`'s Xen platform PCI device as PCI POST reports it to `xen::init`.
pub fn platform_device(m: &XenMachine) -> PlatformDevice {
    let p = m.platform();
    PlatformDevice {
        bdf: Bdf::new(p.bus, p.dev, p.func),
        mmio_base: p.mmio_base,
        mmio_size: p.mmio_size,
    }
}
