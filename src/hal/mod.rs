//! The hardware layer: the traits through which everything above reaches the machine, and
//! nothing else. It imports no other module of the firmware.
//!
//! | trait | what | in the image | in host tests |
//! | --- | --- | --- | --- |
//! | [`Memory`] (and [`FarPtr`], [`linear`]) | guest memory by linear address | `arch::FlatMemory` | `xenbios_sim::SimMemory` |
//! | [`DmaMemory`] | memory as a bus-master device reaches it | `arch::FlatDma` | `xenbios_sim::SimDma` |
//! | [`PortIo`] | x86 port I/O | `arch::Ports` | `xenbios_sim::SimPorts` |
//! | [`Clock`] (and [`Deadline`], [`poll`]) | time for timeouts | `hw::timer::TscClock` | `xenbios_sim::SimClock` |
//! | [`Cpu`] (and [`Call16`], [`Regs`]) | calls into real-mode code, A20, CPUID, MSRs | `arch::RealCpu` | `xenbios_sim::SimCpu` |
//! | [`Console`] | the user-visible text console | `image::SerialConsole` | `xenbios_sim::SimConsole` |
//! | [`Hypervisor`], [`XenCpu`] | Xen's hypercalls, finding Xen | `arch::x86::xen` | `xenbios_sim::xen` |
//!
//! [`Regs`] and [`Action`] are also the contract with the real-mode trampoline: the frame
//! an interrupt service edits and what the trampoline does when the service returns.
//!
//! A driver or service gets the hardware as one [`Ctx`], built per call by the image (and
//! by tests), and keeps only its own state.

pub mod clock;
pub mod console;
pub mod cpu;
pub mod hypercall;
pub mod io;
pub mod mem;
pub mod regs;

pub use clock::{Clock, Deadline, poll};
pub use console::Console;
pub use cpu::{Call16, Cpu, call_kind};
pub use hypercall::{GnttabSize, Hypervisor, XenCpu, XenErrno, XenResult};
pub use io::PortIo;
pub use mem::{DmaMemory, FarPtr, Memory, MemoryExt, linear};
pub use regs::{Action, Flags, Regs};

/// Hardware as the services see it. Built per call by the image (and by tests).
pub struct Ctx<'a> {
    pub mem: &'a mut dyn Memory,
    pub io: &'a dyn PortIo,
    pub clock: &'a dyn Clock,
    pub cpu: &'a mut dyn Cpu,
    pub console: &'a mut dyn Console,
}
