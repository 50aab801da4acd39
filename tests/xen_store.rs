//! The xenstore client against the simulated xenstored: every operation, every error
//! answer, every timeout, malformed answers and a ring left dirty by an earlier stage.

use xen_headers::io::xenbus::XenbusState;
use xen_headers::io::xs_wire::{
    XENSTORE_CONNECTED, XENSTORE_PAYLOAD_MAX, XENSTORE_RECONNECT, XENSTORE_RING_SIZE, XS_DIRECTORY,
    XS_READ, XS_TRANSACTION_END, XS_TRANSACTION_START, XS_WRITE, XSD_ERRORS,
    XenstoreDomainInterface, XsdError,
};
use xenbios::hal::clock::Clock;
use xenbios::hal::mem::Memory;
use xenbios_sim::xen::{SimStore, SimXenConfig, XenMachine, XsFault, XsRule};

use xenbios::xen::wait::DEFAULT_TIMEOUT_US;
use xenbios::xen::xenstore::{self, MAX_TRANSACTION_ATTEMPTS, Xenstore, XsError, XsPath};

fn rule(op: Option<u32>, path: Option<&str>, fault: XsFault, times: u32) -> XsRule {
    XsRule {
        op,
        path: path.map(str::to_string),
        fault,
        times,
    }
}

struct Rig {
    m: XenMachine,
    store: Xenstore,
}

fn rig_with(cfg: SimXenConfig, before: impl FnOnce(&mut XenMachine)) -> Result<Rig, XsError> {
    let mut m = XenMachine::new(cfg);
    before(&mut m);
    let hv = m.hv();
    let (ring, port) = m.store_ring();
    let store = Xenstore::connect(&mut m.mem, hv, &m.clock, ring, port)?;
    Ok(Rig { m, store })
}

fn rig() -> Rig {
    rig_with(SimXenConfig::default(), |_| {}).unwrap()
}

impl Rig {
    fn xs(&mut self) -> xenstore::Xs<'_> {
        self.store.session(&mut self.m.mem, &self.m.clock)
    }
    fn rules(&self, r: XsRule) {
        self.m.xen.state().store.rules.push(r);
    }
    fn read(&mut self, path: &str) -> Result<Vec<u8>, XsError> {
        let mut buf = [0u8; 4096];
        self.xs().read(path, &mut buf).map(|v| v.to_vec())
    }
    fn ring_field(&self, off: usize) -> u32 {
        let (ring, _) = self.m.store_ring();
        self.m.mem.read_u32(ring + off as u32)
    }
}

#[test]
fn read_write_directory_mkdir_rm() {
    let mut r = rig();
    {
        let mut xs = r.xs();
        xs.write("data/greeting", b"hello").unwrap();
        xs.write("/local/domain/1/data/n", b"42").unwrap();
        xs.mkdir("data/empty").unwrap();
        let mut buf = [0u8; 64];
        assert_eq!(xs.read("data/greeting", &mut buf).unwrap(), b"hello");
        assert_eq!(xs.read_u64("data/n").unwrap(), 42);
        let mut list = [0u8; 64];
        let names: Vec<&str> = xs.directory("data", &mut list).unwrap().collect();
        assert_eq!(names, ["empty", "greeting", "n"]);
        xs.rm("data/greeting").unwrap();
        assert_eq!(
            xs.read("data/greeting", &mut buf),
            Err(XsError::Error(XsdError::ENOENT))
        );
    }
    // What the server holds, and what it was asked.
    let s = r.m.xen.state();
    assert_eq!(s.store.read("/local/domain/1/data/n"), Some(&b"42"[..]));
    assert!(s.store.read("data/empty").is_some());
    let ops: Vec<u32> = s.store.seen.iter().map(|q| q.op).collect();
    assert_eq!(&ops[..3], &[XS_WRITE, XS_WRITE, 12]);
    // Request ids increase, and nothing is left in either ring.
    assert!(
        s.store
            .seen
            .windows(2)
            .all(|w| w[1].req_id == w[0].req_id + 1)
    );
    drop(s);
    let off = |f| f;
    assert_eq!(
        r.ring_field(off(std::mem::offset_of!(XenstoreDomainInterface, rsp_prod))),
        r.ring_field(std::mem::offset_of!(XenstoreDomainInterface, rsp_cons))
    );
}

#[test]
fn every_error_answer_is_typed() {
    let mut r = rig();
    for e in XSD_ERRORS {
        r.rules(rule(
            Some(XS_READ),
            Some("x"),
            XsFault::Error(e.as_str().into()),
            1,
        ));
        assert_eq!(r.read("x"), Err(XsError::Error(e)), "{e:?}");
    }
    r.rules(rule(
        Some(XS_READ),
        None,
        XsFault::Error("EWHATEVER".into()),
        1,
    ));
    assert_eq!(r.read("x"), Err(XsError::UnknownError));
    r.rules(rule(None, None, XsFault::Error(String::new()), 1));
    assert_eq!(r.read("x"), Err(XsError::UnknownError));
    // The client is still in step afterwards.
    r.m.xen.state().store.write("x", b"fine");
    assert_eq!(r.read("x").unwrap(), b"fine");
}

#[test]
fn permission_denied_and_missing_nodes() {
    let mut r = rig();
    r.m.xen.state().store.denied.push("/local/domain/0".into());
    assert_eq!(
        r.read("/local/domain/0/backend"),
        Err(XsError::Error(XsdError::EACCES))
    );
    assert_eq!(
        r.xs().write("/local/domain/0/x", b"1"),
        Err(XsError::Error(XsdError::EACCES))
    );
    assert_eq!(
        r.read("nothing/here"),
        Err(XsError::Error(XsdError::ENOENT))
    );
    let mut list = [0u8; 16];
    assert_eq!(
        r.xs().directory("nothing", &mut list).map(|d| d.count()),
        Err(XsError::Error(XsdError::ENOENT))
    );
}

#[test]
fn no_reply_times_out_after_five_seconds_and_is_logged() {
    xenbios_sim::capture_log();
    let mut r = rig();
    r.rules(rule(Some(XS_READ), None, XsFault::NoReply, 1));
    let start = r.m.clock.micros();
    assert_eq!(r.read("device/vbd"), Err(XsError::Timeout));
    let waited = r.m.clock.micros() - start;
    assert!(
        (DEFAULT_TIMEOUT_US..DEFAULT_TIMEOUT_US + 1000).contains(&waited),
        "waited {waited} us"
    );
    let log = xenbios_sim::take_log();
    assert!(
        log.contains(
            "[xenstore] warning: timed out after 5000 ms waiting for xenstore read device/vbd"
        ),
        "{log}"
    );
    // The wait yielded to Xen between polls rather than spinning.
    assert!(r.m.xen.state().yields > 100);
    // The next request works.
    r.m.xen.state().store.write("a", b"1");
    assert_eq!(r.read("a").unwrap(), b"1");
}

#[test]
fn a_late_answer_within_the_deadline_is_taken() {
    let mut r = rig();
    r.m.xen.state().store.write("slow", b"there");
    r.rules(rule(Some(XS_READ), None, XsFault::Late(50), 1));
    assert_eq!(r.read("slow").unwrap(), b"there");
}

#[test]
fn an_answer_after_a_timeout_is_not_taken_for_the_next_one() {
    xenbios_sim::capture_log();
    let mut r = rig();
    r.store.set_timeout_us(10_000);
    {
        let mut s = r.m.xen.state();
        s.store.write("first", b"old");
        s.store.write("second", b"new");
    }
    // 10 ms of 10 us clock steps is about a thousand polls, each with a yield: the first
    // answer comes after 1500 yields, too late. The second request's answer comes 1000
    // yields after it is sent, so the first answer arrives while the client waits for it.
    r.rules(rule(Some(XS_READ), Some("first"), XsFault::Late(1500), 1));
    r.rules(rule(Some(XS_READ), Some("second"), XsFault::Late(1000), 1));
    assert_eq!(r.read("first"), Err(XsError::Timeout));
    r.store.set_timeout_us(DEFAULT_TIMEOUT_US);
    assert_eq!(r.read("second").unwrap(), b"new");
    let log = xenbios_sim::take_log();
    assert!(log.contains("dropping an answer to request"), "{log}");
}

#[test]
fn stale_and_bogus_request_ids_are_skipped() {
    xenbios_sim::capture_log();
    let mut r = rig();
    r.m.xen.state().store.write("k", b"v");
    r.rules(rule(Some(XS_READ), None, XsFault::StaleFirst, 1));
    assert_eq!(r.read("k").unwrap(), b"v");
    assert!(xenbios_sim::take_log().contains("dropping an answer to request"));
    // Only a bogus answer: the request times out, and says so.
    r.rules(rule(Some(XS_READ), None, XsFault::BogusIdOnly, 1));
    r.store.set_timeout_us(20_000);
    assert_eq!(r.read("k"), Err(XsError::Timeout));
    assert!(xenbios_sim::take_log().contains("timed out"));
    assert_eq!(r.read("k").unwrap(), b"v");
}

#[test]
fn watch_events_between_request_and_answer_are_skipped() {
    let mut r = rig();
    r.m.xen.state().store.write("k", b"v");
    r.rules(rule(None, None, XsFault::WatchFirst, 3));
    assert_eq!(r.read("k").unwrap(), b"v");
    r.xs().write("k", b"w").unwrap();
    assert_eq!(r.read("k").unwrap(), b"w");
}

#[test]
fn rsp_prod_jumping_beyond_the_ring_is_a_protocol_error_then_recovered() {
    xenbios_sim::capture_log();
    let mut r = rig();
    r.m.xen.state().store.write("k", b"v");
    r.rules(rule(Some(XS_WRITE), None, XsFault::RspProdJump, 1));
    // The index jumps right behind the answer: the client sees impossible indexes.
    assert_eq!(r.xs().write("w", b"1"), Err(XsError::Protocol));
    let log = xenbios_sim::take_log();
    assert!(log.contains("response ring indexes are corrupt"), "{log}");
    // Without ring reconnection the client drops what is in the ring and goes on.
    assert_eq!(r.read("k").unwrap(), b"v");
    assert!(xenbios_sim::take_log().contains("dropped"));
}

#[test]
fn an_oversized_answer_is_a_protocol_error_then_recovered() {
    xenbios_sim::capture_log();
    let mut r = rig();
    r.m.xen.state().store.write("k", b"v");
    r.rules(rule(Some(XS_READ), None, XsFault::Oversize, 1));
    assert_eq!(r.read("k"), Err(XsError::Protocol));
    assert!(xenbios_sim::take_log().contains("claims 4097 payload bytes"));
    assert_eq!(r.read("k").unwrap(), b"v");
}

#[test]
fn an_answer_of_the_wrong_type_is_a_protocol_error() {
    let mut r = rig();
    r.m.xen.state().store.write("k", b"v");
    r.rules(rule(Some(XS_READ), None, XsFault::WrongType, 1));
    assert_eq!(r.read("k"), Err(XsError::Protocol));
    assert_eq!(r.read("k").unwrap(), b"v");
}

#[test]
fn long_values_wrap_the_ring_and_too_long_ones_are_refused_whole() {
    let mut r = rig();
    let long: Vec<u8> = (0..3000u32).map(|i| b'a' + (i % 26) as u8).collect();
    r.m.xen.state().store.write("big", &long);
    // Longer than the ring: read in pieces, across the wrap, with the server refilling.
    for _ in 0..3 {
        assert_eq!(r.read("big").unwrap(), long);
    }
    // Into a small buffer: refused, nothing written past the buffer, stream intact.
    let mut small = [0xeeu8; 40];
    assert_eq!(
        r.xs().read("big", &mut small[..32]),
        Err(XsError::TooBig { len: 3000 })
    );
    assert_eq!(&small[..32], &long[..32]);
    assert_eq!(&small[32..], &[0xee; 8]);
    r.m.xen.state().store.write("k", b"v");
    assert_eq!(r.read("k").unwrap(), b"v");
    // A request longer than fits the ring is not sent at all.
    let huge = vec![b'x'; XENSTORE_RING_SIZE];
    assert_eq!(r.xs().write("k", &huge), Err(XsError::BadRequest));
    assert_eq!(r.xs().write("bad\0path", b"1"), Err(XsError::BadRequest));
}

#[test]
fn a_timeout_inside_an_answer_keeps_the_stream_in_step() {
    xenbios_sim::capture_log();
    let mut r = rig();
    r.store.set_timeout_us(10_000);
    let value = vec![b'z'; 200];
    {
        let mut s = r.m.xen.state();
        s.store.write("part", &value);
        s.store.write("next", b"ok");
    }
    // Header and 50 bytes now, the rest much later.
    r.rules(rule(
        Some(XS_READ),
        Some("part"),
        XsFault::Split {
            first: 66,
            delay: 3000,
        },
        1,
    ));
    assert_eq!(r.read("part"), Err(XsError::Timeout));
    r.store.set_timeout_us(DEFAULT_TIMEOUT_US);
    assert_eq!(r.read("next").unwrap(), b"ok");
}

#[test]
fn numbers_and_states_are_parsed_strictly() {
    let mut r = rig();
    for (v, ok) in [
        (&b"123"[..], Some(123u64)),
        (b"123\0", Some(123)),
        (b"007", Some(7)),
        (b"abc", None),
        (b"", None),
        (b"12a", None),
        (b" 1", None),
        (b"-1", None),
        (b"18446744073709551616", None),
        (b"18446744073709551615", Some(u64::MAX)),
    ] {
        r.m.xen.state().store.write("n", v);
        let got = r.xs().read_u64("n");
        match ok {
            Some(n) => assert_eq!(got, Ok(n), "{v:?}"),
            None => assert_eq!(got, Err(XsError::Malformed), "{v:?}"),
        }
    }
    r.m.xen.state().store.write("n", &[b'9'; 100]);
    assert_eq!(r.xs().read_u64("n"), Err(XsError::Malformed));
    r.m.xen.state().store.write("n", b"4294967296");
    assert_eq!(r.xs().read_u32("n"), Err(XsError::Malformed));
    r.m.xen.state().store.write("s", b"4");
    assert_eq!(r.xs().read_state("s"), Ok(XenbusState::Connected));
    r.m.xen.state().store.write("s", b"9");
    assert_eq!(r.xs().read_state("s"), Err(XsError::Malformed));
    r.m.xen.state().store.write("s", b"Connected");
    assert_eq!(r.xs().read_state("s"), Err(XsError::Malformed));
    assert_eq!(
        r.xs().read_state("nope"),
        Err(XsError::Error(XsdError::ENOENT))
    );
    r.m.xen.state().store.write("t", &[0xff, 0xfe]);
    let mut buf = [0u8; 8];
    assert_eq!(r.xs().read_str("t", &mut buf), Err(XsError::Malformed));
}

#[test]
fn transactions_commit_and_retry_on_eagain() {
    let mut r = rig();
    r.m.xen.state().store.conflicts = 2;
    let mut runs = 0;
    let v = r
        .xs()
        .transaction(|xs| {
            runs += 1;
            xs.write("tx/a", b"1")?;
            xs.write("tx/b", b"2")?;
            xs.read_u64("tx/a")
        })
        .unwrap();
    assert_eq!((v, runs), (1, 3));
    let s = r.m.xen.state();
    assert_eq!(s.store.read("tx/b"), Some(&b"2"[..]));
    let ends = s
        .store
        .seen
        .iter()
        .filter(|q| q.op == XS_TRANSACTION_END)
        .count();
    assert_eq!(ends, 3);
    // Inside a transaction, requests carry its id.
    assert!(
        s.store
            .seen
            .iter()
            .any(|q| q.op == XS_WRITE && q.tx_id != 0)
    );
}

#[test]
fn transactions_give_up_after_bounded_retries() {
    xenbios_sim::capture_log();
    let mut r = rig();
    r.rules(rule(
        Some(XS_TRANSACTION_END),
        None,
        XsFault::Error("EAGAIN".into()),
        100,
    ));
    let mut runs = 0;
    let res = r.xs().transaction(|xs| {
        runs += 1;
        xs.write("tx/a", b"1")
    });
    assert_eq!(res, Err(XsError::Error(XsdError::EAGAIN)));
    assert_eq!(runs, MAX_TRANSACTION_ATTEMPTS);
    assert!(xenbios_sim::take_log().contains("still conflicting"));
    assert!(r.m.xen.state().store.read("tx/a").is_none());
}

#[test]
fn a_failing_transaction_body_aborts() {
    let mut r = rig();
    let res: Result<(), _> = r.xs().transaction(|xs| {
        xs.write("tx/a", b"1")?;
        xs.read_u64("tx/missing").map(drop)
    });
    assert_eq!(res, Err(XsError::Error(XsdError::ENOENT)));
    let s = r.m.xen.state();
    assert!(
        s.store.read("tx/a").is_none(),
        "aborted writes must not land"
    );
    let end = s.store.seen.iter().rfind(|q| q.op == XS_TRANSACTION_END);
    assert!(end.is_some());
    // Bad transaction ids from the server are malformed.
    drop(s);
    r.rules(rule(
        Some(XS_TRANSACTION_START),
        None,
        XsFault::Value(b"zero\0".to_vec()),
        1,
    ));
    assert_eq!(r.xs().transaction_start(), Err(XsError::Malformed));
}

// ---- a ring left dirty by an earlier stage ----------------------------------------

#[test]
fn unread_answers_from_an_earlier_stage_are_dropped() {
    xenbios_sim::capture_log();
    let mut r = rig_with(SimXenConfig::default(), |m| {
        let (ring, _) = m.store_ring();
        let stale = SimStore::message(XS_READ, 7, 0, b"stale value");
        m.xen
            .state()
            .store
            .inject_rsp(&mut m.mem.clone(), ring, &stale);
    })
    .unwrap();
    let log = xenbios_sim::take_log();
    assert!(log.contains("ring left dirty by an earlier stage: 0 request bytes unconsumed, 27 answer bytes unread"), "{log}");
    r.m.xen.state().store.write("k", b"v");
    assert_eq!(r.read("k").unwrap(), b"v");
}

#[test]
fn an_earlier_stages_pending_request_is_waited_for_and_its_answer_skipped() {
    xenbios_sim::capture_log();
    let mut r = rig_with(SimXenConfig::default(), |m| {
        let (ring, _) = m.store_ring();
        let mut s = m.xen.state();
        s.store.write("k", b"v");
        // A request the server has not read yet; it answers when kicked (by our first
        // notification), and its answer must not be taken for ours.
        let req = SimStore::message(XS_READ, 3, 0, b"k\0");
        s.store.inject_req(&mut m.mem.clone(), ring, &req);
    })
    .unwrap();
    assert!(xenbios_sim::take_log().contains("18 request bytes unconsumed"));
    r.m.xen.state().store.write("mine", b"ours");
    assert_eq!(r.read("mine").unwrap(), b"ours");
}

#[test]
fn a_stuck_request_ring_makes_xenstore_unusable() {
    xenbios_sim::capture_log();
    let res = rig_with(SimXenConfig::default(), |m| {
        let (ring, _) = m.store_ring();
        let mut s = m.xen.state();
        s.store.dead = true;
        s.store
            .inject_req(&mut m.mem.clone(), ring, b"half a message");
    });
    assert_eq!(res.err(), Some(XsError::Unusable));
    let log = xenbios_sim::take_log();
    assert!(
        log.contains("waiting for xenstored to consume an earlier stage's request"),
        "{log}"
    );
}

#[test]
fn corrupt_request_indexes_without_reconnection_are_unusable() {
    let res = rig_with(SimXenConfig::default(), |m| {
        let (ring, _) = m.store_ring();
        let off = std::mem::offset_of!(XenstoreDomainInterface, req_prod) as u32;
        m.mem.write_u32(ring + off, 5000);
    });
    assert_eq!(res.err(), Some(XsError::Unusable));
}

#[test]
fn with_reconnection_a_dirty_ring_is_reset_by_the_server() {
    xenbios_sim::capture_log();
    let mut r = rig_with(SimXenConfig::default(), |m| {
        m.xen.state().store.reconnect = true;
        m.xen.reset_store_page();
        let (ring, _) = m.store_ring();
        let off = std::mem::offset_of!(XenstoreDomainInterface, req_prod) as u32;
        m.mem.write_u32(ring + off, 5000);
        let stale = SimStore::message(XS_READ, 7, 0, b"stale");
        m.xen
            .state()
            .store
            .inject_rsp(&mut m.mem.clone(), ring, &stale);
    })
    .unwrap();
    let log = xenbios_sim::take_log();
    assert!(log.contains("ring reset by xenstored"), "{log}");
    let conn = std::mem::offset_of!(XenstoreDomainInterface, connection);
    assert_eq!(r.ring_field(conn), XENSTORE_CONNECTED);
    r.m.xen.state().store.write("k", b"v");
    assert_eq!(r.read("k").unwrap(), b"v");
    // A protocol error later is recovered the same way.
    r.rules(rule(Some(XS_READ), None, XsFault::Oversize, 1));
    assert_eq!(r.read("k"), Err(XsError::Protocol));
    assert_eq!(r.read("k").unwrap(), b"v");
    assert!(xenbios_sim::take_log().contains("ring reset by xenstored"));
}

#[test]
fn a_reconnection_in_progress_is_waited_for() {
    xenbios_sim::capture_log();
    let mut r = rig_with(SimXenConfig::default(), |m| {
        m.xen.state().store.reconnect = true;
        m.xen.reset_store_page();
        let (ring, _) = m.store_ring();
        let off = std::mem::offset_of!(XenstoreDomainInterface, connection) as u32;
        m.mem.write_u32(ring + off, XENSTORE_RECONNECT);
    })
    .unwrap();
    assert!(xenbios_sim::take_log().contains("a ring reconnection is in progress"));
    r.m.xen.state().store.write("k", b"v");
    assert_eq!(r.read("k").unwrap(), b"v");
}

#[test]
fn a_reconnection_that_never_completes_times_out() {
    let res = rig_with(SimXenConfig::default(), |m| {
        let mut s = m.xen.state();
        s.store.reconnect = true;
        drop(s);
        m.xen.reset_store_page();
        let (ring, _) = m.store_ring();
        let off = std::mem::offset_of!(XenstoreDomainInterface, connection) as u32;
        m.mem.write_u32(ring + off, XENSTORE_RECONNECT);
        m.xen.state().store.dead = true;
    });
    assert_eq!(res.err(), Some(XsError::Timeout));
}

#[test]
fn a_failing_notification_is_reported() {
    let mut r = rig();
    r.m.xen.state().fail.push((
        xenbios_sim::xen::Hcall::Send(0),
        xenbios::hal::XenErrno::EINVAL,
        1,
    ));
    assert_eq!(
        r.read("k"),
        Err(XsError::Hypercall(xenbios::hal::XenErrno::EINVAL))
    );
    // The request was written before the failed notification: its answer comes with the
    // next kick and is skipped.
    r.m.xen.state().store.write("k", b"v");
    assert_eq!(r.read("k").unwrap(), b"v");
}

#[test]
fn directory_listings_skip_empty_and_non_utf8_names() {
    let names: Vec<&str> = xenstore::DirEntries::new(b"51712\0\0\xff\xfe\x0051728\0tail").collect();
    assert_eq!(names, ["51712", "51728", "tail"]);
    assert_eq!(xenstore::DirEntries::new(b"").count(), 0);
    let _ = XS_DIRECTORY;
}

#[test]
fn paths_that_do_not_fit_are_refused() {
    let ok = xenstore::path(&["device/vbd/", "51712", "/state"]).unwrap();
    assert_eq!(ok.as_str(), "device/vbd/51712/state");
    let long = "x".repeat(300);
    assert_eq!(
        xenstore::path(&["device/", &long]).err(),
        Some(XsError::BadRequest)
    );
}

#[test]
fn a_path_that_does_not_fit_fails_to_build_and_is_never_requested() {
    use std::fmt::Write;
    xenbios_sim::capture_log();
    let mut r = rig();
    xenbios_sim::take_log();
    let dir = "/local/domain/0/backend/vbd/1/";
    let be = format!("{dir}{}", "9".repeat(xenstore::PATH_MAX - dir.len() - 4));
    let mut p = XsPath::new();
    assert!(write!(p, "{be}").is_ok());
    assert!(
        write!(p, "/sector-size").is_err(),
        "a path cut to fit must be an error"
    );
    assert!(write!(p, "/x").is_err(), "a spoiled path stays spoiled");
    assert_eq!(p.get(), Err(XsError::BadRequest));
    let log = xenbios_sim::take_log();
    let line = format!(
        "[xenstore] warning: refusing a path over {} bytes: {be}...\n",
        xenstore::PATH_MAX
    );
    assert_eq!(log, line);
    // A caller that ignores the error still sends nothing.
    let seen = r.m.xen.state().store.seen.len();
    assert_eq!(r.xs().read_u64(p.as_str()), Err(XsError::BadRequest));
    assert_eq!(r.xs().write(p.as_str(), b"1"), Err(XsError::BadRequest));
    assert_eq!(r.m.xen.state().store.seen.len(), seen);
    // Cleared, it builds paths again.
    p.clear();
    write!(p, "device/vbd/51712/state").unwrap();
    assert_eq!(p.get(), Ok("device/vbd/51712/state"));
}

#[test]
fn a_value_longer_than_the_callers_buffer_is_an_error_never_a_cut_value() {
    xenbios_sim::capture_log();
    let mut r = rig();
    let be = format!("/local/domain/0/backend/vbd/1/{}", "9".repeat(300));
    r.m.xen
        .state()
        .store
        .write("device/vbd/51712/backend", be.as_bytes());
    let mut buf = [0u8; xenstore::PATH_MAX];
    assert_eq!(
        r.xs().read_str("device/vbd/51712/backend", &mut buf),
        Err(XsError::TooBig {
            len: be.len() as u32
        })
    );
    let log = xenbios_sim::take_log();
    let line = format!(
        "[xenstore] warning: xenstore read device/vbd/51712/backend: {}-byte answer too big\n",
        be.len()
    );
    assert!(log.contains(&line), "{log}");
}

#[test]
fn listings_of_any_length_are_read_name_by_name() {
    let mut r = rig();
    // As long as an answer can be (four times the ring): names cross its wrap many times.
    let long = "L".repeat(xenstore::DIR_NAME_MAX + 10);
    let mut listing = format!("{long}\0\0").into_bytes();
    listing.extend_from_slice(b"\xff\xfe\0");
    let mut names = Vec::new();
    for i in 0.. {
        let name = format!("{i:07}");
        if listing.len() + name.len() + 1 > XENSTORE_PAYLOAD_MAX {
            break;
        }
        listing.extend_from_slice(name.as_bytes());
        listing.push(0);
        names.push(name);
    }
    assert!(listing.len() > XENSTORE_PAYLOAD_MAX - 8);
    r.rules(rule(
        Some(XS_DIRECTORY),
        Some("big"),
        XsFault::Value(listing),
        1,
    ));
    let mut got: Vec<(Vec<u8>, bool)> = Vec::new();
    r.xs()
        .directory_each("big", |n| got.push((n.bytes.to_vec(), n.cut)))
        .unwrap();
    // The long name comes cut and says so; the empty one is skipped; bytes are as sent.
    assert_eq!(
        got[0],
        (long.as_bytes()[..xenstore::DIR_NAME_MAX].to_vec(), true)
    );
    assert_eq!(got[1], (b"\xff\xfe".to_vec(), false));
    let rest: Vec<Vec<u8>> = got[2..].iter().map(|(n, _)| n.clone()).collect();
    let want: Vec<Vec<u8>> = names.iter().map(|n| n.clone().into_bytes()).collect();
    assert_eq!(rest, want);
    assert!(got[2..].iter().all(|(_, cut)| !cut));
    // The stream is still in step.
    r.m.xen.state().store.write("k", b"v");
    assert_eq!(r.read("k").unwrap(), b"v");
}

#[test]
fn a_vbd_listing_cut_short_by_a_timeout_gives_no_disks_not_some() {
    xenbios_sim::capture_log();
    let mut r = rig();
    r.store.set_timeout_us(10_000);
    for vdev in ["51712", "51728", "51744"] {
        r.m.xen
            .state()
            .store
            .write(&format!("device/vbd/{vdev}"), b"");
    }
    // Half the answer now, the rest long after the deadline.
    r.rules(rule(
        Some(XS_DIRECTORY),
        Some("device/vbd"),
        XsFault::Split {
            first: size_of::<xen_headers::io::xs_wire::XsdSockmsg>() + 7,
            delay: 1 << 40,
        },
        1,
    ));
    xenbios_sim::take_log();
    let vbds = xenbios::xen::list_vbds(&mut r.xs());
    assert_eq!(vbds.as_slice(), [] as [u32; 0]);
    let log = xenbios_sim::take_log();
    assert!(
        log.contains("[xen] no PV disks (device/vbd: timeout)\n"),
        "{log}"
    );
}
