//! The real-mode interrupt vector table as POST installs it (src/ivt.rs).

use xenbios::hal::mem::FarPtr;
use xenbios::ivt::{Handlers, get, install};
use xenbios_sim::SimMemory;

#[test]
fn services_override_defaults() {
    let mut mem = SimMemory::new(0x1000);
    let h = Handlers {
        segment: 0xf000,
        iret: 0xff53,
        irq_master: 0x100,
        irq_slave: 0x110,
        services: &[(0x13, 0xe3fe), (0x08, 0xfea5)],
        diskette_params: 0xefc7,
    };
    install(&mut mem, &h);
    assert_eq!(get(&mem, 0x00), FarPtr::new(0xf000, 0xff53));
    assert_eq!(get(&mem, 0x13), FarPtr::new(0xf000, 0xe3fe));
    assert_eq!(get(&mem, 0x08), FarPtr::new(0xf000, 0xfea5));
    assert_eq!(get(&mem, 0x09), FarPtr::new(0xf000, 0x100));
    assert_eq!(get(&mem, 0x76), FarPtr::new(0xf000, 0x110));
    assert_eq!(get(&mem, 0x1e), FarPtr::new(0xf000, 0xefc7));
    assert_eq!(get(&mem, 0x41), FarPtr::default());
}
