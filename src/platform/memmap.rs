//! Memory detection at POST: what RAM the platform has, and the e820 map the firmware
//! hands to loaders and operating systems.
//!
//! The platform's account comes from Xen's `XENMEM_memory_map` when Xen started the
//! firmware directly (no hvmloader: the toolstack's map, RAM from 1 MiB, plus the special
//! pages the HVM info table names), else from QEMU's fw_cfg file `etc/e820` (little-endian
//! entries: u64 address, u64 length, u32 type) when there is one, else from hvmloader's
//! e820 list (real Xen: no fw_cfg, and hvmloader's table at 0x1000 points at the list, with
//! the reserved areas of its ACPI tables and special pages), else from the CMOS
//! memory-size registers that QEMU and Xen's device model fill in. The first MiB is the
//! firmware's own business and is laid out here whatever was reported: conventional
//! RAM up to the EBDA, the EBDA, and the BIOS image at 0xE0000-0xFFFFF (code, data and
//! the firmware stack that loaders must not overwrite).

use crate::e820::{E820Map, Kind};
use crate::hal::Ctx;
use crate::hal::PortIo;
use crate::hal::hypercall::Hypervisor;
use crate::hw::cmos;
use crate::hw::fw_cfg::FwCfg;
use crate::layout::{EBDA_START, LOW_MEM_END};
use crate::xen::hvm_info;
use xen_headers::memory::E820_ENTRY_SIZE;

pub const KIB: u64 = 1024;
pub const MIB: u64 = 1024 * KIB;
pub use crate::e820::FOUR_GIB;
/// Where extended memory starts.
pub const HIGH_MEM_START: u64 = MIB;
/// The BIOS image (0xE0000-0xFFFFF, src/layout.rs).
pub const BIOS_START: u64 = crate::layout::IMAGE_START as u64;
pub const BIOS_SIZE: u64 = MIB - BIOS_START;
/// QEMU also maps the image just below 4 GiB (the reset vector's alias).
pub const BIOS_ALIAS_START: u64 = FOUR_GIB - BIOS_SIZE;

/// QEMU's e820 table in fw_cfg (hw/i386/e820_memory_layout.c).
pub const FW_CFG_E820_FILE: &str = "etc/e820";
const FW_CFG_E820_ENTRY_LEN: usize = E820_ENTRY_SIZE;
/// Entries taken from etc/e820; QEMU writes a handful.
const MAX_REPORTED: usize = 32;

/// CMOS memory-size units (QEMU hw/i386/pc.c, pc_cmos_init).
const CMOS_EXT_UNIT: u64 = KIB;
const CMOS_HIGH_UNIT: u64 = 64 * KIB;
const CMOS_ABOVE_16M_BASE: u64 = 16 * MIB;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Xen,
    FwCfg,
    Hvmloader,
    Cmos,
}

/// One reported region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Reported {
    start: u64,
    end: u64,
    kind: Kind,
}

const NONE: Reported = Reported {
    start: 0,
    end: 0,
    kind: Kind::Reserved,
};

/// What Xen tells a firmware it started directly: the hypercalls, and where the special
/// pages start (reserved from there to 4 GiB; the toolstack's map does not list them).
pub struct XenDirect<'a> {
    pub hv: &'a dyn Hypervisor,
    pub special_pages: u64,
}

/// Build `e820` from the platform's account and the firmware's own areas; log it.
#[inline(never)] // POST step: its locals live only while it runs (stack budget)
pub fn detect(ctx: &mut Ctx, e820: &mut E820Map, xen: Option<XenDirect>) -> Source {
    if let Some(xen) = xen {
        let mut reported = [NONE; MAX_REPORTED];
        let mut n = from_xen(xen.hv, &mut reported);
        if n > 0 && n < MAX_REPORTED && xen.special_pages < FOUR_GIB {
            reported[n] = Reported {
                start: xen.special_pages,
                end: FOUR_GIB,
                kind: Kind::Reserved,
            };
            n += 1;
        }
        if n > 0 {
            build(&reported[..n], e820);
            log_map(e820, Source::Xen);
            return Source::Xen;
        }
    }
    let fw = FwCfg::probe(ctx.io);
    match &fw {
        Some(f) => info!(
            "fw_cfg",
            "QEMU fw_cfg: {} files{}",
            f.file_count(),
            if f.uses_dma() { ", DMA interface" } else { "" }
        ),
        None => info!("fw_cfg", "absent (no QEMU signature at 0x510)"),
    }
    let mut reported = [NONE; MAX_REPORTED];
    let mut source = Source::FwCfg;
    let mut n = fw.as_ref().map_or(0, |f| from_fw_cfg(f, &mut reported));
    if n == 0 && fw.is_none() {
        source = Source::Hvmloader;
        n = from_hvmloader(ctx.mem, &mut reported);
    }
    if n == 0 {
        if fw.is_some() {
            warn!("e820", "no usable {FW_CFG_E820_FILE}: using the CMOS sizes");
        }
        source = Source::Cmos;
        n = from_cmos(ctx.io, &mut reported);
    }
    build(&reported[..n], e820);
    log_map(e820, source);
    source
}

/// Entries of `XENMEM_memory_map`; 0 when it fails or has no RAM above 1 MiB.
fn from_xen(hv: &dyn Hypervisor, out: &mut [Reported; MAX_REPORTED]) -> usize {
    let mut raw = [0u8; MAX_REPORTED * E820_ENTRY_SIZE];
    let n = match hv.memory_map(&mut raw) {
        Ok(n) => n,
        Err(e) => {
            error!("e820", "XENMEM_memory_map failed ({e})");
            return 0;
        }
    };
    for (r, e) in out
        .iter_mut()
        .zip(raw.chunks_exact(E820_ENTRY_SIZE).take(n))
    {
        *r = parse_entry(e);
    }
    if has_high_ram(&out[..n]) {
        n
    } else {
        error!("e820", "XENMEM_memory_map: {n} entries, no RAM above 1 MiB");
        0
    }
}

/// One e820 entry in the common 20-byte layout (fw_cfg's `etc/e820`, Xen's map).
fn parse_entry(raw: &[u8]) -> Reported {
    let start = u64::from_le_bytes(raw[0..8].try_into().unwrap());
    let len = u64::from_le_bytes(raw[8..16].try_into().unwrap());
    let kind = Kind::from_raw(u32::from_le_bytes(raw[16..20].try_into().unwrap()));
    Reported {
        start,
        end: start.saturating_add(len),
        kind,
    }
}

/// Entries of fw_cfg's etc/e820; 0 when missing or without RAM above 1 MiB.
fn from_fw_cfg(fw: &FwCfg, out: &mut [Reported; MAX_REPORTED]) -> usize {
    let Some(mut file) = fw.open(FW_CFG_E820_FILE) else {
        return 0;
    };
    let total = file.size() as usize / FW_CFG_E820_ENTRY_LEN;
    if total > MAX_REPORTED {
        warn!(
            "e820",
            "{FW_CFG_E820_FILE} has {total} entries: only the first {MAX_REPORTED} are used"
        );
    }
    let mut n = 0;
    let mut raw = [0u8; FW_CFG_E820_ENTRY_LEN];
    while n < MAX_REPORTED && file.read(&mut raw) == FW_CFG_E820_ENTRY_LEN {
        out[n] = parse_entry(&raw);
        n += 1;
    }
    if has_high_ram(&out[..n]) { n } else { 0 }
}

/// Entries of hvmloader's e820 list; 0 without a valid table or without RAM above 1 MiB.
fn from_hvmloader(mem: &dyn crate::hal::mem::Memory, out: &mut [Reported; MAX_REPORTED]) -> usize {
    let Ok(info) = hvm_info::find(mem) else {
        return 0;
    };
    // `find` checked the count against hvmloader's 16, fewer than MAX_REPORTED.
    let n = (info.e820_nr as usize).min(MAX_REPORTED);
    for (i, r) in out[..n].iter_mut().enumerate() {
        let e = hvm_info::e820_entry(mem, &info, i as u32);
        let (start, len) = (e.addr, e.size);
        *r = Reported {
            start,
            end: start.saturating_add(len),
            kind: Kind::from_raw(e.r#type),
        };
    }
    if has_high_ram(&out[..n]) { n } else { 0 }
}

fn has_high_ram(reported: &[Reported]) -> bool {
    reported
        .iter()
        .any(|r| r.kind == Kind::Ram && r.end > HIGH_MEM_START)
}

/// RAM as the CMOS size registers give it: 1 MiB up to the end of low memory, and what
/// lies above 4 GiB.
fn from_cmos(io: &dyn PortIo, out: &mut [Reported; MAX_REPORTED]) -> usize {
    let pair = |lo, hi| u64::from(cmos::read(io, lo)) | u64::from(cmos::read(io, hi)) << 8;
    let ext = pair(cmos::EXT_MEM_KB_LO, cmos::EXT_MEM_KB_HI) * CMOS_EXT_UNIT;
    let above_16m = pair(cmos::MEM_ABOVE_16M_LO, cmos::MEM_ABOVE_16M_HI) * CMOS_HIGH_UNIT;
    let above_4g = (u64::from(cmos::read(io, cmos::MEM_ABOVE_4G_0))
        | u64::from(cmos::read(io, cmos::MEM_ABOVE_4G_1)) << 8
        | u64::from(cmos::read(io, cmos::MEM_ABOVE_4G_2)) << 16)
        * CMOS_HIGH_UNIT;
    let low_end = if above_16m > 0 {
        CMOS_ABOVE_16M_BASE + above_16m
    } else {
        HIGH_MEM_START + ext
    };
    if low_end <= HIGH_MEM_START {
        error!("e820", "CMOS reports no memory above 1 MiB");
    }
    out[0] = Reported {
        start: HIGH_MEM_START,
        end: low_end,
        kind: Kind::Ram,
    };
    out[1] = Reported {
        start: FOUR_GIB,
        end: FOUR_GIB + above_4g,
        kind: Kind::Ram,
    };
    2
}

/// The final map: reported regions above 1 MiB (RAM first, so that reserved areas the
/// platform reports inside RAM win), then the first MiB as the firmware lays it out and
/// the BIOS alias below 4 GiB.
fn build(reported: &[Reported], e820: &mut E820Map) {
    *e820 = E820Map::new();
    for ram_pass in [true, false] {
        for r in reported
            .iter()
            .filter(|r| (r.kind == Kind::Ram) == ram_pass)
        {
            let start = r.start.max(HIGH_MEM_START);
            if !e820.add(start, r.end, r.kind) {
                warn!("e820", "map full: {:#x}-{:#x} dropped", start, r.end);
            }
        }
    }
    let firmware = [
        (0, EBDA_START as u64, Kind::Ram),
        (EBDA_START as u64, LOW_MEM_END as u64, Kind::Reserved),
        (BIOS_START, BIOS_START + BIOS_SIZE, Kind::Reserved),
        (BIOS_ALIAS_START, FOUR_GIB, Kind::Reserved),
    ];
    for (start, end, kind) in firmware {
        if !e820.add(start, end, kind) {
            error!(
                "e820",
                "map full: firmware area {start:#x}-{end:#x} not recorded"
            );
        }
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Ram => "ram",
        Kind::Reserved => "reserved",
        Kind::AcpiReclaim => "acpi",
        Kind::AcpiNvs => "nvs",
        Kind::Unusable => "unusable",
    }
}

fn log_map(e820: &E820Map, source: Source) {
    for r in e820.regions() {
        info!(
            "e820",
            "{:#012x}-{:#012x} {}",
            r.start,
            r.end - 1,
            kind_name(r.kind)
        );
    }
    info!(
        "e820",
        "{} MiB RAM below 4 GiB, {} MiB above (from {})",
        e820.ram_between(0, FOUR_GIB) / MIB,
        e820.ram_between(FOUR_GIB, u64::MAX) / MIB,
        match source {
            Source::Xen => "Xen's XENMEM_memory_map",
            Source::FwCfg => "fw_cfg etc/e820",
            Source::Hvmloader => "hvmloader's table",
            Source::Cmos => "CMOS",
        }
    );
}

/// Where RAM, and anything else the map records, ends below the 32-bit PCI hole: the
/// first address the PCI memory window may use. Regions at or above `limit` (the BIOS
/// alias, the IOAPIC area) do not count.
pub fn low_memory_top(e820: &E820Map, limit: u64) -> u64 {
    e820.regions()
        .iter()
        .filter(|r| r.start < limit)
        .map(|r| r.end.min(limit))
        .max()
        .unwrap_or(0)
}
