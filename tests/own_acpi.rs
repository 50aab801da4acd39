//! The firmware's own ACPI tables (src/tables/own_acpi.rs, src/tables/dsdt.asl): built on
//! simulated memory and read back as an OS does (RSDP found by scanning the BIOS area,
//! RSDT/XSDT followed to every table, lengths and checksums summed, e820 kinds), for both
//! flavours and 1 to 128 CPUs; and chosen by POST under QEMU through the fw_cfg knob.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use xenbios::bios::Bios;
use xenbios::e820::{E820Map, Kind};
use xenbios::hal::Ctx;
use xenbios::hal::mem::Memory;
use xenbios::hw::pci::PciWindows;
use xenbios::tables::own_acpi::{self, AcpiPlatform, Cpus, Flavour};
use xenbios::tables::{self, Layout, acpi, mptable};
use xenbios::zone::Pool;
use xenbios_sim::{Machine, SimFwCfg, SimMemory};

const RAM: u32 = 4 << 20;
const FSEG_POOL: (u32, u32) = (0xf_6000, 0xf_6400);
const LAYOUT: Layout = Layout {
    fseg_pool: FSEG_POOL,
    bios32_header: 0xf_5fe0,
    pnp_header: 0xf_5fb0,
    pcibios32_entry: 0xf_1234,
    pci_last_bus: 0xf_1200,
};
const HPET_ID: u32 = 0x8086_a201;

/// RAM plus the chipset's MMIO above 0xFE000000 (IOAPIC, HPET, local APIC) as sparse
/// bytes: the MP table step reads the APIC version registers, POST the HPET's ID.
struct Mem {
    ram: SimMemory,
    mmio: BTreeMap<u32, u8>,
}

const MMIO_START: u32 = 0xfe00_0000;

impl Memory for Mem {
    fn read(&self, addr: u32, buf: &mut [u8]) {
        if addr >= MMIO_START {
            for (i, b) in buf.iter_mut().enumerate() {
                *b = *self.mmio.get(&(addr + i as u32)).unwrap_or(&0xff);
            }
        } else {
            self.ram.read(addr, buf);
        }
    }
    fn write(&mut self, addr: u32, data: &[u8]) {
        if addr >= MMIO_START {
            for (i, &b) in data.iter().enumerate() {
                self.mmio.insert(addr + i as u32, b);
            }
        } else {
            self.ram.write(addr, data);
        }
    }
}

fn mem() -> Mem {
    Mem {
        ram: SimMemory::new(RAM as usize),
        mmio: BTreeMap::new(),
    }
}

fn e820() -> E820Map {
    let mut e = E820Map::new();
    e.add(0, 0x9_a000, Kind::Ram);
    e.add(0x9_a000, 0xa_0000, Kind::Reserved);
    e.add(0xe_0000, 0x10_0000, Kind::Reserved);
    e.add(0x10_0000, RAM.into(), Kind::Ram);
    e
}

fn sum(mem: &dyn Memory, addr: u32, len: u32) -> u8 {
    (0..len).fold(0u8, |s, i| s.wrapping_add(mem.read_u8(addr + i)))
}

fn sig(mem: &dyn Memory, addr: u32) -> [u8; 4] {
    let mut s = [0u8; 4];
    mem.read(addr, &mut s);
    s
}

fn kind_at(e820: &E820Map, addr: u32) -> Option<Kind> {
    e820.regions()
        .iter()
        .find(|r| r.start <= addr.into() && u64::from(addr) < r.end)
        .map(|r| r.kind)
}

fn platform(flavour: Flavour, cpus: Cpus, hpet: bool) -> AcpiPlatform {
    AcpiPlatform {
        flavour,
        pm_base: if flavour == Flavour::Qemu {
            0x600
        } else {
            0xb000
        },
        gpe0_base: own_acpi::PIIX4_GPE0_BASE,
        sci_enabled: flavour == Flavour::Xen,
        cpus,
        ioapic_id: if flavour == Flavour::Qemu { 0 } else { 1 },
        hpet: hpet.then_some(HPET_ID),
        com1: true,
        last_bus: 2,
        pci: PciWindows {
            io: (0xc000, 0xffff),
            mem32: (0xe000_0000, 0xfebf_ffff),
        },
    }
}

struct Built {
    mem: Mem,
    e820: E820Map,
    placed: own_acpi::Placed,
}

fn build(p: &AcpiPlatform) -> Built {
    let mut mem = mem();
    let mut e820 = e820();
    let mut pool = Pool::new(FSEG_POOL.0, FSEG_POOL.1);
    let placed = own_acpi::build_placed(&mut mem, &mut e820, &mut pool, p).expect("tables");
    Built { mem, e820, placed }
}

/// What Linux does (drivers/acpi/acpica/tbxfroot.c): the first "RSD PTR " on a 16-byte
/// boundary of 0xE0000-0xFFFFF whose 20 bytes sum to 0.
fn scan_rsdp(mem: &dyn Memory) -> Option<u32> {
    (0xe_0000..0x10_0000).step_by(16).find(|&a| {
        let mut s = [0u8; 8];
        mem.read(a, &mut s);
        &s == b"RSD PTR " && sum(mem, a, 20) == 0
    })
}

/// The tables the XSDT lists, checked against the RSDT's list: (signature, address).
fn tables_of(mem: &dyn Memory, rsdp: u32) -> Vec<([u8; 4], u32)> {
    assert_eq!(mem.read_u8(rsdp + 15), 2, "RSDP revision 2");
    assert_eq!(mem.read_u32(rsdp + 20), 36, "RSDP length");
    assert_eq!(sum(mem, rsdp, 36), 0, "RSDP extended checksum");
    let rsdt = mem.read_u32(rsdp + 16);
    let xsdt = mem.read_u64(rsdp + 24) as u32;
    assert_eq!(&sig(mem, rsdt), b"RSDT");
    assert_eq!(&sig(mem, xsdt), b"XSDT");
    let (rlen, xlen) = (mem.read_u32(rsdt + 4), mem.read_u32(xsdt + 4));
    assert_eq!(sum(mem, rsdt, rlen), 0, "RSDT checksum");
    assert_eq!(sum(mem, xsdt, xlen), 0, "XSDT checksum");
    assert_eq!((rlen - 36) % 4, 0);
    assert_eq!(
        (xlen - 36) / 8,
        (rlen - 36) / 4,
        "RSDT and XSDT list as many"
    );
    let mut out = Vec::new();
    for i in 0..(rlen - 36) / 4 {
        let t = mem.read_u32(rsdt + 36 + 4 * i);
        assert_eq!(mem.read_u64(xsdt + 36 + 8 * i), t.into(), "same table");
        let len = mem.read_u32(t + 4);
        assert!(len >= 36);
        assert_eq!(sum(mem, t, len), 0, "{:?} checksum", sig(mem, t));
        out.push((sig(mem, t), t));
    }
    out
}

fn find(tables: &[([u8; 4], u32)], s: &[u8; 4]) -> Option<u32> {
    tables.iter().find(|t| &t.0 == s).map(|t| t.1)
}

#[test]
fn an_os_finds_every_table_through_the_rsdp_with_valid_checksums() {
    let b = build(&platform(Flavour::Qemu, Cpus::sequential(2, 1), true));
    let mem = &b.mem;
    let rsdp = scan_rsdp(mem).expect("an RSDP in the BIOS area");
    assert_eq!(rsdp, b.placed.rsdp);
    assert!(rsdp >= FSEG_POOL.0 && rsdp + 36 <= FSEG_POOL.1 && rsdp.is_multiple_of(16));
    let t = tables_of(mem, rsdp);
    let names: Vec<_> = t.iter().map(|t| t.0).collect();
    assert_eq!(names, [*b"FACP", *b"APIC", *b"HPET"]);

    // FADT -> FACS and DSDT.
    let fadt = find(&t, b"FACP").unwrap();
    assert_eq!(mem.read_u32(fadt + 4), 244);
    assert_eq!(mem.read_u8(fadt + 8), 3, "FADT revision");
    let facs = mem.read_u32(fadt + 36);
    let dsdt = mem.read_u32(fadt + 40);
    assert_eq!(mem.read_u64(fadt + 140), dsdt.into(), "X_DSDT");
    assert_eq!((facs, dsdt), (b.placed.facs, b.placed.dsdt));
    assert_eq!(&sig(mem, facs), b"FACS");
    assert_eq!(mem.read_u32(facs + 4), 64);
    assert!(facs.is_multiple_of(64));
    assert_eq!(&sig(mem, dsdt), b"DSDT");
    let dlen = mem.read_u32(dsdt + 4);
    assert_eq!(dlen as usize, own_acpi::DSDT.len());
    assert_eq!(sum(mem, dsdt, dlen), 0, "DSDT checksum after the patch");
    assert_eq!(mem.read_u8(dsdt + 8), 2, "DSDT revision 2: 64-bit integers");

    // The PIIX4 PM registers at 0x600, SCI 9, the OS enables ACPI through 0xB2.
    assert_eq!(mem.read_u16(fadt + 46), 9);
    assert_eq!(mem.read_u32(fadt + 48), 0xb2);
    assert_eq!(
        (mem.read_u8(fadt + 52), mem.read_u8(fadt + 53)),
        (0xf1, 0xf0)
    );
    assert_eq!(mem.read_u32(fadt + 56), 0x600, "PM1a_EVT");
    assert_eq!(mem.read_u32(fadt + 64), 0x604, "PM1a_CNT");
    assert_eq!(mem.read_u32(fadt + 76), 0x608, "PM_TMR");
    assert_eq!(mem.read_u32(fadt + 80), 0xafe0, "GPE0");
    assert_eq!(
        [88, 89, 91, 92].map(|o| mem.read_u8(fadt + o)),
        [4, 2, 4, 4],
        "block lengths"
    );

    // HPET: the ID the caller read, at 0xFED00000.
    let hpet = find(&t, b"HPET").unwrap();
    assert_eq!(mem.read_u32(hpet + 4), 56);
    assert_eq!(mem.read_u32(hpet + 36), HPET_ID);
    assert_eq!(mem.read_u64(hpet + 44), 0xfed0_0000);

    // e820: tables reclaimable, FACS and the run-time block NVS.
    for table in [dsdt, fadt, hpet, find(&t, b"APIC").unwrap()] {
        assert_eq!(kind_at(&b.e820, table), Some(Kind::AcpiReclaim));
    }
    assert_eq!(kind_at(&b.e820, facs), Some(Kind::AcpiNvs));
    assert_eq!(kind_at(&b.e820, b.placed.runtime), Some(Kind::AcpiNvs));
    assert_eq!(acpi::find_table(mem, rsdp, *b"APIC"), Some(b.placed.madt));
}

#[test]
fn the_dsdt_reads_the_run_time_block_the_firmware_filled() {
    let mut cpus = Cpus::sequential(3, 2);
    cpus.set_online(1, false);
    let b = build(&platform(Flavour::Xen, cpus, false));
    let (mem, rt) = (&b.mem, b.placed.runtime);
    // The OperationRegion's address (DWordConst) points at the block, its length
    // (ByteConst, 0x0A prefix) is the block's.
    let at = b.placed.dsdt + own_acpi::DSDT_RUNTIME_ADDR_OFFSET;
    assert_eq!(mem.read_u8(at - 1), 0x0c, "DWordConst prefix");
    assert_eq!(mem.read_u32(at), rt);
    assert_eq!(mem.read_u8(at + 4), 0x0a, "ByteConst prefix");
    assert_eq!(u32::from(mem.read_u8(at + 5)), own_acpi::RT_LEN);
    assert_eq!(&sig(mem, rt), &own_acpi::RT_SIGNATURE);
    let field = |off| mem.read_u32(rt + off);
    assert_eq!(field(own_acpi::RT_FLAVOUR), 1);
    assert_eq!(field(own_acpi::RT_CPUS), 3);
    assert_eq!(field(own_acpi::RT_HPET), 0);
    assert_eq!(field(own_acpi::RT_COM1), 1);
    assert_eq!(field(own_acpi::RT_LAST_BUS), 2);
    // The I/O window reaches down to the chipset ports at 0xD00.
    assert_eq!(
        (field(own_acpi::RT_IO_MIN), field(own_acpi::RT_IO_MAX)),
        (0xd00, 0xffff)
    );
    assert_eq!(
        (field(own_acpi::RT_MEM_MIN), field(own_acpi::RT_MEM_MAX)),
        (0xe000_0000, 0xfebf_ffff)
    );
    assert_eq!(mem.read_u8(rt + own_acpi::RT_ONLINE), 0b101);
    assert_eq!(mem.read_u8(rt + own_acpi::RT_ONLINE + 1), 0);
}

#[test]
fn the_aml_blob_is_a_dsdt_with_a_valid_checksum() {
    let d = &own_acpi::DSDT;
    assert_eq!(&d[..4], b"DSDT");
    assert_eq!(
        u32::from_le_bytes(d[4..8].try_into().unwrap()) as usize,
        d.len()
    );
    assert_eq!(d.iter().fold(0u8, |s, &b| s.wrapping_add(b)), 0);
    assert_eq!(&d[10..16], &own_acpi::OEM_ID);
}

/// The MADT's local APIC entries: (processor UID, APIC ID, flags).
fn lapics(mem: &dyn Memory, madt: u32) -> Vec<(u8, u8, u32)> {
    let end = madt + mem.read_u32(madt + 4);
    let mut p = madt + 44;
    let mut out = Vec::new();
    while p < end {
        let (ty, len) = (mem.read_u8(p), mem.read_u8(p + 1));
        assert!(len >= 2 && p + u32::from(len) <= end);
        if ty == 0 {
            out.push((mem.read_u8(p + 2), mem.read_u8(p + 3), mem.read_u32(p + 4)));
        }
        p += u32::from(len);
    }
    assert_eq!(p, end, "entries fill the table exactly");
    out
}

#[test]
fn the_madt_lists_every_cpu_with_its_apic_id_for_1_to_128_cpus() {
    for n in [1usize, 2, 64, 128] {
        for (flavour, stride) in [(Flavour::Qemu, 1u8), (Flavour::Xen, 2)] {
            let mut cpus = Cpus::sequential(n, stride);
            if n > 1 {
                cpus.set_online(n - 1, false);
            }
            let b = build(&platform(flavour, cpus, true));
            let mem = &b.mem;
            let madt = b.placed.madt;
            let len = mem.read_u32(madt + 4);
            assert_eq!(sum(mem, madt, len), 0, "{n} CPUs: checksum");
            assert_eq!(mem.read_u32(madt + 36), 0xfee0_0000);
            assert_eq!(mem.read_u32(madt + 40), 1, "PCAT_COMPAT");
            let l = lapics(mem, madt);
            assert_eq!(l.len(), n);
            for (i, &(uid, id, flags)) in l.iter().enumerate() {
                assert_eq!(uid as usize, i);
                assert_eq!(id, (i as u8).wrapping_mul(stride), "{flavour:?} CPU {i}");
                let online = n == 1 || i != n - 1;
                assert_eq!(flags, u32::from(online), "{n} CPUs: CPU {i} flags");
            }
            // The MP table's reading of it: enabled CPUs, the I/O APIC, IRQ0 on pin 2.
            let m = mptable::Madt::parse(mem, madt);
            assert_eq!(m.cpus, if n == 1 { 1 } else { n - 1 });
            let ioapic = if flavour == Flavour::Qemu { 0 } else { 1 };
            assert_eq!(m.ioapic, Some((ioapic, 0xfec0_0000)));
            assert_eq!(m.overrides[0], Some((2, 0)));
            assert_eq!(m.nmi_lint, 1);
        }
    }
}

#[test]
fn the_flavours_differ_in_pci_irq_polarity_and_who_enables_acpi() {
    let q = build(&platform(Flavour::Qemu, Cpus::sequential(1, 1), false));
    let m = mptable::Madt::parse(&q.mem, q.placed.madt);
    for irq in [5, 9, 10, 11] {
        assert_eq!(
            m.overrides[irq],
            Some((irq as u32, 0b1101)),
            "QEMU IRQ {irq}"
        );
    }
    let x = build(&platform(Flavour::Xen, Cpus::sequential(1, 2), false));
    let m = mptable::Madt::parse(&x.mem, x.placed.madt);
    for irq in [5, 10, 11] {
        assert_eq!(
            m.overrides[irq],
            Some((irq as u32, 0b1111)),
            "Xen IRQ {irq}"
        );
    }
    assert_eq!(m.overrides[9], None);
    // Xen: the firmware enabled ACPI, no SMI command; no HPET, no HPET table.
    let t = tables_of(&x.mem, x.placed.rsdp);
    assert_eq!(
        t.iter().map(|t| t.0).collect::<Vec<_>>(),
        [*b"FACP", *b"APIC"]
    );
    let fadt = find(&t, b"FACP").unwrap();
    assert_eq!(x.mem.read_u32(fadt + 48), 0);
    assert_eq!(x.mem.read_u8(fadt + 52), 0);
    assert_eq!(x.mem.read_u32(fadt + 56), 0xb000);
}

#[test]
fn cpu_counts_outside_1_to_128_are_clamped() {
    assert_eq!(Cpus::sequential(0, 1).count(), 1);
    let c = Cpus::sequential(500, 2);
    assert_eq!(c.count(), own_acpi::MAX_CPUS);
    assert_eq!(c.apic_id(127), 254);
    assert!(c.online(127) && !c.online(128));
    let mut c = Cpus::sequential(2, 1);
    c.set_online(5, true); // beyond the count: ignored
    c.set_apic_id(5, 9);
    assert!(!c.online(5));
    c.set_apic_id(1, 7);
    assert_eq!(c.apic_id(1), 7);
}

#[test]
fn no_room_in_the_fseg_zone_means_no_tables() {
    let mut mem = mem();
    let mut e820 = e820();
    let mut pool = Pool::new(FSEG_POOL.0, FSEG_POOL.0 + 16);
    let p = platform(Flavour::Qemu, Cpus::sequential(1, 1), false);
    xenbios_sim::capture_log();
    assert_eq!(own_acpi::build(&mut mem, &mut e820, &mut pool, &p), None);
    assert!(xenbios_sim::take_log().contains("FSEG area full"));
}

// ---- POST under QEMU: the fw_cfg knob ----------------------------------------------

fn write_headers(mem: &mut dyn Memory) {
    let mut b32 = b"_32_".to_vec();
    b32.extend([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    mem.write(LAYOUT.bios32_header, &b32);
    let mut pnp = b"$PnP".to_vec();
    pnp.extend([0x10, 0x21, 0, 0, 0]);
    pnp.extend([0u8; 0x21 - 9]);
    mem.write(LAYOUT.pnp_header, &pnp);
}

/// POST's table step on a QEMU machine with `cpus` CPUs, an HPET, and the fw_cfg file
/// `knob` (when given) holding that string: the machine's memory, the BIOS state, the log.
fn post(cpus: u16, knob: Option<&[u8]>) -> (Mem, Bios, String) {
    post_with(cpus, knob, HPET_ID)
}

/// [`post`] with the HPET capabilities register reading `hpet`.
fn post_with(cpus: u16, knob: Option<&[u8]>, hpet: u32) -> (Mem, Bios, String) {
    let mut fw = SimFwCfg::new();
    fw.items.insert(0x05, cpus.to_le_bytes().to_vec());
    if let Some(k) = knob {
        fw.add_file(tables::OWN_ACPI_KNOB, k);
    }
    let mut m = Machine::default();
    m.ports.attach(0x510, 0x511, Rc::new(RefCell::new(fw)));
    m.cpu
        .cpuid
        .push(((1, 0), [0x663, 0x0000_0800, 0, 0x0781_abfd]));
    let mut mem = mem();
    write_headers(&mut mem);
    mem.write_u32(own_acpi::HPET_ADDR, hpet);
    mem.write_u32(own_acpi::IOAPIC_ADDR + 0x10, 0x20);
    mem.write_u32(own_acpi::LAPIC_ADDR + 0x30, 0x14);
    mem.write_u16(0x400, 0x3f8); // BDA: COM1
    let mut bios = Bios::new();
    bios.e820 = e820();
    bios.tables.layout = Some(LAYOUT);
    bios.pci.last_bus = 0;
    bios.pci.windows = PciWindows {
        io: (0xc000, 0xffff),
        mem32: (0x40_0000, 0xfebf_ffff),
    };
    xenbios_sim::capture_log();
    let mut ctx = Ctx {
        mem: &mut mem,
        io: &m.ports,
        clock: &m.clock,
        cpu: &mut m.cpu,
        console: &mut m.console,
    };
    tables::setup(&mut ctx, &mut bios.tables, &mut bios.e820, &bios.pci);
    (mem, bios, xenbios_sim::take_log())
}

#[test]
fn the_fw_cfg_knob_makes_post_build_its_own_tables_and_the_mp_table_from_them() {
    let (mem, bios, log) = post(4, Some(b"own"));
    let rsdp = bios.tables.rsdp.expect("an RSDP");
    assert_eq!(scan_rsdp(&mem), Some(rsdp));
    let mut oem = [0u8; 6];
    mem.read(rsdp + 9, &mut oem);
    assert_eq!(&oem, b"XENBIO");
    let t = tables_of(&mem, rsdp);
    assert!(find(&t, b"HPET").is_some(), "the HPET answered: {log}");
    let l = lapics(&mem, find(&t, b"APIC").unwrap());
    assert_eq!(l, [(0, 0, 1), (1, 1, 1), (2, 2, 1), (3, 3, 1)]);
    assert_eq!(bios.tables.cpus, 4);
    assert!(bios.tables.mp_floating.is_some(), "{log}");
    assert!(log.contains("[acpi] own tables (QEMU)"), "{log}");
    assert!(log.contains("[mp] 4 CPU(s) in the MADT"), "{log}");
    // The run-time block: the PCI windows POST's allocator set up.
    let dsdt = mem.read_u32(find(&t, b"FACP").unwrap() + 40);
    let rt = mem.read_u32(dsdt + own_acpi::DSDT_RUNTIME_ADDR_OFFSET);
    assert_eq!(mem.read_u32(rt + own_acpi::RT_MEM_MIN), 0x40_0000);
    assert_eq!(mem.read_u32(rt + own_acpi::RT_COM1), 1);
    assert_eq!(mem.read_u32(rt + own_acpi::RT_HPET), 1);
}

#[test]
fn the_knob_accepts_a_trailing_newline_and_ignores_anything_else() {
    let (_, bios, log) = post(1, Some(b"own\n"));
    assert!(bios.tables.rsdp.is_some());
    assert!(log.contains("own tables"), "{log}");

    // Anything else: QEMU's tables (none in this fw_cfg), with a warning.
    let (_, bios, log) = post(1, Some(b"qemu"));
    assert_eq!(bios.tables.rsdp, None);
    assert!(log.contains("only \"own\" is understood"), "{log}");
    assert!(!log.contains("own tables"), "{log}");

    // No knob: QEMU's loader, not the own tables.
    let (_, bios, log) = post(1, None);
    assert_eq!(bios.tables.rsdp, None);
    assert!(log.contains("no etc/table-loader"), "{log}");
}

#[test]
fn an_hpet_that_reads_all_ones_gets_no_table() {
    let (mem, bios, log) = post_with(2, Some(b"own"), u32::MAX);
    let t = tables_of(&mem, bios.tables.rsdp.expect("an RSDP"));
    assert!(find(&t, b"HPET").is_none(), "{log}");
    assert_eq!(t.len(), 2);
}

#[test]
fn the_mp_table_from_the_madt_lists_xens_128_vcpus() {
    let mut b = build(&platform(Flavour::Xen, Cpus::sequential(128, 2), false));
    let rsdp = scan_rsdp(&b.mem).expect("RSDP");
    let madt = find(&tables_of(&b.mem, rsdp), b"APIC").expect("MADT");
    let madt = mptable::Madt::parse(&b.mem, madt);
    assert_eq!(madt.cpus, 128);
    let cpu = mptable::CpuInfo {
        signature: 0x663,
        features: 0x0781_abfd,
        bsp_apic_id: 0,
        lapic_version: 0x14,
        ioapic_version: 0x11,
    };
    let mut fseg = Pool::new(FSEG_POOL.0 + 0x200, FSEG_POOL.1);
    let pci = xenbios::hw::pci::PciDevices::new();
    let floating =
        mptable::build(&mut b.mem, &mut b.e820, &mut fseg, &madt, &cpu, &pci).expect("MP table");
    // MP 1.4, 4.1: the floating pointer's physical address of the configuration table; its
    // entries start after the 44-byte header, processors (type 0, 20 bytes) first.
    let config = b.mem.read_u32(floating + 4);
    let mut ids = Vec::new();
    let mut at = config + 44;
    while b.mem.read_u8(at) == 0 {
        ids.push(b.mem.read_u8(at + 1));
        at += 20;
    }
    assert_eq!(ids, (0..128).map(|i| 2 * i as u8).collect::<Vec<_>>());
    assert_eq!(kind_at(&b.e820, config), Some(Kind::Reserved));
}
