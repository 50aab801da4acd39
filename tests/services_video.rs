//! int10 without VGA: console output and BDA bookkeeping.

mod services_util;

use services_util::*;
use xenbios::bda;
use xenbios::bios::Bios;
use xenbios::hal::cpu::call_kind;
use xenbios::hal::mem::{FarPtr, Memory};
use xenbios::hal::regs::Regs;
use xenbios_sim::Machine;

fn tty(m: &mut Machine, text: &[u8]) {
    let mut bios = Bios::new();
    for &c in text {
        call(m, &mut bios, 0x10, ax(0x0e00 | c as u16));
    }
}

fn cursor(m: &Machine, page: u8) -> (u8, u8) {
    let a = bda::at(bda::CURSOR_POS) + 2 * page as u32;
    (m.mem.read_u8(a), m.mem.read_u8(a + 1))
}

#[test]
fn teletype_writes_and_tracks_the_cursor() {
    let mut m = machine();
    tty(&mut m, b"Hi\r\nxy");
    assert_eq!(m.console.out, b"Hi\r\nxy");
    assert_eq!(cursor(&m, 0), (2, 1));
    // BS moves left (not past column 0), BEL is silent.
    tty(&mut m, b"\x08\x08\x08\x07");
    assert_eq!(cursor(&m, 0), (0, 1));
    assert_eq!(&m.console.out[6..], b"\x08\x08\x08");
}

#[test]
fn teletype_wraps_at_the_right_edge_and_scrolls_at_the_bottom() {
    let mut m = machine();
    tty(&mut m, &[b'x'; 80]);
    assert_eq!(cursor(&m, 0), (0, 1));
    for _ in 0..30 {
        tty(&mut m, b"\n");
    }
    assert_eq!(cursor(&m, 0), (0, 24));
    tty(&mut m, &[b'y'; 81]);
    assert_eq!(cursor(&m, 0), (1, 24));
}

#[test]
fn teletype_shows_box_drawing_as_ascii() {
    let mut m = machine();
    tty(&mut m, &[0xc9, 0xcd, 0xbb, 0xba, 0x01, 0xfe]);
    assert_eq!(m.console.text(), "+-+|??");
    assert_eq!(cursor(&m, 0), (6, 0));
}

#[test]
fn cursor_position_type_and_page() {
    let mut m = machine();
    let mut bios = Bios::new();
    call(
        &mut m,
        &mut bios,
        0x10,
        Regs {
            ebx: 0x0300,
            edx: 0x0c28,
            ..ax(0x0200)
        },
    );
    assert_eq!(cursor(&m, 3), (0x28, 0x0c));
    call(
        &mut m,
        &mut bios,
        0x10,
        Regs {
            ecx: 0x2000,
            ..ax(0x0100)
        },
    );
    let r = call(
        &mut m,
        &mut bios,
        0x10,
        Regs {
            ebx: 0x0300,
            ..ax(0x0300)
        },
    );
    assert_eq!((r.dh(), r.dl(), r.cx()), (0x0c, 0x28, 0x2000));
    // Page 8 does not exist: nothing changes, the call is refused.
    let r = call(
        &mut m,
        &mut bios,
        0x10,
        Regs {
            ebx: 0x0800,
            edx: 0x0101,
            ..ax(0x0200)
        },
    );
    assert_eq!((r.ah(), r.cf()), (0x86, true));
    // Active page 2: page start from the page size.
    call(&mut m, &mut bios, 0x10, ax(0x0502));
    assert_eq!(m.mem.read_u8(bda::at(bda::VIDEO_PAGE)), 2);
    assert_eq!(m.mem.read_u16(bda::at(bda::VIDEO_PAGE_START)), 8000);
    let r = call(&mut m, &mut bios, 0x10, ax(0x0f00));
    assert_eq!((r.al(), r.ah(), r.bh()), (3, 80, 2));
    // Teletype goes to the active page.
    tty(&mut m, b"ab");
    assert_eq!(cursor(&m, 2), (2, 0));
    assert_eq!(cursor(&m, 0), (0, 0));
}

#[test]
fn write_char_repeats_without_moving_the_cursor() {
    let mut m = machine();
    let mut bios = Bios::new();
    call(
        &mut m,
        &mut bios,
        0x10,
        Regs {
            edx: 0x0005,
            ..ax(0x0200)
        },
    );
    call(
        &mut m,
        &mut bios,
        0x10,
        Regs {
            ebx: 0x0007,
            ecx: 3,
            ..ax(0x0978)
        },
    );
    call(
        &mut m,
        &mut bios,
        0x10,
        Regs {
            ecx: 2,
            ..ax(0x0a2d)
        },
    );
    assert_eq!(m.console.text(), "xxx--");
    assert_eq!(cursor(&m, 0), (5, 0));
    // Never past the end of the page.
    call(
        &mut m,
        &mut bios,
        0x10,
        Regs {
            edx: 0x184e,
            ..ax(0x0200)
        },
    );
    m.console.out.clear();
    call(
        &mut m,
        &mut bios,
        0x10,
        Regs {
            ecx: 0xffff,
            ..ax(0x0920)
        },
    );
    assert_eq!(m.console.text(), "  ");
    // Pages not on display show nothing.
    m.console.out.clear();
    call(
        &mut m,
        &mut bios,
        0x10,
        Regs {
            ebx: 0x0100,
            ecx: 4,
            ..ax(0x0941)
        },
    );
    assert!(m.console.out.is_empty());
}

#[test]
fn read_char_gives_a_blank() {
    let mut m = machine();
    let r = call(&mut m, &mut Bios::new(), 0x10, ax(0x0800));
    assert_eq!(r.ax(), 0x0720);
}

#[test]
fn scroll_is_bookkeeping_only() {
    let mut m = machine();
    let mut bios = Bios::new();
    tty(&mut m, b"ab");
    let r = call(
        &mut m,
        &mut bios,
        0x10,
        Regs {
            ecx: 0,
            edx: 0x184f,
            ebx: 0x0700,
            ..ax(0x0601)
        },
    );
    assert!(!r.cf());
    call(&mut m, &mut bios, 0x10, ax(0x0700));
    assert_eq!(cursor(&m, 0), (2, 0));
    assert_eq!(m.console.text(), "ab");
}

#[test]
fn write_string_with_and_without_attributes() {
    let mut m = machine();
    let mut bios = Bios::new();
    m.mem.write(0x20000, b"Hello");
    m.mem.write(0x20100, b"O\x07K\x07");
    // AL=0: plain string, cursor stays.
    let regs = Regs {
        es: 0x2000,
        ebp: 0,
        ecx: 5,
        edx: 0x0203,
        ebx: 0x0007,
        ..ax(0x1300)
    };
    call(&mut m, &mut bios, 0x10, regs);
    assert_eq!(cursor(&m, 0), (0, 0));
    // AL=3: char/attribute pairs, cursor moves.
    let regs = Regs {
        es: 0x2000,
        ebp: 0x100,
        ecx: 2,
        edx: 0x0410,
        ..ax(0x1303)
    };
    call(&mut m, &mut bios, 0x10, regs);
    assert_eq!(cursor(&m, 0), (0x12, 4));
    assert_eq!(m.console.text(), "HelloOK");
    // Past the end of ES: refused without output.
    let regs = Regs {
        es: 0x2000,
        ebp: 0xfffe,
        ecx: 5,
        ..ax(0x1300)
    };
    call(&mut m, &mut bios, 0x10, regs);
    assert_eq!(m.console.text(), "HelloOK");
}

#[test]
fn set_mode_records_geometry() {
    let mut m = machine();
    let mut bios = Bios::new();
    tty(&mut m, b"abc");
    let r = call(&mut m, &mut bios, 0x10, ax(0x0003));
    assert_eq!(r.al(), 0x30);
    assert_eq!(cursor(&m, 0), (0, 0));
    assert_eq!(m.mem.read_u16(bda::at(bda::VIDEO_PAGE_SIZE)), 4096);
    let r = call(&mut m, &mut bios, 0x10, ax(0x0001));
    assert_eq!(r.al(), 0x30);
    assert_eq!(m.mem.read_u16(bda::at(bda::VIDEO_COLS)), 40);
    assert_eq!(m.mem.read_u16(bda::at(bda::VIDEO_PAGE_SIZE)), 2048);
    let r = call(&mut m, &mut bios, 0x10, ax(0x0093));
    assert_eq!(r.al(), 0x20);
    let r = call(&mut m, &mut bios, 0x10, ax(0x0f00));
    assert_eq!((r.al(), r.ah()), (0x13, 40));
    let r = call(&mut m, &mut bios, 0x10, ax(0x0006));
    assert_eq!(r.al(), 0x3f);
}

#[test]
fn adapter_information_says_vga_colour() {
    let mut m = machine();
    let mut bios = Bios::new();
    let r = call(
        &mut m,
        &mut bios,
        0x10,
        Regs {
            ebx: 0x0010,
            ..ax(0x1200)
        },
    );
    assert_eq!((r.bh(), r.bl(), r.ch(), r.cl()), (0, 3, 0, 9));
    let r = call(&mut m, &mut bios, 0x10, ax(0x1a00));
    assert_eq!((r.al(), r.bx()), (0x1a, 0x0008));
    let r = call(&mut m, &mut bios, 0x10, ax(0x1a01));
    assert_eq!(r.al(), 0x1a);
}

#[test]
fn unknown_functions_are_unsupported() {
    let mut m = machine();
    for f in [0x4f00, 0x1130, 0x1003, 0x0b00] {
        let r = call(
            &mut m,
            &mut Bios::new(),
            0x10,
            Regs {
                ebx: 0x0020,
                ..ax(f)
            },
        );
        assert_eq!((r.ah(), r.cf()), (0x86, true), "{f:#06x}");
    }
    let r = call(
        &mut m,
        &mut Bios::new(),
        0x10,
        Regs {
            ebx: 0x0011,
            ..ax(0x1200)
        },
    );
    assert!(r.cf());
}

#[test]
fn text_goes_to_the_vga_bios_one_teletype_call_per_byte_with_crlf() {
    let mut m = Machine::default();
    m.mem.write_u8(bda::at(bda::VIDEO_PAGE), 1);
    let vga = FarPtr::new(0xc000, 0x1234);
    xenbios::services::video::teletype_through(&mut m.cpu, &m.mem, vga, b"ok\n");
    let calls: Vec<_> = m
        .cpu
        .calls
        .iter()
        .map(|c| (c.regs.cs, c.regs.ip, c.kind, c.regs.ax(), c.regs.bx()))
        .collect();
    let t = |c: u8| (0xc000, 0x1234, call_kind::INT, 0x0e00 | c as u16, 0x0107);
    assert_eq!(calls, vec![t(b'o'), t(b'k'), t(b'\r'), t(b'\n')]);
}
