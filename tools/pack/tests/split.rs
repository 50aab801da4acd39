//! The POST/runtime split on small objects assembled from tests/data/*.S (GNU as, 32-bit).

use std::path::PathBuf;
use std::process::Command;
use xenbios_pack::elf::Elf;
use xenbios_pack::split;

/// Assemble `tests/data/<name>.S` into an object and read it.
fn object(name: &str) -> Elf {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let out = std::env::temp_dir().join(format!("xenbios-pack-{name}-{}.o", std::process::id()));
    let status = Command::new("as")
        .args(["--32", "-o"])
        .arg(&out)
        .arg(data.join(format!("{name}.S")))
        .status()
        .expect("GNU as (binutils) runs");
    assert!(status.success(), "as failed on {name}.S");
    let elf = Elf::read(&out).unwrap();
    std::fs::remove_file(&out).unwrap();
    elf
}

#[test]
fn post_only_code_is_what_only_direct_calls_from_post_reach() {
    let plan = split::classify(&[object("split")]).unwrap();
    // Called only from POST: the entry, post_only (with its jump table) and post_leaf.
    assert_eq!(
        plan.text,
        [".text.post_leaf", ".text.post_only", ".text.xenbios_post"],
        "{}",
        plan.report
    );
    assert_eq!(plan.rodata, [".rodata.post_only"]);
    // Runtime: shared (runtime calls it), callback and what it calls (address taken in
    // POST), method (in a vtable), rt_entry (real mode names it), the loader (neither).
}

#[test]
fn a_marked_function_that_runtime_calls_is_refused() {
    let err = split::classify(&[object("split-marked")])
        .err()
        .expect("refused");
    assert!(err.contains(".text.post"), "{err}");
    assert!(err.contains(".text.rt_entry <- .text16"), "{err}");
}

#[test]
fn fragments_list_one_input_section_per_line() {
    let text = split::fragment(&[".text.a".into(), ".text.b".into()]);
    assert!(text.ends_with("*(.text.a)\n*(.text.b)\n"), "{text}");
}
