//! Just enough of ELF32 (little-endian, i386) to read the firmware's object file and its
//! linked image: sections, symbols, REL relocations and program headers.

pub const SHT_SYMTAB: u32 = 2;
pub const SHT_RELA: u32 = 4;
pub const SHT_NOBITS: u32 = 8;
pub const SHT_REL: u32 = 9;

pub const SHF_WRITE: u32 = 1;
pub const SHF_ALLOC: u32 = 2;
pub const SHF_EXECINSTR: u32 = 4;

pub const SHN_UNDEF: u16 = 0;
/// Section indices from here up are special (absolute, common, ...), not sections.
pub const SHN_LORESERVE: u16 = 0xff00;

pub const STT_FUNC: u8 = 2;

pub const PT_LOAD: u32 = 1;

/// i386 relocation types the firmware's code and data use.
pub const R_386_32: u8 = 1;
pub const R_386_PC32: u8 = 2;
pub const R_386_PLT32: u8 = 4;
pub const R_386_16: u8 = 20;
pub const R_386_PC16: u8 = 21;
pub const R_386_8: u8 = 22;
pub const R_386_PC8: u8 = 23;

/// A relocation that a branch uses (call, jmp, jcc): the target is executed, its address
/// is not stored anywhere. i386 has no PC-relative data addressing, so in code these are
/// exactly the branches.
pub fn is_branch(kind: u8) -> bool {
    matches!(kind, R_386_PC32 | R_386_PLT32 | R_386_PC16 | R_386_PC8)
}

#[derive(Clone, Debug)]
pub struct Section {
    pub name: String,
    pub kind: u32,
    pub flags: u32,
    pub addr: u32,
    pub offset: u32,
    pub size: u32,
    pub link: u32,
    pub info: u32,
}

impl Section {
    pub fn alloc(&self) -> bool {
        self.flags & SHF_ALLOC != 0
    }
    pub fn exec(&self) -> bool {
        self.flags & SHF_EXECINSTR != 0
    }
    pub fn end(&self) -> u32 {
        self.addr + self.size
    }
}

#[derive(Clone, Debug)]
pub struct Symbol {
    pub name: String,
    pub value: u32,
    pub size: u32,
    pub kind: u8,
    pub shndx: u16,
}

#[derive(Clone, Copy, Debug)]
pub struct Rel {
    /// Offset in the section (object) or address (linked image with --emit-relocs).
    pub offset: u32,
    pub kind: u8,
    pub sym: u32,
}

#[derive(Clone, Copy, Debug)]
pub struct Segment {
    pub kind: u32,
    pub offset: u32,
    pub vaddr: u32,
    pub paddr: u32,
    pub filesz: u32,
}

pub struct Elf {
    pub data: Vec<u8>,
    pub sections: Vec<Section>,
    pub symbols: Vec<Symbol>,
    pub segments: Vec<Segment>,
}

fn u16_at(d: &[u8], at: usize) -> Result<u16, String> {
    d.get(at..at + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .ok_or_else(|| format!("ELF truncated at {at:#x}"))
}

fn u32_at(d: &[u8], at: usize) -> Result<u32, String> {
    d.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| format!("ELF truncated at {at:#x}"))
}

fn c_str(d: &[u8], at: usize) -> String {
    let tail = d.get(at..).unwrap_or(&[]);
    let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
    String::from_utf8_lossy(&tail[..end]).into_owned()
}

impl Elf {
    pub fn read(path: &std::path::Path) -> Result<Elf, String> {
        let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Elf::parse(data).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(data: Vec<u8>) -> Result<Elf, String> {
        const ELFCLASS32: u8 = 1;
        const ELFDATA2LSB: u8 = 1;
        if data.get(..4) != Some(b"\x7fELF") || data[4] != ELFCLASS32 || data[5] != ELFDATA2LSB {
            return Err("not a little-endian ELF32 file".into());
        }
        let phoff = u32_at(&data, 0x1c)? as usize;
        let shoff = u32_at(&data, 0x20)? as usize;
        let phentsize = u16_at(&data, 0x2a)? as usize;
        let phnum = u16_at(&data, 0x2c)? as usize;
        let shentsize = u16_at(&data, 0x2e)? as usize;
        let shnum = u16_at(&data, 0x30)? as usize;
        let shstrndx = u16_at(&data, 0x32)? as usize;
        let mut sections = Vec::with_capacity(shnum);
        let mut name_offsets = Vec::with_capacity(shnum);
        for i in 0..shnum {
            let h = shoff + i * shentsize;
            sections.push(Section {
                name: String::new(),
                kind: u32_at(&data, h + 4)?,
                flags: u32_at(&data, h + 8)?,
                addr: u32_at(&data, h + 12)?,
                offset: u32_at(&data, h + 16)?,
                size: u32_at(&data, h + 20)?,
                link: u32_at(&data, h + 24)?,
                info: u32_at(&data, h + 28)?,
            });
            name_offsets.push(u32_at(&data, h)? as usize);
        }
        // A file with no sections (the direct-boot container) needs no name table.
        let names_at = match sections.get(shstrndx) {
            Some(s) => s.offset as usize,
            None if sections.is_empty() => 0,
            None => return Err("no section name table".into()),
        };
        for (s, name) in sections.iter_mut().zip(name_offsets) {
            s.name = c_str(&data, names_at + name);
        }
        let mut symbols = Vec::new();
        if let Some(symtab) = sections.iter().find(|s| s.kind == SHT_SYMTAB) {
            let strings = sections
                .get(symtab.link as usize)
                .ok_or("no symbol names")?
                .offset;
            const SYM_SIZE: usize = 16;
            for i in 0..symtab.size as usize / SYM_SIZE {
                let e = symtab.offset as usize + i * SYM_SIZE;
                symbols.push(Symbol {
                    name: c_str(&data, strings as usize + u32_at(&data, e)? as usize),
                    value: u32_at(&data, e + 4)?,
                    size: u32_at(&data, e + 8)?,
                    kind: data.get(e + 12).ok_or("ELF truncated")? & 0xf,
                    shndx: u16_at(&data, e + 14)?,
                });
            }
        }
        let mut segments = Vec::with_capacity(phnum);
        for i in 0..phnum {
            let h = phoff + i * phentsize;
            segments.push(Segment {
                kind: u32_at(&data, h)?,
                offset: u32_at(&data, h + 4)?,
                vaddr: u32_at(&data, h + 8)?,
                paddr: u32_at(&data, h + 12)?,
                filesz: u32_at(&data, h + 16)?,
            });
        }
        if sections.iter().any(|s| s.kind == SHT_RELA) {
            return Err("RELA relocations: expected i386 REL".into());
        }
        Ok(Elf {
            data,
            sections,
            symbols,
            segments,
        })
    }

    /// The bytes of section `i` (none for NOBITS).
    pub fn contents(&self, i: usize) -> &[u8] {
        let s = &self.sections[i];
        if s.kind == SHT_NOBITS {
            return &[];
        }
        &self.data[s.offset as usize..(s.offset + s.size) as usize]
    }

    /// The relocations that apply to section `i` (from the REL sections whose info is `i`).
    pub fn relocations(&self, i: usize) -> Vec<Rel> {
        let mut rels = Vec::new();
        for r in self
            .sections
            .iter()
            .filter(|r| r.kind == SHT_REL && r.info as usize == i)
        {
            const REL_SIZE: usize = 8;
            for k in 0..r.size as usize / REL_SIZE {
                let e = r.offset as usize + k * REL_SIZE;
                let info = u32_at(&self.data, e + 4).unwrap_or(0);
                rels.push(Rel {
                    offset: u32_at(&self.data, e).unwrap_or(0),
                    kind: info as u8,
                    sym: info >> 8,
                });
            }
        }
        rels
    }

    pub fn symbol(&self, name: &str) -> Option<&Symbol> {
        self.symbols.iter().find(|s| s.name == name)
    }

    /// The value of symbol `name`, or an error naming it.
    pub fn value(&self, name: &str) -> Result<u32, String> {
        self.symbol(name)
            .map(|s| s.value)
            .ok_or_else(|| format!("no symbol {name} in the image"))
    }

    /// Load address of section `i` (where its bytes go in memory at load time), from the
    /// program header that holds its file bytes.
    pub fn load_address(&self, i: usize) -> Option<u32> {
        let s = &self.sections[i];
        self.segments
            .iter()
            .filter(|p| p.kind == PT_LOAD)
            .find(|p| s.offset >= p.offset && s.offset + s.size <= p.offset + p.filesz)
            .map(|p| p.paddr + (s.offset - p.offset))
    }
}
