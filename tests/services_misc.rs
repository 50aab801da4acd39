//! int11, int12, int14 and int17.

mod services_util;

use services_util::*;
use std::cell::RefCell;
use std::rc::Rc;
use xenbios::bda;
use xenbios::bios::Bios;
use xenbios::hal::mem::Memory;
use xenbios::hal::regs::{Action, Regs};
use xenbios_sim::{Machine, PortDevice, SimUart};

#[test]
fn equipment_and_memory_size() {
    let mut m = machine();
    let mut bios = Bios::new();
    let r = call(&mut m, &mut bios, 0x11, Regs::default());
    assert_eq!(r.ax(), 0x0222);
    let r = call(&mut m, &mut bios, 0x12, Regs::default());
    assert_eq!(r.ax(), 639);
}

fn com1(m: &mut Machine) -> Rc<RefCell<SimUart>> {
    attach(m, &[(0x3f8, 0x3ff)], SimUart::new(0x3f8))
}

#[test]
fn serial_init_programs_the_uart() {
    let mut m = machine();
    let uart = com1(&mut m);
    // 9600 baud, no parity, 1 stop bit, 8 bits.
    let r = call(&mut m, &mut Bios::new(), 0x14, ax(0x00e3));
    assert!(!r.cf());
    assert_eq!((uart.borrow().divisor, uart.borrow().lcr), (12, 0x03));
    assert_eq!((r.ah(), r.al()), (0x60, 0xb0));
    // 110 baud, even parity, 2 stop bits, 7 bits.
    call(&mut m, &mut Bios::new(), 0x14, ax(0x001e));
    assert_eq!((uart.borrow().divisor, uart.borrow().lcr), (0x417, 0x1e));
    call(&mut m, &mut Bios::new(), 0x14, ax(0x0040));
    assert_eq!(uart.borrow().divisor, 0x180, "300 baud");
}

#[test]
fn serial_send_receive_status() {
    let mut m = machine();
    let uart = com1(&mut m);
    let mut bios = Bios::new();
    let r = call(&mut m, &mut bios, 0x14, ax(0x0141));
    assert_eq!((r.ah(), r.al(), r.cf()), (0x60, 0x41, false));
    assert_eq!(uart.borrow().tx, b"A");
    uart.borrow_mut().rx.push_back(b'z');
    let r = call(&mut m, &mut bios, 0x14, ax(0x0300));
    assert_eq!((r.ah(), r.al()), (0x61, 0xb0));
    let r = call(&mut m, &mut bios, 0x14, ax(0x0200));
    assert_eq!((r.ah(), r.al(), r.cf()), (0x61, b'z', false));
}

#[test]
fn serial_receive_waits_with_yield_until_the_timeout() {
    let mut m = machine();
    let uart = com1(&mut m);
    let mut bios = Bios::new();
    let regs = ax(0x0200);
    assert_eq!(int(&mut m, &mut bios, 0x14, regs).1, Action::Yield);
    m.clock.advance(100_000);
    assert_eq!(int(&mut m, &mut bios, 0x14, regs).1, Action::Yield);
    // Default timeout: 10 ticks.
    m.clock.advance(500_000);
    let (r, a) = int(&mut m, &mut bios, 0x14, regs);
    assert_eq!(a, Action::Return);
    assert_eq!((r.ah(), r.cf()), (0x80 | 0x60, false));
    // Data arriving during a wait ends it.
    assert_eq!(int(&mut m, &mut bios, 0x14, regs).1, Action::Yield);
    uart.borrow_mut().rx.push_back(b'q');
    let r = call(&mut m, &mut bios, 0x14, regs);
    assert_eq!((r.ah(), r.al()), (0x61, b'q'));
}

#[test]
fn serial_send_times_out_on_a_stuck_transmitter() {
    let mut m = machine();
    let uart = com1(&mut m);
    uart.borrow_mut().tx_stuck = true;
    // BDA timeout for COM1: 2 ticks.
    m.mem.write_u8(bda::at(0x7c), 2);
    let mut bios = Bios::new();
    let regs = ax(0x0155);
    assert_eq!(int(&mut m, &mut bios, 0x14, regs).1, Action::Yield);
    m.clock.advance(110_000);
    let r = call(&mut m, &mut bios, 0x14, regs);
    assert_eq!((r.ah(), r.cf()), (0x80, false));
    assert!(uart.borrow().tx.is_empty());
}

#[test]
fn serial_ports_not_in_the_bda() {
    let mut m = machine();
    for dx in [1u32, 4, 0xffff] {
        let r = call(
            &mut m,
            &mut Bios::new(),
            0x14,
            Regs {
                edx: dx,
                ..ax(0x0141)
            },
        );
        assert_eq!((r.ah(), r.cf()), (0x80, true), "port {dx}");
    }
    let r = call(&mut m, &mut Bios::new(), 0x14, ax(0x0400));
    assert_eq!((r.ah(), r.cf()), (0x86, true));
}

#[test]
fn printer_absent() {
    let mut m = machine();
    for f in [0x0041, 0x0100, 0x0200] {
        let r = call(&mut m, &mut Bios::new(), 0x17, ax(f));
        assert_eq!((r.ah(), r.cf()), (0x09, true), "{f:#06x}");
    }
    let r = call(&mut m, &mut Bios::new(), 0x17, ax(0x0300));
    assert_eq!((r.ah(), r.cf()), (0x86, true));
}

/// A parallel port with a printer that is ready, or busy.
struct Lpt {
    busy: bool,
    data: Vec<u8>,
    control: Vec<u8>,
}

impl PortDevice for Lpt {
    fn read(&mut self, port: u16, _size: u8) -> u32 {
        match port {
            // Not busy (bit 7 high = not busy), selected, no error (bit 3 high), no ack.
            0x379 if self.busy => 0x58,
            0x379 => 0xd8,
            _ => 0xff,
        }
    }
    fn write(&mut self, port: u16, _size: u8, value: u32) {
        match port {
            0x378 => self.data.push(value as u8),
            0x37a => self.control.push(value as u8),
            _ => {}
        }
    }
}

#[test]
fn printer_present() {
    let mut m = machine();
    m.mem.write_u16(bda::at(bda::LPT_PORTS), 0x378);
    let lpt = attach(
        &mut m,
        &[(0x378, 0x37a)],
        Lpt {
            busy: false,
            data: vec![],
            control: vec![],
        },
    );
    let mut bios = Bios::new();
    let r = call(&mut m, &mut bios, 0x17, ax(0x0200));
    assert_eq!((r.ah(), r.cf()), (0x90, false));
    let r = call(&mut m, &mut bios, 0x17, ax(0x0058));
    assert_eq!((r.ah(), r.cf()), (0x90, false));
    assert_eq!(lpt.borrow().data, b"X");
    assert_eq!(lpt.borrow().control, [0x0d, 0x0c]);
    call(&mut m, &mut bios, 0x17, ax(0x0100));
    assert_eq!(lpt.borrow().control[2..], [0x08, 0x0c]);
    lpt.borrow_mut().busy = true;
    let regs = ax(0x0059);
    assert_eq!(int(&mut m, &mut bios, 0x17, regs).1, Action::Yield);
    m.clock.advance(2_000_000);
    let r = call(&mut m, &mut bios, 0x17, regs);
    assert_eq!(r.ah(), 0x11);
    assert_eq!(lpt.borrow().data, b"X");
}

// ---- the dispatcher ------------------------------------------------------------------

#[test]
fn services_without_state_are_served_without_it_the_others_are_not() {
    use xenbios::dispatch::{Next, stateless};
    let mut m = Machine::default();
    for v in [0x09, 0x10, 0x11, 0x12, 0x16, 0x1a, 0x70, 0x74] {
        let mut regs = Regs {
            vector: v,
            // int16/01 (peek) does not wait; int10/0F reads the mode.
            eax: if v == 0x16 { 0x0100 } else { 0x0f00 },
            ..Default::default()
        };
        assert!(
            matches!(stateless(&mut regs, &mut m.ctx()), Some(Next::Return)),
            "{v:#x}"
        );
    }
    for (v, ax) in [
        (0x13, 0),
        (0x14, 0),
        (0x15, 0),
        (0x17, 0),
        (0x18, 0),
        (0x19, 0),
        (0x40, 0),
        (0x1a, 0xb101),
    ] {
        let mut regs = Regs {
            vector: v,
            eax: ax,
            ..Default::default()
        };
        assert!(stateless(&mut regs, &mut m.ctx()).is_none(), "{v:#x}");
    }
}
