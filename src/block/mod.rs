//! The block layer, once for every driver.
//!
//! Drivers (`hw::ata`, `xen::blkfront`) implement [`BlockDevice`] and register with
//! [`Drives`]. `int13` is written once on top of the registry: it validates every request
//! (drive, range, buffer) before a driver sees it, and turns [`DiskError`]s into the AH
//! codes a loader expects. `eltorito` finds the image a CD boots, from the sectors a
//! driver reads.

pub mod cdemu;
pub mod eltorito;
pub mod geometry;
pub mod int13;

use crate::hal::Ctx;
use core::fmt;
pub use geometry::Geometry;

/// Bytes in the sector unit int13 CHS calls use.
pub const SECTOR_SIZE: u32 = 512;
/// Drives the registry holds (hard disks and CD-ROMs together).
pub const MAX_DRIVES: usize = 16;
/// First BIOS drive number of hard disks.
pub const FIRST_HD: u8 = 0x80;
/// First BIOS drive number of CD-ROMs: E0h, where SeaBIOS numbers them (its
/// `EXTSTART_CD`) and where ISOLINUX and GRUB, booted from a CD, get their DL.
pub const FIRST_CD: u8 = 0xe0;
/// The drive number an emulated diskette gets (El Torito 1.0, 3.0).
pub const FIRST_FLOPPY: u8 = 0x00;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriveKind {
    Disk,
    Cdrom,
}

/// int13 status codes (AH after a failed call, BDA 0x474).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum DiskError {
    /// Invalid function or parameter (includes ranges past the end of the drive).
    BadCommand = 0x01,
    AddressMarkNotFound = 0x02,
    WriteProtected = 0x03,
    SectorNotFound = 0x04,
    ResetFailed = 0x05,
    MediaChanged = 0x06,
    DmaBoundary = 0x09,
    BadSector = 0x0a,
    /// Uncorrectable read error.
    ReadError = 0x10,
    ControllerFailure = 0x20,
    MediaNotPresent = 0x31,
    SeekFailed = 0x40,
    /// The device did not answer in time.
    Timeout = 0x80,
    /// EDD 45h/46h: unlock of a drive that is not locked, eject of a locked drive, a
    /// drive that cannot be locked or ejected, too many locks, an eject that failed.
    NotLocked = 0xb0,
    Locked = 0xb1,
    NotRemovable = 0xb2,
    TooManyLocks = 0xb4,
    EjectFailed = 0xb5,
    NotReady = 0xaa,
    Undefined = 0xbb,
    WriteFault = 0xcc,
}

impl DiskError {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// A failed transfer: what went wrong, and how many sectors completed before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoError {
    pub error: DiskError,
    pub done: u32,
}

impl IoError {
    pub fn new(error: DiskError, done: u32) -> Self {
        IoError { error, done }
    }
}

impl From<DiskError> for IoError {
    fn from(error: DiskError) -> Self {
        IoError { error, done: 0 }
    }
}

/// A PCI function address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PciAddr {
    pub bus: u8,
    pub dev: u8,
    pub func: u8,
}

/// Where a drive sits: EDD 3.0 device path (int13/48) and boot order matching.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interface {
    /// IDE: `channel` 0/1, `slave` false/true, the controller's PCI function (`None` when
    /// no PCI IDE controller was found and the legacy ISA ports are used) and command
    /// block base port.
    Ata {
        pci: Option<PciAddr>,
        channel: u8,
        slave: bool,
        atapi: bool,
        io_base: u16,
    },
    /// Xen PV disk: its `device/vbd/<vdev>` number and the platform device's function.
    Xen { pci: PciAddr, vdev: u32 },
}

/// Cylinders/heads/sectors as a device reports them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Chs {
    pub cylinders: u32,
    pub heads: u32,
    pub sectors: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DriveInfo {
    pub kind: DriveKind,
    /// Size in `sector_size` units.
    pub sectors: u64,
    /// 512 for disks, 2048 for CD-ROMs, 4096 for 4Kn disks.
    pub sector_size: u32,
    pub read_only: bool,
    pub removable: bool,
    /// Geometry the device reports (ATA IDENTIFY words 1, 3, 6), if it has one.
    pub chs: Option<Chs>,
    pub interface: Interface,
}

/// A driver's drive. Sector numbers and counts are in `info().sector_size` units; buffers
/// are linear addresses in guest memory. The block layer has already checked that
/// `count > 0`, that `lba + count <= sectors`, that one call moves at most
/// [`int13::MAX_BYTES`] and that the buffer lies wholly in RAM the guest owns (never the
/// EBDA, the firmware's stack or pages, VGA memory, ROMs or device memory; the firmware's
/// own callers, boot, pass RAM too), so a driver may hand the buffer's frames to a device
/// or a backend, and only reports what the device did.
///
/// Every call gets the machine's hardware handles (`ctx`): a driver keeps only its own
/// state (I/O base, ring addresses, ...) and reaches ports, memory and time through
/// them, which is what lets the same driver run in the image and against simulated
/// devices (`xenbios_sim`).
pub trait BlockDevice {
    fn info(&self) -> &DriveInfo;
    /// A short name for users (boot menu, logs): "ata0 master: QEMU HARDDISK, 64 MiB".
    fn describe(&self, out: &mut dyn fmt::Write) -> fmt::Result;
    /// Read `count` sectors into `buf..buf + count * sector_size`. On failure
    /// `IoError::done` says how many leading sectors reached memory intact.
    fn read(&mut self, ctx: &mut Ctx, lba: u64, count: u32, buf: u32) -> Result<(), IoError>;
    /// Write `count` sectors from `buf`. On failure `IoError::done` says how many leading
    /// sectors the device accepted.
    fn write(&mut self, ctx: &mut Ctx, lba: u64, count: u32, buf: u32) -> Result<(), IoError>;
    /// Check that sectors are readable without transferring them (int13/04, /44).
    fn verify(&mut self, _ctx: &mut Ctx, _lba: u64, _count: u32) -> Result<(), IoError> {
        Ok(())
    }
    /// Make completed writes durable.
    fn flush(&mut self, _ctx: &mut Ctx) -> Result<(), DiskError> {
        Ok(())
    }
    /// int13/00, /0D: bring the device back to a known state.
    fn reset(&mut self, _ctx: &mut Ctx) -> Result<(), DiskError> {
        Ok(())
    }
    /// int13/10: is the device ready for a command?
    fn ready(&mut self, _ctx: &mut Ctx) -> Result<(), DiskError> {
        Ok(())
    }
}

/// `Display` for a drive: its [`BlockDevice::describe`] text.
pub struct DriveName<'a>(pub &'a dyn BlockDevice);

impl fmt::Display for DriveName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.describe(f)
    }
}

/// `Display` for a capacity: whole KiB below 1 MiB, whole MiB below 4 GiB, whole GiB
/// above ("640 KiB", "64 MiB", "20 GiB").
pub struct Capacity {
    pub sectors: u64,
    pub sector_size: u32,
}

impl fmt::Display for Capacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const KIB: u64 = 1 << 10;
        const MIB: u64 = 1 << 20;
        const GIB: u64 = 1 << 30;
        let bytes = self.sectors.saturating_mul(self.sector_size as u64);
        if bytes < MIB {
            write!(f, "{} KiB", bytes / KIB)
        } else if bytes < 4 * GIB {
            write!(f, "{} MiB", bytes / MIB)
        } else {
            write!(f, "{} GiB", bytes / GIB)
        }
    }
}

/// What a CD booted (El Torito): the boot entry, the drive number the booted code got,
/// and the emulated drive while the emulation is active (`cdemu` serves it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CdBoot {
    /// The CD it came from.
    pub cd: DriveId,
    /// The boot entry's media type (El Torito Figure 3: 0 no emulation, 1-3 diskettes,
    /// 4 hard disk), its first CD sector, load segment and sector count.
    pub media: u8,
    pub load_rba: u32,
    pub load_segment: u16,
    pub sector_count: u16,
    /// 00h (diskette), 80h (hard disk), or the CD's own number (no emulation).
    pub number: u8,
    /// The emulated drive's geometry; `None` for no emulation.
    pub geometry: Option<Chs>,
    /// Cleared by int13/4B00h (terminate emulation).
    pub active: bool,
}

impl CdBoot {
    /// An emulated drive answers to `number`.
    pub fn emulating(&self) -> bool {
        self.active && self.geometry.is_some()
    }

    /// 512-byte sectors of the emulated drive.
    pub fn sectors(&self) -> u64 {
        self.geometry.map_or(0, |g| {
            u64::from(g.cylinders) * u64::from(g.heads) * u64::from(g.sectors)
        })
    }
}

/// Index of a drive in registration order: stable, unlike BIOS numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DriveId(pub u8);

/// A drive as int13 sees it: a registered driver's device (`'static`), or a view built
/// for one call (the El Torito emulated drive, [`cdemu::EmulatedDisk`]).
pub struct Drive<'a> {
    pub dev: &'a mut dyn BlockDevice,
    /// The logical geometry int13 CHS calls use (derived once at registration).
    pub geometry: Geometry,
    /// Hidden drives get no BIOS number (the emulated twin of a PV disk).
    pub hidden: bool,
}

/// Every drive POST found, the BIOS numbers given to hard disks (80h, 81h, ...) and
/// CD-ROMs (E0h, E1h, ...), and the El Torito boot state (the emulated drive, when one
/// is active: it takes 00h, or 80h and moves the hard disks up by one, as under SeaBIOS).
pub struct Drives {
    slots: [Option<Drive<'static>>; MAX_DRIVES],
    /// `hd[n]` is the drive numbered `0x80 + n` (`0x81 + n` under hard-disk emulation).
    hd: [Option<DriveId>; MAX_DRIVES],
    /// `cd[n]` is the drive numbered `0xE0 + n`.
    cd: [Option<DriveId>; MAX_DRIVES],
    /// What a CD booted: int13/4Bh's status, and the emulated drive while active.
    pub cdboot: Option<CdBoot>,
    /// Int13/45h lock counts, per registry slot (CD-ROMs only).
    locks: [u8; MAX_DRIVES],
    /// A CD sector of firmware memory (linear address) for the emulated drive's partial
    /// reads; POST sets it when it registers a CD-ROM.
    pub cd_bounce: Option<u32>,
}

impl Default for Drives {
    fn default() -> Self {
        Self::new()
    }
}

impl Drives {
    pub const fn new() -> Self {
        Drives {
            slots: [const { None }; MAX_DRIVES],
            hd: [None; MAX_DRIVES],
            cd: [None; MAX_DRIVES],
            cdboot: None,
            locks: [0; MAX_DRIVES],
            cd_bounce: None,
        }
    }

    /// Register a drive. Hard disks are numbered in registration order until
    /// [`Drives::number_disks`] says otherwise, CD-ROMs in registration order. `None`
    /// when the registry is full.
    pub fn add(&mut self, dev: &'static mut dyn BlockDevice) -> Option<DriveId> {
        let i = self.slots.iter().position(Option::is_none)?;
        let geometry = Geometry::for_drive(dev.info());
        let kind = dev.info().kind;
        self.slots[i] = Some(Drive {
            dev,
            geometry,
            hidden: false,
        });
        let id = DriveId(i as u8);
        let numbers = match kind {
            DriveKind::Disk => &mut self.hd,
            DriveKind::Cdrom => &mut self.cd,
        };
        if let Some(n) = numbers.iter().position(Option::is_none) {
            numbers[n] = Some(id);
        }
        Some(id)
    }

    pub fn get(&self, id: DriveId) -> Option<&Drive<'static>> {
        self.slots.get(id.0 as usize)?.as_ref()
    }

    pub fn get_mut(&mut self, id: DriveId) -> Option<&mut Drive<'static>> {
        self.slots.get_mut(id.0 as usize)?.as_mut()
    }

    /// All registered drives, hidden ones included, in registration order.
    pub fn iter(&self) -> impl Iterator<Item = (DriveId, &Drive<'static>)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, d)| Some((DriveId(i as u8), d.as_ref()?)))
    }

    /// Take a drive out of the BIOS numbering (it stays registered).
    pub fn hide(&mut self, id: DriveId) {
        if let Some(d) = self.get_mut(id) {
            d.hidden = true;
        }
        let order: [Option<DriveId>; MAX_DRIVES] = self.hd;
        self.renumber(order.iter().flatten().copied());
        let mut cd = [None; MAX_DRIVES];
        for (slot, c) in cd
            .iter_mut()
            .zip(self.cd.iter().flatten().filter(|c| **c != id))
        {
            *slot = Some(*c);
        }
        self.cd = cd;
    }

    /// Number hard disks in `order` (0x80 first); visible disks not named follow in
    /// their current order.
    pub fn number_disks(&mut self, order: &[DriveId]) {
        let current: [Option<DriveId>; MAX_DRIVES] = self.hd;
        let rest = current
            .into_iter()
            .flatten()
            .filter(|id| !order.contains(id));
        let mut all = [None; MAX_DRIVES];
        for (slot, id) in all.iter_mut().zip(order.iter().copied().chain(rest)) {
            *slot = Some(id);
        }
        self.renumber(all.into_iter().flatten());
    }

    fn renumber(&mut self, order: impl Iterator<Item = DriveId>) {
        let mut hd = [None; MAX_DRIVES];
        let mut n = 0;
        for id in order {
            let visible_disk = self
                .get(id)
                .is_some_and(|d| !d.hidden && d.dev.info().kind == DriveKind::Disk);
            if visible_disk && !hd[..n].contains(&Some(id)) {
                hd[n] = Some(id);
                n += 1;
            }
        }
        self.hd = hd;
    }

    /// Hard disks move up by one while a hard-disk image is emulated as 80h.
    fn hd_shift(&self) -> u8 {
        match self.emulated() {
            Some(e) if e.number == FIRST_HD => 1,
            _ => 0,
        }
    }

    /// The active emulation (floppy or hard disk), if any.
    pub fn emulated(&self) -> Option<&CdBoot> {
        self.cdboot.as_ref().filter(|b| b.emulating())
    }

    /// The BIOS number of a drive, if it has one.
    pub fn bios_number(&self, id: DriveId) -> Option<u8> {
        if let Some(n) = self.cd.iter().position(|c| *c == Some(id)) {
            return Some(FIRST_CD + n as u8);
        }
        let n = self.hd.iter().position(|h| *h == Some(id))?;
        Some(FIRST_HD + self.hd_shift() + n as u8)
    }

    /// The drive behind BIOS number `dl` (not the emulated drive: see
    /// [`Drives::emulated`]).
    pub fn by_number(&mut self, dl: u8) -> Option<&mut Drive<'static>> {
        let id = self.id_by_number(dl)?;
        self.get_mut(id)
    }

    pub fn id_by_number(&self, dl: u8) -> Option<DriveId> {
        if dl >= FIRST_CD {
            return *self.cd.get((dl - FIRST_CD) as usize)?;
        }
        let n = dl.checked_sub(FIRST_HD)?.checked_sub(self.hd_shift())?;
        *self.hd.get(n as usize)?
    }

    /// Hard disks with a BIOS number, the emulated one included (BDA 0x475).
    pub fn disk_count(&self) -> u8 {
        self.hd.iter().flatten().count() as u8 + self.hd_shift()
    }

    /// CD-ROMs with a BIOS number.
    pub fn cd_count(&self) -> u8 {
        self.cd.iter().flatten().count() as u8
    }

    /// The int13/45h lock count of a drive.
    pub fn lock_count(&mut self, id: DriveId) -> &mut u8 {
        &mut self.locks[id.0 as usize % MAX_DRIVES]
    }
}
