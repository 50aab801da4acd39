//! The BIOS tables POST places (src/tables): QEMU's table-loader script and SMBIOS files
//! in a simulated fw_cfg, crafted here as QEMU builds them; checked as an OS finds them
//! (RSDP and entry points by scanning the BIOS area, pointers followed, checksums summed,
//! e820 kinds as int15/E820 reports them).

use std::cell::RefCell;
use std::rc::Rc;
use xenbios::bios::Bios;
use xenbios::e820::{E820Map, Kind};
use xenbios::hal::mem::Memory;
use xenbios::tables::{self, Layout, acpi, mptable, smbios};
use xenbios::zone::Pool;
use xenbios_sim::{Machine, SimFwCfg, SimMemory};

/// Guest RAM in these tests: 4 MiB, so the high zone is at the top of simulated memory.
const RAM: u32 = 4 << 20;
const FSEG_POOL: (u32, u32) = (0xf_6000, 0xf_6400);
const LAYOUT: Layout = Layout {
    fseg_pool: FSEG_POOL,
    bios32_header: 0xf_5fe0,
    pnp_header: 0xf_5fb0,
    pcibios32_entry: 0xf_1234,
    pci_last_bus: 0xf_1200,
};
/// Where the crafted MADT says the local APIC and I/O APIC are: plain simulated RAM
/// (the MP table step reads their version registers).
const LAPIC: u32 = 0x8_0000;
const IOAPIC: u32 = 0x8_1000;
const LAPIC_VERSION: u8 = 0x14;
const IOAPIC_VERSION: u8 = 0x20;

fn e820() -> E820Map {
    let mut e = E820Map::new();
    e.add(0, 0x9_a000, Kind::Ram);
    e.add(0x9_a000, 0xa_0000, Kind::Reserved);
    e.add(0xe_0000, 0x10_0000, Kind::Reserved);
    e.add(0x10_0000, RAM.into(), Kind::Ram);
    e
}

fn machine(fw: SimFwCfg) -> Machine {
    let mut m = Machine {
        mem: SimMemory::new(RAM as usize),
        ..Default::default()
    };
    m.ports.attach(0x510, 0x511, Rc::new(RefCell::new(fw)));
    m.mem.write_u32(LAPIC + 0x30, LAPIC_VERSION.into());
    m.mem.write_u32(IOAPIC + 0x10, IOAPIC_VERSION.into());
    m
}

fn sum(mem: &dyn Memory, addr: u32, len: u32) -> u8 {
    (0..len).fold(0u8, |s, i| s.wrapping_add(mem.read_u8(addr + i)))
}

// ---- table-loader commands, as QEMU's bios-linker-loader.c writes them ---------------

fn name_field(cmd: &mut [u8; 128], at: usize, name: &str) {
    cmd[at..at + name.len()].copy_from_slice(name.as_bytes());
}
fn allocate(file: &str, align: u32, zone: u8) -> [u8; 128] {
    let mut c = [0u8; 128];
    c[0] = 1;
    name_field(&mut c, 4, file);
    c[60..64].copy_from_slice(&align.to_le_bytes());
    c[64] = zone;
    c
}
fn add_pointer(dest: &str, src: &str, offset: u32, size: u8) -> [u8; 128] {
    let mut c = [0u8; 128];
    c[0] = 2;
    name_field(&mut c, 4, dest);
    name_field(&mut c, 60, src);
    c[116..120].copy_from_slice(&offset.to_le_bytes());
    c[120] = size;
    c
}
fn add_checksum(file: &str, offset: u32, start: u32, len: u32) -> [u8; 128] {
    let mut c = [0u8; 128];
    c[0] = 3;
    name_field(&mut c, 4, file);
    c[60..64].copy_from_slice(&offset.to_le_bytes());
    c[64..68].copy_from_slice(&start.to_le_bytes());
    c[68..72].copy_from_slice(&len.to_le_bytes());
    c
}
fn write_pointer(dest: &str, src: &str) -> [u8; 128] {
    let mut c = add_pointer(dest, src, 0, 8);
    c[0] = 4;
    c
}

const HIGH: u8 = 1;
const FSEG: u8 = 2;
const RSDP: &str = "etc/acpi/rsdp";
const TABLES: &str = "etc/acpi/tables";

/// A system description table header (ACPI 6.5, 5.2.6) followed by `body`.
fn table(sig: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let len = 36 + body.len() as u32;
    let mut t = sig.to_vec();
    t.extend(len.to_le_bytes());
    t.push(1); // revision
    t.push(0); // checksum: the loader's
    t.extend(b"BOCHS ");
    t.extend(b"BXPC    ");
    t.extend(1u32.to_le_bytes());
    t.extend(b"BXPC");
    t.extend(1u32.to_le_bytes());
    t.extend(body);
    t
}

/// QEMU's ACPI, in miniature: FACS, DSDT, FACP (-> FACS, DSDT), MADT, RSDT (-> FACP,
/// MADT) in one HIGH blob, the RSDP (-> RSDT) in an FSEG one. Pointer fields hold offsets
/// in the blob, as QEMU writes them. Returns (rsdp, tables, script, offsets).
struct Acpi {
    rsdp: Vec<u8>,
    tables: Vec<u8>,
    script: Vec<[u8; 128]>,
    facs: u32,
    dsdt: u32,
    facp: u32,
    madt: u32,
    rsdt: u32,
}

fn madt_body(apic_ids: &[u8]) -> Vec<u8> {
    let mut b = LAPIC.to_le_bytes().to_vec();
    b.extend(1u32.to_le_bytes()); // PCAT_COMPAT
    for (i, &id) in apic_ids.iter().enumerate() {
        b.extend([0, 8, i as u8, id]);
        b.extend(1u32.to_le_bytes()); // enabled
    }
    b.extend([0, 8, 9, 9]); // a possible CPU, not present
    b.extend(0u32.to_le_bytes());
    b.extend([1, 12, 0, 0]); // I/O APIC 0
    b.extend(IOAPIC.to_le_bytes());
    b.extend(0u32.to_le_bytes());
    // IRQ0 -> GSI 2; 9, 10, 11 level, active high (QEMU's PC).
    for (src, gsi, flags) in [(0u8, 2u32, 0u16), (9, 9, 0xd), (10, 10, 0xd), (11, 11, 0xd)] {
        b.extend([2, 10, 0, src]);
        b.extend(gsi.to_le_bytes());
        b.extend(flags.to_le_bytes());
    }
    b.extend([4, 6, 0xff, 0, 0, 1]); // NMI on LINT1 of every CPU
    b
}

fn acpi(apic_ids: &[u8]) -> Acpi {
    let mut t = vec![0u8; 64];
    t[0..4].copy_from_slice(b"FACS");
    t[4..8].copy_from_slice(&64u32.to_le_bytes());
    let facs = 0u32;
    let dsdt = t.len() as u32;
    t.extend(table(b"DSDT", &[0x10, 0x42, 0x5f, 0x53, 0x42, 0x5f]));
    let facp = t.len() as u32;
    let mut body = vec![0u8; 116 - 36];
    body[0..4].copy_from_slice(&facs.to_le_bytes());
    body[4..8].copy_from_slice(&dsdt.to_le_bytes());
    t.extend(table(b"FACP", &body));
    let madt = t.len() as u32;
    t.extend(table(b"APIC", &madt_body(apic_ids)));
    let rsdt = t.len() as u32;
    let mut body = facp.to_le_bytes().to_vec();
    body.extend(madt.to_le_bytes());
    t.extend(table(b"RSDT", &body));

    let mut rsdp = b"RSD PTR ".to_vec();
    rsdp.push(0);
    rsdp.extend(b"BOCHS ");
    rsdp.push(0);
    rsdp.extend(rsdt.to_le_bytes());

    let len =
        |off: u32| u32::from_le_bytes(t[off as usize + 4..off as usize + 8].try_into().unwrap());
    let script = vec![
        allocate(RSDP, 16, FSEG),
        allocate(TABLES, 64, HIGH),
        add_checksum(TABLES, dsdt + 9, dsdt, len(dsdt)),
        add_pointer(TABLES, TABLES, facp + 36, 4),
        add_pointer(TABLES, TABLES, facp + 40, 4),
        add_checksum(TABLES, facp + 9, facp, len(facp)),
        add_checksum(TABLES, madt + 9, madt, len(madt)),
        add_pointer(TABLES, TABLES, rsdt + 36, 4),
        add_pointer(TABLES, TABLES, rsdt + 40, 4),
        add_checksum(TABLES, rsdt + 9, rsdt, len(rsdt)),
        add_pointer(RSDP, TABLES, 16, 4),
        add_checksum(RSDP, 8, 0, 20),
    ];
    Acpi {
        rsdp,
        tables: t,
        script,
        facs,
        dsdt,
        facp,
        madt,
        rsdt,
    }
}

fn fw_with(a: &Acpi, extra: &[[u8; 128]]) -> SimFwCfg {
    let mut fw = SimFwCfg::new();
    fw.add_file(RSDP, &a.rsdp);
    fw.add_file(TABLES, &a.tables);
    let mut script: Vec<u8> = a.script.iter().flatten().copied().collect();
    script.extend(extra.iter().flatten());
    fw.add_file("etc/table-loader", &script);
    fw
}

struct Loaded {
    m: Machine,
    e820: E820Map,
    pool: Pool,
    rsdp: Option<u32>,
    log: String,
}

fn load(fw: SimFwCfg) -> Loaded {
    let mut m = machine(fw);
    let mut e820 = e820();
    let mut pool = Pool::new(FSEG_POOL.0, FSEG_POOL.1);
    xenbios_sim::capture_log();
    let rsdp = {
        let ctx = m.ctx();
        let fw = xenbios::hw::fw_cfg::FwCfg::probe(ctx.io).unwrap();
        acpi::load(&fw, ctx.mem, &mut e820, &mut pool)
    };
    Loaded {
        m,
        e820,
        pool,
        rsdp,
        log: xenbios_sim::take_log(),
    }
}

/// What Linux does (drivers/acpi/acpica/tbxfroot.c): the first "RSD PTR " on a 16-byte
/// boundary of 0xE0000-0xFFFFF whose 20 bytes sum to 0.
fn scan_rsdp(mem: &dyn Memory) -> Option<u32> {
    (0xe_0000..0x10_0000).step_by(16).find(|&a| {
        let mut sig = [0u8; 8];
        mem.read(a, &mut sig);
        &sig == b"RSD PTR " && sum(mem, a, 20) == 0
    })
}

fn kind_at(e820: &E820Map, addr: u32) -> Option<Kind> {
    e820.regions()
        .iter()
        .find(|r| r.start <= addr.into() && u64::from(addr) < r.end)
        .map(|r| r.kind)
}

#[test]
fn the_loader_places_and_links_the_tables_as_an_os_finds_them() {
    let a = acpi(&[0, 1]);
    let l = load(fw_with(&a, &[]));
    let mem = &l.m.mem;
    let rsdp = l.rsdp.expect("an RSDP");
    assert_eq!(scan_rsdp(mem), Some(rsdp), "found where the loader put it");
    assert!(rsdp >= FSEG_POOL.0 && rsdp + 20 <= FSEG_POOL.1);
    assert_eq!(rsdp % 16, 0);

    // The blob is at the top of RAM, page aligned, and ACPI NVS in e820.
    let rsdt = mem.read_u32(rsdp + 16);
    let base = rsdt - a.rsdt;
    assert_eq!(base % 4096, 0);
    assert_eq!(base, RAM - 4096, "one page at the very top of RAM");
    assert_eq!(kind_at(&l.e820, base), Some(Kind::AcpiNvs));
    assert_eq!(kind_at(&l.e820, RAM - 1), Some(Kind::AcpiNvs));
    assert_eq!(kind_at(&l.e820, base - 1), Some(Kind::Ram));

    // Every table sums to 0 and every pointer was relocated.
    for (off, name) in [
        (a.dsdt, "DSDT"),
        (a.facp, "FACP"),
        (a.madt, "APIC"),
        (a.rsdt, "RSDT"),
    ] {
        let t = base + off;
        let mut sig = [0u8; 4];
        mem.read(t, &mut sig);
        assert_eq!(&sig, name.as_bytes());
        assert_eq!(sum(mem, t, mem.read_u32(t + 4)), 0, "{name} checksum");
    }
    assert_eq!(mem.read_u32(rsdt + 36), base + a.facp);
    assert_eq!(mem.read_u32(rsdt + 40), base + a.madt);
    assert_eq!(mem.read_u32(base + a.facp + 36), base + a.facs);
    assert_eq!(mem.read_u32(base + a.facp + 40), base + a.dsdt);
    assert_eq!(acpi::find_table(mem, rsdp, *b"APIC"), Some(base + a.madt));
    assert_eq!(acpi::find_table(mem, rsdp, *b"SSDT"), None);
    assert!(l.log.contains("[acpi] RSDP at "), "{}", l.log);
    assert!(l.log.contains("[acpi] FACP at "), "{}", l.log);
    assert!(l.pool.used() <= 32);
}

#[test]
fn bad_commands_are_refused_with_a_reason_and_write_nothing() {
    let a = acpi(&[0]);
    let size = a.tables.len() as u32;
    let bad = [
        add_pointer(TABLES, "etc/nothing", 0, 4),
        add_pointer(TABLES, TABLES, size - 2, 4),
        add_pointer(TABLES, TABLES, u32::MAX - 1, 4),
        add_pointer(TABLES, TABLES, 0, 3),
        add_pointer(TABLES, TABLES, a.facs + 8, 1), // the address does not fit a byte
        add_checksum(TABLES, size, 0, 1),
        add_checksum(TABLES, 0, size - 1, 2),
        add_checksum(TABLES, 0, u32::MAX, 2),
        add_checksum("etc/unknown", 0, 0, 1),
        allocate(TABLES, 64, HIGH),
        allocate("etc/acpi/other", 3, HIGH),
        allocate("etc/acpi/other", 16, 7),
        allocate("etc/missing", 16, HIGH),
        {
            let mut c = add_checksum(TABLES, 0, 0, 1);
            c[4..60].fill(b'x'); // no NUL
            c
        },
        write_pointer("etc/vmgenid_addr", TABLES),
        {
            let mut c = [0u8; 128];
            c[0] = 0x99;
            c
        },
    ];
    let l = load(fw_with(&a, &bad));
    let rsdp = l.rsdp.expect("the good commands still ran");
    let base = l.m.mem.read_u32(rsdp + 16) - a.rsdt;
    // Nothing after the tables blob and nothing between it and the end changed: the
    // blob as QEMU built it, relocated by the good commands only.
    for (off, name) in [(a.facp, "FACP"), (a.rsdt, "RSDT")] {
        let t = base + off;
        assert_eq!(sum(&l.m.mem, t, l.m.mem.read_u32(t + 4)), 0, "{name}");
    }
    let facs_bytes: Vec<u8> = (0..64).map(|i| l.m.mem.read_u8(base + i)).collect();
    assert_eq!(facs_bytes, a.tables[..64]);
    // Around the blob (the page below, the slack after it up to the end of RAM): zeros.
    let outside = (base - 4096..base).chain(base + a.tables.len() as u32..RAM);
    assert!(outside.into_iter().all(|x| l.m.mem.read_u8(x) == 0));
    for why in [
        "file not allocated",
        "offset or range outside the file",
        "pointer size not 1, 2, 4 or 8",
        "pointer does not fit its field",
        "bad alignment or zone, or allocated twice",
        "no such fw_cfg file",
        "file name without a NUL",
        "WRITE_POINTER to etc/vmgenid_addr needs the fw_cfg DMA interface: skipped",
    ] {
        assert!(l.log.contains(why), "{why}: {}", l.log);
    }
    let refused = l.log.matches(": skipped").count();
    assert_eq!(
        refused,
        bad.len() - 1,
        "all but the unknown command (skipped silently)\n{}",
        l.log
    );
}

#[test]
fn no_script_a_ragged_script_or_no_rsdp_gives_no_acpi() {
    let l = load(SimFwCfg::new());
    assert_eq!(l.rsdp, None);
    assert!(l.log.contains("no etc/table-loader"));

    let a = acpi(&[0]);
    let mut fw = fw_with(&a, &[]);
    fw.add_file("etc/table-loader", &[0u8; 130]);
    let l = load(fw);
    assert_eq!(l.rsdp, None);
    assert!(l.log.contains("is not whole commands"));
    assert_eq!(l.e820.regions(), e820().regions(), "nothing allocated");

    // The RSDP's checksum command missing: no valid RSDP, no pointer to garbage.
    let mut a = acpi(&[0]);
    a.script.pop();
    let l = load(fw_with(&a, &[]));
    assert_eq!(l.rsdp, None);
    assert!(l.log.contains("no valid RSDP"));
}

#[test]
fn a_full_fseg_zone_refuses_the_rsdp() {
    let a = acpi(&[0]);
    let mut m = machine(fw_with(&a, &[]));
    let mut e820 = e820();
    let mut pool = Pool::new(FSEG_POOL.0, FSEG_POOL.0 + 16);
    xenbios_sim::capture_log();
    let ctx = m.ctx();
    let fw = xenbios::hw::fw_cfg::FwCfg::probe(ctx.io).unwrap();
    assert_eq!(acpi::load(&fw, ctx.mem, &mut e820, &mut pool), None);
    assert!(xenbios_sim::take_log().contains("no room in the zone"));
}

// ---- SMBIOS --------------------------------------------------------------------------

/// QEMU's type 1 and type 127 structures.
fn qemu_structures(with_type0: bool) -> (Vec<u8>, u16, u16) {
    let mut s = Vec::new();
    if with_type0 {
        s.extend([0, 0x18, 0, 0]);
        s.extend([1, 2, 0, 0xe8, 3, 0]);
        s.extend([0; 0x18 - 10]);
        s.extend(b"QEMU\0v1\0today\0\0");
    }
    // Type 1: manufacturer "QEMU", product "Standard PC".
    s.extend([1, 0x1b, 0x00, 0x01, 1, 2, 0, 0]);
    s.extend([0; 0x1b - 8]);
    s.extend(b"QEMU\0Standard PC\0\0");
    s.extend([127, 4, 0xff, 0x7f, 0, 0]);
    let max = if with_type0 { 0x18 + 15 } else { 0x1b + 19 };
    (s, max, 2 + with_type0 as u16)
}

fn anchor21(len: u16, max: u16, count: u16) -> Vec<u8> {
    let mut ep = b"_SM_".to_vec();
    ep.extend([0, 0x1f, 2, 8]);
    ep.extend(max.to_le_bytes());
    ep.extend([0; 6]);
    ep.extend(b"_DMI_");
    ep.push(0);
    ep.extend(len.to_le_bytes());
    ep.extend(0u32.to_le_bytes());
    ep.extend(count.to_le_bytes());
    ep.push(0x28);
    assert_eq!(ep.len(), 0x1f);
    ep
}

fn anchor30(len: u32) -> Vec<u8> {
    let mut ep = b"_SM3_".to_vec();
    ep.extend([0, 0x18, 3, 0, 0, 1, 0]);
    ep.extend(len.to_le_bytes());
    ep.extend(0u64.to_le_bytes());
    ep
}

fn smbios_fw(anchor: &[u8], structures: &[u8]) -> SimFwCfg {
    let mut fw = SimFwCfg::new();
    fw.add_file("etc/smbios/smbios-anchor", anchor);
    fw.add_file("etc/smbios/smbios-tables", structures);
    fw
}

fn run_smbios(fw: SimFwCfg) -> (Machine, E820Map, Option<u32>, String) {
    let mut m = machine(fw);
    let mut e820 = e820();
    let mut pool = Pool::new(FSEG_POOL.0, FSEG_POOL.1);
    xenbios_sim::capture_log();
    let ep = {
        let ctx = m.ctx();
        let fw = xenbios::hw::fw_cfg::FwCfg::probe(ctx.io).unwrap();
        smbios::load(&fw, ctx.mem, &mut e820, &mut pool)
    };
    (m, e820, ep, xenbios_sim::take_log())
}

/// Linux's dmi_scan: 16-byte steps over 0xF0000-0xFFFFF, "_SM3_" first, then "_SM_" with
/// its "_DMI_" part, each with its checksums.
fn scan_smbios(mem: &dyn Memory) -> Option<u32> {
    let at = |a: u32, n: usize| {
        let mut v = vec![0u8; n];
        mem.read(a, &mut v);
        v
    };
    let sm3 = (0xf_0000..0x10_0000)
        .step_by(16)
        .find(|&a| at(a, 5) == b"_SM3_" && sum(mem, a, mem.read_u8(a + 6).into()) == 0);
    sm3.or_else(|| {
        (0xf_0000..0x10_0000).step_by(16).find(|&a| {
            at(a, 4) == b"_SM_"
                && sum(mem, a, mem.read_u8(a + 5).into()) == 0
                && at(a + 16, 5) == b"_DMI_"
                && sum(mem, a + 16, 15) == 0
        })
    })
}

/// The structures' types in order, with the strings of each.
fn structures(mem: &dyn Memory, at: u32, len: u32) -> Vec<(u8, u16, Vec<String>)> {
    let mut out = Vec::new();
    let mut p = at;
    while p < at + len {
        let ty = mem.read_u8(p);
        let handle = mem.read_u16(p + 2);
        let mut q = p + u32::from(mem.read_u8(p + 1));
        let mut strings = Vec::new();
        let mut cur = String::new();
        loop {
            let c = mem.read_u8(q);
            q += 1;
            if c == 0 {
                if cur.is_empty() {
                    if strings.is_empty() {
                        q += 1;
                    }
                    break;
                }
                strings.push(std::mem::take(&mut cur));
            } else {
                cur.push(c as char);
            }
        }
        out.push((ty, handle, strings));
        p = q;
    }
    assert_eq!(p, at + len, "the stated length is exactly the structures");
    out
}

#[test]
fn smbios_21_gets_its_table_address_a_type_0_and_valid_checksums() {
    let (s, max, count) = qemu_structures(false);
    let (m, e820, ep, log) = run_smbios(smbios_fw(&anchor21(s.len() as u16, max, count), &s));
    let ep = ep.expect("an entry point");
    let mem = &m.mem;
    assert_eq!(scan_smbios(mem), Some(ep));
    let len = u32::from(mem.read_u16(ep + 0x16));
    let table = mem.read_u32(ep + 0x18);
    assert_eq!(mem.read_u16(ep + 0x1c), count + 1, "number of structures");
    let got = structures(mem, table, len);
    assert_eq!(got[0].0, 0, "type 0 first");
    assert_eq!(
        got[0].2,
        ["xenbios", env!("CARGO_PKG_VERSION"), "11/22/2026"]
    );
    assert_eq!(mem.read_u16(table + 6), 0xe000, "BIOS starting segment");
    assert_ne!(got[0].1, got[1].1, "a handle of its own");
    assert_eq!(got[1].2, ["QEMU", "Standard PC"]);
    assert_eq!(got.last().unwrap().0, 127);
    let t0_len = 0x18 + "xenbios".len() + env!("CARGO_PKG_VERSION").len() + 10 + 4;
    assert_eq!(
        mem.read_u16(ep + 8),
        max.max(t0_len as u16),
        "largest structure"
    );
    assert_eq!(kind_at(&e820, table), Some(Kind::Reserved));
    assert!(log.contains("(type 0 added)"), "{log}");
}

#[test]
fn smbios_with_qemus_type_0_is_passed_through() {
    let (s, max, count) = qemu_structures(true);
    let (m, _, ep, log) = run_smbios(smbios_fw(&anchor21(s.len() as u16, max, count), &s));
    let ep = ep.unwrap();
    let table = m.mem.read_u32(ep + 0x18);
    assert_eq!(u32::from(m.mem.read_u16(ep + 0x16)), s.len() as u32);
    assert_eq!(m.mem.read_u16(ep + 0x1c), count);
    let bytes: Vec<u8> = (0..s.len() as u32)
        .map(|i| m.mem.read_u8(table + i))
        .collect();
    assert_eq!(bytes, s);
    assert!(!log.contains("type 0 added"));
}

#[test]
fn smbios_30_gets_a_64_bit_address_and_its_checksum() {
    let (s, _, _) = qemu_structures(false);
    let (m, _, ep, _) = run_smbios(smbios_fw(&anchor30(s.len() as u32), &s));
    let ep = ep.unwrap();
    let mem = &m.mem;
    assert_eq!(scan_smbios(mem), Some(ep));
    let table = mem.read_u64(ep + 0x10);
    let len = mem.read_u32(ep + 0x0c);
    assert!(table < (4 << 20));
    let got = structures(mem, table as u32, len);
    assert_eq!(got.iter().map(|s| s.0).collect::<Vec<_>>(), [0, 1, 127]);
}

#[test]
fn bad_smbios_input_gives_no_entry_point_or_qemus_structures_unchanged() {
    let (s, max, count) = qemu_structures(false);
    // Length mismatch, bad signature, truncated anchor, missing file.
    for (anchor, tables) in [
        (anchor21(s.len() as u16 + 1, max, count), s.clone()),
        (
            b"_XX_"
                .iter()
                .chain(&anchor21(0, 0, 0)[4..])
                .copied()
                .collect(),
            s.clone(),
        ),
        (
            anchor21(s.len() as u16, max, count)[..0x1e].to_vec(),
            s.clone(),
        ),
    ] {
        let (m, e820, ep, log) = run_smbios(smbios_fw(&anchor, &tables));
        assert_eq!(ep, None, "{log}");
        assert_eq!(scan_smbios(&m.mem), None);
        assert_eq!(e820.regions(), self::e820().regions());
    }
    let (_, _, ep, log) = run_smbios(SimFwCfg::new());
    assert_eq!(ep, None);
    assert!(log.contains("no SMBIOS"));

    // A structure whose length runs past the end: handed over as QEMU gave it, no type 0
    // spliced into something that cannot be walked.
    let mut broken = s.clone();
    broken[1] = 0xff;
    let (m, _, ep, log) = run_smbios(smbios_fw(&anchor21(s.len() as u16, max, count), &broken));
    let ep = ep.unwrap();
    assert_eq!(u32::from(m.mem.read_u16(ep + 0x16)), s.len() as u32);
    assert!(log.contains("bad length"), "{log}");
}

// ---- MP table ------------------------------------------------------------------------

fn pci_devices() -> xenbios::hw::pci::PciDevices {
    use xenbios_sim::{SimBar, SimFunction, SimPci};
    let mut p = SimPci::new();
    p.add(None, 0, 0, SimFunction::new(0x8086, 0x1237, 0x0600));
    // PIIX3 with its PIRQ route registers at their reset value (routing disabled).
    let piix3 = SimFunction::new(0x8086, 0x7000, 0x0601)
        .multi_function()
        .with(0x60, &[0x80; 4]);
    p.add(None, 1, 0, piix3);
    p.add(None, 1, 3, SimFunction::new(0x8086, 0x7113, 0x0680).pin(1));
    p.add(
        None,
        3,
        0,
        SimFunction::new(0x8086, 0x100e, 0x0200)
            .bar(
                0,
                SimBar::Mem32 {
                    size: 0x2_0000,
                    prefetch: false,
                },
            )
            .pin(1),
    );
    p.add(
        None,
        4,
        0,
        SimFunction::new(0x1af4, 0x1000, 0x0200)
            .multi_function()
            .pin(1),
    );
    p.add(None, 4, 1, SimFunction::new(0x1af4, 0x1000, 0x0200).pin(1));
    let mut m = Machine::default();
    m.ports.attach(0xcf8, 0xcff, Rc::new(RefCell::new(p)));
    m.ports
        .attach(0x510, 0x511, Rc::new(RefCell::new(SimFwCfg::new())));
    let mut devs = xenbios::hw::pci::PciDevices::new();
    let mut e = E820Map::new();
    e.add(0x10_0000, 0x800_0000, Kind::Ram);
    xenbios::platform::pci::setup(&mut m.ctx(), &e, &mut devs);
    devs
}

/// An MP table as Linux's mpparse reads it: (floating pointer, header, entries).
struct Mp {
    config: u32,
    entries: Vec<Vec<u8>>,
    lapic: u32,
}

fn parse_mp(mem: &dyn Memory) -> Option<Mp> {
    let f = (0xf_0000..0x10_0000).step_by(16).find(|&a| {
        mem.read_u32(a) == u32::from_le_bytes(*b"_MP_")
            && mem.read_u8(a + 8) == 1
            && sum(mem, a, 16) == 0
    })?;
    assert_eq!(mem.read_u8(f + 9), 4, "MP 1.4");
    assert_eq!(
        mem.read_u8(f + 11),
        0,
        "a configuration table, not a default one"
    );
    let c = mem.read_u32(f + 4);
    assert_eq!(mem.read_u32(c), u32::from_le_bytes(*b"PCMP"));
    let len = u32::from(mem.read_u16(c + 4));
    assert_eq!(sum(mem, c, len), 0);
    let count = mem.read_u16(c + 34);
    let mut p = c + 44;
    let mut entries = Vec::new();
    for _ in 0..count {
        let n = if mem.read_u8(p) == 0 { 20 } else { 8 };
        entries.push((0..n).map(|i| mem.read_u8(p + i)).collect::<Vec<u8>>());
        p += n;
    }
    assert_eq!(p, c + len);
    Some(Mp {
        config: c,
        entries,
        lapic: mem.read_u32(c + 36),
    })
}

fn cpu_info() -> mptable::CpuInfo {
    mptable::CpuInfo {
        signature: 0x663,
        features: 0x0781_abfd,
        bsp_apic_id: 0,
        lapic_version: LAPIC_VERSION,
        ioapic_version: IOAPIC_VERSION,
    }
}

fn madt_at(mem: &mut SimMemory, apic_ids: &[u8]) -> mptable::Madt {
    let t = table(b"APIC", &madt_body(apic_ids));
    mem.write(0x20_0000, &t);
    mptable::Madt::parse(mem, 0x20_0000)
}

#[test]
fn the_madt_gives_cpus_io_apic_and_overrides() {
    let mut mem = SimMemory::new(RAM as usize);
    let madt = madt_at(&mut mem, &[0, 2, 5]);
    assert_eq!(&madt.apic_ids[..madt.cpus], [0, 2, 5], "enabled ones only");
    assert_eq!(madt.lapic_addr, LAPIC);
    assert_eq!(madt.ioapic, Some((0, IOAPIC)));
    assert_eq!(madt.overrides[0], Some((2, 0)));
    assert_eq!(madt.overrides[10], Some((10, 0xd)));
    assert_eq!(madt.overrides[1], None);
    assert_eq!(madt.nmi_lint, 1);
}

#[test]
fn the_mp_table_lists_cpus_buses_io_apic_and_interrupts() {
    let mut mem = SimMemory::new(RAM as usize);
    let madt = madt_at(&mut mem, &[0, 2]);
    let devs = pci_devices();
    let mut e = e820();
    let mut pool = Pool::new(FSEG_POOL.0, FSEG_POOL.1);
    let floating = mptable::build(&mut mem, &mut e, &mut pool, &madt, &cpu_info(), &devs);
    let mp = parse_mp(&mem).expect("Linux finds the floating pointer");
    let floating = floating.unwrap();
    assert!((FSEG_POOL.0..FSEG_POOL.1).contains(&floating));
    assert_eq!(
        pool.used(),
        16,
        "only the floating pointer in the F segment"
    );
    assert!(mp.config >= 0x10_0000, "the configuration table high");
    assert_eq!(kind_at(&e, mp.config), Some(Kind::Reserved));
    assert_eq!(mp.lapic, LAPIC);
    let e = &mp.entries;
    // Processors: APIC IDs from the MADT, the BSP flagged, CPUID signature and features.
    assert_eq!(e[0][..4], [0, 0, LAPIC_VERSION, 0b11]);
    assert_eq!(e[1][..4], [0, 2, LAPIC_VERSION, 0b01]);
    assert_eq!(e[1][4..12], [0x63, 6, 0, 0, 0xfd, 0xab, 0x81, 7]);
    assert_eq!(e[2], [1, 0, b'P', b'C', b'I', b' ', b' ', b' ']);
    assert_eq!(e[3], [1, 1, b'I', b'S', b'A', b' ', b' ', b' ']);
    let a = IOAPIC.to_le_bytes();
    assert_eq!(e[4], [2, 0, IOAPIC_VERSION, 1, a[0], a[1], a[2], a[3]]);
    let irqs: Vec<&Vec<u8>> = e.iter().filter(|x| x[0] == 3).collect();
    // PCI: 00:01 INTA (PM: SCI 9), 00:03 INTA, 00:04 INTA once for both functions, each
    // to the IRQ POST routed it to, level and active high.
    let pci: Vec<_> = irqs
        .iter()
        .filter(|x| x[4] == 0)
        .map(|x| (x[5], x[7], x[2]))
        .collect();
    let irq_of = |dev: u8| {
        devs.all()
            .iter()
            .find(|d| d.bdf.dev() == dev && d.irq_pin != 0)
            .unwrap()
            .irq
    };
    assert_eq!(
        [irq_of(1), irq_of(3), irq_of(4)],
        [9, 11, 11],
        "SCI; PIRQC and PIRQD (i440FX: slot + pin - 1)"
    );
    assert_eq!(
        pci,
        [
            (1 << 2, irq_of(1), 0xd),
            (3 << 2, irq_of(3), 0xd),
            (4 << 2, irq_of(4), 0xd)
        ]
    );
    // ISA: 0 -> pin 2, no entry for pin 2 itself, none for the PCI IRQs, flags from the
    // MADT, the others identity-mapped and conforming.
    let isa: Vec<_> = irqs
        .iter()
        .filter(|x| x[4] == 1)
        .map(|x| (x[5], x[7], x[2]))
        .collect();
    assert_eq!(isa[0], (0, 2, 0));
    let pci_irqs: Vec<u8> = pci.iter().map(|p| p.1).collect();
    for src in 1..16u8 {
        let want = !(src == 2 || pci_irqs.contains(&src));
        assert_eq!(isa.iter().any(|i| i.0 == src), want, "ISA IRQ {src}");
    }
    assert!(isa.iter().all(|i| i.0 == 0 || i.0 == i.1));
    // ExtINT on LINT0 and NMI on LINT1, to every local APIC.
    let local: Vec<_> = e
        .iter()
        .filter(|x| x[0] == 4)
        .map(|x| (x[1], x[6], x[7]))
        .collect();
    assert_eq!(local, [(3, 0xff, 0), (1, 0xff, 1)]);
}

#[test]
fn a_table_for_many_cpus_leaves_the_fseg_zone_its_room() {
    let mut mem = SimMemory::new(RAM as usize);
    let ids: Vec<u8> = (0..40).collect();
    let madt = madt_at(&mut mem, &ids);
    let mut e = e820();
    let mut pool = Pool::new(FSEG_POOL.0, FSEG_POOL.0 + 64);
    let f = mptable::build(
        &mut mem,
        &mut e,
        &mut pool,
        &madt,
        &cpu_info(),
        &pci_devices(),
    );
    let mp = parse_mp(&mem).unwrap();
    assert_eq!(f, Some(FSEG_POOL.0));
    assert!(mp.config >= 0x10_0000);
    assert_eq!(kind_at(&e, mp.config), Some(Kind::Reserved));
    assert_eq!(mp.entries.iter().filter(|x| x[0] == 0).count(), 40);
}

// ---- the POST step -------------------------------------------------------------------

/// The image's headers before POST (src/arch/x86/tables.S), checksums 0.
fn write_headers(mem: &mut SimMemory) {
    let mut b32 = b"_32_".to_vec();
    b32.extend((0xf_4000u32).to_le_bytes());
    b32.extend([0, 1, 0, 0, 0, 0, 0, 0]);
    mem.write(LAYOUT.bios32_header, &b32);
    let mut pnp = b"$PnP".to_vec();
    pnp.extend([0x10, 0x21, 0, 0, 0]);
    pnp.extend([0u8; 0x21 - 9]);
    mem.write(LAYOUT.pnp_header, &pnp);
}

fn post(fw: SimFwCfg) -> (Machine, Bios, String) {
    let mut m = machine(fw);
    write_headers(&mut m.mem);
    m.cpu
        .cpuid
        .push(((1, 0), [0x663, 0x0100_0800, 0, 0x0781_abfd]));
    let mut bios = Bios::new();
    bios.e820 = e820();
    bios.pci = pci_devices();
    bios.tables.layout = Some(LAYOUT);
    xenbios_sim::capture_log();
    tables::setup(&mut m.ctx(), &mut bios.tables, &mut bios.e820, &bios.pci);
    (m, bios, xenbios_sim::take_log())
}

fn qemu_fw(cpus: u16, apic_ids: &[u8]) -> SimFwCfg {
    let a = acpi(apic_ids);
    let mut fw = fw_with(&a, &[]);
    let (s, max, count) = qemu_structures(false);
    fw.add_file(
        "etc/smbios/smbios-anchor",
        &anchor21(s.len() as u16, max, count),
    );
    fw.add_file("etc/smbios/smbios-tables", &s);
    fw.items.insert(0x05, cpus.to_le_bytes().to_vec());
    fw
}

#[test]
fn post_places_everything_an_os_scans_for() {
    let (mut m, mut bios, log) = post(qemu_fw(2, &[0, 1]));
    let mem = &m.mem;
    let t = &bios.tables;
    assert_eq!(scan_rsdp(mem), t.rsdp);
    assert_eq!(scan_smbios(mem), t.smbios_entry);
    assert!(t.rsdp.is_some() && t.smbios_entry.is_some() && t.mp_floating.is_some());
    assert_eq!(t.cpus, 2);
    let mp = parse_mp(mem).unwrap();
    assert_eq!(mp.entries.iter().filter(|e| e[0] == 0).count(), 2);
    // The image's headers: checksums set, the last bus for the 32-bit PCI BIOS.
    assert_eq!(sum(mem, LAYOUT.bios32_header, 16), 0);
    assert_eq!(sum(mem, LAYOUT.pnp_header, 0x21), 0);
    assert_eq!(mem.read_u8(LAYOUT.pci_last_bus), bios.pci.last_bus);
    // int15/E820 as a loader walks it: the ACPI blob as kind 4, SMBIOS as 2, RAM below.
    let kinds = e820_walk(&mut m, &mut bios);
    let top: Vec<_> = kinds.iter().filter(|k| k.0 >= 0x10_0000).collect();
    assert_eq!(top.len(), 3, "{kinds:x?}");
    assert_eq!((top[0].2, top[1].2, top[2].2), (1, 2, 4));
    assert_eq!(top[2].0 + top[2].1, u64::from(RAM));
    assert!(
        log.contains("[mp] 2 CPU(s) in the MADT (2 says fw_cfg)"),
        "{log}"
    );
}

/// int15 AX=E820h from EBX=0 until EBX comes back 0: (base, length, type).
fn e820_walk(m: &mut Machine, bios: &mut Bios) -> Vec<(u64, u64, u32)> {
    const SMAP: u32 = 0x534d_4150;
    const BUF: u32 = 0x1_0000;
    let mut out = Vec::new();
    let mut ebx = 0;
    loop {
        let mut r = xenbios::hal::regs::Regs {
            eax: 0xe820,
            ebx,
            ecx: 20,
            edx: SMAP,
            es: (BUF >> 4) as u16,
            vector: 0x15,
            ..Default::default()
        };
        xenbios::dispatch::dispatch(&mut r, &mut m.ctx(), bios);
        assert!(!r.cf() && r.eax == SMAP);
        out.push((
            m.mem.read_u64(BUF),
            m.mem.read_u64(BUF + 8),
            m.mem.read_u32(BUF + 16),
        ));
        ebx = r.ebx;
        if ebx == 0 {
            return out;
        }
    }
}

#[test]
fn one_cpu_means_no_mp_table_and_no_fw_cfg_means_headers_only() {
    let (m, bios, log) = post(qemu_fw(1, &[0]));
    assert_eq!(bios.tables.cpus, 1);
    assert_eq!(bios.tables.mp_floating, None);
    assert!(parse_mp(&m.mem).is_none());
    assert!(bios.tables.rsdp.is_some(), "{log}");

    let mut m = Machine::default();
    write_headers(&mut m.mem);
    let mut bios = Bios::new();
    bios.tables.layout = Some(LAYOUT);
    tables::setup(&mut m.ctx(), &mut bios.tables, &mut bios.e820, &bios.pci);
    assert_eq!(sum(&m.mem, LAYOUT.bios32_header, 16), 0);
    assert_eq!(sum(&m.mem, LAYOUT.pnp_header, 0x21), 0);
    assert_eq!(bios.tables.rsdp, None);
    assert_eq!(
        bios.tables.pnp(),
        Some(xenbios::hal::mem::FarPtr::new(0xf000, 0x5fb0))
    );
}

/// ACPI and SMBIOS from `fw`, through fw_cfg DMA when `dma` (memory shared with the
/// device, which DMAs straight into the zones), else through its ports: memory and log.
fn load_all(mut fw: SimFwCfg, dma: bool) -> (Vec<u8>, String) {
    let mut base = machine(SimFwCfg::new()).mem;
    base.write_u32(0, 0);
    let mem = xenbios_sim::SharedSimMemory::new(base);
    let mut ports = xenbios_sim::SimPorts::new();
    if dma {
        fw.enable_dma(mem.0.clone());
        ports.set_dma(Box::new(xenbios_sim::SimDma {
            mem: mem.clone(),
            scratch: 0x1000,
        }));
    }
    let dev = Rc::new(RefCell::new(fw));
    ports.attach(
        xenbios_sim::FW_CFG_PORTS_START,
        xenbios_sim::FW_CFG_PORTS_END,
        dev.clone(),
    );
    let mut e820 = e820();
    let mut pool = Pool::new(FSEG_POOL.0, FSEG_POOL.1);
    xenbios_sim::capture_log();
    let fw = xenbios::hw::fw_cfg::FwCfg::probe(&ports).unwrap();
    assert_eq!(fw.uses_dma(), dma);
    let mut m = mem.clone();
    assert!(acpi::load(&fw, &mut m, &mut e820, &mut pool).is_some());
    assert!(smbios::load(&fw, &mut m, &mut e820, &mut pool).is_some());
    if dma {
        // Only the probe's signature and feature bitmap came through the data port.
        assert_eq!(dev.borrow().data_reads, 8);
    }
    let mut bytes = mem.0.borrow().bytes.clone();
    // The DMA scratch area is the only difference allowed.
    bytes[0x1000..0x1000 + xenbios::hal::mem::DMA_SCRATCH_LEN].fill(0);
    // The whole log: only this thread's lines are captured.
    (bytes, xenbios_sim::take_log())
}

#[test]
fn tables_through_dma_are_the_tables_through_the_ports() {
    let a = acpi(&[0, 1, 2]);
    let (s, max, count) = qemu_structures(false);
    let fw = || {
        let mut fw = fw_with(&a, &[]);
        fw.add_file(
            "etc/smbios/smbios-anchor",
            &anchor21(s.len() as u16, max, count),
        );
        fw.add_file("etc/smbios/smbios-tables", &s);
        fw
    };
    let (ports_mem, ports_log) = load_all(fw(), false);
    let (dma_mem, dma_log) = load_all(fw(), true);
    let diff: Vec<usize> = (0..ports_mem.len())
        .filter(|&i| ports_mem[i] != dma_mem[i])
        .collect();
    assert!(
        diff.is_empty(),
        "memory differs at {} bytes from {:#x?}",
        diff.len(),
        &diff[..diff.len().min(8)]
    );
    assert!(
        ports_log.contains("[acpi] etc/acpi/tables: "),
        "{ports_log}"
    );
    assert_eq!(ports_log, dma_log);
}

// ---- set_checksum --------------------------------------------------------------------

#[test]
fn checksums_make_the_range_sum_to_zero() {
    let mut m = SimMemory::new(0x200);
    for (i, b) in m.bytes.iter_mut().enumerate() {
        *b = (i * 7) as u8;
    }
    tables::set_checksum(&mut m, 0x10, 0x121, 8);
    assert_eq!(m.sum8(0x10, 0x121), 0);
}

// ---- hvmloader's tables (real Xen), copied to the F segment --------------------------

mod hvmloader {
    use super::*;
    use xenbios::tables::hvmloader::copy;
    use xenbios::xen::hvm_info::HvmInfo;

    /// ACPI 6.x 5.2.5.3: the RSDP's ACPI 1.0 part (checksum over it), its revision,
    /// the length of the whole (from revision 2), the shortest 2.0 RSDP.
    const RSDP_V1_LEN: u32 = 20;
    const RSDP_REVISION: u32 = 15;
    const RSDP_LENGTH: u32 = 20;
    const RSDP_V2_MIN_LEN: u32 = 36;
    /// SMBIOS 3.x 5.2.1: the 2.1 entry point's length byte; its length.
    const SMBIOS_LENGTH: u32 = 0x05;
    const SMBIOS_MIN_LEN: u32 = 0x1f;
    /// MP 1.4, 4.1: the floating pointer's length, configuration table address and
    /// checksum; 4.2: the configuration table's base length field and header length.
    const MP_FLOATING_LEN: u32 = 16;
    const MP_PHYSPTR: u32 = 4;
    const MP_CHECKSUM: u32 = 10;
    const MP_CONFIG_BASE_LEN: u32 = 4;
    const MP_CONFIG_HEADER_LEN: u32 = 44;
    /// PCI IRQ Routing Table 1.0: the table size at 6, a 32-byte header.
    const PIR_SIZE: u32 = 6;
    const PIR_HEADER_LEN: u32 = 32;
    /// Every table is found on a 16-byte boundary.
    const ALIGN: u32 = 16;

    const LIST: u32 = 0x10010;
    const FSEG: (u32, u32) = (0xf_8000, 0xf_8400);

    /// Simulated RAM: 4 MiB, RAM from 1 MiB in `low_e820` (the high zone at its top).
    const HIGH_TOP: u32 = 4 << 20;

    fn low_e820() -> E820Map {
        let mut e = E820Map::new();
        e.add(0, 0xa_0000, Kind::Ram);
        e.add(0xe_0000, 0x10_0000, Kind::Reserved);
        e.add(0x10_0000, HIGH_TOP.into(), Kind::Ram);
        e
    }

    fn info(tables: &[u32]) -> (SimMemory, HvmInfo) {
        let mut m = SimMemory::new(HIGH_TOP as usize);
        for (i, &t) in tables.iter().enumerate() {
            m.write_u32(LIST + 4 * i as u32, t);
        }
        let info = HvmInfo {
            tables: LIST,
            tables_nr: tables.len() as u32,
            e820: 0,
            e820_nr: 0,
        };
        (m, info)
    }

    fn rsdp(m: &mut SimMemory, at: u32) {
        m.write(at, b"RSD PTR ");
        m.write(at + 9, b"XenHVM");
        m.write_u8(at + RSDP_REVISION, 2);
        m.write_u32(at + 16, 0xfc00_a000); // RSDT
        m.write_u32(at + RSDP_LENGTH, RSDP_V2_MIN_LEN);
        tables::set_checksum(m, at, RSDP_V1_LEN, 8);
        tables::set_checksum(m, at, RSDP_V2_MIN_LEN, 32);
    }

    fn smbios(m: &mut SimMemory, at: u32) {
        m.write(at, b"_SM_");
        m.write_u8(at + SMBIOS_LENGTH, SMBIOS_MIN_LEN as u8);
        m.write(at + 0x10, b"_DMI_");
        tables::set_checksum(m, at, SMBIOS_MIN_LEN, 4);
    }

    /// A floating pointer at `at`, its configuration table (`len` bytes) at `config`.
    fn mp(m: &mut SimMemory, at: u32, config: u32, len: u16) {
        m.write(config, b"PCMP");
        m.write_u16(config + MP_CONFIG_BASE_LEN, len);
        m.write_u8(config + 6, 4); // spec revision 1.4
        m.write_u8(config + MP_CONFIG_HEADER_LEN, 0); // a processor entry
        tables::set_checksum(m, config, u32::from(len), 7);
        m.write(at, b"_MP_");
        m.write_u32(at + MP_PHYSPTR, config);
        m.write_u8(at + 8, 1); // length in paragraphs
        m.write_u8(at + 9, 4);
        tables::set_checksum(m, at, MP_FLOATING_LEN, MP_CHECKSUM);
    }

    fn pir(m: &mut SimMemory, at: u32, slots: u16) {
        m.write(at, b"$PIR");
        m.write_u16(at + 4, 0x0100);
        m.write_u16(at + PIR_SIZE, PIR_HEADER_LEN as u16 + 16 * slots);
        tables::set_checksum(m, at, PIR_HEADER_LEN + 16 * u32::from(slots), 31);
    }

    fn in_fseg(addr: Option<u32>) -> u32 {
        let a = addr.expect("copied");
        assert!(
            (FSEG.0..FSEG.1).contains(&a) && a.is_multiple_of(ALIGN),
            "{a:#x}"
        );
        a
    }

    #[test]
    fn tables_that_run_past_4_gib_are_not_read() {
        // Found by tests/fuzz_parsers.rs: a table listed (or an MP configuration table
        // pointed at) near 4 GiB was read across the end of the address space. The
        // simulated memory ends at 1 MiB, so reading there would fail this test.
        let (mut m, info) = info(&[0xffff_fff8, 0x10200]);
        mp(&mut m, 0x10200, 0x10220, 0x40);
        m.write_u32(0x10200 + MP_PHYSPTR, 0xffff_f000);
        tables::set_checksum(&mut m, 0x10200, MP_FLOATING_LEN, MP_CHECKSUM);
        let mut fseg = Pool::new(FSEG.0, FSEG.1);
        let p = copy(&mut m, &info, &mut fseg, &mut low_e820());
        assert_eq!(p, Default::default());
        assert_eq!(fseg.used(), 0);
    }

    #[test]
    fn hvmloaders_four_tables_land_in_the_f_segment_intact() {
        let (mut m, info) = info(&[0x10100, 0x10200, 0x10300, 0x10400]);
        rsdp(&mut m, 0x10100);
        mp(&mut m, 0x10200, 0x10220, 0x40);
        smbios(&mut m, 0x10300);
        pir(&mut m, 0x10400, 3);
        let mut fseg = Pool::new(FSEG.0, FSEG.1);
        let p = copy(&mut m, &info, &mut fseg, &mut low_e820());

        let r = in_fseg(p.rsdp);
        assert_eq!(m.sum8(r, RSDP_V1_LEN), 0);
        assert_eq!(m.sum8(r, RSDP_V2_MIN_LEN), 0);
        assert_eq!(m.read_u32(r + 16), 0xfc00_a000);

        let f = in_fseg(p.mp_floating);
        assert_eq!(m.sum8(f, MP_FLOATING_LEN), 0);
        let config = m.read_u32(f + MP_PHYSPTR);
        assert!(
            config >= 0x10_0000,
            "high, not in the F segment: {config:#x}"
        );
        let mut sig = [0u8; 4];
        m.read(config, &mut sig);
        assert_eq!(&sig, b"PCMP");
        assert_eq!(m.sum8(config, 0x40), 0);

        let s = in_fseg(p.smbios_entry);
        assert_eq!(m.sum8(s, SMBIOS_MIN_LEN), 0);
        let t = in_fseg(p.pir);
        assert_eq!(m.sum8(t, PIR_HEADER_LEN + 48), 0);
    }

    #[test]
    fn a_broken_or_unknown_table_is_left_alone_and_the_others_copied() {
        let (mut m, info) = info(&[0x10100, 0x10200, 0x10300, 0x10400]);
        rsdp(&mut m, 0x10100);
        m.write_u8(0x10100 + 9, b'Y'); // checksum now wrong
        mp(&mut m, 0x10200, 0x10220, 0x40);
        m.write(0x10220, b"XXXX"); // no configuration table there
        m.write(0x10300, b"ABCD");
        pir(&mut m, 0x10400, 1);
        let mut fseg = Pool::new(FSEG.0, FSEG.1);
        let p = copy(&mut m, &info, &mut fseg, &mut low_e820());
        assert_eq!((p.rsdp, p.mp_floating, p.smbios_entry), (None, None, None));
        in_fseg(p.pir);
        assert_eq!(fseg.used(), PIR_HEADER_LEN + 16);
    }

    /// hvmloader's MP table for `cpus` CPUs: processor entries (20 bytes), a bus, the
    /// I/O APIC and 16 I/O interrupt entries (8 bytes each), as `create_mp_tables` sizes it.
    fn mp_len(cpus: u16) -> u16 {
        MP_CONFIG_HEADER_LEN as u16 + cpus * 20 + (1 + 1 + 16) * 8
    }

    #[test]
    fn an_mp_table_for_128_cpus_fits_with_the_others() {
        let len = mp_len(128);
        assert!(u32::from(len) > FSEG.1 - FSEG.0, "more than the whole zone");
        // In hvmloader's scratch area (RAM): copied high.
        let (mut m, list) = info(&[0x10100, 0x10200, 0x10300, 0x10400]);
        rsdp(&mut m, 0x10100);
        mp(&mut m, 0x10200, 0x1_1000, len);
        smbios(&mut m, 0x10300);
        pir(&mut m, 0x10400, 6);
        let mut fseg = Pool::new(FSEG.0, FSEG.1);
        let mut e820 = low_e820();
        let p = copy(&mut m, &list, &mut fseg, &mut e820);
        in_fseg(p.rsdp);
        in_fseg(p.smbios_entry);
        in_fseg(p.pir);
        let f = in_fseg(p.mp_floating);
        assert_eq!(m.sum8(f, MP_FLOATING_LEN), 0);
        let config = m.read_u32(f + MP_PHYSPTR);
        assert!(config >= 0x10_0000 && config % ALIGN == 0, "{config:#x}");
        assert_eq!(kind_at(&e820, config), Some(Kind::Reserved));
        assert_eq!(
            kind_at(&e820, config + u32::from(len) - 1),
            Some(Kind::Reserved)
        );
        assert_eq!(m.read_u16(config + MP_CONFIG_BASE_LEN), len);
        assert_eq!(m.sum8(config, len.into()), 0, "copied whole");
        // Already in memory the e820 map reserves (hvmloader's mem_alloc area): left there.
        let (mut m, info) = info(&[0x10200]);
        let at = HIGH_TOP - 0x2000;
        mp(&mut m, 0x10200, at, len);
        let mut e820 = low_e820();
        e820.add(u64::from(HIGH_TOP - 0x4000), HIGH_TOP.into(), Kind::AcpiNvs);
        let before = e820.clone();
        let mut fseg = Pool::new(FSEG.0, FSEG.1);
        let p = copy(&mut m, &info, &mut fseg, &mut e820);
        let f = in_fseg(p.mp_floating);
        assert_eq!(m.read_u32(f + MP_PHYSPTR), at);
        assert_eq!(m.sum8(f, MP_FLOATING_LEN), 0);
        assert_eq!(e820.regions(), before.regions(), "nothing taken");
        assert_eq!(fseg.used(), MP_FLOATING_LEN);
    }

    #[test]
    fn a_full_fseg_zone_copies_what_fits() {
        let (mut m, info) = info(&[0x10100, 0x10300]);
        rsdp(&mut m, 0x10100);
        smbios(&mut m, 0x10300);
        let mut fseg = Pool::new(FSEG.0, FSEG.0 + 48);
        let p = copy(&mut m, &info, &mut fseg, &mut low_e820());
        in_fseg(p.rsdp);
        assert_eq!(p.smbios_entry, None);
    }
}

/// The firmware's own SMBIOS (no QEMU, no hvmloader): what dmidecode and Linux read.
mod own_smbios {
    use super::*;
    use xenbios_sim::SparseMemory;

    const G: u64 = 1 << 30;
    const UUID: [u8; 16] = [
        0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd,
        0xef,
    ];

    fn params(cpus: u16) -> smbios::SmbiosParams<'static> {
        smbios::SmbiosParams {
            manufacturer: "Xen",
            product: "HVM domU",
            version: "4.17.7",
            serial: "12345678-9abc-def0-0123-456789abcdef",
            uuid: UUID,
            cpus,
            cpu_signature: 0x000a_06a4,
            cpu_features: 0x178b_fbff,
            cpu_manufacturer: "AuthenticAMD",
        }
    }

    /// A Xen guest's map: RAM to `low` below the hole, `high` above 4 GiB.
    fn xen_e820(low: u64, high: u64) -> E820Map {
        let mut e = e820();
        e.add(0x10_0000, low, Kind::Ram);
        e.add(0xfc00_0000, 1 << 32, Kind::Reserved);
        if high > 0 {
            e.add(1 << 32, (1 << 32) + high, Kind::Ram);
        }
        e
    }

    struct Built {
        mem: SparseMemory,
        e820: E820Map,
        ep: Option<u32>,
        log: String,
    }

    fn build(e820: E820Map, p: &smbios::SmbiosParams, pool: (u32, u32)) -> Built {
        let mut mem = SparseMemory::new();
        mem.add_ram(0, 1 << 32);
        let mut e820 = e820;
        let mut fseg = Pool::new(pool.0, pool.1);
        xenbios_sim::capture_log();
        let ep = smbios::build(&mut mem, &mut e820, &mut fseg, p);
        Built {
            mem,
            e820,
            ep,
            log: xenbios_sim::take_log(),
        }
    }

    /// Where the structures are, their length, and each's type, handle and strings.
    type Table = (u32, u32, Vec<(u8, u16, Vec<String>)>);

    fn table(b: &Built) -> Table {
        let ep = b.ep.expect("an entry point");
        let (len, at) = (
            u32::from(b.mem.read_u16(ep + 0x16)),
            b.mem.read_u32(ep + 0x18),
        );
        (at, len, structures(&b.mem, at, len))
    }

    /// The formatted part of the `n`th structure of type `ty`, from its start.
    fn find(b: &Built, ty: u8, n: usize) -> u32 {
        let (mut p, len, _) = table(b);
        let end = p + len;
        let mut seen = 0;
        while p < end {
            if b.mem.read_u8(p) == ty {
                if seen == n {
                    return p;
                }
                seen += 1;
            }
            p += u32::from(b.mem.read_u8(p + 1));
            while b.mem.read_u16(p) != 0 {
                p += 1;
            }
            p += 2;
        }
        panic!("no type {ty} #{n}");
    }

    #[test]
    fn a_2_8_entry_point_an_os_finds_with_every_structure_it_counts() {
        let b = build(xen_e820(2 * G, 0), &params(4), FSEG_POOL);
        let ep = b.ep.unwrap();
        assert_eq!(scan_smbios(&b.mem), Some(ep));
        assert_eq!(
            (b.mem.read_u8(ep + 6), b.mem.read_u8(ep + 7)),
            (2, 8),
            "version"
        );
        assert_eq!(b.mem.read_u8(ep + 0x1e), 0x28, "BCD revision");
        let (at, _, s) = table(&b);
        assert_eq!(kind_at(&b.e820, at), Some(Kind::Reserved));
        assert_eq!(usize::from(b.mem.read_u16(ep + 0x1c)), s.len());
        let types: Vec<u8> = s.iter().map(|t| t.0).collect();
        assert_eq!(types, [0, 1, 3, 4, 4, 4, 4, 16, 17, 19, 32, 127]);
        // Handles are unique, and the memory structures name the array's.
        let handles: std::collections::BTreeSet<u16> = s.iter().map(|t| t.1).collect();
        assert_eq!(handles.len(), s.len());
        let array = s[7].1;
        assert_eq!(b.mem.read_u16(find(&b, 17, 0) + 4), array);
        assert_eq!(b.mem.read_u16(find(&b, 19, 0) + 0xc), array);
        // The largest structure is what the entry point says.
        let sizes = s
            .iter()
            .map(|(_, _, strs)| strs.iter().map(|x| x.len() + 1).sum::<usize>());
        let max = s
            .iter()
            .zip(sizes)
            .enumerate()
            .map(|(i, (_, str_len))| {
                let p = find(&b, s[i].0, s[..i].iter().filter(|t| t.0 == s[i].0).count());
                usize::from(b.mem.read_u8(p + 1)) + str_len.max(1) + 1
            })
            .max()
            .unwrap();
        assert_eq!(usize::from(b.mem.read_u16(ep + 8)), max);
        assert!(b.log.contains("4 CPUs, 2048 MiB"), "{}", b.log);
    }

    #[test]
    fn linux_dmi_line_reads_xen_hvm_domu_and_this_bios() {
        let b = build(xen_e820(G, 0), &params(1), FSEG_POOL);
        let (_, _, s) = table(&b);
        // Linux: "DMI: <sys_vendor> <product_name>, BIOS <bios_version> <bios_date>".
        assert_eq!(s[0].2, ["xenbios", env!("CARGO_PKG_VERSION"), "11/22/2026"]);
        assert_eq!(
            s[1].2,
            [
                "Xen",
                "HVM domU",
                "4.17.7",
                "12345678-9abc-def0-0123-456789abcdef"
            ]
        );
        let t1 = find(&b, 1, 0);
        assert_eq!(
            (4..8).map(|i| b.mem.read_u8(t1 + i)).collect::<Vec<_>>(),
            [1, 2, 3, 4],
            "string numbers"
        );
        // The UUID as dmidecode prints it for SMBIOS >= 2.6 (first three fields
        // little-endian) reads as the domain's handle.
        let mut raw = [0u8; 16];
        b.mem.read(t1 + 8, &mut raw);
        assert_eq!(
            raw,
            [
                0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
                0xcd, 0xef
            ]
        );
        // BIOS characteristics: PCI, boot from CD, selectable boot, EDD; ACPI; targeted
        // content distribution and virtual machine.
        let t0 = find(&b, 0, 0);
        let chars = u64::from(b.mem.read_u32(t0 + 0xa)) | u64::from(b.mem.read_u32(t0 + 0xe)) << 32;
        assert_eq!(chars, 1 << 7 | 1 << 11 | 1 << 16 | 1 << 19);
        assert_eq!(
            (b.mem.read_u8(t0 + 0x12), b.mem.read_u8(t0 + 0x13)),
            (1, 0x14)
        );
        // Chassis "other", no errors at boot.
        assert_eq!(b.mem.read_u8(find(&b, 3, 0) + 5), 1);
        assert_eq!(b.mem.read_u8(find(&b, 32, 0) + 0xa), 0);
    }

    #[test]
    fn empty_strings_are_left_out_and_numbered_zero() {
        let p = smbios::SmbiosParams {
            serial: "",
            version: "",
            ..params(1)
        };
        let b = build(xen_e820(G, 0), &p, FSEG_POOL);
        let (_, _, s) = table(&b);
        assert_eq!(s[1].2, ["Xen", "HVM domU"]);
        let t1 = find(&b, 1, 0);
        assert_eq!(
            (4..8).map(|i| b.mem.read_u8(t1 + i)).collect::<Vec<_>>(),
            [1, 2, 0, 0]
        );
    }

    #[test]
    fn one_processor_structure_per_cpu_up_to_128() {
        let b = build(xen_e820(G, 0), &params(128), FSEG_POOL);
        let (_, len, s) = table(&b);
        let cpus: Vec<_> = s.iter().filter(|t| t.0 == 4).collect();
        assert_eq!(cpus.len(), 128);
        assert_eq!(cpus[0].2, ["CPU 0", "AuthenticAMD"]);
        assert_eq!(cpus[127].2, ["CPU 127", "AuthenticAMD"]);
        let t4 = find(&b, 4, 5);
        assert_eq!(b.mem.read_u32(t4 + 8), 0x000a_06a4, "CPUID signature");
        assert_eq!(b.mem.read_u32(t4 + 12), 0x178b_fbff, "CPUID features");
        assert_eq!(b.mem.read_u8(t4 + 0x18), 0x41, "populated, enabled");
        assert!(len > 128 * 0x2a);
        // More than Xen allows are cut to 128; none counts as one.
        let b = build(xen_e820(G, 0), &params(300), FSEG_POOL);
        assert_eq!(table(&b).2.iter().filter(|t| t.0 == 4).count(), 128);
        let b = build(xen_e820(G, 0), &params(0), FSEG_POOL);
        assert_eq!(table(&b).2.iter().filter(|t| t.0 == 4).count(), 1);
    }

    #[test]
    fn memory_is_one_device_per_16_gib_mapped_below_and_above_4_gib() {
        // 3 GiB below the hole, 37 GiB above: 40 GiB in 16 + 16 + 8.
        let b = build(xen_e820(3 * G, 37 * G), &params(2), FSEG_POOL);
        let (_, _, s) = table(&b);
        assert_eq!(s.iter().filter(|t| t.0 == 17).count(), 3);
        let t16 = find(&b, 16, 0);
        assert_eq!(u64::from(b.mem.read_u32(t16 + 7)), 40 * G / 1024, "KiB");
        assert_eq!(b.mem.read_u16(t16 + 0xd), 3, "devices");
        let mib: Vec<u16> = (0..3)
            .map(|i| b.mem.read_u16(find(&b, 17, i) + 0xc))
            .collect();
        assert_eq!(mib, [16384, 16384, 8192]);
        let dimms: Vec<_> = s
            .iter()
            .filter(|t| t.0 == 17)
            .map(|t| t.2.clone())
            .collect();
        assert_eq!(dimms[0], ["DIMM 0", "Xen"]);
        assert_eq!(dimms[2], ["DIMM 2", "Xen"]);
        let ranges: Vec<(u32, u32)> = (0..2)
            .map(|i| {
                let t = find(&b, 19, i);
                (b.mem.read_u32(t + 4), b.mem.read_u32(t + 8))
            })
            .collect();
        assert_eq!(
            ranges,
            [
                (0, (3 * G / 1024 - 1) as u32),
                ((4 * G / 1024) as u32, ((4 * G + 37 * G) / 1024 - 1) as u32)
            ]
        );
    }

    #[test]
    fn no_room_gives_no_entry_point() {
        let b = build(xen_e820(G, 0), &params(1), (0xf_6000, 0xf_6010));
        assert_eq!(b.ep, None);
        assert!(b.log.contains("FSEG area full"), "{}", b.log);
        // No RAM above 1 MiB for the structures.
        let mut low = E820Map::new();
        low.add(0, 0xa_0000, Kind::Ram);
        let b = build(low, &params(1), FSEG_POOL);
        assert_eq!(b.ep, None);
        assert_eq!(scan_smbios(&b.mem), None);
    }
}
