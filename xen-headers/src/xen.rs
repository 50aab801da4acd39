//! `xen.h` and `arch-x86/xen.h` (with `arch-x86/xen-x86_32.h` and `xen-x86_64.h`): domain
//! ids, hypercall numbers, and the shared info page.
//!
//! # The shared info page of an HVM guest: which layout?
//!
//! `struct shared_info` (per-vCPU `vcpu_info`, the 2-level event channel pending and mask
//! bitmaps, wallclock) is built from `xen_ulong_t` words, so it has a 32-bit
//! ([`x86_32::SharedInfo`], 2344 bytes) and a 64-bit ([`x86_64::SharedInfo`], 3136 bytes)
//! layout. A PV guest gets the layout of its own bitness. For an HVM guest Xen keeps a per-domain
//! flag, `d->arch.has_32bit_shinfo`, and reads and writes the page in the layout it names:
//!
//! 1. A new HVM domain starts with the flag clear: the **64-bit** layout.
//! 2. Xen *latches* the flag from the calling vCPU's execution mode
//!    (`has_32bit_shinfo = hvm_guest_x86_mode(v) != 8`, `hvm_latch_shinfo_size()` in
//!    `xen/arch/x86/hvm/hvm.c`) whenever the guest itself
//!    * writes the hypercall-page MSR (`hvm_init_hypercall_page()`), or
//!    * sets `HVM_PARAM_CALLBACK_IRQ` with `HVMOP_set_param`.
//!
//!    Real mode, 16-bit and 32-bit protected mode, and compatibility mode all latch the
//!    **32-bit** layout; only 64-bit long mode latches the 64-bit one.
//! 3. The latch is re-evaluated at each such call, so a 64-bit OS that later sets up its own
//!    hypercall page switches the domain back to the 64-bit layout (Xen then only rewrites the
//!    wallclock; pending event bits are *not* converted).
//!
//! KVM's Xen emulation (used by QEMU's `-accel kvm,xen-version=...`) does the same on the
//! hypercall-page MSR write, keyed on `EFER.LMA`.
//!
//! **Rule for xenbios:** the firmware writes the hypercall page from 32-bit protected mode
//! before anything reads the shared info page (and under real Xen, hvmloader, also 32-bit, did
//! so already), so it must use [`x86_32::SharedInfo`]: `evtchn_pending` and `evtchn_mask` are
//! 32 words of 32 bits (1024 2-level event channels), the port `p` bit is bit `p % 32` of word
//! `p / 32` ([`x86_32::evtchn_word`], [`x86_32::evtchn_bit`]), and `vcpu_info.evtchn_pending_sel`
//! is a 32-bit selector. Every hypercall it makes from 32-bit mode likewise takes the compat
//! (`x86_32`) argument layouts.

use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// A domain id (`domid_t`).
pub type Domid = u16;

// Hypercall numbers (`__HYPERVISOR_*`). A hypercall is made by calling the stub at
// `hypercall_page + number * HYPERCALL_STUB_SIZE` (see `crate::cpuid`).
pub const HYPERVISOR_SET_TRAP_TABLE: u32 = 0;
pub const HYPERVISOR_MMU_UPDATE: u32 = 1;
pub const HYPERVISOR_SET_GDT: u32 = 2;
pub const HYPERVISOR_STACK_SWITCH: u32 = 3;
pub const HYPERVISOR_SET_CALLBACKS: u32 = 4;
pub const HYPERVISOR_FPU_TASKSWITCH: u32 = 5;
pub const HYPERVISOR_SCHED_OP_COMPAT: u32 = 6;
pub const HYPERVISOR_PLATFORM_OP: u32 = 7;
pub const HYPERVISOR_SET_DEBUGREG: u32 = 8;
pub const HYPERVISOR_GET_DEBUGREG: u32 = 9;
pub const HYPERVISOR_UPDATE_DESCRIPTOR: u32 = 10;
pub const HYPERVISOR_MEMORY_OP: u32 = 12;
pub const HYPERVISOR_MULTICALL: u32 = 13;
pub const HYPERVISOR_UPDATE_VA_MAPPING: u32 = 14;
pub const HYPERVISOR_SET_TIMER_OP: u32 = 15;
pub const HYPERVISOR_EVENT_CHANNEL_OP_COMPAT: u32 = 16;
pub const HYPERVISOR_XEN_VERSION: u32 = 17;
pub const HYPERVISOR_CONSOLE_IO: u32 = 18;
pub const HYPERVISOR_PHYSDEV_OP_COMPAT: u32 = 19;
pub const HYPERVISOR_GRANT_TABLE_OP: u32 = 20;
pub const HYPERVISOR_VM_ASSIST: u32 = 21;
pub const HYPERVISOR_UPDATE_VA_MAPPING_OTHERDOMAIN: u32 = 22;
pub const HYPERVISOR_IRET: u32 = 23;
pub const HYPERVISOR_VCPU_OP: u32 = 24;
pub const HYPERVISOR_SET_SEGMENT_BASE: u32 = 25;
pub const HYPERVISOR_MMUEXT_OP: u32 = 26;
pub const HYPERVISOR_XSM_OP: u32 = 27;
pub const HYPERVISOR_NMI_OP: u32 = 28;
pub const HYPERVISOR_SCHED_OP: u32 = 29;
pub const HYPERVISOR_CALLBACK_OP: u32 = 30;
pub const HYPERVISOR_XENOPROF_OP: u32 = 31;
pub const HYPERVISOR_EVENT_CHANNEL_OP: u32 = 32;
pub const HYPERVISOR_PHYSDEV_OP: u32 = 33;
pub const HYPERVISOR_HVM_OP: u32 = 34;
pub const HYPERVISOR_SYSCTL: u32 = 35;
pub const HYPERVISOR_DOMCTL: u32 = 36;
pub const HYPERVISOR_KEXEC_OP: u32 = 37;
pub const HYPERVISOR_TMEM_OP: u32 = 38;
pub const HYPERVISOR_ARGO_OP: u32 = 39;
pub const HYPERVISOR_XENPMU_OP: u32 = 40;
pub const HYPERVISOR_DM_OP: u32 = 41;
pub const HYPERVISOR_HYPFS_OP: u32 = 42;
pub const HYPERVISOR_ARCH_0: u32 = 48;
pub const HYPERVISOR_ARCH_1: u32 = 49;
pub const HYPERVISOR_ARCH_2: u32 = 50;
pub const HYPERVISOR_ARCH_3: u32 = 51;
pub const HYPERVISOR_ARCH_4: u32 = 52;
pub const HYPERVISOR_ARCH_5: u32 = 53;
pub const HYPERVISOR_ARCH_6: u32 = 54;
pub const HYPERVISOR_ARCH_7: u32 = 55;

/// Domain ids at or above this are reserved, never an ordinary domain.
pub const DOMID_FIRST_RESERVED: Domid = 0x7ff0;
/// The calling domain itself.
pub const DOMID_SELF: Domid = 0x7ff0;
pub const DOMID_IO: Domid = 0x7ff1;
pub const DOMID_XEN: Domid = 0x7ff2;
pub const DOMID_COW: Domid = 0x7ff3;
pub const DOMID_INVALID: Domid = 0x7ff4;
pub const DOMID_IDLE: Domid = 0x7fff;
pub const DOMID_MASK: Domid = 0x7fff;

/// vCPUs with a `vcpu_info` slot inside the shared info page.
pub const XEN_LEGACY_MAX_VCPUS: usize = 32;

/// The I/O port of Xen's HVM debug console (`XEN_HVM_DEBUGCONS_IOPORT`): bytes written to it
/// appear in Xen's log (prefixed `(dN)`).
pub const XEN_HVM_DEBUGCONS_IOPORT: u16 = 0xe9;

/// `vcpu_time_info.flags`: the TSC is stable across vCPUs.
pub const XEN_PVCLOCK_TSC_STABLE_BIT: u8 = 1 << 0;
/// `vcpu_time_info.flags`: the guest was stopped.
pub const XEN_PVCLOCK_GUEST_STOPPED: u8 = 1 << 1;

/// Per-vCPU system time (`struct vcpu_time_info`), the same 32 bytes in both layouts.
///
/// `version` is odd while Xen updates the other fields: read it, read the fields, read it
/// again, and retry unless both reads gave the same even value.
///
/// `packed(4)`: its alignment is i386's (4) on every target, so that it can sit inside the
/// 4-aligned [`x86_32::VcpuInfo`]; the x86-64 containers are `align(8)` themselves. Read
/// fields by value.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C, packed(4))]
pub struct VcpuTimeInfo {
    pub version: u32,
    pub pad0: u32,
    /// TSC at the last update.
    pub tsc_timestamp: u64,
    /// Nanoseconds since boot at `tsc_timestamp`.
    pub system_time: u64,
    pub tsc_to_system_mul: u32,
    pub tsc_shift: i8,
    /// `XEN_PVCLOCK_*` (interface version > 0x040600).
    pub flags: u8,
    pub pad1: [u8; 2],
}

const_assert_eq!(core::mem::size_of::<VcpuTimeInfo>(), 32);
const_assert_eq!(core::mem::offset_of!(VcpuTimeInfo, version), 0);
const_assert_eq!(core::mem::offset_of!(VcpuTimeInfo, pad0), 4);
const_assert_eq!(core::mem::offset_of!(VcpuTimeInfo, tsc_timestamp), 8);
const_assert_eq!(core::mem::offset_of!(VcpuTimeInfo, system_time), 16);
const_assert_eq!(core::mem::offset_of!(VcpuTimeInfo, tsc_to_system_mul), 24);
const_assert_eq!(core::mem::offset_of!(VcpuTimeInfo, tsc_shift), 28);
const_assert_eq!(core::mem::offset_of!(VcpuTimeInfo, flags), 29);
const_assert_eq!(core::mem::offset_of!(VcpuTimeInfo, pad1), 30);

/// The layouts seen by a 32-bit guest (`__i386__`; Xen's compat layouts). xenbios uses these.
pub mod x86_32 {
    use super::{VcpuTimeInfo, XEN_LEGACY_MAX_VCPUS};
    use core::mem::{align_of, offset_of, size_of};
    use static_assertions::const_assert_eq;
    use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

    /// `xen_ulong_t` (`unsigned long`).
    pub type XenUlong = u32;
    /// `xen_pfn_t`, a guest frame number.
    pub type XenPfn = u32;
    /// `XEN_GUEST_HANDLE(T)`: a pointer in the guest's address space (a linear address).
    pub type GuestHandle = u32;

    /// Bits in one event channel bitmap word (`BITS_PER_XEN_ULONG`).
    pub const BITS_PER_XEN_ULONG: u32 = XenUlong::BITS;
    /// Number of 2-level event channels (`EVTCHN_2L_NR_CHANNELS`): 1024.
    pub const EVTCHN_2L_NR_CHANNELS: u32 = BITS_PER_XEN_ULONG * BITS_PER_XEN_ULONG;
    /// Words in `evtchn_pending` / `evtchn_mask` (`sizeof(xen_ulong_t) * 8`).
    pub const EVTCHN_BITMAP_WORDS: usize = XenUlong::BITS as usize;

    /// The index in `evtchn_pending` / `evtchn_mask` of the word holding `port`'s bit; also
    /// the bit that `vcpu_info.evtchn_pending_sel` sets for it.
    pub const fn evtchn_word(port: u32) -> usize {
        (port / BITS_PER_XEN_ULONG) as usize
    }

    /// The mask of `port`'s bit within its word.
    pub const fn evtchn_bit(port: u32) -> XenUlong {
        1 << (port % BITS_PER_XEN_ULONG)
    }

    /// `struct arch_vcpu_info` (i386): `cr2` and padding to keep `vcpu_info` at 64 bytes.
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C)]
    pub struct ArchVcpuInfo {
        pub cr2: u32,
        pub pad: [u32; 5],
    }

    /// `struct vcpu_info` (i386).
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C)]
    pub struct VcpuInfo {
        /// Set by Xen when an event is pending for this vCPU; clear it *before* scanning.
        pub evtchn_upcall_pending: u8,
        /// Non-zero: no upcall is delivered to this vCPU.
        pub evtchn_upcall_mask: u8,
        pub _pad0: [u8; 2],
        /// Bit `n` set: word `n` of `evtchn_pending` may have pending, unmasked ports.
        pub evtchn_pending_sel: XenUlong,
        pub arch: ArchVcpuInfo,
        pub time: VcpuTimeInfo,
    }

    /// `struct arch_shared_info` (i386; `wc_sec_hi` lives here on i386).
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C)]
    pub struct ArchSharedInfo {
        pub max_pfn: u32,
        pub pfn_to_mfn_frame_list_list: XenPfn,
        pub nmi_reason: u32,
        pub p2m_cr3: u32,
        pub p2m_vaddr: u32,
        pub p2m_generation: u32,
        pub wc_sec_hi: u32,
    }

    /// `struct shared_info` (i386), the layout of a 32-bit HVM guest's shared info page.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
    #[repr(C)]
    pub struct SharedInfo {
        pub vcpu_info: [VcpuInfo; XEN_LEGACY_MAX_VCPUS],
        /// Bit `p % 32` of word `p / 32`: port `p` is pending. Cleared by the guest.
        pub evtchn_pending: [XenUlong; EVTCHN_BITMAP_WORDS],
        /// Bit set: port masked (no upcall; the pending bit is still set). Guest-owned.
        pub evtchn_mask: [XenUlong; EVTCHN_BITMAP_WORDS],
        pub wc_version: u32,
        pub wc_sec: u32,
        pub wc_nsec: u32,
        pub arch: ArchSharedInfo,
    }

    const_assert_eq!(size_of::<ArchVcpuInfo>(), 24);
    const_assert_eq!(offset_of!(ArchVcpuInfo, cr2), 0);
    const_assert_eq!(offset_of!(ArchVcpuInfo, pad), 4);
    const_assert_eq!(align_of::<ArchVcpuInfo>(), 4);

    const_assert_eq!(size_of::<VcpuInfo>(), 64);
    const_assert_eq!(offset_of!(VcpuInfo, evtchn_upcall_pending), 0);
    const_assert_eq!(offset_of!(VcpuInfo, evtchn_upcall_mask), 1);
    const_assert_eq!(offset_of!(VcpuInfo, evtchn_pending_sel), 4);
    const_assert_eq!(offset_of!(VcpuInfo, arch), 8);
    const_assert_eq!(offset_of!(VcpuInfo, time), 32);

    const_assert_eq!(size_of::<ArchSharedInfo>(), 28);
    const_assert_eq!(offset_of!(ArchSharedInfo, max_pfn), 0);
    const_assert_eq!(offset_of!(ArchSharedInfo, pfn_to_mfn_frame_list_list), 4);
    const_assert_eq!(offset_of!(ArchSharedInfo, nmi_reason), 8);
    const_assert_eq!(offset_of!(ArchSharedInfo, p2m_cr3), 12);
    const_assert_eq!(offset_of!(ArchSharedInfo, p2m_vaddr), 16);
    const_assert_eq!(offset_of!(ArchSharedInfo, p2m_generation), 20);
    const_assert_eq!(offset_of!(ArchSharedInfo, wc_sec_hi), 24);

    const_assert_eq!(size_of::<SharedInfo>(), 2344);
    const_assert_eq!(offset_of!(SharedInfo, vcpu_info), 0);
    const_assert_eq!(offset_of!(SharedInfo, evtchn_pending), 2048);
    const_assert_eq!(offset_of!(SharedInfo, evtchn_mask), 2176);
    const_assert_eq!(offset_of!(SharedInfo, wc_version), 2304);
    const_assert_eq!(offset_of!(SharedInfo, wc_sec), 2308);
    const_assert_eq!(offset_of!(SharedInfo, wc_nsec), 2312);
    const_assert_eq!(offset_of!(SharedInfo, arch), 2316);
    const_assert_eq!(align_of::<SharedInfo>(), 4);
    const_assert_eq!(EVTCHN_2L_NR_CHANNELS, 1024);
    const_assert_eq!(
        EVTCHN_BITMAP_WORDS * BITS_PER_XEN_ULONG as usize,
        EVTCHN_2L_NR_CHANNELS as usize
    );
}

/// The layouts seen by a 64-bit guest (`__x86_64__`), and by an HVM guest whose shared info
/// layout was never latched (see the module docs).
pub mod x86_64 {
    use super::{VcpuTimeInfo, XEN_LEGACY_MAX_VCPUS};
    use core::mem::{align_of, offset_of, size_of};
    use static_assertions::const_assert_eq;
    use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

    /// `xen_ulong_t` (`unsigned long`).
    pub type XenUlong = u64;
    /// `xen_pfn_t`, a guest frame number.
    pub type XenPfn = u64;
    /// `XEN_GUEST_HANDLE(T)`: a pointer in the guest's address space.
    pub type GuestHandle = u64;

    /// Bits in one event channel bitmap word (`BITS_PER_XEN_ULONG`).
    pub const BITS_PER_XEN_ULONG: u32 = XenUlong::BITS;
    /// Number of 2-level event channels (`EVTCHN_2L_NR_CHANNELS`): 4096.
    pub const EVTCHN_2L_NR_CHANNELS: u32 = BITS_PER_XEN_ULONG * BITS_PER_XEN_ULONG;
    /// Words in `evtchn_pending` / `evtchn_mask` (`sizeof(xen_ulong_t) * 8`).
    pub const EVTCHN_BITMAP_WORDS: usize = XenUlong::BITS as usize;

    /// The index of the bitmap word holding `port`'s bit.
    pub const fn evtchn_word(port: u32) -> usize {
        (port / BITS_PER_XEN_ULONG) as usize
    }

    /// The mask of `port`'s bit within its word.
    pub const fn evtchn_bit(port: u32) -> XenUlong {
        1 << (port % BITS_PER_XEN_ULONG)
    }

    /// `struct arch_vcpu_info` (x86-64).
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C, align(8))]
    pub struct ArchVcpuInfo {
        pub cr2: u64,
        pub pad: u64,
    }

    /// `struct vcpu_info` (x86-64).
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C, align(8))]
    pub struct VcpuInfo {
        pub evtchn_upcall_pending: u8,
        pub evtchn_upcall_mask: u8,
        pub _pad0: [u8; 6],
        pub evtchn_pending_sel: XenUlong,
        pub arch: ArchVcpuInfo,
        pub time: VcpuTimeInfo,
    }

    /// `struct arch_shared_info` (x86-64).
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
    )]
    #[repr(C, align(8))]
    pub struct ArchSharedInfo {
        pub max_pfn: u64,
        pub pfn_to_mfn_frame_list_list: XenPfn,
        pub nmi_reason: u64,
        pub p2m_cr3: u64,
        pub p2m_vaddr: u64,
        pub p2m_generation: u64,
    }

    /// `struct shared_info` (x86-64).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
    #[repr(C, align(8))]
    pub struct SharedInfo {
        pub vcpu_info: [VcpuInfo; XEN_LEGACY_MAX_VCPUS],
        pub evtchn_pending: [XenUlong; EVTCHN_BITMAP_WORDS],
        pub evtchn_mask: [XenUlong; EVTCHN_BITMAP_WORDS],
        pub wc_version: u32,
        pub wc_sec: u32,
        pub wc_nsec: u32,
        pub wc_sec_hi: u32,
        pub arch: ArchSharedInfo,
    }

    const_assert_eq!(size_of::<ArchVcpuInfo>(), 16);
    const_assert_eq!(offset_of!(ArchVcpuInfo, cr2), 0);
    const_assert_eq!(offset_of!(ArchVcpuInfo, pad), 8);

    const_assert_eq!(size_of::<VcpuInfo>(), 64);
    const_assert_eq!(offset_of!(VcpuInfo, evtchn_upcall_pending), 0);
    const_assert_eq!(offset_of!(VcpuInfo, evtchn_upcall_mask), 1);
    const_assert_eq!(offset_of!(VcpuInfo, evtchn_pending_sel), 8);
    const_assert_eq!(offset_of!(VcpuInfo, arch), 16);
    const_assert_eq!(offset_of!(VcpuInfo, time), 32);
    const_assert_eq!(align_of::<VcpuInfo>(), 8);

    const_assert_eq!(size_of::<ArchSharedInfo>(), 48);
    const_assert_eq!(offset_of!(ArchSharedInfo, max_pfn), 0);
    const_assert_eq!(offset_of!(ArchSharedInfo, pfn_to_mfn_frame_list_list), 8);
    const_assert_eq!(offset_of!(ArchSharedInfo, nmi_reason), 16);
    const_assert_eq!(offset_of!(ArchSharedInfo, p2m_cr3), 24);
    const_assert_eq!(offset_of!(ArchSharedInfo, p2m_vaddr), 32);
    const_assert_eq!(offset_of!(ArchSharedInfo, p2m_generation), 40);

    const_assert_eq!(size_of::<SharedInfo>(), 3136);
    const_assert_eq!(offset_of!(SharedInfo, vcpu_info), 0);
    const_assert_eq!(offset_of!(SharedInfo, evtchn_pending), 2048);
    const_assert_eq!(offset_of!(SharedInfo, evtchn_mask), 2560);
    const_assert_eq!(offset_of!(SharedInfo, wc_version), 3072);
    const_assert_eq!(offset_of!(SharedInfo, wc_sec), 3076);
    const_assert_eq!(offset_of!(SharedInfo, wc_nsec), 3080);
    const_assert_eq!(offset_of!(SharedInfo, wc_sec_hi), 3084);
    const_assert_eq!(offset_of!(SharedInfo, arch), 3088);
    const_assert_eq!(align_of::<SharedInfo>(), 8);
    const_assert_eq!(EVTCHN_2L_NR_CHANNELS, 4096);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evtchn_bitmap_indexing() {
        assert_eq!((x86_32::evtchn_word(0), x86_32::evtchn_bit(0)), (0, 1));
        assert_eq!((x86_32::evtchn_word(33), x86_32::evtchn_bit(33)), (1, 2));
        assert_eq!(
            (x86_32::evtchn_word(1023), x86_32::evtchn_bit(1023)),
            (31, 1 << 31)
        );
        assert_eq!(
            (x86_64::evtchn_word(33), x86_64::evtchn_bit(33)),
            (0, 1 << 33)
        );
        assert_eq!(
            (x86_64::evtchn_word(4095), x86_64::evtchn_bit(4095)),
            (63, 1 << 63)
        );
    }

    #[test]
    fn shared_info_from_page_bytes() {
        // A page with port 37 pending and vCPU 0's selector bit 1 set, as Xen writes them in
        // the 32-bit layout: the typed view must find both.
        let mut page = [0u8; 4096];
        let pending = core::mem::offset_of!(x86_32::SharedInfo, evtchn_pending) + 4;
        page[pending..pending + 4].copy_from_slice(&(1u32 << 5).to_le_bytes());
        let sel = core::mem::offset_of!(x86_32::VcpuInfo, evtchn_pending_sel);
        page[sel..sel + 4].copy_from_slice(&2u32.to_le_bytes());
        let (shinfo, _) = x86_32::SharedInfo::read_from_prefix(&page).unwrap();
        let port = 37;
        assert_ne!(
            shinfo.vcpu_info[0].evtchn_pending_sel & (1 << x86_32::evtchn_word(port)),
            0
        );
        assert_ne!(
            shinfo.evtchn_pending[x86_32::evtchn_word(port)] & x86_32::evtchn_bit(port),
            0
        );
    }
}
