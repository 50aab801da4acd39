//! The firmware's own ACPI tables, for platforms where nobody else builds them: Xen's
//! domain builder starting the firmware directly (no hvmloader), and QEMU when told to
//! with `-fw_cfg name=opt/org.xenbios/acpi,string=own` (`tables::setup`).
//!
//! Built here, with lengths and checksums (ACPI 6.5, chapter 5):
//!
//! - RSDP revision 2 (RSDT and XSDT) in the F segment zone;
//! - RSDT, XSDT, FADT revision 3 (ACPI 2.0 layout, 244 bytes), MADT, HPET (if the
//!   platform has one) and the DSDT in one block of ACPI-reclaimable high memory;
//! - the FACS and the run-time block in one page of ACPI NVS memory (the OS keeps both).
//!
//! The DSDT is AML compiled at build time by iasl from `src/tables/dsdt.asl` (build.rs).
//! One blob serves every platform: what it must know at run time (QEMU or Xen, how many
//! CPUs and which are online, the PCI windows, HPET and COM1 present) it reads from the
//! **run-time block** `XBRT`, a `SystemMemory` OperationRegion. The region's address in
//! the ASL is the placeholder 0x58425254 ("XBRT"); build.rs finds that DWord in the AML
//! and records its offset ([`DSDT_RUNTIME_ADDR_OFFSET`]), and [`build`] writes the
//! block's real address there in its copy of the DSDT before checksumming it. The
//! block's layout is the `RT_*` offsets below and the `Field` in dsdt.asl.
//!
//! The two flavours ([`Flavour`]) differ in what the hardware does, not in the tables'
//! shape:
//!
//! - **QEMU**: PCI INTx reach the IOAPIC only through the PIIX PIRQ links (PIRQ -> ISA
//!   IRQ -> IOAPIC input of that number), in APIC mode as in PIC mode; the PCI IRQs
//!   5/9/10/11 are level, active high (as QEMU's own MADT says); the OS enables ACPI by
//!   writing 0xF1 to the SMI command port 0xB2.
//! - **Xen**: in APIC mode the DSDT's `_PRT` sends INTx straight to the IOAPIC GSI Xen
//!   wires it to; the PCI IRQs 5/10/11 are level, active low (hvmloader's MADT,
//!   libacpi/build.c); the firmware enables ACPI itself (`sci_enabled`), so the FADT has
//!   no SMI command.
//!
//! Up to [`MAX_CPUS`] CPUs (Xen's HVM_MAX_VCPUS): the MADT has one local APIC per CPU
//! (enabled when online), the DSDT 128 processor devices whose `_STA` says present for
//! the online ones.

use crate::e820::{E820Map, Kind};
use crate::hal::mem::Memory;
use crate::hw::pci::PciWindows;
use crate::zone::{self, Pool};

const TAG: &str = "acpi";

include!(concat!(env!("OUT_DIR"), "/dsdt_patch.rs"));
/// The compiled DSDT (build.rs). Only POST reads it: in a `.rodata.post` section
/// (linker.ld), it goes to the POST part of the image, which is freed after POST.
#[cfg_attr(target_os = "none", unsafe(link_section = ".rodata.post.dsdt"))]
pub static DSDT: [u8; DSDT_LEN] = *include_bytes!(concat!(env!("OUT_DIR"), "/dsdt.aml"));

/// CPUs the tables describe at most: Xen's HVM_MAX_VCPUS (public/hvm/hvm_info_table.h),
/// and the number of processor devices in dsdt.asl.
pub const MAX_CPUS: usize = 128;
const ONLINE_BYTES: usize = MAX_CPUS / 8;

/// Which platform's wiring the tables describe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Flavour {
    Qemu = 0,
    Xen = 1,
}

/// The CPUs: how many, their APIC IDs (MADT order; the first is the boot CPU) and which
/// are online.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cpus {
    count: usize,
    apic_ids: [u8; MAX_CPUS],
    online: [u8; ONLINE_BYTES],
}

impl Cpus {
    /// `count` CPUs (at least 1, at most [`MAX_CPUS`]), all online, CPU i with APIC ID
    /// `i * stride` (QEMU's default topology: 1; Xen: 2, vlapic.c).
    pub fn sequential(count: usize, stride: u8) -> Cpus {
        let count = count.clamp(1, MAX_CPUS);
        let mut c = Cpus {
            count,
            apic_ids: [0; MAX_CPUS],
            online: [0; ONLINE_BYTES],
        };
        for i in 0..count {
            c.apic_ids[i] = (i as u8).wrapping_mul(stride);
            c.set_online(i, true);
        }
        c
    }
    pub fn count(&self) -> usize {
        self.count
    }
    pub fn apic_id(&self, i: usize) -> u8 {
        self.apic_ids[i]
    }
    pub fn set_apic_id(&mut self, i: usize, id: u8) {
        if i < self.count {
            self.apic_ids[i] = id;
        }
    }
    pub fn online(&self, i: usize) -> bool {
        i < self.count && self.online[i / 8] & 1 << (i % 8) != 0
    }
    /// Mark CPU `i` online or not (ignored for `i` beyond the count).
    pub fn set_online(&mut self, i: usize, on: bool) {
        if i < self.count {
            let bit = 1 << (i % 8);
            if on {
                self.online[i / 8] |= bit;
            } else {
                self.online[i / 8] &= !bit;
            }
        }
    }
}

/// What the tables describe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcpiPlatform {
    pub flavour: Flavour,
    /// I/O base of the PIIX4 PM block: PM1a event at +0, PM1a control at +4, PM timer
    /// at +8 (82371AB datasheet, PMBA).
    pub pm_base: u16,
    /// I/O base of the 4-byte GPE0 block ([`PIIX4_GPE0_BASE`] on QEMU and Xen).
    pub gpe0_base: u16,
    /// The firmware already set SCI_EN: no SMI command for the OS.
    pub sci_enabled: bool,
    pub cpus: Cpus,
    pub ioapic_id: u8,
    /// HPET at [`HPET_ADDR`]: bits 31:0 of its capabilities register (the HPET table's
    /// event timer block ID).
    pub hpet: Option<u32>,
    /// A 16550 at 0x3F8.
    pub com1: bool,
    pub last_bus: u8,
    pub pci: PciWindows,
}

/// PIIX4 GPE0 block: QEMU's PIIX4 PM decodes it at 0xAFE0 whatever PMBA says (QEMU
/// hw/acpi/piix4.c GPE_BASE; SeaBIOS src/fw/dev-piix.h PIIX_GPE0_BLK), qemu-xen too
/// (hvmloader's FADT, ACPI_GPE0_BLK_ADDRESS_V1).
pub const PIIX4_GPE0_BASE: u16 = 0xafe0;
/// The APM control port the PIIX4 turns writes of 0xF1/0xF0 into SCI_EN on/off (QEMU
/// hw/acpi/piix4.c; SeaBIOS PIIX_ACPI_ENABLE/DISABLE).
const SMI_CMD_PORT: u32 = 0xb2;
const ACPI_ENABLE: u8 = 0xf1;
const ACPI_DISABLE: u8 = 0xf0;
/// The PIIX4's SCI is ISA IRQ 9 (QEMU hw/i386/pc_piix.c).
const SCI_IRQ: u16 = 9;
/// Fixed addresses of the PC platform: IOAPIC, local APIC, HPET (IA-PC HPET 1.0a).
pub const IOAPIC_ADDR: u32 = 0xfec0_0000;
pub const LAPIC_ADDR: u32 = 0xfee0_0000;
pub const HPET_ADDR: u32 = 0xfed0_0000;
/// PIIX reset control register: writing 6 (SYS_RST | RST_CPU) resets the machine.
const RESET_PORT: u64 = 0xcf9;
const RESET_VALUE: u8 = 0x06;
/// I/O ports from 0xD00 up to the PCI allocator's window hold chipset devices the host
/// bridge forwards too (QEMU's PIIX4 SMBus at 0xB100, GPE0 at 0xAFE0, Xen's PM block at
/// 0xB000): the `_CRS` I/O window starts here at the latest, as in QEMU's and hvmloader's
/// DSDTs (0x0D00-0xFFFF). Below 0xCF8 is the other window, fixed in dsdt.asl.
pub const CHIPSET_IO_START: u32 = 0x0d00;
/// CMOS century byte (QEMU's and SeaBIOS's RTC).
const CMOS_CENTURY: u8 = 0x32;

// ---- table layouts (ACPI 6.5) -------------------------------------------------------

/// System description table header (5.2.6).
pub const HEADER_LEN: u32 = 36;
const H_LENGTH: u32 = 4;
const H_REVISION: u32 = 8;
const H_CHECKSUM: u32 = 9;
const H_OEM_ID: u32 = 10;
const H_OEM_TABLE_ID: u32 = 16;
const H_OEM_REVISION: u32 = 24;
const H_CREATOR_ID: u32 = 28;
const H_CREATOR_REVISION: u32 = 32;
pub const OEM_ID: [u8; 6] = *b"XENBIO";
const OEM_TABLE_ID: [u8; 8] = *b"XENBIOS ";
const CREATOR_ID: [u8; 4] = *b"XBIO";
const REVISION_1: u32 = 1;

/// RSDP (5.2.5.3): signature, checksum of the first 20 bytes at 8, OEM ID at 9,
/// revision at 15, RSDT at 16, length at 20, XSDT at 24, extended checksum at 32.
pub const RSDP_LEN: u32 = 36;
const RSDP_V1_LEN: u32 = 20;
const RSDP_SIG: [u8; 8] = *b"RSD PTR ";
const RSDP_CHECKSUM: u32 = 8;
const RSDP_OEM_ID: u32 = 9;
const RSDP_REVISION: u32 = 15;
const RSDP_RSDT: u32 = 16;
const RSDP_LENGTH: u32 = 20;
const RSDP_XSDT: u32 = 24;
const RSDP_EXT_CHECKSUM: u32 = 32;
/// ACPI 2.0+ RSDP (with XSDT).
const RSDP_REVISION_2: u8 = 2;
/// OSes scan for the RSDP on 16-byte boundaries.
const RSDP_ALIGN: u32 = 16;

/// FADT revision 3 (ACPI 2.0 layout, 5.2.9): 244 bytes.
pub const FADT_LEN: u32 = 244;
const FADT_REVISION: u8 = 3;
const F_FIRMWARE_CTRL: u32 = 36;
const F_DSDT: u32 = 40;
const F_SCI_INT: u32 = 46;
const F_SMI_CMD: u32 = 48;
const F_ACPI_ENABLE: u32 = 52;
const F_ACPI_DISABLE: u32 = 53;
const F_PM1A_EVT_BLK: u32 = 56;
const F_PM1A_CNT_BLK: u32 = 64;
const F_PM_TMR_BLK: u32 = 76;
const F_GPE0_BLK: u32 = 80;
const F_PM1_EVT_LEN: u32 = 88;
const F_PM1_CNT_LEN: u32 = 89;
const F_PM_TMR_LEN: u32 = 91;
const F_GPE0_BLK_LEN: u32 = 92;
const F_P_LVL2_LAT: u32 = 96;
const F_P_LVL3_LAT: u32 = 98;
const F_CENTURY: u32 = 108;
const F_IAPC_BOOT_ARCH: u32 = 109;
const F_FLAGS: u32 = 112;
const F_RESET_REG: u32 = 116;
const F_RESET_VALUE: u32 = 128;
const F_X_DSDT: u32 = 140;
/// PIIX4 PM register offsets from PMBA and block lengths.
const PM1_EVT_OFFSET: u16 = 0;
const PM1_CNT_OFFSET: u16 = 4;
const PM_TMR_OFFSET: u16 = 8;
const PM1_EVT_LEN: u8 = 4;
const PM1_CNT_LEN: u8 = 2;
const PM_TMR_LEN: u8 = 4;
const GPE0_BLK_LEN: u8 = 4;
/// Latencies above 100 / 1000 us say C2 / C3 are not supported.
const C2_UNSUPPORTED: u16 = 0x0fff;
const C3_UNSUPPORTED: u16 = 0x0fff;
/// IA-PC boot architecture flags: legacy devices, an 8042.
const BOOT_ARCH_LEGACY_DEVICES: u16 = 1 << 0;
const BOOT_ARCH_8042: u16 = 1 << 1;
/// FADT flags: WBINVD works, C1 on all CPUs, no sleep button (the power button is the
/// fixed-feature one: PWR_BUTTON clear), RTC wake from S4, the reset register.
const FLAG_WBINVD: u32 = 1 << 0;
const FLAG_PROC_C1: u32 = 1 << 2;
const FLAG_SLP_BUTTON: u32 = 1 << 5;
const FLAG_RTC_S4: u32 = 1 << 7;
const FLAG_RESET_REG_SUP: u32 = 1 << 10;
/// Generic address structure (5.2.3.2): space, bit width, bit offset, access size,
/// address (u64). System I/O space; byte access.
const GAS_SYSTEM_MEMORY: u8 = 0;
const GAS_SYSTEM_IO: u8 = 1;
const GAS_ACCESS_BYTE: u8 = 1;
const GAS_LEN: usize = 12;

/// FACS (5.2.10): 64 bytes, 64-byte aligned; version 2 (ACPI 4.0+ layout).
pub const FACS_LEN: u32 = 64;
const FACS_ALIGN: u32 = 64;
const FACS_VERSION: u32 = 32;
const FACS_VERSION_2: u8 = 2;

/// MADT (5.2.12): local APIC address at 36, flags at 40, entries from 44.
const MADT_LAPIC_ADDR: u32 = 36;
const MADT_FLAGS: u32 = 40;
const MADT_ENTRIES: u32 = 44;
const MADT_REVISION: u8 = 3;
/// The dual 8259s are there too.
const MADT_PCAT_COMPAT: u32 = 1;
const ENTRY_LAPIC: u8 = 0;
const ENTRY_IOAPIC: u8 = 1;
const ENTRY_OVERRIDE: u8 = 2;
const ENTRY_LAPIC_NMI: u8 = 4;
pub const LAPIC_LEN: u32 = 8;
pub const IOAPIC_LEN: u32 = 12;
pub const OVERRIDE_LEN: u32 = 10;
pub const NMI_LEN: u32 = 6;
pub const LAPIC_ENABLED: u32 = 1;
/// MPS INTI flags: polarity bits 1:0 (01 high, 11 low), trigger bits 3:2 (11 level);
/// 0 conforms to the bus.
pub const INTI_CONFORMS: u16 = 0;
pub const INTI_LEVEL_HIGH: u16 = 0b1101;
pub const INTI_LEVEL_LOW: u16 = 0b1111;
/// ISA IRQ 0 (the PIT) is IOAPIC input 2 on PCs.
const PIT_IRQ: u8 = 0;
const PIT_GSI: u32 = 2;
/// ISA IRQs PCI interrupts are routed to: QEMU's PIIX (hw/i386/acpi-build.c build_madt,
/// pci_irq_mask 0x0e20) and Xen's hvmloader (PCI_ISA_IRQ_MASK 0x0c20, libacpi/build.c).
const QEMU_PCI_IRQS: [u8; 4] = [5, 9, 10, 11];
const XEN_PCI_IRQS: [u8; 3] = [5, 10, 11];
/// NMI entry for every processor, on LINT1.
const ALL_PROCESSORS: u8 = 0xff;
const LINT1: u8 = 1;

/// HPET description table (IA-PC HPET 1.0a, 3.2.4): block ID at 36, base address GAS
/// at 40, HPET number at 52, minimum tick at 53, page protection at 55; 56 bytes.
pub const HPET_LEN: u32 = 56;
const HPET_BLOCK_ID: u32 = 36;
const HPET_BASE: u32 = 40;
const HPET_REG_WIDTH: u8 = 64;

/// RSDT/XSDT entries.
const RSDT_ENTRY: u32 = 4;
const XSDT_ENTRY: u32 = 8;
/// Tables in the reclaimable block start on this boundary.
const TABLE_ALIGN: u32 = 16;

// ---- the run-time block (dsdt.asl, Field XBRT) ------------------------------------

pub const RT_SIGNATURE: [u8; 4] = *b"XBRT";
pub const RT_FLAVOUR: u32 = 4;
pub const RT_CPUS: u32 = 8;
pub const RT_HPET: u32 = 12;
pub const RT_COM1: u32 = 16;
pub const RT_LAST_BUS: u32 = 20;
pub const RT_IO_MIN: u32 = 24;
pub const RT_IO_MAX: u32 = 28;
pub const RT_MEM_MIN: u32 = 32;
pub const RT_MEM_MAX: u32 = 36;
pub const RT_ONLINE: u32 = 40;
/// The OperationRegion's length in dsdt.asl.
pub const RT_LEN: u32 = RT_ONLINE + ONLINE_BYTES as u32;
/// Where the block sits in the NVS page: after the FACS.
const RT_OFFSET: u32 = FACS_LEN;

/// Where [`build`] put things (for the caller's log and the tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Placed {
    pub rsdp: u32,
    pub dsdt: u32,
    pub facs: u32,
    pub runtime: u32,
    pub madt: u32,
}

fn madt_len(p: &AcpiPlatform) -> u32 {
    let overrides = 1 + match p.flavour {
        Flavour::Qemu => QEMU_PCI_IRQS.len(),
        Flavour::Xen => XEN_PCI_IRQS.len(),
    } as u32;
    MADT_ENTRIES
        + p.cpus.count() as u32 * LAPIC_LEN
        + IOAPIC_LEN
        + overrides * OVERRIDE_LEN
        + NMI_LEN
}

fn align(v: u32) -> u32 {
    v.next_multiple_of(TABLE_ALIGN)
}

/// Build every table for `p`: high memory from `e820`, the RSDP from `fseg`. Returns
/// the RSDP's address, or None (logged) when memory ran out.
#[inline(never)]
pub fn build(
    mem: &mut dyn Memory,
    e820: &mut E820Map,
    fseg: &mut Pool,
    p: &AcpiPlatform,
) -> Option<u32> {
    build_placed(mem, e820, fseg, p).map(|t| t.rsdp)
}

/// [`build`], saying where each piece went.
#[inline(never)]
pub fn build_placed(
    mem: &mut dyn Memory,
    e820: &mut E820Map,
    fseg: &mut Pool,
    p: &AcpiPlatform,
) -> Option<Placed> {
    let dsdt_len = DSDT.len() as u32;
    let madt_len = madt_len(p);
    let entries = if p.hpet.is_some() { 3 } else { 2 };
    let rsdt_len = HEADER_LEN + entries * RSDT_ENTRY;
    let xsdt_len = HEADER_LEN + entries * XSDT_ENTRY;
    let hpet_len = if p.hpet.is_some() { HPET_LEN } else { 0 };
    let size = align(dsdt_len)
        + align(FADT_LEN)
        + align(madt_len)
        + align(hpet_len)
        + align(rsdt_len)
        + align(xsdt_len);

    let rsdp = fseg.alloc(RSDP_LEN, RSDP_ALIGN)?;
    let nvs = zone::alloc_high(e820, FACS_LEN + RT_LEN, FACS_ALIGN, Kind::AcpiNvs)?;
    let block = zone::alloc_high(e820, size, zone::PAGE_SIZE, Kind::AcpiReclaim)?;
    let dsdt = block;
    let fadt = dsdt + align(dsdt_len);
    let madt = fadt + align(FADT_LEN);
    let hpet = madt + align(madt_len);
    let rsdt = hpet + align(hpet_len);
    let xsdt = rsdt + align(rsdt_len);
    let facs = nvs;
    let runtime = nvs + RT_OFFSET;

    write_runtime(mem, runtime, p);
    // The DSDT, pointed at the run-time block.
    mem.write(dsdt, &DSDT);
    mem.write_u32(dsdt + DSDT_RUNTIME_ADDR_OFFSET, runtime);
    super::set_checksum(mem, dsdt, dsdt_len, H_CHECKSUM);

    mem.fill(facs, FACS_LEN, 0);
    mem.write(facs, b"FACS");
    mem.write_u32(facs + H_LENGTH, FACS_LEN);
    mem.write_u8(facs + FACS_VERSION, FACS_VERSION_2);

    write_fadt(mem, fadt, facs, dsdt, p);
    write_madt(mem, madt, madt_len, p);
    let mut tables = [fadt, madt, 0];
    if let Some(id) = p.hpet {
        write_hpet(mem, hpet, id);
        tables[2] = hpet;
    }
    let tables = &tables[..entries as usize];

    header(mem, rsdt, b"RSDT", rsdt_len, REVISION_1 as u8);
    header(mem, xsdt, b"XSDT", xsdt_len, REVISION_1 as u8);
    for (i, &t) in tables.iter().enumerate() {
        mem.write_u32(rsdt + HEADER_LEN + i as u32 * RSDT_ENTRY, t);
        mem.write_u64(xsdt + HEADER_LEN + i as u32 * XSDT_ENTRY, t.into());
    }
    super::set_checksum(mem, rsdt, rsdt_len, H_CHECKSUM);
    super::set_checksum(mem, xsdt, xsdt_len, H_CHECKSUM);

    mem.fill(rsdp, RSDP_LEN, 0);
    mem.write(rsdp, &RSDP_SIG);
    mem.write(rsdp + RSDP_OEM_ID, &OEM_ID);
    mem.write_u8(rsdp + RSDP_REVISION, RSDP_REVISION_2);
    mem.write_u32(rsdp + RSDP_RSDT, rsdt);
    mem.write_u32(rsdp + RSDP_LENGTH, RSDP_LEN);
    mem.write_u64(rsdp + RSDP_XSDT, xsdt.into());
    super::set_checksum(mem, rsdp, RSDP_V1_LEN, RSDP_CHECKSUM);
    super::set_checksum(mem, rsdp, RSDP_LEN, RSDP_EXT_CHECKSUM);

    info!(
        TAG,
        "own tables ({}): RSDP at {rsdp:#x}, XSDT at {xsdt:#x}, DSDT {dsdt_len} bytes, {} CPU(s), run-time block at {runtime:#x}",
        match p.flavour {
            Flavour::Qemu => "QEMU",
            Flavour::Xen => "Xen",
        },
        p.cpus.count()
    );
    Some(Placed {
        rsdp,
        dsdt,
        facs,
        runtime,
        madt,
    })
}

/// A table header with everything but the checksum.
fn header(mem: &mut dyn Memory, at: u32, sig: &[u8; 4], len: u32, revision: u8) {
    mem.fill(at, len, 0);
    mem.write(at, sig);
    mem.write_u32(at + H_LENGTH, len);
    mem.write_u8(at + H_REVISION, revision);
    mem.write(at + H_OEM_ID, &OEM_ID);
    mem.write(at + H_OEM_TABLE_ID, &OEM_TABLE_ID);
    mem.write_u32(at + H_OEM_REVISION, REVISION_1);
    mem.write(at + H_CREATOR_ID, &CREATOR_ID);
    mem.write_u32(at + H_CREATOR_REVISION, REVISION_1);
}

fn write_runtime(mem: &mut dyn Memory, at: u32, p: &AcpiPlatform) {
    mem.fill(at, RT_LEN, 0);
    mem.write(at, &RT_SIGNATURE);
    mem.write_u32(at + RT_FLAVOUR, p.flavour as u32);
    mem.write_u32(at + RT_CPUS, p.cpus.count() as u32);
    mem.write_u32(at + RT_HPET, p.hpet.is_some().into());
    mem.write_u32(at + RT_COM1, p.com1.into());
    mem.write_u32(at + RT_LAST_BUS, p.last_bus.into());
    mem.write_u32(at + RT_IO_MIN, p.pci.io.0.min(CHIPSET_IO_START));
    mem.write_u32(at + RT_IO_MAX, p.pci.io.1);
    mem.write_u32(at + RT_MEM_MIN, p.pci.mem32.0);
    mem.write_u32(at + RT_MEM_MAX, p.pci.mem32.1);
    mem.write(at + RT_ONLINE, &p.cpus.online);
}

/// A generic address structure for `width` bits of system I/O at `port`.
fn gas(space: u8, width: u8, access: u8, addr: u64) -> [u8; GAS_LEN] {
    let mut g = [0u8; GAS_LEN];
    g[0] = space;
    g[1] = width;
    g[3] = access;
    g[4..].copy_from_slice(&addr.to_le_bytes());
    g
}

fn write_fadt(mem: &mut dyn Memory, at: u32, facs: u32, dsdt: u32, p: &AcpiPlatform) {
    header(mem, at, b"FACP", FADT_LEN, FADT_REVISION);
    // The FACS only through the 32-bit field, the DSDT through both (equal: ACPICA
    // warns only when they differ). The X_ register blocks stay 0: the OS then uses
    // the 32-bit ones (ACPI 6.5, 5.2.9, "X_" fields "if zero").
    mem.write_u32(at + F_FIRMWARE_CTRL, facs);
    mem.write_u32(at + F_DSDT, dsdt);
    mem.write_u64(at + F_X_DSDT, dsdt.into());
    mem.write_u16(at + F_SCI_INT, SCI_IRQ);
    if !p.sci_enabled {
        mem.write_u32(at + F_SMI_CMD, SMI_CMD_PORT);
        mem.write_u8(at + F_ACPI_ENABLE, ACPI_ENABLE);
        mem.write_u8(at + F_ACPI_DISABLE, ACPI_DISABLE);
    }
    let pm = u32::from(p.pm_base);
    mem.write_u32(at + F_PM1A_EVT_BLK, pm + u32::from(PM1_EVT_OFFSET));
    mem.write_u32(at + F_PM1A_CNT_BLK, pm + u32::from(PM1_CNT_OFFSET));
    mem.write_u32(at + F_PM_TMR_BLK, pm + u32::from(PM_TMR_OFFSET));
    mem.write_u32(at + F_GPE0_BLK, p.gpe0_base.into());
    mem.write_u8(at + F_PM1_EVT_LEN, PM1_EVT_LEN);
    mem.write_u8(at + F_PM1_CNT_LEN, PM1_CNT_LEN);
    mem.write_u8(at + F_PM_TMR_LEN, PM_TMR_LEN);
    mem.write_u8(at + F_GPE0_BLK_LEN, GPE0_BLK_LEN);
    mem.write_u16(at + F_P_LVL2_LAT, C2_UNSUPPORTED);
    mem.write_u16(at + F_P_LVL3_LAT, C3_UNSUPPORTED);
    mem.write_u8(at + F_CENTURY, CMOS_CENTURY);
    mem.write_u16(
        at + F_IAPC_BOOT_ARCH,
        BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_8042,
    );
    mem.write_u32(
        at + F_FLAGS,
        FLAG_WBINVD | FLAG_PROC_C1 | FLAG_SLP_BUTTON | FLAG_RTC_S4 | FLAG_RESET_REG_SUP,
    );
    mem.write(
        at + F_RESET_REG,
        &gas(GAS_SYSTEM_IO, u8::BITS as u8, GAS_ACCESS_BYTE, RESET_PORT),
    );
    mem.write_u8(at + F_RESET_VALUE, RESET_VALUE);
    super::set_checksum(mem, at, FADT_LEN, H_CHECKSUM);
}

fn write_madt(mem: &mut dyn Memory, at: u32, len: u32, p: &AcpiPlatform) {
    header(mem, at, b"APIC", len, MADT_REVISION);
    mem.write_u32(at + MADT_LAPIC_ADDR, LAPIC_ADDR);
    mem.write_u32(at + MADT_FLAGS, MADT_PCAT_COMPAT);
    let mut e = at + MADT_ENTRIES;
    for i in 0..p.cpus.count() {
        // Processor UID i: the _UID of processor device C<i> in dsdt.asl.
        let flags = if p.cpus.online(i) { LAPIC_ENABLED } else { 0 };
        mem.write(
            e,
            &[ENTRY_LAPIC, LAPIC_LEN as u8, i as u8, p.cpus.apic_id(i)],
        );
        mem.write_u32(e + 4, flags);
        e += LAPIC_LEN;
    }
    mem.write(e, &[ENTRY_IOAPIC, IOAPIC_LEN as u8, p.ioapic_id, 0]);
    mem.write_u32(e + 4, IOAPIC_ADDR);
    mem.write_u32(e + 8, 0); // GSI base
    e += IOAPIC_LEN;
    let (irqs, flags): (&[u8], u16) = match p.flavour {
        Flavour::Qemu => (&QEMU_PCI_IRQS, INTI_LEVEL_HIGH),
        Flavour::Xen => (&XEN_PCI_IRQS, INTI_LEVEL_LOW),
    };
    let overrides = core::iter::once((PIT_IRQ, PIT_GSI, INTI_CONFORMS))
        .chain(irqs.iter().map(|&irq| (irq, u32::from(irq), flags)));
    for (irq, gsi, flags) in overrides {
        // Bus 0: ISA.
        mem.write(e, &[ENTRY_OVERRIDE, OVERRIDE_LEN as u8, 0, irq]);
        mem.write_u32(e + 4, gsi);
        mem.write_u16(e + 8, flags);
        e += OVERRIDE_LEN;
    }
    mem.write(e, &[ENTRY_LAPIC_NMI, NMI_LEN as u8, ALL_PROCESSORS]);
    mem.write_u16(e + 3, INTI_CONFORMS);
    mem.write_u8(e + 5, LINT1);
    super::set_checksum(mem, at, len, H_CHECKSUM);
}

fn write_hpet(mem: &mut dyn Memory, at: u32, block_id: u32) {
    header(mem, at, b"HPET", HPET_LEN, REVISION_1 as u8);
    mem.write_u32(at + HPET_BLOCK_ID, block_id);
    mem.write(
        at + HPET_BASE,
        &gas(GAS_SYSTEM_MEMORY, HPET_REG_WIDTH, 0, HPET_ADDR.into()),
    );
    // HPET number 0, minimum tick 0, no page protection: zeros from `header`.
    super::set_checksum(mem, at, HPET_LEN, H_CHECKSUM);
}
