//! int15 system services as a caller sees them: registers, flags, memory bytes.

mod services_util;

use services_util::*;
use xenbios::bios::Bios;
use xenbios::e820::Kind;
use xenbios::hal::clock::Clock;
use xenbios::hal::mem::Memory;
use xenbios::hal::regs::{Action, Regs};
use xenbios_sim::{Machine, SimMemory};

const SMAP: u32 = 0x534d_4150;
const CANARY: u8 = 0xaa;
const BUF_SEG: u16 = 0x1000;
const BUF_OFF: u16 = 0x0100;
const BUF: usize = 0x10100;

const MIB: u64 = 1 << 20;

/// 128 MiB guest as QEMU/hvmloader describe it.
fn bios_128m() -> Bios {
    let mut b = Bios::new();
    let e = &mut b.e820;
    assert!(e.add(0, 0x9fc00, Kind::Ram));
    assert!(e.add(0x9fc00, 0xa0000, Kind::Reserved));
    assert!(e.add(0xf0000, 0x100000, Kind::Reserved));
    assert!(e.add(0x100000, 0x7ff0000, Kind::Ram));
    assert!(e.add(0x7ff0000, 0x8000000, Kind::AcpiReclaim));
    assert!(e.add(0xfffc0000, 0x1_0000_0000, Kind::Reserved));
    b
}

/// 4 GiB guest: 3 GiB below the PCI hole, 1 GiB above 4 GiB.
fn bios_4g() -> Bios {
    let mut b = Bios::new();
    let e = &mut b.e820;
    assert!(e.add(0, 0x9fc00, Kind::Ram));
    assert!(e.add(0x9fc00, 0xa0000, Kind::Reserved));
    assert!(e.add(0xf0000, 0x100000, Kind::Reserved));
    assert!(e.add(0x100000, 0xc000_0000, Kind::Ram));
    assert!(e.add(0xfffc0000, 0x1_0000_0000, Kind::Reserved));
    assert!(e.add(0x1_0000_0000, 0x1_4000_0000, Kind::Ram));
    b
}

fn bios_with_ram_to(end: u64) -> Bios {
    let mut b = Bios::new();
    assert!(b.e820.add(0, 0x9fc00, Kind::Ram));
    assert!(b.e820.add(MIB, end, Kind::Ram));
    b
}

fn e820_call(ebx: u32, ecx: u32) -> Regs {
    Regs {
        eax: 0xe820,
        ebx,
        ecx,
        edx: SMAP,
        es: BUF_SEG,
        edi: BUF_OFF as u32,
        ..Default::default()
    }
}

fn record(base: u64, len: u64, kind: u32) -> Vec<u8> {
    let mut v = base.to_le_bytes().to_vec();
    v.extend(len.to_le_bytes());
    v.extend(kind.to_le_bytes());
    v
}

#[test]
fn e820_walks_the_map_with_20_byte_records() {
    let mut m = machine();
    let mut bios = bios_128m();
    let expect = [
        (0u64, 0x9fc00u64, 1u32),
        (0x9fc00, 0x400, 2),
        (0xf0000, 0x10000, 2),
        (0x100000, 0x7ef0000, 1),
        (0x7ff0000, 0x10000, 3),
        (0xfffc0000, 0x40000, 2),
    ];
    let mut ebx = 0;
    for (i, &(base, len, kind)) in expect.iter().enumerate() {
        m.mem.fill(BUF as u32, 32, CANARY);
        let r = call(&mut m, &mut bios, 0x15, e820_call(ebx, 20));
        assert!(!r.cf(), "entry {i}");
        assert_eq!(r.eax, SMAP);
        assert_eq!(r.ecx, 20);
        assert_eq!(m.mem.slice(BUF as u32, 20), &record(base, len, kind)[..]);
        assert_eq!(m.mem.slice(BUF as u32 + 20, 12), &[CANARY; 12]);
        let next = if i + 1 == expect.len() {
            0
        } else {
            i as u32 + 1
        };
        assert_eq!(r.ebx, next, "continuation after entry {i}");
        ebx = r.ebx;
    }
}

#[test]
fn e820_writes_the_acpi3_attributes_when_the_buffer_has_room() {
    let mut m = machine();
    let mut bios = bios_128m();
    m.mem.fill(BUF as u32, 32, CANARY);
    let r = call(&mut m, &mut bios, 0x15, e820_call(3, 32));
    assert!(!r.cf());
    assert_eq!(r.ecx, 24);
    assert_eq!(r.ebx, 4);
    let mut want = record(0x100000, 0x7ef0000, 1);
    want.extend(1u32.to_le_bytes());
    assert_eq!(m.mem.slice(BUF as u32, 24), &want[..]);
    assert_eq!(m.mem.slice(BUF as u32 + 24, 8), &[CANARY; 8]);
}

#[test]
fn e820_refuses_bad_calls_without_writing() {
    let mut m = machine();
    let mut bios = bios_128m();
    let bad = [
        Regs {
            edx: 0x534d_4151,
            ..e820_call(0, 20)
        },
        e820_call(0, 19),
        e820_call(6, 20),
        e820_call(0xffff_ffff, 24),
        // 24 bytes from 1000:FFF0 would run past the segment.
        Regs {
            edi: 0xfff0,
            ..e820_call(0, 24)
        },
    ];
    for (i, regs) in bad.into_iter().enumerate() {
        m.mem.fill(BUF as u32, 32, CANARY);
        m.mem.fill(0x1fff0, 16, CANARY);
        let r = call(&mut m, &mut bios, 0x15, regs);
        assert!(r.cf(), "case {i}");
        assert_eq!(r.ah(), 0x86, "case {i}");
        assert_eq!(m.mem.slice(BUF as u32, 32), &[CANARY; 32], "case {i}");
        assert_eq!(m.mem.slice(0x1fff0, 16), &[CANARY; 16], "case {i}");
    }
}

#[test]
fn e820_on_an_empty_map_fails() {
    let mut m = machine();
    let r = call(&mut m, &mut Bios::new(), 0x15, e820_call(0, 20));
    assert!(r.cf());
}

#[test]
fn e820_buffer_above_1m_wraps_when_the_caller_has_a20_off() {
    let mut m = machine();
    let mut bios = bios_128m();
    m.cpu.a20 = false;
    let regs = Regs {
        es: 0xffff,
        edi: 0x0110,
        ..e820_call(0, 20)
    };
    let r = call(&mut m, &mut bios, 0x15, regs);
    assert!(!r.cf());
    assert_eq!(m.mem.slice(0x100, 20), &record(0, 0x9fc00, 1)[..]);
    assert_eq!(m.mem.slice(0x100100, 20), &[0; 20]);
    m.cpu.a20 = true;
    let r = call(&mut m, &mut bios, 0x15, regs);
    assert!(!r.cf());
    assert_eq!(m.mem.slice(0x100100, 20), &record(0, 0x9fc00, 1)[..]);
}

fn e801(bios: &mut Bios) -> Regs {
    let mut m = machine();
    let r = call(&mut m, bios, 0x15, ax(0xe801));
    assert!(!r.cf());
    assert_eq!(r.ax(), r.cx());
    assert_eq!(r.bx(), r.dx());
    r
}

#[test]
fn e801_and_88_for_128m() {
    let r = e801(&mut bios_128m());
    assert_eq!(r.ax(), 15360);
    // 16 MiB .. 128 MiB - 64 KiB (ACPI tables at the top).
    assert_eq!(r.bx(), 0x06ff);
    let mut m = machine();
    let r = call(&mut m, &mut bios_128m(), 0x15, ax(0x8800));
    assert!(!r.cf());
    assert_eq!(r.ax(), 0xfc00);
}

#[test]
fn e801_and_88_for_4g() {
    let r = e801(&mut bios_4g());
    assert_eq!(r.ax(), 15360);
    // 16 MiB .. 3 GiB; RAM above 4 GiB is not E801's.
    assert_eq!(r.bx(), 0xbf00);
    let mut m = machine();
    let r = call(&mut m, &mut bios_4g(), 0x15, ax(0x8800));
    assert_eq!(r.ax(), 0xfc00);
}

#[test]
fn e801_and_88_for_small_guests() {
    let r = e801(&mut bios_with_ram_to(8 * MIB));
    assert_eq!((r.ax(), r.bx()), (7168, 0));
    let mut m = machine();
    let r = call(&mut m, &mut bios_with_ram_to(32 * MIB), 0x15, ax(0x8800));
    assert_eq!(r.ax(), 31 * 1024);
}

const GDT_SEG: u16 = 0x2000;
const GDT: u32 = 0x20000;

/// A data descriptor: 24-bit base in bytes 2-4, base 31:24 in byte 7.
fn descriptor(base: u32, limit: u16) -> [u8; 8] {
    let b = base.to_le_bytes();
    let l = limit.to_le_bytes();
    [l[0], l[1], b[0], b[1], b[2], 0x93, 0, b[3]]
}

fn block_move(m: &mut Machine, src: [u8; 8], dst: [u8; 8], words: u16) -> Regs {
    m.mem.fill(GDT, 0x30, 0);
    m.mem.write(GDT + 0x10, &src);
    m.mem.write(GDT + 0x18, &dst);
    let regs = Regs {
        eax: 0x8700,
        ecx: words as u32,
        es: GDT_SEG,
        esi: 0,
        ..Default::default()
    };
    call(m, &mut Bios::new(), 0x15, regs)
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + 3) as u8).collect()
}

#[test]
fn block_move_copies_to_high_memory() {
    let mut m = machine();
    let data = pattern(0x200);
    m.mem.write(0x30000, &data);
    m.mem.fill(0x100000, 0x210, CANARY);
    let r = block_move(
        &mut m,
        descriptor(0x30000, 0xffff),
        descriptor(0x100000, 0xffff),
        0x100,
    );
    assert!(!r.cf());
    assert_eq!(r.ah(), 0);
    assert_eq!(m.mem.slice(0x100000, 0x200), &data[..]);
    assert_eq!(m.mem.slice(0x100200, 0x10), &[CANARY; 0x10]);
}

#[test]
fn block_move_uses_base_bits_31_24() {
    let mut m = machine();
    m.mem = SimMemory::new(0x1001000);
    let data = pattern(64);
    m.mem.write(0x30000, &data);
    let r = block_move(
        &mut m,
        descriptor(0x30000, 0xffff),
        descriptor(0x0100_0000, 0xffff),
        32,
    );
    assert!(!r.cf());
    assert_eq!(m.mem.slice(0x0100_0000, 64), &data[..]);
}

#[test]
fn block_move_overlapping_upwards_behaves_like_rep_movsw() {
    let mut m = machine();
    m.mem.write(0x30000, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    let r = block_move(
        &mut m,
        descriptor(0x30000, 0xffff),
        descriptor(0x30002, 0xffff),
        4,
    );
    assert!(!r.cf());
    assert_eq!(m.mem.slice(0x30000, 10), &[1, 2, 1, 2, 1, 2, 1, 2, 1, 2]);
}

#[test]
fn block_move_refuses_what_would_fault() {
    let mut m = machine();
    let data = pattern(0x200);
    m.mem.write(0x30000, &data);
    let cases = [
        // Destination limit too small for 0x100 words.
        (
            descriptor(0x30000, 0xffff),
            descriptor(0x40000, 0x1fe),
            0x100,
        ),
        // Source limit too small.
        (
            descriptor(0x30000, 0x00ff),
            descriptor(0x40000, 0xffff),
            0x100,
        ),
        // More than 64 KiB.
        (
            descriptor(0x30000, 0xffff),
            descriptor(0x40000, 0xffff),
            0x8001,
        ),
        // Past 4 GiB.
        (
            descriptor(0xffff_ff00, 0xffff),
            descriptor(0x40000, 0xffff),
            0x100,
        ),
    ];
    for (i, (src, dst, words)) in cases.into_iter().enumerate() {
        m.mem.fill(0x40000, 0x200, CANARY);
        let r = block_move(&mut m, src, dst, words);
        assert!(r.cf(), "case {i}");
        assert_eq!(r.ah(), 0x02, "case {i}");
        assert_eq!(
            m.mem.slice(0x40000, 0x200),
            &[CANARY; 0x200][..],
            "case {i}"
        );
    }
    // Exactly at the limit is fine.
    let r = block_move(
        &mut m,
        descriptor(0x30000, 0x1ff),
        descriptor(0x40000, 0x1ff),
        0x100,
    );
    assert!(!r.cf());
    assert_eq!(m.mem.slice(0x40000, 0x200), &data[..]);
}

#[test]
fn block_move_gdt_past_segment_end_is_refused() {
    let mut m = machine();
    let regs = Regs {
        eax: 0x8700,
        ecx: 1,
        es: GDT_SEG,
        esi: 0xfff0,
        ..Default::default()
    };
    let r = call(&mut m, &mut Bios::new(), 0x15, regs);
    assert!(r.cf());
    assert_eq!(r.ah(), 0x02);
}

#[test]
fn a20_functions() {
    let mut m = machine();
    let mut bios = Bios::new();
    m.cpu.a20 = false;
    let r = call(&mut m, &mut bios, 0x15, ax(0x2402));
    assert_eq!((r.ah(), r.al(), r.cf()), (0, 0, false));
    let r = call(&mut m, &mut bios, 0x15, ax(0x2401));
    assert_eq!((r.ah(), r.cf()), (0, false));
    assert!(m.cpu.a20);
    let r = call(&mut m, &mut bios, 0x15, ax(0x2402));
    assert_eq!((r.ah(), r.al()), (0, 1));
    let r = call(&mut m, &mut bios, 0x15, ax(0x2400));
    assert!(!r.cf());
    assert!(!m.cpu.a20);
    let r = call(&mut m, &mut bios, 0x15, ax(0x2403));
    assert_eq!((r.ah(), r.bx(), r.cf()), (0, 3, false));
    let r = call(&mut m, &mut bios, 0x15, ax(0x2404));
    assert_eq!((r.ah(), r.cf()), (0x86, true));
}

#[test]
fn wait_yields_then_returns_at_the_deadline() {
    let mut m = machine();
    let mut bios = Bios::new();
    // One second.
    let regs = Regs {
        eax: 0x8600,
        ecx: 0x000f,
        edx: 0x4240,
        ip: 0x1234,
        cs: 0x5000,
        esp: 0xffe0,
        ..Default::default()
    };
    let start = m.clock.micros();
    let (r, action) = int(&mut m, &mut bios, 0x15, regs);
    assert_eq!(action, Action::Yield);
    assert_eq!(r.eax, 0x8600, "a yielding call leaves the frame alone");
    // Interrupts ran for half a second: still waiting.
    m.clock.advance(500_000);
    assert_eq!(int(&mut m, &mut bios, 0x15, regs).1, Action::Yield);
    // Close to the end: the rest is spun, then success.
    m.clock.advance(480_000);
    let (r, action) = int(&mut m, &mut bios, 0x15, regs);
    assert_eq!(action, Action::Return);
    assert_eq!((r.ah(), r.cf()), (0, false));
    assert!(m.clock.micros() >= start + 1_000_000);
    // The next wait from the same place starts afresh.
    assert_eq!(int(&mut m, &mut bios, 0x15, regs).1, Action::Yield);
}

#[test]
fn short_and_zero_waits_return_at_once() {
    let mut m = machine();
    let mut bios = Bios::new();
    let r = call(&mut m, &mut bios, 0x15, ax(0x8600));
    assert!(!r.cf());
    let regs = Regs {
        eax: 0x8600,
        edx: 1000,
        ..Default::default()
    };
    let start = m.clock.micros();
    let r = call(&mut m, &mut bios, 0x15, regs);
    assert!(!r.cf());
    assert!(m.clock.micros() >= start + 1000);
}

#[test]
fn configuration_and_small_functions() {
    let mut m = machine();
    let mut bios = Bios::new();
    let r = call(&mut m, &mut bios, 0x15, ax(0xc000));
    assert_eq!((r.es, r.bx(), r.ah(), r.cf()), (0xf000, 0xe6f5, 0, false));
    let r = call(&mut m, &mut bios, 0x15, ax(0xc100));
    assert_eq!((r.es, r.cf()), (0x9fc0, false));
    let r = call(&mut m, &mut bios, 0x15, ax(0x4f1e));
    assert_eq!((r.al(), r.cf()), (0x1e, true), "4F: process the key");
    for f in [0x9000, 0x9100] {
        let r = call(&mut m, &mut bios, 0x15, Regs { flags: 1, ..ax(f) });
        assert_eq!((r.ah(), r.cf()), (0, false));
    }
    for f in [0xc200, 0x5300, 0x8900, 0xe980, 0x8300, 0xe881] {
        let r = call(&mut m, &mut bios, 0x15, ax(f));
        assert_eq!((r.ah(), r.cf()), (0x86, true), "function {f:#06x}");
    }
}
