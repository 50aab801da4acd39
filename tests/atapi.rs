//! ATAPI CD drives against a simulated packet device: what probe registers, what reads put
//! in memory, and what a user (a loader calling int13 through the block layer) sees when
//! there is no medium, the medium changes, or the device stops answering.

use std::cell::RefCell;
use std::rc::Rc;
use xenbios::block::{BlockDevice, DiskError, DriveKind, DriveName, Drives, Interface, IoError};
use xenbios::hal::clock::Clock;
use xenbios::hal::mem::Memory;
use xenbios::hw::ata;
use xenbios::hw::pci::PciDevices;
use xenbios_sim::ata::{Faults, PRIMARY, SECONDARY};
use xenbios_sim::atapi::{READ_10, REQUEST_SENSE, TEST_UNIT_READY};
use xenbios_sim::{Machine, SimAtaChannel, SimAtaDevice, SimCdrom};

/// Where reads land in memory.
const BUF: u32 = 0x30000;
const CD: usize = 2048;
/// 4 MiB of 2048-byte sectors.
const SECTORS: u64 = 2048;

type Channel = Rc<RefCell<SimAtaChannel>>;

struct Rig {
    m: Machine,
    drives: Drives,
    log: String,
    ch: Channel,
}

fn image(sectors: u64) -> Vec<u8> {
    SimCdrom::image(sectors)
}

fn cdrom(medium: Option<Vec<u8>>) -> SimAtaDevice {
    SimAtaDevice::cdrom("QEMU DVD-ROM", medium)
}

impl Rig {
    /// QEMU's default layout: a CD as secondary master.
    fn new(dev: SimAtaDevice) -> Rig {
        Rig::with(dev, |_| {})
    }

    /// Like `new`, with the device changed after the channel exists, before probe.
    fn with(dev: SimAtaDevice, before: impl FnOnce(&mut SimAtaDevice)) -> Rig {
        xenbios_sim::capture_log();
        let mut m = Machine::default();
        let ch = SimAtaChannel::new(SECONDARY, Some(dev), None).attach(&mut m.ports);
        before(ch.borrow_mut().device(false));
        let mut drives = Drives::new();
        ata::probe(&mut m.ctx(), &PciDevices::new(), &mut drives);
        Rig {
            m,
            drives,
            log: xenbios_sim::take_log(),
            ch,
        }
    }

    fn cd(&mut self) -> &mut dyn BlockDevice {
        let (id, _) = self
            .drives
            .iter()
            .find(|(_, d)| d.dev.info().kind == DriveKind::Cdrom)
            .expect("no CD drive registered");
        &mut *self.drives.get_mut(id).unwrap().dev
    }

    fn name(&mut self) -> String {
        DriveName(&*self.cd()).to_string()
    }

    fn sectors(&mut self) -> u64 {
        self.cd().info().sectors
    }

    fn read(&mut self, lba: u64, count: u32) -> Result<(), IoError> {
        let mut ctx = self.m.ctx();
        let (id, _) = self
            .drives
            .iter()
            .find(|(_, d)| d.dev.info().kind == DriveKind::Cdrom)
            .unwrap();
        let d = self.drives.get_mut(id).unwrap();
        d.dev.read(&mut ctx, lba, count, BUF)
    }

    fn ready(&mut self) -> Result<(), DiskError> {
        let mut ctx = self.m.ctx();
        let (id, _) = self
            .drives
            .iter()
            .find(|(_, d)| d.dev.info().kind == DriveKind::Cdrom)
            .unwrap();
        self.drives.get_mut(id).unwrap().dev.ready(&mut ctx)
    }

    fn device<T>(&self, f: impl FnOnce(&mut SimAtaDevice) -> T) -> T {
        f(self.ch.borrow_mut().device(false))
    }

    /// Operation codes of the packets the device received since the last call.
    fn packets(&self) -> Vec<u8> {
        self.device(|d| d.cd.packets.drain(..).map(|p| p[0]).collect())
    }

    fn now_ms(&self) -> u64 {
        self.m.clock.micros() / 1000
    }
}

fn sectors_of(img: &[u8], lba: u64, count: u64) -> Vec<u8> {
    img[lba as usize * CD..(lba + count) as usize * CD].to_vec()
}

// ---- probe -----------------------------------------------------------------------------

#[test]
fn probe_registers_a_cd_with_its_capacity() {
    let mut rig = Rig::new(cdrom(Some(image(SECTORS))));
    assert_eq!(rig.name(), "ata1 master: QEMU DVD-ROM (CD-ROM, 4 MiB)");
    assert!(
        rig.log
            .contains("[ata] ata1 master: QEMU DVD-ROM (CD-ROM, 4 MiB): 2048 sectors\n"),
        "{}",
        rig.log
    );
    assert!(!rig.log.contains("warning"), "{}", rig.log);
    let info = *rig.cd().info();
    assert_eq!(info.kind, DriveKind::Cdrom);
    assert_eq!(info.sectors, SECTORS);
    assert_eq!(info.sector_size, 2048);
    assert!(info.read_only && info.removable);
    assert_eq!(
        info.interface,
        Interface::Ata {
            pci: None,
            channel: 1,
            slave: false,
            atapi: true,
            io_base: 0x170
        }
    );
    // A CD gets no hard disk number.
    assert_eq!(rig.drives.disk_count(), 0);
    assert_eq!(rig.drives.id_by_number(0x80), None);
}

#[test]
fn probe_registers_an_empty_drive_as_no_medium() {
    let mut rig = Rig::new(cdrom(None));
    assert_eq!(rig.sectors(), 0);
    assert_eq!(rig.name(), "ata1 master: QEMU DVD-ROM (CD-ROM, no medium)");
    assert!(
        rig.log
            .contains("[ata] ata1 master: QEMU DVD-ROM (CD-ROM, no medium)"),
        "{}",
        rig.log
    );
    assert!(!rig.log.contains("warning"), "{}", rig.log);
}

#[test]
fn probe_waits_for_a_drive_becoming_ready_and_ignores_a_pending_change() {
    let mut rig = Rig::with(cdrom(Some(image(100))), |d| {
        d.cd.unit_attention = true;
        d.cd.becoming_ready = 5;
    });
    assert_eq!(rig.sectors(), 100);
    assert_eq!(rig.name(), "ata1 master: QEMU DVD-ROM (CD-ROM, 200 KiB)");
    // The change before POST is no change for anyone after it.
    assert_eq!(rig.ready(), Ok(()));
}

#[test]
fn a_cd_and_a_disk_share_a_channel() {
    xenbios_sim::capture_log();
    let mut m = Machine::default();
    SimAtaChannel::new(
        PRIMARY,
        Some(SimAtaDevice::disk("QEMU HARDDISK", 4096)),
        None,
    )
    .attach(&mut m.ports);
    SimAtaChannel::new(
        SECONDARY,
        Some(SimAtaDevice::disk("MASTER DISK", 2048)),
        Some(cdrom(Some(image(16)))),
    )
    .attach(&mut m.ports);
    let mut drives = Drives::new();
    ata::probe(&mut m.ctx(), &PciDevices::new(), &mut drives);
    let log = xenbios_sim::take_log();
    assert_eq!(drives.disk_count(), 2, "{log}");
    let names: Vec<String> = drives
        .iter()
        .map(|(_, d)| DriveName(&*d.dev).to_string())
        .collect();
    assert_eq!(
        names,
        [
            "ata0 master: QEMU HARDDISK, 2 MiB",
            "ata1 master: MASTER DISK, 1 MiB",
            "ata1 slave: QEMU DVD-ROM (CD-ROM, 32 KiB)"
        ]
    );
}

#[test]
fn a_device_that_never_raises_drq_is_skipped_in_bounded_time() {
    let rig = Rig::with(cdrom(Some(image(16))), |d| d.faults.no_drq = true);
    assert!(rig.drives.iter().next().is_none());
    assert!(
        rig.log.contains(
            "[ata] warning: ata1 master: ATAPI QEMU DVD-ROM: INQUIRY: timeout: no data request, not registered"
        ),
        "{}",
        rig.log
    );
    assert!(rig.now_ms() < 20_000, "probe took {} ms", rig.now_ms());
}

// ---- reads -----------------------------------------------------------------------------

#[test]
fn read_puts_the_sectors_in_memory_byte_exact() {
    let img = image(SECTORS);
    let mut rig = Rig::new(cdrom(Some(img.clone())));
    rig.packets();
    rig.m.mem.fill(BUF + 3 * CD as u32, 64, 0xcc);
    rig.read(1000, 3).unwrap();
    assert_eq!(rig.m.mem.slice(BUF, 3 * CD), sectors_of(&img, 1000, 3));
    // Nothing past the buffer.
    assert_eq!(rig.m.mem.slice(BUF + 3 * CD as u32, 64), [0xcc; 64]);
    let cdb = rig.device(|d| d.cd.packets.clone());
    assert_eq!(cdb.len(), 1);
    assert_eq!(cdb[0][0], READ_10);
    assert_eq!(&cdb[0][2..6], &1000u32.to_be_bytes());
    assert_eq!(&cdb[0][7..9], &3u16.to_be_bytes());
}

#[test]
fn a_64_kib_read_crosses_the_byte_count_limit() {
    let img = image(SECTORS);
    let mut rig = Rig::new(cdrom(Some(img.clone())));
    rig.device(|d| d.cd.blocks.clear());
    rig.read(SECTORS - 32, 32).unwrap();
    assert_eq!(
        rig.m.mem.slice(BUF, 32 * CD),
        sectors_of(&img, SECTORS - 32, 32)
    );
    // 64 KiB does not fit under the limit: more than one data block.
    let blocks = rig.device(|d| d.cd.blocks.clone());
    assert!(blocks.len() >= 2, "{blocks:?}");
    assert_eq!(blocks.iter().map(|&b| b as usize).sum::<usize>(), 32 * CD);
}

#[test]
fn blocks_that_split_sectors_are_put_together() {
    // A device whose data blocks are 3000 bytes: sectors straddle blocks.
    let img = image(64);
    let mut rig = Rig::with(cdrom(Some(img.clone())), |d| d.cd.max_block = 3000);
    rig.device(|d| d.cd.blocks.clear());
    rig.read(7, 20).unwrap();
    assert_eq!(rig.m.mem.slice(BUF, 20 * CD), sectors_of(&img, 7, 20));
    let blocks = rig.device(|d| d.cd.blocks.clone());
    assert_eq!(blocks[0], 3000);
    assert_eq!(blocks.len(), (20 * CD).div_ceil(3000));
}

#[test]
fn a_slow_device_is_waited_for() {
    let img = image(64);
    let mut rig = Rig::with(cdrom(Some(img.clone())), |d| d.busy_reads = 300);
    assert_eq!(rig.sectors(), 64);
    rig.read(60, 4).unwrap();
    assert_eq!(rig.m.mem.slice(BUF, 4 * CD), sectors_of(&img, 60, 4));
}

#[test]
fn a_medium_error_reports_the_sectors_read_before_it() {
    let img = image(64);
    let mut rig = Rig::with(cdrom(Some(img.clone())), |d| {
        d.cd.medium_error_at = Some(13)
    });
    rig.m.mem.fill(BUF, 8 * CD as u32, 0xcc);
    let e = rig.read(10, 8).unwrap_err();
    assert_eq!(e, IoError::new(DiskError::ReadError, 3));
    assert_eq!(rig.m.mem.slice(BUF, 3 * CD), sectors_of(&img, 10, 3));
    let log = xenbios_sim::take_log();
    assert!(
        log.contains("[ata] warning: ata1 master: read lba 10: sense 03/11/00"),
        "{log}"
    );
}

#[test]
fn writes_are_refused_without_touching_the_device() {
    let mut rig = Rig::new(cdrom(Some(image(16))));
    rig.packets();
    let mut ctx = rig.m.ctx();
    let (id, _) = rig.drives.iter().next().unwrap();
    let e = rig
        .drives
        .get_mut(id)
        .unwrap()
        .dev
        .write(&mut ctx, 0, 1, BUF);
    assert_eq!(e, Err(IoError::new(DiskError::WriteProtected, 0)));
    assert!(rig.packets().is_empty());
}

// ---- medium ----------------------------------------------------------------------------

#[test]
fn no_medium_is_31h_for_ready_and_read() {
    let mut rig = Rig::new(cdrom(None));
    assert_eq!(rig.ready(), Err(DiskError::MediaNotPresent));
    assert_eq!(rig.sectors(), 0);
    let e = rig.read(0, 1).unwrap_err();
    assert_eq!(e, IoError::new(DiskError::MediaNotPresent, 0));
    // The sense was asked for each time.
    let ops = rig.packets();
    assert!(ops.contains(&TEST_UNIT_READY) && ops.contains(&REQUEST_SENSE));
}

#[test]
fn a_medium_inserted_after_post_is_found_once_it_spins_up() {
    let mut rig = Rig::new(cdrom(None));
    assert_eq!(rig.name(), "ata1 master: QEMU DVD-ROM (CD-ROM, no medium)");
    let img = image(SECTORS);
    rig.device(|d| {
        d.cd.change_medium(Some(img.clone()));
        d.cd.becoming_ready = 4;
    });
    // The change is reported once, with the new capacity already known ...
    assert_eq!(rig.ready(), Err(DiskError::MediaChanged));
    assert_eq!(rig.sectors(), SECTORS);
    assert_eq!(rig.name(), "ata1 master: QEMU DVD-ROM (CD-ROM, 4 MiB)");
    // ... and then the drive is ready and reads the new medium.
    assert_eq!(rig.ready(), Ok(()));
    rig.read(17, 2).unwrap();
    assert_eq!(rig.m.mem.slice(BUF, 2 * CD), sectors_of(&img, 17, 2));
}

#[test]
fn a_medium_changed_under_a_read_is_06h_then_the_new_medium_reads() {
    let mut rig = Rig::new(cdrom(Some(image(SECTORS))));
    let other: Vec<u8> = image(100).iter().map(|b| b ^ 0x5a).collect();
    rig.device(|d| d.cd.change_medium(Some(other.clone())));
    let e = rig.read(0, 1).unwrap_err();
    assert_eq!(e, IoError::new(DiskError::MediaChanged, 0));
    assert_eq!(rig.sectors(), 100);
    assert_eq!(rig.ready(), Ok(()));
    rig.read(99, 1).unwrap();
    assert_eq!(rig.m.mem.slice(BUF, CD), sectors_of(&other, 99, 1));
}

#[test]
fn an_ejected_medium_is_31h_and_capacity_0() {
    let mut rig = Rig::new(cdrom(Some(image(16))));
    rig.device(|d| d.cd.medium = None);
    assert_eq!(
        rig.read(0, 1).unwrap_err(),
        IoError::new(DiskError::MediaNotPresent, 0)
    );
    assert_eq!(rig.sectors(), 0);
    assert_eq!(rig.name(), "ata1 master: QEMU DVD-ROM (CD-ROM, no medium)");
}

#[test]
fn a_drive_that_never_becomes_ready_is_not_ready_after_5_s() {
    let mut rig = Rig::new(cdrom(Some(image(16))));
    rig.device(|d| d.cd.becoming_ready = u32::MAX);
    let start = rig.now_ms();
    assert_eq!(rig.ready(), Err(DiskError::NotReady));
    let waited = rig.now_ms() - start;
    assert!((5_000..6_000).contains(&waited), "waited {waited} ms");
    // What the drive last held is kept: it did not say the medium is gone.
    assert_eq!(rig.sectors(), 16);
}

// ---- timeouts --------------------------------------------------------------------------

#[test]
fn a_device_that_stops_raising_drq_times_out() {
    let mut rig = Rig::new(cdrom(Some(image(16))));
    rig.device(|d| {
        d.faults = Faults {
            no_drq: true,
            ..Faults::default()
        }
    });
    let start = rig.now_ms();
    assert_eq!(
        rig.read(0, 2).unwrap_err(),
        IoError::new(DiskError::Timeout, 0)
    );
    let waited = rig.now_ms() - start;
    assert!((10_000..20_000).contains(&waited), "waited {waited} ms");
    let log = xenbios_sim::take_log();
    assert!(
        log.contains("[ata] warning: ata1 master: read lba 0: timeout: no data request"),
        "{log}"
    );
    // ready() does not retry a device that does not answer.
    let start = rig.now_ms();
    assert_eq!(rig.ready(), Err(DiskError::Timeout));
    assert!(rig.now_ms() - start < 20_000);
    assert_eq!(rig.sectors(), 16);
}

#[test]
fn reset_brings_the_drive_back() {
    let mut rig = Rig::new(cdrom(Some(image(16))));
    let mut ctx = rig.m.ctx();
    let (id, _) = rig.drives.iter().next().unwrap();
    rig.drives.get_mut(id).unwrap().dev.reset(&mut ctx).unwrap();
    assert_eq!(rig.ready(), Ok(()));
    rig.read(3, 1).unwrap();
    assert_eq!(rig.m.mem.slice(BUF, CD), sectors_of(&image(16), 3, 1));
}
