//! The PV block frontend against the simulated Xen, as a loader sees it: POST connects each
//! VBD (or skips it with a reason), int13 reads and writes go through the ring (AH, CF, the
//! packet count, the bytes in memory and nothing around them), and every fault the
//! simulated backend can inject ends in a defined int13 error or a skipped VBD.

mod xen_util;

use std::mem::{offset_of, size_of};
use xen_headers::grant_table::{
    GNTTAB_NR_RESERVED_ENTRIES, GRANT_ENTRIES_V1_PER_FRAME, GTF_PERMIT_ACCESS, GrantEntryV1,
};
use xen_headers::io::blkif::{
    BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_READ, BLKIF_OP_WRITE, VDISK_CDROM,
};
use xen_headers::io::xs_wire::{XS_TRANSACTION_END, XS_TRANSACTION_START, XS_WRITE};
use xen_util::platform_device;
use xenbios::bda;
use xenbios::bios::Bios;
use xenbios::block::{DiskError, DriveId, DriveKind, Interface, PciAddr, int13};
use xenbios::boot::{self, BootEntry};
use xenbios::e820::Kind;
use xenbios::hal::clock::Clock;
use xenbios::hal::mem::Memory;
use xenbios::hal::regs::Regs;
use xenbios::xen::blkfront::{self, Config, VbdName, X86_32, X86_64};
use xenbios::xen::{self};
use xenbios_sim::FakeDisk;
use xenbios_sim::xen::{Abi, SimXenConfig, VbdConfig, XenMachine, XenState, XsFault, XsRule};

const MIB: u64 = 1 << 20;
const XVDA: u32 = 51712;
const XVDB: u32 = 51728;
const XVDC: u32 = 51744;
const BE: &str = "/local/domain/0/backend/qdisk/1";
/// Where packets go (DS = 0, SI = this) and the usual buffer (0x2000:0000).
const PKT: u32 = 0x600;
const BUF: u32 = 0x2_0000;
const GUARD: u8 = 0xcc;
const GUARD_LEN: u32 = 64;
const SHORT: Config = Config {
    handshake_timeout_us: 200_000,
    io_timeout_us: 200_000,
};

/// A disk whose 512-byte sectors hold `FakeDisk::pattern`.
fn pattern_disk(bytes: u64) -> Vec<u8> {
    (0..bytes / 512)
        .flat_map(|l| FakeDisk::pattern(l, 512))
        .collect()
}

fn pattern(lba: u64, count: u64) -> Vec<u8> {
    (lba..lba + count)
        .flat_map(|l| FakeDisk::pattern(l, 512))
        .collect()
}

struct Rig {
    m: XenMachine,
    bios: Box<Bios>,
    log: String,
}

/// POST's Xen steps on a machine `setup` prepared (VBDs, faults); `pre` runs before the
/// PV probe (registering IDE disks, say).
fn post_with(setup: impl FnOnce(&mut XenState), cfg: &Config, pre: impl FnOnce(&mut Bios)) -> Rig {
    post_abi(setup, cfg, pre, false)
}

fn post_abi(
    setup: impl FnOnce(&mut XenState),
    cfg: &Config,
    pre: impl FnOnce(&mut Bios),
    x86_32: bool,
) -> Rig {
    xenbios_sim::capture_log();
    let mut m = XenMachine::new(SimXenConfig::default());
    setup(&mut m.xen.state());
    let mut bios = Box::new(Bios::new());
    bios.e820 = m.e820();
    let platform = Some(platform_device(&m));
    let mut cpu = m.xen.clone();
    bios.xen = xen::init(&mut m.ctx(), &mut bios.e820, platform, &mut cpu);
    assert!(bios.xen.is_some());
    pre(&mut bios);
    let mut log = xenbios_sim::take_log();
    let (xen, e820, drives) = (bios.xen.unwrap(), &mut bios.e820, &mut bios.drives);
    if x86_32 {
        blkfront::probe_with::<X86_32>(&mut m.ctx(), xen, e820, drives, cfg);
    } else {
        blkfront::probe_with::<X86_64>(&mut m.ctx(), xen, e820, drives, cfg);
    }
    log.push_str(&xenbios_sim::take_log());
    let n = bios.drives.disk_count();
    m.mem.write_u8(bda::at(bda::DISK_COUNT), n);
    Rig { m, bios, log }
}

fn post(setup: impl FnOnce(&mut XenState)) -> Rig {
    post_with(setup, &SHORT, |_| {})
}

/// One 8 MiB disk at xvda.
fn one_disk() -> Rig {
    post(|s| {
        s.add_vbd(XVDA, pattern_disk(8 * MIB));
    })
}

impl Rig {
    fn call(&mut self, mut r: Regs) -> Regs {
        int13::handle(
            &mut r,
            &mut self.m.ctx(),
            &mut self.bios.drives,
            &self.bios.e820,
        );
        r
    }

    /// AH=42h/43h/44h for `count` sectors at `lba` with the buffer at linear `buf` (as
    /// segment:offset below 1 MiB + 64 KiB, else through the packet's flat address).
    fn ext(&mut self, ah: u8, dl: u8, lba: u64, count: u16, buf: u32) -> (Regs, u16) {
        let mem = &mut self.m.mem;
        mem.fill(PKT, 0x18, 0);
        mem.write_u8(PKT, 0x18);
        mem.write_u16(PKT + 2, count);
        if buf < 0x10_0000 {
            mem.write_u16(PKT + 4, (buf & 0xf) as u16);
            mem.write_u16(PKT + 6, (buf >> 4) as u16);
        } else {
            mem.write_u32(PKT + 4, 0xffff_ffff);
            mem.write_u64(PKT + 0x10, u64::from(buf));
        }
        mem.write_u64(PKT + 8, lba);
        let r = self.call(Regs {
            eax: u32::from(ah) << 8,
            edx: u32::from(dl),
            esi: PKT,
            ..Default::default()
        });
        let n = self.m.mem.read_u16(PKT + 2);
        (r, n)
    }

    fn guard(&mut self, buf: u32, len: u32) {
        self.m.mem.fill(buf - GUARD_LEN, len + 2 * GUARD_LEN, GUARD);
    }

    fn bytes(&self, at: u32, len: u32) -> Vec<u8> {
        let mut v = vec![0; len as usize];
        self.m.mem.read(at, &mut v);
        v
    }

    /// POST's boot step: the boot list from the registered drives.
    fn boot_setup(&mut self) {
        let b = &mut *self.bios;
        boot::setup(
            &mut self.m.ctx(),
            &mut b.boot,
            &b.drives,
            b.roms.boot_entries(),
            None,
        );
    }

    /// int19: what the firmware jumps to, if anything boots.
    fn int19(&mut self) -> Option<xenbios::hal::cpu::Call16> {
        let b = &mut *self.bios;
        boot::int19(
            &mut self.m.ctx(),
            &mut b.boot,
            &mut b.drives,
            b.tables.pnp(),
        )
    }

    fn assert_guard(&self, buf: u32, len: u32) {
        assert!(
            self.bytes(buf - GUARD_LEN, GUARD_LEN)
                .iter()
                .all(|&b| b == GUARD),
            "bytes before the buffer changed"
        );
        assert!(
            self.bytes(buf + len, GUARD_LEN).iter().all(|&b| b == GUARD),
            "bytes after the buffer changed"
        );
    }

    /// Read with guards around the buffer; (AH, CF, sectors done), and the guards checked.
    fn read(&mut self, lba: u64, count: u16, buf: u32) -> (u8, bool, u16) {
        let len = u32::from(count) * 512;
        self.guard(buf, len);
        let (r, n) = self.ext(0x42, 0x80, lba, count, buf);
        self.assert_guard(buf, len);
        (r.ah(), r.cf(), n)
    }

    fn node(&self, path: &str) -> Option<String> {
        self.m.xen.state().store.read_str(path)
    }

    fn free_grants(&self) -> u32 {
        let xen = self.bios.xen.unwrap();
        xen.grants.lock().free_count()
    }

    fn drive_name(&self, id: DriveId) -> String {
        let mut s = String::new();
        self.bios
            .drives
            .get(id)
            .unwrap()
            .dev
            .describe(&mut s)
            .unwrap();
        s
    }

    fn assert_log(&self, line: &str) {
        assert!(self.log.contains(line), "missing {line:?} in\n{}", self.log);
    }
}

// --- POST -------------------------------------------------------------------------------

#[test]
fn post_connects_each_vbd_in_vdev_order_and_names_it_for_users() {
    let r = post(|s| {
        s.add_vbd(XVDB, vec![0; 4 * MIB as usize]);
        s.add_vbd(XVDA, pattern_disk(8 * MIB));
    });
    r.assert_log(
        "[blkfront] Xen PV disk xvda, 8 MiB: connected, 16384 sectors of 512 bytes, flush\n",
    );
    r.assert_log(
        "[blkfront] Xen PV disk xvdb, 4 MiB: connected, 8192 sectors of 512 bytes, flush\n",
    );
    assert!(r.log.find("xvda, 8 MiB").unwrap() < r.log.find("xvdb, 4 MiB").unwrap());
    // Registry order is vdev order; both are hard disks 0x80 and 0x81.
    assert_eq!(r.drive_name(DriveId(0)), "Xen PV disk xvda, 8 MiB");
    assert_eq!(r.drive_name(DriveId(1)), "Xen PV disk xvdb, 4 MiB");
    assert_eq!(r.bios.drives.bios_number(DriveId(0)), Some(0x80));
    assert_eq!(r.bios.drives.bios_number(DriveId(1)), Some(0x81));
    let d = r.bios.drives.get(DriveId(0)).unwrap().dev.info();
    assert_eq!(
        (d.kind, d.sectors, d.sector_size),
        (DriveKind::Disk, 16384, 512)
    );
    assert!(!d.read_only);
    assert_eq!(
        d.interface,
        Interface::Xen {
            pci: PciAddr {
                bus: 0,
                dev: 2,
                func: 0
            },
            vdev: XVDA
        }
    );
    // What the backend sees: both sides Connected, the ring published.
    let fe = "/local/domain/1/device/vbd/51712";
    assert_eq!(r.node(&format!("{fe}/state")).as_deref(), Some("4"));
    assert_eq!(r.node(&format!("{BE}/51712/state")).as_deref(), Some("4"));
    assert_eq!(
        r.node(&format!("{fe}/protocol")).as_deref(),
        Some("x86_64-abi")
    );
    assert_eq!(r.node(&format!("{fe}/event-channel")).as_deref(), Some("2"));
    assert!(r.node(&format!("{fe}/ring-ref")).is_some());
    let s = r.m.xen.state();
    assert!(
        s.backs
            .iter()
            .all(|b| b.connected() && b.abi() == Some(Abi::X86_64))
    );
    // ring-ref, event-channel and protocol in one transaction, the state after it.
    let seen = &s.store.seen;
    let tx_writes: Vec<_> = seen
        .iter()
        .filter(|q| q.op == XS_WRITE && q.tx_id != 0 && q.path.starts_with("device/vbd/51712/"))
        .map(|q| q.path.as_str())
        .collect();
    assert_eq!(
        tx_writes,
        [
            "device/vbd/51712/ring-ref",
            "device/vbd/51712/event-channel",
            "device/vbd/51712/protocol"
        ]
    );
    let tx_id = seen
        .iter()
        .find(|q| q.path == "device/vbd/51712/ring-ref")
        .unwrap()
        .tx_id;
    let state_writes: Vec<_> = seen
        .iter()
        .filter(|q| q.op == XS_WRITE && q.path == "device/vbd/51712/state")
        .map(|q| q.tx_id)
        .collect();
    assert_eq!(
        state_writes,
        [0, 0],
        "Initialised, then Connected, outside it"
    );
    assert!(seen.iter().any(|q| q.op == XS_TRANSACTION_START));
    assert_ne!(tx_id, 0);
}

#[test]
fn the_x86_32_layout_works_too_and_is_announced_as_such() {
    let mut r = post_abi(
        |s| {
            s.add_vbd(XVDA, pattern_disk(8 * MIB));
        },
        &SHORT,
        |_| {},
        true,
    );
    r.assert_log("xvda, 8 MiB: connected, 16384 sectors of 512 bytes, flush\n");
    assert_eq!(r.m.xen.state().backs[0].abi(), Some(Abi::X86_32));
    assert_eq!(r.read(100, 127, BUF), (0, false, 127));
    assert_eq!(r.bytes(BUF, 127 * 512), pattern(100, 127));
}

#[test]
fn vbds_that_cannot_connect_are_skipped_with_a_reason_and_post_goes_on() {
    let r = post(|s| {
        s.add_vbd(XVDA, pattern_disk(MIB));
        // xvdb: sectors is not a number.
        s.add_vbd(XVDB, pattern_disk(MIB));
        s.store.write(&format!("{BE}/51728/sectors"), b"abc");
        // xvdc: its backend never leaves Initialising.
        s.add_vbd(XVDC, pattern_disk(MIB));
        s.store.write(&format!("{BE}/51744/state"), b"1");
        // xvdd: no backend node at all.
        s.store.write("device/vbd/51760/state", b"1");
        // xvde: a backend-id that is not a domain.
        s.add_vbd(51776, pattern_disk(MIB));
        s.store.write("device/vbd/51776/backend-id", b"70000");
        // xvdf: a sector size the firmware does not handle.
        s.add_vbd(51792, pattern_disk(MIB));
        s.store.write(&format!("{BE}/51792/sector-size"), b"1000");
    });
    r.assert_log("[blkfront] Xen PV disk xvda, 1 MiB: connected");
    r.assert_log("[blkfront] warning: xvdb: skipped: sectors (malformed value)\n");
    r.assert_log("[blkfront] warning: timed out after 200 ms waiting for xvdc\n");
    r.assert_log("[blkfront] warning: xvdc: skipped: backend not in InitWait\n");
    r.assert_log("[blkfront] warning: xvdd: skipped: backend (ENOENT)\n");
    r.assert_log("[blkfront] warning: xvde: skipped: backend-id\n");
    r.assert_log("[blkfront] warning: xvdf: skipped: unusable size\n");
    assert_eq!(r.bios.drives.disk_count(), 1);
    // A VBD skipped after it published its ring is left Closed, its grant and port freed:
    // the backend disconnected, and the OS's frontend can reset it.
    assert_eq!(
        r.node("/local/domain/1/device/vbd/51728/state").as_deref(),
        Some("6")
    );
    assert_eq!(r.node(&format!("{BE}/51728/state")).as_deref(), Some("6"));
    let s = r.m.xen.state();
    assert!(!s.backs[1].connected());
    // Only xvda's ring grant is still out.
    drop(s);
    assert_eq!(r.free_grants(), 512 - GNTTAB_NR_RESERVED_ENTRIES - 1);
}

#[test]
fn a_backend_that_refuses_the_ring_is_skipped_with_its_error() {
    let r = post(|s| {
        let i = s.add_vbd(XVDA, pattern_disk(MIB));
        // The backend claims to be another domain than backend-id says: the ring's grant
        // is not for it.
        s.backs[i].domid = 7;
    });
    r.assert_log("[blkfront] warning: xvda: skipped: backend closed\n");
    assert_eq!(
        r.m.xen.state().backs[0].error.as_deref(),
        Some("binding event-channel")
    );
    assert_eq!(r.bios.drives.disk_count(), 0);
    assert_eq!(r.free_grants(), 512 - GNTTAB_NR_RESERVED_ENTRIES);
    assert_eq!(
        r.node("/local/domain/1/device/vbd/51712/state").as_deref(),
        Some("6")
    );
}

#[test]
fn a_backend_that_disappears_before_post_is_skipped() {
    let r = post(|s| {
        s.add_vbd(XVDA, pattern_disk(MIB));
        let i = s.add_vbd(XVDB, pattern_disk(MIB));
        s.blk_disappear(i, true);
    });
    r.assert_log("[blkfront] warning: xvdb: skipped: backend not in InitWait\n");
    assert_eq!(r.bios.drives.disk_count(), 1);
}

#[test]
fn a_transaction_conflict_is_retried() {
    let r = post(|s| {
        s.add_vbd(XVDA, pattern_disk(MIB));
        s.store.conflicts = 1;
    });
    r.assert_log("xvda, 1 MiB: connected");
    let starts =
        r.m.xen
            .state()
            .store
            .seen
            .iter()
            .filter(|q| q.op == XS_TRANSACTION_START)
            .count();
    assert_eq!(starts, 2);
}

#[test]
fn a_backend_left_connected_by_an_earlier_stage_is_reset_first() {
    // A first firmware run connects xvda; the machine reboots into a new one, which finds
    // the backend Connected.
    let mut r = one_disk();
    assert_eq!(r.read(0, 1, BUF), (0, false, 1));
    let mut bios = Box::new(Bios::new());
    bios.e820 = r.m.e820();
    let platform = Some(platform_device(&r.m));
    let mut cpu = r.m.xen.clone();
    bios.xen = xen::init(&mut r.m.ctx(), &mut bios.e820, platform, &mut cpu);
    xenbios_sim::take_log();
    let (xen, e820, drives) = (bios.xen.unwrap(), &mut bios.e820, &mut bios.drives);
    blkfront::probe_with::<X86_64>(&mut r.m.ctx(), xen, e820, drives, &SHORT);
    let log = xenbios_sim::take_log();
    assert!(
        log.contains(
            "[blkfront] Xen PV disk xvda, 8 MiB: connected, 16384 sectors of 512 bytes, flush, reset first\n"
        ),
        "{log}"
    );
    r.bios = bios;
    assert_eq!(r.read(7, 3, BUF), (0, false, 3));
    assert_eq!(r.bytes(BUF, 3 * 512), pattern(7, 3));
}

#[test]
fn more_vbds_than_the_firmware_takes_are_logged() {
    let r = post(|s| {
        for d in 0..xen::MAX_VBDS as u32 + 1 {
            s.add_vbd(XVDA + 16 * d, vec![0; 64 * 1024]);
        }
    });
    r.assert_log("[xen] warning: vbd 51840: ignored: more than 8 PV disks\n");
    assert_eq!(r.bios.drives.disk_count(), xen::MAX_VBDS as u8);
}

// --- Reads ------------------------------------------------------------------------------

#[test]
fn a_127_sector_read_is_two_requests_in_flight_together_into_the_callers_frames() {
    let mut r = one_disk();
    let free = r.free_grants();
    assert_eq!(r.read(2048, 127, BUF), (0, false, 127));
    assert_eq!(r.bytes(BUF, 127 * 512), pattern(2048, 127));
    let s = r.m.xen.state();
    let seen = &s.backs[0].seen;
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen.iter()
            .map(|q| (q.operation, q.sector, q.nr_segments))
            .collect::<Vec<_>>(),
        [(BLKIF_OP_READ, 2048, 11), (BLKIF_OP_READ, 2048 + 88, 5)]
    );
    // Both were on the ring when the backend was notified: one notification for both.
    assert_eq!(seen[0].round, seen[1].round);
    // Zero copy: the backend wrote straight into the caller's frames.
    let frames: Vec<u32> = seen.iter().flat_map(|q| q.frames.clone()).collect();
    assert_eq!(frames, (0..16).map(|i| (BUF >> 12) + i).collect::<Vec<_>>());
    drop(s);
    // Every data grant was revoked.
    assert_eq!(r.free_grants(), free);
}

#[test]
fn unaligned_buffers_go_through_the_bounce_pages() {
    let mut r = one_disk();
    let buf = BUF + 0x11;
    assert_eq!(r.read(5, 127, buf), (0, false, 127));
    assert_eq!(r.bytes(buf, 127 * 512), pattern(5, 127));
    let s = r.m.xen.state();
    let frames: Vec<u32> = s.backs[0]
        .seen
        .iter()
        .flat_map(|q| q.frames.clone())
        .collect();
    assert_eq!(frames.len(), 16);
    assert!(frames.iter().all(|&f| f << 12 >= 0x100_0000), "{frames:x?}");
    assert!(!frames.contains(&(buf >> 12)));
}

#[test]
fn reads_in_every_kind_of_buffer_and_place() {
    let mut r = one_disk();
    // A 128-sector CHS read at the end of the disk, a one-sector read at 0x7c00, a flat
    // buffer above 1 MiB, and one that crosses a 64 KiB boundary.
    let last = 16384 - 128;
    assert_eq!(r.read(last, 128, 0x3_0000), (0, false, 128));
    assert_eq!(r.bytes(0x3_0000, 128 * 512), pattern(last, 128));
    assert_eq!(r.read(0, 1, 0x7c00), (0, false, 1));
    assert_eq!(r.bytes(0x7c00, 512), pattern(0, 1));
    assert_eq!(r.read(300, 64, 0x20_0000), (0, false, 64));
    assert_eq!(r.bytes(0x20_0000, 64 * 512), pattern(300, 64));
    assert_eq!(r.read(9, 127, 0x1_f000), (0, false, 127));
    assert_eq!(r.bytes(0x1_f000, 127 * 512), pattern(9, 127));
    // CHS: AH=02h, 3 sectors at C/H/S 0/1/1 (LBA 63) into 0x5000:0000.
    r.guard(0x5_0000, 3 * 512);
    let regs = r.call(Regs {
        eax: 0x0203,
        ecx: 0x0001,
        edx: 0x0180,
        es: 0x5000,
        ..Default::default()
    });
    assert_eq!((regs.ah(), regs.cf(), regs.al()), (0, false, 3));
    assert_eq!(r.bytes(0x5_0000, 3 * 512), pattern(63, 3));
    r.assert_guard(0x5_0000, 3 * 512);
    // Past the end: int13 refuses it before the driver sees it.
    let before = r.m.xen.state().backs[0].seen.len();
    assert_eq!(r.read(16384 - 1, 2, BUF), (0x01, true, 0));
    assert_eq!(r.m.xen.state().backs[0].seen.len(), before);
}

#[test]
fn verify_reads_without_touching_the_callers_memory() {
    let mut r = one_disk();
    r.guard(BUF, 0);
    let (regs, n) = r.ext(0x44, 0x80, 10, 20, BUF);
    assert_eq!((regs.ah(), regs.cf(), n), (0, false, 20));
    let s = r.m.xen.state();
    assert_eq!(s.backs[0].seen.last().unwrap().operation, BLKIF_OP_READ);
}

#[test]
fn lbas_beyond_32_bits_reach_the_backend_whole() {
    let big = 3 << 40; // 3 TiB
    let mut r = post(|s| {
        s.add_vbd_with(
            XVDA,
            vec![0; MIB as usize],
            VbdConfig {
                virtual_len: Some(big),
                ..Default::default()
            },
        );
    });
    r.assert_log("Xen PV disk xvda, 3072 GiB: connected");
    let lba = (1u64 << 32) + 77;
    assert_eq!(r.read(lba, 16, BUF), (0, false, 16));
    assert_eq!(r.bytes(BUF, 16 * 512), pattern(lba, 16));
    assert_eq!(r.m.xen.state().backs[0].seen[0].sector, lba);
    // And a write there lands there.
    r.m.mem.fill(BUF, 512, 0x5a);
    let (regs, n) = r.ext(0x43, 0x80, lba + 3, 1, BUF);
    assert_eq!((regs.ah(), regs.cf(), n), (0, false, 1));
    let s = r.m.xen.state();
    let b = &s.backs[0];
    assert_eq!(b.bytes((lba + 3) * 512, (lba + 4) * 512), vec![0x5a; 512]);
}

// --- Writes -----------------------------------------------------------------------------

#[test]
fn writes_reach_the_backing_disk_and_are_flushed() {
    let mut r = one_disk();
    let data: Vec<u8> = (0..100 * 512).map(|i| (i * 7 + 3) as u8).collect();
    r.m.mem.write(BUF, &data);
    let (regs, n) = r.ext(0x43, 0x80, 1000, 100, BUF);
    assert_eq!((regs.ah(), regs.cf(), n), (0, false, 100));
    let s = r.m.xen.state();
    let b = &s.backs[0];
    assert_eq!(&b.disk[1000 * 512..1100 * 512], &data[..]);
    assert_eq!(b.flushes, 1);
    let ops: Vec<u8> = b.seen.iter().map(|q| q.operation).collect();
    assert_eq!(
        ops,
        [BLKIF_OP_WRITE, BLKIF_OP_WRITE, BLKIF_OP_FLUSH_DISKCACHE]
    );
    assert_eq!(b.seen[2].nr_segments, 0);
    drop(s);
    // An unaligned source buffer goes through the bounce pages.
    let src = BUF + 3;
    r.m.mem.write(src, &data[..512 * 3]);
    let (regs, n) = r.ext(0x43, 0x80, 5, 3, src);
    assert_eq!((regs.ah(), regs.cf(), n), (0, false, 3));
    assert_eq!(
        &r.m.xen.state().backs[0].disk[5 * 512..8 * 512],
        &data[..512 * 3]
    );
}

#[test]
fn without_feature_flush_cache_no_flush_is_sent() {
    let mut r = post(|s| {
        s.add_vbd_with(
            XVDA,
            pattern_disk(MIB),
            VbdConfig {
                flush: false,
                ..Default::default()
            },
        );
    });
    r.assert_log("xvda, 1 MiB: connected, 2048 sectors of 512 bytes\n");
    let (regs, _) = r.ext(0x43, 0x80, 1, 1, BUF);
    assert_eq!((regs.ah(), regs.cf()), (0, false));
    let ops: Vec<u8> = r.m.xen.state().backs[0]
        .seen
        .iter()
        .map(|q| q.operation)
        .collect();
    assert_eq!(ops, [BLKIF_OP_WRITE]);
}

#[test]
fn read_only_vbds_refuse_writes_with_ah_03() {
    let mut r = post(|s| {
        s.add_vbd_with(
            XVDA,
            pattern_disk(MIB),
            VbdConfig {
                mode: "r",
                info: xen_headers::io::blkif::VDISK_READONLY,
                ..Default::default()
            },
        );
    });
    r.assert_log("xvda, 1 MiB: connected, 2048 sectors of 512 bytes, flush, read-only\n");
    let (regs, n) = r.ext(0x43, 0x80, 1, 1, BUF);
    assert_eq!((regs.ah(), regs.cf(), n), (0x03, true, 0));
    assert!(r.m.xen.state().backs[0].seen.is_empty());
    assert_eq!(r.read(1, 1, BUF), (0, false, 1));
}

// --- Sector sizes and CD-ROMs -----------------------------------------------------------

#[test]
fn a_4096_byte_sector_disk_asks_for_large_sectors_and_counts_in_them() {
    let mut r = post(|s| {
        s.add_vbd_with(
            XVDA,
            pattern_disk(8 * MIB),
            VbdConfig {
                sector_size: 4096,
                ..Default::default()
            },
        );
    });
    r.assert_log("Xen PV disk xvda, 8 MiB: connected, 2048 sectors of 4096 bytes, flush\n");
    let d = r.bios.drives.get(DriveId(0)).unwrap().dev.info();
    assert_eq!((d.sectors, d.sector_size), (2048, 4096));
    // The node was there for the backend to read at connection, and says no now (the
    // OS's frontend counts in 512-byte units).
    let st = r.m.xen.state();
    let writes: Vec<_> = st
        .store
        .seen
        .iter()
        .filter(|q| q.op == XS_WRITE && q.path == "device/vbd/51712/feature-large-sector-size")
        .map(|q| q.tx_id != 0)
        .collect();
    assert_eq!(writes, [true, false], "in the transaction, then outside it");
    drop(st);
    assert_eq!(
        r.node("/local/domain/1/device/vbd/51712/feature-large-sector-size")
            .as_deref(),
        Some("0")
    );
    // 4 KiB sectors 3..5, one per segment, numbered in 4 KiB units on the ring.
    r.guard(BUF, 3 * 4096);
    let (regs, n) = r.ext(0x42, 0x80, 3, 3, BUF);
    assert_eq!((regs.ah(), regs.cf(), n), (0, false, 3));
    r.assert_guard(BUF, 3 * 4096);
    assert_eq!(r.bytes(BUF, 3 * 4096), pattern(24, 24));
    assert_eq!(r.m.xen.state().backs[0].seen[0].sector, 3);
    // Unaligned for 4 KiB sectors: bounced.
    r.guard(BUF + 512, 4096);
    let (regs, n) = r.ext(0x42, 0x80, 100, 1, BUF + 512);
    assert_eq!((regs.ah(), regs.cf(), n), (0, false, 1));
    r.assert_guard(BUF + 512, 4096);
    assert_eq!(r.bytes(BUF + 512, 4096), pattern(800, 8));
    // int13/48 reports the sector size.
    r.m.mem.write_u16(PKT, 0x1e);
    let regs = r.call(Regs {
        eax: 0x4800,
        edx: 0x80,
        esi: PKT,
        ..Default::default()
    });
    assert_eq!((regs.ah(), regs.cf()), (0, false));
    assert_eq!(r.m.mem.read_u16(PKT + 0x18), 4096);
    assert_eq!(r.m.mem.read_u64(PKT + 0x10), 2048);
}

#[test]
fn a_4096_byte_sector_disk_of_a_linux_style_backend_keeps_512_byte_units() {
    let mut r = post(|s| {
        s.add_vbd_with(
            XVDA,
            pattern_disk(8 * MIB),
            VbdConfig {
                sector_size: 4096,
                linux_blkback: true,
                ..Default::default()
            },
        );
    });
    r.assert_log("Xen PV disk xvda, 8 MiB: connected, 2048 sectors of 4096 bytes, flush\n");
    assert!(
        !r.m.xen
            .state()
            .store
            .seen
            .iter()
            .any(|q| q.path.ends_with("feature-large-sector-size"))
    );
    let (regs, n) = r.ext(0x42, 0x80, 3, 2, BUF);
    assert_eq!((regs.ah(), regs.cf(), n), (0, false, 2));
    assert_eq!(r.bytes(BUF, 2 * 4096), pattern(24, 16));
    assert_eq!(r.m.xen.state().backs[0].seen[0].sector, 24);
}

#[test]
fn a_cdrom_vbd_is_a_cd_drive_that_does_not_get_in_the_way_of_booting() {
    let mut r = post(|s| {
        s.add_vbd(XVDA, {
            let mut d = pattern_disk(MIB);
            d[510] = 0x55;
            d[511] = 0xaa;
            d
        });
        s.add_vbd_with(
            XVDC,
            pattern_disk(4 * MIB),
            VbdConfig {
                device_type: "cdrom",
                info: VDISK_CDROM,
                mode: "r",
                ..Default::default()
            },
        );
    });
    r.assert_log(
        "[blkfront] Xen PV CD-ROM xvdc, 4 MiB: connected, 2048 sectors of 2048 bytes, flush, read-only\n",
    );
    let cd = r.bios.drives.get(DriveId(1)).unwrap().dev.info();
    assert_eq!(
        (cd.kind, cd.sector_size, cd.sectors),
        (DriveKind::Cdrom, 2048, 2048)
    );
    assert!(cd.read_only && cd.removable);
    // The CD is drive E0h, not a hard disk.
    assert_eq!(r.bios.drives.bios_number(DriveId(1)), Some(0xe0));
    assert_eq!(r.bios.drives.disk_count(), 1);
    // A 2048-byte CD sector through the driver is four of the backend's.
    {
        let ctx = &mut r.m.ctx();
        let d = r.bios.drives.get_mut(DriveId(1)).unwrap();
        d.dev.read(ctx, 10, 2, BUF).unwrap();
    }
    assert_eq!(r.bytes(BUF, 4096), pattern(40, 8));
    // Boot: the disk, as 0x80, then the CD (hard disks come first by default).
    r.boot_setup();
    let order: Vec<_> = r.bios.boot.order().collect();
    assert_eq!(
        order,
        [BootEntry::Disk(DriveId(0)), BootEntry::Disk(DriveId(1))]
    );
    let call = r.int19().expect("boots");
    assert_eq!(call.regs.dl(), 0x80);
}

// --- Faults -----------------------------------------------------------------------------

#[test]
fn a_backend_error_is_ah_10_and_the_sectors_before_it_count() {
    let mut r = one_disk();
    {
        let mut s = r.m.xen.state();
        s.backs[0].faults.error_after = 1;
        s.backs[0].faults.error_status = 1;
    }
    // The first request (88 sectors) succeeds, the second fails.
    assert_eq!(r.read(0, 127, BUF), (0x10, true, 88));
    assert_eq!(r.bytes(BUF, 88 * 512), pattern(0, 88));
    r.assert_log_now("[int13] warning: read lba 0+127: error 0x10 after 88 sectors\n");
    // Bounced: only the good sectors are copied.
    r.m.xen.state().backs[0].faults.error_after = 1;
    r.m.xen.state().backs[0].faults.error_status = 1;
    let buf = BUF + 1;
    r.guard(buf, 127 * 512);
    let (regs, n) = r.ext(0x42, 0x80, 0, 127, buf);
    assert_eq!((regs.ah(), regs.cf(), n), (0x10, true, 88));
    assert_eq!(r.bytes(buf, 88 * 512), pattern(0, 88));
    assert!(
        r.bytes(buf + 88 * 512, 39 * 512)
            .iter()
            .all(|&b| b == GUARD)
    );
    r.assert_guard(buf, 127 * 512);
    // A write error is AH=CCh.
    r.m.xen.state().backs[0].faults.error_status = 1;
    let (regs, n) = r.ext(0x43, 0x80, 0, 1, BUF);
    assert_eq!((regs.ah(), regs.cf(), n), (0xcc, true, 0));
    // The disk works on.
    assert_eq!(r.read(0, 1, BUF), (0, false, 1));
}

#[test]
fn no_answer_is_a_timeout_ah_80_and_the_disk_works_on() {
    let mut r = one_disk();
    r.m.xen.state().backs[0].faults.no_response = 2;
    assert_eq!(r.read(0, 127, BUF), (0x80, true, 0));
    r.assert_log_now(
        "[blkfront] warning: timed out after 200 ms waiting for xvda at sector 0 (requests 0-1)\n",
    );
    assert_eq!(r.m.mem.read_u8(bda::at(bda::DISK_STATUS)), 0x80);
    assert_eq!(r.read(1, 2, BUF), (0, false, 2));
    assert_eq!(r.bytes(BUF, 1024), pattern(1, 2));
}

#[test]
fn late_answers_within_the_deadline_are_fine_and_after_it_never_arrive() {
    let mut r = one_disk();
    {
        let mut s = r.m.xen.state();
        s.backs[0].faults.late = 2;
        s.backs[0].faults.late_yields = 50;
    }
    assert_eq!(r.read(0, 127, BUF), (0, false, 127));
    assert_eq!(r.bytes(BUF, 127 * 512), pattern(0, 127));
    // Late beyond the deadline: a timeout, and the VBD is reconnected, which makes the
    // backend finish the request first (through a revoked grant: it fails).
    {
        let mut s = r.m.xen.state();
        s.backs[0].faults.late = 1;
        s.backs[0].faults.late_yields = 1_000_000;
    }
    assert_eq!(r.read(3, 1, BUF), (0x80, true, 0));
    {
        let mut s = r.m.xen.state();
        s.yields += 2_000_000;
        s.backs[0].faults.late = 1;
        s.backs[0].faults.late_yields = 0;
    }
    xenbios_sim::take_log();
    // The next call gets its own answer, and no other.
    assert_eq!(r.read(4, 1, BUF), (0, false, 1));
    assert_eq!(r.bytes(BUF, 512), pattern(4, 1));
    r.assert_nothing_outlives_the_call();
}

#[test]
fn a_response_with_an_unknown_id_disables_the_disk_with_ah_20() {
    let mut r = one_disk();
    r.m.xen.state().backs[0].faults.bogus_id = 1;
    assert_eq!(r.read(0, 8, BUF), (0x20, true, 0));
    r.assert_log_now("[blkfront] ERROR: xvda: impossible response (id or rsp_prod 0x8000000000000000): disk disabled\n");
    let seen = r.m.xen.state().backs[0].seen.len();
    assert_eq!(r.read(0, 8, BUF), (0x20, true, 0));
    r.assert_log_now("[int13] warning: read lba 0+8: error 0x20 after 0 sectors\n");
    assert_eq!(
        r.m.xen.state().backs[0].seen.len(),
        seen,
        "the ring is not used again"
    );
    // int13/10 and /00 say so too.
    let regs = r.call(Regs {
        eax: 0x1000,
        edx: 0x80,
        ..Default::default()
    });
    assert_eq!((regs.ah(), regs.cf()), (0xaa, true));
}

#[test]
fn a_producer_index_that_jumps_disables_the_disk() {
    let mut r = one_disk();
    r.m.xen.state().backs[0].faults.rsp_prod_jump = true;
    assert_eq!(r.read(0, 8, BUF), (0x20, true, 0));
    r.assert_log_now(
        "[blkfront] ERROR: xvda: impossible response (id or rsp_prod 0x3e9): disk disabled\n",
    );
}

#[test]
fn a_stalled_or_vanished_backend_is_a_timeout() {
    let mut r = one_disk();
    r.m.xen.state().backs[0].faults.stalled = true;
    assert_eq!(r.read(0, 8, BUF), (0x80, true, 0));
    r.m.xen.state().backs[0].faults.stalled = false;
    r.m.xen.state().blk_disappear(0, true);
    assert_eq!(r.read(0, 8, BUF + 0x200), (0x80, true, 0));
}

impl Rig {
    /// The log since the last look contains `line`.
    fn assert_log_now(&mut self, line: &str) {
        let now = xenbios_sim::take_log();
        assert!(now.contains(line), "missing {line:?} in\n{now}");
        self.log.push_str(&now);
    }
}

// --- Drives, twins and boot order -------------------------------------------------------

/// An IDE disk at (channel, slave) holding the same pattern as `pattern_disk`.
fn ide(channel: u8, slave: bool, sectors: u64) -> FakeDisk {
    FakeDisk::new(sectors).with_interface(Interface::Ata {
        pci: Some(PciAddr {
            bus: 0,
            dev: 1,
            func: 1,
        }),
        channel,
        slave,
        atapi: false,
        io_base: 0x1f0,
    })
}

#[test]
fn the_ide_twin_of_a_connected_pv_disk_is_hidden_and_others_stay() {
    let twin = ide(0, false, 16384);
    let other = ide(0, true, 8192);
    let r = post_with(
        |s| {
            s.add_vbd(XVDA, pattern_disk(8 * MIB));
            // xvdb is not the IDE slave: another size.
            s.add_vbd(XVDB, vec![0; 8 * MIB as usize]);
        },
        &SHORT,
        |b| {
            twin.register(&mut b.drives);
            other.register(&mut b.drives);
        },
    );
    r.assert_log("[blkfront] Xen PV disk xvda, 8 MiB: connected, 16384 sectors of 512 bytes, flush, its IDE twin hidden\n");
    r.assert_log(
        "[blkfront] Xen PV disk xvdb, 8 MiB: connected, 16384 sectors of 512 bytes, flush\n",
    );
    assert!(r.bios.drives.get(DriveId(0)).unwrap().hidden);
    assert!(!r.bios.drives.get(DriveId(1)).unwrap().hidden);
    // One drive per disk for the user: the IDE slave, xvda, xvdb.
    assert_eq!(r.bios.drives.disk_count(), 3);
}

#[test]
fn pv_disks_boot_first_in_vdev_order() {
    let mut r = post_with(
        |s| {
            for vdev in [XVDB, XVDA] {
                let mut d = pattern_disk(MIB);
                d[510] = 0x55;
                d[511] = 0xaa;
                s.add_vbd(vdev, d);
            }
        },
        &SHORT,
        |b| {
            ide(1, false, 100).register(&mut b.drives);
        },
    );
    xenbios_sim::take_log();
    r.boot_setup();
    let log = xenbios_sim::take_log();
    assert!(
        log.contains("[boot] 1: Xen PV disk xvda, 1 MiB\n[boot] 2: Xen PV disk xvdb, 1 MiB\n[boot] 3: fake disk, 50 KiB\n"),
        "{log}"
    );
    let call = r.int19().expect("boots");
    assert_eq!(call.regs.dl(), 0x80);
    assert_eq!(r.bios.drives.bios_number(DriveId(1)), Some(0x80));
    assert_eq!(r.bytes(0x7c00, 512)[..8], 0u64.to_le_bytes());
}

#[test]
fn int13_parameters_of_a_pv_disk() {
    let mut r = one_disk();
    // 41h: EDD 3.0, disk access and EDD subsets.
    let regs = r.call(Regs {
        eax: 0x4100,
        ebx: 0x55aa,
        edx: 0x80,
        ..Default::default()
    });
    assert_eq!(
        (regs.ah(), regs.cf(), regs.bx(), regs.cx()),
        (0x30, false, 0xaa55, 0x5)
    );
    // 08h: a geometry derived from the size (the backend has none): 16 heads, 63 sectors.
    let regs = r.call(Regs {
        eax: 0x0800,
        edx: 0x80,
        ..Default::default()
    });
    assert_eq!((regs.ah(), regs.cf()), (0, false));
    assert_eq!((regs.dh(), regs.cl() & 0x3f, regs.dl()), (15, 63, 1));
    // 48h: the T13 EDD 3.0 table; the device path is the platform device's, SCSI target 0.
    r.m.mem.write_u16(PKT, 0x4a);
    let regs = r.call(Regs {
        eax: 0x4800,
        edx: 0x80,
        esi: PKT,
        ..Default::default()
    });
    assert_eq!((regs.ah(), regs.cf()), (0, false));
    assert_eq!(r.m.mem.read_u16(PKT), 0x4a);
    assert_eq!(r.m.mem.read_u64(PKT + 0x10), 16384);
    assert_eq!(r.m.mem.read_u16(PKT + 0x18), 512);
    let mut path = [0u8; 12];
    r.m.mem.read(PKT + 0x24, &mut path);
    assert_eq!(&path, b"PCI SCSI    ");
    assert_eq!(r.m.mem.read_u16(PKT + 0x38), 0);
}

#[test]
fn vbd_names() {
    let name = |v| VbdName(v).to_string();
    assert_eq!(name(51712), "xvda");
    assert_eq!(name(51713), "xvda1");
    assert_eq!(name(51712 + 16 * 15), "xvdp");
    assert_eq!(name((1 << 28) | (25 << 8)), "xvdz");
    assert_eq!(name((1 << 28) | (26 << 8)), "xvdaa");
    assert_eq!(name((1 << 28) | (701 << 8)), "xvdzz");
    assert_eq!(name((1 << 28) | (702 << 8) | 3), "vbd 268615171");
    assert_eq!(name((1 << 28) | (27 << 8) | 3), "xvdab3");
    assert_eq!(name(768), "hda");
    assert_eq!(name(5632 + 64), "hdd");
    assert_eq!(name(2048 + 16), "sdb");
    assert_eq!(name(7 << 8), "vbd 1792");
    assert_eq!(blkfront::twin_position(XVDA), Some((0, false)));
    assert_eq!(blkfront::twin_position(XVDB), Some((0, true)));
    assert_eq!(blkfront::twin_position(XVDC), Some((1, false)));
    assert_eq!(blkfront::twin_position(51760), Some((1, true)));
    assert_eq!(blkfront::twin_position(51776), None);
    assert_eq!(blkfront::twin_position(51713), None);
    assert_eq!(blkfront::twin_position(832), Some((0, true)));
}

// --- Faults: what outlives a timeout, and backends that misbehave ------------------------

/// A second buffer, for the call after a fault.
const BUF2: u32 = 0x3_0000;

impl Rig {
    /// AH=43h of one sector of `fill` bytes at `lba` from `buf`.
    fn write_fill(&mut self, lba: u64, fill: u8, buf: u32) -> (u8, bool, u16) {
        self.m.mem.fill(buf, 512, fill);
        let (r, n) = self.ext(0x43, 0x80, lba, 1, buf);
        (r.ah(), r.cf(), n)
    }

    /// The disk's bytes of 512-byte sector `lba`.
    fn sector(&self, lba: u64) -> Vec<u8> {
        self.m.xen.state().backs[0].bytes(lba * 512, (lba + 1) * 512)
    }

    /// Let requests held back by the backend complete at the guest's next yield.
    fn late_ones_due_now(&mut self) {
        self.m.xen.state().yields += 2_000_000;
    }

    /// What must hold whenever int13 has returned, and at the hand-off: no grant entry lets
    /// a backend reach RAM the guest owns, so no request still in flight can touch it.
    fn assert_nothing_outlives_the_call(&self) {
        let xen = self.bios.xen.unwrap();
        let base = xen.grants.lock().base();
        let entry = size_of::<GrantEntryV1>() as u32;
        for r in GNTTAB_NR_RESERVED_ENTRIES..GRANT_ENTRIES_V1_PER_FRAME as u32 {
            let at = base + r * entry;
            let flags = self
                .m
                .mem
                .read_u16(at + offset_of!(GrantEntryV1, flags) as u32);
            let frame = self
                .m
                .mem
                .read_u32(at + offset_of!(GrantEntryV1, frame) as u32);
            let start = u64::from(frame) << 12;
            assert!(
                flags & GTF_PERMIT_ACCESS == 0 || !self.bios.e820.is_ram(start, start + 1),
                "grant {r} still lets the backend reach RAM frame {frame:#x}"
            );
        }
        // A request still in flight (QEMU performs a late one whenever it completes)
        // holds no mapping: its grants were revoked, which the loop above checked.
        let s = self.m.xen.state();
        for b in s.backs.iter().filter(|b| b.in_flight() != 0) {
            assert!(b.connected(), "{} has requests of ours but no ring", b.be);
        }
    }
}

/// The next `n` requests are answered only after the guest yielded `yields` times.
fn late_after(r: &mut Rig, n: u32, yields: u64) {
    let mut s = r.m.xen.state();
    s.backs[0].faults.late = n;
    s.backs[0].faults.late_yields = yields;
}

/// The next `n` requests are answered long after the firmware's deadline.
fn late_by(r: &mut Rig, n: u32) {
    late_after(r, n, 1_000_000);
}

#[test]
fn a_write_that_timed_out_never_lands_another_calls_buffer_on_its_sectors() {
    // QEMU copies a write's data when it performs it: a write abandoned after the timeout
    // still reads through its grant reference when it finally runs.
    let mut r = one_disk();
    late_by(&mut r, 1);
    assert_eq!(r.write_fill(5, 0xaa, BUF), (0x80, true, 0));
    r.assert_log_now("timed out after 200 ms waiting for xvda at sector 5");
    // The next call's read is slow too; meanwhile the old write runs.
    r.late_ones_due_now();
    late_after(&mut r, 1, 1);
    r.m.mem.fill(BUF2, 512, 0x55);
    let (ah, cf, n) = r.read(0, 1, BUF2);
    // Sector 5 holds its old data or the write's, never the read buffer's.
    let s5 = r.sector(5);
    assert!(
        s5 == pattern(5, 1) || s5 == vec![0xaa; 512],
        "sector 5 got another call's buffer: {:02x?}",
        &s5[..8]
    );
    assert_eq!((ah, cf, n), (0, false, 1));
    assert_eq!(r.bytes(BUF2, 512), pattern(0, 1));
    r.assert_nothing_outlives_the_call();
}

#[test]
fn a_read_that_timed_out_never_writes_into_a_later_callers_buffer() {
    let mut r = one_disk();
    late_by(&mut r, 1);
    assert_eq!(r.read(7, 1, BUF), (0x80, true, 0));
    r.late_ones_due_now();
    late_after(&mut r, 1, 1);
    assert_eq!(r.write_fill(9, 0x77, BUF2), (0, false, 1));
    assert_eq!(
        r.bytes(BUF2, 512),
        vec![0x77; 512],
        "the caller's data changed"
    );
    assert_eq!(r.sector(9), vec![0x77; 512]);
    r.assert_nothing_outlives_the_call();
    // Again, the later call a read that fails: its buffer must hold no sector at all.
    late_by(&mut r, 1);
    assert_eq!(r.read(7, 1, BUF), (0x80, true, 0));
    r.late_ones_due_now();
    {
        let mut s = r.m.xen.state();
        s.backs[0].faults.late = 1;
        s.backs[0].faults.late_yields = 1;
        s.backs[0].faults.error_status = 1;
    }
    r.m.mem.fill(BUF2, 512, GUARD);
    assert_eq!(r.read(20, 1, BUF2), (0x10, true, 0));
    assert_eq!(
        r.bytes(BUF2, 512),
        vec![GUARD; 512],
        "a stale read landed in the buffer"
    );
    r.assert_nothing_outlives_the_call();
}

#[test]
fn after_a_timeout_the_grants_stay_revoked_until_the_answer_and_the_disk_works_on() {
    let mut r = one_disk();
    let free = r.free_grants();
    late_by(&mut r, 1);
    assert_eq!(r.read(0, 8, BUF), (0x80, true, 0));
    r.assert_log_now(
        "[blkfront] warning: xvda: no answer: 1 grant(s) revoked, kept until the backend answers\n",
    );
    r.assert_nothing_outlives_the_call();
    assert_eq!(
        r.free_grants(),
        free - 1,
        "the abandoned request's grant stays out"
    );
    // The answer comes during the next call: it is recognised, and the grant freed.
    r.late_ones_due_now();
    late_after(&mut r, 1, 1);
    assert_eq!(r.read(3, 8, BUF), (0, false, 8));
    assert_eq!(r.bytes(BUF, 8 * 512), pattern(3, 8));
    assert_eq!(r.free_grants(), free);
    r.assert_nothing_outlives_the_call();
}

#[test]
fn grants_a_linux_style_backend_holds_for_a_late_request_are_released_once_it_drains() {
    // Linux blkback maps a request's grants when it takes it and unmaps them when done:
    // after the timeout they cannot be revoked until the backend is made to drain.
    let mut r = post(|s| {
        s.add_vbd_with(
            XVDA,
            pattern_disk(8 * MIB),
            VbdConfig {
                linux_blkback: true,
                ..Default::default()
            },
        );
    });
    let free = r.free_grants();
    late_by(&mut r, 1);
    assert_eq!(r.read(0, 8, BUF + 1), (0x80, true, 0));
    r.assert_log_now("[blkfront] warning: xvda: backend keeps 1 page(s) mapped: reconnecting\n");
    r.assert_log("[blkfront] xvda: reconnected\n");
    r.assert_nothing_outlives_the_call();
    assert_eq!(
        r.m.xen.state().backs[0].in_flight(),
        0,
        "it finished before closing"
    );
    assert_eq!(r.free_grants(), free);
    // The bounce pages are safe again: the backend let go of them.
    assert_eq!(r.read(0, 8, BUF + 1), (0, false, 8));
    assert_eq!(r.bytes(BUF + 1, 8 * 512), pattern(0, 8));
}

#[test]
fn a_backend_that_left_connected_fails_fast() {
    let mut r = one_disk();
    r.m.xen.state().blk_disappear(0, false);
    assert_eq!(r.read(0, 8, BUF), (0x80, true, 0));
    r.assert_log_now("[blkfront] ERROR: xvda: backend is Closed: disk disabled\n");
    let yields = r.m.xen.state().yields;
    for _ in 0..3 {
        assert_eq!(r.read(0, 8, BUF), (0xaa, true, 0));
    }
    assert_eq!(
        r.m.xen.state().yields,
        yields,
        "a disabled disk does not wait"
    );
    r.assert_nothing_outlives_the_call();
}

#[test]
fn a_backend_that_stays_silent_disables_the_disk_at_the_second_call() {
    let mut r = one_disk();
    r.m.xen.state().backs[0].faults.stalled = true;
    assert_eq!(r.read(0, 8, BUF), (0x80, true, 0));
    r.assert_log_now(
        "[blkfront] warning: xvda: no answer: 1 grant(s) revoked, kept until the backend answers\n",
    );
    assert_eq!(r.read(0, 8, BUF), (0x80, true, 0));
    r.assert_log_now("[blkfront] ERROR: xvda: no answer to 2 calls in a row: disk disabled\n");
    let yields = r.m.xen.state().yields;
    assert_eq!(r.read(0, 8, BUF), (0xaa, true, 0));
    assert_eq!(r.m.xen.state().yields, yields);
    r.assert_nothing_outlives_the_call();
}

#[test]
fn duplicate_wrong_and_overrunning_responses_disable_the_disk_and_release_everything() {
    type Fault = fn(&mut xenbios_sim::xen::BlkFaults);
    let faults: [(&str, Fault); 3] = [
        ("duplicate", |f| f.duplicate = 1),
        ("wrong operation", |f| f.wrong_op = 1),
        ("rsp_prod one past", |f| f.rsp_prod_one_past = true),
    ];
    for (what, set) in faults {
        let mut r = one_disk();
        let free = r.free_grants();
        set(&mut r.m.xen.state().backs[0].faults);
        assert_eq!(r.read(0, 8, BUF).0, 0x20, "{what}");
        r.assert_log_now("impossible response");
        r.assert_nothing_outlives_the_call();
        // The ring's grant comes back with the disconnected disk; the batch's stays out.
        assert_eq!(r.free_grants(), free + 1 - 1, "{what}");
        assert_eq!(r.read(0, 8, BUF).0, 0x20, "{what}");
    }
}

#[test]
fn grants_a_backend_keeps_after_answering_are_taken_back_by_a_reconnection() {
    let mut r = one_disk();
    r.m.xen.state().backs[0].faults.hold_grants = true;
    let free = r.free_grants();
    assert_eq!(r.read(0, 16, BUF), (0, false, 16));
    assert_eq!(r.bytes(BUF, 16 * 512), pattern(0, 16));
    r.assert_log_now("[blkfront] warning: xvda: backend keeps 2 page(s) mapped: reconnecting\n");
    r.assert_nothing_outlives_the_call();
    assert_eq!(r.free_grants(), free);
    r.m.xen.state().backs[0].faults.hold_grants = false;
    assert_eq!(r.read(0, 8, BUF + 1), (0, false, 8));
    assert_eq!(r.bytes(BUF + 1, 8 * 512), pattern(0, 8));
}

#[test]
fn a_flush_the_backend_does_not_support_turns_flushes_off_and_the_write_succeeds() {
    let mut r = one_disk();
    // It said feature-flush-cache, and answers EOPNOTSUPP (as blkback does for a device
    // without a cache to flush).
    r.m.xen.state().backs[0].cfg.flush = false;
    assert_eq!(r.write_fill(4, 0x11, BUF), (0, false, 1));
    r.assert_log_now("[blkfront] warning: xvda: flush not supported: flushes off\n");
    assert_eq!(r.write_fill(4, 0x12, BUF), (0, false, 1));
    assert_eq!(r.sector(4), vec![0x12; 512]);
    let flushes = r.m.xen.state().backs[0]
        .seen
        .iter()
        .filter(|q| q.operation == BLKIF_OP_FLUSH_DISKCACHE)
        .count();
    assert_eq!(flushes, 1, "no flush after the first refusal");
}

#[test]
fn an_edd_read_into_the_firmwares_memory_is_refused() {
    let mut r = post(|s| {
        s.add_vbd_with(
            XVDA,
            pattern_disk(8 * MIB),
            VbdConfig {
                sector_size: 4096,
                ..Default::default()
            },
        );
    });
    // 16 x 4 KiB at 9000:0000 ends at 0xA0000: past the EBDA and the firmware's stack.
    r.m.mem.fill(0x97000, 0x9000, 0x5a);
    let (regs, n) = r.ext(0x42, 0x80, 0, 16, 0x9_0000);
    assert_eq!((regs.ah(), regs.cf(), n), (0x01, true, 0));
    assert!(r.bytes(0x97000, 0x9000).iter().all(|&b| b == 0x5a));
    // The firmware's own pages above 1 MiB (ring, bounce pages) too.
    let reserved = r
        .bios
        .e820
        .regions()
        .iter()
        .find(|g| g.kind == Kind::Reserved && g.start >= MIB)
        .map(|g| g.start as u32)
        .unwrap();
    let (regs, _) = r.ext(0x42, 0x80, 0, 1, reserved);
    assert_eq!((regs.ah(), regs.cf()), (0x01, true));
    r.assert_log_now("is not guest RAM");
}

#[test]
fn a_size_that_overflows_is_refused() {
    let r = post(|s| {
        s.add_vbd(XVDA, pattern_disk(MIB));
        // 2^55 sectors of 512 bytes: 2^64 bytes.
        s.store
            .write(&format!("{BE}/{XVDA}/sectors"), b"36028797018963968");
    });
    r.assert_log("[blkfront] warning: xvda: skipped: unusable size\n");
    assert_eq!(r.bios.drives.disk_count(), 0);
}

#[test]
fn a_failed_handshake_closes_its_event_channel_and_logs_its_own_reason() {
    let r = post(|s| {
        // A Linux-style backend: no sector-size before Connected (a read that fails, and
        // is no reason to stop), then a transaction that cannot commit.
        s.add_vbd_with(
            XVDA,
            pattern_disk(MIB),
            VbdConfig {
                linux_blkback: true,
                ..Default::default()
            },
        );
        s.store.rules.push(XsRule {
            op: Some(XS_TRANSACTION_END),
            path: None,
            fault: XsFault::Error("EACCES".into()),
            times: 100,
        });
    });
    r.assert_log("[blkfront] warning: xvda: skipped: transaction (EACCES)\n");
    let s = r.m.xen.state();
    let store_port = s.cfg.store_port;
    let left: Vec<_> = s.ports.keys().filter(|&&p| p != store_port).collect();
    assert!(left.is_empty(), "ports left open: {left:?}");
}

#[test]
fn at_the_hand_off_no_grant_reaches_guest_ram_and_nothing_is_in_flight() {
    // docs/handoff.md: what holds when int19 jumps to the boot sector (and so when the OS's
    // frontend first resets the VBD), whatever the backend did before.
    let mut r = post(|s| {
        let mut d = pattern_disk(8 * MIB);
        d[510] = 0x55;
        d[511] = 0xaa;
        s.add_vbd(XVDA, d);
    });
    // A loader's reads meet late answers, then a backend that keeps pages.
    late_by(&mut r, 2);
    assert_eq!(r.read(0, 127, BUF).0, 0x80);
    r.late_ones_due_now();
    {
        let mut s = r.m.xen.state();
        s.backs[0].faults.late = 1;
        s.backs[0].faults.late_yields = 1;
        s.backs[0].faults.hold_grants = true;
    }
    assert_eq!(r.read(0, 8, BUF + 1), (0, false, 8));
    r.m.xen.state().backs[0].faults.hold_grants = false;
    assert_eq!(r.write_fill(100, 0x42, BUF), (0, false, 1));
    xenbios_sim::take_log();
    r.boot_setup();
    let call = r.int19().expect("boots");
    assert_eq!(call.regs.dl(), 0x80);
    r.assert_nothing_outlives_the_call();
    // The ring is still up for the loader, and its grant is the only one out.
    assert!(r.m.xen.state().backs[0].connected());
    assert_eq!(r.free_grants(), 512 - GNTTAB_NR_RESERVED_ENTRIES - 1);
}

#[test]
fn a_backend_that_keeps_pages_even_after_closing_disables_the_disk_and_its_bounce_pages() {
    let mut r = one_disk();
    {
        let mut s = r.m.xen.state();
        s.backs[0].faults.hold_grants = true;
        s.backs[0].faults.hold_after_close = true;
    }
    let free = r.free_grants();
    assert_eq!(r.read(0, 8, BUF + 1), (0, false, 8));
    assert_eq!(r.bytes(BUF + 1, 8 * 512), pattern(0, 8));
    r.assert_log_now(
        "[blkfront] ERROR: xvda: backend still holds 1 page(s): their grants stay out of use\n",
    );
    // That one stays allocated; the ring's was given back with the disk.
    assert_eq!(r.free_grants(), free + 1 - 1);
    assert_eq!(r.read(0, 8, BUF), (0xaa, true, 0));
}

// --- CD-ROMs ----------------------------------------------------------------------------

/// `hdc`, the VBD number libxl gives xl's `hdc,cdrom` (seen on Xen 4.17).
const HDC: u32 = 5632;

/// The drive registered for `vdev`.
fn drive_of(r: &Rig, vdev: u32) -> DriveId {
    r.bios
        .drives
        .iter()
        .find(
            |(_, d)| matches!(d.dev.info().interface, Interface::Xen { vdev: v, .. } if v == vdev),
        )
        .map(|(id, _)| id)
        .expect("registered")
}

impl Rig {
    /// The driver's read of `count` 2048-byte sectors at `lba` into `buf`.
    fn cd_read(&mut self, id: DriveId, lba: u64, count: u32, buf: u32) -> Result<(), DiskError> {
        let ctx = &mut self.m.ctx();
        let d = self.bios.drives.get_mut(id).unwrap();
        d.dev.read(ctx, lba, count, buf).map_err(|e| e.error)
    }

    fn ready(&mut self, id: DriveId) -> Result<(), DiskError> {
        let ctx = &mut self.m.ctx();
        self.bios.drives.get_mut(id).unwrap().dev.ready(ctx)
    }
}

/// `count` 2048-byte CD sectors from `lba` of a `pattern_disk`.
fn cd_pattern(lba: u64, count: u64) -> Vec<u8> {
    pattern(lba * 4, count * 4)
}

#[test]
fn a_qemu_pv_cdrom_has_2048_byte_sectors_and_reads_byte_exact() {
    let mut r = post(|s| {
        s.add_vbd_with(XVDC, pattern_disk(4 * MIB), VbdConfig::cdrom());
    });
    r.assert_log(
        "[blkfront] Xen PV CD-ROM xvdc, 4 MiB: connected, 2048 sectors of 2048 bytes, flush, read-only\n",
    );
    let id = drive_of(&r, XVDC);
    let info = r.bios.drives.get(id).unwrap().dev.info();
    assert_eq!(
        (
            info.kind,
            info.sector_size,
            info.sectors,
            info.read_only,
            info.removable
        ),
        (DriveKind::Cdrom, 2048, 2048, true, true)
    );
    assert_eq!(r.drive_name(id), "Xen PV CD-ROM xvdc, 4 MiB");
    // The last sectors, in the caller's frames and through the bounce pages.
    r.guard(BUF, 3 * 2048);
    assert_eq!(r.cd_read(id, 2045, 3, BUF), Ok(()));
    r.assert_guard(BUF, 3 * 2048);
    assert_eq!(r.bytes(BUF, 3 * 2048), cd_pattern(2045, 3));
    assert_eq!(r.cd_read(id, 7, 1, BUF + 2), Ok(()));
    assert_eq!(r.bytes(BUF + 2, 2048), cd_pattern(7, 1));
    // Each CD sector is four of the backend's 512-byte units.
    assert_eq!(r.m.xen.state().backs[0].seen[0].sector, 2045 * 4);
    // Writes.
    let ctx = &mut r.m.ctx();
    let d = r.bios.drives.get_mut(id).unwrap();
    assert_eq!(
        d.dev.write(ctx, 0, 1, BUF).map_err(|e| e.error),
        Err(DiskError::WriteProtected)
    );
    assert_eq!(d.dev.ready(ctx), Ok(()));
}

#[test]
fn an_empty_qemu_cdrom_is_no_medium_at_once_and_found_once_inserted() {
    // The handshake timeout POST would wait for a backend that never comes.
    let long = Config {
        handshake_timeout_us: 5_000_000,
        ..SHORT
    };
    let mut r = post_with(
        |s| {
            s.add_vbd(XVDA, pattern_disk(MIB));
            s.add_vbd_with(XVDC, Vec::new(), VbdConfig::empty_cdrom());
        },
        &long,
        |_| {},
    );
    assert!(
        r.m.clock.micros() < long.handshake_timeout_us,
        "POST waited for the empty CD"
    );
    r.assert_log(
        "[blkfront] Xen PV CD-ROM xvdc, no medium: registered (not connected: looked at again when used)\n",
    );
    r.assert_log("[blkfront] Xen PV disk xvda, 1 MiB: connected");
    let id = drive_of(&r, XVDC);
    let info = r.bios.drives.get(id).unwrap().dev.info();
    assert_eq!((info.kind, info.sectors), (DriveKind::Cdrom, 0));
    assert_eq!(r.drive_name(id), "Xen PV CD-ROM xvdc, no medium");
    r.guard(BUF, 2048);
    assert_eq!(r.cd_read(id, 0, 1, BUF), Err(DiskError::MediaNotPresent));
    r.assert_guard(BUF, 2048);
    assert_eq!(r.ready(id), Err(DiskError::MediaNotPresent));
    // The frontend was left alone: the OS's finds it as the toolstack made it.
    assert_eq!(
        r.node(&format!("/local/domain/1/device/vbd/{XVDC}/state"))
            .as_deref(),
        Some("1")
    );
    // The backend comes up with a medium: the next check connects.
    r.m.xen.state().blk_insert_medium(1, pattern_disk(2 * MIB));
    assert_eq!(r.ready(id), Ok(()));
    assert_eq!(r.bios.drives.get(id).unwrap().dev.info().sectors, 1024);
    assert_eq!(r.drive_name(id), "Xen PV CD-ROM xvdc, 2 MiB");
    assert_eq!(r.cd_read(id, 1023, 1, BUF), Ok(()));
    assert_eq!(r.bytes(BUF, 2048), cd_pattern(1023, 1));
}

#[test]
fn a_connected_cdrom_rereads_its_size_when_checked() {
    let mut r = post(|s| {
        s.add_vbd_with(HDC, pattern_disk(4 * MIB), VbdConfig::cdrom());
    });
    let id = drive_of(&r, HDC);
    assert_eq!(r.drive_name(id), "Xen PV CD-ROM hdc, 4 MiB");
    // Another image behind the backend (QEMU's resize callback rewrites `sectors`).
    r.m.xen.state().blk_insert_medium(0, pattern_disk(MIB));
    assert_eq!(r.ready(id), Ok(()));
    assert_eq!(r.bios.drives.get(id).unwrap().dev.info().sectors, 512);
    assert_eq!(r.cd_read(id, 511, 1, BUF), Ok(()));
    assert_eq!(r.bytes(BUF, 2048), cd_pattern(511, 1));
    // A backend that left Connected has no medium for the firmware.
    r.m.xen.state().blk_disappear(0, false);
    assert_eq!(r.ready(id), Err(DiskError::MediaNotPresent));
    assert_eq!(r.cd_read(id, 0, 1, BUF), Err(DiskError::MediaNotPresent));
}

#[test]
fn an_empty_blkback_cdrom_is_no_medium_and_checks_cost_no_wait() {
    let mut r = post(|s| {
        s.add_vbd_with(
            XVDC,
            Vec::new(),
            VbdConfig {
                linux_blkback: true,
                ..VbdConfig::empty_cdrom()
            },
        );
    });
    r.assert_log("[blkfront] warning: xvdc: no medium: backend did not connect\n");
    r.assert_log("[blkfront] Xen PV CD-ROM xvdc, no medium: registered");
    let id = drive_of(&r, XVDC);
    let before = r.m.clock.micros();
    assert_eq!(r.ready(id), Err(DiskError::MediaNotPresent));
    assert!(r.m.clock.micros() - before < SHORT.handshake_timeout_us);
    assert_eq!(r.cd_read(id, 0, 1, BUF), Err(DiskError::MediaNotPresent));
}

/// An ATAPI CD drive at (channel, slave) with `sectors` of 2048 bytes.
fn ide_cd(channel: u8, slave: bool, sectors: u64) -> FakeDisk {
    FakeDisk::with_sector_size(sectors, 2048)
        .cdrom()
        .with_interface(Interface::Ata {
            pci: Some(PciAddr {
                bus: 0,
                dev: 1,
                func: 1,
            }),
            channel,
            slave,
            atapi: true,
            io_base: 0x170,
        })
}

#[test]
fn the_ide_twin_of_a_pv_cdrom_with_a_medium_is_hidden() {
    // xl's `hdc,cdrom`: QEMU's IDE CD at the secondary master, and a PV hdc.
    let twin = ide_cd(1, false, 2048);
    let r = post_with(
        |s| {
            s.add_vbd_with(HDC, pattern_disk(4 * MIB), VbdConfig::cdrom());
        },
        &SHORT,
        |b| {
            twin.register(&mut b.drives);
        },
    );
    r.assert_log("[blkfront] Xen PV CD-ROM hdc, 4 MiB: connected, 2048 sectors of 2048 bytes, flush, read-only, its IDE twin hidden\n");
    assert!(r.bios.drives.get(DriveId(0)).unwrap().hidden);
    assert!(!r.bios.drives.get(drive_of(&r, HDC)).unwrap().hidden);
}

#[test]
fn an_empty_pv_cdrom_leaves_its_ide_twin_and_a_disk_is_no_cds_twin() {
    // The IDE CD may have a medium the PV path cannot get (QEMU's xen-cdrom cannot change
    // media), even when its driver has seen none yet (0 sectors, like the PV CD's); an IDE
    // disk at the CD's place is no twin of it.
    let cd = ide_cd(1, false, 0);
    let disk = ide(0, false, 8192);
    let r = post_with(
        |s| {
            s.add_vbd_with(HDC, Vec::new(), VbdConfig::empty_cdrom());
            s.add_vbd_with(XVDA, pattern_disk(16 * MIB), VbdConfig::cdrom());
        },
        &SHORT,
        |b| {
            cd.register(&mut b.drives);
            disk.register(&mut b.drives);
        },
    );
    r.assert_log("[blkfront] Xen PV CD-ROM hdc, no medium: registered");
    r.assert_log("[blkfront] Xen PV CD-ROM xvda, 16 MiB: connected, 8192 sectors of 2048 bytes, flush, read-only\n");
    assert!(!r.bios.drives.get(DriveId(0)).unwrap().hidden);
    assert!(!r.bios.drives.get(DriveId(1)).unwrap().hidden);
}
