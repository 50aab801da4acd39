//! TODO: 8254 PIT.

use super::PortIo;

pub fn init(io: &dyn PortIo) {
    let _ = io;
}
