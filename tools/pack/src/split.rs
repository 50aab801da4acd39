//! Which code runs only during POST: decided on the firmware's object file before it is
//! linked, from its relocations (rustc emits one section per function and per constant).
//!
//! A function is POST-only when the only way to reach it is a direct call or jump from
//! POST-only code, starting at the POST entry (`xenbios_post`). Everything else is runtime
//! code: what the real-mode sections (`.text16`, `.fixed`, `.fseg_data`) and any data
//! refer to, any function whose address is taken anywhere (a function pointer, a vtable
//! entry: it could be stored and called after POST), and all they reach in turn.
//! Constants stay runtime (POST may store a pointer to one in the firmware's state; no
//! relocation tells a load from a stored address), except a function's jump table, which
//! goes with its function. So nothing at runtime can name POST code, by construction; the
//! image check (`image.rs`) verifies the linked result independently.
//!
//! Explicit marks: a function in section `.text.post` (`#[unsafe(link_section =
//! ".text.post")]`) must come out POST-only, or the link fails and says who refers to it.
//! The loader's sections (`.text.loader`, `.rodata.loader`) are neither: they run before
//! POST, and their reference to the POST entry is the one that starts it.

use crate::elf::{self, Elf};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write;

/// The POST entry, called by the loader once the image is unpacked.
pub const POST_ENTRY: &str = "xenbios_post";
/// Section name of explicitly POST-only functions.
pub const POST_MARK: &str = ".text.post";
/// Section names of the loader (run before POST, never compressed): `.loader` (asm) and
/// these prefixes followed by nothing or a dot.
pub const LOADER_PREFIXES: [&str; 3] = [".loader", ".text.loader", ".rodata.loader"];
/// The real-mode sections: always present at their addresses, always runtime roots.
pub const REAL_MODE: [&str; 3] = [".text16", ".fixed", ".fseg_data"];

/// The split: input section names for the POST output sections, and a report.
pub struct Plan {
    pub text: Vec<String>,
    pub rodata: Vec<String>,
    pub report: String,
}

/// A section of one object: (object index, section index).
type Node = (usize, usize);

fn is_loader(name: &str) -> bool {
    LOADER_PREFIXES
        .iter()
        .any(|p| name == *p || name.starts_with(&format!("{p}.")))
}

/// Classify the allocated sections of `objects` (the firmware's relocatable objects).
pub fn classify(objects: &[Elf]) -> Result<Plan, String> {
    // Group each jump table `.rodata.<f>` with the code section defining function `f`.
    let mut group: BTreeMap<Node, Node> = BTreeMap::new();
    let mut nodes: Vec<Node> = Vec::new();
    for (o, elf) in objects.iter().enumerate() {
        let mut functions: BTreeMap<&str, usize> = BTreeMap::new();
        for sym in &elf.symbols {
            if sym.kind == elf::STT_FUNC
                && sym.shndx != elf::SHN_UNDEF
                && sym.shndx < elf::SHN_LORESERVE
            {
                functions.insert(&sym.name, sym.shndx as usize);
            }
        }
        for (i, s) in elf.sections.iter().enumerate() {
            if !s.alloc() {
                continue;
            }
            nodes.push((o, i));
            let owner = s
                .name
                .strip_prefix(".rodata.")
                .filter(|_| !s.exec())
                .and_then(|f| functions.get(f))
                .filter(|&&f| elf.sections[f].exec());
            group.insert((o, i), owner.map_or((o, i), |&f| (o, f)));
        }
    }
    let name = |(o, i): Node| objects[o].sections[i].name.as_str();
    let g = |n: Node| group[&n];

    // Edges between groups: (from, to, is_branch), self-edges dropped.
    let mut edges: BTreeMap<Node, Vec<(Node, bool)>> = BTreeMap::new();
    for (o, elf) in objects.iter().enumerate() {
        for (i, s) in elf.sections.iter().enumerate() {
            if !s.alloc() {
                continue;
            }
            for rel in elf.relocations(i) {
                let Some(sym) = elf.symbols.get(rel.sym as usize) else {
                    continue;
                };
                if sym.shndx == elf::SHN_UNDEF || sym.shndx >= elf::SHN_LORESERVE {
                    continue; // another object (compiler builtins: runtime) or absolute
                }
                let to = (o, sym.shndx as usize);
                if !group.contains_key(&to) {
                    continue;
                }
                let (from, to) = (g((o, i)), g(to));
                if from != to {
                    edges
                        .entry(from)
                        .or_default()
                        .push((to, elf::is_branch(rel.kind)));
                }
            }
        }
    }
    let loader = |n: Node| is_loader(name(n));

    // Runtime roots: real-mode sections, all data that is not a jump table, and every
    // target of an address reference (from anything but the loader).
    let mut runtime: BTreeSet<Node> = BTreeSet::new();
    let mut queue: VecDeque<Node> = VecDeque::new();
    let mut why: BTreeMap<Node, Node> = BTreeMap::new(); // runtime node -> who made it so
    for &n in &nodes {
        let s = &objects[n.0].sections[n.1];
        let root = g(n) == n && !loader(n) && (REAL_MODE.contains(&s.name.as_str()) || !s.exec());
        if root && runtime.insert(n) {
            queue.push_back(n);
        }
    }
    for (&from, list) in &edges {
        if loader(from) {
            continue;
        }
        for &(to, branch) in list {
            if !branch && !loader(to) && runtime.insert(to) {
                why.insert(to, from);
                queue.push_back(to);
            }
        }
    }
    while let Some(n) = queue.pop_front() {
        for &(to, _) in edges.get(&n).map(Vec::as_slice).unwrap_or(&[]) {
            if !loader(to) && runtime.insert(to) {
                why.insert(to, n);
                queue.push_back(to);
            }
        }
    }

    // XENBIOS_SPLIT_WHY=<part of a section name>: say why matching sections are runtime.
    if let Ok(q) = std::env::var("XENBIOS_SPLIT_WHY") {
        for &n in nodes.iter().filter(|&&n| name(n).contains(q.as_str())) {
            eprintln!("split: why runtime: {}", chain(objects, &why, n));
        }
    }

    // POST: reachable from the POST entry and the marked sections, outside runtime.
    let mut roots: Vec<Node> = Vec::new();
    for (o, elf) in objects.iter().enumerate() {
        for sym in &elf.symbols {
            if sym.name == POST_ENTRY
                && sym.shndx != elf::SHN_UNDEF
                && sym.shndx < elf::SHN_LORESERVE
            {
                roots.push(g((o, sym.shndx as usize)));
            }
        }
    }
    if roots.is_empty() {
        return Err(format!("no {POST_ENTRY} in the objects"));
    }
    roots.extend(
        nodes
            .iter()
            .copied()
            .filter(|&n| name(n) == POST_MARK)
            .map(g),
    );
    let mut errors = String::new();
    for &r in &roots {
        if runtime.contains(&r) {
            let _ = writeln!(
                errors,
                "split: {} is POST-only ({POST_ENTRY} or {POST_MARK}) but runtime code refers to it: {}",
                describe(objects, r),
                chain(objects, &why, r)
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut post: BTreeSet<Node> = roots.iter().copied().collect();
    let mut queue: VecDeque<Node> = roots.iter().copied().collect();
    while let Some(n) = queue.pop_front() {
        for &(to, _) in edges.get(&n).map(Vec::as_slice).unwrap_or(&[]) {
            if !runtime.contains(&to) && !loader(to) && post.insert(to) {
                queue.push_back(to);
            }
        }
    }

    // Names for the linker script: they must not also name a section that stays.
    let mut text = BTreeSet::new();
    let mut rodata = BTreeSet::new();
    for &n in &nodes {
        if post.contains(&g(n)) {
            if objects[n.0].sections[n.1].exec() {
                text.insert(name(n).to_string());
            } else {
                rodata.insert(name(n).to_string());
            }
        }
    }
    for &n in &nodes {
        if !post.contains(&g(n)) && (text.contains(name(n)) || rodata.contains(name(n))) {
            return Err(format!(
                "split: section name {} is both POST-only and runtime: the linker script cannot tell them apart",
                name(n)
            ));
        }
    }
    let size = |set: &BTreeSet<Node>| -> u32 {
        nodes
            .iter()
            .filter(|n| set.contains(&g(**n)))
            .map(|&(o, i)| objects[o].sections[i].size)
            .sum()
    };
    let mut report = String::new();
    let _ = writeln!(
        report,
        "# POST-only: {} code sections, {} jump tables, {} bytes (runtime groups: {}, {} bytes)",
        text.len(),
        rodata.len(),
        size(&post),
        runtime.len(),
        size(&runtime)
    );
    let mut by_size: Vec<Node> = post.iter().copied().collect();
    by_size.sort_by_key(|&(o, i)| std::cmp::Reverse(objects[o].sections[i].size));
    for n in by_size {
        let _ = writeln!(report, "{:6} {}", objects[n.0].sections[n.1].size, name(n));
    }
    Ok(Plan {
        text: text.into_iter().collect(),
        rodata: rodata.into_iter().collect(),
        report,
    })
}

fn describe(objects: &[Elf], (o, i): Node) -> String {
    objects[o].sections[i].name.clone()
}

/// "a <- b <- c": who made `n` runtime, back to a root.
fn chain(objects: &[Elf], why: &BTreeMap<Node, Node>, mut n: Node) -> String {
    let mut out = describe(objects, n);
    let mut seen = BTreeSet::new();
    while let Some(&from) = why.get(&n) {
        if !seen.insert(from) {
            break;
        }
        out.push_str(" <- ");
        out.push_str(&describe(objects, from));
        n = from;
    }
    out
}

/// The linker script fragment for one POST output section: one input section per line.
pub fn fragment(names: &[String]) -> String {
    let mut out =
        String::from("/* generated by xenbios-pack link: see tools/pack/src/split.rs */\n");
    for n in names {
        let _ = writeln!(out, "*({n})");
    }
    out
}
