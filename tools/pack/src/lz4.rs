//! The LZ4 block format: the decoder the firmware's loader runs, and (host only) an
//! optimal-parse compressor.
//!
//! A block is a sequence of sequences. Each sequence is:
//!
//! ```text
//! token            high nibble: literal count (15: more bytes follow),
//!                  low nibble: match length - 4 (15: more bytes follow)
//! [length bytes]   literal count - 15, as bytes of 255 ended by one below 255
//! literals
//! offset           u16 little-endian, 1..=65535: the match starts that far back
//! [length bytes]   match length - 19, as above
//! ```
//!
//! The last sequence ends after its literals (no offset, no match). As the format's
//! specification asks of encoders, the compressor ends every block with at least
//! `LAST_LITERALS` literals and starts no match in the last `MATCH_LIMIT` bytes, so that
//! other LZ4 decoders accept its blocks too; this decoder does not rely on it.
//!
//! The decoder checks every length and offset against what is left of the input and the
//! output: whatever the input, it reads only `src` and writes only `dst`. It uses no
//! slice indexing that could panic and no library call (the loader runs before the rest
//! of the firmware exists): copies are `rep movsb` on x86.

/// Shortest match the format encodes.
pub const MIN_MATCH: usize = 4;
/// Farthest match offset.
pub const MAX_OFFSET: usize = 65535;
/// A block ends with at least this many literals.
pub const LAST_LITERALS: usize = 5;
/// No match starts in the last this many bytes of a block.
pub const MATCH_LIMIT: usize = 12;
/// A length nibble of this value continues in the following bytes.
const NIBBLE_MORE: usize = 15;
/// A length byte of this value continues in the next byte.
const BYTE_MORE: u8 = 255;

/// Why a block did not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The input ended inside a sequence.
    Truncated,
    /// A match offset of 0, or one reaching before the start of the output.
    BadOffset,
    /// The block decodes to more bytes than the output holds.
    Overrun,
    /// The block decodes to fewer bytes than the output holds.
    Short,
}

/// Decode the block `src` into exactly all of `dst`.
pub fn decompress(src: &[u8], dst: &mut [u8]) -> Result<(), Error> {
    // SAFETY: the pointers and lengths come from live slices that cannot overlap (one is
    // shared, the other exclusive).
    unsafe { decompress_raw(src.as_ptr(), src.len(), dst.as_mut_ptr(), dst.len()) }
}

/// Decode the block at `src` (`src_len` bytes) into exactly `dst_len` bytes at `dst`.
///
/// # Safety
/// `src..src + src_len` must be readable and `dst..dst + dst_len` writable, and the two
/// ranges must not overlap. Nothing outside them is accessed, whatever the input holds.
#[inline(always)]
pub unsafe fn decompress_raw(
    src: *const u8,
    src_len: usize,
    dst: *mut u8,
    dst_len: usize,
) -> Result<(), Error> {
    // Positions are offsets, checked against the lengths before any access.
    let mut ip = 0usize;
    let mut op = 0usize;
    loop {
        // SAFETY (every read below): each `src.add(ip)` is preceded by `ip < src_len`.
        if ip >= src_len {
            return Err(Error::Truncated);
        }
        let token = unsafe { *src.add(ip) } as usize;
        ip += 1;
        let mut literals = token >> 4;
        if literals == NIBBLE_MORE {
            literals += unsafe { more_length(src, src_len, &mut ip) }?;
        }
        if literals > src_len - ip {
            return Err(Error::Truncated);
        }
        if literals > dst_len - op {
            return Err(Error::Overrun);
        }
        // SAFETY: both ranges checked just above; src and dst do not overlap.
        unsafe { copy_forward(src.add(ip), dst.add(op), literals) };
        ip += literals;
        op += literals;
        if ip == src_len {
            // The last sequence: literals only.
            return if op == dst_len {
                Ok(())
            } else {
                Err(Error::Short)
            };
        }
        if src_len - ip < 2 {
            return Err(Error::Truncated);
        }
        // SAFETY: two bytes left, checked above.
        let offset = unsafe { *src.add(ip) as usize | (*src.add(ip + 1) as usize) << 8 };
        ip += 2;
        if offset == 0 || offset > op {
            return Err(Error::BadOffset);
        }
        let mut length = token & 0xf;
        if length == NIBBLE_MORE {
            length += unsafe { more_length(src, src_len, &mut ip) }?;
        }
        length += MIN_MATCH;
        if length > dst_len - op {
            return Err(Error::Overrun);
        }
        // SAFETY: the source starts `offset` <= `op` bytes back inside dst and the copy ends
        // inside dst (checked above). A forward byte copy: when the match overlaps what it
        // writes (offset < length), it repeats the last `offset` bytes, as LZ4 means.
        unsafe { copy_forward(dst.add(op - offset), dst.add(op), length) };
        op += length;
    }
}

/// The bytes that extend a length nibble of 15: their sum, up to and including the first
/// byte below 255. The sum stays far below `usize::MAX`: each byte is input, and at most
/// 255 per byte.
///
/// # Safety
/// `src..src + src_len` readable.
#[inline(always)]
unsafe fn more_length(src: *const u8, src_len: usize, ip: &mut usize) -> Result<usize, Error> {
    let mut sum = 0usize;
    loop {
        if *ip >= src_len {
            return Err(Error::Truncated);
        }
        // SAFETY: `*ip < src_len`, checked above.
        let b = unsafe { *src.add(*ip) };
        *ip += 1;
        sum += b as usize;
        if b != BYTE_MORE {
            return Ok(sum);
        }
    }
}

/// Copy `n` bytes one after the other, lowest address first (so a source that overlaps
/// the destination from below repeats itself). Inline and without a library call: the
/// loader uses it before the firmware's `memcpy` exists.
///
/// # Safety
/// `from..from + n` readable, `to..to + n` writable.
#[inline(always)]
pub unsafe fn copy_forward(from: *const u8, to: *mut u8, n: usize) {
    // SAFETY (both asm blocks): the caller guarantees both ranges. `rep movsb` is
    // architecturally a byte loop in increasing order (the direction flag is clear on entry
    // to asm!), also when the ranges overlap; it leaves the flags alone and uses no stack.
    #[cfg(target_arch = "x86")]
    // LLVM reserves esi on i686: the source goes in through another register, and esi is
    // put back before the block ends.
    unsafe {
        core::arch::asm!(
            "xchg {from}, esi",
            "rep movsb",
            "mov esi, {from}",
            from = inout(reg) from => _,
            inout("ecx") n => _,
            inout("edi") to => _,
            options(nostack, preserves_flags)
        );
    }
    #[cfg(target_arch = "x86_64")]
    unsafe {
        core::arch::asm!(
            "rep movsb",
            inout("rcx") n => _,
            inout("rsi") from => _,
            inout("rdi") to => _,
            options(nostack, preserves_flags)
        );
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    for i in 0..n {
        // SAFETY: the caller guarantees both ranges; volatile keeps it a forward byte loop.
        unsafe { to.add(i).write_volatile(from.add(i).read_volatile()) };
    }
}

#[cfg(feature = "std")]
pub use encode::compress;

#[cfg(feature = "std")]
mod encode {
    use super::{LAST_LITERALS, MATCH_LIMIT, MAX_OFFSET, MIN_MATCH, NIBBLE_MORE};
    use std::vec::Vec;

    /// Candidates examined per position when looking for the longest match.
    const CHAIN_DEPTH: usize = 1024;
    /// A match this long is taken at once, without weighing the shorter ones inside it.
    const GOOD_ENOUGH: usize = 1024;
    const HASH_BITS: u32 = 16;
    const NONE: u32 = u32::MAX;

    /// One step of the cheapest parse found so far to a position.
    #[derive(Clone, Copy)]
    enum Step {
        Literal,
        Match { length: u32, offset: u16 },
    }

    /// Compress `input` into one LZ4 block.
    ///
    /// Optimal parse: the longest match at every position (hash chains), then the cheapest
    /// path through the input, where a literal costs a byte and a match its token, offset
    /// and length bytes (literal-run length bytes, one per 255 literals, are ignored).
    pub fn compress(input: &[u8]) -> Vec<u8> {
        let n = input.len();
        let longest = longest_matches(input);
        // cost[i]: bytes to encode input[..i]; how[i]: the last step of that encoding.
        let mut cost = vec![u32::MAX; n + 1];
        let mut how = vec![Step::Literal; n + 1];
        cost[0] = 0;
        let mut i = 0;
        while i < n {
            let here = cost[i];
            if here + 1 < cost[i + 1] {
                cost[i + 1] = here + 1;
                how[i + 1] = Step::Literal;
            }
            let (length, offset) = longest[i];
            let length = length as usize;
            if length >= GOOD_ENOUGH {
                let to = i + length;
                let c = here + match_cost(length);
                if c < cost[to] {
                    cost[to] = c;
                    how[to] = Step::Match {
                        length: length as u32,
                        offset,
                    };
                }
                // Positions inside such a match get no paths of their own (their best is
                // almost surely the same match, one byte shorter).
                i = to;
                continue;
            }
            for l in MIN_MATCH..=length {
                let c = here + match_cost(l);
                if c < cost[i + l] {
                    cost[i + l] = c;
                    how[i + l] = Step::Match {
                        length: l as u32,
                        offset,
                    };
                }
            }
            i += 1;
        }
        // Walk back from the end.
        let mut steps = Vec::new();
        let mut at = n;
        while at > 0 {
            let step = how[at];
            steps.push((at, step));
            at -= match step {
                Step::Literal => 1,
                Step::Match { length, .. } => length as usize,
            };
        }
        steps.reverse();
        let mut out = Vec::with_capacity(n / 2 + 16);
        let mut anchor = 0;
        for (end, step) in steps {
            if let Step::Match { length, offset } = step {
                let length = length as usize;
                let start = end - length;
                emit(&mut out, &input[anchor..start], Some((offset, length)));
                anchor = end;
            }
        }
        emit(&mut out, &input[anchor..], None);
        out
    }

    /// Bytes of a match's encoding beyond its literals: token, offset, length bytes.
    fn match_cost(length: usize) -> u32 {
        1 + 2 + extra_bytes(length - MIN_MATCH) as u32
    }

    /// Bytes that follow a nibble of 15 for a value `v` (0 when `v` < 15).
    fn extra_bytes(v: usize) -> usize {
        if v < NIBBLE_MORE {
            0
        } else {
            (v - NIBBLE_MORE) / 255 + 1
        }
    }

    fn push_length(out: &mut Vec<u8>, v: usize) {
        if v < NIBBLE_MORE {
            return;
        }
        let mut rest = v - NIBBLE_MORE;
        while rest >= 255 {
            out.push(255);
            rest -= 255;
        }
        out.push(rest as u8);
    }

    /// One sequence: `literals`, then the match `(offset, length)` unless it is the last.
    fn emit(out: &mut Vec<u8>, literals: &[u8], matched: Option<(u16, usize)>) {
        let lit_nibble = literals.len().min(NIBBLE_MORE);
        let match_nibble = matched.map_or(0, |(_, l)| (l - MIN_MATCH).min(NIBBLE_MORE));
        out.push((lit_nibble << 4 | match_nibble) as u8);
        push_length(out, literals.len());
        out.extend_from_slice(literals);
        if let Some((offset, length)) = matched {
            out.extend_from_slice(&offset.to_le_bytes());
            push_length(out, length - MIN_MATCH);
        }
    }

    fn hash(bytes: &[u8]) -> usize {
        let v = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        (v.wrapping_mul(2_654_435_761) >> (32 - HASH_BITS)) as usize
    }

    /// For each position: the longest match allowed to start there (length 0 for none;
    /// matches start before `n - MATCH_LIMIT` and end by `n - LAST_LITERALS`) and its
    /// offset.
    fn longest_matches(input: &[u8]) -> Vec<(u32, u16)> {
        let n = input.len();
        let mut found = vec![(0u32, 0u16); n];
        if n <= MATCH_LIMIT {
            return found;
        }
        let last_start = n - MATCH_LIMIT; // inclusive
        let match_end = n - LAST_LITERALS;
        let mut head = vec![NONE; 1 << HASH_BITS];
        let mut prev = vec![NONE; n];
        for i in 0..=last_start {
            let h = hash(&input[i..]);
            let limit = match_end - i;
            let mut best = 0usize;
            let mut best_offset = 0usize;
            let mut candidate = head[h];
            let mut depth = 0;
            while candidate != NONE && depth < CHAIN_DEPTH {
                let j = candidate as usize;
                let offset = i - j;
                if offset > MAX_OFFSET {
                    break;
                }
                // Only candidates that could beat `best` are measured in full.
                if input[j + best.min(limit - 1)] == input[i + best.min(limit - 1)] {
                    let l = common(&input[j..], &input[i..], limit);
                    if l > best {
                        best = l;
                        best_offset = offset;
                        if l == limit {
                            break;
                        }
                    }
                }
                candidate = prev[j];
                depth += 1;
            }
            if best >= MIN_MATCH {
                found[i] = (best as u32, best_offset as u16);
            }
            prev[i] = head[h];
            head[h] = i as u32;
        }
        found
    }

    fn common(a: &[u8], b: &[u8], limit: usize) -> usize {
        a.iter()
            .zip(b)
            .take(limit)
            .take_while(|(x, y)| x == y)
            .count()
    }
}
