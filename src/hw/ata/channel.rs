//! One IDE channel at the register level: task file, status polling with deadlines,
//! command issue and PIO data blocks. Everything here is bounded in time; a device that
//! stops answering ends in `DiskError::Timeout`.

use crate::block::DiskError;
use crate::hal::PortIo;
use crate::hal::clock::{Clock, poll};

/// Command block register offsets from the I/O base.
pub mod reg {
    pub const DATA: u16 = 0;
    /// ERROR when read, FEATURES when written.
    pub const ERROR: u16 = 1;
    pub const SECTOR_COUNT: u16 = 2;
    pub const LBA_LOW: u16 = 3;
    pub const LBA_MID: u16 = 4;
    pub const LBA_HIGH: u16 = 5;
    pub const DEVICE: u16 = 6;
    /// STATUS when read, COMMAND when written.
    pub const STATUS: u16 = 7;
    pub const COMMAND: u16 = 7;
}

/// Status register bits.
pub mod status {
    pub const ERR: u8 = 1 << 0;
    pub const DRQ: u8 = 1 << 3;
    pub const DF: u8 = 1 << 5;
    pub const DRDY: u8 = 1 << 6;
    pub const BSY: u8 = 1 << 7;
}

/// Error register bits.
pub mod error {
    pub const AMNF: u8 = 1 << 0;
    pub const TK0NF: u8 = 1 << 1;
    pub const ABRT: u8 = 1 << 2;
    pub const IDNF: u8 = 1 << 4;
    pub const UNC: u8 = 1 << 6;
    /// Bad block (old devices) / interface CRC error.
    pub const BBK: u8 = 1 << 7;
}

/// Device register bits.
pub mod device {
    /// Bits 7 and 5: obsolete, set by convention.
    pub const OBSOLETE: u8 = 0xa0;
    pub const LBA: u8 = 1 << 6;
    pub const DEV1: u8 = 1 << 4;
    /// LBA28 commands carry address bits 24-27 here.
    pub const LBA28_HIGH: u8 = 0x0f;
}

/// Device control register bits (written at the control port).
pub mod control {
    /// Interrupts off: the firmware polls.
    pub const NIEN: u8 = 1 << 1;
    pub const SRST: u8 = 1 << 2;
}

/// Commands.
pub mod cmd {
    pub const READ_SECTORS: u8 = 0x20;
    pub const READ_SECTORS_EXT: u8 = 0x24;
    pub const WRITE_SECTORS: u8 = 0x30;
    pub const WRITE_SECTORS_EXT: u8 = 0x34;
    pub const READ_VERIFY: u8 = 0x40;
    pub const READ_VERIFY_EXT: u8 = 0x42;
    /// ATAPI: a command packet (CDB) follows in the data register.
    pub const PACKET: u8 = 0xa0;
    pub const IDENTIFY_PACKET: u8 = 0xa1;
    pub const FLUSH_CACHE: u8 = 0xe7;
    pub const FLUSH_CACHE_EXT: u8 = 0xea;
    pub const IDENTIFY: u8 = 0xec;
}

/// Status read from a bus nobody drives.
pub const FLOATING: u8 = 0xff;

/// Words in one 512-byte PIO data block.
pub const BLOCK_WORDS: usize = 256;
pub type Block = [u16; BLOCK_WORDS];

/// Deadlines (ms). A device may take up to 31 s to leave BSY after a reset (ATA spec);
/// commands get 10 s, a cache flush 30 s.
pub const RESET_TIMEOUT_MS: u64 = 31_000;
pub const COMMAND_TIMEOUT_MS: u64 = 10_000;
pub const FLUSH_TIMEOUT_MS: u64 = 30_000;
/// SRST must stay asserted at least 5 us; devices want 2 ms before the first poll.
const SRST_PULSE_US: u64 = 5;
const AFTER_RESET_US: u64 = 2_000;
/// Alternate status reads that make the 400 ns a device needs after a command or a
/// device selection before its status is valid (each ISA read takes >= 100 ns).
const SETTLE_READS: usize = 4;

/// Where a channel's registers are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ports {
    /// Command block base (0x1F0, 0x170, or a native-mode BAR).
    pub cmd: u16,
    /// Device control / alternate status port (0x3F6, 0x376, or BAR + 2).
    pub ctrl: u16,
}

/// Why a wait ended early: what the driver logs and maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// BSY never cleared.
    Busy,
    /// BSY cleared but DRQ never came (and no error was reported).
    NoDrq,
    /// DRQ stayed set: the device still wants data from an earlier command.
    StuckDrq,
    /// The device reported an error: status and error registers.
    Device { status: u8, error: u8 },
}

impl Failure {
    /// The int13 status for this failure.
    pub fn disk_error(self) -> DiskError {
        match self {
            Failure::Busy | Failure::NoDrq | Failure::StuckDrq => DiskError::Timeout,
            Failure::Device {
                status: s,
                error: e,
            } => {
                if s & status::DF != 0 {
                    DiskError::WriteFault
                } else if e & error::UNC != 0 {
                    DiskError::ReadError
                } else if e & error::IDNF != 0 {
                    DiskError::SectorNotFound
                } else if e & error::BBK != 0 {
                    DiskError::BadSector
                } else if e & error::AMNF != 0 {
                    DiskError::AddressMarkNotFound
                } else if e & error::TK0NF != 0 {
                    DiskError::SeekFailed
                } else if e & error::ABRT != 0 {
                    DiskError::BadCommand
                } else {
                    DiskError::Undefined
                }
            }
        }
    }
}

/// A channel and the hardware handles to drive it, for the length of one request.
pub struct Channel<'a> {
    pub io: &'a dyn PortIo,
    pub clock: &'a dyn Clock,
    pub ports: Ports,
}

impl Channel<'_> {
    pub fn read(&self, r: u16) -> u8 {
        self.io.inb(self.ports.cmd + r)
    }
    pub fn write(&self, r: u16, v: u8) {
        self.io.outb(self.ports.cmd + r, v)
    }
    pub fn status(&self) -> u8 {
        self.read(reg::STATUS)
    }
    fn alt_status(&self) -> u8 {
        self.io.inb(self.ports.ctrl)
    }
    /// Give the device the 400 ns it needs before its status means anything.
    pub fn settle(&self) {
        for _ in 0..SETTLE_READS {
            self.alt_status();
        }
    }
    /// Interrupts off (we poll), reset released.
    pub fn quiet(&self) {
        self.io.outb(self.ports.ctrl, control::NIEN);
    }

    pub fn select(&self, slave: bool, extra: u8) {
        let dev = if slave { device::DEV1 } else { 0 };
        self.write(reg::DEVICE, device::OBSOLETE | dev | extra);
        self.settle();
    }

    /// Select a device and wait until the selection has taken and the device is not busy.
    /// While the device selected before is busy, writes to the Device register are ignored
    /// (QEMU finishes a reset asynchronously), so the write is repeated until the register
    /// reads back with the right device bit.
    pub fn select_settled(&self, slave: bool, ms: u64) -> Result<u8, Failure> {
        let want = if slave { device::DEV1 } else { 0 };
        let mut last = 0;
        let done = poll(self.clock, ms * 1000, || {
            self.select(slave, 0);
            last = self.status();
            let taken = self.read(reg::DEVICE) & device::DEV1 == want;
            (taken && last & status::BSY == 0).then_some(last)
        });
        match done {
            Some(s) => self.check(s),
            None => Err(Failure::Busy),
        }
    }

    /// Wait until `done(status)` or `ms` pass; BSY always means "not yet".
    fn wait_for(&self, ms: u64, done: impl Fn(u8) -> bool) -> Result<u8, u8> {
        let mut last = 0;
        let ready = poll(self.clock, ms * 1000, || {
            last = self.status();
            (last & status::BSY == 0 && done(last)).then_some(last)
        });
        ready.ok_or(last)
    }

    /// Wait for BSY to clear; an error the device reports is a failure.
    pub fn wait_not_busy(&self, ms: u64) -> Result<u8, Failure> {
        let s = self.wait_for(ms, |_| true).map_err(|_| Failure::Busy)?;
        self.check(s)
    }

    /// Wait for the device to ask for (or offer) a data block.
    pub fn wait_drq(&self) -> Result<(), Failure> {
        let stop = status::DRQ | status::ERR | status::DF;
        match self.wait_for(COMMAND_TIMEOUT_MS, |s| s & stop != 0) {
            Ok(s) => self.check(s).map(|_| ()),
            Err(s) if s & status::BSY != 0 => Err(Failure::Busy),
            Err(_) => Err(Failure::NoDrq),
        }
    }

    fn check(&self, s: u8) -> Result<u8, Failure> {
        if s & (status::ERR | status::DF) != 0 {
            return Err(Failure::Device {
                status: s,
                error: self.read(reg::ERROR),
            });
        }
        Ok(s)
    }

    /// Pulse SRST (both devices reset) and wait for the channel to come back.
    pub fn reset(&self) -> Result<(), Failure> {
        self.io.outb(self.ports.ctrl, control::NIEN | control::SRST);
        self.clock.delay_us(SRST_PULSE_US);
        self.quiet();
        self.clock.delay_us(AFTER_RESET_US);
        self.wait_for(RESET_TIMEOUT_MS, |_| true)
            .map(|_| ())
            .map_err(|_| Failure::Busy)
    }

    /// Select the device, load the task file and start `command` on `count` sectors at
    /// `lba` (`count` 1..=256 for LBA28 commands, where 256 is sent as 0).
    pub fn issue(
        &self,
        slave: bool,
        command: u8,
        lba: u64,
        count: u32,
        ext: bool,
    ) -> Result<(), Failure> {
        self.quiet();
        self.wait_idle()?;
        let high_nibble = if ext {
            0
        } else {
            (lba >> 24) as u8 & device::LBA28_HIGH
        };
        self.select(slave, device::LBA | high_nibble);
        self.wait_idle()?;
        if ext {
            self.write(reg::SECTOR_COUNT, (count >> 8) as u8);
            self.write(reg::LBA_LOW, (lba >> 24) as u8);
            self.write(reg::LBA_MID, (lba >> 32) as u8);
            self.write(reg::LBA_HIGH, (lba >> 40) as u8);
        }
        self.write(reg::SECTOR_COUNT, count as u8);
        self.write(reg::LBA_LOW, lba as u8);
        self.write(reg::LBA_MID, (lba >> 8) as u8);
        self.write(reg::LBA_HIGH, (lba >> 16) as u8);
        self.write(reg::COMMAND, command);
        self.settle();
        Ok(())
    }

    /// Neither busy nor in the middle of a data transfer.
    pub fn wait_idle(&self) -> Result<(), Failure> {
        self.wait_for(COMMAND_TIMEOUT_MS, |s| s & status::DRQ == 0)
            .map(|_| ())
            .map_err(|s| {
                if s & status::BSY != 0 {
                    Failure::Busy
                } else {
                    Failure::StuckDrq
                }
            })
    }

    pub fn read_block(&self, block: &mut Block) {
        self.io.insw(self.ports.cmd + reg::DATA, block);
    }
    /// PIO words of any count (ATAPI command packets and data blocks).
    pub fn read_words(&self, words: &mut [u16]) {
        self.io.insw(self.ports.cmd + reg::DATA, words);
    }
    pub fn write_words(&self, words: &[u16]) {
        self.io.outsw(self.ports.cmd + reg::DATA, words);
    }
    pub fn write_block(&self, block: &Block) {
        self.io.outsw(self.ports.cmd + reg::DATA, block);
    }
}

impl core::fmt::Display for Failure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Failure::Busy => f.write_str("timeout: still busy"),
            Failure::NoDrq => f.write_str("timeout: no data request"),
            Failure::StuckDrq => f.write_str("timeout: data request stuck"),
            Failure::Device { status, error } => {
                write!(f, "device error (status {status:#04x}, error {error:#04x})")
            }
        }
    }
}
