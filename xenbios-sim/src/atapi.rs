//! The packet side of a simulated ATAPI CD/DVD drive: the PACKET command's phases and the
//! SCSI commands behind them, for the ATA driver's CD tests.
//!
//! Read from ATA/ATAPI-6 (T13/1410D: the PACKET command and the packet protocol's PIO
//! data-in phases), SPC-2 (REQUEST SENSE, INQUIRY, TEST UNIT READY, fixed-format sense data,
//! unit attention) and MMC-2 (READ CAPACITY, READ(10), 2048-byte blocks):
//! - After A0h the device raises DRQ with interrupt reason CoD=1 IO=0 and takes twelve
//!   bytes, first byte in the low half of the first word.
//! - Data goes to the host in blocks: for each, DRQ with IO=1 CoD=0 and the block's byte
//!   count in the byte count registers, never more than the host's byte count limit (an
//!   odd limit or FFFFh counts as one less) nor than the device's own block size.
//! - The command ends with DRQ clear and interrupt reason CoD=1 IO=1; an error ends it
//!   with CHK (status bit 0) and the sense key in bits 7:4 of the error register, the rest
//!   kept for REQUEST SENSE, which returns it and clears it.
//! - Commands that need the medium (TEST UNIT READY, READ CAPACITY, READ(10)) first report
//!   a pending unit attention (06h/28h, medium changed, once), then 02h/3Ah when there is
//!   no medium, then 02h/04h/01h while the drive is still becoming ready.

use crate::FakeDisk;

/// MMC: the logical block size of a CD (data mode 1).
pub const CD_SECTOR: usize = 2048;

// Interrupt reason bits (ATA/ATAPI-6, sector count register of a packet device).
pub const REASON_COD: u8 = 0x01;
pub const REASON_IO: u8 = 0x02;

// SCSI operation codes (SPC-2, MMC-2).
pub const TEST_UNIT_READY: u8 = 0x00;
pub const REQUEST_SENSE: u8 = 0x03;
pub const INQUIRY: u8 = 0x12;
pub const READ_CAPACITY: u8 = 0x25;
pub const READ_10: u8 = 0x28;

/// Sense keys, additional sense codes and qualifiers (SPC-2 annex).
pub mod sense {
    pub const NOT_READY: u8 = 0x02;
    pub const MEDIUM_ERROR: u8 = 0x03;
    pub const ILLEGAL_REQUEST: u8 = 0x05;
    pub const UNIT_ATTENTION: u8 = 0x06;
    pub const ASC_BECOMING_READY: (u8, u8) = (0x04, 0x01);
    pub const ASC_UNRECOVERED_READ: (u8, u8) = (0x11, 0x00);
    pub const ASC_INVALID_OPCODE: (u8, u8) = (0x20, 0x00);
    pub const ASC_LBA_OUT_OF_RANGE: (u8, u8) = (0x21, 0x00);
    pub const ASC_INVALID_FIELD: (u8, u8) = (0x24, 0x00);
    pub const ASC_MEDIUM_CHANGED: (u8, u8) = (0x28, 0x00);
    pub const ASC_NO_MEDIUM: (u8, u8) = (0x3a, 0x00);
}

/// Fixed-format sense data: response code "current", additional length to byte 17.
const SENSE_CURRENT: u8 = 0x70;
const SENSE_LEN: usize = 18;
const SENSE_ADDITIONAL: u8 = (SENSE_LEN - 8) as u8;
/// INQUIRY: peripheral type 5 (CD/DVD), RMB, SPC-2, response format 2, 36 bytes.
const TYPE_CDROM: u8 = 0x05;
const INQUIRY_RMB: u8 = 0x80;
const INQUIRY_VERSION_SPC2: u8 = 0x04;
const INQUIRY_FORMAT: u8 = 0x02;
const INQUIRY_LEN: usize = 36;
/// Bytes a device moves per DRQ block at most on its own (QEMU also uses big blocks).
const DEFAULT_MAX_BLOCK: usize = 0xfffe;

/// A CHECK CONDITION's sense.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sense {
    pub key: u8,
    pub asc: u8,
    pub ascq: u8,
}

impl Sense {
    pub fn new(key: u8, (asc, ascq): (u8, u8)) -> Self {
        Sense { key, asc, ascq }
    }
}

/// What the ATA side shows after a step of the packet protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Still taking the command packet.
    Packet,
    /// DRQ: a data block of this many bytes is offered.
    Data(u16),
    /// The command is over: DRQ clear, interrupt reason CoD|IO.
    Done,
    /// The command failed: CHK, this sense key in the error register.
    Check(u8),
}

enum Phase {
    Idle,
    Packet {
        got: Vec<u8>,
        limit: usize,
    },
    DataIn {
        data: Vec<u8>,
        pos: usize,
        block_end: usize,
        limit: usize,
        then: Option<Sense>,
    },
}

/// A CD/DVD drive's medium, state and history.
pub struct SimCdrom {
    /// The medium's contents (whole 2048-byte sectors), or no medium.
    pub medium: Option<Vec<u8>>,
    /// A unit attention (medium changed) waits to be reported.
    pub unit_attention: bool,
    /// Commands that need the medium still answer "becoming ready" this many times.
    pub becoming_ready: u32,
    /// The device's own largest data block (bytes per DRQ).
    pub max_block: usize,
    /// Reading this sector fails with a medium error.
    pub medium_error_at: Option<u64>,
    /// Every command packet received.
    pub packets: Vec<[u8; 12]>,
    /// The byte count of every data block offered.
    pub blocks: Vec<u16>,
    pub vendor: String,
    pub product: String,
    sense: Sense,
    phase: Phase,
}

impl SimCdrom {
    pub fn new(product: &str, medium: Option<Vec<u8>>) -> Self {
        SimCdrom {
            medium,
            unit_attention: false,
            becoming_ready: 0,
            max_block: DEFAULT_MAX_BLOCK,
            medium_error_at: None,
            packets: Vec::new(),
            blocks: Vec::new(),
            vendor: "SIM".into(),
            product: product.into(),
            sense: Sense::default(),
            phase: Phase::Idle,
        }
    }

    /// `sectors` sectors of `FakeDisk::pattern` (each 2048-byte sector distinct).
    pub fn image(sectors: u64) -> Vec<u8> {
        (0..sectors)
            .flat_map(|l| FakeDisk::pattern(l, CD_SECTOR as u32))
            .collect()
    }

    /// A new medium goes in (or the old one comes out): the next command that needs the
    /// medium reports the change.
    pub fn change_medium(&mut self, medium: Option<Vec<u8>>) {
        self.medium = medium;
        self.unit_attention = true;
    }

    pub fn sectors(&self) -> u64 {
        self.medium
            .as_ref()
            .map_or(0, |m| (m.len() / CD_SECTOR) as u64)
    }

    /// Power-on or reset: no command in progress.
    pub fn reset(&mut self) {
        self.phase = Phase::Idle;
    }

    pub fn in_packet(&self) -> bool {
        matches!(self.phase, Phase::Packet { .. })
    }

    pub fn in_data(&self) -> bool {
        matches!(self.phase, Phase::DataIn { .. })
    }

    /// A0h arrived with this byte count limit: the command packet is wanted.
    pub fn start(&mut self, limit: u16) -> Step {
        // An odd limit (FFFFh included) counts as one less; 0 is no limit a device can use.
        let limit = (limit & !1) as usize;
        if limit == 0 {
            return self.check(Sense::new(sense::ILLEGAL_REQUEST, sense::ASC_INVALID_FIELD));
        }
        self.phase = Phase::Packet {
            got: Vec::new(),
            limit,
        };
        Step::Packet
    }

    /// One word of the command packet.
    pub fn packet_word(&mut self, w: u16) -> Step {
        let Phase::Packet { got, limit } = &mut self.phase else {
            return Step::Done;
        };
        got.extend_from_slice(&w.to_le_bytes());
        if got.len() < 12 {
            return Step::Packet;
        }
        let limit = *limit;
        let mut cdb = [0u8; 12];
        cdb.copy_from_slice(got);
        self.phase = Phase::Idle;
        self.packets.push(cdb);
        self.execute(&cdb, limit)
    }

    /// One word of the current data block; the step after it when the block ends.
    pub fn data_word(&mut self) -> (u16, Option<Step>) {
        let Phase::DataIn {
            data,
            pos,
            block_end,
            ..
        } = &mut self.phase
        else {
            return (0, None);
        };
        let byte = |i: usize| data.get(i).copied().unwrap_or(0);
        let w = u16::from_le_bytes([byte(*pos), byte(*pos + 1)]);
        *pos += 2;
        if *pos < *block_end {
            return (w, None);
        }
        (w, Some(self.next_block()))
    }

    fn check(&mut self, s: Sense) -> Step {
        self.sense = s;
        self.phase = Phase::Idle;
        Step::Check(s.key)
    }

    /// Offer the next data block, or end the command.
    fn next_block(&mut self) -> Step {
        let Phase::DataIn {
            data,
            pos,
            block_end,
            limit,
            then,
        } = &mut self.phase
        else {
            return Step::Done;
        };
        let left = data.len().saturating_sub(*pos);
        if left == 0 {
            let then = *then;
            self.phase = Phase::Idle;
            return match then {
                Some(s) => self.check(s),
                None => Step::Done,
            };
        }
        let n = left.min(*limit).min(self.max_block & !1);
        *block_end = *pos + n;
        self.blocks.push(n as u16);
        Step::Data(n as u16)
    }

    fn send(&mut self, data: Vec<u8>, limit: usize, then: Option<Sense>) -> Step {
        self.sense = Sense::default();
        self.phase = Phase::DataIn {
            data,
            pos: 0,
            block_end: 0,
            limit,
            then,
        };
        self.next_block()
    }

    fn execute(&mut self, cdb: &[u8; 12], limit: usize) -> Step {
        let needs_medium = matches!(cdb[0], TEST_UNIT_READY | READ_CAPACITY | READ_10);
        if needs_medium {
            if self.unit_attention {
                self.unit_attention = false;
                let s = Sense::new(sense::UNIT_ATTENTION, sense::ASC_MEDIUM_CHANGED);
                return self.check(s);
            }
            if self.medium.is_none() {
                return self.check(Sense::new(sense::NOT_READY, sense::ASC_NO_MEDIUM));
            }
            if self.becoming_ready > 0 {
                self.becoming_ready -= 1;
                return self.check(Sense::new(sense::NOT_READY, sense::ASC_BECOMING_READY));
            }
        }
        match cdb[0] {
            TEST_UNIT_READY => {
                self.sense = Sense::default();
                Step::Done
            }
            REQUEST_SENSE => {
                let s = std::mem::take(&mut self.sense);
                let mut d = vec![0u8; SENSE_LEN];
                d[0] = SENSE_CURRENT;
                d[2] = s.key;
                d[7] = SENSE_ADDITIONAL;
                d[12] = s.asc;
                d[13] = s.ascq;
                d.truncate(cdb[4] as usize);
                self.send(d, limit, None)
            }
            INQUIRY => {
                let mut d = vec![b' '; INQUIRY_LEN];
                d[..5].copy_from_slice(&[
                    TYPE_CDROM,
                    INQUIRY_RMB,
                    INQUIRY_VERSION_SPC2,
                    INQUIRY_FORMAT,
                    (INQUIRY_LEN - 5) as u8,
                ]);
                d[5..8].fill(0);
                put(&mut d[8..16], &self.vendor);
                put(&mut d[16..32], &self.product);
                put(&mut d[32..36], "1.0");
                // SPC-2: the allocation length is byte 4.
                d.truncate(cdb[4] as usize);
                self.send(d, limit, None)
            }
            READ_CAPACITY => {
                let last = self.sectors().saturating_sub(1) as u32;
                let mut d = last.to_be_bytes().to_vec();
                d.extend_from_slice(&(CD_SECTOR as u32).to_be_bytes());
                self.send(d, limit, None)
            }
            READ_10 => {
                let lba = u32::from_be_bytes([cdb[2], cdb[3], cdb[4], cdb[5]]) as u64;
                let count = u16::from_be_bytes([cdb[7], cdb[8]]) as u64;
                if lba + count > self.sectors() {
                    let s = Sense::new(sense::ILLEGAL_REQUEST, sense::ASC_LBA_OUT_OF_RANGE);
                    return self.check(s);
                }
                let (end, then) = match self.medium_error_at {
                    Some(bad) if (lba..lba + count).contains(&bad) => (
                        bad,
                        Some(Sense::new(sense::MEDIUM_ERROR, sense::ASC_UNRECOVERED_READ)),
                    ),
                    _ => (lba + count, None),
                };
                let m = self.medium.as_ref().unwrap();
                let data = m[lba as usize * CD_SECTOR..end as usize * CD_SECTOR].to_vec();
                self.send(data, limit, then)
            }
            _ => self.check(Sense::new(
                sense::ILLEGAL_REQUEST,
                sense::ASC_INVALID_OPCODE,
            )),
        }
    }
}

/// Space-padded ASCII field.
fn put(field: &mut [u8], s: &str) {
    field.fill(b' ');
    let n = s.len().min(field.len());
    field[..n].copy_from_slice(&s.as_bytes()[..n]);
}
