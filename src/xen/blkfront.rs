//! Xen PV block frontend: one [`XenDisk`] per `device/vbd/<vdev>`, a [`BlockDevice`] that
//! int13 and boot use like any other drive.
//!
//! # Handshake (POST, [`probe`])
//!
//! For each VBD, in `virtual-device` order: read `backend` and `backend-id`; grant the
//! backend the ring page and allocate an event channel for it; wait (bounded) for the
//! backend's `InitWait` (a backend an earlier stage left `Connected`, `Closing` or `Closed`,
//! before a reboot say, is first walked back to `InitWait` the way Linux resets a frontend
//! a previous kernel left behind); write `ring-ref`, `event-channel` and `protocol` in one
//! transaction; go `Initialised`; wait for `Connected`; read `sectors`, `sector-size`,
//! `info`, `feature-flush-cache`, `mode` and the frontend's `device-type`; go `Connected`.
//! A VBD that fails a step is skipped with a log line saying why (its frontend left
//! `Closed`, its grant and port released); POST goes on.
//!
//! # CD-ROMs
//!
//! A VBD whose frontend `device-type` is "cdrom" (libxl's `devtype=cdrom`, QEMU's
//! `xen-cdrom`) is a CD drive of 2048-byte sectors, read-only and removable, registered even
//! without a medium: its backend still `Initialising` is not waited for (libxl's empty CD has
//! a QEMU backend that never starts), and a failed handshake leaves it registered too. With
//! no medium it has 0 sectors and answers 31h; `ready` looks at the backend again
//! (`XenDisk::recheck`). Its emulated IDE twin (an ATAPI drive at the same place, of the
//! same size) is hidden when it has a medium. `docs/boot-order.md` has what was observed.
//!
//! # Units and sector sizes
//!
//! Ring requests count 512-byte units (`sector_number`, `first_sect`, `last_sect`), and
//! transfers must be aligned to the backend's `sector-size`. A backend that announces a
//! sector size other than 512 *before* the frontend connects (QEMU's `xen-block` does, and
//! refuses such a disk to a frontend that does not write `feature-large-sector-size`) is
//! given `feature-large-sector-size = 1`, and then counts every sector quantity, `sectors`
//! included, in `sector-size` units (Xen's blkif.h from 4.12 to 4.18, and QEMU 10). A
//! backend that announces its sector size only at `Connected` (Linux blkback) keeps
//! 512-byte units. The node is set to 0 once connected, so that the OS's own frontend is
//! not taken for one that asked for it.
//!
//! # Requests
//!
//! A transfer is cut into batches of at most [`BATCH_REQUESTS`] requests of up to
//! [`BLKIF_MAX_SEGMENTS_PER_REQUEST`] segments, a segment being the part of the transfer in
//! one 4 KiB page: a 64 KiB int13 call is one batch. Every request of a batch is on the ring
//! before the backend is notified (once, if its `req_event` asks for it) and before the
//! firmware waits. The caller's own frames are granted when the buffer is aligned to the
//! sector size (the block layer passes only buffers in RAM the guest owns); otherwise data
//! goes through the [`BOUNCE_PAGES`] bounce pages the disks share. Responses are checked
//! before anything is believed: the producer index must not run ahead of the requests made,
//! the id must be one of the batch not answered yet, the operation must match. Only then is
//! bounce data copied and are sectors counted: a failure reports the sectors of the
//! requests before the first failed one.
//!
//! Errors become int13 codes: a backend error is 10h (read) or CCh (write), an unsupported
//! operation 01h (a flush answered so turns flushes off instead, and succeeds), no answer in
//! time 80h, a backend that breaks the protocol 20h.
//!
//! # What outlives a call
//!
//! Nothing that can reach the guest's memory. After a batch every data grant is revoked
//! and freed. When the backend may still use one, `XenDisk::after_fault` decides by what
//! the backend did:
//! - no answer in time, pages revoked (QEMU's `xen-block`, which copies a request's data
//!   when it completes it, through whatever its grant references name then, and does not
//!   wait for requests in progress when the frontend disconnects): the batch is abandoned.
//!   Its grants stay revoked (a late copy fails) and allocated (no reference of it names
//!   another frame) until its answers come, which are recognised and dropped; meanwhile
//!   the backend is notified after every batch. A second call in a row without any answer
//!   disables the disk;
//! - a page still mapped (Linux blkback maps a request's grants until it answers it, and
//!   finishes its requests before it reaches `Closed`): the VBD is disconnected, the grants
//!   freed, and the VBD connected again with the full handshake;
//! - a backend that left `Connected`, broke the protocol, does not close, or keeps a page
//!   even after closing: the disk is disabled and disconnected; every later call fails at
//!   once (AAh, or 20h after a protocol violation) instead of waiting, and grants the
//!   backend may still use stay out of use for good (the bounce pages too, if among them).
//!
//! `docs/handoff.md` says what this guarantees at the hand-off.
//!
//! # Hand-off
//!
//! The frontend stays `Connected` when the OS starts: loaders and the kernel's real-mode
//! setup use int13 until the very end, and legacy boot has no "exit boot services". Linux
//! resets frontends it finds `Connected` or `Closed` (`xenbus_reset_state`), see
//! `docs/handoff.md`.

use super::wait::{DEFAULT_TIMEOUT_US, Timeout, wait_for};
use super::xenstore::{Xs, XsError, XsPath};
use super::{Text, Xen};
use crate::block::{
    BlockDevice, Capacity, DiskError, DriveInfo, DriveKind, Drives, Interface, IoError, PciAddr,
};
use crate::e820::E820Map;
use crate::hal::Ctx;
use crate::hal::clock::Clock;
use crate::hal::mem::{Memory, MemoryExt};
use core::cell::Cell;
use core::fmt::{self, Write};
use core::marker::PhantomData;
use core::mem::{offset_of, size_of};
use xen_headers::event_channel::EvtchnPort;
use xen_headers::grant_table::GrantRef;
use xen_headers::io::blkif::{
    BLKIF_MAX_SEGMENTS_PER_REQUEST, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_READ, BLKIF_OP_WRITE,
    BLKIF_RSP_EOPNOTSUPP, BLKIF_RSP_ERROR, BLKIF_RSP_OKAY, BLKIF_SECTOR_SIZE, BlkifRequestSegment,
    BlkifVdev, VDISK_CDROM, VDISK_READONLY, VDISK_REMOVABLE, Vbd, VbdKind, XENBUS_NODE_BACKEND,
    XENBUS_NODE_BACKEND_ID, XENBUS_NODE_DEVICE_TYPE, XENBUS_NODE_EVENT_CHANNEL,
    XENBUS_NODE_FEATURE_FLUSH_CACHE, XENBUS_NODE_INFO, XENBUS_NODE_PROTOCOL, XENBUS_NODE_RING_REF,
    XENBUS_NODE_SECTOR_SIZE, XENBUS_NODE_SECTORS, XENBUS_NODE_STATE, XENSTORE_VBD_DIR, x86_32,
    x86_64,
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
/// Requests one batch puts on the ring before waiting: 33 pages, a 64 KiB int13 call at
/// any alignment.
pub const BATCH_REQUESTS: usize = 3;
const BATCH_PAGES: u32 = (BATCH_REQUESTS * MAX_SEGS) as u32;
/// Bounce pages shared by all PV disks (one 64 KiB int13 call).
pub const BOUNCE_PAGES: u32 = 16;
/// How long one I/O batch may take.
pub const IO_TIMEOUT_US: u64 = 10_000_000;
/// A frontend node (blkif.h; deprecated since Xen 4.19): "I count sectors in `sector-size`
/// units". QEMU refuses a disk whose sector size is not 512 to a frontend without it.
const NODE_LARGE_SECTORS: &str = "feature-large-sector-size";
/// A boolean node's "yes".
const YES: u64 = 1;
/// A CD-ROM's sectors for int13.
const CD_SECTOR: u32 = 2048;
/// The frontend's `device-type` of a CD-ROM VBD (Xen's docs/misc/xenstore-paths, written by
/// libxl and by QEMU's `xen-cdrom`), and room for the longest value worth reading.
const DEVICE_TYPE_CDROM: &str = "cdrom";
const DEVICE_TYPE_MAX: usize = 16;

/// Where the fields of a blkif request and response are in a ring layout.
pub trait Abi: 'static {
    /// The value for the frontend's `protocol` node.
    const PROTOCOL: &'static str;
    const ENTRY: u32;
    const RING_SIZE: u32;
    const OP: usize;
    const NSEG: usize;
    const HANDLE: usize;
    const ID: usize;
    const SECTOR: usize;
    const SEG: usize;
    const RSP_SIZE: usize;
    const RSP_ID: usize;
    const RSP_OP: usize;
    const RSP_STATUS: usize;
}

macro_rules! abi {
    ($(#[$doc:meta])* $name:ident, $m:ident) => {
        $(#[$doc])*
        pub struct $name;
        impl Abi for $name {
            const PROTOCOL: &'static str = $m::PROTOCOL;
            const ENTRY: u32 = size_of::<$m::BlkifSringEntry>() as u32;
            const RING_SIZE: u32 = $m::BLKIF_RING_SIZE;
            const OP: usize = offset_of!($m::BlkifRequest, operation);
            const NSEG: usize = offset_of!($m::BlkifRequest, nr_segments);
            const HANDLE: usize = offset_of!($m::BlkifRequest, handle);
            const ID: usize = offset_of!($m::BlkifRequest, id);
            const SECTOR: usize = offset_of!($m::BlkifRequest, sector_number);
            const SEG: usize = offset_of!($m::BlkifRequest, seg);
            const RSP_SIZE: usize = size_of::<$m::BlkifResponse>();
            const RSP_ID: usize = offset_of!($m::BlkifResponse, id);
            const RSP_OP: usize = offset_of!($m::BlkifResponse, operation);
            const RSP_STATUS: usize = offset_of!($m::BlkifResponse, status);
        }
    };
}

abi!(
    /// The `x86_32-abi` layout.
    X86_32,
    x86_32
);
abi!(
    /// The `x86_64-abi` layout: what QEMU and a 64-bit dom0 use natively and what a 64-bit
    /// Linux writes after us. The image uses it ([`probe`]).
    X86_64,
    x86_64
);

/// The largest ring entry and response of the two layouts.
const MAX_ENTRY: usize = size_of::<x86_64::BlkifSringEntry>();
const MAX_RSP: usize = size_of::<x86_64::BlkifResponse>();
const _: () = assert!(size_of::<x86_32::BlkifSringEntry>() <= MAX_ENTRY);
const _: () = assert!(size_of::<x86_32::BlkifResponse>() <= MAX_RSP);

const SEG_SIZE: usize = size_of::<BlkifRequestSegment>();
const SEG_FIRST: usize = offset_of!(BlkifRequestSegment, first_sect);
const SEG_LAST: usize = offset_of!(BlkifRequestSegment, last_sect);
const REQ_PROD: u32 = offset_of!(SringHeader, req_prod) as u32;
const REQ_EVENT: u32 = offset_of!(SringHeader, req_event) as u32;
const RSP_PROD: u32 = offset_of!(SringHeader, rsp_prod) as u32;
const RSP_EVENT: u32 = offset_of!(SringHeader, rsp_event) as u32;

/// Timeouts (tests shorten them).
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Each handshake step (a backend state change).
    pub handshake_timeout_us: u64,
    /// Each I/O batch.
    pub io_timeout_us: u64,
}

impl Config {
    pub const DEFAULT: Config = Config {
        handshake_timeout_us: DEFAULT_TIMEOUT_US,
        io_timeout_us: IO_TIMEOUT_US,
    };
}

/// The bounce pages all PV disks share (one transfer at a time: int13 is not re-entered).
pub struct Bounce {
    base: u32,
    /// A backend kept one of them mapped: they may change under us, and are not used again.
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
        /// Disks named with one or two letters: a..z, aa..zz.
        const LETTERS: u32 = 26;
        const NAMED: u32 = LETTERS * (LETTERS + 1);
        let v = Vbd::decode(self.0).filter(|v| v.disk < NAMED);
        let Some(v) = v else {
            return write!(f, "vbd {}", self.0);
        };
        let prefix = match v.kind {
            VbdKind::Xvd => "xvd",
            VbdKind::Sd => "sd",
            VbdKind::Hd => "hd",
        };
        let mut name = [0u8; 2];
        let letters = if v.disk < LETTERS {
            name[0] = b'a' + v.disk as u8;
            &name[..1]
        } else {
            name = [
                b'a' + (v.disk / LETTERS - 1) as u8,
                b'a' + (v.disk % LETTERS) as u8,
            ];
            &name[..]
        };
        f.write_str(prefix)?;
        // Only ASCII letters were written.
        f.write_str(core::str::from_utf8(letters).unwrap_or(""))?;
        if v.partition != 0 {
            write!(f, "{}", v.partition)?;
        }
        Ok(())
    }
}

/// A request of the batch in flight (its id is the batch's first plus its index): its
/// bytes, and its status once answered.
#[derive(Clone, Copy)]
struct Pending {
    bytes: u32,
    status: Option<i16>,
}

/// What an I/O wait is for, for the log line when it times out.
struct IoWhat {
    vdev: u32,
    sector: u64,
    first_id: u32,
    last_id: u32,
}

impl fmt::Display for IoWhat {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "{} at sector {} (requests {}-{})",
            VbdName(self.vdev),
            self.sector,
            self.first_id,
            self.last_id
        )
    }
}

/// A connected PV disk, its ring in layout `A`.
pub struct XenDisk<A: Abi> {
    info: DriveInfo,
    xen: &'static Xen,
    bounce: &'static Bounce,
    vdev: u32,
    backend: Domid,
    /// Linear address of the ring page.
    ring: u32,
    port: EvtchnPort,
    front: FrontRing,
    /// log2 of the unit of `sector_number`, `first_sect`, `last_sect`: 9, or the sector
    /// size's with `feature-large-sector-size`.
    unit_shift: u32,
    /// The backend's sector size: offsets and lengths on the ring are multiples of it.
    align: u32,
    flush: bool,
    next_id: u32,
    /// The ring page's grant, while connected.
    ring_ref: Option<GrantRef>,
    /// Out of use, and what every call answers: 20h after a protocol violation, AAh when
    /// the backend left `Connected` or could not be reconnected.
    failed: Option<DiskError>,
    /// Batches in a row that timed out without a single answer.
    silent: u8,
    /// Ids from here up to the batch in flight belong to earlier batches: an answer to one
    /// of them is only right for a request of [`XenDisk::abandoned`] not answered yet.
    oldest: u32,
    /// Batches given up after a timeout whose requests the backend has not all answered.
    abandoned: [Option<Abandoned>; MAX_ABANDONED],
    cfg: Config,
    abi: PhantomData<A>,
}

/// Batches a disk may have abandoned and not answered yet; one more disables it.
const MAX_ABANDONED: usize = 4;
/// Batches in a row without an answer that disable a disk.
const SILENT_LIMIT: u8 = 2;

/// A batch given up after a timeout, its requests not all answered. QEMU performs a request
/// whenever it completes, copying data through the grant references it names then, and does
/// not wait for requests in progress when the frontend disconnects: the batch's grants are
/// revoked (a late copy fails) and stay allocated until every request is answered, so that
/// no reference of it names another frame meanwhile.
#[derive(Clone, Copy)]
struct Abandoned {
    first_id: u32,
    /// Requests not answered yet: bit `i` for id `first_id + i`.
    waiting: u8,
    refs: [GrantRef; BATCH_PAGES as usize],
    nrefs: u8,
}

impl<A: Abi> XenDisk<A> {
    /// Move `bytes` at byte `offset` of the disk to or from the buffer at `buf` (`None`:
    /// to nowhere, for verify; 0 bytes: a flush). On failure, the error and the bytes done.
    /// int13 logs every failure with its code; the reasons it cannot see are logged here.
    fn io(
        &mut self,
        ctx: &mut Ctx,
        op: u8,
        offset: u64,
        bytes: u32,
        buf: Option<u32>,
    ) -> Result<(), (DiskError, u32)> {
        // The caller's frames, when aligned for the backend (the block layer passes only
        // buffers in RAM the guest owns).
        let direct = buf.filter(|&b| b.is_multiple_of(self.align));
        if let Some(e) = self.failed {
            return Err((e, 0));
        }
        if direct.is_none() && bytes > 0 && self.bounce.poisoned.get() {
            return Err((DiskError::ControllerFailure, 0));
        }
        let mut done = 0;
        loop {
            let (addr, room) = match direct {
                Some(b) => (b + done, BATCH_PAGES * PAGE - (b + done) % PAGE),
                None => (self.bounce.base, BOUNCE_PAGES * PAGE),
            };
            let len = (bytes - done).min(room);
            let user = buf.filter(|_| direct.is_none()).map(|b| b + done);
            if let (Some(u), BLKIF_OP_WRITE) = (user, op) {
                ctx.mem.copy_within(u, addr, len);
            }
            let r = self.batch(ctx, op, offset + u64::from(done), len, addr);
            let (Ok(n) | Err((_, n))) = r;
            if let (Some(u), BLKIF_OP_READ) = (user, op) {
                ctx.mem.copy_within(addr, u, n);
            }
            done += n;
            match r {
                Err((e, _)) => return Err((e, done)),
                Ok(_) if done >= bytes => return Ok(()),
                Ok(_) => {}
            }
        }
    }

    /// One batch: up to `len` bytes at byte `offset` of the disk, data in the pages from
    /// `addr` (0 bytes: one request without segments, a flush). The bytes done, all good.
    fn batch(
        &mut self,
        ctx: &mut Ctx,
        op: u8,
        offset: u64,
        len: u32,
        addr: u32,
    ) -> Result<u32, (DiskError, u32)> {
        if self.abandoned.iter().all(Option::is_none) {
            self.oldest = self.next_id;
        }
        let first_id = self.next_id;
        let mut grefs = [0 as GrantRef; BATCH_PAGES as usize];
        let mut ngrants = 0;
        let mut pend = [Pending {
            bytes: 0,
            status: None,
        }; BATCH_REQUESTS];
        let mut npend = 0;
        // Ring full or grant table full: what was queued goes, the rest fails.
        let mut short = false;
        let mut pos = 0;
        let mut table = self.xen.grants.lock();
        while npend < BATCH_REQUESTS && (pos < len || npend == 0) {
            let Some(slot) = self.front.next_request_slot() else {
                short = true;
                break;
            };
            let mut req = [0u8; MAX_ENTRY];
            let start = pos;
            let mut seg = A::SEG;
            while seg < A::SEG + MAX_SEGS * SEG_SIZE && pos < len {
                let a = addr + pos;
                let off = a % PAGE;
                let n = (PAGE - off).min(len - pos);
                let grant = table.grant(
                    ctx.mem,
                    self.backend,
                    a >> XEN_PAGE_SHIFT,
                    op == BLKIF_OP_WRITE,
                );
                let Ok(gref) = grant else {
                    short = true;
                    break;
                };
                grefs[ngrants] = gref;
                ngrants += 1;
                req[seg..seg + size_of::<GrantRef>()].copy_from_slice(&gref.to_le_bytes());
                req[seg + SEG_FIRST] = (off >> self.unit_shift) as u8;
                req[seg + SEG_LAST] = (((off + n) >> self.unit_shift) - 1) as u8;
                seg += SEG_SIZE;
                pos += n;
            }
            if short {
                // Not published: its slot is taken back.
                self.front.req_prod_pvt = self.front.req_prod_pvt.wrapping_sub(1);
                break;
            }
            let id = self.next_id;
            self.next_id = id.wrapping_add(1);
            req[A::OP] = op;
            req[A::NSEG] = ((seg - A::SEG) / SEG_SIZE) as u8;
            req[A::HANDLE..A::HANDLE + size_of::<BlkifVdev>()]
                .copy_from_slice(&(self.vdev as BlkifVdev).to_le_bytes());
            req[A::ID..A::ID + 8].copy_from_slice(&u64::from(id).to_le_bytes());
            let sector = (offset + u64::from(start)) >> self.unit_shift;
            req[A::SECTOR..A::SECTOR + 8].copy_from_slice(&sector.to_le_bytes());
            let at = self.ring + SRING_HEADER_SIZE as u32 + slot * A::ENTRY;
            ctx.mem.write(at, &req[..A::ENTRY as usize]);
            pend[npend].bytes = pos - start;
            npend += 1;
        }
        drop(table);

        if npend > 0 {
            let mut sh = SharedRing {
                mem: &mut *ctx.mem,
                base: self.ring,
            };
            // QEMU asks for a notification again only once it answered every request it
            // took: while one of an abandoned batch is stuck, notify regardless.
            let stuck = self.abandoned.iter().any(Option::is_some);
            if self.front.push_requests_and_check_notify(&mut sh) || stuck {
                // If this fails the wait below times out, and says so.
                let _ = self.xen.hv.evtchn_send(self.port);
            }
            let what = IoWhat {
                vdev: self.vdev,
                sector: offset >> SECTOR_SHIFT,
                first_id,
                last_id: self.next_id.wrapping_sub(1),
            };
            let t = Timeout::start(ctx.clock, self.cfg.io_timeout_us);
            let (hv, clock) = (self.xen.hv, ctx.clock);
            let pend = &mut pend[..npend];
            wait_for(hv, clock, &t, TAG, &what, &mut || {
                self.collect(&mut *ctx.mem, pend, op, first_id);
                self.failed.is_some() || pend.iter().all(|p| p.status.is_some())
            });
        }

        // Take the data grants back: freed when every request was answered and the
        // backend let go of every page; otherwise revoked (where the backend let go) and
        // kept allocated (`keep`), see `after_fault`.
        let broken = self.failed.is_some();
        let pend = &pend[..npend];
        let unanswered = pend.iter().any(|p| p.status.is_none());
        let mut keep = [0 as GrantRef; BATCH_PAGES as usize];
        let (mut nkeep, mut held) = (0, 0u32);
        {
            let mut table = self.xen.grants.lock();
            for &r in &grefs[..ngrants] {
                let ended = if unanswered || broken {
                    table.revoke(ctx.mem, r)
                } else {
                    table.end_access(ctx.mem, r)
                };
                held += ended.is_err() as u32;
                if unanswered || broken || ended.is_err() {
                    keep[nkeep] = r;
                    nkeep += 1;
                }
            }
        }
        if npend > 0 {
            let any = pend.iter().any(|p| p.status.is_some());
            self.silent = if any {
                0
            } else {
                self.silent.saturating_add(1)
            };
        }
        if nkeep != 0 {
            let waiting = pend
                .iter()
                .enumerate()
                .filter(|(_, p)| p.status.is_none())
                .fold(0u8, |m, (i, _)| m | 1 << i);
            let lost = Abandoned {
                first_id,
                waiting,
                refs: keep,
                nrefs: nkeep as u8,
            };
            self.after_fault(ctx, lost, held, addr == self.bounce.base);
        }

        // The requests in order: int13 logs the error and the sectors before it.
        let mut done = 0;
        for p in pend {
            let e = match (p.status, op) {
                (Some(BLKIF_RSP_OKAY), _) => {
                    done += p.bytes;
                    continue;
                }
                (None, _) if broken => DiskError::ControllerFailure,
                (None, _) => DiskError::Timeout,
                (Some(BLKIF_RSP_ERROR), BLKIF_OP_READ) => DiskError::ReadError,
                (Some(BLKIF_RSP_ERROR), _) => DiskError::WriteFault,
                (Some(BLKIF_RSP_EOPNOTSUPP), _) => DiskError::BadCommand,
                (Some(_), _) => DiskError::ControllerFailure,
            };
            return Err((e, done));
        }
        if short {
            return Err((DiskError::ControllerFailure, done));
        }
        Ok(done)
    }

    /// Consume the responses on the ring, checking each, and mark the requests of `pend`
    /// they answer. A response that cannot be right breaks the disk.
    fn collect(&mut self, mem: &mut dyn Memory, pend: &mut [Pending], op: u8, first_id: u32) {
        let prod = mem.read_u32(self.ring + RSP_PROD);
        // Read the responses only after the index that covers them.
        mem.fence();
        let outstanding = self.front.req_prod_pvt.wrapping_sub(self.front.rsp_cons);
        let mut bad = prod.wrapping_sub(self.front.rsp_cons) > outstanding;
        let mut value = u64::from(prod);
        while let Some(slot) = self.front.next_response_slot(prod).filter(|_| !bad) {
            let mut rsp = [0u8; MAX_RSP];
            mem.read(
                self.ring + SRING_HEADER_SIZE as u32 + slot * A::ENTRY,
                &mut rsp[..A::RSP_SIZE],
            );
            let mut id = [0u8; 8];
            id.copy_from_slice(&rsp[A::RSP_ID..A::RSP_ID + 8]);
            value = u64::from_le_bytes(id);
            let status = i16::from_le_bytes([rsp[A::RSP_STATUS], rsp[A::RSP_STATUS + 1]]);
            // An id of this batch, not answered yet, for its operation; or of an abandoned
            // one, not answered yet (its grants are released once all its are).
            let k = value.wrapping_sub(u64::from(first_id));
            match pend
                .get_mut(k as usize)
                .filter(|p| k < BATCH_REQUESTS as u64 && p.status.is_none())
            {
                Some(p) if rsp[A::RSP_OP] == op => p.status = Some(status),
                Some(_) => bad = true,
                None => bad |= !self.late_answer(mem, value),
            }
        }
        if bad {
            error!(
                TAG,
                "{}: impossible response (id or rsp_prod {value:#x}): disk disabled",
                VbdName(self.vdev)
            );
            self.failed = Some(DiskError::ControllerFailure);
        }
    }

    /// An answer to request `id` of an abandoned batch: whether it was one still awaited.
    /// The batch's grants are freed once all its requests are answered.
    fn late_answer(&mut self, mem: &mut dyn Memory, id: u64) -> bool {
        let Ok(id) = u32::try_from(id) else {
            return false;
        };
        let span = self.next_id.wrapping_sub(self.oldest);
        if id.wrapping_sub(self.oldest) >= span {
            return false;
        }
        for slot in &mut self.abandoned {
            let Some(a) = slot else { continue };
            let k = id.wrapping_sub(a.first_id);
            if k >= BATCH_REQUESTS as u32 || a.waiting & 1 << k == 0 {
                continue;
            }
            a.waiting &= !(1 << k);
            if a.waiting == 0 {
                let mut table = self.xen.grants.lock();
                for &r in &a.refs[..usize::from(a.nrefs)] {
                    // One the backend still maps (it should not, having answered) stays
                    // out of use.
                    let _ = table.end_access(mem, r);
                }
                *slot = None;
            }
            return true;
        }
        false
    }

    fn transfer(
        &mut self,
        ctx: &mut Ctx,
        op: u8,
        lba: u64,
        count: u32,
        buf: Option<u32>,
    ) -> Result<(), IoError> {
        // The block layer passes at most 64 KiB: neither overflows.
        let size = self.info.sector_size;
        let (Some(offset), Some(bytes)) = (lba.checked_mul(size.into()), count.checked_mul(size))
        else {
            return Err(DiskError::BadCommand.into());
        };
        self.io(ctx, op, offset, bytes, buf)
            .map_err(|(e, done)| IoError::new(e, done / size))
    }
}

impl<A: Abi> BlockDevice for XenDisk<A> {
    fn info(&self) -> &DriveInfo {
        &self.info
    }

    fn describe(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let size = Capacity {
            sectors: self.info.sectors,
            sector_size: self.info.sector_size,
        };
        let name = VbdName(self.vdev);
        match self.info.kind {
            DriveKind::Disk => write!(out, "Xen PV disk {name}, {size}"),
            DriveKind::Cdrom if self.info.sectors == 0 => {
                write!(out, "Xen PV CD-ROM {name}, no medium")
            }
            DriveKind::Cdrom => write!(out, "Xen PV CD-ROM {name}, {size}"),
        }
    }

    fn read(&mut self, ctx: &mut Ctx, lba: u64, count: u32, buf: u32) -> Result<(), IoError> {
        self.medium()?;
        self.transfer(ctx, BLKIF_OP_READ, lba, count, Some(buf))
    }

    /// int13 refuses writes to read-only drives before calling this; a CD refuses them
    /// itself too.
    fn write(&mut self, ctx: &mut Ctx, lba: u64, count: u32, buf: u32) -> Result<(), IoError> {
        if self.info.kind == DriveKind::Cdrom {
            return Err(DiskError::WriteProtected.into());
        }
        self.transfer(ctx, BLKIF_OP_WRITE, lba, count, Some(buf))
    }

    /// Read the sectors into the bounce pages and drop them.
    fn verify(&mut self, ctx: &mut Ctx, lba: u64, count: u32) -> Result<(), IoError> {
        self.medium()?;
        self.transfer(ctx, BLKIF_OP_READ, lba, count, None)
    }

    /// `BLKIF_OP_FLUSH_DISKCACHE` when the backend offers `feature-flush-cache`. A backend
    /// that answers `EOPNOTSUPP` (Linux blkback for a device without a write cache) has
    /// nothing to flush: flushes stop, and the write they follow succeeded.
    fn flush(&mut self, ctx: &mut Ctx) -> Result<(), DiskError> {
        if !self.flush {
            return Ok(());
        }
        match self.io(ctx, BLKIF_OP_FLUSH_DISKCACHE, 0, 0, None) {
            Err((DiskError::BadCommand, _)) => {
                warn!(
                    TAG,
                    "{}: flush not supported: flushes off",
                    VbdName(self.vdev)
                );
                self.flush = false;
                Ok(())
            }
            r => r.map_err(|(e, _)| e),
        }
    }

    fn reset(&mut self, _ctx: &mut Ctx) -> Result<(), DiskError> {
        if self.failed.is_some() {
            return Err(DiskError::ResetFailed);
        }
        Ok(())
    }

    /// A CD looks at its backend again (see `XenDisk::recheck`); a disk is ready unless
    /// it was disabled.
    fn ready(&mut self, ctx: &mut Ctx) -> Result<(), DiskError> {
        if self.failed.is_some() {
            return Err(DiskError::NotReady);
        }
        if self.info.kind == DriveKind::Cdrom {
            self.recheck(ctx);
            return self.medium().map_err(|e| e.error);
        }
        Ok(())
    }
}

// --- Handshake ---------------------------------------------------------------------------

/// Bit of state `s` in a set of states.
const fn bit(s: XenbusState) -> u16 {
    1 << s as u32
}

/// States that end a wait for `InitWait`: it, and those an earlier stage leaves behind.
const AFTER_INIT: u16 = bit(XenbusState::InitWait)
    | bit(XenbusState::Connected)
    | bit(XenbusState::Closing)
    | bit(XenbusState::Closed);
/// States that end a wait for `Connected`: it, or the backend giving up.
const CONNECT_ENDS: u16 =
    bit(XenbusState::Connected) | bit(XenbusState::Closing) | bit(XenbusState::Closed);
/// States that end a wait for `Closing`.
const CLOSE_ENDS: u16 = bit(XenbusState::Closing) | bit(XenbusState::Closed);
/// Walking a backend back to `InitWait` (as Linux's `xenbus_reset_frontend`): the state
/// the frontend writes, and the backend states that end each step.
const RESET: [(XenbusState, u16); 3] = [
    (
        XenbusState::Closing,
        bit(XenbusState::Closing) | bit(XenbusState::Closed),
    ),
    (XenbusState::Closed, bit(XenbusState::Closed)),
    (XenbusState::Initialising, bit(XenbusState::InitWait)),
];

/// A VBD's xenstore nodes, room to build their paths, and why the handshake stopped.
struct Nodes {
    vdev: u32,
    be: XsPath,
    path: XsPath,
    /// The step that failed (a node's name, mostly), and the xenstore error.
    why: &'static str,
    err: Option<XsError>,
}

/// A failed handshake step (`Nodes::why` says which).
type Step<T = ()> = Result<T, ()>;

impl Nodes {
    fn new(vdev: u32) -> Nodes {
        Nodes {
            vdev,
            be: XsPath::new(),
            path: XsPath::new(),
            why: "",
            err: None,
        }
    }

    /// Read the frontend's `backend` (into `be`) and `backend-id`.
    #[inline(never)]
    fn backend(&mut self, xs: &mut Xs) -> Step<Domid> {
        let mut buf = [0u8; super::xenstore::PATH_MAX];
        let be = self
            .at(false, XENBUS_NODE_BACKEND)
            .and_then(|p| xs.read_str(p, &mut buf));
        match be {
            Ok(be) => {
                self.be.clear();
                if self.be.write_str(be).is_err() {
                    return self.fail(XENBUS_NODE_BACKEND, Some(XsError::BadRequest));
                }
            }
            Err(e) => return self.fail(XENBUS_NODE_BACKEND, Some(e)),
        }
        let id = self.num(xs, false, XENBUS_NODE_BACKEND_ID)?;
        match Domid::try_from(id) {
            Ok(d) => Ok(d),
            Err(_) => self.fail(XENBUS_NODE_BACKEND_ID, None),
        }
    }

    /// Record why the handshake stops.
    #[inline(never)]
    fn fail<T>(&mut self, why: &'static str, err: Option<XsError>) -> Step<T> {
        self.why = why;
        self.err = err;
        Err(())
    }

    /// The path of node `leaf` of the backend's directory, or of the frontend's.
    #[inline(never)]
    /// A path that does not fit is refused (`BadRequest`), never cut into another node's.
    fn at(&mut self, backend: bool, leaf: &str) -> Result<&str, XsError> {
        self.path.clear();
        let _ = if backend {
            write!(self.path, "{}/{}", Text(self.be.as_str()), Text(leaf))
        } else {
            write!(
                self.path,
                "{}/{}/{}",
                Text(XENSTORE_VBD_DIR),
                self.vdev,
                Text(leaf)
            )
        };
        self.path.get()
    }

    /// A number node.
    #[inline(never)]
    fn num(&mut self, xs: &mut Xs, backend: bool, leaf: &'static str) -> Step<u64> {
        match self.at(backend, leaf).and_then(|p| xs.read_u64(p)) {
            Ok(v) => Ok(v),
            Err(e) => self.fail(leaf, Some(e)),
        }
    }

    /// Write node `leaf` of the frontend.
    #[inline(never)]
    fn put(&mut self, xs: &mut Xs, leaf: &'static str, value: &[u8]) -> Step {
        match self.at(false, leaf).and_then(|p| xs.write(p, value)) {
            Ok(()) => Ok(()),
            Err(e) => self.fail(leaf, Some(e)),
        }
    }

    #[inline(never)]
    fn state(&mut self, xs: &mut Xs, s: XenbusState) -> Step {
        self.put(xs, XENBUS_NODE_STATE, s.as_str().as_bytes())
    }

    /// Wait (bounded) until the backend's state is one of `until`, else fail with `why`.
    #[inline(never)]
    fn wait(
        &mut self,
        xs: &mut Xs,
        hv: &dyn crate::hal::Hypervisor,
        (clock, timeout_us): (&dyn Clock, u64),
        until: u16,
        why: &'static str,
    ) -> Step<XenbusState> {
        let what = VbdName(self.vdev);
        let path = match self.at(true, XENBUS_NODE_STATE) {
            Ok(p) => p,
            Err(e) => return self.fail(XENBUS_NODE_STATE, Some(e)),
        };
        let t = Timeout::start(clock, timeout_us);
        let mut last = None;
        wait_for(hv, clock, &t, TAG, &what, &mut || {
            last = xs.read_state(path).ok().filter(|&s| until & bit(s) != 0);
            last.is_some()
        });
        match last {
            Some(s) => Ok(s),
            None => self.fail(why, None),
        }
    }
}

/// " (error)" after a reason, when there is an error.
struct Because(Option<XsError>);

impl fmt::Display for Because {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.0 {
            Some(e) => write!(f, " ({e})"),
            None => Ok(()),
        }
    }
}

/// A decimal number, as xenstore nodes hold them.
fn decimal(mut v: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return &buf[i..];
        }
    }
}

/// What the connection log line adds after the sector size.
const NOTE_FLUSH: u8 = 1 << 0;
const NOTE_READ_ONLY: u8 = 1 << 1;
const NOTE_RESET: u8 = 1 << 2;
const NOTE_TWIN: u8 = 1 << 3;
const NOTE_NO_MEDIUM: u8 = 1 << 4;
const NOTES: [&str; 5] = [
    ", flush",
    ", read-only",
    ", reset first",
    ", its IDE twin hidden",
    " (not connected: looked at again when used)",
];

struct Notes(u8);

impl fmt::Display for Notes {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        for (i, note) in NOTES.iter().enumerate() {
            if self.0 & 1 << i != 0 {
                f.write_str(note)?;
            }
        }
        Ok(())
    }
}

impl<A: Abi> XenDisk<A> {
    /// A CD with no medium answers 31h, as an ATAPI drive does.
    fn medium(&self) -> Result<(), IoError> {
        if self.info.kind == DriveKind::Cdrom && self.info.sectors == 0 {
            return Err(DiskError::MediaNotPresent.into());
        }
        Ok(())
    }

    /// Before connecting: whether the frontend's `device-type` says "cdrom", and the
    /// backend's state now (`None`: none to read).
    fn peek(&self, ctx: &mut Ctx) -> (bool, Option<XenbusState>) {
        let mut store = self.xen.store.lock();
        let xs = &mut store.session(&mut *ctx.mem, ctx.clock);
        let mut n = Nodes::new(self.vdev);
        let mut buf = [0u8; DEVICE_TYPE_MAX];
        let cdrom = n
            .at(false, XENBUS_NODE_DEVICE_TYPE)
            .and_then(|p| xs.read_str(p, &mut buf))
            .is_ok_and(|t| t == DEVICE_TYPE_CDROM);
        let state = n.backend(xs).ok().and_then(|_| {
            n.at(true, XENBUS_NODE_STATE)
                .and_then(|p| xs.read_state(p))
                .ok()
        });
        (cdrom, state)
    }

    /// A CD's medium as its backend describes it now (int13/10, and the block layer before
    /// it decides a CD has none). Connected, it re-reads `sectors` (QEMU's `xen-block` and
    /// blkback rewrite it, and their `state`, when the image changes size); a backend that
    /// left `Connected` has no medium for us. Not connected (no medium at POST), it connects
    /// once the backend waits in `InitWait` with a size: QEMU publishes `sectors` before
    /// `InitWait`, and only when it could open the image. A blkback without a medium also
    /// waits in `InitWait` but publishes `sectors` only when it connects: no size, no
    /// connection attempt, so this never waits out a handshake timeout for nothing.
    /// A medium found connected is simply there: SeaBIOS's `scsi_is_ready` (blockcmd.c)
    /// also lets int13/10 succeed after the "medium may have changed" sense.
    fn recheck(&mut self, ctx: &mut Ctx) {
        let (state, sectors) = {
            let mut store = self.xen.store.lock();
            let xs = &mut store.session(&mut *ctx.mem, ctx.clock);
            let mut n = Nodes::new(self.vdev);
            match n.backend(xs) {
                Err(()) => (None, None),
                Ok(_) => {
                    let state = n.at(true, XENBUS_NODE_STATE).and_then(|p| xs.read_state(p));
                    let sectors = n.at(true, XENBUS_NODE_SECTORS).and_then(|p| xs.read_u64(p));
                    (state.ok(), sectors.ok())
                }
            }
        };
        if self.ring_ref.is_some() {
            let bytes = match (state, sectors) {
                (Some(XenbusState::Connected), Some(s)) => s.checked_mul(1 << self.unit_shift),
                _ => None,
            };
            self.info.sectors = bytes.map_or(0, |b| b / u64::from(self.info.sector_size));
            return;
        }
        if state == Some(XenbusState::InitWait) && sectors.is_some_and(|s| s != 0) {
            self.oldest = self.next_id;
            if self.connect(ctx, "still no medium").is_some() {
                info!(
                    TAG,
                    "{}: medium found, {} sectors",
                    VbdName(self.vdev),
                    self.info.sectors
                );
            }
        }
    }

    /// The xenbus handshake, the ring granted as `ring_ref`: fills in what the backend
    /// says about the disk; log notes.
    fn handshake(
        &mut self,
        xs: &mut Xs,
        clock: &dyn Clock,
        us: u64,
        n: &mut Nodes,
        ring_ref: GrantRef,
    ) -> Step<u8> {
        let hv = self.xen.hv;
        let time = (clock, us);
        let mut notes = 0;
        let from = match n.wait(xs, hv, time, AFTER_INIT, "backend not in InitWait")? {
            XenbusState::Connected => 0,
            XenbusState::Closing => 1,
            XenbusState::Closed => 2,
            _ => RESET.len(),
        };
        for &(ours, until) in &RESET[from..] {
            notes = NOTE_RESET;
            n.state(xs, ours)?;
            n.wait(xs, hv, time, until, "backend did not reset")?;
        }
        // A sector size announced already is one QEMU wants `feature-large-sector-size`
        // for.
        // Its absence is no failure: not recorded as the handshake's reason.
        let early = n
            .at(true, XENBUS_NODE_SECTOR_SIZE)
            .and_then(|p| xs.read_u64(p));
        let large = early.is_ok_and(|s| s != u64::from(SECTOR));
        let (mut a, mut b) = ([0u8; 10], [0u8; 10]);
        let (ring_ref, port) = (decimal(ring_ref, &mut a), decimal(self.port, &mut b));
        let nodes: [(&str, &[u8]); 4] = [
            (XENBUS_NODE_RING_REF, ring_ref),
            (XENBUS_NODE_EVENT_CHANNEL, port),
            (XENBUS_NODE_PROTOCOL, A::PROTOCOL.as_bytes()),
            (NODE_LARGE_SECTORS, b"1"),
        ];
        let nodes = &nodes[..nodes.len() - usize::from(!large)];
        let mut write_failed = false;
        let tx = xs.transaction(|tx| {
            for &(leaf, value) in nodes {
                n.put(tx, leaf, value).map_err(|()| {
                    write_failed = true;
                    XsError::BadRequest
                })?;
            }
            Ok(())
        });
        if let Err(e) = tx {
            // A failed write already said which; a failed start or commit is the
            // transaction's.
            if !write_failed {
                n.fail::<()>("transaction", Some(e))?;
            }
            return Err(());
        }
        n.state(xs, XenbusState::Initialised)?;
        if n.wait(xs, hv, time, CONNECT_ENDS, "backend did not connect")? != XenbusState::Connected
        {
            return n.fail("backend closed", None);
        }
        let sectors = n.num(xs, true, XENBUS_NODE_SECTORS)?;
        let size = n.num(xs, true, XENBUS_NODE_SECTOR_SIZE)?;
        let info = n.num(xs, true, XENBUS_NODE_INFO)? as u32;
        // Absent means no.
        self.flush = n
            .at(true, XENBUS_NODE_FEATURE_FLUSH_CACHE)
            .and_then(|p| xs.read_u64(p))
            == Ok(YES);
        // QEMU and Linux blkback both say "cdrom" and "read-only" in `info`; the frontend's
        // `device-type` (read before connecting) says so too.
        let cdrom = info & VDISK_CDROM != 0 || self.info.kind == DriveKind::Cdrom;
        let d = &mut self.info;
        d.read_only = info & VDISK_READONLY != 0 || cdrom;
        d.removable = cdrom || info & VDISK_REMOVABLE != 0;
        let usable = (u64::from(SECTOR)..=u64::from(PAGE)).contains(&size);
        let unit_shift = if large {
            size.trailing_zeros()
        } else {
            SECTOR_SHIFT
        };
        // The size in bytes must be a number (2^55 sectors of 512 bytes is not); only a CD
        // may have none (no medium).
        let bytes = sectors
            .checked_mul(1 << unit_shift)
            .filter(|&b| b != 0 || cdrom);
        let (true, true, Some(bytes)) = (size.is_power_of_two(), usable, bytes) else {
            return n.fail("unusable size", None);
        };
        self.align = size as u32;
        self.unit_shift = unit_shift;
        d.sector_size = self.align;
        if cdrom {
            d.kind = DriveKind::Cdrom;
            d.sector_size = self.align.max(CD_SECTOR);
        }
        d.sectors = bytes / u64::from(d.sector_size);
        n.state(xs, XenbusState::Connected)?;
        if large {
            // Read by the backend when it connected; off before the OS's frontend connects.
            let _ = n.put(xs, NODE_LARGE_SECTORS, b"0");
        }
        if self.flush {
            notes |= NOTE_FLUSH;
        }
        if d.read_only {
            notes |= NOTE_READ_ONLY;
        }
        Ok(notes)
    }

    /// Connect the VBD, its ring in the page at `self.ring`: log notes, or `None` when it
    /// failed (logged, after `what`: "skipped" at POST). A failed handshake leaves the
    /// frontend `Closed` and gives back the ring's grant and the event channel.
    fn connect(&mut self, ctx: &mut Ctx, what: &str) -> Option<u8> {
        let xen = self.xen;
        let mut n = Nodes::new(self.vdev);
        let clock = ctx.clock;
        let found = {
            let mut store = xen.store.lock();
            n.backend(&mut store.session(&mut *ctx.mem, clock))
        };
        // The ring, granted to the backend, and a port for it.
        let ring = self.ring;
        let ring_ref = found.and_then(|backend| {
            self.backend = backend;
            ctx.mem.fill(ring, PAGE, 0);
            ctx.mem.write_obj(ring, &SringHeader::new());
            self.front = FrontRing::new(A::RING_SIZE);
            let g = xen
                .grants
                .lock()
                .grant(ctx.mem, backend, ring >> XEN_PAGE_SHIFT, false);
            g.or_else(|_| n.fail("ring grant", None))
        });
        let mut r = ring_ref.map(|_| 0);
        if let Ok(ring_ref) = ring_ref {
            self.ring_ref = Some(ring_ref);
            let mut store = xen.store.lock();
            let xs = &mut store.session(&mut *ctx.mem, clock);
            r = match xen.hv.evtchn_alloc_unbound(self.backend) {
                Ok(port) => {
                    self.port = port;
                    self.handshake(xs, clock, self.cfg.handshake_timeout_us, &mut n, ring_ref)
                }
                Err(_) => n.fail("event channel", None),
            };
            if r.is_err() {
                // Frontend Closed: a backend that connected lets go of the ring, and the
                // OS's frontend finds a state it knows how to reset.
                let _ = n.state(xs, XenbusState::Closed);
                drop(store);
                self.release(ctx.mem);
            }
        }
        if r.is_err() {
            warn!(
                TAG,
                "{}: {}: {}{}",
                VbdName(self.vdev),
                Text(what),
                Text(n.why),
                Because(n.err)
            );
        }
        r.ok()
    }

    /// Give back the ring's grant and the event channel (the backend let go of them, or
    /// never had them). A ring grant the backend still maps stays out of use.
    fn release(&mut self, mem: &mut dyn Memory) {
        if let Some(r) = self.ring_ref.take() {
            let _ = self.xen.grants.lock().end_access(mem, r);
        }
        if self.port != 0 {
            let _ = self.xen.hv.evtchn_close(self.port);
            self.port = 0;
        }
    }

    /// After a batch whose grants the backend may still use (`lost`: its unanswered
    /// requests and the grants kept; `held` of them still mapped; `bounce`: they cover
    /// bounce pages). By what the backend did:
    /// - broke the protocol, or left `Connected`: the disk is disabled;
    /// - still maps pages (Linux blkback maps a request's grants until it answers, and
    ///   finishes its requests before it reaches `Closed`): the VBD is disconnected, the
    ///   grants freed, and the VBD connected again;
    /// - did not answer, pages revoked (QEMU): the batch is abandoned, its grants freed
    ///   when its answers come; a second silent batch in a row disables the disk.
    fn after_fault(&mut self, ctx: &mut Ctx, lost: Abandoned, held: u32, bounce: bool) {
        let name = VbdName(self.vdev);
        // Poisoned before this batch: by another disk, for good.
        let was_poisoned = self.bounce.poisoned.get();
        if held != 0 && bounce {
            // Until the backend lets go (a reconnection makes it), it may write them.
            self.bounce.poisoned.set(true);
        }
        if self.failed.is_some() {
            // A protocol violation, logged where it was seen.
            return self.disable(ctx, None);
        }
        let state = {
            let mut store = self.xen.store.lock();
            let xs = &mut store.session(&mut *ctx.mem, ctx.clock);
            let mut n = Nodes::new(self.vdev);
            n.backend(xs).ok().and_then(|_| {
                n.at(true, XENBUS_NODE_STATE)
                    .and_then(|p| xs.read_state(p))
                    .ok()
            })
        };
        if state != Some(XenbusState::Connected) {
            error!(
                TAG,
                "{name}: backend is {}: disk disabled",
                Text(state.map_or("gone", XenbusState::name))
            );
            return self.disable(ctx, Some(DiskError::NotReady));
        }
        let abandoned = self.abandoned.iter().any(Option::is_some);
        if held != 0 && !abandoned {
            warn!(
                TAG,
                "{name}: backend keeps {held} page(s) mapped: reconnecting"
            );
            return self.reconnect(ctx, &lost, was_poisoned);
        }
        if held != 0 {
            // Reconnecting would let the abandoned requests' answers land on the new ring.
            error!(
                TAG,
                "{name}: backend keeps {held} page(s) mapped while requests are abandoned: disk disabled"
            );
            return self.disable(ctx, Some(DiskError::NotReady));
        }
        if self.silent >= SILENT_LIMIT {
            error!(
                TAG,
                "{name}: no answer to {} calls in a row: disk disabled", self.silent
            );
            return self.disable(ctx, Some(DiskError::NotReady));
        }
        let Some(slot) = self.abandoned.iter_mut().find(|a| a.is_none()) else {
            error!(
                TAG,
                "{name}: too many requests without an answer: disk disabled"
            );
            return self.disable(ctx, Some(DiskError::NotReady));
        };
        *slot = Some(lost);
        warn!(
            TAG,
            "{name}: no answer: {} grant(s) revoked, kept until the backend answers", lost.nrefs
        );
    }

    /// Take the disk out of use (`code` for every later call, unless a protocol violation
    /// set one) and disconnect it, so that the OS's frontend finds a state it can reset.
    /// Grants the backend may still use stay allocated for good.
    fn disable(&mut self, ctx: &mut Ctx, code: Option<DiskError>) {
        self.failed = self.failed.or(code);
        if self.disconnect(ctx) {
            self.release(ctx.mem);
        }
    }

    /// Disconnect (the backend finishes what it maps first), free `lost`'s grants and
    /// connect again; disable the disk if the backend does not close, keeps a page, or
    /// does not connect. `was_poisoned`: the bounce pages' state before the batch.
    fn reconnect(&mut self, ctx: &mut Ctx, lost: &Abandoned, was_poisoned: bool) {
        let name = VbdName(self.vdev);
        if !self.disconnect(ctx) {
            self.failed = Some(DiskError::NotReady);
            return;
        }
        let mut kept = 0;
        {
            let mut table = self.xen.grants.lock();
            for &r in &lost.refs[..usize::from(lost.nrefs)] {
                kept += table.end_access(ctx.mem, r).is_err() as u32;
            }
        }
        self.release(ctx.mem);
        if kept == 0 {
            // The backend let go of every page: the bounce pages are as safe as before.
            self.bounce.poisoned.set(was_poisoned);
        }
        if kept != 0 {
            error!(
                TAG,
                "{name}: backend still holds {kept} page(s): their grants stay out of use"
            );
            self.failed = Some(DiskError::NotReady);
            return;
        }
        self.oldest = self.next_id;
        match self.connect(ctx, "reconnection failed, disk disabled") {
            Some(_) => info!(TAG, "{name}: reconnected"),
            None => self.failed = Some(DiskError::NotReady),
        }
    }

    /// Frontend `Closing`, then `Closed`, each waiting (bounded) for the backend to follow:
    /// whether the backend is `Closed` now (or gone: no state to read).
    fn disconnect(&mut self, ctx: &mut Ctx) -> bool {
        let xen = self.xen;
        let mut store = xen.store.lock();
        let xs = &mut store.session(&mut *ctx.mem, ctx.clock);
        let mut n = Nodes::new(self.vdev);
        if n.backend(xs).is_err() {
            return true;
        }
        let time = (ctx.clock, self.cfg.handshake_timeout_us);
        let steps = [
            (XenbusState::Closing, CLOSE_ENDS),
            (XenbusState::Closed, bit(XenbusState::Closed)),
        ];
        for (ours, until) in steps {
            let state = n.at(true, XENBUS_NODE_STATE).and_then(|p| xs.read_state(p));
            if state.is_err() {
                let _ = n.state(xs, XenbusState::Closed);
                return true;
            }
            let step = n
                .state(xs, ours)
                .and_then(|()| n.wait(xs, xen.hv, time, until, "backend did not close"));
            if step.is_err() {
                warn!(
                    TAG,
                    "{}: {}{}",
                    VbdName(self.vdev),
                    Text(n.why),
                    Because(n.err)
                );
                let _ = n.state(xs, XenbusState::Closed);
                return false;
            }
        }
        true
    }
}

/// POST: connect every VBD of `xen` under `device/vbd` (ring layout `x86_64-abi`) and
/// register a drive for each in `drives`; hide the emulated IDE twins of the PV disks that
/// connected. The bounce and ring pages are reserved in `e820`.
#[inline(never)] // POST step: its locals live only while it runs (stack budget)
pub fn probe(ctx: &mut Ctx, xen: &'static Xen, e820: &mut E820Map, drives: &mut Drives) {
    probe_with::<X86_64>(ctx, xen, e820, drives, &Config::DEFAULT);
}

/// [`probe`] in ring layout `A`, with timeouts `cfg`.
pub fn probe_with<A: Abi>(
    ctx: &mut Ctx,
    xen: &'static Xen,
    e820: &mut E820Map,
    drives: &mut Drives,
    cfg: &Config,
) {
    let vdevs = xen.vbds.as_slice();
    if vdevs.is_empty() {
        return;
    }
    // The bounce pages and every ring page.
    let pages = BOUNCE_PAGES + vdevs.len() as u32;
    let Some(bounce) = crate::zone::alloc_pages(e820, pages) else {
        return;
    };
    let Some(shared) = crate::arena::leak(Bounce {
        base: bounce,
        poisoned: Cell::new(false),
    }) else {
        return;
    };
    let shared: &'static Bounce = shared;
    let bdf = xen.platform.bdf;
    let pci = PciAddr {
        bus: bdf.bus(),
        dev: bdf.dev(),
        func: bdf.func(),
    };
    let mut ring = bounce + BOUNCE_PAGES * PAGE;
    for &vdev in vdevs {
        let mut disk = XenDisk::<A> {
            info: DriveInfo {
                kind: DriveKind::Disk,
                sectors: 0,
                sector_size: SECTOR,
                read_only: false,
                removable: false,
                chs: None,
                interface: Interface::Xen { pci, vdev },
            },
            xen,
            bounce: shared,
            vdev,
            backend: 0,
            ring,
            port: 0,
            front: FrontRing::new(A::RING_SIZE),
            unit_shift: SECTOR_SHIFT,
            align: SECTOR,
            flush: false,
            next_id: 0,
            ring_ref: None,
            failed: None,
            silent: 0,
            oldest: 0,
            abandoned: [None; MAX_ABANDONED],
            cfg: *cfg,
            abi: PhantomData,
        };
        ring += PAGE;
        // A CD (the frontend's `device-type`, written by libxl and QEMU) is registered
        // even with no medium, so that one can be found later (`ready`). An empty CD on
        // real Xen (libxl 4.17, `vdev=hdc,devtype=cdrom,target=`) has a QEMU backend that
        // could not open its image: it stays `Initialising` for good, not worth a wait.
        let (cdrom, state) = disk.peek(ctx);
        if cdrom {
            let d = &mut disk.info;
            d.kind = DriveKind::Cdrom;
            d.sector_size = CD_SECTOR;
            d.read_only = true;
            d.removable = true;
        }
        let waiting = matches!(state, None | Some(XenbusState::Initialising));
        let connected = if cdrom && waiting {
            None
        } else {
            disk.connect(ctx, if cdrom { "no medium" } else { "skipped" })
        };
        let Some(mut notes) = connected.or(cdrom.then_some(NOTE_NO_MEDIUM)) else {
            continue;
        };
        let bytes = |i: &DriveInfo| i.sectors * u64::from(i.sector_size);
        let size = bytes(&disk.info);
        // An empty PV CD hides nothing: its IDE twin may have a medium the PV path lacks
        // (QEMU's `xen-block` cannot change media, the IDE CD can).
        let atapi = disk.info.kind == DriveKind::Cdrom;
        let position = twin_position(vdev).filter(|_| size != 0);
        let Some(id) = crate::arena::leak(disk).and_then(|d| drives.add(d)) else {
            continue;
        };
        // The emulated IDE twin: same position, same size.
        let twin = position
            .and_then(|(c, s)| {
                drives.iter().find(|(_, t)| {
                    let i = t.dev.info();
                    matches!(i.interface, Interface::Ata { channel, slave, atapi: a, .. }
                        if channel == c && slave == s && a == atapi)
                        && bytes(i) == size
                })
            })
            .map(|(t, _)| t);
        if let Some(t) = twin {
            drives.hide(t);
            notes |= NOTE_TWIN;
        }
        if let Some(d) = drives.get(id) {
            let i = d.dev.info();
            let name = crate::block::DriveName(&*d.dev);
            if notes & NOTE_NO_MEDIUM != 0 {
                info!(TAG, "{name}: registered{}", Notes(notes));
            } else {
                info!(
                    TAG,
                    "{name}: connected, {} sectors of {} bytes{}",
                    i.sectors,
                    i.sector_size,
                    Notes(notes)
                );
            }
        }
    }
}

/// The IDE position QEMU and Xen give the emulated twin of `xvda`..`xvdd` (and
/// `hda`..`hdd`): (channel, slave).
pub fn twin_position(vdev: u32) -> Option<(u8, bool)> {
    /// Disks with an IDE twin: primary master and slave, secondary master and slave.
    const IDE_DISKS: u32 = 4;
    let v = Vbd::decode(vdev)?;
    let twin_kind = matches!(v.kind, VbdKind::Xvd | VbdKind::Hd);
    (twin_kind && v.partition == 0 && v.disk < IDE_DISKS)
        .then_some(((v.disk / 2) as u8, v.disk % 2 == 1))
}
