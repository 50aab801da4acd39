//! `io/protocols.h`: the names of the PV ring layouts, written by a frontend to its
//! `protocol` xenstore node.

/// The i386 layout (64-bit fields 4-byte aligned).
pub const XEN_IO_PROTO_ABI_X86_32: &str = "x86_32-abi";
/// The x86-64 layout (natural alignment).
pub const XEN_IO_PROTO_ABI_X86_64: &str = "x86_64-abi";
pub const XEN_IO_PROTO_ABI_ARM: &str = "arm-abi";
