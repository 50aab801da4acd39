//! PCI: configuration mechanism #1, the configuration header's registers and fields, the
//! platform's device IDs, and the list of functions POST found (which the PCI BIOS, the
//! drivers and the MP table read). How POST fills the list and gives the devices their
//! resources is the platform's policy (`platform::pci`).
//!
//! Facts come from the PCI Local Bus 3.0 and PCI-to-PCI Bridge 1.2 specifications
//! (configuration mechanism #1, header layouts, BAR and window register formats).

use core::fmt;

use crate::hal::PortIo;

// ---- configuration mechanism #1 ---------------------------------------------------

pub const CONFIG_ADDRESS: u16 = 0xcf8;
pub const CONFIG_DATA: u16 = 0xcfc;
pub const CONFIG_ENABLE: u32 = 1 << 31;

/// Bus, device, function: `bus << 8 | dev << 3 | func`, as in CONFIG_ADDRESS and the
/// PCI BIOS interface.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Bdf(pub u16);

impl Bdf {
    pub const fn new(bus: u8, dev: u8, func: u8) -> Bdf {
        Bdf((bus as u16) << 8 | ((dev as u16 & 0x1f) << 3) | (func as u16 & 7))
    }
    pub const fn bus(self) -> u8 {
        (self.0 >> 8) as u8
    }
    pub const fn dev(self) -> u8 {
        (self.0 >> 3) as u8 & 0x1f
    }
    pub const fn func(self) -> u8 {
        self.0 as u8 & 7
    }
}

impl fmt::Display for Bdf {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{:02x}:{:02x}.{}", self.bus(), self.dev(), self.func())
    }
}

fn address(bdf: Bdf, off: u8) -> u32 {
    CONFIG_ENABLE | (bdf.0 as u32) << 8 | (off & 0xfc) as u32
}

pub fn read32(io: &dyn PortIo, bdf: Bdf, off: u8) -> u32 {
    io.outl(CONFIG_ADDRESS, address(bdf, off));
    io.inl(CONFIG_DATA)
}
pub fn read16(io: &dyn PortIo, bdf: Bdf, off: u8) -> u16 {
    io.outl(CONFIG_ADDRESS, address(bdf, off));
    io.inw(CONFIG_DATA + (off & 2) as u16)
}
pub fn read8(io: &dyn PortIo, bdf: Bdf, off: u8) -> u8 {
    io.outl(CONFIG_ADDRESS, address(bdf, off));
    io.inb(CONFIG_DATA + (off & 3) as u16)
}
pub fn write32(io: &dyn PortIo, bdf: Bdf, off: u8, v: u32) {
    io.outl(CONFIG_ADDRESS, address(bdf, off));
    io.outl(CONFIG_DATA, v);
}
pub fn write16(io: &dyn PortIo, bdf: Bdf, off: u8, v: u16) {
    io.outl(CONFIG_ADDRESS, address(bdf, off));
    io.outw(CONFIG_DATA + (off & 2) as u16, v);
}
pub fn write8(io: &dyn PortIo, bdf: Bdf, off: u8, v: u8) {
    io.outl(CONFIG_ADDRESS, address(bdf, off));
    io.outb(CONFIG_DATA + (off & 3) as u16, v);
}

// ---- configuration header --------------------------------------------------------

pub const VENDOR_ID: u8 = 0x00;
/// Reads as all ones when no function answers.
pub const VENDOR_NONE: u16 = 0xffff;
pub const DEVICE_ID: u8 = 0x02;
pub const COMMAND: u8 = 0x04;
/// Revision (byte 0), programming interface, subclass, base class.
pub const REVISION_CLASS: u8 = 0x08;
pub const PROG_IF: u8 = 0x09;
pub const CLASS_DEVICE: u8 = 0x0a;
pub const HEADER_TYPE: u8 = 0x0e;
pub const BAR0: u8 = 0x10;
pub const ROM_BAR: u8 = 0x30;
pub const INTERRUPT_LINE: u8 = 0x3c;
pub const INTERRUPT_PIN: u8 = 0x3d;

pub const COMMAND_IO: u16 = 1 << 0;
pub const COMMAND_MEMORY: u16 = 1 << 1;
pub const COMMAND_MASTER: u16 = 1 << 2;

pub const HEADER_TYPE_MASK: u8 = 0x7f;
pub const HEADER_MULTI_FUNCTION: u8 = 0x80;
pub const HEADER_NORMAL: u8 = 0;
pub const HEADER_BRIDGE: u8 = 1;

pub const BAR_IO: u32 = 1 << 0;
pub const BAR_MEM_TYPE_MASK: u32 = 0b11 << 1;
pub const BAR_MEM_TYPE_64: u32 = 0b10 << 1;
pub const BAR_MEM_PREFETCH: u32 = 1 << 3;
pub const BAR_IO_ADDR_MASK: u32 = !0b11;
/// An I/O BAR of a 16-bit decoder reads 0 in bits 31:16 after all-ones was written.
pub const BAR_IO_UPPER: u32 = 0xffff_0000;
pub const BAR_MEM_ADDR_MASK: u32 = !0b1111;
pub const ROM_ADDR_MASK: u32 = !0x7ff;

/// No IRQ connected (PCI 3.0, 6.2.4: 0xFF in INTERRUPT_LINE on x86).
pub const IRQ_NONE: u8 = 0xff;

// PCI-to-PCI bridge header (type 1).
pub const PRIMARY_BUS: u8 = 0x18;
pub const SECONDARY_BUS: u8 = 0x19;
pub const SUBORDINATE_BUS: u8 = 0x1a;
pub const IO_BASE: u8 = 0x1c;
pub const IO_LIMIT: u8 = 0x1d;
pub const MEMORY_BASE: u8 = 0x20;
pub const MEMORY_LIMIT: u8 = 0x22;
pub const PREF_BASE: u8 = 0x24;
pub const PREF_LIMIT: u8 = 0x26;
pub const PREF_BASE_UPPER: u8 = 0x28;
pub const PREF_LIMIT_UPPER: u8 = 0x2c;
pub const IO_BASE_UPPER: u8 = 0x30;
pub const IO_LIMIT_UPPER: u8 = 0x32;
pub const BRIDGE_ROM_BAR: u8 = 0x38;
/// Bridge control register; bit 3 forwards the legacy VGA ranges (memory 0xA0000-0xBFFFF,
/// I/O 0x3B0-0x3BB and 0x3C0-0x3DF) to the secondary bus (PCI-to-PCI Bridge 1.2, 3.2.5.18).
pub const BRIDGE_CONTROL: u8 = 0x3e;
pub const BRIDGE_CTL_VGA: u16 = 1 << 3;
/// The ROM BAR's enable bit: the device decodes its ROM at the BAR's address (PCI 3.0,
/// 6.2.5.2).
pub const ROM_ENABLE: u32 = 1 << 0;
/// Base class 03h (display), subclass 00h (VGA compatible).
pub const CLASS_DISPLAY_VGA: u16 = 0x0300;
/// Base class of display controllers, in `PciDevice::class` (base << 8 | sub).
pub const CLASS_BASE_DISPLAY: u16 = 0x03;
/// Bridge windows: I/O in 4 KiB units (address bits 15:12 in bits 7:4 of the base and
/// limit bytes), memory in 1 MiB units (address bits 31:20 in bits 15:4).
pub const IO_WINDOW_GRANULE: u64 = 0x1000;
pub const MEM_WINDOW_GRANULE: u64 = 0x10_0000;
pub const IO_WINDOW_ADDR_MASK: u8 = 0xf0;
pub const IO_WINDOW_SHIFT: u32 = 8;
pub const MEM_WINDOW_ADDR_MASK: u16 = 0xfff0;
pub const MEM_WINDOW_SHIFT: u32 = 16;
/// Base above limit: a closed window.
pub const IO_WINDOW_CLOSED: (u8, u8) = (IO_WINDOW_ADDR_MASK, 0);
pub const MEM_WINDOW_CLOSED: (u16, u16) = (MEM_WINDOW_ADDR_MASK, 0);

// ---- platform facts ----------------------------------------------------------------

pub const VENDOR_INTEL: u16 = 0x8086;
/// i440FX host bridge (QEMU -M pc).
pub const DEVICE_I440FX: u16 = 0x1237;
/// PIIX3 / PIIX4 PCI-to-ISA bridges (function 0 of the south bridge).
pub const DEVICE_PIIX3_ISA: u16 = 0x7000;
pub const DEVICE_PIIX4_ISA: u16 = 0x7110;
pub const DEVICE_PIIX3_IDE: u16 = 0x7010;
pub const DEVICE_PIIX4_IDE: u16 = 0x7111;
/// PIIX4 power management function (QEMU puts it at 00:01.3).
pub const DEVICE_PIIX4_PM: u16 = 0x7113;
/// Q35 MCH host bridge and the ICH9 LPC bridge at 00:1f.0 (QEMU -M q35).
pub const DEVICE_Q35_MCH: u16 = 0x29c0;
pub const DEVICE_ICH9_LPC: u16 = 0x2918;
pub const VENDOR_XEN: u16 = 0x5853;
/// Xen platform device (grant tables, PV driver handshake).
pub const DEVICE_XEN_PLATFORM: u16 = 0x0001;

/// Functions the device list holds.
pub const MAX_DEVICES: usize = 32;

// ---- what POST found ---------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarKind {
    Unused,
    Io,
    Mem32,
    Mem64,
    /// The upper half of the 64-bit BAR before it.
    Upper,
}

/// A BAR (or expansion ROM BAR): its type, where it is, how large. `base` is 0 and
/// `assigned` false when it could not be given room. Sizes are powers of two (the
/// lowest writable address bit), kept as their logarithm to keep the device list small.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bar {
    pub kind: BarKind,
    pub prefetch: bool,
    pub assigned: bool,
    pub size_log2: u8,
    pub base: u64,
}

impl Bar {
    pub const UNUSED: Bar = Bar {
        kind: BarKind::Unused,
        prefetch: false,
        assigned: false,
        size_log2: 0,
        base: 0,
    };
    /// Bytes decoded; 0 for an unused BAR.
    pub fn size(&self) -> u64 {
        if self.is_io() || self.is_mem() {
            1 << self.size_log2
        } else {
            0
        }
    }
    pub fn is_io(&self) -> bool {
        self.kind == BarKind::Io
    }
    pub fn is_mem(&self) -> bool {
        matches!(self.kind, BarKind::Mem32 | BarKind::Mem64)
    }
}

/// A bridge window: `size` 0 when closed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    pub base: u64,
    pub size: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BridgeInfo {
    pub secondary: u8,
    pub subordinate: u8,
    pub io: Window,
    pub mem: Window,
    pub pref: Window,
    pub has_io_window: bool,
    pub has_pref_window: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PciDevice {
    pub bdf: Bdf,
    pub vendor: u16,
    pub device: u16,
    /// Base class << 8 | subclass.
    pub class: u16,
    pub prog_if: u8,
    /// Header type without the multi-function bit.
    pub header_type: u8,
    pub bars: [Bar; 6],
    pub rom: Bar,
    /// INTERRUPT_PIN (1 = INTA#) and the IRQ it reaches (IRQ_NONE if unknown/none).
    pub irq_pin: u8,
    pub irq: u8,
    /// Found configured, left as found.
    pub preassigned: bool,
    /// Index in the list of the bridge this device is behind.
    pub parent: Option<u8>,
    pub bridge: Option<BridgeInfo>,
}

impl PciDevice {
    pub const EMPTY: PciDevice = PciDevice {
        bdf: Bdf(0),
        vendor: 0,
        device: 0,
        class: 0,
        prog_if: 0,
        header_type: 0,
        bars: [Bar::UNUSED; 6],
        rom: Bar::UNUSED,
        irq_pin: 0,
        irq: IRQ_NONE,
        preassigned: false,
        parent: None,
        bridge: None,
    };
    pub fn is(&self, vendor: u16, device: u16) -> bool {
        self.vendor == vendor && self.device == device
    }
}

/// Every PCI function POST found, in scan order (depth first: a bridge, then what is
/// behind it).
#[derive(Clone, Debug)]
pub struct PciDevices {
    devs: [PciDevice; MAX_DEVICES],
    len: usize,
    /// Highest bus number in use.
    pub last_bus: u8,
    /// INTx goes to Xen, which picks the PIRQ link itself (Xen's device model, qemu-xen;
    /// set by POST's PCI set-up: `platform::pci::pirq_of`).
    pub intx_via_xen: bool,
    /// The address windows POST's allocator gave bus 0 (the firmware's own ACPI tables
    /// describe them in the host bridge's _CRS).
    pub windows: PciWindows,
}

/// Address windows the host bridge forwards to bus 0: inclusive `(first, last)` ranges,
/// `(0, 0)` when there is none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PciWindows {
    pub io: (u32, u32),
    pub mem32: (u32, u32),
}

impl Default for PciDevices {
    fn default() -> Self {
        Self::new()
    }
}

impl PciDevices {
    pub const fn new() -> Self {
        PciDevices {
            devs: [PciDevice::EMPTY; MAX_DEVICES],
            len: 0,
            last_bus: 0,
            intx_via_xen: false,
            windows: PciWindows {
                io: (0, 0),
                mem32: (0, 0),
            },
        }
    }
    pub fn all(&self) -> &[PciDevice] {
        &self.devs[..self.len]
    }
    pub fn get(&self, bdf: Bdf) -> Option<&PciDevice> {
        self.all().iter().find(|d| d.bdf == bdf)
    }
    /// The `index`th function with this vendor and device ID (PCI BIOS FIND_DEVICE).
    pub fn find(&self, vendor: u16, device: u16, index: usize) -> Option<&PciDevice> {
        self.all()
            .iter()
            .filter(|d| d.is(vendor, device))
            .nth(index)
    }
    /// The `index`th function of `class` (base << 8 | sub) with programming interface
    /// `prog_if` (PCI BIOS FIND_CLASS_CODE).
    pub fn find_class(&self, class: u16, prog_if: u8, index: usize) -> Option<&PciDevice> {
        self.all()
            .iter()
            .filter(|d| d.class == class && d.prog_if == prog_if)
            .nth(index)
    }
    /// Functions in the list.
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Append a function; `None` when the list is full.
    pub fn push(&mut self, d: PciDevice) -> Option<usize> {
        let i = self.len;
        *self.devs.get_mut(i)? = d;
        self.len += 1;
        Some(i)
    }
}

/// The function at `index` in scan order, as POST fills it in (an empty record past
/// [`PciDevices::len`]). Indexing the fixed array rather than [`PciDevices::all`] keeps
/// POST's loops free of a second bounds check.
impl core::ops::Index<usize> for PciDevices {
    type Output = PciDevice;
    fn index(&self, i: usize) -> &PciDevice {
        &self.devs[i]
    }
}

impl core::ops::IndexMut<usize> for PciDevices {
    fn index_mut(&mut self, i: usize) -> &mut PciDevice {
        &mut self.devs[i]
    }
}

// ---- the chipset --------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chipset {
    I440fx,
    Q35,
    Other,
}

/// The host bridge at 00:00.0, if any answers.
pub fn chipset(io: &dyn PortIo) -> Option<Chipset> {
    let host_id = read32(io, Bdf::new(0, 0, 0), VENDOR_ID);
    if host_id as u16 == VENDOR_NONE || host_id == 0 {
        return None;
    }
    Some(match (host_id as u16, (host_id >> 16) as u16) {
        (VENDOR_INTEL, DEVICE_I440FX) => Chipset::I440fx,
        (VENDOR_INTEL, DEVICE_Q35_MCH) => Chipset::Q35,
        _ => Chipset::Other,
    })
}

// ---- log ---------------------------------------------------------------------------

/// `00:03.0 8086:100e class 0200 bar0 mem febc0000+128K bar1 io c000+64 rom ... irq 11`
pub struct DeviceLine<'a>(pub &'a PciDevice);

struct Size(u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let s = self.0;
        if s >= 1 << 30 && s.is_multiple_of(1 << 30) {
            write!(f, "{}G", s >> 30)
        } else if s >= 1 << 20 && s.is_multiple_of(1 << 20) {
            write!(f, "{}M", s >> 20)
        } else if s >= 1 << 10 && s.is_multiple_of(1 << 10) {
            write!(f, "{}K", s >> 10)
        } else {
            write!(f, "{s}")
        }
    }
}

fn write_bar(f: &mut fmt::Formatter, name: fmt::Arguments, b: &Bar) -> fmt::Result {
    let kind = match (b.kind, b.prefetch) {
        (BarKind::Io, _) => "io",
        (BarKind::Mem64, true) => "mem64 pref",
        (BarKind::Mem64, false) => "mem64",
        (_, true) => "mem pref",
        _ => "mem",
    };
    if b.assigned {
        write!(f, " {name} {kind} {:x}+{}", b.base, Size(b.size()))
    } else {
        write!(f, " {name} {kind} unassigned+{}", Size(b.size()))
    }
}

fn write_window(f: &mut fmt::Formatter, name: &str, w: &Window) -> fmt::Result {
    if w.size != 0 {
        write!(f, " {name} {:x}-{:x}", w.base, w.base + w.size - 1)?;
    }
    Ok(())
}

impl fmt::Display for DeviceLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let d = self.0;
        write!(
            f,
            "{} {:04x}:{:04x} class {:04x}",
            d.bdf, d.vendor, d.device, d.class
        )?;
        for (i, b) in d.bars.iter().enumerate() {
            if b.is_io() || b.is_mem() {
                write_bar(f, format_args!("bar{i}"), b)?;
            }
        }
        if d.rom.size() != 0 {
            write_bar(f, format_args!("rom"), &d.rom)?;
        }
        if let Some(b) = &d.bridge {
            write!(f, " bus {:02x}-{:02x}", b.secondary, b.subordinate)?;
            write_window(f, "io", &b.io)?;
            write_window(f, "mem", &b.mem)?;
            write_window(f, "pref", &b.pref)?;
        }
        match (d.irq_pin, d.irq) {
            (0, _) => {}
            (_, IRQ_NONE) => f.write_str(" irq none")?,
            (_, irq) => write!(f, " irq {irq}")?,
        }
        if d.preassigned {
            f.write_str(" (pre-assigned, left as found)")?;
        }
        Ok(())
    }
}
