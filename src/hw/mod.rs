//! Hardware access traits and the drivers built on them.

pub mod port;
pub mod serial;

pub use port::PortIo;
