//! The ELF container Xen's domain builder loads when xl.cfg names the firmware with
//! `firmware=` (no hvmloader): `target/xenbios.elf`, the same bytes as `bios.bin`.
//!
//! What libxenguest's HVM loader accepts (tools/libs/guest/xg_dom_hvmloader.c, Xen 4.17;
//! docs/research/direct-boot-facts.md §2, §5): an ELF file of class 32, with **no** ELF note
//! named "Xen" (with one, the image is taken for a PVH kernel), whose PT_LOAD segments it
//! copies to their physical addresses (`p_paddr`), the lowest one page aligned, outside the
//! VGA hole 0xA0000-0xBFFFF. It starts the boot vCPU at `e_entry`, a physical address, in
//! 32-bit protected mode. So the container is one PT_LOAD segment holding `bios.bin` at
//! 0xE0000 (where QEMU's `-bios` and hvmloader put it too) and the entry of the loader's
//! direct path (`xenbios_direct32`, src/arch/x86/trampoline.S). No section headers: the
//! loader reads program headers only.

/// `Elf32_Ehdr` and `Elf32_Phdr` sizes (System V ABI, ELF 1.2).
const EHDR_SIZE: usize = 52;
const PHDR_SIZE: usize = 32;
/// e_ident: class 32-bit, little-endian, version 1, System V ABI.
const ELFCLASS32: u8 = 1;
const ELFDATA2LSB: u8 = 1;
const EV_CURRENT: u8 = 1;
const ELFOSABI_SYSV: u8 = 0;
/// e_type executable, e_machine i386.
const ET_EXEC: u16 = 2;
const EM_386: u16 = 3;
/// The segment: loadable, readable, writable (POST writes the image) and executable.
const PT_LOAD: u32 = 1;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;
/// Xen maps the image by 4 KiB pages; the file offset is congruent to the address modulo
/// this alignment (ELF's rule for p_align).
pub const PAGE: u32 = 0x1000;
/// The VGA hole, which Xen does not populate for an HVM guest with a device model.
const VGA_HOLE: core::ops::Range<u32> = 0xa_0000..0xc_0000;

/// The container for `image` loaded at `load`, entered at `entry` (both physical).
pub fn build(image: &[u8], load: u32, entry: u32) -> Result<Vec<u8>, String> {
    let size = u32::try_from(image.len()).map_err(|_| "image too large")?;
    let end = load.checked_add(size).ok_or("image runs past 4 GiB")?;
    if !load.is_multiple_of(PAGE) {
        return Err(format!("load address {load:#x} is not page aligned"));
    }
    if load < VGA_HOLE.end && end > VGA_HOLE.start {
        return Err(format!(
            "image {load:#x}-{end:#x} overlaps the VGA hole, which Xen does not populate"
        ));
    }
    if !(load..end).contains(&entry) {
        return Err(format!(
            "entry {entry:#x} is outside the image {load:#x}-{end:#x}"
        ));
    }
    let offset = PAGE as usize; // headers in the first page, the image page aligned after
    let mut f = vec![0u8; offset];
    let mut ident = [0u8; 16];
    ident[..4].copy_from_slice(b"\x7fELF");
    ident[4] = ELFCLASS32;
    ident[5] = ELFDATA2LSB;
    ident[6] = EV_CURRENT;
    ident[7] = ELFOSABI_SYSV;
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        f[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(&ident);
    put(&ET_EXEC.to_le_bytes());
    put(&EM_386.to_le_bytes());
    put(&u32::from(EV_CURRENT).to_le_bytes()); // e_version
    put(&entry.to_le_bytes());
    put(&(EHDR_SIZE as u32).to_le_bytes()); // e_phoff: right after the header
    put(&0u32.to_le_bytes()); // e_shoff: no sections
    put(&0u32.to_le_bytes()); // e_flags
    put(&(EHDR_SIZE as u16).to_le_bytes());
    put(&(PHDR_SIZE as u16).to_le_bytes());
    put(&1u16.to_le_bytes()); // e_phnum
    put(&0u16.to_le_bytes()); // e_shentsize
    put(&0u16.to_le_bytes()); // e_shnum
    put(&0u16.to_le_bytes()); // e_shstrndx
    put(&PT_LOAD.to_le_bytes());
    put(&(offset as u32).to_le_bytes());
    put(&load.to_le_bytes()); // p_vaddr
    put(&load.to_le_bytes()); // p_paddr: where Xen's loader copies it
    put(&size.to_le_bytes()); // p_filesz
    put(&size.to_le_bytes()); // p_memsz
    put(&(PF_R | PF_W | PF_X).to_le_bytes());
    put(&PAGE.to_le_bytes()); // p_align
    assert_eq!(
        at,
        EHDR_SIZE + PHDR_SIZE,
        "the header and the segment's entry"
    );
    f.extend_from_slice(image);
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf::Elf;

    #[test]
    fn one_segment_at_its_physical_address() {
        let image: Vec<u8> = (0..0x2_0000u32).map(|i| i as u8).collect();
        let f = build(&image, 0xe_0000, 0xf_d123).unwrap();
        let elf = Elf::parse(f.clone()).unwrap();
        assert_eq!(elf.segments.len(), 1);
        let s = &elf.segments[0];
        assert_eq!(
            (s.kind, s.vaddr, s.paddr, s.filesz),
            (1, 0xe_0000, 0xe_0000, 0x2_0000)
        );
        let off = s.offset as usize;
        assert_eq!(off % PAGE as usize, 0);
        assert_eq!(&f[off..], &image[..]);
        assert_eq!(u32::from_le_bytes(f[24..28].try_into().unwrap()), 0xf_d123);
        assert!(elf.sections.is_empty(), "no sections, so no ELF notes");
        assert_eq!(f[4], ELFCLASS32);
    }

    #[test]
    fn refuses_what_xen_would_not_load() {
        let image = [0u8; 0x1000];
        assert!(
            build(&image, 0xe_0800, 0xe_0800).is_err(),
            "not page aligned"
        );
        assert!(
            build(&image, 0xb_f000, 0xb_f000).is_err(),
            "in the VGA hole"
        );
        assert!(
            build(&image, 0xe_0000, 0xe_1000).is_err(),
            "entry past the end"
        );
        assert!(build(&image, 0xe_0000, 0xe_0fff).is_ok());
    }
}
