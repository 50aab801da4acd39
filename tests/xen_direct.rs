//! Xen started the firmware directly (xl.cfg `firmware=`, no hvmloader): the HVM info table
//! the domain builder writes at 0x9F800 and the `hvm_start_info` EBX points at.

use xen_headers::hvm_info_table::{HVM_INFO_PADDR, HVM_INFO_SIGNATURE, HvmInfoTable};
use xen_headers::start_info::{HvmStartInfo, XEN_HVM_START_MAGIC_VALUE};
use xenbios::hal::mem::Memory;
use xenbios::xen::direct::{self, Invalid};
use xenbios_sim::Machine;
use zerocopy::{FromZeros, IntoBytes};

/// The table as libxl leaves it: `vcpus` vCPUs, `online` of them online.
fn table(vcpus: u32, online: u32) -> HvmInfoTable {
    let mut t = HvmInfoTable::new_zeroed();
    t.signature = HVM_INFO_SIGNATURE;
    t.length = size_of::<HvmInfoTable>() as u32;
    t.apic_mode = 1;
    t.nr_vcpus = vcpus;
    t.low_mem_pgend = 0x7800;
    t.reserved_mem_pgstart = 0xfeff0;
    for v in 0..online {
        t.vcpu_online[(v / 8) as usize] |= 1 << (v % 8);
    }
    let sum = t.as_bytes().iter().fold(0u8, |s, &b| s.wrapping_add(b));
    t.checksum = sum.wrapping_neg();
    t
}

fn machine_with(t: &HvmInfoTable) -> Machine {
    let mut m = Machine::default();
    m.mem.write(HVM_INFO_PADDR, t.as_bytes());
    m
}

#[test]
fn the_builders_table_gives_vcpus_and_special_pages() {
    let m = machine_with(&table(4, 3));
    let d = direct::domain(&m.mem).unwrap();
    assert_eq!(d.vcpus, 4);
    assert!(d.apic_mode);
    assert_eq!(d.special_pages, 0xfeff_0000);
    assert_eq!(
        (0..5).map(|v| d.online(v)).collect::<Vec<_>>(),
        [true, true, true, false, false]
    );
}

#[test]
fn xens_largest_hvm_guest_fits() {
    let m = machine_with(&table(128, 128));
    let d = direct::domain(&m.mem).unwrap();
    assert_eq!(d.vcpus, 128);
    assert!(d.online(127));
    assert!(!d.online(128));
}

#[test]
fn a_bad_table_is_refused_with_its_reason() {
    let m = Machine::default();
    assert_eq!(direct::domain(&m.mem), Err(Invalid::Absent));
    let mut t = table(2, 2);
    t.nr_vcpus = 3; // checksum no longer matches
    assert_eq!(
        direct::domain(&machine_with(&t).mem),
        Err(Invalid::BadChecksum)
    );
    let mut t = table(2, 2);
    t.length = 8;
    assert_eq!(
        direct::domain(&machine_with(&t).mem),
        Err(Invalid::TooShort(8))
    );
    // A length past the page would make the checksum read the next page.
    let mut t = table(2, 2);
    t.length = 0x900;
    assert_eq!(
        direct::domain(&machine_with(&t).mem),
        Err(Invalid::TooShort(0x900))
    );
    assert_eq!(
        direct::domain(&machine_with(&table(0, 0)).mem),
        Err(Invalid::NoVcpus)
    );
}

#[test]
fn more_vcpus_than_xen_allows_are_capped() {
    let mut t = table(1, 1);
    t.nr_vcpus = 4096;
    t.checksum = 0;
    let sum = t.as_bytes().iter().fold(0u8, |s, &b| s.wrapping_add(b));
    t.checksum = sum.wrapping_neg();
    assert_eq!(direct::domain(&machine_with(&t).mem).unwrap().vcpus, 128);
}

#[test]
fn the_start_info_is_recognised_by_its_magic() {
    let mut m = Machine::default();
    let at = 0x9_1000; // in the simulated machine's RAM
    assert!(!direct::log_start_info(&m.mem, at), "nothing there");
    let si = HvmStartInfo {
        magic: XEN_HVM_START_MAGIC_VALUE,
        version: 1,
        nr_modules: 1,
        modlist_paddr: 0x9_1040,
        ..Default::default()
    };
    m.mem.write(at, si.as_bytes());
    xenbios_sim::capture_log();
    assert!(direct::log_start_info(&m.mem, at));
    let log = xenbios_sim::take_log();
    assert!(
        log.contains("started by Xen's domain builder (no hvmloader)"),
        "{log}"
    );
}

#[test]
fn xen_gets_a_zeroed_vm86_tss_in_reserved_memory() {
    use xen_headers::hvm::HVM_PARAM_VM86_TSS_SIZED;
    use xenbios_sim::xen::{SimXenConfig, XenMachine};
    let mut m = XenMachine::new(SimXenConfig::default());
    let hv = m.hv();
    let mut e820 = m.e820();
    let top = m.xen.state().cfg.ram_top;
    m.mem.write(top - 0x2000, &[0xaa; 0x1000]);
    direct::set_vm86_tss(&mut m.mem, hv, &mut e820);
    let v = m.xen.state().params[&HVM_PARAM_VM86_TSS_SIZED];
    let (size, at) = ((v >> 32) as u32, v as u32);
    assert_eq!(size, 384);
    assert_eq!(at % 128, 0);
    assert!(e820.regions().iter().any(|r| r.start <= u64::from(at)
        && r.end >= u64::from(at + size)
        && r.kind == xenbios::e820::Kind::Reserved));
    let mut buf = [0xffu8; 384];
    m.mem.read(at, &mut buf);
    assert!(buf.iter().all(|&b| b == 0));
}
