//! Shared set-up for the services tests: a machine with the BDA as POST leaves it, calls
//! through the dispatcher.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;
use xenbios::bda;
use xenbios::bios::Bios;
use xenbios::dispatch::Next;
use xenbios::hal::mem::Memory;
use xenbios::hal::regs::{Action, Regs};
use xenbios_sim::{Machine, PortDevice, SimI8042, SimRtc};

pub const KBD_RING_START: u16 = 0x1e;
pub const KBD_RING_END: u16 = 0x3e;

/// BDA fields the services read, as POST sets them.
pub fn machine() -> Machine {
    let mut m = Machine::default();
    let mem = &mut m.mem;
    mem.write_u16(bda::at(bda::COM_PORTS), 0x3f8);
    mem.write_u16(bda::at(bda::EQUIPMENT), 0x0222);
    mem.write_u16(bda::at(bda::MEM_KB), 639);
    mem.write_u16(bda::at(bda::EBDA_SEG), 0x9fc0);
    for off in [bda::KBD_HEAD, bda::KBD_TAIL, bda::KBD_BUF_START] {
        mem.write_u16(bda::at(off), KBD_RING_START);
    }
    mem.write_u16(bda::at(bda::KBD_BUF_END), KBD_RING_END);
    mem.write_u8(bda::at(bda::VIDEO_MODE), 3);
    mem.write_u16(bda::at(bda::VIDEO_COLS), 80);
    mem.write_u8(bda::at(bda::VIDEO_ROWS), 24);
    mem.write_u16(bda::at(bda::VIDEO_PAGE_SIZE), 4000);
    mem.write_u16(bda::at(bda::CURSOR_TYPE), 0x0607);
    m
}

pub fn attach<D: PortDevice + 'static>(
    m: &mut Machine,
    ports: &[(u16, u16)],
    dev: D,
) -> Rc<RefCell<D>> {
    let d = Rc::new(RefCell::new(dev));
    for &(first, last) in ports {
        m.ports.attach(first, last, d.clone());
    }
    d
}

pub fn i8042(m: &mut Machine) -> Rc<RefCell<SimI8042>> {
    attach(m, &[(0x60, 0x60), (0x64, 0x64)], SimI8042::new())
}

pub fn rtc(m: &mut Machine) -> Rc<RefCell<SimRtc>> {
    attach(m, &[(0x70, 0x71)], SimRtc::new())
}

/// `int vector` with `regs`, through the dispatcher.
pub fn int(m: &mut Machine, bios: &mut Bios, vector: u8, regs: Regs) -> (Regs, Action) {
    let mut r = Regs {
        vector: vector as u16,
        ..regs
    };
    let action = match xenbios::dispatch::dispatch(&mut r, &mut m.ctx(), bios) {
        Next::Return => Action::Return,
        Next::Yield => Action::Yield,
        Next::Boot(call) => panic!("int {vector:#x} booted: {call:?}"),
    };
    (r, action)
}

/// Same, for calls that must return (not yield).
pub fn call(m: &mut Machine, bios: &mut Bios, vector: u8, regs: Regs) -> Regs {
    let (r, action) = int(m, bios, vector, regs);
    assert_eq!(action, Action::Return, "int {vector:#x} yielded");
    r
}

pub fn ax(v: u16) -> Regs {
    Regs {
        eax: v as u32,
        ..Default::default()
    }
}
