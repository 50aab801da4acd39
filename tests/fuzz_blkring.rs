//! Fuzzing the PV block frontend's ring against a hostile backend: int13 reads and writes
//! of a connected PV disk while the backend answers each request it consumes with forged
//! responses (`BlkFaults::forged`): none, one or several, now or after any delay, with
//! any id, operation, status and `rsp_prod`. The backend still moves the data through the
//! grants as an honest one would.
//!
//! Invariants: int13 ends (the waits are bounded on the simulated clock) with AH and CF
//! from the set a loader can expect for the call and CF set exactly when AH is not 0; no
//! byte of guest memory outside the caller's buffer changes (but the packet's count and
//! the BDA status); a success out of honest answers (however late or repeated) means the
//! disk's data. `tests/fuzz_util/mod.rs` says how the cases run and how a finding is kept.

mod fuzz_util;

use fuzz_util::{DISK, HANDSHAKE_TIMEOUT_US, PvRig, bytes, changed_outside, config, no_hang};
use proptest::prelude::*;
use std::collections::VecDeque;
use xen_headers::io::blkif::{BLKIF_RSP_EOPNOTSUPP, BLKIF_RSP_ERROR, BLKIF_RSP_OKAY};
use xenbios::bda;
use xenbios::block::int13;
use xenbios::hal::clock::Clock;
use xenbios::hal::mem::Memory;
use xenbios::hal::regs::Regs;
use xenbios_sim::FakeDisk;
use xenbios_sim::xen::{ForgedRsp, VbdConfig};

const SECTOR: u32 = 512;
/// The disk: 1 MiB at xvda.
const DISK_SECTORS: u64 = 2048;
const XVDA: u32 = 51712;
/// Each batch of requests may take this long: 500 polls of the simulated clock.
const IO_TIMEOUT_US: u64 = 5_000;
/// Delays of forged responses, in guest yields (about one a poll): up to twice a timeout.
const MAX_DELAY_YIELDS: u64 = 1_000;
/// Batches one call makes at most (64 KiB at any alignment, and a write's flush), and
/// what a batch may take beyond its deadline.
const MAX_BATCHES: u64 = 3;
const SLACK_US: u64 = 2_000;
/// Waits for the backend's state a reconnection after a fault makes at most (Closing,
/// Closed, InitWait, Connected).
const RECONNECT_WAITS: u64 = 4;
/// int13 AH=42h/43h and their disk address packet (EDD 3.0): at 0000:0600, 24 bytes (with
/// the flat buffer address), the count at +2, segment:offset at +4, LBA at +8, the flat
/// address at +16 when segment:offset is FFFF:FFFF.
const EXT_READ: u8 = 0x42;
const EXT_WRITE: u8 = 0x43;
const PKT: u32 = 0x600;
const PKT_SIZE: u8 = 0x18;
const PKT_COUNT: u32 = 2;
const PKT_BUFFER: u32 = 4;
const PKT_LBA: u32 = 8;
const PKT_FLAT: u32 = 0x10;
const USE_FLAT: u32 = 0xffff_ffff;
/// Most sectors one call moves.
const MAX_COUNT: u16 = 128;
/// Where buffers go: low RAM above the packet and below the EBDA, or RAM above 1 MiB.
const LOW_BUFFERS: (u32, u32) = (0x1_0000, 0x9_0000);
const HIGH_BUFFERS: (u32, u32) = (0x10_0000, 0x20_0000);
/// Memory watched for stray writes: all of low RAM and the high buffer area.
const WATCHED: [(u32, u32); 2] = [(0, 0xa_0000), HIGH_BUFFERS];
/// Bytes around a buffer filled with a marker first, so that any write there shows.
const MARGIN: u32 = 4096;
const MARKER: u8 = 0xcc;

/// What AH may be after a read and a write of a PV disk: success, bad request or an
/// unsupported operation, backend error, broken ring, timeout, disk disabled.
const READ_AH: [u8; 6] = [0x00, 0x01, 0x10, 0x20, 0x80, 0xaa];
const WRITE_AH: [u8; 6] = [0x00, 0x01, 0x20, 0x80, 0xaa, 0xcc];

fn forged() -> impl Strategy<Value = ForgedRsp> {
    (
        prop_oneof![
            4 => Just(0u64),
            2 => 1u64..50,
            1 => 0..MAX_DELAY_YIELDS,
        ],
        prop_oneof![
            8 => Just(0u64),
            1 => Just(1u64),
            1 => Just(u64::MAX),
            1 => 2u64..5,
            1 => any::<u64>(),
        ],
        prop::option::weighted(0.1, any::<u8>()),
        prop::option::weighted(
            0.2,
            prop_oneof![
                Just(BLKIF_RSP_OKAY),
                Just(BLKIF_RSP_ERROR),
                Just(BLKIF_RSP_EOPNOTSUPP),
                any::<i16>()
            ],
        ),
        prop_oneof![
            8 => Just(0u32),
            1 => Just(1u32),
            1 => Just(u32::MAX),
            1 => any::<u32>(),
        ],
    )
        .prop_map(
            |(delay_yields, id_delta, operation, status, rsp_prod_delta)| ForgedRsp {
                delay_yields,
                id_delta,
                operation,
                status,
                rsp_prod_delta,
            },
        )
}

/// What the backend answers to the requests it consumes, in order.
fn script() -> impl Strategy<Value = Vec<Vec<ForgedRsp>>> {
    let answers = prop_oneof![
        6 => prop::collection::vec(forged(), 1..=1),
        1 => Just(Vec::new()),
        1 => prop::collection::vec(forged(), 2..4),
    ];
    prop::collection::vec(answers, 0..12)
}

/// Forged responses that tell the truth, if maybe late or more than once.
fn honest(f: &ForgedRsp) -> bool {
    f.id_delta == 0 && f.operation.is_none() && f.status.is_none() && f.rsp_prod_delta == 0
}

/// One int13 call: read or write, `count` sectors at `lba`, the buffer at `buf`.
#[derive(Clone, Debug)]
struct Call {
    write: bool,
    lba: u64,
    count: u16,
    buf: u32,
}

fn call() -> impl Strategy<Value = Call> {
    (
        prop::bool::weighted(0.3),
        1..=MAX_COUNT,
        any::<prop::sample::Index>(),
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.5),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(write, count, lba, low, aligned, at)| {
            let len = u32::from(count) * SECTOR;
            let (lo, hi) = if low { LOW_BUFFERS } else { HIGH_BUFFERS };
            let room = (hi - MARGIN - len) - (lo + MARGIN);
            let mut buf = lo + MARGIN + at.index(room as usize) as u32;
            if aligned {
                buf -= buf % SECTOR;
            }
            let lba = lba.index((DISK_SECTORS - u64::from(count) + 1) as usize) as u64;
            Call {
                write,
                lba,
                count,
                buf,
            }
        })
}

/// Write the packet for `c`; the registers that go with it.
fn int13_call(rig: &mut PvRig, c: &Call) -> Regs {
    let mem = &mut rig.m.mem;
    mem.fill(PKT, u32::from(PKT_SIZE), 0);
    mem.write_u8(PKT, PKT_SIZE);
    mem.write_u16(PKT + PKT_COUNT, c.count);
    if c.buf < HIGH_BUFFERS.0 {
        mem.write_u16(PKT + PKT_BUFFER, (c.buf & 0xf) as u16);
        mem.write_u16(PKT + PKT_BUFFER + 2, (c.buf >> 4) as u16);
    } else {
        mem.write_u32(PKT + PKT_BUFFER, USE_FLAT);
        mem.write_u64(PKT + PKT_FLAT, u64::from(c.buf));
    }
    mem.write_u64(PKT + PKT_LBA, c.lba);
    let ah = if c.write { EXT_WRITE } else { EXT_READ };
    Regs {
        eax: u32::from(ah) << 8,
        edx: u32::from(DISK),
        esi: PKT,
        ..Default::default()
    }
}

fn ring_case(x86_32: bool, script: Vec<Vec<ForgedRsp>>, calls: Vec<Call>) {
    let all_honest = script.iter().flatten().all(honest);
    let disk: Vec<u8> = (0..DISK_SECTORS)
        .flat_map(|l| FakeDisk::pattern(l, SECTOR))
        .collect();
    let mut rig = PvRig::new(XVDA, disk, VbdConfig::default(), x86_32, IO_TIMEOUT_US);
    rig.m.xen.state().backs[0].faults.forged = VecDeque::from(script);
    for c in &calls {
        let len = u32::from(c.count) * SECTOR;
        rig.m.mem.fill(c.buf - MARGIN, len + 2 * MARGIN, MARKER);
        let mut r = int13_call(&mut rig, c);
        let before: Vec<Vec<u8>> = WATCHED
            .iter()
            .map(|&(s, e)| bytes(&rig.m.mem, s, (e - s) as usize))
            .collect();
        let start = rig.m.clock.micros();
        int13::handle(&mut r, &mut rig.m.ctx(), &mut rig.drives, &rig.e820);
        let took = rig.m.clock.micros() - start;
        let bound = MAX_BATCHES * (IO_TIMEOUT_US + SLACK_US)
            + RECONNECT_WAITS * (HANDSHAKE_TIMEOUT_US + SLACK_US);
        assert!(took <= bound, "{c:?} took {took} us");
        let (ah, cf) = (r.ah(), r.cf());
        let allowed_ah: &[u8] = if c.write { &WRITE_AH } else { &READ_AH };
        assert!(allowed_ah.contains(&ah), "{c:?}: AH={ah:#04x}");
        assert_eq!(cf, ah != 0, "{c:?}: CF and AH={ah:#04x} disagree");
        let done = rig.m.mem.read_u16(PKT + PKT_COUNT);
        assert!(done <= c.count, "{c:?}: {done} sectors done");
        if ah == 0 {
            assert_eq!(done, c.count);
        }
        let buffer = if c.write {
            (0, 0)
        } else {
            (u64::from(c.buf), u64::from(c.buf) + u64::from(len))
        };
        let pkt_count = u64::from(PKT + PKT_COUNT);
        let status = u64::from(bda::at(bda::DISK_STATUS));
        let allowed = [buffer, (pkt_count, pkt_count + 2), (status, status + 1)];
        for (&(s, _), before) in WATCHED.iter().zip(&before) {
            let after = bytes(&rig.m.mem, s, before.len());
            let stray = changed_outside(s, before, &after, &allowed);
            assert_eq!(
                stray, None,
                "{c:?} (AH={ah:#04x}) changed a byte outside its buffer"
            );
        }
        if ah == 0 && !c.write && all_honest {
            let at = c.lba * u64::from(SECTOR);
            let want = rig.m.xen.state().backs[0].bytes(at, at + u64::from(len));
            assert!(
                bytes(&rig.m.mem, c.buf, len as usize) == want,
                "{c:?}: a success with the wrong data"
            );
        }
    }
}

proptest! {
    #![proptest_config(config(200))]

    #[test]
    fn int13_over_a_hostile_ring(
        x86_32 in any::<bool>(),
        script in script(),
        calls in prop::collection::vec(call(), 1..=3),
    ) {
        no_hang(move || ring_case(x86_32, script, calls));
    }
}
