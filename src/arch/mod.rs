//! CPU-mode specifics, only in the image: the real-mode trampoline, port I/O, flat memory.

pub mod x86;

pub use x86::{Call16, FlatMemory, Ports, call16};
