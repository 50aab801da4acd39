//! xenbios-pack: the host tool that builds `bios.bin` (scripts/build.sh runs it).
//!
//! ```text
//! xenbios-pack link LD-ARGS...   as rustc's linker (scripts/link.sh): split the firmware's
//!                                code into runtime and POST-only (src/split.rs), write the
//!                                linker script fragments to $XENBIOS_LINK_DIR, run ld
//! xenbios-pack image ELF BIN     check the linked image's references, compress, write BIN
//! xenbios-pack container ELF BIN OUT
//!                                wrap BIN in the ELF file Xen's domain builder loads for
//!                                xl.cfg `firmware=` (src/container.rs), entered at ELF's
//!                                `xenbios_direct32`
//! ```
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use xenbios_pack::{container, elf::Elf, image, split};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("link") => link(&args[1..]),
        Some("image") if args.len() == 3 => make_image(Path::new(&args[1]), Path::new(&args[2])),
        Some("container") if args.len() == 4 => make_container(
            Path::new(&args[1]),
            Path::new(&args[2]),
            Path::new(&args[3]),
        ),
        _ => Err(
            "usage: xenbios-pack link LD-ARGS... | xenbios-pack image ELF BIN \
             | xenbios-pack container ELF BIN OUT"
                .into(),
        ),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xenbios-pack: {}", e.trim_end());
            ExitCode::FAILURE
        }
    }
}

fn link(ld_args: &[String]) -> Result<ExitCode, String> {
    let dir = PathBuf::from(
        std::env::var_os("XENBIOS_LINK_DIR")
            .ok_or("XENBIOS_LINK_DIR is not set (build with scripts/build.sh)")?,
    );
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut objects = Vec::new();
    for a in ld_args.iter().filter(|a| a.ends_with(".o")) {
        objects.push(Elf::read(Path::new(a))?);
    }
    let plan = split::classify(&objects)?;
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))
    };
    write("post-text.ld", &split::fragment(&plan.text))?;
    write("post-rodata.ld", &split::fragment(&plan.rodata))?;
    write("post-split.txt", &plan.report)?;
    let ld = std::env::var("XENBIOS_LD").unwrap_or_else(|_| "ld".into());
    // -L first: ld reads linker.ld (-T) where it stands, and its INCLUDEs search -L paths
    // given so far.
    let status = Command::new(&ld)
        .arg("-L")
        .arg(&dir)
        .args(ld_args)
        .status()
        .map_err(|e| format!("{ld}: {e}"))?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn make_image(elf_path: &Path, bin_path: &Path) -> Result<ExitCode, String> {
    let elf = Elf::read(elf_path)?;
    let packed = image::pack(&elf)?;
    std::fs::write(bin_path, &packed.bin).map_err(|e| format!("{}: {e}", bin_path.display()))?;
    print!("{}", packed.report);
    Ok(ExitCode::SUCCESS)
}

fn make_container(elf_path: &Path, bin_path: &Path, out_path: &Path) -> Result<ExitCode, String> {
    let elf = Elf::read(elf_path)?;
    let sym = |name: &str| {
        elf.symbol(name)
            .map(|s| s.value)
            .ok_or_else(|| format!("{}: no symbol {name}", elf_path.display()))
    };
    let (load, entry) = (sym("image_start")?, sym("xenbios_direct32")?);
    let bin = std::fs::read(bin_path).map_err(|e| format!("{}: {e}", bin_path.display()))?;
    let out = container::build(&bin, load, entry)?;
    std::fs::write(out_path, &out).map_err(|e| format!("{}: {e}", out_path.display()))?;
    println!(
        "{}: {} bytes, loaded at {load:#x}, entry {entry:#x}",
        out_path.display(),
        out.len()
    );
    Ok(ExitCode::SUCCESS)
}
