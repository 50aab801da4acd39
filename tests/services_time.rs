//! int1A and the RTC at POST, against a simulated MC146818 in every format it has.

mod services_util;

use services_util::*;
use xenbios::bda;
use xenbios::bios::Bios;
use xenbios::hal::clock::Clock;
use xenbios::hal::mem::{FarPtr, Memory};
use xenbios::hal::regs::Regs;

const B_24H_BCD: u8 = 0x02;
const B_24H_BINARY: u8 = 0x06;
const B_12H_BCD: u8 = 0x00;
const B_12H_BINARY: u8 = 0x04;

fn time_call(b: u8, hours: u8, minutes: u8, seconds: u8) -> Regs {
    let mut m = machine();
    let rtc = rtc(&mut m);
    rtc.borrow_mut().cmos[0x0b] = b;
    rtc.borrow_mut().set_time(hours, minutes, seconds);
    call(&mut m, &mut Bios::new(), 0x1a, ax(0x0200))
}

fn assert_time(r: Regs, ch: u8, cl: u8, dh: u8) {
    assert!(!r.cf());
    assert_eq!((r.ch(), r.cl(), r.dh(), r.dl(), r.ah()), (ch, cl, dh, 0, 0));
}

#[test]
fn read_time_in_every_rtc_format() {
    assert_time(time_call(B_24H_BCD, 0x13, 0x45, 0x30), 0x13, 0x45, 0x30);
    assert_time(time_call(B_24H_BINARY, 13, 45, 30), 0x13, 0x45, 0x30);
    // 12-hour: bit 7 is PM; 12 AM is midnight, 12 PM noon.
    assert_time(time_call(B_12H_BCD, 0x81, 0x02, 0x03), 0x13, 0x02, 0x03);
    assert_time(time_call(B_12H_BCD, 0x12, 0x00, 0x00), 0x00, 0x00, 0x00);
    assert_time(time_call(B_12H_BCD, 0x92, 0x59, 0x59), 0x12, 0x59, 0x59);
    assert_time(time_call(B_12H_BINARY, 0x80 | 11, 7, 8), 0x23, 0x07, 0x08);
    assert_time(time_call(B_12H_BINARY, 11, 7, 8), 0x11, 0x07, 0x08);
}

#[test]
fn read_time_reports_daylight_saving() {
    let r = time_call(B_24H_BCD | 0x01, 0x08, 0x00, 0x00);
    assert_eq!((r.ch(), r.dl()), (0x08, 1));
}

#[test]
fn read_time_rejects_garbage() {
    assert!(time_call(B_24H_BCD, 0x24, 0x00, 0x00).cf());
    assert!(time_call(B_24H_BCD, 0x1a, 0x00, 0x00).cf());
    assert!(time_call(B_12H_BCD, 0x00, 0x00, 0x00).cf());
    assert!(time_call(B_24H_BINARY, 12, 60, 0).cf());
}

#[test]
fn read_time_waits_out_an_update_but_not_forever() {
    let mut m = machine();
    let rtc = rtc(&mut m);
    rtc.borrow_mut().set_time(0x10, 0x20, 0x30);
    rtc.borrow_mut().uip_reads = 5;
    let r = call(&mut m, &mut Bios::new(), 0x1a, ax(0x0200));
    assert_time(r, 0x10, 0x20, 0x30);
    rtc.borrow_mut().uip_reads = u32::MAX;
    let t0 = m.clock.micros();
    let r = call(&mut m, &mut Bios::new(), 0x1a, ax(0x0200));
    assert!(r.cf());
    assert!(m.clock.micros() - t0 < 100_000);
}

#[test]
fn without_an_rtc_time_and_date_fail() {
    let mut m = machine();
    let r = call(&mut m, &mut Bios::new(), 0x1a, ax(0x0200));
    assert!(r.cf());
    let r = call(&mut m, &mut Bios::new(), 0x1a, ax(0x0400));
    assert!(r.cf());
}

#[test]
fn read_date_bcd_and_binary() {
    for (b, vals) in [
        (B_24H_BCD, [0x20, 0x26, 0x11, 0x22]),
        (B_24H_BINARY, [20, 26, 11, 22]),
    ] {
        let mut m = machine();
        let rtc = rtc(&mut m);
        rtc.borrow_mut().cmos[0x0b] = b;
        let [c, y, mo, d] = vals;
        rtc.borrow_mut().set_date(c, y, mo, d);
        let r = call(&mut m, &mut Bios::new(), 0x1a, ax(0x0400));
        assert!(!r.cf());
        assert_eq!((r.cx(), r.dx()), (0x2026, 0x1122), "status B {b:#x}");
    }
}

#[test]
fn set_time_writes_the_rtc_format_with_updates_held() {
    let mut m = machine();
    let rtc = rtc(&mut m);
    rtc.borrow_mut().cmos[0x0b] = B_12H_BINARY;
    let regs = Regs {
        ecx: 0x2359,
        edx: 0x0501,
        ..ax(0x0300)
    };
    let r = call(&mut m, &mut Bios::new(), 0x1a, regs);
    assert!(!r.cf());
    let rt = rtc.borrow();
    assert_eq!((rt.cmos[4], rt.cmos[2], rt.cmos[0]), (0x80 | 11, 59, 5));
    assert_eq!(rt.cmos[0x0b], B_12H_BINARY | 0x01, "DST from DL");
    assert_eq!(rt.writes.first(), Some(&(0x0b, B_12H_BINARY | 0x80)));
    drop(rt);
    // Read back as BCD, 24 hours.
    let r = call(&mut m, &mut Bios::new(), 0x1a, ax(0x0200));
    assert_eq!((r.ch(), r.cl(), r.dh(), r.dl()), (0x23, 0x59, 0x05, 1));
    // Not BCD: refused, nothing written.
    let before = rtc.borrow().writes.len();
    let r = call(
        &mut m,
        &mut Bios::new(),
        0x1a,
        Regs {
            ecx: 0x1a00,
            ..ax(0x0300)
        },
    );
    assert!(r.cf());
    assert_eq!(rtc.borrow().writes.len(), before);
}

#[test]
fn set_date() {
    let mut m = machine();
    let rtc = rtc(&mut m);
    let regs = Regs {
        ecx: 0x2026,
        edx: 0x0229,
        ..ax(0x0500)
    };
    let r = call(&mut m, &mut Bios::new(), 0x1a, regs);
    assert!(!r.cf());
    let rt = rtc.borrow();
    assert_eq!(
        (rt.cmos[0x32], rt.cmos[9], rt.cmos[8], rt.cmos[7]),
        (0x20, 0x26, 0x02, 0x29)
    );
    assert_eq!(rt.cmos[0x0b], B_24H_BCD);
    drop(rt);
    let r = call(
        &mut m,
        &mut Bios::new(),
        0x1a,
        Regs {
            ecx: 0x2026,
            edx: 0x1301,
            ..ax(0x0500)
        },
    );
    assert!(r.cf(), "month 13");
}

#[test]
fn alarm_set_and_reset() {
    let mut m = machine();
    let rtc = rtc(&mut m);
    let mut bios = Bios::new();
    let regs = Regs {
        ecx: 0x0630,
        edx: 0x1500,
        ..ax(0x0600)
    };
    let r = call(&mut m, &mut bios, 0x1a, regs);
    assert!(!r.cf());
    {
        let rt = rtc.borrow();
        assert_eq!((rt.cmos[5], rt.cmos[3], rt.cmos[1]), (0x06, 0x30, 0x15));
        assert_eq!(rt.cmos[0x0b], B_24H_BCD | 0x20);
    }
    // IRQ8 and the cascade unmasked (the mask ports float high here).
    let writes = m.ports.stray_writes.borrow().clone();
    assert!(writes.contains(&(0xa1, 0xfe)) && writes.contains(&(0x21, 0xfb)));
    let r = call(&mut m, &mut bios, 0x1a, regs);
    assert!(r.cf(), "an alarm is already set");
    let r = call(&mut m, &mut bios, 0x1a, ax(0x0700));
    assert!(!r.cf());
    assert_eq!(rtc.borrow().cmos[0x0b], B_24H_BCD);
}

#[test]
fn int70_acknowledges_and_delivers_the_alarm() {
    let mut m = machine();
    let rtc = rtc(&mut m);
    let mut bios = Bios::new();
    rtc.borrow_mut().cmos[0x0b] = B_24H_BCD | 0x20;
    rtc.borrow_mut().cmos[0x0c] = 0xa0;
    call(&mut m, &mut bios, 0x70, Regs::default());
    assert_eq!(rtc.borrow().cmos[0x0c], 0, "status C read");
    assert!(m.cpu.calls.is_empty(), "int4A not hooked");
    let writes = m.ports.stray_writes.borrow().clone();
    assert_eq!(writes, [(0xa0, 0x20), (0x20, 0x20)]);
    xenbios::ivt::set(&mut m.mem, 0x4a, FarPtr::new(0x2000, 0x0040));
    rtc.borrow_mut().cmos[0x0c] = 0xa0;
    call(&mut m, &mut bios, 0x70, Regs::default());
    assert_eq!(m.cpu.calls.len(), 1);
    assert_eq!(
        (m.cpu.calls[0].regs.cs, m.cpu.calls[0].regs.ip),
        (0x2000, 0x0040)
    );
}

#[test]
fn tick_count_and_midnight_flag() {
    let mut m = machine();
    let mut bios = Bios::new();
    m.mem.write_u32(bda::at(bda::TICKS), 0x0001_2345);
    m.mem.write_u8(bda::at(bda::MIDNIGHT), 1);
    let r = call(
        &mut m,
        &mut bios,
        0x1a,
        Regs {
            flags: 1,
            ..ax(0x0000)
        },
    );
    assert_eq!((r.cx(), r.dx(), r.al(), r.cf()), (0x0001, 0x2345, 1, false));
    let r = call(&mut m, &mut bios, 0x1a, ax(0x0000));
    assert_eq!(r.al(), 0, "flag cleared by the read");
    let r = call(
        &mut m,
        &mut bios,
        0x1a,
        Regs {
            ecx: 0x000f,
            edx: 0x00ff,
            ..ax(0x0100)
        },
    );
    assert!(!r.cf());
    assert_eq!(m.mem.read_u32(bda::at(bda::TICKS)), 0x000f_00ff);
}

#[test]
fn unknown_functions_are_unsupported() {
    let mut m = machine();
    for f in [0x0800, 0xff00] {
        let r = call(&mut m, &mut Bios::new(), 0x1a, ax(f));
        assert_eq!((r.ah(), r.cf()), (0x86, true), "{f:#06x}");
    }
    // AH=B1h is the PCI BIOS (tests/pcibios.rs), with its own "not supported" code.
    let r = call(&mut m, &mut Bios::new(), 0x1a, ax(0xb1ff));
    assert_eq!((r.ah(), r.cf()), (0x81, true));
}

#[test]
fn init_sets_the_tick_count_from_the_rtc() {
    let mut m = machine();
    let rtc = rtc(&mut m);
    rtc.borrow_mut().set_time(0x12, 0x00, 0x00);
    m.mem.write_u8(bda::at(bda::MIDNIGHT), 1);
    xenbios::services::time::init(&mut m.ctx());
    // Noon: half of 1800B0h ticks.
    assert_eq!(m.mem.read_u32(bda::at(bda::TICKS)), 0x0c_0058);
    assert_eq!(m.mem.read_u8(bda::at(bda::MIDNIGHT)), 0);
    rtc.borrow_mut().set_time(0x23, 0x59, 0x59);
    xenbios::services::time::init(&mut m.ctx());
    assert_eq!(
        m.mem.read_u32(bda::at(bda::TICKS)),
        (0x18_00b0u64 * 86399 / 86400) as u32
    );
}

#[test]
fn init_fixes_status_registers_and_converts_a_12_hour_clock() {
    xenbios_sim::capture_log();
    let mut m = machine();
    let rtc = rtc(&mut m);
    {
        let mut r = rtc.borrow_mut();
        r.cmos[0x0a] = 0x00;
        // 12 h BCD with update and periodic interrupts on, stopped.
        r.cmos[0x0b] = 0x80 | 0x40 | 0x10 | B_12H_BCD;
        r.set_time(0x81, 0x30, 0x00);
    }
    xenbios::services::time::init(&mut m.ctx());
    let r = rtc.borrow();
    assert_eq!(r.cmos[0x0a], 0x26);
    assert_eq!(r.cmos[0x0b], B_24H_BCD);
    assert_eq!(r.cmos[0x04], 0x13);
    // 13:30
    assert_eq!(
        m.mem.read_u32(bda::at(bda::TICKS)),
        (0x18_00b0u64 * 48600 / 86400) as u32
    );
    let log = xenbios_sim::take_log();
    assert!(
        log.contains("[int1a] RTC switched to 24-hour format"),
        "{log}"
    );
}

#[test]
fn init_without_an_rtc_is_bounded_and_logged() {
    xenbios_sim::capture_log();
    let mut m = machine();
    m.mem.write_u32(bda::at(bda::TICKS), 77);
    let t0 = m.clock.micros();
    xenbios::services::time::init(&mut m.ctx());
    assert!(m.clock.micros() - t0 < 100_000);
    assert_eq!(m.mem.read_u32(bda::at(bda::TICKS)), 0);
    let log = xenbios_sim::take_log();
    assert!(
        log.contains("[int1a] warning: RTC stays in its update cycle"),
        "{log}"
    );
}

#[test]
fn init_reports_a_dead_battery() {
    xenbios_sim::capture_log();
    let mut m = machine();
    let rtc = rtc(&mut m);
    rtc.borrow_mut().cmos[0x0d] = 0;
    xenbios::services::time::init(&mut m.ctx());
    assert!(xenbios_sim::take_log().contains("RTC lost power"));
}
