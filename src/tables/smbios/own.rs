//! SMBIOS of the firmware's own, for platforms that hand it none (Xen without hvmloader):
//! a 2.8 32-bit entry point in the FSEG zone and the structures in the high zone (e820
//! reserved), built from what the caller knows ([`SmbiosParams`]) and the e820 map.
//!
//! Structures, in this order, with handles from 0: type 0 (BIOS: this firmware, the same
//! one `load` adds to QEMU's), 1 (system: manufacturer, product, version, serial,
//! UUID), 3 (chassis "other"), 4 (one per CPU, at most [`MAX_CPUS`]), 16 (the memory
//! array), 17 (one memory device per 16 GiB or part), 19 (one mapped range below 4 GiB,
//! one above), 32 (boot status: no errors), 127 (end). hvmloader writes much the same set
//! (tools/firmware/hvmloader/smbios.c, `write_smbios_tables`); this one omits its types
//! 2, 11, 22 and 39 (board, OEM strings, battery, power supply), which describe nothing
//! of a VM.
//!
//! Layouts from DMTF DSP0134 3.x: entry point 5.2.1; type 0 7.1, 1 7.2, 3 7.4, 4 7.5, 16
//! 7.17, 17 7.18, 19 7.20, 32 7.33, 127 7.45. Each structure is written at the length of
//! the version that introduced its last field used here (noted per type); an OS reads a
//! structure by its length byte, so a 2.8 table may hold them.

use super::{
    ENTRY_ALIGN, EP21_CHECKSUM, EP21_INTERMEDIATE, EP21_INTERMEDIATE_CHECKSUM, EP21_LEN,
    EP21_LENGTH, EP21_MAX_STRUCTURE, EP21_STRUCTURES, EP21_TABLE_ADDRESS, EP21_TABLE_LENGTH,
    HEADER_HANDLE, HEADER_LENGTH, SIG_21, T0_STRINGS, TABLE_ALIGN, TYPE_END, put16, put32, sum,
    type0_formatted,
};
use crate::e820::{E820Map, FOUR_GIB, Kind};
use crate::hal::mem::Memory;
use crate::zone::{self, Pool};

const TAG: &str = "smbios";

/// vCPUs Xen gives an HVM guest at most (xen/include/public/hvm/hvm_info_table.h,
/// `HVM_MAX_VCPUS`): type 4 structures written at most.
pub const MAX_CPUS: u16 = 128;

/// What the caller knows of the machine. Empty strings are left out (string number 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SmbiosParams<'a> {
    /// Type 1: manufacturer ("Xen"), product name ("HVM domU"), version (Xen's version
    /// string), serial number.
    pub manufacturer: &'a str,
    pub product: &'a str,
    pub version: &'a str,
    pub serial: &'a str,
    /// Type 1 UUID in RFC 4122 byte order (as Xen's `XENVER_guest_handle` and `xl list
    /// -v` give it); written in the SMBIOS 2.6+ encoding (first three fields
    /// little-endian), so that dmidecode and Linux's `product_uuid` show the same text.
    pub uuid: [u8; 16],
    /// Type 4: CPUs (one structure each, at most [`MAX_CPUS`]; 0 counts as 1), their
    /// CPUID leaf 1 EAX (signature) and EDX (features), and vendor string (CPUID 0).
    pub cpus: u16,
    pub cpu_signature: u32,
    pub cpu_features: u32,
    pub cpu_manufacturer: &'a str,
}

/// Entry point (5.2.1): version 2.8, entry point revision 0, BCD revision 0x28.
const EP_MAJOR: usize = 0x06;
const EP_MINOR: usize = 0x07;
const EP_BCD_REVISION: usize = 0x1e;
const VERSION_MAJOR: u8 = 2;
const VERSION_MINOR: u8 = 8;
const BCD_REVISION: u8 = 0x28;
/// The intermediate anchor "_DMI_" at 0x10, written as a word and a byte (never a byte
/// string in the image, which a DMI 2.0 scanner might find).
const DMI_SIG: u32 = u32::from_le_bytes(*b"_DMI");
const DMI_SIG_LAST: usize = EP21_INTERMEDIATE + 4;

/// Structure types.
const TYPE_SYSTEM: u8 = 1;
const TYPE_CHASSIS: u8 = 3;
const TYPE_PROCESSOR: u8 = 4;
const TYPE_MEMORY_ARRAY: u8 = 16;
const TYPE_MEMORY_DEVICE: u8 = 17;
const TYPE_ARRAY_MAPPED: u8 = 19;
const TYPE_BOOT: u8 = 32;

/// Type 1, 2.4 length. Strings: manufacturer 4, product 5, version 6, serial 7; UUID 8;
/// wake-up type 0x18 (6 = power switch); SKU 0x19, family 0x1a (none).
const T1_LEN: usize = 0x1b;
const T1_UUID: usize = 0x08;
const T1_WAKEUP: usize = 0x18;
const WAKEUP_POWER_SWITCH: u8 = 6;
/// Type 3, 2.7 length (with the SKU string, none). Manufacturer string 4, type 5 (1 =
/// other), boot-up/power supply/thermal state 9-0x0b (3 = safe), security 0x0c (3 = none).
const T3_LEN: usize = 0x16;
const T3_TYPE: usize = 0x05;
const T3_STATES: usize = 0x09;
const T3_SECURITY: usize = 0x0c;
const CHASSIS_OTHER: u8 = 1;
const STATE_SAFE: u8 = 3;
const SECURITY_NONE: u8 = 3;
/// Type 4, 2.6 length. Socket string 4, processor type 5 (3 = central), family 6 (0xfe:
/// see family 2 at 0x28), manufacturer string 7, ID (CPUID 1 EAX, EDX) 8, voltage 0x11,
/// status 0x18 (0x41: socket populated, CPU enabled), upgrade 0x19 (1 = other), cache
/// handles 0x1a/0x1c/0x1e (0xffff: none), core/enabled/thread counts 0x23-0x25,
/// characteristics 0x26 (bit 1 unknown), family 2 0x28 (1 = other).
const T4_LEN: usize = 0x2a;
const T4_SOCKET: usize = 0x04;
const T4_TYPE: usize = 0x05;
const T4_FAMILY: usize = 0x06;
const T4_MANUFACTURER: usize = 0x07;
const T4_ID: usize = 0x08;
const T4_STATUS: usize = 0x18;
const T4_UPGRADE: usize = 0x19;
const T4_CACHES: usize = 0x1a;
const T4_COUNTS: usize = 0x23;
const T4_CHARACTERISTICS: usize = 0x26;
const T4_FAMILY2: usize = 0x28;
const PROCESSOR_CENTRAL: u8 = 3;
const FAMILY_SEE_FAMILY2: u8 = 0xfe;
const FAMILY_OTHER: u16 = 1;
const CPU_POPULATED_ENABLED: u8 = 0x41;
const UPGRADE_OTHER: u8 = 1;
const NO_HANDLE: u16 = 0xffff;
const CHARACTERISTICS_UNKNOWN: u16 = 1 << 1;
/// Type 16, 2.7 length. Location 4 (1 = other), use 5 (3 = system memory), error
/// correction 6 (3 = none), maximum capacity (KiB) 7, error handle 0x0b (0xfffe: not
/// provided), devices 0x0d, extended maximum capacity (bytes) 0x0f when 7 says 0x80000000.
const T16_LEN: usize = 0x17;
const T16_LOCATION: usize = 0x04;
const T16_USE: usize = 0x05;
const T16_ECC: usize = 0x06;
const T16_MAX_KIB: usize = 0x07;
const T16_ERROR_HANDLE: usize = 0x0b;
const T16_DEVICES: usize = 0x0d;
const T16_EXT_MAX: usize = 0x0f;
const LOCATION_OTHER: u8 = 1;
const USE_SYSTEM_MEMORY: u8 = 3;
const ECC_NONE: u8 = 3;
const NOT_PROVIDED: u16 = 0xfffe;
const USE_EXTENDED_KIB: u32 = 0x8000_0000;
/// Type 17, 2.8 length. Array handle 4, error handle 6, total/data width 8/0x0a (bits),
/// size 0x0c (MiB), form factor 0x0e (9 = DIMM), locator string 0x10, type 0x12 (7 =
/// RAM), type detail 0x13 (bit 1 other), manufacturer string 0x17, extended size 0x1c.
const T17_LEN: usize = 0x28;
const T17_ARRAY: usize = 0x04;
const T17_ERROR_HANDLE: usize = 0x06;
const T17_TOTAL_WIDTH: usize = 0x08;
const T17_DATA_WIDTH: usize = 0x0a;
const T17_SIZE: usize = 0x0c;
const T17_FORM_FACTOR: usize = 0x0e;
const T17_LOCATOR: usize = 0x10;
const T17_TYPE: usize = 0x12;
const T17_DETAIL: usize = 0x13;
const T17_MANUFACTURER: usize = 0x17;
const WIDTH_64: u16 = 64;
const FORM_DIMM: u8 = 9;
const MEMORY_RAM: u8 = 7;
const DETAIL_OTHER: u16 = 1 << 1;
/// Type 19, 2.7 length. Start and end (inclusive) KiB 4/8, array handle 0x0c, partition
/// width 0x0e (devices), extended start/end (bytes) 0x0f/0x17 when 4 and 8 say 0xffffffff.
const T19_LEN: usize = 0x1f;
const T19_START: usize = 0x04;
const T19_END: usize = 0x08;
const T19_ARRAY: usize = 0x0c;
const T19_WIDTH: usize = 0x0e;
const T19_EXT_START: usize = 0x0f;
const T19_EXT_END: usize = 0x17;
const USE_EXTENDED_RANGE: u32 = 0xffff_ffff;
/// Type 32: 6 reserved bytes, then the boot status (0 = no errors).
const T32_LEN: usize = 0x0b;
const T127_LEN: usize = 4;

/// One memory device per this much (hvmloader's and QEMU's granule).
const DIMM_BYTES: u64 = 16 << 30;
const MIB: u64 = 1 << 20;
const KIB: u64 = 1 << 10;
/// Memory devices at most: 16 GiB each up to 2^46 bytes (Xen's HVM limit is lower).
const MAX_DIMMS: u64 = 4096;

/// Where the structures go, or a dry run that only counts them.
struct Out<'m> {
    mem: Option<&'m mut dyn Memory>,
    at: u32,
    len: u32,
    count: u16,
    max: u16,
}

impl Out<'_> {
    /// Write one structure: `formatted` (type at 0; its length and the next handle are
    /// filled in here) and the non-empty `strings`; returns its handle.
    fn put(&mut self, formatted: &mut [u8], strings: &[&str]) -> u16 {
        let handle = self.count;
        formatted[HEADER_LENGTH as usize] = formatted.len() as u8;
        formatted[HEADER_HANDLE as usize..][..2].copy_from_slice(&handle.to_le_bytes());
        let start = self.len;
        self.bytes(formatted);
        let mut any = false;
        for s in strings.iter().filter(|s| !s.is_empty()) {
            self.bytes(s.as_bytes());
            self.bytes(&[0]);
            any = true;
        }
        // The set ends with a second NUL; an empty set is two NULs.
        self.bytes(if any { &[0] } else { &[0, 0] });
        self.count += 1;
        self.max = self.max.max((self.len - start) as u16);
        handle
    }

    fn bytes(&mut self, b: &[u8]) {
        if let Some(mem) = self.mem.as_deref_mut() {
            mem.write(self.at + self.len, b);
        }
        self.len += b.len() as u32;
    }
}

/// String number of `strings[i]` in a set that leaves empty strings out (0: none).
fn string_no(strings: &[&str], i: usize) -> u8 {
    if strings[i].is_empty() {
        0
    } else {
        1 + strings[..i].iter().filter(|s| !s.is_empty()).count() as u8
    }
}

fn put_u16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}
fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}
fn put_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// "<prefix><n>" in `buf`, for socket and locator names.
fn numbered<'b>(buf: &'b mut [u8; 12], prefix: &str, n: u64) -> &'b str {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let d = &digits[i..];
    let len = (prefix.len() + d.len()).min(buf.len());
    buf[..prefix.len()].copy_from_slice(prefix.as_bytes());
    buf[prefix.len()..len].copy_from_slice(&d[..len - prefix.len()]);
    core::str::from_utf8(&buf[..len]).unwrap_or("")
}

/// RAM below and above 4 GiB as the structures describe it: the top of the highest RAM
/// region below 4 GiB, and that above 4 GiB, rounded up to MiB.
fn memory(e820: &E820Map) -> (u64, u64) {
    let top = |lo: u64, hi: u64| {
        e820.regions()
            .iter()
            .filter(|r| r.kind == Kind::Ram && r.end > lo && r.start < hi)
            .map(|r| r.end.min(hi).next_multiple_of(MIB))
            .max()
            .unwrap_or(lo)
    };
    (top(0, FOUR_GIB), top(FOUR_GIB, u64::MAX) - FOUR_GIB)
}

/// The structures, to `out`.
fn structures(out: &mut Out, p: &SmbiosParams, low: u64, high: u64) {
    out.put(&mut type0_formatted(), &T0_STRINGS);

    let s1 = [p.manufacturer, p.product, p.version, p.serial];
    let mut t1 = [0u8; T1_LEN];
    t1[0] = TYPE_SYSTEM;
    for i in 0..s1.len() {
        t1[4 + i] = string_no(&s1, i);
    }
    // RFC 4122 fields time_low, time_mid, time_hi_and_version are big-endian there,
    // little-endian in SMBIOS 2.6+ (7.2.1).
    let mut uuid = p.uuid;
    uuid[..4].reverse();
    uuid[4..6].reverse();
    uuid[6..8].reverse();
    t1[T1_UUID..T1_UUID + 16].copy_from_slice(&uuid);
    t1[T1_WAKEUP] = WAKEUP_POWER_SWITCH;
    out.put(&mut t1, &s1);

    let s3 = [p.manufacturer];
    let mut t3 = [0u8; T3_LEN];
    t3[0] = TYPE_CHASSIS;
    t3[4] = string_no(&s3, 0);
    t3[T3_TYPE] = CHASSIS_OTHER;
    t3[T3_STATES..T3_STATES + 3].fill(STATE_SAFE);
    t3[T3_SECURITY] = SECURITY_NONE;
    out.put(&mut t3, &s3);

    let cpus = p.cpus.clamp(1, MAX_CPUS);
    for n in 0..cpus {
        let mut name = [0u8; 12];
        let s4 = [numbered(&mut name, "CPU ", n.into()), p.cpu_manufacturer];
        let mut t4 = [0u8; T4_LEN];
        t4[0] = TYPE_PROCESSOR;
        t4[T4_SOCKET] = string_no(&s4, 0);
        t4[T4_TYPE] = PROCESSOR_CENTRAL;
        t4[T4_FAMILY] = FAMILY_SEE_FAMILY2;
        t4[T4_MANUFACTURER] = string_no(&s4, 1);
        put_u32(&mut t4, T4_ID, p.cpu_signature);
        put_u32(&mut t4, T4_ID + 4, p.cpu_features);
        t4[T4_STATUS] = CPU_POPULATED_ENABLED;
        t4[T4_UPGRADE] = UPGRADE_OTHER;
        for c in 0..3 {
            put_u16(&mut t4, T4_CACHES + 2 * c, NO_HANDLE);
        }
        t4[T4_COUNTS..T4_COUNTS + 3].fill(1);
        put_u16(&mut t4, T4_CHARACTERISTICS, CHARACTERISTICS_UNKNOWN);
        put_u16(&mut t4, T4_FAMILY2, FAMILY_OTHER);
        out.put(&mut t4, &s4);
    }

    let total = low + high;
    let dimms = total.div_ceil(DIMM_BYTES).clamp(1, MAX_DIMMS);
    let mut t16 = [0u8; T16_LEN];
    t16[0] = TYPE_MEMORY_ARRAY;
    t16[T16_LOCATION] = LOCATION_OTHER;
    t16[T16_USE] = USE_SYSTEM_MEMORY;
    t16[T16_ECC] = ECC_NONE;
    match u32::try_from(total / KIB) {
        Ok(kib) if kib < USE_EXTENDED_KIB => put_u32(&mut t16, T16_MAX_KIB, kib),
        _ => {
            put_u32(&mut t16, T16_MAX_KIB, USE_EXTENDED_KIB);
            put_u64(&mut t16, T16_EXT_MAX, total);
        }
    }
    put_u16(&mut t16, T16_ERROR_HANDLE, NOT_PROVIDED);
    put_u16(&mut t16, T16_DEVICES, dimms as u16);
    let array = out.put(&mut t16, &[]);

    let mut left = total;
    for n in 0..dimms {
        let size = left.min(DIMM_BYTES);
        left -= size;
        let mut name = [0u8; 12];
        let s17 = [numbered(&mut name, "DIMM ", n), p.manufacturer];
        let mut t17 = [0u8; T17_LEN];
        t17[0] = TYPE_MEMORY_DEVICE;
        put_u16(&mut t17, T17_ARRAY, array);
        put_u16(&mut t17, T17_ERROR_HANDLE, NOT_PROVIDED);
        put_u16(&mut t17, T17_TOTAL_WIDTH, WIDTH_64);
        put_u16(&mut t17, T17_DATA_WIDTH, WIDTH_64);
        // At most 16 GiB: the MiB count fits the 15-bit size field.
        put_u16(&mut t17, T17_SIZE, (size / MIB) as u16);
        t17[T17_FORM_FACTOR] = FORM_DIMM;
        t17[T17_LOCATOR] = string_no(&s17, 0);
        t17[T17_TYPE] = MEMORY_RAM;
        put_u16(&mut t17, T17_DETAIL, DETAIL_OTHER);
        t17[T17_MANUFACTURER] = string_no(&s17, 1);
        out.put(&mut t17, &s17);
    }

    for (start, len) in [(0, low), (FOUR_GIB, high)] {
        if len == 0 {
            continue;
        }
        let end = start + len - 1;
        let mut t19 = [0u8; T19_LEN];
        t19[0] = TYPE_ARRAY_MAPPED;
        match (u32::try_from(start / KIB), u32::try_from(end / KIB)) {
            (Ok(s), Ok(e)) if e < USE_EXTENDED_RANGE => {
                put_u32(&mut t19, T19_START, s);
                put_u32(&mut t19, T19_END, e);
            }
            _ => {
                put_u32(&mut t19, T19_START, USE_EXTENDED_RANGE);
                put_u32(&mut t19, T19_END, USE_EXTENDED_RANGE);
                put_u64(&mut t19, T19_EXT_START, start);
                put_u64(&mut t19, T19_EXT_END, end);
            }
        }
        put_u16(&mut t19, T19_ARRAY, array);
        t19[T19_WIDTH] = dimms.min(u8::MAX.into()) as u8;
        out.put(&mut t19, &[]);
    }

    let mut t32 = [0u8; T32_LEN];
    t32[0] = TYPE_BOOT;
    out.put(&mut t32, &[]);
    let mut t127 = [0u8; T127_LEN];
    t127[0] = TYPE_END;
    out.put(&mut t127, &[]);
}

/// Build the structures in the high zone (reserved in `e820`) and the entry point in
/// `fseg`; returns the entry point's address, or None (logged) when there is no room.
#[inline(never)]
pub fn build(
    mem: &mut dyn Memory,
    e820: &mut E820Map,
    fseg: &mut Pool,
    p: &SmbiosParams,
) -> Option<u32> {
    let (low, high) = memory(e820);
    let mut dry = Out {
        mem: None,
        at: 0,
        len: 0,
        count: 0,
        max: 0,
    };
    structures(&mut dry, p, low, high);
    let Ok(len16) = u16::try_from(dry.len) else {
        error!(
            TAG,
            "{} bytes of structures do not fit a 2.1 entry point", dry.len
        );
        return None;
    };
    let table = zone::alloc_high(e820, dry.len, TABLE_ALIGN, Kind::Reserved)?;
    let ep_at = fseg.alloc(EP21_LEN, ENTRY_ALIGN)?;
    let mut out = Out {
        mem: Some(&mut *mem),
        at: table,
        len: 0,
        count: 0,
        max: 0,
    };
    structures(&mut out, p, low, high);
    let (count, max) = (out.count, out.max);

    let mut ep = [0u8; super::ANCHOR_MAX];
    put32(&mut ep, 0, SIG_21);
    ep[EP21_LENGTH] = EP21_LEN as u8;
    ep[EP_MAJOR] = VERSION_MAJOR;
    ep[EP_MINOR] = VERSION_MINOR;
    put16(&mut ep, EP21_MAX_STRUCTURE, max);
    put32(&mut ep, EP21_INTERMEDIATE, DMI_SIG);
    ep[DMI_SIG_LAST] = b'_';
    put16(&mut ep, EP21_TABLE_LENGTH, len16);
    put32(&mut ep, EP21_TABLE_ADDRESS, table);
    put16(&mut ep, EP21_STRUCTURES, count);
    ep[EP_BCD_REVISION] = BCD_REVISION;
    ep[EP21_INTERMEDIATE_CHECKSUM] = sum(&ep[EP21_INTERMEDIATE..EP21_LEN as usize]);
    ep[EP21_CHECKSUM] = sum(&ep[..EP21_LEN as usize]);
    mem.write(ep_at, &ep[..EP21_LEN as usize]);
    info!(
        TAG,
        "own tables: entry point at {ep_at:#x}, {} structures ({} bytes) at {table:#x}: {} CPUs, {} MiB",
        count,
        dry.len,
        p.cpus.clamp(1, MAX_CPUS),
        (low + high) / MIB
    );
    Some(ep_at)
}
