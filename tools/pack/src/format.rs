//! The packed blob at the start of `bios.bin` (linear address `IMAGE_START`).
//!
//! ```text
//! offset  size  field
//!      0     8  MAGIC
//!      8     4  total: bytes of the blob (header and compressed blocks)
//!     12     4  sum: checksum() of bytes [SUM_FROM, total)
//!     16     4  parts: number of part entries in use (at most MAX_PARTS)
//!     20    16  part entry 0: dst, len (decoded bytes), src (block offset in the blob), clen
//!          ...  MAX_PARTS entries in all
//! HEADER_SIZE   the LZ4 blocks (format: src/lz4.rs)
//! ```
//!
//! All fields are little-endian u32. The loader trusts none of them: it checks `total`
//! against the room it has, the checksum, every block against the blob and every
//! destination against the windows the linker gave it, before writing anything there.

/// First bytes of the blob. After unpacking, the runtime code overwrites it: a reset that
/// finds RAM without it knows the blob is gone (see the loader in trampoline.S).
pub const MAGIC: [u8; 8] = *b"XBPACK01";

pub const OFF_TOTAL: usize = 8;
pub const OFF_SUM: usize = 12;
pub const OFF_PARTS: usize = 16;
pub const OFF_TABLE: usize = 20;
/// The checksum covers the blob from here (part count, table, blocks) to its end.
pub const SUM_FROM: usize = OFF_PARTS;

/// Part entry fields, relative to the entry.
pub const PART_DST: usize = 0;
pub const PART_LEN: usize = 4;
pub const PART_SRC: usize = 8;
pub const PART_CLEN: usize = 12;
pub const PART_SIZE: usize = 16;

/// Parts the table has room for (the image uses two: runtime and POST).
pub const MAX_PARTS: usize = 4;
pub const HEADER_SIZE: usize = OFF_TABLE + MAX_PARTS * PART_SIZE;

/// FNV-1a (32-bit): simple, a multiply per byte, and any single changed byte changes it.
pub const SUM_SEED: u32 = 0x811c_9dc5;
pub const SUM_PRIME: u32 = 0x0100_0193;

/// Checksum of `bytes`, continuing from `sum` (start with `SUM_SEED`).
#[inline(always)]
pub fn checksum(mut sum: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        sum = (sum ^ b as u32).wrapping_mul(SUM_PRIME);
    }
    sum
}

/// One part: `len` bytes decoded from the LZ4 block at `src..src + clen` of the blob
/// into linear addresses `dst..dst + len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    pub dst: u32,
    pub len: u32,
    pub src: u32,
    pub clen: u32,
}

#[cfg(feature = "std")]
/// The blob for `parts`: each `(destination, decoded bytes, LZ4 block)`.
pub fn build(parts: &[(u32, u32, std::vec::Vec<u8>)]) -> std::vec::Vec<u8> {
    assert!(parts.len() <= MAX_PARTS, "at most {MAX_PARTS} parts");
    let mut blob = std::vec![0u8; HEADER_SIZE];
    blob[..8].copy_from_slice(&MAGIC);
    put(&mut blob, OFF_PARTS, parts.len() as u32);
    for (i, (dst, len, block)) in parts.iter().enumerate() {
        let entry = OFF_TABLE + i * PART_SIZE;
        let src = blob.len() as u32;
        put(&mut blob, entry + PART_DST, *dst);
        put(&mut blob, entry + PART_LEN, *len);
        put(&mut blob, entry + PART_SRC, src);
        put(&mut blob, entry + PART_CLEN, block.len() as u32);
        blob.extend_from_slice(block);
    }
    let total = blob.len() as u32;
    put(&mut blob, OFF_TOTAL, total);
    let sum = checksum(SUM_SEED, &blob[SUM_FROM..]);
    put(&mut blob, OFF_SUM, sum);
    blob
}

#[cfg(feature = "std")]
fn put(buf: &mut [u8], at: usize, v: u32) {
    buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Why a blob was refused (the loader prints the code; values are stable).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Error {
    /// No MAGIC at the start.
    NoBlob = 1,
    /// `total` smaller than the header or larger than the room for it.
    BadSize = 2,
    /// The checksum does not match.
    BadSum = 3,
    /// A part count or a block outside the blob.
    BadTable = 4,
    /// A destination outside every window the loader may write.
    BadDestination = 5,
    /// The LZ4 data of a block is corrupt (see `lz4::Error`).
    BadBlock = 6,
}

/// A window the loader may write: `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: u32,
    pub end: u32,
}

impl Window {
    /// Whether `[dst, dst + len)` lies inside (without overflow).
    #[inline(always)]
    pub fn holds(&self, dst: u32, len: u32) -> bool {
        match dst.checked_add(len) {
            Some(end) => dst >= self.start && end <= self.end,
            None => false,
        }
    }
}

#[inline(always)]
fn get(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Validate a whole blob (`bytes` starts with the header and may be longer): magic,
/// size, checksum, the part table, the blocks inside the blob and each destination inside
/// one of `windows`. Returns the blob's length and its parts; nothing is decoded.
#[inline(always)]
pub fn parse(bytes: &[u8], windows: &[Window]) -> Result<(usize, [Part; MAX_PARTS], usize), Error> {
    if bytes.len() < HEADER_SIZE || bytes[..8] != MAGIC {
        return Err(Error::NoBlob);
    }
    let total = get(bytes, OFF_TOTAL).ok_or(Error::BadSize)? as usize;
    if total < HEADER_SIZE || total > bytes.len() {
        return Err(Error::BadSize);
    }
    let blob = &bytes[..total];
    if get(blob, OFF_SUM) != Some(checksum(SUM_SEED, &blob[SUM_FROM..])) {
        return Err(Error::BadSum);
    }
    let count = get(blob, OFF_PARTS).ok_or(Error::BadTable)? as usize;
    if count > MAX_PARTS {
        return Err(Error::BadTable);
    }
    let mut parts = [Part {
        dst: 0,
        len: 0,
        src: 0,
        clen: 0,
    }; MAX_PARTS];
    for (i, part) in parts.iter_mut().enumerate().take(count) {
        let entry = OFF_TABLE + i * PART_SIZE;
        let field = |off| get(blob, entry + off).ok_or(Error::BadTable);
        *part = Part {
            dst: field(PART_DST)?,
            len: field(PART_LEN)?,
            src: field(PART_SRC)?,
            clen: field(PART_CLEN)?,
        };
        let end = part.src.checked_add(part.clen).ok_or(Error::BadTable)?;
        if (part.src as usize) < HEADER_SIZE || end as usize > total {
            return Err(Error::BadTable);
        }
        if !windows.iter().any(|w| w.holds(part.dst, part.len)) {
            return Err(Error::BadDestination);
        }
    }
    Ok((total, parts, count))
}
