//! TODO: 8259A pair.

use super::PortIo;

pub fn init(io: &dyn PortIo) {
    let _ = io;
}
