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

/// Vector 1Eh is no handler: it points to the diskette parameter table (what int13/08
/// returns in ES:DI for a diskette drive, and what DOS copies and patches).
pub const DISKETTE_PARAMS: u8 = 0x1e;

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
    set(mem, DISKETTE_PARAMS, at(h.diskette_params));
    // Table pointers nothing provides yet (video parameters, 8x8 font high half, fixed
    // disk parameters) and the user vectors 60h-67h are null, as programs expect.
    for v in [
        0x1d, 0x1f, 0x41, 0x46, 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
    ] {
        set(mem, v, FarPtr::default());
    }
}
