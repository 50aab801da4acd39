//! Simulated hardware for xenbios's host tests: memory, a port space and devices (PIC,
//! PIT, RTC, 16550 UART, i8042, IDE, PCI configuration space, QEMU's fw_cfg), a CPU, a
//! clock and a console ([`Machine`]), a [`FakeDisk`] behind the block layer's interface,
//! and a simulated Xen ([`xen`]: hypercalls, grant table, event channels, xenstore, PV
//! block backends). The firmware's tests (`tests/*.rs`) run the firmware's logic
//! against it.
//!
//! It is a dev-dependency of the firmware crate and never part of the image.
//!
//! The rule: the simulator reads the specifications itself. Register numbers, bits and
//! protocol constants come from the datasheets and specifications of what is simulated
//! (each with a comment naming its source) or from the `xen-headers` crate, never from
//! the firmware module that drives the device, so that a wrong constant in a driver makes
//! a test fail instead of being equally wrong here. From the firmware it takes only what
//! it must implement or hand over: the hardware traits (`xenbios::hal`), the block
//! layer's interface (`xenbios::block`), the e820 map type (`xenbios::e820`) and the log
//! sink (`xenbios::log`); `tests/independent.rs` keeps it so.

pub mod ata;
pub mod atapi;
mod cpu;
mod disk;
mod fw_cfg;
mod machine;
mod memory;
mod pci;
mod pic;
mod pit;
mod ports;
mod ps2;
mod rtc;
mod sparse;
mod uart;
pub mod xen;

pub use ata::{AtaPorts, SimAtaChannel, SimAtaDevice};
pub use atapi::SimCdrom;
pub use cpu::{ScriptedCpu, SimClock, SimConsole, SimCpu};
pub use disk::{DiskCall, DiskState, FakeDisk};
pub use fw_cfg::{
    DmaFault, PORTS_END as FW_CFG_PORTS_END, PORTS_START as FW_CFG_PORTS_START, SimDmaAccess,
    SimFwCfg,
};
pub use machine::{Machine, REAL_MODE_MEMORY};
pub use memory::SimMemory;
pub use pci::{SimBar, SimFunction, SimPci};
pub use pic::{Sim8259, SimElcr, SimPic};
pub use pit::{SimPit, SimTime, counter};
pub use ports::{PortDevice, SimPorts};
pub use ps2::SimI8042;
pub use rtc::SimRtc;
pub use sparse::{SIM_PAGE, Shared, SharedMemory, SharedSimMemory, SimDma, SparseMemory};
pub use uart::SimUart;

use std::cell::RefCell;

thread_local! {
    /// What this thread logged since it called [`capture_log`]; `None`: not capturing.
    static CAPTURE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The firmware's log sink in tests: one function for the whole process (the sink is a
/// global `fn(&str)`), writing to the calling thread's buffer. Lines from threads that
/// did not call [`capture_log`] are dropped.
fn capture_sink(s: &str) {
    // A thread that is being torn down has no buffer any more: its lines go nowhere.
    let _ = CAPTURE.try_with(|c| {
        if let Some(buf) = c.borrow_mut().as_mut() {
            buf.push_str(s);
        }
    });
}

/// Capture the log lines the calling thread writes from now on, starting empty; `take_log`
/// returns them (tests assert on logged reasons). Every test runs on its own thread, so
/// tests capture side by side without taking turns.
pub fn capture_log() {
    xenbios::log::set_sink(capture_sink);
    CAPTURE.with(|c| *c.borrow_mut() = Some(String::new()));
}

/// What the calling thread logged since `capture_log` or the last `take_log` (empty if it
/// never called `capture_log`).
pub fn take_log() -> String {
    CAPTURE.with(|c| {
        c.borrow_mut()
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    })
}
