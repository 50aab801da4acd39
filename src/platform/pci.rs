//! PCI at POST: the resource policy. Enumeration (bus 0 and behind PCI-PCI bridges, bus
//! numbers for bridges), BAR sizing and assignment, bridge windows, the command register,
//! interrupt routing on i440FX/PIIX and Q35/ICH9, and the ACPI PM I/O base QEMU's ACPI
//! tables describe. Configuration-space access, the register layouts and the device list
//! this fills are the driver's (`hw::pci`).
//!
//! Facts come from the PCI Local Bus 3.0 and PCI-to-PCI Bridge 1.2 specifications
//! (configuration mechanism #1, header layouts, BAR sizing, window registers), the Intel
//! 82371SB (PIIX3), 82371AB (PIIX4) and ICH9 datasheets (PIRQ route and PM base
//! registers), and QEMU's models of those chips for the slot-to-PIRQ wiring.
//!
//! Devices the firmware finds already configured (I/O or memory decode on, a BAR
//! holding an address, or an interrupt line set, as hvmloader leaves every device under
//! Xen) are left exactly as found: their BARs are sized with decode briefly off and
//! restored, and the addresses they use are kept out of the windows given to other
//! devices.

use core::fmt;

use crate::e820::E820Map;
use crate::hal::{Ctx, PortIo};
use crate::hw::fw_cfg::FwCfg;
// The configuration header's registers and field layouts, the device IDs, the list.
use crate::hw::pci::*;
use crate::hw::pic;

// ---- chipset registers and the platform's choices ----------------------------------

/// PIRQ route control registers: PIRQA-D at 0x60-0x63 (PIIX3 and ICH9), PIRQE-H at
/// 0x68-0x6b (ICH9). Bit 7 set: routing disabled (the reset value, 0x80); bits 3:0 the
/// ISA IRQ.
pub const PIRQA_ROUTE: u8 = 0x60;
const PIRQE_ROUTE: u8 = 0x68;
pub const PIRQ_DISABLED: u8 = 0x80;
const PIRQ_IRQ_MASK: u8 = 0x0f;
/// The conventional assignment (SeaBIOS's too): PIRQA/B -> 10, PIRQC/D -> 11, and the
/// same for E-H. Both IRQs are free on a PC and become level triggered.
const PIRQ_IRQS: [u8; 4] = [10, 10, 11, 11];

/// I/O base of the ACPI PM registers (PM1a event/control, PM timer, GPE0). QEMU builds
/// its FADT from the base the firmware programs (the `pm_io_base` property reads the
/// chip's register) and SeaBIOS has always used 0x600, so QEMU's tables and its ACPI
/// tests expect this value.
pub const ACPI_PM_BASE: u16 = 0x600;
/// PIIX4 PM: PMBA (bits 15:6, bit 0 reads 1 = I/O space) and PMREGMISC bit 0, PMIOSE.
const PIIX4_PMBA: u8 = 0x40;
const PIIX4_PMREGMISC: u8 = 0x80;
const PIIX4_PMIOSE: u8 = 1 << 0;
const PMBA_IO_SPACE: u32 = 1;
/// The PIIX4's SCI is wired to ISA IRQ 9 (QEMU hw/i386/pc_piix.c; ACPI SCI_INT 9).
const PIIX4_SCI_IRQ: u8 = 9;
/// ICH9 LPC: PMBASE (bits 15:7, bit 0 RTE reads 1) and ACPI_CNTL (bit 7 ACPI_EN; bits
/// 2:0 SCI IRQ select, 000 = IRQ 9).
const ICH9_PMBASE: u8 = 0x40;
const ICH9_ACPI_CNTL: u8 = 0x44;
const ICH9_ACPI_EN: u8 = 1 << 7;
/// PIIX IDE timing registers for the primary and secondary channel: bit 15 enables
/// decoding of the legacy command block (82371AB datasheet, IDETIM).
const PIIX_IDETIM_PRIMARY: u8 = 0x40;
const PIIX_IDETIM_SECONDARY: u8 = 0x42;
const PIIX_IDETIM_DECODE: u16 = 1 << 15;

/// The windows given to devices. I/O from 0xC000 to the end of the 16-bit port space
/// (below, the ISA and chipset ports); memory from the end of low RAM up to the IOAPIC
/// at 0xFEC00000 (above it: IOAPIC, HPET, LAPIC, the BIOS alias).
pub const IO_WINDOW_START: u64 = 0xc000;
pub const IO_WINDOW_END: u64 = 0x1_0000;
pub const MEM_WINDOW_END: u64 = 0xfec0_0000;
const MEM_WINDOW_ALIGN: u64 = MEM_WINDOW_GRANULE;

const DEVICES_PER_BUS: u8 = 32;
const FUNCTIONS_PER_DEVICE: u8 = 8;

/// Bridges nested deeper than this are not scanned behind.
const MAX_BRIDGE_DEPTH: u8 = 8;

// ---- POST ----------------------------------------------------------------------------

/// Resource classes: I/O, non-prefetchable and prefetchable memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Res {
    Io,
    Mem,
    Pref,
}

/// Request slots of a device: BARs 0-5, the ROM, the bridge windows.
const SLOT_ROM: usize = 6;
const SLOT_IO_WINDOW: usize = 7;
const SLOT_MEM_WINDOW: usize = 8;
const SLOT_PREF_WINDOW: usize = 9;
const SLOTS: usize = 10;

/// Enumerate, assign, route. `e820` says where low RAM ends (the memory window starts
/// there).
#[inline(never)] // POST step: its locals live only while it runs (stack budget)
pub fn setup(ctx: &mut Ctx, e820: &E820Map, devs: &mut PciDevices) {
    let io = ctx.io;
    *devs = PciDevices::new();
    let Some(chipset) = chipset(io) else {
        warn!("pci", "no host bridge at 00:00.0: no PCI");
        return;
    };

    let mut scan = Scanner {
        io,
        devs,
        next_bus: 1,
        dropped: 0,
    };
    scan.bus(0, None, 0);
    let dropped = scan.dropped;
    devs.last_bus = scan.next_bus - 1;
    if dropped > 0 {
        warn!(
            "pci",
            "{dropped} functions beyond the first {MAX_DEVICES} left unconfigured"
        );
    }

    let qemu = FwCfg::probe(io).is_some();
    devs.intx_via_xen = chipset == Chipset::I440fx && !qemu && xen_cpuid(ctx);
    let mut alloc = Allocator::new(io, devs);
    let mem_start = crate::platform::memmap::low_memory_top(e820, MEM_WINDOW_END);
    alloc.run(mem_start);

    enable_decoding(io, devs);
    route_interrupts(io, devs, chipset);
    if qemu {
        setup_acpi_pm(io, devs, ACPI_PM_BASE);
    }
    for d in devs.all() {
        info!("pci", "{}", DeviceLine(d));
    }
}

/// Xen's CPUID signature. With no fw_cfg it marks Xen's device model (qemu-xen under real
/// Xen); QEMU's own Xen emulation has fw_cfg, and its PIIX wires INTx as on any QEMU.
fn xen_cpuid(ctx: &Ctx) -> bool {
    use xen_headers::cpuid::{XEN_CPUID_BASE_STRIDE, XEN_CPUID_FIRST_LEAF, XEN_CPUID_LAST_BASE};
    (XEN_CPUID_FIRST_LEAF..=XEN_CPUID_LAST_BASE)
        .step_by(XEN_CPUID_BASE_STRIDE as usize)
        .any(|leaf| {
            let [_, b, c, d] = ctx.cpu.cpuid(leaf, 0);
            xen_headers::cpuid::is_xen_signature(b, c, d)
        })
}

// ---- enumeration -------------------------------------------------------------------

struct Scanner<'a> {
    io: &'a dyn PortIo,
    devs: &'a mut PciDevices,
    next_bus: u8,
    dropped: u32,
}

impl Scanner<'_> {
    fn bus(&mut self, bus: u8, parent: Option<u8>, depth: u8) {
        for dev in 0..DEVICES_PER_BUS {
            for func in 0..FUNCTIONS_PER_DEVICE {
                let bdf = Bdf::new(bus, dev, func);
                let vendor = read16(self.io, bdf, VENDOR_ID);
                if vendor == VENDOR_NONE || vendor == 0 {
                    if func == 0 {
                        break;
                    }
                    continue;
                }
                let header = read8(self.io, bdf, HEADER_TYPE);
                self.function(bdf, header & HEADER_TYPE_MASK, parent, depth);
                if func == 0 && header & HEADER_MULTI_FUNCTION == 0 {
                    break;
                }
            }
        }
    }

    fn function(&mut self, bdf: Bdf, header_type: u8, parent: Option<u8>, depth: u8) {
        let io = self.io;
        let id = read32(io, bdf, VENDOR_ID);
        let class_rev = read32(io, bdf, REVISION_CLASS);
        let command = read16(io, bdf, COMMAND);
        let mut d = PciDevice {
            bdf,
            vendor: id as u16,
            device: (id >> 16) as u16,
            class: (class_rev >> 16) as u16,
            prog_if: (class_rev >> 8) as u8,
            header_type,
            irq_pin: read8(io, bdf, INTERRUPT_PIN),
            irq: read8(io, bdf, INTERRUPT_LINE),
            parent,
            ..PciDevice::EMPTY
        };
        let nbars = match header_type {
            HEADER_NORMAL => 6,
            HEADER_BRIDGE => 2,
            _ => 0,
        };
        // Size with decode off: all-ones in a live BAR would map it over everything.
        write16(io, bdf, COMMAND, command & !(COMMAND_IO | COMMAND_MEMORY));
        let mut i = 0;
        while i < nbars {
            let (bar, upper) = size_bar(io, bdf, i);
            d.bars[i] = bar;
            if upper {
                d.bars[i + 1] = Bar {
                    kind: BarKind::Upper,
                    ..Bar::UNUSED
                };
                i += 1;
            }
            i += 1;
        }
        let rom_reg = match header_type {
            HEADER_NORMAL => Some(ROM_BAR),
            HEADER_BRIDGE => Some(BRIDGE_ROM_BAR),
            _ => None,
        };
        if let Some(reg) = rom_reg {
            d.rom = size_rom(io, bdf, reg);
        }
        write16(io, bdf, COMMAND, command);

        // Configured by someone before us: decoding on, a BAR holding an address, or an
        // interrupt line set (reset leaves 0, and IRQ 0 is the timer, never a PCI line).
        let bars_hold_addresses = d.bars.iter().any(|b| b.base != 0) || d.rom.base != 0;
        let line_set = d.irq_pin != 0 && d.irq != 0 && d.irq != IRQ_NONE;
        d.preassigned =
            command & (COMMAND_IO | COMMAND_MEMORY) != 0 || bars_hold_addresses || line_set;
        if d.preassigned {
            // Their BARs are what the device decodes; mark them as placed.
            for b in d.bars.iter_mut().chain(core::iter::once(&mut d.rom)) {
                b.assigned = b.size() != 0 && b.base != 0;
            }
        }
        if header_type == HEADER_BRIDGE {
            d.bridge = Some(probe_bridge(io, bdf, d.preassigned));
        }
        let Some(index) = self.devs.push(d) else {
            self.dropped += 1;
            return;
        };
        if header_type == HEADER_BRIDGE {
            self.bridge(index, depth);
        }
    }

    /// Number the bus behind bridge `index` (or keep its numbers if pre-assigned) and
    /// scan it.
    fn bridge(&mut self, index: usize, depth: u8) {
        let io = self.io;
        let d = self.devs[index];
        let bdf = d.bdf;
        let mut info = d.bridge.unwrap();
        if depth >= MAX_BRIDGE_DEPTH {
            warn!("pci", "{bdf}: bridges nested too deep, not scanned behind");
            return;
        }
        if d.preassigned {
            if info.secondary <= bdf.bus() || info.subordinate < info.secondary {
                warn!(
                    "pci",
                    "{bdf}: pre-assigned bridge with bad bus numbers, not scanned"
                );
                return;
            }
            self.bus(info.secondary, Some(index as u8), depth + 1);
            self.next_bus = self.next_bus.max(info.subordinate.saturating_add(1));
            return;
        }
        if self.next_bus == u8::MAX {
            warn!("pci", "{bdf}: out of bus numbers");
            return;
        }
        info.secondary = self.next_bus;
        self.next_bus += 1;
        // Subordinate 0xff while scanning so that configuration cycles for any bus
        // number reach what lies behind; the real value once the scan is done.
        write8(io, bdf, PRIMARY_BUS, bdf.bus());
        write8(io, bdf, SECONDARY_BUS, info.secondary);
        write8(io, bdf, SUBORDINATE_BUS, u8::MAX);
        self.bus(info.secondary, Some(index as u8), depth + 1);
        info.subordinate = self.next_bus - 1;
        write8(io, bdf, SUBORDINATE_BUS, info.subordinate);
        self.devs[index].bridge = Some(info);
    }
}

/// Size BAR `i`; the flag says it is 64-bit (BAR `i + 1` is its upper half).
fn size_bar(io: &dyn PortIo, bdf: Bdf, i: usize) -> (Bar, bool) {
    let reg = BAR0 + 4 * i as u8;
    let orig = read32(io, bdf, reg);
    write32(io, bdf, reg, u32::MAX);
    let probe = read32(io, bdf, reg);
    write32(io, bdf, reg, orig);
    if probe == 0 || probe == u32::MAX && orig == u32::MAX {
        return (Bar::UNUSED, false);
    }
    if orig & BAR_IO != 0 {
        let mut mask = probe & BAR_IO_ADDR_MASK;
        if mask & BAR_IO_UPPER == 0 {
            mask |= BAR_IO_UPPER;
        }
        let bar = Bar {
            kind: BarKind::Io,
            prefetch: false,
            assigned: false,
            size_log2: mask.trailing_zeros() as u8,
            base: u64::from(orig & BAR_IO_ADDR_MASK),
        };
        return (bar, false);
    }
    let prefetch = orig & BAR_MEM_PREFETCH != 0;
    let is64 = orig & BAR_MEM_TYPE_MASK == BAR_MEM_TYPE_64 && i < 5;
    let mut base = u64::from(orig & BAR_MEM_ADDR_MASK);
    // A 32-bit BAR decodes nothing above 4 GiB: its upper half counts as all ones.
    let mut mask = u64::from(probe & BAR_MEM_ADDR_MASK) | !u64::from(u32::MAX);
    if is64 {
        let upper = reg + 4;
        let orig_hi = read32(io, bdf, upper);
        write32(io, bdf, upper, u32::MAX);
        let probe_hi = read32(io, bdf, upper);
        write32(io, bdf, upper, orig_hi);
        base |= u64::from(orig_hi) << 32;
        mask = mask & u64::from(u32::MAX) | u64::from(probe_hi) << 32;
    }
    if mask == 0 {
        return (Bar::UNUSED, is64);
    }
    let bar = Bar {
        kind: if is64 { BarKind::Mem64 } else { BarKind::Mem32 },
        prefetch,
        assigned: false,
        size_log2: mask.trailing_zeros() as u8,
        base,
    };
    (bar, is64)
}

fn size_rom(io: &dyn PortIo, bdf: Bdf, reg: u8) -> Bar {
    let orig = read32(io, bdf, reg);
    write32(io, bdf, reg, ROM_ADDR_MASK);
    let probe = read32(io, bdf, reg) & ROM_ADDR_MASK;
    write32(io, bdf, reg, orig);
    if probe == 0 {
        return Bar::UNUSED;
    }
    Bar {
        kind: BarKind::Mem32,
        prefetch: false,
        assigned: false,
        size_log2: probe.trailing_zeros() as u8,
        base: u64::from(orig & ROM_ADDR_MASK),
    }
}

/// Which optional windows a bridge implements, and what a pre-assigned one decodes.
fn probe_bridge(io: &dyn PortIo, bdf: Bdf, preassigned: bool) -> BridgeInfo {
    let mut info = BridgeInfo {
        secondary: read8(io, bdf, SECONDARY_BUS),
        subordinate: read8(io, bdf, SUBORDINATE_BUS),
        io: Window::default(),
        mem: Window::default(),
        pref: Window::default(),
        has_io_window: true,
        has_pref_window: true,
    };
    if preassigned {
        info.io = read_io_window(io, bdf);
        info.mem = read_mem_window(io, bdf, MEMORY_BASE, MEMORY_LIMIT, None);
        info.pref = read_mem_window(
            io,
            bdf,
            PREF_BASE,
            PREF_LIMIT,
            Some((PREF_BASE_UPPER, PREF_LIMIT_UPPER)),
        );
        return info;
    }
    // Optional windows read as 0 when not implemented (PCI-PCI bridge 1.2, 3.2.5.6/9).
    let io_base = read8(io, bdf, IO_BASE);
    write8(io, bdf, IO_BASE, IO_WINDOW_ADDR_MASK);
    info.has_io_window = read8(io, bdf, IO_BASE) != 0;
    write8(io, bdf, IO_BASE, io_base);
    let pref_base = read16(io, bdf, PREF_BASE);
    write16(io, bdf, PREF_BASE, MEM_WINDOW_ADDR_MASK);
    info.has_pref_window = read16(io, bdf, PREF_BASE) != 0;
    write16(io, bdf, PREF_BASE, pref_base);
    info
}

fn read_io_window(io: &dyn PortIo, bdf: Bdf) -> Window {
    let base = u64::from(read8(io, bdf, IO_BASE) & IO_WINDOW_ADDR_MASK) << IO_WINDOW_SHIFT
        | u64::from(read16(io, bdf, IO_BASE_UPPER)) << 16;
    let limit = (u64::from(read8(io, bdf, IO_LIMIT) & IO_WINDOW_ADDR_MASK) << IO_WINDOW_SHIFT
        | u64::from(read16(io, bdf, IO_LIMIT_UPPER)) << 16)
        + IO_WINDOW_GRANULE;
    window(base, limit)
}

fn read_mem_window(io: &dyn PortIo, bdf: Bdf, b: u8, l: u8, upper: Option<(u8, u8)>) -> Window {
    let mut base = u64::from(read16(io, bdf, b) & MEM_WINDOW_ADDR_MASK) << MEM_WINDOW_SHIFT;
    let mut limit = u64::from(read16(io, bdf, l) & MEM_WINDOW_ADDR_MASK) << MEM_WINDOW_SHIFT;
    if let Some((bu, lu)) = upper {
        base |= u64::from(read32(io, bdf, bu)) << 32;
        limit |= u64::from(read32(io, bdf, lu)) << 32;
    }
    window(base, limit + MEM_WINDOW_GRANULE)
}

fn window(base: u64, end: u64) -> Window {
    if end > base {
        Window {
            base,
            size: end - base,
        }
    } else {
        Window::default()
    }
}

// ---- assignment --------------------------------------------------------------------

/// One thing that needs address space: a BAR, a ROM or a bridge window.
#[derive(Clone, Copy, Debug)]
struct Request {
    dev: usize,
    slot: usize,
    res: Res,
    size: u64,
    align: u64,
}

struct Allocator<'a> {
    io: &'a dyn PortIo,
    devs: &'a mut PciDevices,
    /// Per device, bit `slot` set once the request was dealt with (placed or refused).
    done: [u16; MAX_DEVICES],
    /// Size and alignment each bridge window needs, by device and Res.
    need: [[(u64, u64); 3]; MAX_DEVICES],
}

const fn res_index(r: Res) -> usize {
    match r {
        Res::Io => 0,
        Res::Mem => 1,
        Res::Pref => 2,
    }
}

fn align_up(v: u64, a: u64) -> u64 {
    v.div_ceil(a) * a
}

impl<'a> Allocator<'a> {
    fn new(io: &'a dyn PortIo, devs: &'a mut PciDevices) -> Self {
        Allocator {
            io,
            devs,
            done: [0; MAX_DEVICES],
            need: [[(0, 0); 3]; MAX_DEVICES],
        }
    }

    /// The request in `slot` of device `i`, if it needs placing by us.
    fn request(&self, i: usize, slot: usize) -> Option<Request> {
        let d = &self.devs[i];
        if d.preassigned {
            return None;
        }
        let (res, size, align) = match slot {
            0..=5 => {
                let b = &d.bars[slot];
                let res = match b.kind {
                    BarKind::Io => Res::Io,
                    BarKind::Mem32 | BarKind::Mem64 if b.prefetch => Res::Pref,
                    BarKind::Mem32 | BarKind::Mem64 => Res::Mem,
                    _ => return None,
                };
                (res, b.size(), b.size())
            }
            SLOT_ROM => (Res::Mem, d.rom.size(), d.rom.size()),
            SLOT_IO_WINDOW | SLOT_MEM_WINDOW | SLOT_PREF_WINDOW => {
                d.bridge?;
                let res = [Res::Io, Res::Mem, Res::Pref][slot - SLOT_IO_WINDOW];
                let (size, align) = self.need[i][res_index(res)];
                (res, size, align)
            }
            _ => return None,
        };
        (size > 0).then_some(Request {
            dev: i,
            slot,
            res,
            size,
            align,
        })
    }

    /// Where a request of class `res` on the bus behind bridge `parent` (None: bus 0)
    /// goes: the root has one memory window for both memory kinds, a bridge without a
    /// prefetchable window takes prefetchable requests in its memory window.
    fn window_for(&self, parent: Option<u8>, res: Res) -> Res {
        match (parent, res) {
            (None, Res::Pref) => Res::Mem,
            (Some(p), Res::Pref) => match self.devs[p as usize].bridge {
                Some(b) if b.has_pref_window => Res::Pref,
                _ => Res::Mem,
            },
            _ => res,
        }
    }

    fn run(&mut self, low_mem_top: u64) {
        // Bottom up: a bridge comes before what is behind it, so the reverse scan order
        // sizes every bridge after its children.
        for i in (0..self.devs.len()).rev() {
            let Some(b) = self.devs[i].bridge else {
                continue;
            };
            if self.devs[i].preassigned {
                continue;
            }
            for res in [Res::Io, Res::Mem, Res::Pref] {
                let (mut sum, mut max_align) = (0, 0);
                for j in 0..self.devs.len() {
                    let d = &self.devs[j];
                    if d.bdf.bus() != b.secondary || d.parent != Some(i as u8) {
                        continue;
                    }
                    for slot in 0..SLOTS {
                        if let Some(r) = self.request(j, slot)
                            && self.window_for(Some(i as u8), r.res) == res
                        {
                            sum += r.size;
                            max_align = max_align.max(r.align);
                        }
                    }
                }
                let supported = match res {
                    Res::Io => b.has_io_window,
                    Res::Pref => b.has_pref_window,
                    Res::Mem => true,
                };
                if sum == 0 {
                    continue;
                }
                if !supported {
                    let bdf = self.devs[i].bdf;
                    error!(
                        "pci",
                        "{bdf}: no {res:?} window for the {sum:#x} bytes behind it"
                    );
                    continue;
                }
                let granule = if res == Res::Io {
                    IO_WINDOW_GRANULE
                } else {
                    MEM_WINDOW_GRANULE
                };
                // Size a multiple of the alignment: placed largest alignment first,
                // requests then pack without gaps, so a parent needs exactly the sum.
                let align = max_align.max(granule);
                self.need[i][res_index(res)] = (align_up(sum, align), align);
            }
        }

        // What pre-assigned devices decode stays theirs: start the windows above it.
        let mut io_start = IO_WINDOW_START;
        let mut mem_start = align_up(low_mem_top, MEM_WINDOW_ALIGN);
        for d in self.devs.all().iter().filter(|d| d.preassigned) {
            let bars = d.bars.iter().chain(core::iter::once(&d.rom));
            let bars = bars
                .filter(|b| b.assigned)
                .map(|b| (b.is_io(), b.base, b.size()));
            let windows = d.bridge.iter().flat_map(|w| {
                [(true, w.io), (false, w.mem), (false, w.pref)].map(|(i, w)| (i, w.base, w.size))
            });
            for (is_io, base, size) in bars.chain(windows).filter(|r| r.2 != 0) {
                let end = base + size;
                if is_io && end > io_start && base < IO_WINDOW_END {
                    io_start = end;
                }
                if !is_io && end > mem_start && base < MEM_WINDOW_END {
                    mem_start = align_up(end, MEM_WINDOW_ALIGN);
                }
            }
        }
        // The windows as a whole are the bus's, whatever part of them is used.
        self.devs.windows = PciWindows {
            io: (IO_WINDOW_START as u32, (IO_WINDOW_END - 1) as u32),
            mem32: (
                align_up(low_mem_top, MEM_WINDOW_ALIGN) as u32,
                (MEM_WINDOW_END - 1) as u32,
            ),
        };
        let used_io = self.place(None, Res::Io, io_start, IO_WINDOW_END);
        let used_mem = self.place(None, Res::Mem, mem_start, MEM_WINDOW_END);
        if used_io > io_start {
            info!("pci", "I/O window {io_start:#x}-{:#x}", used_io - 1);
        }
        if used_mem > mem_start {
            info!("pci", "memory window {mem_start:#x}-{:#x}", used_mem - 1);
        }
    }

    /// Place every request on the bus behind `parent` whose window is `res` into
    /// `[start, end)`, largest alignment first. Returns where the last one ended.
    fn place(&mut self, parent: Option<u8>, res: Res, start: u64, end: u64) -> u64 {
        let mut cur = start;
        loop {
            let mut best: Option<Request> = None;
            for j in 0..self.devs.len() {
                if self.devs[j].parent != parent {
                    continue;
                }
                for slot in 0..SLOTS {
                    if self.done[j] & 1 << slot != 0 {
                        continue;
                    }
                    let Some(r) = self.request(j, slot) else {
                        continue;
                    };
                    if self.window_for(parent, r.res) != res {
                        continue;
                    }
                    if best.is_none_or(|b| (r.align, r.size) > (b.align, b.size)) {
                        best = Some(r);
                    }
                }
            }
            let Some(r) = best else {
                return cur;
            };
            self.done[r.dev] |= 1 << r.slot;
            let base = align_up(cur, r.align);
            if base.checked_add(r.size).is_none_or(|e| e > end) {
                let d = &self.devs[r.dev];
                error!(
                    "pci",
                    "{} {}: no room for {:#x} bytes in {start:#x}-{end:#x}",
                    d.bdf,
                    SlotName(r.slot),
                    r.size
                );
                continue;
            }
            cur = base + r.size;
            self.assign(r, base);
        }
    }

    fn assign(&mut self, r: Request, base: u64) {
        let io = self.io;
        let d = &mut self.devs[r.dev];
        let bdf = d.bdf;
        match r.slot {
            0..=5 => {
                let b = &mut d.bars[r.slot];
                b.base = base;
                b.assigned = true;
                let reg = BAR0 + 4 * r.slot as u8;
                write32(io, bdf, reg, base as u32);
                if b.kind == BarKind::Mem64 {
                    write32(io, bdf, reg + 4, (base >> 32) as u32);
                }
            }
            SLOT_ROM => {
                d.rom.base = base;
                d.rom.assigned = true;
                // Address only: the enable bit stays clear until someone shadows it.
                let reg = if d.header_type == HEADER_BRIDGE {
                    BRIDGE_ROM_BAR
                } else {
                    ROM_BAR
                };
                write32(io, bdf, reg, base as u32);
            }
            _ => {
                let w = Window { base, size: r.size };
                let mut info = d.bridge.unwrap();
                match r.res {
                    Res::Io => info.io = w,
                    Res::Mem => info.mem = w,
                    Res::Pref => info.pref = w,
                }
                d.bridge = Some(info);
                let end = base + r.size;
                let used = self.place(Some(r.dev as u8), r.res, base, end);
                debug_assert!(used <= end);
            }
        }
    }
}

/// Name of a request slot in messages.
struct SlotName(usize);

impl fmt::Display for SlotName {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.0 {
            0..=5 => write!(f, "bar{}", self.0),
            SLOT_ROM => f.write_str("rom"),
            SLOT_IO_WINDOW => f.write_str("I/O window"),
            SLOT_MEM_WINDOW => f.write_str("memory window"),
            _ => f.write_str("prefetchable window"),
        }
    }
}

/// Program bridge windows and bus numbers, turn on decoding and bus mastering for the
/// devices we configured. A device whose I/O (memory) BARs did not all get room keeps
/// I/O (memory) decoding off: an unassigned BAR would decode at address 0.
fn enable_decoding(io: &dyn PortIo, devs: &PciDevices) {
    for d in devs.all().iter().filter(|d| !d.preassigned) {
        let bdf = d.bdf;
        let mut cmd = read16(io, bdf, COMMAND) | COMMAND_IO | COMMAND_MEMORY | COMMAND_MASTER;
        for b in &d.bars {
            if b.is_io() && !b.assigned {
                cmd &= !COMMAND_IO;
            }
            if b.is_mem() && !b.assigned {
                cmd &= !COMMAND_MEMORY;
            }
        }
        if let Some(info) = d.bridge {
            program_windows(io, bdf, &info);
        }
        if d.is(VENDOR_INTEL, DEVICE_PIIX3_IDE) || d.is(VENDOR_INTEL, DEVICE_PIIX4_IDE) {
            for reg in [PIIX_IDETIM_PRIMARY, PIIX_IDETIM_SECONDARY] {
                write16(io, bdf, reg, read16(io, bdf, reg) | PIIX_IDETIM_DECODE);
            }
        }
        write16(io, bdf, COMMAND, cmd);
    }
}

fn program_windows(io: &dyn PortIo, bdf: Bdf, info: &BridgeInfo) {
    // A closed window has base above limit.
    let (io_base, io_limit) = match info.io.size {
        0 => IO_WINDOW_CLOSED,
        _ => (
            (info.io.base >> IO_WINDOW_SHIFT) as u8 & IO_WINDOW_ADDR_MASK,
            ((info.io.base + info.io.size - 1) >> IO_WINDOW_SHIFT) as u8 & IO_WINDOW_ADDR_MASK,
        ),
    };
    if info.has_io_window {
        write8(io, bdf, IO_BASE, io_base);
        write8(io, bdf, IO_LIMIT, io_limit);
        write16(io, bdf, IO_BASE_UPPER, 0);
        write16(io, bdf, IO_LIMIT_UPPER, 0);
    }
    let mem_regs = |w: &Window| match w.size {
        0 => (MEM_WINDOW_CLOSED.0, MEM_WINDOW_CLOSED.1, 0, 0),
        _ => {
            let last = w.base + w.size - 1;
            (
                (w.base >> MEM_WINDOW_SHIFT) as u16 & MEM_WINDOW_ADDR_MASK,
                (last >> MEM_WINDOW_SHIFT) as u16 & MEM_WINDOW_ADDR_MASK,
                (w.base >> 32) as u32,
                (last >> 32) as u32,
            )
        }
    };
    let (b, l, _, _) = mem_regs(&info.mem);
    write16(io, bdf, MEMORY_BASE, b);
    write16(io, bdf, MEMORY_LIMIT, l);
    if info.has_pref_window {
        let (b, l, bu, lu) = mem_regs(&info.pref);
        write16(io, bdf, PREF_BASE, b);
        write16(io, bdf, PREF_LIMIT, l);
        write32(io, bdf, PREF_BASE_UPPER, bu);
        write32(io, bdf, PREF_LIMIT_UPPER, lu);
    }
}

// ---- interrupt routing -------------------------------------------------------------

/// PIRQ (0 = A .. 7 = H) that INTx `pin0` (0 = INTA#) at bus-0 `slot` reaches;
/// `via_xen`: Xen's device model, which hands INTx to Xen ([`PciDevices::intx_via_xen`]).
pub fn pirq_of(chipset: Chipset, via_xen: bool, slot: u8, pin0: u8) -> Option<u8> {
    match chipset {
        // Xen, xen/arch/x86/include/asm/hvm/irq.h, hvm_pci_intx_link: (dev + intx) & 3
        // (hvmloader's pci.c and libacpi's _PRT use the same).
        Chipset::I440fx if via_xen => Some((pin0 + slot) & 3),
        // QEMU hw/isa/piix.c: PIRQ = (pin + slot - 1) mod 4.
        Chipset::I440fx => Some((pin0 + slot + 3) & 3),
        // QEMU hw/isa/lpc_ich9.c: slots 0-24 rotate over PIRQ E-H, slot 30 (DMI-PCI
        // bridge) maps INTx to PIRQ E-H, slots 25-29 and 31 follow their DnnIR
        // registers whose reset value maps INTA-D to PIRQA-D.
        Chipset::Q35 => Some(match slot {
            0..=24 => 4 + (slot + pin0) % 4,
            30 => 4 + pin0,
            _ => pin0,
        }),
        Chipset::Other => None,
    }
}

fn route_interrupts(io: &dyn PortIo, devs: &mut PciDevices, chipset: Chipset) {
    let router = match chipset {
        Chipset::I440fx => devs.all().iter().find(|d| {
            d.bdf.bus() == 0
                && (d.is(VENDOR_INTEL, DEVICE_PIIX3_ISA) || d.is(VENDOR_INTEL, DEVICE_PIIX4_ISA))
        }),
        Chipset::Q35 => devs
            .all()
            .iter()
            .find(|d| d.bdf.bus() == 0 && d.is(VENDOR_INTEL, DEVICE_ICH9_LPC)),
        Chipset::Other => None,
    };
    let Some(router) = router.map(|d| d.bdf) else {
        warn!(
            "pci",
            "no known interrupt router: interrupt lines left as found"
        );
        return;
    };
    let a = PIRQA_ROUTE;
    let e = PIRQE_ROUTE;
    let regs: &[u8] = match chipset {
        Chipset::Q35 => &[a, a + 1, a + 2, a + 3, e, e + 1, e + 2, e + 3],
        _ => &[a, a + 1, a + 2, a + 3],
    };

    let untouched = regs
        .iter()
        .all(|&r| read8(io, router, r) & PIRQ_DISABLED != 0);
    if untouched {
        let mut level = 0u16;
        for (i, &r) in regs.iter().enumerate() {
            let irq = PIRQ_IRQS[i % 4];
            write8(io, router, r, irq);
            level |= 1 << irq;
        }
        pic::set_level_triggered(io, level);
        info!(
            "pci",
            "PIRQ{} -> IRQ {} {} {} {} (level triggered)",
            if regs.len() == 8 { "A-H" } else { "A-D" },
            PIRQ_IRQS[0],
            PIRQ_IRQS[1],
            PIRQ_IRQS[2],
            PIRQ_IRQS[3]
        );
    } else {
        info!("pci", "PIRQ routing already programmed: left as found");
    }
    let mut route = [IRQ_NONE; 8];
    for (i, &r) in regs.iter().enumerate() {
        let v = read8(io, router, r);
        if v & PIRQ_DISABLED == 0 {
            route[i] = v & PIRQ_IRQ_MASK;
        }
    }

    for i in 0..devs.len() {
        let d = devs[i];
        if d.irq_pin == 0 || d.irq_pin > 4 {
            devs[i].irq = IRQ_NONE;
            continue;
        }
        if d.preassigned {
            continue; // keeps the INTERRUPT_LINE read at scan
        }
        // Swizzle up to bus 0 (PCI-PCI bridge 1.2, 9.1): each bridge crossing rotates
        // the pin by the device number below it.
        let mut pin0 = d.irq_pin - 1;
        let mut at = d;
        while let Some(p) = at.parent {
            pin0 = (pin0 + at.bdf.dev()) % 4;
            at = devs[p as usize];
        }
        let irq = pirq_of(chipset, devs.intx_via_xen, at.bdf.dev(), pin0)
            .map_or(IRQ_NONE, |p| route[p as usize]);
        write8(io, d.bdf, INTERRUPT_LINE, irq);
        devs[i].irq = irq;
    }
}

// ---- ACPI power management ---------------------------------------------------------

/// The PM I/O block where QEMU's ACPI tables expect it, unless something configured it.
/// Program the chipset's ACPI PM I/O base (PIIX4 PM or ICH9 LPC) to `base` and route its
/// SCI to IRQ 9, unless something already enabled it. QEMU's tables expect
/// [`ACPI_PM_BASE`]; under Xen without hvmloader the base is where Xen serves its PM timer
/// (`xen_headers::hvm::ACPI_PM1A_EVT_BLK_ADDRESS_V1`).
pub fn setup_acpi_pm(io: &dyn PortIo, devs: &mut PciDevices, base: u16) {
    for i in 0..devs.len() {
        let d = devs[i];
        let bdf = d.bdf;
        if d.is(VENDOR_INTEL, DEVICE_PIIX4_PM) {
            if read8(io, bdf, PIIX4_PMREGMISC) & PIIX4_PMIOSE != 0 {
                info!("pci", "{bdf} PIIX4 PM already enabled: left as found");
                continue;
            }
            write32(io, bdf, PIIX4_PMBA, u32::from(base) | PMBA_IO_SPACE);
            write8(io, bdf, PIIX4_PMREGMISC, PIIX4_PMIOSE);
            write8(io, bdf, INTERRUPT_LINE, PIIX4_SCI_IRQ);
            devs[i].irq = PIIX4_SCI_IRQ;
            info!(
                "pci",
                "{bdf} PIIX4 PM at I/O {base:#x}, SCI IRQ {PIIX4_SCI_IRQ}"
            );
        } else if d.is(VENDOR_INTEL, DEVICE_ICH9_LPC) {
            if read8(io, bdf, ICH9_ACPI_CNTL) & ICH9_ACPI_EN != 0 {
                info!("pci", "{bdf} ICH9 ACPI already enabled: left as found");
                continue;
            }
            write32(io, bdf, ICH9_PMBASE, u32::from(base) | PMBA_IO_SPACE);
            write8(io, bdf, ICH9_ACPI_CNTL, ICH9_ACPI_EN);
            info!("pci", "{bdf} ICH9 ACPI PM at I/O {base:#x}, SCI IRQ 9");
        }
    }
}
