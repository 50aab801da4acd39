//! The loader's decoder (trampoline.S calls `xenbios_unpack` at reset): the file's blob
//! (tools/pack/src/format.rs) holds the runtime part and the POST-only part LZ4-compressed;
//! this decodes them to their link addresses.
//!
//! It runs before the rest of the firmware exists, from section `.text.loader`, which the
//! linker puts with the loader outside the compressed part. Everything it uses is inlined
//! into it: no call, no panic path, no constant in `.rodata` (tools/pack's image check
//! fails the build if one creeps in).

use xenbios_pack::format::{self, Window};
use xenbios_pack::lz4;

unsafe extern "C" {
    /// trampoline.S: the TSC before and after `xenbios_unpack` ran.
    static xenbios_unpack_tsc: [u64; 2];
    /// trampoline.S: 1 when the loader copied the image from the ROM (QEMU's -bios), 0 when
    /// it found it in RAM (hvmloader's copy).
    static xenbios_unpack_from_rom: u8;
    /// trampoline.S: EBX at the direct entry from Xen's domain builder (the address of its
    /// `hvm_start_info`), 0 after any other entry.
    static xenbios_hvm_start_info: u32;
    // linker.ld: the file's start, the runtime and POST windows, the scratch area.
    static image_start: u8;
    static runtime_limit: u8;
    static post_start: u8;
    static post_limit: u8;
    static unpack_scratch: u8;
    static unpack_scratch_end: u8;
}

/// TSC ticks the loader spent unpacking the image at reset.
pub fn unpack_ticks() -> u64 {
    // SAFETY: written once by the loader before POST, read-only afterwards.
    let [start, end] = unsafe { core::ptr::read_volatile(&raw const xenbios_unpack_tsc) };
    end.wrapping_sub(start)
}

/// Whether the loader copied the image from the ROM (else it was in RAM at reset).
pub fn unpacked_from_rom() -> bool {
    // SAFETY: written once by the loader before POST, read-only afterwards.
    unsafe { core::ptr::read_volatile(&raw const xenbios_unpack_from_rom) != 0 }
}

/// The `hvm_start_info` address Xen's domain builder passed when it started the firmware
/// directly (xl.cfg `firmware=`), `None` after the reset vector or hvmloader.
pub fn direct_start_info() -> Option<u32> {
    // SAFETY: written once by the loader before POST, read-only afterwards.
    let at = unsafe { core::ptr::read_volatile(&raw const xenbios_hvm_start_info) };
    (at != 0).then_some(at)
}

/// Decode the blob at the start of the image. Returns 0, or a `format::Error` code that
/// the loader prints before it halts.
#[unsafe(no_mangle)]
#[unsafe(link_section = ".text.loader")]
extern "C" fn xenbios_unpack() -> u32 {
    match unpack() {
        Ok(()) => 0,
        Err(e) => e as u32,
    }
}

#[inline(always)]
fn unpack() -> Result<(), format::Error> {
    let image = &raw const image_start as usize;
    let room = &raw const runtime_limit as usize - image;
    let scratch = &raw const unpack_scratch as usize;
    let scratch_size = &raw const unpack_scratch_end as usize - scratch;
    // SAFETY: the image area [image_start, runtime_limit) is RAM holding the file (the reset
    // path copied it there, or hvmloader did), and a header is far smaller than it.
    let header = unsafe { core::slice::from_raw_parts(image as *const u8, format::HEADER_SIZE) };
    if header[..format::MAGIC.len()] != format::MAGIC {
        return Err(format::Error::NoBlob);
    }
    let total = u32::from_le_bytes([
        header[format::OFF_TOTAL],
        header[format::OFF_TOTAL + 1],
        header[format::OFF_TOTAL + 2],
        header[format::OFF_TOTAL + 3],
    ]) as usize;
    if total < format::HEADER_SIZE || total > room || total > scratch_size {
        return Err(format::Error::BadSize);
    }
    // The blob moves to the scratch area first: the runtime part decodes over its old place.
    // SAFETY: `total` bytes fit both the image area and the scratch area (checked above);
    // the scratch area (RAM at 1 MiB, linker.ld) overlaps neither the image nor a window.
    unsafe { lz4::copy_forward(image as *const u8, scratch as *mut u8, total) };
    // SAFETY: just written, `total` bytes.
    let blob = unsafe { core::slice::from_raw_parts(scratch as *const u8, total) };
    let windows = [
        Window {
            start: image as u32,
            end: (image + room) as u32,
        },
        Window {
            start: &raw const post_start as u32,
            end: &raw const post_limit as u32,
        },
    ];
    let (_, parts, count) = format::parse(blob, &windows)?;
    for part in parts.iter().take(count) {
        // SAFETY: `parse` checked the block inside the blob and the destination inside one
        // of the windows: RAM that nothing uses yet (the runtime part's place below the
        // loader, the POST window above 1 MiB), apart from the scratch copy it reads.
        unsafe {
            lz4::decompress_raw(
                (scratch + part.src as usize) as *const u8,
                part.clen as usize,
                part.dst as *mut u8,
                part.len as usize,
            )
        }
        .map_err(|_| format::Error::BadBlock)?;
    }
    Ok(())
}
