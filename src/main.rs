//! The firmware image. Everything lives in the library; this binary only exists so that
//! rustc links the library's code and trampoline with linker.ld into `bios.elf`, which
//! scripts/build.sh turns into `target/bios.bin`.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
use xenbios as _;

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!("xenbios is firmware: build the image with scripts/build.sh (target/bios.bin)");
    std::process::exit(2);
}
