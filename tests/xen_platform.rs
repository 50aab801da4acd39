//! Xen at POST against the simulated Xen: detection, the hypercall page, BAR1 mappings,
//! what the log shows (every `device/vbd` entry), and every way it can go wrong.

mod xen_util;

use xen_headers::cpuid::hypercall_stub_offset;
use xen_headers::hvmloader::{BIOS_INFO_PHYSICAL_ADDRESS, SEABIOS_INFO_SIGNATURE, SeabiosInfo};
use xen_headers::memory::{XENMAPSPACE_GRANT_TABLE, XENMAPSPACE_SHARED_INFO};
use xen_headers::xen::HYPERVISOR_XEN_VERSION;
use xen_util::platform_device;
use xenbios::e820::{E820Map, Kind};
use xenbios::hal::XenErrno;
use xenbios::hal::mem::{Memory, MemoryExt};
use xenbios::hw::pci::{self, PciDevices};
use xenbios::xen::{self, PlatformDevice, Xen};
use xenbios_sim::xen::{Hcall, SIM_BAR1_BASE, SimXenConfig, XenMachine};
use xenbios_sim::{Machine, SimBar, SimFunction, SimPci};
use zerocopy::IntoBytes;

const MIB: u32 = 1 << 20;
const DISK: usize = 8 << 20;

struct Run {
    m: XenMachine,
    e820: E820Map,
    xen: Option<&'static Xen>,
    log: String,
}

/// POST's Xen step on `m` with its platform device (or `platform`).
fn post(mut m: XenMachine, platform: Option<Option<PlatformDevice>>) -> Run {
    let mut e820 = m.e820();
    let platform = platform.unwrap_or(Some(platform_device(&m)));
    let mut cpu = m.xen.clone();
    xenbios_sim::take_log();
    let xen = xen::init(&mut m.ctx(), &mut e820, platform, &mut cpu);
    let log = xenbios_sim::take_log();
    Run { m, e820, xen, log }
}

fn with_disks() -> XenMachine {
    let m = XenMachine::new(SimXenConfig::default());
    {
        let mut s = m.xen.state();
        let mut disk = vec![0u8; DISK];
        disk[..20].copy_from_slice(b"XENDISK-TEST-PATTERN");
        s.add_vbd(51712, disk);
        s.add_vbd(51728, vec![0; DISK]);
    }
    m
}

#[test]
fn under_xen_the_log_shows_version_hypercall_page_bar1_and_every_vbd() {
    xenbios_sim::capture_log();
    let r = post(with_disks(), None);
    let xen = r.xen.expect("Xen set up");
    let log = &r.log;
    for line in [
        "[xen] Xen 4.10 (CPUID 0x40000000), hypercall page at 0x3fff000\n",
        "[xen] BAR1 of 00:02.0 at 0xf0000000: shared info at 0xf0000000, 1 grant table frame(s) at 0xf0001000\n",
        "[xenstore] ring at 0xfeff9000, event channel 1, server features 0x0\n",
    ] {
        assert!(log.contains(line), "missing {line:?} in\n{log}");
    }
    // What POST keeps for the PV drivers (which log each disk: tests/xen_blkfront.rs).
    assert_eq!(xen.vbds.as_slice(), [51712, 51728]);
    assert_eq!(xen.version, 0x0004_000a);
    assert_eq!(xen.domid, Some(1));
    assert_eq!(xen.hypercall_page, 0x3fff000);
    assert_eq!(xen.shared_info.base, SIM_BAR1_BASE);
    assert_eq!(xen.grants.lock().base(), SIM_BAR1_BASE + 4096);
    assert_eq!(xen.grants.lock().free_count(), 512 - 8);
    assert_eq!(xen.hvm_info, None);

    let s = r.m.xen.state();
    // The hypercall page: installed through the MSR, in RAM that e820 now reserves.
    assert_eq!(s.hypercall_page, Some(0x3fff000));
    assert!(
        r.e820
            .regions()
            .iter()
            .any(|g| g.kind == Kind::Reserved && g.start <= 0x3fff000 && g.end >= 0x400_0000)
    );
    assert_eq!(r.e820.ram_end_from(0x10_0000), 0x3fff000);
    let stub = 0x3fff000 + hypercall_stub_offset(HYPERVISOR_XEN_VERSION);
    assert_eq!(r.m.mem.read_u32(stub + 1), HYPERVISOR_XEN_VERSION);
    // Shared info and grant table frames went into BAR1, not over RAM.
    assert_eq!(s.shared_info_gfn, Some(SIM_BAR1_BASE >> 12));
    assert_eq!(s.grant_frames.get(&0), Some(&((SIM_BAR1_BASE >> 12) + 1)));
    assert!(s.mapped_over_ram.is_empty());
    assert!(s.calls.contains(&Hcall::AddToPhysmap {
        space: XENMAPSPACE_SHARED_INFO,
        idx: 0,
        gfn: SIM_BAR1_BASE >> 12
    }));
    assert!(s.calls.contains(&Hcall::AddToPhysmap {
        space: XENMAPSPACE_GRANT_TABLE,
        idx: 0,
        gfn: (SIM_BAR1_BASE >> 12) + 1
    }));
}

#[test]
fn vbds_are_listed_in_order_and_odd_names_are_logged() {
    xenbios_sim::capture_log();
    let m = with_disks();
    {
        let mut s = m.xen.state();
        s.add_vbd(768, vec![0; 4096]);
        s.store.write("device/vbd/cdrom/backend", b"/nowhere");
    }
    let r = post(m, None);
    let xen = r.xen.expect("Xen set up");
    assert_eq!(xen.vbds.as_slice(), [768, 51712, 51728]);
    assert!(
        r.log
            .contains("[xen] warning: vbd cdrom: ignored: not a number\n"),
        "{}",
        r.log
    );
}

#[test]
fn a_vbd_named_twice_is_listed_once() {
    // Found by tests/fuzz_xenstore.rs: `51712` and `051712` are two nodes but one vdev,
    // which was listed (and would have been connected) twice.
    xenbios_sim::capture_log();
    let m = with_disks();
    m.xen
        .state()
        .store
        .write("device/vbd/051712/backend", b"/nowhere");
    let r = post(m, None);
    assert_eq!(r.xen.expect("Xen set up").vbds.as_slice(), [51712, 51728]);
}

#[test]
fn without_vbds_it_says_so() {
    xenbios_sim::capture_log();
    let r = post(XenMachine::new(SimXenConfig::default()), None);
    assert!(r.xen.is_some());
    assert!(
        r.log.contains("[xen] no PV disks (device/vbd: ENOENT)\n"),
        "{}",
        r.log
    );
    let m = XenMachine::new(SimXenConfig::default());
    m.xen.state().store.write("device/vbd", b"");
    let r = post(m, None);
    assert!(
        r.log.contains("[xen] no PV disks (device/vbd is empty)\n"),
        "{}",
        r.log
    );
}

#[test]
fn without_xen_it_logs_no_xen_and_carries_on() {
    xenbios_sim::capture_log();
    let r = post(
        XenMachine::new(SimXenConfig {
            present: false,
            ..Default::default()
        }),
        None,
    );
    assert!(r.xen.is_none());
    assert_eq!(r.log, "[xen] no Xen\n");
    assert!(r.m.xen.state().calls.is_empty());
    assert_eq!(r.e820.regions(), r.m.e820().regions());
}

#[test]
fn xen_is_found_at_a_later_cpuid_base() {
    xenbios_sim::capture_log();
    let r = post(
        XenMachine::new(SimXenConfig {
            cpuid_base: 0x4000_0100,
            cpuid_domid: false,
            ..Default::default()
        }),
        None,
    );
    assert!(r.xen.is_some());
    assert!(
        r.log
            .contains("[xen] Xen 4.10 (CPUID 0x40000100), hypercall page at 0x3fff000\n"),
        "{}",
        r.log
    );
    assert_eq!(r.xen.unwrap().domid, None);
}

#[test]
fn extraversion_is_shown_when_xen_has_one() {
    xenbios_sim::capture_log();
    let r = post(
        XenMachine::new(SimXenConfig {
            version: 0x0004_0011,
            extraversion: Some(".3-pre"),
            ..Default::default()
        }),
        None,
    );
    assert!(
        r.log
            .contains("[xen] Xen 4.17.3-pre (CPUID 0x40000000), hypercall page at 0x3fff000\n"),
        "{}",
        r.log
    );
}

#[test]
fn without_the_platform_device_there_are_no_pv_disks() {
    xenbios_sim::capture_log();
    let r = post(with_disks(), Some(None));
    assert!(r.xen.is_none());
    assert!(
        r.log
            .contains("[xen] warning: no platform device with a usable BAR1: no PV disks\n"),
        "{}",
        r.log
    );
    let m = with_disks();
    let mut small = platform_device(&m);
    small.mmio_size = 4096;
    let r = post(m, Some(Some(small)));
    assert!(r.xen.is_none());
    assert!(
        r.log.contains("no platform device with a usable BAR1"),
        "{}",
        r.log
    );
}

#[test]
fn failing_hypercalls_stop_xen_setup_with_a_reason() {
    xenbios_sim::capture_log();
    let cases: [(Hcall, &str); 4] = [
        (
            Hcall::XenVersion,
            "hypercall page at 0x3fff000: XENVER_version failed (-38)",
        ),
        (
            Hcall::AddToPhysmap {
                space: 0,
                idx: 0,
                gfn: 0,
            },
            "XENMEM_add_to_physmap into BAR1 failed (-38)",
        ),
        (Hcall::GetParam(0), "no usable xenstore (ring unusable)"),
        (Hcall::Send(0), "no usable xenstore (event channel: -38)"),
    ];
    for (call, why) in cases {
        let m = with_disks();
        // A dirty ring makes xenstore setup notify xenstored.
        if matches!(call, Hcall::Send(_)) {
            let (ring, _) = m.store_ring();
            let stale = xenbios_sim::xen::SimStore::message(2, 7, 0, b"x");
            m.xen
                .state()
                .store
                .inject_rsp(&mut m.mem.clone(), ring, &stale);
        }
        m.xen
            .state()
            .fail
            .push((call.clone(), XenErrno::ENOSYS, 100));
        let r = post(m, None);
        assert!(r.xen.is_none(), "{call:?}");
        assert!(r.log.contains(why), "{call:?}: {}", r.log);
    }
}

#[test]
fn no_room_for_the_hypercall_page_is_an_error() {
    xenbios_sim::capture_log();
    let mut m = XenMachine::new(SimXenConfig::default());
    let mut e820 = E820Map::new();
    e820.add(0, 0xa0000, Kind::Ram);
    let mut cpu = m.xen.clone();
    let platform = Some(platform_device(&m));
    xenbios_sim::take_log();
    assert!(xen::init(&mut m.ctx(), &mut e820, platform, &mut cpu).is_none());
    assert!(xenbios_sim::take_log().contains("[zone] ERROR: no room below 4 GiB"));
    assert!(m.xen.state().hypercall_page.is_none());
}

fn hvmloader_table(m: &mut XenMachine, fix_checksum: bool, tables_nr: u32) {
    let mut t = SeabiosInfo {
        signature: SEABIOS_INFO_SIGNATURE,
        length: size_of::<SeabiosInfo>() as u8,
        checksum: 0,
        tables: 0x9_f000,
        tables_nr,
        e820: 0x9_f100,
        e820_nr: 6,
    };
    let sum = t.as_bytes().iter().fold(0u8, |s, &b| s.wrapping_add(b));
    if fix_checksum {
        t.checksum = sum.wrapping_neg();
    }
    m.mem.write_obj(BIOS_INFO_PHYSICAL_ADDRESS, &t);
}

#[test]
fn a_valid_hvmloader_table_is_used_and_an_invalid_one_ignored() {
    xenbios_sim::capture_log();
    let mut m = XenMachine::new(SimXenConfig::default());
    hvmloader_table(&mut m, true, 3);
    let r = post(m, None);
    let info = r.xen.unwrap().hvm_info.expect("valid table");
    assert_eq!((info.tables, info.tables_nr), (0x9_f000, 3));
    assert_eq!((info.e820, info.e820_nr), (0x9_f100, 6));
    assert!(
        r.log.contains(
            "[xen] hvmloader table: 3 BIOS tables at 0x9f000, 6 e820 entries at 0x9f100\n"
        )
    );

    let mut m = XenMachine::new(SimXenConfig::default());
    hvmloader_table(&mut m, false, 3);
    let r = post(m, None);
    assert_eq!(r.xen.unwrap().hvm_info, None);
    assert!(
        r.log
            .contains("[xen] warning: hvmloader table: bad checksum\n")
    );

    let mut m = XenMachine::new(SimXenConfig::default());
    hvmloader_table(&mut m, true, 40);
    let r = post(m, None);
    assert_eq!(r.xen.unwrap().hvm_info, None);
    assert!(r.log.contains("more than hvmloader writes"));
}

#[test]
fn the_platform_device_comes_from_pci_post() {
    let mut p = SimPci::new();
    p.add(None, 0, 0, SimFunction::new(0x8086, 0x1237, 0x0600));
    p.add(
        None,
        3,
        0,
        SimFunction::new(0x5853, 0x0001, 0xff80)
            .bar(0, SimBar::Io(256))
            .bar(
                1,
                SimBar::Mem32 {
                    size: 16 * MIB,
                    prefetch: true,
                },
            )
            .pin(1),
    );
    let mut m = Machine::default();
    m.ports
        .attach(0xcf8, 0xcff, std::rc::Rc::new(std::cell::RefCell::new(p)));
    let mut e820 = E820Map::new();
    e820.add(0x10_0000, 0x800_0000, Kind::Ram);
    let mut devs = PciDevices::new();
    xenbios::platform::pci::setup(&mut m.ctx(), &e820, &mut devs);
    let d = PlatformDevice::find(&devs).expect("platform device");
    assert_eq!(d.bdf, pci::Bdf::new(0, 3, 0));
    assert_eq!(d.mmio_size, u64::from(16 * MIB));
    assert_ne!(d.mmio_base, 0);
    assert_eq!(d.mmio_base % (16 * MIB), 0);
    assert_eq!(PlatformDevice::find(&PciDevices::new()), None);
}

/// A CPU whose CPUID answers come from a table, for detection corner cases.
struct TableCpu(Vec<(u32, [u32; 4])>);

impl xenbios::hal::XenCpu for TableCpu {
    fn cpuid(&self, leaf: u32) -> [u32; 4] {
        self.0
            .iter()
            .find(|(l, _)| *l == leaf)
            .map_or([0; 4], |(_, v)| *v)
    }
    fn install_hypercall_page(
        &mut self,
        _msr: u32,
        _page: u32,
    ) -> Option<&'static dyn xenbios::hal::Hypervisor> {
        panic!("no hypercall page may be installed here");
    }
}

#[test]
fn detection_scans_every_base_and_needs_the_hypercall_leaf() {
    xenbios_sim::capture_log();
    use xen_headers::cpuid::{
        XEN_CPUID_SIGNATURE_EBX as B, XEN_CPUID_SIGNATURE_ECX as C, XEN_CPUID_SIGNATURE_EDX as D,
    };
    // At the last base the scan looks at.
    let last = TableCpu(vec![
        (0x4000_ff00, [0x4000_ff02, B, C, D]),
        (0x4000_ff01, [0x0004_0011, 0, 0, 0]),
        (0x4000_ff02, [1, 0x4000_0200, 0, 0]),
    ]);
    let d = xen::detect(&last).unwrap();
    assert_eq!(
        (d.base, d.version, d.hypercall_msr),
        (0x4000_ff00, 0x0004_0011, 0x4000_0200)
    );
    assert_eq!(d.domid, None);
    // Another hypervisor's signature first (Viridian-style), Xen after it.
    let two = TableCpu(vec![
        (
            0x4000_0000,
            [0x4000_0006, 0x7263_694d, 0x666f_736f, 0x7648_2074],
        ),
        (0x4000_0100, [0x4000_0104, B, C, D]),
        (
            0x4000_0104,
            [xen_headers::cpuid::XEN_HVM_CPUID_DOMID_PRESENT, 0, 7, 0],
        ),
    ]);
    let d = xen::detect(&two).unwrap();
    assert_eq!((d.base, d.domid), (0x4000_0100, Some(7)));
    // A signature without the hypercall leaf is not usable.
    let short = TableCpu(vec![(0x4000_0000, [0x4000_0001, B, C, D])]);
    assert_eq!(xen::detect(&short), None);
    assert!(xenbios_sim::take_log().contains("without the hypercall leaf"));
    // Beyond the last base: not looked at.
    let beyond = TableCpu(vec![(0x4001_0000, [0x4001_0002, B, C, D])]);
    assert_eq!(xen::detect(&beyond), None);
    // And through init: no Xen, nothing touched.
    let mut m = XenMachine::new(SimXenConfig::default());
    let mut e820 = m.e820();
    let platform = Some(platform_device(&m));
    xenbios_sim::take_log();
    assert!(xen::init(&mut m.ctx(), &mut e820, platform, &mut TableCpu(vec![])).is_none());
    assert_eq!(xenbios_sim::take_log(), "[xen] no Xen\n");
}
