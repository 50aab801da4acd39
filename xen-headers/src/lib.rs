//! The Xen public ABI (`xen/include/public`, as shipped by Xen 4.17) as used by xenbios.
//!
//! Every structure is `#[repr(C)]` (or `#[repr(C, packed(4))]` where the 32-bit ABI puts a
//! 64-bit field on a 4-byte boundary), derives zerocopy's traits, and has its size, alignment
//! and field offsets pinned by `static_assertions`; `tests/abi.rs` compiles `tests/abi.c`
//! against Debian's `libxen-dev` headers with `-m32` and `-m64` and compares every size,
//! offset and constant with the values here.
//!
//! # Naming
//!
//! * `struct foo_bar` and `foo_bar_t` become `FooBar` (the `_t` is dropped: `domid_t` is
//!   [`xen::Domid`], `evtchn_port_t` is [`event_channel::EvtchnPort`]).
//! * A C macro or enumerator keeps its Xen name, upper-cased, with leading underscores
//!   dropped: `__HYPERVISOR_memory_op` is [`xen::HYPERVISOR_MEMORY_OP`],
//!   `XENMAPSPACE_grant_table` is [`memory::XENMAPSPACE_GRANT_TABLE`], `GTF_permit_access` is
//!   [`grant_table::GTF_PERMIT_ACCESS`].
//! * Field names are the C names (`r#type` where C uses a Rust keyword). Padding that C leaves
//!   implicit is an explicit `_padN` field here (zerocopy's `IntoBytes` needs a layout without
//!   holes); it must be zero.
//!
//! # Two layouts: `x86_32` and `x86_64`
//!
//! Xen's public headers change shape with the guest's word size: `unsigned long`,
//! `xen_ulong_t`, `xen_pfn_t` and guest handles (pointers) are 4 bytes for a 32-bit guest and
//! 8 for a 64-bit one, and the i386 C ABI aligns `uint64_t` to 4 bytes where x86-64 aligns it
//! to 8. Every structure whose layout differs therefore exists twice, in an `x86_32` and an
//! `x86_64` submodule of its module (for example [`memory::x86_32::XenAddToPhysmap`] and
//! [`memory::x86_64::XenAddToPhysmap`]). Both layouts are exact on every compilation target:
//! `x86_32` structures are `packed(4)` where they hold a `u64`, and `x86_64` structures spell
//! out their padding and carry `align(8)`, so the host tests check the layout the firmware
//! gets.
//!
//! Structures whose layout is the same for both (only 8-, 16- and 32-bit fields, or a `u64` that
//! is naturally 8-aligned either way) live directly in their module.
//!
//! ## Which layout the firmware uses
//!
//! xenbios runs in 32-bit protected mode, so for Xen it is a 32-bit HVM guest:
//!
//! * **Hypercall arguments** use the `x86_32` layouts. Xen decides per hypercall from the
//!   vCPU's mode at the time of the call (`hvm_hypercall()`: anything but 64-bit mode takes
//!   the compat path, whose structures are the i386 ones), so a 32-bit caller passes
//!   [`memory::x86_32::XenAddToPhysmap`], [`grant_table::x86_32::GnttabSetupTable`],
//!   [`sched::x86_32::SchedPoll`], and so on.
//! * **The shared info page** has the layout that Xen *latched*, see [`xen`]: for xenbios that
//!   is [`xen::x86_32::SharedInfo`].
//! * **PV rings** (blkif) use whatever the frontend announces in its `protocol` xenstore node;
//!   the backend assumes its own native layout (x86_64 on a 64-bit dom0) when the node is
//!   absent. See [`io::blkif`].
#![no_std]
#![forbid(unsafe_code)]

pub mod cpuid;
pub mod errno;
pub mod event_channel;
pub mod grant_table;
pub mod hvm;
pub mod hvm_info_table;
pub mod hvmloader;
pub mod io;
pub mod memory;
pub mod platform;
pub mod sched;
pub mod start_info;
pub mod version;
pub mod xen;

/// The page size of every Xen page-granular interface on x86: `1 << XEN_PAGE_SHIFT`.
pub const XEN_PAGE_SIZE: usize = 4096;
/// log2 of [`XEN_PAGE_SIZE`] (`XEN_PAGE_SHIFT`, `io/ring.h`).
pub const XEN_PAGE_SHIFT: u32 = 12;

static_assertions::const_assert_eq!(1usize << XEN_PAGE_SHIFT, XEN_PAGE_SIZE);
