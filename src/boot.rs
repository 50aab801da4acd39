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

use crate::bios::Bios;
use crate::block::{DiskError, DriveId, DriveKind, Drives, Interface};
use crate::hal::Ctx;
use crate::hal::clock::Deadline;
use crate::hal::cpu::{Call16, call_kind};
use crate::hal::mem::{Memory, linear};
use crate::hal::regs::{Flags, Regs};
use core::fmt::Write;

/// Where boot sectors are loaded and entered.
pub const BOOT_ADDR: u16 = 0x7c00;
const SIGNATURE_OFFSET: u32 = 510;
const SIGNATURE: u16 = 0xaa55;
/// How long "no bootable device" waits before trying again.
const RETRY_SECONDS: u64 = 60;
use crate::oprom::{Bev, MAX_ROM_ENTRIES};

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
pub fn describe(mem: &dyn Memory, bios: &Bios, e: BootEntry, out: &mut dyn Write) {
    match e {
        BootEntry::Disk(id) => {
            if let Some(d) = bios.drives.get(id) {
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
pub fn name_of(mem: &dyn Memory, bios: &Bios, e: BootEntry) -> crate::fmt::Buf<80> {
    let mut name = crate::fmt::Buf::<80>::new();
    describe(mem, bios, e, &mut name);
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

/// POST: decide the boot order from the drives found and QEMU's `bootorder` file.
#[inline(never)] // POST step: its locals live only while it runs (stack budget)
pub fn setup(ctx: &mut Ctx, bios: &mut Bios, bootorder: Option<&str>) {
    bios.boot.set_order(&bios.drives, bootorder);
    for e in bios.roms.boot_entries() {
        bios.boot.push(BootEntry::Bev(e));
    }
    for (i, e) in bios.boot.order().enumerate() {
        info!("boot", "{}: {}", i + 1, name_of(ctx.mem, bios, e).as_str());
    }
}

/// int19: boot from the first device that has a boot sector.
pub fn int19(ctx: &mut Ctx, bios: &mut Bios) -> Option<Call16> {
    bios.boot.next = 0;
    bios.boot.failures = [None; MAX_ENTRIES];
    bios.boot.retry_at = None;
    boot_next(ctx, bios)
}

/// int18: the device we booted had nothing to run; try the next one.
pub fn int18(ctx: &mut Ctx, bios: &mut Bios) -> Option<Call16> {
    info!("boot", "int18: boot failed, trying the next device");
    boot_next(ctx, bios)
}

/// What a caller of int18/int19 gets back when nothing booted: keep waiting (the
/// trampoline lets interrupts run and calls again) until a key or the retry deadline.
pub fn wait_for_retry(ctx: &mut Ctx, bios: &mut Bios) -> Option<Call16> {
    let deadline = bios.boot.retry_at?;
    let key = crate::services::keyboard::take_key(ctx);
    if key.is_none() && !deadline.expired(ctx.clock) {
        return None;
    }
    int19(ctx, bios)
}

pub fn waiting_for_retry(bios: &Bios) -> bool {
    bios.boot.retry_at.is_some()
}

fn boot_next(ctx: &mut Ctx, bios: &mut Bios) -> Option<Call16> {
    while let Some(entry) = bios.boot.order.get(bios.boot.next).copied().flatten() {
        let i = bios.boot.next;
        bios.boot.next += 1;
        match try_boot(ctx, bios, entry) {
            Ok(call) => return Some(call),
            Err(f) => bios.boot.failures[i] = Some(f),
        }
    }
    report_failure(ctx, bios);
    bios.boot.retry_at = Some(Deadline::after_ms(ctx.clock, RETRY_SECONDS * 1000));
    None
}

/// A boot ROM's BEV came back (the image calls this after the returning call16): note
/// the failure and go on with the next entry.
pub fn returned(ctx: &mut Ctx, bios: &mut Bios) -> Option<Call16> {
    let i = bios.boot.next.saturating_sub(1);
    if let Some(slot) = bios.boot.failures.get_mut(i) {
        *slot = Some(Failure::Returned);
    }
    info!("boot", "the boot ROM returned: trying the next device");
    boot_next(ctx, bios)
}

fn try_boot(ctx: &mut Ctx, bios: &mut Bios, entry: BootEntry) -> Result<Call16, Failure> {
    let name = name_of(ctx.mem, bios, entry);
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
    let d = bios.drives.get_mut(id).ok_or(Failure::Gone)?;
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
    bios.drives.number_disks(&[id]);
    let dl = bios.drives.bios_number(id).ok_or(Failure::Gone)?;
    ctx.mem.write_u8(
        crate::bda::at(crate::bda::DISK_COUNT),
        bios.drives.disk_count(),
    );
    info!(
        "boot",
        "booting {} as drive {dl:#04x} at 0000:{BOOT_ADDR:04x}",
        name.as_str()
    );
    Ok(boot_call(dl, bios.tables.pnp()))
}

/// The jump to a boot sector: CS:IP = 0000:7C00, DL = drive, ES:DI = the `$PnP`
/// installation check header (PnP BIOS 1.0a, 4.5), stack just below it, interrupts on.
pub fn boot_call(dl: u8, pnp: Option<crate::hal::mem::FarPtr>) -> Call16 {
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

/// The far call to a boot ROM's BEV: interrupts on, on the firmware stack, and it may
/// return (BIOS Boot Specification 1.01, 3.3: a BEV that cannot boot returns or calls
/// int18).
pub fn bev_call(seg: u16, offset: u16) -> Call16 {
    let mut regs = Regs {
        flags: Flags::IF.bits(),
        ..Default::default()
    };
    regs.set_ax(BEV_AX);
    Call16::far_call(seg, offset, regs)
}

fn report_failure(ctx: &mut Ctx, bios: &Bios) {
    let con = ctx.console as &mut dyn crate::hal::Console;
    let _ = writeln!(con, "No bootable device.");
    if bios.boot.order().next().is_none() {
        let _ = writeln!(con, "  no drives were found");
        warn!("boot", "no bootable device: no drives were found");
    }
    for (entry, failure) in bios.boot.order().zip(bios.boot.failures.iter()) {
        let name = name_of(ctx.mem, bios, entry);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::{BlockDevice, DriveInfo, IoError, PciAddr};
    use crate::hal::mem::Memory;
    use crate::sim::Machine;

    struct Disk {
        info: DriveInfo,
        sector0: [u8; 512],
        fail: Option<DiskError>,
        name: &'static str,
    }

    impl BlockDevice for Disk {
        fn info(&self) -> &DriveInfo {
            &self.info
        }
        fn describe(&self, out: &mut dyn Write) -> core::fmt::Result {
            out.write_str(self.name)
        }
        fn read(&mut self, ctx: &mut Ctx, lba: u64, count: u32, buf: u32) -> Result<(), IoError> {
            assert_eq!((lba, count), (0, 1));
            if let Some(e) = self.fail {
                return Err(e.into());
            }
            ctx.mem.write(buf, &self.sector0);
            Ok(())
        }
        fn write(&mut self, _: &mut Ctx, _: u64, _: u32, _: u32) -> Result<(), IoError> {
            unreachable!()
        }
    }

    fn ata(
        channel: u8,
        slave: bool,
        bootable: bool,
        fail: Option<DiskError>,
        name: &'static str,
    ) -> &'static mut Disk {
        let mut sector0 = [0u8; 512];
        if bootable {
            sector0[510] = 0x55;
            sector0[511] = 0xaa;
        }
        let info = DriveInfo {
            kind: DriveKind::Disk,
            sectors: 2048,
            sector_size: 512,
            read_only: false,
            removable: false,
            chs: None,
            interface: Interface::Ata {
                pci: Some(PciAddr {
                    bus: 0,
                    dev: 1,
                    func: 1,
                }),
                channel,
                slave,
                atapi: false,
                io_base: 0x1f0,
            },
        };
        Box::leak(Box::new(Disk {
            info,
            sector0,
            fail,
            name,
        }))
    }

    fn drives(disks: Vec<&'static mut Disk>) -> Drives {
        let mut d = Drives::new();
        for disk in disks {
            d.add(disk).unwrap();
        }
        d
    }

    fn disk_index(e: BootEntry) -> u8 {
        match e {
            BootEntry::Disk(id) => id.0,
            other => panic!("not a disk: {other:?}"),
        }
    }

    #[test]
    fn bootorder_file_comes_first_then_registry_order() {
        let d = drives(vec![
            ata(0, false, true, None, "a"),
            ata(0, true, true, None, "b"),
            ata(1, false, true, None, "c"),
        ]);
        let mut s = BootState::new();
        s.set_order(
            &d,
            Some("/pci@i0cf8/ide@1,1/drive@1/disk@0\n/pci@i0cf8/ide@1,1/drive@0/disk@1\nHALT\n"),
        );
        let ids: Vec<_> = s.order().map(disk_index).collect();
        assert_eq!(ids, vec![2, 1, 0]);
        s.set_order(&d, None);
        let ids: Vec<_> = s.order().map(disk_index).collect();
        assert_eq!(ids, vec![0, 1, 2]);
    }

    #[test]
    fn int19_skips_unbootable_disks_and_makes_the_boot_disk_0x80() {
        let mut m = Machine::default();
        let mut bios = Bios::new();
        bios.drives = drives(vec![
            ata(0, false, false, None, "blank"),
            ata(0, true, true, Some(DiskError::Timeout), "broken"),
            ata(1, false, true, None, "good"),
        ]);
        setup(&mut m.ctx(), &mut bios, None);
        let call = int19(&mut m.ctx(), &mut bios).expect("a device boots");
        assert_eq!(
            (call.regs.cs, call.regs.ip, call.regs.dl()),
            (0, 0x7c00, 0x80)
        );
        assert_eq!((call.ss, call.sp), (0, 0x7c00));
        assert!(call.kind & call_kind::NORETURN != 0);
        assert!(Flags::from_bits_retain(call.regs.flags).contains(Flags::IF));
        assert_eq!(bios.drives.bios_number(DriveId(2)), Some(0x80));
        assert_eq!(bios.drives.bios_number(DriveId(0)), Some(0x81));
        assert_eq!(m.mem.read_u16(0x7dfe), 0xaa55);
        assert_eq!(m.mem.read_u8(0x475), 3);
        let out = m.console.text();
        assert!(out.contains("Booting from blank..."), "{out}");
        assert!(out.contains("Booting from good..."), "{out}");

        // The boot sector found nothing and called int18: nothing is left to try.
        assert!(int18(&mut m.ctx(), &mut bios).is_none());
        let out = m.console.text();
        assert!(out.contains("No bootable device."), "{out}");
        assert!(
            out.contains("blank: no boot signature in sector 0"),
            "{out}"
        );
        assert!(
            out.contains("broken: read error (int13 status 0x80)"),
            "{out}"
        );
        assert!(waiting_for_retry(&bios));
    }

    #[test]
    fn promote_moves_one_entry_to_the_front_and_keeps_the_rest_in_order() {
        let d = drives(vec![
            ata(0, false, true, None, "a"),
            ata(0, true, true, None, "b"),
            ata(1, false, true, None, "c"),
        ]);
        let mut s = BootState::new();
        s.set_order(&d, None);
        let rom = BootEntry::Bev(Bev {
            seg: 0xc800,
            offset: 0x385,
            name: 0,
        });
        s.push(rom);
        s.promote(2);
        let order: Vec<_> = s.order().collect();
        assert_eq!(
            order,
            vec![
                BootEntry::Disk(DriveId(2)),
                BootEntry::Disk(DriveId(0)),
                BootEntry::Disk(DriveId(1)),
                rom
            ]
        );
        s.promote(9);
        assert_eq!(s.order().count(), 4, "out of range: unchanged");
    }

    #[test]
    fn a_boot_rom_is_called_and_when_it_returns_the_next_device_boots() {
        let mut m = Machine::default();
        let mut bios = Bios::new();
        bios.drives = drives(vec![ata(0, false, true, None, "disk")]);
        m.mem.write(linear(0xc800, 0x100), b"iPXE (PCI 00:03.0)\0");
        setup(&mut m.ctx(), &mut bios, None);
        let rom = BootEntry::Bev(Bev {
            seg: 0xc800,
            offset: 0x385,
            name: 0x100,
        });
        bios.boot.push(rom);
        bios.boot.promote(1);
        let call = int19(&mut m.ctx(), &mut bios).expect("the ROM is called");
        assert_eq!((call.regs.cs, call.regs.ip), (0xc800, 0x385));
        assert_eq!(
            call.kind, 0,
            "a BEV may return: no NORETURN, firmware stack"
        );
        assert_eq!(call.regs.ax(), 0xaa55);
        assert!(Flags::from_bits_retain(call.regs.flags).contains(Flags::IF));
        assert!(
            m.console
                .text()
                .contains("Booting from iPXE (PCI 00:03.0)...")
        );
        // The BEV came back: the disk is next.
        let call = returned(&mut m.ctx(), &mut bios).expect("the disk boots");
        assert_eq!(
            (call.regs.cs, call.regs.ip, call.regs.dl()),
            (0, 0x7c00, 0x80)
        );
        // And if that one fails too, the report says what the ROM did.
        assert!(int18(&mut m.ctx(), &mut bios).is_none());
        let out = m.console.text();
        assert!(
            out.contains("  iPXE (PCI 00:03.0): the boot ROM found nothing to boot"),
            "{out}"
        );
    }

    #[test]
    fn a_boot_rom_without_a_product_name_is_named_by_its_vector() {
        let m = Machine::default();
        let bios = Bios::new();
        let e = BootEntry::Bev(Bev {
            seg: 0xd000,
            offset: 0x44,
            name: 0,
        });
        assert_eq!(name_of(&m.mem, &bios, e).as_str(), "boot ROM at d000:0044");
    }

    #[test]
    fn boot_sectors_get_the_pnp_header_in_es_di() {
        let pnp = crate::hal::mem::FarPtr::new(0xf000, 0x5fb0);
        let call = boot_call(0x80, Some(pnp));
        assert_eq!(
            (call.regs.es, call.regs.di(), call.regs.dl()),
            (0xf000, 0x5fb0, 0x80)
        );
        let call = boot_call(0x81, None);
        assert_eq!((call.regs.es, call.regs.di()), (0, 0));
    }

    #[test]
    fn no_drives_says_so() {
        let mut m = Machine::default();
        let mut bios = Bios::new();
        setup(&mut m.ctx(), &mut bios, None);
        assert!(int19(&mut m.ctx(), &mut bios).is_none());
        assert!(
            m.console
                .text()
                .contains("No bootable device.\n  no drives were found\n")
        );
    }
}
