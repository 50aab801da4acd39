//! The simulated xenstored: an in-memory tree, transactions, and the server side of the
//! guest's ring page, with fault injection.

use std::collections::{BTreeMap, VecDeque};
use xen_headers::io::xs_wire::ring_offset::{
    CONNECTION, REQ, REQ_CONS, REQ_PROD, RSP, RSP_CONS, RSP_PROD, SERVER_FEATURES,
};
use xen_headers::io::xs_wire::{
    XENSTORE_CONNECTED, XENSTORE_PAYLOAD_MAX, XENSTORE_RECONNECT, XENSTORE_RING_SIZE, XS_DIRECTORY,
    XS_ERROR, XS_MKDIR, XS_READ, XS_RM, XS_TRANSACTION_END, XS_TRANSACTION_START, XS_WATCH_EVENT,
    XS_WRITE, XsdSockmsg, mask_xenstore_idx, xenstore_ring_used,
};
use xen_headers::xen::Domid;
use xenbios::hal::mem::Memory;
use zerocopy::{FromBytes, IntoBytes};

const HEADER: usize = size_of::<XsdSockmsg>();
const RING: u32 = XENSTORE_RING_SIZE as u32;
/// How far a "jumping" rsp_prod jumps: well beyond the ring.
pub const RSP_PROD_JUMP: u32 = 5 * RING;
/// The bit flipped in a bogus answer's request id.
pub const BOGUS_REQ_ID_BIT: u32 = 1 << 31;

/// What to do instead of (or besides) answering a request normally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum XsFault {
    /// Answer `XS_ERROR` with this name (a real one like "EACCES", or garbage).
    Error(String),
    /// Swallow the request: no answer ever.
    NoReply,
    /// Answer only after the guest has yielded this many times.
    Late(u64),
    /// First an answer with a bogus request id, then the real answer.
    StaleFirst,
    /// Only an answer with a bogus request id.
    BogusIdOnly,
    /// A watch event, then the answer.
    WatchFirst,
    /// Answer, then move rsp_prod far beyond the ring.
    RspProdJump,
    /// A header claiming more than `XENSTORE_PAYLOAD_MAX` payload bytes.
    Oversize,
    /// An answer of another type (`XS_DIRECTORY` for a read, ...).
    WrongType,
    /// Answer with this value instead of the node's (for a read).
    Value(Vec<u8>),
    /// The answer's first `first` bytes now, the rest after the guest yielded `delay` times.
    Split { first: usize, delay: u64 },
    /// These bytes instead of the answer, written as the ring has room: any number of
    /// messages, well-formed or not, or bytes that are no message at all (fuzzing).
    Raw(Vec<u8>),
}

/// A fault for requests of type `op` (any if `None`) whose path contains `path` (any if
/// `None`), for the next `times` matching requests.
#[derive(Clone, Debug)]
pub struct XsRule {
    pub op: Option<u32>,
    pub path: Option<String>,
    pub fault: XsFault,
    pub times: u32,
}

struct Transaction {
    nodes: BTreeMap<String, Vec<u8>>,
    base_gen: u64,
}

/// A request as the server saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenRequest {
    pub op: u32,
    pub req_id: u32,
    pub tx_id: u32,
    /// The first NUL-terminated string of the payload (the path, for most requests).
    pub path: String,
}

pub struct SimStore {
    /// Absolute path → value. Every node's parent exists.
    pub nodes: BTreeMap<String, Vec<u8>>,
    /// The guest's domain id (relative paths are under `/local/domain/<domid>`).
    pub domid: Domid,
    pub rules: Vec<XsRule>,
    /// Path prefixes the guest may not touch (answered `EACCES`).
    pub denied: Vec<String>,
    /// Every request handled, in order.
    pub seen: Vec<SeenRequest>,
    /// The server advertises ring reconnection and performs it.
    pub reconnect: bool,
    /// The server stopped (protocol violation seen, or a test killed it): it no longer reads
    /// requests or writes answers.
    pub dead: bool,
    /// Transactions started from now on see this many concurrent changes before they end
    /// (each makes one commit fail with `EAGAIN`).
    pub conflicts: u32,
    /// A node changed since the backends last looked (for the simulated watches).
    pub changed: bool,
    txs: BTreeMap<u32, Transaction>,
    next_tx: u32,
    generation: u64,
    inbuf: Vec<u8>,
    outq: VecDeque<u8>,
    /// Answers held back until the guest yielded enough: (due yield count, bytes).
    delayed: Vec<(u64, Vec<u8>)>,
    /// The rest of an answer cut short ([`XsFault::Split`]) and when it is due: whatever
    /// the server sends meanwhile queues behind it (a stream cannot interleave messages).
    split_rest: Option<(u64, Vec<u8>)>,
    /// Jump rsp_prod once the queued answers are out.
    pending_jump: bool,
}

impl SimStore {
    pub fn new(domid: Domid) -> Self {
        let mut s = SimStore {
            nodes: BTreeMap::new(),
            domid,
            rules: Vec::new(),
            denied: Vec::new(),
            seen: Vec::new(),
            reconnect: false,
            dead: false,
            conflicts: 0,
            changed: false,
            txs: BTreeMap::new(),
            next_tx: 1,
            generation: 0,
            inbuf: Vec::new(),
            outq: VecDeque::new(),
            delayed: Vec::new(),
            split_rest: None,
            pending_jump: false,
        };
        s.nodes.insert("/".into(), Vec::new());
        s.write(
            &format!("/local/domain/{domid}/domid"),
            domid.to_string().as_bytes(),
        );
        s
    }

    /// The absolute form of `path`.
    pub fn abs(&self, path: &str) -> String {
        if path.starts_with('/') {
            path.trim_end_matches('/').to_string()
        } else {
            format!(
                "/local/domain/{}/{}",
                self.domid,
                path.trim_end_matches('/')
            )
        }
    }

    fn parent(path: &str) -> Option<&str> {
        match path.rfind('/') {
            Some(0) if path.len() > 1 => Some("/"),
            Some(i) if i > 0 => Some(&path[..i]),
            _ => None,
        }
    }

    /// Set a node (creating its parents), outside any transaction.
    pub fn write(&mut self, path: &str, value: &[u8]) {
        let abs = self.abs(path);
        Self::write_in(&mut self.nodes, &abs, value);
        self.generation += 1;
        self.changed = true;
    }

    /// Remove a node and everything below it.
    pub fn rm(&mut self, path: &str) {
        let abs = self.abs(path);
        Self::rm_in(&mut self.nodes, &abs);
        self.generation += 1;
        self.changed = true;
    }

    pub fn read(&self, path: &str) -> Option<&[u8]> {
        self.nodes.get(&self.abs(path)).map(|v| v.as_slice())
    }

    pub fn read_str(&self, path: &str) -> Option<String> {
        self.read(path)
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    fn write_in(nodes: &mut BTreeMap<String, Vec<u8>>, abs: &str, value: &[u8]) {
        let mut p = Self::parent(abs);
        while let Some(parent) = p {
            nodes.entry(parent.to_string()).or_default();
            p = Self::parent(parent);
        }
        nodes.insert(abs.to_string(), value.to_vec());
    }

    fn rm_in(nodes: &mut BTreeMap<String, Vec<u8>>, abs: &str) {
        let prefix = format!("{abs}/");
        nodes.retain(|k, _| k != abs && !k.starts_with(&prefix));
    }

    fn children(nodes: &BTreeMap<String, Vec<u8>>, abs: &str) -> Vec<u8> {
        let prefix = if abs == "/" {
            "/".to_string()
        } else {
            format!("{abs}/")
        };
        let mut out = Vec::new();
        for k in nodes.keys() {
            if let Some(rest) = k.strip_prefix(&prefix)
                && !rest.is_empty()
                && !rest.contains('/')
            {
                out.extend_from_slice(rest.as_bytes());
                out.push(0);
            }
        }
        out
    }

    /// Put answer bytes directly into the response ring, as a stale answer an earlier stage
    /// never read would be.
    pub fn inject_rsp(&mut self, mem: &mut dyn Memory, ring: u32, bytes: &[u8]) {
        let mut prod = mem.read_u32(ring + RSP_PROD);
        for &b in bytes {
            mem.write_u8(ring + RSP + mask_xenstore_idx(prod) as u32, b);
            prod = prod.wrapping_add(1);
        }
        mem.write_u32(ring + RSP_PROD, prod);
    }

    /// Put request bytes into the request ring without processing them (an earlier stage's
    /// request the server has not read yet).
    pub fn inject_req(&mut self, mem: &mut dyn Memory, ring: u32, bytes: &[u8]) {
        let mut prod = mem.read_u32(ring + REQ_PROD);
        for &b in bytes {
            mem.write_u8(ring + REQ + mask_xenstore_idx(prod) as u32, b);
            prod = prod.wrapping_add(1);
        }
        mem.write_u32(ring + REQ_PROD, prod);
    }

    /// A whole message: header and payload.
    pub fn message(ty: u32, req_id: u32, tx_id: u32, payload: &[u8]) -> Vec<u8> {
        let h = XsdSockmsg {
            r#type: ty,
            req_id,
            tx_id,
            len: payload.len() as u32,
        };
        let mut v = h.as_bytes().to_vec();
        v.extend_from_slice(payload);
        v
    }

    /// Set up the page at `ring` as the server does at domain creation.
    pub fn init_page(&mut self, mem: &mut dyn Memory, ring: u32) {
        let features = if self.reconnect {
            xen_headers::io::xs_wire::XENSTORE_SERVER_FEATURE_RECONNECTION
        } else {
            0
        };
        mem.write_u32(ring + SERVER_FEATURES, features);
    }

    /// Let answers held back for `yields` become due and write what fits. Like QEMU's
    /// xenstored, the server reads new requests only when notified ([`SimStore::service`]).
    pub fn on_yield(&mut self, mem: &mut dyn Memory, ring: u32, yields: u64) -> bool {
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.delayed)
            .into_iter()
            .partition(|(d, _)| *d <= yields);
        self.delayed = later;
        if let Some((d, rest)) = self.split_rest.take() {
            if d <= yields {
                self.outq.extend(rest);
            } else {
                self.split_rest = Some((d, rest));
            }
        }
        for (_, bytes) in due {
            self.send(bytes);
        }
        if self.dead || self.outq.is_empty() {
            return false;
        }
        let moved = self.flush(mem, ring);
        if self.pending_jump && self.outq.is_empty() {
            self.pending_jump = false;
            self.jump(mem, ring);
        }
        moved
    }

    /// Read requests, answer them, write answers. Returns whether the guest should be
    /// notified (something moved).
    pub fn service(&mut self, mem: &mut dyn Memory, ring: u32, yields: u64) -> bool {
        if self.dead {
            return false;
        }
        if self.reconnect && mem.read_u32(ring + CONNECTION) == XENSTORE_RECONNECT {
            self.inbuf.clear();
            self.outq.clear();
            self.delayed.clear();
            self.split_rest = None;
            self.txs.clear();
            for f in [REQ_CONS, REQ_PROD, RSP_CONS, RSP_PROD] {
                mem.write_u32(ring + f, 0);
            }
            mem.write_u32(ring + CONNECTION, XENSTORE_CONNECTED);
            return true;
        }
        let mut moved = false;
        // Requests in.
        let prod = mem.read_u32(ring + REQ_PROD);
        let mut cons = mem.read_u32(ring + REQ_CONS);
        let n = xenstore_ring_used(prod, cons);
        if n > RING {
            self.dead = true;
            return false;
        }
        for _ in 0..n {
            self.inbuf
                .push(mem.read_u8(ring + REQ + mask_xenstore_idx(cons) as u32));
            cons = cons.wrapping_add(1);
        }
        if n > 0 {
            mem.write_u32(ring + REQ_CONS, cons);
            moved = true;
        }
        while self.inbuf.len() >= HEADER {
            let h = XsdSockmsg::read_from_bytes(&self.inbuf[..HEADER]).unwrap();
            if h.len as usize > XENSTORE_PAYLOAD_MAX {
                self.dead = true;
                return moved;
            }
            let total = HEADER + h.len as usize;
            if self.inbuf.len() < total {
                break;
            }
            let payload: Vec<u8> = self.inbuf[HEADER..total].to_vec();
            self.inbuf.drain(..total);
            self.handle(&h, &payload, yields);
        }
        // Answers out.
        moved |= self.flush(mem, ring);
        if self.pending_jump && self.outq.is_empty() {
            self.pending_jump = false;
            self.jump(mem, ring);
        }
        moved
    }

    fn flush(&mut self, mem: &mut dyn Memory, ring: u32) -> bool {
        let cons = mem.read_u32(ring + RSP_CONS);
        let mut prod = mem.read_u32(ring + RSP_PROD);
        let used = xenstore_ring_used(prod, cons);
        if used > RING {
            return false;
        }
        let room = (RING - used) as usize;
        let n = room.min(self.outq.len());
        for b in self.outq.drain(..n) {
            mem.write_u8(ring + RSP + mask_xenstore_idx(prod) as u32, b);
            prod = prod.wrapping_add(1);
        }
        if n > 0 {
            mem.write_u32(ring + RSP_PROD, prod);
        }
        n > 0
    }

    /// Move rsp_prod beyond the ring (a fault).
    fn jump(&mut self, mem: &mut dyn Memory, ring: u32) {
        let prod = mem.read_u32(ring + RSP_PROD);
        mem.write_u32(ring + RSP_PROD, prod.wrapping_add(RSP_PROD_JUMP));
    }

    fn take_fault(&mut self, op: u32, path: &str) -> Option<XsFault> {
        let rule = self.rules.iter_mut().find(|r| {
            r.times > 0
                && r.op.is_none_or(|o| o == op)
                && r.path.as_deref().is_none_or(|p| path.contains(p))
        })?;
        rule.times -= 1;
        Some(rule.fault.clone())
    }

    fn handle(&mut self, h: &XsdSockmsg, payload: &[u8], yields: u64) {
        let first = payload.split(|&b| b == 0).next().unwrap_or(&[]);
        let path = String::from_utf8_lossy(first).into_owned();
        self.seen.push(SeenRequest {
            op: h.r#type,
            req_id: h.req_id,
            tx_id: h.tx_id,
            path: path.clone(),
        });
        let fault = self.take_fault(h.r#type, &path);
        let (ty, body) = match &fault {
            Some(XsFault::Error(name)) => (XS_ERROR, nul(name.as_bytes())),
            Some(XsFault::Value(v)) => (h.r#type, v.clone()),
            _ => self.execute(h, &path, payload),
        };
        let answer = Self::message(ty, h.req_id, h.tx_id, &body);
        match fault {
            Some(XsFault::NoReply) => {}
            Some(XsFault::Late(n)) => self.delayed.push((yields + n, answer)),
            Some(XsFault::StaleFirst) => {
                let stale = Self::message(ty, h.req_id ^ BOGUS_REQ_ID_BIT, h.tx_id, &body);
                self.send(stale);
                self.send(answer);
            }
            Some(XsFault::BogusIdOnly) => {
                self.send(Self::message(
                    ty,
                    h.req_id ^ BOGUS_REQ_ID_BIT,
                    h.tx_id,
                    &body,
                ));
            }
            Some(XsFault::WatchFirst) => {
                self.send(Self::message(XS_WATCH_EVENT, 0, 0, b"some/path\0token\0"));
                self.send(answer);
            }
            Some(XsFault::Oversize) => {
                let hdr = XsdSockmsg {
                    r#type: ty,
                    req_id: h.req_id,
                    tx_id: h.tx_id,
                    len: XENSTORE_PAYLOAD_MAX as u32 + 1,
                };
                self.send(hdr.as_bytes().to_vec());
            }
            Some(XsFault::WrongType) => {
                let other = if ty == XS_DIRECTORY {
                    XS_READ
                } else {
                    XS_DIRECTORY
                };
                self.send(Self::message(other, h.req_id, h.tx_id, &body));
            }
            Some(XsFault::Split { first, delay }) => {
                let (now, later) = answer.split_at(first.min(answer.len()));
                self.send(now.to_vec());
                match &mut self.split_rest {
                    // Already behind another cut answer: this one follows it whole.
                    Some((_, rest)) => rest.extend(later),
                    None => self.split_rest = Some((yields + delay, later.to_vec())),
                }
            }
            Some(XsFault::RspProdJump) => {
                self.send(answer);
                self.pending_jump = true;
            }
            Some(XsFault::Raw(bytes)) => self.send(bytes),
            _ => self.send(answer),
        }
    }

    /// Queue answer bytes: behind the rest of a cut answer if one is pending.
    fn send(&mut self, bytes: Vec<u8>) {
        match &mut self.split_rest {
            Some((_, rest)) => rest.extend(bytes),
            None => self.outq.extend(bytes),
        }
    }

    /// Perform a request on the tree: (answer type, answer payload).
    fn execute(&mut self, h: &XsdSockmsg, path: &str, payload: &[u8]) -> (u32, Vec<u8>) {
        let abs = self.abs(path);
        let err = |name: &str| (XS_ERROR, nul(name.as_bytes()));
        let ack = |ty: u32| (ty, nul(b"OK"));
        if h.r#type != XS_TRANSACTION_START
            && h.r#type != XS_TRANSACTION_END
            && self.denied.iter().any(|d| abs.starts_with(&self.abs(d)))
        {
            return err("EACCES");
        }
        if h.r#type == XS_TRANSACTION_START {
            let id = self.next_tx;
            self.next_tx += 1;
            let mut base_gen = self.generation;
            if self.conflicts > 0 {
                self.conflicts -= 1;
                base_gen = base_gen.wrapping_sub(1);
            }
            self.txs.insert(
                id,
                Transaction {
                    nodes: self.nodes.clone(),
                    base_gen,
                },
            );
            return (h.r#type, nul(id.to_string().as_bytes()));
        }
        if h.r#type == XS_TRANSACTION_END {
            let Some(tx) = self.txs.remove(&h.tx_id) else {
                return err("ENOENT");
            };
            if payload.first() == Some(&b'T') {
                if tx.base_gen != self.generation {
                    return err("EAGAIN");
                }
                self.nodes = tx.nodes;
                self.generation += 1;
                self.changed = true;
            }
            return ack(h.r#type);
        }
        let generation = &mut self.generation;
        let nodes = if h.tx_id == 0 {
            &mut self.nodes
        } else {
            match self.txs.get_mut(&h.tx_id) {
                Some(t) => &mut t.nodes,
                None => return err("ENOENT"),
            }
        };
        match h.r#type {
            XS_READ => match nodes.get(&abs) {
                Some(v) => (XS_READ, v.clone()),
                None => err("ENOENT"),
            },
            XS_DIRECTORY => {
                if nodes.contains_key(&abs) {
                    (XS_DIRECTORY, Self::children(nodes, &abs))
                } else {
                    err("ENOENT")
                }
            }
            XS_WRITE => {
                let value = &payload[(path.len() + 1).min(payload.len())..];
                Self::write_in(nodes, &abs, value);
                if h.tx_id == 0 {
                    *generation += 1;
                    self.changed = true;
                }
                ack(XS_WRITE)
            }
            XS_MKDIR => {
                if !nodes.contains_key(&abs) {
                    Self::write_in(nodes, &abs, b"");
                }
                if h.tx_id == 0 {
                    *generation += 1;
                    self.changed = true;
                }
                ack(XS_MKDIR)
            }
            XS_RM => {
                let parent_exists = Self::parent(&abs).is_some_and(|p| nodes.contains_key(p));
                if !nodes.contains_key(&abs) && !parent_exists {
                    return err("ENOENT");
                }
                Self::rm_in(nodes, &abs);
                if h.tx_id == 0 {
                    *generation += 1;
                    self.changed = true;
                }
                ack(XS_RM)
            }
            _ => err("EINVAL"),
        }
    }
}

fn nul(s: &[u8]) -> Vec<u8> {
    let mut v = s.to_vec();
    v.push(0);
    v
}
