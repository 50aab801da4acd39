use std::cell::{RefCell, RefMut};
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;
use xenbios::block::{
    BlockDevice, Capacity, Chs, DiskError, DriveId, DriveInfo, DriveKind, Drives, Interface,
    IoError, PciAddr,
};
use xenbios::hal::Ctx;

/// What a driver was asked to do: tests check that invalid requests never get here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiskCall {
    Read { lba: u64, count: u32, buf: u32 },
    Write { lba: u64, count: u32, buf: u32 },
    Verify { lba: u64, count: u32 },
    Flush,
    Reset,
    Ready,
}

/// The contents and the faults of a [`FakeDisk`], shared with the test that made it.
pub struct DiskState {
    /// Sectors written so far; the others still hold [`FakeDisk::pattern`].
    pub written: HashMap<u64, Vec<u8>>,
    /// Every request that reached the driver, in order.
    pub calls: Vec<DiskCall>,
    /// Reads, writes and verifies that reach this sector stop there with this error
    /// (the sectors before it are transferred).
    pub fail_at: Option<(u64, DiskError)>,
    pub flush_error: Option<DiskError>,
    pub reset_error: Option<DiskError>,
    pub not_ready: bool,
}

/// A (sparse) disk in memory, implementing [`BlockDevice`] with fault injection. Clones share the
/// same disk: register one (`register`) and keep another to look inside.
#[derive(Clone)]
pub struct FakeDisk {
    info: DriveInfo,
    state: Rc<RefCell<DiskState>>,
}

impl FakeDisk {
    /// A disk of `sectors` 512-byte sectors filled with [`FakeDisk::pattern`], without a
    /// geometry of its own (LBA translation), on a Xen interface.
    pub fn new(sectors: u64) -> Self {
        Self::with_sector_size(sectors, 512)
    }

    pub fn with_sector_size(sectors: u64, sector_size: u32) -> Self {
        FakeDisk {
            info: DriveInfo {
                kind: DriveKind::Disk,
                sectors,
                sector_size,
                read_only: false,
                removable: false,
                chs: None,
                interface: Interface::Xen {
                    pci: PciAddr::default(),
                    vdev: 0,
                },
            },
            state: Rc::new(RefCell::new(DiskState {
                written: HashMap::new(),
                calls: Vec::new(),
                fail_at: None,
                flush_error: None,
                reset_error: None,
                not_ready: false,
            })),
        }
    }

    /// The initial contents of sector `lba`: its number (u64 LE), then bytes counting up
    /// from the low byte of the number, so that every sector differs from its neighbours.
    pub fn pattern(lba: u64, sector_size: u32) -> Vec<u8> {
        let mut s: Vec<u8> = (0..sector_size)
            .map(|i| (lba as u8).wrapping_add(i as u8))
            .collect();
        s[..8].copy_from_slice(&lba.to_le_bytes());
        s
    }

    pub fn with_chs(mut self, cylinders: u32, heads: u32, sectors: u32) -> Self {
        self.info.chs = Some(Chs {
            cylinders,
            heads,
            sectors,
        });
        self
    }
    pub fn read_only(mut self) -> Self {
        self.info.read_only = true;
        self
    }
    pub fn removable(mut self) -> Self {
        self.info.removable = true;
        self
    }
    /// A CD drive (read-only, removable); its sectors should be 2048 bytes.
    pub fn cdrom(mut self) -> Self {
        self.info.kind = DriveKind::Cdrom;
        self.read_only().removable()
    }
    pub fn with_interface(mut self, interface: Interface) -> Self {
        self.info.interface = interface;
        self
    }

    pub fn state(&self) -> RefMut<'_, DiskState> {
        self.state.borrow_mut()
    }

    /// The bytes of sectors `lba..lba + count` as the disk holds them now.
    pub fn sectors(&self, lba: u64, count: u32) -> Vec<u8> {
        let ss = self.info.sector_size;
        let state = self.state.borrow();
        (lba..lba + count as u64)
            .flat_map(|l| match state.written.get(&l) {
                Some(s) => s.clone(),
                None => Self::pattern(l, ss),
            })
            .collect()
    }

    /// Register a clone of this disk (it lives for the rest of the test run).
    pub fn register(&self, drives: &mut Drives) -> DriveId {
        let dev = Box::leak(Box::new(self.clone()));
        drives.add(dev).expect("drive table full")
    }

    /// Sectors of `lba..lba + count` that come before an injected failure, and the error.
    fn faulted(&self, lba: u64, count: u32) -> Result<(), IoError> {
        match self.state.borrow().fail_at {
            Some((bad, e)) if (lba..lba + count as u64).contains(&bad) => {
                Err(IoError::new(e, (bad - lba) as u32))
            }
            _ => Ok(()),
        }
    }

    fn check_range(&self, lba: u64, count: u32) {
        assert!(
            count > 0 && lba + count as u64 <= self.info.sectors,
            "block layer passed a bad request: lba {lba} count {count}"
        );
    }
}

impl BlockDevice for FakeDisk {
    fn info(&self) -> &DriveInfo {
        &self.info
    }

    fn describe(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let size = Capacity {
            sectors: self.info.sectors,
            sector_size: self.info.sector_size,
        };
        match self.info.kind {
            DriveKind::Disk => write!(out, "fake disk, {size}"),
            DriveKind::Cdrom => write!(out, "fake CD-ROM, {size}"),
        }
    }

    fn read(&mut self, ctx: &mut Ctx, lba: u64, count: u32, buf: u32) -> Result<(), IoError> {
        self.state().calls.push(DiskCall::Read { lba, count, buf });
        self.check_range(lba, count);
        let fault = self.faulted(lba, count);
        let good = fault.map_or_else(|e| e.done, |()| count);
        ctx.mem.write(buf, &self.sectors(lba, good));
        fault
    }

    fn write(&mut self, ctx: &mut Ctx, lba: u64, count: u32, buf: u32) -> Result<(), IoError> {
        self.state().calls.push(DiskCall::Write { lba, count, buf });
        self.check_range(lba, count);
        let fault = self.faulted(lba, count);
        let good = fault.map_or_else(|e| e.done, |()| count);
        let ss = self.info.sector_size;
        for i in 0..good {
            let mut sector = vec![0; ss as usize];
            ctx.mem.read(buf + i * ss, &mut sector);
            self.state().written.insert(lba + i as u64, sector);
        }
        fault
    }

    fn verify(&mut self, _ctx: &mut Ctx, lba: u64, count: u32) -> Result<(), IoError> {
        self.state().calls.push(DiskCall::Verify { lba, count });
        self.check_range(lba, count);
        self.faulted(lba, count)
    }

    fn flush(&mut self, _ctx: &mut Ctx) -> Result<(), DiskError> {
        let mut s = self.state();
        s.calls.push(DiskCall::Flush);
        s.flush_error.map_or(Ok(()), Err)
    }

    fn reset(&mut self, _ctx: &mut Ctx) -> Result<(), DiskError> {
        let mut s = self.state();
        s.calls.push(DiskCall::Reset);
        s.reset_error.map_or(Ok(()), Err)
    }

    fn ready(&mut self, _ctx: &mut Ctx) -> Result<(), DiskError> {
        let mut s = self.state();
        s.calls.push(DiskCall::Ready);
        if s.not_ready {
            Err(DiskError::NotReady)
        } else {
            Ok(())
        }
    }
}
