//! int19 (boot) and int18 (boot failed, try the next device): boot order, boot sector
//! checks and the hand-off to 0000:7C00.
//!
//! The order is fixed at POST: devices named in QEMU's `bootorder` file first, in its
//! order, then the other drives in registry order, then the boot entry vectors (BEVs) of
//! option ROMs in the order the ROMs were run; the boot menu may move one entry to the
//! front. int19 starts at the head of the list; int18 (which a boot sector calls when it
//! finds nothing to boot) goes on with the next device, and so does a BEV that returns.
//! When every device failed, the reasons are printed and the firmware retries after a
//! pause or at a key press.

use crate::block::{DiskError, DriveId, DriveKind, Drives, Interface};
use crate::hal::Ctx;
use crate::hal::clock::Deadline;
use crate::hal::cpu::{Call16, call_kind};
use crate::hal::mem::{FarPtr, Memory, linear};
use crate::hal::regs::{Flags, Regs};
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
}

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

    /// Boot order: devices whose QEMU path appears in `bootorder` (one path per line)
    /// first, in that order; then Xen PV disks in registry order (POST registers them in
    /// `virtual-device` order), then every other visible disk in registry order.
    pub fn set_order(&mut self, drives: &Drives, bootorder: Option<&str>) {
        let mut order = [None; MAX_ENTRIES];
        let mut n = 0;
        let mut push = |e: BootEntry, order: &mut [Option<BootEntry>; MAX_ENTRIES]| {
            if n < MAX_ENTRIES && !order[..n].contains(&Some(e)) {
                order[n] = Some(e);
                n += 1;
            }
        };
        let bootable = || {
            drives
                .iter()
                .filter(|(_, d)| !d.hidden && d.dev.info().kind == DriveKind::Disk)
        };
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
        // PV disks first, then the others (push skips what is already there).
        for pv_only in [true, false] {
            for (id, d) in bootable() {
                if !pv_only || matches!(d.dev.info().interface, Interface::Xen { .. }) {
                    push(BootEntry::Disk(id), &mut order);
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

/// POST: decide the boot order from the drives found and QEMU's `bootorder` file; the
/// option ROMs' boot entry vectors `bevs` come after the drives.
#[inline(never)] // POST step: its locals live only while it runs (stack budget)
pub fn setup(
    ctx: &mut Ctx,
    boot: &mut BootState,
    drives: &Drives,
    bevs: impl Iterator<Item = Bev>,
    bootorder: Option<&str>,
) {
    boot.set_order(drives, bootorder);
    for e in bevs {
        boot.push(BootEntry::Bev(e));
    }
    for (i, e) in boot.order().enumerate() {
        info!(
            "boot",
            "{}: {}",
            i + 1,
            name_of(ctx.mem, drives, e).as_str()
        );
    }
}

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

/// The jump to a boot sector: CS:IP = 0000:7C00, DL = drive, ES:DI = the `$PnP`
/// installation check header (PnP BIOS 1.0a, 4.5), stack just below it, interrupts on.
pub fn boot_call(dl: u8, pnp: Option<FarPtr>) -> Call16 {
    let mut regs = Regs {
        flags: Flags::IF.bits(),
        ..Default::default()
    };
    regs.set_dl(dl);
    if let Some(p) = pnp {
        regs.es = p.segment;
        regs.set_di(p.offset);
    }
    let mut call = Call16::far_call(0, BOOT_ADDR, regs);
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
}

impl core::fmt::Display for ReasonText {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        match self {
            ReasonText::Read(code) => write!(f, "read error (int13 status {code:#04x})"),
            ReasonText::Text(t) => f.write_str(t),
        }
    }
}
