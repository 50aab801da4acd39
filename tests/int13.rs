//! int 13h as a loader sees it: registers, flags, buffers and the BDA, over a FakeDisk
//! (and, at the end, over the simulated IDE disk).

use xenbios::bda;
use xenbios::block::int13;
use xenbios::block::{DiskError, Drives, Interface, PciAddr};
use xenbios::e820::E820Map;
use xenbios::hal::mem::Memory;
use xenbios::hal::regs::Regs;
use xenbios::platform::memmap;
use xenbios_sim::{DiskCall, FakeDisk, Machine};

const GUARD: u8 = 0xcc;
const GUARD_LEN: u32 = 64;
/// Where packets and parameter tables go (DS = 0, SI = this).
const PKT: u32 = 0x0600;
/// A buffer segment for most reads: 0x2000:0x0000.
const BUF_SEG: u16 = 0x2000;
const BUF: u32 = 0x20000;

struct Rig {
    m: Machine,
    drives: Drives,
    disk: FakeDisk,
    e820: E820Map,
}

/// The memory map POST builds for machine `m`.
fn e820_of(m: &mut Machine) -> E820Map {
    let mut e820 = E820Map::new();
    memmap::detect(&mut m.ctx(), &mut e820, None);
    e820
}

impl Rig {
    fn new(disk: FakeDisk) -> Rig {
        xenbios_sim::capture_log();
        let mut drives = Drives::new();
        disk.register(&mut drives);
        let mut m = Machine::default();
        m.mem
            .write_u8(bda::at(bda::DISK_COUNT), drives.disk_count());
        let e820 = e820_of(&mut m);
        Rig {
            m,
            drives,
            disk,
            e820,
        }
    }

    /// A 64 MiB disk with the geometry QEMU gives one: 130/16/63.
    fn small() -> Rig {
        Rig::new(FakeDisk::new(131072).with_chs(130, 16, 63))
    }

    fn call(&mut self, mut r: Regs) -> Regs {
        int13::handle(&mut r, &mut self.m.ctx(), &mut self.drives, &self.e820);
        r
    }

    fn calls(&self) -> Vec<DiskCall> {
        self.disk.state().calls.clone()
    }

    fn status(&self) -> u8 {
        self.m.mem.read_u8(bda::at(bda::DISK_STATUS))
    }

    /// Fill `[buf - GUARD_LEN, buf + len + GUARD_LEN)` with the guard byte.
    fn guard(&mut self, buf: u32, len: u32) {
        self.m.mem.fill(buf - GUARD_LEN, len + 2 * GUARD_LEN, GUARD);
    }

    /// The guard bytes around `[buf, buf + len)` are intact.
    fn assert_guard(&self, buf: u32, len: u32) {
        let before = self.m.mem.slice(buf - GUARD_LEN, GUARD_LEN as usize);
        let after = self.m.mem.slice(buf + len, GUARD_LEN as usize);
        assert!(
            before.iter().all(|&b| b == GUARD),
            "bytes before the buffer changed"
        );
        assert!(
            after.iter().all(|&b| b == GUARD),
            "bytes after the buffer changed"
        );
    }

    /// Write a disk address packet at PKT.
    fn packet(&mut self, size: u8, count: u16, seg: u16, off: u16, lba: u64) {
        let mem = &mut self.m.mem;
        mem.write_u8(PKT, size);
        mem.write_u8(PKT + 1, 0);
        mem.write_u16(PKT + 2, count);
        mem.write_u16(PKT + 4, off);
        mem.write_u16(PKT + 6, seg);
        mem.write_u64(PKT + 8, lba);
    }

    fn packet_count(&self) -> u16 {
        self.m.mem.read_u16(PKT + 2)
    }
}

fn regs(ax: u16, dl: u8) -> Regs {
    Regs {
        eax: ax as u32,
        edx: dl as u32,
        ..Default::default()
    }
}

/// AH=02/03/04: AL sectors at cylinder/head/sector to or from BUF_SEG:bx.
fn chs(ah: u8, count: u8, c: u16, h: u8, s: u8, bx: u16) -> Regs {
    Regs {
        eax: (ah as u32) << 8 | count as u32,
        ecx: ((c as u32 & 0xff) << 8) | ((c as u32 >> 2) & 0xc0) | s as u32,
        edx: (h as u32) << 8 | 0x80,
        ebx: bx as u32,
        es: BUF_SEG,
        ..Default::default()
    }
}

/// AH=4x with DS:SI -> PKT.
fn ext(ah: u8, dl: u8) -> Regs {
    Regs {
        eax: (ah as u32) << 8,
        edx: dl as u32,
        esi: PKT,
        ds: 0,
        ..Default::default()
    }
}

fn pattern(lba: u64, count: u32) -> Vec<u8> {
    (lba..lba + count as u64)
        .flat_map(|l| FakeDisk::pattern(l, 512))
        .collect()
}

fn assert_ok(r: &Regs) {
    assert!(!r.cf(), "CF set, AH={:#04x}", r.ah());
    assert_eq!(r.ah(), 0);
}

fn assert_err(r: &Regs, code: u8) {
    assert!(r.cf(), "CF clear");
    assert_eq!(r.ah(), code, "AH");
}

// ---- 00h, 0Dh, 01h: reset and status ------------------------------------------------

#[test]
fn reset_reaches_the_driver() {
    let mut rig = Rig::small();
    let r = rig.call(regs(0x0000, 0x80));
    assert_ok(&r);
    let r = rig.call(regs(0x0d00, 0x80));
    assert_ok(&r);
    assert_eq!(rig.calls(), [DiskCall::Reset, DiskCall::Reset]);
}

#[test]
fn reset_failure_is_reported() {
    let mut rig = Rig::small();
    rig.disk.state().reset_error = Some(DiskError::Timeout);
    let r = rig.call(regs(0x0000, 0x80));
    assert_err(&r, 0x80);
    assert_eq!(rig.status(), 0x80);
}

#[test]
fn status_01_returns_the_last_status_from_the_bda() {
    let mut rig = Rig::small();
    // A failing call leaves its code in 40:74 ...
    let r = rig.call(chs(0x02, 0, 0, 0, 1, 0));
    assert_err(&r, 0x01);
    assert_eq!(rig.status(), 0x01);
    // ... which 01h returns (with CF set), without changing it.
    let r = rig.call(regs(0x0100, 0x80));
    assert_err(&r, 0x01);
    assert_eq!(rig.status(), 0x01);
    // A successful call clears it.
    let r = rig.call(chs(0x02, 1, 0, 0, 1, 0));
    assert_ok(&r);
    assert_eq!(rig.status(), 0);
    let r = rig.call(regs(0x0100, 0x80));
    assert_ok(&r);
}

// ---- 02h, 03h, 04h: CHS transfers -----------------------------------------------------

#[test]
fn chs_read_lands_in_the_buffer_and_nowhere_else() {
    let mut rig = Rig::small();
    rig.guard(BUF + 0x100, 3 * 512);
    let r = rig.call(chs(0x02, 3, 0, 0, 1, 0x100));
    assert_ok(&r);
    assert_eq!(r.al(), 3);
    assert_eq!(rig.m.mem.slice(BUF + 0x100, 3 * 512), pattern(0, 3));
    rig.assert_guard(BUF + 0x100, 3 * 512);
    assert_eq!(rig.status(), 0);
}

#[test]
fn chs_address_uses_the_logical_geometry() {
    // 300 cylinders: cylinder 258 needs CL bits 6-7.
    let mut rig = Rig::new(FakeDisk::new(300 * 16 * 63).with_chs(300, 16, 63));
    let r = rig.call(chs(0x02, 1, 258, 5, 7, 0));
    assert_ok(&r);
    let lba = (258 * 16 + 5) * 63 + 6;
    assert_eq!(rig.m.mem.slice(BUF, 512), pattern(lba, 1));
}

#[test]
fn chs_count_must_be_1_to_128() {
    let mut rig = Rig::small();
    for count in [0u8, 129, 255] {
        let r = rig.call(chs(0x02, count, 0, 0, 1, 0));
        assert_err(&r, 0x01);
        assert_eq!(r.al(), 0);
    }
    assert!(rig.calls().is_empty(), "driver saw an invalid count");
    assert!(xenbios_sim::take_log().contains("count"));
    let r = rig.call(chs(0x02, 128, 0, 0, 1, 0));
    assert_ok(&r);
    assert_eq!(r.al(), 128);
}

#[test]
fn chs_outside_the_geometry_is_rejected() {
    let mut rig = Rig::small();
    // sector 0, sector 64 (> 63), head 16 (>= 16), cylinder 130 (>= 130)
    for (c, h, s) in [(0, 0, 0), (0, 0, 64), (0, 16, 1), (130, 0, 1)] {
        rig.guard(BUF, 512);
        let r = rig.call(chs(0x02, 1, c, h, s, 0));
        assert_err(&r, 0x01);
        assert_eq!(r.al(), 0);
        rig.assert_guard(BUF, 0);
    }
    assert!(rig.calls().is_empty());
    assert!(xenbios_sim::take_log().contains("outside 130/16/63"));
}

#[test]
fn chs_read_past_the_end_of_the_drive_transfers_nothing() {
    // The device geometry covers 10080 sectors, the disk has 10000.
    let mut rig = Rig::new(FakeDisk::new(10000).with_chs(10, 16, 63));
    rig.guard(BUF, 0);
    // Cylinder 9, head 14, sector 1 is LBA 9954: 46 sectors remain, 50 asked.
    let r = rig.call(chs(0x02, 50, 9, 14, 1, 0));
    assert_err(&r, 0x01);
    assert_eq!(r.al(), 0);
    rig.assert_guard(BUF, 0);
    assert!(rig.calls().is_empty());
    assert!(xenbios_sim::take_log().contains("past the end"));
    // The last sector exactly is fine.
    let r = rig.call(chs(0x02, 46, 9, 14, 1, 0));
    assert_ok(&r);
}

#[test]
fn chs_read_of_127_sectors_crosses_64k_linearly() {
    let mut rig = Rig::small();
    // 0x1000:0xF000 = linear 0x1F000; 127 sectors end at 0x2EE00, past 0x20000.
    let buf = 0x1f000;
    let len = 127 * 512;
    rig.guard(buf, len);
    let mut r = chs(0x02, 127, 0, 0, 1, 0xf000);
    r.es = 0x1000;
    let r = rig.call(r);
    assert_ok(&r);
    assert_eq!(r.al(), 127);
    assert_eq!(rig.m.mem.slice(buf, len as usize), pattern(0, 127));
    rig.assert_guard(buf, len);
    // Nothing wrapped to the start of the segment.
    assert!(rig.m.mem.slice(0x10000, 0x100).iter().all(|&b| b == 0));
}

#[test]
fn device_error_mid_read_reports_sectors_done() {
    let mut rig = Rig::small();
    rig.disk.state().fail_at = Some((5, DiskError::ReadError));
    rig.guard(BUF, 10 * 512);
    let r = rig.call(chs(0x02, 10, 0, 0, 1, 0));
    assert_err(&r, 0x10);
    assert_eq!(r.al(), 5);
    assert_eq!(rig.status(), 0x10);
    assert_eq!(rig.m.mem.slice(BUF, 5 * 512), pattern(0, 5));
    // Sectors 5.. never arrived.
    assert!(
        rig.m
            .mem
            .slice(BUF + 5 * 512, 5 * 512)
            .iter()
            .all(|&b| b == GUARD)
    );
    rig.assert_guard(BUF, 10 * 512);
    assert!(xenbios_sim::take_log().contains("after 5 sectors"));
}

#[test]
fn chs_write_stores_and_flushes() {
    let mut rig = Rig::small();
    let data: Vec<u8> = (0..2 * 512).map(|i| (i * 7) as u8).collect();
    rig.m.mem.write(BUF, &data);
    let r = rig.call(chs(0x03, 2, 0, 1, 1, 0));
    assert_ok(&r);
    assert_eq!(r.al(), 2);
    assert_eq!(rig.disk.sectors(63, 2), data);
    assert_eq!(
        rig.calls(),
        [
            DiskCall::Write {
                lba: 63,
                count: 2,
                buf: BUF
            },
            DiskCall::Flush
        ]
    );
}

#[test]
fn write_to_a_read_only_drive_is_write_protected() {
    let mut rig = Rig::new(FakeDisk::new(131072).with_chs(130, 16, 63).read_only());
    rig.m.mem.fill(BUF, 512, 0x5a);
    let r = rig.call(chs(0x03, 1, 0, 0, 1, 0));
    assert_err(&r, 0x03);
    assert_eq!(r.al(), 0);
    assert_eq!(rig.disk.sectors(0, 1), pattern(0, 1));
    assert!(rig.calls().is_empty());
    // The same through 43h.
    rig.packet(0x10, 1, BUF_SEG, 0, 0);
    let r = rig.call(ext(0x43, 0x80));
    assert_err(&r, 0x03);
    assert_eq!(rig.packet_count(), 0);
    assert!(xenbios_sim::take_log().contains("read-only"));
}

#[test]
fn write_error_mid_transfer_reports_sectors_done() {
    let mut rig = Rig::small();
    rig.disk.state().fail_at = Some((3, DiskError::WriteFault));
    rig.m.mem.fill(BUF, 6 * 512, 0x77);
    let r = rig.call(chs(0x03, 6, 0, 0, 1, 0));
    assert_err(&r, 0xcc);
    assert_eq!(r.al(), 3);
    assert_eq!(rig.disk.sectors(0, 3), vec![0x77; 3 * 512]);
    assert_eq!(rig.disk.sectors(3, 1), pattern(3, 1));
}

#[test]
fn flush_failure_after_a_write_is_reported() {
    let mut rig = Rig::small();
    rig.disk.state().flush_error = Some(DiskError::WriteFault);
    let r = rig.call(chs(0x03, 2, 0, 0, 1, 0));
    assert_err(&r, 0xcc);
    assert_eq!(r.al(), 2);
}

#[test]
fn chs_verify_checks_without_touching_memory() {
    let mut rig = Rig::small();
    rig.guard(BUF, 0);
    let r = rig.call(chs(0x04, 4, 0, 0, 1, 0));
    assert_ok(&r);
    assert_eq!(r.al(), 4);
    rig.assert_guard(BUF, 0);
    rig.disk.state().fail_at = Some((2, DiskError::BadSector));
    let r = rig.call(chs(0x04, 4, 0, 0, 1, 0));
    assert_err(&r, 0x0a);
    assert_eq!(r.al(), 2);
}

// ---- 08h, 0Ch, 10h, 15h, 16h -----------------------------------------------------------

#[test]
fn parameters_08_describe_the_logical_geometry() {
    let mut rig = Rig::small();
    let mut r = regs(0x0800, 0x80);
    r.es = 0x1234;
    r.edi = 0x5678;
    r.ebx = 0x9abc;
    let r = rig.call(r);
    assert_ok(&r);
    assert_eq!(r.al(), 0);
    assert_eq!(r.ch(), 129); // cylinders - 1
    assert_eq!(r.cl(), 63); // sectors, no high cylinder bits
    assert_eq!(r.dh(), 15); // heads - 1
    assert_eq!(r.dl(), 1); // one hard disk
    // ES:DI and BL belong to diskettes; untouched for hard disks.
    assert_eq!((r.es, r.di(), r.bx()), (0x1234, 0x5678, 0x9abc));
}

#[test]
fn parameters_08_cap_the_cylinder_at_1023() {
    // 8 GiB without a device geometry: LBA translation gives 1024/255/63.
    let mut rig = Rig::new(FakeDisk::new(16 * 1024 * 1024));
    let r = rig.call(regs(0x0800, 0x80));
    assert_ok(&r);
    assert_eq!(r.ch(), 0xff);
    assert_eq!(r.cl(), 0xc0 | 63);
    assert_eq!(r.dh(), 254);
}

#[test]
fn parameters_08_count_every_hard_disk() {
    let mut rig = Rig::small();
    FakeDisk::new(2048).register(&mut rig.drives);
    rig.m
        .mem
        .write_u8(bda::at(bda::DISK_COUNT), rig.drives.disk_count());
    let r = rig.call(regs(0x0800, 0x81));
    assert_ok(&r);
    assert_eq!(r.dl(), 2);
    // 2048 sectors: LBA translation, 2 cylinders of 16 heads.
    assert_eq!((r.ch(), r.cl(), r.dh()), (1, 63, 15));
}

#[test]
fn seek_0c_validates_the_cylinder() {
    let mut rig = Rig::small();
    let r = rig.call(chs(0x0c, 0, 129, 15, 1, 0));
    assert_ok(&r);
    let r = rig.call(chs(0x0c, 0, 130, 0, 1, 0));
    assert_err(&r, 0x01);
    assert!(rig.calls().is_empty());
}

#[test]
fn test_ready_10_asks_the_driver() {
    let mut rig = Rig::small();
    let r = rig.call(regs(0x1000, 0x80));
    assert_ok(&r);
    rig.disk.state().not_ready = true;
    let r = rig.call(regs(0x1000, 0x80));
    assert_err(&r, 0xaa);
    assert_eq!(rig.status(), 0xaa);
}

#[test]
fn get_type_15_reports_a_hard_disk_and_its_size() {
    let mut rig = Rig::small();
    let r = rig.call(regs(0x1500, 0x80));
    assert!(!r.cf());
    assert_eq!(r.ah(), 0x03);
    let sectors = (r.cx() as u32) << 16 | r.dx() as u32;
    assert_eq!(sectors, 130 * 16 * 63);
    assert_eq!(rig.status(), 0);
}

#[test]
fn get_type_15_of_an_absent_drive_is_none_without_error() {
    let mut rig = Rig::small();
    let mut r = regs(0x1500, 0x81);
    r.ecx = 0xffff;
    let r = rig.call(r);
    assert!(!r.cf());
    assert_eq!(r.ah(), 0x00);
    assert_eq!((r.cx(), r.dx()), (0, 0));
}

#[test]
fn change_line_16_is_not_for_hard_disks() {
    let mut rig = Rig::small();
    let r = rig.call(regs(0x1600, 0x80));
    assert_err(&r, 0x01);
    assert!(xenbios_sim::take_log().contains("diskette"));
}

// ---- bad drives and functions -------------------------------------------------------------

#[test]
fn absent_drive_is_an_error_with_a_log_line() {
    let mut rig = Rig::small();
    for ah in [0x00u8, 0x02, 0x08, 0x41, 0x42, 0x48] {
        let mut r = regs((ah as u16) << 8 | 1, 0x81);
        r.ebx = 0x55aa;
        let r = rig.call(r);
        assert_err(&r, 0x01);
    }
    assert_eq!(rig.status(), 0x01);
    assert!(xenbios_sim::take_log().contains("no drive 0x81"));
    assert!(rig.calls().is_empty());
}

#[test]
fn diskette_numbers_fail_and_use_the_diskette_status_byte() {
    let mut rig = Rig::small();
    let r = rig.call(chs(0x02, 1, 0, 0, 1, 0));
    assert_ok(&r);
    let mut r = chs(0x02, 1, 0, 0, 1, 0);
    r.edx = 0; // drive A:
    let r = rig.call(r);
    assert_err(&r, 0x01);
    assert_eq!(rig.m.mem.read_u8(bda::at(0x41)), 0x01);
    assert_eq!(rig.status(), 0, "hard disk status must not change");
    assert!(xenbios_sim::take_log().contains("no drive 0x00"));
}

#[test]
fn unknown_function_is_invalid_with_a_log_line() {
    let mut rig = Rig::small();
    for ah in [0x05u8, 0x45, 0x4e, 0xff] {
        let r = rig.call(regs((ah as u16) << 8, 0x80));
        assert_err(&r, 0x01);
        assert_eq!(rig.status(), 0x01);
    }
    let log = xenbios_sim::take_log();
    assert!(
        log.contains("[int13] warning: ah=0x05 dl=0x80: function not supported"),
        "{log}"
    );
}

// ---- 41h ------------------------------------------------------------------------------------

#[test]
fn extensions_check_41_says_edd_3_with_disk_access() {
    let mut rig = Rig::small();
    let mut r = regs(0x4100, 0x80);
    r.ebx = 0x55aa;
    let r = rig.call(r);
    assert!(!r.cf());
    assert_eq!(r.ah(), 0x30);
    assert_eq!(r.bx(), 0xaa55);
    // Fixed disk access and EDD subsets; no removable-media functions.
    assert_eq!(r.cx(), 0x0005);
    assert_eq!(rig.status(), 0);
}

#[test]
fn extensions_check_41_needs_the_magic() {
    let mut rig = Rig::small();
    let r = rig.call(regs(0x4100, 0x80));
    assert_err(&r, 0x01);
    assert_ne!(r.bx(), 0xaa55);
}

// ---- Buffers in the firmware's memory, sizes in bytes -----------------------------------

/// Refused with AH=01h, the driver not called, and memory left exactly as `before` but for
/// the BDA's status byte.
fn assert_refused_untouched(rig: &mut Rig, r: &Regs, before: &[u8]) {
    assert_err(r, 0x01);
    assert!(rig.calls().is_empty(), "the driver saw the request");
    let status = bda::at(bda::DISK_STATUS) as usize;
    let now = rig.m.mem.slice(0, before.len());
    let changed = (0..before.len()).find(|&i| i != status && now[i] != before[i]);
    assert_eq!(changed, None, "memory changed at this address");
    assert!(xenbios_sim::take_log().contains("is not guest RAM"));
}

#[test]
fn buffers_in_the_firmwares_memory_are_refused_for_every_function() {
    let mut rig = Rig::small();
    // The EBDA and the firmware's stack (from 0x97000), a read that runs into them from
    // below, VGA memory, the option ROM area and the BIOS itself.
    let cases: [(u16, u16, u8); 5] = [
        (0x9700, 0, 1),
        (0x96f0, 0, 2),
        (0xa000, 0, 1),
        (0xc800, 0, 4),
        (0xf000, 0, 1),
    ];
    for (seg, off, count) in cases {
        for ah in [0x02u8, 0x03] {
            let before = rig.m.mem.slice(0, 0x10_0000).to_vec();
            let mut r = chs(ah, count, 0, 0, 1, off);
            r.es = seg;
            let r = rig.call(r);
            assert_refused_untouched(&mut rig, &r, &before);
            assert_eq!(r.al(), 0);
        }
        for ah in [0x42u8, 0x43] {
            rig.packet(0x10, count.into(), seg, off, 0);
            let before = rig.m.mem.slice(0, 0x10_0000).to_vec();
            let r = rig.call(ext(ah, 0x80));
            let mut expect = before.clone();
            // The count field says no sector was moved.
            expect[PKT as usize + 2..PKT as usize + 4].copy_from_slice(&0u16.to_le_bytes());
            assert_refused_untouched(&mut rig, &r, &expect);
        }
    }
    // Just below the EBDA is the caller's.
    let r = rig.call({
        let mut r = chs(0x02, 1, 0, 0, 1, 0);
        r.es = 0x96e0;
        r
    });
    assert_ok(&r);
    assert_eq!(rig.m.mem.slice(0x96e00, 512), pattern(0, 1));
}

#[test]
fn a_4kn_disk_takes_16_sectors_per_call_by_edd_and_no_chs() {
    let mut rig = Rig::new(FakeDisk::with_sector_size(4096, 4096));
    // 16 x 4 KiB = 64 KiB is the most one call moves.
    rig.guard(BUF, 16 * 4096);
    rig.packet(0x10, 16, BUF_SEG, 0, 3);
    assert_ok(&rig.call(ext(0x42, 0x80)));
    assert_eq!(rig.packet_count(), 16);
    assert_eq!(
        rig.m.mem.slice(BUF, 16 * 4096),
        (3..19)
            .flat_map(|l| FakeDisk::pattern(l, 4096))
            .collect::<Vec<_>>()
    );
    rig.assert_guard(BUF, 16 * 4096);
    rig.disk.state().calls.clear();
    rig.packet(0x10, 17, BUF_SEG, 0, 3);
    let r = rig.call(ext(0x42, 0x80));
    assert_err(&r, 0x01);
    assert_eq!(rig.packet_count(), 0);
    assert!(xenbios_sim::take_log().contains("count 17 over 16"));
    // CHS addresses 512-byte sectors: refused on a 4Kn disk, whatever the count.
    for count in [1u8, 128] {
        let r = rig.call(chs(0x02, count, 0, 0, 1, 0));
        assert_err(&r, 0x01);
        assert_eq!(r.al(), 0);
    }
    assert!(xenbios_sim::take_log().contains("CHS on a drive of 4096-byte sectors"));
    assert!(rig.calls().is_empty());
}

// ---- 42h, 43h, 44h, 47h: packets --------------------------------------------------------------

#[test]
fn ext_read_42_lands_in_the_buffer() {
    let mut rig = Rig::small();
    rig.guard(BUF + 0x10, 4 * 512);
    rig.packet(0x10, 4, BUF_SEG, 0x10, 1000);
    let r = rig.call(ext(0x42, 0x80));
    assert_ok(&r);
    assert_eq!(rig.packet_count(), 4);
    assert_eq!(rig.m.mem.slice(BUF + 0x10, 4 * 512), pattern(1000, 4));
    rig.assert_guard(BUF + 0x10, 4 * 512);
}

#[test]
fn ext_read_of_127_sectors_crosses_64k_linearly() {
    let mut rig = Rig::small();
    let buf = 0x7fe00;
    let len = 127 * 512;
    rig.guard(buf, len);
    rig.packet(0x10, 127, 0x7000, 0xfe00, 77);
    let r = rig.call(ext(0x42, 0x80));
    assert_ok(&r);
    assert_eq!(rig.packet_count(), 127);
    assert_eq!(rig.m.mem.slice(buf, len as usize), pattern(77, 127));
    rig.assert_guard(buf, len);
}

#[test]
fn ext_count_0_transfers_nothing_and_succeeds() {
    let mut rig = Rig::small();
    rig.guard(BUF, 0);
    // Even with an LBA past the end: nothing is asked of the drive.
    rig.packet(0x10, 0, BUF_SEG, 0, u64::MAX);
    let r = rig.call(ext(0x42, 0x80));
    assert_ok(&r);
    assert_eq!(rig.packet_count(), 0);
    rig.assert_guard(BUF, 0);
    assert!(rig.calls().is_empty());
}

#[test]
fn ext_count_over_128_is_rejected() {
    let mut rig = Rig::small();
    rig.guard(BUF, 0);
    for count in [129u16, 0xff, 0xffff] {
        rig.packet(0x10, count, BUF_SEG, 0, 0);
        let r = rig.call(ext(0x42, 0x80));
        assert_err(&r, 0x01);
        assert_eq!(rig.packet_count(), 0);
    }
    rig.assert_guard(BUF, 0);
    assert!(rig.calls().is_empty());
    rig.packet(0x10, 128, BUF_SEG, 0, 0);
    let r = rig.call(ext(0x42, 0x80));
    assert_ok(&r);
    assert_eq!(rig.packet_count(), 128);
}

#[test]
fn ext_read_past_the_end_transfers_nothing() {
    let mut rig = Rig::small();
    rig.guard(BUF, 0);
    for (lba, count) in [(131072 - 3, 4), (131072, 1), (u64::MAX, 2)] {
        rig.packet(0x10, count, BUF_SEG, 0, lba);
        let r = rig.call(ext(0x42, 0x80));
        assert_err(&r, 0x01);
        assert_eq!(rig.packet_count(), 0);
    }
    rig.assert_guard(BUF, 0);
    assert!(rig.calls().is_empty());
    // The last sectors exactly are fine.
    rig.packet(0x10, 3, BUF_SEG, 0, 131072 - 3);
    let r = rig.call(ext(0x42, 0x80));
    assert_ok(&r);
    assert_eq!(rig.m.mem.slice(BUF, 3 * 512), pattern(131072 - 3, 3));
}

#[test]
fn ext_packet_must_be_16_bytes_or_more() {
    let mut rig = Rig::small();
    rig.packet(0x0f, 1, BUF_SEG, 0, 0);
    let r = rig.call(ext(0x42, 0x80));
    assert_err(&r, 0x01);
    assert_eq!(rig.packet_count(), 1, "a malformed packet is left alone");
    assert!(rig.calls().is_empty());
    assert!(xenbios_sim::take_log().contains("packet size"));
}

#[test]
fn ext_read_to_a_flat_64_bit_buffer() {
    let mut rig = Rig::small();
    // Above 1 MiB, where only a flat address reaches.
    let flat = 0x10_4000u64;
    rig.guard(flat as u32, 2 * 512);
    rig.packet(0x18, 2, 0xffff, 0xffff, 9);
    rig.m.mem.write_u64(PKT + 0x10, flat);
    let r = rig.call(ext(0x42, 0x80));
    assert_ok(&r);
    assert_eq!(rig.m.mem.slice(flat as u32, 1024), pattern(9, 2));
    rig.assert_guard(flat as u32, 1024);
}

#[test]
fn ext_flat_buffer_needs_a_24_byte_packet_below_4g() {
    let mut rig = Rig::small();
    rig.packet(0x10, 2, 0xffff, 0xffff, 9);
    let r = rig.call(ext(0x42, 0x80));
    assert_err(&r, 0x01);
    assert_eq!(rig.packet_count(), 0);
    rig.packet(0x18, 2, 0xffff, 0xffff, 9);
    rig.m.mem.write_u64(PKT + 0x10, 1 << 32);
    let r = rig.call(ext(0x42, 0x80));
    assert_err(&r, 0x01);
    // Ending past 4 GiB (the failure above zeroed the count: write the packet again).
    rig.packet(0x18, 2, 0xffff, 0xffff, 9);
    rig.m.mem.write_u64(PKT + 0x10, 0xffff_ff00);
    let r = rig.call(ext(0x42, 0x80));
    assert_err(&r, 0x01);
    assert!(rig.calls().is_empty());
}

#[test]
fn ext_device_error_sets_the_packet_count_to_sectors_done() {
    let mut rig = Rig::small();
    rig.disk.state().fail_at = Some((107, DiskError::SectorNotFound));
    rig.guard(BUF, 16 * 512);
    rig.packet(0x10, 16, BUF_SEG, 0, 100);
    let r = rig.call(ext(0x42, 0x80));
    assert_err(&r, 0x04);
    assert_eq!(rig.packet_count(), 7);
    assert_eq!(rig.m.mem.slice(BUF, 7 * 512), pattern(100, 7));
    rig.assert_guard(BUF, 16 * 512);
    assert_eq!(rig.status(), 0x04);
}

#[test]
fn ext_write_43_and_write_with_verify() {
    let mut rig = Rig::small();
    rig.m.mem.fill(BUF, 2 * 512, 0x42);
    rig.packet(0x10, 2, BUF_SEG, 0, 500);
    let r = rig.call(ext(0x43, 0x80));
    assert_ok(&r);
    assert_eq!(rig.disk.sectors(500, 2), vec![0x42; 1024]);
    let mut r = ext(0x43, 0x80);
    r.set_al(0x02);
    let r = rig.call(r);
    assert_ok(&r);
    let calls = rig.calls();
    assert_eq!(
        calls[calls.len() - 3..],
        [
            DiskCall::Write {
                lba: 500,
                count: 2,
                buf: BUF
            },
            DiskCall::Flush,
            DiskCall::Verify { lba: 500, count: 2 }
        ]
    );
    let mut r = ext(0x43, 0x80);
    r.set_al(0x03);
    let r = rig.call(r);
    assert_err(&r, 0x01);
}

#[test]
fn ext_verify_44_and_seek_47() {
    let mut rig = Rig::small();
    rig.packet(0x10, 8, BUF_SEG, 0, 64);
    let r = rig.call(ext(0x44, 0x80));
    assert_ok(&r);
    assert_eq!(rig.packet_count(), 8);
    assert_eq!(rig.calls(), [DiskCall::Verify { lba: 64, count: 8 }]);
    // A verify packet's buffer is never used, so FFFF:FFFF in a short packet is fine.
    rig.packet(0x10, 1, 0xffff, 0xffff, 64);
    let r = rig.call(ext(0x44, 0x80));
    assert_ok(&r);
    let r = rig.call(ext(0x47, 0x80));
    assert_ok(&r);
    rig.packet(0x10, 1, BUF_SEG, 0, 131072);
    let r = rig.call(ext(0x47, 0x80));
    assert_err(&r, 0x01);
}

// ---- 48h -----------------------------------------------------------------------------------------

fn ata_disk(pci: Option<PciAddr>, channel: u8, slave: bool) -> FakeDisk {
    FakeDisk::new(131072)
        .with_chs(130, 16, 63)
        .with_interface(Interface::Ata {
            pci,
            channel,
            slave,
            atapi: false,
            io_base: if channel == 0 { 0x1f0 } else { 0x170 },
        })
}

/// Call 48h with a buffer whose size word says `room`; returns the bytes written.
fn params48(rig: &mut Rig, room: u16) -> (Regs, Vec<u8>) {
    rig.guard(PKT, 0x60);
    rig.m.mem.write_u16(PKT, room);
    let r = rig.call(ext(0x48, 0x80));
    let size = rig.m.mem.read_u16(PKT);
    let bytes = rig.m.mem.slice(PKT, size as usize).to_vec();
    (r, bytes)
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

#[test]
fn drive_parameters_48_edd_1x_table() {
    let mut rig = Rig::small();
    let (r, t) = params48(&mut rig, 26);
    assert_ok(&r);
    assert_eq!(t.len(), 26);
    // DMA boundaries handled, CHS valid, write-verify supported.
    assert_eq!(u16_at(&t, 2), 0b1011);
    assert_eq!(
        (u32_at(&t, 4), u32_at(&t, 8), u32_at(&t, 12)),
        (130, 16, 63)
    );
    assert_eq!(u64::from_le_bytes(t[16..24].try_into().unwrap()), 131072);
    assert_eq!(u16_at(&t, 24), 512);
    // Nothing past the 26 bytes asked for.
    rig.assert_guard(PKT, 26);
}

#[test]
fn drive_parameters_48_edd_2x_has_no_dpte() {
    let mut rig = Rig::small();
    let (r, t) = params48(&mut rig, 30);
    assert_ok(&r);
    assert_eq!(t.len(), 30);
    assert_eq!(u32_at(&t, 0x1a), 0xffff_ffff);
    rig.assert_guard(PKT, 30);
}

#[test]
fn drive_parameters_48_edd_3_device_path_for_ata() {
    let piix = PciAddr {
        bus: 0,
        dev: 1,
        func: 1,
    };
    let mut rig = Rig::new(ata_disk(Some(piix), 1, true));
    let (r, t) = params48(&mut rig, 66);
    assert_ok(&r);
    assert_eq!(t.len(), 66);
    assert_eq!(u16_at(&t, 0x1e), 0xbedd);
    assert_eq!(t[0x20], 36);
    assert_eq!(&t[0x24..0x28], b"PCI ");
    assert_eq!(&t[0x28..0x30], b"ATA     ");
    // Phoenix 3.0: bus, device, function; no channel byte.
    assert_eq!(&t[0x30..0x38], [0, 1, 1, 0, 0, 0, 0, 0]);
    assert_eq!(&t[0x38..0x40], [1, 0, 0, 0, 0, 0, 0, 0]);
    let sum = t[0x1e..66].iter().fold(0u8, |a, b| a.wrapping_add(*b));
    assert_eq!(sum, 0, "checksum");
    rig.assert_guard(PKT, 66);

    // The T13 layout: 74 bytes, channel after the function, 16-byte device path.
    let (r, t) = params48(&mut rig, 0x60);
    assert_ok(&r);
    assert_eq!(t.len(), 74);
    assert_eq!(t[0x20], 44);
    assert_eq!(&t[0x30..0x34], [0, 1, 1, 1]);
    let sum = t[0x1e..74].iter().fold(0u8, |a, b| a.wrapping_add(*b));
    assert_eq!(sum, 0, "checksum");
    rig.assert_guard(PKT, 74);
}

#[test]
fn drive_parameters_48_legacy_ports_are_isa() {
    let mut rig = Rig::new(ata_disk(None, 0, false));
    let (r, t) = params48(&mut rig, 66);
    assert_ok(&r);
    assert_eq!(&t[0x24..0x28], b"ISA ");
    assert_eq!(&t[0x30..0x32], [0xf0, 0x01]);
    assert_eq!(t[0x38], 0);
}

#[test]
fn drive_parameters_48_xen_pv_disk_is_a_scsi_target_of_the_platform_device() {
    let platform = PciAddr {
        bus: 0,
        dev: 2,
        func: 0,
    };
    // xvdb: 202 << 8 | 1 << 4.
    let xvdb = Interface::Xen {
        pci: platform,
        vdev: 51728,
    };
    let mut rig = Rig::new(FakeDisk::new(131072).with_interface(xvdb));
    for (room, size, path_len) in [(66, 66, 36), (74, 74, 44)] {
        let (r, t) = params48(&mut rig, room);
        assert_ok(&r);
        assert_eq!(t.len(), size);
        assert_eq!(u16_at(&t, 0x1e), 0xbedd);
        assert_eq!(t[0x20], path_len);
        assert_eq!(&t[0x24..0x28], b"PCI ");
        assert_eq!(&t[0x28..0x30], b"SCSI    ");
        assert_eq!(&t[0x30..0x34], [0, 2, 0, 0]);
        // Target id 1 (xvdb), LUN 0.
        assert_eq!(&t[0x38..0x40], [1, 0, 0, 0, 0, 0, 0, 0]);
        let sum = t[0x1e..size].iter().fold(0u8, |a, b| a.wrapping_add(*b));
        assert_eq!(sum, 0, "checksum");
        rig.assert_guard(PKT, size as u32);
    }
}

#[test]
fn drive_parameters_48_big_disk_has_no_valid_chs() {
    let mut rig = Rig::new(FakeDisk::new(16 * 1024 * 1024).removable());
    let (r, t) = params48(&mut rig, 26);
    assert_ok(&r);
    // DMA, removable, write-verify; CHS not valid.
    assert_eq!(u16_at(&t, 2), 0b1101);
    assert_eq!(u32_at(&t, 4), 16383);
    assert_eq!(
        u64::from_le_bytes(t[16..24].try_into().unwrap()),
        16 * 1024 * 1024
    );
}

#[test]
fn drive_parameters_48_buffer_too_small() {
    let mut rig = Rig::small();
    rig.guard(PKT, 2);
    rig.m.mem.write_u16(PKT, 25);
    let r = rig.call(ext(0x48, 0x80));
    assert_err(&r, 0x01);
    assert_eq!(rig.m.mem.read_u16(PKT), 25);
    rig.assert_guard(PKT, 2);
}

// ---- over the simulated IDE disk ------------------------------------------------------------------

mod over_ata {
    use super::*;
    use xenbios::hw::ata;
    use xenbios::hw::pci::PciDevices;
    use xenbios_sim::ata::{ERR_UNC, Faults, PRIMARY};
    use xenbios_sim::{SimAtaChannel, SimAtaDevice};

    fn rig(dev: SimAtaDevice) -> (Machine, Drives) {
        xenbios_sim::capture_log();
        let mut m = Machine::default();
        SimAtaChannel::new(PRIMARY, Some(dev), None).attach(&mut m.ports);
        let mut drives = Drives::new();
        ata::probe(&mut m.ctx(), &PciDevices::new(), &mut drives);
        m.mem
            .write_u8(bda::at(bda::DISK_COUNT), drives.disk_count());
        xenbios_sim::take_log();
        (m, drives)
    }

    #[test]
    fn ext_read_from_an_ide_disk() {
        let (mut m, mut drives) = rig(SimAtaDevice::disk("QEMU HARDDISK", 131072));
        m.mem.fill(BUF - 16, 3 * 512 + 32, GUARD);
        m.mem.write_u8(PKT, 0x10);
        m.mem.write_u16(PKT + 2, 3);
        m.mem.write_u32(PKT + 4, (BUF_SEG as u32) << 16);
        m.mem.write_u64(PKT + 8, 4096);
        let mut r = ext(0x42, 0x80);
        let e820 = e820_of(&mut m);
        int13::handle(&mut r, &mut m.ctx(), &mut drives, &e820);
        assert_ok(&r);
        assert_eq!(m.mem.slice(BUF, 3 * 512), pattern(4096, 3));
        assert_eq!(m.mem.slice(BUF - 16, 16), [GUARD; 16]);
        assert_eq!(m.mem.slice(BUF + 3 * 512, 16), [GUARD; 16]);
    }

    #[test]
    fn unreadable_sector_gives_partial_count() {
        let faults = Faults {
            error_at: Some((12, ERR_UNC, 0)),
            ..Faults::default()
        };
        let dev = SimAtaDevice::disk("QEMU HARDDISK", 131072).with_faults(faults);
        let (mut m, mut drives) = rig(dev);
        let mut r = chs(0x02, 20, 0, 0, 1, 0);
        let e820 = e820_of(&mut m);
        int13::handle(&mut r, &mut m.ctx(), &mut drives, &e820);
        assert_err(&r, 0x10);
        assert_eq!(r.al(), 12);
        assert_eq!(m.mem.slice(BUF, 12 * 512), pattern(0, 12));
        let log = xenbios_sim::take_log();
        assert!(
            log.contains("[ata] warning: ata0 master: read lba 12"),
            "{log}"
        );
    }
}
