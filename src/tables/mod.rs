//! The tables an OS or loader looks for in a PC BIOS, set up at POST after PCI:
//!
//! - ACPI and SMBIOS as QEMU builds them, placed through its fw_cfg table loader
//!   ([`acpi`]) and SMBIOS files ([`smbios`]);
//! - the MP table for more than one CPU ([`mptable`]), from the ACPI MADT;
//! - the `$PIR` PCI IRQ routing table on the i440FX ([`pir`]);
//! - the fixed headers in the F segment (`src/arch/x86/tables.S`): the BIOS32 service
//!   directory `_32_` (which answers "$PCI" with the 32-bit PCI BIOS entry) and the PnP
//!   installation check `$PnP`, whose checksums POST computes, and the last PCI bus the
//!   32-bit PCI BIOS entry reports.
//!
//! Under real Xen (no fw_cfg) hvmloader builds ACPI, SMBIOS, MP and `$PIR` tables itself;
//! the ones an OS looks for in the F segment are copied there ([`hvmloader`]). The headers
//! are set up all the same.
//!
//! The firmware can also build ACPI tables itself ([`own_acpi`], docs/acpi.md): when
//! started directly by Xen's domain builder (POST calls [`setup_own`] instead of
//! [`setup`]), and under QEMU when the fw_cfg file [`OWN_ACPI_KNOB`] says `own`
//! (`-fw_cfg name=opt/org.xenbios/acpi,string=own`). The MP table is then built from the
//! own MADT.
//!
//! The steps here (and the PCI BIOS service) are `#[inline(never)]`: inlined into
//! `post::run` (or `dispatch`) they made the image 600 bytes larger, measured.

pub mod acpi;
pub mod hvmloader;
pub mod mptable;
pub mod own_acpi;
pub mod pir;
pub mod smbios;

use crate::e820::E820Map;
use crate::hal::Ctx;
use crate::hal::mem::{FarPtr, Memory};
use crate::hw::fw_cfg::{FwCfg, KEY_NB_CPUS};
use crate::hw::pci::PciDevices;
use crate::zone::Pool;
use own_acpi::{AcpiPlatform, Cpus, Flavour};

/// fw_cfg file that picks the ACPI tables under QEMU: `own` builds the firmware's own
/// ([`own_acpi`]); absent or anything else loads QEMU's.
pub const OWN_ACPI_KNOB: &str = "opt/org.xenbios/acpi";
const OWN_ACPI_VALUE: &[u8] = b"own";

/// Where the image keeps the fixed structures (linear addresses; the image fills this in
/// from linker symbols, tests make it up).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The FSEG zone: `[start, end)` in 0xF0000-0xFFFFF, 16-byte aligned.
    pub fseg_pool: (u32, u32),
    /// The BIOS32 service directory header (16 bytes).
    pub bios32_header: u32,
    /// The PnP installation check header (0x21 bytes).
    pub pnp_header: u32,
    /// The 32-bit PCI BIOS entry (what int1A/B101 returns in EDI).
    pub pcibios32_entry: u32,
    /// The byte the 32-bit PCI BIOS entry reads as the last PCI bus.
    pub pci_last_bus: u32,
}

/// What POST placed, for the services and the log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tables {
    pub layout: Option<Layout>,
    pub rsdp: Option<u32>,
    pub smbios_entry: Option<u32>,
    pub mp_floating: Option<u32>,
    /// CPUs the platform reports (MADT, else fw_cfg), 0 when unknown.
    pub cpus: u16,
}

impl Tables {
    pub const fn new() -> Self {
        Tables {
            layout: None,
            rsdp: None,
            smbios_entry: None,
            mp_floating: None,
            cpus: 0,
        }
    }

    /// The `$PnP` header as a real-mode pointer (boot sectors get it in ES:DI).
    pub fn pnp(&self) -> Option<FarPtr> {
        let addr = self.layout?.pnp_header;
        let seg = crate::services::BIOS_SEGMENT;
        let off = addr.checked_sub(crate::hal::mem::linear(seg, 0))?;
        Some(FarPtr::new(seg, u16::try_from(off).ok()?))
    }

    /// The 32-bit PCI BIOS entry, 0 when the image has none.
    pub fn pcibios32_entry(&self) -> u32 {
        self.layout.map_or(0, |l| l.pcibios32_entry)
    }
}

/// BIOS32 service directory header (PCI BIOS 2.1 / Standard BIOS 32-bit Service
/// Directory Proposal 0.4): 16 bytes, checksum at offset 10. src/arch/x86/tables.S lays
/// both headers out and checks them against these.
pub const BIOS32_HEADER_LEN: u32 = 16;
pub const BIOS32_CHECKSUM: u32 = 10;
/// PnP BIOS 1.0a, 4.4: installation check structure, 0x21 bytes, checksum at offset 8.
pub const PNP_HEADER_LEN: u32 = 0x21;
pub const PNP_CHECKSUM: u32 = 8;

/// The POST step: fixed headers, then (with QEMU's fw_cfg) ACPI, SMBIOS and the MP table,
/// recorded in `tables`; the areas they take are reserved in `e820`. `pci` gives the last
/// bus (32-bit PCI BIOS) and the devices' interrupts (MP table).
#[inline(never)]
pub fn setup(ctx: &mut Ctx, tables: &mut Tables, e820: &mut E820Map, pci: &PciDevices) {
    let Some(mut fseg) = headers(ctx, tables, pci) else {
        return;
    };
    let Some(fw) = FwCfg::probe(ctx.io) else {
        if let Ok(info) = crate::xen::hvm_info::find(ctx.mem) {
            let placed = hvmloader::copy(ctx.mem, &info, &mut fseg, e820);
            tables.rsdp = placed.rsdp;
            tables.smbios_entry = placed.smbios_entry;
            tables.mp_floating = placed.mp_floating;
        } else {
            info!(
                "acpi",
                "no fw_cfg: ACPI, SMBIOS and MP tables are the platform's business"
            );
        }
        return;
    };
    tables.rsdp = if wants_own_acpi(&fw) {
        let p = qemu_platform(ctx, &fw, pci);
        own_acpi::build(ctx.mem, e820, &mut fseg, &p)
    } else {
        acpi::load(&fw, ctx.mem, e820, &mut fseg)
    };
    tables.smbios_entry = smbios::load(&fw, ctx.mem, e820, &mut fseg);
    let cpus = mptable::setup(ctx, tables.rsdp, e820, pci, &fw, &mut fseg);
    tables.mp_floating = cpus.floating;
    tables.cpus = cpus.count;
    pir::build(ctx.io, ctx.mem, &mut fseg, pci);
    debug!("acpi", "FSEG zone: {} bytes used", fseg.used());
}

/// The POST step on a platform where nobody else builds ACPI tables (Xen's domain
/// builder starting the firmware directly): fixed headers, the firmware's own ACPI
/// tables for `p`, the MP table from their MADT. Called instead of [`setup`].
#[inline(never)]
pub fn setup_own(
    ctx: &mut Ctx,
    tables: &mut Tables,
    e820: &mut E820Map,
    pci: &PciDevices,
    p: &AcpiPlatform,
    smbios: &smbios::SmbiosParams,
) {
    let Some(mut fseg) = headers(ctx, tables, pci) else {
        return;
    };
    tables.rsdp = own_acpi::build(ctx.mem, e820, &mut fseg, p);
    let cpus = mptable::from_acpi(ctx, tables.rsdp, e820, pci, &mut fseg);
    tables.mp_floating = cpus.floating;
    tables.cpus = if cpus.count > 0 {
        cpus.count
    } else {
        p.cpus.count() as u16
    };
    tables.smbios_entry = smbios::build(ctx.mem, e820, &mut fseg, smbios);
    pir::build(ctx.io, ctx.mem, &mut fseg, pci);
    debug!("acpi", "FSEG zone: {} bytes used", fseg.used());
}

/// What Xen's HVM platform (qemu-xen's i440FX, Xen's own PM timer, IOAPIC and HPET) looks
/// like to the ACPI tables when the firmware was started directly: `vcpus` with APIC ID
/// 2 x n (Xen's vLAPIC mapping, HVM_MAX_VCPUS's reason), those `online`, the PM block at
/// Xen's location 1 (`HVM_PARAM_ACPI_IOPORTS_LOCATION`). The OS enables ACPI through the
/// SMI command port as under QEMU: PM1a control is qemu-xen's PIIX4, which takes it.
pub fn xen_platform(
    ctx: &Ctx,
    pci: &PciDevices,
    vcpus: u32,
    online: impl Fn(u32) -> bool,
) -> AcpiPlatform {
    /// Xen's vLAPIC: APIC ID = 2 x vCPU id (xen/arch/x86/hvm/vlapic.c).
    const XEN_APIC_ID_STRIDE: u8 = 2;
    let mut cpus = Cpus::sequential(vcpus as usize, XEN_APIC_ID_STRIDE);
    for n in 0..vcpus {
        cpus.set_online(n as usize, online(n));
    }
    AcpiPlatform {
        flavour: Flavour::Xen,
        pm_base: xen_headers::hvm::ACPI_PM1A_EVT_BLK_ADDRESS_V1,
        gpe0_base: own_acpi::PIIX4_GPE0_BASE,
        sci_enabled: false,
        cpus,
        ioapic_id: 0,
        hpet: hpet_id(ctx.mem),
        com1: ctx.mem.read_u16(crate::bda::at(crate::bda::COM_PORTS)) != 0,
        last_bus: pci.last_bus,
        pci: pci.windows,
    }
}

/// The BIOS32 and PnP headers' checksums and the PCI BIOS's last bus; the FSEG zone for
/// what follows. None (logged) when the image gave no layout.
fn headers(ctx: &mut Ctx, tables: &Tables, pci: &PciDevices) -> Option<Pool> {
    let Some(layout) = tables.layout else {
        warn!("acpi", "no table layout from the image: no BIOS tables");
        return None;
    };
    set_checksum(
        ctx.mem,
        layout.bios32_header,
        BIOS32_HEADER_LEN,
        BIOS32_CHECKSUM,
    );
    set_checksum(ctx.mem, layout.pnp_header, PNP_HEADER_LEN, PNP_CHECKSUM);
    ctx.mem.write_u8(layout.pci_last_bus, pci.last_bus);
    Some(Pool::new(layout.fseg_pool.0, layout.fseg_pool.1))
}

/// The fw_cfg knob [`OWN_ACPI_KNOB`] says `own` (a trailing NUL or newline allowed).
fn wants_own_acpi(fw: &FwCfg) -> bool {
    let mut buf = [0u8; 8];
    let Some(n) = fw.read_file(OWN_ACPI_KNOB, &mut buf) else {
        return false;
    };
    let value = buf[..n.min(buf.len())].trim_ascii_end();
    let value = value.strip_suffix(&[0]).unwrap_or(value);
    let own = value == OWN_ACPI_VALUE;
    if !own {
        warn!(
            "acpi",
            "{OWN_ACPI_KNOB}: only \"own\" is understood: QEMU's tables"
        );
    }
    own
}

/// HPET capabilities register (IA-PC HPET 1.0a, 2.3.4): bits 7:0 the revision (never
/// 0), 31:16 the vendor; reads all ones (or 0) where there is none.
fn hpet_id(mem: &dyn Memory) -> Option<u32> {
    const REV_MASK: u32 = 0xff;
    let id = mem.read_u32(own_acpi::HPET_ADDR);
    (id != u32::MAX && id & REV_MASK != 0).then_some(id)
}

/// What QEMU's i440FX machine has: PIIX4 PM at the base POST programmed
/// ([`crate::platform::pci::ACPI_PM_BASE`]), ACPI enabled by the OS through the SMI
/// command port, fw_cfg's CPU count with APIC IDs 0..n-1 (QEMU's default topology),
/// IOAPIC ID 0 (QEMU's reads 0), the HPET if it answers, COM1 if the BDA lists it.
fn qemu_platform(ctx: &Ctx, fw: &FwCfg, pci: &PciDevices) -> AcpiPlatform {
    let cpus = usize::from(fw.read_u16(KEY_NB_CPUS));
    let com1 = ctx.mem.read_u16(crate::bda::at(crate::bda::COM_PORTS)) != 0;
    AcpiPlatform {
        flavour: Flavour::Qemu,
        pm_base: crate::platform::pci::ACPI_PM_BASE,
        gpe0_base: own_acpi::PIIX4_GPE0_BASE,
        sci_enabled: false,
        cpus: Cpus::sequential(cpus, 1),
        ioapic_id: 0,
        hpet: hpet_id(ctx.mem),
        com1,
        last_bus: pci.last_bus,
        pci: pci.windows,
    }
}

/// Make the `len` bytes at `addr` sum to 0 through the checksum byte at `addr + at`.
pub fn set_checksum(mem: &mut dyn Memory, addr: u32, len: u32, at: u32) {
    mem.write_u8(addr + at, 0);
    let s = mem.sum8(addr, len);
    mem.write_u8(addr + at, s.wrapping_neg());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pnp_header_is_a_real_mode_pointer_in_f000() {
        let mut t = Tables::new();
        assert_eq!(t.pnp(), None);
        t.layout = Some(Layout {
            fseg_pool: (0xf_8000, 0xf_8400),
            bios32_header: 0xf_7ff0,
            pnp_header: 0xf_7fc0,
            pcibios32_entry: 0xf_1234,
            pci_last_bus: 0xf_1200,
        });
        assert_eq!(t.pnp(), Some(FarPtr::new(0xf000, 0x7fc0)));
        assert_eq!(t.pcibios32_entry(), 0xf_1234);
    }
}
