//! Fuzzing the parsers of binary structures others leave in memory or on a disc:
//! hvmloader's table at 0x1000 and the BIOS tables it points at, the geometry a drive's
//! size and reported CHS give int13, option ROM headers and the PnP installation check
//! structure, a CD's El Torito boot record and catalog.
//!
//! Invariants: no panic; a defined answer (`Ok` only for what the format allows); reads
//! stay in the structure parsed; writes only where the firmware puts its copies.
//! `tests/fuzz_util/mod.rs` says how the cases run and how a finding is kept.

mod eltorito_util;
mod fuzz_util;

use fuzz_util::config;
use proptest::prelude::*;
use std::cell::Cell;
use xen_headers::hvmloader::{
    BIOS_INFO_PHYSICAL_ADDRESS, SEABIOS_INFO_MAX_E820, SEABIOS_INFO_MAX_TABLES,
    SEABIOS_INFO_SIGNATURE, SeabiosInfo,
};
use xenbios::block::{Chs, DriveInfo, DriveKind, Geometry, Interface, PciAddr};
use xenbios::hal::mem::Memory;
use xenbios::oprom;
use xenbios::xen::hvm_info::{self, Invalid};
use xenbios_sim::{SimMemory, SparseMemory};
use zerocopy::IntoBytes;

const KIB: u32 = 1024;
/// Simulated memory for the structures that sit below 1 MiB.
const LOW_MEMORY: usize = 0x10_0000;
/// The whole 32-bit address space (hvmloader's pointers can name any of it).
const FOUR_GIB: u64 = 1 << 32;

// ---- hvmloader's table (xen-headers' hvmloader.rs; Xen's hvmloader/config-seabios.h) ----

const INFO_SIZE: usize = size_of::<SeabiosInfo>();
/// `length` is a byte.
const INFO_MAX_LEN: usize = u8::MAX as usize;
const CHECKSUM_AT: usize = std::mem::offset_of!(SeabiosInfo, checksum);
const E820_ENTRY_SIZE: u64 = 20;
const TABLE_PTR_SIZE: u64 = 4;

/// A table as hvmloader might leave it, or a corrupt one: each field either right or
/// anything, the checksum fixed up or not.
fn hvm_info_bytes() -> impl Strategy<Value = Vec<u8>> {
    let count = |max: u32| prop_oneof![0..=max, any::<u32>()];
    let addr = prop_oneof![
        0x1_0000u32..0x10_0000,
        (FOUR_GIB - u64::from(KIB)) as u32..=u32::MAX,
        any::<u32>()
    ];
    (
        prop::bool::weighted(0.9),
        prop_oneof![Just(INFO_SIZE as u8), any::<u8>()],
        (addr.clone(), count(SEABIOS_INFO_MAX_TABLES)),
        (addr, count(SEABIOS_INFO_MAX_E820)),
        prop::collection::vec(any::<u8>(), INFO_MAX_LEN - INFO_SIZE),
        prop::bool::weighted(0.8),
    )
        .prop_map(|(sig, length, tables, e820, tail, fix)| {
            let t = SeabiosInfo {
                signature: if sig {
                    SEABIOS_INFO_SIGNATURE
                } else {
                    *b"XenHVMSeaBIOZ\0"
                },
                length,
                checksum: 0,
                tables: tables.0,
                tables_nr: tables.1,
                e820: e820.0,
                e820_nr: e820.1,
            };
            let mut b = t.as_bytes().to_vec();
            b.extend(tail);
            if fix {
                let len = usize::from(length);
                let sum = b[..len].iter().fold(0u8, |s, &x| s.wrapping_add(x));
                b[CHECKSUM_AT] = b[CHECKSUM_AT].wrapping_sub(sum);
            }
            b
        })
}

/// Memory over the whole 32-bit space (pages appear, zeroed, where written), recording
/// the lowest and highest byte read.
struct Watched {
    mem: SparseMemory,
    lowest: Cell<u64>,
    highest: Cell<u64>,
}

impl Watched {
    fn new() -> Watched {
        let mut mem = SparseMemory::new();
        mem.add_ram(0, FOUR_GIB);
        Watched {
            mem,
            lowest: Cell::new(u64::MAX),
            highest: Cell::new(0),
        }
    }
    fn reset(&self) {
        self.lowest.set(u64::MAX);
        self.highest.set(0);
    }
}

impl Memory for Watched {
    fn read(&self, addr: u32, buf: &mut [u8]) {
        let end = u64::from(addr) + buf.len() as u64;
        self.lowest.set(self.lowest.get().min(u64::from(addr)));
        self.highest.set(self.highest.get().max(end));
        self.mem.read(addr, buf)
    }
    fn write(&mut self, addr: u32, data: &[u8]) {
        self.mem.write(addr, data)
    }
}

proptest! {
    #![proptest_config(config(2000))]

    /// `find` reads only the table's 255 bytes and accepts exactly the valid tables; for
    /// an accepted one, every entry it lists can be read.
    #[test]
    fn hvm_info_find(bytes in hvm_info_bytes()) {
        let mut m = Watched::new();
        m.mem.write(BIOS_INFO_PHYSICAL_ADDRESS, &bytes);
        let r = hvm_info::find(&m);
        let start = u64::from(BIOS_INFO_PHYSICAL_ADDRESS);
        prop_assert!(m.lowest.get() >= start && m.highest.get() <= start + INFO_MAX_LEN as u64);
        let len = usize::from(bytes[std::mem::offset_of!(SeabiosInfo, length)]);
        let valid_sum = bytes[..len].iter().fold(0u8, |s, &x| s.wrapping_add(x)) == 0;
        let signed = bytes[..SEABIOS_INFO_SIGNATURE.len()] == SEABIOS_INFO_SIGNATURE;
        match r {
            Ok(info) => {
                prop_assert!(signed && len >= INFO_SIZE && valid_sum);
                prop_assert!(info.tables_nr <= SEABIOS_INFO_MAX_TABLES);
                prop_assert!(info.e820_nr <= SEABIOS_INFO_MAX_E820);
                // The lists lie wholly in the address space, and every entry reads.
                let tables_end = u64::from(info.tables) + u64::from(info.tables_nr) * TABLE_PTR_SIZE;
                let e820_end = u64::from(info.e820) + u64::from(info.e820_nr) * E820_ENTRY_SIZE;
                prop_assert!(tables_end <= FOUR_GIB && e820_end <= FOUR_GIB);
                for n in 0..info.tables_nr {
                    hvm_info::table(&m, &info, n);
                }
                for n in 0..info.e820_nr {
                    hvm_info::e820_entry(&m, &info, n);
                }
            }
            Err(Invalid::Absent) => prop_assert!(!signed),
            Err(Invalid::TooShort(l)) => prop_assert!(signed && usize::from(l) < INFO_SIZE),
            Err(Invalid::BadChecksum) => prop_assert!(signed && !valid_sum),
            Err(Invalid::TooMany { .. } | Invalid::BeyondFourGib) => {
                prop_assert!(signed && valid_sum)
            }
        }
        // The logging wrapper agrees.
        prop_assert_eq!(hvm_info::read(&m), r.ok());
    }
}

// ---- the BIOS tables hvmloader lists, copied to the F segment ----------------------------

/// Where the table list and the tables go, and the F segment pool the copies go to.
const LIST: u32 = 0x1_0000;
const TABLES: u32 = 0x1_1000;
const TABLE_ROOM: u32 = 4 * KIB;
const FSEG_POOL: (u32, u32) = (0xf_8000, 0xf_9000);
/// Signatures (ACPI 6.x 5.2.5.3, SMBIOS 3.x 5.2.1, MP 1.4 4.1 and 4.2, $PIR 1.0).
const SIGNATURES: [&[u8]; 5] = [b"RSD PTR ", b"_SM_", b"_MP_", b"$PIR", b"PCMP"];
/// Offsets of the length fields and pointers those formats have (RSDP revision and
/// length, SMBIOS length, MP pointer and configuration length, $PIR size).
const FIELDS: [u32; 7] = [4, 5, 6, 15, 20, 0x22, 0x28];

/// Where a listed table is: in its slot low in memory, its first bytes in the last
/// `Top(n)` bytes below 4 GiB, or anywhere (whatever memory holds there).
#[derive(Clone, Copy, Debug)]
enum Place {
    Low,
    Top(u32),
    Anywhere(u32),
}
/// The most of a table put right below 4 GiB.
const TOP_ROOM: u32 = 300;

/// One table: a signature, bytes, numbers at the offsets that hold lengths and pointers,
/// its checksum over some length fixed up or not.
fn bios_table() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(&SIGNATURES[..]),
        prop::collection::vec(any::<u8>(), 64..256),
        prop::collection::vec(
            (
                prop::sample::select(&FIELDS[..]),
                prop_oneof![
                    Just(0u32),
                    16u32..64,
                    Just(TABLE_ROOM - 1),
                    TABLES..TABLES + TABLE_ROOM,
                    (FOUR_GIB - 64) as u32..=u32::MAX,
                    any::<u32>()
                ],
            ),
            0..4,
        ),
        prop::option::of(prop::sample::select(vec![16usize, 20, 31, 32, 36, 64])),
    )
        .prop_map(|(sig, mut b, fields, sum_over)| {
            b[..sig.len()].copy_from_slice(sig);
            for (at, v) in fields {
                let at = at as usize;
                b[at..at + 4].copy_from_slice(&v.to_le_bytes());
            }
            if let Some(n) = sum_over {
                let sum = b[..n].iter().fold(0u8, |s, &x| s.wrapping_add(x));
                b[n - 1] = b[n - 1].wrapping_sub(sum);
            }
            b
        })
}

proptest! {
    #![proptest_config(config(1000))]

    /// Whatever hvmloader's list points at, `copy` ends and writes nothing in low memory
    /// outside the F segment pool.
    #[test]
    fn hvmloader_tables_copy(
        tables in prop::collection::vec(
            (bios_table(), prop_oneof![Just(Place::Low), (1u32..=TOP_ROOM).prop_map(Place::Top), any::<u32>().prop_map(Place::Anywhere)]),
            0..=SEABIOS_INFO_MAX_TABLES as usize,
        ),
    ) {
        let mut m = SparseMemory::new();
        m.add_ram(0, FOUR_GIB);
        let mut list = Vec::new();
        for (n, (t, place)) in tables.iter().enumerate() {
            let low = TABLES + n as u32 * TABLE_ROOM;
            let at = match *place {
                Place::Low => low,
                Place::Top(room) => {
                    // As much of the table as fits below 4 GiB.
                    let at = (FOUR_GIB - u64::from(room)) as u32;
                    m.write(at, &t[..t.len().min(room as usize)]);
                    at
                }
                Place::Anywhere(at) => at,
            };
            m.write(low, t);
            list.push(at);
        }
        for (n, p) in list.iter().enumerate() {
            m.write_u32(LIST + n as u32 * TABLE_PTR_SIZE as u32, *p);
        }
        let info = hvm_info::HvmInfo { tables: LIST, tables_nr: list.len() as u32, e820: 0, e820_nr: 0 };
        let before = snapshot(&mut m);
        let mut fseg = xenbios::zone::Pool::new(FSEG_POOL.0, FSEG_POOL.1);
        // RAM above 1 MiB, where an MP configuration table outside reserved memory goes.
        let mut e820 = xenbios::e820::E820Map::new();
        e820.add(0x10_0000, 0x400_0000, xenbios::e820::Kind::Ram);
        let placed = xenbios::tables::hvmloader::copy(&mut m, &info, &mut fseg, &mut e820);
        let after = snapshot(&mut m);
        for (a, (x, y)) in before.iter().zip(&after).enumerate() {
            let a = a as u32;
            prop_assert!(x == y || (FSEG_POOL.0..FSEG_POOL.1).contains(&a), "byte {a:#x} changed");
        }
        for p in [placed.rsdp, placed.smbios_entry, placed.mp_floating, placed.pir].into_iter().flatten() {
            prop_assert!((FSEG_POOL.0..FSEG_POOL.1).contains(&p));
        }
    }
}

/// The bytes the table copy may touch: low memory (the list, the tables, the F segment).
fn snapshot(m: &mut SparseMemory) -> Vec<u8> {
    let mut b = vec![0; LOW_MEMORY];
    m.read(0, &mut b);
    b
}

// ---- the int13 geometry --------------------------------------------------------------

/// What int13 CHS can address (AH=08h: 10-bit cylinders, 8-bit heads, 6-bit sectors).
const INT13_MAX_CYLINDERS: u32 = 1024;
const INT13_MAX_HEADS: u32 = 255;
const INT13_MAX_SECTORS: u32 = 63;

fn drive(sectors: u64, chs: Option<(u32, u32, u32)>) -> DriveInfo {
    DriveInfo {
        kind: DriveKind::Disk,
        sectors,
        sector_size: 512,
        read_only: false,
        removable: false,
        chs: chs.map(|(cylinders, heads, sectors)| Chs {
            cylinders,
            heads,
            sectors,
        }),
        interface: Interface::Xen {
            pci: PciAddr::default(),
            vdev: 0,
        },
    }
}

/// A number near the limits that matter here, or anything.
fn geometry_number() -> impl Strategy<Value = u32> {
    prop_oneof![0u32..=300, 1000u32..=1100, 16000u32..=17000, any::<u32>()]
}

proptest! {
    #![proptest_config(config(5000))]

    /// Any size and reported geometry give a logical geometry int13 can express, and the
    /// CHS addresses in it map one to one onto the LBAs below its capacity.
    #[test]
    fn geometry_is_expressible_and_chs_maps_one_to_one(
        sectors in prop_oneof![0u64..=100_000, any::<u64>()],
        chs in prop::option::of((geometry_number(), geometry_number(), 0u32..=300)),
        probe in (any::<u32>(), any::<u32>(), any::<u32>()),
        within in (any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<prop::sample::Index>()),
    ) {
        let g = Geometry::for_drive(&drive(sectors, chs));
        let l = g.logical;
        prop_assert!((1..=INT13_MAX_CYLINDERS).contains(&l.cylinders), "{g:?}");
        prop_assert!((1..=INT13_MAX_HEADS).contains(&l.heads), "{g:?}");
        prop_assert!((1..=INT13_MAX_SECTORS).contains(&l.sectors), "{g:?}");
        let cap = g.chs_capacity();
        prop_assert_eq!(cap, u64::from(l.cylinders) * u64::from(l.heads) * u64::from(l.sectors));
        // Any address: in the geometry exactly when it maps, and then below the capacity.
        let (c, h, s) = probe;
        let inside = c < l.cylinders && h < l.heads && (1..=l.sectors).contains(&s);
        match g.to_lba(c, h, s) {
            Some(lba) => prop_assert!(inside && lba < cap),
            None => prop_assert!(!inside),
        }
        // An address inside: the LBA gives it back.
        let (c, h, s) = (
            within.0.index(l.cylinders as usize) as u32,
            within.1.index(l.heads as usize) as u32,
            within.2.index(l.sectors as usize) as u32 + 1,
        );
        let lba = g.to_lba(c, h, s).unwrap();
        let per_cylinder = u64::from(l.heads) * u64::from(l.sectors);
        prop_assert_eq!(
            (lba / per_cylinder, lba % per_cylinder / u64::from(l.sectors), lba % u64::from(l.sectors) + 1),
            (u64::from(c), u64::from(h), u64::from(s))
        );
    }
}

// ---- option ROMs -----------------------------------------------------------------------

/// Where the simulated ROM is mapped, and the most it spans.
const ROM_BASE: u32 = 0x4_0000;
const ROM_MAX: usize = 64 * KIB as usize;
/// ROM header and PCI data structure (PCI Firmware 3.0, 5.1): the signature, the size in
/// 512-byte blocks, the pointer to the PCI data structure; its signature, IDs, device list
/// pointer, revision, image length, code type and indicator.
const ROM_SIG: [u8; 2] = [0x55, 0xaa];
const ROM_SIZE_AT: usize = 2;
const ROM_PCIR_PTR_AT: usize = 0x18;
const PCIR_SIG: &[u8; 4] = b"PCIR";
const PCIR_VENDOR_AT: usize = 4;
const PCIR_DEVICE_AT: usize = 6;
const PCIR_LIST_AT: usize = 8;
const PCIR_REVISION_AT: usize = 0xc;
const PCIR_IMAGE_LEN_AT: usize = 0x10;
const PCIR_CODE_TYPE_AT: usize = 0x14;
const PCIR_INDICATOR_AT: usize = 0x15;
const PCIR_LEN: usize = 0x18;
const PNP_LEN: usize = 0x20;
const PNP_SIG: &[u8; 4] = b"$PnP";
/// The PnP BIOS installation check structure (PnP BIOS 1.0A): "$PnP" on a 16-byte
/// boundary of segment F000, its length at 05h.
const PNP_BIOS_SEGMENT: u16 = 0xf000;
const PNP_LENGTH_AT: usize = 5;
const PARAGRAPH: u32 = 16;
const SEGMENT_SIZE: u32 = 0x1_0000;
const ROM_BLOCK: u32 = 512;
/// The IDs the fuzzed ROMs are for, mostly.
const VENDOR: u16 = 0x1af4;
const DEVICE: u16 = 0x1000;

/// A chain of images: each a header with a PCI data structure, its fields right or not.
fn rom_image() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::bool::weighted(0.9),
        any::<u8>(),
        prop_oneof![Just(0x1cu16), 0x1cu16..0x200, any::<u16>()],
        prop_oneof![Just(VENDOR), any::<u16>()],
        prop_oneof![Just(DEVICE), any::<u16>()],
        (
            prop_oneof![Just(0u16), 0x18u16..0x100, any::<u16>()],
            0u8..=4,
        ),
        (
            prop_oneof![1u16..=8, any::<u16>()],
            prop_oneof![Just(0u8), any::<u8>()],
            any::<u8>(),
        ),
        prop::collection::vec(any::<u16>(), 0..24),
    )
        .prop_map(
            |(sig, size, pcir, vendor, device, (list, rev), (len, code, ind), ids)| {
                let blocks = usize::from(len.clamp(1, 8));
                let mut b = vec![0u8; blocks * ROM_BLOCK as usize];
                if sig {
                    b[..2].copy_from_slice(&ROM_SIG);
                }
                b[ROM_SIZE_AT] = size;
                b[ROM_PCIR_PTR_AT..ROM_PCIR_PTR_AT + 2].copy_from_slice(&pcir.to_le_bytes());
                let p = usize::from(pcir);
                if p + PCIR_LEN <= b.len() {
                    b[p..p + 4].copy_from_slice(PCIR_SIG);
                    let put = |b: &mut Vec<u8>, at: usize, v: u16| {
                        b[p + at..p + at + 2].copy_from_slice(&v.to_le_bytes())
                    };
                    put(&mut b, PCIR_VENDOR_AT, vendor);
                    put(&mut b, PCIR_DEVICE_AT, device);
                    put(&mut b, PCIR_LIST_AT, list);
                    put(&mut b, PCIR_IMAGE_LEN_AT, len);
                    b[p + PCIR_REVISION_AT] = rev;
                    b[p + PCIR_CODE_TYPE_AT] = code;
                    b[p + PCIR_INDICATOR_AT] = ind;
                    let l = p + usize::from(list);
                    for (k, id) in ids.iter().enumerate() {
                        if l + 2 * k + 2 <= b.len() {
                            b[l + 2 * k..l + 2 * k + 2].copy_from_slice(&id.to_le_bytes());
                        }
                    }
                }
                b
            },
        )
}

proptest! {
    #![proptest_config(config(2000))]

    /// The fixed-size parsers: a structure exactly when the signature is there.
    #[test]
    fn rom_structure_parsers(pcir in any::<[u8; PCIR_LEN]>(), pnp in any::<[u8; PNP_LEN]>(), sig in any::<bool>()) {
        let (mut pcir, mut pnp) = (pcir, pnp);
        if sig {
            pcir[..4].copy_from_slice(PCIR_SIG);
            pnp[..4].copy_from_slice(PNP_SIG);
        }
        prop_assert_eq!(oprom::parse_pci_data(&pcir).is_some(), &pcir[..4] == PCIR_SIG);
        prop_assert_eq!(oprom::parse_pnp(&pnp).is_some(), &pnp[..4] == PNP_SIG);
        if let Some(d) = oprom::parse_pci_data(&pcir) {
            prop_assert_eq!(d.image_len % ROM_BLOCK, 0);
        }
    }

    /// `select_image` reads only the ROM it is given (`len` bytes) and picks an image
    /// that lies wholly in it.
    #[test]
    fn rom_select_image(
        images in prop::collection::vec(rom_image(), 1..4),
        cut in any::<prop::sample::Index>(),
        vendor in prop_oneof![Just(VENDOR), any::<u16>()],
        device in prop_oneof![Just(DEVICE), any::<u16>()],
    ) {
        let rom: Vec<u8> = images.concat();
        let rom = &rom[..rom.len().min(ROM_MAX)];
        let len = cut.index(rom.len() + 1) as u32;
        let mut m = Watched::new();
        m.mem.write(ROM_BASE, rom);
        let r = oprom::select_image(&m, ROM_BASE, len, vendor, device);
        if m.highest.get() > 0 {
            prop_assert!(
                m.lowest.get() >= u64::from(ROM_BASE)
                    && m.highest.get() <= u64::from(ROM_BASE) + u64::from(len),
                "read {:#x}..{:#x} of a ROM at {ROM_BASE:#x}+{len:#x}",
                m.lowest.get(),
                m.highest.get()
            );
        }
        if let Ok((off, size)) = r {
            prop_assert!(size > 0 && u64::from(off) + u64::from(size) <= u64::from(len));
        }
        m.reset();
    }

    /// The PnP installation check structure is found only where it is whole and sums to 0.
    #[test]
    fn pnp_bios_scan(
        at in (0..SEGMENT_SIZE / PARAGRAPH).prop_map(|p| p * PARAGRAPH),
        len in any::<u8>(),
        body in prop::collection::vec(any::<u8>(), 64),
        fix in any::<bool>(),
    ) {
        let mut m = SimMemory::new(LOW_MEMORY);
        let base = xenbios::hal::mem::linear(PNP_BIOS_SEGMENT, 0);
        let mut s = body;
        s[..PNP_SIG.len()].copy_from_slice(PNP_SIG);
        s[PNP_LENGTH_AT] = len;
        let n = usize::from(len).min(s.len());
        if fix && n > 0 {
            let sum = s[..n].iter().fold(0u8, |a, &x| a.wrapping_add(x));
            s[n - 1] = s[n - 1].wrapping_sub(sum);
        }
        let room = (SEGMENT_SIZE - at) as usize;
        m.write(base + at, &s[..s.len().min(room)]);
        if let Some(p) = oprom::find_pnp_bios(&m) {
            let a = p.linear();
            let l = u32::from(m.read_u8(a + PNP_LENGTH_AT as u32));
            prop_assert!(l > 0 && m.read_u32(a) == u32::from_le_bytes(*PNP_SIG));
            prop_assert_eq!(m.sum8(a, l), 0);
            prop_assert!(a + l <= base + SEGMENT_SIZE);
        }
    }
}

// ---- the El Torito boot record and catalog (block::eltorito) -----------------------------

use eltorito_util::{self as et, Disc};
use xenbios::block::eltorito::{self, BootImage, Invalid as CdInvalid, Media};

/// Where a catalog or an image lies: at a sector number that fits a small disc, near the
/// disc's end (`size - n`), or anywhere.
#[derive(Clone, Copy, Debug)]
enum Lba {
    Near(u32),
    FromEnd(u32),
    Any(u32),
}

impl Lba {
    fn on(self, size: u64) -> u32 {
        match self {
            Lba::Near(n) | Lba::Any(n) => n,
            Lba::FromEnd(n) => size.saturating_sub(u64::from(n)).min(u64::from(u32::MAX)) as u32,
        }
    }
}

/// Sectors a small disc has; the images of the cases mostly lie in them. A big one holds
/// a 2.88 MB diskette image after them.
const SMALL_DISC: u32 = 64;
const BIG_DISC: u32 = 2048;
/// Past sector 17 and the catalog: where the images of the cases mostly start.
const FIRST_IMAGE: u32 = 18;
/// Load segments of the cases besides 0 and 07C0h: one low, the top ones (where a load
/// runs past 1 MiB).
const CD_LOW_SEGMENT: u16 = 0x1000;
const CD_TOP_SEGMENTS: u16 = 0xff00;
/// A real-mode address is segment * 16 + offset, below 1 MiB.
const ONE_MIB: u64 = 1 << 20;
/// A catalog's sectors the cases fill: one more than the parser reads.
const CASE_CATALOG_SECTORS: u32 = eltorito::MAX_CATALOG_SECTORS + 1;

fn lba() -> impl Strategy<Value = Lba> {
    prop_oneof![
        4 => (FIRST_IMAGE..SMALL_DISC).prop_map(Lba::Near),
        2 => (0u32..=CASE_CATALOG_SECTORS + 1).prop_map(Lba::FromEnd),
        1 => any::<u32>().prop_map(Lba::Any),
    ]
}

/// An indicator: bootable mostly, not bootable, or anything.
fn cd_indicator(right: u8, other: u8) -> impl Strategy<Value = u8> {
    prop_oneof![3 => Just(right), 1 => Just(other), 1 => any::<u8>()]
}

/// A platform ID: 80x86 mostly, EFI, PowerPC, or anything.
fn cd_platform() -> impl Strategy<Value = u8> {
    prop_oneof![6 => Just(et::X86), 1 => Just(et::EFI), 1 => Just(et::POWERPC), 1 => any::<u8>()]
}

/// A boot entry's fields (`et::boot_entry`'s arguments), its RBA on the disc to come.
type CdEntry = (u8, u8, u16, u8, u16, Lba);

/// A boot entry, mostly of values that mean something.
fn cd_boot_entry() -> impl Strategy<Value = CdEntry> {
    (
        cd_indicator(et::BOOTABLE, et::NOT_BOOTABLE),
        prop_oneof![
            4 => 0u8..=et::HARD_DISK,
            1 => any::<u8>()
        ],
        prop_oneof![
            3 => Just(0u16),
            1 => Just(et::DEFAULT_SEGMENT),
            1 => Just(CD_LOW_SEGMENT),
            1 => CD_TOP_SEGMENTS..=u16::MAX,
            1 => any::<u16>()
        ],
        any::<u8>(),
        prop_oneof![4 => 0u16..=8, 1 => Just(u16::MAX), 1 => any::<u16>()],
        lba(),
    )
}

/// One section: a header (its indicator, platform, count right or anything), then its
/// entries, each followed by 0 to 2 extensions; sometimes a run of non-bootable padding
/// entries first, which pushes the rest into the next catalog sectors.
#[derive(Clone, Debug)]
struct Section {
    indicator: u8,
    platform: u8,
    count: Option<u16>,
    padding: usize,
    entries: Vec<(CdEntry, usize)>,
}

fn cd_section() -> impl Strategy<Value = Section> {
    (
        cd_indicator(et::FINAL_HEADER, et::MORE_HEADERS),
        cd_platform(),
        prop::option::weighted(0.2, any::<u16>()),
        prop_oneof![4 => Just(0usize), 1 => 0..(CASE_CATALOG_SECTORS as usize * et::ENTRIES_PER_SECTOR)],
        prop::collection::vec((cd_boot_entry(), 0usize..=2), 0..4),
    )
        .prop_map(|(indicator, platform, count, padding, entries)| Section {
            indicator,
            platform,
            count,
            padding,
            entries,
        })
}

/// A disc of any size whose boot record and catalog are right or damaged field by field,
/// with bytes flipped anywhere in the catalog and a sector that fails to read.
fn cd_disc() -> impl Strategy<Value = Disc> {
    (
        prop_oneof![
            1 => 0u64..=u64::from(SMALL_DISC),
            4 => u64::from(SMALL_DISC)..=u64::from(BIG_DISC),
            1 => Just(u64::from(u32::MAX) + 1),
            1 => any::<u64>()
        ],
        prop_oneof![
            6 => (FIRST_IMAGE..SMALL_DISC).prop_map(Lba::Near),
            2 => (0u32..=CASE_CATALOG_SECTORS + 1).prop_map(Lba::FromEnd),
            1 => any::<u32>().prop_map(Lba::Any),
        ],
        prop::option::weighted(0.2, (0..et::BR_CATALOG_AT + 4, any::<u8>())),
        (
            cd_platform(),
            prop::option::weighted(0.1, (0..et::ENTRY, any::<u8>())),
        ),
        cd_boot_entry(),
        prop::collection::vec(cd_section(), 0..4),
        prop::collection::vec(
            (
                0..CASE_CATALOG_SECTORS as usize * eltorito::CD_SECTOR_SIZE,
                any::<u8>(),
            ),
            0..3,
        ),
        prop::option::weighted(
            0.1,
            prop_oneof![Just(None), (0..CASE_CATALOG_SECTORS).prop_map(Some)],
        ),
    )
        .prop_map(
            |(size, catalog, br_flip, validation, default, sections, flips, failing)| {
                let catalog = catalog.on(size);
                let mut br = et::boot_record(catalog);
                if let Some((at, b)) = br_flip {
                    br[at] = b;
                }
                let (platform, v_flip) = validation;
                let mut v = et::validation(platform);
                if let Some((at, b)) = v_flip {
                    v[at] = b;
                }
                let entry = |(ind, media, seg, st, count, rba): CdEntry| {
                    et::boot_entry(ind, media, seg, st, count, rba.on(size))
                };
                let mut entries = vec![v, entry(default)];
                for s in &sections {
                    let listed = (s.padding + s.entries.len()) as u16;
                    let header =
                        et::section_header(s.indicator, s.platform, s.count.unwrap_or(listed));
                    entries.push(header);
                    let pad =
                        et::boot_entry(et::NOT_BOOTABLE, et::NO_EMULATION, 0, 0, 1, FIRST_IMAGE);
                    entries.extend(std::iter::repeat_n(pad, s.padding));
                    for &(e, extensions) in &s.entries {
                        entries.push(entry(e));
                        for k in 0..extensions {
                            entries.push(et::extension(k + 1 < extensions));
                        }
                    }
                }
                let mut bytes = entries.concat();
                bytes.resize(CASE_CATALOG_SECTORS as usize * et::SECTOR, 0);
                for (at, b) in flips {
                    bytes[at] = b;
                }
                let mut d = Disc::new(size);
                d.write(et::BOOT_RECORD_LBA, &br);
                d.write(catalog, &bytes);
                if let Some(f) = failing {
                    d.failing
                        .insert(f.map_or(et::BOOT_RECORD_LBA, |k| catalog.wrapping_add(k)));
                }
                d
            },
        )
}

fn cd_le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn cd_le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The answer the rules of `block::eltorito` give for `d`, worked out on the disc's bytes
/// from the El Torito specification's layout (`eltorito_util`'s constants).
fn cd_expected(d: &Disc) -> Result<BootImage, CdInvalid> {
    let sector = |lba: u32| {
        if d.failing.contains(&lba) {
            Err(CdInvalid::Read {
                lba,
                error: et::READ_ERROR,
            })
        } else {
            Ok(d.bytes(lba, et::SECTOR))
        }
    };
    if d.size <= u64::from(et::BOOT_RECORD_LBA) {
        return Err(CdInvalid::NoBootRecord);
    }
    let br = sector(et::BOOT_RECORD_LBA)?;
    let at = |o: usize, len: usize| &br[o..o + len];
    if br[et::BR_TYPE_AT] != 0
        || at(et::BR_STANDARD_ID_AT, et::STANDARD_ID.len()) != et::STANDARD_ID
        || br[et::BR_VERSION_AT] != et::BR_VERSION
    {
        return Err(CdInvalid::NoBootRecord);
    }
    let id = at(et::BR_SYSTEM_ID_AT, et::BR_SYSTEM_ID_LEN);
    if &id[..et::EL_TORITO.len()] != et::EL_TORITO || id[et::EL_TORITO.len()] != 0 {
        return Err(CdInvalid::NotElTorito);
    }
    let catalog = cd_le32(&br, et::BR_CATALOG_AT);
    if u64::from(catalog) >= d.size {
        return Err(CdInvalid::CatalogPastDisc(catalog));
    }
    // The catalog as far as it may be read, as sectors read on demand: `None` past it.
    let numbered = d.size.min(1 << 32);
    let readable = (numbered - u64::from(catalog)).min(u64::from(eltorito::MAX_CATALOG_SECTORS));
    let entry = |n: usize| -> Option<Result<Vec<u8>, CdInvalid>> {
        let s = (n / et::ENTRIES_PER_SECTOR) as u64;
        (s < readable).then(|| {
            let at = n % et::ENTRIES_PER_SECTOR * et::ENTRY;
            sector(catalog + s as u32).map(|b| b[at..at + et::ENTRY].to_vec())
        })
    };
    let must = |n: usize| entry(n).unwrap_or(Err(CdInvalid::EntryPastEnd));
    let v = must(0)?;
    if v[0] != et::VALIDATION_ID {
        return Err(CdInvalid::BadValidationHeader(v[0]));
    }
    if v[et::KEY_AT..et::KEY_AT + 2] != et::KEY {
        return Err(CdInvalid::NoKeyBytes);
    }
    if (0..et::ENTRY)
        .step_by(2)
        .fold(0u16, |s, i| s.wrapping_add(cd_le16(&v, i)))
        != 0
    {
        return Err(CdInvalid::BadChecksum);
    }
    let default = must(1)?;
    let chosen = if v[et::PLATFORM_AT] == et::X86 && default[0] == et::BOOTABLE {
        default
    } else {
        // Headers, each with its entries, each with its extensions.
        let mut n = 2;
        'found: loop {
            let h = must(n)?;
            n += 1;
            if h[0] != et::MORE_HEADERS && h[0] != et::FINAL_HEADER {
                return Err(CdInvalid::NoBootableEntry);
            }
            for _ in 0..cd_le16(&h, et::SECTION_COUNT_AT) {
                let e = must(n)?;
                n += 1;
                if h[et::PLATFORM_AT] == et::X86 && e[0] == et::BOOTABLE {
                    break 'found e;
                }
                while let Some(next) = entry(n) {
                    if next?[0] != et::EXTENSION {
                        break;
                    }
                    n += 1;
                }
            }
            if h[0] == et::FINAL_HEADER {
                return Err(CdInvalid::NoBootableEntry);
            }
        }
    };
    let media_type = chosen[et::MEDIA_AT] & et::MEDIA_TYPE_MASK;
    let media = match media_type {
        et::NO_EMULATION => Media::NoEmulation,
        et::FLOPPY_1200K => Media::Floppy1200K,
        et::FLOPPY_1440K => Media::Floppy1440K,
        et::FLOPPY_2880K => Media::Floppy2880K,
        et::HARD_DISK => Media::HardDisk,
        t => return Err(CdInvalid::BadMedia(t)),
    };
    let segment = match cd_le16(&chosen, et::SEGMENT_AT) {
        0 => et::DEFAULT_SEGMENT,
        s => s,
    };
    let count = cd_le16(&chosen, et::COUNT_AT);
    if count == 0 {
        return Err(CdInvalid::ZeroSectorCount);
    }
    let rba = cd_le32(&chosen, et::RBA_AT);
    let virtual_per_sector = (et::SECTOR / et::VIRTUAL_SECTOR) as u64;
    let load = u64::from(count).div_ceil(virtual_per_sector);
    if u64::from(segment) * u64::from(PARAGRAPH) + load * et::SECTOR as u64 > ONE_MIB {
        return Err(CdInvalid::LoadPastOneMib(segment));
    }
    let whole = et::FLOPPY_SECTORS
        .iter()
        .find(|f| f.0 == media_type)
        .map_or(0, |f| (f.1 as u64).div_ceil(virtual_per_sector));
    if u64::from(rba) + load.max(whole) > d.size {
        return Err(CdInvalid::ImagePastDisc(rba));
    }
    Ok(BootImage {
        media,
        load_segment: segment,
        system_type: chosen[et::SYSTEM_TYPE_AT],
        sector_count: count,
        load_rba: rba,
    })
}

proptest! {
    #![proptest_config(config(5000))]

    /// `find_boot_image` gives exactly the answer its rules give (an image only from a
    /// valid record, catalog and entry, wholly on the disc and below 1 MiB), never
    /// panics, and reads sector 17 and then catalog sectors in order, once each, never
    /// past the disc nor past the catalog's bound.
    #[test]
    fn eltorito_find_boot_image(mut d in cd_disc()) {
        let expected = cd_expected(&d);
        let r = d.find();
        prop_assert_eq!(r, expected);
        let catalog = cd_le32(&d.bytes(et::BOOT_RECORD_LBA, et::SECTOR), et::BR_CATALOG_AT);
        if let Some((&first, rest)) = d.reads.split_first() {
            prop_assert_eq!(first, et::BOOT_RECORD_LBA);
            for (k, &lba) in rest.iter().enumerate() {
                prop_assert_eq!(u64::from(lba), u64::from(catalog) + k as u64);
                prop_assert!(k < eltorito::MAX_CATALOG_SECTORS as usize);
            }
        }
        prop_assert!(d.reads.iter().all(|&lba| u64::from(lba) < d.size), "{:?}", d.reads);
        if let Ok(img) = r {
            prop_assert!(img.sector_count > 0 && img.load_segment != 0);
            let end = u64::from(img.load_rba) + u64::from(img.load_cd_sectors());
            prop_assert!(end <= d.size);
        }
    }
}
