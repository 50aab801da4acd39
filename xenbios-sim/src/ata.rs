//! A simulated IDE channel (two device positions), for the ATA driver's tests.
//!
//! The channel behaves like QEMU's: task file writes go to both positions, an absent
//! device 1 reads as status 0 while device 0 is present, a channel without devices reads
//! as 0, and a port nobody claims floats (0xff, `SimPorts`). While a device is busy every
//! command block read returns its status and writes are ignored, as on real hardware.

use super::atapi::{REASON_COD, REASON_IO, SimCdrom, Step};
use super::{PortDevice, SimPorts};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

const SECTOR: usize = 512;

/// Where an IDE channel's registers are: the command block (eight ports from `cmd`) and
/// the device control / alternate status port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AtaPorts {
    pub cmd: u16,
    pub ctrl: u16,
}

/// PCI IDE Controller Specification 1.0, compatibility mode: the primary channel at
/// 1F0h-1F7h and 3F6h.
pub const PRIMARY: AtaPorts = AtaPorts {
    cmd: 0x1f0,
    ctrl: 0x3f6,
};
/// PCI IDE Controller Specification 1.0, compatibility mode: the secondary channel at
/// 170h-177h and 376h.
pub const SECONDARY: AtaPorts = AtaPorts {
    cmd: 0x170,
    ctrl: 0x376,
};

// ATA/ATAPI-6 (T13/1410D): register offsets in the command block, status/error and
// device control bits, command codes, as a device sees them.
const R_DATA: u16 = 0;
/// ERROR when read, FEATURES when written.
const R_ERROR: u16 = 1;
const R_COUNT: u16 = 2;
const R_LBA_LOW: u16 = 3;
const R_LBA_MID: u16 = 4;
const R_LBA_HIGH: u16 = 5;
const R_DEVICE: u16 = 6;
const R_STATUS: u16 = 7;
const ST_ERR: u8 = 0x01;
const ST_DRQ: u8 = 0x08;
/// Device seek complete (obsolete, still set by QEMU).
const ST_DSC: u8 = 0x10;
const ST_DRDY: u8 = 0x40;
const ST_BSY: u8 = 0x80;
pub const ERR_ABRT: u8 = 0x04;
pub const ERR_IDNF: u8 = 0x10;
pub const ERR_UNC: u8 = 0x40;
pub const ST_DF: u8 = 0x20;
const CTL_NIEN: u8 = 0x02;
const CTL_SRST: u8 = 0x04;
const DEV_SLAVE: u8 = 0x10;
const DEV_LBA: u8 = 0x40;
/// LBA28 address bits 24-27 in the device register.
const DEV_LBA28_HIGH: u8 = 0x0f;
const READ: u8 = 0x20;
const READ_EXT: u8 = 0x24;
const WRITE: u8 = 0x30;
const WRITE_EXT: u8 = 0x34;
const VERIFY: u8 = 0x40;
const VERIFY_EXT: u8 = 0x42;
const PACKET: u8 = 0xa0;
const IDENTIFY_PACKET: u8 = 0xa1;
/// PACKET features bit 0: the data phase by DMA (this model does PIO only).
const FEATURES_DMA: u8 = 0x01;
/// Packet devices report the sense key in bits 7:4 of the error register.
const SENSE_KEY_SHIFT: u8 = 4;
const FLUSH: u8 = 0xe7;
const FLUSH_EXT: u8 = 0xea;
const IDENTIFY: u8 = 0xec;
/// Signatures (LBA mid, high) after reset; what an absent position reads as in QEMU.
const SIG_ATA: (u8, u8) = (0x00, 0x00);
const SIG_ATAPI: (u8, u8) = (0x14, 0xeb);
const SIG_NONE: (u8, u8) = (0xff, 0xff);
/// IDENTIFY word 0: fixed ATA disk; ATAPI CD-ROM.
const CONFIG_DISK: u16 = 0x0040;
const CONFIG_CDROM: u16 = 0x85c0;
/// LBA28 addresses end here (IDENTIFY words 60-61 saturate).
const LBA28_MAX: u64 = 0x0fff_ffff;
/// The geometry QEMU reports: 16 heads, 63 sectors, at most 16383 cylinders.
const HEADS: u64 = 16;
const SPT: u64 = 63;
const MAX_CYLINDERS: u64 = 16383;
/// Diagnostic code "no error" left in the error register by a reset.
const DIAG_OK: u8 = 0x01;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Disk,
    Atapi,
}

/// Faults a device can be told to show.
#[derive(Clone, Copy, Debug, Default)]
pub struct Faults {
    /// BSY from power-on, forever (resets do not help).
    pub stuck_busy: bool,
    /// BSY forever once a read, write, verify or flush command arrives.
    pub hang_on_data: bool,
    /// Read, write and PACKET commands never raise DRQ (and report no error).
    pub no_drq: bool,
    /// This sector fails: error register value and extra status bits (e.g. DF).
    pub error_at: Option<(u64, u8, u8)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Command {
    pub slave: bool,
    pub command: u8,
    pub lba: u64,
    pub count: u32,
}

/// One device: its disk (sparse: sectors never written read as `FakeDisk::pattern`),
/// IDENTIFY contents and faults.
pub struct SimAtaDevice {
    pub kind: Kind,
    pub model: String,
    pub sectors: u64,
    pub chs: (u16, u16, u16),
    pub lba48: bool,
    pub lba: bool,
    pub faults: Faults,
    /// Status reads that still show BSY after each command (exercises polling).
    pub busy_reads: u32,
    /// The packet side of an ATAPI device (its medium, sense, history).
    pub cd: SimCdrom,
    pub flushes: u32,
    written: HashMap<u64, Vec<u8>>,
    status: u8,
    error: u8,
    busy_left: u32,
    hung: bool,
    xfer: Option<Transfer>,
    /// What a packet device shows in sector count (interrupt reason) and LBA mid/high
    /// (byte count) until the host writes those registers again.
    packet_regs: Option<(u8, u16)>,
}

struct Transfer {
    write: bool,
    identify: bool,
    lba: u64,
    left: u32,
    buf: Vec<u8>,
    pos: usize,
}

impl SimAtaDevice {
    /// A disk like QEMU's: LBA48, geometry 16 heads, 63 sectors, cylinders from the size.
    pub fn disk(model: &str, sectors: u64) -> Self {
        let cylinders = (sectors / (HEADS * SPT)).clamp(1, MAX_CYLINDERS) as u16;
        SimAtaDevice {
            kind: Kind::Disk,
            model: model.into(),
            sectors,
            chs: (cylinders, HEADS as u16, SPT as u16),
            lba48: true,
            lba: true,
            faults: Faults::default(),
            busy_reads: 0,
            cd: SimCdrom::new(model, None),
            flushes: 0,
            written: HashMap::new(),
            status: ST_DRDY,
            error: DIAG_OK,
            busy_left: 0,
            hung: false,
            xfer: None,
            packet_regs: None,
        }
    }

    /// A CD/DVD drive without a medium.
    pub fn atapi(model: &str) -> Self {
        Self::cdrom(model, None)
    }

    /// A CD/DVD drive holding `medium` (whole 2048-byte sectors), or none.
    pub fn cdrom(model: &str, medium: Option<Vec<u8>>) -> Self {
        let mut d = Self::atapi_device(model);
        d.cd = SimCdrom::new(model, medium);
        d
    }

    fn atapi_device(model: &str) -> Self {
        SimAtaDevice {
            kind: Kind::Atapi,
            status: 0,
            ..Self::disk(model, 0)
        }
    }

    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Sector `lba` as the disk holds it now.
    pub fn sector(&self, lba: u64) -> Vec<u8> {
        match self.written.get(&lba) {
            Some(s) => s.clone(),
            None => super::FakeDisk::pattern(lba, SECTOR as u32),
        }
    }

    fn identify_data(&self) -> Vec<u8> {
        let mut w = [0u16; 256];
        let put_str = |w: &mut [u16; 256], first: usize, words: usize, s: &str| {
            let mut b = vec![b' '; words * 2];
            b[..s.len()].copy_from_slice(s.as_bytes());
            for i in 0..words {
                w[first + i] = u16::from_be_bytes([b[2 * i], b[2 * i + 1]]);
            }
        };
        put_str(&mut w, 27, 20, &self.model);
        match self.kind {
            Kind::Atapi => w[0] = CONFIG_CDROM,
            Kind::Disk => {
                w[0] = CONFIG_DISK;
                (w[1], w[3], w[6]) = self.chs;
                w[49] = if self.lba { 1 << 9 } else { 0 };
                let lba28 = self.sectors.min(LBA28_MAX) as u32;
                (w[60], w[61]) = (lba28 as u16, (lba28 >> 16) as u16);
                if self.lba48 {
                    w[83] = 1 << 10;
                    for i in 0..4 {
                        w[100 + i] = (self.sectors >> (16 * i)) as u16;
                    }
                }
            }
        }
        w.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    fn busy(&self) -> bool {
        self.faults.stuck_busy || self.hung || self.busy_left > 0 || self.status & ST_BSY != 0
    }

    fn read_status(&mut self) -> u8 {
        if self.faults.stuck_busy || self.hung {
            return ST_BSY;
        }
        if self.busy_left > 0 {
            self.busy_left -= 1;
            return ST_BSY;
        }
        self.status
    }

    fn finish(&mut self, error: u8, extra_status: u8) {
        self.xfer = None;
        if error == 0 && extra_status == 0 {
            self.status = ST_DRDY;
        } else {
            self.status = ST_DRDY | ST_ERR | extra_status;
            self.error = error;
        }
    }

    fn failing_sector(&self, lba: u64, count: u32) -> Option<(u64, u8, u8)> {
        self.faults
            .error_at
            .filter(|(bad, _, _)| (lba..lba + count as u64).contains(bad))
    }

    /// Make the next sector of a read available, or report its failure.
    fn load(&mut self) {
        let x = self.xfer.as_ref().unwrap();
        let lba = x.lba;
        if let Some((_, e, st)) = self.failing_sector(lba, 1) {
            self.finish(e, st);
            return;
        }
        let data = self.sector(lba);
        let x = self.xfer.as_mut().unwrap();
        x.buf = data;
        x.pos = 0;
        self.status = ST_DRDY | ST_DRQ;
    }

    fn command(&mut self, c: u8, lba: u64, count: u32) {
        self.error = 0;
        self.busy_left = self.busy_reads;
        let data_cmd = matches!(
            c,
            READ | READ_EXT | WRITE | WRITE_EXT | VERIFY | VERIFY_EXT | FLUSH | FLUSH_EXT
        );
        if data_cmd && self.kind == Kind::Disk && self.faults.hang_on_data {
            self.hung = true;
            return;
        }
        match (self.kind, c) {
            (Kind::Disk, IDENTIFY) | (Kind::Atapi, IDENTIFY_PACKET) => {
                self.xfer = Some(Transfer {
                    write: false,
                    identify: true,
                    lba: 0,
                    left: 1,
                    buf: self.identify_data(),
                    pos: 0,
                });
                self.status = ST_DRDY | ST_DRQ;
            }
            (Kind::Disk, READ | READ_EXT | WRITE | WRITE_EXT) => {
                if lba + count as u64 > self.sectors {
                    return self.finish(ERR_IDNF, 0);
                }
                if self.faults.no_drq {
                    self.status = ST_DRDY;
                    return;
                }
                let write = matches!(c, WRITE | WRITE_EXT);
                self.xfer = Some(Transfer {
                    write,
                    identify: false,
                    lba,
                    left: count,
                    buf: vec![0; SECTOR],
                    pos: 0,
                });
                if write {
                    self.status = ST_DRDY | ST_DRQ;
                } else {
                    self.load();
                }
            }
            (Kind::Disk, VERIFY | VERIFY_EXT) => {
                if lba + count as u64 > self.sectors {
                    return self.finish(ERR_IDNF, 0);
                }
                match self.failing_sector(lba, count) {
                    Some((_, e, st)) => self.finish(e, st),
                    None => self.finish(0, 0),
                }
            }
            (Kind::Disk, FLUSH | FLUSH_EXT) => {
                self.flushes += 1;
                self.finish(0, 0);
            }
            _ => self.finish(ERR_ABRT, 0),
        }
    }

    /// A0h with these features and byte count limit.
    fn packet(&mut self, features: u8, limit: u16) {
        self.error = 0;
        self.busy_left = self.busy_reads;
        if self.kind != Kind::Atapi || features & FEATURES_DMA != 0 {
            return self.finish(ERR_ABRT, 0);
        }
        if self.faults.no_drq {
            self.status = ST_DRDY;
            return;
        }
        let step = self.cd.start(limit);
        self.show(step);
    }

    /// Put a packet step on the task file.
    fn show(&mut self, step: Step) {
        let (status, reason, bytes) = match step {
            Step::Packet => (ST_DRDY | ST_DRQ, REASON_COD, 0),
            Step::Data(n) => (ST_DRDY | ST_DRQ, REASON_IO, n),
            Step::Done => (ST_DRDY, REASON_COD | REASON_IO, 0),
            Step::Check(key) => {
                self.error = key << SENSE_KEY_SHIFT;
                (ST_DRDY | ST_ERR, REASON_COD | REASON_IO, 0)
            }
        };
        self.status = status;
        self.packet_regs = Some((reason, bytes));
    }

    fn data_in(&mut self) -> u16 {
        if self.cd.in_data() {
            let (w, step) = self.cd.data_word();
            if let Some(step) = step {
                self.busy_left = self.busy_reads;
                self.show(step);
            }
            return w;
        }
        let Some(x) = self.xfer.as_mut().filter(|x| !x.write) else {
            return 0;
        };
        let w = u16::from_le_bytes([x.buf[x.pos], x.buf[x.pos + 1]]);
        x.pos += 2;
        if x.pos == SECTOR {
            x.left -= 1;
            x.lba += 1;
            if x.left == 0 || x.identify {
                self.finish(0, 0);
            } else {
                self.load();
            }
        }
        w
    }

    fn data_out(&mut self, w: u16) {
        if self.cd.in_packet() {
            let step = self.cd.packet_word(w);
            if step != Step::Packet {
                self.busy_left = self.busy_reads;
            }
            return self.show(step);
        }
        let Some(x) = self.xfer.as_mut().filter(|x| x.write) else {
            return;
        };
        x.buf[x.pos..x.pos + 2].copy_from_slice(&w.to_le_bytes());
        x.pos += 2;
        if x.pos < SECTOR {
            return;
        }
        let lba = x.lba;
        if let Some((_, e, st)) = self.failing_sector(lba, 1) {
            return self.finish(e, st);
        }
        let x = self.xfer.as_mut().unwrap();
        let data = std::mem::replace(&mut x.buf, vec![0; SECTOR]);
        x.pos = 0;
        x.left -= 1;
        x.lba += 1;
        let done = x.left == 0;
        self.written.insert(lba, data);
        if done {
            self.finish(0, 0);
        }
    }

    fn reset(&mut self) {
        self.xfer = None;
        self.cd.reset();
        self.packet_regs = None;
        self.hung = false;
        self.busy_left = 0;
        self.error = DIAG_OK;
        self.status = match self.kind {
            Kind::Disk => ST_DRDY,
            // ATAPI devices leave reset with DRDY clear.
            Kind::Atapi => 0,
        };
    }
}

/// Task file registers as written by the host (current and previous values, for LBA48).
#[derive(Clone, Copy, Default)]
struct TaskFile {
    features: u8,
    count: [u8; 2],
    lba: [[u8; 2]; 3],
    device: u8,
}

impl TaskFile {
    fn signature(&mut self, sig: (u8, u8)) {
        self.count[0] = 1;
        self.lba[0][0] = 1;
        self.lba[1][0] = sig.0;
        self.lba[2][0] = sig.1;
    }
}

/// An IDE channel: command block at `ports.cmd`, device control at `ports.ctrl`.
pub struct SimAtaChannel {
    pub ports: AtaPorts,
    pub devices: [Option<SimAtaDevice>; 2],
    /// Every command a device accepted.
    pub commands: Vec<Command>,
    /// Register accesses after SRST is released before the reset happens (QEMU resets in
    /// a bottom half, later). Until then the devices are busy: writes are ignored, a
    /// present device reads BSY and an absent device 1 still reads 0.
    pub reset_delay: u32,
    reset_pending: u32,
    tf: [TaskFile; 2],
    selected: usize,
    control: u8,
}

impl SimAtaChannel {
    pub fn new(ports: AtaPorts, master: Option<SimAtaDevice>, slave: Option<SimAtaDevice>) -> Self {
        let mut ch = SimAtaChannel {
            ports,
            devices: [master, slave],
            commands: Vec::new(),
            reset_delay: 0,
            reset_pending: 0,
            tf: [TaskFile::default(); 2],
            selected: 0,
            control: 0,
        };
        ch.reset();
        ch
    }

    /// Claim the channel's ports; the test keeps the returned handle to look inside.
    pub fn attach(self, ports: &mut SimPorts) -> Rc<RefCell<SimAtaChannel>> {
        let (cmd, ctrl) = (self.ports.cmd, self.ports.ctrl);
        let ch = Rc::new(RefCell::new(self));
        ports.attach(cmd, cmd + R_STATUS, ch.clone());
        ports.attach(ctrl, ctrl, ch.clone());
        ch
    }

    /// Interrupts disabled by the host (nIEN)?
    pub fn nien(&self) -> bool {
        self.control & CTL_NIEN != 0
    }

    pub fn device(&mut self, slave: bool) -> &mut SimAtaDevice {
        self.devices[slave as usize].as_mut().expect("no device")
    }

    fn reset(&mut self) {
        for i in 0..2 {
            let sig = match &mut self.devices[i] {
                Some(d) => {
                    d.reset();
                    match d.kind {
                        Kind::Disk => SIG_ATA,
                        Kind::Atapi => SIG_ATAPI,
                    }
                }
                None => SIG_NONE,
            };
            self.tf[i].signature(sig);
            self.tf[i].device = 0;
        }
        self.selected = 0;
    }

    fn no_devices(&self) -> bool {
        self.devices.iter().all(Option::is_none)
    }

    /// One register access while a reset is pending: true if it is swallowed.
    fn pending_reset_access(&mut self) -> bool {
        if self.reset_pending == 0 {
            return false;
        }
        self.reset_pending -= 1;
        if self.reset_pending == 0 {
            self.reset();
        }
        true
    }

    fn read_reg(&mut self, r: u16) -> u8 {
        if self.no_devices() {
            return 0;
        }
        if self.pending_reset_access() {
            let present = self.devices[self.selected].is_some();
            return if present && r == R_STATUS { ST_BSY } else { 0 };
        }
        let sel = self.selected;
        let Some(d) = self.devices[sel].as_mut() else {
            // Device 0 answers for an absent device 1: registers latched, status 0. An
            // absent device 0 (QEMU) keeps the status a reset gives it, and the signature
            // of nothing.
            return match r {
                R_STATUS if sel == 0 => ST_DRDY | ST_DSC,
                R_ERROR | R_STATUS => 0,
                _ => self.tf_read(sel, r),
            };
        };
        if d.busy() {
            return d.read_status();
        }
        match (r, d.packet_regs) {
            (R_ERROR, _) => d.error,
            (R_STATUS, _) => d.read_status(),
            (R_COUNT, Some((reason, _))) => reason,
            (R_LBA_MID, Some((_, bytes))) => bytes as u8,
            (R_LBA_HIGH, Some((_, bytes))) => (bytes >> 8) as u8,
            _ => self.tf_read(sel, r),
        }
    }

    fn tf_read(&self, sel: usize, r: u16) -> u8 {
        let tf = &self.tf[sel];
        match r {
            R_COUNT => tf.count[0],
            R_LBA_LOW..=R_LBA_HIGH => tf.lba[(r - R_LBA_LOW) as usize][0],
            R_DEVICE => tf.device,
            _ => 0,
        }
    }

    fn selected_busy(&self) -> bool {
        self.devices[self.selected]
            .as_ref()
            .is_some_and(SimAtaDevice::busy)
    }

    fn write_reg(&mut self, r: u16, v: u8) {
        if self.pending_reset_access() {
            return;
        }
        if self.selected_busy() {
            return;
        }
        if (R_COUNT..=R_LBA_HIGH).contains(&r) {
            // The host's values replace what a packet device showed there.
            self.devices
                .iter_mut()
                .flatten()
                .for_each(|d| d.packet_regs = None);
        }
        match r {
            R_ERROR => self.tf.iter_mut().for_each(|t| t.features = v),
            R_COUNT => self.tf.iter_mut().for_each(|t| t.count = [v, t.count[0]]),
            R_LBA_LOW..=R_LBA_HIGH => {
                let i = (r - R_LBA_LOW) as usize;
                self.tf.iter_mut().for_each(|t| t.lba[i] = [v, t.lba[i][0]]);
            }
            R_DEVICE => {
                self.tf.iter_mut().for_each(|t| t.device = v);
                self.selected = (v & DEV_SLAVE != 0) as usize;
            }
            R_STATUS => self.command(v),
            _ => {}
        }
    }

    fn command(&mut self, c: u8) {
        let sel = self.selected;
        let tf = self.tf[sel];
        let ext = matches!(c, READ_EXT | WRITE_EXT | VERIFY_EXT);
        let (lba, count) = if ext {
            let mut lba = 0u64;
            for (i, reg) in tf.lba.iter().enumerate() {
                lba |= (reg[0] as u64) << (8 * i) | (reg[1] as u64) << (24 + 8 * i);
            }
            let count = u16::from_le_bytes(tf.count) as u32;
            (lba, if count == 0 { 65536 } else { count })
        } else {
            let lba = tf.lba[0][0] as u64
                | (tf.lba[1][0] as u64) << 8
                | (tf.lba[2][0] as u64) << 16
                | ((tf.device & DEV_LBA28_HIGH) as u64) << 24;
            let count = tf.count[0] as u32;
            (lba, if count == 0 { 256 } else { count })
        };
        let Some(d) = self.devices[sel].as_mut() else {
            return;
        };
        let needs_lba = matches!(c, READ | READ_EXT | WRITE | WRITE_EXT | VERIFY | VERIFY_EXT);
        if needs_lba && tf.device & DEV_LBA == 0 {
            // This model only understands LBA addressing.
            d.finish(ERR_ABRT, 0);
            return;
        }
        self.commands.push(Command {
            slave: sel == 1,
            command: c,
            lba,
            count,
        });
        if c == PACKET {
            let limit = u16::from_le_bytes([tf.lba[1][0], tf.lba[2][0]]);
            return d.packet(tf.features, limit);
        }
        d.command(c, lba, count);
    }
}

impl PortDevice for SimAtaChannel {
    fn read(&mut self, port: u16, size: u8) -> u32 {
        if port == self.ports.ctrl {
            // Alternate status.
            return self.read_reg(R_STATUS) as u32;
        }
        let r = port - self.ports.cmd;
        if r == R_DATA && size == 2 {
            let sel = self.selected;
            return self.devices[sel].as_mut().map_or(0, |d| d.data_in()) as u32;
        }
        self.read_reg(r) as u32
    }

    fn write(&mut self, port: u16, size: u8, value: u32) {
        if port == self.ports.ctrl {
            let v = value as u8;
            let releasing_reset = self.control & CTL_SRST != 0 && v & CTL_SRST == 0;
            self.control = v;
            if releasing_reset {
                if self.reset_delay > 0 {
                    self.reset_pending = self.reset_delay;
                } else {
                    self.reset();
                }
            }
            return;
        }
        let r = port - self.ports.cmd;
        if r == R_DATA && size == 2 {
            let sel = self.selected;
            if let Some(d) = self.devices[sel].as_mut() {
                d.data_out(value as u16);
            }
            return;
        }
        self.write_reg(r, value as u8);
    }
}
