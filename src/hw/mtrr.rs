//! Memory type range registers: RAM write-back, the 32-bit PCI hole uncached, as
//! hvmloader's `cacheattr_init` leaves them under Xen (tools/firmware/hvmloader/cacheattr.c)
//! and SeaBIOS's `mtrr_setup` under QEMU. After reset the MTRRs are off, which makes all
//! memory uncached on real hardware and makes Linux skip PAT set-up ("MTRRs disabled");
//! in a VM the host mostly ignores the guest's types, so this is about what the OS sees.
//!
//! Rules chosen:
//! - Only when CPUID says MTRRs exist, MTRRcap has the fixed ranges and enough variable
//!   ranges for the hole; otherwise nothing is written (logged).
//! - MTRRs found enabled (hvmloader, or a firmware before this one) are left as found.
//! - Fixed ranges: 0-0x9FFFF WB, 0xA0000-0xBFFFF (legacy VGA) WC if MTRRcap says WC
//!   exists, else UC, 0xC0000-0xFFFFF (option ROMs, this BIOS) WB.
//! - Variable ranges: UC over `[hole_start, 4 GiB)` as naturally aligned power-of-two
//!   blocks (what one base/mask pair can describe), the rest cleared; default type WB.
//! - The boot CPU only. An OS copies the boot CPU's MTRRs to the others (Linux does, and
//!   warns "your CPUs had inconsistent ... MTRR settings" when they differed).
//!
//! Facts: Intel SDM vol. 3A, 12.11 (MTRRcap 12.11.2.1, IA32_MTRR_DEF_TYPE 12.11.2.1,
//! fixed ranges 12.11.2.2, variable ranges 12.11.2.3, memory type encodings table 12-8);
//! CPUID leaf 0x80000008 EAX[7:0] the physical address width (vol. 2A, CPUID).

use crate::hal::Cpu;
use crate::hal::cpu::CPUID_1_EDX_MTRR;

const TAG: &str = "mtrr";

/// IA32_MTRRCAP: VCNT bits 7:0, FIX bit 8, WC bit 10.
pub const MSR_MTRRCAP: u32 = 0xfe;
const CAP_VCNT_MASK: u64 = 0xff;
const CAP_FIX: u64 = 1 << 8;
const CAP_WC: u64 = 1 << 10;
/// IA32_MTRR_DEF_TYPE: the default type in bits 7:0, FE (fixed ranges enabled) bit 10,
/// E (MTRRs enabled) bit 11.
pub const MSR_DEF_TYPE: u32 = 0x2ff;
pub const DEF_TYPE_FE: u64 = 1 << 10;
pub const DEF_TYPE_E: u64 = 1 << 11;
/// Fixed-range MTRRs: one 64 KiB-granular register for 0-0x7FFFF, two 16 KiB-granular
/// for 0x80000-0xBFFFF, eight 4 KiB-granular for 0xC0000-0xFFFFF. Each holds 8 type bytes.
pub const MSR_FIX64K_00000: u32 = 0x250;
pub const MSR_FIX16K_80000: u32 = 0x258;
pub const MSR_FIX16K_A0000: u32 = 0x259;
pub const MSR_FIX4K_C0000: u32 = 0x268;
const FIX4K_COUNT: u32 = 8;
/// IA32_MTRR_PHYSBASEn at 0x200 + 2n (type in bits 7:0), IA32_MTRR_PHYSMASKn at
/// 0x201 + 2n (V, valid, bit 11).
pub const MSR_PHYS_BASE0: u32 = 0x200;
const MSRS_PER_RANGE: u32 = 2;
const PHYS_MASK_VALID: u64 = 1 << 11;

/// Memory types (SDM table 12-8).
pub const UC: u8 = 0;
pub const WC: u8 = 1;
pub const WB: u8 = 6;

/// CPUID leaf 0x80000000 EAX: the highest extended leaf; 0x80000008 EAX[7:0]: physical
/// address bits. Without that leaf: 36 bits (PAE's width; hvmloader's `cpu_phys_addr`
/// assumes the same).
const CPUID_EXT_MAX: u32 = 0x8000_0000;
const CPUID_ADDR_SIZES: u32 = 0x8000_0008;
const PHYS_BITS_MASK: u32 = 0xff;
const DEFAULT_PHYS_BITS: u32 = 36;
/// MTRRs describe 4 KiB pages.
const PAGE: u64 = 4096;
const FOUR_GIB: u64 = 1 << 32;
/// The fixed ranges cover the first MiB: a hole below that is nonsense.
const FIXED_END: u64 = 0x10_0000;
/// Variable ranges the architecture allows (VCNT is 8 bits); more than any CPU has.
pub const MAX_VARIABLE: usize = 255;
/// Blocks [`uc_blocks`] returns at most: a page-aligned range below 4 GiB needs at most
/// one block per address bit from 12 to 31, twice.
pub const MAX_BLOCKS: usize = 40;

/// What [`setup`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Programmed and enabled: this many variable ranges are UC.
    Programmed { uc_ranges: usize },
    /// MTRRs were already enabled: nothing written.
    AlreadyEnabled,
    /// No MTRRs, no fixed ranges, too few variable ranges or a bad hole: nothing written.
    Skipped,
}

/// `[start, end)` as naturally aligned power-of-two blocks, lowest first: (base, size).
/// `start` and `end` are page aligned with `start < end <= 4 GiB`, else no blocks.
pub fn uc_blocks(start: u64, end: u64) -> ([(u64, u64); MAX_BLOCKS], usize) {
    let mut out = [(0, 0); MAX_BLOCKS];
    let mut n = 0;
    if !start.is_multiple_of(PAGE) || !end.is_multiple_of(PAGE) || start >= end || end > FOUR_GIB {
        return (out, 0);
    }
    let mut base = start;
    while base < end && n < MAX_BLOCKS {
        // The largest block aligned at `base` (0 is aligned to anything) that fits.
        let mut size = if base == 0 {
            FOUR_GIB
        } else {
            1u64 << base.trailing_zeros()
        };
        while base + size > end {
            size >>= 1;
        }
        out[n] = (base, size);
        n += 1;
        base += size;
    }
    (out, n)
}

/// Physical address bits of the CPU (CPUID 0x80000008, else 36).
pub fn phys_bits(cpu: &dyn Cpu) -> u32 {
    if cpu.cpuid(CPUID_EXT_MAX, 0)[0] >= CPUID_ADDR_SIZES {
        match cpu.cpuid(CPUID_ADDR_SIZES, 0)[0] & PHYS_BITS_MASK {
            // A width that cannot hold 4 GiB, or more than the 52 the architecture
            // allows, is a broken answer.
            bits @ 32..=52 => return bits,
            bits => warn!(TAG, "CPUID says {bits} physical address bits: using 36"),
        }
    }
    DEFAULT_PHYS_BITS
}

/// One fixed-range register's value: all eight ranges of type `ty`.
const fn fixed(ty: u8) -> u64 {
    u64::from_le_bytes([ty; 8])
}

/// Program the boot CPU's MTRRs: RAM and the BIOS area WB, the legacy VGA window WC (or
/// UC), `[hole_start, 4 GiB)` (rounded to pages) UC.
#[inline(never)]
pub fn setup(cpu: &mut dyn Cpu, hole_start: u64) -> Outcome {
    if cpu.cpuid(1, 0)[3] & CPUID_1_EDX_MTRR == 0 {
        info!(TAG, "the CPU has no MTRRs");
        return Outcome::Skipped;
    }
    let cap = cpu.rdmsr(MSR_MTRRCAP);
    let def = cpu.rdmsr(MSR_DEF_TYPE);
    if def & DEF_TYPE_E != 0 {
        info!(
            TAG,
            "already enabled (default type {}): left as found", def as u8
        );
        return Outcome::AlreadyEnabled;
    }
    let vcnt = (cap & CAP_VCNT_MASK) as usize;
    let hole = hole_start.next_multiple_of(PAGE).min(FOUR_GIB);
    let (blocks, n) = uc_blocks(hole, FOUR_GIB);
    if cap & CAP_FIX == 0 || hole < FIXED_END || n > vcnt {
        warn!(
            TAG,
            "not programmed: MTRRcap {cap:#x} (fixed ranges, {vcnt} variable), PCI hole at {hole_start:#x} needs {n}"
        );
        return Outcome::Skipped;
    }
    let bits = phys_bits(cpu);
    let addr_mask = ((1u64 << bits) - 1) & !(PAGE - 1);

    let vga = if cap & CAP_WC != 0 { WC } else { UC };
    cpu.wrmsr(MSR_FIX64K_00000, fixed(WB));
    cpu.wrmsr(MSR_FIX16K_80000, fixed(WB));
    cpu.wrmsr(MSR_FIX16K_A0000, fixed(vga));
    for i in 0..FIX4K_COUNT {
        cpu.wrmsr(MSR_FIX4K_C0000 + i, fixed(WB));
    }
    for i in 0..vcnt {
        let at = MSR_PHYS_BASE0 + MSRS_PER_RANGE * i as u32;
        let (base, mask) = match blocks[..n].get(i) {
            Some(&(base, size)) => (
                base | u64::from(UC),
                (!(size - 1) & addr_mask) | PHYS_MASK_VALID,
            ),
            None => (0, 0),
        };
        cpu.wrmsr(at, base);
        cpu.wrmsr(at + 1, mask);
    }
    cpu.wrmsr(MSR_DEF_TYPE, DEF_TYPE_E | DEF_TYPE_FE | u64::from(WB));
    info!(
        TAG,
        "WB by default, A0000-BFFFF {}, {hole:#x}-4G UC in {n} of {vcnt} ranges ({bits}-bit addresses)",
        if vga == WC { "WC" } else { "UC" }
    );
    Outcome::Programmed { uc_ranges: n }
}
