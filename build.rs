//! Build script: links the image with linker.ld (only for the firmware target), turns
//! the compile-time log level into a constant, and compiles the firmware's own DSDT
//! (src/tables/dsdt.asl) with iasl into OUT_DIR (src/tables/own_acpi.rs includes it).
use std::env;
use std::path::Path;
use std::process::Command;

fn main() {
    let dir = env::var("CARGO_MANIFEST_DIR").unwrap();
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    println!("cargo:rerun-if-changed=linker.ld");
    println!("cargo:rerun-if-changed=src/arch/x86/trampoline.S");
    // The image is linked by tools/pack (scripts/link.sh): a new split means a new link.
    println!("cargo:rerun-if-changed=tools/pack/src");
    println!("cargo:rerun-if-env-changed=XENBIOS_LOG");
    if os == "none" {
        println!("cargo:rustc-link-arg-bins=-T{dir}/linker.ld");
        println!("cargo:rustc-link-arg-bins=-Map={dir}/target/bios.map");
        // Relocations kept in bios.elf: tools/pack checks every reference in the image.
        println!("cargo:rustc-link-arg-bins=--emit-relocs");
    }
    // error, warn, info, debug, trace (default info)
    let level = match env::var("XENBIOS_LOG").as_deref() {
        Ok("error") => 1,
        Ok("warn") => 2,
        Ok("info") | Err(_) => 3,
        Ok("debug") => 4,
        Ok("trace") => 5,
        Ok(other) => panic!("XENBIOS_LOG={other}: use error, warn, info, debug or trace"),
    };
    println!("cargo:rustc-env=XENBIOS_LOG_LEVEL={level}");
    dsdt(&dir, &env::var("OUT_DIR").unwrap());
}

/// The address placeholder of the run-time block's OperationRegion in dsdt.asl ("XBRT"),
/// which the firmware overwrites with the block's real address.
const DSDT_PLACEHOLDER: u32 = 0x5842_5254;
/// AML DWordConst prefix (ACPI 6.5, 20.2.3): the placeholder is encoded as this byte and
/// four little-endian bytes.
const AML_DWORD_PREFIX: u8 = 0x0c;

/// Compile the DSDT (warnings are errors: `-we`) to OUT_DIR/dsdt.aml and write
/// OUT_DIR/dsdt_patch.rs with the offset of the placeholder DWord.
fn dsdt(dir: &str, out: &str) {
    let asl = format!("{dir}/src/tables/dsdt.asl");
    println!("cargo:rerun-if-changed={asl}");
    let prefix = format!("{out}/dsdt");
    let run = Command::new("iasl")
        .args(["-we", "-p", &prefix, &asl])
        .output()
        .unwrap_or_else(|e| {
            panic!("iasl (Debian package acpica-tools, see scripts/setup.sh): {e}")
        });
    if !run.status.success() {
        panic!(
            "iasl failed on {asl}:\n{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let aml = std::fs::read(format!("{prefix}.aml")).expect("iasl wrote no dsdt.aml");
    let mut needle = vec![AML_DWORD_PREFIX];
    needle.extend_from_slice(&DSDT_PLACEHOLDER.to_le_bytes());
    let hits: Vec<usize> = aml
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle.as_slice())
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "dsdt.aml: the run-time block placeholder {DSDT_PLACEHOLDER:#x} must occur once"
    );
    std::fs::write(
        Path::new(out).join("dsdt_patch.rs"),
        format!(
            "/// Offset in the DSDT of the run-time block's address (build.rs).\n\
             pub const DSDT_RUNTIME_ADDR_OFFSET: u32 = {};\n\
             /// Length of the compiled DSDT.\n\
             pub const DSDT_LEN: usize = {};\n",
            hits[0],
            aml.len()
        ),
    )
    .unwrap();
}
