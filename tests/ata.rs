//! The ATA driver against simulated IDE channels: what probe finds, what reads and writes
//! do to the disk and to memory, and that every injected fault ends in a defined error
//! (and a log line) within the driver's deadlines.

use std::cell::RefCell;
use std::rc::Rc;
use xenbios::block::{Chs, DiskError, DriveName, Drives, Interface, IoError, PciAddr};
use xenbios::e820::{E820Map, Kind};
use xenbios::hal::clock::Clock;
use xenbios::hal::mem::Memory;
use xenbios::hw::ata;
use xenbios::hw::pci::PciDevices;
use xenbios_sim::ata::{AtaPorts, ERR_ABRT, ERR_IDNF, ERR_UNC, Faults, PRIMARY, SECONDARY, ST_DF};
use xenbios_sim::{FakeDisk, Machine, SimAtaChannel, SimAtaDevice, SimBar, SimFunction, SimPci};

/// Where reads land in memory.
const BUF: u32 = 0x30000;

const READ_SECTORS: u8 = 0x20;
const READ_SECTORS_EXT: u8 = 0x24;
const WRITE_SECTORS: u8 = 0x30;
const FLUSH_CACHE: u8 = 0xe7;
const FLUSH_CACHE_EXT: u8 = 0xea;

type Channel = Rc<RefCell<SimAtaChannel>>;

struct Rig {
    m: Machine,
    drives: Drives,
    log: String,
}

fn disk(model: &str, sectors: u64) -> SimAtaDevice {
    SimAtaDevice::disk(model, sectors)
}

fn faulty(faults: Faults) -> SimAtaDevice {
    disk("FAULTY DISK", 65536).with_faults(faults)
}

fn channel(
    m: &mut Machine,
    ports: AtaPorts,
    master: Option<SimAtaDevice>,
    slave: Option<SimAtaDevice>,
) -> Channel {
    SimAtaChannel::new(ports, master, slave).attach(&mut m.ports)
}

/// A PIIX3-like PCI bus (host bridge, ISA bridge, IDE function 00:01.1 with `prog_if`
/// and, in native mode, four I/O BARs) run through PCI POST, as the ATA probe gets it.
fn pci_post(m: &mut Machine, prog_if: u8) -> PciDevices {
    const INTEL: u16 = 0x8086;
    let mut bus = SimPci::new();
    bus.add(None, 0, 0, SimFunction::new(INTEL, 0x1237, 0x0600));
    let isa = SimFunction::new(INTEL, 0x7000, 0x0601).multi_function();
    bus.add(None, 1, 0, isa);
    let mut ide = SimFunction::new(INTEL, 0x7010, 0x0101).with(0x09, &[prog_if]);
    if prog_if != 0x80 {
        for (i, size) in [8, 4, 8, 4].into_iter().enumerate() {
            ide = ide.bar(i, SimBar::Io(size));
        }
    }
    bus.add(None, 1, 1, ide);
    m.ports.attach(0xcf8, 0xcff, Rc::new(RefCell::new(bus)));
    let mut e820 = E820Map::new();
    e820.add(0, 0x9fc00, Kind::Ram);
    e820.add(0x100000, 0x800_0000, Kind::Ram);
    let mut devs = PciDevices::new();
    xenbios::platform::pci::setup(&mut m.ctx(), &e820, &mut devs);
    devs
}

impl Rig {
    /// Probe a machine whose channels the caller attached (no PCI).
    fn probe(m: Machine) -> Rig {
        Rig::probe_with(m, &PciDevices::new())
    }

    fn probe_with(mut m: Machine, pci: &PciDevices) -> Rig {
        let mut drives = Drives::new();
        ata::probe(&mut m.ctx(), pci, &mut drives);
        Rig {
            m,
            drives,
            log: xenbios_sim::take_log(),
        }
    }

    /// A primary master only.
    fn one(dev: SimAtaDevice) -> (Rig, Channel) {
        xenbios_sim::capture_log();
        let mut m = Machine::default();
        let ch = channel(&mut m, PRIMARY, Some(dev), None);
        (Rig::probe(m), ch)
    }

    fn name(&self, dl: u8) -> String {
        let id = self.drives.id_by_number(dl).expect("no such drive");
        DriveName(&*self.drives.get(id).unwrap().dev).to_string()
    }

    fn read(&mut self, dl: u8, lba: u64, count: u32) -> Result<(), IoError> {
        let d = self.drives.by_number(dl).unwrap();
        d.dev.read(&mut self.m.ctx(), lba, count, BUF)
    }

    fn write(&mut self, dl: u8, lba: u64, count: u32) -> Result<(), IoError> {
        let d = self.drives.by_number(dl).unwrap();
        d.dev.write(&mut self.m.ctx(), lba, count, BUF)
    }

    fn now_ms(&self) -> u64 {
        self.m.clock.micros() / 1000
    }
}

fn pattern(lba: u64, count: u32) -> Vec<u8> {
    (lba..lba + count as u64)
        .flat_map(|l| FakeDisk::pattern(l, 512))
        .collect()
}

// ---- probe ---------------------------------------------------------------------------------

#[test]
fn probe_registers_the_qemu_default_layout() {
    xenbios_sim::capture_log();
    let mut m = Machine::default();
    let primary = channel(&mut m, PRIMARY, Some(disk("QEMU HARDDISK", 131072)), None);
    let secondary = channel(
        &mut m,
        SECONDARY,
        Some(SimAtaDevice::atapi("QEMU DVD-ROM")),
        None,
    );
    let rig = Rig::probe(m);
    assert_eq!(rig.drives.disk_count(), 1);
    let id = rig.drives.id_by_number(0x80).unwrap();
    let info = *rig.drives.get(id).unwrap().dev.info();
    assert_eq!(info.sectors, 131072);
    assert_eq!(info.sector_size, 512);
    assert_eq!(
        info.chs,
        Some(Chs {
            cylinders: 130,
            heads: 16,
            sectors: 63
        })
    );
    assert_eq!(
        info.interface,
        Interface::Ata {
            pci: None,
            channel: 0,
            slave: false,
            atapi: false,
            io_base: 0x1f0
        }
    );
    assert_eq!(rig.name(0x80), "ata0 master: QEMU HARDDISK, 64 MiB");
    assert!(
        rig.log
            .contains("[ata] ata0 master: QEMU HARDDISK, 64 MiB (drive 0x80)"),
        "{}",
        rig.log
    );
    assert!(
        rig.log
            .contains("[ata] ata1 master: QEMU DVD-ROM (CD-ROM, no medium)"),
        "{}",
        rig.log
    );
    assert!(!rig.log.contains("warning"), "{}", rig.log);
    // We poll: interrupts are off on both channels.
    assert!(primary.borrow().nien() && secondary.borrow().nien());
}

#[test]
fn probe_numbers_disks_in_position_order() {
    xenbios_sim::capture_log();
    let mut m = Machine::default();
    channel(
        &mut m,
        SECONDARY,
        Some(disk("SM", 2048)),
        Some(disk("SS", 4096)),
    );
    channel(
        &mut m,
        PRIMARY,
        Some(disk("PM", 8192)),
        Some(disk("PS", 16384)),
    );
    let rig = Rig::probe(m);
    assert_eq!(rig.drives.disk_count(), 4);
    assert_eq!(rig.name(0x80), "ata0 master: PM, 4 MiB");
    assert_eq!(rig.name(0x81), "ata0 slave: PS, 8 MiB");
    assert_eq!(rig.name(0x82), "ata1 master: SM, 1 MiB");
    assert_eq!(rig.name(0x83), "ata1 slave: SS, 2 MiB");
}

#[test]
fn probe_survives_a_reset_that_completes_late() {
    // QEMU carries out SRST in a bottom half: for a while every register write is lost
    // and an absent device 1 reads status 0 although the reset has not happened yet.
    // The probe must not take that 0 for "reset done" and select device 0 too early.
    xenbios_sim::capture_log();
    let mut m = Machine::default();
    let primary = channel(&mut m, PRIMARY, Some(disk("MASTER", 2048)), None);
    let secondary = channel(&mut m, SECONDARY, None, Some(disk("SLAVE", 4096)));
    primary.borrow_mut().reset_delay = 64;
    secondary.borrow_mut().reset_delay = 64;
    let rig = Rig::probe(m);
    assert_eq!(rig.drives.disk_count(), 2);
    assert_eq!(rig.name(0x80), "ata0 master: MASTER, 1 MiB");
    assert_eq!(rig.name(0x81), "ata1 slave: SLAVE, 2 MiB");
}

#[test]
fn a_disk_without_a_model_name_still_gets_one() {
    let (rig, _) = Rig::one(disk("", 2048));
    assert_eq!(rig.name(0x80), "ata0 master: (no model name), 1 MiB");
}

#[test]
fn probe_finds_a_slave_without_a_master_and_a_disk_behind_atapi() {
    xenbios_sim::capture_log();
    let mut m = Machine::default();
    channel(&mut m, PRIMARY, None, Some(disk("LONELY SLAVE", 2048)));
    channel(
        &mut m,
        SECONDARY,
        Some(SimAtaDevice::atapi("CD")),
        Some(disk("BEHIND CD", 2048)),
    );
    let rig = Rig::probe(m);
    assert_eq!(rig.drives.disk_count(), 2, "{}", rig.log);
    assert_eq!(rig.name(0x80), "ata0 slave: LONELY SLAVE, 1 MiB");
    assert_eq!(rig.name(0x81), "ata1 slave: BEHIND CD, 1 MiB");
    // The absent master of ata0 is no device, not a device with a strange signature.
    assert!(!rig.log.contains("warning"), "{}", rig.log);
}

#[test]
fn probe_of_empty_channels_finds_nothing_quickly() {
    xenbios_sim::capture_log();
    let mut m = Machine::default();
    // Primary: a controller without devices (reads as 0). Secondary: nothing at all
    // (the bus floats at 0xff).
    let primary = channel(&mut m, PRIMARY, None, None);
    let rig = Rig::probe(m);
    assert_eq!(rig.drives.disk_count(), 0);
    assert!(primary.borrow().commands.is_empty());
    assert!(!rig.log.contains("warning"), "{}", rig.log);
    assert!(rig.now_ms() < 100, "probe of empty channels waited");
}

#[test]
fn probe_skips_a_device_stuck_busy() {
    let (rig, ch) = Rig::one(faulty(Faults {
        stuck_busy: true,
        ..Faults::default()
    }));
    assert_eq!(rig.drives.disk_count(), 0);
    assert!(
        rig.log.contains("ata0 master: busy and not answering"),
        "{}",
        rig.log
    );
    assert!(ch.borrow().commands.is_empty());
    assert!(rig.now_ms() < 1000);
}

#[test]
fn probe_skips_a_disk_without_lba() {
    let mut dev = disk("OLD CHS DISK", 2048);
    dev.lba = false;
    let (rig, _) = Rig::one(dev);
    assert_eq!(rig.drives.disk_count(), 0);
    assert!(
        rig.log
            .contains("OLD CHS DISK: no LBA addressing, not registered")
    );
}

#[test]
fn probe_uses_the_pci_controller_in_compatibility_mode() {
    xenbios_sim::capture_log();
    let mut m = Machine::default();
    let devs = pci_post(&mut m, 0x80);
    channel(&mut m, PRIMARY, Some(disk("QEMU HARDDISK", 2048)), None);
    let rig = Rig::probe_with(m, &devs);
    let id = rig.drives.id_by_number(0x80).unwrap();
    let Interface::Ata { pci, io_base, .. } = rig.drives.get(id).unwrap().dev.info().interface
    else {
        panic!("not ATA")
    };
    assert_eq!(
        pci,
        Some(PciAddr {
            bus: 0,
            dev: 1,
            func: 1
        })
    );
    assert_eq!(io_base, 0x1f0);
    assert!(rig.log.contains("IDE controller at 00:01.1"), "{}", rig.log);
}

#[test]
fn probe_uses_the_bars_in_native_mode() {
    xenbios_sim::capture_log();
    let mut m = Machine::default();
    // Both channels native: BAR0/1 primary, BAR2/3 secondary, placed by PCI POST.
    let devs = pci_post(&mut m, 0x85);
    let ide = devs.all().iter().find(|d| d.class == 0x0101).unwrap();
    let base = |i: usize| {
        assert!(ide.bars[i].is_io() && ide.bars[i].assigned, "BAR{i}");
        ide.bars[i].base as u16
    };
    let native0 = AtaPorts {
        cmd: base(0),
        ctrl: base(1) + 2,
    };
    let native1 = AtaPorts {
        cmd: base(2),
        ctrl: base(3) + 2,
    };
    channel(&mut m, native0, Some(disk("NATIVE 0", 2048)), None);
    channel(&mut m, native1, Some(disk("NATIVE 1", 2048)), None);
    // Something at the legacy ports must not be found.
    channel(&mut m, PRIMARY, Some(disk("LEGACY", 2048)), None);
    let mut rig = Rig::probe_with(m, &devs);
    assert_eq!(rig.drives.disk_count(), 2, "{}", rig.log);
    assert_eq!(rig.name(0x80), "ata0 master: NATIVE 0, 1 MiB");
    assert_eq!(rig.name(0x81), "ata1 master: NATIVE 1, 1 MiB");
    let id = rig.drives.id_by_number(0x81).unwrap();
    let Interface::Ata { io_base, .. } = rig.drives.get(id).unwrap().dev.info().interface else {
        panic!("not ATA")
    };
    assert_eq!(io_base, native1.cmd);
    rig.read(0x81, 7, 1).unwrap();
    assert_eq!(rig.m.mem.slice(BUF, 512), pattern(7, 1));
}

// ---- reads, writes, flush ----------------------------------------------------------------

#[test]
fn read_splits_into_256_sector_commands() {
    let (mut rig, ch) = Rig::one(disk("QEMU HARDDISK", 131072));
    ch.borrow_mut().commands.clear();
    rig.m.mem.fill(BUF + 300 * 512, 16, 0xcc);
    rig.read(0x80, 1000, 300).unwrap();
    assert_eq!(rig.m.mem.slice(BUF, 300 * 512), pattern(1000, 300));
    assert_eq!(rig.m.mem.slice(BUF + 300 * 512, 16), [0xcc; 16]);
    let cmds: Vec<_> = ch
        .borrow()
        .commands
        .iter()
        .map(|c| (c.command, c.lba, c.count))
        .collect();
    assert_eq!(cmds, [(READ_SECTORS, 1000, 256), (READ_SECTORS, 1256, 44)]);
}

#[test]
fn lba48_commands_only_past_lba28() {
    // 2^29 sectors (256 GiB, sparse).
    let (mut rig, ch) = Rig::one(disk("BIG DISK", 1 << 29));
    assert_eq!(rig.name(0x80), "ata0 master: BIG DISK, 256 GiB");
    ch.borrow_mut().commands.clear();
    // Sector 0x0FFFFFFF is left to LBA48 commands (as Linux does).
    let top = 1 << 28;
    rig.read(0x80, top - 3, 2).unwrap();
    rig.read(0x80, top - 2, 2).unwrap();
    assert_eq!(rig.m.mem.slice(BUF, 1024), pattern(top - 2, 2));
    rig.read(0x80, top + 5, 1).unwrap();
    rig.read(0x80, 5, 1).unwrap();
    let c: Vec<_> = ch
        .borrow()
        .commands
        .iter()
        .map(|c| (c.command, c.lba, c.count))
        .collect();
    assert_eq!(
        c,
        [
            (READ_SECTORS, top - 3, 2),
            (READ_SECTORS_EXT, top - 2, 2),
            (READ_SECTORS_EXT, top + 5, 1),
            (READ_SECTORS, 5, 1)
        ]
    );
    assert_eq!(rig.m.mem.slice(BUF, 512), pattern(5, 1));
}

#[test]
fn write_reaches_the_disk_and_flush_uses_the_right_command() {
    let (mut rig, ch) = Rig::one(disk("QEMU HARDDISK", 131072));
    let data: Vec<u8> = (0..3 * 512).map(|i| (i % 251) as u8).collect();
    rig.m.mem.write(BUF, &data);
    rig.write(0x80, 40, 3).unwrap();
    {
        let mut c = ch.borrow_mut();
        let dev = c.device(false);
        let on_disk: Vec<u8> = (40..43).flat_map(|l| dev.sector(l)).collect();
        assert_eq!(on_disk, data);
        assert_eq!(dev.sector(43), pattern(43, 1));
    }
    let d = rig.drives.by_number(0x80).unwrap();
    d.dev.flush(&mut rig.m.ctx()).unwrap();
    let mut c = ch.borrow_mut();
    assert_eq!(c.commands.last().unwrap().command, FLUSH_CACHE_EXT);
    assert_eq!(c.device(false).flushes, 1);
}

#[test]
fn lba28_only_disk_flushes_with_the_28_bit_command() {
    let mut dev = disk("OLD DISK", 4096);
    dev.lba48 = false;
    let (mut rig, ch) = Rig::one(dev);
    let d = rig.drives.by_number(0x80).unwrap();
    d.dev.flush(&mut rig.m.ctx()).unwrap();
    assert_eq!(ch.borrow().commands.last().unwrap().command, FLUSH_CACHE);
}

#[test]
fn a_slow_device_is_waited_for() {
    let mut dev = disk("SLOW DISK", 4096);
    dev.busy_reads = 200;
    let (mut rig, _) = Rig::one(dev);
    assert_eq!(rig.drives.disk_count(), 1);
    rig.read(0x80, 3, 4).unwrap();
    assert_eq!(rig.m.mem.slice(BUF, 4 * 512), pattern(3, 4));
}

// ---- faults ----------------------------------------------------------------------------------

#[test]
fn device_hanging_busy_times_out() {
    let (mut rig, _) = Rig::one(faulty(Faults {
        hang_on_data: true,
        ..Faults::default()
    }));
    let start = rig.now_ms();
    let e = rig.read(0x80, 0, 4).unwrap_err();
    assert_eq!(e, IoError::new(DiskError::Timeout, 0));
    let waited = rig.now_ms() - start;
    assert!((10_000..20_000).contains(&waited), "waited {waited} ms");
    let log = xenbios_sim::take_log();
    assert!(
        log.contains("[ata] warning: ata0 master: read lba 0: timeout: still busy"),
        "{log}"
    );
    // The next command finds the device still busy: also a timeout, not a hang.
    assert_eq!(rig.write(0x80, 0, 1).unwrap_err().error, DiskError::Timeout);
}

#[test]
fn reset_brings_a_hung_device_back() {
    let (mut rig, _) = Rig::one(faulty(Faults {
        hang_on_data: true,
        ..Faults::default()
    }));
    let _ = rig.read(0x80, 0, 1);
    let d = rig.drives.by_number(0x80).unwrap();
    assert_eq!(d.dev.ready(&mut rig.m.ctx()), Err(DiskError::NotReady));
    d.dev.reset(&mut rig.m.ctx()).unwrap();
    assert_eq!(d.dev.ready(&mut rig.m.ctx()), Ok(()));
}

#[test]
fn drq_never_set_times_out() {
    let (mut rig, _) = Rig::one(faulty(Faults {
        no_drq: true,
        ..Faults::default()
    }));
    let e = rig.read(0x80, 0, 2).unwrap_err();
    assert_eq!(e, IoError::new(DiskError::Timeout, 0));
    assert!(xenbios_sim::take_log().contains("timeout: no data request"));
    let e = rig.write(0x80, 0, 2).unwrap_err();
    assert_eq!(e, IoError::new(DiskError::Timeout, 0));
}

#[test]
fn uncorrectable_sector_stops_a_read_with_the_sectors_before_it() {
    let (mut rig, _) = Rig::one(faulty(Faults {
        error_at: Some((260, ERR_UNC, 0)),
        ..Faults::default()
    }));
    rig.m.mem.fill(BUF, 300 * 512, 0xcc);
    // 256 sectors in the first command, 4 more in the second, then the bad one.
    let e = rig.read(0x80, 0, 300).unwrap_err();
    assert_eq!(e, IoError::new(DiskError::ReadError, 260));
    assert_eq!(rig.m.mem.slice(BUF, 260 * 512), pattern(0, 260));
    assert!(
        rig.m
            .mem
            .slice(BUF + 260 * 512, 40 * 512)
            .iter()
            .all(|&b| b == 0xcc)
    );
    let log = xenbios_sim::take_log();
    assert!(
        log.contains("read lba 260: device error (status 0x41, error 0x40)"),
        "{log}"
    );
}

#[test]
fn device_errors_map_to_int13_codes() {
    for (error, status, expected) in [
        (ERR_IDNF, 0, DiskError::SectorNotFound),
        (ERR_ABRT, 0, DiskError::BadCommand),
        (0, ST_DF, DiskError::WriteFault),
        (0x08, 0, DiskError::Undefined),
    ] {
        let (mut rig, _) = Rig::one(faulty(Faults {
            error_at: Some((3, error, status)),
            ..Faults::default()
        }));
        let e = rig.read(0x80, 0, 8).unwrap_err();
        assert_eq!(
            e,
            IoError::new(expected, 3),
            "error {error:#x} status {status:#x}"
        );
    }
}

#[test]
fn write_error_counts_the_sectors_the_device_took() {
    let (mut rig, ch) = Rig::one(faulty(Faults {
        error_at: Some((2, 0, ST_DF)),
        ..Faults::default()
    }));
    rig.m.mem.fill(BUF, 5 * 512, 0x99);
    let e = rig.write(0x80, 0, 5).unwrap_err();
    assert_eq!(e, IoError::new(DiskError::WriteFault, 2));
    let mut c = ch.borrow_mut();
    assert_eq!(c.commands.last().unwrap().command, WRITE_SECTORS);
    let dev = c.device(false);
    assert_eq!(dev.sector(1), vec![0x99; 512]);
    assert_eq!(dev.sector(2), pattern(2, 1));
}

#[test]
fn verify_reports_the_failing_chunk() {
    let (mut rig, _) = Rig::one(faulty(Faults {
        error_at: Some((300, ERR_UNC, 0)),
        ..Faults::default()
    }));
    let d = rig.drives.by_number(0x80).unwrap();
    assert_eq!(d.dev.verify(&mut rig.m.ctx(), 0, 200), Ok(()));
    // 256 verified in the first command; the second one fails.
    let e = d.dev.verify(&mut rig.m.ctx(), 0, 400).unwrap_err();
    assert_eq!(e, IoError::new(DiskError::ReadError, 256));
}

#[test]
fn read_past_the_device_end_is_sector_not_found() {
    // The block layer never asks for this; the driver still reports it cleanly.
    let (mut rig, _) = Rig::one(disk("SMALL", 100));
    assert_eq!(rig.name(0x80), "ata0 master: SMALL, 50 KiB");
    let e = rig.read(0x80, 98, 4).unwrap_err();
    assert_eq!(e, IoError::new(DiskError::SectorNotFound, 0));
}
