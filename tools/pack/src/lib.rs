//! xenbios image packing.
//!
//! The firmware file holds one compressed blob (the runtime code and data, and the POST-only
//! code) and, uncompressed, the loader and the real-mode parts that must sit at fixed
//! addresses. At reset the loader decodes the blob's parts to their link addresses.
//!
//! - [`lz4`]: the LZ4 block decoder (no_std; the loader links it) and, with `std`, the
//!   compressor;
//! - [`format`]: the blob's header, shared by the tool that writes it and the loader that
//!   reads it;
//! - with `std`, the host tool's pieces: [`elf`] (ELF32 reader), [`split`] (which code runs
//!   only during POST: the linker script fragment), [`image`] (the reference check and
//!   `bios.bin`), [`container`] (the ELF file Xen's domain builder loads).
#![cfg_attr(not(feature = "std"), no_std)]

pub mod format;
pub mod lz4;

#[cfg(feature = "std")]
pub mod container;
#[cfg(feature = "std")]
pub mod elf;
#[cfg(feature = "std")]
pub mod image;
#[cfg(feature = "std")]
pub mod split;
