//! The firmware's state: what POST found and the services keep between calls. Only the top
//! layer (POST, dispatch, boot, the menu, the image's entry points) names it; everything
//! below takes the parts it touches.

use crate::block::Drives;
use crate::e820::E820Map;
use crate::global::{Global, GlobalGuard};
use crate::hw::pci::PciDevices;
use core::cell::Cell;
use core::mem::MaybeUninit;

/// What POST found and the services keep between calls.
pub struct Bios {
    pub drives: Drives,
    pub e820: E820Map,
    /// Every PCI function POST found, with its BARs and IRQ.
    pub pci: PciDevices,
    pub boot: crate::boot::BootState,
    /// Boot entry vectors of the option ROMs POST ran.
    pub roms: crate::oprom::Roms,
    /// The blocking wait in progress (int15/86, int14 and int17 timeouts).
    pub wait: crate::services::system::PendingWait,
    /// The Xen platform, when POST found Xen and set it up for PV drivers.
    pub xen: Option<&'static crate::xen::Xen>,
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
            roms: crate::oprom::Roms::new(),
            wait: crate::services::system::PendingWait::new(),
            xen: None,
            tables: crate::tables::Tables::new(),
        }
    }
}

/// The firmware state as a global: uninitialised storage until POST calls `init` (so in
/// the image it sits in the zeroed low area instead of costing image space), then a
/// `Global` that POST and the services lock phase by phase.
pub struct BiosCell {
    state: Global<MaybeUninit<Bios>>,
    ready: Cell<bool>,
}

// SAFETY: as for `Global`: one CPU, interrupts off wherever the cell is touched; `ready`
// only goes from false to true, once, before any interrupt service runs.
unsafe impl Sync for BiosCell {}

impl Default for BiosCell {
    fn default() -> Self {
        Self::new()
    }
}

impl BiosCell {
    pub const fn new() -> Self {
        BiosCell {
            state: Global::new(MaybeUninit::uninit()),
            ready: Cell::new(false),
        }
    }

    /// Create the state in place. Its own frame: the temporary is gone before POST needs
    /// the stack for deeper calls.
    #[inline(never)]
    pub fn init(&self) {
        self.state.lock().write(Bios::new());
        self.ready.set(true);
    }

    /// The state, or None while someone holds it or before `init`.
    pub fn try_lock(&self) -> Option<GlobalGuard<'_, Bios>> {
        if !self.ready.get() {
            return None;
        }
        let guard = self.state.try_lock()?;
        // SAFETY: `ready` is only set once `init` has written the value.
        Some(GlobalGuard::map(guard, |b| unsafe { b.assume_init_mut() }))
    }

    /// The state; panics when it is held or not created yet (a firmware bug).
    pub fn lock(&self) -> GlobalGuard<'_, Bios> {
        self.try_lock()
            .expect("BIOS state not created yet, or locked twice")
    }
}
