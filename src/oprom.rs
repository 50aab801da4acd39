//! Option ROMs: the VGA BIOS first, then the other PCI expansion ROMs and QEMU's fw_cfg
//! `genroms/`, each copied to shadow RAM in 0xC0000-0xDFFFF and initialised; the boot
//! entry vectors of PnP ROMs join the boot list.
//!
//! Facts:
//! - PCI Firmware Specification 3.0, chapter 5: the ROM header (55h AAh; size in 512-byte
//!   blocks at 02h; the initialisation entry at 03h; the offset of the PCI data structure
//!   at 18h), the PCI data structure ("PCIR": vendor and device ID, device list from
//!   revision 3, image length, code type 0 = x86, bit 7 of the indicator = last image),
//!   the images chained in one ROM, the init call (far call to offset 3 with AX =
//!   bus/device/function) and the runtime size the init code leaves in byte 02h.
//! - BIOS Boot Specification 1.01, 3.1 and appendix C: the PnP expansion header ("$PnP"
//!   at the offset in header word 1Ah; length in 16-byte units at 05h; next header at
//!   06h; product name at 10h; BCV at 16h; BEV at 1Ah).
//! - Plug and Play BIOS Specification 1.0A: the installation check structure ("$PnP" on a
//!   16-byte boundary in segment F000, length at 05h, bytes sum to 0), and the other init
//!   registers: ES:DI = that structure, BX = card select number and DX = ISA read data
//!   port, both FFFFh for a device that is not an ISA PnP card.
//! - IBM PC convention: ROMs start on 2 KiB boundaries in 0xC0000-0xDFFFF, the VGA BIOS at
//!   0xC0000.
//!
//! Bad ROMs: no signature, a zero size, a bad checksum, no or a mismatching PCI data
//! structure, a truncated file, or too big for the room left: skipped with a log line
//! saying why, and the space goes to the next ROM.
//!
//! Choices (limits):
//! - An init entry runs to completion. Real-mode code cannot be interrupted from our side
//!   (the firmware is not in control until it returns), so a ROM that hangs hangs POST, as
//!   on any BIOS: there is no timeout.
//! - BCVs are not called, so disks behind a ROM's BCV do not appear; such ROMs are logged.
//!   A legacy ROM (no PnP header) is initialised at POST like on an IBM AT and may hook
//!   int13 and int19 itself.
//! - A PnP ROM that hooks int19 in its init (iPXE does when it finds no BBS-capable PnP
//!   BIOS) gets int19 taken back: it boots through its BEV, in the boot order.
//! - No PMM: ROMs that look for one do without it.
//! - Inits run as under SeaBIOS: on a stack in segment 0 (layout.rs ROM_STACK_TOP)
//!   and with 4 GiB data segment limits (trampoline.S TO_REAL16), which SeaVGABIOS's
//!   init needs to read its MMIO BAR (DS = SS, 32-bit offsets). Boot entry vectors run
//!   on the same stack at int19 (boot.rs `bev_call`).
//! - ES:DI at init is 0000:0000 while the system BIOS has no PnP installation check
//!   structure; once it has one (in segment F000, where ROMs such as iPXE look for it
//!   themselves) it is found by the same scan.
//! - The whole area stays read/write RAM afterwards (PAM granularity is 16 KiB, and ROMs
//!   such as SeaVGABIOS write to their own segment).
//! - The firmware state is not held while a ROM runs: its init code calls int13 and int15,
//!   which lock it (int10, int16, int1A and the IRQs need no state; see post.rs and
//!   dispatch.rs).

use crate::boot::{Bev, MAX_ROM_ENTRIES};
use crate::hal::Ctx;
use crate::hal::cpu::{Call16, call_kind};
use crate::hal::mem::{FarPtr, Memory};
use crate::hal::regs::{Flags, Regs};
use crate::hw::fw_cfg::{FwCfg, NamedFile};
use crate::hw::pci::{self, Bdf, PciDevices};
use crate::ivt;

const TAG: &str = "oprom";

/// The option ROM area: from the VGA BIOS's place to the start of the system BIOS image.
pub const AREA_START: u32 = 0xc0000;
pub const AREA_END: u32 = crate::layout::IMAGE_START;
/// ROMs start on 2 KiB boundaries.
pub const ALIGN: u32 = 2048;
/// ROM sizes count 512-byte blocks.
pub const BLOCK: u32 = 512;

// ROM header (PCI Firmware 3.0, 5.1.1).
pub const SIGNATURE: u16 = 0xaa55;
const HDR_SIZE: u32 = 0x02;
/// The initialisation entry, a far-callable offset in the ROM's segment.
pub const INIT_ENTRY: u16 = 0x03;
const HDR_PCI_DATA: u32 = 0x18;
const HDR_PNP: u32 = 0x1a;
const HEADER_LEN: u32 = 0x1c;

// PCI data structure (PCI Firmware 3.0, 5.1.2).
const PCIR: [u8; 4] = *b"PCIR";
const PCIR_VENDOR: usize = 0x04;
const PCIR_DEVICE: usize = 0x06;
const PCIR_DEVICE_LIST: usize = 0x08;
const PCIR_REVISION: usize = 0x0c;
const PCIR_IMAGE_LEN: usize = 0x10;
const PCIR_CODE_TYPE: usize = 0x14;
const PCIR_INDICATOR: usize = 0x15;
const PCIR_LEN: usize = 0x18;
/// The device list pointer exists from data structure revision 3.
const PCIR_REVISION_DEVICE_LIST: u8 = 3;
const DEVICE_LIST_MAX: u32 = 16;
const CODE_TYPE_X86: u8 = 0;
const INDICATOR_LAST_IMAGE: u8 = 0x80;
/// Images looked at in one ROM before giving up (real ROMs have two or three).
const MAX_IMAGES: usize = 8;

// PnP expansion header (BIOS Boot Specification 1.01, appendix C).
const PNP: [u8; 4] = *b"$PnP";
const PNP_LENGTH: usize = 0x05;
const PNP_NEXT: usize = 0x06;
const PNP_PRODUCT: usize = 0x10;
const PNP_BCV: usize = 0x16;
const PNP_BEV: usize = 0x1a;
const PNP_HEADER_LEN: usize = 0x20;
/// Length fields count 16-byte units.
const PNP_LENGTH_UNIT: u32 = 16;
/// PnP headers followed in one ROM.
const MAX_PNP_HEADERS: usize = 4;

/// The PnP BIOS installation check structure is looked for here, on 16-byte boundaries.
const PNP_BIOS_SEGMENT: u16 = 0xf000;
const PNP_BIOS_SCAN_END: u32 = 0x10000;
const PARAGRAPH: u32 = 16;

/// BX and DX at init: no ISA PnP card select number, no ISA read data port.
const NO_CSN: u16 = 0xffff;
/// int10 AX=0003h: text mode 3, 80x25 colour.
const SET_MODE_TEXT_80X25: u16 = 0x0003;

const INT_VIDEO: u8 = 0x10;
const INT_BOOTSTRAP: u8 = 0x19;

/// ROM files looked for per fw_cfg prefix.
const MAX_FILES: usize = 8;
const VGA_FILES: &str = "vgaroms/";
const OTHER_FILES: &str = "genroms/";

/// Why a ROM was not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    NoSignature(u16),
    Empty,
    Truncated { have: u32, want: u32 },
    TooBig { len: u32, room: u32 },
    BadChecksum(u8),
    NoPciData,
    WrongDevice { vendor: u16, device: u16 },
    NotX86(u8),
}

impl core::fmt::Display for Skip {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        match *self {
            Skip::NoSignature(s) => write!(f, "no ROM signature (read {s:#06x})"),
            Skip::Empty => f.write_str("size 0"),
            Skip::Truncated { have, want } => {
                write!(f, "{have} bytes, but its header says {want}")
            }
            Skip::TooBig { len, room } => {
                write!(f, "{len} bytes do not fit the {room} left in the ROM area")
            }
            Skip::BadChecksum(sum) => write!(f, "bad checksum (bytes sum to {sum:#04x})"),
            Skip::NoPciData => f.write_str("no PCI data structure"),
            Skip::WrongDevice { vendor, device } => {
                write!(f, "its image is for {vendor:04x}:{device:04x}")
            }
            Skip::NotX86(t) => write!(f, "no x86 image (code type {t})"),
        }
    }
}

// ---- parsing ---------------------------------------------------------------------

/// The parts of a PCI data structure the firmware uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PciData {
    pub vendor: u16,
    pub device: u16,
    pub revision: u8,
    /// Offset of the device ID list from the structure (0: none).
    pub device_list: u16,
    /// This image's length in bytes.
    pub image_len: u32,
    pub code_type: u8,
    pub last: bool,
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

/// A PCI data structure from its first bytes, if it has the signature.
pub fn parse_pci_data(b: &[u8; PCIR_LEN]) -> Option<PciData> {
    if b[..4] != PCIR {
        return None;
    }
    let revision = b[PCIR_REVISION];
    Some(PciData {
        vendor: le16(b, PCIR_VENDOR),
        device: le16(b, PCIR_DEVICE),
        revision,
        device_list: if revision >= PCIR_REVISION_DEVICE_LIST {
            le16(b, PCIR_DEVICE_LIST)
        } else {
            0
        },
        image_len: le16(b, PCIR_IMAGE_LEN) as u32 * BLOCK,
        code_type: b[PCIR_CODE_TYPE],
        last: b[PCIR_INDICATOR] & INDICATOR_LAST_IMAGE != 0,
    })
}

/// The parts of a PnP expansion header the firmware uses (offsets in the ROM segment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PnpHeader {
    pub next: u16,
    pub product: u16,
    pub bcv: u16,
    pub bev: u16,
}

pub fn parse_pnp(b: &[u8; PNP_HEADER_LEN]) -> Option<PnpHeader> {
    (b[..4] == PNP).then(|| PnpHeader {
        next: le16(b, PNP_NEXT),
        product: le16(b, PNP_PRODUCT),
        bcv: le16(b, PNP_BCV),
        bev: le16(b, PNP_BEV),
    })
}

/// Size in bytes a ROM header at `addr` gives, or why it is no ROM.
fn header_len(mem: &dyn Memory, addr: u32) -> Result<u32, Skip> {
    let sig = mem.read_u16(addr);
    if sig != SIGNATURE {
        return Err(Skip::NoSignature(sig));
    }
    match mem.read_u8(addr + HDR_SIZE) as u32 * BLOCK {
        0 => Err(Skip::Empty),
        n => Ok(n),
    }
}

fn read_pci_data(mem: &dyn Memory, at: u32) -> Option<PciData> {
    let mut b = [0u8; PCIR_LEN];
    mem.read(at, &mut b);
    parse_pci_data(&b)
}

/// Whether a data structure at `at` names `device` (its own ID or, from revision 3, one
/// in its device list). The list ends at its zero entry or at `end`, the end of the ROM:
/// a list pointer that leads past it names nothing there.
fn names_device(mem: &dyn Memory, at: u32, d: &PciData, device: u16, end: u32) -> bool {
    const ID_SIZE: u64 = size_of::<u16>() as u64;
    if d.device == device {
        return true;
    }
    if d.device_list == 0 {
        return false;
    }
    let list = u64::from(at) + u64::from(d.device_list);
    (0..u64::from(DEVICE_LIST_MAX))
        .map(|i| list + ID_SIZE * i)
        .take_while(|&a| a + ID_SIZE <= u64::from(end))
        .map(|a| mem.read_u16(a as u32))
        .take_while(|&id| id != 0)
        .any(|id| id == device)
}

/// Offset and length of the x86 image for `vendor:device` in a ROM mapped at `base`
/// (`len` bytes), following the chain of images.
pub fn select_image(
    mem: &dyn Memory,
    base: u32,
    len: u32,
    vendor: u16,
    device: u16,
) -> Result<(u32, u32), Skip> {
    let mut off = 0;
    let mut mismatch = Skip::NoPciData;
    for _ in 0..MAX_IMAGES {
        if off + HEADER_LEN > len {
            break;
        }
        let size = header_len(mem, base + off)?;
        let pcir = off + mem.read_u16(base + off + HDR_PCI_DATA) as u32;
        if pcir + PCIR_LEN as u32 > len {
            return Err(Skip::NoPciData);
        }
        let d = read_pci_data(mem, base + pcir).ok_or(Skip::NoPciData)?;
        let ours = d.vendor == vendor && names_device(mem, base + pcir, &d, device, base + len);
        if ours && d.code_type == CODE_TYPE_X86 {
            if off + size > len {
                return Err(Skip::Truncated {
                    have: len - off,
                    want: size,
                });
            }
            return Ok((off, size));
        }
        mismatch = if ours {
            Skip::NotX86(d.code_type)
        } else {
            Skip::WrongDevice {
                vendor: d.vendor,
                device: d.device,
            }
        };
        if d.last || d.image_len == 0 {
            break;
        }
        off += d.image_len;
    }
    Err(mismatch)
}

/// The PnP BIOS installation check structure, if the system BIOS has one.
pub fn find_pnp_bios(mem: &dyn Memory) -> Option<FarPtr> {
    let base = crate::hal::mem::linear(PNP_BIOS_SEGMENT, 0);
    (0..PNP_BIOS_SCAN_END)
        .step_by(PARAGRAPH as usize)
        .find_map(|off| {
            let at = base + off;
            if mem.read_u32(at) != u32::from_le_bytes(PNP) {
                return None;
            }
            let len = mem.read_u8(at + PNP_LENGTH as u32) as u32;
            (len != 0 && off + len <= PNP_BIOS_SCAN_END && mem.sum8(at, len) == 0)
                .then(|| FarPtr::new(PNP_BIOS_SEGMENT, off as u16))
        })
}

// ---- the ROM area ----------------------------------------------------------------

/// Placement of ROMs in 0xC0000-0xDFFFF: each at the next free 2 KiB boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RomArea {
    next: u32,
}

impl Default for RomArea {
    fn default() -> Self {
        Self::new()
    }
}

impl RomArea {
    pub const fn new() -> Self {
        RomArea { next: AREA_START }
    }
    /// Where a ROM of `len` bytes would go.
    pub fn reserve(&self, len: u32) -> Result<u32, Skip> {
        let room = AREA_END - self.next;
        if len > room {
            return Err(Skip::TooBig { len, room });
        }
        Ok(self.next)
    }
    /// The ROM at `addr` keeps `len` bytes (its runtime size): the next one goes after.
    pub fn keep(&mut self, addr: u32, len: u32) {
        self.next = (addr + len).next_multiple_of(ALIGN).min(AREA_END);
    }
    pub fn next(&self) -> u32 {
        self.next
    }
}

/// Make the ROM area writable RAM and clear it; None (logged) when it cannot be.
pub fn open_area(ctx: &mut Ctx) -> Option<RomArea> {
    if !crate::hw::pam::make_ram(ctx.io, AREA_START, AREA_END) {
        info!(
            TAG,
            "host bridge without known PAM registers: using the ROM area as is"
        );
    }
    let old = ctx.mem.read_u8(AREA_START);
    ctx.mem.write_u8(AREA_START, !old);
    if ctx.mem.read_u8(AREA_START) != !old {
        warn!(
            TAG,
            "{AREA_START:#x}-{AREA_END:#x} is not writable RAM: no option ROMs"
        );
        return None;
    }
    ctx.mem.fill(AREA_START, AREA_END - AREA_START, 0);
    Some(RomArea::new())
}

// ---- what POST runs ----------------------------------------------------------------

/// A PCI function with an expansion ROM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PciRom {
    pub bdf: Bdf,
    pub vendor: u16,
    pub device: u16,
    pub class: u16,
    pub base: u32,
    pub len: u32,
}

const MAX_PCI_ROMS: usize = 16;

/// The PCI ROMs POST will run, copied out of the firmware state so that the ROM phases
/// run without it. `vga` is the index of the VGA device's ROM.
#[derive(Clone, Copy, Debug)]
pub struct PciRoms {
    roms: [Option<PciRom>; MAX_PCI_ROMS],
    vga: Option<usize>,
}

impl PciRoms {
    pub const fn new() -> Self {
        PciRoms {
            roms: [None; MAX_PCI_ROMS],
            vga: None,
        }
    }
    /// Add a ROM; the first VGA-class one is the primary display's.
    pub fn push(&mut self, r: PciRom) {
        let Some(i) = self.roms.iter().position(|s| s.is_none()) else {
            warn!(TAG, "{}: more than {MAX_PCI_ROMS} PCI ROMs: not run", r.bdf);
            return;
        };
        if self.vga.is_none() && r.class == pci::CLASS_DISPLAY_VGA {
            self.vga = Some(i);
        }
        self.roms[i] = Some(r);
    }
    pub fn vga(&self) -> Option<PciRom> {
        self.vga.and_then(|i| self.roms[i])
    }
    /// Every ROM but display controllers' (only the VGA BIOS of the primary one runs).
    pub fn others(&self) -> impl Iterator<Item = PciRom> + '_ {
        self.roms
            .iter()
            .flatten()
            .copied()
            .filter(|r| r.class >> 8 != pci::CLASS_BASE_DISPLAY)
    }
}

impl Default for PciRoms {
    fn default() -> Self {
        Self::new()
    }
}

/// The functions with a ROM BAR that has an address; the first VGA-class one is the
/// primary display, and the bridges above it forward the legacy VGA ranges to it.
pub fn pci_roms(io: &dyn crate::hal::PortIo, devs: &PciDevices) -> PciRoms {
    let mut out = PciRoms::new();
    for d in devs.all() {
        if d.header_type != pci::HEADER_NORMAL || d.rom.size() == 0 || d.rom.base == 0 {
            continue;
        }
        let first_vga = out.vga.is_none() && d.class == pci::CLASS_DISPLAY_VGA;
        out.push(PciRom {
            bdf: d.bdf,
            vendor: d.vendor,
            device: d.device,
            class: d.class,
            base: d.rom.base as u32,
            len: d.rom.size() as u32,
        });
        if first_vga {
            let mut parent = d.parent;
            while let Some(p) = parent.and_then(|i| devs.all().get(i as usize)) {
                let ctl = pci::read16(io, p.bdf, pci::BRIDGE_CONTROL);
                pci::write16(io, p.bdf, pci::BRIDGE_CONTROL, ctl | pci::BRIDGE_CTL_VGA);
                parent = p.parent;
            }
        }
    }
    out
}

/// Boot entry vectors of the ROMs POST ran, in the order they ran.
#[derive(Clone, Copy, Debug)]
pub struct Roms {
    entries: [Option<Bev>; MAX_ROM_ENTRIES],
}

impl Default for Roms {
    fn default() -> Self {
        Self::new()
    }
}

impl Roms {
    pub const fn new() -> Self {
        Roms {
            entries: [None; MAX_ROM_ENTRIES],
        }
    }
    pub fn boot_entries(&self) -> impl Iterator<Item = Bev> + '_ {
        self.entries.iter().flatten().copied()
    }
    fn push(&mut self, e: Bev) -> bool {
        match self.entries.iter_mut().find(|s| s.is_none()) {
            Some(slot) => {
                *slot = Some(e);
                true
            }
            None => false,
        }
    }
}

/// A ROM copied into the area, not yet initialised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Placed {
    addr: u32,
    len: u32,
}

impl Placed {
    fn seg(&self) -> u16 {
        (self.addr >> 4) as u16
    }
}

/// Checksum of the copy; a bad one leaves the space free for the next ROM.
fn verify(mem: &dyn Memory, p: Placed) -> Result<Placed, Skip> {
    match mem.sum8(p.addr, p.len) {
        0 => Ok(p),
        sum => Err(Skip::BadChecksum(sum)),
    }
}

/// Copy a PCI function's ROM image from its ROM BAR (enabled only meanwhile).
fn place_pci(ctx: &mut Ctx, area: &RomArea, r: &PciRom) -> Result<Placed, Skip> {
    let io = ctx.io;
    let bar = pci::read32(io, r.bdf, pci::ROM_BAR);
    let cmd = pci::read16(io, r.bdf, pci::COMMAND);
    // The ROM decodes only with memory space on (PCI 3.0, 6.2.5.2); both go back as
    // they were once the image is copied.
    pci::write32(io, r.bdf, pci::ROM_BAR, r.base | pci::ROM_ENABLE);
    pci::write16(io, r.bdf, pci::COMMAND, cmd | pci::COMMAND_MEMORY);
    let placed = select_image(ctx.mem, r.base, r.len, r.vendor, r.device).and_then(|(off, len)| {
        let addr = area.reserve(len)?;
        ctx.mem.copy_within(r.base + off, addr, len);
        Ok(Placed { addr, len })
    });
    pci::write32(io, r.bdf, pci::ROM_BAR, bar);
    pci::write16(io, r.bdf, pci::COMMAND, cmd);
    verify(ctx.mem, placed?)
}

/// Copy a ROM from an fw_cfg file.
fn place_file(ctx: &mut Ctx, fw: &FwCfg, area: &RomArea, f: &NamedFile) -> Result<Placed, Skip> {
    let size = f.info.size;
    let addr = area.reserve(size.min(AREA_END - AREA_START))?;
    fw.copy_to(f.info, ctx.mem, addr, HEADER_LEN.min(size));
    let len = header_len(ctx.mem, addr)?;
    if len > size {
        return Err(Skip::Truncated {
            have: size,
            want: len,
        });
    }
    area.reserve(len)?;
    fw.copy_to(f.info, ctx.mem, addr, len);
    verify(ctx.mem, Placed { addr, len })
}

/// Call a placed ROM's init entry and keep its runtime size; returns the size kept.
fn init(ctx: &mut Ctx, area: &mut RomArea, p: Placed, bdf: u16, pnp_bios: FarPtr) -> u32 {
    let mut regs = Regs {
        flags: Flags::IF.bits(),
        es: pnp_bios.segment,
        ..Default::default()
    };
    regs.set_ax(bdf);
    regs.set_bx(NO_CSN);
    regs.set_dx(NO_CSN);
    regs.set_di(pnp_bios.offset);
    let mut call = Call16::far_call(p.seg(), INIT_ENTRY, regs);
    call.kind = call_kind::OWN_STACK;
    call.ss = 0;
    call.sp = crate::layout::ROM_STACK_TOP;
    ctx.cpu.call16(&mut call);
    // What the ROM keeps: byte 2 as it left it, never more than it had.
    let kept = header_len(ctx.mem, p.addr).map_or(0, |n| n.min(p.len));
    area.keep(p.addr, kept);
    kept
}

/// Where a ROM came from, for log lines.
enum Origin<'a> {
    Pci(&'a PciRom),
    File(&'a str),
}

impl core::fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        match self {
            Origin::Pci(r) => write!(f, "{} {:04x}:{:04x}", r.bdf, r.vendor, r.device),
            Origin::File(name) => write!(f, "fw_cfg {name}"),
        }
    }
}

/// The fw_cfg ROM files under `prefix`.
fn files(fw: &FwCfg, prefix: &str) -> ([NamedFile; MAX_FILES], usize) {
    let mut out = [NamedFile::EMPTY; MAX_FILES];
    let found = fw.files_with_prefix(prefix, &mut out);
    if found > MAX_FILES {
        warn!(
            TAG,
            "{found} files under {prefix}: only the first {MAX_FILES} run"
        );
    }
    (out, found.min(MAX_FILES))
}

/// Run the ROMs of `pci`, then the fw_cfg files under `prefix`, in order. `roms` is
/// None for VGA ROMs; for the others it collects their BEVs.
fn run_all(
    ctx: &mut Ctx,
    area: &mut RomArea,
    pci: impl Iterator<Item = PciRom>,
    prefix: &str,
    mut roms: Option<&mut Roms>,
) {
    let pnp_bios = find_pnp_bios(ctx.mem).unwrap_or_default();
    for r in pci {
        let placed = place_pci(ctx, area, &r);
        run_one(
            ctx,
            area,
            &Origin::Pci(&r),
            placed,
            r.bdf.0,
            pnp_bios,
            roms.as_deref_mut(),
        );
    }
    let Some(fw) = FwCfg::probe(ctx.io) else {
        return;
    };
    let (list, n) = files(&fw, prefix);
    for f in &list[..n] {
        let placed = place_file(ctx, &fw, area, f);
        run_one(
            ctx,
            area,
            &Origin::File(f.name()),
            placed,
            0,
            pnp_bios,
            roms.as_deref_mut(),
        );
    }
}

/// POST: the VGA BIOS, from the primary VGA device's ROM BAR and fw_cfg `vgaroms/`. When
/// one installed an int10 handler, the screen is set to text mode 3 and the console
/// writes through it. Returns that handler.
pub fn run_vga(ctx: &mut Ctx, pci: &PciRoms, area: &mut RomArea) -> Option<FarPtr> {
    let ours = ivt::get(ctx.mem, INT_VIDEO);
    run_all(ctx, area, pci.vga().into_iter(), VGA_FILES, None);
    let int10 = ivt::get(ctx.mem, INT_VIDEO);
    if int10 == ours {
        info!(
            TAG,
            "no VGA BIOS: int10 stays the firmware's (serial console)"
        );
        return None;
    }
    let mut regs = Regs::default();
    regs.set_ax(SET_MODE_TEXT_80X25);
    ctx.cpu.call16(&mut Call16::int(int10, regs));
    ctx.console.attach_display(int10);
    info!(
        "vga",
        "VGA BIOS int10 at {:04x}:{:04x}, text mode 3; console on screen and COM1",
        int10.segment,
        int10.offset
    );
    Some(int10)
}

/// POST: the other PCI ROMs, then fw_cfg `genroms/`. Returns the boot entry vectors of
/// the PnP ROMs among them.
pub fn run_others(ctx: &mut Ctx, pci: &PciRoms, area: &mut RomArea) -> Roms {
    let mut roms = Roms::new();
    run_all(ctx, area, pci.others(), OTHER_FILES, Some(&mut roms));
    roms
}

/// One ROM after its copy: skipped with the reason, or initialised; for a non-VGA ROM
/// (`roms` given) int19 stays ours if it is a PnP ROM, and its BEVs are noted.
fn run_one(
    ctx: &mut Ctx,
    area: &mut RomArea,
    origin: &Origin,
    placed: Result<Placed, Skip>,
    bdf: u16,
    pnp_bios: FarPtr,
    roms: Option<&mut Roms>,
) {
    let p = match placed {
        Ok(p) => p,
        Err(why) => return warn!(TAG, "{origin}: ROM skipped: {why}"),
    };
    let pnp = first_pnp(ctx.mem, p.addr, p.len).is_some();
    let int19 = ivt::get(ctx.mem, INT_BOOTSTRAP);
    let kept = init(ctx, area, p, bdf, pnp_bios);
    info!(
        TAG,
        "{origin}: {} bytes at {:04x}:0000 initialised, {kept} kept",
        p.len,
        p.seg()
    );
    let Some(roms) = roms else {
        return;
    };
    if pnp && ivt::get(ctx.mem, INT_BOOTSTRAP) != int19 {
        info!(
            TAG,
            "{origin}: PnP ROM hooked int19: taken back (it boots through its BEV)"
        );
        ivt::set(ctx.mem, INT_BOOTSTRAP, int19);
    }
    let mut off = first_pnp(ctx.mem, p.addr, kept);
    for _ in 0..MAX_PNP_HEADERS {
        let Some((at, h)) = off else { break };
        if h.bev != 0 {
            let e = Bev {
                seg: p.seg(),
                offset: h.bev,
                name: h.product,
            };
            if roms.push(e) {
                info!(
                    TAG,
                    "{origin}: boot entry vector {:04x}:{:04x}",
                    p.seg(),
                    h.bev
                );
            } else {
                warn!(
                    TAG,
                    "{origin}: more than {MAX_ROM_ENTRIES} boot ROMs: BEV dropped"
                );
            }
        } else if h.bcv != 0 {
            info!(
                TAG,
                "{origin}: BCV at {:04x}:{:04x} not called (ROM disks are not supported)",
                p.seg(),
                h.bcv
            );
        }
        off = pnp_at(ctx.mem, p.addr, kept, h.next as u32).filter(|(next, _)| *next != at);
    }
}

/// The PnP header at offset `off` of a ROM at `addr` keeping `len` bytes.
fn pnp_at(mem: &dyn Memory, addr: u32, len: u32, off: u32) -> Option<(u32, PnpHeader)> {
    if off == 0 || off + PNP_HEADER_LEN as u32 > len {
        return None;
    }
    let mut b = [0u8; PNP_HEADER_LEN];
    mem.read(addr + off, &mut b);
    let h = parse_pnp(&b)?;
    let hlen = b[PNP_LENGTH] as u32 * PNP_LENGTH_UNIT;
    if hlen != 0 && mem.sum8(addr + off, hlen.min(len - off)) != 0 {
        debug!(
            TAG,
            "PnP header at {:#x}: checksum is off (used anyway)",
            addr + off
        );
    }
    Some((off, h))
}

fn first_pnp(mem: &dyn Memory, addr: u32, len: u32) -> Option<(u32, PnpHeader)> {
    if len < HEADER_LEN {
        return None;
    }
    pnp_at(mem, addr, len, mem.read_u16(addr + HDR_PNP) as u32)
}
