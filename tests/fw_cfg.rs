//! The fw_cfg driver against a simulated QEMU fw_cfg.

use std::cell::RefCell;
use std::rc::Rc;
use xenbios::hw::fw_cfg::{FEATURE_DMA, FwCfg};
use xenbios::sim::{SimFwCfg, SimPorts};

fn machine(fw: SimFwCfg) -> (SimPorts, Rc<RefCell<SimFwCfg>>) {
    let mut ports = SimPorts::new();
    let fw = Rc::new(RefCell::new(fw));
    ports.attach(0x510, 0x511, fw.clone());
    (ports, fw)
}

#[test]
fn absent_device_is_none() {
    // Under Xen nothing answers at 0x510: the data port floats to 0xff.
    let ports = SimPorts::new();
    assert!(FwCfg::probe(&ports).is_none());
}

#[test]
fn files_are_found_by_name_and_read_whole_or_streamed() {
    let mut sim = SimFwCfg::new();
    sim.add_file("etc/boot-fail-wait", &[1, 2, 3, 4]);
    let big: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
    let key = sim.add_file("etc/acpi/tables", &big);
    sim.add_file("etc/e820", &[9; 40]);
    let (ports, _) = machine(sim);
    let fw = FwCfg::probe(&ports).expect("signature");
    assert_eq!(fw.features() & FEATURE_DMA, 0);
    assert_eq!(fw.file_count(), 3);

    let f = fw.find("etc/acpi/tables").unwrap();
    assert_eq!((f.select, f.size), (key, 1000));
    assert!(fw.find("etc/acpi").is_none(), "prefixes do not match");
    assert!(fw.find("etc/acpi/tables/x").is_none());
    assert!(fw.find(&"x".repeat(57)).is_none());

    let mut small = [0u8; 16];
    assert_eq!(fw.read_file("etc/boot-fail-wait", &mut small), Some(4));
    assert_eq!(&small[..4], &[1, 2, 3, 4]);
    assert_eq!(&small[4..], &[0; 12], "nothing beyond the file is copied");

    let mut r = fw.open("etc/acpi/tables").unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 300];
    loop {
        let n = r.read(&mut chunk);
        if n == 0 {
            break;
        }
        got.extend_from_slice(&chunk[..n]);
    }
    assert_eq!(got, big);
    assert_eq!(r.remaining(), 0);
    assert!(fw.read_file("missing", &mut small).is_none());
}
