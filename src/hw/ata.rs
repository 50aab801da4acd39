//! ATA (PIIX IDE) driver: the first [`BlockDevice`].
//!
//! PIO only, interrupts off (nIEN), every wait bounded. The controller is the class 01:01
//! function PCI POST found (`hw::pci` also turned on the PIIX's legacy decode); a channel
//! in native mode is reached through its BARs, one in compatibility mode (the PIIX's only
//! mode) or without a PCI controller through the legacy ports. Disks are registered in
//! the order primary master, primary slave, secondary master, secondary slave; ATAPI
//! CD/DVD drives (`atapi`) are registered in the same pass, as CD drives without a BIOS
//! number.

mod atapi;
mod channel;
mod identify;

pub use atapi::AtapiDrive;
pub use channel::Ports;
use channel::{
    BLOCK_WORDS, Block, COMMAND_TIMEOUT_MS, Channel, FLOATING, FLUSH_TIMEOUT_MS, Failure,
};
use channel::{cmd, error, reg, status};
use identify::{Identify, Model};

use crate::block::{
    BlockDevice, Capacity, DiskError, DriveInfo, DriveKind, DriveName, Drives, Interface, IoError,
    PciAddr,
};
use crate::hal::Ctx;
use crate::hal::PortIo;
use crate::hal::clock::Clock;
use crate::hal::mem::Memory;
use crate::hw::pci::PciDevices;
use core::fmt;
use zerocopy::IntoBytes;

/// Compatibility-mode ports of the two channels.
pub const PRIMARY: Ports = Ports {
    cmd: 0x1f0,
    ctrl: 0x3f6,
};
pub const SECONDARY: Ports = Ports {
    cmd: 0x170,
    ctrl: 0x376,
};

/// Sector size this driver supports.
const SECTOR: u32 = 512;
/// Most sectors one LBA28 command moves (a count of 0 means 256).
const MAX_PER_COMMAND: u32 = 256;
/// LBA28 commands reach sectors below this (the last one is avoided, as Linux does).
const LBA28_END: u64 = 1 << 28;

/// Signatures (LBA mid, LBA high) a device leaves after reset.
const SIG_ATA: (u8, u8) = (0x00, 0x00);
const SIG_SATA: (u8, u8) = (0x3c, 0xc3);
const SIG_ATAPI: (u8, u8) = (0x14, 0xeb);
const SIG_SATAPI: (u8, u8) = (0x69, 0x96);
/// What QEMU shows at an absent device 0 behind a present device 1.
const SIG_ABSENT: (u8, u8) = (0xff, 0xff);

/// Values written and read back to see whether a device latches its registers.
const ECHO_COUNT: u8 = 0x55;
const ECHO_LBA: u8 = 0xaa;

/// A device position: channel 0/1, master/slave ("ata0 master").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Position {
    channel: u8,
    slave: bool,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = if self.slave { "slave" } else { "master" };
        write!(f, "ata{} {who}", self.channel)
    }
}

/// An ATA disk. It keeps where it is; ports and the clock come with each call.
pub struct AtaDrive {
    info: DriveInfo,
    ports: Ports,
    pos: Position,
    lba48: bool,
    model: Model,
}

impl AtaDrive {
    fn channel<'a>(&self, io: &'a dyn PortIo, clock: &'a dyn Clock) -> Channel<'a> {
        Channel {
            io,
            clock,
            ports: self.ports,
        }
    }

    /// One command's worth of `n` sectors at `lba`: the LBA48 form only when needed.
    fn chunk(&self, lba28: u8, lba48: u8, lba: u64, n: u32, buf: u32) -> Chunk {
        let ext = self.lba48 && lba + n as u64 >= LBA28_END;
        Chunk {
            command: if ext { lba48 } else { lba28 },
            ext,
            lba,
            count: n,
            buf,
        }
    }

    fn issue(&self, ch: &Channel, c: &Chunk) -> Result<(), Failure> {
        ch.issue(self.pos.slave, c.command, c.lba, c.count, c.ext)
    }

    fn fail(&self, what: &str, lba: u64, f: Failure, done: u32) -> IoError {
        warn!("ata", "{}: {what} lba {lba}: {f}", self.pos);
        IoError::new(f.disk_error(), done)
    }

    /// Read or write `count` sectors, at most [`MAX_PER_COMMAND`] per command.
    fn pio(
        &self,
        ctx: &mut Ctx,
        write: bool,
        lba: u64,
        count: u32,
        buf: u32,
    ) -> Result<(), IoError> {
        let ch = self.channel(ctx.io, ctx.clock);
        let mut done = 0;
        while done < count {
            let n = (count - done).min(MAX_PER_COMMAND);
            let (at, dest) = (lba + done as u64, buf + done * SECTOR);
            let result = if write {
                let c = self.chunk(cmd::WRITE_SECTORS, cmd::WRITE_SECTORS_EXT, at, n, dest);
                self.pio_out(&ch, ctx.mem, &c)
            } else {
                let c = self.chunk(cmd::READ_SECTORS, cmd::READ_SECTORS_EXT, at, n, dest);
                self.pio_in(&ch, ctx.mem, &c)
            };
            if let Err((k, f)) = result {
                let what = if write { "write" } else { "read" };
                return Err(self.fail(what, at + k as u64, f, done + k));
            }
            done += n;
        }
        Ok(())
    }

    /// One read command; on failure, the sectors that reached memory and why.
    fn pio_in(&self, ch: &Channel, mem: &mut dyn Memory, c: &Chunk) -> Result<(), (u32, Failure)> {
        self.issue(ch, c).map_err(|f| (0, f))?;
        let mut block: Block = [0; BLOCK_WORDS];
        for i in 0..c.count {
            // The device reports a bad sector instead of offering its data.
            ch.wait_drq().map_err(|f| (i, f))?;
            ch.read_block(&mut block);
            mem.write(c.buf + i * SECTOR, block.as_bytes());
        }
        Ok(())
    }

    /// One write command; on failure, the sectors the device took and why.
    fn pio_out(&self, ch: &Channel, mem: &mut dyn Memory, c: &Chunk) -> Result<(), (u32, Failure)> {
        self.issue(ch, c).map_err(|f| (0, f))?;
        let mut block: Block = [0; BLOCK_WORDS];
        for i in 0..c.count {
            // An error before block i is about block i - 1 (or the command itself).
            ch.wait_drq().map_err(|f| (i.saturating_sub(1), f))?;
            mem.read(c.buf + i * SECTOR, block.as_mut_bytes());
            ch.write_block(&block);
        }
        ch.wait_not_busy(COMMAND_TIMEOUT_MS)
            .map(|_| ())
            .map_err(|f| (c.count - 1, f))
    }
}

/// One command: what to send, and where its sectors are on disk and in memory.
struct Chunk {
    command: u8,
    ext: bool,
    lba: u64,
    count: u32,
    buf: u32,
}

impl BlockDevice for AtaDrive {
    fn info(&self) -> &DriveInfo {
        &self.info
    }

    fn describe(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let size = Capacity {
            sectors: self.info.sectors,
            sector_size: self.info.sector_size,
        };
        write!(out, "{}: {}, {size}", self.pos, self.model)
    }

    fn read(&mut self, ctx: &mut Ctx, lba: u64, count: u32, buf: u32) -> Result<(), IoError> {
        self.pio(ctx, false, lba, count, buf)
    }

    fn write(&mut self, ctx: &mut Ctx, lba: u64, count: u32, buf: u32) -> Result<(), IoError> {
        self.pio(ctx, true, lba, count, buf)
    }

    /// READ VERIFY SECTORS per chunk; a failed chunk counts as not verified.
    fn verify(&mut self, ctx: &mut Ctx, lba: u64, count: u32) -> Result<(), IoError> {
        let ch = self.channel(ctx.io, ctx.clock);
        let mut done = 0;
        while done < count {
            let n = (count - done).min(MAX_PER_COMMAND);
            let at = lba + done as u64;
            let c = self.chunk(cmd::READ_VERIFY, cmd::READ_VERIFY_EXT, at, n, 0);
            self.issue(&ch, &c)
                .and_then(|()| ch.wait_not_busy(COMMAND_TIMEOUT_MS))
                .map_err(|f| self.fail("verify", at, f, done))?;
            done += n;
        }
        Ok(())
    }

    fn flush(&mut self, ctx: &mut Ctx) -> Result<(), DiskError> {
        let ch = self.channel(ctx.io, ctx.clock);
        let c = if self.lba48 {
            cmd::FLUSH_CACHE_EXT
        } else {
            cmd::FLUSH_CACHE
        };
        let result = ch
            .issue(self.pos.slave, c, 0, 0, false)
            .and_then(|()| ch.wait_not_busy(FLUSH_TIMEOUT_MS));
        match result {
            Ok(_) => Ok(()),
            // A device without a write cache may not know the command: nothing to flush.
            Err(Failure::Device { error, .. }) if error == error::ABRT => Ok(()),
            Err(f) => Err(self.fail("flush", 0, f, 0).error),
        }
    }

    fn reset(&mut self, ctx: &mut Ctx) -> Result<(), DiskError> {
        let ch = self.channel(ctx.io, ctx.clock);
        let result = ch.reset().and_then(|()| {
            ch.select(self.pos.slave, 0);
            ch.wait_not_busy(COMMAND_TIMEOUT_MS)
        });
        result
            .map(|_| ())
            .map_err(|f| self.fail("reset", 0, f, 0).error)
    }

    fn ready(&mut self, ctx: &mut Ctx) -> Result<(), DiskError> {
        let ch = self.channel(ctx.io, ctx.clock);
        ch.select(self.pos.slave, 0);
        match ch.status() & (status::BSY | status::DRDY) {
            status::DRDY => Ok(()),
            _ => Err(DiskError::NotReady),
        }
    }
}

/// Find the IDE devices on the controller PCI POST found (or at the legacy ports) and
/// register the disks.
#[inline(never)] // POST step: its locals live only while it runs (stack budget)
pub fn probe(ctx: &mut Ctx, pci: &PciDevices, drives: &mut Drives) {
    let (pci, channels) = controller(pci);
    for (n, ports) in channels.into_iter().enumerate() {
        let ch = Channel {
            io: ctx.io,
            clock: ctx.clock,
            ports,
        };
        probe_channel(&ch, drives, n as u8, pci);
    }
}

fn probe_channel(ch: &Channel, drives: &mut Drives, channel: u8, pci: Option<PciAddr>) {
    ch.quiet();
    if ch.status() == FLOATING {
        debug!("ata", "ata{channel}: floating bus, nothing attached");
        return;
    }
    let pos = |slave| Position { channel, slave };
    let present = [responds(ch, pos(false)), responds(ch, pos(true))];
    if present == [false, false] {
        debug!("ata", "ata{channel}: no devices");
        return;
    }
    // The reset's BSY wait reads the selected device: make it one that exists (an absent
    // device 1 reads status 0 at once, before the reset has even happened).
    ch.select(!present[0], 0);
    if let Err(f) = ch.reset() {
        warn!("ata", "ata{channel}: reset: {f}");
        return;
    }
    // Both signatures first: any command (an ATAPI device's byte count limit) writes the
    // task file of both devices and would overwrite the other one's signature.
    let mut signatures = [None; 2];
    for slave in [false, true] {
        if present[slave as usize] {
            signatures[slave as usize] = signature(ch, pos(slave));
        }
    }
    for slave in [false, true] {
        if let Some(sig) = signatures[slave as usize] {
            probe_device(ch, drives, pos(slave), pci, sig);
        }
    }
}

/// The signature (LBA mid, LBA high) the device at `pos` left after the reset.
fn signature(ch: &Channel, pos: Position) -> Option<(u8, u8)> {
    if let Err(f @ Failure::Busy) = ch.select_settled(pos.slave, COMMAND_TIMEOUT_MS) {
        warn!("ata", "{pos}: after reset: {f}");
        return None;
    }
    Some((ch.read(reg::LBA_MID), ch.read(reg::LBA_HIGH)))
}

/// Does a device latch the task file registers at this position?
fn responds(ch: &Channel, pos: Position) -> bool {
    ch.select(pos.slave, 0);
    ch.write(reg::SECTOR_COUNT, ECHO_COUNT);
    ch.write(reg::LBA_LOW, ECHO_LBA);
    let echoed = ch.read(reg::SECTOR_COUNT) == ECHO_COUNT && ch.read(reg::LBA_LOW) == ECHO_LBA;
    if !echoed && ch.status() & status::BSY != 0 {
        warn!("ata", "{pos}: busy and not answering, skipped");
    }
    echoed
}

fn probe_device(
    ch: &Channel,
    drives: &mut Drives,
    pos: Position,
    pci: Option<PciAddr>,
    signature: (u8, u8),
) {
    // Selected again (and not busy) before its status means anything.
    if let Err(f @ Failure::Busy) = ch.select_settled(pos.slave, COMMAND_TIMEOUT_MS) {
        warn!("ata", "{pos}: {f}");
        return;
    }
    let mut block: Block = [0; BLOCK_WORDS];
    if let SIG_ATAPI | SIG_SATAPI = signature {
        // ATAPI devices leave reset with DRDY clear: status 0 is normal for them.
        match identify(ch, pos, cmd::IDENTIFY_PACKET, &mut block) {
            Ok(()) => atapi::add(ch, drives, pos, pci, &Identify(&block)),
            Err(f) => warn!("ata", "{pos}: ATAPI IDENTIFY: {f}"),
        }
        return;
    }
    // An absent device 1 reads as status 0 (device 0 answers for it); an absent device 0
    // in QEMU has a status but no signature.
    let s = ch.status();
    if s == 0 || s == FLOATING || signature == SIG_ABSENT {
        debug!("ata", "{pos}: no device");
        return;
    }
    if let SIG_ATA | SIG_SATA = signature {
        if let Err(f) = identify(ch, pos, cmd::IDENTIFY, &mut block) {
            warn!("ata", "{pos}: IDENTIFY: {f}");
            return;
        }
        add_disk(ch.ports, drives, pos, pci, &Identify(&block));
    } else {
        let (mid, high) = signature;
        warn!("ata", "{pos}: unknown signature {mid:#04x}/{high:#04x}");
    }
}

fn identify(ch: &Channel, pos: Position, c: u8, block: &mut Block) -> Result<(), Failure> {
    ch.issue(pos.slave, c, 0, 0, false)?;
    ch.wait_drq()?;
    ch.read_block(block);
    Ok(())
}

fn add_disk(ports: Ports, drives: &mut Drives, pos: Position, pci: Option<PciAddr>, id: &Identify) {
    let model = id.model();
    let sectors = id.sectors();
    let problem = if !id.lba() {
        Some("no LBA addressing")
    } else if id.sector_size() != SECTOR {
        Some("sector size is not 512 bytes")
    } else if sectors == 0 {
        Some("no capacity")
    } else {
        None
    };
    if let Some(why) = problem {
        warn!("ata", "{pos}: {model}: {why}, not registered");
        return;
    }
    let drive = AtaDrive {
        info: DriveInfo {
            kind: DriveKind::Disk,
            sectors,
            sector_size: SECTOR,
            read_only: false,
            removable: id.removable(),
            chs: id.chs(),
            interface: Interface::Ata {
                pci,
                channel: pos.channel,
                slave: pos.slave,
                atapi: false,
                io_base: ports.cmd,
            },
        },
        ports,
        pos,
        lba48: id.lba48(),
        model,
    };
    let Some(dev) = crate::arena::leak(drive) else {
        return;
    };
    let Some(id) = drives.add(dev) else {
        warn!("ata", "{pos}: drive table full, not registered");
        return;
    };
    if let Some(d) = drives.get(id) {
        let number = drives.bios_number(id).unwrap_or(0);
        info!("ata", "{} (drive {number:#04x})", DriveName(&*d.dev));
    }
}

/// Mass storage / IDE (base class << 8 | subclass).
const CLASS_IDE: u16 = 0x0101;
/// Programming interface: channel n is in native mode when bit 2n is set.
const PROG_IF_NATIVE: u8 = 1 << 0;
/// In native mode the control BAR points 2 bytes below the device control port.
const NATIVE_CTRL_OFFSET: u16 = 2;

/// The IDE controller PCI POST found (class 01:01), if any, and the ports of its two
/// channels: its I/O BARs for a channel in native mode, the legacy ports otherwise.
fn controller(pci: &PciDevices) -> (Option<PciAddr>, [Ports; 2]) {
    let mut channels = [PRIMARY, SECONDARY];
    let Some(d) = pci.all().iter().find(|d| d.class == CLASS_IDE) else {
        info!("ata", "no PCI IDE controller, using the legacy ports");
        return (None, channels);
    };
    let (bus, dev, func) = (d.bdf.bus(), d.bdf.dev(), d.bdf.func());
    info!(
        "ata",
        "IDE controller at {bus:02x}:{dev:02x}.{func} (prog-if {:#04x})", d.prog_if
    );
    let io_bar = |n: usize| {
        let bar = d.bars[n];
        (bar.is_io() && bar.assigned).then_some(bar.base as u16)
    };
    for (n, ports) in channels.iter_mut().enumerate() {
        if d.prog_if & (PROG_IF_NATIVE << (2 * n)) == 0 {
            continue;
        }
        match (io_bar(2 * n), io_bar(2 * n + 1)) {
            (Some(cmd), Some(ctrl)) => {
                *ports = Ports {
                    cmd,
                    ctrl: ctrl + NATIVE_CTRL_OFFSET,
                }
            }
            _ => warn!(
                "ata",
                "ata{n}: native mode without I/O BARs, trying legacy ports"
            ),
        }
    }
    (Some(PciAddr { bus, dev, func }), channels)
}
