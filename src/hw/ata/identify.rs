//! What an IDENTIFY (PACKET) DEVICE block says about a device.

use super::channel::Block;
use crate::block::Chs;

/// Word numbers and bits in the IDENTIFY data.
mod word {
    pub const CONFIG: usize = 0;
    pub const CONFIG_REMOVABLE: u16 = 1 << 7;
    pub const CYLINDERS: usize = 1;
    pub const HEADS: usize = 3;
    pub const SPT: usize = 6;
    pub const MODEL: usize = 27;
    pub const MODEL_WORDS: usize = 20;
    pub const CAPABILITIES: usize = 49;
    pub const CAPABILITIES_LBA: u16 = 1 << 9;
    pub const LBA28_SECTORS: usize = 60;
    pub const COMMAND_SET_2: usize = 83;
    pub const COMMAND_SET_2_LBA48: u16 = 1 << 10;
    pub const LBA48_SECTORS: usize = 100;
    pub const SECTOR_SIZE: usize = 106;
    /// Word 106 is valid when bit 14 is set and bit 15 clear.
    pub const SECTOR_SIZE_VALID_MASK: u16 = 0xc000;
    pub const SECTOR_SIZE_VALID: u16 = 0x4000;
    pub const SECTOR_SIZE_LARGE: u16 = 1 << 12;
    pub const LOGICAL_SECTOR_WORDS: usize = 117;
}

pub const MODEL_LEN: usize = word::MODEL_WORDS * 2;

/// The model string: ASCII, trailing blanks removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Model {
    bytes: [u8; MODEL_LEN],
    len: u8,
}

impl Model {
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

impl core::fmt::Display for Model {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.len == 0 {
            return f.write_str("(no model name)");
        }
        for &b in self.as_bytes() {
            core::fmt::Write::write_char(f, b as char)?;
        }
        Ok(())
    }
}

/// A parsed IDENTIFY block.
pub struct Identify<'a>(pub &'a Block);

impl Identify<'_> {
    fn w(&self, n: usize) -> u16 {
        self.0[n]
    }
    fn dword(&self, n: usize) -> u32 {
        self.w(n) as u32 | (self.w(n + 1) as u32) << 16
    }

    /// Words 27-46, two characters per word, first character in the high byte.
    pub fn model(&self) -> Model {
        let mut bytes = [0u8; MODEL_LEN];
        for (i, pair) in bytes.chunks_exact_mut(2).enumerate() {
            pair.copy_from_slice(&self.w(word::MODEL + i).to_be_bytes());
        }
        for b in bytes.iter_mut() {
            if *b == 0 {
                *b = b' ';
            } else if !b.is_ascii_graphic() && *b != b' ' {
                *b = b'?';
            }
        }
        let len = bytes
            .iter()
            .rposition(|&b| b != b' ')
            .map_or(0, |last| last + 1);
        Model {
            bytes,
            len: len as u8,
        }
    }

    pub fn removable(&self) -> bool {
        self.w(word::CONFIG) & word::CONFIG_REMOVABLE != 0
    }

    pub fn lba(&self) -> bool {
        self.w(word::CAPABILITIES) & word::CAPABILITIES_LBA != 0
    }

    pub fn lba48(&self) -> bool {
        self.w(word::COMMAND_SET_2) & word::COMMAND_SET_2_LBA48 != 0
    }

    /// Addressable sectors: words 100-103 for LBA48 devices, else words 60-61.
    pub fn sectors(&self) -> u64 {
        let lba28 = self.dword(word::LBA28_SECTORS) as u64;
        if !self.lba48() {
            return lba28;
        }
        let lba48 = self.dword(word::LBA48_SECTORS) as u64
            | (self.dword(word::LBA48_SECTORS + 2) as u64) << 32;
        if lba48 == 0 { lba28 } else { lba48 }
    }

    /// The default geometry (words 1, 3, 6), if the device gives one.
    pub fn chs(&self) -> Option<Chs> {
        let chs = Chs {
            cylinders: self.w(word::CYLINDERS) as u32,
            heads: self.w(word::HEADS) as u32,
            sectors: self.w(word::SPT) as u32,
        };
        (chs.cylinders != 0 && chs.heads != 0 && chs.sectors != 0).then_some(chs)
    }

    /// Logical sector size in bytes (512 unless word 106 says otherwise).
    pub fn sector_size(&self) -> u32 {
        let w = self.w(word::SECTOR_SIZE);
        if w & word::SECTOR_SIZE_VALID_MASK == word::SECTOR_SIZE_VALID
            && w & word::SECTOR_SIZE_LARGE != 0
        {
            self.dword(word::LOGICAL_SECTOR_WORDS) * 2
        } else {
            512
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put_str(b: &mut Block, first: usize, s: &str, words: usize) {
        let mut bytes = vec![b' '; words * 2];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        for i in 0..words {
            b[first + i] = u16::from_be_bytes([bytes[2 * i], bytes[2 * i + 1]]);
        }
    }

    #[test]
    fn parses_qemu_harddisk() {
        let mut b = [0u16; 256];
        put_str(&mut b, 27, "QEMU HARDDISK", 20);
        b[1] = 130;
        b[3] = 16;
        b[6] = 63;
        b[49] = 1 << 9;
        b[60] = 0;
        b[61] = 2; // 131072 sectors
        let id = Identify(&b);
        assert_eq!(id.model().as_bytes(), b"QEMU HARDDISK");
        assert!(id.lba() && !id.lba48() && !id.removable());
        assert_eq!(id.sectors(), 131072);
        assert_eq!(
            id.chs(),
            Some(Chs {
                cylinders: 130,
                heads: 16,
                sectors: 63
            })
        );
        assert_eq!(id.sector_size(), 512);
    }

    #[test]
    fn lba48_capacity_wins_when_present() {
        let mut b = [0u16; 256];
        b[60] = 0xffff;
        b[61] = 0x0fff;
        b[83] = 1 << 10;
        b[100] = 0;
        b[101] = 0;
        b[102] = 1; // 2^32 sectors
        assert_eq!(Identify(&b).sectors(), 1 << 32);
        b[102] = 0;
        assert_eq!(Identify(&b).sectors(), 0x0fff_ffff);
    }

    #[test]
    fn model_is_sanitised_and_trimmed() {
        let mut b = [0u16; 256];
        put_str(&mut b, 27, "AB\u{7}C", 20);
        assert_eq!(Identify(&b).model().as_bytes(), b"AB?C");
        assert_eq!(Identify(&[0u16; 256]).model().as_bytes(), b"");
    }
}
