//! Memory detection: the e820 map a loader sees, from fw_cfg, hvmloader's table or CMOS.

use std::cell::RefCell;
use std::mem::size_of;
use std::rc::Rc;
use xen_headers::hvmloader::{BIOS_INFO_PHYSICAL_ADDRESS, SEABIOS_INFO_SIGNATURE, SeabiosInfo};
use xenbios::e820::{E820Map, Kind};
use xenbios::hal::mem::{Memory, MemoryExt};
use xenbios::layout;
use xenbios::platform::memmap::{self, Source};
use xenbios::xen::hvm_info;
use xenbios_sim::{Machine, PortDevice, SimFwCfg};
use zerocopy::IntoBytes;

const G: u64 = 1 << 30;
const M: u64 = 1 << 20;

/// CMOS RAM behind 0x70/0x71.
struct Cmos {
    index: u8,
    regs: [u8; 128],
}

impl PortDevice for Cmos {
    fn read(&mut self, port: u16, _: u8) -> u32 {
        if port == 0x71 {
            self.regs[self.index as usize] as u32
        } else {
            0
        }
    }
    fn write(&mut self, port: u16, _: u8, v: u32) {
        match port {
            0x70 => self.index = v as u8 & 0x7f,
            _ => self.regs[self.index as usize] = v as u8,
        }
    }
}

/// CMOS contents as QEMU's pc_cmos_init writes them for `below_4g` / `above_4g` bytes.
fn cmos_for(below_4g: u64, above_4g: u64) -> Cmos {
    let mut regs = [0u8; 128];
    let ext_kb = ((below_4g - M) / 1024).min(0xffff) as u16;
    regs[0x30..0x32].copy_from_slice(&ext_kb.to_le_bytes());
    let above16 = (below_4g.saturating_sub(16 * M) / (64 * 1024)).min(0xffff) as u16;
    regs[0x34..0x36].copy_from_slice(&above16.to_le_bytes());
    let high = (above_4g / (64 * 1024)) as u32;
    regs[0x5b..0x5e].copy_from_slice(&high.to_le_bytes()[..3]);
    Cmos { index: 0, regs }
}

fn e820_file(entries: &[(u64, u64, u32)]) -> Vec<u8> {
    let mut v = Vec::new();
    for &(a, l, t) in entries {
        v.extend_from_slice(&a.to_le_bytes());
        v.extend_from_slice(&l.to_le_bytes());
        v.extend_from_slice(&t.to_le_bytes());
    }
    v
}

fn detect(fw: Option<SimFwCfg>, cmos: Option<Cmos>) -> (Vec<(u64, u64, Kind)>, Source, String) {
    detect_in(Machine::default(), fw, cmos)
}

fn detect_in(
    mut m: Machine,
    fw: Option<SimFwCfg>,
    cmos: Option<Cmos>,
) -> (Vec<(u64, u64, Kind)>, Source, String) {
    if let Some(fw) = fw {
        m.ports.attach(0x510, 0x511, Rc::new(RefCell::new(fw)));
    }
    if let Some(c) = cmos {
        m.ports.attach(0x70, 0x71, Rc::new(RefCell::new(c)));
    }
    let mut e820 = E820Map::new();
    xenbios_sim::capture_log();
    let src = memmap::detect(&mut m.ctx(), &mut e820, None);
    let log = xenbios_sim::take_log();
    check_well_formed(&e820);
    let map = e820
        .regions()
        .iter()
        .map(|r| (r.start, r.end, r.kind))
        .collect();
    (map, src, log)
}

/// What every OS relies on: sorted, non-overlapping, non-empty, adjacent same-kind merged.
fn check_well_formed(e820: &E820Map) {
    for w in e820.regions().windows(2) {
        assert!(w[0].end <= w[1].start, "overlap or unsorted: {w:?}");
        assert!(
            !(w[0].end == w[1].start && w[0].kind == w[1].kind),
            "unmerged {w:?}"
        );
    }
    assert!(e820.regions().iter().all(|r| r.start < r.end));
}

/// The first MiB and the BIOS alias, as the firmware lays them out.
fn firmware_low() -> Vec<(u64, u64, Kind)> {
    vec![
        // Conventional memory ends where the firmware's EBDA (its low area) begins.
        (0, layout::EBDA_START as u64, Kind::Ram),
        (layout::EBDA_START as u64, 0xa0000, Kind::Reserved),
        (0xe0000, 0x100000, Kind::Reserved),
    ]
}
const ALIAS: (u64, u64, Kind) = (0xfffe0000, 0x1_0000_0000, Kind::Reserved);

#[test]
fn one_gib_from_fw_cfg() {
    let mut fw = SimFwCfg::new();
    fw.add_file("etc/e820", &e820_file(&[(0, G, 1)]));
    let (map, src, log) = detect(Some(fw), None);
    let mut want = firmware_low();
    want.extend([(M, G, Kind::Ram), ALIAS]);
    assert_eq!(map, want);
    assert_eq!(src, Source::FwCfg);
    assert!(
        log.contains("[e820] 0x0000100000-0x003fffffff ram"),
        "{log}"
    );
    assert!(log.contains("1023 MiB RAM below 4 GiB, 0 MiB above (from fw_cfg etc/e820)"));
    assert!(log.contains("[fw_cfg] QEMU fw_cfg: 1 files"));
}

#[test]
fn four_gib_with_the_pci_hole_and_reserved_entries_kept() {
    // QEMU pc with -m 4G: 3 GiB low, 1 GiB above 4 GiB; a reserved entry (KVM's
    // identity-map pages) listed *before* the RAM it does not overlap, and one that
    // carves a piece out of low RAM listed before that RAM.
    let mut fw = SimFwCfg::new();
    fw.add_file(
        "etc/e820",
        &e820_file(&[
            (0xfeffc000, 0x4000, 2),
            (0x8000_0000, 0x10_0000, 2),
            (0, 0xc000_0000, 1),
            (4 * G, G, 1),
        ]),
    );
    let (map, _, _) = detect(Some(fw), None);
    let mut want = firmware_low();
    want.extend([
        (M, 0x8000_0000, Kind::Ram),
        (0x8000_0000, 0x8010_0000, Kind::Reserved),
        (0x8010_0000, 0xc000_0000, Kind::Ram),
        (0xfeffc000, 0xff000000, Kind::Reserved),
        ALIAS,
        (4 * G, 5 * G, Kind::Ram),
    ]);
    assert_eq!(map, want);
}

#[test]
fn q35_hole_at_2_75_gib_and_acpi_kinds_survive() {
    let mut fw = SimFwCfg::new();
    fw.add_file(
        "etc/e820",
        &e820_file(&[
            (0, 0xb000_0000, 1),
            (4 * G, 2 * G, 1),
            (0xaff0_0000, 0x10_0000, 4),
        ]),
    );
    let (map, _, log) = detect(Some(fw), None);
    let mut want = firmware_low();
    want.extend([
        (M, 0xaff0_0000, Kind::Ram),
        (0xaff0_0000, 0xb000_0000, Kind::AcpiNvs),
        ALIAS,
        (4 * G, 6 * G, Kind::Ram),
    ]);
    assert_eq!(map, want);
    assert!(
        log.contains("2814 MiB RAM below 4 GiB, 2048 MiB above"),
        "{log}"
    );
}

#[test]
fn cmos_when_there_is_no_fw_cfg() {
    let (map, src, log) = detect(None, Some(cmos_for(3 * G, 2 * G)));
    let mut want = firmware_low();
    want.extend([(M, 3 * G, Kind::Ram), ALIAS, (4 * G, 6 * G, Kind::Ram)]);
    assert_eq!(map, want);
    assert_eq!(src, Source::Cmos);
    assert!(log.contains("[fw_cfg] absent"));
    assert!(log.contains("(from CMOS)"));
}

#[test]
fn cmos_below_16_mib_uses_the_kib_count() {
    let (map, _, _) = detect(None, Some(cmos_for(12 * M, 0)));
    let mut want = firmware_low();
    want.extend([(M, 12 * M, Kind::Ram), ALIAS]);
    assert_eq!(map, want);
}

#[test]
fn fw_cfg_without_a_usable_e820_falls_back_to_cmos() {
    // No etc/e820 at all (old QEMU)...
    let (map, src, log) = detect(Some(SimFwCfg::new()), Some(cmos_for(512 * M, 0)));
    assert_eq!(src, Source::Cmos);
    assert!(map.contains(&(M, 512 * M, Kind::Ram)));
    assert!(log.contains("no usable etc/e820"));
    // ...or one that only describes the first MiB.
    let mut fw = SimFwCfg::new();
    fw.add_file("etc/e820", &e820_file(&[(0, 0xa0000, 1)]));
    let (map, src, _) = detect(Some(fw), Some(cmos_for(256 * M, 0)));
    assert_eq!(src, Source::Cmos);
    assert!(map.contains(&(M, 256 * M, Kind::Ram)));
}

#[test]
fn the_first_mib_is_the_firmwares_whatever_is_reported() {
    // A platform claiming RAM over the VGA hole and the BIOS, and a reserved page at 0.
    let mut fw = SimFwCfg::new();
    fw.add_file("etc/e820", &e820_file(&[(0, 0x1000, 2), (0, 64 * M, 1)]));
    let (map, _, _) = detect(Some(fw), None);
    let mut want = firmware_low();
    want.extend([(M, 64 * M, Kind::Ram), ALIAS]);
    assert_eq!(map, want);
}

#[test]
fn low_memory_top_ignores_what_lies_above_the_limit() {
    let mut e = E820Map::new();
    e.add(0, 0x9fc00, Kind::Ram);
    e.add(M, 0x4000_0000, Kind::Ram);
    e.add(0xfffe0000, 0x1_0000_0000, Kind::Reserved);
    assert_eq!(memmap::low_memory_top(&e, 0xfec0_0000), 0x4000_0000);
    e.add(0x4000_0000, 0x4010_0000, Kind::AcpiNvs);
    assert_eq!(memmap::low_memory_top(&e, 0xfec0_0000), 0x4010_0000);
}

/// hvmloader's table at 0x1000 pointing at its e820 list at 0x10100 (as Xen 4.17's
/// hvmloader writes them for a 120 MiB guest: `BIOS map` / `E820 table` in its log).
fn with_hvmloader_table(entries: &[(u64, u64, u32)], fix_checksum: bool) -> Machine {
    let mut m = Machine::default();
    let list = 0x10100u32;
    m.mem.write(list, &e820_file(entries));
    hvmloader_table(&mut m, list, entries.len() as u32, fix_checksum);
    m
}

/// hvmloader's table at 0x1000 saying its e820 list has `n` entries at `list`.
fn hvmloader_table(m: &mut Machine, list: u32, n: u32, fix_checksum: bool) {
    let mut t = SeabiosInfo {
        signature: SEABIOS_INFO_SIGNATURE,
        length: size_of::<SeabiosInfo>() as u8,
        checksum: 0,
        tables: 0x10010,
        tables_nr: 0,
        e820: list,
        e820_nr: n,
    };
    if fix_checksum {
        let sum = t.as_bytes().iter().fold(0u8, |s, &b| s.wrapping_add(b));
        t.checksum = sum.wrapping_neg();
    }
    m.mem.write_obj(BIOS_INFO_PHYSICAL_ADDRESS, &t);
}

const HVMLOADER_E820: [(u64, u64, u32); 5] = [
    (0, 0xa0000, 1),
    (0xe0000, 0x20000, 2),
    (M, 119 * M, 1),
    (0xfc00_0000, 0xb000, 4),
    (0xfc00_b000, 0x1_0000_0000 - 0xfc00_b000, 2),
];

#[test]
fn hvmloaders_list_when_there_is_no_fw_cfg() {
    let m = with_hvmloader_table(&HVMLOADER_E820, true);
    let (map, src, log) = detect_in(m, None, Some(cmos_for(64 * M, 0)));
    let mut want = firmware_low();
    want.extend([
        (M, 120 * M, Kind::Ram),
        (0xfc00_0000, 0xfc00_b000, Kind::AcpiNvs),
        (0xfc00_b000, 0x1_0000_0000, Kind::Reserved),
    ]);
    assert_eq!(map, want);
    assert_eq!(src, Source::Hvmloader);
    assert!(log.contains("(from hvmloader's table)"), "{log}");
}

#[test]
fn a_bad_hvmloader_table_falls_back_to_cmos() {
    let m = with_hvmloader_table(&HVMLOADER_E820, false);
    let (_, src, _) = detect_in(m, None, Some(cmos_for(64 * M, 0)));
    assert_eq!(src, Source::Cmos);
}

#[test]
fn an_hvmloader_list_that_runs_past_4_gib_is_refused() {
    // Found by tests/fuzz_parsers.rs: the entries are read at 32-bit addresses, and the
    // second of two 20-byte entries at 4 GiB - 20 would be read at 0.
    let mut m = Machine::default();
    hvmloader_table(&mut m, 0xffff_ffec, 2, true);
    assert_eq!(
        hvm_info::find(&m.mem),
        Err(hvm_info::Invalid::BeyondFourGib)
    );
    let (_, src, _) = detect_in(m, None, Some(cmos_for(64 * M, 0)));
    assert_eq!(src, Source::Cmos);
}

#[test]
fn fw_cfg_wins_over_an_hvmloader_table() {
    let m = with_hvmloader_table(&HVMLOADER_E820, true);
    let mut fw = SimFwCfg::new();
    fw.add_file("etc/e820", &e820_file(&[(0, G, 1)]));
    let (_, src, _) = detect_in(m, Some(fw), None);
    assert_eq!(src, Source::FwCfg);
}

// ---- Xen started the firmware directly: the map is XENMEM_memory_map's ----------------

mod xen_direct {
    use super::*;
    use xenbios::platform::memmap::XenDirect;
    use xenbios_sim::xen::{SimXenConfig, XenMachine};

    const SPECIAL: u64 = 0xfeff_0000;

    fn detect_xen(
        map: Option<Vec<(u64, u64, u32)>>,
        special: u64,
    ) -> (Vec<(u64, u64, Kind)>, Source, String) {
        let mut m = XenMachine::new(SimXenConfig {
            ram_top: 120 << 20,
            memory_map: map,
            ..Default::default()
        });
        let hv = m.hv();
        let mut e820 = E820Map::new();
        xenbios_sim::capture_log();
        let src = memmap::detect(
            &mut m.ctx(),
            &mut e820,
            Some(XenDirect {
                hv,
                special_pages: special,
            }),
        );
        let log = xenbios_sim::take_log();
        check_well_formed(&e820);
        let map = e820
            .regions()
            .iter()
            .map(|r| (r.start, r.end, r.kind))
            .collect();
        (map, src, log)
    }

    #[test]
    fn libxl_map_gets_the_first_mib_and_the_special_pages() {
        // libxl's map for an HVM guest with a device model: RAM from 1 MiB only.
        let (map, src, log) = detect_xen(None, SPECIAL);
        assert_eq!(src, Source::Xen);
        assert!(log.contains("from Xen's XENMEM_memory_map"), "{log}");
        assert_eq!(map[0], (0, layout::EBDA_START as u64, Kind::Ram));
        assert!(map.contains(&(M, 120 * M, Kind::Ram)), "{map:x?}");
        // The special pages (xenstore, ioreq) up to 4 GiB, merged with the BIOS alias.
        assert_eq!(*map.last().unwrap(), (SPECIAL, 4 * G, Kind::Reserved));
    }

    #[test]
    fn holes_reserved_areas_and_high_ram_are_kept() {
        let map = vec![
            (M, 100 * M, 1),
            (101 * M, M, 2),     // an RDM range the toolstack reserved
            (102 * M, 2 * M, 3), // libxl's ACPI module
            (4 * G, 2 * G, 1),   // RAM relocated above 4 GiB
        ];
        let (got, _, _) = detect_xen(Some(map), SPECIAL);
        for want in [
            (M, 101 * M, Kind::Ram),
            (101 * M, 102 * M, Kind::Reserved),
            (102 * M, 104 * M, Kind::AcpiReclaim),
            (4 * G, 6 * G, Kind::Ram),
        ] {
            assert!(got.contains(&want), "{want:x?} missing from {got:x?}");
        }
        // The hole between 104 MiB and the special pages stays out of the map: PCI's.
        assert!(
            !got.iter()
                .any(|r| r.0 < 0xf000_0000 && r.1 > 104 * M && r.0 >= 104 * M)
        );
    }

    #[test]
    fn a_map_without_ram_falls_back_to_cmos() {
        let (_, src, log) = detect_xen(Some(vec![(0xfc00_0000, M, 2)]), SPECIAL);
        assert_eq!(src, Source::Cmos, "{log}");
        assert!(log.contains("no RAM above 1 MiB"), "{log}");
    }

    #[test]
    fn a_failing_hypercall_falls_back_and_says_why() {
        let mut m = XenMachine::new(SimXenConfig::default());
        let hv = m.hv();
        m.xen.state().fail.push((
            xenbios_sim::xen::Hcall::MemoryMap,
            xenbios::hal::hypercall::XenErrno::EPERM,
            1,
        ));
        let mut e820 = E820Map::new();
        xenbios_sim::capture_log();
        memmap::detect(
            &mut m.ctx(),
            &mut e820,
            Some(XenDirect {
                hv,
                special_pages: SPECIAL,
            }),
        );
        let log = xenbios_sim::take_log();
        assert!(log.contains("XENMEM_memory_map failed"), "{log}");
        assert!(e820.ram_between(M, 4 * G) > 0, "a map all the same (CMOS)");
    }
}

mod cmos_size {
    use super::*;
    use xenbios::hw::cmos;
    use xenbios_sim::SimRtc;

    /// The e820 map Xen's domain builder gives a guest with a device model (RAM from
    /// 1 MiB, the PCI hole at 0xF0000000, the rest at 4 GiB), with the low part the
    /// firmware adds and a reservation at the top of low RAM as the firmware's own
    /// tables make (1 MiB of it).
    fn xen_map(below_4g: u64, above_4g: u64) -> E820Map {
        let mut m = E820Map::new();
        m.add(0, 0x9_f000, Kind::Ram);
        m.add(0xe_0000, M, Kind::Reserved);
        m.add(M, below_4g, Kind::Ram);
        m.add(below_4g - 0x10_0000, below_4g, Kind::Reserved);
        m.add(0xfc00_0000, 1 << 32, Kind::Reserved);
        if above_4g > 0 {
            m.add(1 << 32, (1 << 32) + above_4g, Kind::Ram);
        }
        m
    }

    fn written(e820: &E820Map) -> (Rc<RefCell<SimRtc>>, Machine) {
        let mut m = Machine::default();
        let rtc = Rc::new(RefCell::new(SimRtc::new()));
        m.ports.attach(0x70, 0x71, rtc.clone());
        cmos::write_memory_size(&m.ports, e820);
        (rtc, m)
    }

    fn word(rtc: &SimRtc, lo: usize) -> u32 {
        u32::from(rtc.cmos[lo]) | u32::from(rtc.cmos[lo + 1]) << 8
    }

    #[test]
    fn the_size_bytes_say_what_the_e820_map_says() {
        let (rtc, _) = written(&xen_map(3 * G, 2 * G));
        let rtc = rtc.borrow();
        assert_eq!(word(&rtc, 0x15), 640);
        assert_eq!(word(&rtc, 0x17), 0xffff, "capped");
        assert_eq!(word(&rtc, 0x30), 0xffff, "capped");
        // Up to the reservation at the top of low RAM, which a CMOS reader must not use.
        assert_eq!(word(&rtc, 0x34), ((3 * G - 17 * M) / (64 * 1024)) as u32);
        let high = u32::from_le_bytes([rtc.cmos[0x5b], rtc.cmos[0x5c], rtc.cmos[0x5d], 0]);
        assert_eq!(u64::from(high), 2 * G / (64 * 1024));
    }

    #[test]
    fn small_guests_fill_the_kib_count_and_nothing_above() {
        let (rtc, _) = written(&xen_map(12 * M, 0));
        let rtc = rtc.borrow();
        assert_eq!(word(&rtc, 0x17), 10 * 1024);
        assert_eq!(word(&rtc, 0x30), 10 * 1024);
        assert_eq!(word(&rtc, 0x34), 0);
        assert_eq!(&rtc.cmos[0x5b..0x5e], &[0, 0, 0]);
        // A map with no RAM above 1 MiB says 0, not an underflow.
        let mut low = E820Map::new();
        low.add(0, 0xa_0000, Kind::Ram);
        drop(rtc);
        let (rtc, _) = written(&low);
        assert_eq!(word(&rtc.borrow(), 0x30), 0);
    }

    #[test]
    fn the_firmwares_cmos_fallback_reads_back_the_same_ram() {
        let (_, m) = written(&xen_map(3 * G, 2 * G));
        let (map, src, _) = detect_in(m, None, None);
        assert_eq!(src, Source::Cmos);
        assert!(map.contains(&(M, 3 * G - M, Kind::Ram)), "{map:x?}");
        assert!(
            map.contains(&(1 << 32, (1 << 32) + 2 * G, Kind::Ram)),
            "{map:x?}"
        );
    }
}
