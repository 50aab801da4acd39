//! ATAPI CD/DVD drives on an IDE channel: the PACKET protocol and the few SCSI/MMC commands
//! a BIOS needs (INQUIRY, TEST UNIT READY, REQUEST SENSE, READ CAPACITY(10), READ(10)).
//!
//! Protocol: ATA/ATAPI-6 (T13/1410D) PACKET command, PIO data-in (SFF-8020i is the older
//! form of the same): the byte count limit goes in LBA mid/high, the command code A0h is
//! written, the device raises DRQ with interrupt reason CoD=1 IO=0 and takes the 12-byte
//! command packet as six words; then, for every data block, BSY clears with DRQ set,
//! interrupt reason IO=1 CoD=0 and the block's byte count in LBA mid/high. The command ends
//! when BSY and DRQ are both clear; CHK (the ERR bit) means CHECK CONDITION, with the sense
//! key in bits 7:4 of the error register and the rest in REQUEST SENSE's reply (SPC-2 fixed
//! format). Every wait is bounded by the channel's deadlines.
//!
//! Rules chosen. SeaBIOS (`src/hw/ata.c` `ata_atapi_process_op`, `src/hw/blockcmd.c`
//! `scsi_is_ready`, `src/cdrom.c`) answers every failed packet command with 0Ch, refuses
//! writes with 03h, never looks at the medium at POST (its CD drives have an unknown size)
//! and, before booting a CD, retries TEST UNIT READY for 5 s (30 s more once the device
//! says it is becoming ready) unless the sense says "medium not present". Here, following
//! the block layer's contract for CD drives:
//! - Sense 02h/3Ah (no medium): 31h, and the drive's capacity becomes 0.
//! - Sense 06h (unit attention: 28h medium changed, 29h reset): 06h once, from the call
//!   that saw it (`ready()` or a read); the capacity is read again at once, so the next
//!   call uses the new medium.
//! - Sense 02h/04h (becoming ready, as after a medium change) and other transient senses:
//!   retried like `scsi_is_ready`, for [`READY_WAIT_MS`] at most (no 30 s extension, POST
//!   must stay short), then 0AAh (not ready).
//! - Medium or hardware error (03h, 04h): 10h; LBA out of range (05h/21h): 04h; other
//!   illegal requests: 01h; any other sense: 0BBh. A device that does not answer in time:
//!   80h, never retried (each try would cost a full command timeout). A device that
//!   breaks the protocol (wrong interrupt reason, more or less data than asked for): 20h.
//! - Writes: 03h, as SeaBIOS.
//! - The byte count limit is [`BYTE_COUNT_LIMIT`] (SeaBIOS uses one sector): fewer data
//!   phases, and the driver takes whatever byte counts the device chooses up to it.

use super::Position;
use super::channel::{COMMAND_TIMEOUT_MS, Channel, Failure, Ports, cmd, reg, status};
use super::identify::{Identify, Model};
use crate::block::{
    BlockDevice, Capacity, DiskError, DriveInfo, DriveKind, DriveName, Drives, Interface, IoError,
    PciAddr,
};
use crate::hal::Ctx;
use crate::hal::PortIo;
use crate::hal::clock::{Clock, Deadline};
use crate::hal::mem::Memory;
use core::fmt;
use zerocopy::IntoBytes;

/// CD-ROM logical block size (MMC: data mode 1 user data).
pub const CD_SECTOR: u32 = 2048;
/// The byte count limit sent with every PACKET command: the largest whole number of CD
/// sectors below FFFFh (ATA/ATAPI-6: the limit should be even; FFFFh means FFFEh).
const BYTE_COUNT_LIMIT: u16 = 0xf800;
/// READ(10) moves at most this many blocks per command (16-bit transfer length).
const MAX_PER_COMMAND: u32 = u16::MAX as u32;
/// How long a device that is becoming ready (or keeps reporting a unit attention) is
/// retried, and the pause between tries (SeaBIOS `scsi_is_ready`: 5 s).
const READY_WAIT_MS: u64 = 5_000;
const RETRY_DELAY_US: u64 = 100_000;
/// Words PIO data is moved in between the data register and memory.
const CHUNK_WORDS: usize = 256;

/// ATAPI task file meanings (ATA/ATAPI-6 PACKET command).
mod packet_reg {
    use super::reg;
    /// Features when written: bit 0 DMA, bit 1 OVL; 0 = PIO, no overlap.
    pub const FEATURES: u16 = reg::ERROR;
    /// Interrupt reason when read (sector count register).
    pub const REASON: u16 = reg::SECTOR_COUNT;
    /// Byte count (limit when written, this block's count when read).
    pub const BYTES_LOW: u16 = reg::LBA_MID;
    pub const BYTES_HIGH: u16 = reg::LBA_HIGH;
    pub const FEATURES_PIO: u8 = 0;
}

/// Interrupt reason bits.
mod reason {
    /// Command packet (1) or user data (0).
    pub const COD: u8 = 1 << 0;
    /// Transfer to the host (1) or to the device (0).
    pub const IO: u8 = 1 << 1;
}

/// Error register of a packet device: the sense key in bits 7:4.
const SENSE_KEY_SHIFT: u8 = 4;

/// SCSI operation codes (SPC-2, MMC-2) and their reply lengths.
mod op {
    pub const TEST_UNIT_READY: u8 = 0x00;
    pub const REQUEST_SENSE: u8 = 0x03;
    pub const INQUIRY: u8 = 0x12;
    pub const READ_CAPACITY: u8 = 0x25;
    pub const READ_10: u8 = 0x28;
    /// Fixed-format sense data up to the ASCQ and FRU bytes.
    pub const SENSE_LEN: usize = 18;
    /// Standard INQUIRY data.
    pub const INQUIRY_LEN: usize = 36;
    /// Last LBA and block length, both big-endian.
    pub const CAPACITY_LEN: usize = 8;
}

/// Fixed-format sense data (SPC-2 4.5.3): byte offsets and response codes.
mod sense {
    pub const RESPONSE_CODE: usize = 0;
    pub const RESPONSE_MASK: u8 = 0x7f;
    pub const CURRENT: u8 = 0x70;
    pub const DEFERRED: u8 = 0x71;
    pub const KEY: usize = 2;
    pub const KEY_MASK: u8 = 0x0f;
    pub const ASC: usize = 12;
    pub const ASCQ: usize = 13;
}

/// Sense keys and additional sense codes (SPC-2 annex).
mod key {
    pub const NOT_READY: u8 = 0x02;
    pub const MEDIUM_ERROR: u8 = 0x03;
    pub const HARDWARE_ERROR: u8 = 0x04;
    pub const ILLEGAL_REQUEST: u8 = 0x05;
    pub const UNIT_ATTENTION: u8 = 0x06;
}
mod asc {
    pub const LBA_OUT_OF_RANGE: u8 = 0x21;
    pub const MEDIUM_NOT_PRESENT: u8 = 0x3a;
}

/// INQUIRY byte 0: peripheral device type in bits 4:0 (5 = CD/DVD, MMC).
const INQUIRY_TYPE_MASK: u8 = 0x1f;
const TYPE_CDROM: u8 = 0x05;

type Cdb = [u8; 12];

/// What a CHECK CONDITION said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sense {
    key: u8,
    asc: u8,
    ascq: u8,
}

impl Sense {
    fn no_medium(self) -> bool {
        self.asc == asc::MEDIUM_NOT_PRESENT
    }
    fn changed(self) -> bool {
        self.key == key::UNIT_ATTENTION
    }
    fn disk_error(self) -> DiskError {
        match (self.key, self.asc) {
            (_, asc::MEDIUM_NOT_PRESENT) => DiskError::MediaNotPresent,
            (key::UNIT_ATTENTION, _) => DiskError::MediaChanged,
            (key::NOT_READY, _) => DiskError::NotReady,
            (key::MEDIUM_ERROR | key::HARDWARE_ERROR, _) => DiskError::ReadError,
            (key::ILLEGAL_REQUEST, asc::LBA_OUT_OF_RANGE) => DiskError::SectorNotFound,
            (key::ILLEGAL_REQUEST, _) => DiskError::BadCommand,
            _ => DiskError::Undefined,
        }
    }
}

/// Why a packet command failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// CHECK CONDITION and its sense.
    Sense(Sense),
    /// The device did not answer in time (or reported an error at the ATA level).
    Bus(Failure),
    /// The device broke the protocol: the interrupt reason it showed.
    Protocol(u8),
    /// The command succeeded with fewer bytes than it asked for.
    Short(u32),
}

impl Fault {
    fn disk_error(self) -> DiskError {
        match self {
            Fault::Sense(s) => s.disk_error(),
            Fault::Bus(f) => f.disk_error(),
            Fault::Protocol(_) | Fault::Short(_) => DiskError::ControllerFailure,
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Sense(s) => write!(
                f,
                "sense {:02x}/{:02x}/{:02x} ({:?})",
                s.key,
                s.asc,
                s.ascq,
                s.disk_error()
            ),
            Fault::Bus(b) => b.fmt(f),
            Fault::Protocol(r) => write!(f, "protocol error (interrupt reason {r:#04x})"),
            Fault::Short(n) => write!(f, "the command ended after {n} bytes"),
        }
    }
}

/// Where a command's data goes.
enum Dest<'a> {
    /// Nothing expected.
    None,
    /// A small reply (sense, capacity, inquiry).
    Local(&'a mut [u8]),
    /// Guest memory: `len` bytes from `at`.
    Mem {
        mem: &'a mut dyn Memory,
        at: u32,
        len: u32,
    },
}

impl Dest<'_> {
    fn len(&self) -> u32 {
        match self {
            Dest::None => 0,
            Dest::Local(b) => b.len() as u32,
            Dest::Mem { len, .. } => *len,
        }
    }

    /// Store `data` at offset `off`, clipped to the destination.
    fn store(&mut self, off: u32, data: &[u8]) {
        let room = self.len().saturating_sub(off) as usize;
        let data = &data[..data.len().min(room)];
        match self {
            Dest::None => {}
            Dest::Local(b) => b[off as usize..off as usize + data.len()].copy_from_slice(data),
            Dest::Mem { mem, at, .. } => mem.write(*at + off, data),
        }
    }
}

/// Run one packet command; its data (if any) goes to `dest`. `Ok` is the bytes moved;
/// on failure, the bytes moved before it and why.
fn packet(ch: &Channel, slave: bool, cdb: &Cdb, dest: &mut Dest) -> Result<u32, (u32, Fault)> {
    let bus = |f| (0, Fault::Bus(f));
    ch.quiet();
    ch.wait_idle().map_err(bus)?;
    ch.select(slave, 0);
    ch.wait_idle().map_err(bus)?;
    ch.write(packet_reg::FEATURES, packet_reg::FEATURES_PIO);
    ch.write(packet_reg::REASON, 0);
    ch.write(packet_reg::BYTES_LOW, BYTE_COUNT_LIMIT as u8);
    ch.write(packet_reg::BYTES_HIGH, (BYTE_COUNT_LIMIT >> 8) as u8);
    ch.write(reg::COMMAND, cmd::PACKET);
    ch.settle();
    ch.wait_drq().map_err(bus)?;
    let why = ch.read(packet_reg::REASON) & (reason::COD | reason::IO);
    if why != reason::COD {
        return Err((0, Fault::Protocol(why)));
    }
    let mut words = [0u16; 6];
    for (w, pair) in words.iter_mut().zip(cdb.chunks_exact(2)) {
        // The first byte of the packet goes out first: in the low half of the first word.
        *w = u16::from_le_bytes([pair[0], pair[1]]);
    }
    ch.write_words(&words);
    ch.settle();
    let mut moved = 0u32;
    loop {
        let s = ch
            .wait_not_busy(COMMAND_TIMEOUT_MS)
            .map_err(|f| (moved, Fault::Bus(f)))?;
        if s & status::DRQ == 0 {
            return Ok(moved);
        }
        let why = ch.read(packet_reg::REASON) & (reason::COD | reason::IO);
        let bytes =
            ch.read(packet_reg::BYTES_LOW) as u32 | (ch.read(packet_reg::BYTES_HIGH) as u32) << 8;
        if why != reason::IO || bytes == 0 {
            return Err((moved, Fault::Protocol(why)));
        }
        data_in(ch, dest, moved, bytes);
        moved += bytes;
        if moved > dest.len() {
            // More than was asked for: the device and the driver disagree on the command.
            return Err((dest.len(), Fault::Protocol(why)));
        }
        ch.settle();
    }
}

/// Read one data block of `bytes` bytes (an odd count ends in a padded word) into `dest`
/// at offset `off`.
fn data_in(ch: &Channel, dest: &mut Dest, off: u32, bytes: u32) {
    let mut chunk = [0u16; CHUNK_WORDS];
    let mut done = 0;
    while done < bytes {
        let n = (bytes - done).min(2 * CHUNK_WORDS as u32);
        let words = &mut chunk[..n.div_ceil(2) as usize];
        ch.read_words(words);
        dest.store(off + done, &words.as_bytes()[..n as usize]);
        done += n;
    }
}

/// An ATAPI CD/DVD drive. It keeps where it is; ports and the clock come with each call.
pub struct AtapiDrive {
    info: DriveInfo,
    ports: Ports,
    pos: Position,
    model: Model,
}

impl AtapiDrive {
    fn channel<'a>(&self, io: &'a dyn PortIo, clock: &'a dyn Clock) -> Channel<'a> {
        Channel {
            io,
            clock,
            ports: self.ports,
        }
    }

    /// A command; a CHECK CONDITION is followed by REQUEST SENSE.
    fn command(&self, ch: &Channel, cdb: &Cdb, dest: &mut Dest) -> Result<u32, (u32, Fault)> {
        match packet(ch, self.pos.slave, cdb, dest) {
            Err((n, Fault::Bus(Failure::Device { status: s, error }))) if s & status::ERR != 0 => {
                let fallback = Sense {
                    key: error >> SENSE_KEY_SHIFT,
                    asc: 0,
                    ascq: 0,
                };
                Err((n, Fault::Sense(self.request_sense(ch).unwrap_or(fallback))))
            }
            other => other,
        }
    }

    fn request_sense(&self, ch: &Channel) -> Option<Sense> {
        let mut reply = [0u8; op::SENSE_LEN];
        let mut cdb: Cdb = [0; 12];
        cdb[0] = op::REQUEST_SENSE;
        cdb[4] = op::SENSE_LEN as u8;
        let n = packet(ch, self.pos.slave, &cdb, &mut Dest::Local(&mut reply)).ok()?;
        let code = reply[sense::RESPONSE_CODE] & sense::RESPONSE_MASK;
        let valid = n as usize > sense::ASCQ && matches!(code, sense::CURRENT | sense::DEFERRED);
        valid.then_some(Sense {
            key: reply[sense::KEY] & sense::KEY_MASK,
            asc: reply[sense::ASC],
            ascq: reply[sense::ASCQ],
        })
    }

    /// INQUIRY: the peripheral device type.
    fn device_type(&self, ch: &Channel) -> Result<u8, Fault> {
        let mut reply = [0u8; op::INQUIRY_LEN];
        let mut cdb: Cdb = [0; 12];
        cdb[0] = op::INQUIRY;
        cdb[4] = op::INQUIRY_LEN as u8;
        self.command(ch, &cdb, &mut Dest::Local(&mut reply))
            .map_err(|(_, f)| f)?;
        Ok(reply[0] & INQUIRY_TYPE_MASK)
    }

    /// TEST UNIT READY, then READ CAPACITY(10): the medium's size in CD sectors.
    fn capacity(&self, ch: &Channel) -> Result<u64, Fault> {
        let mut cdb: Cdb = [0; 12];
        cdb[0] = op::TEST_UNIT_READY;
        self.command(ch, &cdb, &mut Dest::None)
            .map_err(|(_, f)| f)?;
        let mut reply = [0u8; op::CAPACITY_LEN];
        cdb[0] = op::READ_CAPACITY;
        self.command(ch, &cdb, &mut Dest::Local(&mut reply))
            .map_err(|(_, f)| f)?;
        let last = u32::from_be_bytes([reply[0], reply[1], reply[2], reply[3]]);
        Ok(last as u64 + 1)
    }

    /// Find out whether there is a medium and how big it is, retrying a device that is
    /// becoming ready (see the rules at the top). Also says whether a unit attention
    /// (a medium change) was seen on the way.
    fn check_medium(&self, ch: &Channel) -> (Result<u64, Fault>, bool) {
        let deadline = Deadline::after_ms(ch.clock, READY_WAIT_MS);
        let mut changed = false;
        loop {
            match self.capacity(ch) {
                Ok(n) => return (Ok(n), changed),
                Err(Fault::Sense(s)) if !s.no_medium() && !deadline.expired(ch.clock) => {
                    changed |= s.changed();
                    if !s.changed() {
                        ch.clock.delay_us(RETRY_DELAY_US);
                    }
                }
                Err(f) => {
                    changed |= matches!(f, Fault::Sense(s) if s.changed());
                    return (Err(f), changed);
                }
            }
        }
    }

    /// Take what a medium check found: the capacity (0 when there is no medium; unchanged
    /// when the device did not say).
    fn note(&mut self, found: &Result<u64, Fault>) {
        match found {
            Ok(n) => self.info.sectors = *n,
            Err(Fault::Sense(s)) if s.no_medium() => self.info.sectors = 0,
            Err(_) => {}
        }
    }

    fn read_chunk(
        &self,
        ch: &Channel,
        mem: &mut dyn Memory,
        lba: u32,
        count: u32,
        buf: u32,
    ) -> Result<(), (u32, Fault)> {
        let mut cdb: Cdb = [0; 12];
        cdb[0] = op::READ_10;
        cdb[2..6].copy_from_slice(&lba.to_be_bytes());
        cdb[7..9].copy_from_slice(&(count as u16).to_be_bytes());
        let len = count * CD_SECTOR;
        let mut dest = Dest::Mem { mem, at: buf, len };
        match self.command(ch, &cdb, &mut dest) {
            Ok(n) if n == len => Ok(()),
            // The command ended early without saying why.
            Ok(n) => Err((n / CD_SECTOR, Fault::Short(n))),
            Err((n, f)) => Err((n / CD_SECTOR, f)),
        }
    }
}

impl BlockDevice for AtapiDrive {
    fn info(&self) -> &DriveInfo {
        &self.info
    }

    fn describe(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        write!(out, "{}: {} (CD-ROM, ", self.pos, self.model)?;
        if self.info.sectors == 0 {
            out.write_str("no medium)")
        } else {
            let size = Capacity {
                sectors: self.info.sectors,
                sector_size: self.info.sector_size,
            };
            write!(out, "{size})")
        }
    }

    fn read(&mut self, ctx: &mut Ctx, lba: u64, count: u32, buf: u32) -> Result<(), IoError> {
        let ch = self.channel(ctx.io, ctx.clock);
        let mut done = 0;
        while done < count {
            let n = (count - done).min(MAX_PER_COMMAND);
            let at = lba + done as u64;
            let Ok(at32) = u32::try_from(at) else {
                return Err(IoError::new(DiskError::SectorNotFound, done));
            };
            let result = self.read_chunk(&ch, ctx.mem, at32, n, buf + done * CD_SECTOR);
            if let Err((k, f)) = result {
                warn!("ata", "{}: read lba {at}: {f}", self.pos);
                if let Fault::Sense(s) = f {
                    if s.changed() {
                        // Another medium: learn its size for the calls that follow.
                        let (found, _) = self.check_medium(&ch);
                        self.note(&found);
                    } else if s.no_medium() {
                        self.info.sectors = 0;
                    }
                }
                return Err(IoError::new(f.disk_error(), done + k));
            }
            done += n;
        }
        Ok(())
    }

    fn write(&mut self, _ctx: &mut Ctx, _lba: u64, _count: u32, _buf: u32) -> Result<(), IoError> {
        Err(DiskError::WriteProtected.into())
    }

    fn verify(&mut self, _ctx: &mut Ctx, _lba: u64, _count: u32) -> Result<(), IoError> {
        match self.info.sectors {
            0 => Err(DiskError::MediaNotPresent.into()),
            _ => Ok(()),
        }
    }

    fn reset(&mut self, ctx: &mut Ctx) -> Result<(), DiskError> {
        let ch = self.channel(ctx.io, ctx.clock);
        let result = ch.reset().and_then(|()| {
            ch.select_settled(self.pos.slave, COMMAND_TIMEOUT_MS)
                .map(|_| ())
        });
        result.map_err(|f| {
            warn!("ata", "{}: reset: {f}", self.pos);
            f.disk_error()
        })
    }

    /// Look at the medium again: 31h when there is none, 06h when it changed since the
    /// last look (the new capacity is already in `info()`), else ready.
    fn ready(&mut self, ctx: &mut Ctx) -> Result<(), DiskError> {
        let ch = self.channel(ctx.io, ctx.clock);
        let (found, changed) = self.check_medium(&ch);
        self.note(&found);
        match found {
            Ok(_) if changed => Err(DiskError::MediaChanged),
            Ok(_) => Ok(()),
            Err(f) => {
                debug!("ata", "{}: not ready: {f}", self.pos);
                Err(f.disk_error())
            }
        }
    }
}

/// Register the ATAPI device at `pos` if it is a CD/DVD drive, with the medium it holds.
pub(super) fn add(
    ch: &Channel,
    drives: &mut Drives,
    pos: Position,
    pci: Option<PciAddr>,
    id: &Identify,
) {
    let drive = AtapiDrive {
        info: DriveInfo {
            kind: DriveKind::Cdrom,
            sectors: 0,
            sector_size: CD_SECTOR,
            read_only: true,
            removable: true,
            chs: None,
            interface: Interface::Ata {
                pci,
                channel: pos.channel,
                slave: pos.slave,
                atapi: true,
                io_base: ch.ports.cmd,
            },
        },
        ports: ch.ports,
        pos,
        model: id.model(),
    };
    let model = drive.model;
    match drive.device_type(ch) {
        Ok(TYPE_CDROM) => {}
        Ok(t) => {
            info!(
                "ata",
                "{pos}: ATAPI {model}: device type {t:#04x} is no CD/DVD, not registered"
            );
            return;
        }
        Err(f) => {
            warn!("ata", "{pos}: ATAPI {model}: INQUIRY: {f}, not registered");
            return;
        }
    }
    let Some(dev) = crate::arena::leak(drive) else {
        return;
    };
    let (found, _) = dev.check_medium(ch);
    dev.note(&found);
    match found {
        Ok(_) => {}
        Err(Fault::Sense(s)) if s.no_medium() => {}
        Err(f) => warn!("ata", "{pos}: ATAPI {model}: medium: {f}"),
    }
    let Some(id) = drives.add(dev) else {
        warn!("ata", "{pos}: drive table full, not registered");
        return;
    };
    if let Some(d) = drives.get(id) {
        match d.dev.info().sectors {
            0 => info!("ata", "{}", DriveName(&*d.dev)),
            n => info!("ata", "{}: {n} sectors", DriveName(&*d.dev)),
        }
    }
}
