//! MTRR set-up against a simulated MSR file: what an OS reads back from the registers.
//! Register numbers and bits are written here from the Intel SDM (vol. 3A, 12.11), not
//! taken from the firmware.

use xenbios::hw::mtrr::{self, Outcome};
use xenbios_sim::SimCpu;

const MTRRCAP: u32 = 0xfe;
const DEF_TYPE: u32 = 0x2ff;
const FIXED: [u32; 11] = [
    0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f,
];
const CPUID_MTRR: u32 = 1 << 12;
const G: u64 = 1 << 30;
const M: u64 = 1 << 20;

/// A CPU with MTRRs: `vcnt` variable ranges, fixed ranges and WC as `cap_bits` says,
/// `phys` address bits (None: no CPUID leaf 0x80000008), everything off as after reset.
fn cpu(vcnt: u8, cap_bits: u64, phys: Option<u32>) -> SimCpu {
    let mut c = SimCpu::default();
    c.cpuid.push(((1, 0), [0, 0, 0, CPUID_MTRR]));
    if let Some(bits) = phys {
        c.cpuid.push(((0x8000_0000, 0), [0x8000_0008, 0, 0, 0]));
        c.cpuid.push(((0x8000_0008, 0), [0x3000 | bits, 0, 0, 0]));
    }
    c.msrs.insert(MTRRCAP, u64::from(vcnt) | cap_bits);
    c.msrs.insert(DEF_TYPE, 0);
    for m in FIXED {
        c.msrs.insert(m, 0);
    }
    for i in 0..u32::from(vcnt) {
        c.msrs.insert(0x200 + 2 * i, 0);
        c.msrs.insert(0x201 + 2 * i, 0);
    }
    c
}

const FIX: u64 = 1 << 8;
const WC: u64 = 1 << 10;

/// The memory type the MTRRs give `addr`, as the SDM's precedence rules define it
/// (fixed ranges below 1 MiB when FE is set; UC wins among overlapping variable ranges).
fn type_of(c: &SimCpu, addr: u64) -> Option<u8> {
    let def = c.msrs[&DEF_TYPE];
    if def & (1 << 11) == 0 {
        return None; // disabled: UC everywhere
    }
    if addr < M && def & (1 << 10) != 0 {
        let (msr, base, unit) = match addr {
            0..0x8_0000 => (0x250, 0, 0x1_0000),
            0x8_0000..0xa_0000 => (0x258, 0x8_0000, 0x4000),
            0xa_0000..0xc_0000 => (0x259, 0xa_0000, 0x4000),
            _ => (0x268 + ((addr - 0xc_0000) / 0x8000) as u32, 0, 0x1000),
        };
        let off = if msr >= 0x268 {
            (addr - 0xc_0000) % 0x8000 / unit
        } else {
            (addr - base) / unit
        };
        return Some(c.msrs[&msr].to_le_bytes()[off as usize]);
    }
    let vcnt = (c.msrs[&MTRRCAP] & 0xff) as u32;
    let mut hit = None;
    for i in 0..vcnt {
        let (b, m) = (c.msrs[&(0x200 + 2 * i)], c.msrs[&(0x201 + 2 * i)]);
        let mask = m & !0xfff;
        if m & (1 << 11) != 0 && addr & mask == b & !0xfff & mask {
            let t = b as u8;
            hit = Some(if hit == Some(0) { 0 } else { t });
        }
    }
    Some(hit.unwrap_or(def as u8))
}

#[test]
fn ram_is_write_back_vga_write_combining_and_the_pci_hole_uncached() {
    let mut c = cpu(8, FIX | WC, Some(40));
    let out = mtrr::setup(&mut c, 0xd000_0000);
    assert_eq!(out, Outcome::Programmed { uc_ranges: 2 });
    for (addr, ty) in [
        (0, 6),
        (0x9_f000, 6),
        (0xa_0000, 1),
        (0xb_ffff, 1),
        (0xc_0000, 6),
        (0xf_fff0, 6),
        (M, 6),
        (0xcfff_f000, 6),
        (0xd000_0000, 0),
        (0xe000_0000, 0),
        (0xf000_0000, 0),
        (0xfee0_0000, 0),
        (0xffff_f000, 0),
        (4 * G, 6),
        (64 * G, 6),
    ] {
        assert_eq!(type_of(&c, addr), Some(ty), "type at {addr:#x}");
    }
    // The masks cover all 40 address bits: the UC blocks do not alias above 4 GiB.
    assert_eq!(c.msrs[&0x200], 0xd000_0000);
    assert_eq!(c.msrs[&0x201], 0xff_f000_0800);
    assert_eq!(c.msrs[&0x202], 0xe000_0000);
    assert_eq!(c.msrs[&0x203], 0xff_e000_0800);
    // Unused ranges are invalid; enable is written last.
    assert_eq!(c.msrs[&0x205], 0);
    assert_eq!(c.msr_writes.last(), Some(&(DEF_TYPE, 0xc06)));
}

#[test]
fn an_unaligned_hole_start_takes_power_of_two_blocks_up_to_4g() {
    // Rounded up to 0x8000000 (QEMU with 128 MiB): 128M, 256M, 512M, 1G, 2G.
    let mut c = cpu(8, FIX, None);
    let out = mtrr::setup(&mut c, 0x7ff_f100);
    assert_eq!(out, Outcome::Programmed { uc_ranges: 5 });
    assert_eq!(type_of(&c, 0x7ff_f000), Some(6), "the page below the hole");
    for addr in [
        0x800_0000,
        0x800_4000,
        0x1000_0000,
        0x8000_0000,
        0xffff_f000,
    ] {
        assert_eq!(type_of(&c, addr), Some(0), "{addr:#x}");
    }
    // Without WC the VGA window is UC; without CPUID 0x80000008 masks are 36 bits.
    assert_eq!(type_of(&c, 0xa_0000), Some(0));
    assert_eq!(c.msrs[&0x201] >> 36, 0);
    assert_eq!(
        type_of(&c, 0x10_0000_0000 + 0x800_4000),
        Some(0),
        "aliases at 2^36"
    );
}

#[test]
fn blocks_are_aligned_powers_of_two_that_tile_the_range() {
    for (start, end) in [
        (0x800_3000u64, 1u64 << 32),
        (0xc000_0000, 1 << 32),
        (0x10_0000, 0x7fff_f000),
        (0x1000, 0x2000),
    ] {
        let (b, n) = mtrr::uc_blocks(start, end);
        let mut at = start;
        for &(base, size) in &b[..n] {
            assert!(
                size.is_power_of_two() && base % size == 0,
                "{base:#x}+{size:#x}"
            );
            assert_eq!(base, at);
            at += size;
        }
        assert_eq!(at, end);
    }
    assert_eq!(mtrr::uc_blocks(0x1001, 0x2000).1, 0, "unaligned");
    assert_eq!(mtrr::uc_blocks(0x2000, 0x2000).1, 0, "empty");
    assert_eq!(mtrr::uc_blocks(0, 0x2_0000_0000).1, 0, "past 4 GiB");
}

#[test]
fn too_few_ranges_no_fixed_ranges_or_no_mtrrs_write_nothing() {
    // 0x8003000 needs 19 blocks; the CPU has 8.
    let mut c = cpu(8, FIX | WC, Some(39));
    assert_eq!(mtrr::setup(&mut c, 0x800_3000), Outcome::Skipped);
    assert!(c.msr_writes.is_empty());
    let mut c = cpu(8, WC, Some(39));
    assert_eq!(mtrr::setup(&mut c, 0xe000_0000), Outcome::Skipped);
    assert!(c.msr_writes.is_empty());
    // A hole below 1 MiB is refused.
    let mut c = cpu(8, FIX, Some(39));
    assert_eq!(mtrr::setup(&mut c, 0x8_0000), Outcome::Skipped);
    assert!(c.msr_writes.is_empty());
    // No MTRRs in CPUID: no MSR is touched at all (SimCpu panics on an MSR it lacks).
    let mut c = SimCpu::default();
    assert_eq!(mtrr::setup(&mut c, 0xe000_0000), Outcome::Skipped);
}

#[test]
fn mtrrs_already_enabled_are_left_as_found() {
    let mut c = cpu(8, FIX | WC, Some(39));
    c.msrs.insert(DEF_TYPE, 0xc06);
    assert_eq!(mtrr::setup(&mut c, 0xf000_0000), Outcome::AlreadyEnabled);
    assert!(c.msr_writes.is_empty());
}

#[test]
fn a_hole_at_4g_leaves_every_variable_range_off() {
    let mut c = cpu(8, FIX | WC, Some(39));
    assert_eq!(
        mtrr::setup(&mut c, 1 << 32),
        Outcome::Programmed { uc_ranges: 0 }
    );
    assert_eq!(type_of(&c, 0xffff_f000), Some(6));
}

#[test]
fn a_nonsense_address_width_falls_back_to_36_bits() {
    let mut c = cpu(8, FIX, Some(8));
    xenbios_sim::capture_log();
    mtrr::setup(&mut c, 0xc000_0000);
    assert_eq!(c.msrs[&0x201], 0xf_c000_0800);
    assert!(xenbios_sim::take_log().contains("8 physical address bits"));
}
