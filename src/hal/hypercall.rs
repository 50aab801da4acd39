//! The hypercalls the firmware makes, as a typed trait.
//!
//! [`Hypervisor`] says what each call means, not how its arguments are laid out: the image
//! implements it by marshalling the 32-bit (compat) argument structures of `xen-headers` on
//! the stack and calling the hypercall page (`arch::x86::xen`); host tests implement it with
//! a simulated Xen (`xenbios_sim::xen`) that acts on the request directly. Results are
//! `Result<_, XenErrno>`: a hypercall returns a negative `XEN_E*` on failure.
//!
//! [`XenCpu`] is the CPU side of finding Xen: its CPUID leaves and the MSR that installs the
//! hypercall page, which yields the `Hypervisor`.

use core::fmt;
use xen_headers::errno;
use xen_headers::event_channel::EvtchnPort;
use xen_headers::version::XenExtraversion;
use xen_headers::xen::Domid;

/// A Xen error number (positive: `XenErrno(XEN_ENOSYS)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XenErrno(pub i32);

impl XenErrno {
    pub const ENOSYS: XenErrno = XenErrno(errno::XEN_ENOSYS);
    pub const EINVAL: XenErrno = XenErrno(errno::XEN_EINVAL);
    pub const ENOENT: XenErrno = XenErrno(errno::XEN_ENOENT);
    pub const EPERM: XenErrno = XenErrno(errno::XEN_EPERM);
    pub const ENOMEM: XenErrno = XenErrno(errno::XEN_ENOMEM);
    pub const ESRCH: XenErrno = XenErrno(errno::XEN_ESRCH);

    /// A hypercall's return value: `Ok` if it is not negative, else the error it names.
    pub fn check(ret: i32) -> Result<u32, XenErrno> {
        if ret < 0 {
            Err(XenErrno(ret.wrapping_neg()))
        } else {
            Ok(ret as u32)
        }
    }
}

/// As the negative number a hypercall returns (`-38` for `ENOSYS`): the names would cost
/// more ROM than they are worth in the few log lines that show one.
impl fmt::Display for XenErrno {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "-{}", self.0.unsigned_abs())
    }
}

pub type XenResult<T> = Result<T, XenErrno>;

/// `GNTTABOP_query_size`: grant table frames in use and the most the domain may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GnttabSize {
    pub nr_frames: u32,
    pub max_nr_frames: u32,
}

/// The hypercalls xenbios makes, each with its meaning (the `x86_32` argument layouts are
/// the implementation's business). All take `&self`: a hypervisor handle is shared by
/// every user (xenstore, grant table, PV drivers) and has no state of its own.
pub trait Hypervisor {
    /// `xen_version(XENVER_version)`: `major << 16 | minor`.
    fn xen_version(&self) -> XenResult<u32>;
    /// `xen_version(XENVER_extraversion)`: the version suffix, NUL-padded (QEMU: ENOSYS).
    fn xen_extraversion(&self) -> XenResult<XenExtraversion>;
    /// `xen_version(XENVER_guest_handle)`: the domain's handle (the UUID `xl list -v` shows).
    fn xen_guest_handle(&self) -> XenResult<[u8; 16]>;
    /// `xen_version(XENVER_get_features)`, submap 0: bit `n` = `XENFEAT` `n`.
    fn xen_features(&self) -> XenResult<u32>;
    /// `hvm_op(HVMOP_get_param)` of the calling domain.
    fn hvm_get_param(&self, index: u32) -> XenResult<u64>;
    /// `hvm_op(HVMOP_set_param)` of the calling domain.
    fn hvm_set_param(&self, index: u32, value: u64) -> XenResult<()>;
    /// `memory_op(XENMEM_memory_map)`: the domain's memory map as the toolstack set it, in
    /// `buf` as entries of `E820_ENTRY_SIZE` bytes; returns how many Xen stored.
    fn memory_map(&self, buf: &mut [u8]) -> XenResult<usize>;
    /// `memory_op(XENMEM_add_to_physmap)` for the calling domain: page `idx` of `space`
    /// (`XENMAPSPACE_*`) appears at guest frame `gfn`.
    fn add_to_physmap(&self, space: u32, idx: u32, gfn: u32) -> XenResult<()>;
    /// `grant_table_op(GNTTABOP_query_size)` for the calling domain.
    fn gnttab_query_size(&self) -> XenResult<GnttabSize>;
    /// `event_channel_op(EVTCHNOP_alloc_unbound)`: a new port that domain `remote` may bind.
    fn evtchn_alloc_unbound(&self, remote: Domid) -> XenResult<EvtchnPort>;
    /// `event_channel_op(EVTCHNOP_send)`: notify the other end of `port`.
    fn evtchn_send(&self, port: EvtchnPort) -> XenResult<()>;
    /// `event_channel_op(EVTCHNOP_close)`.
    fn evtchn_close(&self, port: EvtchnPort) -> XenResult<()>;
    /// `sched_op(SCHEDOP_yield)`: let other vCPUs and the backends run. Waits call it between
    /// polls.
    fn sched_yield(&self) -> XenResult<()>;
}

/// The CPU side of finding Xen.
pub trait XenCpu {
    /// CPUID `leaf` (sub-leaf 0): [eax, ebx, ecx, edx].
    fn cpuid(&self, leaf: u32) -> [u32; 4];
    /// Write the guest-physical address `page` (a free, page-aligned RAM page the firmware
    /// keeps) to MSR `msr`, which makes Xen fill it with hypercall stubs; return the
    /// hypervisor reached through them (`None` if no home for it could be made).
    fn install_hypercall_page(&mut self, msr: u32, page: u32) -> Option<&'static dyn Hypervisor>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_values_and_names() {
        assert_eq!(XenErrno::check(0), Ok(0));
        assert_eq!(XenErrno::check(7), Ok(7));
        assert_eq!(XenErrno::check(-38), Err(XenErrno::ENOSYS));
        assert_eq!(
            format!("{} {}", XenErrno::ENOSYS, XenErrno(200)),
            "-38 -200"
        );
    }
}
