//! POST's platform set-up: the policy that decides what the machine looks like to the OS
//! (the memory map), on top of the drivers.

pub mod memmap;
pub mod pci;
