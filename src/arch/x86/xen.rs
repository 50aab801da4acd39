//! Hypercalls through the hypercall page, from 32-bit protected mode.
//!
//! Xen takes a 32-bit HVM guest's hypercall arguments in EBX, ECX, EDX, ESI, EDI and
//! returns in EAX; the stub for hypercall `nr` is at `page + nr * 32`. Pointer arguments are
//! linear addresses, which with flat segments and no paging are the guest-physical
//! addresses Xen translates, so the argument structures (the `x86_32` layouts of
//! `xen-headers`) live on the firmware stack. A debug build of Xen deliberately clobbers the
//! argument registers of HVM hypercalls, so all five are treated as clobbered.

use crate::hal::hypercall::{GnttabSize, Hypervisor, XenCpu, XenErrno, XenResult};
use core::arch::asm;
use xen_headers::cpuid::hypercall_stub_offset;
use xen_headers::event_channel::{
    EVTCHNOP_ALLOC_UNBOUND, EVTCHNOP_CLOSE, EVTCHNOP_SEND, EvtchnAllocUnbound, EvtchnClose,
    EvtchnPort, EvtchnSend,
};
use xen_headers::grant_table::{GNTST_OKAY, GNTTABOP_QUERY_SIZE, GnttabQuerySize};
use xen_headers::hvm::{HVMOP_GET_PARAM, HVMOP_SET_PARAM, XenHvmParam};
use xen_headers::memory::{
    E820_ENTRY_SIZE, XENMEM_ADD_TO_PHYSMAP, XENMEM_MEMORY_MAP,
    x86_32::{XenAddToPhysmap, XenMemoryMap},
};
use xen_headers::sched::SCHEDOP_YIELD;
use xen_headers::version::{
    XENVER_EXTRAVERSION, XENVER_GET_FEATURES, XENVER_GUEST_HANDLE, XENVER_VERSION, XenExtraversion,
    XenFeatureInfo,
};
use xen_headers::xen::{
    DOMID_SELF, Domid, HYPERVISOR_EVENT_CHANNEL_OP, HYPERVISOR_GRANT_TABLE_OP, HYPERVISOR_HVM_OP,
    HYPERVISOR_MEMORY_OP, HYPERVISOR_SCHED_OP, HYPERVISOR_XEN_VERSION,
};

/// `GNTTABOP_*` take an array of this many arguments.
const ONE_OP: u32 = 1;

/// The hypercall page Xen filled.
pub struct HypercallPage {
    base: u32,
}

/// The linear address of an argument structure on the stack.
fn arg<T>(v: &mut T) -> u32 {
    v as *mut T as usize as u32
}

impl HypercallPage {
    /// Hypercall `nr` with three arguments; the raw return value.
    fn call(&self, nr: u32, a1: u32, a2: u32, a3: u32) -> i32 {
        let ret: u32;
        // SAFETY: the stub is Xen's (`mov $nr, %eax; vmcall; ret`) in a page the firmware
        // reserved; it returns here on the same stack. EBX and ESI are reserved by LLVM on
        // i386, so they are saved and restored around the call; every other register Xen may
        // change is an output. The arguments point to live structures the compiler must
        // assume are read and written (no `nomem`).
        unsafe {
            asm!(
                "push ebx",
                "push esi",
                "mov ebx, edi",
                "call eax",
                "pop esi",
                "pop ebx",
                inout("eax") self.base + hypercall_stub_offset(nr) => ret,
                inout("edi") a1 => _,
                inout("ecx") a2 => _,
                inout("edx") a3 => _,
            )
        };
        ret as i32
    }

    fn op<T>(&self, nr: u32, cmd: u32, v: &mut T) -> XenResult<u32> {
        XenErrno::check(self.call(nr, cmd, arg(v), 0))
    }
}

impl Hypervisor for HypercallPage {
    fn xen_version(&self) -> XenResult<u32> {
        XenErrno::check(self.call(HYPERVISOR_XEN_VERSION, XENVER_VERSION, 0, 0))
    }

    fn xen_extraversion(&self) -> XenResult<XenExtraversion> {
        let mut v: XenExtraversion = Default::default();
        self.op(HYPERVISOR_XEN_VERSION, XENVER_EXTRAVERSION, &mut v)?;
        Ok(v)
    }

    fn xen_guest_handle(&self) -> XenResult<[u8; 16]> {
        let mut h = [0u8; 16];
        self.op(HYPERVISOR_XEN_VERSION, XENVER_GUEST_HANDLE, &mut h)?;
        Ok(h)
    }

    fn xen_features(&self) -> XenResult<u32> {
        let mut fi = XenFeatureInfo::default();
        self.op(HYPERVISOR_XEN_VERSION, XENVER_GET_FEATURES, &mut fi)?;
        Ok(fi.submap)
    }

    fn hvm_get_param(&self, index: u32) -> XenResult<u64> {
        let mut p = XenHvmParam::new(index, 0);
        self.op(HYPERVISOR_HVM_OP, HVMOP_GET_PARAM, &mut p)?;
        Ok(p.value)
    }

    fn hvm_set_param(&self, index: u32, value: u64) -> XenResult<()> {
        let mut p = XenHvmParam::new(index, value);
        self.op(HYPERVISOR_HVM_OP, HVMOP_SET_PARAM, &mut p)
            .map(drop)
    }

    fn memory_map(&self, buf: &mut [u8]) -> XenResult<usize> {
        let mut m = XenMemoryMap {
            nr_entries: (buf.len() / E820_ENTRY_SIZE) as u32,
            buffer: buf.as_mut_ptr() as usize as u32,
        };
        self.op(HYPERVISOR_MEMORY_OP, XENMEM_MEMORY_MAP, &mut m)?;
        // Xen never stores more than it was given room for.
        Ok((m.nr_entries as usize).min(buf.len() / E820_ENTRY_SIZE))
    }

    fn add_to_physmap(&self, space: u32, idx: u32, gfn: u32) -> XenResult<()> {
        let mut a = XenAddToPhysmap {
            domid: DOMID_SELF,
            size: 0,
            space,
            idx,
            gpfn: gfn,
        };
        self.op(HYPERVISOR_MEMORY_OP, XENMEM_ADD_TO_PHYSMAP, &mut a)
            .map(drop)
    }

    fn gnttab_query_size(&self) -> XenResult<GnttabSize> {
        let mut q = GnttabQuerySize {
            dom: DOMID_SELF,
            ..Default::default()
        };
        XenErrno::check(self.call(
            HYPERVISOR_GRANT_TABLE_OP,
            GNTTABOP_QUERY_SIZE,
            arg(&mut q),
            ONE_OP,
        ))?;
        if q.status != GNTST_OKAY {
            return Err(XenErrno::EINVAL);
        }
        Ok(GnttabSize {
            nr_frames: q.nr_frames,
            max_nr_frames: q.max_nr_frames,
        })
    }

    fn evtchn_alloc_unbound(&self, remote: Domid) -> XenResult<EvtchnPort> {
        let mut a = EvtchnAllocUnbound {
            dom: DOMID_SELF,
            remote_dom: remote,
            port: 0,
        };
        self.op(HYPERVISOR_EVENT_CHANNEL_OP, EVTCHNOP_ALLOC_UNBOUND, &mut a)?;
        Ok(a.port)
    }

    fn evtchn_send(&self, port: EvtchnPort) -> XenResult<()> {
        let mut s = EvtchnSend { port };
        self.op(HYPERVISOR_EVENT_CHANNEL_OP, EVTCHNOP_SEND, &mut s)
            .map(drop)
    }

    fn evtchn_close(&self, port: EvtchnPort) -> XenResult<()> {
        let mut c = EvtchnClose { port };
        self.op(HYPERVISOR_EVENT_CHANNEL_OP, EVTCHNOP_CLOSE, &mut c)
            .map(drop)
    }

    fn sched_yield(&self) -> XenResult<()> {
        XenErrno::check(self.call(HYPERVISOR_SCHED_OP, SCHEDOP_YIELD, 0, 0)).map(drop)
    }
}

/// CPUID and WRMSR on this CPU.
pub struct RealXenCpu;

impl XenCpu for RealXenCpu {
    fn cpuid(&self, leaf: u32) -> [u32; 4] {
        // CPUID only reads processor identification; every CPU this firmware runs on has it.
        let r = core::arch::x86::__cpuid_count(leaf, 0);
        [r.eax, r.ebx, r.ecx, r.edx]
    }

    fn install_hypercall_page(&mut self, msr: u32, page: u32) -> Option<&'static dyn Hypervisor> {
        // SAFETY: `msr` is the hypercall-page MSR Xen named in its CPUID leaf; writing a
        // page address to it makes Xen fill that page, which the caller reserved for it.
        // No `nomem`: memory changes behind the compiler's back.
        unsafe {
            asm!("wrmsr", in("ecx") msr, in("eax") page, in("edx") 0u32,
                 options(nostack, preserves_flags))
        };
        let hv: &'static dyn Hypervisor = crate::arena::leak(HypercallPage { base: page })?;
        Some(hv)
    }
}
