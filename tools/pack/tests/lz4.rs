//! The codec: round trips over the kinds of data the image holds and over edge cases, and
//! a decoder that stays inside its buffers whatever it is fed.

use xenbios_pack::lz4::{self, Error, LAST_LITERALS, MATCH_LIMIT, MAX_OFFSET, MIN_MATCH};

/// A small deterministic generator (xorshift32): test data without a dependency.
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn round_trip(input: &[u8]) -> Vec<u8> {
    let block = lz4::compress(input);
    let mut out = vec![0u8; input.len()];
    lz4::decompress(&block, &mut out).expect("decodes");
    assert!(out == input, "round trip differs ({} bytes)", input.len());
    check_end_rules(&block, input.len());
    block
}

/// Walk a block's sequences and check the format's rules for encoders: the block ends
/// with at least LAST_LITERALS literals, and no match starts in the last MATCH_LIMIT
/// bytes (checked for blocks long enough to have matches at all).
fn check_end_rules(block: &[u8], n: usize) {
    let mut ip = 0;
    let mut op = 0;
    let length = |ip: &mut usize, nibble: usize| {
        let mut v = nibble;
        if nibble == 15 {
            loop {
                let b = block[*ip];
                *ip += 1;
                v += b as usize;
                if b != 255 {
                    break;
                }
            }
        }
        v
    };
    loop {
        let token = block[ip] as usize;
        ip += 1;
        let lit = length(&mut ip, token >> 4);
        ip += lit;
        op += lit;
        if ip == block.len() {
            assert!(
                n < MATCH_LIMIT || lit >= LAST_LITERALS,
                "ends with {lit} literals"
            );
            assert_eq!(op, n);
            return;
        }
        assert!(op + MATCH_LIMIT <= n, "a match starts at {op} of {n}");
        ip += 2;
        op += length(&mut ip, token & 15) + MIN_MATCH;
        assert!(op + LAST_LITERALS <= n, "a match ends at {op} of {n}");
    }
}

#[test]
fn empty_input() {
    let block = round_trip(&[]);
    assert_eq!(block, [0]);
}

#[test]
fn short_inputs_are_literals() {
    for n in 1..=40 {
        let data: Vec<u8> = (0..n as u8).map(|i| i % 3).collect();
        round_trip(&data);
    }
}

#[test]
fn incompressible_data_grows_little() {
    let data = Rng(1).bytes(100_000);
    let block = round_trip(&data);
    // One token and one length byte per 255 literals at most.
    assert!(
        block.len() <= data.len() + data.len() / 255 + 16,
        "{} bytes",
        block.len()
    );
}

#[test]
fn long_runs() {
    let mut data = vec![0u8; 70_000];
    data.extend(std::iter::repeat_n(0xcc, 300));
    data.extend(b"end of the run");
    data.extend(vec![0x5a; 65_536 * 2 + 17]);
    let block = round_trip(&data);
    assert!(block.len() < 1500, "{} bytes for runs", block.len());
}

#[test]
fn lengths_around_the_nibble_and_byte_limits() {
    // Literal runs and matches of 14..=16, 269..=271 (15 + 255 - 1 ..) and 524..=526.
    let mut rng = Rng(7);
    for len in [
        14, 15, 16, 18, 19, 20, 269, 270, 271, 273, 274, 275, 524, 525, 526,
    ] {
        let lit = rng.bytes(len);
        let mut data = lit.clone();
        data.extend_from_slice(&lit); // a match of `len` right after `len` literals
        data.extend(rng.bytes(20));
        round_trip(&data);
    }
}

#[test]
fn matches_at_the_maximal_distance() {
    let mut rng = Rng(3);
    let pattern = rng.bytes(64);
    for gap in [MAX_OFFSET - 64 - 1, MAX_OFFSET - 64, MAX_OFFSET - 64 + 1] {
        let mut data = pattern.clone();
        data.extend(rng.bytes(gap));
        data.extend_from_slice(&pattern);
        data.extend(rng.bytes(32));
        let block = round_trip(&data);
        // Within reach (gap + 64 <= MAX_OFFSET) the repeat costs a few bytes, not 64.
        let reach = gap + 64 <= MAX_OFFSET;
        let budget = data.len() + data.len() / 255 + 16;
        if reach {
            assert!(block.len() + 50 < budget, "gap {gap}: no match found");
        }
    }
}

#[test]
fn overlapping_matches_repeat_the_pattern() {
    let mut data = b"abc".to_vec();
    for _ in 0..1000 {
        data.extend_from_slice(b"abc");
    }
    data.extend(b"xyzzy-tail");
    let block = round_trip(&data);
    assert!(block.len() < 40, "{} bytes", block.len());
}

#[test]
fn code_like_data_compresses() {
    // Text with repeats, like the image's strings and code.
    let mut data = Vec::new();
    for i in 0..2000 {
        data.extend(
            format!(
                "[int13] drive {:#x} read lba {} count {}\n",
                0x80 + i % 4,
                i * 7,
                i % 128
            )
            .bytes(),
        );
    }
    let block = round_trip(&data);
    assert!(
        block.len() * 3 < data.len(),
        "{} of {} bytes",
        block.len(),
        data.len()
    );
}

#[test]
fn decoder_rejects_bad_blocks() {
    let mut out = [0u8; 16];
    assert_eq!(lz4::decompress(&[], &mut out), Err(Error::Truncated));
    // 4 literals announced, 2 present.
    assert_eq!(
        lz4::decompress(&[0x40, 1, 2], &mut out),
        Err(Error::Truncated)
    );
    // Offset 0.
    assert_eq!(
        lz4::decompress(&[0x10, 1, 0, 0], &mut out),
        Err(Error::BadOffset)
    );
    // Offset 2 with one byte written.
    assert_eq!(
        lz4::decompress(&[0x10, 1, 2, 0], &mut out),
        Err(Error::BadOffset)
    );
    // One literal then a match of 4 + 15 + 0 = 19 bytes: longer than the 16-byte output.
    assert_eq!(
        lz4::decompress(&[0x1f, 1, 1, 0, 0], &mut out),
        Err(Error::Overrun)
    );
    // 17 literals for 16 bytes of output.
    let mut long = vec![0xf0, 2];
    long.extend([9u8; 17]);
    assert_eq!(lz4::decompress(&long, &mut out), Err(Error::Overrun));
    // Too few bytes.
    assert_eq!(lz4::decompress(&[0x20, 1, 2], &mut out), Err(Error::Short));
    // A length that runs off the end.
    assert_eq!(
        lz4::decompress(&[0xf0, 255, 255], &mut out),
        Err(Error::Truncated)
    );
    // Offset cut short.
    assert_eq!(
        lz4::decompress(&[0x10, 1, 1], &mut out),
        Err(Error::Truncated)
    );
}

/// Decode into the middle of a buffer with guard bytes on both sides: whatever the block,
/// the guards and the source stay untouched.
fn decode_guarded(block: &[u8], n: usize) -> Result<Vec<u8>, Error> {
    const GUARD: usize = 70_000; // more than any offset reaches back
    let mut buf = vec![0xeeu8; GUARD + n + GUARD];
    let copy = block.to_vec();
    let r = lz4::decompress(block, &mut buf[GUARD..GUARD + n]);
    assert!(
        buf[..GUARD].iter().all(|&b| b == 0xee),
        "wrote before the output"
    );
    assert!(
        buf[GUARD + n..].iter().all(|&b| b == 0xee),
        "wrote after the output"
    );
    assert_eq!(block, &copy[..]);
    r.map(|()| buf[GUARD..GUARD + n].to_vec())
}

#[test]
fn corrupt_blocks_stay_inside_their_buffers() {
    let mut rng = Rng(11);
    let mut data = Vec::new();
    for i in 0..300 {
        data.extend(format!("sequence {i} of some text {}\n", i % 7).bytes());
    }
    data.extend(rng.bytes(500));
    let block = lz4::compress(&data);
    assert_eq!(decode_guarded(&block, data.len()).unwrap(), data);
    let mut failures = 0;
    for round in 0..3000 {
        let mut bad = block.clone();
        match round % 4 {
            0 => {
                let at = rng.next() as usize % bad.len();
                bad[at] = rng.next() as u8;
            }
            1 => {
                let at = rng.next() as usize % bad.len();
                bad[at] ^= 1 << (rng.next() % 8);
            }
            2 => bad.truncate(rng.next() as usize % bad.len()),
            _ => {
                for _ in 0..8 {
                    let at = rng.next() as usize % bad.len();
                    bad[at] = 0xff;
                }
            }
        }
        // Decode into shorter, exact and longer outputs.
        for n in [data.len() / 2, data.len(), data.len() + 100] {
            if decode_guarded(&bad, n).is_err() {
                failures += 1;
            }
        }
    }
    assert!(failures > 0);
    // Random garbage as a block.
    for _ in 0..2000 {
        let len = rng.next() as usize % 64;
        let garbage = rng.bytes(len);
        let _ = decode_guarded(&garbage, rng.next() as usize % 300);
    }
}

/// Another decoder agrees: the `lz4` command (when installed) decodes the block wrapped in
/// LZ4's legacy frame (magic, then each block after its u32 size).
#[test]
fn reference_decoder_agrees() {
    let Ok(status) = std::process::Command::new("lz4").arg("--version").output() else {
        eprintln!("lz4 not installed: skipped");
        return;
    };
    assert!(status.status.success());
    let mut data = std::fs::read(std::env::current_exe().unwrap()).unwrap();
    data.truncate(300_000);
    let block = lz4::compress(&data);
    let mut frame = 0x184c_2102u32.to_le_bytes().to_vec();
    frame.extend((block.len() as u32).to_le_bytes());
    frame.extend(&block);
    let dir = std::env::temp_dir().join(format!("xenbios-pack-lz4-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (packed, plain) = (dir.join("in.lz4"), dir.join("out"));
    std::fs::write(&packed, &frame).unwrap();
    let run = std::process::Command::new("lz4")
        .args(["-d", "-f", "-q"])
        .arg(&packed)
        .arg(&plain)
        .status()
        .unwrap();
    assert!(run.success());
    assert!(
        std::fs::read(&plain).unwrap() == data,
        "lz4 decodes differently"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
