//! int 13h for every registered drive: CHS and EDD 3.0 on top of the registry.
//!
//! Every request is validated here, before a driver sees it: the drive exists, the count
//! and the address are in range, the buffer does not wrap. Drivers only report what the
//! device did. Each call leaves its status in the BDA (0x474 for hard disks, 0x441 for
//! diskettes) where function 01h finds it.
//!
//! Rules chosen (SeaBIOS `src/disk.c`, the Phoenix EDD 3.0 / T13 EDD specs and Ralf
//! Brown's list were the references):
//! - Absent drive, diskette number with no diskette drives, invalid count, CHS outside the
//!   logical geometry, range past the end of the drive, malformed packet: AH=01h
//!   ("invalid parameter"), as SeaBIOS does. Nothing is transferred.
//! - Write to a read-only drive: AH=03h. Device errors: the driver's [`DiskError`].
//! - One call moves at most [`MAX_BYTES`] (64 KiB), counted in bytes: 128 sectors of 512
//!   bytes, 32 of 2048 (CD-ROMs), 16 of 4096 (4Kn disks). What a real-mode caller can
//!   address in one segment; GRUB (36 KiB scratch buffer), SYSLINUX and ISOLINUX (64 KiB
//!   bounce buffer) stay within it.
//! - CHS count (AL): 1..=128 sectors of 512 bytes. CHS functions (02h-04h) address
//!   512-byte sectors; on a drive whose sectors are larger (CD-ROM, 4Kn disk) they are
//!   refused with AH=01h: a CHS sector of 2048 or 4096 bytes is no geometry a caller can
//!   know, loaders use the EDD functions there (GRUB and ISOLINUX do), and SeaBIOS has no
//!   CHS path for CD-ROMs either.
//! - EDD count: 0 transfers nothing and succeeds (EDD-4 "no data shall be transferred";
//!   SeaBIOS does the same), whatever the rest of the packet says. Up to 64 KiB is
//!   accepted (the spec's maximum is 127 sectors, SeaBIOS takes 128 of 512 bytes, and so
//!   do we, so that a loader that works there works here). Anything larger (including
//!   EDD-4's FFh form) is rejected with AH=01h and a count of 0.
//! - Buffers are linear: sector n goes to `buffer + n * sector_size`, across 64 KiB
//!   boundaries (as a real DMA controller would not, but SeaBIOS does); nothing is written
//!   outside `[buffer, buffer + count * sector_size)`.
//! - A buffer must lie wholly in RAM the guest owns: in the e820 map's RAM and outside the
//!   firmware's low area (EBDA and stack, from `layout::EBDA_START`). One that touches the
//!   EBDA, VGA memory, the ROM area, the firmware's reserved pages (rings, bounce pages,
//!   hypercall page) or device memory (grant frames) is refused with AH=01h before any
//!   driver sees it, so no driver ever writes into the firmware or grants it to a backend.
//! - On failure the count of sectors done is reported: AL for CHS calls, the packet's
//!   count for EDD calls.
//! - CD-ROMs are drives E0h.. (SeaBIOS's numbers). EDD functions move 2048-byte sectors;
//!   41h adds the removable media subset (CX = 7, as SeaBIOS): 45h locks (a count per
//!   drive; unlocking an unlocked drive is B0h), 46h refuses a locked drive (B1h) and
//!   otherwise succeeds without ejecting (no driver has an eject command; SeaBIOS's
//!   int15/52 does nothing either), 49h and 10h return what the driver's `ready` says
//!   (06h once after a change, 31h without a medium). Writes (03h, 43h) are refused with
//!   03h before the driver; CHS reads and 08h with 01h (no CHS geometry, as SeaBIOS);
//!   15h answers AH=01h as SeaBIOS does. 48h reports "removable, change line, lockable,
//!   CHS at maximum" with all-ones CHS fields (EDD-4; SeaBIOS the same), the medium's
//!   sector count and size, and the ATAPI device path. A CD whose driver saw no medium
//!   (0 sectors) is asked again (`ready`) before 02h/04h/42h/44h/47h; still none is 31h.
//! - El Torito (`cdemu`): 4Bh with AL=00h terminates the emulation and AL=01h returns
//!   the status, both copying the specification packet to DS:SI (El Torito 5.0; the
//!   numbering SeaBIOS and ISOLINUX use). DL must name the booted CD or the emulated
//!   drive (7Fh: all, for 00h); without a CD boot, 01h. The emulated drive (00h or 80h,
//!   hard disks then from 81h) serves the functions up to 16h only (as SeaBIOS), reads
//!   the image through the CD's driver and refuses writes with 03h; an emulated
//!   diskette's 08h gives BL = its drive type and DL = 1 drive, 16h "not changed".

use super::cdemu::{EmulatedDisk, spec_packet};
use super::geometry::{Geometry, Translation};
use super::{
    CdBoot, Drive, DriveInfo, DriveKind, Drives, FIRST_HD, Interface, IoError, PciAddr, SECTOR_SIZE,
};
use crate::bda;
use crate::block::DiskError::{
    self, BadCommand, Locked, MediaNotPresent, NotLocked, TooManyLocks, WriteProtected,
};
use crate::e820::{E820Map, FOUR_GIB};
use crate::hal::Ctx;
use crate::hal::mem::Memory;
use crate::hal::regs::Regs;
use crate::layout;
use xen_headers::io::blkif::Vbd;

// Function numbers (AH).
const RESET: u8 = 0x00;
const LAST_STATUS: u8 = 0x01;
const READ: u8 = 0x02;
const WRITE: u8 = 0x03;
const VERIFY: u8 = 0x04;
const PARAMETERS: u8 = 0x08;
const INIT_PARAMETERS: u8 = 0x09;
const SEEK: u8 = 0x0c;
const ALT_RESET: u8 = 0x0d;
const TEST_READY: u8 = 0x10;
const RECALIBRATE: u8 = 0x11;
const DIAGNOSTIC: u8 = 0x14;
const GET_TYPE: u8 = 0x15;
const CHANGE_LINE: u8 = 0x16;
const EXT_CHECK: u8 = 0x41;
const EXT_READ: u8 = 0x42;
const EXT_WRITE: u8 = 0x43;
const EXT_VERIFY: u8 = 0x44;
const LOCK: u8 = 0x45;
const EJECT: u8 = 0x46;
const EXT_SEEK: u8 = 0x47;
const EXT_PARAMETERS: u8 = 0x48;
const MEDIA_CHANGE: u8 = 0x49;
/// El Torito 1.0, 5.0: terminate disk emulation / get its status (AL 00h / 01h).
const CD_EMULATION: u8 = 0x4b;
const EMULATION_TERMINATE: u8 = 0x00;
const EMULATION_STATUS: u8 = 0x01;
/// 4B00h with DL = 7Fh ends every emulation.
const TERMINATE_ALL: u8 = 0x7f;

/// 45h: AL = lock, unlock, status.
const LOCK_LOCK: u8 = 0x00;
const LOCK_UNLOCK: u8 = 0x01;
const LOCK_STATUS: u8 = 0x02;

/// BDA offset of the diskette status byte (int13/01 for DL < 0x80).
const FLOPPY_STATUS: u32 = 0x41;

/// Most bytes one call may move.
pub const MAX_BYTES: u32 = 64 * 1024;
/// Most sectors a CHS call may move (64 KiB of 512-byte sectors).
const MAX_COUNT: u32 = MAX_BYTES / SECTOR_SIZE;

/// 15h: drive type answers (AH).
const TYPE_NONE: u8 = 0x00;
const TYPE_FLOPPY_NO_CHANGE_LINE: u8 = 0x01;
const TYPE_HARD_DISK: u8 = 0x03;

/// 41h: BX in and out, version (AH) and API subsets (CX).
const EXT_CHECK_IN: u16 = 0x55aa;
const EXT_CHECK_OUT: u16 = 0xaa55;
const EDD_VERSION_3_0: u8 = 0x30;
/// API subsets: fixed disk access (42h-44h, 47h, 48h) and EDD support (48h with the
/// device path; EDD-4 says this bit "shall be set"). Not: removable media (45h, 46h, 49h),
/// nor bit 3, "64-bit extensions", which in EDD-4 includes the FFh-count packet we refuse.
const EXT_SUBSET_DISK_ACCESS: u16 = 1 << 0;
const EXT_SUBSET_REMOVABLE: u16 = 1 << 1;
const EXT_SUBSET_EDD: u16 = 1 << 2;

/// 43h: AL write flags (EDD 1.1+: 0 and 1 write, 2 writes and verifies).
const WRITE_PLAIN: u8 = 0x00;
const WRITE_PLAIN_TOO: u8 = 0x01;
const WRITE_WITH_VERIFY: u8 = 0x02;

/// 08h on a diskette: BL, the drive type, from its sectors per track.
const SPT_1200K: u32 = 15;
const SPT_2880K: u32 = 36;
const FLOPPY_TYPE_1200K: u8 = 0x02;
const FLOPPY_TYPE_1440K: u8 = 0x04;
const FLOPPY_TYPE_2880K: u8 = 0x06;

/// Largest cylinder number AH=08h can express (10 bits).
const MAX_CYLINDER: u32 = 1023;
/// CL packs the sector number (bits 0-5) and cylinder bits 8-9 (bits 6-7).
const CL_SECTOR: u32 = 0x3f;
const CL_CYLINDER_HIGH: u32 = 0xc0;
/// Cylinder bits 8-9 move this far down into CL.
const CL_CYLINDER_SHIFT: u32 = 2;

/// EDD disk address packet (42h-44h, 47h).
mod packet {
    pub const SIZE: u32 = 0x00;
    pub const COUNT: u32 = 0x02;
    pub const BUFFER: u32 = 0x04;
    pub const LBA: u32 = 0x08;
    pub const FLAT_BUFFER: u32 = 0x10;
    /// Smallest packet, and the size that carries the 64-bit flat buffer address.
    pub const MIN_SIZE: u8 = 0x10;
    pub const FLAT_SIZE: u8 = 0x18;
    /// The segment:offset that says "use the flat address".
    pub const USE_FLAT: u32 = 0xffff_ffff;
}

/// EDD drive parameter table (48h).
mod params {
    pub const FLAGS: usize = 0x02;
    pub const CYLINDERS: usize = 0x04;
    pub const HEADS: usize = 0x08;
    pub const SPT: usize = 0x0c;
    pub const SECTORS: usize = 0x10;
    pub const SECTOR_SIZE: usize = 0x18;
    pub const DPTE: usize = 0x1a;
    pub const KEY: usize = 0x1e;
    pub const PATH_LENGTH: usize = 0x20;
    pub const HOST_BUS: usize = 0x24;
    pub const INTERFACE: usize = 0x28;
    pub const INTERFACE_PATH: usize = 0x30;
    pub const DEVICE_PATH: usize = 0x38;

    /// Table sizes: EDD 1.x, 2.x (DPTE pointer), 3.0 Phoenix (8-byte device path) and
    /// 3.0 T13 (16-byte device path, channel in the interface path).
    pub const SIZE_1X: u16 = 0x1a;
    pub const SIZE_2X: u16 = 0x1e;
    pub const SIZE_PHOENIX: u16 = 0x42;
    pub const SIZE_T13: u16 = 0x4a;

    pub const FLAG_DMA_BOUNDARY_TRANSPARENT: u16 = 1 << 0;
    pub const FLAG_CHS_VALID: u16 = 1 << 1;
    pub const FLAG_REMOVABLE: u16 = 1 << 2;
    pub const FLAG_WRITE_VERIFY: u16 = 1 << 3;
    pub const FLAG_CHANGE_LINE: u16 = 1 << 4;
    pub const FLAG_LOCKABLE: u16 = 1 << 5;
    pub const FLAG_CHS_MAX: u16 = 1 << 6;

    /// No DPTE (FFFF:FFFF).
    pub const NO_DPTE: u32 = 0xffff_ffff;
    pub const PATH_KEY: u16 = 0xbedd;
    pub const HOST_PCI: &[u8; 4] = b"PCI ";
    pub const HOST_ISA: &[u8; 4] = b"ISA ";
    pub const IFACE_ATA: &[u8; 8] = b"ATA     ";
    pub const IFACE_ATAPI: &[u8; 8] = b"ATAPI   ";
    pub const IFACE_SCSI: &[u8; 8] = b"SCSI    ";
    /// Drives bigger than 16383 * 16 * 63 sectors have no valid CHS geometry.
    pub const CHS_LIMIT: u64 = 15_482_880;
    pub const MAX_CYLINDERS: u32 = 16383;
}

/// int 13h: `regs` in and out; buffers must lie in the RAM `e820` describes.
pub fn handle(regs: &mut Regs, ctx: &mut Ctx, drives: &mut Drives, e820: &E820Map) {
    let (ah, dl) = (regs.ah(), regs.dl());
    let status = if dl < FIRST_HD {
        bda::at(FLOPPY_STATUS)
    } else {
        bda::at(bda::DISK_STATUS)
    };
    if ah == LAST_STATUS {
        let last = ctx.mem.read_u8(status);
        regs.set_ah(last);
        regs.set_cf(last != 0);
        return;
    }
    match call(ah, dl, regs, ctx, drives, e820) {
        Ok(ah) => {
            regs.set_ah(ah);
            regs.set_cf(false);
            ctx.mem.write_u8(status, 0);
        }
        Err(e) => {
            regs.fail(e.code());
            ctx.mem.write_u8(status, e.code());
        }
    }
}

/// Run function `ah` on drive `dl`; `Ok` carries AH for the caller (0 for all but 15h
/// and 41h).
fn call(
    ah: u8,
    dl: u8,
    regs: &mut Regs,
    ctx: &mut Ctx,
    drives: &mut Drives,
    e820: &E820Map,
) -> Result<u8, DiskError> {
    if ah == CD_EMULATION {
        return cd_emulation(regs, ctx, drives, e820, dl).map(|()| 0);
    }
    if let Some(boot) = drives.emulated().copied()
        && boot.number == dl
    {
        return emulated(ah, dl, regs, ctx, drives, e820, &boot);
    }
    let Some(id) = drives.id_by_number(dl) else {
        if ah == GET_TYPE {
            // The convention for a drive that is not there: success, type "none".
            regs.set_cx(0);
            regs.set_dx(0);
            return Ok(TYPE_NONE);
        }
        warn!("int13", "ah={ah:#04x}: no drive {dl:#04x}");
        return Err(BadCommand);
    };
    let Some(drive) = drives.get_mut(id) else {
        return Err(BadCommand);
    };
    if drive.dev.info().kind != DriveKind::Cdrom {
        return drive_call(ah, dl, regs, ctx, drive, e820, Class::Disk);
    }
    match ah {
        LOCK => lock(regs, drives.lock_count(id)),
        EJECT => {
            if *drives.lock_count(id) != 0 {
                warn!("int13", "ah=46 dl={dl:#04x}: the drive is locked");
                return Err(Locked);
            }
            // No driver has an eject command: as under SeaBIOS (whose int15/52 does
            // nothing), the request succeeds and the medium stays.
            Ok(0)
        }
        _ => drive_call(ah, dl, regs, ctx, drive, e820, Class::Cd),
    }
}

/// What kind of drive a call is for: the rules differ in places.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// A hard disk, or the emulated hard disk of a CD.
    Disk,
    /// A CD-ROM (E0h..): 2048-byte sectors, read-only, removable.
    Cd,
    /// The emulated diskette of a CD (00h).
    Floppy,
}

/// The emulated drive of a CD boot (00h or 80h): the old functions only (up to 16h,
/// as SeaBIOS serves it: what the booted DOS-era code uses), on a read-only view of the
/// image that reads the CD through its driver.
fn emulated(
    ah: u8,
    dl: u8,
    regs: &mut Regs,
    ctx: &mut Ctx,
    drives: &mut Drives,
    e820: &E820Map,
    boot: &CdBoot,
) -> Result<u8, DiskError> {
    if ah > CHANGE_LINE {
        warn!(
            "int13",
            "ah={ah:#04x} dl={dl:#04x}: not served on an emulated drive"
        );
        return Err(BadCommand);
    }
    let bounce = drives.cd_bounce;
    let Some(cd) = drives.get_mut(boot.cd) else {
        return Err(BadCommand);
    };
    let mut view = EmulatedDisk::new(&mut *cd.dev, boot, bounce);
    let chs = boot.geometry.unwrap_or_default();
    let mut drive = Drive {
        dev: &mut view,
        geometry: Geometry {
            logical: chs,
            physical: chs,
            translation: Translation::None,
        },
        hidden: false,
    };
    let class = if dl < FIRST_HD {
        Class::Floppy
    } else {
        Class::Disk
    };
    drive_call(ah, dl, regs, ctx, &mut drive, e820, class)
}

/// A CD, before anything that needs its medium: a drive that saw none is asked again
/// (`ready`, which may find one inserted since), and still none is 31h.
fn medium(ctx: &mut Ctx, drive: &mut Drive<'_>) -> Result<(), DiskError> {
    if drive.dev.info().sectors == 0 {
        drive.dev.ready(ctx)?;
        if drive.dev.info().sectors == 0 {
            return Err(MediaNotPresent);
        }
    }
    Ok(())
}

fn drive_call(
    ah: u8,
    dl: u8,
    regs: &mut Regs,
    ctx: &mut Ctx,
    drive: &mut Drive<'_>,
    e820: &E820Map,
    class: Class,
) -> Result<u8, DiskError> {
    let cd = class == Class::Cd;
    if cd && matches!(ah, READ | VERIFY | EXT_READ | EXT_VERIFY | EXT_SEEK) {
        medium(ctx, drive)?;
    }
    match ah {
        RESET | ALT_RESET => drive.dev.reset(ctx).map(|()| 0),
        WRITE | EXT_WRITE if cd => {
            if ah == EXT_WRITE && packet_size(ctx.mem, regs.ds_si()).is_ok() {
                ctx.mem.write_u16(regs.ds_si() + packet::COUNT, 0);
            }
            regs.set_al(0);
            warn!("int13", "ah={ah:#04x} dl={dl:#04x}: write to a CD-ROM");
            Err(WriteProtected)
        }
        READ => chs_transfer(Op::Read, regs, ctx, drive, e820),
        WRITE => chs_transfer(Op::Write { verify: false }, regs, ctx, drive, e820),
        VERIFY => chs_transfer(Op::Verify, regs, ctx, drive, e820),
        PARAMETERS if cd => {
            warn!("int13", "ah=08 dl={dl:#04x}: no CHS geometry on a CD-ROM");
            Err(BadCommand)
        }
        PARAMETERS => {
            parameters(regs, ctx.mem, drive, class == Class::Floppy);
            Ok(0)
        }
        // Nothing to do for these on a drive that is addressed by LBA underneath.
        INIT_PARAMETERS | RECALIBRATE | DIAGNOSTIC => Ok(0),
        SEEK => chs_address(regs, drive).map(|_| 0),
        TEST_READY => drive.dev.ready(ctx).map(|()| 0),
        // As SeaBIOS answers for diskettes and CD-ROMs: "diskette, no change line".
        GET_TYPE if class != Class::Disk => Ok(TYPE_FLOPPY_NO_CHANGE_LINE),
        GET_TYPE => {
            let sectors = drive.geometry.chs_capacity() as u32;
            regs.set_cx((sectors >> 16) as u16);
            regs.set_dx(sectors as u16);
            Ok(TYPE_HARD_DISK)
        }
        // An emulated diskette never changes (its image is on the CD).
        CHANGE_LINE if class == Class::Floppy => Ok(0),
        CHANGE_LINE => {
            warn!(
                "int13",
                "ah=16 dl={dl:#04x}: change line is a diskette function"
            );
            Err(BadCommand)
        }
        EXT_CHECK => {
            if regs.bx() != EXT_CHECK_IN {
                warn!(
                    "int13",
                    "ah=41 dl={dl:#04x}: bx={:#06x}, not 55aa",
                    regs.bx()
                );
                return Err(BadCommand);
            }
            regs.set_bx(EXT_CHECK_OUT);
            let removable = if cd { EXT_SUBSET_REMOVABLE } else { 0 };
            regs.set_cx(EXT_SUBSET_DISK_ACCESS | removable | EXT_SUBSET_EDD);
            Ok(EDD_VERSION_3_0)
        }
        EXT_READ => ext_transfer(Op::Read, regs, ctx, drive, e820),
        EXT_WRITE => {
            let verify = match regs.al() {
                WRITE_PLAIN | WRITE_PLAIN_TOO => false,
                WRITE_WITH_VERIFY => true,
                al => {
                    warn!("int13", "ah=43 dl={dl:#04x}: write flags al={al:#04x}");
                    return Err(BadCommand);
                }
            };
            ext_transfer(Op::Write { verify }, regs, ctx, drive, e820)
        }
        EXT_VERIFY => ext_transfer(Op::Verify, regs, ctx, drive, e820),
        EXT_SEEK => ext_seek(regs, ctx.mem, drive).map(|()| 0),
        EXT_PARAMETERS => drive_parameters(regs, ctx.mem, drive).map(|()| 0),
        // A CD: what the driver says of its medium (06h once after a change, 31h when
        // there is none). Fixed disks do not offer the removable media subset (41h).
        MEDIA_CHANGE if cd => drive.dev.ready(ctx).map(|()| 0),
        _ => {
            warn!("int13", "ah={ah:#04x} dl={dl:#04x}: function not supported");
            Err(BadCommand)
        }
    }
}

/// 45h on a CD: AL = 0 lock, 1 unlock, 2 status; AL out = locked (1) or not (0).
fn lock(regs: &mut Regs, count: &mut u8) -> Result<u8, DiskError> {
    match regs.al() {
        LOCK_LOCK => {
            let Some(n) = count.checked_add(1) else {
                return Err(TooManyLocks);
            };
            *count = n;
        }
        LOCK_UNLOCK => {
            let Some(n) = count.checked_sub(1) else {
                regs.set_al(0);
                return Err(NotLocked);
            };
            *count = n;
        }
        LOCK_STATUS => {}
        al => {
            warn!("int13", "ah=45: al={al:#04x}");
            return Err(BadCommand);
        }
    }
    regs.set_al(u8::from(*count != 0));
    Ok(0)
}

/// 4Bh (El Torito 1.0, 5.0): AL = 00h terminate the emulation and return the
/// specification packet at DS:SI, 01h return it only. DL names the booted CD, the
/// emulated drive, or (terminate) 7Fh for "all". Refused with 01h when no CD booted.
fn cd_emulation(
    regs: &mut Regs,
    ctx: &mut Ctx,
    drives: &mut Drives,
    e820: &E820Map,
    dl: u8,
) -> Result<(), DiskError> {
    let al = regs.al();
    let Some(boot) = drives.cdboot else {
        warn!("int13", "ah=4b dl={dl:#04x}: no CD was booted");
        return Err(BadCommand);
    };
    let cd_number = drives.bios_number(boot.cd);
    let named = Some(dl) == cd_number
        || (boot.emulating() && dl == boot.number)
        || (al == EMULATION_TERMINATE && dl == TERMINATE_ALL);
    if !named || !matches!(al, EMULATION_TERMINATE | EMULATION_STATUS) {
        warn!(
            "int13",
            "ah=4b al={al:#04x} dl={dl:#04x}: not the booted CD"
        );
        return Err(BadCommand);
    }
    let Some(cd) = drives.get(boot.cd) else {
        return Err(BadCommand);
    };
    let packet = spec_packet(&boot, cd.dev.info());
    let at = regs.ds_si();
    let end = u64::from(at) + packet.len() as u64;
    if !guest_ram(e820, at.into(), end) {
        warn!("int13", "ah=4b: packet at {at:#x} is not guest RAM");
        return Err(BadCommand);
    }
    ctx.mem.write(at, &packet);
    if al == EMULATION_TERMINATE && boot.emulating() {
        info!(
            "int13",
            "El Torito emulation of drive {:#04x} ended", boot.number
        );
        if let Some(b) = drives.cdboot.as_mut() {
            b.active = false;
        }
        if boot.number < FIRST_HD {
            let equipment = ctx.mem.read_u16(bda::at(bda::EQUIPMENT));
            ctx.mem.write_u16(
                bda::at(bda::EQUIPMENT),
                equipment & !(bda::EQUIP_DISKETTES | bda::EQUIP_DISKETTE_COUNT),
            );
        } else {
            ctx.mem
                .write_u8(bda::at(bda::DISK_COUNT), drives.disk_count());
        }
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Read,
    Write { verify: bool },
    Verify,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::Write { .. } => "write",
            Op::Verify => "verify",
        }
    }
}

/// The LBA of the CHS address in CH/CL/DH (CL bits 6-7 are cylinder bits 8-9).
fn chs_address(regs: &Regs, drive: &Drive<'_>) -> Result<u64, DiskError> {
    let cl = regs.cl() as u32;
    let cylinder = regs.ch() as u32 | (cl & CL_CYLINDER_HIGH) << CL_CYLINDER_SHIFT;
    let sector = cl & CL_SECTOR;
    let head = regs.dh() as u32;
    let lba = drive.geometry.to_lba(cylinder, head, sector);
    lba.ok_or_else(|| {
        let g = drive.geometry.logical;
        warn!(
            "int13",
            "chs {cylinder}/{head}/{sector} outside {}/{}/{}", g.cylinders, g.heads, g.sectors
        );
        BadCommand
    })
}

/// 02h, 03h, 04h: AL sectors at CH/CL/DH to or from ES:BX; AL = sectors done.
fn chs_transfer(
    op: Op,
    regs: &mut Regs,
    ctx: &mut Ctx,
    drive: &mut Drive<'_>,
    e820: &E820Map,
) -> Result<u8, DiskError> {
    let count = regs.al() as u32;
    regs.set_al(0);
    if count == 0 || count > MAX_COUNT {
        warn!(
            "int13",
            "{}: count {count} not in 1..={MAX_COUNT}",
            op.name()
        );
        return Err(BadCommand);
    }
    let size = drive.dev.info().sector_size;
    if size != SECTOR_SIZE {
        warn!(
            "int13",
            "{}: CHS on a drive of {size}-byte sectors",
            op.name()
        );
        return Err(BadCommand);
    }
    let lba = chs_address(regs, drive)?;
    let result = transfer(op, ctx, drive, e820, lba, count, regs.es_bx());
    regs.set_al(done(count, result) as u8);
    result.map(|()| 0).map_err(|e| e.error)
}

/// 42h, 43h, 44h: the packet at DS:SI; its count becomes the sectors done.
fn ext_transfer(
    op: Op,
    regs: &mut Regs,
    ctx: &mut Ctx,
    drive: &mut Drive<'_>,
    e820: &E820Map,
) -> Result<u8, DiskError> {
    let pkt = regs.ds_si();
    let size = packet_size(ctx.mem, pkt)?;
    let count = ctx.mem.read_u16(pkt + packet::COUNT) as u32;
    if count == 0 {
        return Ok(0);
    }
    let most = MAX_BYTES / drive.dev.info().sector_size;
    let result = if count > most {
        warn!("int13", "{}: count {count} over {most}", op.name());
        Err(IoError::from(BadCommand))
    } else {
        let lba = ctx.mem.read_u64(pkt + packet::LBA);
        // Verify moves no data: its buffer address is not looked at.
        let buf = match op {
            Op::Verify => Ok(0),
            _ => packet_buffer(ctx.mem, pkt, size),
        };
        match buf {
            Ok(buf) => transfer(op, ctx, drive, e820, lba, count, buf),
            Err(e) => Err(e.into()),
        }
    };
    ctx.mem
        .write_u16(pkt + packet::COUNT, done(count, result) as u16);
    result.map(|()| 0).map_err(|e| e.error)
}

/// 47h: the packet's LBA must be on the drive; there is nothing to move.
fn ext_seek(regs: &Regs, mem: &mut dyn Memory, drive: &Drive<'_>) -> Result<(), DiskError> {
    let pkt = regs.ds_si();
    packet_size(mem, pkt)?;
    let lba = mem.read_u64(pkt + packet::LBA);
    check_range(drive.dev.info(), lba, 1).map_err(|e| e.error)
}

fn packet_size(mem: &dyn Memory, pkt: u32) -> Result<u8, DiskError> {
    let size = mem.read_u8(pkt + packet::SIZE);
    if size < packet::MIN_SIZE {
        warn!(
            "int13",
            "packet size {size:#04x} under {:#04x}",
            packet::MIN_SIZE
        );
        return Err(BadCommand);
    }
    Ok(size)
}

/// The packet's buffer: its segment:offset, or the 64-bit flat address when that is
/// FFFF:FFFF and the packet is big enough to carry one.
fn packet_buffer(mem: &dyn Memory, pkt: u32, size: u8) -> Result<u32, DiskError> {
    let segoff = mem.read_u32(pkt + packet::BUFFER);
    if segoff != packet::USE_FLAT {
        return Ok(crate::hal::mem::linear(
            (segoff >> 16) as u16,
            segoff as u16,
        ));
    }
    if size < packet::FLAT_SIZE {
        warn!("int13", "buffer FFFF:FFFF in a {size:#04x}-byte packet");
        return Err(BadCommand);
    }
    let flat = mem.read_u64(pkt + packet::FLAT_BUFFER);
    u32::try_from(flat).map_err(|_| {
        warn!("int13", "flat buffer {flat:#x} above 4 GiB");
        BadCommand
    })
}

/// Sectors completed by a transfer of `count` that ended in `result`.
fn done(count: u32, result: Result<(), IoError>) -> u32 {
    match result {
        Ok(()) => count,
        Err(e) => e.done.min(count),
    }
}

/// `count` sectors from `lba` must lie on the drive.
fn check_range(info: &DriveInfo, lba: u64, count: u32) -> Result<(), IoError> {
    match lba.checked_add(count as u64) {
        Some(end) if end <= info.sectors => Ok(()),
        _ => {
            warn!(
                "int13",
                "lba {lba}+{count} past the end ({} sectors)", info.sectors
            );
            Err(BadCommand.into())
        }
    }
}

/// Whether `[start, end)` is RAM the guest owns: RAM in `e820`, and not the firmware's
/// low area (reserved in the map POST builds; checked here whatever the map says).
fn guest_ram(e820: &E820Map, start: u64, end: u64) -> bool {
    let firmware = u64::from(layout::EBDA_START)..u64::from(layout::LOW_MEM_END);
    end <= FOUR_GIB && e820.is_ram(start, end) && (end <= firmware.start || start >= firmware.end)
}

/// Validate a transfer against the drive and hand it to the driver.
fn transfer(
    op: Op,
    ctx: &mut Ctx,
    drive: &mut Drive<'_>,
    e820: &E820Map,
    lba: u64,
    count: u32,
    buf: u32,
) -> Result<(), IoError> {
    let info = drive.dev.info();
    check_range(info, lba, count)?;
    let read_only = info.read_only;
    let bytes = count as u64 * info.sector_size as u64;
    let end = u64::from(buf) + bytes;
    if op != Op::Verify && !guest_ram(e820, buf.into(), end) {
        warn!(
            "int13",
            "{} buffer {buf:#x}-{end:#x} is not guest RAM",
            op.name()
        );
        return Err(BadCommand.into());
    }
    let dev = &mut *drive.dev;
    let result = match op {
        Op::Read => dev.read(ctx, lba, count, buf),
        Op::Verify => dev.verify(ctx, lba, count),
        Op::Write { .. } if read_only => {
            warn!("int13", "write to a read-only drive");
            Err(WriteProtected.into())
        }
        Op::Write { verify } => dev
            .write(ctx, lba, count, buf)
            .and_then(|()| dev.flush(ctx).map_err(|e| IoError::new(e, count)))
            .and_then(|()| {
                if verify {
                    dev.verify(ctx, lba, count)
                } else {
                    Ok(())
                }
            }),
    };
    if let Err(e) = result {
        warn!(
            "int13",
            "{} lba {lba}+{count}: error {:#04x} after {} sectors",
            op.name(),
            e.error.code(),
            e.done
        );
    }
    result
}

/// 08h: the logical geometry as maximum cylinder/head/sector numbers. ES:DI (the
/// diskette parameter table) is left alone, BL is the drive type for a diskette, and DL
/// the number of drives of the caller's kind.
fn parameters(regs: &mut Regs, mem: &dyn Memory, drive: &Drive<'_>, floppy: bool) {
    let g = drive.geometry.logical;
    let max_cylinder = g.cylinders.saturating_sub(1).min(MAX_CYLINDER);
    regs.set_al(0);
    regs.set_ch(max_cylinder as u8);
    let cylinder_high = (max_cylinder >> CL_CYLINDER_SHIFT) & CL_CYLINDER_HIGH;
    regs.set_cl((cylinder_high | g.sectors & CL_SECTOR) as u8);
    regs.set_dh(g.heads.saturating_sub(1) as u8);
    if floppy {
        // The only diskette drive is the emulated one. Drive types as Ralf Brown's list
        // gives them (and SeaBIOS reports for its emulated diskettes).
        regs.set_bl(match g.sectors {
            SPT_1200K => FLOPPY_TYPE_1200K,
            SPT_2880K => FLOPPY_TYPE_2880K,
            _ => FLOPPY_TYPE_1440K,
        });
        regs.set_dl(1);
        // ES:DI: the diskette parameter table, the one int 1Eh points to (a program that
        // installed its own gets its own back, as from a real diskette BIOS).
        let table = crate::ivt::get(mem, crate::ivt::DISKETTE_PARAMS);
        regs.es = table.segment;
        regs.set_di(table.offset);
    } else {
        regs.set_dl(mem.read_u8(bda::at(bda::DISK_COUNT)));
    }
}

/// 48h: EDD drive parameters into the buffer at DS:SI, as much as its size word allows
/// (26, 30, 66 or 74 bytes). Nothing past the returned size is written.
fn drive_parameters(regs: &Regs, mem: &mut dyn Memory, drive: &Drive<'_>) -> Result<(), DiskError> {
    let addr = regs.ds_si();
    let room = mem.read_u16(addr);
    if room < params::SIZE_1X {
        warn!("int13", "ah=48: buffer of {room} bytes");
        return Err(BadCommand);
    }
    let mut t = [0u8; params::SIZE_T13 as usize];
    let size = fill_parameters(&mut t, room, drive);
    mem.write(addr, &t[..size as usize]);
    Ok(())
}

/// Build the 48h table in `t`; returns its size (what fits in `room`).
fn fill_parameters(t: &mut [u8; params::SIZE_T13 as usize], room: u16, drive: &Drive<'_>) -> u16 {
    use params::*;
    let put = |t: &mut [u8; SIZE_T13 as usize], at: usize, bytes: &[u8]| {
        t[at..at + bytes.len()].copy_from_slice(bytes)
    };
    let info = drive.dev.info();
    let phys = drive.geometry.physical;
    if info.kind == DriveKind::Cdrom {
        // A CD-ROM has no CHS geometry: EDD-4 flags "removable, change line, lockable,
        // CHS set to maximum" with every CHS field all ones, as SeaBIOS reports them.
        let flags = FLAG_REMOVABLE | FLAG_CHANGE_LINE | FLAG_LOCKABLE | FLAG_CHS_MAX;
        put(t, FLAGS, &flags.to_le_bytes());
        for at in [CYLINDERS, HEADS, SPT] {
            put(t, at, &u32::MAX.to_le_bytes());
        }
    } else {
        let mut flags = FLAG_DMA_BOUNDARY_TRANSPARENT | FLAG_WRITE_VERIFY;
        if info.removable {
            flags |= FLAG_REMOVABLE;
        }
        let cylinders = if info.sectors <= CHS_LIMIT {
            flags |= FLAG_CHS_VALID;
            phys.cylinders
        } else {
            MAX_CYLINDERS
        };
        put(t, FLAGS, &flags.to_le_bytes());
        put(t, CYLINDERS, &cylinders.to_le_bytes());
        put(t, HEADS, &phys.heads.to_le_bytes());
        put(t, SPT, &phys.sectors.to_le_bytes());
    }
    put(t, SECTORS, &info.sectors.to_le_bytes());
    put(t, SECTOR_SIZE, &(info.sector_size as u16).to_le_bytes());
    let mut size = SIZE_1X;
    if room >= SIZE_2X {
        put(t, DPTE, &NO_DPTE.to_le_bytes());
        size = SIZE_2X;
    }
    if room >= SIZE_PHOENIX {
        let t13 = room >= SIZE_T13;
        size = if t13 { SIZE_T13 } else { SIZE_PHOENIX };
        put(t, KEY, &PATH_KEY.to_le_bytes());
        t[PATH_LENGTH] = (size as usize - KEY) as u8;
        let pci_path = |p: PciAddr, channel: u8| {
            // Phoenix 3.0 has no channel byte; T13 EDD-3 puts it after the function.
            [p.bus, p.dev, p.func, if t13 { channel } else { 0 }]
        };
        match info.interface {
            Interface::Ata {
                pci,
                channel,
                slave,
                atapi,
                io_base,
            } => {
                match pci {
                    Some(p) => {
                        put(t, HOST_BUS, HOST_PCI);
                        put(t, INTERFACE_PATH, &pci_path(p, channel));
                    }
                    None => {
                        put(t, HOST_BUS, HOST_ISA);
                        put(t, INTERFACE_PATH, &io_base.to_le_bytes());
                    }
                }
                put(t, INTERFACE, if atapi { IFACE_ATAPI } else { IFACE_ATA });
                // Device path: master (0) or slave (1); an ATAPI device's LUN (0) follows.
                t[DEVICE_PATH] = slave as u8;
            }
            Interface::Xen { pci, vdev } => {
                // No EDD interface type names Xen's PV disks. They hang off the Xen
                // platform PCI device, numbered by their vdev, like SCSI targets behind
                // a host adapter: "PCI" at the platform device, "SCSI" with the disk
                // number (xvda = 0) as the target id and LUN 0.
                put(t, HOST_BUS, HOST_PCI);
                put(t, INTERFACE_PATH, &pci_path(pci, 0));
                put(t, INTERFACE, IFACE_SCSI);
                let id = Vbd::decode(vdev).map_or(0, |v| v.disk) as u16;
                put(t, DEVICE_PATH, &id.to_le_bytes());
            }
        }
        let last = size as usize - 1;
        let sum = t[KEY..last].iter().fold(0u8, |a, b| a.wrapping_add(*b));
        t[last] = sum.wrapping_neg();
    }
    put(t, 0, &size.to_le_bytes());
    size
}
