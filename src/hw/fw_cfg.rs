//! QEMU's firmware configuration device (fw_cfg), through its x86 I/O ports.
//!
//! Facts from QEMU's docs/specs/fw_cfg.rst: a 16-bit selector register at 0x510 (a write
//! selects an item and rewinds its data offset to 0), an 8-bit data register at 0x511
//! (each read returns the next byte of the selected item, 0 past its end), item 0x0000
//! holding the signature "QEMU", item 0x0001 a little-endian feature bitmap, item 0x0019
//! the file directory: a big-endian 32-bit count followed by that many 64-byte entries
//! (big-endian 32-bit size, big-endian 16-bit selector, 16 reserved bits, a NUL-padded
//! name of up to 56 bytes).
//!
//! Under Xen (hvmloader's device model) there is no fw_cfg: [`FwCfg::probe`] returns
//! `None`. The DMA interface (feature bit 1, port 0x514) is not used: every transfer the
//! firmware makes at POST is small.

use super::PortIo;

pub const SELECTOR: u16 = 0x510;
pub const DATA: u16 = 0x511;

pub const KEY_SIGNATURE: u16 = 0x0000;
pub const KEY_FEATURES: u16 = 0x0001;
/// `-boot menu=on|off`: a little-endian u16, non-zero for on (QEMU's FW_CFG_BOOT_MENU).
pub const KEY_BOOT_MENU: u16 = 0x000e;
/// Number of CPUs present at boot, little-endian u16 (QEMU FW_CFG_NB_CPUS).
pub const KEY_NB_CPUS: u16 = 0x0005;
pub const KEY_FILE_DIR: u16 = 0x0019;

pub const SIGNATURE: [u8; 4] = *b"QEMU";
/// Feature bits (item 0x0001).
pub const FEATURE_TRADITIONAL: u32 = 1 << 0;
pub const FEATURE_DMA: u32 = 1 << 1;

pub const FILE_NAME_LEN: usize = 56;
/// One directory entry: size (4), select (2), reserved (2), name (56).
pub const DIR_ENTRY_LEN: usize = 64;
/// Directory entries looked at before giving up: QEMU's default is 32 file slots and its
/// machine types stay far below this.
const MAX_FILES: u32 = 4096;

/// An fw_cfg file as the directory describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileInfo {
    pub select: u16,
    pub size: u32,
}

/// A directory entry: where the file is and its name (NUL-padded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NamedFile {
    pub info: FileInfo,
    pub name: [u8; FILE_NAME_LEN],
}

impl NamedFile {
    pub const EMPTY: NamedFile = NamedFile {
        info: FileInfo { select: 0, size: 0 },
        name: [0; FILE_NAME_LEN],
    };
    pub fn name(&self) -> &str {
        let len = self
            .name
            .iter()
            .position(|&c| c == 0)
            .unwrap_or(FILE_NAME_LEN);
        core::str::from_utf8(&self.name[..len]).unwrap_or("?")
    }
}

/// The device, once its signature has been seen. Items are read by selecting them and
/// reading on: any other fw_cfg access in between (even a `find`) rewinds the stream.
#[derive(Clone, Copy)]
pub struct FwCfg<'a> {
    io: &'a dyn PortIo,
}

impl<'a> FwCfg<'a> {
    /// The device if the signature item reads "QEMU".
    pub fn probe(io: &'a dyn PortIo) -> Option<FwCfg<'a>> {
        let fw = FwCfg { io };
        let mut sig = [0u8; 4];
        fw.read_item(KEY_SIGNATURE, &mut sig);
        (sig == SIGNATURE).then_some(fw)
    }

    /// Select `key` and rewind its data.
    pub fn select(&self, key: u16) {
        self.io.outw(SELECTOR, key);
    }

    /// The next `buf.len()` bytes of the selected item.
    pub fn read(&self, buf: &mut [u8]) {
        for b in buf {
            *b = self.io.inb(DATA);
        }
    }

    /// Skip `n` bytes of the selected item.
    pub fn skip(&self, n: u32) {
        for _ in 0..n {
            self.io.inb(DATA);
        }
    }

    pub fn read_item(&self, key: u16, buf: &mut [u8]) {
        self.select(key);
        self.read(buf);
    }

    /// The feature bitmap (item 0x0001).
    pub fn features(&self) -> u32 {
        let mut b = [0u8; 4];
        self.read_item(KEY_FEATURES, &mut b);
        u32::from_le_bytes(b)
    }

    /// Number of files in the directory.
    pub fn file_count(&self) -> u32 {
        let mut b = [0u8; 4];
        self.read_item(KEY_FILE_DIR, &mut b);
        u32::from_be_bytes(b).min(MAX_FILES)
    }

    /// Look `name` up in the file directory.
    pub fn find(&self, name: &str) -> Option<FileInfo> {
        self.find_bytes(name.as_bytes())
    }

    /// [`find`](Self::find) for a name that is bytes (as in the table loader's commands).
    pub fn find_bytes(&self, name: &[u8]) -> Option<FileInfo> {
        if name.len() > FILE_NAME_LEN {
            return None;
        }
        let count = self.file_count();
        let mut e = [0u8; DIR_ENTRY_LEN];
        for _ in 0..count {
            self.read(&mut e);
            let stored = &e[8..];
            let len = stored.iter().position(|&c| c == 0).unwrap_or(FILE_NAME_LEN);
            if &stored[..len] == name {
                return Some(FileInfo {
                    size: u32::from_be_bytes([e[0], e[1], e[2], e[3]]),
                    select: u16::from_be_bytes([e[4], e[5]]),
                });
            }
        }
        None
    }

    /// A little-endian u16 item (0 when the item is shorter or absent).
    pub fn read_u16(&self, key: u16) -> u16 {
        let mut b = [0u8; 2];
        self.read_item(key, &mut b);
        u16::from_le_bytes(b)
    }

    /// The files whose names start with `prefix`, in directory order, into `out`;
    /// returns how many were found (those beyond `out.len()` are counted, not kept).
    pub fn files_with_prefix(&self, prefix: &str, out: &mut [NamedFile]) -> usize {
        let count = self.file_count();
        let mut e = [0u8; DIR_ENTRY_LEN];
        let mut found = 0;
        for _ in 0..count {
            self.read(&mut e);
            if !e[8..].starts_with(prefix.as_bytes()) {
                continue;
            }
            if let Some(slot) = out.get_mut(found) {
                slot.info = FileInfo {
                    size: u32::from_be_bytes([e[0], e[1], e[2], e[3]]),
                    select: u16::from_be_bytes([e[4], e[5]]),
                };
                slot.name.copy_from_slice(&e[8..]);
            }
            found += 1;
        }
        found
    }

    /// Copy the first `len` bytes of a file to guest memory at `addr`.
    pub fn copy_to(&self, file: FileInfo, mem: &mut dyn crate::mem::Memory, addr: u32, len: u32) {
        const CHUNK: usize = 64;
        self.select(file.select);
        let mut buf = [0u8; CHUNK];
        let mut done = 0;
        while done < len {
            let n = ((len - done) as usize).min(CHUNK);
            self.read(&mut buf[..n]);
            mem.write(addr + done, &buf[..n]);
            done += n as u32;
        }
    }

    /// Read file `name` into `buf`; returns the file's full size (which may be more than
    /// was copied: `buf` gets the first `min(size, buf.len())` bytes).
    pub fn read_file(&self, name: &str, buf: &mut [u8]) -> Option<usize> {
        let mut f = self.open(name)?;
        f.read(buf);
        Some(f.size() as usize)
    }

    /// A stream over file `name`.
    pub fn open(&self, name: &str) -> Option<FileReader<'a>> {
        let info = self.find(name)?;
        self.select(info.select);
        Some(FileReader {
            fw: *self,
            info,
            remaining: info.size,
        })
    }
}

/// Sequential reads of one fw_cfg file (see [`FwCfg`] on interleaving).
pub struct FileReader<'a> {
    fw: FwCfg<'a>,
    info: FileInfo,
    remaining: u32,
}

impl FileReader<'_> {
    pub fn size(&self) -> u32 {
        self.info.size
    }
    pub fn remaining(&self) -> u32 {
        self.remaining
    }
    /// Up to `buf.len()` further bytes; returns how many (0 at the end).
    pub fn read(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(self.remaining as usize);
        self.fw.read(&mut buf[..n]);
        self.remaining -= n as u32;
        n
    }
}
