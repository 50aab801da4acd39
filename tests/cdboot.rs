//! CD drives as a loader and a user see them: int13 on E0h, El Torito boot (no emulation,
//! diskette and hard-disk emulation), the boot order with CD-ROMs (fw_cfg `bootorder`
//! paths, QEMU's CMOS boot order), over an in-memory CD and, for ISOLINUX, a disc xorriso
//! builds (`eltorito_util/mkiso.sh`).

mod eltorito_util;

use core::fmt::Write;
use eltorito_util::*;
use std::cell::RefCell;
use std::path::PathBuf;
use std::process::Command;
use std::rc::Rc;
use xenbios::bda;
use xenbios::block::int13;
use xenbios::block::{
    BlockDevice, DiskError, DriveId, DriveInfo, DriveKind, Drives, Interface, IoError, PciAddr,
};
use xenbios::boot::{BootEntry, BootState, int18, int19, name_of, setup};
use xenbios::e820::{E820Map, Kind};
use xenbios::hal::mem::FarPtr;
use xenbios::hal::mem::Memory;
use xenbios::hal::regs::Regs;
use xenbios::hal::{Call16, Ctx};
use xenbios::hw::cmos::{self, BootDevice};
use xenbios_sim::{FakeDisk, Machine, SimRtc};

/// The IDE controller QEMU's i440FX has: 00:01.1.
const IDE_PCI: PciAddr = PciAddr {
    bus: 0,
    dev: 1,
    func: 1,
};
/// Where the emulated drive's bounce sector is (firmware memory in the image).
const BOUNCE: u32 = 0x9_0000;
/// Packets and tables (DS = 0, SI = this), and a buffer.
const PKT: u32 = 0x0600;
const BUF: u32 = 0x2_0000;
const GUARD: u8 = 0xcc;
const GUARD_LEN: u32 = 64;
const CATALOG: u32 = 20;
const IMAGE: u32 = 30;
const DISC: u64 = 4000;
const CD: u8 = 0xe0;

/// An in-memory ATAPI CD: a [`Disc`], whether a medium is in, and what the driver was
/// asked. `ready()` finds a medium inserted since (`inserted`), as the contract says.
struct MemCd {
    info: DriveInfo,
    disc: Rc<RefCell<Disc>>,
    state: Rc<RefCell<CdState>>,
}

#[derive(Default)]
struct CdState {
    /// A disc is in the drive (its size is then `disc.size`).
    inserted: bool,
    ready_calls: u32,
    reads: Vec<(u64, u32, u32)>,
}

impl BlockDevice for MemCd {
    fn info(&self) -> &DriveInfo {
        &self.info
    }
    fn describe(&self, out: &mut dyn Write) -> core::fmt::Result {
        out.write_str("CD-ROM ata1 master: QEMU DVD-ROM")
    }
    fn read(&mut self, ctx: &mut Ctx, lba: u64, count: u32, buf: u32) -> Result<(), IoError> {
        self.state.borrow_mut().reads.push((lba, count, buf));
        if self.info.sectors == 0 {
            return Err(DiskError::MediaNotPresent.into());
        }
        assert!(
            count > 0 && lba + u64::from(count) <= self.info.sectors,
            "read past the disc: {lba}+{count}"
        );
        let mut disc = self.disc.borrow_mut();
        for i in 0..count {
            let mut s = [0u8; SECTOR];
            disc.read((lba + u64::from(i)) as u32, &mut s)
                .map_err(|e| IoError::new(e, i))?;
            ctx.mem.write(buf + i * SECTOR as u32, &s);
        }
        Ok(())
    }
    fn write(&mut self, _: &mut Ctx, _: u64, _: u32, _: u32) -> Result<(), IoError> {
        panic!("a write reached the CD driver");
    }
    fn ready(&mut self, _: &mut Ctx) -> Result<(), DiskError> {
        let mut s = self.state.borrow_mut();
        s.ready_calls += 1;
        if !s.inserted {
            self.info.sectors = 0;
            return Err(DiskError::MediaNotPresent);
        }
        if self.info.sectors == 0 {
            self.info.sectors = self.disc.borrow().size;
            return Err(DiskError::MediaChanged);
        }
        Ok(())
    }
}

struct Cd {
    state: Rc<RefCell<CdState>>,
}

/// The secondary IDE master, where QEMU's `-cdrom` goes.
const IDE_CD: Interface = Interface::Ata {
    pci: Some(IDE_PCI),
    channel: 1,
    slave: false,
    atapi: true,
    io_base: 0x170,
};

/// A CD drive on the secondary IDE master holding `disc` (or empty).
fn cd(disc: Disc, inserted: bool, drives: &mut Drives) -> (Cd, DriveId) {
    cd_on(IDE_CD, disc, inserted, drives)
}

/// A CD drive on `interface` holding `disc` (or empty).
fn cd_on(interface: Interface, disc: Disc, inserted: bool, drives: &mut Drives) -> (Cd, DriveId) {
    let disc = Rc::new(RefCell::new(disc));
    let state = Rc::new(RefCell::new(CdState {
        inserted,
        ..Default::default()
    }));
    let sectors = if inserted { disc.borrow().size } else { 0 };
    let dev = MemCd {
        info: DriveInfo {
            kind: DriveKind::Cdrom,
            sectors,
            sector_size: SECTOR as u32,
            read_only: true,
            removable: true,
            chs: None,
            interface,
        },
        disc,
        state: state.clone(),
    };
    let id = drives.add(Box::leak(Box::new(dev))).unwrap();
    (Cd { state }, id)
}

/// A bootable hard disk (its sector 0 ends in 55 AA) on the primary IDE master.
fn boot_disk() -> FakeDisk {
    let d = FakeDisk::new(2048).with_interface(Interface::Ata {
        pci: Some(IDE_PCI),
        channel: 0,
        slave: false,
        atapi: false,
        io_base: 0x1f0,
    });
    let mut s0 = FakeDisk::pattern(0, 512);
    s0[510..].copy_from_slice(&[0x55, 0xaa]);
    d.state().written.insert(0, s0);
    d
}

/// Bytes that differ per 512-byte sector of an image: the sector number, then a count.
fn image_bytes(sectors: usize) -> Vec<u8> {
    (0..sectors)
        .flat_map(|s| {
            let mut v: Vec<u8> = (0..512)
                .map(|i| (s as u8).wrapping_mul(7) ^ i as u8)
                .collect();
            v[..4].copy_from_slice(&(s as u32).to_le_bytes());
            v
        })
        .collect()
}

struct Rig {
    m: Machine,
    drives: Drives,
    boot: BootState,
    e820: E820Map,
}

impl Rig {
    fn new(drives: Drives) -> Rig {
        xenbios_sim::capture_log();
        // Low RAM, with the bounce page reserved as POST's allocation marks it.
        let mut e820 = E820Map::new();
        e820.add(0, u64::from(BOUNCE), Kind::Ram);
        e820.add(u64::from(BOUNCE), 0x1000, Kind::Reserved);
        e820.add(
            u64::from(BOUNCE) + 0x1000,
            0x9_7000 - u64::from(BOUNCE) - 0x1000,
            Kind::Ram,
        );
        let mut drives = drives;
        drives.cd_bounce = Some(BOUNCE);
        let mut m = Machine::default();
        m.mem
            .write_u8(bda::at(bda::DISK_COUNT), drives.disk_count());
        Rig {
            m,
            drives,
            boot: BootState::new(),
            e820,
        }
    }

    fn setup(&mut self, bootorder: Option<&str>) {
        setup(
            &mut self.m.ctx(),
            &mut self.boot,
            &self.drives,
            [].into_iter(),
            bootorder,
        );
    }

    fn int19(&mut self) -> Option<Call16> {
        int19(&mut self.m.ctx(), &mut self.boot, &mut self.drives, None)
    }

    fn int18(&mut self) -> Option<Call16> {
        int18(&mut self.m.ctx(), &mut self.boot, &mut self.drives, None)
    }

    fn call(&mut self, mut r: Regs) -> Regs {
        int13::handle(&mut r, &mut self.m.ctx(), &mut self.drives, &self.e820);
        r
    }

    fn packet(&mut self, count: u16, buf: u32, lba: u64) {
        let mem = &mut self.m.mem;
        mem.write_u8(PKT, 0x10);
        mem.write_u8(PKT + 1, 0);
        mem.write_u16(PKT + 2, count);
        mem.write_u16(PKT + 4, (buf & 0xf) as u16);
        mem.write_u16(PKT + 6, (buf >> 4) as u16);
        mem.write_u64(PKT + 8, lba);
    }

    fn guard(&mut self, at: u32, len: u32) {
        self.m.mem.fill(at - GUARD_LEN, len + 2 * GUARD_LEN, GUARD);
    }

    fn assert_guard(&self, at: u32, len: u32) {
        let before = self.m.mem.slice(at - GUARD_LEN, GUARD_LEN as usize);
        let after = self.m.mem.slice(at + len, GUARD_LEN as usize);
        assert!(before.iter().all(|&b| b == GUARD), "bytes before changed");
        assert!(after.iter().all(|&b| b == GUARD), "bytes after changed");
    }
}

fn regs(ax: u16, dl: u8) -> Regs {
    Regs {
        eax: u32::from(ax),
        edx: u32::from(dl),
        esi: PKT,
        ..Default::default()
    }
}

/// AH=02h/03h: AL sectors at cylinder/head/sector of drive `dl` to 2000:0000.
fn chs(ah: u8, count: u8, c: u16, h: u8, s: u8, dl: u8) -> Regs {
    Regs {
        eax: u32::from(ah) << 8 | u32::from(count),
        ecx: (u32::from(c) & 0xff) << 8 | (u32::from(c) >> 2) & 0xc0 | u32::from(s),
        edx: u32::from(h) << 8 | u32::from(dl),
        es: (BUF >> 4) as u16,
        ..Default::default()
    }
}

fn assert_ok(r: &Regs) {
    assert!(!r.cf(), "CF set, AH={:#04x}", r.ah());
}

fn assert_err(r: &Regs, code: u8) {
    assert!(r.cf(), "CF clear, AH={:#04x}", r.ah());
    assert_eq!(r.ah(), code, "AH");
}

/// A disc whose catalog's default entry is `entry`, with `image` at [`IMAGE`].
fn disc_with(entry: [u8; ENTRY], image: &[u8]) -> Disc {
    let mut d = Disc::with_catalog(DISC, CATALOG, &[validation(X86), entry]);
    d.write(IMAGE, image);
    d
}

// ---- no emulation ----------------------------------------------------------------------

#[test]
fn no_emulation_loads_the_image_at_its_segment_with_dl_e0() {
    // 5 virtual sectors: two CD sectors are read (rounded up), at 2000:0000.
    let image = image_bytes(8);
    let entry = boot_entry(BOOTABLE, NO_EMULATION, 0x2000, 0, 5, IMAGE);
    let mut drives = Drives::new();
    let (cd, id) = cd(disc_with(entry, &image), true, &mut drives);
    let mut rig = Rig::new(drives);
    rig.setup(None);
    assert_eq!(rig.drives.bios_number(id), Some(CD));
    rig.guard(0x2_0000, 4096);
    let call = rig.int19().expect("the CD boots");
    assert_eq!((call.regs.cs, call.regs.ip), (0x2000, 0));
    assert_eq!(call.regs.dl(), CD);
    assert_eq!(rig.m.mem.slice(0x2_0000, 4096), &image[..4096]);
    rig.assert_guard(0x2_0000, 4096);
    // The boot record, the catalog, then the image in one read.
    let reads = &cd.state.borrow().reads;
    assert_eq!(reads.last(), Some(&(u64::from(IMAGE), 2, 0x2_0000)));
    let log = xenbios_sim::take_log();
    assert!(log.contains("as drive 0xe0 at 2000:0000"), "{log}");
    // 4B01h: the specification packet says "no emulation, drive E0h, image at 30".
    let r = rig.call(regs(0x4b01, CD));
    assert_ok(&r);
    let p = rig.m.mem.slice(PKT, 0x13).to_vec();
    assert_eq!((p[0], p[1], p[2], p[3]), (0x13, 0, CD, 1));
    assert_eq!(u32::from_le_bytes(p[4..8].try_into().unwrap()), IMAGE);
    assert_eq!(u16::from_le_bytes([p[0xc], p[0xd]]), 0x2000);
    assert_eq!(u16::from_le_bytes([p[0xe], p[0xf]]), 5);
    // A packet pointed into the firmware's memory (the EBDA) is refused, untouched.
    let mut r = regs(0x4b01, CD);
    r.ds = (xenbios::layout::EBDA_START >> 4) as u16;
    r.esi = 0;
    rig.m.mem.fill(xenbios::layout::EBDA_START, 0x20, GUARD);
    assert_err(&rig.call(r), 0x01);
    assert!(
        rig.m
            .mem
            .slice(xenbios::layout::EBDA_START, 0x20)
            .iter()
            .all(|&b| b == GUARD)
    );
}

#[test]
fn load_segment_zero_means_07c0() {
    let image = image_bytes(4);
    let entry = boot_entry(BOOTABLE, NO_EMULATION, 0, 0, 4, IMAGE);
    let mut drives = Drives::new();
    cd(disc_with(entry, &image), true, &mut drives);
    let mut rig = Rig::new(drives);
    rig.setup(None);
    let call = rig.int19().unwrap();
    assert_eq!(
        (call.regs.cs, call.regs.ip, call.regs.dl()),
        (0x07c0, 0, CD)
    );
    assert_eq!(rig.m.mem.slice(0x7c00, 2048), &image[..]);
}

#[test]
fn an_image_that_would_overwrite_the_bios_is_refused() {
    for segment in [0x0010u16, 0x9600] {
        // 0010:0000 is the interrupt table; 9600:0000 + 8 KiB runs into the EBDA.
        let entry = boot_entry(BOOTABLE, NO_EMULATION, segment, 0, 16, IMAGE);
        let mut drives = Drives::new();
        cd(disc_with(entry, &image_bytes(16)), true, &mut drives);
        boot_disk().register(&mut drives);
        let mut rig = Rig::new(drives);
        rig.m.mem.fill(0, 0x500, 0x5a);
        rig.m.mem.fill(0x9_7000, 0x1000, 0x5a);
        rig.setup(Some("/pci@i0cf8/ide@1,1/drive@1/cdrom@0\n"));
        let call = rig.int19().expect("the disk boots instead");
        assert_eq!(
            (call.regs.cs, call.regs.ip, call.regs.dl()),
            (0, 0x7c00, 0x80)
        );
        assert!(rig.m.mem.slice(0, 0x400).iter().all(|&b| b == 0x5a));
        assert!(rig.m.mem.slice(0x9_7000, 0x1000).iter().all(|&b| b == 0x5a));
        let log = xenbios_sim::take_log();
        assert!(log.contains("would overwrite the BIOS's memory"), "{log}");
    }
}

#[test]
fn a_malformed_catalog_is_logged_and_the_next_entry_boots() {
    let mut validation = validation(X86);
    validation[CHECKSUM_AT] ^= 1;
    let entry = boot_entry(BOOTABLE, NO_EMULATION, 0, 0, 4, IMAGE);
    let mut disc = Disc::with_catalog(DISC, CATALOG, &[validation, entry]);
    disc.write(IMAGE, &image_bytes(4));
    let mut drives = Drives::new();
    cd(disc, true, &mut drives);
    boot_disk().register(&mut drives);
    let mut rig = Rig::new(drives);
    // CMOS says CD first (`-boot d`).
    let rtc = Rc::new(RefCell::new(SimRtc::new()));
    rtc.borrow_mut().cmos[usize::from(cmos::BOOT_FLAG2)] = 0x03;
    rig.m.ports.attach(0x70, 0x71, rtc);
    rig.setup(None);
    let call = rig.int19().expect("the disk boots");
    assert_eq!(call.regs.dl(), 0x80);
    let log = xenbios_sim::take_log();
    assert!(
        log.contains(
            "CD-ROM ata1 master: QEMU DVD-ROM: not bootable: catalog validation checksum wrong"
        ),
        "{log}"
    );
}

#[test]
fn an_empty_drive_is_asked_again_and_a_disc_inserted_later_boots() {
    let entry = boot_entry(BOOTABLE, NO_EMULATION, 0, 0, 4, IMAGE);
    let mut drives = Drives::new();
    let (cd, _) = cd(disc_with(entry, &image_bytes(4)), false, &mut drives);
    let mut rig = Rig::new(drives);
    rig.setup(None);
    assert!(rig.int19().is_none(), "nothing to boot");
    assert!(rig.m.console.text().contains("QEMU DVD-ROM: no medium"));
    assert_eq!(cd.state.borrow().ready_calls, 1);
    // int13 on the empty drive: the driver is asked, and says no medium.
    rig.packet(1, BUF, 16);
    let r = rig.call(regs(0x4200, CD));
    assert_err(&r, 0x31);
    // The user inserts the disc: the next boot finds it.
    cd.state.borrow_mut().inserted = true;
    let call = rig.int19().expect("boots now");
    assert_eq!(call.regs.dl(), CD);
}

// ---- int13 on a CD ---------------------------------------------------------------------

#[test]
fn int13_on_a_cd_drive() {
    let mut disc = Disc::new(DISC);
    let data = image_bytes(8 * 4);
    disc.write(100, &data);
    let mut drives = Drives::new();
    let (cd, _) = cd(disc, true, &mut drives);
    let mut rig = Rig::new(drives);
    // 41h: disk access, removable media and EDD subsets.
    let mut r = regs(0x4100, CD);
    r.set_bx(0x55aa);
    let r = rig.call(r);
    assert_ok(&r);
    assert_eq!((r.ah(), r.bx(), r.cx()), (0x30, 0xaa55, 0x0007));
    // 42h: in 2048-byte sectors, nothing written outside the buffer.
    rig.guard(BUF, 3 * 2048);
    rig.packet(3, BUF, 101);
    let r = rig.call(regs(0x4200, CD));
    assert_ok(&r);
    assert_eq!(rig.m.mem.slice(BUF, 3 * 2048), &data[2048..4 * 2048]);
    rig.assert_guard(BUF, 3 * 2048);
    // Past the end of the disc: 01h, the driver never sees it.
    let before = cd.state.borrow().reads.len();
    rig.packet(2, BUF, DISC - 1);
    assert_err(&rig.call(regs(0x4200, CD)), 0x01);
    assert_eq!(rig.m.mem.read_u16(PKT + 2), 0);
    assert_eq!(cd.state.borrow().reads.len(), before);
    // 43h and 03h: write protected, before the driver (it panics on a write).
    rig.packet(1, BUF, 0);
    assert_err(&rig.call(regs(0x4300, CD)), 0x03);
    assert_eq!(rig.m.mem.read_u16(PKT + 2), 0);
    assert_err(&rig.call(chs(0x03, 1, 0, 0, 1, CD)), 0x03);
    // 02h (CHS) and 08h: a CD has no CHS geometry.
    assert_err(&rig.call(chs(0x02, 1, 0, 0, 1, CD)), 0x01);
    assert_err(&rig.call(regs(0x0800, CD)), 0x01);
    // 47h within the disc; 44h.
    rig.packet(1, 0, DISC - 1);
    assert_ok(&rig.call(regs(0x4700, CD)));
    rig.packet(1, 0, 5);
    assert_ok(&rig.call(regs(0x4400, CD)));
    // 00h, 0Dh, 10h, 15h.
    assert_ok(&rig.call(regs(0x0000, CD)));
    assert_ok(&rig.call(regs(0x0d00, CD)));
    assert_ok(&rig.call(regs(0x1000, CD)));
    let r = rig.call(regs(0x1500, CD));
    assert_eq!((r.cf(), r.ah()), (false, 0x01));
    // 01h: the last status, in the BDA's hard disk byte.
    assert_err(&rig.call(chs(0x02, 1, 0, 0, 1, CD)), 0x01);
    assert_err(&rig.call(regs(0x0100, CD)), 0x01);
    // 45h/46h: locked, the drive refuses to eject; unlocked, it may.
    let r = rig.call(regs(0x4500, CD));
    assert_eq!((r.cf(), r.al()), (false, 1));
    assert_err(&rig.call(regs(0x4600, CD)), 0xb1);
    let r = rig.call(regs(0x4501, CD));
    assert_eq!((r.cf(), r.al()), (false, 0));
    assert_err(&rig.call(regs(0x4501, CD)), 0xb0);
    assert_ok(&rig.call(regs(0x4600, CD)));
    // A second CD number does not exist; nor does 4Bh before a CD booted.
    assert_err(&rig.call(regs(0x4200, CD + 1)), 0x01);
    assert_err(&rig.call(regs(0x4b01, CD)), 0x01);
}

#[test]
fn edd_parameters_of_a_cd() {
    let mut drives = Drives::new();
    cd(Disc::new(DISC), true, &mut drives);
    let mut rig = Rig::new(drives);
    rig.m.mem.fill(PKT, 0x60, GUARD);
    rig.m.mem.write_u16(PKT, 0x4a);
    let r = rig.call(regs(0x4800, CD));
    assert_ok(&r);
    let t = rig.m.mem.slice(PKT, 0x4a).to_vec();
    let u16_at = |at: usize| u16::from_le_bytes([t[at], t[at + 1]]);
    let u32_at = |at: usize| u32::from_le_bytes(t[at..at + 4].try_into().unwrap());
    assert_eq!(u16_at(0), 0x4a);
    // Removable, change line, lockable, CHS at maximum (EDD-4, as SeaBIOS).
    assert_eq!(u16_at(2), 0x74);
    assert_eq!((u32_at(4), u32_at(8), u32_at(0xc)), (!0, !0, !0));
    assert_eq!(u64::from_le_bytes(t[0x10..0x18].try_into().unwrap()), DISC);
    assert_eq!(u16_at(0x18), 2048);
    assert_eq!(&t[0x24..0x28], b"PCI ");
    assert_eq!(&t[0x28..0x30], b"ATAPI   ");
    // 00:01.1, channel 1; master.
    assert_eq!(&t[0x30..0x34], &[0, 1, 1, 1]);
    assert_eq!(t[0x38], 0);
    assert_eq!(t.iter().skip(0x1e).fold(0u8, |a, b| a.wrapping_add(*b)), 0);
    assert!(
        rig.m
            .mem
            .slice(PKT + 0x4a, 0x16)
            .iter()
            .all(|&b| b == GUARD)
    );
}

// ---- diskette emulation ----------------------------------------------------------------

#[test]
fn floppy_emulation_makes_the_image_drive_00() {
    const SPT: u32 = 18;
    let image = image_bytes(2880);
    let entry = boot_entry(BOOTABLE, FLOPPY_1440K, 0, 0, 1, IMAGE);
    let mut drives = Drives::new();
    let (cd, _) = cd(disc_with(entry, &image), true, &mut drives);
    boot_disk().register(&mut drives);
    let mut rig = Rig::new(drives);
    rig.setup(Some("/pci@i0cf8/ide@1,1/drive@1/cdrom@0\n"));
    let call = rig.int19().expect("boots");
    assert_eq!(
        (call.regs.cs, call.regs.ip, call.regs.dl()),
        (0x07c0, 0, 0x00)
    );
    // The boot sector, and the BDA says one diskette drive.
    assert_eq!(rig.m.mem.slice(0x7c00, 512), &image[..512]);
    let equipment = rig.m.mem.read_u16(bda::at(bda::EQUIPMENT));
    assert_eq!(equipment & 0xc1, 0x01);
    // 08h: 80 cylinders, 2 heads, 18 sectors, a 1.44 MB drive, one drive, and in ES:DI
    // the diskette parameter table int 1Eh points to (here one a program installed).
    let table = FarPtr::new(0x1234, 0x0056);
    xenbios::ivt::set(&mut rig.m.mem, xenbios::ivt::DISKETTE_PARAMS, table);
    let r = rig.call(regs(0x0800, 0x00));
    assert_ok(&r);
    assert_eq!((r.ch(), r.cl(), r.dh(), r.bl(), r.dl()), (79, 18, 1, 4, 1));
    assert_eq!((r.es, r.di()), (0x1234, 0x0056));
    // 02h: 8 sectors from C/H/S 1/1/16: LBA (1 * 2 + 1) * 18 + 15 = 69..77, which starts
    // and ends inside CD sectors (69-71 in CD sector 17, 72-75 in 18, 76 in 19).
    rig.guard(BUF, 8 * 512);
    let before = cd.state.borrow().reads.len();
    let r = rig.call(chs(0x02, 8, 1, 1, 16, 0x00));
    assert_ok(&r);
    assert_eq!(r.al(), 8);
    let lba = ((2 + 1) * SPT + 15) as usize;
    assert_eq!(
        rig.m.mem.slice(BUF, 8 * 512),
        &image[lba * 512..(lba + 8) * 512]
    );
    rig.assert_guard(BUF, 8 * 512);
    // The whole CD sector went straight to the buffer, the partial ones through the
    // bounce sector.
    let reads = cd.state.borrow().reads[before..].to_vec();
    let base = u64::from(IMAGE);
    assert_eq!(
        reads,
        [
            (base + 17, 1, BOUNCE),
            (base + 18, 1, BUF + 3 * 512),
            (base + 19, 1, BOUNCE)
        ]
    );
    // Writes: write protected.
    assert_err(&rig.call(chs(0x03, 1, 0, 0, 1, 0x00)), 0x03);
    // The diskette status byte holds the last status.
    assert_eq!(rig.m.mem.read_u8(bda::at(0x41)), 0x03);
    // Extended functions are not served on the emulated drive.
    let mut r = regs(0x4100, 0x00);
    r.set_bx(0x55aa);
    assert_err(&rig.call(r), 0x01);
    // 4B01h: status, media 2 (1.44 MB), drive 00h, geometry as 08h gives it.
    assert_ok(&rig.call(regs(0x4b01, 0x00)));
    let p = rig.m.mem.slice(PKT, 0x13).to_vec();
    assert_eq!((p[1], p[2]), (2, 0x00));
    assert_eq!((p[0x10], p[0x11], p[0x12]), (79, 18, 1));
    // 4B00h: emulation ends; 00h is gone and the BDA says no diskette.
    assert_ok(&rig.call(regs(0x4b00, 0x00)));
    assert_err(&rig.call(chs(0x02, 1, 0, 0, 1, 0x00)), 0x01);
    assert_eq!(rig.m.mem.read_u16(bda::at(bda::EQUIPMENT)) & 0x01, 0);
}

// ---- hard-disk emulation ---------------------------------------------------------------

/// A 2 MiB disk image whose one partition ends at C/H/S 15/15/63 (so 16/16/63).
fn hd_image() -> Vec<u8> {
    let mut image = image_bytes(16 * 16 * 63);
    let mbr = &mut image[..512];
    let p = 0x1be;
    mbr[p..p + 16].fill(0);
    mbr[p] = 0x80;
    mbr[p + 4] = 0x06;
    mbr[p + 5] = 15;
    mbr[p + 6] = 63;
    mbr[p + 7] = 15;
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    image
}

#[test]
fn hard_disk_emulation_makes_the_image_80h_and_moves_the_disks_up() {
    let image = hd_image();
    let entry = boot_entry(BOOTABLE, HARD_DISK, 0, 6, 1, IMAGE);
    let mut drives = Drives::new();
    let disk = boot_disk();
    let disk_id = disk.register(&mut drives);
    cd(disc_with(entry, &image), true, &mut drives);
    let mut rig = Rig::new(drives);
    // CMOS: CD-ROM, then hard disk (`-boot dc`).
    let rtc = Rc::new(RefCell::new(SimRtc::new()));
    rtc.borrow_mut().cmos[usize::from(cmos::BOOT_FLAG2)] = 0x23;
    rig.m.ports.attach(0x70, 0x71, rtc);
    rig.setup(None);
    let call = rig.int19().expect("boots");
    assert_eq!(
        (call.regs.cs, call.regs.ip, call.regs.dl()),
        (0x07c0, 0, 0x80)
    );
    assert_eq!(rig.m.mem.slice(0x7c00, 512), &image[..512]);
    // Two hard disks now: the image (80h) and the real disk (81h).
    assert_eq!(rig.m.mem.read_u8(bda::at(bda::DISK_COUNT)), 2);
    assert_eq!(rig.drives.bios_number(disk_id), Some(0x81));
    let r = rig.call(regs(0x0800, 0x80));
    assert_ok(&r);
    assert_eq!((r.ch(), r.cl(), r.dh(), r.dl()), (15, 63, 15, 2));
    // 02h on 80h: the image's sectors; on 81h: the real disk's.
    let r = rig.call(chs(0x02, 3, 2, 5, 7, 0x80));
    assert_ok(&r);
    let lba = (2 * 16 + 5) * 63 + 6;
    assert_eq!(
        rig.m.mem.slice(BUF, 3 * 512),
        &image[lba * 512..(lba + 3) * 512]
    );
    let r = rig.call(chs(0x02, 1, 0, 0, 2, 0x81));
    assert_ok(&r);
    assert_eq!(rig.m.mem.slice(BUF, 512), &FakeDisk::pattern(1, 512)[..]);
    assert_err(&rig.call(chs(0x03, 1, 0, 0, 1, 0x80)), 0x03);
    // 4B00h: the real disk is 80h again.
    assert_ok(&rig.call(regs(0x4b00, 0x80)));
    assert_eq!(rig.m.mem.slice(PKT, 3), &[0x13, 4, 0x80]);
    assert_eq!(rig.drives.bios_number(disk_id), Some(0x80));
    assert_eq!(rig.m.mem.read_u8(bda::at(bda::DISK_COUNT)), 1);
    let r = rig.call(chs(0x02, 1, 0, 0, 1, 0x80));
    assert_ok(&r);
    assert_eq!(rig.m.mem.read_u16(BUF + 510), 0xaa55);
}

#[test]
fn int18_after_an_emulated_boot_gives_the_disks_back() {
    let entry = boot_entry(BOOTABLE, HARD_DISK, 0, 6, 1, IMAGE);
    let mut drives = Drives::new();
    let disk_id = boot_disk().register(&mut drives);
    cd(disc_with(entry, &hd_image()), true, &mut drives);
    let mut rig = Rig::new(drives);
    rig.setup(Some("/pci@i0cf8/ide@1,1/drive@1/cdrom@0\n"));
    assert_eq!(rig.int19().unwrap().regs.dl(), 0x80);
    assert_eq!(rig.drives.bios_number(disk_id), Some(0x81));
    // The image's boot code found nothing: the disk boots as 80h.
    let call = rig.int18().expect("the disk boots");
    assert_eq!((call.regs.ip, call.regs.dl()), (0x7c00, 0x80));
    assert_eq!(rig.drives.bios_number(disk_id), Some(0x80));
    assert_eq!(rig.m.mem.read_u8(bda::at(bda::DISK_COUNT)), 1);
}

// ---- boot order ------------------------------------------------------------------------

#[test]
fn cmos_boot_order_as_qemu_writes_it() {
    use BootDevice::*;
    // QEMU's default "cad" with the diskette signature check off (38h bit 0).
    assert_eq!(
        cmos::boot_order(0x31, 0x12),
        [Some(HardDisk), Some(Floppy), Some(Cdrom)]
    );
    // `-boot d`, `-boot n`, `-boot dc`.
    assert_eq!(cmos::boot_order(0x00, 0x03), [Some(Cdrom), None, None]);
    assert_eq!(cmos::boot_order(0x01, 0x04), [Some(Network), None, None]);
    assert_eq!(
        cmos::boot_order(0x00, 0x23),
        [Some(Cdrom), Some(HardDisk), None]
    );
    // xl `boot = "cdn"` under real Xen (docs/boot-order.md: 3Dh = 32h, 38h = 40h).
    assert_eq!(
        cmos::boot_order(0x40, 0x32),
        [Some(HardDisk), Some(Cdrom), Some(Network)]
    );
    // Nothing (no QEMU), and nibbles that name no device.
    assert_eq!(cmos::boot_order(0x00, 0x00), [None, None, None]);
    assert_eq!(cmos::boot_order(0xff, 0xf3), [Some(Cdrom), None, None]);
}

#[test]
fn cds_follow_the_disks_unless_cmos_or_bootorder_says_otherwise() {
    let mut drives = Drives::new();
    let disk = boot_disk().register(&mut drives);
    let (_, cd_id) = cd(Disc::new(DISC), true, &mut drives);
    // A hidden drive (the emulated twin of a PV CD) gets no number and never boots.
    let (_, twin) = cd(Disc::new(DISC), true, &mut drives);
    drives.hide(twin);
    let mut rig = Rig::new(drives);
    assert_eq!(rig.drives.bios_number(twin), None);
    rig.setup(None);
    let order: Vec<_> = rig.boot.order().collect();
    assert_eq!(order, [BootEntry::Disk(disk), BootEntry::Disk(cd_id)]);
    // fw_cfg bootorder (`-device ide-cd,bootindex=0`): the CD first.
    rig.setup(Some("/pci@i0cf8/ide@1,1/drive@1/cdrom@0\n"));
    let order: Vec<_> = rig.boot.order().collect();
    assert_eq!(order, [BootEntry::Disk(cd_id), BootEntry::Disk(disk)]);
    // CMOS `-boot d`.
    let rtc = Rc::new(RefCell::new(SimRtc::new()));
    rtc.borrow_mut().cmos[usize::from(cmos::BOOT_FLAG2)] = 0x03;
    rig.m.ports.attach(0x70, 0x71, rtc);
    rig.setup(None);
    let order: Vec<_> = rig.boot.order().collect();
    assert_eq!(order, [BootEntry::Disk(cd_id), BootEntry::Disk(disk)]);
    // The menu and the boot messages name the CD by its driver's description.
    let name = name_of(&rig.m.mem, &rig.drives, order[0]);
    assert_eq!(name.as_str(), "CD-ROM ata1 master: QEMU DVD-ROM");
}

// ---- a disc xorriso builds -------------------------------------------------------------

/// automake's "skipped" exit status, which `mkiso.sh` uses when a tool is missing.
const SKIPPED: i32 = 77;
/// Where `-boot-info-table` patches ISOLINUX (bytes 8 to 63: mkisofs(8)).
const BOOT_INFO_TABLE: std::ops::Range<usize> = 8..64;

#[test]
fn isolinux_from_a_real_iso_boots_with_no_emulation() {
    let out =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cdboot-{}", std::process::id()));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/eltorito_util/mkiso.sh");
    let run = Command::new("bash").arg(script).arg(&out).output().unwrap();
    match run.status.code() {
        Some(0) => {}
        Some(SKIPPED) => {
            eprintln!("skipping: {}", String::from_utf8_lossy(&run.stdout));
            return;
        }
        _ => panic!("mkiso.sh failed: {}", String::from_utf8_lossy(&run.stderr)),
    }
    let iso = std::fs::read(out.join("isolinux.iso")).unwrap();
    let isolinux = std::fs::read(out.join("isolinux.bin")).unwrap();
    let mut drives = Drives::new();
    cd(Disc::from_bytes(&iso), true, &mut drives);
    let mut rig = Rig::new(drives);
    rig.setup(None);
    rig.guard(0x7c00, 2048);
    let call = rig.int19().expect("ISOLINUX boots");
    assert_eq!(
        (call.regs.cs, call.regs.ip, call.regs.dl()),
        (0x07c0, 0, CD)
    );
    // `-boot-load-size 4`: one CD sector, ISOLINUX's first 2 KiB (with its boot info
    // table filled in by xorriso).
    let loaded = rig.m.mem.slice(0x7c00, 2048).to_vec();
    assert_eq!(
        loaded[..BOOT_INFO_TABLE.start],
        isolinux[..BOOT_INFO_TABLE.start]
    );
    assert_eq!(
        loaded[BOOT_INFO_TABLE.end..],
        isolinux[BOOT_INFO_TABLE.end..2048]
    );
    rig.assert_guard(0x7c00, 2048);
    // What ISOLINUX asks first: 4B01h on its own drive number.
    assert_ok(&rig.call(regs(0x4b01, CD)));
    assert_eq!(rig.m.mem.slice(PKT, 3), &[0x13, 0, CD]);
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn the_bootorder_file_qemu_writes_puts_the_cd_first() {
    let mut drives = Drives::new();
    let disk = boot_disk().register(&mut drives);
    let (_, cd_id) = cd(Disc::new(DISC), true, &mut drives);
    let mut rig = Rig::new(drives);
    // `-device ide-cd,bus=ide.1,unit=0,bootindex=1`: QEMU's file ends in a NUL.
    let mut fw = xenbios_sim::SimFwCfg::new();
    fw.add_file("bootorder", b"/pci@i0cf8/ide@1,1/drive@1/cdrom@0\n\0");
    rig.m.ports.attach(0x510, 0x511, Rc::new(RefCell::new(fw)));
    let mut buf = [0u8; 256];
    let text = xenbios::boot::read_bootorder(&rig.m.ports, &mut buf).map(str::to_owned);
    assert_eq!(
        text.as_deref(),
        Some("/pci@i0cf8/ide@1,1/drive@1/cdrom@0\n")
    );
    rig.setup(text.as_deref());
    let order: Vec<_> = rig.boot.order().collect();
    assert_eq!(order, [BootEntry::Disk(cd_id), BootEntry::Disk(disk)]);
}

// ---- the emulated drive under any request ----------------------------------------------

/// The rig after booting a CD that emulates a 1.44 MB diskette (`image_bytes(2880)`) or
/// the hard disk of `hd_image` (behind a real disk), its memory filled with the guard.
fn emulating_rig(floppy: bool) -> Rig {
    let (media, image) = if floppy {
        (FLOPPY_1440K, image_bytes(2880))
    } else {
        (HARD_DISK, hd_image())
    };
    let entry = boot_entry(BOOTABLE, media, 0, 0, 1, IMAGE);
    let mut drives = Drives::new();
    boot_disk().register(&mut drives);
    cd(disc_with(entry, &image), true, &mut drives);
    let mut rig = Rig::new(drives);
    rig.setup(Some("/pci@i0cf8/ide@1,1/drive@1/cdrom@0\n"));
    rig.int19().expect("boots");
    rig
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: 48,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..Default::default()
    })]

    /// CHS reads of the emulated drive return the image's bytes, or fail, and change
    /// nothing but the buffer, the bounce sector and the status byte.
    #[test]
    fn emulated_reads_return_the_image_and_write_nothing_else(
        floppy: bool,
        count in 0u8..=130,
        cylinder in 0u16..90,
        head in 0u8..20,
        sector in 0u8..64,
        buf in 0x500u32..0x9_0000,
    ) {
        let mut rig = emulating_rig(floppy);
        let image = if floppy { image_bytes(2880) } else { hd_image() };
        let (dl, spt, heads) = if floppy { (0x00, 18u32, 2u32) } else { (0x80, 63, 16) };
        let len = u32::from(count) * 512;
        let mem_len = rig.m.mem.bytes.len();
        rig.m.mem.bytes.fill(GUARD);
        let status = bda::at(if floppy { 0x41 } else { bda::DISK_STATUS });
        let before = rig.m.mem.bytes.clone();
        let mut r = chs(0x02, count, cylinder, head, sector, dl);
        r.es = (buf >> 4) as u16;
        r.set_bx((buf & 0xf) as u16);
        let r = rig.call(r);
        let after = &rig.m.mem.bytes;
        for i in 0..mem_len as u32 {
            let inside = (buf..buf + len).contains(&i)
                || (BOUNCE..BOUNCE + 2048).contains(&i)
                || i == status;
            if !inside {
                proptest::prop_assert_eq!(after[i as usize], before[i as usize], "byte {:#x}", i);
            }
        }
        if !r.cf() {
            proptest::prop_assert_eq!(r.al(), count);
            let lba = ((u32::from(cylinder) * heads + u32::from(head)) * spt
                + u32::from(sector) - 1) as usize;
            let got = &after[buf as usize..(buf + len) as usize];
            proptest::prop_assert!(got == &image[lba * 512..lba * 512 + len as usize]);
        }
    }
}

#[test]
fn boot_d_boots_the_pv_cd_before_an_ide_one() {
    // xl `boot="d"` with a PV CD (xvdc) and another CD on IDE: libxl's `-boot order=d`
    // reaches CMOS; the PV CD comes first, as PV disks do among disks.
    let entry = boot_entry(BOOTABLE, NO_EMULATION, 0, 0, 4, IMAGE);
    let mut drives = Drives::new();
    let disk = boot_disk().register(&mut drives);
    let (_, ide) = cd(disc_with(entry, &image_bytes(4)), true, &mut drives);
    let xen = Interface::Xen {
        pci: PciAddr {
            bus: 0,
            dev: 2,
            func: 0,
        },
        vdev: 5632,
    };
    let (_, pv) = cd_on(xen, disc_with(entry, &image_bytes(4)), true, &mut drives);
    let mut rig = Rig::new(drives);
    assert_eq!(rig.drives.bios_number(ide), Some(CD));
    assert_eq!(rig.drives.bios_number(pv), Some(CD + 1));
    let rtc = Rc::new(RefCell::new(SimRtc::new()));
    rtc.borrow_mut().cmos[usize::from(cmos::BOOT_FLAG2)] = 0x03;
    rig.m.ports.attach(0x70, 0x71, rtc);
    rig.setup(None);
    let order: Vec<_> = rig.boot.order().collect();
    assert_eq!(
        order,
        [
            BootEntry::Disk(pv),
            BootEntry::Disk(ide),
            BootEntry::Disk(disk)
        ]
    );
    let call = rig.int19().expect("the PV CD boots");
    assert_eq!(call.regs.dl(), CD + 1);
}
