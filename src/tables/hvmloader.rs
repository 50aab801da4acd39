//! hvmloader's BIOS tables (real Xen): the ACPI RSDP, the MP floating pointer with its
//! configuration table, the SMBIOS entry point and the `$PIR` IRQ routing table.
//!
//! hvmloader builds the bodies (the ACPI tables, the SMBIOS structures) in memory its e820
//! list reserves, but these four it leaves in its scratch area at 0x10000, which boot loaders
//! overwrite, and an OS looks for them in the F segment only (RSDP: ACPI 6.x 5.2.5.1; SMBIOS
//! 2.x entry point: SMBIOS 3.x 5.2.1; MP floating pointer: MP 1.4 4.1; `$PIR`: Microsoft's
//! PCI IRQ Routing Table 1.0, all on 16-byte boundaries). The list at 0x1000 (`xen::hvm_info`)
//! points at each; each is checked (signature, length, checksum) and copied into the FSEG
//! zone. The MP configuration table is not scanned for (the floating pointer holds its
//! physical address) and grows by 20 bytes a CPU, so it stays out of the small FSEG zone:
//! it stays where hvmloader built it when the e820 map reserves that memory (hvmloader's
//! `mem_alloc` area), else it is copied to the high zone; the floating pointer is updated to
//! point at it. With Xen's 128 vCPUs it is about 2.7 KiB, more than the whole FSEG zone.

use super::acpi::RSDP_V1_LEN;
use super::{mptable, smbios};
use crate::e820::{E820Map, Kind};
use crate::hal::mem::Memory;
use crate::xen::hvm_info::{self, HvmInfo};
use crate::zone::{self, Pool};

const TAG: &str = "tables";
/// Every table here is found on a 16-byte boundary.
const ALIGN: u32 = 16;

/// ACPI RSDP: "RSD PTR " (as a little-endian word, like every signature the firmware knows:
/// an OS scanning the BIOS area must not find a constant), the ACPI 1.0 part (20 bytes,
/// checksum over them), then from revision 2 the length of the whole.
const RSDP_SIG: u64 = u64::from_le_bytes(*b"RSD PTR ");
const RSDP_REVISION: u32 = 15;
const RSDP_LENGTH: u32 = 20;
const RSDP_V2_MIN_LEN: u32 = 36;
/// SMBIOS 2.x entry point (smbios.rs): its length byte; the shortest 2.1 entry point.
const SMBIOS_LENGTH: u32 = smbios::EP21_LENGTH as u32;
const SMBIOS_MIN_LEN: u32 = smbios::EP21_LEN;
/// MP floating pointer and configuration table (mptable.rs): the configuration table's
/// address in the pointer; the extended table's length in the configuration table.
const MP_FLOATING_LEN: u32 = mptable::FLOATING_LEN as u32;
const MP_PHYSPTR: u32 = mptable::FLOATING_ADDR as u32;
const MP_CHECKSUM: u32 = mptable::FLOATING_CHECKSUM as u32;
const MP_CONFIG_BASE_LEN: u32 = mptable::CONFIG_LENGTH as u32;
const MP_CONFIG_EXT_LEN: u32 = 0x28;
const MP_CONFIG_HEADER_LEN: u32 = mptable::CONFIG_HEADER_LEN as u32;
/// `$PIR`: its size at 6 (a 32-byte header, then 16 bytes a slot).
const PIR_SIG: u32 = u32::from_le_bytes(*b"$PIR");
const PIR_SIZE: u32 = 6;
const PIR_HEADER_LEN: u32 = 32;
/// No table here is larger (the FSEG zone is smaller still).
const MAX_TABLE: u32 = 4096;

/// Whether a table at `at` can be read: nothing here reads more than [`MAX_TABLE`] bytes
/// from a table's start, and those must not run past 4 GiB (the 32-bit addresses would
/// wrap; the flat segment's limit would fault).
fn below_4gib(at: u32) -> bool {
    at.checked_add(MAX_TABLE).is_some()
}

/// Where the copies went (linear addresses).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Placed {
    pub rsdp: Option<u32>,
    pub smbios_entry: Option<u32>,
    pub mp_floating: Option<u32>,
    pub pir: Option<u32>,
}

/// Copy every valid table hvmloader lists into `fseg` (an MP configuration table in
/// memory `e820` does not reserve to the high zone); log each.
#[inline(never)]
pub fn copy(mem: &mut dyn Memory, info: &HvmInfo, fseg: &mut Pool, e820: &mut E820Map) -> Placed {
    let mut placed = Placed::default();
    for n in 0..info.tables_nr {
        let at = hvm_info::table(mem, info, n);
        if !below_4gib(at) {
            warn!(TAG, "hvmloader table {n} at {at:#x}: runs past 4 GiB");
            continue;
        }
        let sig = mem.read_u32(at);
        let (what, slot, copied) = if mem.read_u64(at) == RSDP_SIG {
            ("ACPI RSDP", &mut placed.rsdp, copy_rsdp(mem, at, fseg))
        } else if sig == smbios::SIG_21 {
            (
                "SMBIOS entry point",
                &mut placed.smbios_entry,
                copy_smbios(mem, at, fseg),
            )
        } else if sig == mptable::FLOATING_SIG {
            (
                "MP table",
                &mut placed.mp_floating,
                copy_mp(mem, at, fseg, e820),
            )
        } else if sig == PIR_SIG {
            ("$PIR", &mut placed.pir, copy_pir(mem, at, fseg))
        } else {
            warn!(TAG, "hvmloader table {n} at {at:#x}: unknown signature");
            continue;
        };
        match copied {
            Ok(to) => {
                info!(TAG, "hvmloader's {what} at {at:#x}: copied to {to:#x}");
                *slot = Some(to);
            }
            Err(why) => error!(TAG, "hvmloader's {what} at {at:#x}: {why}: not copied"),
        }
    }
    placed
}

/// Copy `len` bytes at `from` into a new block of `fseg`.
fn place(mem: &mut dyn Memory, from: u32, len: u32, fseg: &mut Pool) -> Result<u32, &'static str> {
    let to = fseg.alloc(len, ALIGN).ok_or("no room in the FSEG zone")?;
    mem.copy_within(from, to, len);
    Ok(to)
}

fn sums_to_zero(mem: &dyn Memory, at: u32, len: u32) -> bool {
    mem.sum8(at, len) == 0
}

fn copy_rsdp(mem: &mut dyn Memory, at: u32, fseg: &mut Pool) -> Result<u32, &'static str> {
    if !sums_to_zero(mem, at, RSDP_V1_LEN) {
        return Err("bad checksum");
    }
    let len = if mem.read_u8(at + RSDP_REVISION) >= 2 {
        mem.read_u32(at + RSDP_LENGTH)
    } else {
        RSDP_V1_LEN
    };
    if len != RSDP_V1_LEN && !(RSDP_V2_MIN_LEN..=MAX_TABLE).contains(&len) {
        return Err("bad length");
    }
    if !sums_to_zero(mem, at, len) {
        return Err("bad extended checksum");
    }
    place(mem, at, len, fseg)
}

fn copy_smbios(mem: &mut dyn Memory, at: u32, fseg: &mut Pool) -> Result<u32, &'static str> {
    let len = u32::from(mem.read_u8(at + SMBIOS_LENGTH));
    if !(SMBIOS_MIN_LEN..=MAX_TABLE).contains(&len) {
        return Err("bad length");
    }
    if !sums_to_zero(mem, at, len) {
        return Err("bad checksum");
    }
    place(mem, at, len, fseg)
}

/// Whether all of `[at, at + len)` lies in regions `e820` lists as anything but RAM: memory
/// no loader or OS takes for its own.
fn reserved(e820: &E820Map, at: u32, len: u32) -> bool {
    let (start, end) = (u64::from(at), u64::from(at) + u64::from(len));
    let covered: u64 = e820
        .regions()
        .iter()
        .filter(|r| r.kind != Kind::Ram)
        .map(|r| r.end.min(end).saturating_sub(r.start.max(start)))
        .sum();
    covered == end - start
}

/// The floating pointer into `fseg`, its configuration table left in reserved memory or
/// copied to the high zone; the pointer's address field and checksum redone.
fn copy_mp(
    mem: &mut dyn Memory,
    at: u32,
    fseg: &mut Pool,
    e820: &mut E820Map,
) -> Result<u32, &'static str> {
    if !sums_to_zero(mem, at, MP_FLOATING_LEN) {
        return Err("bad checksum");
    }
    let config = mem.read_u32(at + MP_PHYSPTR);
    if config == 0 {
        // A default configuration (feature byte 1): the pointer is all there is.
        return place(mem, at, MP_FLOATING_LEN, fseg);
    }
    if !below_4gib(config) {
        return Err("its configuration table runs past 4 GiB");
    }
    let sig = mem.read_u32(config);
    let len = u32::from(mem.read_u16(config + MP_CONFIG_BASE_LEN))
        + u32::from(mem.read_u16(config + MP_CONFIG_EXT_LEN));
    if sig != mptable::CONFIG_SIG || !(MP_CONFIG_HEADER_LEN..=MAX_TABLE).contains(&len) {
        return Err("no configuration table where it points");
    }
    let to = place(mem, at, MP_FLOATING_LEN, fseg)?;
    let config_to = if reserved(e820, config, len) {
        config
    } else {
        let high = zone::alloc_high(e820, len, ALIGN, Kind::Reserved)
            .ok_or("no room for its configuration table")?;
        mem.copy_within(config, high, len);
        high
    };
    mem.write_u32(to + MP_PHYSPTR, config_to);
    super::set_checksum(mem, to, MP_FLOATING_LEN, MP_CHECKSUM);
    Ok(to)
}

fn copy_pir(mem: &mut dyn Memory, at: u32, fseg: &mut Pool) -> Result<u32, &'static str> {
    let len = u32::from(mem.read_u16(at + PIR_SIZE));
    if !(PIR_HEADER_LEN..=MAX_TABLE).contains(&len) {
        return Err("bad size");
    }
    if !sums_to_zero(mem, at, len) {
        return Err("bad checksum");
    }
    place(mem, at, len, fseg)
}
