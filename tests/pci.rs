//! PCI POST against a simulated configuration space: what an OS finds afterwards.

use std::cell::RefCell;
use std::rc::Rc;
use xenbios::e820::{E820Map, Kind};
use xenbios::hw::pci::{Bdf, PciDevices};
use xenbios_sim::{Machine, SimBar, SimElcr, SimFunction, SimFwCfg, SimPci};

const M: u32 = 1 << 20;
const INTEL: u16 = 0x8086;

fn mem(size: u32) -> SimBar {
    SimBar::Mem32 {
        size,
        prefetch: false,
    }
}
fn pmem(size: u32) -> SimBar {
    SimBar::Mem32 {
        size,
        prefetch: true,
    }
}

struct Run {
    pci: Rc<RefCell<SimPci>>,
    elcr: Rc<RefCell<SimElcr>>,
    devs: PciDevices,
    log: String,
}

impl Run {
    fn f(&self, i: usize) -> SimFunction {
        self.pci.borrow().fns[i].clone()
    }
}

fn e820_with_low_ram(end: u64) -> E820Map {
    let mut e = E820Map::new();
    e.add(0, 0x9fc00, Kind::Ram);
    e.add(0x9fc00, 0xa0000, Kind::Reserved);
    e.add(0xe0000, 0x100000, Kind::Reserved);
    e.add(0x100000, end, Kind::Ram);
    e.add(0xfffe0000, 0x1_0000_0000, Kind::Reserved);
    e
}

/// Run PCI POST on `pci`, with QEMU's fw_cfg present or not, and low RAM up to `ram`.
fn run(pci: SimPci, qemu: bool, ram: u64, elcr: u16) -> Run {
    let mut m = Machine::default();
    let pci = Rc::new(RefCell::new(pci));
    let elcr = Rc::new(RefCell::new(SimElcr { value: elcr }));
    m.ports.attach(0xcf8, 0xcff, pci.clone());
    m.ports.attach(0x4d0, 0x4d1, elcr.clone());
    if qemu {
        m.ports
            .attach(0x510, 0x511, Rc::new(RefCell::new(SimFwCfg::new())));
    }
    let mut devs = PciDevices::new();
    xenbios_sim::capture_log();
    xenbios::platform::pci::setup(&mut m.ctx(), &e820_with_low_ram(ram), &mut devs);
    let log = xenbios_sim::take_log();
    Run {
        pci,
        elcr,
        devs,
        log,
    }
}

/// Address ranges a function decodes, as its registers say (what the OS will read).
fn decoded(f: &SimFunction) -> Vec<(bool, u64, u64)> {
    let cmd = f.get16(4);
    let mut v = Vec::new();
    let mut i = 0;
    while i < 6 {
        let reg = 0x10 + 4 * i;
        let (io, base, size) = match f.bars[i] {
            SimBar::Io(s) => (true, (f.get32(reg) & !3) as u64, s as u64),
            SimBar::Mem32 { size, .. } => (false, (f.get32(reg) & !0xf) as u64, size as u64),
            SimBar::Mem64 { size, .. } => {
                let b = (f.get32(reg) & !0xf) as u64 | (f.get32(reg + 4) as u64) << 32;
                (false, b, size)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        let enabled = if io { cmd & 1 != 0 } else { cmd & 2 != 0 };
        if enabled {
            v.push((io, base, base + size));
        }
        i += 1;
    }
    v
}

/// Bridge windows as its registers decode them: (io, mem, pref) as [start, end).
fn windows(f: &SimFunction) -> [(u64, u64); 3] {
    let io_b = ((f.get8(0x1c) & 0xf0) as u64) << 8;
    let io_l = (((f.get8(0x1d) & 0xf0) as u64) << 8) + 0x1000;
    let mem_b = ((f.get16(0x20) & 0xfff0) as u64) << 16;
    let mem_l = (((f.get16(0x22) & 0xfff0) as u64) << 16) + (1 << 20);
    let p_b = ((f.get16(0x24) & 0xfff0) as u64) << 16 | (f.get32(0x28) as u64) << 32;
    let p_l = (((f.get16(0x26) & 0xfff0) as u64) << 16 | (f.get32(0x2c) as u64) << 32) + (1 << 20);
    [(io_b, io_l), (mem_b, mem_l), (p_b, p_l)]
}

fn assert_disjoint(ranges: &[(bool, u64, u64)]) {
    for (i, a) in ranges.iter().enumerate() {
        for b in &ranges[i + 1..] {
            if a.0 == b.0 {
                assert!(a.2 <= b.1 || b.2 <= a.1, "overlap: {a:x?} {b:x?}");
            }
        }
    }
}

fn assert_aligned_in_windows(ranges: &[(bool, u64, u64)], mem_start: u64) {
    for &(io, b, e) in ranges {
        let size = e - b;
        assert_eq!(b % size, 0, "{b:#x}+{size:#x} not naturally aligned");
        if io {
            assert!(
                b >= 0xc000 && e <= 0x10000,
                "I/O {b:#x} outside 0xc000-0xffff"
            );
        } else {
            assert!(
                b >= mem_start && e <= 0xfec0_0000,
                "mem {b:#x} outside the window"
            );
        }
    }
}

/// QEMU -M pc as it comes out of reset, plus a Xen platform device and a virtio NIC.
fn qemu_pc() -> (SimPci, [usize; 8]) {
    let mut p = SimPci::new();
    let host = p.add(None, 0, 0, SimFunction::new(INTEL, 0x1237, 0x0600));
    let isa = p.add(
        None,
        1,
        0,
        SimFunction::new(INTEL, 0x7000, 0x0601)
            // QEMU's PIIX3 resets with I/O, memory and bus master on.
            .with(0x04, &[7, 0])
            .multi_function()
            .with(0x60, &[0x80; 4]),
    );
    let ide = p.add(
        None,
        1,
        1,
        SimFunction::new(INTEL, 0x7010, 0x0101).bar(4, SimBar::Io(16)),
    );
    let pm = p.add(None, 1, 3, SimFunction::new(INTEL, 0x7113, 0x0680).pin(1));
    let vga = p.add(
        None,
        2,
        0,
        SimFunction::new(0x1234, 0x1111, 0x0300)
            .bar(0, pmem(16 * M))
            .bar(2, mem(4096))
            .rom(64 * 1024),
    );
    let nic = p.add(
        None,
        3,
        0,
        SimFunction::new(INTEL, 0x100e, 0x0200)
            .bar(0, mem(128 * 1024))
            .bar(1, SimBar::Io(64))
            .rom(256 * 1024)
            .pin(1),
    );
    let xen = p.add(
        None,
        4,
        0,
        SimFunction::new(0x5853, 0x0001, 0xff80)
            .bar(0, SimBar::Io(256))
            .bar(1, pmem(16 * M))
            .pin(1),
    );
    let virtio = p.add(
        None,
        5,
        0,
        SimFunction::new(0x1af4, 0x1000, 0x0200)
            .bar(0, SimBar::Io(32))
            .bar(1, mem(4096))
            .bar(
                4,
                SimBar::Mem64 {
                    size: 16 * 1024,
                    prefetch: true,
                },
            )
            .pin(1),
    );
    (p, [host, isa, ide, pm, vga, nic, xen, virtio])
}

#[test]
fn qemu_pc_devices_get_aligned_disjoint_resources_and_decode_them() {
    let (p, [_, isa, ide, pm, vga, nic, xen, virtio]) = qemu_pc();
    let r = run(p, true, 1 << 30, 0);
    let mut all = Vec::new();
    for i in [ide, vga, nic, xen, virtio] {
        let f = r.f(i);
        assert_eq!(f.get16(4) & 7, 7, "{i}: I/O, memory, bus master on");
        let d = decoded(&f);
        let implemented = f
            .bars
            .iter()
            .filter(|b| !matches!(b, SimBar::None | SimBar::Upper))
            .count();
        assert_eq!(d.len(), implemented, "every BAR of {i} decodes");
        all.extend(d);
    }
    // ROMs get an address but stay disabled.
    for i in [vga, nic] {
        let rom = r.f(i).get32(0x30);
        assert_ne!(rom & !0x7ff, 0);
        assert_eq!(rom & 1, 0, "ROM left disabled");
        let size = r.f(i).rom_size as u64;
        let b = (rom & !0x7ff) as u64;
        all.push((false, b, b + size));
    }
    assert_aligned_in_windows(&all, 1 << 30);
    assert_disjoint(&all);
    assert_eq!(r.f(virtio).get32(0x24), 0, "64-bit BAR placed below 4 GiB");

    // Largest first: the Xen platform's 256 ports open the I/O window.
    assert_eq!(r.f(xen).get32(0x10), 0xc001);

    // Interrupts: PIRQA-D -> 10,10,11,11, level; lines from the PIIX slot rotation.
    assert_eq!(&r.f(isa).config[0x60..0x64], &[10, 10, 11, 11]);
    assert_eq!(r.elcr.borrow().value, 1 << 10 | 1 << 11);
    assert_eq!(r.f(nic).get8(0x3c), 11, "slot 3 INTA -> PIRQC");
    assert_eq!(r.f(xen).get8(0x3c), 11, "slot 4 INTA -> PIRQD");
    assert_eq!(r.f(virtio).get8(0x3c), 10, "slot 5 INTA -> PIRQA");

    // ACPI PM where QEMU's FADT says, SCI on 9; IDE legacy decode on.
    assert_eq!(r.f(pm).get32(0x40), 0x601);
    assert_eq!(r.f(pm).get8(0x80) & 1, 1);
    assert_eq!(r.f(pm).get8(0x3c), 9);
    assert_eq!(r.f(ide).get16(0x40) & 0x8000, 0x8000);
    assert_eq!(r.f(ide).get16(0x42) & 0x8000, 0x8000);

    // The list later users get.
    let x = r.devs.find(0x5853, 0x0001, 0).unwrap();
    assert_eq!(x.bdf, Bdf::new(0, 4, 0));
    assert_eq!((x.bars[0].base, x.bars[0].size()), (0xc000, 256));
    assert_eq!(x.bars[1].base, (r.f(xen).get32(0x14) & !0xf) as u64);
    assert_eq!(x.irq, 11);
    assert_eq!(
        r.devs.find_class(0x0101, 0, 0).unwrap().bdf,
        Bdf::new(0, 1, 1)
    );
    assert_eq!(r.devs.all().len(), 8);
    assert!(
        r.log
            .contains("[pci] 00:04.0 5853:0001 class ff80 bar0 io c000+256 bar1 mem pref "),
        "{}",
        r.log
    );
    assert!(r.log.contains(" irq 11\n"));
}

#[test]
fn without_fw_cfg_the_pm_function_is_not_touched() {
    let (p, [.., pm, _, _, _, _]) = qemu_pc();
    let before = p.fns[pm].config;
    let r = run(p, false, 1 << 30, 0);
    let after = r.f(pm).config;
    // Only the interrupt line (from the PIRQ routing) may differ.
    for off in (0..256).filter(|&o| o != 0x3c && o != 4 && o != 5) {
        assert_eq!(before[off], after[off], "PM register {off:#x} changed");
    }
}

#[test]
fn preassigned_devices_and_routing_are_left_exactly_as_found() {
    // What hvmloader leaves: routing programmed, ELCR set, devices configured.
    let mut p = SimPci::new();
    p.add(None, 0, 0, SimFunction::new(INTEL, 0x1237, 0x0600));
    let isa = p.add(
        None,
        1,
        0,
        SimFunction::new(INTEL, 0x7000, 0x0601)
            // QEMU's PIIX3 resets with I/O, memory and bus master on.
            .with(0x04, &[7, 0])
            .multi_function()
            .with(0x60, &[5, 10, 11, 5]),
    );
    let pm = p.add(
        None,
        1,
        3,
        // hvmloader: PM base 0x1f40, SCI line 9, decode off.
        SimFunction::new(INTEL, 0x7113, 0x0680)
            .pin(1)
            .with(0x3c, &[9])
            .with(0x40, &[0x41, 0x1f, 0, 0])
            .with(0x80, &[1]),
    );
    let xen = p.add(
        None,
        2,
        0,
        SimFunction::new(0x5853, 0x0001, 0xff80)
            .bar(0, SimBar::Io(256))
            .bar(1, pmem(16 * M))
            .pin(1)
            .with(0x04, &[3, 0])
            .with(0x10, &0xc001u32.to_le_bytes())
            .with(0x14, &0xf000_0008u32.to_le_bytes())
            .with(0x3c, &[5]),
    );
    // Only a BAR address says this one is configured.
    let vga = p.add(
        None,
        3,
        0,
        SimFunction::new(0x1234, 0x1111, 0x0300)
            .bar(0, pmem(16 * M))
            .with(0x10, &0xf100_0008u32.to_le_bytes()),
    );
    let nic = p.add(
        None,
        4,
        0,
        SimFunction::new(INTEL, 0x100e, 0x0200)
            .bar(0, mem(128 * 1024))
            .bar(1, SimBar::Io(64))
            .pin(1),
    );
    let snapshot: Vec<[u8; 256]> = p.fns.iter().map(|f| f.config).collect();
    let r = run(p, true, 0xe000_0000, 1 << 5 | 1 << 10 | 1 << 11);

    for i in [isa, pm, xen, vga] {
        assert_eq!(r.f(i).config, snapshot[i], "function {i} changed");
    }
    assert_eq!(r.elcr.borrow().value, 1 << 5 | 1 << 10 | 1 << 11);
    // The new device avoids what the others use and gets its IRQ from the routing as
    // found: slot 4 INTA -> PIRQD -> IRQ 5.
    let f = r.f(nic);
    let d = decoded(&f);
    assert_eq!(d.len(), 2);
    for (io, b, e) in d {
        if io {
            assert!(b >= 0xc100 && e <= 0x10000);
        } else {
            assert!(b >= 0xf200_0000 && e <= 0xfec0_0000);
        }
    }
    assert_eq!(f.get8(0x3c), 5);
    let x = r.devs.find(0x5853, 1, 0).unwrap();
    assert!(x.preassigned);
    assert_eq!((x.bars[1].base, x.bars[1].size()), (0xf000_0000, 16 << 20));
    assert_eq!(x.irq, 5);
    assert!(
        r.log
            .contains("PIRQ routing already programmed: left as found")
    );
    assert!(r.log.contains("PIIX4 PM already enabled: left as found"));
    assert!(
        r.log
            .contains("00:02.0 5853:0001 class ff80 bar0 io c000+256 bar1 mem pref f0000000+16M irq 5 (pre-assigned, left as found)"),
        "{}",
        r.log
    );
}

#[test]
fn bridges_get_bus_numbers_windows_and_swizzled_irqs() {
    let mut p = SimPci::new();
    p.add(None, 0, 0, SimFunction::new(INTEL, 0x1237, 0x0600));
    p.add(
        None,
        1,
        0,
        SimFunction::new(INTEL, 0x7000, 0x0601).with(0x60, &[0x80; 4]),
    );
    let br = p.add(
        None,
        5,
        0,
        SimFunction::bridge(0x1b36, 0x0001).bar(0, mem(256)).pin(1),
    );
    let nic = p.add(
        Some(br),
        1,
        0,
        SimFunction::new(INTEL, 0x100e, 0x0200)
            .bar(0, mem(128 * 1024))
            .bar(1, SimBar::Io(64))
            .pin(1),
    );
    let br2 = p.add(Some(br), 2, 0, SimFunction::bridge(0x1b36, 0x0001));
    let virtio = p.add(
        Some(br2),
        0,
        0,
        SimFunction::new(0x1af4, 0x1000, 0x0200)
            .bar(0, SimBar::Io(32))
            .bar(
                4,
                SimBar::Mem64 {
                    size: 16 * 1024,
                    prefetch: true,
                },
            )
            .pin(1),
    );
    let after = p.add(
        None,
        6,
        0,
        SimFunction::new(0x1af4, 0x1001, 0x0100)
            .bar(0, SimBar::Io(64))
            .bar(1, mem(4096))
            .pin(1),
    );
    let r = run(p, true, 1 << 30, 0);

    let b = r.f(br);
    assert_eq!((b.get8(0x18), b.get8(0x19), b.get8(0x1a)), (0, 1, 2));
    let b2 = r.f(br2);
    assert_eq!((b2.get8(0x18), b2.get8(0x19), b2.get8(0x1a)), (1, 2, 2));
    assert_eq!(r.devs.last_bus, 2);
    assert_eq!(r.devs.get(Bdf::new(1, 1, 0)).unwrap().vendor, INTEL);
    assert_eq!(r.devs.get(Bdf::new(2, 0, 0)).unwrap().vendor, 0x1af4);
    for i in [br, br2, nic, virtio, after] {
        assert_eq!(r.f(i).get16(4) & 7, 7);
    }

    // Everything behind a bridge lies inside its windows, windows nest, and nothing on
    // a bus overlaps anything else on it.
    let w = windows(&b);
    let w2 = windows(&b2);
    let inside = |(io, s, e): (bool, u64, u64), w: &[(u64, u64); 3], pref: bool| {
        let (ws, we) = if io {
            w[0]
        } else if pref {
            w[2]
        } else {
            w[1]
        };
        s >= ws && e <= we
    };
    assert_eq!(w[0].0 % 0x1000, 0);
    assert_eq!(w[1].0 % (1 << 20), 0);
    for range in decoded(&r.f(nic)) {
        assert!(inside(range, &w, false), "{range:x?} outside {w:x?}");
    }
    let vr = decoded(&r.f(virtio));
    assert_eq!(vr.len(), 2);
    for range in vr {
        assert!(inside(range, &w2, true), "{range:x?} outside {w2:x?}");
    }
    assert!(w2[0].0 >= w[0].0 && w2[0].1 <= w[0].1);
    assert!(w2[2].0 >= w[2].0 && w2[2].1 <= w[2].1);
    let mut bus0 = decoded(&r.f(after));
    bus0.extend(decoded(&b));
    bus0.extend([
        (true, w[0].0, w[0].1),
        (false, w[1].0, w[1].1),
        (false, w[2].0, w[2].1),
    ]);
    assert_disjoint(&bus0);
    assert_aligned_in_windows(&decoded(&r.f(after)), 1 << 30);
    // The inner bridge has no memory below it: that window stays closed.
    assert!(w2[1].0 >= w2[1].1, "closed window has base above limit");

    // INTA at 01:01.0 becomes INTB at slot 5: PIRQ (1 + 5 - 1) % 4 = B -> 10.
    assert_eq!(r.f(nic).get8(0x3c), 10);
    // INTA at 02:00.0 -> INTC at 01:02.0's slot... -> (2 + 5 - 1) % 4 = C -> 11.
    assert_eq!(r.f(virtio).get8(0x3c), 11);
    assert!(r.log.contains("00:05.0 1b36:0001 class 0604 bar0 mem "));
    assert!(r.log.contains(" bus 01-02 io "), "{}", r.log);
}

#[test]
fn a_bridge_without_a_prefetchable_window_takes_prefetchable_bars_in_its_memory_window() {
    let mut p = SimPci::new();
    p.add(None, 0, 0, SimFunction::new(INTEL, 0x1237, 0x0600));
    let br = p.add(
        None,
        3,
        0,
        SimFunction::bridge(0x1b36, 0x0001).without_pref_window(),
    );
    let vga = p.add(
        Some(br),
        0,
        0,
        SimFunction::new(0x1234, 0x1111, 0x0300).bar(0, pmem(16 * M)),
    );
    // A 2 MiB BAR on bus 0: a window aligned only to its 1 MiB granule would follow it
    // at a 2 MiB boundary and misalign the 16 MiB BAR inside.
    let other = p.add(
        None,
        4,
        0,
        SimFunction::new(INTEL, 0x100e, 0x0200).bar(0, mem(2 * M)),
    );
    let r = run(p, true, 1 << 30, 0);
    let w = windows(&r.f(br));
    let d = decoded(&r.f(vga));
    assert_eq!(d.len(), 1);
    assert!(d[0].1 >= w[1].0 && d[0].2 <= w[1].1);
    assert_eq!(w[1].1 - w[1].0, 16 << 20);
    let mut all = d.clone();
    all.extend(decoded(&r.f(other)));
    all.push((false, w[1].0, w[1].1));
    assert_aligned_in_windows(&all, 1 << 30);
    assert_disjoint(&all[1..]);
}

#[test]
fn io_behind_a_bridge_without_an_io_window_stays_off() {
    let mut p = SimPci::new();
    p.add(None, 0, 0, SimFunction::new(INTEL, 0x1237, 0x0600));
    let br = p.add(
        None,
        3,
        0,
        SimFunction::bridge(0x1b36, 0x0001).without_io_window(),
    );
    let nic = p.add(
        Some(br),
        0,
        0,
        SimFunction::new(INTEL, 0x100e, 0x0200)
            .bar(0, mem(128 * 1024))
            .bar(1, SimBar::Io(64)),
    );
    let r = run(p, true, 1 << 30, 0);
    let f = r.f(nic);
    assert_eq!(f.get16(4) & 3, 2, "memory decode on, I/O off");
    assert_eq!(decoded(&f).len(), 1);
    assert!(
        r.log
            .contains("00:03.0: no Io window for the 0x40 bytes behind it"),
        "{}",
        r.log
    );
    assert!(r.log.contains("bar1 io unassigned+64"));
}

#[test]
fn q35_routes_pirq_a_to_h_and_enables_acpi_on_the_lpc() {
    let mut p = SimPci::new();
    p.add(None, 0, 0, SimFunction::new(INTEL, 0x29c0, 0x0600));
    let vga = p.add(
        None,
        1,
        0,
        SimFunction::new(0x1234, 0x1111, 0x0300).bar(0, pmem(16 * M)),
    );
    let nic = p.add(
        None,
        2,
        0,
        SimFunction::new(INTEL, 0x10d3, 0x0200)
            .bar(0, mem(128 * 1024))
            .pin(1),
    );
    let lpc = p.add(
        None,
        0x1f,
        0,
        SimFunction::new(INTEL, 0x2918, 0x0601)
            .multi_function()
            .with(0x60, &[0x80; 4])
            .with(0x68, &[0x80; 4]),
    );
    let sata = p.add(
        None,
        0x1f,
        2,
        SimFunction::new(INTEL, 0x2922, 0x0106)
            .bar(4, SimBar::Io(32))
            .bar(5, mem(4096))
            .pin(1),
    );
    let r = run(p, true, 0x8000_0000, 0);
    let l = r.f(lpc);
    assert_eq!(&l.config[0x60..0x64], &[10, 10, 11, 11]);
    assert_eq!(&l.config[0x68..0x6c], &[10, 10, 11, 11]);
    assert_eq!(r.elcr.borrow().value, 1 << 10 | 1 << 11);
    // Slot 2 INTA -> PIRQ E + (2 % 4) = G -> 11; slot 31 INTA -> PIRQA -> 10.
    assert_eq!(r.f(nic).get8(0x3c), 11);
    assert_eq!(r.f(sata).get8(0x3c), 10);
    assert_eq!(l.get32(0x40), 0x601);
    assert_eq!(l.get8(0x44), 0x80);
    let mut all = decoded(&r.f(vga));
    all.extend(decoded(&r.f(nic)));
    all.extend(decoded(&r.f(sata)));
    assert_eq!(all.len(), 4);
    assert_aligned_in_windows(&all, 0x8000_0000);
    assert_disjoint(&all);
}

#[test]
fn a_bar_that_does_not_fit_stays_unassigned_and_undecoded() {
    let mut p = SimPci::new();
    p.add(None, 0, 0, SimFunction::new(INTEL, 0x1237, 0x0600));
    let big = p.add(
        None,
        2,
        0,
        SimFunction::new(0x10de, 0x1234, 0x0300)
            .bar(0, mem(512 * M))
            .bar(1, SimBar::Io(128)),
    );
    let nic = p.add(
        None,
        3,
        0,
        SimFunction::new(INTEL, 0x100e, 0x0200).bar(0, mem(128 * 1024)),
    );
    // Low RAM up to 3.75 GiB leaves 236 MiB below the IOAPIC.
    let r = run(p, false, 0xf000_0000, 0);
    let f = r.f(big);
    assert_eq!(f.get32(0x10) & !0xf, 0);
    assert_eq!(f.get16(4) & 2, 0, "memory decode stays off");
    assert_eq!(f.get16(4) & 1, 1, "its I/O BAR still works");
    assert_eq!(decoded(&r.f(nic)).len(), 1);
    assert!(
        r.log.contains("00:02.0 bar0: no room for 0x20000000 bytes"),
        "{}",
        r.log
    );
    assert!(r.log.contains("bar0 mem unassigned+512M"));
}

#[test]
fn no_host_bridge_means_no_pci() {
    let r = run(SimPci::new(), false, 1 << 30, 0);
    assert!(r.devs.all().is_empty());
    assert!(r.log.contains("no host bridge"));
}

// ---- PAM: the legacy ROM area as RAM -------------------------------------------------

mod pam {
    use super::*;
    use xenbios::hw::pam::make_ram;
    use xenbios_sim::SimPorts;

    fn host(device: u16) -> (SimPorts, Rc<RefCell<SimPci>>) {
        let mut pci = SimPci::new();
        pci.add(None, 0, 0, SimFunction::new(0x8086, device, 0x0600));
        let pci = Rc::new(RefCell::new(pci));
        let mut ports = SimPorts::new();
        ports.attach(0xcf8, 0xcff, pci.clone());
        (ports, pci)
    }

    #[test]
    fn i440fx_and_q35_open_pam1_to_pam4() {
        for (device, pam1) in [(0x1237, 0x5a), (0x29c0, 0x91)] {
            let (ports, pci) = host(device);
            assert!(make_ram(&ports, 0xc0000, 0xe0000));
            let f = &pci.borrow().fns[0];
            for reg in pam1..pam1 + 4 {
                assert_eq!(f.get8(reg), 0x33, "device {device:#x} reg {reg:#x}");
            }
            assert_eq!(f.get8(pam1 - 1), 0, "PAM0 is the trampoline's");
            assert_eq!(f.get8(pam1 + 4), 0, "PAM5 is the trampoline's");
        }
    }

    #[test]
    fn unknown_host_bridge_is_left_alone() {
        let (ports, pci) = host(0x1234);
        assert!(!make_ram(&ports, 0xc0000, 0xe0000));
        assert_eq!(pci.borrow().writes[0], 0);
    }
}

/// `$PIR` (PCI IRQ Routing Table Specification 1.0) as an OS without ACPI reads it.
mod pir {
    use super::*;
    use xenbios::hal::mem::Memory;
    use xenbios::zone::Pool;

    const FSEG: (u32, u32) = (0xf_6000, 0xf_6400);

    /// POST's PCI step on `pci`, then the table; the machine (memory, ports) and it.
    fn built(pci: SimPci, pool: (u32, u32)) -> (Machine, Option<u32>, PciDevices, String) {
        let mut m = Machine::default();
        let pci = Rc::new(RefCell::new(pci));
        m.ports.attach(0xcf8, 0xcff, pci.clone());
        m.ports
            .attach(0x4d0, 0x4d1, Rc::new(RefCell::new(SimElcr { value: 0 })));
        let mut devs = PciDevices::new();
        xenbios_sim::capture_log();
        xenbios::platform::pci::setup(&mut m.ctx(), &e820_with_low_ram(256 * M as u64), &mut devs);
        let mut fseg = Pool::new(pool.0, pool.1);
        let at = xenbios::tables::pir::build(&m.ports, &mut m.mem, &mut fseg, &devs);
        (m, at, devs, xenbios_sim::take_log())
    }

    /// The first `$PIR` on a 16-byte boundary in 0xF0000-0xFFFFF whose bytes sum to 0.
    fn scan(mem: &dyn Memory) -> Option<u32> {
        (0xf_0000..0x10_0000).step_by(16).find(|&a| {
            let mut sig = [0u8; 4];
            mem.read(a, &mut sig);
            let size = u32::from(mem.read_u16(a + 6));
            &sig == b"$PIR"
                && size >= 32
                && (0..size).fold(0u8, |s, i| s.wrapping_add(mem.read_u8(a + i))) == 0
        })
    }

    #[test]
    fn every_wired_slot_routes_its_pins_to_the_irq_post_gave_them() {
        let (m, at, devs, log) = built(qemu_pc().0, FSEG);
        let at = at.expect("a table");
        assert_eq!(scan(&m.mem), Some(at));
        let mem = &m.mem;
        assert_eq!(mem.read_u16(at + 4), 0x0100, "version 1.0");
        let size = u32::from(mem.read_u16(at + 6));
        assert_eq!((size - 32) % 16, 0);
        assert_eq!(
            (mem.read_u8(at + 8), mem.read_u8(at + 9)),
            (0, 1 << 3),
            "router 00:01.0"
        );
        assert_eq!(
            mem.read_u32(at + 12),
            0x7000_8086,
            "compatible router PIIX3"
        );
        assert_eq!(
            mem.read_u16(at + 10),
            1 << 10 | 1 << 11,
            "PCI IRQs 10 and 11"
        );
        // Slots with an interrupt pin: the PIIX (its PM function), the NIC, Xen's
        // platform device and virtio; not the host bridge or the VGA (no pin).
        let slots: Vec<u8> = (0..(size - 32) / 16)
            .map(|i| mem.read_u8(at + 32 + 16 * i + 1) >> 3)
            .collect();
        assert_eq!(slots, [1, 3, 4, 5]);
        // What an OS does with the table: for each device's pin, the link's PIRQ register
        // on the router says the IRQ, which must be the one POST wrote to the device.
        for (i, &slot) in slots.iter().enumerate() {
            let e = at + 32 + 16 * i as u32;
            assert_eq!(mem.read_u8(e + 14), slot, "slot number");
            for d in devs
                .all()
                .iter()
                .filter(|d| d.bdf.dev() == slot && d.irq_pin != 0)
            {
                let link = mem.read_u8(e + 2 + 3 * u32::from(d.irq_pin - 1));
                assert!((0x60..=0x63).contains(&link), "{link:#x}");
                let bitmap = mem.read_u16(e + 3 + 3 * u32::from(d.irq_pin - 1));
                assert_eq!(bitmap, 1 << 10 | 1 << 11);
                let routed = [10, 10, 11, 11][usize::from(link - 0x60)];
                assert_eq!(routed, d.irq, "{} pin {}", d.bdf, d.irq_pin);
            }
        }
        assert!(log.contains("$PIR at"), "{log}");
    }

    #[test]
    fn q35_no_router_or_no_room_gives_no_table() {
        let mut q35 = SimPci::new();
        q35.add(None, 0, 0, SimFunction::new(INTEL, 0x29c0, 0x0600));
        q35.add(None, 31, 0, SimFunction::new(INTEL, 0x2918, 0x0601));
        let (m, at, _, _) = built(q35, FSEG);
        assert_eq!(at, None);
        assert_eq!(scan(&m.mem), None);

        let mut no_piix = SimPci::new();
        no_piix.add(None, 0, 0, SimFunction::new(INTEL, 0x1237, 0x0600));
        let (_, at, _, log) = built(no_piix, FSEG);
        assert_eq!(at, None);
        assert!(log.contains("no PIIX ISA bridge"), "{log}");

        let (m, at, _, log) = built(qemu_pc().0, (0xf_6000, 0xf_6040));
        assert_eq!(at, None);
        assert_eq!(scan(&m.mem), None);
        assert!(log.contains("FSEG area full"), "{log}");
    }
}

/// Xen's device model (real Xen, qemu-xen: Xen's CPUID, no fw_cfg) hands INTx to Xen,
/// which takes link (dev + pin) mod 4, one further than QEMU's PIIX: the interrupt lines
/// POST writes follow Xen's wiring there, QEMU's under QEMU (with or without Xen emulation).
#[test]
fn interrupt_lines_follow_xens_wiring_under_its_device_model() {
    use xen_headers::cpuid::{
        XEN_CPUID_FIRST_LEAF, XEN_CPUID_SIGNATURE_EBX, XEN_CPUID_SIGNATURE_ECX,
        XEN_CPUID_SIGNATURE_EDX,
    };
    let lines = |xen: bool, qemu: bool| {
        let (pci, _) = qemu_pc();
        let mut m = Machine::default();
        if xen {
            m.cpu.cpuid.push((
                (XEN_CPUID_FIRST_LEAF, 0),
                [
                    XEN_CPUID_FIRST_LEAF + 5,
                    XEN_CPUID_SIGNATURE_EBX,
                    XEN_CPUID_SIGNATURE_ECX,
                    XEN_CPUID_SIGNATURE_EDX,
                ],
            ));
        }
        m.ports.attach(0xcf8, 0xcff, Rc::new(RefCell::new(pci)));
        m.ports
            .attach(0x4d0, 0x4d1, Rc::new(RefCell::new(SimElcr { value: 0 })));
        if qemu {
            m.ports
                .attach(0x510, 0x511, Rc::new(RefCell::new(SimFwCfg::new())));
        }
        let mut devs = PciDevices::new();
        xenbios::platform::pci::setup(&mut m.ctx(), &e820_with_low_ram(1 << 30), &mut devs);
        // Slots 3, 4, 5 have INTA#; PIRQA-D -> IRQ 10 10 11 11.
        [3u8, 4, 5].map(|slot| devs.all().iter().find(|d| d.bdf.dev() == slot).unwrap().irq)
    };
    // QEMU: link (slot + pin - 1) mod 4: C, D, A.
    assert_eq!(lines(false, true), [11, 11, 10]);
    assert_eq!(lines(true, true), [11, 11, 10], "QEMU's Xen emulation");
    // Xen: link (slot + pin) mod 4: D, A, B.
    assert_eq!(lines(true, false), [11, 10, 10]);
}
