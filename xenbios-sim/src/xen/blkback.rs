//! A simulated PV block backend (what QEMU's `xen-disk` does) serving a `Vec<u8>` disk:
//! the xenbus handshake through the simulated xenstore, the shared ring in either blkif
//! layout (chosen by the frontend's `protocol` node, x86_64 when absent), data through
//! grants, and fault injection.
//!
//! As QEMU 10's `xen-block`: the backend writes `sector-size`, `sectors`, `info` before
//! `InitWait`; a disk whose sector size is not 512 connects only to a frontend that wrote
//! `feature-large-sector-size = 1`, and then counts `sectors` and every ring sector field
//! in sector-size units; frontend `Closing` makes it `Closing`, frontend `Closed` makes it
//! disconnect and go `Closed`, and a frontend that goes `Initialising` again finds it back
//! in `InitWait` (it is "online"). [`VbdConfig::linux_blkback`] serves like Linux's blkback
//! instead: `sector-size` only at `Connected`, 512-byte units always.
//!
//! CD-ROMs ([`VbdConfig::cdrom`]): the frontend's `device-type` is "cdrom", `info` says
//! `VDISK_CDROM | VDISK_READONLY`, `mode` "r", as QEMU's `xen-cdrom` and libxl write them
//! (seen on Xen 4.17: `info` 5, `sector-size` 512, `sectors` in 512-byte units). With no
//! medium ([`VbdConfig::medium`] false) QEMU refuses to create the device ("device needs
//! media, but drive is empty" for `-device xen-cdrom` without a drive; "Could not stat file
//! ''" for libxl's `params = "aio:"`): the backend directory holds only what libxl wrote,
//! `state` stays `Initialising` and nothing answers. Linux blkback goes `InitWait` at probe
//! but connects only once it has a physical device: without one it stays `InitWait` after
//! the frontend's `Initialised`. [`XenState::blk_insert_medium`] gives either a medium.

use super::{GrantMapError, Peer, Port, XenState};
use std::collections::VecDeque;
use std::mem::size_of;
use xen_headers::event_channel::EvtchnPort;
use xen_headers::grant_table::{GTF_PERMIT_ACCESS, GrantEntryV1, GrantRef};
use xen_headers::io::blkif::{
    BLKIF_MAX_SEGMENTS_PER_REQUEST, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_READ, BLKIF_OP_WRITE,
    BLKIF_RSP_EOPNOTSUPP, BLKIF_RSP_ERROR, BLKIF_RSP_OKAY, BLKIF_SECTOR_SIZE, BlkifRequestSegment,
    VDISK_CDROM, VDISK_READONLY, XEN_IO_PROTO_ABI_X86_32, XEN_IO_PROTO_ABI_X86_64,
    XENBUS_NODE_BACKEND, XENBUS_NODE_BACKEND_ID, XENBUS_NODE_DEVICE_TYPE,
    XENBUS_NODE_EVENT_CHANNEL, XENBUS_NODE_FEATURE_FLUSH_CACHE, XENBUS_NODE_INFO, XENBUS_NODE_MODE,
    XENBUS_NODE_PROTOCOL, XENBUS_NODE_RING_REF, XENBUS_NODE_SECTOR_SIZE, XENBUS_NODE_SECTORS,
    XENBUS_NODE_STATE, XENBUS_NODE_VIRTUAL_DEVICE, x86_32, x86_64,
};
use xen_headers::io::ring::{RingIdx, SRING_HEADER_SIZE, SringHeader, ring_slot};
use xen_headers::io::xenbus::XenbusState;
use xen_headers::xen::Domid;
use xenbios::hal::mem::{Memory, MemoryExt};

const PAGE_SHIFT: u32 = xen_headers::XEN_PAGE_SHIFT;
const SECTOR: u64 = BLKIF_SECTOR_SIZE as u64;
const PAGE: u32 = xen_headers::XEN_PAGE_SIZE as u32;
/// How far a "jumping" rsp_prod jumps: beyond any ring.
pub const BLK_RSP_PROD_JUMP: u32 = 1000;
/// The bit flipped in a bogus response id.
pub const BOGUS_ID_BIT: u64 = 1 << 63;
const REQ_PROD: u32 = std::mem::offset_of!(SringHeader, req_prod) as u32;
const RSP_PROD: u32 = std::mem::offset_of!(SringHeader, rsp_prod) as u32;
const REQ_EVENT: u32 = std::mem::offset_of!(SringHeader, req_event) as u32;

/// The ring layout a frontend asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Abi {
    X86_32,
    X86_64,
}

impl Abi {
    fn ring_size(self) -> u32 {
        match self {
            Abi::X86_32 => x86_32::BLKIF_RING_SIZE,
            Abi::X86_64 => x86_64::BLKIF_RING_SIZE,
        }
    }
    fn entry_size(self) -> u32 {
        match self {
            Abi::X86_32 => size_of::<x86_32::BlkifSringEntry>() as u32,
            Abi::X86_64 => size_of::<x86_64::BlkifSringEntry>() as u32,
        }
    }
}

/// The frontend node that asks for sector-size units (QEMU requires it for sector sizes
/// other than 512).
pub const NODE_FEATURE_LARGE_SECTOR_SIZE: &str = "feature-large-sector-size";

/// What kind of disk a backend serves.
#[derive(Clone, Debug)]
pub struct VbdConfig {
    /// Logical sector size (512 or 4096 for disks).
    pub sector_size: u32,
    /// `VDISK_*` bits for the `info` node.
    pub info: u32,
    /// The frontend's `device-type` node ("disk", "cdrom").
    pub device_type: &'static str,
    /// `mode`: "w" or "r" (writes are refused).
    pub mode: &'static str,
    /// Offer `feature-flush-cache`.
    pub flush: bool,
    /// Behave as Linux blkback (see the module docs) rather than QEMU.
    pub linux_blkback: bool,
    /// The disk's size if larger than its `Vec`: sectors past the `Vec` read as
    /// [`crate::FakeDisk::pattern`] (of their 512-byte number) until written.
    pub virtual_len: Option<u64>,
    /// A CD-ROM drive has a medium (see the module docs for what an empty one does).
    pub medium: bool,
}

impl VbdConfig {
    /// A CD-ROM drive as QEMU's `xen-cdrom` (and libxl's `devtype=cdrom`) describes it.
    pub fn cdrom() -> Self {
        VbdConfig {
            info: VDISK_CDROM | VDISK_READONLY,
            device_type: "cdrom",
            mode: "r",
            ..Default::default()
        }
    }

    /// [`VbdConfig::cdrom`] with no medium.
    pub fn empty_cdrom() -> Self {
        VbdConfig {
            medium: false,
            ..Self::cdrom()
        }
    }
}

impl Default for VbdConfig {
    fn default() -> Self {
        VbdConfig {
            sector_size: BLKIF_SECTOR_SIZE as u32,
            info: 0,
            device_type: "disk",
            mode: "w",
            flush: true,
            linux_blkback: false,
            virtual_len: None,
            medium: true,
        }
    }
}

/// Misbehaviour to inject (counters count down per request).
#[derive(Clone, Debug, Default)]
pub struct BlkFaults {
    /// The next n requests fail with `BLKIF_RSP_ERROR` (after `error_after` good ones).
    pub error_status: u32,
    pub error_after: u32,
    /// The next n requests are consumed and never answered.
    pub no_response: u32,
    /// The next n requests are performed and answered only after the guest yielded
    /// `late_yields` times. As QEMU does, the data moves when the request completes,
    /// through whatever frames its grant references name by then; as Linux blkback does
    /// ([`VbdConfig::linux_blkback`]), its grants are mapped from consumption to completion.
    pub late: u32,
    pub late_yields: u64,
    /// The next n responses are published twice.
    pub duplicate: u32,
    /// The next n responses name another operation than their request's.
    pub wrong_op: u32,
    /// After the next response, rsp_prod is published one past the responses written.
    pub rsp_prod_one_past: bool,
    /// The next n responses carry an id the frontend never used.
    pub bogus_id: u32,
    /// After the next response, rsp_prod jumps beyond the ring.
    pub rsp_prod_jump: bool,
    /// Data grants stay mapped after the request completes (`GTF_*` stay set), until the
    /// backend disconnects.
    pub hold_grants: bool,
    /// ... and even after it disconnected (a backend that leaks its mappings).
    pub hold_after_close: bool,
    /// The backend does not look at the ring at all.
    pub stalled: bool,
    /// A hostile backend (fuzzing): each request consumed while this is not empty is served
    /// (data moves as usual) but answered with the front entry's forged responses instead of
    /// its own: none (never answered), one, or several (duplicates).
    pub forged: VecDeque<Vec<ForgedRsp>>,
}

/// A response a hostile backend writes for a request it consumed ([`BlkFaults::forged`]):
/// each field is the honest value changed as the entry says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ForgedRsp {
    /// Written once the guest has yielded this many more times (0: when the request is
    /// consumed).
    pub delay_yields: u64,
    /// Added (wrapping) to the request's id: 0 answers it, others name another request or
    /// none.
    pub id_delta: u64,
    /// The operation (`None`: the request's).
    pub operation: Option<u8>,
    /// The status (`None`: what serving the request gave).
    pub status: Option<i16>,
    /// Added (wrapping) to the `rsp_prod` an honest backend publishes after the response:
    /// 1 runs one past it, `RingIdx::MAX` one behind, anything else anywhere.
    pub rsp_prod_delta: RingIdx,
}

/// A request as the backend saw it, and its outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenBlkReq {
    pub operation: u8,
    pub id: u64,
    pub sector: u64,
    pub nr_segments: u8,
    pub status: i16,
    /// The guest frames its segments granted (0 for a reference that is not granted).
    pub frames: Vec<u32>,
    /// Which notification (or yield) of the guest made the backend see it: requests with
    /// the same number were all on the ring together.
    pub round: u64,
}

/// A request consumed and not answered yet (see [`BlkFaults::late`]).
#[derive(Clone, Debug)]
struct Deferred {
    /// The guest's yield count when it completes.
    due: u64,
    id: u64,
    op: u8,
    sector: u64,
    nsegs: u8,
    segs: [BlkifRequestSegment; BLKIF_MAX_SEGMENTS_PER_REQUEST],
    /// Its outcome when decided at consumption (an injected error).
    status: Option<i16>,
    /// Grants mapped since consumption (Linux blkback), unmapped at completion.
    pinned: Vec<GrantRef>,
    /// Index in `seen`, whose status is filled in at completion.
    seen: usize,
}

#[derive(Clone, Copy, Debug)]
struct Conn {
    ring_ref: GrantRef,
    ring_gfn: u32,
    port: EvtchnPort,
    abi: Abi,
    req_cons: RingIdx,
    rsp_prod_pvt: RingIdx,
    /// Bytes per unit of `sector_number`, `first_sect`, `last_sect`.
    unit: u64,
}

pub struct SimBlkback {
    pub vdev: u32,
    pub disk: Vec<u8>,
    pub cfg: VbdConfig,
    /// Flushes served.
    pub flushes: u32,
    /// The backend's domain (QEMU: 0).
    pub domid: Domid,
    /// Absolute frontend and backend directories.
    pub fe: String,
    pub be: String,
    pub state: XenbusState,
    pub faults: BlkFaults,
    pub seen: Vec<SeenBlkReq>,
    /// Gone: nodes removed or closed, no more responses.
    pub gone: bool,
    /// Why the handshake failed, if it did.
    pub error: Option<String>,
    conn: Option<Conn>,
    /// Requests held back (see [`BlkFaults::late`]).
    late: Vec<Deferred>,
    /// Requests consumed that will never be answered ([`BlkFaults::no_response`]).
    lost: usize,
    /// Data grants kept mapped after their request ([`BlkFaults::hold_grants`]) until the
    /// backend disconnects.
    held: Vec<GrantRef>,
    /// Forged responses held back: (due yield count, the request's id, operation and
    /// status, the forgery).
    forged_late: Vec<(u64, u64, u8, i16, ForgedRsp)>,
    /// Written 512-byte units past the `Vec` (see [`VbdConfig::virtual_len`]).
    high: std::collections::BTreeMap<u64, Vec<u8>>,
    rounds: u64,
}

impl SimBlkback {
    /// The disk's size in bytes.
    pub fn len(&self) -> u64 {
        self.cfg.virtual_len.unwrap_or(self.disk.len() as u64)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes `start..end` of the disk (multiples of 512).
    pub fn bytes(&self, start: u64, end: u64) -> Vec<u8> {
        let mut out = Vec::new();
        let mut at = start;
        while at < end {
            if at < self.disk.len() as u64 {
                let stop = end.min(self.disk.len() as u64);
                out.extend_from_slice(&self.disk[at as usize..stop as usize]);
                at = stop;
                continue;
            }
            let unit = at / SECTOR;
            match self.high.get(&unit) {
                Some(s) => out.extend_from_slice(s),
                None => out.extend(crate::FakeDisk::pattern(unit, SECTOR as u32)),
            }
            at += SECTOR;
        }
        out
    }

    fn store_bytes(&mut self, start: u64, data: &[u8]) {
        for (k, chunk) in data.chunks(SECTOR as usize).enumerate() {
            let at = start + k as u64 * SECTOR;
            if at < self.disk.len() as u64 {
                self.disk[at as usize..at as usize + chunk.len()].copy_from_slice(chunk);
            } else {
                self.high.insert(at / SECTOR, chunk.to_vec());
            }
        }
    }

    pub fn connected(&self) -> bool {
        self.conn.is_some()
    }
    /// Requests consumed from the ring and not answered: performed later, or never.
    pub fn in_flight(&self) -> usize {
        self.late.len() + self.lost
    }
    /// The layout the frontend chose, once connected.
    pub fn abi(&self) -> Option<Abi> {
        self.conn.map(|c| c.abi)
    }
    /// The frontend closed the port: the backend can no longer be notified nor notify.
    pub(super) fn port_closed(&mut self) {
        if let Some(c) = self.conn.as_mut() {
            c.port = 0;
        }
    }
}

/// A number as a frontend writes it into xenstore (Xen's docs/misc/xenstore-paths: an
/// INTEGER node holds a decimal string): digits only, optionally NUL-terminated. Anything
/// else (empty, signs, spaces, overflow) is not a number here.
fn parse_num(v: Option<&[u8]>) -> Option<u64> {
    let v = v?;
    let digits = v.strip_suffix(&[0]).unwrap_or(v);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

impl XenState {
    /// A disk at `device/vbd/<vdev>` whose backend (domain 0) waits in `InitWait` with the
    /// nodes QEMU writes. Returns its index in `backs`.
    pub fn add_vbd(&mut self, vdev: u32, disk: Vec<u8>) -> usize {
        self.add_vbd_with(vdev, disk, VbdConfig::default())
    }

    /// A disk as [`XenState::add_vbd`], described by `vc`.
    pub fn add_vbd_with(&mut self, vdev: u32, disk: Vec<u8>, vc: VbdConfig) -> usize {
        let domid = self.cfg.domid;
        let fe = format!("/local/domain/{domid}/device/vbd/{vdev}");
        let be = format!("/local/domain/0/backend/qdisk/{domid}/{vdev}");
        let st = &mut self.store;
        let w = |st: &mut super::SimStore, dir: &str, node: &str, v: &str| {
            st.write(&format!("{dir}/{node}"), v.as_bytes())
        };
        w(st, &fe, XENBUS_NODE_BACKEND, &be);
        w(st, &fe, XENBUS_NODE_BACKEND_ID, "0");
        w(
            st,
            &fe,
            XENBUS_NODE_STATE,
            XenbusState::Initialising.as_str(),
        );
        w(st, &fe, XENBUS_NODE_VIRTUAL_DEVICE, &vdev.to_string());
        w(st, &fe, XENBUS_NODE_DEVICE_TYPE, vc.device_type);
        w(st, &be, "frontend", &fe);
        w(st, &be, "frontend-id", &domid.to_string());
        w(st, &be, "online", "1");
        w(st, &be, XENBUS_NODE_MODE, vc.mode);
        // What libxl writes before the backend runs: state Initialising.
        w(
            st,
            &be,
            XENBUS_NODE_STATE,
            XenbusState::Initialising.as_str(),
        );
        // An empty QEMU CD stays so: QEMU never created the device.
        let state = if vc.medium || vc.linux_blkback {
            Self::blk_publish(st, &be, &vc, vc.virtual_len.unwrap_or(disk.len() as u64));
            XenbusState::InitWait
        } else {
            XenbusState::Initialising
        };
        st.changed = false;
        self.backs.push(SimBlkback {
            vdev,
            disk,
            cfg: vc,
            flushes: 0,
            domid: 0,
            fe,
            be,
            state,
            faults: BlkFaults::default(),
            seen: Vec::new(),
            gone: false,
            error: None,
            conn: None,
            late: Vec::new(),
            lost: 0,
            held: Vec::new(),
            forged_late: Vec::new(),
            high: Default::default(),
            rounds: 0,
        });
        self.backs.len() - 1
    }

    /// What the backend writes when it starts serving the VBD: its nodes (see
    /// [`XenState::write_disk_nodes`]), `feature-flush-cache`, `InitWait`.
    fn blk_publish(st: &mut super::SimStore, be: &str, vc: &VbdConfig, bytes: u64) {
        if !vc.linux_blkback {
            Self::write_disk_nodes(st, be, vc, bytes);
        }
        if vc.flush {
            st.write(
                &format!("{be}/{XENBUS_NODE_FEATURE_FLUSH_CACHE}"),
                b"1".as_slice(),
            );
        }
        st.write(
            &format!("{be}/{XENBUS_NODE_STATE}"),
            XenbusState::InitWait.as_str().as_bytes(),
        );
    }

    /// A CD-ROM gets the medium `disk` (or a new one): an empty QEMU CD's backend starts
    /// serving (`InitWait`, its nodes written, as if created now); a connected QEMU backend
    /// rewrites `sectors` and its `state` as its resize callback does; a blkback without a
    /// medium (in `InitWait`) can now connect, and does if the frontend already asked.
    pub fn blk_insert_medium(&mut self, i: usize, disk: Vec<u8>) {
        let b = &mut self.backs[i];
        let (be, state) = (b.be.clone(), b.state);
        b.disk = disk;
        b.cfg.medium = true;
        let vc = b.cfg.clone();
        let bytes = self.backs[i].len();
        match state {
            XenbusState::Initialising => {
                Self::blk_publish(&mut self.store, &be, &vc, bytes);
                self.backs[i].state = XenbusState::InitWait;
            }
            XenbusState::Connected => {
                Self::write_disk_nodes(&mut self.store, &be, &vc, bytes);
                self.set_be_state(i, XenbusState::Connected);
            }
            _ => self.blk_watch(i),
        }
        self.store.changed = false;
    }

    /// `sectors`, `sector-size`, `info`: QEMU at creation, Linux blkback at connection.
    fn write_disk_nodes(st: &mut super::SimStore, be: &str, vc: &VbdConfig, bytes: u64) {
        let unit = if vc.linux_blkback {
            SECTOR
        } else {
            u64::from(vc.sector_size)
        };
        let w = |st: &mut super::SimStore, node: &str, v: String| {
            st.write(&format!("{be}/{node}"), v.as_bytes())
        };
        w(st, XENBUS_NODE_SECTORS, (bytes / unit).to_string());
        w(st, XENBUS_NODE_SECTOR_SIZE, vc.sector_size.to_string());
        w(st, XENBUS_NODE_INFO, vc.info.to_string());
    }

    /// The backend goes away: its nodes removed (`remove_nodes`) or its state `Closed`; it
    /// answers nothing from now on.
    pub fn blk_disappear(&mut self, i: usize, remove_nodes: bool) {
        let be = self.backs[i].be.clone();
        if remove_nodes {
            self.store.rm(&be);
        } else {
            self.store.write(
                &format!("{be}/{XENBUS_NODE_STATE}"),
                XenbusState::Closed.as_str().as_bytes(),
            );
        }
        self.store.changed = false;
        let b = &mut self.backs[i];
        b.gone = true;
        b.state = XenbusState::Closed;
    }

    fn set_be_state(&mut self, i: usize, state: XenbusState) {
        let path = format!("{}/{XENBUS_NODE_STATE}", self.backs[i].be);
        self.store.write(&path, state.as_str().as_bytes());
        self.backs[i].state = state;
    }

    fn blk_fail(&mut self, i: usize, why: &str) {
        let path = format!("{}/error", self.backs[i].be);
        self.store.write(&path, why.as_bytes());
        self.backs[i].error = Some(why.to_string());
        self.set_be_state(i, XenbusState::Closing);
    }

    /// React to the frontend's state (the simulated watch on its `state` node).
    pub(super) fn blk_watch(&mut self, i: usize) {
        let b = &self.backs[i];
        // An empty QEMU CD: no device behind the nodes.
        if b.gone || !(b.cfg.medium || b.cfg.linux_blkback) {
            return;
        }
        let fe = self.backs[i].fe.clone();
        let fe_state = parse_num(self.store.read(&format!("{fe}/{XENBUS_NODE_STATE}")))
            .and_then(|v| XenbusState::from_u32(v as u32));
        match (self.backs[i].state, fe_state) {
            // Linux blkback connects only with a physical device (`xen_update_blkif_status`).
            (XenbusState::InitWait, Some(XenbusState::Initialised | XenbusState::Connected))
                if self.backs[i].cfg.medium =>
            {
                self.blk_connect(i)
            }
            (XenbusState::Connected | XenbusState::InitWait, Some(XenbusState::Closing)) => {
                self.set_be_state(i, XenbusState::Closing)
            }
            (s, Some(XenbusState::Closed | XenbusState::Unknown)) if s != XenbusState::Closed => {
                self.blk_disconnect(i);
                self.set_be_state(i, XenbusState::Closed);
            }
            (XenbusState::Closed, Some(XenbusState::Initialising)) => {
                self.set_be_state(i, XenbusState::InitWait)
            }
            _ => {}
        }
    }

    fn blk_connect(&mut self, i: usize) {
        let fe = self.backs[i].fe.clone();
        let node = |s: &Self, n: &str| s.store.read(&format!("{fe}/{n}")).map(|v| v.to_vec());
        let Some(ring_ref) = parse_num(node(self, XENBUS_NODE_RING_REF).as_deref()) else {
            return self.blk_fail(i, "reading ring-ref");
        };
        let Some(port) = parse_num(node(self, XENBUS_NODE_EVENT_CHANNEL).as_deref()) else {
            return self.blk_fail(i, "reading event-channel");
        };
        let abi = match node(self, XENBUS_NODE_PROTOCOL).as_deref() {
            None => Abi::X86_64,
            Some(p) if p == XEN_IO_PROTO_ABI_X86_64.as_bytes() => Abi::X86_64,
            Some(p) if p == XEN_IO_PROTO_ABI_X86_32.as_bytes() => Abi::X86_32,
            Some(_) => return self.blk_fail(i, "unknown protocol"),
        };
        let (Ok(ring_ref), Ok(port)) = (GrantRef::try_from(ring_ref), EvtchnPort::try_from(port))
        else {
            return self.blk_fail(i, "ring-ref or event-channel out of range");
        };
        let vc = self.backs[i].cfg.clone();
        let large = parse_num(node(self, NODE_FEATURE_LARGE_SECTOR_SIZE).as_deref()) == Some(1);
        let unit = if vc.linux_blkback || vc.sector_size == BLKIF_SECTOR_SIZE as u32 {
            SECTOR
        } else if large {
            u64::from(vc.sector_size)
        } else {
            return self.blk_fail(i, "logical_block_size != 512 not supported by frontend");
        };
        let domid = self.backs[i].domid;
        match self.ports.get(&port) {
            Some(Port::Unbound { remote }) if *remote == domid => {}
            _ => return self.blk_fail(i, "binding event-channel"),
        }
        let ring_gfn = match self.grant_map(ring_ref, domid, true) {
            Ok(g) => g,
            Err(e) => return self.blk_fail(i, &format!("mapping ring-ref: {e:?}")),
        };
        self.ports.insert(
            port,
            Port::Bound {
                remote: domid,
                peer: Peer::Blkback(i),
            },
        );
        self.backs[i].conn = Some(Conn {
            ring_ref,
            ring_gfn,
            port,
            abi,
            req_cons: 0,
            rsp_prod_pvt: 0,
            unit,
        });
        if vc.linux_blkback {
            let be = self.backs[i].be.clone();
            let len = self.backs[i].len();
            Self::write_disk_nodes(&mut self.store, &be, &vc, len);
        }
        self.set_be_state(i, XenbusState::Connected);
    }

    /// Disconnect as the backends do: requests in progress complete first (QEMU and
    /// blkback drain before they close), grants kept mapped are let go, requests not
    /// consumed yet are dropped with the ring.
    fn blk_disconnect(&mut self, i: usize) {
        let late = std::mem::take(&mut self.backs[i].late);
        for d in late {
            self.blk_complete(i, d);
        }
        if !self.backs[i].faults.hold_after_close {
            for gref in std::mem::take(&mut self.backs[i].held) {
                self.grant_unmap(gref);
            }
        }
        self.backs[i].lost = 0;
        // What a hostile backend had still to say was for this ring.
        self.backs[i].forged_late.clear();
        if let Some(c) = self.backs[i].conn.take() {
            self.grant_unmap(c.ring_ref);
            if let Some(Port::Bound { remote, .. }) = self.ports.get(&c.port).copied() {
                self.ports.insert(c.port, Port::Unbound { remote });
            }
        }
    }

    /// Consume and answer the requests on the ring.
    pub(super) fn blk_service(&mut self, i: usize) {
        let b = &self.backs[i];
        if b.gone || b.faults.stalled {
            return;
        }
        let Some(c) = b.conn else {
            return;
        };
        let mem = self.mem.clone();
        let ring = c.ring_gfn << PAGE_SHIFT;
        let req_prod = mem.read_u32(ring + REQ_PROD);
        if req_prod.wrapping_sub(c.req_cons) > c.abi.ring_size() {
            return self.blk_fail(i, "frontend ring overflow");
        }
        let mut cons = c.req_cons;
        self.backs[i].rounds += 1;
        let round = self.backs[i].rounds;
        while cons != req_prod {
            let slot = ring_slot(cons, c.abi.ring_size());
            let at = ring + SRING_HEADER_SIZE as u32 + slot * c.abi.entry_size();
            cons = cons.wrapping_add(1);
            let (op, nsegs, id, sector, segs) = match c.abi {
                Abi::X86_32 => {
                    let r: x86_32::BlkifRequest = mem.read_obj(at);
                    (r.operation, r.nr_segments, r.id, r.sector_number, r.seg)
                }
                Abi::X86_64 => {
                    let r: x86_64::BlkifRequest = mem.read_obj(at);
                    (r.operation, r.nr_segments, r.id, r.sector_number, r.seg)
                }
            };
            let nsegs_used = usize::from(nsegs).min(BLKIF_MAX_SEGMENTS_PER_REQUEST);
            let frames = segs[..nsegs_used]
                .iter()
                .map(|g| self.granted_frame(g.gref).unwrap_or(0))
                .collect();
            let faults = &mut self.backs[i].faults;
            let forced = if faults.error_after > 0 {
                faults.error_after -= 1;
                None
            } else if faults.error_status > 0 {
                faults.error_status -= 1;
                Some(BLKIF_RSP_ERROR)
            } else {
                None
            };
            let late = faults.late > 0;
            if late {
                faults.late -= 1;
                let due = self.yields + faults.late_yields;
                let domid = self.backs[i].domid;
                let pinned = if self.backs[i].cfg.linux_blkback {
                    let write = op == BLKIF_OP_READ;
                    segs[..nsegs_used]
                        .iter()
                        .filter(|g| self.grant_map(g.gref, domid, write).is_ok())
                        .map(|g| g.gref)
                        .collect()
                } else {
                    Vec::new()
                };
                let seen = self.backs[i].seen.len();
                self.backs[i].late.push(Deferred {
                    due,
                    id,
                    op,
                    sector,
                    nsegs,
                    segs,
                    status: forced,
                    pinned,
                    seen,
                });
            }
            let status = match forced {
                Some(s) => s,
                None if late => BLKIF_RSP_OKAY,
                None => self.blk_do(i, c.unit, op, nsegs, sector, &segs),
            };
            self.backs[i].seen.push(SeenBlkReq {
                operation: op,
                id,
                sector,
                nr_segments: nsegs,
                status,
                frames,
                round,
            });
            if late {
                continue;
            }
            let faults = &mut self.backs[i].faults;
            if let Some(forged) = faults.forged.pop_front() {
                let b = &mut self.backs[i];
                for f in forged {
                    let due = self.yields + f.delay_yields;
                    b.forged_late.push((due, id, op, status, f));
                }
                continue;
            }
            if faults.no_response > 0 {
                faults.no_response -= 1;
                self.backs[i].lost += 1;
                continue;
            }
            self.blk_respond(i, id, op, status);
        }
        if let Some(conn) = self.backs[i].conn.as_mut() {
            conn.req_cons = cons;
        }
        self.blk_forged(i);
        // RING_FINAL_CHECK_FOR_REQUESTS: ask for a notification at the next request.
        mem.clone()
            .write_u32(ring + REQ_EVENT, cons.wrapping_add(1));
        if mem.read_u32(ring + REQ_PROD) != cons && !self.backs[i].gone {
            self.blk_service(i);
        }
    }

    /// Perform and answer held-back requests that are due (write forged responses too).
    pub(super) fn blk_late(&mut self, i: usize) {
        let yields = self.yields;
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.backs[i].late)
            .into_iter()
            .partition(|d| d.due <= yields);
        self.backs[i].late = later;
        for d in due {
            if !self.backs[i].gone {
                self.blk_complete(i, d);
            }
        }
        self.blk_forged(i);
    }

    /// Write the forged responses that are due.
    fn blk_forged(&mut self, i: usize) {
        let yields = self.yields;
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.backs[i].forged_late)
            .into_iter()
            .partition(|r| r.0 <= yields);
        self.backs[i].forged_late = later;
        for (_, id, op, status, f) in due {
            if !self.backs[i].gone {
                let (id, op) = (id.wrapping_add(f.id_delta), f.operation.unwrap_or(op));
                let status = f.status.unwrap_or(status);
                self.blk_put_response(i, id, op, status, 1, f.rsp_prod_delta);
            }
        }
    }

    /// Perform a held-back request now, through the grants as they are now, and answer it.
    fn blk_complete(&mut self, i: usize, d: Deferred) {
        let Some(c) = self.backs[i].conn else {
            return;
        };
        let status = match d.status {
            Some(s) => s,
            None => self.blk_do(i, c.unit, d.op, d.nsegs, d.sector, &d.segs),
        };
        for gref in d.pinned {
            self.grant_unmap(gref);
        }
        if let Some(seen) = self.backs[i].seen.get_mut(d.seen) {
            seen.status = status;
        }
        self.blk_respond(i, d.id, d.op, status);
    }

    fn blk_respond(&mut self, i: usize, mut id: u64, mut op: u8, status: i16) {
        let faults = &mut self.backs[i].faults;
        if faults.bogus_id > 0 {
            faults.bogus_id -= 1;
            id ^= BOGUS_ID_BIT;
        }
        if faults.wrong_op > 0 {
            faults.wrong_op -= 1;
            op = if op == BLKIF_OP_READ {
                BLKIF_OP_WRITE
            } else {
                BLKIF_OP_READ
            };
        }
        let copies = if faults.duplicate > 0 {
            faults.duplicate -= 1;
            2
        } else {
            1
        };
        let jump = std::mem::take(&mut faults.rsp_prod_jump);
        let one_past = std::mem::take(&mut faults.rsp_prod_one_past);
        let rsp_prod_delta = if jump {
            BLK_RSP_PROD_JUMP
        } else if one_past {
            1
        } else {
            0
        };
        self.blk_put_response(i, id, op, status, copies, rsp_prod_delta);
    }

    /// Write `copies` responses in the next slots and publish `rsp_prod` (moved by
    /// `rsp_prod_delta` from the honest value), then notify the guest.
    fn blk_put_response(
        &mut self,
        i: usize,
        id: u64,
        op: u8,
        status: i16,
        copies: u32,
        rsp_prod_delta: RingIdx,
    ) {
        let Some(mut c) = self.backs[i].conn else {
            return;
        };
        let mut mem = self.mem.clone();
        let ring = c.ring_gfn << PAGE_SHIFT;
        for _ in 0..copies {
            let slot = ring_slot(c.rsp_prod_pvt, c.abi.ring_size());
            let at = ring + SRING_HEADER_SIZE as u32 + slot * c.abi.entry_size();
            match c.abi {
                Abi::X86_32 => mem.write_obj(
                    at,
                    &x86_32::BlkifResponse {
                        id,
                        operation: op,
                        _pad0: 0,
                        status,
                    },
                ),
                Abi::X86_64 => mem.write_obj(
                    at,
                    &x86_64::BlkifResponse {
                        id,
                        operation: op,
                        status,
                        ..Default::default()
                    },
                ),
            }
            c.rsp_prod_pvt = c.rsp_prod_pvt.wrapping_add(1);
        }
        mem.write_u32(ring + RSP_PROD, c.rsp_prod_pvt.wrapping_add(rsp_prod_delta));
        if let Some(conn) = self.backs[i].conn.as_mut() {
            conn.rsp_prod_pvt = c.rsp_prod_pvt;
        }
        if c.port != 0 {
            self.notify_guest(c.port);
        }
    }

    /// The frame grant `gref` of the frontend's domain names, if it is a valid grant.
    fn granted_frame(&self, gref: GrantRef) -> Option<u32> {
        let addr = self.grant_entry_addr(gref)?;
        let flags = self
            .mem
            .read_u16(addr + std::mem::offset_of!(GrantEntryV1, flags) as u32);
        (flags & GTF_PERMIT_ACCESS != 0).then(|| {
            self.mem
                .read_u32(addr + std::mem::offset_of!(GrantEntryV1, frame) as u32)
        })
    }

    /// Perform one read, write or flush; the status for the response.
    #[allow(clippy::too_many_arguments)]
    fn blk_do(
        &mut self,
        i: usize,
        unit: u64,
        op: u8,
        nsegs: u8,
        sector: u64,
        segs: &[BlkifRequestSegment; BLKIF_MAX_SEGMENTS_PER_REQUEST],
    ) -> i16 {
        let vc = &self.backs[i].cfg;
        let ss = u64::from(vc.sector_size);
        let read_only = vc.mode == "r" || vc.info & VDISK_READONLY != 0;
        match op {
            BLKIF_OP_FLUSH_DISKCACHE if vc.flush => {
                self.backs[i].flushes += 1;
                return BLKIF_RSP_OKAY;
            }
            BLKIF_OP_READ => {}
            BLKIF_OP_WRITE if !read_only => {}
            BLKIF_OP_WRITE => return BLKIF_RSP_ERROR,
            _ => return BLKIF_RSP_EOPNOTSUPP,
        }
        let n = nsegs as usize;
        if n == 0 || n > BLKIF_MAX_SEGMENTS_PER_REQUEST {
            return BLKIF_RSP_ERROR;
        }
        // Transfers must be whole logical sectors (blkback and QEMU both check).
        // A sector number no disk has (a corrupt request) is an error, not an overflow.
        if !sector
            .checked_mul(unit)
            .is_some_and(|b| b.is_multiple_of(ss))
        {
            return BLKIF_RSP_ERROR;
        }
        let domid = self.backs[i].domid;
        let hold = self.backs[i].faults.hold_grants;
        let mut mem = self.mem.clone();
        let mut at_sector = sector;
        let per_page = u64::from(PAGE) / unit;
        for seg in &segs[..n] {
            if seg.first_sect > seg.last_sect || u64::from(seg.last_sect) >= per_page {
                return BLKIF_RSP_ERROR;
            }
            let count = u64::from(seg.last_sect - seg.first_sect) + 1;
            if !(count * unit).is_multiple_of(ss)
                || !(u64::from(seg.first_sect) * unit).is_multiple_of(ss)
            {
                return BLKIF_RSP_ERROR;
            }
            let start = at_sector.saturating_mul(unit);
            let end = start.saturating_add(count * unit);
            if end > self.backs[i].len() {
                return BLKIF_RSP_ERROR;
            }
            // A read writes into the guest's page, a write reads it.
            let gfn = match self.grant_map(seg.gref, domid, op == BLKIF_OP_READ) {
                Ok(g) => g,
                Err(
                    GrantMapError::BadRef | GrantMapError::NotGranted | GrantMapError::ReadOnly,
                ) => {
                    return BLKIF_RSP_ERROR;
                }
            };
            let addr = (gfn << PAGE_SHIFT) + u32::from(seg.first_sect) * unit as u32;
            if op == BLKIF_OP_READ {
                mem.write(addr, &self.backs[i].bytes(start, end));
            } else {
                let mut buf = vec![0; (end - start) as usize];
                mem.read(addr, &mut buf);
                self.backs[i].store_bytes(start, &buf);
            }
            if hold {
                self.backs[i].held.push(seg.gref);
            } else {
                self.grant_unmap(seg.gref);
            }
            at_sector += count;
        }
        BLKIF_RSP_OKAY
    }
}
