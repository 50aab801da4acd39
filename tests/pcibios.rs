//! int1A AH=B1h, the PCI BIOS, as a caller sees it: registers and CF after each call on a
//! QEMU-like bus (i440FX, PIIX3 with its IDE function, the Xen platform device, two
//! identical NICs, one behind a PCI-PCI bridge) that PCI POST enumerated.

mod services_util;

use services_util::*;
use std::cell::RefCell;
use std::rc::Rc;
use xenbios::bios::Bios;
use xenbios::e820::{E820Map, Kind};
use xenbios::hal::regs::Regs;
use xenbios::tables::Layout;
use xenbios_sim::{Machine, SimBar, SimFunction, SimFwCfg, SimPci};

const PCI_SIGNATURE: u32 = 0x2049_4350; // "PCI "
const ENTRY32: u32 = 0xf_1234;
const SUCCESSFUL: u8 = 0x00;
const FUNC_NOT_SUPPORTED: u8 = 0x81;
const BAD_VENDOR_ID: u8 = 0x83;
const DEVICE_NOT_FOUND: u8 = 0x86;
const BAD_REGISTER_NUMBER: u8 = 0x87;

struct Bus {
    m: Machine,
    bios: Bios,
    pci: Rc<RefCell<SimPci>>,
    ide: usize,
    nic_behind_bridge: usize,
}

fn bus() -> Bus {
    let mut p = SimPci::new();
    p.add(None, 0, 0, SimFunction::new(0x8086, 0x1237, 0x0600));
    let isa = SimFunction::new(0x8086, 0x7000, 0x0601)
        .multi_function()
        .with(0x60, &[0x80; 4]);
    p.add(None, 1, 0, isa);
    let ide = SimFunction::new(0x8086, 0x7010, 0x0101)
        .with(0x09, &[0x80])
        .bar(4, SimBar::Io(16));
    let ide = p.add(None, 1, 1, ide);
    let xen = SimFunction::new(0x5853, 0x0001, 0x0880)
        .bar(0, SimBar::Io(256))
        .pin(1);
    p.add(None, 2, 0, xen);
    let bridge = p.add(None, 5, 0, SimFunction::bridge(0x1b36, 0x0001));
    let nic = || {
        SimFunction::new(0x8086, 0x100e, 0x0200).bar(
            0,
            SimBar::Mem32 {
                size: 0x2_0000,
                prefetch: false,
            },
        )
    };
    let nic_behind_bridge = p.add(Some(bridge), 0, 0, nic());
    // On bus 0 after the bridge: found after it in scan order, before it in bus order.
    p.add(None, 6, 0, nic());

    let mut m = machine();
    let pci = Rc::new(RefCell::new(p));
    m.ports.attach(0xcf8, 0xcff, pci.clone());
    m.ports
        .attach(0x510, 0x511, Rc::new(RefCell::new(SimFwCfg::new())));
    let mut bios = Bios::new();
    let mut e = E820Map::new();
    e.add(0x10_0000, 0x800_0000, Kind::Ram);
    xenbios::platform::pci::setup(&mut m.ctx(), &e, &mut bios.pci);
    bios.tables.layout = Some(Layout {
        fseg_pool: (0xf_6000, 0xf_6400),
        bios32_header: 0xf_5fe0,
        pnp_header: 0xf_5fb0,
        pcibios32_entry: ENTRY32,
        pci_last_bus: 0xf_1200,
    });
    Bus {
        m,
        bios,
        pci,
        ide,
        nic_behind_bridge,
    }
}

fn b1(b: &mut Bus, regs: Regs) -> Regs {
    call(&mut b.m, &mut b.bios, 0x1a, regs)
}

fn func(al: u8) -> Regs {
    ax(0xb100 | al as u16)
}

fn ok(r: &Regs) {
    assert_eq!((r.ah(), r.cf()), (SUCCESSFUL, false), "{r:x?}");
}

fn failed(r: &Regs, code: u8) {
    assert_eq!((r.ah(), r.cf()), (code, true), "{r:x?}");
}

fn find_device(b: &mut Bus, vendor: u16, device: u16, index: u16) -> Regs {
    b1(
        b,
        Regs {
            ecx: device.into(),
            edx: vendor.into(),
            esi: index.into(),
            ..func(0x02)
        },
    )
}

fn find_class(b: &mut Bus, class: u32, index: u16) -> Regs {
    b1(
        b,
        Regs {
            ecx: class,
            esi: index.into(),
            ..func(0x03)
        },
    )
}

/// BH bus, BL device << 3 | function.
fn bdf(bus: u8, dev: u8, func: u8) -> u16 {
    (bus as u16) << 8 | (dev as u16) << 3 | func as u16
}

#[test]
fn b101_reports_pci_210_mechanism_1_the_last_bus_and_the_32_bit_entry() {
    let mut b = bus();
    let r = b1(
        &mut b,
        Regs {
            edi: 0xdead_beef,
            ..func(0x01)
        },
    );
    ok(&r);
    assert_eq!(r.edx, PCI_SIGNATURE);
    assert_eq!(r.al(), 0x01, "configuration mechanism #1");
    assert_eq!(r.bx(), 0x0210);
    assert_eq!(r.cl(), 1, "bus 1 behind the bridge");
    assert_eq!(r.edi, ENTRY32);
}

#[test]
fn b102_finds_devices_by_id_in_bus_order() {
    let mut b = bus();
    let r = find_device(&mut b, 0x8086, 0x7010, 0);
    ok(&r);
    assert_eq!(r.bx(), bdf(0, 1, 1), "the IDE controller");
    let r = find_device(&mut b, 0x5853, 0x0001, 0);
    ok(&r);
    assert_eq!(r.bx(), bdf(0, 2, 0), "the Xen platform device");
    // Two NICs: bus 0's first, then bus 1's, whatever the scan order.
    let r = find_device(&mut b, 0x8086, 0x100e, 0);
    assert_eq!(r.bx(), bdf(0, 6, 0));
    let r = find_device(&mut b, 0x8086, 0x100e, 1);
    ok(&r);
    assert_eq!(r.bx(), bdf(1, 0, 0));
    failed(&find_device(&mut b, 0x8086, 0x100e, 2), DEVICE_NOT_FOUND);
    failed(&find_device(&mut b, 0x1234, 0x5678, 0), DEVICE_NOT_FOUND);
    failed(&find_device(&mut b, 0xffff, 0x100e, 0), BAD_VENDOR_ID);
}

#[test]
fn b103_finds_devices_by_class_code() {
    let mut b = bus();
    let r = find_class(&mut b, 0x01_01_80, 0);
    ok(&r);
    assert_eq!(r.bx(), bdf(0, 1, 1));
    let r = find_class(&mut b, 0x08_80_00, 0);
    assert_eq!(r.bx(), bdf(0, 2, 0));
    let r = find_class(&mut b, 0xff_02_00_00, 1);
    ok(&r);
    assert_eq!(
        r.bx(),
        bdf(1, 0, 0),
        "ECX bits 31:24 are not part of the code"
    );
    failed(&find_class(&mut b, 0x01_01_8a, 0), DEVICE_NOT_FOUND);
    failed(&find_class(&mut b, 0x02_00_00, 2), DEVICE_NOT_FOUND);
}

fn config(b: &mut Bus, al: u8, at: u16, reg: u16, ecx: u32) -> Regs {
    b1(
        b,
        Regs {
            ebx: at.into(),
            edi: reg.into(),
            ecx,
            ..func(al)
        },
    )
}

#[test]
fn b108_to_b10a_read_configuration_space() {
    let mut b = bus();
    let ide = bdf(0, 1, 1);
    let r = config(&mut b, 0x0a, ide, 0x00, 0);
    ok(&r);
    assert_eq!(r.ecx, 0x7010_8086);
    let r = config(&mut b, 0x0a, ide, 0x08, 0);
    assert_eq!(r.ecx >> 8, 0x01_01_80, "class code");
    // BAR4: the I/O range PCI POST gave the bus-master registers.
    let bar4 = b.pci.borrow().fns[b.ide].get32(0x20);
    let r = config(&mut b, 0x0a, ide, 0x20, 0);
    assert_eq!(r.ecx, bar4);
    assert_eq!(r.ecx & 1, 1, "an I/O BAR");
    assert_ne!(r.ecx & !3, 0, "assigned");
    let r = config(&mut b, 0x09, ide, 0x02, 0xffff_0000);
    ok(&r);
    assert_eq!(r.ecx, 0xffff_7010, "CX only");
    let r = config(&mut b, 0x08, ide, 0x0b, 0x1234_5600);
    ok(&r);
    assert_eq!(r.ecx, 0x1234_5601, "CL only: base class 01");
    // Behind the bridge, through the bus numbers POST programmed.
    let r = config(&mut b, 0x0a, bdf(1, 0, 0), 0, 0);
    assert_eq!(r.ecx, 0x100e_8086);
}

#[test]
fn b10b_to_b10d_write_configuration_space() {
    let mut b = bus();
    let nic = bdf(1, 0, 0);
    ok(&config(&mut b, 0x0b, nic, 0x3c, 0x0e));
    ok(&config(&mut b, 0x0c, nic, 0x0c, 0x4008));
    ok(&config(&mut b, 0x0d, nic, 0x40, 0xcafe_f00d));
    let f = b.pci.borrow().fns[b.nic_behind_bridge].clone();
    assert_eq!(f.get8(0x3c), 0x0e);
    assert_eq!(f.get16(0x0c), 0x4008);
    assert_eq!(f.get32(0x40), 0xcafe_f00d);
}

#[test]
fn bad_register_numbers_are_refused_before_any_access() {
    let mut b = bus();
    let ide = bdf(0, 1, 1);
    let writes_before = b.pci.borrow().writes.clone();
    for (al, reg) in [
        (0x09, 0x01),
        (0x0a, 0x02),
        (0x0c, 0x03),
        (0x0d, 0x3e),
        (0x08, 0x100),
        (0x0b, 0xffff),
    ] {
        let r = config(&mut b, al, ide, reg, 0x5555_5555);
        failed(&r, BAD_REGISTER_NUMBER);
        assert_eq!(r.ecx, 0x5555_5555);
    }
    assert_eq!(b.pci.borrow().writes, writes_before);
}

#[test]
fn other_functions_are_not_supported() {
    let mut b = bus();
    xenbios_sim::capture_log();
    for al in [0x00, 0x04, 0x06, 0x0e, 0x0f, 0x80, 0xff] {
        failed(&b1(&mut b, func(al)), FUNC_NOT_SUPPORTED);
    }
    assert!(xenbios_sim::take_log().contains("[pcibios]"));
}
