//! PS/2 bring-up, int09 scancode handling, int16 and keys from the serial console.

mod services_util;

use services_util::*;
use std::cell::RefCell;
use std::rc::Rc;
use xenbios::bda;
use xenbios::bios::Bios;
use xenbios::hal::clock::Clock;
use xenbios::hal::mem::{FarPtr, Memory};
use xenbios::hal::regs::{Action, Regs};
use xenbios_sim::{Machine, SimI8042};

/// A machine with a keyboard brought up by POST.
fn keyboard() -> (Machine, Rc<RefCell<SimI8042>>) {
    let mut m = machine();
    let kbc = i8042(&mut m);
    xenbios::hw::ps2::init(&mut m.ctx());
    assert!(kbc.borrow().out.is_empty());
    kbc.borrow_mut().kbd_bytes.clear();
    (m, kbc)
}

/// Feed bytes through IRQ1, one interrupt each.
fn type_bytes(m: &mut Machine, kbc: &Rc<RefCell<SimI8042>>, bytes: &[u8]) {
    let mut bios = Bios::new();
    for &b in bytes {
        kbc.borrow_mut().keys(&[b]);
        call(m, &mut bios, 0x09, Regs::default());
        assert!(kbc.borrow().out.is_empty(), "int09 read {b:#04x}");
    }
}

fn ring(m: &Machine) -> Vec<u16> {
    let head = m.mem.read_u16(bda::at(bda::KBD_HEAD));
    let tail = m.mem.read_u16(bda::at(bda::KBD_TAIL));
    let mut out = vec![];
    let mut p = head;
    while p != tail {
        out.push(m.mem.read_u16(bda::at(p as u32)));
        p = if p + 2 >= KBD_RING_END {
            KBD_RING_START
        } else {
            p + 2
        };
    }
    out
}

fn flags(m: &Machine) -> (u8, u8, u8) {
    (
        m.mem.read_u8(bda::at(bda::KBD_FLAGS0)),
        m.mem.read_u8(bda::at(bda::KBD_FLAGS1)),
        m.mem.read_u8(bda::at(bda::KBD_FLAGS2)),
    )
}

fn int16(m: &mut Machine, ah: u8) -> (Regs, Action) {
    int(m, &mut Bios::new(), 0x16, ax((ah as u16) << 8))
}

fn read_key(m: &mut Machine, ah: u8) -> u16 {
    let (r, a) = int16(m, ah);
    assert_eq!(a, Action::Return, "a key was expected");
    r.ax()
}

// ---------------------------------------------------------------------------------
// POST

#[test]
fn init_brings_up_controller_and_keyboard() {
    xenbios_sim::capture_log();
    let mut m = machine();
    let kbc = i8042(&mut m);
    kbc.borrow_mut().keys(&[0x1e, 0x9e]);
    xenbios::hw::ps2::init(&mut m.ctx());
    let k = kbc.borrow();
    assert!(k.out.is_empty(), "stale bytes flushed");
    assert_eq!(
        k.commands,
        [0xad, 0xa7, 0x20, 0x60, 0xaa, 0xab, 0x60, 0xae, 0x60]
    );
    assert_eq!(k.kbd_bytes, [0xff, 0xf0, 0x02, 0xed, 0x00, 0xf4]);
    // Translation, keyboard IRQ, system flag; mouse port off.
    assert_eq!(k.config, 0x65);
    assert_eq!(k.scancode_set, Some(2));
    assert_eq!(k.leds, Some(0));
    assert!(k.scanning);
    assert_eq!(m.mem.read_u8(bda::at(bda::KBD_FLAGS2)), 0x10);
    assert!(xenbios_sim::take_log().contains("[kbd] keyboard ready"));
}

#[test]
fn init_without_a_controller_gives_up_at_once() {
    xenbios_sim::capture_log();
    let mut m = machine();
    let t0 = m.clock.micros();
    xenbios::hw::ps2::init(&mut m.ctx());
    assert!(m.clock.micros() - t0 < 1000);
    assert_eq!(m.mem.read_u8(bda::at(bda::KBD_FLAGS2)), 0);
    let log = xenbios_sim::take_log();
    assert!(
        log.contains("[kbd] warning: no keyboard: probe: no controller (status port reads 0xff)"),
        "{log}"
    );
}

#[test]
fn init_without_a_keyboard_is_bounded_and_still_enables_irq1() {
    xenbios_sim::capture_log();
    let mut m = machine();
    let kbc = i8042(&mut m);
    kbc.borrow_mut().keyboard_present = false;
    let t0 = m.clock.micros();
    xenbios::hw::ps2::init(&mut m.ctx());
    let spent = m.clock.micros() - t0;
    assert!(spent < 1_000_000, "spent {spent} us");
    assert_eq!(kbc.borrow().config, 0x65);
    assert_eq!(m.mem.read_u8(bda::at(bda::KBD_FLAGS2)), 0);
    let log = xenbios_sim::take_log();
    assert!(
        log.contains("no keyboard: keyboard reset: no reply in time"),
        "{log}"
    );
}

#[test]
fn init_stops_on_a_failed_self_test() {
    xenbios_sim::capture_log();
    let mut m = machine();
    let kbc = i8042(&mut m);
    kbc.borrow_mut().self_test_reply = 0xfc;
    xenbios::hw::ps2::init(&mut m.ctx());
    assert!(kbc.borrow().kbd_bytes.is_empty());
    let log = xenbios_sim::take_log();
    assert!(
        log.contains("controller self-test: unexpected reply 0xfc"),
        "{log}"
    );
}

#[test]
fn init_with_a_wedged_controller_is_bounded() {
    xenbios_sim::capture_log();
    let mut m = machine();
    let kbc = i8042(&mut m);
    kbc.borrow_mut().input_stuck = true;
    let t0 = m.clock.micros();
    xenbios::hw::ps2::init(&mut m.ctx());
    assert!(m.clock.micros() - t0 < 100_000);
    let log = xenbios_sim::take_log();
    assert!(log.contains("controller input buffer stays full"), "{log}");
}

// ---------------------------------------------------------------------------------
// int09

#[test]
fn letters_shift_and_release() {
    let (mut m, kbc) = keyboard();
    // a, Shift down, a, Shift up, a
    type_bytes(
        &mut m,
        &kbc,
        &[0x1e, 0x9e, 0x2a, 0x1e, 0x9e, 0xaa, 0x1e, 0x9e],
    );
    assert_eq!(ring(&m), [0x1e61, 0x1e41, 0x1e61]);
    assert_eq!(flags(&m).0, 0);
    // EOI to the master PIC after each interrupt.
    let eois = m
        .ports
        .stray_writes
        .borrow()
        .iter()
        .filter(|&&w| w == (0x20, 0x20))
        .count();
    assert_eq!(eois, 8);
}

#[test]
fn caps_lock_toggles_once_per_press_and_sets_leds() {
    let (mut m, kbc) = keyboard();
    // Caps down (repeated by typematic), up; a; Shift+a.
    type_bytes(
        &mut m,
        &kbc,
        &[0x3a, 0x3a, 0x3a, 0xba, 0x1e, 0x2a, 0x1e, 0xaa, 0x02],
    );
    assert_eq!(ring(&m), [0x1e41, 0x1e61, 0x0231]);
    assert_eq!(flags(&m).0, 0x40);
    assert_eq!(kbc.borrow().leds, Some(0x04));
    assert_eq!(kbc.borrow().kbd_bytes, [0xed, 0x04]);
    assert_eq!(m.mem.read_u8(bda::at(bda::KBD_LED)) & 7, 4);
    // Caps again: off.
    type_bytes(&mut m, &kbc, &[0x3a, 0xba]);
    assert_eq!(flags(&m).0, 0);
    assert_eq!(kbc.borrow().leds, Some(0));
}

#[test]
fn num_lock_keypad_and_grey_keys() {
    let (mut m, kbc) = keyboard();
    // Keypad 8 (up), Num Lock, keypad 8, grey up (E0 48), grey up wrapped in fake shift.
    type_bytes(
        &mut m,
        &kbc,
        &[0x48, 0xc8, 0x45, 0xc5, 0x48, 0xc8, 0xe0, 0x48, 0xe0, 0xc8],
    );
    type_bytes(
        &mut m,
        &kbc,
        &[0xe0, 0x2a, 0xe0, 0x48, 0xe0, 0xc8, 0xe0, 0xaa],
    );
    assert_eq!(ring(&m), [0x4800, 0x4838, 0x48e0, 0x48e0]);
    assert_eq!(flags(&m).0, 0x20, "fake shifts change nothing");
    assert_eq!(kbc.borrow().leds, Some(0x02));
}

#[test]
fn grey_enter_slash_and_right_ctrl() {
    let (mut m, kbc) = keyboard();
    type_bytes(
        &mut m,
        &kbc,
        &[0xe0, 0x1c, 0xe0, 0x9c, 0xe0, 0x35, 0xe0, 0xb5],
    );
    // Right Ctrl + c, then release.
    type_bytes(&mut m, &kbc, &[0xe0, 0x1d, 0x2e, 0xae]);
    assert_eq!(flags(&m), (0x04, 0x00, 0x14));
    type_bytes(&mut m, &kbc, &[0xe0, 0x9d]);
    assert_eq!(ring(&m), [0xe00d, 0xe02f, 0x2e03]);
    assert_eq!(flags(&m), (0, 0, 0x10));
}

#[test]
fn ctrl_stays_while_either_ctrl_is_held() {
    let (mut m, kbc) = keyboard();
    type_bytes(&mut m, &kbc, &[0x1d, 0xe0, 0x1d, 0x9d]);
    assert_eq!(flags(&m).0 & 0x04, 0x04, "right Ctrl still held");
    type_bytes(&mut m, &kbc, &[0xe0, 0x9d]);
    assert_eq!(flags(&m).0 & 0x04, 0);
}

#[test]
fn function_keys_alt_and_ctrl_combinations() {
    let (mut m, kbc) = keyboard();
    type_bytes(&mut m, &kbc, &[0x3b, 0xbb, 0x57, 0xd7]); // F1, F11
    type_bytes(
        &mut m,
        &kbc,
        &[0x38, 0x1e, 0x9e, 0x02, 0x82, 0x3b, 0xbb, 0x27, 0xa7, 0xb8],
    ); // Alt+a, 1, F1, ;
    type_bytes(&mut m, &kbc, &[0x1d, 0x03, 0x83, 0x1c, 0x9c, 0x9d]); // Ctrl+2, Enter
    type_bytes(&mut m, &kbc, &[0x2a, 0x0f, 0x8f, 0x44, 0xc4, 0xaa]); // Shift+Tab, Shift+F10
    assert_eq!(
        ring(&m),
        [
            0x3b00, 0x8500, 0x1e00, 0x7800, 0x6800, 0x27f0, 0x0300, 0x1c0a, 0x0f00, 0x5d00
        ]
    );
}

#[test]
fn insert_toggles_insert_mode() {
    let (mut m, kbc) = keyboard();
    type_bytes(&mut m, &kbc, &[0xe0, 0x52, 0xe0, 0x52, 0xe0, 0xd2]);
    assert_eq!(flags(&m).0, 0x80, "one toggle for a held key");
    assert_eq!(ring(&m), [0x52e0, 0x52e0]);
    // Num Lock on: keypad 0 types '0' and leaves insert mode alone.
    type_bytes(&mut m, &kbc, &[0x45, 0xc5, 0x52, 0xd2]);
    assert_eq!(flags(&m).0, 0xa0);
}

#[test]
fn a_full_ring_drops_keys() {
    let (mut m, kbc) = keyboard();
    for _ in 0..16 {
        type_bytes(&mut m, &kbc, &[0x1e, 0x9e]);
    }
    assert_eq!(ring(&m), [0x1e61; 15]);
    type_bytes(&mut m, &kbc, &[0x30]);
    assert_eq!(ring(&m), [0x1e61; 15]);
    assert_eq!(read_key(&mut m, 0x00), 0x1e61);
    type_bytes(&mut m, &kbc, &[0x30]);
    assert_eq!(ring(&m).last(), Some(&0x3062));
}

#[test]
fn pause_and_unknown_codes_make_no_keys() {
    let (mut m, kbc) = keyboard();
    type_bytes(&mut m, &kbc, &[0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5]);
    type_bytes(&mut m, &kbc, &[0xe0, 0x5b, 0xe0, 0xdb, 0x7f, 0x55]);
    assert_eq!(ring(&m), []);
    assert_eq!(flags(&m), (0, 0, 0x10));
    type_bytes(&mut m, &kbc, &[0x10]);
    assert_eq!(ring(&m), [0x1071]);
}

#[test]
fn ctrl_alt_del_reboots_with_the_warm_boot_flag() {
    let (mut m, kbc) = keyboard();
    type_bytes(&mut m, &kbc, &[0x1d, 0x38, 0x53]);
    assert_eq!(m.mem.read_u16(bda::at(bda::SOFT_RESET)), 0x1234);
    let writes = m.ports.stray_writes.borrow().clone();
    let reset: Vec<_> = writes.iter().filter(|w| w.0 == 0xcf9).collect();
    assert_eq!(reset, [&(0xcf9, 0x02), &(0xcf9, 0x06)]);
    assert_eq!(kbc.borrow().resets, 1);
}

#[test]
fn ctrl_break_empties_the_ring() {
    let (mut m, kbc) = keyboard();
    type_bytes(
        &mut m,
        &kbc,
        &[0x1e, 0x9e, 0x1d, 0xe0, 0x46, 0xe0, 0xc6, 0x9d],
    );
    assert_eq!(ring(&m), [0x0000]);
    assert_eq!(m.mem.read_u8(bda::at(bda::BREAK_FLAG)), 0x80);
}

#[test]
fn int09_calls_a_hooked_int15_4f() {
    let (mut m, kbc) = keyboard();
    xenbios::ivt::set(&mut m.mem, 0x15, FarPtr::new(0x1234, 0x0010));
    type_bytes(&mut m, &kbc, &[0x1e]);
    let calls = &m.cpu.calls;
    assert_eq!(calls.len(), 1);
    assert_eq!((calls[0].regs.cs, calls[0].regs.ip), (0x1234, 0x0010));
    assert_eq!(calls[0].regs.ax(), 0x4f1e);
    assert!(calls[0].regs.cf());
    // The simulated hook returns CF still set: the key is processed.
    assert_eq!(ring(&m), [0x1e61]);
}

#[test]
fn int09_without_data_or_with_mouse_data_only_acknowledges() {
    let (mut m, kbc) = keyboard();
    let mut bios = Bios::new();
    call(&mut m, &mut bios, 0x09, Regs::default());
    kbc.borrow_mut().aux(0x08);
    call(&mut m, &mut bios, 0x09, Regs::default());
    assert!(kbc.borrow().out.is_empty());
    assert_eq!(ring(&m), []);
    // IRQ12 drops a mouse byte but leaves a keyboard byte for IRQ1.
    kbc.borrow_mut().aux(0x09);
    call(&mut m, &mut bios, 0x74, Regs::default());
    assert!(kbc.borrow().out.is_empty());
    kbc.borrow_mut().keys(&[0x1e]);
    call(&mut m, &mut bios, 0x74, Regs::default());
    assert_eq!(kbc.borrow().out.len(), 1);
    let writes = m.ports.stray_writes.borrow().clone();
    assert_eq!(&writes[writes.len() - 2..], &[(0xa0, 0x20), (0x20, 0x20)]);
    call(&mut m, &mut bios, 0x09, Regs::default());
    assert_eq!(ring(&m), [0x1e61]);
}

// ---------------------------------------------------------------------------------
// int16

#[test]
fn read_peek_and_wait() {
    let mut m = machine();
    let mut bios = Bios::new();
    // Empty: peek says ZF, read yields and leaves the frame alone.
    let (r, a) = int16(&mut m, 0x01);
    assert_eq!(a, Action::Return);
    assert!(r.zf());
    let (r, a) = int16(&mut m, 0x00);
    assert_eq!((a, r.ax()), (Action::Yield, 0x0000));
    // Keys pushed with 05.
    for k in [0x1e61u16, 0x3062] {
        let r = call(
            &mut m,
            &mut bios,
            0x16,
            Regs {
                ecx: k as u32,
                ..ax(0x0500)
            },
        );
        assert_eq!(r.al(), 0);
    }
    let (r, _) = int16(&mut m, 0x01);
    assert!(!r.zf());
    assert_eq!(r.ax(), 0x1e61);
    assert_eq!(read_key(&mut m, 0x00), 0x1e61);
    let (r, _) = int16(&mut m, 0x11);
    assert_eq!((r.ax(), r.zf()), (0x3062, false));
    assert_eq!(read_key(&mut m, 0x10), 0x3062);
    assert!(int16(&mut m, 0x01).0.zf());
    assert_eq!(m.mem.read_u16(bda::at(bda::KBD_HEAD)), 0x22);
    assert_eq!(m.mem.read_u16(bda::at(bda::KBD_TAIL)), 0x22);
}

#[test]
fn push_reports_a_full_ring() {
    let mut m = machine();
    let mut bios = Bios::new();
    for i in 0..15 {
        let r = call(
            &mut m,
            &mut bios,
            0x16,
            Regs {
                ecx: 0x1e61,
                ..ax(0x0500)
            },
        );
        assert_eq!(r.al(), 0, "key {i}");
    }
    let r = call(
        &mut m,
        &mut bios,
        0x16,
        Regs {
            ecx: 0x1e61,
            ..ax(0x0500)
        },
    );
    assert_eq!(r.al(), 1);
}

#[test]
fn standard_reads_translate_grey_keys_and_skip_enhanced_ones() {
    let mut m = machine();
    let mut bios = Bios::new();
    let keys = [0x48e0u16, 0x8500, 0x27f0, 0xe00d, 0xe02f, 0x8de0, 0x1c0d];
    let push = |m: &mut Machine, bios: &mut Bios| {
        for k in keys {
            call(
                m,
                bios,
                0x16,
                Regs {
                    ecx: k as u32,
                    ..ax(0x0500)
                },
            );
        }
    };
    push(&mut m, &mut bios);
    let mut got = vec![];
    while !int16(&mut m, 0x01).0.zf() {
        got.push(read_key(&mut m, 0x00));
    }
    assert_eq!(got, [0x4800, 0x1c0d, 0x352f, 0x1c0d]);
    push(&mut m, &mut bios);
    let mut got = vec![];
    while !int16(&mut m, 0x11).0.zf() {
        got.push(read_key(&mut m, 0x10));
    }
    assert_eq!(
        got,
        [0x48e0, 0x8500, 0x2700, 0xe00d, 0xe02f, 0x8de0, 0x1c0d]
    );
}

#[test]
fn peek_discards_enhanced_keys_in_front() {
    let mut m = machine();
    let mut bios = Bios::new();
    for k in [0x8500u32, 0x1e61] {
        call(
            &mut m,
            &mut bios,
            0x16,
            Regs {
                ecx: k,
                ..ax(0x0500)
            },
        );
    }
    let (r, _) = int16(&mut m, 0x01);
    assert_eq!((r.ax(), r.zf()), (0x1e61, false));
    assert_eq!(ring(&m), [0x1e61]);
}

#[test]
fn shift_flags() {
    let (mut m, kbc) = keyboard();
    // Left Shift, right Alt, Num Lock held.
    type_bytes(&mut m, &kbc, &[0x2a, 0xe0, 0x38, 0x45]);
    let (r, _) = int16(&mut m, 0x02);
    assert_eq!(r.al(), 0x2a);
    let (r, _) = int16(&mut m, 0x12);
    assert_eq!((r.al(), r.ah()), (0x2a, 0x28));
}

#[test]
fn typematic_and_identify() {
    let (mut m, kbc) = keyboard();
    let mut bios = Bios::new();
    let r = call(
        &mut m,
        &mut bios,
        0x16,
        Regs {
            ebx: 0x010b,
            ..ax(0x0305)
        },
    );
    assert!(!r.cf());
    assert_eq!(kbc.borrow().typematic, Some(0x2b));
    call(
        &mut m,
        &mut bios,
        0x16,
        Regs {
            ebx: 0x0400,
            ..ax(0x0305)
        },
    );
    assert_eq!(
        kbc.borrow().typematic,
        Some(0x2b),
        "out of range: unchanged"
    );
    call(
        &mut m,
        &mut bios,
        0x16,
        Regs {
            ebx: 0x0300,
            ..ax(0x0305)
        },
    );
    assert_eq!(kbc.borrow().typematic, Some(0x60));
    let r = call(&mut m, &mut bios, 0x16, ax(0x0a00));
    assert_eq!(r.bx(), 0x41ab);
    let r = call(&mut m, &mut bios, 0x16, ax(0x0900));
    assert_eq!(r.al(), 0x35);
    let r = call(&mut m, &mut bios, 0x16, ax(0x0306));
    assert_eq!((r.ah(), r.cf()), (0x86, true));
}

#[test]
fn leds_follow_lock_bits_a_program_changes() {
    let (mut m, kbc) = keyboard();
    m.mem.write_u8(bda::at(bda::KBD_FLAGS0), 0x20);
    int16(&mut m, 0x01);
    assert_eq!(kbc.borrow().leds, Some(0x02));
    assert_eq!(m.mem.read_u8(bda::at(bda::KBD_LED)) & 7, 2);
}

#[test]
fn without_a_keyboard_int16_needs_no_controller() {
    let mut m = machine();
    let mut bios = Bios::new();
    m.mem.write_u8(bda::at(bda::KBD_FLAGS0), 0x20);
    let r = call(&mut m, &mut bios, 0x16, ax(0x0a00));
    assert_eq!(r.bx(), 0);
    assert!(int16(&mut m, 0x01).0.zf());
}

#[test]
fn broken_ring_pointers_are_reset_not_followed() {
    let mut m = machine();
    m.mem.write_u16(bda::at(bda::KBD_HEAD), 0x1f);
    m.mem.write_u16(bda::at(bda::KBD_TAIL), 0x9000);
    assert!(int16(&mut m, 0x01).0.zf());
    assert_eq!(m.mem.read_u16(bda::at(bda::KBD_HEAD)), KBD_RING_START);
    assert_eq!(m.mem.read_u16(bda::at(bda::KBD_TAIL)), KBD_RING_START);
    // Bounds that make no ring: the default one is used.
    m.mem.write_u16(bda::at(bda::KBD_BUF_START), 0x80);
    m.mem.write_u16(bda::at(bda::KBD_BUF_END), 0x80);
    call(
        &mut m,
        &mut Bios::new(),
        0x16,
        Regs {
            ecx: 0x1e61,
            ..ax(0x0500)
        },
    );
    assert_eq!(read_key(&mut m, 0x00), 0x1e61);
}

// ---------------------------------------------------------------------------------
// Serial console

#[test]
fn serial_console_bytes_become_keys() {
    let mut m = machine();
    m.console.input.extend(b"aZ1 \r\x7f\t\x03\n~");
    let mut got = vec![];
    while !int16(&mut m, 0x01).0.zf() {
        got.push(read_key(&mut m, 0x00));
    }
    assert_eq!(
        got,
        [
            0x1e61, 0x2c5a, 0x0231, 0x3920, 0x1c0d, 0x0e08, 0x0f09, 0x2e03, 0x1c0a, 0x297e
        ]
    );
}

#[test]
fn serial_console_escape_sequences() {
    let mut m = machine();
    m.console
        .input
        .extend(b"\x1b[A\x1b[B\x1b[C\x1b[D\x1bOP\x1b[5~\x1b[3~\x1b[24~\x1b[1;5H\x1b");
    let mut got = vec![];
    while !int16(&mut m, 0x11).0.zf() {
        got.push(read_key(&mut m, 0x10));
    }
    assert_eq!(
        got,
        [
            0x4800, 0x5000, 0x4d00, 0x4b00, 0x3b00, 0x4900, 0x5300, 0x8600, 0x4700, 0x011b
        ]
    );
}

#[test]
fn serial_console_esc_then_a_letter_is_two_keys() {
    let mut m = machine();
    m.console.input.extend(b"\x1bx\x1b[9z");
    let mut got = vec![];
    while !int16(&mut m, 0x01).0.zf() {
        got.push(read_key(&mut m, 0x00));
    }
    assert_eq!(got, [0x011b, 0x2d78]);
}

#[test]
fn serial_console_input_stops_when_the_ring_is_full() {
    let mut m = machine();
    m.console.input.extend([b'a'; 20]);
    int16(&mut m, 0x01);
    assert_eq!(ring(&m).len(), 15);
    assert_eq!(m.console.input.len(), 5, "the rest stays in the UART");
}

#[test]
fn waiting_read_is_woken_by_a_typed_key() {
    let mut m = machine();
    let regs = ax(0x0000);
    let (_, a) = int(&mut m, &mut Bios::new(), 0x16, regs);
    assert_eq!(a, Action::Yield);
    m.console.input.push_back(b'y');
    let (r, a) = int(&mut m, &mut Bios::new(), 0x16, regs);
    assert_eq!((a, r.ax()), (Action::Return, 0x1579));
}

#[test]
fn a_ring_moved_to_the_top_of_segment_40h() {
    let mut m = machine();
    for (off, v) in [
        (bda::KBD_BUF_START, 0xfff7u16),
        (bda::KBD_BUF_END, 0xffff),
        (bda::KBD_HEAD, 0xfff7),
        (bda::KBD_TAIL, 0xfff7),
    ] {
        m.mem.write_u16(bda::at(off), v);
    }
    let mut bios = Bios::new();
    for k in 1..=5u32 {
        let r = call(
            &mut m,
            &mut bios,
            0x16,
            Regs {
                ecx: k,
                ..ax(0x0500)
            },
        );
        assert_eq!(r.al(), if k <= 3 { 0 } else { 1 }, "key {k}");
    }
    assert_eq!([read_key(&mut m, 0x10), read_key(&mut m, 0x10)], [1, 2]);
    call(
        &mut m,
        &mut bios,
        0x16,
        Regs {
            ecx: 6,
            ..ax(0x0500)
        },
    );
    assert_eq!([read_key(&mut m, 0x10), read_key(&mut m, 0x10)], [3, 6]);
}
