//! The real-mode interrupt vector table.

use crate::hal::mem::{FarPtr, Memory, MemoryExt};

/// Where the trampoline's handlers are, as offsets in the BIOS segment (the image knows
/// them from linker symbols; tests make them up).
#[derive(Clone, Copy, Debug)]
pub struct Handlers<'a> {
    pub segment: u16,
    pub iret: u16,
    pub irq_master: u16,
    pub irq_slave: u16,
    /// Vector and handler offset of every BIOS service and IRQ handler with a stub.
    pub services: &'a [(u8, u16)],
    /// int 1Eh: diskette parameter table.
    pub diskette_params: u16,
}

pub fn set(mem: &mut dyn Memory, vector: u8, handler: FarPtr) {
    mem.write_obj(vector as u32 * 4, &handler);
}

pub fn get(mem: &dyn Memory, vector: u8) -> FarPtr {
    mem.read_obj(vector as u32 * 4)
}

/// Every vector to `iret`, hardware IRQs to an EOI handler, then the services.
#[inline(never)] // POST step: its locals live only while it runs (stack budget)
pub fn install(mem: &mut dyn Memory, h: &Handlers) {
    let at = |off| FarPtr::new(h.segment, off);
    for v in 0..=255u8 {
        set(mem, v, at(h.iret));
    }
    for v in 0x08..=0x0f {
        set(mem, v, at(h.irq_master));
    }
    for v in 0x70..=0x77 {
        set(mem, v, at(h.irq_slave));
    }
    for &(v, off) in h.services {
        set(mem, v, at(off));
    }
    set(mem, 0x1e, at(h.diskette_params));
    // Table pointers nothing provides yet (video parameters, 8x8 font high half, fixed
    // disk parameters) and the user vectors 60h-67h are null, as programs expect.
    for v in [
        0x1d, 0x1f, 0x41, 0x46, 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
    ] {
        set(mem, v, FarPtr::default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimMemory;

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
}
