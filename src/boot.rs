//! int19 (boot) and int18 (boot failed, try the next device): boot order, boot sectors,
//! El Torito CD boot, and the hand-off to the booted code.
//!
//! The order is fixed at POST: devices named in QEMU's `bootorder` file first (fw_cfg; QEMU
//! writes it for devices given a `bootindex=`), in its order; then the other devices by
//! class in QEMU's CMOS boot order (`-boot order=`, which is also how libxl passes xl's
//! `boot=`): the classes it names first, in its order, then hard disks, CD-ROMs and the
//! boot entry vectors (BEVs) of option ROMs, as SeaBIOS ranks them on QEMU (whose default
//! order, "cad", puts hard disks before CD-ROMs and names no network boot). Within a class,
//! Xen PV drives come first (their emulated twins are hidden), then the others in registry
//! order; BEVs in the order the ROMs were run. The boot menu may move one entry to the
//! front. int19 starts at the head of the list; int18 (which a boot sector calls when it
//! finds nothing to boot) goes on with the next device, and so does a BEV that returns.
//! When every device failed, the reasons are printed and the firmware retries after a
//! pause or at a key press.
//!
//! A CD boots by El Torito (`block::eltorito` finds the image, `block::cdemu` serves the
//! emulated drive): the initial sectors of the boot image are loaded at its load segment
//! and entered there (segment:0000), with DL = the CD's number (E0h..) for no emulation,
//! 00h for a diskette image, 80h for a hard disk image (the real disks move up by one).
//! No boot signature is checked (El Torito has none; SeaBIOS checks none). An image that
//! would land on the interrupt table, the BDA or the firmware's memory (from the EBDA up)
//! is refused.

use crate::block::cdemu::mbr_geometry;
use crate::block::eltorito::{
    self, BootImage, CD_SECTOR_SIZE, CdSector, Invalid, Media, VIRTUAL_SECTOR_SIZE,
};
use crate::block::{
    CdBoot, DiskError, DriveId, DriveKind, Drives, FIRST_FLOPPY, FIRST_HD, Interface,
};
use crate::hal::Ctx;
use crate::hal::clock::Deadline;
use crate::hal::cpu::{Call16, call_kind};
use crate::hal::mem::{FarPtr, Memory, linear};
use crate::hal::regs::{Flags, Regs};
use crate::hw::cmos::{self, BootDevice};
use core::fmt::Write;

/// Where boot sectors are loaded and entered.
pub const BOOT_ADDR: u16 = 0x7c00;
const SIGNATURE_OFFSET: u32 = 510;
const SIGNATURE: u16 = 0xaa55;
/// How long "no bootable device" waits before trying again.
const RETRY_SECONDS: u64 = 60;
/// Boot entry vectors kept from option ROMs.
pub const MAX_ROM_ENTRIES: usize = 8;

pub const MAX_ENTRIES: usize = crate::block::MAX_DRIVES + MAX_ROM_ENTRIES;
/// A BEV is entered with AX = AA55h and DL = 0 (what boot ROMs are used to from SeaBIOS
/// and the BBS reference BIOS; the BIOS Boot Specification 1.01 defines no registers).
const BEV_AX: u16 = 0xaa55;
/// Longest product name shown for a boot ROM.
const ROM_NAME_MAX: u32 = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootEntry {
    Disk(DriveId),
    /// A PnP option ROM's boot entry vector.
    Bev(Bev),
}

/// A PnP option ROM's boot entry vector `seg:offset`; `name` is the offset of its product
/// name in segment `seg` (0: none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bev {
    pub seg: u16,
    pub offset: u16,
    pub name: u16,
}

/// Why a device did not boot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    Read(DiskError),
    NoSignature,
    Gone,
    /// A boot ROM's BEV came back: it found nothing to boot.
    Returned,
    /// A CD drive without a medium.
    NoMedium,
    /// A CD with no bootable El Torito image (or a catalog that is malformed).
    NotBootable(Invalid),
    /// The boot image would overwrite memory the BIOS needs: its load segment.
    LoadArea(u16),
    /// A hard-disk image whose MBR gives no geometry.
    NoGeometry,
}

/// Lowest address a CD boot image may be loaded at: after the interrupt table and the BDA
/// (which int13 and the booted code itself need).
const LOWEST_LOAD: u32 = crate::bda::BDA + 0x100;
/// CD sectors one read moves (64 KiB, what int13 moves in one call).
const LOAD_CHUNK: u32 = crate::block::int13::MAX_BYTES / CD_SECTOR_SIZE as u32;
/// Bytes per real-mode segment unit.
const PARAGRAPH: u32 = 16;

/// Device classes when QEMU's CMOS names none: hard disks, CD-ROMs, boot ROMs (QEMU's
/// default "cad", with no diskette drives, and network boot last as SeaBIOS ranks it).
pub const DEFAULT_CLASSES: [BootDevice; 3] =
    [BootDevice::HardDisk, BootDevice::Cdrom, BootDevice::Network];

pub struct BootState {
    order: [Option<BootEntry>; MAX_ENTRIES],
    /// Entry int18 tries next.
    next: usize,
    failures: [Option<Failure>; MAX_ENTRIES],
    /// Set while waiting to retry after every device failed.
    retry_at: Option<Deadline>,
}

impl Default for BootState {
    fn default() -> Self {
        Self::new()
    }
}

impl BootState {
    pub const fn new() -> Self {
        BootState {
            order: [None; MAX_ENTRIES],
            next: 0,
            failures: [None; MAX_ENTRIES],
            retry_at: None,
        }
    }

    pub fn order(&self) -> impl Iterator<Item = BootEntry> + '_ {
        self.order.iter().flatten().copied()
    }

    /// Boot order without boot ROMs in the default class order ([`DEFAULT_CLASSES`]).
    pub fn set_order(&mut self, drives: &Drives, bootorder: Option<&str>) {
        self.arrange(
            drives,
            bootorder,
            &DEFAULT_CLASSES,
            &mut core::iter::empty(),
        );
    }

    /// Boot order: devices whose QEMU path appears in `bootorder` (one path per line)
    /// first, in that order; then the classes in `classes` order (each class once; those
    /// missing are left out): hard disks and CD-ROMs with Xen PV drives first (POST
    /// registers them in `virtual-device` order), then the others in registry order;
    /// network, the boot ROMs' `bevs`. Hidden drives (a PV drive's emulated twin) never
    /// boot.
    pub fn arrange(
        &mut self,
        drives: &Drives,
        bootorder: Option<&str>,
        classes: &[BootDevice],
        bevs: &mut dyn Iterator<Item = Bev>,
    ) {
        let mut order = [None; MAX_ENTRIES];
        let mut n = 0;
        let mut push = |e: BootEntry, order: &mut [Option<BootEntry>; MAX_ENTRIES]| {
            if n < MAX_ENTRIES && !order[..n].contains(&Some(e)) {
                order[n] = Some(e);
                n += 1;
            }
        };
        let bootable = || drives.iter().filter(|(_, d)| !d.hidden);
        for line in bootorder
            .unwrap_or("")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            if let Some((id, _)) =
                bootable().find(|(_, d)| path_matches(&d.dev.info().interface, line))
            {
                push(BootEntry::Disk(id), &mut order);
            }
        }
        for class in classes {
            let kind = match class {
                BootDevice::HardDisk => DriveKind::Disk,
                BootDevice::Cdrom => DriveKind::Cdrom,
                BootDevice::Network => {
                    for e in &mut *bevs {
                        push(BootEntry::Bev(e), &mut order);
                    }
                    continue;
                }
                // No diskette drives.
                BootDevice::Floppy => continue,
            };
            // PV drives first, then the others (push skips what is already there).
            for pv_only in [true, false] {
                for (id, d) in bootable().filter(|(_, d)| d.dev.info().kind == kind) {
                    if !pv_only || matches!(d.dev.info().interface, Interface::Xen { .. }) {
                        push(BootEntry::Disk(id), &mut order);
                    }
                }
            }
        }
        self.order = order;
        self.next = 0;
    }

    /// Every device failed and int18/int19 wait for a key or the retry time.
    pub fn waiting_for_retry(&self) -> bool {
        self.retry_at.is_some()
    }

    /// Add an entry at the end of the order (boot ROMs come after the disks).
    pub fn push(&mut self, e: BootEntry) {
        if let Some(slot) = self.order.iter_mut().find(|s| s.is_none()) {
            *slot = Some(e);
        }
    }

    /// Move the `index`th entry to the front (the boot menu's choice); the others keep
    /// their order.
    pub fn promote(&mut self, index: usize) {
        let n = self.order().count();
        if index < n {
            self.order[..=index].rotate_right(1);
        }
    }
}

/// A boot entry as the user sees it: the drive's description or the ROM's product name.
pub fn describe(mem: &dyn Memory, drives: &Drives, e: BootEntry, out: &mut dyn Write) {
    match e {
        BootEntry::Disk(id) => {
            if let Some(d) = drives.get(id) {
                let _ = d.dev.describe(out);
            }
        }
        BootEntry::Bev(Bev { seg, offset, name }) => {
            let mut at = linear(seg, name);
            let end = at + ROM_NAME_MAX;
            let mut shown = 0;
            while name != 0 && at < end {
                let c = mem.read_u8(at);
                if c == 0 {
                    break;
                }
                let c = if c.is_ascii_graphic() || c == b' ' {
                    c
                } else {
                    b'?'
                };
                let _ = out.write_char(c as char);
                shown += 1;
                at += 1;
            }
            if shown == 0 {
                let _ = write!(out, "boot ROM at {seg:04x}:{offset:04x}");
            }
        }
    }
}

/// `describe` into a line buffer.
pub fn name_of(mem: &dyn Memory, drives: &Drives, e: BootEntry) -> crate::fmt::Buf<80> {
    let mut name = crate::fmt::Buf::<80>::new();
    describe(mem, drives, e, &mut name);
    name
}

/// QEMU's firmware path of a drive, as in its `bootorder` file.
fn write_qemu_path(iface: &Interface, out: &mut impl Write) -> core::fmt::Result {
    match *iface {
        Interface::Ata {
            pci,
            channel,
            slave,
            atapi,
            ..
        } => {
            // Legacy ports without a PCI controller: no path QEMU would name.
            let pci = pci.ok_or(core::fmt::Error)?;
            write!(out, "/pci@i0cf8/ide@{:x}", pci.dev)?;
            if pci.func != 0 {
                write!(out, ",{:x}", pci.func)?;
            }
            let leaf = if atapi { "cdrom" } else { "disk" };
            write!(out, "/drive@{channel:x}/{leaf}@{:x}", slave as u8)
        }
        // Xen PV disks have no QEMU bootorder path; they follow registry order.
        Interface::Xen { .. } => Err(core::fmt::Error),
    }
}

/// Compares without formatting into a buffer: `line` must equal the drive's path.
fn path_matches(iface: &Interface, line: &str) -> bool {
    struct Eq<'a> {
        rest: &'a str,
        ok: bool,
    }
    impl Write for Eq<'_> {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            match self.rest.strip_prefix(s) {
                Some(r) if self.ok => self.rest = r,
                _ => self.ok = false,
            }
            Ok(())
        }
    }
    let mut cmp = Eq {
        rest: line,
        ok: true,
    };
    write_qemu_path(iface, &mut cmp).is_ok() && cmp.ok && cmp.rest.is_empty()
}

/// The device classes in boot order: those QEMU's CMOS boot order names, then the
/// others in [`DEFAULT_CLASSES`] order.
pub fn class_order(cmos: &[Option<BootDevice>]) -> [BootDevice; 4] {
    let mut out = [BootDevice::Floppy; 4];
    let mut n = 0;
    for c in cmos.iter().flatten().chain(DEFAULT_CLASSES.iter()) {
        if n < out.len() && !out[..n].contains(c) {
            out[n] = *c;
            n += 1;
        }
    }
    out
}

/// POST: decide the boot order from the drives found, QEMU's `bootorder` file and its
/// CMOS boot order; the option ROMs' boot entry vectors `bevs` are the network class.
#[inline(never)] // POST step: its locals live only while it runs (stack budget)
pub fn setup(
    ctx: &mut Ctx,
    boot: &mut BootState,
    drives: &Drives,
    mut bevs: impl Iterator<Item = Bev>,
    bootorder: Option<&str>,
) {
    let cmos = cmos::read_boot_order(ctx.io);
    let mut named = crate::fmt::Buf::<64>::default();
    for (i, d) in cmos.iter().flatten().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(named, "{sep}{}", class_name(*d));
    }
    if !named.as_str().is_empty() {
        info!("boot", "CMOS boot order: {}", named.as_str());
    }
    boot.arrange(drives, bootorder, &class_order(&cmos), &mut bevs);
    for (i, e) in boot.order().enumerate() {
        info!(
            "boot",
            "{}: {}",
            i + 1,
            name_of(ctx.mem, drives, e).as_str()
        );
    }
}

fn class_name(d: BootDevice) -> &'static str {
    match d {
        BootDevice::Floppy => "diskettes",
        BootDevice::HardDisk => "hard disks",
        BootDevice::Cdrom => "CD-ROMs",
        BootDevice::Network => "network (boot ROMs)",
    }
}

/// QEMU's fw_cfg `bootorder` file into `buf`, as text (`None` without fw_cfg or file).
pub fn read_bootorder<'a>(io: &dyn crate::hal::PortIo, buf: &'a mut [u8]) -> Option<&'a str> {
    let fw = crate::hw::fw_cfg::FwCfg::probe(io)?;
    let n = fw.read_file(BOOTORDER_FILE, buf)?.min(buf.len());
    let text = &buf[..n];
    // QEMU ends the file with a NUL.
    let text = text.split(|b| *b == 0).next().unwrap_or(&[]);
    core::str::from_utf8(text).ok()
}

/// fw_cfg file with one firmware path per line, for devices given a `bootindex=`.
const BOOTORDER_FILE: &str = "bootorder";

// int19 and the rest take the boot order and its progress (`boot`), the drives (the boot
// disk becomes 0x80) and the `$PnP` header a boot sector gets in ES:DI (`pnp`).

/// int19: boot from the first device that has a boot sector.
pub fn int19(
    ctx: &mut Ctx,
    boot: &mut BootState,
    drives: &mut Drives,
    pnp: Option<FarPtr>,
) -> Option<Call16> {
    boot.next = 0;
    boot.failures = [None; MAX_ENTRIES];
    boot.retry_at = None;
    boot_next(ctx, boot, drives, pnp)
}

/// int18: the device we booted had nothing to run; try the next one.
pub fn int18(
    ctx: &mut Ctx,
    boot: &mut BootState,
    drives: &mut Drives,
    pnp: Option<FarPtr>,
) -> Option<Call16> {
    info!("boot", "int18: boot failed, trying the next device");
    boot_next(ctx, boot, drives, pnp)
}

/// What a caller of int18/int19 gets back when nothing booted: keep waiting (the
/// trampoline lets interrupts run and calls again) until a key or the retry deadline.
pub fn wait_for_retry(
    ctx: &mut Ctx,
    boot: &mut BootState,
    drives: &mut Drives,
    pnp: Option<FarPtr>,
) -> Option<Call16> {
    let deadline = boot.retry_at?;
    let key = crate::services::keyboard::take_key(ctx);
    if key.is_none() && !deadline.expired(ctx.clock) {
        return None;
    }
    int19(ctx, boot, drives, pnp)
}

fn boot_next(
    ctx: &mut Ctx,
    boot: &mut BootState,
    drives: &mut Drives,
    pnp: Option<FarPtr>,
) -> Option<Call16> {
    while let Some(entry) = boot.order.get(boot.next).copied().flatten() {
        let i = boot.next;
        boot.next += 1;
        match try_boot(ctx, drives, pnp, entry) {
            Ok(call) => return Some(call),
            Err(f) => boot.failures[i] = Some(f),
        }
    }
    report_failure(ctx, boot, drives);
    boot.retry_at = Some(Deadline::after_ms(ctx.clock, RETRY_SECONDS * 1000));
    None
}

/// A boot ROM's BEV came back (the image calls this after the returning call16): note
/// the failure and go on with the next entry.
pub fn returned(
    ctx: &mut Ctx,
    boot: &mut BootState,
    drives: &mut Drives,
    pnp: Option<FarPtr>,
) -> Option<Call16> {
    let i = boot.next.saturating_sub(1);
    if let Some(slot) = boot.failures.get_mut(i) {
        *slot = Some(Failure::Returned);
    }
    info!("boot", "the boot ROM returned: trying the next device");
    boot_next(ctx, boot, drives, pnp)
}

fn try_boot(
    ctx: &mut Ctx,
    drives: &mut Drives,
    pnp: Option<FarPtr>,
    entry: BootEntry,
) -> Result<Call16, Failure> {
    // What an earlier CD boot emulated is gone once its boot code gave up.
    end_emulation(ctx, drives);
    let name = name_of(ctx.mem, drives, entry);
    let _ = writeln!(
        ctx.console as &mut dyn crate::hal::Console,
        "Booting from {}...",
        name.as_str()
    );
    info!("boot", "trying {}", name.as_str());
    let id = match entry {
        BootEntry::Disk(id) => id,
        BootEntry::Bev(Bev { seg, offset, .. }) => {
            info!("boot", "calling the boot ROM at {seg:04x}:{offset:04x}");
            return Ok(bev_call(seg, offset));
        }
    };
    let d = drives.get_mut(id).ok_or(Failure::Gone)?;
    if d.dev.info().kind == DriveKind::Cdrom {
        return cd_boot(ctx, drives, id, name.as_str(), pnp);
    }
    let addr = linear(0, BOOT_ADDR);
    let sector_size = d.dev.info().sector_size;
    if sector_size != crate::block::SECTOR_SIZE {
        // Boot sectors are 512 bytes; a 4 KiB-sector disk's first sector holds one at 0.
        info!("boot", "{} has {}-byte sectors", name.as_str(), sector_size);
    }
    d.dev.read(ctx, 0, 1, addr).map_err(|e| {
        warn!(
            "boot",
            "{}: reading the boot sector failed (AH={:#04x})",
            name.as_str(),
            e.error.code()
        );
        Failure::Read(e.error)
    })?;
    if ctx.mem.read_u16(addr + SIGNATURE_OFFSET) != SIGNATURE {
        warn!(
            "boot",
            "{}: no boot signature (0xaa55) in sector 0",
            name.as_str()
        );
        return Err(Failure::NoSignature);
    }
    // The boot disk is drive 0x80: loaders assume it.
    drives.number_disks(&[id]);
    let dl = drives.bios_number(id).ok_or(Failure::Gone)?;
    ctx.mem
        .write_u8(crate::bda::at(crate::bda::DISK_COUNT), drives.disk_count());
    info!(
        "boot",
        "booting {} as drive {dl:#04x} at 0000:{BOOT_ADDR:04x}",
        name.as_str()
    );
    Ok(boot_call(dl, pnp))
}

/// An emulation a CD boot set up, whose boot code gave up (int18): the drive numbers
/// go back to the real drives.
fn end_emulation(ctx: &mut Ctx, drives: &mut Drives) {
    let Some(b) = drives.cdboot.take() else {
        return;
    };
    if b.emulating() {
        set_emulated_counts(ctx, drives, b.number, false);
    }
}

/// BDA counts with the emulated drive `number` in (`present`) or out: the equipment
/// word's diskette bits for 00h (one drive), the hard disk count for 80h.
fn set_emulated_counts(ctx: &mut Ctx, drives: &Drives, number: u8, present: bool) {
    use crate::bda::{DISK_COUNT, EQUIP_DISKETTE_COUNT, EQUIP_DISKETTES, EQUIPMENT, at};
    if number == FIRST_FLOPPY {
        let mut equipment =
            ctx.mem.read_u16(at(EQUIPMENT)) & !(EQUIP_DISKETTES | EQUIP_DISKETTE_COUNT);
        if present {
            // One diskette drive: bit 0 set, bits 6-7 (drives - 1) zero.
            equipment |= EQUIP_DISKETTES;
        }
        ctx.mem.write_u16(at(EQUIPMENT), equipment);
    } else {
        ctx.mem.write_u8(at(DISK_COUNT), drives.disk_count());
    }
}

/// El Torito boot from CD drive `id` (named `name` in messages): find the image, load its
/// initial sectors, set up the emulated drive, and jump to load_segment:0000.
fn cd_boot(
    ctx: &mut Ctx,
    drives: &mut Drives,
    id: DriveId,
    name: &str,
    pnp: Option<FarPtr>,
) -> Result<Call16, Failure> {
    let d = drives.get_mut(id).ok_or(Failure::Gone)?;
    // A medium inserted after POST: the driver looks again (the block layer's contract).
    if d.dev.info().sectors == 0 {
        let _ = d.dev.ready(ctx);
    }
    let disc = d.dev.info().sectors;
    if disc == 0 {
        warn!("boot", "{name}: no medium");
        return Err(Failure::NoMedium);
    }
    // The catalog is read through the low memory the boot image goes to anyway.
    let scratch = linear(0, BOOT_ADDR);
    let image = {
        let dev = &mut *d.dev;
        let mut read = |lba: u32, out: &mut CdSector| -> Result<(), DiskError> {
            dev.read(ctx, lba.into(), 1, scratch).map_err(|e| e.error)?;
            ctx.mem.read(scratch, out);
            Ok(())
        };
        eltorito::find_boot_image(disc, &mut read)
    };
    let image = image.map_err(|why| {
        warn!("boot", "{name}: not bootable: {why}");
        Failure::NotBootable(why)
    })?;
    load_image(ctx, &mut *d.dev, &image, name)?;
    let (number, geometry) = match image.media {
        Media::NoEmulation => (drives.bios_number(id).ok_or(Failure::Gone)?, None),
        Media::HardDisk => {
            let mut mbr = [0u8; VIRTUAL_SECTOR_SIZE as usize];
            ctx.mem.read(load_address(&image), &mut mbr);
            let Some(g) = mbr_geometry(&mbr) else {
                warn!(
                    "boot",
                    "{name}: the hard disk image's partition table has no geometry"
                );
                return Err(Failure::NoGeometry);
            };
            (FIRST_HD, Some(g))
        }
        floppy => (FIRST_FLOPPY, floppy.floppy_geometry()),
    };
    drives.cdboot = Some(CdBoot {
        cd: id,
        media: image.media.media_type(),
        load_rba: image.load_rba,
        load_segment: image.load_segment,
        sector_count: image.sector_count,
        number,
        geometry,
        active: true,
    });
    if let Some(g) = geometry {
        set_emulated_counts(ctx, drives, number, true);
        info!(
            "boot",
            "{name}: El Torito {} emulation as drive {number:#04x}, {}/{}/{}",
            media_name(image.media),
            g.cylinders,
            g.heads,
            g.sectors
        );
    }
    info!(
        "boot",
        "booting {name} as drive {number:#04x} at {:04x}:0000 ({} sectors from CD sector {})",
        image.load_segment,
        image.sector_count,
        image.load_rba
    );
    Ok(boot_call_at(image.load_segment, 0, number, pnp))
}

fn media_name(m: Media) -> &'static str {
    match m {
        Media::NoEmulation => "no",
        Media::Floppy1200K => "1.2 MB diskette",
        Media::Floppy1440K => "1.44 MB diskette",
        Media::Floppy2880K => "2.88 MB diskette",
        Media::HardDisk => "hard disk",
    }
}

fn load_address(image: &BootImage) -> u32 {
    u32::from(image.load_segment) * PARAGRAPH
}

/// Read the image's initial sectors (rounded up to whole CD sectors) to its load
/// segment, after checking they land in conventional memory the BIOS does not need.
fn load_image(
    ctx: &mut Ctx,
    dev: &mut dyn crate::block::BlockDevice,
    image: &BootImage,
    name: &str,
) -> Result<(), Failure> {
    let start = load_address(image);
    let sectors = image.load_cd_sectors();
    let end = start + sectors * CD_SECTOR_SIZE as u32;
    if start < LOWEST_LOAD || end > crate::layout::EBDA_START {
        warn!(
            "boot",
            "{name}: boot image at {:04x}:0000..{end:#x} would overwrite the BIOS's memory",
            image.load_segment
        );
        return Err(Failure::LoadArea(image.load_segment));
    }
    let mut done = 0;
    while done < sectors {
        let n = (sectors - done).min(LOAD_CHUNK);
        let lba = u64::from(image.load_rba) + u64::from(done);
        let at = start + done * CD_SECTOR_SIZE as u32;
        dev.read(ctx, lba, n, at).map_err(|e| {
            warn!(
                "boot",
                "{name}: reading the boot image failed (AH={:#04x})",
                e.error.code()
            );
            Failure::Read(e.error)
        })?;
        done += n;
    }
    Ok(())
}

/// The jump to a boot sector: CS:IP = 0000:7C00, DL = drive, ES:DI = the `$PnP`
/// installation check header (PnP BIOS 1.0a, 4.5), stack just below it, interrupts on.
pub fn boot_call(dl: u8, pnp: Option<FarPtr>) -> Call16 {
    boot_call_at(0, BOOT_ADDR, dl, pnp)
}

/// The jump to boot code at `seg:offset`, otherwise as [`boot_call`].
pub fn boot_call_at(seg: u16, offset: u16, dl: u8, pnp: Option<FarPtr>) -> Call16 {
    let mut regs = Regs {
        flags: Flags::IF.bits(),
        ..Default::default()
    };
    regs.set_dl(dl);
    if let Some(p) = pnp {
        regs.es = p.segment;
        regs.set_di(p.offset);
    }
    let mut call = Call16::far_call(seg, offset, regs);
    call.ss = 0;
    call.sp = BOOT_ADDR;
    call.kind = call_kind::OWN_STACK | call_kind::NORETURN;
    call
}

/// The far call to a boot ROM's BEV: interrupts on, and it may return (BIOS Boot
/// Specification 1.01, 3.3: a BEV that cannot boot returns or calls int18).
///
/// On the option ROM stack in segment 0, as under SeaBIOS, not on the firmware stack
/// (SS in the EBDA): QEMU's `-kernel` ROMs (`linuxboot_dma.bin`, `multiboot_dma.bin`)
/// build their fw_cfg DMA descriptor on the stack and give fw_cfg its offset (ESP) as
/// its physical address. With SS based elsewhere, QEMU reads some other memory as the
/// descriptor and the ROM polls its own copy, which nothing ever completes: it hangs
/// in its first fw_cfg read and the kernel never starts.
pub fn bev_call(seg: u16, offset: u16) -> Call16 {
    let mut regs = Regs {
        flags: Flags::IF.bits(),
        ..Default::default()
    };
    regs.set_ax(BEV_AX);
    let mut call = Call16::far_call(seg, offset, regs);
    call.kind = call_kind::OWN_STACK;
    call.ss = 0;
    call.sp = crate::layout::ROM_STACK_TOP;
    call
}

fn report_failure(ctx: &mut Ctx, boot: &BootState, drives: &Drives) {
    let con = ctx.console as &mut dyn crate::hal::Console;
    let _ = writeln!(con, "No bootable device.");
    if boot.order().next().is_none() {
        let _ = writeln!(con, "  no drives were found");
        warn!("boot", "no bootable device: no drives were found");
    }
    for (entry, failure) in boot.order().zip(boot.failures.iter()) {
        let name = name_of(ctx.mem, drives, entry);
        let con = ctx.console as &mut dyn crate::hal::Console;
        let why = match failure {
            Some(Failure::Read(e)) => ReasonText::Read(e.code()),
            Some(Failure::NoSignature) => ReasonText::Text("no boot signature in sector 0"),
            Some(Failure::Gone) => ReasonText::Text("drive vanished"),
            Some(Failure::Returned) => ReasonText::Text("the boot ROM found nothing to boot"),
            Some(Failure::NoMedium) => ReasonText::Text("no medium"),
            Some(Failure::NotBootable(why)) => ReasonText::Catalog(*why),
            Some(Failure::LoadArea(_)) => {
                ReasonText::Text("the boot image would overwrite the BIOS's memory")
            }
            Some(Failure::NoGeometry) => {
                ReasonText::Text("the hard disk image has no partition geometry")
            }
            None => ReasonText::Text("not tried"),
        };
        let _ = writeln!(con, "  {}: {}", name.as_str(), why);
        warn!("boot", "no bootable device: {}: {}", name.as_str(), why);
    }
    let _ = writeln!(
        ctx.console as &mut dyn crate::hal::Console,
        "Retrying in {RETRY_SECONDS} seconds; press a key to retry now."
    );
}

enum ReasonText {
    Read(u8),
    Text(&'static str),
    Catalog(Invalid),
}

impl core::fmt::Display for ReasonText {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        match self {
            ReasonText::Read(code) => write!(f, "read error (int13 status {code:#04x})"),
            ReasonText::Text(t) => f.write_str(t),
            ReasonText::Catalog(why) => write!(f, "not bootable: {why}"),
        }
    }
}
