//! A simulated Xen for host tests: CPUID leaves and the hypercall page MSR, HVM
//! parameters, `XENMEM_add_to_physmap` placing the shared info page and grant table frames
//! in a sparse memory, event channels, grant table interpretation, an in-memory xenstored
//! serving the guest's ring ([`store`]) and PV block backends serving `Vec<u8>` disks
//! ([`blkback`]), with fault injection throughout.
//!
//! [`SimXen`] is a cheap handle (`Rc`) on the simulation: it is the firmware's
//! [`Hypervisor`] and [`XenCpu`], and tests reach the state through [`SimXen::state`]. Xen's
//! side runs synchronously: a notification (`EVTCHNOP_send`) makes xenstored or the
//! backend bound to the port act at once, and every `SCHEDOP_yield` (which the firmware's
//! waits make between polls) lets held-back ("late") answers become due. Guest memory is a
//! [`SharedMemory`] that the firmware and the simulation both access.

pub mod blkback;
pub mod store;

pub use blkback::{Abi, BlkFaults, ForgedRsp, SeenBlkReq, SimBlkback, VbdConfig};
pub use store::{SeenRequest, SimStore, XsFault, XsRule};

use super::{SharedMemory, SimClock, SimConsole, SimCpu, SimPorts, SparseMemory};
use std::cell::{RefCell, RefMut};
use std::collections::BTreeMap;
use std::mem::{offset_of, size_of};
use std::rc::Rc;
use xen_headers::cpuid::{
    XEN_CPUID_LEAF_HVM, XEN_CPUID_LEAF_HYPERCALL, XEN_CPUID_LEAF_VERSION, XEN_CPUID_SIGNATURE_EBX,
    XEN_CPUID_SIGNATURE_ECX, XEN_CPUID_SIGNATURE_EDX, XEN_HVM_CPUID_DOMID_PRESENT,
    hypercall_stub_offset,
};
use xen_headers::event_channel::EvtchnPort;
use xen_headers::grant_table::{
    GNTTAB_RESERVED_XENSTORE, GRANT_ENTRIES_V1_PER_FRAME, GTF_PERMIT_ACCESS, GTF_READING,
    GTF_READONLY, GTF_SUB_PAGE, GTF_TYPE_MASK, GTF_WRITING, GrantEntryV1, GrantRef,
};
use xen_headers::hvm::{HVM_PARAM_STORE_EVTCHN, HVM_PARAM_STORE_PFN};
use xen_headers::memory::{E820_ENTRY_SIZE, XENMAPSPACE_GRANT_TABLE, XENMAPSPACE_SHARED_INFO};
use xen_headers::version::XenExtraversion;
use xen_headers::xen::Domid;
use xen_headers::xen::x86_32::{SharedInfo, VcpuInfo, XenUlong, evtchn_bit, evtchn_word};
use xenbios::e820::{E820Map, Kind};
use xenbios::hal::Ctx;
use xenbios::hal::hypercall::{GnttabSize, Hypervisor, XenCpu, XenErrno, XenResult};
use xenbios::hal::mem::Memory;

const PAGE: u32 = super::SIM_PAGE;
const PAGE_SHIFT: u32 = xen_headers::XEN_PAGE_SHIFT;
/// Xen's hypercall stub: `mov $nr, %eax` (opcode B8 imm32), `vmcall` (0F 01 C1), `ret` (C3).
const MOV_EAX_IMM32: u8 = 0xb8;
const VMCALL: [u8; 3] = [0x0f, 0x01, 0xc1];
const RET: u8 = 0xc3;
/// Hypercall stubs in one page.
const STUBS: u32 = PAGE / xen_headers::cpuid::HYPERCALL_STUB_SIZE;

/// What the simulated platform looks like (QEMU's Xen emulation by default).
#[derive(Clone, Debug)]
pub struct SimXenConfig {
    /// Xen answers CPUID at all (false: a plain machine).
    pub present: bool,
    pub cpuid_base: u32,
    /// `major << 16 | minor`.
    pub version: u32,
    pub hypercall_msr: u32,
    /// The guest's domain id.
    pub domid: Domid,
    /// Leaf +4 tells the domain id.
    pub cpuid_domid: bool,
    pub store_pfn: u32,
    pub store_port: EvtchnPort,
    pub max_grant_frames: u32,
    /// `XENVER_extraversion`'s answer (`None`: ENOSYS, as QEMU).
    pub extraversion: Option<&'static str>,
    /// Where RAM ends (RAM is 0-0xA0000, the BIOS at 0xE0000-0x100000 and 1 MiB up to here).
    pub ram_top: u32,
    /// `XENMEM_memory_map`'s answer, (address, size, e820 type) each; `None`: what libxl
    /// sets for an HVM guest with a device model (libxl_x86.c, `domain_construct_memmap`):
    /// RAM from 1 MiB to `ram_top`, nothing below 1 MiB.
    pub memory_map: Option<Vec<(u64, u64, u32)>>,
    /// `XENVER_guest_handle`'s answer.
    pub guest_handle: [u8; 16],
}

/// QEMU's Xen emulation: `-accel kvm,xen-version=0x4000a`.
pub const QEMU_XEN_VERSION: u32 = 0x0004_000a;
/// QEMU: the xenstore page at 0xfeff9000 (`XEN_SPECIAL_PFN(XENSTORE)`).
pub const QEMU_STORE_PFN: u32 = 0xfeff9;
/// Where the simulated platform device's BAR1 sits, and its size (QEMU: 16 MiB).
pub const SIM_BAR1_BASE: u32 = 0xf000_0000;
pub const SIM_BAR1_SIZE: u64 = 16 << 20;

/// The Xen platform PCI device (5853:0001) of the simulated machine as PCI POST would find
/// it: its bus, device and function, and its MMIO window (BAR1) for grant frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimPlatformDevice {
    pub bus: u8,
    pub dev: u8,
    pub func: u8,
    pub mmio_base: u32,
    pub mmio_size: u64,
}
/// Extended memory starts here; e820 type 1 is RAM.
const MIB: u64 = 1 << 20;
const E820_RAM: u32 = 1;
/// Low memory ends here; the BIOS is 0xE0000-0xFFFFF; extended memory starts at 1 MiB.
const LOW_RAM_END: u64 = 0xa_0000;
const BIOS_START: u64 = 0xe_0000;
const HIGH_RAM_START: u64 = 0x10_0000;

impl Default for SimXenConfig {
    fn default() -> Self {
        SimXenConfig {
            present: true,
            cpuid_base: xen_headers::cpuid::XEN_CPUID_FIRST_LEAF,
            version: QEMU_XEN_VERSION,
            hypercall_msr: xen_headers::cpuid::XEN_CPUID_FIRST_LEAF,
            domid: 1,
            cpuid_domid: true,
            store_pfn: QEMU_STORE_PFN,
            store_port: 1,
            max_grant_frames: 64,
            extraversion: None,
            ram_top: 64 << 20,
            memory_map: None,
            guest_handle: *b"xenbios-sim-dom1",
        }
    }
}

/// A hypercall the guest made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hcall {
    XenVersion,
    Extraversion,
    Features,
    GetParam(u32),
    SetParam(u32, u64),
    GuestHandle,
    MemoryMap,
    AddToPhysmap { space: u32, idx: u32, gfn: u32 },
    QuerySize,
    AllocUnbound(Domid),
    Send(EvtchnPort),
    Close(EvtchnPort),
    Yield,
}

impl Hcall {
    /// The kind, for fault rules that fail every call of a kind.
    fn kind(&self) -> std::mem::Discriminant<Hcall> {
        std::mem::discriminant(self)
    }
}

/// Who is at the other end of a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    Xenstore,
    Blkback(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Port {
    /// Allocated for `remote`, which has not bound it.
    Unbound {
        remote: Domid,
    },
    Bound {
        remote: Domid,
        peer: Peer,
    },
}

/// Why the simulated Xen refused a grant mapping (`GNTST_*` in real Xen).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrantMapError {
    /// The reference is beyond the table, or its frame is not mapped anywhere.
    BadRef,
    /// The entry is not a valid grant (type, sub-page) for this domain.
    NotGranted,
    /// Writing through a read-only grant.
    ReadOnly,
}

/// The simulation's state.
pub struct XenState {
    pub cfg: SimXenConfig,
    pub mem: SharedMemory,
    /// Every hypercall, in order.
    pub calls: Vec<Hcall>,
    /// The hypercall page, once installed.
    pub hypercall_page: Option<u32>,
    pub shared_info_gfn: Option<u32>,
    /// Grant table frame → the guest frame it is mapped at.
    pub grant_frames: BTreeMap<u32, u32>,
    /// Guest frames in RAM that Xen frames were mapped over (hiding the RAM).
    pub mapped_over_ram: Vec<u32>,
    pub ports: BTreeMap<EvtchnPort, Port>,
    pub store: SimStore,
    pub backs: Vec<SimBlkback>,
    /// Hypercalls to fail: (a call of that kind, the error, how many more times).
    pub fail: Vec<(Hcall, XenErrno, u32)>,
    /// Active grant mappings: reference → (count, for writing).
    pub grant_maps: BTreeMap<GrantRef, (u32, bool)>,
    pub yields: u64,
    /// Notifications sent to the guest, per port.
    pub guest_events: BTreeMap<EvtchnPort, u32>,
    /// HVM params the guest set.
    pub params: BTreeMap<u32, u64>,
}

impl XenState {
    fn store_ring(&self) -> u32 {
        self.cfg.store_pfn << PAGE_SHIFT
    }

    fn failing(&mut self, call: &Hcall) -> Option<XenErrno> {
        let f = self
            .fail
            .iter_mut()
            .find(|(c, _, n)| *n > 0 && c.kind() == call.kind())?;
        f.2 -= 1;
        Some(f.1)
    }

    /// Mark `port` pending for the guest (shared info, `x86_32` layout) and count it.
    pub fn notify_guest(&mut self, port: EvtchnPort) {
        *self.guest_events.entry(port).or_default() += 1;
        let Some(gfn) = self.shared_info_gfn else {
            return;
        };
        let base = gfn << PAGE_SHIFT;
        let word = base
            + offset_of!(SharedInfo, evtchn_pending) as u32
            + evtchn_word(port) as u32 * size_of::<XenUlong>() as u32;
        let mut mem = self.mem.clone();
        let v = mem.read_u32(word);
        mem.write_u32(word, v | evtchn_bit(port));
        let sel = base + offset_of!(VcpuInfo, evtchn_pending_sel) as u32;
        let s = mem.read_u32(sel);
        mem.write_u32(sel, s | 1 << evtchn_word(port));
        mem.write_u8(base + offset_of!(VcpuInfo, evtchn_upcall_pending) as u32, 1);
    }

    /// Serve xenstore, then let the backends react to what changed.
    fn run_store(&mut self) {
        let ring = self.store_ring();
        let mut mem = self.mem.clone();
        if self.store.service(&mut mem, ring, self.yields) {
            self.notify_guest(self.cfg.store_port);
        }
        self.backends_watch();
    }

    fn backends_watch(&mut self) {
        while std::mem::take(&mut self.store.changed) {
            for i in 0..self.backs.len() {
                self.blk_watch(i);
            }
        }
    }

    /// The guest-physical address of grant entry `gref`, if its frame is mapped.
    pub(super) fn grant_entry_addr(&self, gref: GrantRef) -> Option<u32> {
        let per = GRANT_ENTRIES_V1_PER_FRAME as u32;
        let gfn = *self.grant_frames.get(&(gref / per))?;
        Some((gfn << PAGE_SHIFT) + (gref % per) * size_of::<GrantEntryV1>() as u32)
    }

    /// A grantee in domain `domid` maps `gref` (as Xen's grant map, or QEMU's `gnt_ref`):
    /// checks the entry, sets `GTF_reading` (and `GTF_writing`), returns the granted frame.
    pub fn grant_map(
        &mut self,
        gref: GrantRef,
        domid: Domid,
        write: bool,
    ) -> Result<u32, GrantMapError> {
        if gref >= self.cfg.max_grant_frames * GRANT_ENTRIES_V1_PER_FRAME as u32 {
            return Err(GrantMapError::BadRef);
        }
        let addr = self.grant_entry_addr(gref).ok_or(GrantMapError::BadRef)?;
        let mut mem = self.mem.clone();
        let flags = mem.read_u16(addr + offset_of!(GrantEntryV1, flags) as u32);
        let gdomid = mem.read_u16(addr + offset_of!(GrantEntryV1, domid) as u32);
        let frame = mem.read_u32(addr + offset_of!(GrantEntryV1, frame) as u32);
        if flags & (GTF_TYPE_MASK | GTF_SUB_PAGE) != GTF_PERMIT_ACCESS || gdomid != domid {
            return Err(GrantMapError::NotGranted);
        }
        if write && flags & GTF_READONLY != 0 {
            return Err(GrantMapError::ReadOnly);
        }
        let set = if write {
            GTF_READING | GTF_WRITING
        } else {
            GTF_READING
        };
        mem.write_u16(addr + offset_of!(GrantEntryV1, flags) as u32, flags | set);
        let e = self.grant_maps.entry(gref).or_insert((0, false));
        e.0 += 1;
        e.1 |= write;
        Ok(frame)
    }

    /// The grantee unmaps `gref`; the in-use flags go when the last mapping does.
    pub fn grant_unmap(&mut self, gref: GrantRef) {
        let Some(e) = self.grant_maps.get_mut(&gref) else {
            return;
        };
        e.0 -= 1;
        if e.0 > 0 {
            return;
        }
        self.grant_maps.remove(&gref);
        if let Some(addr) = self.grant_entry_addr(gref) {
            let mut mem = self.mem.clone();
            let at = addr + offset_of!(GrantEntryV1, flags) as u32;
            let flags = mem.read_u16(at);
            mem.write_u16(at, flags & !(GTF_READING | GTF_WRITING));
        }
    }

    fn add_to_physmap(&mut self, space: u32, idx: u32, gfn: u32) -> XenResult<()> {
        let moved_from = match space {
            XENMAPSPACE_SHARED_INFO if idx == 0 => self.shared_info_gfn.replace(gfn),
            XENMAPSPACE_GRANT_TABLE if idx < self.cfg.max_grant_frames => {
                self.grant_frames.insert(idx, gfn)
            }
            XENMAPSPACE_SHARED_INFO | XENMAPSPACE_GRANT_TABLE => return Err(XenErrno::EINVAL),
            _ => return Err(XenErrno::ENOSYS),
        };
        let mut m = self.mem.borrow_mut();
        // The frame keeps its contents where it goes; its old place is left empty.
        let contents = match moved_from {
            Some(old) => {
                let c = m.page(old);
                if !m.is_ram(u64::from(old) << PAGE_SHIFT) {
                    m.unmap_page(old);
                }
                Some(c)
            }
            None => None,
        };
        if m.is_ram(u64::from(gfn) << PAGE_SHIFT) {
            self.mapped_over_ram.push(gfn);
        } else {
            m.map_page(gfn);
        }
        match contents {
            Some(c) => m.set_page(gfn, &c),
            None => {
                m.set_page(gfn, &[0; PAGE as usize]);
                if space == XENMAPSPACE_GRANT_TABLE && idx == 0 {
                    drop(m);
                    self.init_reserved_grants(gfn);
                }
            }
        }
        Ok(())
    }

    /// The toolstack's entry for the xenstore page, mapped by xenstored (as QEMU sets it).
    fn init_reserved_grants(&mut self, gfn: u32) {
        let e = GrantEntryV1::permit_access(0, self.cfg.store_pfn, false);
        let at = (gfn << PAGE_SHIFT) + GNTTAB_RESERVED_XENSTORE * size_of::<GrantEntryV1>() as u32;
        let mut mem = self.mem.clone();
        mem.write_u16(at + offset_of!(GrantEntryV1, domid) as u32, e.domid);
        mem.write_u32(at + offset_of!(GrantEntryV1, frame) as u32, e.frame);
        mem.write_u16(
            at + offset_of!(GrantEntryV1, flags) as u32,
            e.flags | GTF_READING | GTF_WRITING,
        );
    }

    fn send(&mut self, port: EvtchnPort) -> XenResult<()> {
        match self.ports.get(&port) {
            None => Err(XenErrno::EINVAL),
            // Xen drops events on a port nobody bound yet.
            Some(Port::Unbound { .. }) => Ok(()),
            Some(Port::Bound { peer, .. }) => {
                match *peer {
                    Peer::Xenstore => self.run_store(),
                    Peer::Blkback(i) => {
                        self.blk_service(i);
                        self.backends_watch();
                    }
                }
                Ok(())
            }
        }
    }

    fn sched_yield(&mut self) {
        self.yields += 1;
        let ring = self.store_ring();
        let mut mem = self.mem.clone();
        if self.store.on_yield(&mut mem, ring, self.yields) {
            self.notify_guest(self.cfg.store_port);
        }
        self.backends_watch();
        for i in 0..self.backs.len() {
            self.blk_late(i);
        }
    }
}

/// The handle: the firmware's `Hypervisor` and `XenCpu`.
#[derive(Clone)]
pub struct SimXen(Rc<RefCell<XenState>>);

impl SimXen {
    /// A simulated Xen over `mem` (its xenstore page is mapped and initialised here).
    pub fn new(cfg: SimXenConfig, mem: SharedMemory) -> SimXen {
        let mut store = SimStore::new(cfg.domid);
        let ring = cfg.store_pfn << PAGE_SHIFT;
        mem.borrow_mut().map_page(cfg.store_pfn);
        store.init_page(&mut mem.clone(), ring);
        let mut ports = BTreeMap::new();
        ports.insert(
            cfg.store_port,
            Port::Bound {
                remote: 0,
                peer: Peer::Xenstore,
            },
        );
        SimXen(Rc::new(RefCell::new(XenState {
            cfg,
            mem,
            calls: Vec::new(),
            hypercall_page: None,
            shared_info_gfn: None,
            grant_frames: BTreeMap::new(),
            mapped_over_ram: Vec::new(),
            ports,
            store,
            backs: Vec::new(),
            fail: Vec::new(),
            grant_maps: BTreeMap::new(),
            yields: 0,
            guest_events: BTreeMap::new(),
            params: BTreeMap::new(),
        })))
    }

    pub fn state(&self) -> RefMut<'_, XenState> {
        self.0.borrow_mut()
    }

    /// Re-initialise the xenstore page header (after a test changed `store.reconnect`).
    pub fn reset_store_page(&self) {
        let mut s = self.state();
        let ring = s.store_ring();
        let mut mem = s.mem.clone();
        s.store.init_page(&mut mem, ring);
    }

    fn call(&self, c: Hcall) -> Result<RefMut<'_, XenState>, XenErrno> {
        let mut s = self.0.borrow_mut();
        s.calls.push(c.clone());
        assert!(
            s.hypercall_page.is_some(),
            "hypercall {c:?} before the hypercall page was installed"
        );
        match s.failing(&c) {
            Some(e) => Err(e),
            None => Ok(s),
        }
    }
}

impl Hypervisor for SimXen {
    fn xen_version(&self) -> XenResult<u32> {
        let s = self.call(Hcall::XenVersion)?;
        Ok(s.cfg.version)
    }
    fn xen_extraversion(&self) -> XenResult<XenExtraversion> {
        let s = self.call(Hcall::Extraversion)?;
        let extra = s.cfg.extraversion.ok_or(XenErrno::ENOSYS)?;
        let mut v = XenExtraversion::default();
        let n = extra.len().min(v.len() - 1);
        v[..n].copy_from_slice(&extra.as_bytes()[..n]);
        Ok(v)
    }
    fn xen_features(&self) -> XenResult<u32> {
        self.call(Hcall::Features)?;
        Ok(1 << xen_headers::version::XENFEAT_HVM_CALLBACK_VECTOR)
    }
    fn hvm_get_param(&self, index: u32) -> XenResult<u64> {
        let s = self.call(Hcall::GetParam(index))?;
        match index {
            HVM_PARAM_STORE_PFN => Ok(u64::from(s.cfg.store_pfn)),
            HVM_PARAM_STORE_EVTCHN => Ok(u64::from(s.cfg.store_port)),
            _ => s.params.get(&index).copied().ok_or(XenErrno::ENOSYS),
        }
    }
    fn xen_guest_handle(&self) -> XenResult<[u8; 16]> {
        let s = self.call(Hcall::GuestHandle)?;
        Ok(s.cfg.guest_handle)
    }
    fn hvm_set_param(&self, index: u32, value: u64) -> XenResult<()> {
        let mut s = self.call(Hcall::SetParam(index, value))?;
        s.params.insert(index, value);
        Ok(())
    }
    fn memory_map(&self, buf: &mut [u8]) -> XenResult<usize> {
        let s = self.call(Hcall::MemoryMap)?;
        let default = [(MIB, u64::from(s.cfg.ram_top) - MIB, E820_RAM)];
        let map = s.cfg.memory_map.as_deref().unwrap_or(&default);
        let room = buf.len() / E820_ENTRY_SIZE;
        // Xen copies at most the `nr_entries` the caller has room for and says how many.
        for (e, &(addr, size, kind)) in buf.chunks_exact_mut(E820_ENTRY_SIZE).zip(map) {
            e[0..8].copy_from_slice(&addr.to_le_bytes());
            e[8..16].copy_from_slice(&size.to_le_bytes());
            e[16..20].copy_from_slice(&kind.to_le_bytes());
        }
        Ok(map.len().min(room))
    }
    fn add_to_physmap(&self, space: u32, idx: u32, gfn: u32) -> XenResult<()> {
        let mut s = self.call(Hcall::AddToPhysmap { space, idx, gfn })?;
        s.add_to_physmap(space, idx, gfn)
    }
    fn gnttab_query_size(&self) -> XenResult<GnttabSize> {
        let s = self.call(Hcall::QuerySize)?;
        Ok(GnttabSize {
            nr_frames: s.grant_frames.len() as u32,
            max_nr_frames: s.cfg.max_grant_frames,
        })
    }
    fn evtchn_alloc_unbound(&self, remote: Domid) -> XenResult<EvtchnPort> {
        let mut s = self.call(Hcall::AllocUnbound(remote))?;
        let port = (1..).find(|p| !s.ports.contains_key(p)).unwrap();
        s.ports.insert(port, Port::Unbound { remote });
        Ok(port)
    }
    fn evtchn_send(&self, port: EvtchnPort) -> XenResult<()> {
        let mut s = self.call(Hcall::Send(port))?;
        s.send(port)
    }
    fn evtchn_close(&self, port: EvtchnPort) -> XenResult<()> {
        let mut s = self.call(Hcall::Close(port))?;
        match s.ports.remove(&port) {
            Some(Port::Bound {
                peer: Peer::Blkback(i),
                ..
            }) => {
                s.backs[i].port_closed();
                Ok(())
            }
            Some(_) => Ok(()),
            None => Err(XenErrno::EINVAL),
        }
    }
    fn sched_yield(&self) -> XenResult<()> {
        let mut s = self.call(Hcall::Yield)?;
        s.sched_yield();
        Ok(())
    }
}

impl XenCpu for SimXen {
    fn cpuid(&self, leaf: u32) -> [u32; 4] {
        let s = self.0.borrow();
        let c = &s.cfg;
        if !c.present {
            return [0; 4];
        }
        match leaf.wrapping_sub(c.cpuid_base) {
            0 => [
                c.cpuid_base + XEN_CPUID_LEAF_HVM,
                XEN_CPUID_SIGNATURE_EBX,
                XEN_CPUID_SIGNATURE_ECX,
                XEN_CPUID_SIGNATURE_EDX,
            ],
            XEN_CPUID_LEAF_VERSION => [c.version, 0, 0, 0],
            XEN_CPUID_LEAF_HYPERCALL => [1, c.hypercall_msr, 0, 0],
            XEN_CPUID_LEAF_HVM if c.cpuid_domid => {
                [XEN_HVM_CPUID_DOMID_PRESENT, 0, u32::from(c.domid), 0]
            }
            _ => [0; 4],
        }
    }

    fn install_hypercall_page(&mut self, msr: u32, page: u32) -> Option<&'static dyn Hypervisor> {
        {
            let mut s = self.0.borrow_mut();
            assert_eq!(msr, s.cfg.hypercall_msr, "wrong hypercall MSR");
            assert_eq!(page % PAGE, 0, "hypercall page {page:#x} not page-aligned");
            let mut mem = s.mem.clone();
            for nr in 0..STUBS {
                let at = page + hypercall_stub_offset(nr);
                mem.write_u8(at, MOV_EAX_IMM32);
                mem.write_u32(at + 1, nr);
                mem.write(at + 5, &VMCALL);
                mem.write_u8(at + 8, RET);
            }
            s.hypercall_page = Some(page);
        }
        Some(Box::leak(Box::new(self.clone())))
    }
}

/// A machine with a simulated Xen: sparse memory as QEMU lays it out (RAM up to
/// `cfg.ram_top`, the xenstore page in its reserved hole, BAR1 empty until Xen maps frames
/// there), ports, a clock, a CPU, a console.
pub struct XenMachine {
    pub mem: SharedMemory,
    pub ports: SimPorts,
    pub clock: SimClock,
    pub cpu: SimCpu,
    pub console: SimConsole,
    pub xen: SimXen,
}

impl XenMachine {
    pub fn new(cfg: SimXenConfig) -> XenMachine {
        let mut m = SparseMemory::new();
        m.add_ram(0, LOW_RAM_END);
        m.add_ram(BIOS_START, HIGH_RAM_START - BIOS_START);
        m.add_ram(HIGH_RAM_START, u64::from(cfg.ram_top) - HIGH_RAM_START);
        let mem = SharedMemory::new(m);
        XenMachine {
            xen: SimXen::new(cfg, mem.clone()),
            mem,
            ports: SimPorts::new(),
            clock: SimClock::default(),
            cpu: SimCpu::default(),
            console: SimConsole::default(),
        }
    }

    pub fn ctx(&mut self) -> Ctx<'_> {
        Ctx {
            mem: &mut self.mem,
            io: &self.ports,
            clock: &self.clock,
            cpu: &mut self.cpu,
            console: &mut self.console,
        }
    }

    /// The e820 map memory detection builds on this machine.
    pub fn e820(&self) -> E820Map {
        let top = u64::from(self.xen.state().cfg.ram_top);
        let store = u64::from(self.xen.state().cfg.store_pfn) << PAGE_SHIFT;
        let mut e = E820Map::new();
        e.add(0, LOW_RAM_END, Kind::Ram);
        e.add(BIOS_START, HIGH_RAM_START, Kind::Reserved);
        e.add(HIGH_RAM_START, top, Kind::Ram);
        e.add(store, store + u64::from(PAGE), Kind::Reserved);
        e
    }

    /// Install the hypercall page in the top RAM page (as `xen::init` would, minus the e820
    /// bookkeeping) and return the hypervisor: for tests of single parts.
    pub fn hv(&mut self) -> &'static dyn Hypervisor {
        let (msr, page) = {
            let s = self.xen.state();
            (s.cfg.hypercall_msr, s.cfg.ram_top - PAGE)
        };
        self.xen.install_hypercall_page(msr, page).unwrap()
    }

    /// The xenstore ring's address and port.
    pub fn store_ring(&self) -> (u32, EvtchnPort) {
        let s = self.xen.state();
        (s.store_ring(), s.cfg.store_port)
    }

    /// The platform device as PCI POST would report it: 00:02.0, BAR1 at
    /// [`SIM_BAR1_BASE`].
    pub fn platform(&self) -> SimPlatformDevice {
        SimPlatformDevice {
            bus: 0,
            dev: 2,
            func: 0,
            mmio_base: SIM_BAR1_BASE,
            mmio_size: SIM_BAR1_SIZE,
        }
    }
}
