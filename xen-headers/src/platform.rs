//! The Xen platform PCI device and the emulated-device unplug protocol.
//!
//! **Not from a public header**: these values come from Xen's documentation
//! (`docs/man/xen-pci-device-reservations.7.pod`, `docs/misc/hvm-emulated-unplug.pandoc`) and
//! `hvm/pvdrivers.h` (product numbers); the names follow Linux's `include/xen/platform_pci.h`.
//! The ABI test cannot check them against C and does not.
//!
//! The platform device (vendor 0x5853, device 0x0001) is what the device model offers HVM
//! guests for PV drivers: its BAR 1 is an MMIO hole that a guest may use to place grant table
//! frames (`XENMEM_add_to_physmap`) without shadowing RAM, and its I/O BAR implements the unplug
//! protocol at fixed ports 0x10 and 0x12. Unplugging takes the emulated IDE disks away from the
//! OS, so firmware that hands disks to an OS must not unplug.

/// The Xen PCI vendor id.
pub const PCI_VENDOR_ID_XEN: u16 = 0x5853;
/// The Xen platform device.
pub const PCI_DEVICE_ID_XEN_PLATFORM: u16 = 0x0001;

/// The unplug protocol's base I/O port.
pub const XEN_IOPORT_BASE: u16 = 0x10;
/// 16-bit read: [`XEN_IOPORT_MAGIC_VAL`] if the protocol is available.
pub const XEN_IOPORT_MAGIC: u16 = XEN_IOPORT_BASE;
/// 16-bit write: a mask of `XEN_UNPLUG_*`.
pub const XEN_IOPORT_UNPLUG: u16 = XEN_IOPORT_BASE;
/// 32-bit write: the driver build number.
pub const XEN_IOPORT_DRVVER: u16 = XEN_IOPORT_BASE;
/// 8-bit read: the protocol version.
pub const XEN_IOPORT_PROTOVER: u16 = XEN_IOPORT_BASE + 2;
/// 16-bit write: the product number (`PVDRIVERS_PRODUCT_LIST`).
pub const XEN_IOPORT_PRODNUM: u16 = XEN_IOPORT_BASE + 2;
/// 8-bit writes: log characters to the device model's log, newline-terminated.
pub const XEN_IOPORT_SYSLOG: u16 = XEN_IOPORT_BASE + 2;
/// The magic value read from [`XEN_IOPORT_MAGIC`].
pub const XEN_IOPORT_MAGIC_VAL: u16 = 0x49d2;
/// The magic value after the driver version was written, when that version is blacklisted.
pub const XEN_IOPORT_MAGIC_BLACKLISTED: u16 = 0xd249;

/// Unplug all emulated IDE and SCSI disks (not CD drives).
pub const XEN_UNPLUG_ALL_IDE_DISKS: u16 = 1 << 0;
/// Unplug all emulated NICs.
pub const XEN_UNPLUG_ALL_NICS: u16 = 1 << 1;
/// Unplug all IDE disks but the primary master.
pub const XEN_UNPLUG_AUX_IDE_DISKS: u16 = 1 << 2;
/// Unplug all emulated NVMe disks.
pub const XEN_UNPLUG_NVME_DISKS: u16 = 1 << 3;

// Product numbers (`hvm/pvdrivers.h`).
pub const PVDRIVERS_PRODUCT_XENSOURCE_WINDOWS: u16 = 0x0001;
pub const PVDRIVERS_PRODUCT_GPLPV_WINDOWS: u16 = 0x0002;
pub const PVDRIVERS_PRODUCT_LINUX: u16 = 0x0003;
pub const PVDRIVERS_PRODUCT_XENSERVER_WINDOWS_V7_0: u16 = 0x0004;
pub const PVDRIVERS_PRODUCT_XENSERVER_WINDOWS_V7_2: u16 = 0x0005;
pub const PVDRIVERS_PRODUCT_EXPERIMENTAL: u16 = 0xffff;

/// The platform device's BAR holding its MMIO hole (BAR 1; BAR 0 is the I/O BAR).
pub const XEN_PLATFORM_MMIO_BAR: usize = 1;
