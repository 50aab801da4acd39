//! QEMU's firmware configuration device (fw_cfg), through its x86 I/O ports.
//!
//! Facts from QEMU's docs/specs/fw_cfg.rst: a 16-bit selector register at 0x510 (a write
//! selects an item and rewinds its data offset to 0), an 8-bit data register at 0x511
//! (each read returns the next byte of the selected item, 0 past its end), item 0x0000
//! holding the signature "QEMU", item 0x0001 a little-endian feature bitmap, item 0x0019
//! the file directory: a big-endian 32-bit count followed by that many 64-byte entries
//! (big-endian 32-bit size, big-endian 16-bit selector, 16 reserved bits, a NUL-padded
//! name of up to 56 bytes).
//!
//! The DMA interface (feature bit 1; QEMU's docs/specs/fw_cfg.rst, "FW_CFG_DMA_ADDRESS"):
//! the firmware writes an `FWCfgDmaAccess` (big-endian: u32 control, u32 length, u64
//! address) to memory and its physical address, big-endian, to the 64-bit register at
//! 0x514: the high half to 0x514, the low half to 0x518, which starts the transfer (and
//! clears the register for the next one). The control word says what to do: read `length`
//! bytes of the item to `address` (zeros past its end), skip `length` bytes, and first
//! select the item in its high 16 bits; the device clears it when done, or leaves the error
//! bit. It shares the data offset with the port interface, so the two can be mixed. Every
//! bulk read goes through it when the device offers it and the bus lets devices DMA
//! ([`PortIo::dma`]): under virtualization each port access is an exit, so the port
//! interface costs one per byte (15 s for QEMU's ACPI tables on a nested Xen bed) and DMA
//! one per transfer. A transfer that fails (error bit) or never completes (bounded wait)
//! is logged and redone through the ports, which the driver then uses for good.
//!
//! Under Xen (hvmloader's device model) there is no fw_cfg: [`FwCfg::probe`] returns
//! `None`.

use crate::hal::PortIo;
use crate::hal::mem::{DMA_SCRATCH_LEN, DmaMemory};
use core::cell::Cell;

pub const SELECTOR: u16 = 0x510;
pub const DATA: u16 = 0x511;
/// The DMA address register: high half (big-endian u32)...
pub const DMA_ADDR_HIGH: u16 = 0x514;
/// ... and low half, whose write starts the transfer.
pub const DMA_ADDR_LOW: u16 = 0x518;

/// `FWCfgDmaAccess.control` bits: the transfer failed (left by the device)...
pub const DMA_CTL_ERROR: u32 = 1 << 0;
/// ... read `length` bytes to `address`...
pub const DMA_CTL_READ: u32 = 1 << 1;
/// ... skip `length` bytes...
pub const DMA_CTL_SKIP: u32 = 1 << 2;
/// ... first select the item in the high 16 bits.
pub const DMA_CTL_SELECT: u32 = 1 << 3;
/// Where the item to select sits in the control word.
pub const DMA_SELECT_SHIFT: u32 = 16;
/// `FWCfgDmaAccess`: its size and the offsets of its big-endian fields.
pub const DMA_ACCESS_LEN: usize = 16;
pub const DMA_ACCESS_CONTROL: usize = 0;
pub const DMA_ACCESS_LENGTH: usize = 4;
pub const DMA_ACCESS_ADDRESS: usize = 8;
/// Reads of the control word before a transfer counts as never completing. QEMU finishes
/// before the doorbell write returns, so the first read sees it done.
pub const DMA_POLLS: u32 = 1_000_000;
/// The bounce buffer for reads into the firmware's variables: the DMA scratch area after
/// the descriptor.
const BOUNCE_LEN: usize = DMA_SCRATCH_LEN - DMA_ACCESS_LEN;
/// Directory entries read per transfer when scanning the directory.
const DIR_BATCH: usize = 4;

pub const KEY_SIGNATURE: u16 = 0x0000;
pub const KEY_FEATURES: u16 = 0x0001;
/// `-boot menu=on|off`: a little-endian u16, non-zero for on (QEMU's FW_CFG_BOOT_MENU).
pub const KEY_BOOT_MENU: u16 = 0x000e;
/// Number of CPUs present at boot, little-endian u16 (QEMU FW_CFG_NB_CPUS).
pub const KEY_NB_CPUS: u16 = 0x0005;
pub const KEY_FILE_DIR: u16 = 0x0019;

pub const SIGNATURE: [u8; 4] = *b"QEMU";
/// Feature bits (item 0x0001).
pub const FEATURE_TRADITIONAL: u32 = 1 << 0;
pub const FEATURE_DMA: u32 = 1 << 1;

pub const FILE_NAME_LEN: usize = 56;
/// One directory entry: size (4), select (2), reserved (2), name (56).
pub const DIR_ENTRY_LEN: usize = 64;
/// Directory entries looked at before giving up: QEMU's default is 32 file slots and its
/// machine types stay far below this.
const MAX_FILES: u32 = 4096;

/// An fw_cfg file as the directory describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileInfo {
    pub select: u16,
    pub size: u32,
}

/// A directory entry: where the file is and its name (NUL-padded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NamedFile {
    pub info: FileInfo,
    pub name: [u8; FILE_NAME_LEN],
}

impl NamedFile {
    pub const EMPTY: NamedFile = NamedFile {
        info: FileInfo { select: 0, size: 0 },
        name: [0; FILE_NAME_LEN],
    };
    pub fn name(&self) -> &str {
        let len = self
            .name
            .iter()
            .position(|&c| c == 0)
            .unwrap_or(FILE_NAME_LEN);
        core::str::from_utf8(&self.name[..len]).unwrap_or("?")
    }
}

/// Why a DMA transfer was given up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DmaFailure {
    /// The device left the error bit.
    Error,
    /// The control word never cleared within [`DMA_POLLS`] reads.
    Timeout,
}

/// The device, once its signature has been seen. Items are read by selecting them and
/// reading on: any other fw_cfg access in between (even a `find`) rewinds the stream.
pub struct FwCfg<'a> {
    io: &'a dyn PortIo,
    /// Where the device DMAs, while DMA is in use (see the module docs).
    dma: Cell<Option<&'a dyn DmaMemory>>,
    /// The item selected and the offset of its next byte: a failed transfer is redone
    /// through the ports from there.
    key: Cell<u16>,
    offset: Cell<u32>,
    /// The selection is not made yet: the next transfer makes it (its SELECT bit), or the
    /// next port access first writes the selector.
    select_pending: Cell<bool>,
}

impl<'a> FwCfg<'a> {
    /// The device if the signature item reads "QEMU"; it uses DMA when the device offers
    /// it and `io` lets devices DMA.
    pub fn probe(io: &'a dyn PortIo) -> Option<FwCfg<'a>> {
        let fw = FwCfg {
            io,
            dma: Cell::new(None),
            key: Cell::new(KEY_SIGNATURE),
            offset: Cell::new(0),
            select_pending: Cell::new(false),
        };
        let mut sig = [0u8; 4];
        fw.read_item(KEY_SIGNATURE, &mut sig);
        if sig != SIGNATURE {
            return None;
        }
        if fw.features() & FEATURE_DMA != 0
            && let Some(dma) = io.dma()
        {
            // The register's high half stays 0 (our descriptors are below 4 GiB): clear
            // whatever an earlier program left there; each transfer resets it again.
            io.outl(DMA_ADDR_HIGH, 0);
            fw.dma.set(Some(dma));
        }
        Some(fw)
    }

    /// Bulk reads go through the DMA interface (until a transfer fails).
    pub fn uses_dma(&self) -> bool {
        self.dma.get().is_some()
    }

    /// Select `key` and rewind its data.
    pub fn select(&self, key: u16) {
        self.key.set(key);
        self.offset.set(0);
        self.select_pending.set(true);
        if !self.uses_dma() {
            self.port_select();
        }
    }

    /// Make a pending selection through the selector port.
    fn port_select(&self) {
        if self.select_pending.replace(false) {
            self.io.outw(SELECTOR, self.key.get());
        }
    }

    /// The next `buf.len()` bytes of the selected item (zeros past its end).
    pub fn read(&self, buf: &mut [u8]) {
        if let Some(dma) = self.dma.get() {
            let bounce = dma.scratch() + DMA_ACCESS_LEN as u32;
            let (len, mut done) = (buf.len(), 0);
            while done < len {
                let part = &mut buf[done..(done + BOUNCE_LEN).min(len)];
                if self
                    .transfer(dma, DMA_CTL_READ, part.len() as u32, bounce)
                    .is_err()
                {
                    return self.port_read(&mut buf[done..]);
                }
                dma.read(bounce, part);
                done += part.len();
            }
        } else {
            self.port_read(buf);
        }
    }

    fn port_read(&self, buf: &mut [u8]) {
        self.port_select();
        for b in buf.iter_mut() {
            *b = self.io.inb(DATA);
        }
        self.advance(buf.len() as u32);
    }

    /// Skip `n` bytes of the selected item.
    pub fn skip(&self, n: u32) {
        if let Some(dma) = self.dma.get()
            && self.transfer(dma, DMA_CTL_SKIP, n, 0).is_ok()
        {
            return;
        }
        self.port_skip(n);
    }

    fn port_skip(&self, n: u32) {
        self.port_select();
        for _ in 0..n {
            self.io.inb(DATA);
        }
        self.advance(n);
    }

    fn advance(&self, n: u32) {
        self.offset.set(self.offset.get().saturating_add(n));
    }

    /// One DMA transfer of `op` (read or skip) over the next `len` bytes, to physical
    /// `addr`, making a pending selection first. On success the stream has moved on by
    /// `len`; on failure DMA is off for good and the ports are back where the transfer
    /// started, so the caller redoes it through them.
    fn transfer(&self, dma: &dyn DmaMemory, op: u32, len: u32, addr: u32) -> Result<(), ()> {
        let mut control = op;
        if self.select_pending.get() {
            control |= DMA_CTL_SELECT | (u32::from(self.key.get()) << DMA_SELECT_SHIFT);
        }
        let desc = dma.scratch();
        let mut access = [0u8; DMA_ACCESS_LEN];
        access[DMA_ACCESS_CONTROL..DMA_ACCESS_LENGTH].copy_from_slice(&control.to_be_bytes());
        access[DMA_ACCESS_LENGTH..DMA_ACCESS_ADDRESS].copy_from_slice(&len.to_be_bytes());
        access[DMA_ACCESS_ADDRESS..].copy_from_slice(&u64::from(addr).to_be_bytes());
        dma.write(desc, &access);
        // The descriptor is in memory before the device is told where it is.
        dma.fence();
        // A big-endian register; `out` sends the value's bytes little-endian first.
        self.io
            .outl(DMA_ADDR_LOW, u32::from_le_bytes(desc.to_be_bytes()));
        let failure = match Self::wait(dma, desc) {
            Ok(()) => {
                self.select_pending.set(false);
                self.advance(len);
                return Ok(());
            }
            Err(f) => f,
        };
        self.dma.set(None);
        warn!(
            "fw_cfg",
            "DMA {} of {len} bytes at {:#06x}+{} {}: port I/O from now on",
            if op == DMA_CTL_SKIP { "skip" } else { "read" },
            self.key.get(),
            self.offset.get(),
            match failure {
                DmaFailure::Error => "failed (error bit)",
                DmaFailure::Timeout => "never completed",
            }
        );
        // Where the ports stand is unknown: select again and skip to where we were.
        let offset = self.offset.get();
        self.select_pending.set(true);
        self.port_skip(offset);
        Err(())
    }

    /// Wait for the device to clear the control word of the descriptor at `desc`.
    fn wait(dma: &dyn DmaMemory, desc: u32) -> Result<(), DmaFailure> {
        for _ in 0..DMA_POLLS {
            let raw = dma.read_u32(desc + DMA_ACCESS_CONTROL as u32);
            let control = u32::from_be_bytes(raw.to_le_bytes());
            if control & !DMA_CTL_ERROR == 0 {
                // The device's data is read after its completion.
                dma.fence();
                return if control & DMA_CTL_ERROR != 0 {
                    Err(DmaFailure::Error)
                } else {
                    Ok(())
                };
            }
        }
        Err(DmaFailure::Timeout)
    }

    pub fn read_item(&self, key: u16, buf: &mut [u8]) {
        self.select(key);
        self.read(buf);
    }

    /// The feature bitmap (item 0x0001).
    pub fn features(&self) -> u32 {
        let mut b = [0u8; 4];
        self.read_item(KEY_FEATURES, &mut b);
        u32::from_le_bytes(b)
    }

    /// Number of files in the directory.
    pub fn file_count(&self) -> u32 {
        let mut b = [0u8; 4];
        self.read_item(KEY_FILE_DIR, &mut b);
        u32::from_be_bytes(b).min(MAX_FILES)
    }

    /// Look `name` up in the file directory.
    pub fn find(&self, name: &str) -> Option<FileInfo> {
        self.find_bytes(name.as_bytes())
    }

    /// [`find`](Self::find) for a name that is bytes (as in the table loader's commands).
    pub fn find_bytes(&self, name: &[u8]) -> Option<FileInfo> {
        if name.len() > FILE_NAME_LEN {
            return None;
        }
        let mut found = None;
        self.scan_dir(&mut |e| {
            let stored = &e[8..];
            let len = stored.iter().position(|&c| c == 0).unwrap_or(FILE_NAME_LEN);
            if &stored[..len] == name {
                found = Some(entry_info(e));
            }
            found.is_none()
        });
        found
    }

    /// Every directory entry, in order, until `each` returns false; a few entries per
    /// read.
    fn scan_dir(&self, each: &mut dyn FnMut(&[u8; DIR_ENTRY_LEN]) -> bool) {
        let mut left = self.file_count() as usize;
        let mut batch = [[0u8; DIR_ENTRY_LEN]; DIR_BATCH];
        while left > 0 {
            let n = left.min(DIR_BATCH);
            self.read(batch[..n].as_flattened_mut());
            for e in &batch[..n] {
                if !each(e) {
                    return;
                }
            }
            left -= n;
        }
    }

    /// A little-endian u16 item (0 when the item is shorter or absent).
    pub fn read_u16(&self, key: u16) -> u16 {
        let mut b = [0u8; 2];
        self.read_item(key, &mut b);
        u16::from_le_bytes(b)
    }

    /// The files whose names start with `prefix`, in directory order, into `out`;
    /// returns how many were found (those beyond `out.len()` are counted, not kept).
    pub fn files_with_prefix(&self, prefix: &str, out: &mut [NamedFile]) -> usize {
        let mut found = 0;
        self.scan_dir(&mut |e| {
            if e[8..].starts_with(prefix.as_bytes()) {
                if let Some(slot) = out.get_mut(found) {
                    slot.info = entry_info(e);
                    slot.name.copy_from_slice(&e[8..]);
                }
                found += 1;
            }
            true
        });
        found
    }

    /// Copy the first `len` bytes of a file to guest memory at `addr`: with DMA straight
    /// there (`mem` and the bus's DMA memory are the same physical memory), else through
    /// the ports.
    pub fn copy_to(
        &self,
        file: FileInfo,
        mem: &mut dyn crate::hal::mem::Memory,
        addr: u32,
        len: u32,
    ) {
        const CHUNK: usize = 64;
        self.select(file.select);
        if let Some(dma) = self.dma.get()
            && self.transfer(dma, DMA_CTL_READ, len, addr).is_ok()
        {
            return;
        }
        let mut buf = [0u8; CHUNK];
        let mut done = 0;
        while done < len {
            let n = ((len - done) as usize).min(CHUNK);
            self.port_read(&mut buf[..n]);
            mem.write(addr + done, &buf[..n]);
            done += n as u32;
        }
    }

    /// Read file `name` into `buf`; returns the file's full size (which may be more than
    /// was copied: `buf` gets the first `min(size, buf.len())` bytes).
    pub fn read_file(&self, name: &str, buf: &mut [u8]) -> Option<usize> {
        let mut f = self.open(name)?;
        f.read(buf);
        Some(f.size() as usize)
    }

    /// A stream over file `name`.
    pub fn open(&self, name: &str) -> Option<FileReader<'_, 'a>> {
        let info = self.find(name)?;
        self.select(info.select);
        Some(FileReader {
            fw: self,
            info,
            remaining: info.size,
        })
    }
}

/// Size and selector of a directory entry.
fn entry_info(e: &[u8; DIR_ENTRY_LEN]) -> FileInfo {
    FileInfo {
        size: u32::from_be_bytes([e[0], e[1], e[2], e[3]]),
        select: u16::from_be_bytes([e[4], e[5]]),
    }
}

/// Sequential reads of one fw_cfg file (see [`FwCfg`] on interleaving).
pub struct FileReader<'f, 'a> {
    fw: &'f FwCfg<'a>,
    info: FileInfo,
    remaining: u32,
}

impl FileReader<'_, '_> {
    pub fn size(&self) -> u32 {
        self.info.size
    }
    pub fn remaining(&self) -> u32 {
        self.remaining
    }
    /// Up to `buf.len()` further bytes; returns how many (0 at the end).
    pub fn read(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(self.remaining as usize);
        self.fw.read(&mut buf[..n]);
        self.remaining -= n as u32;
        n
    }
}
