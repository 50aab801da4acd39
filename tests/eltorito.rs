//! The El Torito parser (`block::eltorito`) on catalogs built byte by byte (good ones of
//! each media type, section headers, every malformation it refuses) and on discs xorriso
//! builds from Debian's ISOLINUX (`eltorito_util/mkiso.sh`).

mod eltorito_util;

use eltorito_util::*;
use std::path::PathBuf;
use std::process::Command;
use xenbios::block::Chs;
use xenbios::block::eltorito::{BootImage, Invalid, MAX_CATALOG_SECTORS, Media};

/// Where the catalog goes on the built discs, the image, and the disc's size.
const CATALOG: u32 = 20;
const IMAGE: u32 = 30;
const DISC: u64 = 2000;

/// ISOLINUX's entry as `xorriso -no-emul-boot -boot-load-size 4` writes it.
fn isolinux_entry() -> [u8; ENTRY] {
    boot_entry(BOOTABLE, NO_EMULATION, 0, 0, 4, IMAGE)
}

fn disc(entries: &[[u8; ENTRY]]) -> Disc {
    Disc::with_catalog(DISC, CATALOG, entries)
}

fn find(entries: &[[u8; ENTRY]]) -> Result<BootImage, Invalid> {
    disc(entries).find()
}

// ---- good catalogs -------------------------------------------------------------------------

#[test]
fn isolinux_like_no_emulation() {
    let mut d = disc(&[validation(X86), isolinux_entry()]);
    let img = d.find().unwrap();
    assert_eq!(
        img,
        BootImage {
            media: Media::NoEmulation,
            load_segment: DEFAULT_SEGMENT,
            system_type: 0,
            sector_count: 4,
            load_rba: IMAGE,
        }
    );
    assert_eq!(img.load_cd_sectors(), 1);
    // The boot record, then the catalog's one sector: nothing else.
    assert_eq!(d.reads, [BOOT_RECORD_LBA, CATALOG]);
}

#[test]
fn no_emulation_load_size_rounds_up_to_cd_sectors() {
    let e = boot_entry(BOOTABLE, NO_EMULATION, 0x2000, 0, 5, IMAGE);
    let img = find(&[validation(X86), e]).unwrap();
    assert_eq!((img.load_segment, img.load_cd_sectors()), (0x2000, 2));
}

#[test]
fn floppy_emulation() {
    for (media, expect, spt) in [
        (FLOPPY_1200K, Media::Floppy1200K, 15),
        (FLOPPY_1440K, Media::Floppy1440K, 18),
        (FLOPPY_2880K, Media::Floppy2880K, 36),
    ] {
        let e = boot_entry(BOOTABLE, media, 0, 0, 1, IMAGE);
        let img = find(&[validation(X86), e]).unwrap();
        assert_eq!(img.media, expect);
        assert_eq!((img.load_segment, img.sector_count), (DEFAULT_SEGMENT, 1));
        let geometry = Chs {
            cylinders: 80,
            heads: 2,
            sectors: spt,
        };
        assert_eq!(img.media.floppy_geometry(), Some(geometry));
        // The whole diskette must be on the disc, not only the boot sector.
        let (_, virtual_sectors) = FLOPPY_SECTORS.iter().find(|f| f.0 == media).unwrap();
        let cd_sectors = (virtual_sectors * VIRTUAL_SECTOR / SECTOR) as u64;
        let entries = [validation(X86), e];
        let end = u64::from(IMAGE) + cd_sectors;
        assert!(Disc::with_catalog(end, CATALOG, &entries).find().is_ok());
        assert_eq!(
            Disc::with_catalog(end - 1, CATALOG, &entries).find(),
            Err(Invalid::ImagePastDisc(IMAGE))
        );
    }
}

#[test]
fn hard_disk_emulation() {
    const FAT16: u8 = 6;
    let e = boot_entry(BOOTABLE, HARD_DISK, 0, FAT16, 1, IMAGE);
    let img = find(&[validation(X86), e]).unwrap();
    assert_eq!(
        img,
        BootImage {
            media: Media::HardDisk,
            load_segment: DEFAULT_SEGMENT,
            system_type: FAT16,
            sector_count: 1,
            load_rba: IMAGE,
        }
    );
    assert_eq!(img.media.floppy_geometry(), None);
}

#[test]
fn default_entry_not_bootable_takes_first_bootable_x86_section_entry() {
    let chosen = boot_entry(BOOTABLE, NO_EMULATION, 0, 0, 4, IMAGE + 2);
    let mut d = disc(&[
        validation(X86),
        boot_entry(NOT_BOOTABLE, NO_EMULATION, 0, 0, 4, IMAGE),
        // An EFI section: bootable, but not for a BIOS.
        section_header(MORE_HEADERS, EFI, 1),
        boot_entry(BOOTABLE, NO_EMULATION, 0, 0, 4, IMAGE + 1),
        // The x86 section: a non-bootable entry with two extensions, then the chosen one,
        // then one after it.
        section_header(FINAL_HEADER, X86, 3),
        boot_entry(NOT_BOOTABLE, NO_EMULATION, 0, 0, 4, IMAGE),
        extension(true),
        extension(false),
        chosen,
        boot_entry(BOOTABLE, NO_EMULATION, 0, 0, 4, IMAGE + 3),
    ]);
    assert_eq!(d.find().unwrap().load_rba, IMAGE + 2);
    assert_eq!(d.reads, [BOOT_RECORD_LBA, CATALOG]);
}

#[test]
fn default_entry_of_another_platform_is_not_booted() {
    // An EFI-only disc: the validation entry's platform is the default entry's.
    let efi_default = [validation(EFI), isolinux_entry()];
    assert_eq!(find(&efi_default), Err(Invalid::NoBootableEntry));
    // ... unless an x86 section has a bootable entry.
    let mut with_bios = efi_default.to_vec();
    with_bios.push(section_header(FINAL_HEADER, X86, 1));
    with_bios.push(boot_entry(BOOTABLE, FLOPPY_1440K, 0, 0, 1, IMAGE));
    assert_eq!(find(&with_bios).unwrap().media, Media::Floppy1440K);
    // A PowerPC section does not count.
    let ppc = [
        validation(POWERPC),
        isolinux_entry(),
        section_header(FINAL_HEADER, POWERPC, 1),
        isolinux_entry(),
    ];
    assert_eq!(find(&ppc), Err(Invalid::NoBootableEntry));
}

#[test]
fn bootable_default_entry_wins_over_sections_which_are_not_read() {
    // A hybrid disc as xorriso writes it (BIOS default, EFI section), and a default entry
    // followed by a header that lists more entries than any catalog holds.
    let hybrid = [
        validation(X86),
        isolinux_entry(),
        section_header(FINAL_HEADER, EFI, 1),
        boot_entry(BOOTABLE, NO_EMULATION, 0, 0, 4, IMAGE + 1),
    ];
    assert_eq!(find(&hybrid).unwrap().load_rba, IMAGE);
    let endless = [
        validation(X86),
        isolinux_entry(),
        section_header(FINAL_HEADER, X86, u16::MAX),
    ];
    assert_eq!(find(&endless).unwrap().load_rba, IMAGE);
}

#[test]
fn no_section_headers_and_nothing_bootable() {
    let not_bootable = boot_entry(NOT_BOOTABLE, NO_EMULATION, 0, 0, 4, IMAGE);
    assert_eq!(
        find(&[validation(X86), not_bootable]),
        Err(Invalid::NoBootableEntry)
    );
    // Sections that end without a bootable x86 entry.
    let d = [
        validation(X86),
        not_bootable,
        section_header(MORE_HEADERS, X86, 0),
        section_header(FINAL_HEADER, X86, 1),
        not_bootable,
        // Past the final header: not part of the catalog.
        isolinux_entry(),
    ];
    assert_eq!(find(&d), Err(Invalid::NoBootableEntry));
}

#[test]
fn catalog_spans_several_sectors_up_to_the_bound() {
    // A header that lists every entry up to the last one of catalog sector `sector`,
    // which alone is bootable.
    let catalog_through = |sector: usize| {
        let last = (sector + 1) * ENTRIES_PER_SECTOR - 1;
        let mut entries = vec![
            validation(X86),
            boot_entry(NOT_BOOTABLE, NO_EMULATION, 0, 0, 4, IMAGE),
            section_header(FINAL_HEADER, X86, (last - 2) as u16),
        ];
        entries.resize(last, boot_entry(NOT_BOOTABLE, NO_EMULATION, 0, 0, 4, IMAGE));
        entries.push(isolinux_entry());
        entries
    };
    let max = MAX_CATALOG_SECTORS as usize;
    let mut d = Disc::with_catalog(DISC, CATALOG, &catalog_through(max - 1));
    assert_eq!(d.find().unwrap().load_rba, IMAGE);
    let catalog: Vec<u32> = (CATALOG..CATALOG + MAX_CATALOG_SECTORS).collect();
    assert_eq!(d.reads[1..], catalog[..]);
    let mut d = Disc::with_catalog(DISC, CATALOG, &catalog_through(max));
    assert_eq!(d.find(), Err(Invalid::EntryPastEnd));
    assert!(d.reads.iter().all(|&s| s < CATALOG + MAX_CATALOG_SECTORS));
}

// ---- malformed catalogs ----------------------------------------------------------------

#[test]
fn bad_checksum() {
    let mut v = validation(X86);
    v[VALIDATION_ID_STRING_AT] ^= 1;
    assert_eq!(find(&[v, isolinux_entry()]), Err(Invalid::BadChecksum));
    let mut v = validation(X86);
    v[CHECKSUM_AT] = v[CHECKSUM_AT].wrapping_add(1);
    assert_eq!(find(&[v, isolinux_entry()]), Err(Invalid::BadChecksum));
}

#[test]
fn missing_key_bytes() {
    for at in [KEY_AT, KEY_AT + 1] {
        let mut v = validation(X86);
        v[at] = 0;
        fix_checksum(&mut v);
        assert_eq!(find(&[v, isolinux_entry()]), Err(Invalid::NoKeyBytes));
    }
}

#[test]
fn not_a_validation_entry() {
    // The default entry where the validation entry should be.
    assert_eq!(
        find(&[isolinux_entry()]),
        Err(Invalid::BadValidationHeader(BOOTABLE))
    );
}

#[test]
fn missing_boot_record() {
    // A data CD: nothing at sector 17 (or a volume descriptor of another type).
    assert_eq!(Disc::new(DISC).find(), Err(Invalid::NoBootRecord));
    let mut d = disc(&[validation(X86), isolinux_entry()]);
    let mut br = boot_record(CATALOG);
    br[BR_TYPE_AT] = 1;
    d.write(BOOT_RECORD_LBA, &br);
    assert_eq!(d.find(), Err(Invalid::NoBootRecord));
    for (at, value) in [(BR_STANDARD_ID_AT, b'B'), (BR_VERSION_AT, 2)] {
        let mut br = boot_record(CATALOG);
        br[at] = value;
        d.write(BOOT_RECORD_LBA, &br);
        assert_eq!(d.find(), Err(Invalid::NoBootRecord));
    }
    // A disc too small to have sector 17 is not read at all.
    let mut d = Disc::new(u64::from(BOOT_RECORD_LBA));
    assert_eq!(d.find(), Err(Invalid::NoBootRecord));
    assert!(d.reads.is_empty());
}

#[test]
fn wrong_boot_system_id() {
    let mut d = disc(&[validation(X86), isolinux_entry()]);
    let last = BR_SYSTEM_ID_AT + EL_TORITO.len() - 1;
    let after = BR_SYSTEM_ID_AT + EL_TORITO.len();
    for (at, value) in [(last, b'M'), (after, b' '), (BR_SYSTEM_ID_AT, b'e')] {
        let mut br = boot_record(CATALOG);
        br[at] = value;
        d.write(BOOT_RECORD_LBA, &br);
        assert_eq!(d.find(), Err(Invalid::NotElTorito), "byte {at:#x}");
    }
    // The padding past the identifier's terminating zero is not looked at (as SeaBIOS).
    let mut br = boot_record(CATALOG);
    br[BR_SYSTEM_ID_AT + BR_SYSTEM_ID_LEN - 1] = b'X';
    d.write(BOOT_RECORD_LBA, &br);
    assert!(d.find().is_ok());
}

#[test]
fn catalog_past_the_disc() {
    let mut d = Disc::with_catalog(DISC, DISC as u32, &[validation(X86), isolinux_entry()]);
    assert_eq!(d.find(), Err(Invalid::CatalogPastDisc(DISC as u32)));
    assert_eq!(d.reads, [BOOT_RECORD_LBA]);
}

#[test]
fn catalog_at_the_last_sector_number() {
    // A disc larger than 32-bit sector numbers reach (only a hostile device reports one):
    // the catalog's walk stops at sector FFFFFFFFh instead of wrapping to 0.
    let last = u32::MAX;
    let mut entries = vec![
        validation(X86),
        boot_entry(NOT_BOOTABLE, NO_EMULATION, 0, 0, 4, IMAGE),
        section_header(FINAL_HEADER, X86, ENTRIES_PER_SECTOR as u16),
    ];
    entries.resize(
        ENTRIES_PER_SECTOR,
        boot_entry(NOT_BOOTABLE, NO_EMULATION, 0, 0, 4, IMAGE),
    );
    let mut d = Disc::with_catalog(u64::from(last) + 1 + 4, last, &entries);
    assert_eq!(d.find(), Err(Invalid::EntryPastEnd));
    assert_eq!(d.reads, [BOOT_RECORD_LBA, last]);
}

#[test]
fn entry_past_the_end_of_the_catalog() {
    // The catalog is the disc's last sector; its header lists more entries than it holds.
    let mut entries = vec![
        validation(X86),
        boot_entry(NOT_BOOTABLE, NO_EMULATION, 0, 0, 4, IMAGE),
        section_header(FINAL_HEADER, X86, ENTRIES_PER_SECTOR as u16),
    ];
    entries.resize(
        ENTRIES_PER_SECTOR,
        boot_entry(NOT_BOOTABLE, NO_EMULATION, 0, 0, 4, IMAGE),
    );
    let size = u64::from(CATALOG) + 1;
    let mut d = Disc::with_catalog(size, CATALOG, &entries);
    assert_eq!(d.find(), Err(Invalid::EntryPastEnd));
    assert_eq!(d.reads, [BOOT_RECORD_LBA, CATALOG]);
    // A "more headers follow" header whose entries end the disc.
    let mut entries = entries[..3].to_vec();
    entries[2] = section_header(MORE_HEADERS, X86, 0);
    entries.resize(ENTRIES_PER_SECTOR, section_header(MORE_HEADERS, X86, 0));
    let mut d = Disc::with_catalog(size, CATALOG, &entries);
    assert_eq!(d.find(), Err(Invalid::EntryPastEnd));
}

#[test]
fn zero_sector_count() {
    for media in [NO_EMULATION, FLOPPY_1440K, HARD_DISK] {
        let e = boot_entry(BOOTABLE, media, 0, 0, 0, IMAGE);
        assert_eq!(find(&[validation(X86), e]), Err(Invalid::ZeroSectorCount));
    }
}

#[test]
fn load_rba_past_the_disc() {
    for rba in [DISC as u32, u32::MAX] {
        let e = boot_entry(BOOTABLE, NO_EMULATION, 0, 0, 4, rba);
        assert_eq!(
            find(&[validation(X86), e]),
            Err(Invalid::ImagePastDisc(rba))
        );
    }
    // The last sector is fine for one CD sector, not for two.
    let last = DISC as u32 - 1;
    let e = boot_entry(BOOTABLE, NO_EMULATION, 0, 0, 4, last);
    assert!(find(&[validation(X86), e]).is_ok());
    let e = boot_entry(BOOTABLE, NO_EMULATION, 0, 0, 5, last);
    assert_eq!(
        find(&[validation(X86), e]),
        Err(Invalid::ImagePastDisc(last))
    );
}

#[test]
fn load_past_one_mib() {
    // FF80:0 + one CD sector ends at 1 MiB exactly; two do not fit.
    const LAST_FIT: u16 = 0xff80;
    let e = boot_entry(BOOTABLE, NO_EMULATION, LAST_FIT, 0, 4, IMAGE);
    assert!(find(&[validation(X86), e]).is_ok());
    let e = boot_entry(BOOTABLE, NO_EMULATION, LAST_FIT, 0, 5, IMAGE);
    assert_eq!(
        find(&[validation(X86), e]),
        Err(Invalid::LoadPastOneMib(LAST_FIT))
    );
    // The most a count can ask for (32 MiB) at the default segment.
    let e = boot_entry(BOOTABLE, NO_EMULATION, 0, 0, u16::MAX, IMAGE);
    assert_eq!(
        find(&[validation(X86), e]),
        Err(Invalid::LoadPastOneMib(DEFAULT_SEGMENT))
    );
}

#[test]
fn reserved_media_type() {
    for (byte, nibble) in [(5, 5), (0xf, 0xf), (0x25, 5)] {
        let e = boot_entry(BOOTABLE, byte, 0, 0, 1, IMAGE);
        assert_eq!(find(&[validation(X86), e]), Err(Invalid::BadMedia(nibble)));
    }
    // A section entry's flags (high nibble) do not change its media type.
    const CONTINUATION: u8 = 1 << 5;
    let e = boot_entry(BOOTABLE, FLOPPY_1440K | CONTINUATION, 0, 0, 1, IMAGE);
    assert_eq!(
        find(&[validation(X86), e]).unwrap().media,
        Media::Floppy1440K
    );
}

#[test]
fn read_error() {
    for lba in [BOOT_RECORD_LBA, CATALOG] {
        let mut d = disc(&[validation(X86), isolinux_entry()]);
        d.failing.insert(lba);
        assert_eq!(
            d.find(),
            Err(Invalid::Read {
                lba,
                error: READ_ERROR
            })
        );
    }
}

#[test]
fn reasons_read_as_log_lines() {
    let cases = [
        (Invalid::NoBootRecord, "no El Torito boot record"),
        (Invalid::BadChecksum, "catalog validation checksum wrong"),
        (
            Invalid::NoBootableEntry,
            "no bootable x86 entry in the catalog",
        ),
        (
            Invalid::Read {
                lba: 17,
                error: READ_ERROR,
            },
            "read error 0x10 at sector 17",
        ),
        (
            Invalid::LoadPastOneMib(0xf000),
            "boot image does not fit below 1 MiB at segment 0xf000",
        ),
    ];
    for (reason, line) in cases {
        assert_eq!(reason.to_string(), line);
    }
}

// ---- real discs ------------------------------------------------------------------------

/// automake's "skipped" exit status, which `mkiso.sh` uses when a tool is missing.
const SKIPPED: i32 = 77;

/// Builds the discs of `mkiso.sh` into a directory of their own; `None` (and a line on
/// stderr) when the tools are missing.
fn build_discs() -> Option<PathBuf> {
    let out =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("eltorito-{}", std::process::id()));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/eltorito_util/mkiso.sh");
    let run = Command::new("bash").arg(script).arg(&out).output().unwrap();
    let said =
        String::from_utf8_lossy(&run.stdout).into_owned() + &String::from_utf8_lossy(&run.stderr);
    match run.status.code() {
        Some(0) => Some(out),
        Some(SKIPPED) => {
            eprintln!("skipping the real discs: {}", said.trim());
            None
        }
        _ => panic!("mkiso.sh failed ({}): {said}", run.status),
    }
}

fn iso(dir: &std::path::Path, name: &str) -> Disc {
    Disc::from_bytes(&std::fs::read(dir.join(name)).unwrap())
}

/// Where `-boot-info-table` patches ISOLINUX (bytes 8 to 63: mkisofs(8)).
const BOOT_INFO_TABLE: std::ops::Range<usize> = 8..64;

#[test]
fn discs_xorriso_builds() {
    let Some(dir) = build_discs() else { return };
    let file = |name: &str| std::fs::read(dir.join(name)).unwrap();

    let mut d = iso(&dir, "isolinux.iso");
    let img = d.find().unwrap();
    assert_eq!(
        (img.media, img.load_segment, img.sector_count),
        (Media::NoEmulation, DEFAULT_SEGMENT, 4)
    );
    let isolinux = file("isolinux.bin");
    let loaded = d.bytes(img.load_rba, img.load_cd_sectors() as usize * SECTOR);
    assert_eq!(
        loaded[..BOOT_INFO_TABLE.start],
        isolinux[..BOOT_INFO_TABLE.start]
    );
    assert_eq!(
        loaded[BOOT_INFO_TABLE.end..],
        isolinux[BOOT_INFO_TABLE.end..SECTOR]
    );
    assert_eq!(d.reads.len(), 2, "{:?}", d.reads);

    for (name, image, media) in [
        ("floppy.iso", "floppy.img", Media::Floppy1440K),
        ("harddisk.iso", "harddisk.img", Media::HardDisk),
    ] {
        let d = &mut iso(&dir, name);
        let img = d.find().unwrap();
        assert_eq!((img.media, img.sector_count), (media, 1), "{name}");
        let want = file(image);
        assert!(
            d.bytes(img.load_rba, want.len()) == want,
            "{name}: image not at its RBA"
        );
        if media == Media::HardDisk {
            // xorriso copies the partition type of the image's one partition.
            const FAT16: u8 = 6;
            assert_eq!(img.system_type, FAT16);
        }
    }

    // The BIOS image, not the EFI one in the section after it.
    let hybrid = iso(&dir, "hybrid.iso").find().unwrap();
    assert_eq!((hybrid.media, hybrid.sector_count), (Media::NoEmulation, 4));
    let hybrid_disc = iso(&dir, "hybrid.iso");
    let loaded = hybrid_disc.bytes(hybrid.load_rba, BOOT_INFO_TABLE.start);
    assert_eq!(loaded, isolinux[..BOOT_INFO_TABLE.start]);
    // An EFI-only disc has nothing for a BIOS.
    assert_eq!(iso(&dir, "efi.iso").find(), Err(Invalid::NoBootableEntry));

    std::fs::remove_dir_all(&dir).unwrap();
}
