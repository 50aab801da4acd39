//! A simulated QEMU fw_cfg device on ports 0x510 (selector) and 0x511 (data), with the
//! signature, the feature bitmap and a file directory built from the files added; with
//! [`SimFwCfg::enable_dma`], the DMA interface too (0x514-0x51b), against simulated memory
//! shared with the firmware, and faults to inject.

use super::PortDevice;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use xenbios::hal::mem::Memory;

// QEMU's docs/specs/fw_cfg.rst is the source of what follows (FIRST_FILE_KEY: QEMU's
// include/standard-headers/linux/qemu_fw_cfg.h).

/// fw_cfg.rst, "Register Locations" (x86): the selector register, 16-bit, at 0x510.
const SELECTOR: u16 = 0x510;
/// fw_cfg.rst, "Register Locations" (x86): the data register, 8-bit, at 0x511.
const DATA: u16 = 0x511;
/// fw_cfg.rst, "Register Locations" (x86): the 64-bit big-endian DMA address register at
/// 0x514; its high half comes first.
const DMA_ADDR_HIGH: u16 = 0x514;
/// fw_cfg.rst, "DMA Address Register": writing the low half (0x518) starts the transfer.
const DMA_ADDR_LOW: u16 = 0x518;
/// fw_cfg.rst, "Firmware Configuration Items": the signature item ("QEMU").
const KEY_SIGNATURE: u16 = 0x0000;
const SIGNATURE: [u8; 4] = *b"QEMU";
/// fw_cfg.rst, "Firmware Configuration Items": the revision / feature bitmap item.
const KEY_FEATURES: u16 = 0x0001;
/// fw_cfg.rst, feature bitmap: bit 0 the traditional interface, bit 1 the DMA interface.
const FEATURE_TRADITIONAL: u32 = 1 << 0;
const FEATURE_DMA: u32 = 1 << 1;
/// fw_cfg.rst, "Firmware Configuration Items": the file directory item (FW_CFG_FILE_DIR).
const KEY_FILE_DIR: u16 = 0x0019;
/// fw_cfg.rst, "File Directory": `struct FWCfgFile`'s `name[56]`.
const FILE_NAME_LEN: usize = 56;
/// fw_cfg.rst, "DMA interface": `struct FWCfgDmaAccess { be32 control; be32 length;
/// be64 address; }`: its size and field offsets.
const DMA_ACCESS_LEN: usize = 16;
const DMA_ACCESS_CONTROL: usize = 0;
const DMA_ACCESS_LENGTH: usize = 4;
const DMA_ACCESS_ADDRESS: usize = 8;
/// fw_cfg.rst, "DMA interface": control bits error, read, skip, select; the selector in
/// the upper 16 bits.
const DMA_CTL_ERROR: u32 = 0x01;
const DMA_CTL_READ: u32 = 0x02;
const DMA_CTL_SKIP: u32 = 0x04;
const DMA_CTL_SELECT: u32 = 0x08;
const DMA_SELECT_SHIFT: u32 = 16;
/// qemu_fw_cfg.h: FW_CFG_FILE_FIRST, the first selector QEMU gives to files.
const FIRST_FILE_KEY: u16 = 0x20;

/// The first port of the device (the selector): attach `PORTS_START..=PORTS_END`.
pub const PORTS_START: u16 = SELECTOR;
/// The last port of the device with its DMA register (attach `PORTS_START..=PORTS_END`).
pub const PORTS_END: u16 = DMA_ADDR_LOW + 3;

/// A DMA transfer as the device read its descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimDmaAccess {
    /// Where the descriptor was.
    pub at: u64,
    pub control: u32,
    pub length: u32,
    pub address: u64,
}

/// What a faulty DMA engine does with a transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DmaFault {
    /// Nothing is transferred; the control word gets the error bit.
    Error,
    /// Nothing ever happens: the control word stays as the firmware wrote it.
    NeverCompletes,
}

pub struct SimFwCfg {
    pub items: BTreeMap<u16, Vec<u8>>,
    files: Vec<(String, u16)>,
    selected: u16,
    offset: usize,
    /// Selector writes seen (tests check that nothing rereads needlessly).
    pub selects: usize,
    /// Reads of the data port.
    pub data_reads: usize,
    /// The memory DMA reaches, once enabled.
    dma_mem: Option<Rc<RefCell<dyn Memory>>>,
    /// The DMA address register as written so far.
    dma_addr: u64,
    /// Every DMA transfer started, in order.
    pub transfers: Vec<SimDmaAccess>,
    /// Transfers from number `dma_faults_from` on (0-based) fail this way.
    pub dma_fault: Option<DmaFault>,
    pub dma_faults_from: usize,
}

impl Default for SimFwCfg {
    fn default() -> Self {
        Self::new()
    }
}

impl SimFwCfg {
    pub fn new() -> Self {
        let mut items = BTreeMap::new();
        items.insert(KEY_SIGNATURE, SIGNATURE.to_vec());
        items.insert(KEY_FEATURES, FEATURE_TRADITIONAL.to_le_bytes().to_vec());
        let mut s = SimFwCfg {
            items,
            files: Vec::new(),
            selected: 0,
            offset: 0,
            selects: 0,
            data_reads: 0,
            dma_mem: None,
            dma_addr: 0,
            transfers: Vec::new(),
            dma_fault: None,
            dma_faults_from: 0,
        };
        s.rebuild_dir();
        s
    }

    /// Add (or replace) file `name`.
    pub fn add_file(&mut self, name: &str, data: &[u8]) -> u16 {
        assert!(name.len() <= FILE_NAME_LEN);
        let key = match self.files.iter().find(|(n, _)| n == name) {
            Some(&(_, k)) => k,
            None => {
                let k = FIRST_FILE_KEY + self.files.len() as u16;
                self.files.push((name.to_string(), k));
                k
            }
        };
        self.items.insert(key, data.to_vec());
        self.rebuild_dir();
        key
    }

    /// Offer the DMA interface (feature bit 1), transferring to and from `mem`. Attach the
    /// device over `SELECTOR..=PORTS_END` for its DMA register.
    pub fn enable_dma(&mut self, mem: Rc<RefCell<dyn Memory>>) {
        self.dma_mem = Some(mem);
        self.items.insert(
            KEY_FEATURES,
            (FEATURE_TRADITIONAL | FEATURE_DMA).to_le_bytes().to_vec(),
        );
    }

    /// The selected item's next `len` bytes (zeros past its end), moving on.
    fn take(&mut self, len: usize) -> Vec<u8> {
        let item = self.items.get(&self.selected).map_or(&[][..], |d| &d[..]);
        let out = (self.offset..self.offset + len)
            .map(|i| item.get(i).copied().unwrap_or(0))
            .collect();
        self.offset += len;
        out
    }

    /// The doorbell: read the descriptor at the address register, do what it says.
    fn dma_transfer(&mut self) {
        let at = std::mem::take(&mut self.dma_addr);
        let mem = self
            .dma_mem
            .clone()
            .expect("DMA register written without DMA");
        let desc = u32::try_from(at).expect("descriptor above 4 GiB");
        let mut d = [0u8; DMA_ACCESS_LEN];
        mem.borrow().read(desc, &mut d);
        let be32 = |off: usize| u32::from_be_bytes(d[off..off + 4].try_into().unwrap());
        let access = SimDmaAccess {
            at,
            control: be32(DMA_ACCESS_CONTROL),
            length: be32(DMA_ACCESS_LENGTH),
            address: u64::from_be_bytes(d[DMA_ACCESS_ADDRESS..].try_into().unwrap()),
        };
        self.transfers.push(access);
        let control_at = desc + DMA_ACCESS_CONTROL as u32;
        match self.dma_fault {
            Some(fault) if self.transfers.len() > self.dma_faults_from => {
                if fault == DmaFault::Error {
                    mem.borrow_mut()
                        .write(control_at, &DMA_CTL_ERROR.to_be_bytes());
                }
                return;
            }
            _ => {}
        }
        if access.control & DMA_CTL_SELECT != 0 {
            self.selected = (access.control >> DMA_SELECT_SHIFT) as u16;
            self.offset = 0;
        }
        if access.control & DMA_CTL_READ != 0 {
            let data = self.take(access.length as usize);
            let to = u32::try_from(access.address).expect("DMA above 4 GiB");
            mem.borrow_mut().write(to, &data);
        } else if access.control & DMA_CTL_SKIP != 0 {
            self.offset += access.length as usize;
        }
        mem.borrow_mut().write(control_at, &0u32.to_be_bytes());
    }

    fn rebuild_dir(&mut self) {
        let mut dir = (self.files.len() as u32).to_be_bytes().to_vec();
        for (name, key) in &self.files {
            dir.extend_from_slice(&(self.items[key].len() as u32).to_be_bytes());
            dir.extend_from_slice(&key.to_be_bytes());
            dir.extend_from_slice(&[0, 0]);
            let mut n = [0u8; FILE_NAME_LEN];
            n[..name.len()].copy_from_slice(name.as_bytes());
            dir.extend_from_slice(&n);
        }
        self.items.insert(KEY_FILE_DIR, dir);
    }
}

impl PortDevice for SimFwCfg {
    fn read(&mut self, port: u16, _size: u8) -> u32 {
        if port != DATA {
            return 0;
        }
        self.data_reads += 1;
        self.take(1)[0] as u32
    }
    fn write(&mut self, port: u16, size: u8, value: u32) {
        // The DMA register is big-endian: `out` sends the value's low byte first.
        let be = u32::from_be_bytes(value.to_le_bytes());
        match (port, size) {
            (SELECTOR, 2) => {
                self.selected = value as u16;
                self.offset = 0;
                self.selects += 1;
            }
            (DMA_ADDR_HIGH, 4) if self.dma_mem.is_some() => self.dma_addr = u64::from(be) << 32,
            (DMA_ADDR_LOW, 4) if self.dma_mem.is_some() => {
                self.dma_addr |= u64::from(be);
                self.dma_transfer();
            }
            _ => {}
        }
    }
}
