//! xenbios: a legacy x86 BIOS that boots Xen HVM guests from Xen PV block devices.
//!
//! The library holds all the logic. Hardware is reached through small traits
//! (the [`hal`] layer: [`hal::PortIo`], [`hal::Memory`], [`hal::Clock`], ...) so that the services (int13, e820,
//! boot order, ...) run in host tests against simulated hardware (the `xenbios-sim`
//! crate, a dev-dependency: `xenbios_sim::Machine`, `xenbios_sim::xen::XenMachine`, ...)
//! and unchanged in the image, where `arch` provides the real implementations and the
//! real-mode trampoline. This crate is exactly what ships: it has no simulation in it.
#![cfg_attr(not(test), no_std)]

#[macro_use]
pub mod log;

pub mod arena;
pub mod bda;
pub mod bios;
pub mod block;
pub mod boot;
pub mod dispatch;
pub mod e820;
pub mod fmt;
pub mod global;
pub mod hal;
pub mod hw;
pub mod ivt;
pub mod layout;
pub mod menu;
pub mod oprom;
pub mod platform;
pub mod post;
pub mod services;
pub mod tables;
pub mod xen;
pub mod zone;

#[cfg(target_os = "none")]
pub mod arch;
#[cfg(target_os = "none")]
mod image;
