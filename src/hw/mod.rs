//! Hardware access traits and the drivers built on them.

pub mod apic;
pub mod ata;
pub mod clock;
pub mod cmos;
pub mod fw_cfg;
pub mod pam;
pub mod pci;
pub mod pic;
pub mod pit;
pub mod port;
pub mod ps2;
pub mod serial;
pub mod timer;

pub use port::PortIo;
