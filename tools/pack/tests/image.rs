//! The reference check and the packing on small images linked from tests/data/image.S with
//! tests/data/image.ld (GNU as and ld, 32-bit, --emit-relocs as build.rs links).

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use xenbios_pack::elf::Elf;
use xenbios_pack::format;
use xenbios_pack::image::{self, Layout};
use xenbios_pack::lz4;

fn link(bad: u32) -> Elf {
    // Tests run in parallel: one file name per call.
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let name = format!("xenbios-pack-image-{}-{call}", std::process::id());
    let base = std::env::temp_dir().join(name);
    let (obj, elf) = (base.with_extension("o"), base.with_extension("elf"));
    let ok = Command::new("as")
        .args(["--32", "--defsym", &format!("BAD={bad}"), "-o"])
        .arg(&obj)
        .arg(data.join("image.S"))
        .status()
        .unwrap()
        .success();
    assert!(ok, "as failed");
    let ok = Command::new("ld")
        .args([
            "-m",
            "elf_i386",
            "--emit-relocs",
            "--no-warn-rwx-segments",
            "-T",
        ])
        .arg(data.join("image.ld"))
        .arg("-o")
        .arg(&elf)
        .arg(&obj)
        .status()
        .unwrap()
        .success();
    assert!(ok, "ld failed");
    let image = Elf::read(&elf).unwrap();
    std::fs::remove_file(&obj).unwrap();
    std::fs::remove_file(&elf).unwrap();
    image
}

fn check(bad: u32) -> Result<usize, String> {
    let elf = link(bad);
    image::check_references(&elf, &Layout::read(&elf).unwrap())
}

#[test]
fn a_clean_image_passes_the_check() {
    assert!(check(0).unwrap() >= 6);
}

#[test]
fn runtime_code_calling_post_code_is_refused() {
    let err = check(1).unwrap_err();
    assert!(
        err.contains("runtime code or data refers to POST code"),
        "{err}"
    );
    assert!(err.contains("in .text ->"), "{err}");
}

#[test]
fn post_code_taking_the_address_of_post_code_is_refused() {
    let err = check(2).unwrap_err();
    assert!(
        err.contains("POST code takes the address of POST code"),
        "{err}"
    );
}

#[test]
fn the_loader_calling_compressed_code_is_refused() {
    let err = check(3).unwrap_err();
    assert!(
        err.contains("the loader refers to the compressed part"),
        "{err}"
    );
}

#[test]
fn the_packed_file_decodes_to_both_parts() {
    let elf = link(0);
    let layout = Layout::read(&elf).unwrap();
    let packed = image::pack(&elf).unwrap();
    assert_eq!(packed.bin.len(), 128 * 1024);
    let (total, parts, count) = format::parse(&packed.bin, &layout.windows()).unwrap();
    assert_eq!(count, 2);
    assert!(total <= (layout.loader_start - layout.image_start) as usize);
    assert_eq!(
        (parts[0].dst, parts[1].dst),
        (layout.runtime_start, layout.post_start)
    );
    let mut runtime = vec![0u8; parts[0].len as usize];
    let block = &packed.bin[parts[0].src as usize..(parts[0].src + parts[0].clen) as usize];
    lz4::decompress(block, &mut runtime).unwrap();
    let table = b"runtime data, runtime data";
    assert!(runtime.windows(table.len()).any(|w| w == table));
    // The loader is in the file at its address, after the blob.
    let loader = (layout.loader_start - layout.image_start) as usize;
    assert_ne!(packed.bin[loader], 0);
}

#[test]
fn a_corrupt_blob_is_refused_before_anything_is_decoded() {
    let elf = link(0);
    let layout = Layout::read(&elf).unwrap();
    let bin = image::pack(&elf).unwrap().bin;
    let windows = layout.windows();
    // Any changed byte in the blob: the checksum (or the magic) refuses it.
    let (total, ..) = format::parse(&bin, &windows).unwrap();
    for at in (0..total).step_by(7) {
        let mut bad = bin.clone();
        bad[at] ^= 0x40;
        if at == format::OFF_SUM || (format::OFF_SUM..format::OFF_SUM + 4).contains(&at) {
            assert_eq!(
                format::parse(&bad, &windows).err(),
                Some(format::Error::BadSum)
            );
        } else {
            assert!(
                format::parse(&bad, &windows).is_err(),
                "byte {at} changed, blob accepted"
            );
        }
    }
    // A destination outside the windows, with a valid checksum: refused too.
    let mut moved = bin.clone();
    let dst = format::OFF_TABLE + format::PART_DST;
    moved[dst..dst + 4].copy_from_slice(&0x9_0000u32.to_le_bytes());
    let total_bytes = &moved[..total];
    let sum = format::checksum(format::SUM_SEED, &total_bytes[format::SUM_FROM..]);
    moved[format::OFF_SUM..format::OFF_SUM + 4].copy_from_slice(&sum.to_le_bytes());
    assert_eq!(
        format::parse(&moved, &windows).err(),
        Some(format::Error::BadDestination)
    );
}
