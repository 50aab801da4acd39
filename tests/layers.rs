//! The firmware's modules form layers that only look down (docs/architecture.md): every
//! `crate::` or `super::` path in `src/` names a module of the same layer or a lower one,
//! and the modules of one layer import each other without a circle.
//!
//! The check reads the source, not the compiler's view: a reference is any `crate::a::b`
//! (or `super::x`) path outside comments and outside the unit tests at the end of a file
//! (`#[cfg(test)]`), resolved to the longest module path that exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Units of the layering, bottom first: (module path prefix, layer). A module belongs to
/// the unit with the longest prefix of its path.
const UNITS: &[(&str, u8)] = &[
    // The hardware traits: nothing else of the firmware.
    ("hal", 0),
    // Support with no hardware of its own: logging, text, globals, the memory map.
    ("log", 1),
    ("fmt", 1),
    ("global", 1),
    ("arena", 1),
    ("layout", 1),
    ("bda", 1),
    ("e820", 1),
    ("zone", 1),
    ("ivt", 1),
    // The image's implementations of the hal traits.
    ("arch", 2),
    // The block layer's interface: what a driver implements and registers with.
    ("block", 3),
    // The El Torito parser: a pure function of the sectors a driver reads.
    ("block::eltorito", 3),
    // The El Torito emulated drive, over a CD's driver and the parser's constants.
    ("block::cdemu", 3),
    // Drivers.
    ("hw", 4),
    ("xen", 4),
    // Services on the drivers: the BIOS interrupts, boot.
    ("block::int13", 5),
    ("services", 5),
    ("boot", 5),
    // POST's platform set-up: memory map, PCI resources, BIOS tables, option ROMs.
    ("platform", 6),
    ("tables", 6),
    ("oprom", 6),
    // The top: the firmware state, POST, dispatch, the boot menu, the image.
    ("bios", 7),
    ("post", 7),
    ("dispatch", 7),
    ("menu", 7),
    ("image", 7),
    // The assembly takes its numbers from whichever layer owns each (structure offsets,
    // ports, service codes): it is glue of the image like `image`.
    ("arch::x86::asm", 7),
];

/// Source files of the firmware and their module paths (`hw::ata::channel`).
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = p.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|l| l == "mod") {
                parts.pop();
            }
            let name = parts.join("::");
            if name == "lib" || name == "main" {
                continue;
            }
            out.insert(name, p);
        }
    }
    out
}

/// The code of a file without comments and without its unit tests.
fn code(text: &str) -> String {
    let body = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    body.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Paths after `prefix` (`crate::`, `super::`), one per name a `{...}` group lists.
fn paths_after(code: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| is_ident(c) || c == '$') {
            continue;
        }
        let end = rest
            .find(|c: char| !(is_ident(c) || c == ':'))
            .unwrap_or(rest.len());
        let path = rest[..end].trim_end_matches(':').to_string();
        if rest[end..].starts_with('{') && rest[..end].ends_with("::") {
            let close = rest[end..].find('}').map_or(rest.len(), |j| end + j);
            for item in rest[end + 1..close].split(',') {
                let item: String = item
                    .trim()
                    .chars()
                    .take_while(|&c| is_ident(c) || c == ':')
                    .collect();
                if !item.is_empty() && item != "self" {
                    out.push(format!("{path}::{item}"));
                }
            }
        }
        out.push(path);
    }
    out
}

/// The module a path names: its longest prefix that is a module.
fn resolve(path: &str, mods: &BTreeMap<String, PathBuf>) -> Option<String> {
    let segs: Vec<&str> = path.split("::").collect();
    (1..=segs.len())
        .rev()
        .map(|n| segs[..n].join("::"))
        .find(|m| mods.contains_key(m))
}

fn unit_of(module: &str) -> (&'static str, u8) {
    UNITS
        .iter()
        .filter(|(u, _)| module == *u || module.starts_with(&format!("{u}::")))
        .max_by_key(|(u, _)| u.len())
        .copied()
        .unwrap_or_else(|| panic!("module {module} is in no unit of tests/layers.rs: add it"))
}

/// Every reference from one unit to another: (from unit, to unit) -> an example.
fn references(src: &Path) -> BTreeMap<(&'static str, &'static str), String> {
    let mods = modules(src);
    let mut out = BTreeMap::new();
    for (name, file) in &mods {
        let code = code(&std::fs::read_to_string(file).unwrap());
        let parent = name.rsplit_once("::").map_or("", |(p, _)| p);
        let mut paths = paths_after(&code, "crate::");
        paths.extend(paths_after(&code, "super::").into_iter().map(|p| {
            if parent.is_empty() {
                p
            } else {
                format!("{parent}::{p}")
            }
        }));
        let (from, _) = unit_of(name);
        for p in paths {
            let Some(target) = resolve(&p, &mods) else {
                continue;
            };
            let (to, _) = unit_of(&target);
            if to != from {
                out.entry((from, to))
                    .or_insert_with(|| format!("{name} -> {p}"));
            }
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn layer(unit: &str) -> u8 {
    UNITS.iter().find(|(u, _)| *u == unit).unwrap().1
}

#[test]
fn every_import_names_the_same_layer_or_a_lower_one() {
    let upward: Vec<String> = references(&src())
        .into_iter()
        .filter(|((from, to), _)| layer(to) > layer(from))
        .map(|((from, to), ex)| {
            format!(
                "{from} (layer {}) imports {to} (layer {}): {ex}",
                layer(from),
                layer(to)
            )
        })
        .collect();
    assert!(
        upward.is_empty(),
        "imports that look up:\n{}",
        upward.join("\n")
    );
}

/// A circle among `edges`, if there is one.
fn find_circle(edges: &BTreeSet<(&'static str, &'static str)>) -> Option<Vec<&'static str>> {
    fn visit(
        n: &'static str,
        edges: &BTreeSet<(&'static str, &'static str)>,
        path: &mut Vec<&'static str>,
        done: &mut BTreeSet<&'static str>,
    ) -> Option<Vec<&'static str>> {
        if let Some(i) = path.iter().position(|&p| p == n) {
            let mut c = path[i..].to_vec();
            c.push(n);
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n);
        for &(_, to) in edges.iter().filter(|(f, _)| *f == n) {
            if let Some(c) = visit(to, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n);
        None
    }
    let mut done = BTreeSet::new();
    for &(from, _) in edges {
        if let Some(c) = visit(from, edges, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn the_units_of_a_layer_import_each_other_without_a_circle() {
    let refs = references(&src());
    let edges: BTreeSet<_> = refs
        .keys()
        .filter(|(from, to)| layer(from) == layer(to))
        .copied()
        .collect();
    if let Some(c) = find_circle(&edges) {
        let hops: Vec<String> = c.windows(2).map(|w| refs[&(w[0], w[1])].clone()).collect();
        panic!("a circle: {}\n{}", c.join(" -> "), hops.join("\n"));
    }
}

/// The check itself: an upward import and a circle in a made-up tree are found.
#[test]
fn the_check_finds_an_upward_import_and_a_circle() {
    let dir = std::env::temp_dir().join(format!("xenbios-layers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("hw")).unwrap();
    std::fs::write(
        dir.join("hal.rs"),
        "use crate::bios::Bios; // hal looks up\n",
    )
    .unwrap();
    std::fs::write(dir.join("bios.rs"), "pub struct Bios;\n").unwrap();
    std::fs::write(dir.join("hw/mod.rs"), "pub mod pci;\n").unwrap();
    std::fs::write(dir.join("hw/pci.rs"), "use crate::xen::{Xen, hvm};\n").unwrap();
    std::fs::write(
        dir.join("xen.rs"),
        "use super::hw::pci::read; // comment: crate::bios\n#[cfg(test)]\nuse crate::bios;\n",
    )
    .unwrap();
    let refs = references(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(refs[&("hal", "bios")], "hal -> bios::Bios");
    assert!(layer("bios") > layer("hal"));
    assert_eq!(refs[&("hw", "xen")], "hw::pci -> xen::Xen");
    assert_eq!(refs[&("xen", "hw")], "xen -> hw::pci::read");
    assert!(
        !refs.contains_key(&("xen", "bios")),
        "comments and unit tests do not count"
    );
    let edges: BTreeSet<_> = refs.keys().copied().collect();
    assert_eq!(find_circle(&edges), Some(vec!["hw", "xen", "hw"]));
}
