//! The simulator reads the specifications itself: its sources name nothing of the firmware
//! but the interfaces it implements or hands over (crate doc, src/lib.rs). A device that
//! took a register number from the driver it simulates for would be wrong exactly when the
//! driver is, and no test could tell.
//!
//! The check reads the source: every path starting with `xenbios::` outside comments and
//! string literals, with `{...}` groups expanded, must be on the allowlist; the crate name
//! on its own (`use xenbios as fw`, `extern crate xenbios`) is refused, since it would hide
//! the paths behind another name.

use std::path::{Path, PathBuf};

/// Modules of the firmware the simulator may use all of.
const ALLOWED_MODULES: &[&str] = &[
    // The hardware traits the simulated devices implement (Memory, PortIo, Clock, Cpu,
    // Console, Hypervisor, XenCpu, Ctx, ...).
    "hal", // The log sink the capture installs.
    "log",
];

/// Single items the simulator may use.
const ALLOWED_ITEMS: &[&str] = &[
    // The block layer's interface, which FakeDisk implements and registers with.
    "block::BlockDevice",
    "block::Capacity",
    "block::Chs",
    "block::DiskError",
    "block::DriveId",
    "block::DriveInfo",
    "block::DriveKind",
    "block::Drives",
    "block::Interface",
    "block::IoError",
    "block::PciAddr",
    // The memory map, as a data type handed to tests.
    "e820::E820Map",
    "e820::Kind",
];

fn allowed(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("xenbios::") else {
        return false;
    };
    ALLOWED_MODULES
        .iter()
        .any(|m| rest == *m || rest.starts_with(&format!("{m}::")))
        || ALLOWED_ITEMS.contains(&rest)
}

/// The code of a Rust source: comments and the contents of string and character literals
/// become spaces (line breaks stay).
fn code(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
        } else if c[i] == 'r' && matches!(next, Some('#') | Some('"')) && !ident_before(&c, i) {
            // A raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            while c.get(j) == Some(&'#') {
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            let hashes = j - i - 1;
            let closes = |k: usize| c[k] == '"' && (1..=hashes).all(|h| c.get(k + h) == Some(&'#'));
            let end = (j + 1..c.len())
                .find(|&k| closes(k))
                .map_or(c.len(), |k| k + 1 + hashes);
            out.extend(c[i..end].iter().map(|&ch| blank(ch)));
            i = end;
        } else if c[i] == '"' {
            out.push(' ');
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < c.len() {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c[i] == '\'' {
            // A character literal ('x', '\n', '\u{..}'), or a lifetime ('a), left as it is.
            let close = if next == Some('\\') {
                (i + 2..c.len()).find(|&k| c[k] == '\'')
            } else if c.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(k) => {
                    out.extend(std::iter::repeat_n(' ', k + 1 - i));
                    i = k + 1;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn ident_before(c: &[char], i: usize) -> bool {
    i > 0 && is_ident(c[i - 1])
}

/// A cursor over code, for the paths after `xenbios`.
struct Cursor<'a> {
    s: &'a [char],
    i: usize,
}

impl Cursor<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, t: &str) -> bool {
        self.skip_ws();
        let t: Vec<char> = t.chars().collect();
        if self.s[self.i..].starts_with(&t) {
            self.i += t.len();
            true
        } else {
            false
        }
    }
    /// Skip to the `,` or `}` that ends this item of a group (past an `as` rename, or
    /// anything else), without entering nested groups.
    fn skip_item(&mut self) {
        let mut depth = 0;
        while self.i < self.s.len() {
            match self.s[self.i] {
                '{' => depth += 1,
                '}' if depth == 0 => return,
                '}' => depth -= 1,
                ',' if depth == 0 => return,
                ';' => return,
                _ => {}
            }
            self.i += 1;
        }
    }
    fn ident(&mut self) -> Option<String> {
        self.skip_ws();
        let start = self.i;
        while self.i < self.s.len() && is_ident(self.s[self.i]) {
            self.i += 1;
        }
        (self.i > start).then(|| self.s[start..self.i].iter().collect())
    }

    /// The paths of the use tree (or plain path) after `prefix::`, each in full.
    fn tree(&mut self, prefix: &str, out: &mut Vec<String>) {
        if self.eat("{") {
            loop {
                if self.eat("}") {
                    return;
                }
                self.tree(prefix, out);
                self.skip_item();
                if !self.eat(",") {
                    self.eat("}");
                    return;
                }
            }
        }
        if self.eat("*") {
            out.push(format!("{prefix}::*"));
            return;
        }
        let Some(name) = self.ident() else {
            out.push(prefix.to_string());
            return;
        };
        if name == "self" {
            out.push(prefix.to_string());
            return;
        }
        let path = format!("{prefix}::{name}");
        let save = self.i;
        if self.eat("::") && !self.eat("<") {
            self.tree(&path, out);
        } else {
            self.i = save;
            out.push(path);
        }
    }
}

/// Every firmware path the code names; a bare `xenbios` (an alias, `extern crate`) is
/// returned as "xenbios".
fn firmware_paths(code: &str) -> Vec<String> {
    let s: Vec<char> = code.chars().collect();
    let word: Vec<char> = "xenbios".chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + word.len() <= s.len() {
        let at_word = s[i..].starts_with(&word)
            && !ident_before(&s, i)
            && s.get(i + word.len()).is_none_or(|&c| !is_ident(c));
        if !at_word {
            i += 1;
            continue;
        }
        let mut cur = Cursor {
            s: &s,
            i: i + word.len(),
        };
        if cur.eat("::") {
            cur.tree("xenbios", &mut out);
        } else {
            out.push("xenbios".to_string());
        }
        i = cur.i.max(i + 1);
    }
    out
}

/// The simulator's sources.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// `file: path` for every firmware path in `files` that is not on the allowlist.
fn violations(files: &[PathBuf]) -> Vec<String> {
    let mut bad = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f).unwrap();
        for p in firmware_paths(&code(&text)) {
            if !allowed(&p) {
                bad.push(format!("{}: {p}", f.display()));
            }
        }
    }
    bad
}

#[test]
fn the_simulator_takes_nothing_from_the_firmware_but_its_interfaces() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = sources(&src);
    assert!(files.len() > 10, "sources not found in {}", src.display());
    let bad = violations(&files);
    assert!(
        bad.is_empty(),
        "the simulator uses the firmware beyond its interfaces (take the constant from the \
         specification instead, with a comment naming it):\n{}",
        bad.join("\n")
    );
}

/// The check itself: forbidden paths are found in imports, groups, expressions and aliases;
/// comments and strings do not count.
#[test]
fn the_check_finds_a_driver_constant_however_it_is_named() {
    let src = r#"
//! Uses xenbios::hw::pci in a comment only.
use xenbios::hal::{PortIo, mem::{Memory, MemoryExt}};
use xenbios::{e820::E820Map, hw::pci::{CONFIG_ADDRESS, CONFIG_DATA}};
use xenbios::block::{BlockDevice, int13};
use xenbios::hw::pic::{MASTER_CMD as CMD, MASTER_DATA};
/* xenbios::xen::PlatformDevice in a block comment */
fn f(v: &[u8]) -> Option<u64> {
    let _s = "xenbios::hw::fw_cfg::SELECTOR";
    let _c = '"';
    xenbios::log::set_sink(|_| {});
    xenbios::xen::xenstore::parse_u64(v)
}
fn g<'a>(x: &'a xenbios::hal::mem::FarPtr) {}
use xenbios as fw;
"#;
    let found = firmware_paths(&code(src));
    assert_eq!(
        found,
        [
            "xenbios::hal::PortIo",
            "xenbios::hal::mem::Memory",
            "xenbios::hal::mem::MemoryExt",
            "xenbios::e820::E820Map",
            "xenbios::hw::pci::CONFIG_ADDRESS",
            "xenbios::hw::pci::CONFIG_DATA",
            "xenbios::block::BlockDevice",
            "xenbios::block::int13",
            "xenbios::hw::pic::MASTER_CMD",
            "xenbios::hw::pic::MASTER_DATA",
            "xenbios::log::set_sink",
            "xenbios::xen::xenstore::parse_u64",
            "xenbios::hal::mem::FarPtr",
            "xenbios",
        ]
    );
    let refused: Vec<&String> = found.iter().filter(|p| !allowed(p)).collect();
    assert_eq!(
        refused,
        [
            "xenbios::hw::pci::CONFIG_ADDRESS",
            "xenbios::hw::pci::CONFIG_DATA",
            "xenbios::block::int13",
            "xenbios::hw::pic::MASTER_CMD",
            "xenbios::hw::pic::MASTER_DATA",
            "xenbios::xen::xenstore::parse_u64",
            "xenbios",
        ]
    );
}
