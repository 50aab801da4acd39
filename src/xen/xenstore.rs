//! A xenstore client over the ring page at `HVM_PARAM_STORE_PFN`.
//!
//! One request is in flight at a time: it is written whole into the request ring (so a
//! request never exceeds [`MAX_REQUEST_PAYLOAD`]), xenstored is notified on the
//! `HVM_PARAM_STORE_EVTCHN` port, and the answer is read from the response ring. Answers
//! are matched by `req_id`: watch events and answers to someone else's requests (an earlier
//! stage's, or one of ours that timed out) are read and dropped. An `XS_ERROR` answer
//! becomes [`XsError::Error`] with the error it names.
//!
//! Every request and its answer are bounded together by one deadline (default
//! [`DEFAULT_TIMEOUT_US`], on the calibrated clock); an expired wait is logged and gives
//! [`XsError::Timeout`]. A request times out only before any of it was written or between
//! whole messages or inside an answer's payload; the unread rest of such a payload is
//! skipped before the next request, so the byte stream keeps its framing. Answers that break
//! the protocol (impossible ring indexes, oversized messages) give [`XsError::Protocol`]
//! and make the client resynchronise before its next request: through the ring
//! reconnection protocol when the server offers it (`docs/misc/xenstore-ring.txt`), else by
//! dropping whatever is in the response ring.
//!
//! [`Xenstore::connect`] handles a ring an earlier stage left dirty (unread answers, an
//! unconsumed request, a reconnection in progress, an error reported by the server).
//!
//! Paths are built without a heap, in an [`XsPath`] (or with [`path`]), and a path that
//! does not fit is refused, never cut. Answers go to buffers the caller provides, and an
//! answer longer than the buffer is consumed and reported as [`XsError::TooBig`], never
//! written past the buffer nor given cut; a directory listing can instead be read name by
//! name as it comes ([`Xs::directory_each`]), which needs no buffer for all of it.

use super::Text;
use super::wait::{DEFAULT_TIMEOUT_US, Timeout, wait_for};
use crate::hal::clock::Clock;
use crate::hal::hypercall::{Hypervisor, XenErrno};
use crate::hal::mem::Memory;
use core::fmt::{self, Write};
use core::mem::size_of;
use xen_headers::event_channel::EvtchnPort;
use xen_headers::io::xenbus::XenbusState;
use xen_headers::io::xs_wire::ring_offset::{
    CONNECTION, ERROR, REQ, REQ_CONS, REQ_PROD, RSP, RSP_CONS, RSP_PROD, SERVER_FEATURES,
};
use xen_headers::io::xs_wire::{
    XENSTORE_CONNECTED, XENSTORE_ERROR_NONE, XENSTORE_PAYLOAD_MAX, XENSTORE_RECONNECT,
    XENSTORE_RING_SIZE, XENSTORE_SERVER_FEATURE_ERROR, XENSTORE_SERVER_FEATURE_RECONNECTION,
    XS_DIRECTORY, XS_ERROR, XS_MKDIR, XS_READ, XS_RM, XS_TRANSACTION_END, XS_TRANSACTION_START,
    XS_WATCH_EVENT, XS_WRITE, XsdError, XsdSockmsg, mask_xenstore_idx, xenstore_ring_chunk,
    xenstore_ring_used,
};
use zerocopy::IntoBytes;

const TAG: &str = "xenstore";

const RING_SIZE: u32 = XENSTORE_RING_SIZE as u32;

const HEADER: u32 = size_of::<XsdSockmsg>() as u32;
/// The longest request payload: header and payload must fit the ring at once.
pub const MAX_REQUEST_PAYLOAD: usize = XENSTORE_RING_SIZE - HEADER as usize;
/// Room for a path the firmware builds: the longest is a backend's node
/// (`/local/domain/<id>/backend/<type>/<id>/<vdev>/sector-size`, about 60 bytes). xenstore
/// allows paths up to `XENSTORE_ABS_PATH_MAX`; longer ones than this are refused
/// ([`XsPath`]).
pub const PATH_MAX: usize = 256;
/// Room for one name of a listing read by [`Xs::directory_each`]: the names the firmware
/// looks for are numbers (a vdev has at most 10 digits); longer ones are only logged, and
/// their first 64 bytes say enough.
pub const DIR_NAME_MAX: usize = 64;
/// Our first request id: far from the small ids other clients (hvmloader, a previous
/// kernel) start from, so their late answers are not taken for ours.
const FIRST_REQ_ID: u32 = 0x7862_0001;
/// Transactions retried this many times when xenstored answers `EAGAIN` (a conflict).
pub const MAX_TRANSACTION_ATTEMPTS: u32 = 8;
/// Room for the longest error name with its NUL (`"ENOTEMPTY\0"`, 10 bytes).
const ERROR_NAME_MAX: usize = 16;
/// Scratch space: answer bytes that are dropped, or a listing read name by name, go through
/// it this many at a time.
const CHUNK: usize = 64;
/// A decimal `u64` (20 digits) and a NUL some writers add.
const NUMBER_MAX: usize = 21;
/// Room for the "OK\0" that acknowledges writes.
const ACK_MAX: usize = 4;

/// `XS_TRANSACTION_END`'s argument: commit, or abort (`docs/misc/xenstore.txt`).
const TRANSACTION_COMMIT: &str = "T";
const TRANSACTION_ABORT: &str = "F";

/// Transaction id: 0 is "no transaction".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tx(pub u32);

impl Tx {
    pub const NONE: Tx = Tx(0);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XsError {
    /// xenstored answered `XS_ERROR` with this error (`ENOENT`, `EACCES`, `EAGAIN`, ...).
    Error(XsdError),
    /// xenstored answered `XS_ERROR` with a name outside the table.
    UnknownError,
    /// No (complete) answer before the deadline; logged.
    Timeout,
    /// The server broke the protocol: impossible ring indexes, an oversized message, an
    /// answer of the wrong type. The client resynchronises before its next request.
    Protocol,
    /// The answer (`len` bytes) did not fit the caller's buffer; it was read and dropped.
    TooBig { len: u32 },
    /// A request the client will not send: a path with a NUL, a path or value too long.
    BadRequest,
    /// The node's value is not what it should hold ("abc" where a number belongs).
    Malformed,
    /// Notifying xenstored failed.
    Hypercall(XenErrno),
    /// The ring cannot be used: corrupt or stuck, and the server cannot reset it.
    Unusable,
}

impl fmt::Display for XsError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            XsError::Error(e) => f.write_str(e.as_str()),
            XsError::UnknownError => f.write_str("unknown xenstore error"),
            XsError::Timeout => f.write_str("timeout"),
            XsError::Protocol => f.write_str("protocol error"),
            XsError::TooBig { len } => write!(f, "{len}-byte answer too big"),
            XsError::BadRequest => f.write_str("bad request"),
            XsError::Malformed => f.write_str("malformed value"),
            XsError::Hypercall(e) => write!(f, "event channel: {e}"),
            XsError::Unusable => f.write_str("ring unusable"),
        }
    }
}

/// A xenstore path of at most [`PATH_MAX`] bytes, built with `write!`.
///
/// Text that does not fit is never cut (a cut path names another node: `<backend>/sect`
/// for `<backend>/sectors`): the write fails with `fmt::Error`, writes nothing, logs the
/// part that fitted, and spoils the path until [`XsPath::clear`]. A spoiled path is
/// [`XsError::BadRequest`] from [`XsPath::get`] and the empty string from
/// [`XsPath::as_str`], which every request refuses: a caller that ignores the error still
/// never requests a cut path.
pub struct XsPath {
    bytes: [u8; PATH_MAX],
    len: usize,
    spoiled: bool,
}

impl Default for XsPath {
    fn default() -> Self {
        Self::new()
    }
}

impl XsPath {
    pub const fn new() -> Self {
        XsPath {
            bytes: [0; PATH_MAX],
            len: 0,
            spoiled: false,
        }
    }

    /// Empty it, to build another path in the same space.
    pub fn clear(&mut self) {
        self.len = 0;
        self.spoiled = false;
    }

    /// What was written (of a spoiled path: the part that fitted).
    fn written(&self) -> &str {
        // Only whole `&str`s are ever copied in (see `write_str`).
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }

    /// The path, or [`XsError::BadRequest`] if a write did not fit (logged then).
    pub fn get(&self) -> Result<&str, XsError> {
        if self.spoiled {
            return Err(XsError::BadRequest);
        }
        Ok(self.written())
    }

    /// The path; empty (which no request accepts) if a write did not fit.
    pub fn as_str(&self) -> &str {
        if self.spoiled { "" } else { self.written() }
    }
}

impl fmt::Write for XsPath {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.spoiled {
            return Err(fmt::Error);
        }
        let end = self.len + s.len();
        if end > PATH_MAX {
            self.spoiled = true;
            warn!(
                TAG,
                "refusing a path over {} bytes: {}...",
                PATH_MAX as u32,
                Text(self.written())
            );
            return Err(fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// A path joined from pieces: `path(&["device/vbd/", name, "/state"])`, or
/// [`XsError::BadRequest`] (logged) if it does not fit [`PATH_MAX`].
pub fn path(pieces: &[&str]) -> Result<XsPath, XsError> {
    let mut p = XsPath::new();
    for piece in pieces {
        if p.write_str(piece).is_err() {
            break;
        }
    }
    p.get()?;
    Ok(p)
}

/// A decimal number as xenstore nodes hold them: digits only, optionally followed by one
/// NUL. Anything else (empty, signs, spaces, "abc", overflow) is `None`.
pub fn parse_u64(value: &[u8]) -> Option<u64> {
    let digits = value.strip_suffix(b"\0").unwrap_or(value);
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |v, &d| {
        if d.is_ascii_digit() {
            v.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        } else {
            None
        }
    })
}

/// The names of a directory listing (`name\0name\0...`). Names that are not UTF-8 are
/// skipped.
#[derive(Clone, Debug)]
pub struct DirEntries<'b> {
    rest: &'b [u8],
}

impl<'b> DirEntries<'b> {
    pub fn new(listing: &'b [u8]) -> Self {
        DirEntries { rest: listing }
    }
}

impl<'b> Iterator for DirEntries<'b> {
    type Item = &'b str;
    fn next(&mut self) -> Option<&'b str> {
        while !self.rest.is_empty() {
            let end = self
                .rest
                .iter()
                .position(|&b| b == 0)
                .unwrap_or(self.rest.len());
            let (name, tail) = self.rest.split_at(end);
            self.rest = tail.get(1..).unwrap_or(&[]);
            if let (false, Ok(s)) = (name.is_empty(), core::str::from_utf8(name)) {
                return Some(s);
            }
        }
        None
    }
}

/// One name of a listing, as [`Xs::directory_each`] gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirName<'n> {
    /// The name (not checked for UTF-8), or its first [`DIR_NAME_MAX`] bytes when `cut`.
    pub bytes: &'n [u8],
    /// The name is longer than [`DIR_NAME_MAX`]: `bytes` is only its beginning.
    pub cut: bool,
}

/// Splits a listing (`name\0name\0...`) into names as its bytes come, in pieces.
struct Splitter {
    name: [u8; DIR_NAME_MAX],
    len: usize,
    cut: bool,
}

impl Splitter {
    fn new() -> Self {
        Splitter {
            name: [0; DIR_NAME_MAX],
            len: 0,
            cut: false,
        }
    }

    fn feed(&mut self, bytes: &[u8], each: &mut impl FnMut(DirName)) {
        for &b in bytes {
            if b == 0 {
                self.end(each);
            } else if self.len < DIR_NAME_MAX {
                self.name[self.len] = b;
                self.len += 1;
            } else {
                self.cut = true;
            }
        }
    }

    /// The name so far is complete (empty names are skipped).
    fn end(&mut self, each: &mut impl FnMut(DirName)) {
        if self.len != 0 {
            each(DirName {
                bytes: &self.name[..self.len],
                cut: self.cut,
            });
        }
        self.len = 0;
        self.cut = false;
    }
}

/// The name of a request type, for log lines.
fn op_name(ty: u32) -> &'static str {
    match ty {
        XS_READ => "read",
        XS_WRITE => "write",
        XS_DIRECTORY => "directory",
        XS_MKDIR => "mkdir",
        XS_RM => "rm",
        XS_TRANSACTION_START => "transaction start",
        XS_TRANSACTION_END => "transaction end",
        _ => "request",
    }
}

/// What a wait is for, for the log line when it times out.
struct Waiting<'p> {
    ty: u32,
    path: &'p str,
}

impl fmt::Display for Waiting<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("xenstore ")?;
        f.write_str(op_name(self.ty))?;
        f.write_str(" ")?;
        f.write_str(self.path)
    }
}

/// The client. Shared by every user of xenstore; [`Xenstore::session`] gives it the memory
/// and clock for a series of requests.
pub struct Xenstore {
    hv: &'static dyn Hypervisor,
    /// Linear address of the ring page.
    ring: u32,
    port: EvtchnPort,
    next_req_id: u32,
    timeout_us: u64,
    /// `server_features` at connection.
    features: u32,
    /// Payload bytes of an abandoned answer still in the ring, dropped before the next
    /// request.
    skip: u32,
    /// The response stream lost its framing: resynchronise before the next request.
    desync: bool,
}

impl Xenstore {
    /// Take over the ring at `ring` (xenstored listens on `port`), cleaning up after an
    /// earlier stage if needed. Fails if the ring cannot be used.
    pub fn connect(
        mem: &mut dyn Memory,
        hv: &'static dyn Hypervisor,
        clock: &dyn Clock,
        ring: u32,
        port: EvtchnPort,
    ) -> Result<Xenstore, XsError> {
        let mut s = Xenstore {
            hv,
            ring,
            port,
            next_req_id: FIRST_REQ_ID,
            timeout_us: DEFAULT_TIMEOUT_US,
            features: mem.read_u32(ring + SERVER_FEATURES),
            skip: 0,
            desync: false,
        };
        let t = Timeout::start(clock, s.timeout_us);
        let reconnect = s.can_reconnect();
        if reconnect && mem.read_u32(ring + CONNECTION) == XENSTORE_RECONNECT {
            info!(TAG, "a ring reconnection is in progress: waiting for it");
            // Whoever started it may not have notified xenstored: a kick is harmless.
            s.notify()?;
            s.wait_connected(mem, clock, &t)?;
        }
        if s.features & XENSTORE_SERVER_FEATURE_ERROR != 0 {
            let e = mem.read_u32(ring + ERROR);
            if e != XENSTORE_ERROR_NONE {
                warn!(TAG, "server reports connection error {e}");
                if !reconnect {
                    return Err(XsError::Unusable);
                }
                s.resync(mem, clock, &t)?;
            }
        }
        let req = s.used(mem, REQ_PROD, REQ_CONS);
        let rsp = s.used(mem, RSP_PROD, RSP_CONS);
        if req != 0 || rsp != 0 {
            warn!(
                TAG,
                "ring left dirty by an earlier stage: {req} request bytes unconsumed, {rsp} answer bytes unread"
            );
            if reconnect {
                s.resync(mem, clock, &t)?;
            } else {
                if req > RING_SIZE {
                    error!(TAG, "request ring indexes are corrupt and cannot be reset");
                    return Err(XsError::Unusable);
                }
                if req != 0 {
                    // The earlier stage may never have notified xenstored of it.
                    s.notify()?;
                    let what = "xenstored to consume an earlier stage's request";
                    let hv = s.hv;
                    let done = wait_for(hv, clock, &t, TAG, &what, &mut || {
                        s.used(mem, REQ_PROD, REQ_CONS) == 0
                    });
                    if !done {
                        return Err(XsError::Unusable);
                    }
                }
                // Its answer, if it comes later, is skipped by its request id.
                s.drain(mem)?;
            }
        }
        info!(
            TAG,
            "ring at {ring:#x}, event channel {port}, server features {:#x}", s.features
        );
        Ok(s)
    }

    pub fn ring(&self) -> u32 {
        self.ring
    }
    pub fn port(&self) -> EvtchnPort {
        self.port
    }
    /// The deadline of each request, default [`DEFAULT_TIMEOUT_US`].
    pub fn set_timeout_us(&mut self, us: u64) {
        self.timeout_us = us;
    }

    /// Requests outside a transaction, with this memory and clock.
    pub fn session<'a>(&'a mut self, mem: &'a mut dyn Memory, clock: &'a dyn Clock) -> Xs<'a> {
        Xs {
            store: self,
            mem,
            clock,
            tx: Tx::NONE,
        }
    }

    fn can_reconnect(&self) -> bool {
        self.features & XENSTORE_SERVER_FEATURE_RECONNECTION != 0
    }

    fn rd(&self, mem: &dyn Memory, field: u32) -> u32 {
        mem.read_u32(self.ring + field)
    }

    /// Bytes between a producer and a consumer index (more than the ring: corrupt).
    fn used(&self, mem: &dyn Memory, prod: u32, cons: u32) -> u32 {
        xenstore_ring_used(self.rd(mem, prod), self.rd(mem, cons))
    }

    fn notify(&self) -> Result<(), XsError> {
        self.hv.evtchn_send(self.port).map_err(|e| {
            warn!(TAG, "notifying xenstored on port {} failed: {e}", self.port);
            XsError::Hypercall(e)
        })
    }

    fn wait_connected(
        &self,
        mem: &dyn Memory,
        clock: &dyn Clock,
        t: &Timeout,
    ) -> Result<(), XsError> {
        let what = "xenstored to reset the ring";
        let done = wait_for(self.hv, clock, t, TAG, &what, &mut || {
            self.rd(mem, CONNECTION) == XENSTORE_CONNECTED
        });
        if done { Ok(()) } else { Err(XsError::Timeout) }
    }

    /// Bring the response stream back to a message boundary.
    fn resync(
        &mut self,
        mem: &mut dyn Memory,
        clock: &dyn Clock,
        t: &Timeout,
    ) -> Result<(), XsError> {
        self.skip = 0;
        if self.can_reconnect() {
            mem.write_u32(self.ring + CONNECTION, XENSTORE_RECONNECT);
            mem.fence();
            self.notify()?;
            self.wait_connected(mem, clock, t)?;
            info!(TAG, "ring reset by xenstored");
        } else {
            self.drain(mem)?;
        }
        self.desync = false;
        Ok(())
    }

    /// Drop everything in the response ring (the server cannot reset it for us).
    fn drain(&mut self, mem: &mut dyn Memory) -> Result<(), XsError> {
        let prod = self.rd(mem, RSP_PROD);
        let n = xenstore_ring_used(prod, self.rd(mem, RSP_CONS));
        if n != 0 {
            mem.fence();
            mem.write_u32(self.ring + RSP_CONS, prod);
            warn!(TAG, "dropped {n} unread answer bytes");
            self.notify()?;
        }
        self.desync = false;
        Ok(())
    }

    /// Write a whole message into the request ring and notify xenstored. Nothing is written
    /// unless all of it fits, so a timeout leaves the request stream intact.
    fn send(
        &mut self,
        mem: &mut dyn Memory,
        clock: &dyn Clock,
        t: &Timeout,
        what: &Waiting,
        parts: &[&[u8]],
    ) -> Result<(), XsError> {
        let total: u32 = parts.iter().map(|p| p.len() as u32).sum();
        let hv = self.hv;
        let mut corrupt = false;
        let room = wait_for(hv, clock, t, TAG, what, &mut || {
            let used = self.used(mem, REQ_PROD, REQ_CONS);
            corrupt = used > RING_SIZE;
            corrupt || RING_SIZE - used >= total
        });
        if corrupt {
            error!(TAG, "request ring indexes are corrupt");
            if self.can_reconnect() {
                self.desync = true;
                return Err(XsError::Protocol);
            }
            return Err(XsError::Unusable);
        }
        if !room {
            return Err(XsError::Timeout);
        }
        let mut prod = self.rd(mem, REQ_PROD);
        for part in parts {
            let mut bytes = *part;
            while !bytes.is_empty() {
                let n = xenstore_ring_chunk(prod, bytes.len() as u32);
                let at = self.ring + REQ + mask_xenstore_idx(prod) as u32;
                mem.write(at, &bytes[..n]);
                bytes = &bytes[n..];
                prod = prod.wrapping_add(n as u32);
            }
        }
        // The message before the index that publishes it.
        mem.fence();
        mem.write_u32(self.ring + REQ_PROD, prod);
        mem.fence();
        self.notify()
    }

    /// Wait until at least `min` answer bytes are in the ring; how many there are.
    /// Impossible indexes are a protocol error (and the stream must be resynchronised).
    fn wait_rsp(
        &mut self,
        mem: &mut dyn Memory,
        clock: &dyn Clock,
        t: &Timeout,
        what: &Waiting,
        min: u32,
    ) -> Result<u32, XsError> {
        let mut avail = 0;
        let hv = self.hv;
        let ready = wait_for(hv, clock, t, TAG, what, &mut || {
            avail = self.used(mem, RSP_PROD, RSP_CONS);
            avail >= min
        });
        if avail > RING_SIZE {
            error!(
                TAG,
                "response ring indexes are corrupt ({avail} bytes claimed)"
            );
            self.desync = true;
            return Err(XsError::Protocol);
        }
        if ready {
            Ok(avail)
        } else {
            Err(XsError::Timeout)
        }
    }

    /// Read at least one and at most `buf.len()` of the `*left` answer bytes still to come
    /// into `buf`: how many. On a timeout the unread remainder is remembered and dropped
    /// before the next request.
    fn recv_some(
        &mut self,
        mem: &mut dyn Memory,
        clock: &dyn Clock,
        t: &Timeout,
        what: &Waiting,
        buf: &mut [u8],
        left: &mut u32,
    ) -> Result<usize, XsError> {
        let avail = match self.wait_rsp(mem, clock, t, what, 1) {
            Err(XsError::Timeout) => {
                self.skip = *left;
                return Err(XsError::Timeout);
            }
            r => r?,
        };
        let cons = self.rd(mem, RSP_CONS);
        let n = xenstore_ring_chunk(cons, avail.min(*left).min(buf.len() as u32));
        let at = self.ring + RSP + mask_xenstore_idx(cons) as u32;
        // Read the bytes only after the index that covers them.
        mem.fence();
        mem.read(at, &mut buf[..n]);
        // Finish reading before giving the space back.
        mem.fence();
        mem.write_u32(self.ring + RSP_CONS, cons.wrapping_add(n as u32));
        *left -= n as u32;
        if let Err(e) = self.notify() {
            self.skip = *left;
            return Err(e);
        }
        Ok(n)
    }

    /// Read `len` answer bytes: the first `out.len()` into `out`, the rest dropped. On a
    /// timeout the unread remainder is remembered and dropped before the next request.
    fn recv(
        &mut self,
        mem: &mut dyn Memory,
        clock: &dyn Clock,
        t: &Timeout,
        what: &Waiting,
        out: &mut [u8],
        len: u32,
    ) -> Result<(), XsError> {
        let mut left = len;
        let mut scratch = [0u8; CHUNK];
        while left != 0 {
            let done = (len - left) as usize;
            let buf = match out.get_mut(done..) {
                Some(rest) if !rest.is_empty() => rest,
                _ => &mut scratch[..],
            };
            self.recv_some(mem, clock, t, what, buf, &mut left)?;
        }
        Ok(())
    }

    /// The next message header, read only once all of it is there (so a timeout never
    /// leaves half a header consumed).
    fn recv_header(
        &mut self,
        mem: &mut dyn Memory,
        clock: &dyn Clock,
        t: &Timeout,
        what: &Waiting,
    ) -> Result<XsdSockmsg, XsError> {
        self.wait_rsp(mem, clock, t, what, HEADER)?;
        let mut h = XsdSockmsg::default();
        self.recv(mem, clock, t, what, h.as_mut_bytes(), HEADER)?;
        Ok(h)
    }

    /// One request (`what` says its type and path) and its answer; the answer's payload
    /// goes to `out`, its length is returned (`TooBig` if it does not fit).
    #[inline(never)]
    fn request(
        &mut self,
        mem: &mut dyn Memory,
        clock: &dyn Clock,
        what: &Waiting,
        tx: Tx,
        parts: &[&[u8]],
        out: &mut [u8],
    ) -> Result<usize, XsError> {
        let t = Timeout::start(clock, self.timeout_us);
        let len = self.exchange(mem, clock, &t, what, tx, parts)?;
        let n = (len as usize).min(out.len());
        self.recv(mem, clock, &t, what, &mut out[..n], len)?;
        if n < len as usize {
            warn!(TAG, "{what}: {len}-byte answer too big");
            return Err(XsError::TooBig { len });
        }
        Ok(n)
    }

    /// Send one request (`what` says its type and path) and wait, within `t`, for the
    /// header of its answer: foreign answers and watch events are dropped, an `XS_ERROR`
    /// answer is its error, one of another type a protocol error. The length of the
    /// answer's payload, which the caller reads next (`recv`, `recv_some`, with `t`).
    #[inline(never)]
    fn exchange(
        &mut self,
        mem: &mut dyn Memory,
        clock: &dyn Clock,
        t: &Timeout,
        what: &Waiting,
        tx: Tx,
        parts: &[&[u8]],
    ) -> Result<u32, XsError> {
        let (ty, path) = (what.ty, what.path);
        let payload: usize = parts.iter().map(|p| p.len()).sum();
        if payload > MAX_REQUEST_PAYLOAD || path.as_bytes().contains(&0) {
            warn!(TAG, "refusing {what}: bad path or too long");
            return Err(XsError::BadRequest);
        }
        // No node has an empty path; only the start of a transaction has no argument. A
        // spoiled `XsPath` reads as empty: it was logged when it failed to build, and a
        // caller polling with it must not fill the log.
        if path.is_empty() && ty != XS_TRANSACTION_START {
            debug!(
                TAG,
                "refusing xenstore {} without a path",
                Text(op_name(ty))
            );
            return Err(XsError::BadRequest);
        }
        if self.desync {
            self.resync(mem, clock, t)?;
        }
        if self.skip != 0 {
            let n = core::mem::take(&mut self.skip);
            self.recv(mem, clock, t, what, &mut [], n)?;
        }
        let req_id = self.next_req_id;
        self.next_req_id = req_id.wrapping_add(1);
        let hdr = XsdSockmsg {
            r#type: ty,
            req_id,
            tx_id: tx.0,
            len: payload as u32,
        };
        let mut all: [&[u8]; 4] = [hdr.as_bytes(), &[], &[], &[]];
        for (slot, p) in all[1..].iter_mut().zip(parts) {
            *slot = p;
        }
        self.send(mem, clock, t, what, &all[..=parts.len()])?;
        loop {
            let h = self.recv_header(mem, clock, t, what)?;
            if h.len as usize > XENSTORE_PAYLOAD_MAX {
                error!(TAG, "{what}: answer claims {} payload bytes", h.len);
                self.desync = true;
                return Err(XsError::Protocol);
            }
            if h.r#type == XS_WATCH_EVENT || h.req_id != req_id {
                if h.r#type != XS_WATCH_EVENT {
                    warn!(
                        TAG,
                        "dropping an answer to request {:#x} (waiting for {req_id:#x})", h.req_id
                    );
                }
                self.recv(mem, clock, t, what, &mut [], h.len)?;
                if t.expired(clock) {
                    warn!(TAG, "timed out: only foreign answers for {what}");
                    return Err(XsError::Timeout);
                }
                continue;
            }
            if h.r#type == XS_ERROR {
                let mut name = [0u8; ERROR_NAME_MAX];
                let n = (h.len as usize).min(ERROR_NAME_MAX);
                self.recv(mem, clock, t, what, &mut name[..n], h.len)?;
                let e =
                    XsdError::from_wire(&name[..n]).map_or(XsError::UnknownError, XsError::Error);
                debug!(TAG, "{what}: {e}");
                return Err(e);
            }
            if h.r#type != ty {
                self.recv(mem, clock, t, what, &mut [], h.len)?;
                error!(TAG, "{what}: answer of type {}", h.r#type);
                return Err(XsError::Protocol);
            }
            return Ok(h.len);
        }
    }
}

/// Requests with a memory and a clock, inside a transaction or not.
pub struct Xs<'a> {
    store: &'a mut Xenstore,
    mem: &'a mut dyn Memory,
    clock: &'a dyn Clock,
    tx: Tx,
}

impl Xs<'_> {
    /// Request `ty` with payload `path\0value` (transactions: `path` is the argument), its
    /// answer into `out` (`TooBig` if it does not fit).
    fn call(
        &mut self,
        ty: u32,
        tx: Tx,
        path: &str,
        value: &[u8],
        out: &mut [u8],
    ) -> Result<usize, XsError> {
        let what = Waiting { ty, path };
        let parts: [&[u8]; 3] = [path.as_bytes(), b"\0", value];
        self.store
            .request(self.mem, self.clock, &what, tx, &parts, out)
    }

    /// The transaction these requests belong to.
    pub fn tx(&self) -> Tx {
        self.tx
    }

    /// The value of `path` (not NUL-terminated), in `buf`.
    pub fn read<'b>(&mut self, path: &str, buf: &'b mut [u8]) -> Result<&'b [u8], XsError> {
        let n = self.call(XS_READ, self.tx, path, &[], buf)?;
        Ok(&buf[..n])
    }

    /// The value of `path` as text (`Malformed` if it is not UTF-8).
    pub fn read_str<'b>(&mut self, path: &str, buf: &'b mut [u8]) -> Result<&'b str, XsError> {
        let v = self.read(path, buf)?;
        let v = v.strip_suffix(b"\0").unwrap_or(v);
        core::str::from_utf8(v).map_err(|_| XsError::Malformed)
    }

    /// The value of `path` as a decimal number ([`parse_u64`]).
    pub fn read_u64(&mut self, path: &str) -> Result<u64, XsError> {
        let mut buf = [0u8; NUMBER_MAX];
        let v = match self.read(path, &mut buf) {
            Err(XsError::TooBig { .. }) => return Err(XsError::Malformed),
            r => r?,
        };
        parse_u64(v).ok_or_else(|| {
            warn!(
                TAG,
                "{}: {:?} is not a number",
                Text(path),
                super::Escaped(v)
            );
            XsError::Malformed
        })
    }

    /// As [`Xs::read_u64`], for values that must fit 32 bits.
    pub fn read_u32(&mut self, path: &str) -> Result<u32, XsError> {
        let v = self.read_u64(path)?;
        u32::try_from(v).map_err(|_| {
            warn!(TAG, "{}: {v} does not fit 32 bits", Text(path));
            XsError::Malformed
        })
    }

    /// A xenbus `state` node.
    pub fn read_state(&mut self, path: &str) -> Result<XenbusState, XsError> {
        let v = self.read_u64(path)?;
        u32::try_from(v)
            .ok()
            .and_then(XenbusState::from_u32)
            .ok_or_else(|| {
                warn!(TAG, "{}: {v} is not a xenbus state", Text(path));
                XsError::Malformed
            })
    }

    pub fn write(&mut self, path: &str, value: &[u8]) -> Result<(), XsError> {
        self.call(XS_WRITE, self.tx, path, value, &mut [0; ACK_MAX])
            .map(drop)
            .or_else(ok_if_answer_too_big)
    }

    /// Write a decimal number.
    pub fn write_u64(&mut self, path: &str, value: u64) -> Result<(), XsError> {
        let mut b = crate::fmt::Buf::<NUMBER_MAX>::new();
        let _ = write!(b, "{value}");
        self.write(path, b.as_str().as_bytes())
    }

    pub fn write_state(&mut self, path: &str, state: XenbusState) -> Result<(), XsError> {
        self.write(path, state.as_str().as_bytes())
    }

    pub fn mkdir(&mut self, path: &str) -> Result<(), XsError> {
        self.call(XS_MKDIR, self.tx, path, &[], &mut [0; ACK_MAX])
            .map(drop)
            .or_else(ok_if_answer_too_big)
    }

    pub fn rm(&mut self, path: &str) -> Result<(), XsError> {
        self.call(XS_RM, self.tx, path, &[], &mut [0; ACK_MAX])
            .map(drop)
            .or_else(ok_if_answer_too_big)
    }

    /// The children of `path`, listed in `buf` (`TooBig` if the listing does not fit).
    pub fn directory<'b>(
        &mut self,
        path: &str,
        buf: &'b mut [u8],
    ) -> Result<DirEntries<'b>, XsError> {
        let n = self.call(XS_DIRECTORY, self.tx, path, &[], buf)?;
        Ok(DirEntries::new(&buf[..n]))
    }

    /// The children of `path`, each given to `each` as the listing is read: a listing of
    /// any length (xenstored's answers are bounded by `XENSTORE_PAYLOAD_MAX`) without a
    /// buffer for all of it. Empty names are skipped; names longer than [`DIR_NAME_MAX`]
    /// come cut and say so. After an error `each` may have seen some names: the listing
    /// is incomplete and the caller drops them.
    pub fn directory_each(
        &mut self,
        path: &str,
        mut each: impl FnMut(DirName),
    ) -> Result<(), XsError> {
        let what = Waiting {
            ty: XS_DIRECTORY,
            path,
        };
        let parts: [&[u8]; 2] = [path.as_bytes(), b"\0"];
        let (store, mem, clock) = (&mut *self.store, &mut *self.mem, self.clock);
        let t = Timeout::start(clock, store.timeout_us);
        let mut left = store.exchange(mem, clock, &t, &what, self.tx, &parts)?;
        let mut names = Splitter::new();
        let mut piece = [0u8; CHUNK];
        while left != 0 {
            let n = store.recv_some(mem, clock, &t, &what, &mut piece, &mut left)?;
            names.feed(&piece[..n], &mut each);
        }
        // A last name without its NUL.
        names.end(&mut each);
        Ok(())
    }

    /// Start a transaction: requests through the returned id see a snapshot and take effect
    /// together at [`Xs::transaction_end`].
    pub fn transaction_start(&mut self) -> Result<Tx, XsError> {
        let mut buf = [0u8; NUMBER_MAX];
        let n = self.call(XS_TRANSACTION_START, Tx::NONE, "", &[], &mut buf)?;
        match parse_u64(&buf[..n]).and_then(|v| u32::try_from(v).ok()) {
            Some(id) if id != 0 => Ok(Tx(id)),
            _ => {
                warn!(
                    TAG,
                    "transaction start: bad id {:?}",
                    super::Escaped(&buf[..n])
                );
                Err(XsError::Malformed)
            }
        }
    }

    /// End transaction `tx`, committing it or not. A commit answered `EAGAIN` means the
    /// transaction conflicted with another change and did not take effect.
    pub fn transaction_end(&mut self, tx: Tx, commit: bool) -> Result<(), XsError> {
        let arg = if commit {
            TRANSACTION_COMMIT
        } else {
            TRANSACTION_ABORT
        };
        self.call(XS_TRANSACTION_END, tx, arg, &[], &mut [0; ACK_MAX])
            .map(drop)
            .or_else(ok_if_answer_too_big)
    }

    /// Run `body` in a transaction and commit it; on `EAGAIN` (a conflict) run it again, at
    /// most [`MAX_TRANSACTION_ATTEMPTS`] times. An error from `body` aborts the transaction
    /// and is returned.
    pub fn transaction<T>(
        &mut self,
        mut body: impl FnMut(&mut Xs) -> Result<T, XsError>,
    ) -> Result<T, XsError> {
        for attempt in 1..=MAX_TRANSACTION_ATTEMPTS {
            let tx = self.transaction_start()?;
            let mut inner = Xs {
                store: &mut *self.store,
                mem: &mut *self.mem,
                clock: self.clock,
                tx,
            };
            let v = match body(&mut inner) {
                Ok(v) => v,
                Err(e) => {
                    // Best effort: the body's error is what the caller needs to see.
                    let _ = self.transaction_end(tx, false);
                    return Err(e);
                }
            };
            match self.transaction_end(tx, true) {
                Ok(()) => return Ok(v),
                Err(XsError::Error(XsdError::EAGAIN)) => {
                    debug!(TAG, "transaction conflict (attempt {attempt}): retrying");
                }
                Err(e) => return Err(e),
            }
        }
        warn!(
            TAG,
            "transaction still conflicting after {MAX_TRANSACTION_ATTEMPTS} attempts"
        );
        Err(XsError::Error(XsdError::EAGAIN))
    }
}

/// Answers to write-like requests are "OK": their content is not needed, so a long one is
/// not an error.
fn ok_if_answer_too_big(e: XsError) -> Result<(), XsError> {
    match e {
        XsError::TooBig { .. } => Ok(()),
        e => Err(e),
    }
}
