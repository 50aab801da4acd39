//! The drive El Torito emulation makes of a CD's boot image, and the specification
//! packet int13/4Bh returns.
//!
//! The source is the El Torito Bootable CD-ROM Format Specification 1.0 ("ET"). After a
//! CD boots, [`CdBoot`] (in the registry) records the boot entry and the drive number the booted code
//! sees: the CD's own (E0h..) for no emulation, 00h for a diskette image, 80h for a hard
//! disk image. While an emulation is active, int13 on that number goes to an
//! [`EmulatedDisk`]: a read-only view of the image, in 512-byte sectors, that reads the
//! CD through its driver (ET 3.0: "the BIOS will redirect INT 13 calls for the emulated
//! drive to the CD"). int13/4Bh returns the specification packet ([`spec_packet`],
//! ET 5.0 Figure 11) and 4B00h ends the emulation.
//!
//! Rules chosen (SeaBIOS `src/cdrom.c` and `src/disk.c` were the references):
//! - Writes to the emulated drive are refused with 03h (write protected), as SeaBIOS
//!   does: the image is on a read-only medium.
//! - A read that starts or ends inside a CD sector reads that CD sector into a bounce
//!   sector of firmware memory and copies the part asked for; only whole CD sectors are
//!   read into the caller's buffer, so nothing outside it is ever written.
//! - The emulated drive ends where the disc does, when its geometry claims more (a
//!   hard-disk image's MBR may): a sector past it is refused (01h) before the driver.
//! - The hard-disk image's geometry is its first partition's ending CHS (the MBR at the
//!   image's start), as SeaBIOS takes it; an image whose entry has no sectors per track
//!   is refused (the geometry would divide by zero).

use super::eltorito::{CD_SECTOR_SIZE, VIRTUAL_SECTOR_SIZE};
use super::{
    BlockDevice, CdBoot, Chs, DiskError, DriveInfo, DriveKind, DriveName, Interface, IoError,
};
use crate::hal::Ctx;
use core::fmt;

/// 512-byte sectors in one CD sector.
const PER_CD_SECTOR: u32 = CD_SECTOR_SIZE as u32 / VIRTUAL_SECTOR_SIZE;

/// ET Figure 11, the specification packet int13/4Bh copies to DS:SI.
pub mod packet {
    pub const SIZE: usize = 0x13;
    pub const MEDIA: usize = 0x01;
    pub const DRIVE: usize = 0x02;
    pub const CONTROLLER: usize = 0x03;
    pub const LBA: usize = 0x04;
    pub const DEVICE_SPEC: usize = 0x08;
    /// 0Ah-0Bh: the user buffer segment for CD caching, none (0) here.
    pub const LOAD_SEGMENT: usize = 0x0c;
    pub const SECTOR_COUNT: usize = 0x0e;
    /// CH, CL and DH as int13/08h would return them for the emulated drive.
    pub const CYLINDER_LOW: usize = 0x10;
    pub const SECTOR_CYLINDER_HIGH: usize = 0x11;
    pub const HEADS: usize = 0x12;
}

/// MBR: the partition table (4 entries of 16 bytes) and, in the first entry, the ending
/// head, sector (bits 0-5; bits 6-7 are cylinder bits 8-9) and cylinder (bits 0-7).
const MBR_PARTITION_0: usize = 0x1be;
const PART_END_HEAD: usize = 5;
const PART_END_SECTOR: usize = 6;
const PART_END_CYLINDER: usize = 7;
const SECTOR_MASK: u8 = 0x3f;
const CYLINDER_HIGH_MASK: u8 = 0xc0;
/// Cylinder bits 8-9 sit in bits 6-7 of the sector byte.
const CYLINDER_HIGH_SHIFT: u32 = 2;

/// Largest values the CH/CL/DH encoding of a geometry holds.
const MAX_CYLINDER: u32 = 1023;
const CL_SECTOR: u32 = 0x3f;
const CL_CYLINDER_HIGH: u32 = 0xc0;

/// ET Figure 11, the specification packet of a CD boot, for the CD `cd` (its interface
/// gives the controller index and the device specification). The media byte says 0 (no
/// emulation) once the emulation was terminated, as SeaBIOS reports it.
pub fn spec_packet(boot: &CdBoot, cd: &DriveInfo) -> [u8; packet::SIZE] {
    use packet::*;
    let mut p = [0u8; SIZE];
    p[0] = SIZE as u8;
    p[MEDIA] = if boot.emulating() { boot.media } else { 0 };
    p[DRIVE] = boot.number;
    // ET: "Controller index", and for IDE the device specification's bit 0 "master or
    // slave".
    let (controller, device) = match cd.interface {
        Interface::Ata { channel, slave, .. } => (channel, u16::from(slave)),
        Interface::Xen { .. } => (0, 0),
    };
    p[CONTROLLER] = controller;
    p[LBA..LBA + 4].copy_from_slice(&boot.load_rba.to_le_bytes());
    p[DEVICE_SPEC..DEVICE_SPEC + 2].copy_from_slice(&device.to_le_bytes());
    // No user buffer for CD caching (0): BUFFER_SEGMENT stays zero.
    p[LOAD_SEGMENT..LOAD_SEGMENT + 2].copy_from_slice(&boot.load_segment.to_le_bytes());
    p[SECTOR_COUNT..SECTOR_COUNT + 2].copy_from_slice(&boot.sector_count.to_le_bytes());
    if let Some(g) = boot.geometry {
        let max_cylinder = g.cylinders.saturating_sub(1).min(MAX_CYLINDER);
        p[CYLINDER_LOW] = max_cylinder as u8;
        p[SECTOR_CYLINDER_HIGH] = ((max_cylinder >> CYLINDER_HIGH_SHIFT) & CL_CYLINDER_HIGH
            | g.sectors & CL_SECTOR) as u8;
        p[HEADS] = g.heads.saturating_sub(1) as u8;
    }
    p
}

/// The geometry of a hard-disk image from its MBR: the first partition's ending CHS.
pub fn mbr_geometry(mbr: &[u8; VIRTUAL_SECTOR_SIZE as usize]) -> Option<Chs> {
    let e = &mbr[MBR_PARTITION_0..];
    let sector_byte = e[PART_END_SECTOR];
    let sectors = u32::from(sector_byte & SECTOR_MASK);
    if sectors == 0 {
        return None;
    }
    let cylinder = u32::from(sector_byte & CYLINDER_HIGH_MASK) << CYLINDER_HIGH_SHIFT
        | u32::from(e[PART_END_CYLINDER]);
    Some(Chs {
        cylinders: cylinder + 1,
        heads: u32::from(e[PART_END_HEAD]) + 1,
        sectors,
    })
}

/// The emulated drive for one int13 call: the image at `boot.load_rba` on `cd`,
/// in 512-byte sectors, read-only.
pub struct EmulatedDisk<'a> {
    cd: &'a mut dyn BlockDevice,
    info: DriveInfo,
    /// The image's first CD sector.
    start: u64,
    /// A CD sector of firmware memory for partial reads.
    bounce: Option<u32>,
}

impl<'a> EmulatedDisk<'a> {
    pub fn new(cd: &'a mut dyn BlockDevice, boot: &CdBoot, bounce: Option<u32>) -> Self {
        // No further than the disc goes, whatever the image's geometry claims: the driver
        // is never asked for a sector past the end.
        let on_disc = cd
            .info()
            .sectors
            .saturating_sub(u64::from(boot.load_rba))
            .saturating_mul(u64::from(PER_CD_SECTOR));
        let info = DriveInfo {
            kind: DriveKind::Disk,
            sectors: boot.sectors().min(on_disc),
            sector_size: VIRTUAL_SECTOR_SIZE,
            read_only: true,
            removable: boot.number < super::FIRST_HD,
            chs: boot.geometry,
            interface: cd.info().interface,
        };
        EmulatedDisk {
            cd,
            info,
            start: u64::from(boot.load_rba),
            bounce,
        }
    }

    /// Read CD sector `cd_lba` into the bounce sector and copy `count` 512-byte sectors
    /// from its sector `first` to `buf`.
    fn partial(
        &mut self,
        ctx: &mut Ctx,
        cd_lba: u64,
        first: u32,
        count: u32,
        buf: u32,
    ) -> Result<(), DiskError> {
        let Some(bounce) = self.bounce else {
            warn!("cdemu", "no bounce sector for a partial CD sector read");
            return Err(DiskError::BadCommand);
        };
        self.cd.read(ctx, cd_lba, 1, bounce).map_err(|e| e.error)?;
        let mut chunk = [0u8; VIRTUAL_SECTOR_SIZE as usize];
        for i in 0..count {
            ctx.mem
                .read(bounce + (first + i) * VIRTUAL_SECTOR_SIZE, &mut chunk);
            ctx.mem.write(buf + i * VIRTUAL_SECTOR_SIZE, &chunk);
        }
        Ok(())
    }
}

impl BlockDevice for EmulatedDisk<'_> {
    fn info(&self) -> &DriveInfo {
        &self.info
    }

    fn describe(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        write!(out, "El Torito image on {}", DriveName(&*self.cd))
    }

    /// `count` 512-byte sectors from `lba`: a partial CD sector first and last through
    /// the bounce sector, the whole ones between straight into `buf`.
    fn read(&mut self, ctx: &mut Ctx, lba: u64, count: u32, buf: u32) -> Result<(), IoError> {
        let mut cd_lba = self.start + lba / u64::from(PER_CD_SECTOR);
        let mut skip = (lba % u64::from(PER_CD_SECTOR)) as u32;
        let mut done = 0;
        while done < count {
            let at = buf + done * VIRTUAL_SECTOR_SIZE;
            let left = count - done;
            let step = if skip != 0 || left < PER_CD_SECTOR {
                let n = left.min(PER_CD_SECTOR - skip);
                self.partial(ctx, cd_lba, skip, n, at)
                    .map_err(|e| IoError::new(e, done))?;
                cd_lba += 1;
                n
            } else {
                let whole = left / PER_CD_SECTOR;
                if let Err(e) = self.cd.read(ctx, cd_lba, whole, at) {
                    return Err(IoError::new(e.error, done + e.done * PER_CD_SECTOR));
                }
                cd_lba += u64::from(whole);
                whole * PER_CD_SECTOR
            };
            skip = 0;
            done += step;
        }
        Ok(())
    }

    fn write(&mut self, _: &mut Ctx, _: u64, _: u32, _: u32) -> Result<(), IoError> {
        Err(DiskError::WriteProtected.into())
    }

    fn reset(&mut self, ctx: &mut Ctx) -> Result<(), DiskError> {
        self.cd.reset(ctx)
    }

    fn ready(&mut self, ctx: &mut Ctx) -> Result<(), DiskError> {
        self.cd.ready(ctx)
    }
}
