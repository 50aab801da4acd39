//! Build script: links the image with linker.ld (only for the firmware target) and turns
//! the compile-time log level into a constant.
use std::env;

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
}
