//! Grants and event channels against the simulated Xen, and a PV block read driven by
//! hand through the simulated backend (what the reference guest payload does), in both
//! ring layouts, with the backend's fault injection.

mod xen_util;

use xen_headers::event_channel::EvtchnPort;
use xen_headers::grant_table::{
    GNTTAB_NR_RESERVED_ENTRIES, GTF_PERMIT_ACCESS, GTF_READING, GTF_READONLY, GrantRef,
};
use xen_headers::io::blkif::{
    BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_RSP_ERROR, BLKIF_RSP_OKAY, BlkifRequestSegment,
    XEN_IO_PROTO_ABI_X86_32, XEN_IO_PROTO_ABI_X86_64, XENSTORE_VBD_DIR, x86_32, x86_64,
};
use xen_headers::io::ring::{
    FrontRing, RingIdx, SRING_HEADER_SIZE, SringHeader, response_prod_overflow,
};
use xen_headers::io::xenbus::XenbusState;
use xen_headers::io::xs_wire::{XS_DIRECTORY, XsdError};
use xen_util::platform_device;
use xenbios::block::{Drives, Interface};
use xenbios::e820::E820Map;
use xenbios::hal::XenErrno;
use xenbios::hal::mem::{Memory, MemoryExt};
use xenbios::xen::blkfront::{self, Config, X86_64};
use xenbios::xen::evtchn;
use xenbios::xen::wait::{DEFAULT_TIMEOUT_US, Timeout, wait_for};
use xenbios::xen::{self, GrantError, GrantTable, Xen, XsError, xenstore};
use xenbios::zone;
use xenbios_sim::SharedMemory;
use xenbios_sim::xen::{Abi, SimXenConfig, VbdConfig, XenMachine, XsFault, XsRule};

const DISK: usize = 1 << 20;
const PAGE: u32 = 4096;
const FE: &str = "device/vbd/51712";
const BE: &str = "/local/domain/0/backend/qdisk/1/51712";
const BACKEND: u16 = 0;

struct Rig {
    m: XenMachine,
    e820: E820Map,
    xen: &'static Xen,
}

fn rig() -> Rig {
    let mut m = XenMachine::new(SimXenConfig::default());
    let mut disk: Vec<u8> = (0..DISK).map(|i| (i / 512) as u8).collect();
    disk[..20].copy_from_slice(b"XENDISK-TEST-PATTERN");
    m.xen.state().add_vbd(51712, disk);
    let mut e820 = m.e820();
    let mut cpu = m.xen.clone();
    let platform = Some(platform_device(&m));
    let xen = xen::init(&mut m.ctx(), &mut e820, platform, &mut cpu).unwrap();
    Rig { m, e820, xen }
}

/// A frontend done by hand: a ring page and a data page granted to the backend, a port.
struct Front {
    abi: Abi,
    ring: u32,
    data: u32,
    ring_ref: GrantRef,
    data_ref: GrantRef,
    port: EvtchnPort,
    front: FrontRing,
}

impl Rig {
    fn grant(&mut self, addr: u32, readonly: bool) -> GrantRef {
        self.xen
            .grants
            .lock()
            .grant(&mut self.m.mem, BACKEND, addr / PAGE, readonly)
            .unwrap()
    }

    fn write(&mut self, path: &str, v: &str) {
        let mut st = self.xen.store.lock();
        st.session(&mut self.m.mem, &self.m.clock)
            .write(path, v.as_bytes())
            .unwrap();
    }

    fn backend_state(&mut self) -> Result<XenbusState, XsError> {
        let mut st = self.xen.store.lock();
        st.session(&mut self.m.mem, &self.m.clock)
            .read_state(&format!("{BE}/state"))
    }

    /// Wait (bounded) for the backend to reach `want`.
    fn wait_backend(&mut self, want: XenbusState) -> Option<()> {
        let t = Timeout::start(&self.m.clock, DEFAULT_TIMEOUT_US);
        let (hv, clock) = (self.xen.hv, &self.m.clock);
        let mut st = self.xen.store.lock();
        let mut xs = st.session(&mut self.m.mem, clock);
        let path = format!("{BE}/state");
        wait_for(hv, clock, &t, "test", &"the backend's state", &mut || {
            xs.read_state(&path) == Ok(want)
        })
        .then_some(())
    }

    /// The xenbus handshake, as blkfront will do it.
    fn connect(&mut self, abi: Option<Abi>) -> Front {
        let ring = zone::alloc_pages(&mut self.e820, 1).unwrap();
        let data = zone::alloc_pages(&mut self.e820, 1).unwrap();
        self.m.mem.fill(ring, PAGE, 0);
        self.m.mem.write_obj(ring, &SringHeader::new());
        self.m.mem.fill(data, PAGE, 0xaa);
        let ring_ref = self.grant(ring, false);
        let data_ref = self.grant(data, false);
        let port = evtchn::alloc_unbound(self.xen.hv, BACKEND).unwrap();
        assert_eq!(self.backend_state(), Ok(XenbusState::InitWait));
        self.write(&format!("{FE}/ring-ref"), &ring_ref.to_string());
        self.write(&format!("{FE}/event-channel"), &port.to_string());
        match abi {
            Some(Abi::X86_32) => self.write(&format!("{FE}/protocol"), XEN_IO_PROTO_ABI_X86_32),
            Some(Abi::X86_64) => self.write(&format!("{FE}/protocol"), XEN_IO_PROTO_ABI_X86_64),
            None => {}
        }
        self.write(&format!("{FE}/state"), XenbusState::Initialised.as_str());
        self.wait_backend(XenbusState::Connected)
            .expect("backend connects");
        self.write(&format!("{FE}/state"), XenbusState::Connected.as_str());
        Front {
            abi: abi.unwrap_or(Abi::X86_64),
            ring,
            data,
            ring_ref,
            data_ref,
            port,
            front: FrontRing::new(x86_64::BLKIF_RING_SIZE),
        }
    }

    /// Queue one request for `count` sectors at `sector` into the data page, kick.
    fn submit(&mut self, f: &mut Front, op: u8, id: u64, sector: u64, count: u8) {
        let slot = f.front.next_request_slot().unwrap();
        let seg = BlkifRequestSegment::new(f.data_ref, 0, count - 1);
        let mut segs = [BlkifRequestSegment::default(); 11];
        segs[0] = seg;
        match f.abi {
            Abi::X86_32 => {
                let at = f.ring + SRING_HEADER_SIZE as u32 + slot * 108;
                self.m.mem.write_obj(
                    at,
                    &x86_32::BlkifRequest {
                        operation: op,
                        nr_segments: 1,
                        handle: 51712u32 as u16,
                        id,
                        sector_number: sector,
                        seg: segs,
                    },
                );
            }
            Abi::X86_64 => {
                let at = f.ring + SRING_HEADER_SIZE as u32 + slot * 112;
                self.m.mem.write_obj(
                    at,
                    &x86_64::BlkifRequest {
                        operation: op,
                        nr_segments: 1,
                        handle: 51712u32 as u16,
                        _pad0: [0; 4],
                        id,
                        sector_number: sector,
                        seg: segs,
                    },
                );
            }
        }
        self.m.mem.fence();
        self.m.mem.write_u32(f.ring, f.front.req_prod_pvt);
        evtchn::send(self.xen.hv, f.port).unwrap();
    }

    /// Wait (bounded) for the next response: (id, status).
    fn response(&mut self, f: &mut Front, timeout_us: u64) -> Option<(u64, i16)> {
        let t = Timeout::start(&self.m.clock, timeout_us);
        let rsp_prod_at = f.ring + std::mem::offset_of!(SringHeader, rsp_prod) as u32;
        let cons = f.front.rsp_cons;
        let mem = &self.m.mem;
        let mut prod = cons;
        let got = wait_for(
            self.xen.hv,
            &self.m.clock,
            &t,
            "test",
            &"a response",
            &mut || {
                prod = mem.read_u32(rsp_prod_at);
                prod != cons
            },
        );
        if !got {
            return None;
        }
        assert!(
            !response_prod_overflow(f.front.nr_ents, prod, cons),
            "rsp_prod {prod} jumped"
        );
        let slot = f.front.next_response_slot(prod).unwrap();
        Some(match f.abi {
            Abi::X86_32 => {
                let r: x86_32::BlkifResponse =
                    mem.read_obj(f.ring + SRING_HEADER_SIZE as u32 + slot * 108);
                (r.id, r.status)
            }
            Abi::X86_64 => {
                let r: x86_64::BlkifResponse =
                    mem.read_obj(f.ring + SRING_HEADER_SIZE as u32 + slot * 112);
                (r.id, r.status)
            }
        })
    }

    fn data(&self, f: &Front, n: usize) -> Vec<u8> {
        let mut v = vec![0; n];
        self.m.mem.read(f.data, &mut v);
        v
    }
}

fn single_sector_read(abi: Option<Abi>) {
    let mut r = rig();
    let mut f = r.connect(abi);
    assert_eq!(r.m.xen.state().backs[0].abi(), Some(f.abi));
    r.submit(&mut f, BLKIF_OP_READ, 0x1234, 0, 1);
    assert_eq!(
        r.response(&mut f, DEFAULT_TIMEOUT_US),
        Some((0x1234, BLKIF_RSP_OKAY))
    );
    let got = r.data(&f, 512);
    assert_eq!(&got[..20], b"XENDISK-TEST-PATTERN");
    // Only the sector asked for was written; the rest of the page is untouched.
    let rest = r.data(&f, 1024);
    assert!(rest[512..].iter().all(|&b| b == 0xaa));
    // The backend notified our port: its pending bit is set in the shared info page.
    let sh = r.xen.shared_info;
    assert!(sh.is_pending(&r.m.mem, f.port));
    assert!(sh.test_and_clear_pending(&mut r.m.mem, f.port));
    assert!(!sh.is_pending(&r.m.mem, f.port));
    assert!(!sh.test_and_clear_pending(&mut r.m.mem, f.port));
    // The data grant is free again; the ring is mapped while connected.
    let mut g = r.xen.grants.lock();
    assert!(!g.in_use(&r.m.mem, f.data_ref));
    assert_eq!(g.end_access(&mut r.m.mem, f.data_ref), Ok(()));
    assert!(g.in_use(&r.m.mem, f.ring_ref));
    assert_eq!(
        g.end_access(&mut r.m.mem, f.ring_ref),
        Err(GrantError::StillInUse)
    );
    drop(g);
    // Closing, then Closed: the backend unmaps the ring and closes; then the grant can be
    // revoked.
    r.write(&format!("{FE}/state"), XenbusState::Closing.as_str());
    r.wait_backend(XenbusState::Closing).unwrap();
    assert!(r.xen.grants.lock().in_use(&r.m.mem, f.ring_ref));
    r.write(&format!("{FE}/state"), XenbusState::Closed.as_str());
    r.wait_backend(XenbusState::Closed).unwrap();
    let mut g = r.xen.grants.lock();
    assert_eq!(g.end_access(&mut r.m.mem, f.ring_ref), Ok(()));
    assert_eq!(g.free_count(), 512 - GNTTAB_NR_RESERVED_ENTRIES);
    drop(g);
    assert_eq!(evtchn::close(r.xen.hv, f.port), Ok(()));
}

#[test]
fn a_single_sector_read_through_the_simulated_backend_x86_64_abi() {
    single_sector_read(Some(Abi::X86_64));
}

#[test]
fn a_single_sector_read_through_the_simulated_backend_x86_32_abi() {
    single_sector_read(Some(Abi::X86_32));
}

#[test]
fn without_a_protocol_node_the_backend_uses_x86_64() {
    single_sector_read(None);
}

#[test]
fn writes_reach_the_disk_and_multi_sector_reads_come_back() {
    let mut r = rig();
    let mut f = r.connect(Some(Abi::X86_32));
    r.m.mem.fill(f.data, 1024, 0x5a);
    r.submit(&mut f, BLKIF_OP_WRITE, 1, 100, 2);
    assert_eq!(
        r.response(&mut f, DEFAULT_TIMEOUT_US),
        Some((1, BLKIF_RSP_OKAY))
    );
    assert!(
        r.m.xen.state().backs[0].disk[100 * 512..102 * 512]
            .iter()
            .all(|&b| b == 0x5a)
    );
    r.submit(&mut f, BLKIF_OP_READ, 2, 3, 8);
    assert_eq!(
        r.response(&mut f, DEFAULT_TIMEOUT_US),
        Some((2, BLKIF_RSP_OKAY))
    );
    let d = r.data(&f, 4096);
    assert!(d[..512].iter().all(|&b| b == 3) && d[7 * 512..].iter().all(|&b| b == 10));
    // Beyond the disk: an error, not a crash.
    r.submit(&mut f, BLKIF_OP_READ, 3, (DISK / 512) as u64, 1);
    assert_eq!(
        r.response(&mut f, DEFAULT_TIMEOUT_US),
        Some((3, BLKIF_RSP_ERROR))
    );
}

#[test]
fn backend_faults_error_status_no_response_late_bogus_id_and_jump() {
    xenbios_sim::capture_log();
    let mut r = rig();
    let mut f = r.connect(Some(Abi::X86_64));
    r.m.xen.state().backs[0].faults.error_status = 1;
    r.submit(&mut f, BLKIF_OP_READ, 10, 0, 1);
    assert_eq!(
        r.response(&mut f, DEFAULT_TIMEOUT_US),
        Some((10, BLKIF_RSP_ERROR))
    );

    r.m.xen.state().backs[0].faults.no_response = 1;
    r.submit(&mut f, BLKIF_OP_READ, 11, 0, 1);
    assert_eq!(r.response(&mut f, 50_000), None);
    assert!(
        xenbios_sim::take_log()
            .contains("[test] warning: timed out after 50 ms waiting for a response")
    );

    {
        let mut s = r.m.xen.state();
        s.backs[0].faults.late = 1;
        s.backs[0].faults.late_yields = 500;
    }
    r.submit(&mut f, BLKIF_OP_READ, 12, 0, 1);
    assert_eq!(
        r.response(&mut f, DEFAULT_TIMEOUT_US),
        Some((12, BLKIF_RSP_OKAY))
    );

    r.m.xen.state().backs[0].faults.bogus_id = 1;
    r.submit(&mut f, BLKIF_OP_READ, 13, 0, 1);
    let (id, _) = r.response(&mut f, DEFAULT_TIMEOUT_US).unwrap();
    assert_ne!(id, 13);

    r.m.xen.state().backs[0].faults.rsp_prod_jump = true;
    r.submit(&mut f, BLKIF_OP_READ, 14, 0, 1);
    let rsp_prod = r.m.mem.read_u32(f.ring + 8);
    assert!(response_prod_overflow(32, rsp_prod, f.front.rsp_cons));
    let seen: Vec<u64> = r.m.xen.state().backs[0].seen.iter().map(|q| q.id).collect();
    assert_eq!(seen, [10, 11, 12, 13, 14]);
}

#[test]
fn a_backend_that_disappears_answers_nothing_and_says_so_in_xenstore() {
    let mut r = rig();
    let mut f = r.connect(Some(Abi::X86_64));
    r.m.xen.state().blk_disappear(0, false);
    assert_eq!(r.backend_state(), Ok(XenbusState::Closed));
    r.submit(&mut f, BLKIF_OP_READ, 1, 0, 1);
    assert_eq!(r.response(&mut f, 20_000), None);

    let mut r = rig();
    r.connect(Some(Abi::X86_64));
    r.m.xen.state().blk_disappear(0, true);
    assert_eq!(r.backend_state(), Err(XsError::Error(XsdError::ENOENT)));
}

#[test]
fn a_bad_handshake_makes_the_backend_fail_with_an_error_node() {
    let mut r = rig();
    let port = evtchn::alloc_unbound(r.xen.hv, BACKEND).unwrap();
    r.write(&format!("{FE}/ring-ref"), "abc");
    r.write(&format!("{FE}/event-channel"), &port.to_string());
    r.write(&format!("{FE}/state"), XenbusState::Initialised.as_str());
    assert_eq!(r.backend_state(), Ok(XenbusState::Closing));
    let mut buf = [0u8; 64];
    let mut st = r.xen.store.lock();
    let e = st
        .session(&mut r.m.mem, &r.m.clock)
        .read_str(&format!("{BE}/error"), &mut buf)
        .unwrap();
    assert_eq!(e, "reading ring-ref");
}

#[test]
fn the_backend_refuses_grants_to_another_domain_or_read_only_for_its_writes() {
    let mut r = rig();
    let mut f = r.connect(Some(Abi::X86_64));
    // Re-grant the data page read-only: a read (the backend writes guest memory) fails.
    r.xen
        .grants
        .lock()
        .end_access(&mut r.m.mem, f.data_ref)
        .unwrap();
    f.data_ref = r.grant(f.data, true);
    r.submit(&mut f, BLKIF_OP_READ, 1, 0, 1);
    assert_eq!(
        r.response(&mut f, DEFAULT_TIMEOUT_US),
        Some((1, BLKIF_RSP_ERROR))
    );
    // A write (the backend reads guest memory) is fine.
    r.submit(&mut f, BLKIF_OP_WRITE, 2, 0, 1);
    assert_eq!(
        r.response(&mut f, DEFAULT_TIMEOUT_US),
        Some((2, BLKIF_RSP_OKAY))
    );
    // Granted to domain 5, not the backend's 0.
    let mut g = r.xen.grants.lock();
    g.end_access(&mut r.m.mem, f.data_ref).unwrap();
    f.data_ref = g.grant(&mut r.m.mem, 5, f.data / PAGE, false).unwrap();
    drop(g);
    r.submit(&mut f, BLKIF_OP_READ, 3, 0, 1);
    assert_eq!(
        r.response(&mut f, DEFAULT_TIMEOUT_US),
        Some((3, BLKIF_RSP_ERROR))
    );
}

#[test]
fn grants_held_by_the_backend_cannot_be_revoked_until_released() {
    let mut r = rig();
    let mut f = r.connect(Some(Abi::X86_64));
    r.m.xen.state().backs[0].faults.hold_grants = true;
    r.submit(&mut f, BLKIF_OP_READ, 1, 0, 1);
    assert_eq!(
        r.response(&mut f, DEFAULT_TIMEOUT_US),
        Some((1, BLKIF_RSP_OKAY))
    );
    let mut g = r.xen.grants.lock();
    assert!(g.in_use(&r.m.mem, f.data_ref));
    assert_eq!(
        g.end_access(&mut r.m.mem, f.data_ref),
        Err(GrantError::StillInUse)
    );
    // The entry is still a valid grant, and still allocated.
    let flags = r.m.mem.read_u16(g.base() + f.data_ref * 8);
    assert_eq!(flags & GTF_PERMIT_ACCESS, GTF_PERMIT_ACCESS);
    r.m.xen.state().grant_unmap(f.data_ref);
    assert_eq!(g.end_access(&mut r.m.mem, f.data_ref), Ok(()));
    assert_eq!(r.m.mem.read_u16(g.base() + f.data_ref * 8), 0);
    assert_eq!(
        g.end_access(&mut r.m.mem, f.data_ref),
        Err(GrantError::NotGranted)
    );
}

#[test]
fn reserved_entries_are_never_handed_out_and_the_table_is_bounded() {
    xenbios_sim::capture_log();
    let mut r = rig();
    let mut g = r.xen.grants.lock();
    let mut refs = Vec::new();
    while let Ok(gref) = g.grant(&mut r.m.mem, BACKEND, 0x1234, true) {
        refs.push(gref);
    }
    assert_eq!(refs.len(), 512 - 8);
    assert!(
        refs.iter()
            .all(|x| (GNTTAB_NR_RESERVED_ENTRIES..512).contains(x))
    );
    assert_eq!(
        g.grant(&mut r.m.mem, BACKEND, 1, true),
        Err(GrantError::TableFull)
    );
    assert!(xenbios_sim::take_log().contains("[grant] warning: no free grant entry"));
    for reserved in 0..GNTTAB_NR_RESERVED_ENTRIES {
        assert_eq!(
            g.end_access(&mut r.m.mem, reserved),
            Err(GrantError::NotGranted)
        );
    }
    assert_eq!(g.end_access(&mut r.m.mem, 512), Err(GrantError::NotGranted));
    // The xenstore entry the toolstack made is untouched.
    assert_ne!(r.m.mem.read_u16(g.base() + 8), 0);
    // Freed entries are reused.
    g.end_access(&mut r.m.mem, refs[3]).unwrap();
    assert_eq!(g.grant(&mut r.m.mem, BACKEND, 9, false), Ok(refs[3]));
}

/// Memory where the grantee maps an entry between our read of its flags and our
/// compare-exchange (as another CPU could), and which records the order of writes.
struct Racy {
    inner: SharedMemory,
    race_at: Option<u32>,
    writes: Vec<u32>,
}

impl Memory for Racy {
    fn read(&self, addr: u32, buf: &mut [u8]) {
        self.inner.read(addr, buf)
    }
    fn write(&mut self, addr: u32, data: &[u8]) {
        self.writes.push(addr);
        self.inner.write(addr, data)
    }
    fn cmpxchg_u16(&mut self, addr: u32, expected: u16, new: u16) -> u16 {
        if self.race_at.take() == Some(addr) {
            let v = self.inner.read_u16(addr);
            self.inner.write_u16(addr, v | GTF_READING);
        }
        self.inner.cmpxchg_u16(addr, expected, new)
    }
}

#[test]
fn a_mapping_that_starts_during_revocation_wins() {
    let r = rig();
    let base = r.xen.grants.lock().base();
    let mut mem = Racy {
        inner: r.m.mem.clone(),
        race_at: None,
        writes: Vec::new(),
    };
    let mut g = GrantTable::new(&mut mem, base, 1);
    let gref = g.grant(&mut mem, BACKEND, 0x777, true).unwrap();
    // domid and frame first, the flags that make the entry valid last.
    let entry = base + gref * 8;
    assert_eq!(mem.writes, [entry + 2, entry + 4, entry]);
    mem.race_at = Some(entry);
    assert_eq!(g.end_access(&mut mem, gref), Err(GrantError::StillInUse));
    let flags = mem.read_u16(entry);
    assert_eq!(flags, GTF_PERMIT_ACCESS | GTF_READONLY | GTF_READING);
    assert!(g.in_use(&mem, gref));
    // Once the grantee is done, revocation works.
    mem.write_u16(entry, GTF_PERMIT_ACCESS | GTF_READONLY);
    assert_eq!(g.end_access(&mut mem, gref), Ok(()));
}

#[test]
fn entries_left_granted_by_an_earlier_stage_are_revoked_or_kept_out_of_use() {
    xenbios_sim::capture_log();
    let mut r = rig();
    let base = r.xen.grants.lock().base();
    // Entry 9 still granted but unused, entry 10 mapped by a backend.
    r.m.mem.write_u16(base + 9 * 8, GTF_PERMIT_ACCESS);
    r.m.mem
        .write_u16(base + 10 * 8, GTF_PERMIT_ACCESS | GTF_READING);
    let mut g = GrantTable::new(&mut r.m.mem, base, 1);
    assert!(
        xenbios_sim::take_log()
            .contains("1 entries left granted by an earlier stage are still mapped")
    );
    assert_eq!(r.m.mem.read_u16(base + 9 * 8), 0);
    assert_eq!(g.free_count(), 512 - 8 - 1);
    let mut got = Vec::new();
    while let Ok(x) = g.grant(&mut r.m.mem, BACKEND, 1, true) {
        got.push(x);
    }
    assert!(!got.contains(&10));
    assert!(got.contains(&9));
}

#[test]
fn event_channels_alloc_send_close_and_errors() {
    xenbios_sim::capture_log();
    let r = rig();
    let hv = r.xen.hv;
    let a = evtchn::alloc_unbound(hv, BACKEND).unwrap();
    let b = evtchn::alloc_unbound(hv, BACKEND).unwrap();
    assert_ne!(a, b);
    assert_ne!(a, 1, "port 1 is xenstore's");
    // Sending on a port nobody bound is not an error; closing twice is.
    assert_eq!(evtchn::send(hv, a), Ok(()));
    assert_eq!(evtchn::close(hv, a), Ok(()));
    assert_eq!(evtchn::close(hv, a), Err(XenErrno::EINVAL));
    assert_eq!(evtchn::send(hv, a), Err(XenErrno::EINVAL));
    let log = xenbios_sim::take_log();
    assert!(log.contains("[evtchn] warning: close of port"), "{log}");
    assert!(log.contains("[evtchn] warning: send on port"), "{log}");
    r.m.xen.state().fail.push((
        xenbios_sim::xen::Hcall::AllocUnbound(0),
        XenErrno::ENOMEM,
        1,
    ));
    assert_eq!(evtchn::alloc_unbound(hv, BACKEND), Err(XenErrno::ENOMEM));
    // Pending bits in the x86_32 shared info layout, across words.
    let mut m = r.m;
    let sh = r.xen.shared_info;
    for port in [3, 37, 1023] {
        m.xen.state().notify_guest(port);
        assert!(sh.is_pending(&m.mem, port));
        assert!(!sh.is_masked(&m.mem, port));
    }
    assert!(!sh.is_pending(&m.mem, 36));
    assert!(!sh.is_pending(&m.mem, 5000));
    assert!(sh.test_and_clear_pending(&mut m.mem, 37));
    assert!(sh.is_pending(&m.mem, 3) && !sh.is_pending(&m.mem, 37));
    let word1 = m.mem.read_u32(sh.base + 2048 + 4);
    assert_eq!(word1, 0, "port 37 is bit 5 of word 1");
}

#[test]
fn waits_are_bounded_by_the_clock_and_say_what_they_waited_for() {
    xenbios_sim::capture_log();
    let r = rig();
    let t = Timeout::start(&r.m.clock, 1_234_000);
    let mut polls = 0;
    let got = wait_for(r.xen.hv, &r.m.clock, &t, "evtchn", &"port 7", &mut || {
        polls += 1;
        false
    });
    assert!(!got);
    assert!(polls > 1000);
    assert!(
        xenbios_sim::take_log()
            .contains("[evtchn] warning: timed out after 1234 ms waiting for port 7")
    );
    // A condition that becomes true stops the wait early, without a log line.
    let mut n = 0;
    let t = Timeout::start(&r.m.clock, 1_234_000);
    let got = wait_for(r.xen.hv, &r.m.clock, &t, "evtchn", &"x", &mut || {
        n += 1;
        n == 3
    });
    assert!(got);
    assert_eq!(n, 3);
    assert_eq!(xenbios_sim::take_log(), "");
    let _: RingIdx = 0;
}

// --- The `device/vbd` listing, and the paths built from it ----------------------------

const XVDA: u32 = 51712;
/// `xvdb`, `xvdc`, ...: one disk every 16 minors.
const XVD_STRIDE: u32 = 16;
const SMALL_DISK: usize = 64 * 1024;
const SHORT: Config = Config {
    handshake_timeout_us: 200_000,
    io_timeout_us: 200_000,
};

/// POST's Xen steps on `m` (`xen::init`, then blkfront's probe): the log, and the vdevs of
/// the PV disks that got a drive, in registration order.
fn post_pv(m: &mut XenMachine) -> (String, Vec<u32>) {
    xenbios_sim::capture_log();
    let mut e820 = m.e820();
    let mut cpu = m.xen.clone();
    let platform = Some(platform_device(m));
    let xen = xen::init(&mut m.ctx(), &mut e820, platform, &mut cpu).expect("Xen set up");
    let mut drives = Drives::new();
    blkfront::probe_with::<X86_64>(&mut m.ctx(), xen, &mut e820, &mut drives, &SHORT);
    let disks = drives
        .iter()
        .filter_map(|(_, d)| match d.dev.info().interface {
            Interface::Xen { vdev, .. } => Some(vdev),
            _ => None,
        })
        .collect();
    (xenbios_sim::take_log(), disks)
}

#[test]
fn a_vbd_listing_longer_than_256_bytes_still_gives_every_disk() {
    let mut m = XenMachine::new(SimXenConfig::default());
    let odd: Vec<String> = (0..20)
        .map(|i| format!("left-by-a-toolstack-{i:02}"))
        .collect();
    {
        let mut s = m.xen.state();
        s.add_vbd(XVDA, vec![0; SMALL_DISK]);
        s.add_vbd(XVDA + XVD_STRIDE, vec![0; SMALL_DISK]);
        for name in &odd {
            s.store.write(&format!("device/vbd/{name}"), b"");
        }
    }
    let listing: usize = odd.iter().map(|n| n.len() + 1).sum();
    assert!(listing > 256);
    let (log, disks) = post_pv(&mut m);
    assert_eq!(disks, [XVDA, XVDA + XVD_STRIDE], "{log}");
    assert!(!log.contains("no PV disks"), "{log}");
    for name in &odd {
        let line = format!("[xen] warning: vbd {name}: ignored: not a number\n");
        assert!(log.contains(&line), "{line} in {log}");
    }
}

#[test]
fn past_8_vbds_the_lowest_are_kept_even_when_xvda_is_listed_last() {
    let mut m = XenMachine::new(SimXenConfig::default());
    let vdevs: Vec<u32> = (0..xen::MAX_VBDS as u32 + 2)
        .map(|d| XVDA + XVD_STRIDE * d)
        .collect();
    // xenstored lists in the order the nodes were made: here xvdj first, xvda last.
    let listing: Vec<u8> = vdevs
        .iter()
        .rev()
        .flat_map(|v| format!("{v}\0").into_bytes())
        .collect();
    {
        let mut s = m.xen.state();
        for &v in &vdevs {
            s.add_vbd(v, vec![0; SMALL_DISK]);
        }
        s.store.rules.push(XsRule {
            op: Some(XS_DIRECTORY),
            path: Some(XENSTORE_VBD_DIR.to_string()),
            fault: XsFault::Value(listing),
            times: 1,
        });
    }
    let (log, disks) = post_pv(&mut m);
    assert_eq!(disks, vdevs[..xen::MAX_VBDS], "{log}");
    assert!(
        log.contains("[blkfront] Xen PV disk xvda, 64 KiB: connected"),
        "{log}"
    );
    for v in &vdevs[xen::MAX_VBDS..] {
        let line = format!("[xen] warning: vbd {v}: ignored: more than 8 PV disks\n");
        assert!(log.contains(&line), "{line} in {log}");
    }
    let ignored = vdevs.len() - xen::MAX_VBDS;
    assert_eq!(log.matches("ignored: more than").count(), ignored, "{log}");
}

#[test]
fn a_backend_path_too_long_for_the_firmware_is_never_requested_cut() {
    let mut m = XenMachine::new(SimXenConfig::default());
    let dir = "/local/domain/0/backend/qdisk/1/";
    // The value fits the firmware's path buffer, `<backend>/<any leaf>` does not.
    let be = format!("{dir}{}", "x".repeat(xenstore::PATH_MAX - dir.len() - 4));
    {
        let mut s = m.xen.state();
        s.add_vbd(XVDA, vec![0; SMALL_DISK]);
        s.store
            .write(&format!("device/vbd/{XVDA}/backend"), be.as_bytes());
    }
    let (log, disks) = post_pv(&mut m);
    assert!(disks.is_empty(), "{log}");
    // At once, with the step that could not be taken.
    assert!(
        log.contains("[blkfront] warning: xvda: skipped: state (bad request)\n"),
        "{log}"
    );
    assert!(!log.contains("timed out"), "{log}");
    let refused = format!(
        "[xenstore] warning: refusing a path over {} bytes: {be}/...\n",
        xenstore::PATH_MAX
    );
    assert!(log.contains(&refused), "{log}");
    let s = m.xen.state();
    let cut: Vec<&str> = s
        .store
        .seen
        .iter()
        .map(|r| r.path.as_str())
        .filter(|p| p.starts_with(dir))
        .collect();
    assert!(cut.is_empty(), "requests to cut paths: {cut:?}");
}

/// The simulated CD-ROM backends, as QEMU's `xen-cdrom` and Linux blkback behave.
#[test]
fn cdrom_backends_with_and_without_a_medium() {
    const CD: &str = "/local/domain/0/backend/qdisk/1/51744";
    const CD_FE: &str = "device/vbd/51744";
    let r = rig();
    r.m.xen
        .state()
        .add_vbd_with(51744, vec![7; 4096], VbdConfig::cdrom());
    let node = |r: &Rig, n: &str| r.m.xen.state().store.read_str(&format!("{CD}/{n}"));
    // With a medium: what Xen 4.17's libxl and QEMU publish for `hdc,cdrom`.
    assert_eq!(node(&r, "info").as_deref(), Some("5"));
    assert_eq!(node(&r, "sectors").as_deref(), Some("8"));
    assert_eq!(node(&r, "sector-size").as_deref(), Some("512"));
    assert_eq!(node(&r, "mode").as_deref(), Some("r"));
    assert_eq!(node(&r, "state").as_deref(), Some("2"));
    let fe_type =
        r.m.xen
            .state()
            .store
            .read_str(&format!("/local/domain/1/{CD_FE}/device-type"));
    assert_eq!(fe_type.as_deref(), Some("cdrom"));

    // QEMU without a medium: no device behind libxl's nodes, whatever the frontend does.
    let mut r = rig();
    let i_empty =
        r.m.xen
            .state()
            .add_vbd_with(51744, Vec::new(), VbdConfig::empty_cdrom());
    assert_eq!(node(&r, "state").as_deref(), Some("1"));
    assert_eq!(node(&r, "sectors"), None);
    r.write(&format!("{CD_FE}/state"), XenbusState::Initialised.as_str());
    assert_eq!(node(&r, "state").as_deref(), Some("1"));
    // A medium: the backend starts serving.
    r.m.xen.state().blk_insert_medium(i_empty, vec![0; 2048]);
    assert_eq!(node(&r, "state").as_deref(), Some("2"));
    assert_eq!(node(&r, "sectors").as_deref(), Some("4"));

    // Linux blkback without a medium: InitWait, and no connection to an Initialised
    // frontend until it has one.
    let mut r = rig();
    let i_bb = r.m.xen.state().add_vbd_with(
        51744,
        Vec::new(),
        VbdConfig {
            linux_blkback: true,
            ..VbdConfig::empty_cdrom()
        },
    );
    assert_eq!(node(&r, "state").as_deref(), Some("2"));
    r.write(&format!("{CD_FE}/state"), XenbusState::Initialised.as_str());
    assert_eq!(node(&r, "state").as_deref(), Some("2"));
    assert!(!r.m.xen.state().backs[i_bb].connected());
}
