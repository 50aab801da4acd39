//! The 8259A interrupt controller pair of the PC/AT, and the ELCR (edge/level control
//! registers) that the PIIX3/ICH9 south bridges put next to it.
//!
//! Facts from the Intel 8259A datasheet (initialisation command words ICW1-4, operation
//! command words OCW1-2) and the PC/AT layout: master at 0x20, slave at 0xA0, slave
//! cascaded on master IRQ2, BIOS vectors 08h-0Fh (master) and 70h-77h (slave).

use crate::hal::PortIo;

pub const MASTER_CMD: u16 = 0x20;
pub const MASTER_DATA: u16 = 0x21;
pub const SLAVE_CMD: u16 = 0xa0;
pub const SLAVE_DATA: u16 = 0xa1;

/// Edge/level control: one bit per IRQ, 1 = level triggered (PIIX3 datasheet 4.1.2,
/// ICH9 datasheet 13.4.1; the same two ports on both).
pub const ELCR1: u16 = 0x4d0;
pub const ELCR2: u16 = 0x4d1;

/// ICW1: bit 4 starts initialisation, bit 0 announces an ICW4; cascade mode, edge
/// triggered (bits 1 and 3 clear).
const ICW1_INIT: u8 = 0x10;
const ICW1_NEED_ICW4: u8 = 0x01;
/// ICW4: 8086/8088 mode, normal (not automatic) EOI.
const ICW4_8086: u8 = 0x01;
/// OCW2: non-specific end of interrupt.
pub const OCW2_EOI: u8 = 0x20;

/// Where the BIOS has always put the hardware interrupts.
pub const MASTER_VECTOR_BASE: u8 = 0x08;
pub const SLAVE_VECTOR_BASE: u8 = 0x70;
/// The master input the slave's INT output is wired to.
pub const CASCADE_IRQ: u8 = 2;

pub const IRQ_TIMER: u8 = 0;
pub const IRQ_KEYBOARD: u8 = 1;

/// Mask (OCW1) bits: 1 = masked. At POST only the timer, the keyboard and the cascade
/// are open; drivers that need more call [`unmask`].
pub const POST_MASK: u16 = !((1 << IRQ_TIMER) | (1 << IRQ_KEYBOARD) | (1 << CASCADE_IRQ));

pub fn init(io: &dyn PortIo) {
    // ICW1 to both, then ICW2-4 go to the data ports in order.
    io.outb(MASTER_CMD, ICW1_INIT | ICW1_NEED_ICW4);
    io.outb(SLAVE_CMD, ICW1_INIT | ICW1_NEED_ICW4);
    io.outb(MASTER_DATA, MASTER_VECTOR_BASE);
    io.outb(SLAVE_DATA, SLAVE_VECTOR_BASE);
    // ICW3: the master gets a bit mask of inputs with a slave, the slave its cascade id.
    io.outb(MASTER_DATA, 1 << CASCADE_IRQ);
    io.outb(SLAVE_DATA, CASCADE_IRQ);
    io.outb(MASTER_DATA, ICW4_8086);
    io.outb(SLAVE_DATA, ICW4_8086);
    set_mask(io, POST_MASK);
    info!(
        "pic",
        "vectors {:#04x}/{:#04x}, open: timer, keyboard, cascade",
        MASTER_VECTOR_BASE,
        SLAVE_VECTOR_BASE
    );
}

/// Both interrupt mask registers as one word (bit n = IRQ n masked).
pub fn mask(io: &dyn PortIo) -> u16 {
    io.inb(MASTER_DATA) as u16 | (io.inb(SLAVE_DATA) as u16) << 8
}

pub fn set_mask(io: &dyn PortIo, mask: u16) {
    io.outb(MASTER_DATA, mask as u8);
    io.outb(SLAVE_DATA, (mask >> 8) as u8);
}

/// Open `irq` (0-15); a slave IRQ opens the cascade too.
pub fn unmask(io: &dyn PortIo, irq: u8) {
    let mut m = mask(io) & !(1 << (irq & 15));
    if irq >= 8 {
        m &= !(1 << CASCADE_IRQ);
    }
    set_mask(io, m);
}

pub fn mask_irq(io: &dyn PortIo, irq: u8) {
    set_mask(io, mask(io) | 1 << (irq & 15));
}

/// End of interrupt for `irq`: slave IRQs need it on both controllers.
pub fn eoi(io: &dyn PortIo, irq: u8) {
    if irq >= 8 {
        io.outb(SLAVE_CMD, OCW2_EOI);
    }
    io.outb(MASTER_CMD, OCW2_EOI);
}

/// The ELCR as one word (bit n = IRQ n level triggered).
pub fn elcr(io: &dyn PortIo) -> u16 {
    io.inb(ELCR1) as u16 | (io.inb(ELCR2) as u16) << 8
}

/// Make the IRQs in `irqs` (bit n = IRQ n) level triggered, keeping the others.
pub fn set_level_triggered(io: &dyn PortIo, irqs: u16) {
    let v = elcr(io) | irqs;
    io.outb(ELCR1, v as u8);
    io.outb(ELCR2, (v >> 8) as u8);
}
