//! Where the firmware lives in guest memory. `linker.ld` places the image by these
//! constants: src/arch/x86/asm.rs makes them absolute symbols of the same names, so the
//! linker script has no copy of them to get wrong (it checks the rest of the layout).
//!
//! - 0xE0000-0xFFFFF: the 128 KiB image. In the file: the packed blob, then the loader and
//!   the real-mode parts (see linker.ld). Once unpacked: the runtime code and data from
//!   0xE0000, then the loader and the real-mode parts, unchanged.
//! - `POST_BASE`: the POST-only code, unpacked at reset, filled with `POST_TRAP` after POST;
//!   e820 leaves it to the OS as RAM.
//! - `UNPACK_SCRATCH`: where the loader copies the blob before decoding it (RAM, free after).
//! - `EBDA_START`-0xA0000: the firmware's low area, a large EBDA: the standard first KiB
//!   (size byte, PS/2 mouse data), then the firmware's zeroed data and its one stack (both
//!   reachable from real mode, which call16 needs for the stack). int12 and e820 report
//!   conventional memory ending at `EBDA_START`, so loaders and OSes leave it alone.
//! - Below `ROM_STACK_TOP`: the stack option ROMs run on, their inits at POST and their
//!   boot entry vectors at int19, in segment 0 (free low RAM then; a boot sector comes to
//!   0x7C00, above it).

/// Conventional memory ends here (VGA memory follows).
pub const LOW_MEM_END: u32 = 0xa0000;
/// Start of the EBDA, and of the firmware's low area. KiB-aligned (linker.ld checks).
pub const EBDA_START: u32 = 0x97000;
/// What the EBDA size byte says: the whole low area, in KiB.
pub const EBDA_SIZE: u32 = LOW_MEM_END - EBDA_START;
/// The standard part of the EBDA, before the firmware's data.
pub const EBDA_STANDARD: u32 = 1024;

/// Top of the stack option ROM code runs on (init entries, boot entry vectors), 0000:7000
/// as under SeaBIOS. SS must be based at 0: SeaVGABIOS's init addresses its MMIO BAR
/// through DS = SS with 32-bit offsets, and QEMU's boot ROMs (`linuxboot_dma.bin`,
/// `multiboot_dma.bin`) give fw_cfg the offset of a descriptor on their stack as its
/// physical address.
pub const ROM_STACK_TOP: u16 = 0x7000;

/// The BIOS image.
pub const IMAGE_START: u32 = 0xe0000;
pub const IMAGE_END: u32 = 0x100000;

/// POST-only code and its jump tables, RAM above 1 MiB.
pub const POST_BASE: u32 = 0x20_0000;
/// The byte the reset path fills POST-only code with after POST: int3 (trampoline.S takes
/// it from here).
pub const POST_TRAP: u8 = 0xcc;
/// The blob's scratch copy at reset, RAM above 1 MiB.
pub const UNPACK_SCRATCH: u32 = 0x10_0000;

/// The byte the reset path fills the firmware stack with (trampoline.S takes it from here).
pub const STACK_PAINT: u8 = 0xa5;

/// Bytes of the firmware stack ever used: the painted bytes left at its bottom tell.
#[cfg(target_os = "none")]
pub fn stack_used() -> (usize, usize) {
    unsafe extern "C" {
        static stack_bottom: u8;
        static stack_top: u8;
    }
    let bottom = &raw const stack_bottom as usize;
    let size = &raw const stack_top as usize - bottom;
    // SAFETY: the stack region [bottom, bottom + size) is the linker's .stack section, RAM
    // that only this firmware uses; reading it is harmless.
    let untouched = (0..size)
        .take_while(
            |&i| unsafe { core::ptr::read_volatile((bottom + i) as *const u8) } == STACK_PAINT,
        )
        .count();
    (size - untouched, size)
}
