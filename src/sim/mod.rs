//! Simulated hardware for host tests: memory, port space and devices.
//!
//! Built with feature `sim` (the crate's own dev-dependency turns it on), never in the
//! image.

pub mod ata;
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

pub use ata::{SimAtaChannel, SimAtaDevice};
pub use cpu::{ScriptedCpu, SimClock, SimConsole, SimCpu};
pub use disk::{DiskCall, DiskState, FakeDisk};
pub use fw_cfg::{DmaFault, PORTS_END as FW_CFG_PORTS_END, SimDmaAccess, SimFwCfg};
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

use std::sync::Mutex;

static CAPTURE: Mutex<String> = Mutex::new(String::new());

fn capture_sink(s: &str) {
    CAPTURE.lock().unwrap().push_str(s);
}

/// Send log lines to a buffer that `take_log` returns (tests assert on logged reasons).
pub fn capture_log() {
    crate::log::set_sink(capture_sink);
}

pub fn take_log() -> String {
    std::mem::take(&mut *CAPTURE.lock().unwrap())
}
