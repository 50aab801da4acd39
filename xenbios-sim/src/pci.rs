//! Simulated PCI configuration space behind mechanism #1 (ports 0xCF8-0xCFF).
//!
//! Functions sit on the root bus or behind a simulated PCI-PCI bridge; a configuration
//! cycle reaches a function behind a bridge only through the bus numbers the firmware
//! programmed into that bridge, as on hardware. BARs behave as sizing expects (address
//! bits below the size read 0, type bits are fixed), the ROM BAR likewise, other
//! registers are writable where the specifications make them so.

use super::PortDevice;

/// PCI Local Bus 3.0, 3.2.2.3.2: CONFIG_ADDRESS, a dword register at 0xCF8.
const CONFIG_ADDRESS: u16 = 0xcf8;
/// PCI Local Bus 3.0, 3.2.2.3.2: CONFIG_DATA, 0xCFC-0xCFF (byte, word or dword).
const CONFIG_DATA: u16 = 0xcfc;
/// PCI Local Bus 3.0, 3.2.2.3.2: CONFIG_ADDRESS bit 31, the enable bit.
const CONFIG_ENABLE: u32 = 1 << 31;
/// PCI Local Bus 3.0, 6.1 (figure 6-1): Header Type.
const HEADER_TYPE: usize = 0x0e;
/// PCI Local Bus 3.0, 6.2.5.1: the first Base Address register.
const BAR0: usize = 0x10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimBar {
    None,
    Io(u32),
    Mem32 {
        size: u32,
        prefetch: bool,
    },
    Mem64 {
        size: u64,
        prefetch: bool,
    },
    /// Upper half of a Mem64.
    Upper,
}

#[derive(Clone, Debug)]
pub struct SimFunction {
    pub dev: u8,
    pub func: u8,
    /// Index of the bridge this function is behind (None: root bus).
    pub parent: Option<usize>,
    pub config: [u8; 256],
    writable: [u8; 256],
    pub bars: [SimBar; 6],
    pub rom_size: u32,
}

impl SimFunction {
    /// A type-0 function with `class` (base << 8 | sub).
    pub fn new(vendor: u16, device: u16, class: u16) -> Self {
        let mut f = SimFunction {
            dev: 0,
            func: 0,
            parent: None,
            config: [0; 256],
            writable: [0; 256],
            bars: [SimBar::None; 6],
            rom_size: 0,
        };
        f.config[0..2].copy_from_slice(&vendor.to_le_bytes());
        f.config[2..4].copy_from_slice(&device.to_le_bytes());
        f.config[0x0a..0x0c].copy_from_slice(&class.to_le_bytes());
        for r in [0x04, 0x05, 0x0c, 0x0d, 0x3c] {
            f.writable[r] = 0xff;
        }
        // Device-specific registers (chipset routing, PM base, ...) are plain storage.
        f.writable[0x40..].fill(0xff);
        f
    }

    /// A PCI-PCI bridge with I/O and 64-bit prefetchable windows.
    pub fn bridge(vendor: u16, device: u16) -> Self {
        let mut f = Self::new(vendor, device, 0x0604);
        f.config[HEADER_TYPE] = 1;
        f.writable[0x40..].fill(0);
        for r in [0x18, 0x19, 0x1a, 0x3e, 0x3f] {
            f.writable[r] = 0xff;
        }
        f.writable[0x1c] = 0xf0;
        f.writable[0x1d] = 0xf0;
        f.writable[0x20..0x28].copy_from_slice(&[0xf0, 0xff, 0xf0, 0xff, 0xf0, 0xff, 0xf0, 0xff]);
        // Prefetchable window: 64-bit capable (low nibble 1).
        f.config[0x24] = 1;
        f.config[0x26] = 1;
        f.writable[0x28..0x34].fill(0xff);
        f
    }

    /// A bridge without a prefetchable window.
    pub fn without_pref_window(mut self) -> Self {
        self.writable[0x24..0x28].fill(0);
        self.writable[0x28..0x30].fill(0);
        self.config[0x24..0x28].fill(0);
        self
    }

    /// A bridge without an I/O window.
    pub fn without_io_window(mut self) -> Self {
        self.writable[0x1c] = 0;
        self.writable[0x1d] = 0;
        self.writable[0x30..0x34].fill(0);
        self
    }

    pub fn multi_function(mut self) -> Self {
        self.config[HEADER_TYPE] |= 0x80;
        self
    }

    pub fn bar(mut self, i: usize, bar: SimBar) -> Self {
        self.bars[i] = bar;
        let flags: u32 = match bar {
            SimBar::Io(_) => 1,
            SimBar::Mem32 { prefetch, .. } => (prefetch as u32) << 3,
            SimBar::Mem64 { prefetch, .. } => (prefetch as u32) << 3 | 0b100,
            _ => 0,
        };
        if let SimBar::Mem64 { .. } = bar {
            self.bars[i + 1] = SimBar::Upper;
        }
        self.set32(BAR0 + 4 * i, flags);
        self
    }

    pub fn rom(mut self, size: u32) -> Self {
        self.rom_size = size;
        self
    }

    /// INTERRUPT_PIN (1 = INTA#).
    pub fn pin(mut self, pin: u8) -> Self {
        self.config[0x3d] = pin;
        self
    }

    /// Set a register's raw value (a pre-assigned state, a reset value).
    pub fn with(mut self, off: usize, bytes: &[u8]) -> Self {
        self.config[off..off + bytes.len()].copy_from_slice(bytes);
        self
    }

    pub fn is_bridge(&self) -> bool {
        self.config[HEADER_TYPE] & 0x7f == 1
    }
    fn rom_reg(&self) -> usize {
        if self.is_bridge() { 0x38 } else { 0x30 }
    }
    fn nbars(&self) -> usize {
        if self.is_bridge() { 2 } else { 6 }
    }

    pub fn get8(&self, off: usize) -> u8 {
        self.config[off]
    }
    pub fn get16(&self, off: usize) -> u16 {
        u16::from_le_bytes([self.config[off], self.config[off + 1]])
    }
    pub fn get32(&self, off: usize) -> u32 {
        u32::from_le_bytes(self.config[off..off + 4].try_into().unwrap())
    }
    fn set32(&mut self, off: usize, v: u32) {
        self.config[off..off + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// The value a BAR register holds after `v` is written to it.
    fn bar_value(&self, i: usize, v: u32) -> u32 {
        let flags = self.get32(BAR0 + 4 * i)
            & match self.bars[i] {
                SimBar::Io(_) => 0x3,
                _ => 0xf,
            };
        match self.bars[i] {
            SimBar::None => 0,
            SimBar::Io(size) => v & !(size - 1) & !3 | flags,
            SimBar::Mem32 { size, .. } => v & !(size - 1) & !0xf | flags,
            SimBar::Mem64 { size, .. } => v & !((size - 1) as u32) & !0xf | flags,
            SimBar::Upper => {
                let SimBar::Mem64 { size, .. } = self.bars[i - 1] else {
                    unreachable!()
                };
                v & !(((size - 1) >> 32) as u32)
            }
        }
    }

    fn write(&mut self, off: usize, size: usize, value: u32) {
        let bytes = value.to_le_bytes();
        // Whole-dword special registers first: BARs and the ROM BAR.
        let dword = off & !3;
        let special = (dword >= BAR0 && dword < BAR0 + 4 * self.nbars()) || dword == self.rom_reg();
        if special {
            let mut cur = self.get32(dword).to_le_bytes();
            for k in 0..size {
                cur[(off & 3) + k] = bytes[k];
            }
            let v = u32::from_le_bytes(cur);
            let new = if dword == self.rom_reg() {
                match self.rom_size {
                    0 => 0,
                    s => v & !(s - 1) & 0xffff_f800 | v & 1,
                }
            } else {
                self.bar_value((dword - BAR0) / 4, v)
            };
            self.set32(dword, new);
            return;
        }
        for (k, &b) in bytes.iter().enumerate().take(size) {
            let r = off + k;
            let w = self.writable[r];
            self.config[r] = self.config[r] & !w | b & w;
        }
    }
}

/// The configuration space: functions, and the address latch of mechanism #1.
#[derive(Default)]
pub struct SimPci {
    pub fns: Vec<SimFunction>,
    address: u32,
    /// Configuration writes seen, per function index.
    pub writes: Vec<usize>,
}

impl SimPci {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add `f` at `dev.func` on the root bus (`behind` None) or behind bridge `behind`
    /// (an index this returned). Returns its index.
    pub fn add(&mut self, behind: Option<usize>, dev: u8, func: u8, mut f: SimFunction) -> usize {
        f.dev = dev;
        f.func = func;
        f.parent = behind;
        self.fns.push(f);
        self.writes.push(0);
        self.fns.len() - 1
    }

    /// The function a configuration cycle for `bus:dev.func` reaches.
    pub fn resolve(&self, bus: u8, dev: u8, func: u8) -> Option<usize> {
        self.resolve_from(None, 0, bus, dev, func)
    }

    fn resolve_from(
        &self,
        parent: Option<usize>,
        this_bus: u8,
        bus: u8,
        dev: u8,
        func: u8,
    ) -> Option<usize> {
        let here = self
            .fns
            .iter()
            .enumerate()
            .filter(|(_, f)| f.parent == parent);
        if bus == this_bus {
            return here
                .clone()
                .find(|(_, f)| f.dev == dev && f.func == func)
                .map(|(i, _)| i);
        }
        for (i, f) in here {
            let (sec, sub) = (f.get8(0x19), f.get8(0x1a));
            if f.is_bridge() && sec > this_bus && sec <= bus && bus <= sub {
                return self.resolve_from(Some(i), sec, bus, dev, func);
            }
        }
        None
    }

    fn target(&self) -> Option<(usize, usize)> {
        if self.address & CONFIG_ENABLE == 0 {
            return None;
        }
        let a = self.address;
        let i = self.resolve((a >> 16) as u8, (a >> 11) as u8 & 0x1f, (a >> 8) as u8 & 7)?;
        Some((i, (a & 0xfc) as usize))
    }
}

impl PortDevice for SimPci {
    fn read(&mut self, port: u16, size: u8) -> u32 {
        if port == CONFIG_ADDRESS && size == 4 {
            return self.address;
        }
        let ones = u32::MAX >> (32 - 8 * size as u32);
        if port < CONFIG_DATA {
            return ones;
        }
        let Some((i, reg)) = self.target() else {
            return ones;
        };
        let off = reg + (port - CONFIG_DATA) as usize;
        let f = &self.fns[i];
        let mut v = 0u32;
        for k in 0..size as usize {
            v |= (f.config[off + k] as u32) << (8 * k);
        }
        v
    }

    fn write(&mut self, port: u16, size: u8, value: u32) {
        if port == CONFIG_ADDRESS && size == 4 {
            self.address = value;
            return;
        }
        if port < CONFIG_DATA {
            return;
        }
        if let Some((i, reg)) = self.target() {
            self.writes[i] += 1;
            let off = reg + (port - CONFIG_DATA) as usize;
            self.fns[i].write(off, size as usize, value);
        }
    }
}
