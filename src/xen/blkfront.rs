//! Xen PV block frontend: one [`XenDisk`] per `device/vbd/<vdev>`, a [`BlockDevice`] that
//! int13 and boot use like any other drive.
//!
//! # Handshake (POST, [`probe`])
//!
//! For each VBD, in `virtual-device` order: read `backend` and `backend-id`; wait (bounded)
//! for the backend's `InitWait` (a backend left `Connected`/`Closing`/`Closed` by an earlier
//! stage, a reboot say, is first walked back to `InitWait` the way Linux resets a frontend
//! after kexec); grant it the ring page and allocate an event channel for it; write
//! `ring-ref`, `event-channel` and `protocol` in one transaction; go `Initialised`; wait for
//! `Connected`; read `sectors`, `sector-size`, `info`, `mode`, `feature-flush-cache` and
//! the frontend's `device-type`; go `Connected`. A VBD that fails a step is skipped with a
//! log line saying why (its frontend left `Closed`, its grant and port released); POST goes
//! on.
//!
//! # Units and sector sizes
//!
//! Ring requests count 512-byte units (`sector_number`, `first_sect`, `last_sect`), and
//! transfers must be aligned to the backend's `sector-size`. A backend that announces a
//! sector size other than 512 *before* the frontend connects (QEMU's `xen-block` does, and
//! refuses to connect such a disk unless the frontend writes `feature-large-sector-size`)
//! is given `feature-large-sector-size = 1`, and then counts every sector quantity in
//! `sector-size` units (Xen's blkif.h from 4.12 to 4.18, and QEMU 10 as shipped). A backend
//! that announces its sector size only at `Connected` (Linux blkback) keeps 512-byte units.
//! The node is removed again once connected, so that the OS's own frontend is not taken for
//! one that asked for it.
//!
//! # Requests
//!
//! A transfer is cut into batches of at most [`BATCH_REQUESTS`] requests of up to
//! [`BLKIF_MAX_SEGMENTS_PER_REQUEST`] segments, a segment being the part of the transfer in
//! one 4 KiB page: a 64 KiB int13 call is one batch. Every request of a batch is on the ring
//! before the backend is notified (once, if its `req_event` asks for it) and before the
//! firmware waits. The caller's own frames are granted when the buffer is aligned to the
//! sector size and lies in RAM the guest owns; otherwise data goes through the
//! [`BOUNCE_PAGES`] bounce pages the disks share. Responses are checked before anything
//! is believed: the producer index must not run ahead of the requests made, the id must be
//! one in flight (answers to requests abandoned after a timeout are recognised and dropped),
//! the operation must match. Only then is bounce data copied and are sectors counted: a
//! failure reports the sectors of the requests before the first failed one, in order.
//!
//! Errors become int13 codes: a backend error is 10h (read) or CCh (write), an unsupported
//! operation 01h, no answer in time 80h, a backend that breaks the protocol 20h (and the
//! disk answers 20h from then on). Every grant is revoked after its request; one the backend
//! still maps is logged and never handed out again, and if it is a bounce page the bounce
//! pages are not used again.
//!
//! # Hand-off
//!
//! The frontend stays `Connected` when the OS starts: loaders and the kernel's real-mode
//! setup use int13 until the very end, and legacy boot has no "exit boot services". Linux
//! resets frontends it finds `Connected` or `Closed` (`xenbus_reset_state`), see
//! `docs/handoff.md`.

use super::evtchn;
use super::grant::GrantError;
use super::wait::{DEFAULT_TIMEOUT_US, Timeout, wait_for};
use super::xenstore::{self, Xs, XsError, XsPath};
use super::{Text, Xen};
use crate::bios::{Bios, Ctx};
use crate::block::{
    BlockDevice, Capacity, DiskError, DriveInfo, DriveKind, DriveName, Drives, Interface, IoError,
    PciAddr,
};
use crate::mem::{Memory, MemoryExt};
use core::cell::Cell;
use core::fmt::{self, Write};
use core::mem::{offset_of, size_of};
use xen_headers::event_channel::EvtchnPort;
use xen_headers::grant_table::GrantRef;
use xen_headers::io::blkif::{
    BLKIF_MAX_SEGMENTS_PER_REQUEST, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_READ, BLKIF_OP_WRITE,
    BLKIF_RSP_EOPNOTSUPP, BLKIF_RSP_ERROR, BLKIF_RSP_OKAY, BLKIF_SECTOR_SIZE, BlkifRequestSegment,
    BlkifVdev, VDISK_CDROM, VDISK_READONLY, VDISK_REMOVABLE, Vbd, VbdKind, XENBUS_NODE_BACKEND,
    XENBUS_NODE_BACKEND_ID, XENBUS_NODE_DEVICE_TYPE, XENBUS_NODE_EVENT_CHANNEL,
    XENBUS_NODE_FEATURE_FLUSH_CACHE, XENBUS_NODE_INFO, XENBUS_NODE_MODE, XENBUS_NODE_PROTOCOL,
    XENBUS_NODE_RING_REF, XENBUS_NODE_SECTOR_SIZE, XENBUS_NODE_SECTORS, XENBUS_NODE_STATE,
    XENSTORE_VBD_DIR, x86_32, x86_64,
};
use xen_headers::io::ring::{
    FrontRing, RingIdx, SRING_HEADER_SIZE, SharedRingIndices, SringHeader,
};
use xen_headers::io::xenbus::XenbusState;
use xen_headers::xen::Domid;
use xen_headers::{XEN_PAGE_SHIFT, XEN_PAGE_SIZE};

const TAG: &str = "blkfront";
const PAGE: u32 = XEN_PAGE_SIZE as u32;
const SECTOR: u32 = BLKIF_SECTOR_SIZE as u32;
const SECTOR_SHIFT: u32 = SECTOR.trailing_zeros();
const MAX_SEGS: usize = BLKIF_MAX_SEGMENTS_PER_REQUEST;
/// Requests one batch may put on the ring before waiting: 33 pages, enough for a 64 KiB
/// int13 call at any alignment.
pub const BATCH_REQUESTS: usize = 3;
const BATCH_PAGES: u32 = (BATCH_REQUESTS * MAX_SEGS) as u32;
/// Bounce pages shared by all PV disks (one 64 KiB int13 call).
pub const BOUNCE_PAGES: u32 = 16;
/// PV disks POST connects at most (each takes a ring page and a registry slot).
pub const MAX_VBDS: usize = 8;
/// Room for the `device/vbd` listing ("51712\0" per disk, longer for extended numbers).
const VBD_LIST_MAX: usize = 256;
/// How long one I/O batch may take.
pub const IO_TIMEOUT_US: u64 = 10_000_000;
/// The value of a boolean `feature-*` node that says yes.
const FEATURE_ON: u64 = 1;
/// A frontend node (blkif.h, deprecated since Xen 4.19): "I count sectors in `sector-size`
/// units". QEMU refuses a disk whose sector size is not 512 to a frontend without it.
const NODE_FEATURE_LARGE_SECTOR_SIZE: &str = "feature-large-sector-size";
/// `device-type` of a CD-ROM, and `mode` of a read-only disk.
const DEVICE_TYPE_CDROM: &str = "cdrom";
const MODE_READ_ONLY: &str = "r";
/// A CD-ROM's sectors for int13 (El Torito, EDD).
const CD_SECTOR: u32 = 2048;
/// The `error` node a backend explains a failure in.
const NODE_ERROR: &str = "error";

/// Where the fields of a blkif request and response are in one of the two ring layouts.
#[derive(Debug, PartialEq, Eq)]
pub struct Layout {
    /// The value for the frontend's `protocol` node.
    pub protocol: &'static str,
    entry: u32,
    ring_size: u32,
    op: usize,
    nr_segments: usize,
    handle: usize,
    id: usize,
    sector: usize,
    seg: usize,
    rsp_size: usize,
    rsp_id: usize,
    rsp_op: usize,
    rsp_status: usize,
}

macro_rules! layout {
    ($abi:ident) => {
        Layout {
            protocol: $abi::PROTOCOL,
            entry: size_of::<$abi::BlkifSringEntry>() as u32,
            ring_size: $abi::BLKIF_RING_SIZE,
            op: offset_of!($abi::BlkifRequest, operation),
            nr_segments: offset_of!($abi::BlkifRequest, nr_segments),
            handle: offset_of!($abi::BlkifRequest, handle),
            id: offset_of!($abi::BlkifRequest, id),
            sector: offset_of!($abi::BlkifRequest, sector_number),
            seg: offset_of!($abi::BlkifRequest, seg),
            rsp_size: size_of::<$abi::BlkifResponse>(),
            rsp_id: offset_of!($abi::BlkifResponse, id),
            rsp_op: offset_of!($abi::BlkifResponse, operation),
            rsp_status: offset_of!($abi::BlkifResponse, status),
        }
    };
}

/// The `x86_32-abi` layout.
pub const X86_32: Layout = layout!(x86_32);
/// The `x86_64-abi` layout: what QEMU and a 64-bit dom0 use natively, and what a 64-bit
/// Linux guest writes after us. The image uses it.
pub const X86_64: Layout = layout!(x86_64);

/// The largest ring entry and response of the two layouts.
const MAX_ENTRY: usize = size_of::<x86_64::BlkifSringEntry>();
const MAX_RSP: usize = size_of::<x86_64::BlkifResponse>();
const _: () = assert!(size_of::<x86_32::BlkifSringEntry>() <= MAX_ENTRY);
const _: () = assert!(size_of::<x86_32::BlkifResponse>() <= MAX_RSP);

const SEG_SIZE: usize = size_of::<BlkifRequestSegment>();
const SEG_GREF: usize = offset_of!(BlkifRequestSegment, gref);
const SEG_FIRST: usize = offset_of!(BlkifRequestSegment, first_sect);
const SEG_LAST: usize = offset_of!(BlkifRequestSegment, last_sect);

const REQ_PROD: u32 = offset_of!(SringHeader, req_prod) as u32;
const REQ_EVENT: u32 = offset_of!(SringHeader, req_event) as u32;
const RSP_PROD: u32 = offset_of!(SringHeader, rsp_prod) as u32;
const RSP_EVENT: u32 = offset_of!(SringHeader, rsp_event) as u32;

/// Knobs of the driver (tests shorten the timeouts, choose the layout).
#[derive(Clone, Copy, Debug)]
pub struct Config {
    pub layout: &'static Layout,
    /// Each handshake step (a backend state change).
    pub handshake_timeout_us: u64,
    /// Each I/O batch.
    pub io_timeout_us: u64,
}

impl Config {
    pub const DEFAULT: Config = Config {
        layout: &X86_64,
        handshake_timeout_us: DEFAULT_TIMEOUT_US,
        io_timeout_us: IO_TIMEOUT_US,
    };
}

/// The bounce pages all PV disks share (one transfer at a time: int13 is not re-entered).
pub struct Bounce {
    base: u32,
    /// A backend kept one of them mapped: they may change under us and are not used again.
    poisoned: Cell<bool>,
}

/// The ring page's index fields, through `Memory` (single volatile accesses in the image).
struct SharedRing<'a> {
    mem: &'a mut dyn Memory,
    base: u32,
}

impl SharedRingIndices for SharedRing<'_> {
    fn req_prod(&self) -> RingIdx {
        self.mem.read_u32(self.base + REQ_PROD)
    }
    fn set_req_prod(&mut self, v: RingIdx) {
        self.mem.write_u32(self.base + REQ_PROD, v)
    }
    fn req_event(&self) -> RingIdx {
        self.mem.read_u32(self.base + REQ_EVENT)
    }
    fn rsp_prod(&self) -> RingIdx {
        self.mem.read_u32(self.base + RSP_PROD)
    }
    fn rsp_event(&self) -> RingIdx {
        self.mem.read_u32(self.base + RSP_EVENT)
    }
    fn set_rsp_event(&mut self, v: RingIdx) {
        self.mem.write_u32(self.base + RSP_EVENT, v)
    }
}

/// A VBD's name as Linux gives it: `xvda`, `xvdab`, `hdb`, `sda1`; `vbd 12345` for numbers
/// outside the naming scheme.
pub struct VbdName(pub u32);

impl fmt::Display for VbdName {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let Some(v) = Vbd::decode(self.0) else {
            return write!(f, "vbd {}", self.0);
        };
        f.write_str(match v.kind {
            VbdKind::Xvd => "xvd",
            VbdKind::Sd => "sd",
            VbdKind::Hd => "hd",
        })?;
        // Disk n in bijective base 26: a..z, aa..az, ba.. (at most 4 letters for 2^20 disks).
        const LETTERS: u32 = 26;
        let mut letters = [0u8; 4];
        let mut i = letters.len();
        let mut n = v.disk + 1;
        while n > 0 && i > 0 {
            i -= 1;
            letters[i] = b'a' + ((n - 1) % LETTERS) as u8;
            n = (n - 1) / LETTERS;
        }
        for &b in &letters[i..] {
            f.write_char(b as char)?;
        }
        if v.partition != 0 {
            write!(f, "{}", v.partition)?;
        }
        Ok(())
    }
}

/// A request of the batch in flight.
#[derive(Clone, Copy)]
struct Pending {
    id: u32,
    bytes: u32,
    status: Option<i16>,
}

/// Where a transfer's data is: the caller's buffer, or nowhere (verify).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Buffer(u32),
    Discard,
}

/// What an I/O wait is for, for the log line when it times out.
struct IoWhat {
    vdev: u32,
    op: u8,
    sector: u64,
    count: u64,
    first_id: u32,
    last_id: u32,
}

impl fmt::Display for IoWhat {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "{} {} of sectors {}+{} (requests {}-{})",
            VbdName(self.vdev),
            Text(op_name(self.op)),
            self.sector,
            self.count,
            self.first_id,
            self.last_id
        )
    }
}

fn op_name(op: u8) -> &'static str {
    match op {
        BLKIF_OP_READ => "read",
        BLKIF_OP_WRITE => "write",
        BLKIF_OP_FLUSH_DISKCACHE => "flush",
        _ => "request",
    }
}

/// A connected PV disk.
pub struct XenDisk {
    info: DriveInfo,
    xen: &'static Xen,
    bounce: &'static Bounce,
    layout: &'static Layout,
    vdev: u32,
    backend: Domid,
    /// Linear address of the ring page.
    ring: u32,
    port: EvtchnPort,
    front: FrontRing,
    /// log2 of the unit of `sector_number`, `first_sect`, `last_sect` (9, or the sector
    /// size's with `feature-large-sector-size`).
    unit_shift: u32,
    /// The backend's sector size: offsets and lengths on the ring are multiples of it.
    align: u32,
    flush: bool,
    next_id: u32,
    /// Ids from here to the current batch belong to requests abandoned after a timeout:
    /// their answers may still come and are dropped.
    oldest: u32,
    /// The backend broke the protocol: the ring is not used again.
    broken: bool,
    io_timeout_us: u64,
    /// The caller's frames are granted only when the buffer is in RAM the guest owns: below
    /// the VGA hole, or from 1 MiB to here (where the firmware's own pages start).
    ram_top: u32,
}

impl XenDisk {
    pub fn vdev(&self) -> u32 {
        self.vdev
    }

    /// Can the caller's frames be granted for `bytes` at `buf`?
    fn direct(&self, buf: u32, bytes: u32) -> bool {
        let end = u64::from(buf) + u64::from(bytes);
        let low = end <= u64::from(crate::layout::LOW_MEM_END);
        let high = u64::from(buf) >= crate::zone::HIGH_LOWEST && end <= u64::from(self.ram_top);
        buf.is_multiple_of(self.align) && (low || high)
    }

    fn fail(&self, what: &str) -> IoError {
        warn!(TAG, "{}: {}", VbdName(self.vdev), Text(what));
        IoError::new(DiskError::ControllerFailure, 0)
    }

    /// Move `bytes` at byte `offset` of the disk between it and `target`. On failure, the
    /// error and the bytes done before it.
    fn io(
        &mut self,
        ctx: &mut Ctx,
        op: u8,
        offset: u64,
        bytes: u32,
        target: Target,
    ) -> Result<(), (DiskError, u32)> {
        if self.broken {
            let e = self.fail("disabled after a protocol error");
            return Err((e.error, 0));
        }
        let direct = match target {
            Target::Buffer(b) => self.direct(b, bytes),
            Target::Discard => false,
        };
        if !direct && bytes > 0 && self.bounce.poisoned.get() {
            let e = self.fail("bounce pages unusable (a backend kept them mapped)");
            return Err((e.error, 0));
        }
        let mut done = 0;
        loop {
            let (addr, room) = match target {
                Target::Buffer(b) if direct => {
                    let a = b + done;
                    (a, BATCH_PAGES * PAGE - a % PAGE)
                }
                _ => (self.bounce.base, BOUNCE_PAGES * PAGE),
            };
            let len = (bytes - done).min(room);
            let user = match target {
                Target::Buffer(b) if !direct => Some(b + done),
                _ => None,
            };
            if let (Some(u), BLKIF_OP_WRITE) = (user, op) {
                copy(ctx.mem, u, addr, len);
            }
            let r = self.batch(ctx, op, offset + u64::from(done), len, addr);
            let ok = match r {
                Ok(n) | Err((_, n)) => n,
            };
            if let (Some(u), BLKIF_OP_READ) = (user, op) {
                copy(ctx.mem, addr, u, ok);
            }
            done += ok;
            if let Err((e, _)) = r {
                return Err((e, done));
            }
            if done >= bytes {
                return Ok(());
            }
        }
    }

    /// One batch: up to `len` bytes at byte `offset` of the disk, data in the pages from
    /// `addr` (0 bytes: one request without segments, a flush). The bytes done, all of
    /// them good.
    fn batch(
        &mut self,
        ctx: &mut Ctx,
        op: u8,
        offset: u64,
        len: u32,
        addr: u32,
    ) -> Result<u32, (DiskError, u32)> {
        let l = self.layout;
        if self.front.rsp_cons == self.front.req_prod_pvt {
            self.oldest = self.next_id;
        }
        let first_id = self.next_id;
        let mut grefs: [GrantRef; BATCH_PAGES as usize] = [0; BATCH_PAGES as usize];
        let mut ngrants = 0;
        let mut pend = [Pending {
            id: 0,
            bytes: 0,
            status: None,
        }; BATCH_REQUESTS];
        let mut npend = 0;
        let mut setup: Result<(), DiskError> = Ok(());
        let mut pos = 0;
        while npend < BATCH_REQUESTS && (pos < len || npend == 0) {
            if self.front.is_full() {
                warn!(TAG, "{}: ring full", VbdName(self.vdev));
                setup = Err(DiskError::ControllerFailure);
                break;
            }
            let mut req = [0u8; MAX_ENTRY];
            let start = pos;
            let mut nseg = 0;
            while nseg < MAX_SEGS && pos < len {
                let a = addr + pos;
                let off = a % PAGE;
                let n = (PAGE - off).min(len - pos);
                let grant = self.xen.grants.lock().grant(
                    ctx.mem,
                    self.backend,
                    a >> XEN_PAGE_SHIFT,
                    op == BLKIF_OP_WRITE,
                );
                let Ok(gref) = grant else {
                    setup = Err(DiskError::ControllerFailure);
                    break;
                };
                grefs[ngrants] = gref;
                ngrants += 1;
                let s = l.seg + nseg * SEG_SIZE;
                req[s + SEG_GREF..s + SEG_GREF + size_of::<GrantRef>()]
                    .copy_from_slice(&gref.to_le_bytes());
                req[s + SEG_FIRST] = (off >> self.unit_shift) as u8;
                req[s + SEG_LAST] = (((off + n) >> self.unit_shift) - 1) as u8;
                nseg += 1;
                pos += n;
            }
            if setup.is_err() {
                // The request with the missing grant is not sent.
                break;
            }
            let id = self.next_id;
            self.next_id = id.wrapping_add(1);
            req[l.op] = op;
            req[l.nr_segments] = nseg as u8;
            req[l.handle..l.handle + size_of::<BlkifVdev>()]
                .copy_from_slice(&(self.vdev as BlkifVdev).to_le_bytes());
            req[l.id..l.id + size_of::<u64>()].copy_from_slice(&u64::from(id).to_le_bytes());
            let sector = (offset + u64::from(start)) >> self.unit_shift;
            req[l.sector..l.sector + size_of::<u64>()].copy_from_slice(&sector.to_le_bytes());
            let Some(slot) = self.front.next_request_slot() else {
                break;
            };
            let at = self.ring + SRING_HEADER_SIZE as u32 + slot * l.entry;
            ctx.mem.write(at, &req[..l.entry as usize]);
            pend[npend] = Pending {
                id,
                bytes: pos - start,
                status: None,
            };
            npend += 1;
        }

        let mut timed_out = false;
        if npend > 0 {
            let notify = self.front.push_requests_and_check_notify(&mut SharedRing {
                mem: &mut *ctx.mem,
                base: self.ring,
            });
            if notify {
                // A failed notification is logged; the wait below then times out.
                let _ = evtchn::send(self.xen.hv, self.port);
            }
            let what = IoWhat {
                vdev: self.vdev,
                op,
                sector: offset >> SECTOR_SHIFT,
                count: u64::from(len >> SECTOR_SHIFT),
                first_id,
                last_id: self.next_id.wrapping_sub(1),
            };
            let t = Timeout::start(ctx.clock, self.io_timeout_us);
            let hv = self.xen.hv;
            let clock = ctx.clock;
            let pend = &mut pend[..npend];
            let done = wait_for(hv, clock, &t, TAG, &what, &mut || {
                self.collect(&mut *ctx.mem, pend, op, first_id);
                self.broken || pend.iter().all(|p| p.status.is_some())
            });
            timed_out = !done;
            self.xen
                .shared_info
                .test_and_clear_pending(ctx.mem, self.port);
        }

        self.end_grants(ctx.mem, &grefs[..ngrants], addr == self.bounce.base);

        let mut done = 0;
        for p in &pend[..npend] {
            match p.status {
                Some(BLKIF_RSP_OKAY) => done += p.bytes,
                Some(s) => return Err((self.status_error(op, p.id, s), done)),
                None if self.broken => return Err((DiskError::ControllerFailure, done)),
                None => {
                    debug_assert!(timed_out);
                    return Err((DiskError::Timeout, done));
                }
            }
        }
        setup.map(|()| done).map_err(|e| (e, done))
    }

    /// The int13 error for a response status.
    fn status_error(&self, op: u8, id: u32, status: i16) -> DiskError {
        warn!(
            TAG,
            "{}: {} request {id} failed (status {})",
            VbdName(self.vdev),
            Text(op_name(op)),
            i32::from(status)
        );
        match (status, op) {
            (BLKIF_RSP_ERROR, BLKIF_OP_READ) => DiskError::ReadError,
            (BLKIF_RSP_ERROR, _) => DiskError::WriteFault,
            (BLKIF_RSP_EOPNOTSUPP, _) => DiskError::BadCommand,
            _ => DiskError::ControllerFailure,
        }
    }

    /// Consume the responses on the ring, checking each, and mark the requests of `pend`
    /// they answer. A response that cannot be right breaks the disk.
    fn collect(&mut self, mem: &mut dyn Memory, pend: &mut [Pending], op: u8, first_id: u32) {
        let l = self.layout;
        let prod = mem.read_u32(self.ring + RSP_PROD);
        // Read the responses only after the index that covers them.
        mem.fence();
        let outstanding = self.front.req_prod_pvt.wrapping_sub(self.front.rsp_cons);
        if prod.wrapping_sub(self.front.rsp_cons) > outstanding {
            return self.protocol_error("rsp_prod runs ahead of the requests", u64::from(prod));
        }
        while let Some(slot) = self.front.next_response_slot(prod) {
            let mut rsp = [0u8; MAX_RSP];
            let at = self.ring + SRING_HEADER_SIZE as u32 + slot * l.entry;
            mem.read(at, &mut rsp[..l.rsp_size]);
            let mut id = [0u8; size_of::<u64>()];
            id.copy_from_slice(&rsp[l.rsp_id..l.rsp_id + size_of::<u64>()]);
            let id = u64::from_le_bytes(id);
            let status = i16::from_le_bytes([rsp[l.rsp_status], rsp[l.rsp_status + 1]]);
            let rop = rsp[l.rsp_op];
            let ours = u32::try_from(id).ok();
            let late = |id: u32| id.wrapping_sub(self.oldest) < first_id.wrapping_sub(self.oldest);
            match ours.and_then(|id| pend.iter_mut().find(|p| p.id == id && p.status.is_none())) {
                Some(p) if rop == op => p.status = Some(status),
                Some(_) => return self.protocol_error("response of another operation", id),
                None if ours.is_some_and(late) => {
                    info!(
                        TAG,
                        "{}: dropping a late answer to request {id}",
                        VbdName(self.vdev)
                    );
                }
                None => return self.protocol_error("response with an unknown id", id),
            }
        }
    }

    fn protocol_error(&mut self, what: &str, value: u64) {
        error!(
            TAG,
            "{}: {} ({value:#x}): disk disabled",
            VbdName(self.vdev),
            Text(what)
        );
        self.broken = true;
    }

    /// Revoke the data grants of a batch. One the backend still maps stays allocated (the
    /// grant table never hands it out again); bounce pages it covers are not used again.
    fn end_grants(&self, mem: &mut dyn Memory, grefs: &[GrantRef], bounce: bool) {
        let mut held = 0u32;
        let mut table = self.xen.grants.lock();
        for &r in grefs {
            if let Err(e) = table.end_access(mem, r) {
                held += 1;
                if e != GrantError::StillInUse {
                    warn!(TAG, "{}: grant {r}: {e}", VbdName(self.vdev));
                }
            }
        }
        if held != 0 {
            warn!(
                TAG,
                "{}: backend still maps {held} data page(s): their grants are kept out of use",
                VbdName(self.vdev)
            );
            if bounce {
                self.bounce.poisoned.set(true);
            }
        }
    }

    /// Sectors of this drive in `bytes`.
    fn sectors(&self, bytes: u32) -> u32 {
        bytes / self.info.sector_size
    }

    fn transfer(
        &mut self,
        ctx: &mut Ctx,
        op: u8,
        lba: u64,
        count: u32,
        target: Target,
    ) -> Result<(), IoError> {
        let size = self.info.sector_size;
        let Some(bytes) = count.checked_mul(size) else {
            return Err(IoError::new(DiskError::BadCommand, 0));
        };
        self.io(ctx, op, lba * u64::from(size), bytes, target)
            .map_err(|(e, done)| IoError::new(e, self.sectors(done)))
    }
}

/// Copy `len` bytes of guest memory from `src` to `dst` (non-overlapping).
fn copy(mem: &mut dyn Memory, src: u32, dst: u32, len: u32) {
    const CHUNK: usize = 512;
    let mut buf = [0u8; CHUNK];
    let mut done = 0;
    while done < len {
        let n = (len - done).min(CHUNK as u32);
        mem.read(src + done, &mut buf[..n as usize]);
        mem.write(dst + done, &buf[..n as usize]);
        done += n;
    }
}

impl BlockDevice for XenDisk {
    fn info(&self) -> &DriveInfo {
        &self.info
    }

    fn describe(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let what = match self.info.kind {
            DriveKind::Disk => "Xen PV disk ",
            DriveKind::Cdrom => "Xen PV CD-ROM ",
        };
        let size = Capacity {
            sectors: self.info.sectors,
            sector_size: self.info.sector_size,
        };
        out.write_str(what)?;
        write!(out, "{}, {size}", VbdName(self.vdev))
    }

    fn read(&mut self, ctx: &mut Ctx, lba: u64, count: u32, buf: u32) -> Result<(), IoError> {
        self.transfer(ctx, BLKIF_OP_READ, lba, count, Target::Buffer(buf))
    }

    fn write(&mut self, ctx: &mut Ctx, lba: u64, count: u32, buf: u32) -> Result<(), IoError> {
        if self.info.read_only {
            warn!(TAG, "{}: write to a read-only disk", VbdName(self.vdev));
            return Err(DiskError::WriteProtected.into());
        }
        self.transfer(ctx, BLKIF_OP_WRITE, lba, count, Target::Buffer(buf))
    }

    /// Read the sectors into the bounce pages and drop them.
    fn verify(&mut self, ctx: &mut Ctx, lba: u64, count: u32) -> Result<(), IoError> {
        self.transfer(ctx, BLKIF_OP_READ, lba, count, Target::Discard)
    }

    /// `BLKIF_OP_FLUSH_DISKCACHE` when the backend offers `feature-flush-cache`.
    fn flush(&mut self, ctx: &mut Ctx) -> Result<(), DiskError> {
        if !self.flush {
            return Ok(());
        }
        match self.io(ctx, BLKIF_OP_FLUSH_DISKCACHE, 0, 0, Target::Discard) {
            Ok(()) => Ok(()),
            Err((DiskError::BadCommand, _)) => {
                // The backend offered flushes but refuses them: nothing more to do.
                self.flush = false;
                Ok(())
            }
            Err((e, _)) => Err(e),
        }
    }

    fn reset(&mut self, _ctx: &mut Ctx) -> Result<(), DiskError> {
        if self.broken {
            Err(DiskError::ResetFailed)
        } else {
            Ok(())
        }
    }

    fn ready(&mut self, _ctx: &mut Ctx) -> Result<(), DiskError> {
        if self.broken {
            Err(DiskError::NotReady)
        } else {
            Ok(())
        }
    }
}

// --- Handshake ---------------------------------------------------------------------------

/// Why a VBD was skipped (already logged).
struct Skip;

/// `dir/leaf`.
fn node(dir: &str, leaf: &str) -> Result<XsPath, Skip> {
    xenstore::path(&[dir, "/", leaf]).map_err(|_| Skip)
}

/// Log why `name` is skipped.
fn skip(name: &VbdName, why: &str, e: Option<XsError>) -> Skip {
    match e {
        Some(e) => warn!(TAG, "{name}: skipped: {} ({e})", Text(why)),
        None => warn!(TAG, "{name}: skipped: {}", Text(why)),
    }
    Skip
}

/// What a handshake wait is for.
struct StateWhat<'a> {
    name: &'a VbdName,
    want: XenbusState,
}

impl fmt::Display for StateWhat<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "{}: backend state {}",
            self.name,
            Text(self.want.as_str())
        )
    }
}

/// Wait (bounded) until the node `path` holds a state `done` accepts; the last state read.
fn wait_state(
    xs: &mut Xs,
    xen: &Xen,
    clock: &dyn crate::hw::clock::Clock,
    timeout_us: u64,
    path: &str,
    what: &StateWhat,
    done: fn(XenbusState) -> bool,
) -> Result<XenbusState, Option<XenbusState>> {
    let t = Timeout::start(clock, timeout_us);
    let mut last = None;
    let ok = wait_for(xen.hv, clock, &t, TAG, what, &mut || {
        last = xs.read_state(path).ok();
        last.is_some_and(done)
    });
    match last {
        Some(s) if ok => Ok(s),
        other => Err(other),
    }
}

/// One step of a reset: the state the frontend writes, the backend state awaited, and the
/// states that end the wait.
type Step = (XenbusState, XenbusState, fn(XenbusState) -> bool);

/// What the backend says about the disk once connected.
struct DiskFacts {
    sectors: u64,
    sector_size: u32,
    info: u32,
    flush: bool,
    read_only: bool,
    cdrom: bool,
}

/// Everything a VBD's handshake needs.
struct Vbd0<'a> {
    xen: &'static Xen,
    cfg: &'a Config,
    name: VbdName,
    fe: XsPath,
    be: XsPath,
}

impl Vbd0<'_> {
    fn wait(
        &self,
        xs: &mut Xs,
        clock: &dyn crate::hw::clock::Clock,
        want: XenbusState,
        done: fn(XenbusState) -> bool,
    ) -> Result<XenbusState, Option<XenbusState>> {
        let path = node(self.be.as_str(), XENBUS_NODE_STATE).map_err(|_| None)?;
        let what = StateWhat {
            name: &self.name,
            want,
        };
        wait_state(
            xs,
            self.xen,
            clock,
            self.cfg.handshake_timeout_us,
            path.as_str(),
            &what,
            done,
        )
    }

    fn set_state(&self, xs: &mut Xs, s: XenbusState) -> Result<(), XsError> {
        let path = node(self.fe.as_str(), XENBUS_NODE_STATE).map_err(|_| XsError::BadRequest)?;
        xs.write_state(path.as_str(), s)
    }

    /// Bring a backend an earlier stage left connected (or closed) back to `InitWait`, as
    /// Linux does for a frontend a previous kernel left behind.
    fn reset(
        &self,
        xs: &mut Xs,
        clock: &dyn crate::hw::clock::Clock,
        from: XenbusState,
    ) -> Result<(), Skip> {
        info!(
            TAG,
            "{}: backend in state {} from an earlier stage: resetting it",
            self.name,
            Text(from.as_str())
        );
        let steps: [Step; 3] = [
            (XenbusState::Closing, XenbusState::Closing, |s| {
                matches!(s, XenbusState::Closing | XenbusState::Closed)
            }),
            (XenbusState::Closed, XenbusState::Closed, |s| {
                s == XenbusState::Closed
            }),
            (XenbusState::Initialising, XenbusState::InitWait, |s| {
                s == XenbusState::InitWait
            }),
        ];
        let first = match from {
            XenbusState::Connected => 0,
            XenbusState::Closing => 1,
            _ => 2,
        };
        for &(ours, want, done) in &steps[first..] {
            self.set_state(xs, ours)
                .map_err(|e| skip(&self.name, "writing the frontend state", Some(e)))?;
            self.wait(xs, clock, want, done)
                .map_err(|_| skip(&self.name, "the backend did not reset", None))?;
        }
        Ok(())
    }

    /// Wait for `InitWait`; the backend's sector size if it already says.
    fn await_backend(&self, ctx: &mut Ctx) -> Result<Option<u32>, Skip> {
        let clock = ctx.clock;
        let mut store = self.xen.store.lock();
        let mut xs = store.session(&mut *ctx.mem, clock);
        let now = self.wait(&mut xs, clock, XenbusState::InitWait, |s| {
            !matches!(
                s,
                XenbusState::Unknown | XenbusState::Initialising | XenbusState::Initialised
            )
        });
        match now {
            Ok(XenbusState::InitWait) => {}
            Ok(s @ (XenbusState::Connected | XenbusState::Closing | XenbusState::Closed)) => {
                self.reset(&mut xs, clock, s)?
            }
            Ok(_) | Err(Some(_)) => return Err(skip(&self.name, "backend not in InitWait", None)),
            Err(None) => return Err(skip(&self.name, "no backend state", None)),
        }
        let ss = node(self.be.as_str(), XENBUS_NODE_SECTOR_SIZE)?;
        Ok(xs.read_u32(ss.as_str()).ok())
    }

    /// Publish the ring and wait for the backend to connect; what it says about the disk.
    fn publish(
        &self,
        ctx: &mut Ctx,
        ring_ref: GrantRef,
        port: EvtchnPort,
        large: bool,
    ) -> Result<DiskFacts, Skip> {
        let clock = ctx.clock;
        let mut store = self.xen.store.lock();
        let mut xs = store.session(&mut *ctx.mem, clock);
        let fe = self.fe.as_str();
        let paths = (
            node(fe, XENBUS_NODE_RING_REF)?,
            node(fe, XENBUS_NODE_EVENT_CHANNEL)?,
            node(fe, XENBUS_NODE_PROTOCOL)?,
            node(fe, NODE_FEATURE_LARGE_SECTOR_SIZE)?,
        );
        let protocol = self.cfg.layout.protocol.as_bytes();
        xs.transaction(|tx| {
            tx.write_u64(paths.0.as_str(), u64::from(ring_ref))?;
            tx.write_u64(paths.1.as_str(), u64::from(port))?;
            tx.write(paths.2.as_str(), protocol)?;
            if large {
                tx.write_u64(paths.3.as_str(), FEATURE_ON)?;
            }
            Ok(())
        })
        .map_err(|e| {
            skip(
                &self.name,
                "writing ring-ref, event-channel, protocol",
                Some(e),
            )
        })?;
        self.set_state(&mut xs, XenbusState::Initialised)
            .map_err(|e| skip(&self.name, "writing the frontend state", Some(e)))?;
        let connected = self.wait(&mut xs, clock, XenbusState::Connected, |s| {
            matches!(
                s,
                XenbusState::Connected | XenbusState::Closing | XenbusState::Closed
            )
        });
        if connected != Ok(XenbusState::Connected) {
            let mut why = [0u8; xenstore::PATH_MAX];
            let err = node(self.be.as_str(), NODE_ERROR)?;
            if let Ok(text) = xs.read_str(err.as_str(), &mut why) {
                warn!(TAG, "{}: backend error: {}", self.name, Text(text));
            }
            return Err(skip(&self.name, "the backend did not connect", None));
        }
        let facts = self.facts(&mut xs)?;
        self.set_state(&mut xs, XenbusState::Connected)
            .map_err(|e| skip(&self.name, "writing the frontend state", Some(e)))?;
        if large {
            // Read by the backend at connection; gone before the OS's frontend connects.
            let _ = xs.rm(paths.3.as_str());
        }
        Ok(facts)
    }

    /// Read and check the disk's description (backend and frontend nodes).
    fn facts(&self, xs: &mut Xs) -> Result<DiskFacts, Skip> {
        let be = self.be.as_str();
        let fail = |what: &str, e: XsError| skip(&self.name, what, Some(e));
        let sectors = xs
            .read_u64(node(be, XENBUS_NODE_SECTORS)?.as_str())
            .map_err(|e| fail("reading sectors", e))?;
        let sector_size = xs
            .read_u32(node(be, XENBUS_NODE_SECTOR_SIZE)?.as_str())
            .map_err(|e| fail("reading sector-size", e))?;
        let info = xs
            .read_u32(node(be, XENBUS_NODE_INFO)?.as_str())
            .map_err(|e| fail("reading info", e))?;
        let flush =
            xs.read_u64(node(be, XENBUS_NODE_FEATURE_FLUSH_CACHE)?.as_str()) == Ok(FEATURE_ON);
        let mut buf = [0u8; 16];
        let mode_ro = xs
            .read_str(node(be, XENBUS_NODE_MODE)?.as_str(), &mut buf)
            .is_ok_and(|m| m == MODE_READ_ONLY);
        let cd_node = xs.read_str(
            node(self.fe.as_str(), XENBUS_NODE_DEVICE_TYPE)?.as_str(),
            &mut buf,
        );
        let cdrom = cd_node.is_ok_and(|t| t == DEVICE_TYPE_CDROM) || info & VDISK_CDROM != 0;
        if !sector_size.is_power_of_two() || !(SECTOR..=PAGE).contains(&sector_size) {
            return Err(skip(&self.name, "unsupported sector size", None));
        }
        if sectors == 0 {
            return Err(skip(&self.name, "empty disk", None));
        }
        Ok(DiskFacts {
            sectors,
            sector_size,
            info,
            flush,
            read_only: info & VDISK_READONLY != 0 || mode_ro || cdrom,
            cdrom,
        })
    }

    /// Undo a half-done connection: frontend `Closed` (the backend disconnects), the ring's
    /// grant revoked once the backend let go of it, the port closed.
    fn abandon(&self, ctx: &mut Ctx, ring_ref: GrantRef, port: EvtchnPort) {
        {
            let mut store = self.xen.store.lock();
            let mut xs = store.session(&mut *ctx.mem, ctx.clock);
            let _ = self.set_state(&mut xs, XenbusState::Closed);
        }
        let t = Timeout::start(ctx.clock, self.cfg.handshake_timeout_us);
        let what = "the backend to unmap the ring";
        let mem = &mut *ctx.mem;
        let xen = self.xen;
        wait_for(xen.hv, ctx.clock, &t, TAG, &what, &mut || {
            !xen.grants.lock().in_use(&*mem, ring_ref)
        });
        if let Err(e) = xen.grants.lock().end_access(mem, ring_ref) {
            warn!(
                TAG,
                "{}: ring grant {ring_ref}: {e}: kept out of use", self.name
            );
        }
        let _ = evtchn::close(xen.hv, port);
    }
}

/// Connect the VBD `vdev`, its ring in the page at `ring`. `None` (logged) if it is skipped.
fn connect(
    ctx: &mut Ctx,
    xen: &'static Xen,
    cfg: &Config,
    vdev: u32,
    ring: u32,
) -> Result<(DiskFacts, EvtchnPort, Domid, bool), Skip> {
    let name = VbdName(vdev);
    let mut fe = XsPath::new();
    let _ = write!(fe, "{}/{vdev}", Text(XENSTORE_VBD_DIR));
    let mut be = XsPath::new();
    let backend = {
        let mut store = xen.store.lock();
        let mut xs = store.session(&mut *ctx.mem, ctx.clock);
        let mut buf = [0u8; xenstore::PATH_MAX];
        let path = xs
            .read_str(node(fe.as_str(), XENBUS_NODE_BACKEND)?.as_str(), &mut buf)
            .map_err(|e| skip(&name, "reading backend", Some(e)))?;
        let _ = be.write_str(path);
        let id = xs
            .read_u32(node(fe.as_str(), XENBUS_NODE_BACKEND_ID)?.as_str())
            .map_err(|e| skip(&name, "reading backend-id", Some(e)))?;
        Domid::try_from(id).map_err(|_| skip(&name, "backend-id out of range", None))?
    };
    let v = Vbd0 {
        xen,
        cfg,
        name,
        fe,
        be,
    };
    let early_size = v.await_backend(ctx)?;
    let large = early_size.is_some_and(|s| s != SECTOR);

    ctx.mem.fill(ring, PAGE, 0);
    ctx.mem.write_obj(ring, &SringHeader::new());
    let ring_ref = xen
        .grants
        .lock()
        .grant(ctx.mem, backend, ring >> XEN_PAGE_SHIFT, false)
        .map_err(|_| skip(&v.name, "no grant entry for the ring", None))?;
    let port = match evtchn::alloc_unbound(xen.hv, backend) {
        Ok(p) => p,
        Err(_) => {
            let _ = xen.grants.lock().end_access(ctx.mem, ring_ref);
            return Err(skip(&v.name, "no event channel", None));
        }
    };
    match v.publish(ctx, ring_ref, port, large) {
        Ok(facts) => Ok((facts, port, backend, large)),
        Err(s) => {
            v.abandon(ctx, ring_ref, port);
            Err(s)
        }
    }
}

/// POST: connect every VBD under `device/vbd` and register a drive for each, then hide the
/// emulated IDE twins of the PV disks that connected.
#[inline(never)] // POST step: its locals live only while it runs (stack budget)
pub fn probe(ctx: &mut Ctx, bios: &mut Bios) {
    probe_with(ctx, bios, &Config::DEFAULT);
}

pub fn probe_with(ctx: &mut Ctx, bios: &mut Bios, cfg: &Config) {
    let Some(xen) = bios.xen else {
        return;
    };
    let mut vdevs = [0u32; MAX_VBDS];
    let n = list_vbds(ctx, xen, &mut vdevs);
    if n == 0 {
        return;
    }
    let vdevs = &mut vdevs[..n];
    vdevs.sort_unstable();
    // Bounce pages and every ring page at once, before `ram_top` is known.
    let Some(base) = crate::zone::alloc_pages(&mut bios.e820, BOUNCE_PAGES + n as u32) else {
        warn!(TAG, "no memory for rings and bounce pages: no PV disks");
        return;
    };
    let ram_top = bios
        .e820
        .ram_end_from(crate::zone::HIGH_LOWEST)
        .min(u64::from(u32::MAX)) as u32;
    let Some(bounce) = crate::arena::leak(Bounce {
        base,
        poisoned: Cell::new(false),
    }) else {
        return;
    };
    let bounce: &'static Bounce = bounce;
    let bdf = xen.platform.bdf;
    let pci = PciAddr {
        bus: bdf.bus(),
        dev: bdf.dev(),
        func: bdf.func(),
    };
    for (i, &vdev) in vdevs.iter().enumerate() {
        let ring = base + (BOUNCE_PAGES + i as u32) * PAGE;
        let Ok((f, port, backend, large)) = connect(ctx, xen, cfg, vdev, ring) else {
            continue;
        };
        let bytes = f.sectors
            << if large {
                f.sector_size.trailing_zeros()
            } else {
                SECTOR_SHIFT
            };
        let (kind, size) = if f.cdrom {
            (DriveKind::Cdrom, f.sector_size.max(CD_SECTOR))
        } else {
            (DriveKind::Disk, f.sector_size)
        };
        let disk = XenDisk {
            info: DriveInfo {
                kind,
                sectors: bytes / u64::from(size),
                sector_size: size,
                read_only: f.read_only,
                removable: f.cdrom || f.info & VDISK_REMOVABLE != 0,
                chs: None,
                interface: Interface::Xen { pci, vdev },
            },
            xen,
            bounce,
            layout: cfg.layout,
            vdev,
            backend,
            ring,
            port,
            front: FrontRing::new(cfg.layout.ring_size),
            unit_shift: if large {
                f.sector_size.trailing_zeros()
            } else {
                SECTOR_SHIFT
            },
            align: f.sector_size,
            flush: f.flush,
            next_id: 0,
            oldest: 0,
            broken: false,
            io_timeout_us: cfg.io_timeout_us,
            ram_top,
        };
        let Some(dev) = crate::arena::leak(disk) else {
            continue;
        };
        let Some(id) = bios.drives.add(dev) else {
            warn!(TAG, "{}: drive table full, not registered", VbdName(vdev));
            continue;
        };
        if let Some(d) = bios.drives.get(id) {
            info!(
                TAG,
                "{}: connected ({}-byte sectors, ring {}, port {port}{}{})",
                DriveName(&*d.dev),
                f.sector_size,
                Text(cfg.layout.protocol),
                Text(if f.flush { ", flush" } else { "" }),
                Text(if f.read_only { ", read-only" } else { "" }),
            );
        }
    }
    hide_twins(ctx, &mut bios.drives, base);
}

/// The VBD numbers under `device/vbd`, at most `out.len()`; how many.
fn list_vbds(ctx: &mut Ctx, xen: &Xen, out: &mut [u32]) -> usize {
    let mut store = xen.store.lock();
    let mut xs = store.session(&mut *ctx.mem, ctx.clock);
    let mut list = [0u8; VBD_LIST_MAX];
    let Ok(names) = xs.directory(XENSTORE_VBD_DIR, &mut list) else {
        return 0;
    };
    let mut n = 0;
    for name in names {
        match xenstore::parse_u64(name.as_bytes()).and_then(|v| u32::try_from(v).ok()) {
            Some(v) if n < out.len() => {
                out[n] = v;
                n += 1;
            }
            Some(v) => warn!(
                TAG,
                "{}: skipped: more than {MAX_VBDS} PV disks",
                VbdName(v)
            ),
            None => warn!(TAG, "vbd {}: skipped: not a number", Text(name)),
        }
    }
    n
}

/// The IDE position QEMU and Xen give the emulated twin of `xvda`..`xvdd` (and `hda`..`hdd`):
/// (channel, slave).
pub fn twin_position(vdev: u32) -> Option<(u8, bool)> {
    /// Disks with an IDE twin: primary master and slave, secondary master and slave.
    const IDE_DISKS: u32 = 4;
    const PER_CHANNEL: u32 = 2;
    let v = Vbd::decode(vdev)?;
    let twin_kind = matches!(v.kind, VbdKind::Xvd | VbdKind::Hd);
    (twin_kind && v.partition == 0 && v.disk < IDE_DISKS)
        .then_some(((v.disk / PER_CHANNEL) as u8, v.disk % PER_CHANNEL == 1))
}

/// Hide the IDE disk at each connected PV disk's twin position when it is the same disk
/// (same size, same first sector), so that the guest boots from the device it later runs
/// on. `scratch` is the bounce area, free during POST.
fn hide_twins(ctx: &mut Ctx, drives: &mut Drives, scratch: u32) {
    let mut pairs = [None; MAX_VBDS];
    let mut n = 0;
    for (id, d) in drives.iter() {
        let info = d.dev.info();
        let Interface::Xen { vdev, .. } = info.interface else {
            continue;
        };
        let Some((channel, slave)) = twin_position(vdev) else {
            continue;
        };
        let twin = drives.iter().find(|(_, t)| {
            matches!(t.dev.info().interface,
                Interface::Ata { channel: c, slave: s, atapi: false, .. } if c == channel && s == slave)
        });
        if let (Some((tid, _)), DriveKind::Disk, true) = (twin, info.kind, n < MAX_VBDS) {
            pairs[n] = Some((id, tid));
            n += 1;
        }
    }
    // Two sector-sized areas at the end of the bounce pages (reads use them from the start).
    let a = scratch + (BOUNCE_PAGES - 2) * PAGE;
    let b = a + PAGE;
    for &(pv, ata) in pairs[..n].iter().flatten() {
        let same = {
            let bytes = |id| {
                drives.get(id).map(|d| {
                    let i = d.dev.info();
                    i.sectors * u64::from(i.sector_size)
                })
            };
            bytes(pv) == bytes(ata)
                && first_sector(ctx, drives, pv, a)
                && first_sector(ctx, drives, ata, b)
                && same_bytes(ctx.mem, a, b, PAGE)
        };
        let mut pv_name = crate::fmt::Buf::<80>::new();
        let mut ata_name = crate::fmt::Buf::<80>::new();
        if let (Some(p), Some(t)) = (drives.get(pv), drives.get(ata)) {
            let _ = p.dev.describe(&mut pv_name);
            let _ = t.dev.describe(&mut ata_name);
        }
        if same {
            drives.hide(ata);
            info!(
                TAG,
                "hiding {}: the emulated twin of {}",
                ata_name.as_str(),
                pv_name.as_str()
            );
        } else {
            info!(
                TAG,
                "{} kept: not the same disk as {} (size or first sector differ)",
                ata_name.as_str(),
                pv_name.as_str()
            );
        }
    }
}

/// Read sector 0 of drive `id` into `at` (one page, zero-filled first).
fn first_sector(ctx: &mut Ctx, drives: &mut Drives, id: crate::block::DriveId, at: u32) -> bool {
    ctx.mem.fill(at, PAGE, 0);
    match drives.get_mut(id) {
        Some(d) if d.dev.info().sector_size <= PAGE => d.dev.read(ctx, 0, 1, at).is_ok(),
        _ => false,
    }
}

fn same_bytes(mem: &dyn Memory, a: u32, b: u32, len: u32) -> bool {
    const CHUNK: u32 = 64;
    let (mut x, mut y) = ([0u8; CHUNK as usize], [0u8; CHUNK as usize]);
    (0..len / CHUNK).all(|i| {
        mem.read(a + i * CHUNK, &mut x);
        mem.read(b + i * CHUNK, &mut y);
        x == y
    })
}
