//! CPUs and the MP table (Intel MultiProcessor Specification 1.4) for OSes that do not
//! use ACPI (or are told not to): built when the platform has more than one CPU.
//!
//! The CPUs, the I/O APIC and the ISA interrupt overrides come from the ACPI MADT QEMU
//! built (ACPI 6.5, 5.2.12), so the MP table says what ACPI says: the APIC IDs QEMU's
//! topology gave the CPUs (not necessarily 0..n-1), the I/O APIC's real ID (QEMU's reads
//! 0) and address, IRQ0 on pin 2. Without a MADT (no ACPI from QEMU) the count comes from
//! fw_cfg and no MP table is built. The application processors are not touched: on QEMU
//! they sit in wait-for-SIPI from reset until the OS starts them, which is where SeaBIOS
//! leaves them too after counting them.
//!
//! Contents: one processor entry per enabled local APIC, a PCI bus (0) and an ISA bus
//! (1), the I/O APIC, one I/O interrupt entry per PCI INTx pin on bus 0 (to the IRQ POST
//! routed it to: level, active high as the chipset drives the I/O APIC pin), the ISA IRQs
//! 0-15 except those (with the MADT's overrides), ExtINT on LINT0 and NMI on LINT1.
//! The floating pointer goes to the FSEG zone, where OSes scan for it; the configuration
//! table, which the pointer addresses physically and which grows by 20 bytes a CPU, to
//! the high zone, so that many CPUs cannot crowd the other scanned tables out of the
//! small FSEG zone. (SeaBIOS keeps small configuration tables in the F segment because
//! Linux before 2.6.30 crashed on one in high memory; such kernels read the MP table only
//! without ACPI.)

use crate::e820::{E820Map, Kind};
use crate::hal::Ctx;
use crate::hal::mem::Memory;
use crate::hw::fw_cfg::{FwCfg, KEY_NB_CPUS};
use crate::hw::pci::PciDevices;
use crate::zone::{self, Pool};

const TAG: &str = "mp";

/// MADT (ACPI 6.5, 5.2.12).
const MADT_SIG: [u8; 4] = *b"APIC";
const MADT_LAPIC_ADDR: u32 = 36;
const MADT_ENTRIES: u32 = 44;
const MADT_LENGTH: u32 = 4;
const MADT_LOCAL_APIC: u8 = 0;
const MADT_IO_APIC: u8 = 1;
const MADT_OVERRIDE: u8 = 2;
const MADT_LAPIC_NMI: u8 = 4;
const LOCAL_APIC_ENABLED: u32 = 1 << 0;
/// Every entry: type, length. Processor local APIC: APIC ID at 3, flags (u32) at 4. I/O
/// APIC: ID at 2, address (u32) at 4. Override: bus at 2, source IRQ at 3, GSI (u32) at 4,
/// flags (u16) at 8. Local APIC NMI: processor UID at 2, LINT# at 5.
const ENTRY_HEADER_LEN: u32 = 2;
const ENTRY_LENGTH: u32 = 1;
const LAPIC_ID: u32 = 3;
const LAPIC_FLAGS: u32 = 4;
const IOAPIC_ID: u32 = 2;
const IOAPIC_ADDRESS: u32 = 4;
const OVERRIDE_BUS: u32 = 2;
const OVERRIDE_SOURCE: u32 = 3;
const OVERRIDE_GSI: u32 = 4;
const OVERRIDE_FLAGS: u32 = 8;
const NMI_PROCESSOR: u32 = 2;
const NMI_LINT: u32 = 5;
/// Smallest lengths of those entries.
const LAPIC_LEN: u32 = 8;
const IOAPIC_LEN: u32 = 12;
const OVERRIDE_LEN: u32 = 10;
const NMI_LEN: u32 = 6;
/// Bus 0 of an interrupt source override: ISA.
const OVERRIDE_BUS_ISA: u8 = 0;
const NMI_ALL_PROCESSORS: u8 = 0xff;

/// CPUs an MP table can list (8-bit APIC IDs, 0xFF is broadcast).
pub const MAX_CPUS: usize = 255;
pub const ISA_IRQS: usize = 16;

/// MP floating pointer and configuration table (MP 1.4, 4.1 and 4.2).
pub(super) const FLOATING_SIG: u32 = u32::from_le_bytes(*b"_MP_");
pub(super) const CONFIG_SIG: u32 = u32::from_le_bytes(*b"PCMP");
pub(super) const FLOATING_LEN: usize = 16;
const FLOATING_LENGTH_PARAGRAPHS: u8 = 1;
pub(super) const FLOATING_CHECKSUM: usize = 10;
const SPEC_REV_1_4: u8 = 4;
pub(super) const CONFIG_HEADER_LEN: usize = 44;
pub(super) const CONFIG_LENGTH: usize = 4;
const CONFIG_SPEC: usize = 6;
const CONFIG_CHECKSUM: usize = 7;
const CONFIG_OEM_ID: usize = 8;
const CONFIG_PRODUCT_ID: usize = 16;
const CONFIG_ENTRY_COUNT: usize = 34;
const CONFIG_LAPIC_ADDR: usize = 36;
pub(super) const FLOATING_ADDR: usize = 4;
const FLOATING_LENGTH: usize = 8;
const FLOATING_SPEC: usize = 9;
/// A processor entry: type, APIC ID, version, flags, CPU signature, feature flags; then
/// 8 reserved bytes.
const PROCESSOR_USED: usize = 12;
const OEM_ID: [u8; 8] = *b"XENBIOS ";
const PRODUCT_ID: [u8; 12] = *b"QEMU        ";
/// Entry types and sizes (MP 1.4, 4.3).
const ENTRY_PROCESSOR: u8 = 0;
const ENTRY_BUS: u8 = 1;
const ENTRY_IO_APIC: u8 = 2;
const ENTRY_IO_INTERRUPT: u8 = 3;
const ENTRY_LOCAL_INTERRUPT: u8 = 4;
const PROCESSOR_LEN: usize = 20;
const SHORT_ENTRY_LEN: usize = 8;
const CPU_ENABLED: u8 = 1 << 0;
const CPU_BOOTSTRAP: u8 = 1 << 1;
const IO_APIC_ENABLED: u8 = 1 << 0;
const BUS_PCI: u8 = 0;
const BUS_ISA: u8 = 1;
const BUS_TYPE_PCI: [u8; 6] = *b"PCI   ";
const BUS_TYPE_ISA: [u8; 6] = *b"ISA   ";
/// Interrupt types (MP 1.4, table 4-8).
const INT_VECTORED: u8 = 0;
const INT_NMI: u8 = 1;
const INT_EXTINT: u8 = 3;
/// Interrupt flags: polarity bits 1:0, trigger mode bits 3:2 (same encoding as the
/// MADT's MPS INTI flags). 0 = conforms to the bus.
const POLARITY_ACTIVE_HIGH: u16 = 0b01;
const TRIGGER_LEVEL: u16 = 0b11 << 2;
const FLAGS_CONFORM: u16 = 0;
const ALL_LOCAL_APICS: u8 = 0xff;
const LINT0: u8 = 0;
const LINT1: u8 = 1;
/// PCI source bus IRQ: device number in bits 6:2, INTx (0 = INTA#) in bits 1:0.
const PCI_DEV_SHIFT: u8 = 2;

/// CPUID leaf 1: EBX bits 31:24 the initial APIC ID.
const CPUID_1_EBX_APIC_ID_SHIFT: u32 = 24;
/// Local APIC version register (bits 7:0); I/O APIC: IOREGSEL at 0, IOWIN at 0x10,
/// register 1 the version (bits 7:0).
const LAPIC_VERSION_REG: u32 = 0x30;
const IOAPIC_IOREGSEL: u32 = 0x00;
const IOAPIC_IOWIN: u32 = 0x10;
const IOAPIC_REG_VERSION: u32 = 1;
const VERSION_MASK: u32 = 0xff;

/// What the MADT says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Madt {
    pub lapic_addr: u32,
    /// Enabled local APICs, in MADT order (the first is the boot CPU on QEMU).
    pub apic_ids: [u8; MAX_CPUS],
    pub cpus: usize,
    /// The first I/O APIC: ID and address.
    pub ioapic: Option<(u8, u32)>,
    /// ISA IRQ -> (global system interrupt, MPS INTI flags).
    pub overrides: [Option<(u32, u16)>; ISA_IRQS],
    /// LINT input NMI arrives on.
    pub nmi_lint: u8,
}

impl Madt {
    #[inline(never)]
    pub fn parse(mem: &dyn Memory, addr: u32) -> Madt {
        let mut m = Madt {
            lapic_addr: mem.read_u32(addr + MADT_LAPIC_ADDR),
            apic_ids: [0; MAX_CPUS],
            cpus: 0,
            ioapic: None,
            overrides: [None; ISA_IRQS],
            nmi_lint: LINT1,
        };
        let end = addr + mem.read_u32(addr + MADT_LENGTH);
        let mut p = addr + MADT_ENTRIES;
        while p + ENTRY_HEADER_LEN <= end {
            let ty = mem.read_u8(p);
            let len = u32::from(mem.read_u8(p + ENTRY_LENGTH));
            if len < ENTRY_HEADER_LEN || p + len > end {
                warn!(
                    TAG,
                    "MADT entry at {p:#x} (type {ty}) has a bad length {len}"
                );
                break;
            }
            match (ty, len) {
                (MADT_LOCAL_APIC, LAPIC_LEN..) => {
                    let id = mem.read_u8(p + LAPIC_ID);
                    let enabled = mem.read_u32(p + LAPIC_FLAGS) & LOCAL_APIC_ENABLED != 0;
                    if enabled && m.cpus < MAX_CPUS && id != ALL_LOCAL_APICS {
                        m.apic_ids[m.cpus] = id;
                        m.cpus += 1;
                    }
                }
                (MADT_IO_APIC, IOAPIC_LEN..) if m.ioapic.is_none() => {
                    let id = mem.read_u8(p + IOAPIC_ID);
                    m.ioapic = Some((id, mem.read_u32(p + IOAPIC_ADDRESS)));
                }
                (MADT_OVERRIDE, OVERRIDE_LEN..) => {
                    let bus = mem.read_u8(p + OVERRIDE_BUS);
                    let source = mem.read_u8(p + OVERRIDE_SOURCE);
                    if bus == OVERRIDE_BUS_ISA && (source as usize) < ISA_IRQS {
                        m.overrides[source as usize] = Some((
                            mem.read_u32(p + OVERRIDE_GSI),
                            mem.read_u16(p + OVERRIDE_FLAGS),
                        ));
                    }
                }
                (MADT_LAPIC_NMI, NMI_LEN..)
                    if mem.read_u8(p + NMI_PROCESSOR) == NMI_ALL_PROCESSORS =>
                {
                    m.nmi_lint = mem.read_u8(p + NMI_LINT);
                }
                _ => {}
            }
            p += len;
        }
        m
    }
}

/// What the MP table's processor entries need from the CPU and the APICs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuInfo {
    /// CPUID 1 EAX and EDX.
    pub signature: u32,
    pub features: u32,
    pub bsp_apic_id: u8,
    pub lapic_version: u8,
    pub ioapic_version: u8,
}

/// CPUs found and the MP floating pointer, if one was built.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cpus {
    pub count: u16,
    pub floating: Option<u32>,
}

/// The POST step (after ACPI): count the CPUs (in the MADT under `rsdp`, else fw_cfg's
/// count), build the MP table for more than one, in `fseg` and memory reserved in `e820`,
/// with the interrupts of the devices in `pci`.
#[inline(never)]
pub fn setup(
    ctx: &mut Ctx,
    rsdp: Option<u32>,
    e820: &mut E820Map,
    pci: &PciDevices,
    fw: &FwCfg,
    fseg: &mut Pool,
) -> Cpus {
    let mut n = [0u8; 2];
    fw.read_item(KEY_NB_CPUS, &mut n);
    let fw_cpus = u16::from_le_bytes(n);
    let madt = rsdp
        .and_then(|r| super::acpi::find_table(ctx.mem, r, MADT_SIG))
        .map(|a| Madt::parse(ctx.mem, a));
    let Some(madt) = madt else {
        info!(TAG, "{fw_cpus} CPU(s) (fw_cfg), no ACPI MADT: no MP table");
        return Cpus {
            count: fw_cpus,
            floating: None,
        };
    };
    info!(
        TAG,
        "{} CPU(s) in the MADT ({fw_cpus} says fw_cfg)", madt.cpus
    );
    for_madt(ctx, &madt, e820, pci, fseg)
}

/// Count the CPUs in the MADT under `rsdp` and build the MP table for more than one
/// (the firmware's own tables, no fw_cfg). A count of 0 when there is no MADT.
#[inline(never)]
pub fn from_acpi(
    ctx: &mut Ctx,
    rsdp: Option<u32>,
    e820: &mut E820Map,
    pci: &PciDevices,
    fseg: &mut Pool,
) -> Cpus {
    let madt = rsdp
        .and_then(|r| super::acpi::find_table(ctx.mem, r, MADT_SIG))
        .map(|a| Madt::parse(ctx.mem, a));
    let Some(madt) = madt else {
        info!(TAG, "no ACPI MADT: no MP table");
        return Cpus::default();
    };
    info!(TAG, "{} CPU(s) in the MADT", madt.cpus);
    for_madt(ctx, &madt, e820, pci, fseg)
}

/// The MP table for the CPUs of `madt`, when there is more than one.
fn for_madt(
    ctx: &mut Ctx,
    madt: &Madt,
    e820: &mut E820Map,
    pci: &PciDevices,
    fseg: &mut Pool,
) -> Cpus {
    let count = madt.cpus as u16;
    if madt.cpus <= 1 {
        return Cpus {
            count,
            floating: None,
        };
    }
    let [signature, ebx, _, features] = ctx.cpu.cpuid(1, 0);
    let ioapic_version = madt.ioapic.map_or(0, |(_, addr)| {
        ctx.mem
            .write_u32(addr + IOAPIC_IOREGSEL, IOAPIC_REG_VERSION);
        (ctx.mem.read_u32(addr + IOAPIC_IOWIN) & VERSION_MASK) as u8
    });
    let info = CpuInfo {
        signature,
        features,
        bsp_apic_id: (ebx >> CPUID_1_EBX_APIC_ID_SHIFT) as u8,
        lapic_version: (ctx.mem.read_u32(madt.lapic_addr + LAPIC_VERSION_REG) & VERSION_MASK) as u8,
        ioapic_version,
    };
    let floating = build(ctx.mem, e820, fseg, madt, &info, pci);
    Cpus { count, floating }
}

/// The configuration table as it is built: bytes and how many are used.
struct Table {
    bytes: [u8; MAX_TABLE_LEN],
    len: usize,
    entries: u16,
}

impl Table {
    fn put(&mut self, b: &[u8]) {
        self.bytes[self.len..self.len + b.len()].copy_from_slice(b);
        self.len += b.len();
    }
    /// One 8-byte entry.
    fn entry(&mut self, e: [u8; SHORT_ENTRY_LEN]) {
        self.put(&e);
        self.entries += 1;
    }
    /// An I/O or local interrupt entry (MP 1.4, 4.3.4 and 4.3.5): `source` is bus and
    /// bus IRQ, `dest` the APIC and its input.
    fn interrupt(&mut self, ty: u8, kind: u8, flags: u16, source: [u8; 2], dest: [u8; 2]) {
        let [f0, f1] = flags.to_le_bytes();
        self.entry([ty, kind, f0, f1, source[0], source[1], dest[0], dest[1]]);
    }
}

/// CPUs an MP table built here lists: Xen's largest HVM guest (`HVM_MAX_VCPUS`); more (a
/// QEMU machine beyond it) are left to ACPI, which every OS able to run that many uses. The
/// table is assembled on the firmware stack: 20 bytes a CPU.
pub const MAX_MP_CPUS: usize = xen_headers::hvm_info_table::HVM_MAX_VCPUS as usize;
/// Two buses, the I/O APIC, 16 ISA IRQs, 4 pins of every PCI device, 2 local interrupts.
const MAX_TABLE_LEN: usize = CONFIG_HEADER_LEN
    + MAX_MP_CPUS * PROCESSOR_LEN
    + (2 + 1 + ISA_IRQS + PCI_PINS * crate::hw::pci::MAX_DEVICES + 2) * SHORT_ENTRY_LEN;
/// INTA# to INTD#.
const PCI_PINS: usize = 4;

/// Build the configuration table and the floating pointer; returns the floating
/// pointer's address.
#[inline(never)]
pub fn build(
    mem: &mut dyn Memory,
    e820: &mut E820Map,
    fseg: &mut Pool,
    madt: &Madt,
    cpu: &CpuInfo,
    pci: &PciDevices,
) -> Option<u32> {
    let Some((ioapic_id, ioapic_addr)) = madt.ioapic else {
        warn!(TAG, "no I/O APIC in the MADT: no MP table");
        return None;
    };
    let mut t = Table {
        bytes: [0; MAX_TABLE_LEN],
        len: CONFIG_HEADER_LEN,
        entries: 0,
    };
    let cpus = madt.cpus.min(MAX_MP_CPUS);
    if cpus < madt.cpus {
        warn!(TAG, "only the first {cpus} CPUs go in the MP table");
    }
    for &id in &madt.apic_ids[..cpus] {
        let [s0, s1, s2, s3] = cpu.signature.to_le_bytes();
        let [f0, f1, f2, f3] = cpu.features.to_le_bytes();
        let flags = CPU_ENABLED
            | if id == cpu.bsp_apic_id {
                CPU_BOOTSTRAP
            } else {
                0
            };
        t.put(&[
            ENTRY_PROCESSOR,
            id,
            cpu.lapic_version,
            flags,
            s0,
            s1,
            s2,
            s3,
            f0,
            f1,
            f2,
            f3,
        ]);
        t.put(&[0; PROCESSOR_LEN - PROCESSOR_USED]);
        t.entries += 1;
    }
    for (id, [a, b, c, d, e, f]) in [(BUS_PCI, BUS_TYPE_PCI), (BUS_ISA, BUS_TYPE_ISA)] {
        t.entry([ENTRY_BUS, id, a, b, c, d, e, f]);
    }
    let [a0, a1, a2, a3] = ioapic_addr.to_le_bytes();
    t.entry([
        ENTRY_IO_APIC,
        ioapic_id,
        cpu.ioapic_version,
        IO_APIC_ENABLED,
        a0,
        a1,
        a2,
        a3,
    ]);

    // PCI INTx of bus 0, one entry per device and pin (functions may share a pin).
    let mut pci_irqs = 0u16;
    let bus0: &[_] = pci.all();
    for (i, d) in bus0.iter().enumerate() {
        let dev = d.bdf.dev();
        let seen = bus0[..i]
            .iter()
            .any(|e| e.bdf.bus() == 0 && e.bdf.dev() == dev && e.irq_pin == d.irq_pin);
        if d.bdf.bus() != 0 || !(1..=4).contains(&d.irq_pin) || d.irq >= ISA_IRQS as u8 || seen {
            continue;
        }
        pci_irqs |= 1 << d.irq;
        let bus_irq = dev << PCI_DEV_SHIFT | (d.irq_pin - 1);
        let flags = POLARITY_ACTIVE_HIGH | TRIGGER_LEVEL;
        t.interrupt(
            ENTRY_IO_INTERRUPT,
            INT_VECTORED,
            flags,
            [BUS_PCI, bus_irq],
            [ioapic_id, d.irq],
        );
    }
    // ISA IRQs 0-15 with the MADT's overrides, but not on a pin another IRQ was moved to
    // (2, after IRQ0's override) or one PCI uses.
    for isa in 0..ISA_IRQS as u8 {
        let (pin, flags) = madt.overrides[isa as usize].unwrap_or((isa.into(), FLAGS_CONFORM));
        let moved_here = madt
            .overrides
            .iter()
            .enumerate()
            .any(|(src, o)| src != isa as usize && o.is_some_and(|(g, _)| g == isa.into()));
        let Ok(pin) = u8::try_from(pin) else { continue };
        if !moved_here && pci_irqs & 1 << isa == 0 {
            t.interrupt(
                ENTRY_IO_INTERRUPT,
                INT_VECTORED,
                flags,
                [BUS_ISA, isa],
                [ioapic_id, pin],
            );
        }
    }
    t.interrupt(
        ENTRY_LOCAL_INTERRUPT,
        INT_EXTINT,
        FLAGS_CONFORM,
        [BUS_ISA, 0],
        [ALL_LOCAL_APICS, LINT0],
    );
    let nmi = madt.nmi_lint;
    t.interrupt(
        ENTRY_LOCAL_INTERRUPT,
        INT_NMI,
        FLAGS_CONFORM,
        [BUS_ISA, 0],
        [ALL_LOCAL_APICS, nmi],
    );

    let len = t.len;
    let mut h = [0u8; CONFIG_HEADER_LEN];
    h[..4].copy_from_slice(&CONFIG_SIG.to_le_bytes());
    h[CONFIG_LENGTH..][..2].copy_from_slice(&(len as u16).to_le_bytes());
    h[CONFIG_SPEC] = SPEC_REV_1_4;
    h[CONFIG_OEM_ID..][..OEM_ID.len()].copy_from_slice(&OEM_ID);
    h[CONFIG_PRODUCT_ID..][..PRODUCT_ID.len()].copy_from_slice(&PRODUCT_ID);
    // No OEM table (pointer, size) and no extended table (length, checksum): zeros.
    h[CONFIG_ENTRY_COUNT..][..2].copy_from_slice(&t.entries.to_le_bytes());
    h[CONFIG_LAPIC_ADDR..][..4].copy_from_slice(&madt.lapic_addr.to_le_bytes());
    t.bytes[..CONFIG_HEADER_LEN].copy_from_slice(&h);
    let sum = t.bytes[..len].iter().fold(0u8, |s, &b| s.wrapping_add(b));
    t.bytes[CONFIG_CHECKSUM] = sum.wrapping_neg();

    // The floating pointer first: it must be in the F segment, the table may move out.
    let floating = fseg.alloc(FLOATING_LEN as u32, FLOATING_LEN as u32)?;
    let config = zone::alloc_high(e820, len as u32, FLOATING_LEN as u32, Kind::Reserved)?;
    mem.write(config, &t.bytes[..len]);
    let mut f = [0u8; FLOATING_LEN];
    f[..4].copy_from_slice(&FLOATING_SIG.to_le_bytes());
    f[FLOATING_ADDR..][..4].copy_from_slice(&config.to_le_bytes());
    f[FLOATING_LENGTH] = FLOATING_LENGTH_PARAGRAPHS;
    f[FLOATING_SPEC] = SPEC_REV_1_4;
    // 11-15: feature bytes 0: a configuration table follows; no IMCR (virtual wire)
    let sum = f.iter().fold(0u8, |s, &b| s.wrapping_add(b));
    f[FLOATING_CHECKSUM] = sum.wrapping_neg();
    mem.write(floating, &f);
    info!(
        TAG,
        "MP table at {floating:#x} -> {config:#x}: {cpus} CPUs, I/O APIC {ioapic_id}, {} entries",
        t.entries
    );
    Some(floating)
}
