//! CPU-mode specifics, only in the image: the real-mode trampoline, port I/O, flat memory.

pub mod x86;

pub use x86::{BIOS_SEG, FlatMemory, Ports, RealCpu, RealXenCpu};
