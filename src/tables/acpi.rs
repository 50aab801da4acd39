//! ACPI tables from QEMU: the fw_cfg table loader ("linker/loader") script
//! `etc/table-loader`, and lookups in the tables it placed.
//!
//! Facts from QEMU's hw/acpi/bios-linker-loader.c: the script is a sequence of 128-byte
//! little-endian commands, a u32 command then its fields:
//!
//! | command | fields (offset in the command) |
//! | --- | --- |
//! | 1 ALLOCATE | file name (4, 56 bytes NUL-terminated), align (60, u32, power of 2), zone (64, u8: 1 HIGH, 2 FSEG) |
//! | 2 ADD_POINTER | dest file (4), src file (60), offset (116, u32), size (120, u8: 1/2/4/8) |
//! | 3 ADD_CHECKSUM | file (4), offset (60, u32), start (64, u32), length (68, u32) |
//! | 4 WRITE_POINTER | dest file (4), src file (60), dst offset (116), src offset (120), size (124) |
//!
//! ALLOCATE copies fw_cfg file `name` into memory of the zone (HIGH: anywhere in 32-bit
//! memory; FSEG: 0xE0000-0xFFFFF, where the RSDP must be for OSes to find it), and
//! comes before any command naming the file. ADD_POINTER adds the source file's address
//! to the 1-8 byte little-endian value at `offset` in the destination file. ADD_CHECKSUM
//! subtracts the 8-bit sum of `[start, start + length)` from the byte at `offset`.
//! WRITE_POINTER writes an address back into a fw_cfg file, which needs the fw_cfg DMA
//! interface; QEMU uses it for vmgenid and the ACPI hardware error log, neither on the
//! machines here, so it is logged and skipped. Unknown commands are skipped.
//!
//! HIGH blobs are marked ACPI NVS in e820 (kind 4): the blob holding the tables also
//! holds the FACS, which the ACPI spec (6.5, 5.2.10) puts in NVS memory: the OS must
//! neither reuse it nor lose it across sleep, and the loader cannot split a blob.
//!
//! Every command is checked before it writes: a name that is not an allocated file, an
//! offset or range outside the file, a bad size or alignment: logged, command skipped.

use core::fmt::Write;

use crate::e820::{E820Map, Kind};
use crate::hal::mem::Memory;
use crate::hw::fw_cfg::{FILE_NAME_LEN, FwCfg};
use crate::zone::{self, Pool};

const TAG: &str = "acpi";

pub const LOADER_FILE: &str = "etc/table-loader";
/// The file QEMU puts the RSDP in (hw/i386/acpi-build.c, ACPI_BUILD_RSDP_FILE).
pub const RSDP_FILE: &str = "etc/acpi/rsdp";

pub const COMMAND_LEN: usize = 128;
pub const CMD_ALLOCATE: u32 = 1;
pub const CMD_ADD_POINTER: u32 = 2;
pub const CMD_ADD_CHECKSUM: u32 = 3;
pub const CMD_WRITE_POINTER: u32 = 4;
pub const ZONE_HIGH: u8 = 1;
pub const ZONE_FSEG: u8 = 2;

// Field offsets in a command.
const NAME_1: usize = 4;
const NAME_2: usize = NAME_1 + FILE_NAME_LEN;
const ALLOC_ALIGN: usize = NAME_2;
const ALLOC_ZONE: usize = ALLOC_ALIGN + 4;
const POINTER_OFFSET: usize = NAME_2 + FILE_NAME_LEN;
const POINTER_SIZE: usize = POINTER_OFFSET + 4;
const CHECKSUM_OFFSET: usize = NAME_2;
const CHECKSUM_START: usize = CHECKSUM_OFFSET + 4;
const CHECKSUM_LENGTH: usize = CHECKSUM_START + 4;

/// Files a script may allocate: QEMU's PC machines allocate 2 or 3 (RSDP, tables, TPM
/// log).
pub const MAX_BLOBS: usize = 8;
/// Commands read per pass over the script (the stream is rewound by every file copy).
const CHUNK_COMMANDS: usize = 8;
/// FSEG allocations are at least paragraph aligned: OSes scan on 16-byte boundaries.
const FSEG_MIN_ALIGN: u32 = 16;

/// One allocated file: its fw_cfg name, where it is, how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blob {
    name: [u8; FILE_NAME_LEN],
    pub addr: u32,
    pub size: u32,
    pub zone: u8,
}

impl Blob {
    pub fn name(&self) -> &[u8] {
        name_of(&self.name).unwrap_or(&[])
    }
}

/// The files a script allocated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blobs {
    list: [Option<Blob>; MAX_BLOBS],
}

impl Default for Blobs {
    fn default() -> Self {
        Self::new()
    }
}

impl Blobs {
    pub const fn new() -> Self {
        Blobs {
            list: [None; MAX_BLOBS],
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = &Blob> {
        self.list.iter().flatten()
    }
    pub fn find(&self, name: &[u8]) -> Option<&Blob> {
        self.iter().find(|b| b.name() == name)
    }
}

/// The bytes of a NUL-terminated name field (None without a NUL: SeaBIOS refuses those
/// too).
fn name_of(field: &[u8]) -> Option<&[u8]> {
    Some(&field[..field.iter().position(|&c| c == 0)?])
}

/// A file name in a log line (fw_cfg names are ASCII; anything else shows as '?').
struct Name<'a>(&'a [u8]);

impl core::fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        for &c in self.0.iter().take_while(|&&c| c != 0) {
            f.write_char(if c.is_ascii_graphic() { c as char } else { '?' })?;
        }
        Ok(())
    }
}

fn u32_at(cmd: &[u8; COMMAND_LEN], off: usize) -> u32 {
    u32::from_le_bytes([cmd[off], cmd[off + 1], cmd[off + 2], cmd[off + 3]])
}

/// Run `etc/table-loader`; returns the RSDP's address when one was placed.
#[inline(never)]
pub fn load(fw: &FwCfg, mem: &mut dyn Memory, e820: &mut E820Map, fseg: &mut Pool) -> Option<u32> {
    let blobs = run(fw, mem, e820, fseg)?;
    let rsdp = blobs
        .find(RSDP_FILE.as_bytes())
        .filter(|b| b.size >= RSDP_V1_LEN)
        .map(|b| b.addr);
    let Some(rsdp) = rsdp.filter(|&a| mem.sum8(a, RSDP_V1_LEN) == 0) else {
        error!(
            TAG,
            "no valid RSDP from the table loader: no ACPI for the OS"
        );
        return None;
    };
    info!(
        TAG,
        "RSDP at {rsdp:#x}, RSDT at {:#x}",
        mem.read_u32(rsdp + RSDP_RSDT)
    );
    for_each_table(mem, rsdp, &mut |sig, addr| {
        info!(TAG, "{} at {addr:#x}", Name(&sig));
        false
    });
    Some(rsdp)
}

/// Execute the script: every command, in order. None when there is no script or it is
/// not a whole number of commands.
#[inline(never)]
pub fn run(fw: &FwCfg, mem: &mut dyn Memory, e820: &mut E820Map, fseg: &mut Pool) -> Option<Blobs> {
    let Some(script) = fw.find(LOADER_FILE) else {
        info!(TAG, "no {LOADER_FILE} in fw_cfg: no ACPI tables from QEMU");
        return None;
    };
    let size = script.size as usize;
    if !size.is_multiple_of(COMMAND_LEN) {
        error!(
            TAG,
            "{LOADER_FILE}: {size} bytes is not whole commands: ignored"
        );
        return None;
    }
    let count = size / COMMAND_LEN;
    let mut blobs = Blobs::new();
    let mut chunk = [[0u8; COMMAND_LEN]; CHUNK_COMMANDS];
    let mut first = 0;
    while first < count {
        // Reselect and skip: file copies in between select other items.
        let n = (count - first).min(CHUNK_COMMANDS);
        fw.select(script.select);
        fw.skip((first * COMMAND_LEN) as u32);
        fw.read(chunk[..n].as_flattened_mut());
        for (i, cmd) in chunk[..n].iter().enumerate() {
            if let Err(why) = execute(cmd, fw, mem, e820, fseg, &mut blobs) {
                error!(
                    TAG,
                    "command {} ({}) on {}: {}: skipped",
                    first + i,
                    u32_at(cmd, 0),
                    Name(&cmd[NAME_1..NAME_2]),
                    why
                );
            }
        }
        first += n;
    }
    Some(blobs)
}

/// Why a command was refused (for the log).
type Refused = &'static str;
const BAD_NAME: Refused = "file name without a NUL";
const NOT_ALLOCATED: Refused = "file not allocated";
const RANGE: Refused = "offset or range outside the file";
const BAD_SIZE: Refused = "pointer size not 1, 2, 4 or 8";
const BAD_ALLOC: Refused = "bad alignment or zone, or allocated twice";
const NO_FILE: Refused = "no such fw_cfg file";
const NO_MEMORY: Refused = "no room in the zone";
const OVERFLOW: Refused = "pointer does not fit its field";

#[inline(never)]
fn execute(
    cmd: &[u8; COMMAND_LEN],
    fw: &FwCfg,
    mem: &mut dyn Memory,
    e820: &mut E820Map,
    fseg: &mut Pool,
    blobs: &mut Blobs,
) -> Result<(), Refused> {
    match u32_at(cmd, 0) {
        CMD_ALLOCATE => allocate(cmd, fw, mem, e820, fseg, blobs),
        CMD_ADD_POINTER => add_pointer(cmd, mem, blobs),
        CMD_ADD_CHECKSUM => add_checksum(cmd, mem, blobs),
        CMD_WRITE_POINTER => {
            warn!(
                TAG,
                "WRITE_POINTER to {} needs the fw_cfg DMA interface: skipped",
                Name(&cmd[NAME_1..NAME_2])
            );
            Ok(())
        }
        other => {
            debug!(TAG, "unknown command {other:#x}: skipped");
            Ok(())
        }
    }
}

fn blob<'b>(blobs: &'b Blobs, field: &[u8]) -> Result<&'b Blob, Refused> {
    blobs
        .find(name_of(field).ok_or(BAD_NAME)?)
        .ok_or(NOT_ALLOCATED)
}

#[inline(never)]
fn allocate(
    cmd: &[u8; COMMAND_LEN],
    fw: &FwCfg,
    mem: &mut dyn Memory,
    e820: &mut E820Map,
    fseg: &mut Pool,
    blobs: &mut Blobs,
) -> Result<(), Refused> {
    let field = &cmd[NAME_1..NAME_2];
    let name = name_of(field).ok_or(BAD_NAME)?;
    let align = u32_at(cmd, ALLOC_ALIGN).max(1);
    let zone = cmd[ALLOC_ZONE];
    let slot = blobs.list.iter().position(|b| b.is_none());
    if !align.is_power_of_two()
        || !matches!(zone, ZONE_HIGH | ZONE_FSEG)
        || blobs.find(name).is_some()
    {
        return Err(BAD_ALLOC);
    }
    let slot = slot.ok_or(NO_MEMORY)?;
    let info = fw.find_bytes(name).ok_or(NO_FILE)?;
    if info.size == 0 {
        return Ok(());
    }
    let addr = if zone == ZONE_HIGH {
        zone::alloc_high(e820, info.size, align, Kind::AcpiNvs)
    } else {
        fseg.alloc(info.size, align.max(FSEG_MIN_ALIGN))
    }
    .ok_or(NO_MEMORY)?;
    let mut b = Blob {
        name: [0; FILE_NAME_LEN],
        addr,
        size: info.size,
        zone,
    };
    b.name.copy_from_slice(field);
    blobs.list[slot] = Some(b);
    fw.copy_to(info, mem, addr, info.size);
    info!(TAG, "{}: {} bytes at {addr:#x}", Name(name), info.size);
    Ok(())
}

/// `[off, off + len)` lies in `blob`.
fn inside(blob: &Blob, off: u32, len: u32) -> Result<(), Refused> {
    match off.checked_add(len) {
        Some(end) if end <= blob.size => Ok(()),
        _ => Err(RANGE),
    }
}

#[inline(never)]
fn add_pointer(
    cmd: &[u8; COMMAND_LEN],
    mem: &mut dyn Memory,
    blobs: &Blobs,
) -> Result<(), Refused> {
    let dest = blob(blobs, &cmd[NAME_1..NAME_2])?;
    let src = blob(blobs, &cmd[NAME_2..POINTER_OFFSET])?;
    let offset = u32_at(cmd, POINTER_OFFSET);
    let size = cmd[POINTER_SIZE];
    if !matches!(size, 1 | 2 | 4 | 8) {
        return Err(BAD_SIZE);
    }
    inside(dest, offset, size.into())?;
    let at = dest.addr + offset;
    let mut bytes = [0u8; 8];
    let field = &mut bytes[..size as usize];
    mem.read(at, field);
    let value = u64::from_le_bytes(bytes).wrapping_add(src.addr.into());
    if size < 8 && value >> (u32::from(size) * u8::BITS) != 0 {
        return Err(OVERFLOW);
    }
    mem.write(at, &value.to_le_bytes()[..size as usize]);
    Ok(())
}

#[inline(never)]
fn add_checksum(
    cmd: &[u8; COMMAND_LEN],
    mem: &mut dyn Memory,
    blobs: &Blobs,
) -> Result<(), Refused> {
    let b = blob(blobs, &cmd[NAME_1..NAME_2])?;
    let offset = u32_at(cmd, CHECKSUM_OFFSET);
    let start = u32_at(cmd, CHECKSUM_START);
    let length = u32_at(cmd, CHECKSUM_LENGTH);
    inside(b, offset, 1)?;
    inside(b, start, length)?;
    let s = mem.sum8(b.addr + start, length);
    let at = b.addr + offset;
    mem.write_u8(at, mem.read_u8(at).wrapping_sub(s));
    Ok(())
}

// ---- finding tables ------------------------------------------------------------------

/// RSDP (ACPI 6.5, 5.2.5.3): RSDT address at 16; the ACPI 1.0 part is 20 bytes.
pub const RSDP_V1_LEN: u32 = 20;
const RSDP_RSDT: u32 = 16;
/// System description table header (5.2.6): signature, then the length at 4; 36 bytes.
pub const HEADER_LEN: u32 = 36;
const HEADER_LENGTH: u32 = 4;
/// RSDT entries are 32-bit addresses.
const RSDT_ENTRY: u32 = 4;
/// Tables looked at in an RSDT (QEMU's have under 16).
const MAX_TABLES: u32 = 64;
/// A table longer than this is taken for garbage (QEMU's largest, the DSDT, is ~10 KiB).
const MAX_TABLE_LEN: u32 = 1 << 20;

/// Call `f(signature, address)` for every table the RSDP's RSDT lists, until it returns
/// true; returns that table's address. Tables whose checksum is wrong are skipped.
#[inline(never)]
pub fn for_each_table(
    mem: &dyn Memory,
    rsdp: u32,
    f: &mut dyn FnMut([u8; 4], u32) -> bool,
) -> Option<u32> {
    let rsdt = mem.read_u32(rsdp + RSDP_RSDT);
    if rsdt == 0 || !valid_table(mem, rsdt) {
        warn!(TAG, "RSDT at {rsdt:#x} is not a valid table");
        return None;
    }
    let entries = ((mem.read_u32(rsdt + HEADER_LENGTH) - HEADER_LEN) / RSDT_ENTRY).min(MAX_TABLES);
    for i in 0..entries {
        let addr = mem.read_u32(rsdt + HEADER_LEN + i * RSDT_ENTRY);
        if addr == 0 || !valid_table(mem, addr) {
            warn!(TAG, "RSDT entry {i} ({addr:#x}) is not a valid table");
            continue;
        }
        let mut sig = [0u8; 4];
        mem.read(addr, &mut sig);
        if f(sig, addr) {
            return Some(addr);
        }
    }
    None
}

/// The first table with signature `sig` the RSDT lists.
pub fn find_table(mem: &dyn Memory, rsdp: u32, sig: [u8; 4]) -> Option<u32> {
    for_each_table(mem, rsdp, &mut |s, _| s == sig)
}

/// A header with a plausible length and a table that sums to 0.
fn valid_table(mem: &dyn Memory, addr: u32) -> bool {
    let len = mem.read_u32(addr + HEADER_LENGTH);
    (HEADER_LEN..=MAX_TABLE_LEN).contains(&len)
        && addr.checked_add(len).is_some()
        && mem.sum8(addr, len) == 0
}
