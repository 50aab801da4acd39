//! Fuzzing the xenstore client against a hostile xenstored, and the VBD listing POST reads
//! from it.
//!
//! The simulated xenstored answers each request honestly, with one of its canned faults,
//! or with arbitrary bytes (`XsFault::Raw`: messages with any id, type, claimed length
//! and payload, or no message at all); a ring may also be left dirty before the client
//! connects, and the server may scribble on the response indexes between requests.
//! Invariants: every call ends, within its deadlines on the simulated clock, with `Ok` or
//! an `XsError`; nothing is written past the caller's buffer; once the server behaves
//! again, the client works again within a few requests. `list_vbds` gives a sorted set of
//! distinct numbers that the listing holds. `tests/fuzz_util/mod.rs` says how the cases
//! run and how a finding is kept.

mod fuzz_util;

use fuzz_util::{config, no_hang};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::mem::offset_of;
use xen_headers::io::blkif::XENSTORE_VBD_DIR;
use xen_headers::io::xs_wire::{
    XENSTORE_PAYLOAD_MAX, XS_DIRECTORY, XS_ERROR, XS_MKDIR, XS_READ, XS_RM, XS_TRANSACTION_END,
    XS_TRANSACTION_START, XS_WATCH_EVENT, XS_WRITE, XSD_ERRORS, XenstoreDomainInterface,
    XsdSockmsg,
};
use xenbios::hal::clock::Clock;
use xenbios::hal::mem::Memory;
use xenbios::xen::xenstore::{self, DirEntries, MAX_TRANSACTION_ATTEMPTS, Tx, Xenstore};
use xenbios::xen::{MAX_VBDS, list_vbds};
use xenbios_sim::SparseMemory;
use xenbios_sim::xen::{SimStore, SimXenConfig, XenMachine, XsFault, XsRule};
use zerocopy::IntoBytes;

/// Each request's deadline: short, so that a case that times out costs little.
const TIMEOUT_US: u64 = 2_000;
/// What one request may take beyond its deadline on the simulated clock (the clock reads
/// before and after the waits; the clock moves on every read).
const SLACK_US: u64 = 1_000;
/// Answers held back by up to this many yields: before and after a deadline.
const MAX_DELAY_YIELDS: u64 = 400;
/// Payloads up to this long: past the ring (1 KiB) and past `XENSTORE_PAYLOAD_MAX` (4 KiB).
const MAX_PAYLOAD: usize = 5000;
/// Bytes after the caller's buffer that must stay as they are, and their value.
const GUARD_LEN: usize = 64;
const GUARD: u8 = 0xcc;
/// Honest requests the client may need to get back in step after the faults stop.
const RECOVERY_REQUESTS: usize = 4;
/// Requests in a transaction's body, at most.
const BODY_MAX: usize = 3;
/// The node the operations read and write, and one that holds a known value.
const NODE: &str = "data/k";
const KNOWN: &str = "data/known";
const KNOWN_VALUE: &[u8] = b"v";

// ---- what the server answers -------------------------------------------------------

/// The id of a forged message: the request's own moved by a delta, or any.
#[derive(Clone, Debug)]
enum Id {
    Delta(i32),
    Any(u32),
}

/// Bytes a hostile server sends in place of an answer.
#[derive(Clone, Debug)]
enum Msg {
    /// A message: header (its length field the payload's unless `claimed`) and payload.
    Message {
        id: Id,
        ty: u32,
        tx: u32,
        claimed: Option<u32>,
        payload: Vec<u8>,
    },
    /// Bytes that need not be a message.
    Bytes(Vec<u8>),
}

/// What the server does with one request.
#[derive(Clone, Debug)]
enum Reply {
    Honest,
    Fault(XsFault),
    Raw(Vec<Msg>),
}

impl Msg {
    /// Whether the message keeps the stream framed: its length field tells its length, and
    /// that is one a server may send.
    fn framed(&self) -> bool {
        match self {
            Msg::Bytes(_) => false,
            Msg::Message {
                claimed, payload, ..
            } => claimed.is_none() && payload.len() <= XENSTORE_PAYLOAD_MAX,
        }
    }

    fn bytes(&self, req_id: u32) -> Vec<u8> {
        match self {
            Msg::Bytes(b) => b.clone(),
            Msg::Message {
                id,
                ty,
                tx,
                claimed,
                payload,
            } => {
                let id = match *id {
                    Id::Delta(d) => req_id.wrapping_add_signed(d),
                    Id::Any(v) => v,
                };
                let h = XsdSockmsg {
                    r#type: *ty,
                    req_id: id,
                    tx_id: *tx,
                    len: claimed.unwrap_or(payload.len() as u32),
                };
                let mut v = h.as_bytes().to_vec();
                v.extend_from_slice(payload);
                v
            }
        }
    }
}

fn payload() -> impl Strategy<Value = Vec<u8>> {
    let words: Vec<Vec<u8>> = [
        &b"OK\0"[..],
        b"",
        b"\0",
        b"1\0",
        b"4",
        b"0",
        b"51712\0",
        b"4294967296",
        b"18446744073709551616",
        b"EAGAIN\0",
        b"ENOENT\0",
        b"a\0b\0\0c\0",
    ]
    .iter()
    .map(|w| w.to_vec())
    .collect();
    prop_oneof![
        4 => prop::sample::select(words),
        4 => prop::collection::vec(any::<u8>(), 0..32),
        1 => prop::collection::vec(any::<u8>(), 0..MAX_PAYLOAD),
    ]
}

fn msg_type() -> impl Strategy<Value = u32> {
    prop_oneof![
        4 => prop::sample::select(vec![
            XS_READ,
            XS_DIRECTORY,
            XS_WRITE,
            XS_MKDIR,
            XS_RM,
            XS_TRANSACTION_START,
            XS_TRANSACTION_END,
            XS_ERROR,
            XS_WATCH_EVENT,
        ]),
        1 => any::<u32>(),
    ]
}

fn msg() -> impl Strategy<Value = Msg> {
    let id = prop_oneof![
        6 => Just(Id::Delta(0)),
        1 => (-2i32..=2).prop_map(Id::Delta),
        1 => any::<u32>().prop_map(Id::Any),
    ];
    let claimed = prop_oneof![
        4 => Just(None),
        1 => (0u32..64).prop_map(Some),
        1 => any::<u32>().prop_map(Some),
    ];
    prop_oneof![
        6 => (id, msg_type(), prop_oneof![Just(0u32), any::<u32>()], claimed, payload()).prop_map(
            |(id, ty, tx, claimed, payload)| Msg::Message { id, ty, tx, claimed, payload }
        ),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Msg::Bytes),
    ]
}

fn error_name() -> impl Strategy<Value = String> {
    let names: Vec<String> = XSD_ERRORS.iter().map(|e| e.as_str().to_string()).collect();
    prop_oneof![prop::sample::select(names), "[A-Z]{0,12}"]
}

fn fault() -> impl Strategy<Value = XsFault> {
    prop_oneof![
        Just(XsFault::NoReply),
        (0..MAX_DELAY_YIELDS).prop_map(XsFault::Late),
        Just(XsFault::StaleFirst),
        Just(XsFault::BogusIdOnly),
        Just(XsFault::WatchFirst),
        Just(XsFault::RspProdJump),
        Just(XsFault::Oversize),
        Just(XsFault::WrongType),
        payload().prop_map(XsFault::Value),
        (0usize..64, 0..MAX_DELAY_YIELDS)
            .prop_map(|(first, delay)| XsFault::Split { first, delay }),
        error_name().prop_map(XsFault::Error),
    ]
}

fn reply() -> impl Strategy<Value = Reply> {
    prop_oneof![
        2 => Just(Reply::Honest),
        3 => fault().prop_map(Reply::Fault),
        3 => prop::collection::vec(msg(), 0..4).prop_map(Reply::Raw),
    ]
}

impl Reply {
    /// Whether the stream of answers stays framed: every message's length is its length,
    /// and none is longer than the protocol allows (a client without ring reconnection
    /// cannot tell where a message ends otherwise).
    fn framed(&self) -> bool {
        match self {
            Reply::Honest => true,
            Reply::Fault(XsFault::Value(v)) => v.len() <= XENSTORE_PAYLOAD_MAX,
            Reply::Fault(_) => true,
            Reply::Raw(msgs) => msgs.iter().all(Msg::framed),
        }
    }
}

// ---- what the client asks ------------------------------------------------------------

/// A ring index field the server scribbles on between requests.
#[derive(Clone, Copy, Debug)]
enum RspIndex {
    Prod,
    Cons,
}

#[derive(Clone, Debug)]
enum Op {
    /// `read` into a buffer of this many bytes.
    Read(usize),
    ReadStr,
    ReadU64,
    ReadU32,
    ReadState,
    Directory(usize),
    Write(Vec<u8>),
    Mkdir,
    Rm,
    TxStart,
    TxEnd(bool),
    /// `transaction` whose body reads (false) and writes (true).
    Transaction(Vec<bool>),
    /// The server writes this value into a response index.
    Scribble(RspIndex, u32),
}

impl Op {
    /// Requests the operation makes at most.
    fn max_requests(&self) -> u64 {
        match self {
            Op::Transaction(body) => u64::from(MAX_TRANSACTION_ATTEMPTS) * (2 + body.len() as u64),
            Op::Scribble(..) => 0,
            _ => 1,
        }
    }
}

fn buf_len() -> impl Strategy<Value = usize> {
    prop_oneof![0usize..8, 8usize..64, Just(4096)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => buf_len().prop_map(Op::Read),
        1 => Just(Op::ReadStr),
        1 => Just(Op::ReadU64),
        1 => Just(Op::ReadU32),
        1 => Just(Op::ReadState),
        2 => buf_len().prop_map(Op::Directory),
        1 => payload().prop_map(Op::Write),
        1 => Just(Op::Mkdir),
        1 => Just(Op::Rm),
        1 => Just(Op::TxStart),
        1 => any::<bool>().prop_map(Op::TxEnd),
        2 => prop::collection::vec(any::<bool>(), 0..=BODY_MAX).prop_map(Op::Transaction),
        1 => (prop_oneof![Just(RspIndex::Prod), Just(RspIndex::Cons)], any::<u32>())
            .prop_map(|(i, v)| Op::Scribble(i, v)),
    ]
}

/// What an earlier stage may leave in the ring before the client connects.
#[derive(Clone, Debug)]
struct Dirty {
    reconnect: bool,
    unread: Vec<u8>,
    unconsumed: Vec<u8>,
}

fn dirty() -> impl Strategy<Value = Option<Dirty>> {
    prop::option::of(
        (
            any::<bool>(),
            prop_oneof![
                prop::collection::vec(msg(), 0..3)
                    .prop_map(|m| m.iter().flat_map(|m| m.bytes(0)).collect::<Vec<u8>>()),
                prop::collection::vec(any::<u8>(), 0..64)
            ],
            prop::collection::vec(any::<u8>(), 0..32),
        )
            .prop_map(|(reconnect, unread, unconsumed)| Dirty {
                reconnect,
                unread,
                unconsumed,
            }),
    )
}

// ---- the rig -----------------------------------------------------------------------

/// Free what a simulated Xen keeps alive after the case (the firmware keeps a handle on
/// it for good, as in the image).
fn dispose(m: &XenMachine) {
    *m.mem.borrow_mut() = SparseMemory::new();
}

/// Connect to a server that may have left the ring dirty; `None` if the client refused it.
fn connect(m: &mut XenMachine, dirty: &Option<Dirty>) -> Option<Xenstore> {
    let hv = m.hv();
    let (ring, port) = m.store_ring();
    if let Some(d) = dirty {
        m.xen.state().store.reconnect = d.reconnect;
        m.xen.reset_store_page();
        let mut mem = m.mem.clone();
        let mut s = m.xen.state();
        s.store.inject_rsp(&mut mem, ring, &d.unread);
        s.store.inject_req(&mut mem, ring, &d.unconsumed);
    }
    let start = m.clock.micros();
    let r = Xenstore::connect(&mut m.mem, hv, &m.clock, ring, port);
    // Connecting waits under one default deadline (set before the rig can shorten it).
    let waited = m.clock.micros() - start;
    assert!(
        waited <= xenbios::xen::wait::DEFAULT_TIMEOUT_US + SLACK_US,
        "connect took {waited} us"
    );
    let mut store = r.ok()?;
    store.set_timeout_us(TIMEOUT_US);
    Some(store)
}

/// Run `op`; the guard bytes after the caller's buffer must survive.
fn run(store: &mut Xenstore, m: &mut XenMachine, op: &Op) {
    let (ring, _) = m.store_ring();
    if let Op::Scribble(index, v) = op {
        let off = match index {
            RspIndex::Prod => offset_of!(XenstoreDomainInterface, rsp_prod),
            RspIndex::Cons => offset_of!(XenstoreDomainInterface, rsp_cons),
        };
        return m.mem.write_u32(ring + off as u32, *v);
    }
    let mut xs = store.session(&mut m.mem, &m.clock);
    let guarded = |len: usize| vec![GUARD; len + GUARD_LEN];
    match op {
        Op::Read(len) => {
            let mut buf = guarded(*len);
            if let Ok(v) = xs.read(NODE, &mut buf[..*len]) {
                assert!(v.len() <= *len);
            }
            assert!(
                buf[*len..].iter().all(|&b| b == GUARD),
                "read wrote past its buffer"
            );
        }
        Op::Directory(len) => {
            let mut buf = guarded(*len);
            if let Ok(names) = xs.directory(NODE, &mut buf[..*len]) {
                for n in names {
                    assert!(!n.is_empty() && !n.contains('\0'));
                }
            }
            assert!(
                buf[*len..].iter().all(|&b| b == GUARD),
                "directory wrote past its buffer"
            );
        }
        Op::ReadStr => {
            let mut buf = [0u8; 16];
            let _ = xs.read_str(NODE, &mut buf);
        }
        Op::ReadU64 => {
            let _ = xs.read_u64(NODE);
        }
        Op::ReadU32 => {
            let _ = xs.read_u32(NODE);
        }
        Op::ReadState => {
            let _ = xs.read_state(NODE);
        }
        Op::Write(v) => {
            let _ = xs.write(NODE, v);
        }
        Op::Mkdir => {
            let _ = xs.mkdir(NODE);
        }
        Op::Rm => {
            let _ = xs.rm(NODE);
        }
        Op::TxStart => {
            if let Ok(tx) = xs.transaction_start() {
                assert_ne!(tx, Tx::NONE, "transaction 0 is no transaction");
            }
        }
        Op::TxEnd(commit) => {
            let _ = xs.transaction_end(Tx(1), *commit);
        }
        Op::Transaction(body) => {
            let _ = xs.transaction(|xs| {
                for &write in body {
                    if write {
                        xs.write(NODE, b"1")?;
                    } else {
                        xs.read_u64(NODE)?;
                    }
                }
                Ok(())
            });
        }
        Op::Scribble(..) => unreachable!("not a request"),
    }
}

/// The whole case: connect, the server's replies to the operations' requests in order,
/// then an honest server that the client must be able to use again if the answers kept
/// their framing (whatever they did, if `always`).
fn xenstore_case(dirty: Option<Dirty>, replies: Vec<Reply>, ops: Vec<Op>, always: bool) {
    let framed =
        replies.iter().all(Reply::framed) && !ops.iter().any(|o| matches!(o, Op::Scribble(..)));
    let mut m = XenMachine::new(SimXenConfig::default());
    let Some(mut store) = connect(&mut m, &dirty) else {
        return dispose(&m);
    };
    // One honest request tells the id of the next (they count up from there).
    let _ = store.session(&mut m.mem, &m.clock).read(KNOWN, &mut [0; 8]);
    let next_id = m.xen.state().store.seen.last().map_or(0, |r| r.req_id + 1);
    for (n, reply) in replies.iter().enumerate() {
        let fault = match reply {
            Reply::Honest => XsFault::Late(0),
            Reply::Fault(f) => f.clone(),
            Reply::Raw(msgs) => {
                let id = next_id.wrapping_add(n as u32);
                XsFault::Raw(msgs.iter().flat_map(|m| m.bytes(id)).collect())
            }
        };
        m.xen.state().store.rules.push(XsRule {
            op: None,
            path: None,
            fault,
            times: 1,
        });
    }
    for op in &ops {
        let start = m.clock.micros();
        run(&mut store, &mut m, op);
        let took = m.clock.micros() - start;
        let bound = op.max_requests() * (TIMEOUT_US + SLACK_US) + SLACK_US;
        assert!(took <= bound, "{op:?} took {took} us (bound {bound})");
    }
    // The server behaves again (it may still send what it queued). Unless it stopped
    // (the protocol broken by the earlier stage's half request) or that half request
    // broke the framing for good (no ring reconnection to reset it), the client must get
    // back in step.
    {
        let mut s = m.xen.state();
        s.store.rules.clear();
        s.store.write(KNOWN, KNOWN_VALUE);
        let framing_lost = dirty
            .as_ref()
            .is_some_and(|d| !d.unconsumed.is_empty() && !d.reconnect);
        if s.store.dead || framing_lost || !(framed || always) {
            drop(s);
            return dispose(&m);
        }
    }
    let mut buf = [0u8; 8];
    let recovered = (0..RECOVERY_REQUESTS).any(|_| {
        let mut xs = store.session(&mut m.mem, &m.clock);
        xs.read(KNOWN, &mut buf).is_ok_and(|v| v == KNOWN_VALUE)
    });
    assert!(
        recovered,
        "no good answer in {RECOVERY_REQUESTS} requests once the server behaves"
    );
    dispose(&m);
}

proptest! {
    #![proptest_config(config(1000))]

    /// Hostile answers to every kind of request end in `Ok` or an `XsError` in bounded
    /// time and never write past the caller's buffer; a client that saw only framed
    /// answers (late, lost, stale, foreign, erroneous, of the wrong type, cut short)
    /// works again once the server behaves.
    #[test]
    fn xenstore_client_survives_a_hostile_server(
        dirty in dirty(),
        replies in prop::collection::vec(reply(), 0..8),
        ops in prop::collection::vec(op(), 1..6),
    ) {
        no_hang(move || xenstore_case(dirty, replies, ops, false));
    }
}

proptest! {
    #![proptest_config(config(100))]

    /// After answers that break the framing (a length field that lies, more than
    /// `XENSTORE_PAYLOAD_MAX` bytes, bytes that are no message, response indexes moved
    /// under it), a client without ring reconnection should get back in step once the
    /// server behaves. It does not: it drops what is in the ring on a protocol error, but
    /// what is still to come (or a length that was not one) shifts its view of every
    /// later answer, which it then takes for foreign answers and skips, for good. Minimal
    /// case: one answer whose length field says 1 and that has no payload: every request
    /// after it times out. Another: one answer of 4097 payload bytes: four protocol
    /// errors, then timeouts.
    #[test]
    #[ignore = "finding: the client does not resynchronise after a misframed answer stream"]
    fn xenstore_client_gets_back_in_step_after_misframed_answers(
        replies in prop::collection::vec(reply(), 0..8),
        ops in prop::collection::vec(op(), 1..6),
    ) {
        no_hang(move || xenstore_case(None, replies, ops, true));
    }
}

// ---- parse helpers ---------------------------------------------------------------------

/// What `parse_u64` must accept: decimal digits only (one trailing NUL allowed) that fit.
fn reference_u64(v: &[u8]) -> Option<u64> {
    let d = v.strip_suffix(b"\0").unwrap_or(v);
    if d.is_empty() || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(d).ok()?.parse().ok()
}

/// What `DirEntries` must give: the non-empty UTF-8 names between NULs.
fn reference_names(listing: &[u8]) -> Vec<&str> {
    listing
        .split(|&b| b == 0)
        .filter(|n| !n.is_empty())
        .filter_map(|n| std::str::from_utf8(n).ok())
        .collect()
}

fn numberish() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..24),
        "[0-9]{0,22}\0?".prop_map(String::into_bytes),
        "[0-9 +a-]{0,22}".prop_map(String::into_bytes),
        any::<u64>().prop_map(|v| v.to_string().into_bytes()),
    ]
}

fn listing() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..400),
        prop::collection::vec(
            prop_oneof![
                "[0-9]{1,12}".prop_map(String::into_bytes),
                prop::collection::vec(any::<u8>(), 0..6),
                Just(Vec::new()),
            ],
            0..40
        )
        .prop_map(|names| names.join(&0u8)),
    ]
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn parse_u64_takes_exactly_decimal_numbers(v in numberish()) {
        prop_assert_eq!(xenstore::parse_u64(&v), reference_u64(&v));
    }

    #[test]
    fn dir_entries_are_the_nonempty_utf8_names(listing in listing()) {
        let got: Vec<&str> = DirEntries::new(&listing).collect();
        prop_assert_eq!(got, reference_names(&listing));
    }
}

// ---- the VBD listing -------------------------------------------------------------------

/// Listings this short are read whole (whatever the firmware's buffer, it is larger).
const SHORT_LISTING: usize = 128;

/// A name under `device/vbd`: a vdev as the toolstack writes it, one with leading zeros,
/// one too big for 32 bits, or no number.
fn vbd_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u32..0x1_0000).prop_map(|v| v.to_string()),
        2 => (0u32..0x1_0000, 1usize..3).prop_map(|(v, z)| format!("{}{v}", "0".repeat(z))),
        1 => any::<u64>().prop_map(|v| v.to_string()),
        1 => "[a-z0-9]{1,12}",
    ]
}

/// The numbers `list_vbds` may take from a listing: names that are decimal `u32`s.
fn vdevs_of(names: &[&str]) -> BTreeSet<u32> {
    names
        .iter()
        .filter_map(|n| reference_u64(n.as_bytes()))
        .filter_map(|v| u32::try_from(v).ok())
        .collect()
}

/// `list_vbds`'s answer is a strictly increasing list of at most `MAX_VBDS` of `allowed`.
fn check_vbds(got: &[u32], allowed: &BTreeSet<u32>) -> Result<(), TestCaseError> {
    prop_assert!(got.len() <= MAX_VBDS);
    prop_assert!(
        got.windows(2).all(|w| w[0] < w[1]),
        "not sorted or repeated: {got:?}"
    );
    prop_assert!(
        got.iter().all(|v| allowed.contains(v)),
        "{got:?} not all in {allowed:?}"
    );
    Ok(())
}

fn xen_with_store() -> (XenMachine, Xenstore) {
    let mut m = XenMachine::new(SimXenConfig::default());
    let store = connect(&mut m, &None).expect("a clean ring");
    (m, store)
}

proptest! {
    #![proptest_config(config(500))]

    /// Nodes under `device/vbd` with any names: the numbers, sorted, each once; all of them
    /// when the listing is short and holds no more than the firmware takes.
    #[test]
    fn vbd_listing_from_nodes(names in prop::collection::btree_set(vbd_name(), 0..14)) {
        let (mut m, mut store) = xen_with_store();
        for n in &names {
            m.xen.state().store.write(&format!("{XENSTORE_VBD_DIR}/{n}/state"), b"1");
        }
        let got = list_vbds(&mut store.session(&mut m.mem, &m.clock));
        dispose(&m);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let allowed = vdevs_of(&names);
        check_vbds(got.as_slice(), &allowed)?;
        let listing_len: usize = names.iter().map(|n| n.len() + 1).sum();
        if listing_len <= SHORT_LISTING && allowed.len() <= MAX_VBDS {
            prop_assert_eq!(got.as_slice(), allowed.iter().copied().collect::<Vec<_>>());
        }
    }

    /// A listing of any bytes as xenstored's answer: only numbers it holds, sorted, once.
    #[test]
    fn vbd_listing_from_raw_answers(listing in listing()) {
        let (mut m, mut store) = xen_with_store();
        m.xen.state().store.rules.push(XsRule {
            op: Some(XS_DIRECTORY),
            path: None,
            fault: XsFault::Value(listing.clone()),
            times: 1,
        });
        let got = list_vbds(&mut store.session(&mut m.mem, &m.clock));
        dispose(&m);
        check_vbds(got.as_slice(), &vdevs_of(&reference_names(&listing)))?;
    }
}

#[test]
fn store_message_helper_matches_the_wire_format() {
    // The fuzz targets build forged messages by hand; the simulator's helper agrees.
    let forged = Msg::Message {
        id: Id::Delta(0),
        ty: XS_READ,
        tx: 0,
        claimed: None,
        payload: b"x".to_vec(),
    };
    assert_eq!(forged.bytes(7), SimStore::message(XS_READ, 7, 0, b"x"));
}
