//! The Xen public ABI (xen/include/public) as used by xenbios.
//!
//! Every structure is `#[repr(C)]`, derives zerocopy's traits, and has its size and field
//! offsets pinned by `static_assertions`; `tests/abi.rs` compares them with Debian's C headers.
#![no_std]
