//! Device drivers: each on the traits of `hal`, taking the parts of the state it touches.

pub mod apic;
pub mod ata;
pub mod cmos;
pub mod fw_cfg;
pub mod mtrr;
pub mod pam;
pub mod pci;
pub mod pic;
pub mod pit;
pub mod ps2;
pub mod serial;
pub mod timer;
