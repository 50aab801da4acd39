//! Power-on self test: the order in which the machine is brought up.

use crate::hw::PortIo;
use crate::mem::Memory;

pub fn run(mem: &mut dyn Memory, io: &dyn PortIo) {
    let _ = (mem, io);
    info!("post", "done");
}
