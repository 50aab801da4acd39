//! Power-on self test: the order in which the machine is brought up. Each step lives in
//! the module it concerns; this file is the sequence.
//!
//! POST alternates between two kinds of phase:
//! - held: the firmware state (`Bios`) is locked, and no real-mode code runs that could
//!   call a service needing it (console text may still go through the VGA BIOS);
//! - released: real-mode code runs (option ROM inits, the boot menu's waits with
//!   interrupts on) and calls back into the BIOS. int13, int15 (and int14/17/18/19) lock
//!   the state for themselves, which they could not do if POST held it: the interrupt
//!   entry would refuse them as re-entries. int10, int16, int1A and the IRQ handlers keep
//!   no state and are served in either phase (dispatch.rs).
//!
//! The firmware stack is shared: a call16 runs real-mode code below POST's frames, and an
//! interrupt that code takes continues below it (trampoline.S). Option ROM inits run on
//! their own stack in segment 0 (oprom.rs); the interrupts they take still come to the
//! firmware stack below POST's frames.

use crate::bda;
use crate::bios::{Bios, BiosCell};
use crate::hal::Ctx;
use crate::hal::XenCpu;
use crate::hal::mem::Memory;
use crate::ivt::{self, Handlers};

use crate::layout::{EBDA_SIZE, EBDA_START};

/// How the firmware was started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// At the reset vector: QEMU's `-bios`, or hvmloader's jump to F000:FFF0.
    Reset,
    /// By Xen's domain builder (xl.cfg `firmware=`, no hvmloader), with the address of its
    /// `hvm_start_info`.
    XenDirect { start_info: u32 },
}

/// `xen_cpu` finds Xen and installs its hypercall page (`arch` in the image).
pub fn run(
    ctx: &mut Ctx,
    bios: &BiosCell,
    handlers: &Handlers,
    xen_cpu: &mut dyn XenCpu,
    entry: Entry,
) {
    // Held: the platform, and the list of PCI ROMs to run.
    let pci_roms = {
        let mut b = bios.lock();
        platform(ctx, &mut b, handlers, xen_cpu, entry);
        crate::oprom::pci_roms(ctx.io, &b.pci)
    };
    // Released: the VGA BIOS first, so that everything after shows on the screen.
    let mut area = crate::oprom::open_area(ctx);
    if let Some(area) = area.as_mut() {
        crate::oprom::run_vga(ctx, &pci_roms, area);
    }
    banner(ctx);
    // Held: the disks (before the other ROMs: a legacy ROM that hooks int13 numbers its
    // disks after ours).
    drives(ctx, &mut bios.lock());
    // Released: the other option ROMs.
    let roms = match area.as_mut() {
        Some(area) => crate::oprom::run_others(ctx, &pci_roms, area),
        None => crate::oprom::Roms::new(),
    };
    // Held: the boot order, disks first, then the ROMs' boot entry vectors.
    {
        let mut b = bios.lock();
        let b = &mut *b;
        b.roms = roms;
        boot_order(ctx, b);
    }
    // Released: the boot menu waits for keys with interrupts on.
    crate::menu::run(ctx, bios);
    // QEMU zeroes the TSC at reset, so this is about the time from reset to the end of
    // POST (where the TSC starts elsewhere, it counts from there). Tests match the line's
    // "[post] done" prefix.
    const MICROS_PER_MS: u64 = 1000;
    info!(
        "post",
        "done, TSC at {} ms",
        ctx.clock.micros() / MICROS_PER_MS
    );
}

/// Interrupt controllers, timers, memory map, PCI, Xen, keyboard: no real-mode code runs.
fn platform(
    ctx: &mut Ctx,
    bios: &mut Bios,
    handlers: &Handlers,
    xen_cpu: &mut dyn XenCpu,
    entry: Entry,
) {
    // Started by Xen's domain builder: nobody set the platform up (no hvmloader, no fw_cfg),
    // and the memory map is Xen's.
    let direct = match entry {
        Entry::XenDirect { start_info } => crate::xen::direct::log_start_info(ctx.mem, start_info),
        Entry::Reset => false,
    };
    let domain = direct
        .then(|| crate::xen::direct::read_domain(ctx.mem))
        .flatten();
    // The hypercall page for the memory map, in a page nothing uses during POST (the
    // loader's scratch copy of the packed image); xen::init installs it for good.
    let early_hv = direct
        .then(|| crate::xen::early_hypervisor(xen_cpu, crate::layout::UNPACK_SCRATCH))
        .flatten();
    ivt::install(ctx.mem, handlers);
    init_bda(ctx.mem);
    if ctx.cpu.cpuid(1, 0)[3] & crate::hal::cpu::CPUID_1_EDX_APIC != 0 {
        crate::hw::apic::virtual_wire(ctx.mem, crate::hw::apic::DEFAULT_BASE);
    }
    crate::hw::pic::init(ctx.io);
    crate::hw::pit::init(ctx.io);
    crate::services::time::init(ctx);
    let xen_map = early_hv.map(|hv| crate::platform::memmap::XenDirect {
        hv,
        special_pages: domain.map_or(crate::e820::FOUR_GIB, |d| d.special_pages),
    });
    crate::platform::memmap::detect(ctx, &mut bios.e820, xen_map);
    if let Some(hv) = early_hv {
        // Before the first switch to real mode (the option ROMs).
        crate::xen::direct::set_vm86_tss(ctx.mem, hv, &mut bios.e820);
    }
    crate::platform::pci::setup(ctx, &bios.e820, &mut bios.pci);
    if direct {
        // Where Xen serves its PM timer and PM1a events once the ACPI tables say so
        // (hvmloader programs the same base).
        let base = xen_headers::hvm::ACPI_PM1A_EVT_BLK_ADDRESS_V1;
        crate::platform::pci::setup_acpi_pm(ctx.io, &mut bios.pci, base);
    }
    let platform = crate::xen::PlatformDevice::find(&bios.pci);
    bios.xen = crate::xen::init(ctx, &mut bios.e820, platform, xen_cpu);
    // ACPI, SMBIOS, MP table, BIOS32/$PnP headers (after PCI: QEMU builds its ACPI
    // tables from the PCI set-up when the loader first reads them).
    // The hypercall page xen::init installed, else the early one (no platform device).
    let hv = bios.xen.map(|x| x.hv).or(early_hv);
    match (direct, hv) {
        (true, Some(hv)) => direct_platform(ctx, bios, domain, hv),
        _ => crate::tables::setup(ctx, &mut bios.tables, &mut bios.e820, &bios.pci),
    }
    crate::hw::ps2::init(ctx);
}

/// Started directly by Xen's domain builder: what hvmloader would have done after PCI.
/// MTRRs (the boot vCPU; an OS sets the others from it), the CMOS memory size, and the
/// firmware's own ACPI, SMBIOS, MP and `$PIR` tables, with Xen's PM block moved to where
/// the tables put it.
#[inline(never)] // POST step: its locals live only while it runs (stack budget)
fn direct_platform(
    ctx: &mut Ctx,
    bios: &mut Bios,
    domain: Option<crate::xen::direct::Domain>,
    hv: &dyn crate::hal::hypercall::Hypervisor,
) {
    let hole =
        crate::platform::memmap::low_memory_top(&bios.e820, crate::platform::pci::MEM_WINDOW_END);
    crate::hw::mtrr::setup(ctx.cpu, hole);
    crate::hw::cmos::write_memory_size(ctx.io, &bios.e820);
    const XEN_PM_LOCATION_V1: u64 = 1; // the *_V1 block at 0xb000 (hvm/ioreq.h)
    if let Err(e) = hv.hvm_set_param(
        xen_headers::hvm::HVM_PARAM_ACPI_IOPORTS_LOCATION,
        XEN_PM_LOCATION_V1,
    ) {
        warn!(
            "acpi",
            "HVM_PARAM_ACPI_IOPORTS_LOCATION refused ({e}): the PM timer stays at Xen's old ports"
        );
    }
    let (vcpus, acpi) = match domain {
        Some(d) => (
            d.vcpus,
            crate::tables::xen_platform(ctx, &bios.pci, d.vcpus, |n| d.online(n)),
        ),
        None => (1, crate::tables::xen_platform(ctx, &bios.pci, 1, |_| true)),
    };
    let uuid = hv.xen_guest_handle().unwrap_or_default();
    let [signature, _, _, features] = ctx.cpu.cpuid(1, 0);
    let smbios = crate::tables::smbios::SmbiosParams {
        manufacturer: "Xen",
        product: "HVM domU",
        version: "",
        serial: "",
        uuid,
        cpus: vcpus as u16,
        cpu_signature: signature,
        cpu_features: features,
        cpu_manufacturer: "",
    };
    crate::tables::setup_own(
        ctx,
        &mut bios.tables,
        &mut bios.e820,
        &bios.pci,
        &acpi,
        &smbios,
    );
}

/// The drive registry, and the disk count loaders read from the BDA.
fn drives(ctx: &mut Ctx, bios: &mut Bios) {
    crate::hw::ata::probe(ctx, &bios.pci, &mut bios.drives);
    // After the IDE probe, so that the emulated twins of PV disks can be hidden.
    if let Some(xen) = bios.xen {
        crate::xen::blkfront::probe(ctx, xen, &mut bios.e820, &mut bios.drives);
    }
    ctx.mem
        .write_u8(bda::at(bda::DISK_COUNT), bios.drives.disk_count());
    // A CD sector of firmware memory for the El Torito emulated drive's partial reads.
    if bios.drives.cd_count() > 0 {
        bios.drives.cd_bounce = crate::zone::alloc_pages(&mut bios.e820, 1);
    }
}

/// The boot order: QEMU's `bootorder` file and CMOS boot order, the drives, the ROMs.
#[inline(never)] // its buffer lives only while it runs (stack budget)
fn boot_order(ctx: &mut Ctx, b: &mut Bios) {
    /// Room for the `bootorder` file: QEMU writes one line of at most ~80 bytes for each
    /// device with a `bootindex`.
    const BOOTORDER_MAX: usize = 1024;
    let mut buf = [0u8; BOOTORDER_MAX];
    let bootorder = crate::boot::read_bootorder(ctx.io, &mut buf);
    crate::boot::setup(
        ctx,
        &mut b.boot,
        &b.drives,
        b.roms.boot_entries(),
        bootorder,
    );
}

/// The firmware's name on the console (the screen too when a VGA BIOS runs).
fn banner(ctx: &mut Ctx) {
    ctx.console
        .write(concat!("xenbios ", env!("CARGO_PKG_VERSION"), "\n").as_bytes());
}

/// BDA and EBDA as loaders expect them before any driver runs.
fn init_bda(mem: &mut dyn Memory) {
    mem.fill(bda::BDA, 0x100, 0);
    // Only the standard part: the rest of the EBDA is the firmware's data and stack.
    mem.fill(EBDA_START, crate::layout::EBDA_STANDARD, 0);
    mem.write_u8(EBDA_START, (EBDA_SIZE / 1024) as u8);
    mem.write_u16(bda::at(bda::EBDA_SEG), (EBDA_START >> 4) as u16);
    mem.write_u16(bda::at(bda::MEM_KB), (EBDA_START / 1024) as u16);
    mem.write_u16(bda::at(bda::COM_PORTS), crate::hw::serial::COM1);
    // Equipment: x87 present, 80x25 colour video, one serial port.
    const EQUIP_FPU: u16 = 1 << 1;
    const EQUIP_VIDEO_80X25_COLOR: u16 = 0b10 << 4;
    const EQUIP_ONE_SERIAL: u16 = 1 << 9;
    mem.write_u16(
        bda::at(bda::EQUIPMENT),
        EQUIP_FPU | EQUIP_VIDEO_80X25_COLOR | EQUIP_ONE_SERIAL,
    );
    // Keyboard ring: 16 words at 40:1E.
    let kbd_start = bda::KBD_BUF as u16;
    let kbd_end = kbd_start + 32;
    for off in [bda::KBD_HEAD, bda::KBD_TAIL, bda::KBD_BUF_START] {
        mem.write_u16(bda::at(off), kbd_start);
    }
    mem.write_u16(bda::at(bda::KBD_BUF_END), kbd_end);
    // Text mode 3 as a VGA BIOS would leave it.
    mem.write_u8(bda::at(bda::VIDEO_MODE), 3);
    mem.write_u16(bda::at(bda::VIDEO_COLS), 80);
    mem.write_u8(bda::at(bda::VIDEO_ROWS), 24);
    mem.write_u16(bda::at(bda::VIDEO_PAGE_SIZE), 80 * 25 * 2);
    mem.write_u16(bda::at(bda::CRTC_BASE), 0x3d4);
    mem.write_u16(bda::at(bda::CHAR_HEIGHT), 16);
    mem.write_u16(bda::at(bda::CURSOR_TYPE), 0x0607);
}
