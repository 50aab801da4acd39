//! From the linked firmware (`bios.elf`, linked with `--emit-relocs`) to `bios.bin`: check
//! that nothing at runtime refers to POST code, compress the runtime and POST parts into
//! one blob at the start of the file, and put the loader and the real-mode sections at
//! their load addresses after it.
//!
//! The linker script (linker.ld) names the regions with these symbols:
//!
//! | symbols | what |
//! | --- | --- |
//! | `image_start`, `image_end` | the 128 KiB file's addresses (0xe0000-0x100000) |
//! | `runtime_start`, `runtime_end` | runtime code and data (compressed), linked at 0xe0000 |
//! | `runtime_limit` | where the runtime part must end: the loader's start |
//! | `post_start`, `post_text_end`, `post_end`, `post_limit` | POST-only code, then its jump tables (compressed), in RAM above 1 MiB |
//! | `loader_start`, `loader_end` | the loader (uncompressed) |
//! | `unpack_scratch`, `unpack_scratch_end` | where the loader copies the blob before decoding it |

use crate::elf::{self, Elf};
use crate::format::{self, Window};
use crate::lz4;
use std::fmt::Write;

/// The region symbols of linker.ld, read from the image.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    pub image_start: u32,
    pub image_end: u32,
    pub runtime_start: u32,
    pub runtime_end: u32,
    pub runtime_limit: u32,
    pub post_start: u32,
    pub post_text_end: u32,
    pub post_end: u32,
    pub post_limit: u32,
    pub loader_start: u32,
    pub loader_end: u32,
    pub scratch: u32,
    pub scratch_end: u32,
    pub post_entry: u32,
}

impl Layout {
    pub fn read(elf: &Elf) -> Result<Layout, String> {
        let l = Layout {
            image_start: elf.value("image_start")?,
            image_end: elf.value("image_end")?,
            runtime_start: elf.value("runtime_start")?,
            runtime_end: elf.value("runtime_end")?,
            runtime_limit: elf.value("runtime_limit")?,
            post_start: elf.value("post_start")?,
            post_text_end: elf.value("post_text_end")?,
            post_end: elf.value("post_end")?,
            post_limit: elf.value("post_limit")?,
            loader_start: elf.value("loader_start")?,
            loader_end: elf.value("loader_end")?,
            scratch: elf.value("unpack_scratch")?,
            scratch_end: elf.value("unpack_scratch_end")?,
            post_entry: elf.value(crate::split::POST_ENTRY)?,
        };
        let ordered = l.image_start == l.runtime_start
            && l.runtime_end <= l.runtime_limit
            && l.runtime_limit <= l.loader_start
            && l.loader_end <= l.image_end
            && l.post_start <= l.post_text_end
            && l.post_text_end <= l.post_end
            && l.post_end <= l.post_limit;
        if !ordered {
            return Err(format!("linker.ld regions out of order: {l:x?}"));
        }
        Ok(l)
    }

    /// Where the loader may write decoded parts (it reads the same symbols).
    pub fn windows(&self) -> [Window; 2] {
        [
            Window {
                start: self.runtime_start,
                end: self.runtime_limit,
            },
            Window {
                start: self.post_start,
                end: self.post_limit,
            },
        ]
    }

    fn in_post(&self, a: u32) -> bool {
        (self.post_start..self.post_limit).contains(&a)
    }
    fn in_runtime(&self, a: u32) -> bool {
        (self.runtime_start..self.runtime_limit).contains(&a)
    }
}

/// Where a section's code runs from, for the reference rules.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Region {
    Runtime,
    PostText,
    PostData,
    Loader,
}

fn region(l: &Layout, s: &elf::Section) -> Region {
    if l.in_post(s.addr) {
        if s.addr < l.post_text_end {
            Region::PostText
        } else {
            Region::PostData
        }
    } else if (l.loader_start..l.loader_end).contains(&s.addr) {
        Region::Loader
    } else {
        Region::Runtime
    }
}

/// The function or object symbol covering `addr`, for messages.
fn name_at(elf: &Elf, addr: u32) -> String {
    elf.symbols
        .iter()
        .filter(|s| s.size > 0 && s.value <= addr && addr < s.value + s.size)
        .min_by_key(|s| s.size)
        .map_or_else(
            || format!("{addr:#x}"),
            |s| format!("{} (+{:#x})", s.name, addr - s.value),
        )
}

/// linker.ld's region symbols: addresses of regions, not of code. The loader names them
/// to unpack (POST code may too); their values may equal a function's.
pub const REGION_SYMBOLS: [&str; 13] = [
    "image_start",
    "image_end",
    "runtime_start",
    "runtime_end",
    "runtime_limit",
    "post_start",
    "post_text_end",
    "post_end",
    "post_limit",
    "loader_start",
    "loader_end",
    "unpack_scratch",
    "unpack_scratch_end",
];

/// Every reference in the image, by the rules:
/// - runtime code and data (and the real-mode sections) never refer into the POST region;
/// - the loader refers to nothing it would find still compressed, but the POST entry;
/// - POST code never takes the address of POST code (it could store it where runtime
///   code finds it); its jump tables (POST data) do, and are used by it alone.
///
/// The loader and POST code may name the region symbols; runtime code may not name POST's.
///
/// Returns the number of references checked, or every violation.
pub fn check_references(elf: &Elf, l: &Layout) -> Result<usize, String> {
    let mut errors = String::new();
    let mut checked = 0;
    for (i, s) in elf.sections.iter().enumerate() {
        if !s.alloc() || s.kind == elf::SHT_NOBITS {
            continue;
        }
        let from = region(l, s);
        let bytes = elf.contents(i);
        for rel in elf.relocations(i) {
            let at = rel.offset.wrapping_sub(s.addr) as usize;
            let Some(field) = bytes.get(at..at + 4) else {
                continue;
            };
            let value = u32::from_le_bytes([field[0], field[1], field[2], field[3]]);
            let target = match rel.kind {
                elf::R_386_32 => value,
                elf::R_386_PC32 | elf::R_386_PLT32 => {
                    value.wrapping_add(rel.offset).wrapping_add(4)
                }
                // 16- and 8-bit fields (real-mode code) cannot hold an address above 1 MiB
                // nor one in the runtime part's 0xe0000 range.
                _ => continue,
            };
            checked += 1;
            let region_symbol = elf
                .symbols
                .get(rel.sym as usize)
                .is_some_and(|sym| REGION_SYMBOLS.contains(&sym.name.as_str()));
            if region_symbol && from != Region::Runtime {
                continue;
            }
            let bad = match from {
                Region::Runtime => l
                    .in_post(target)
                    .then_some("runtime code or data refers to POST code"),
                Region::Loader => ((l.in_post(target) || l.in_runtime(target))
                    && target != l.post_entry)
                    .then_some("the loader refers to the compressed part"),
                Region::PostText => (rel.kind == elf::R_386_32
                    && (l.post_start..l.post_text_end).contains(&target))
                .then_some("POST code takes the address of POST code"),
                Region::PostData => None,
            };
            if let Some(why) = bad {
                let _ = writeln!(
                    errors,
                    "check: {why}: {} in {} -> {}",
                    name_at(elf, rel.offset),
                    s.name,
                    name_at(elf, target)
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(errors)
    }
}

/// The bytes of `[start, end)` from the allocated sections linked there.
fn gather(elf: &Elf, start: u32, end: u32) -> Vec<u8> {
    let mut out = vec![0u8; (end - start) as usize];
    for (i, s) in elf.sections.iter().enumerate() {
        if s.alloc() && s.kind != elf::SHT_NOBITS && s.size > 0 && s.addr >= start && s.end() <= end
        {
            let at = (s.addr - start) as usize;
            out[at..at + s.size as usize].copy_from_slice(elf.contents(i));
        }
    }
    out
}

/// What packing produced, for the build's report.
pub struct Packed {
    pub bin: Vec<u8>,
    pub report: String,
}

/// Check the image, then build `bios.bin`.
pub fn pack(elf: &Elf) -> Result<Packed, String> {
    let l = Layout::read(elf)?;
    let refs = check_references(elf, &l)?;
    let size = (l.image_end - l.image_start) as usize;
    let mut bin = vec![0u8; size];

    // Every loaded section is in exactly one part: runtime, POST, or raw after the blob.
    let mut raw_start = l.image_end;
    for (i, s) in elf.sections.iter().enumerate() {
        if !s.alloc() || s.kind == elf::SHT_NOBITS || s.size == 0 {
            continue;
        }
        let runtime = s.addr >= l.runtime_start && s.end() <= l.runtime_end;
        let post = s.addr >= l.post_start && s.end() <= l.post_end;
        if runtime || post {
            continue;
        }
        let lma = elf
            .load_address(i)
            .ok_or_else(|| format!("{}: no load address", s.name))?;
        if lma < l.loader_start || lma + s.size > l.image_end {
            return Err(format!(
                "{} at {lma:#x}-{:#x}: neither in a compressed part nor after the loader's start {:#x}",
                s.name,
                lma + s.size,
                l.loader_start
            ));
        }
        let at = (lma - l.image_start) as usize;
        if bin[at..at + s.size as usize].iter().any(|&b| b != 0) {
            return Err(format!("{} overlaps another section at {lma:#x}", s.name));
        }
        bin[at..at + s.size as usize].copy_from_slice(elf.contents(i));
        raw_start = raw_start.min(lma);
    }

    let runtime = gather(elf, l.runtime_start, l.runtime_end);
    let post = gather(elf, l.post_start, l.post_end);
    let (runtime_z, post_z) = (lz4::compress(&runtime), lz4::compress(&post));
    let blob = format::build(&[
        (l.runtime_start, runtime.len() as u32, runtime_z.clone()),
        (l.post_start, post.len() as u32, post_z.clone()),
    ]);
    let room = (l.loader_start.min(raw_start) - l.image_start) as usize;
    if blob.len() > room || blob.len() > (l.scratch_end - l.scratch) as usize {
        return Err(format!(
            "the compressed blob ({} bytes) does not fit: {room} bytes before the loader, scratch {} bytes",
            blob.len(),
            l.scratch_end - l.scratch
        ));
    }
    bin[..blob.len()].copy_from_slice(&blob);

    // Decode what the loader will decode, with its checks.
    let (_, parts, count) =
        format::parse(&bin, &l.windows()).map_err(|e| format!("blob: {e:?}"))?;
    for (part, want) in parts[..count].iter().zip([&runtime, &post]) {
        let mut out = vec![0u8; part.len as usize];
        let block = &blob[part.src as usize..(part.src + part.clen) as usize];
        lz4::decompress(block, &mut out).map_err(|e| format!("blob: {e:?}"))?;
        if &out != want {
            return Err("blob: decodes differently".into());
        }
    }

    let mut report = String::new();
    let _ = writeln!(
        report,
        "check: {refs} references, none from runtime into POST"
    );
    let _ = writeln!(
        report,
        "runtime: {:#x}-{:#x}, {} bytes ({} compressed); {} bytes free below the loader at {:#x}",
        l.runtime_start,
        l.runtime_end,
        runtime.len(),
        runtime_z.len(),
        l.runtime_limit - l.runtime_end,
        l.runtime_limit
    );
    let _ = writeln!(
        report,
        "POST:    {:#x}-{:#x}, {} bytes ({} compressed), RAM freed (and filled with int3) after POST",
        l.post_start,
        l.post_end,
        post.len(),
        post_z.len()
    );
    let _ = writeln!(
        report,
        "file:    blob {} bytes at {:#x}, {} bytes free before the loader; loader and real-mode parts {:#x}-{:#x}",
        blob.len(),
        l.image_start,
        room - blob.len(),
        raw_start,
        l.image_end
    );
    Ok(Packed { bin, report })
}
