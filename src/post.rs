//! Power-on self test: the order in which the machine is brought up. Each step lives in
//! the module it concerns; this file is the sequence.

use crate::bda;
use crate::bios::{Bios, Ctx};
use crate::ivt::{self, Handlers};
use crate::mem::Memory;

pub use crate::layout::{EBDA_SIZE, EBDA_START, LOW_MEM_END};

pub fn run(ctx: &mut Ctx, bios: &mut Bios, handlers: &Handlers) {
    ivt::install(ctx.mem, handlers);
    init_bda(ctx.mem);
    if ctx.cpu.cpuid(1, 0)[3] & crate::cpu::CPUID_1_EDX_APIC != 0 {
        crate::hw::apic::virtual_wire(ctx.mem, crate::hw::apic::DEFAULT_BASE);
    }
    crate::hw::pic::init(ctx.io);
    crate::hw::pit::init(ctx.io);
    crate::services::time::init(ctx);
    crate::memory::detect(ctx, &mut bios.e820);
    crate::hw::pci::setup(ctx, &bios.e820, &mut bios.pci);
    // ACPI, SMBIOS, MP table, BIOS32/$PnP headers (after PCI: QEMU builds its ACPI
    // tables from the PCI set-up when the loader first reads them).
    crate::tables::setup(ctx, bios);
    crate::hw::ps2::init(ctx);
    crate::hw::ata::probe(ctx, &bios.pci, &mut bios.drives);
    ctx.mem
        .write_u8(bda::at(bda::DISK_COUNT), bios.drives.disk_count());
    crate::boot::setup(ctx, bios, None);
    info!("post", "done");
}

/// BDA and EBDA as loaders expect them before any driver runs.
fn init_bda(mem: &mut dyn Memory) {
    mem.fill(bda::BDA, 0x100, 0);
    // Only the standard part: the rest of the EBDA is the firmware's data and stack.
    mem.fill(EBDA_START, crate::layout::EBDA_STANDARD, 0);
    mem.write_u8(EBDA_START, (EBDA_SIZE / 1024) as u8);
    mem.write_u16(bda::at(bda::EBDA_SEG), (EBDA_START >> 4) as u16);
    mem.write_u16(bda::at(bda::MEM_KB), (EBDA_START / 1024) as u16);
    mem.write_u16(bda::at(bda::COM_PORTS), crate::hw::serial::COM1);
    // Equipment: x87 present, 80x25 colour video, one serial port.
    const EQUIP_FPU: u16 = 1 << 1;
    const EQUIP_VIDEO_80X25_COLOR: u16 = 0b10 << 4;
    const EQUIP_ONE_SERIAL: u16 = 1 << 9;
    mem.write_u16(
        bda::at(bda::EQUIPMENT),
        EQUIP_FPU | EQUIP_VIDEO_80X25_COLOR | EQUIP_ONE_SERIAL,
    );
    // Keyboard ring: 16 words at 40:1E.
    let kbd_start = bda::KBD_BUF as u16;
    let kbd_end = kbd_start + 32;
    for off in [bda::KBD_HEAD, bda::KBD_TAIL, bda::KBD_BUF_START] {
        mem.write_u16(bda::at(off), kbd_start);
    }
    mem.write_u16(bda::at(bda::KBD_BUF_END), kbd_end);
    // Text mode 3 as a VGA BIOS would leave it.
    mem.write_u8(bda::at(bda::VIDEO_MODE), 3);
    mem.write_u16(bda::at(bda::VIDEO_COLS), 80);
    mem.write_u8(bda::at(bda::VIDEO_ROWS), 24);
    mem.write_u16(bda::at(bda::VIDEO_PAGE_SIZE), 80 * 25 * 2);
    mem.write_u16(bda::at(bda::CRTC_BASE), 0x3d4);
    mem.write_u16(bda::at(bda::CHAR_HEIGHT), 16);
    mem.write_u16(bda::at(bda::CURSOR_TYPE), 0x0607);
}
