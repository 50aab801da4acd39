//! CMOS RAM and the MC146818 RTC registers behind ports 0x70/0x71.

use crate::e820::{E820Map, FOUR_GIB};
use crate::hal::PortIo;

const INDEX: u16 = 0x70;
const DATA: u16 = 0x71;
/// Bit 7 of the index port masks NMI; it stays set while the firmware talks to CMOS.
const NMI_DISABLE: u8 = 0x80;

pub const RTC_SECONDS: u8 = 0x00;
pub const RTC_MINUTES: u8 = 0x02;
pub const RTC_HOURS: u8 = 0x04;
pub const RTC_DAY_OF_WEEK: u8 = 0x06;
pub const RTC_DAY: u8 = 0x07;
pub const RTC_MONTH: u8 = 0x08;
pub const RTC_YEAR: u8 = 0x09;
pub const RTC_STATUS_A: u8 = 0x0a;
pub const RTC_STATUS_B: u8 = 0x0b;
pub const RTC_STATUS_C: u8 = 0x0c;
pub const RTC_STATUS_D: u8 = 0x0d;
/// Shutdown status: why the CPU was reset (warm boot, resume through 40:67, ...).
pub const SHUTDOWN_STATUS: u8 = 0x0f;
/// Base memory, KiB (IBM AT: 640).
pub const BASE_MEM_KB_LO: u8 = 0x15;
pub const BASE_MEM_KB_HI: u8 = 0x16;
/// Extended memory above 1 MiB, KiB, as the AT BIOS's POST counted it (a copy of 30h/31h
/// on every BIOS since).
pub const POST_EXT_MEM_KB_LO: u8 = 0x17;
pub const POST_EXT_MEM_KB_HI: u8 = 0x18;
/// Extended memory 1 MiB - 16 MiB, KiB (QEMU).
pub const EXT_MEM_KB_LO: u8 = 0x30;
pub const EXT_MEM_KB_HI: u8 = 0x31;
pub const CENTURY: u8 = 0x32;
/// Memory above 16 MiB, 64 KiB units (QEMU).
pub const MEM_ABOVE_16M_LO: u8 = 0x34;
pub const MEM_ABOVE_16M_HI: u8 = 0x35;
/// QEMU's boot order (`-boot order=`, and libxl's `boot=` through it): the first two
/// devices in 3Dh (low nibble first), the third in the high nibble of 38h, whose bit 0
/// says "do not check the diskette boot signature". QEMU `hw/i386/pc.c` `set_boot_dev`
/// writes them; SeaBIOS reads them the same way (its `CMOS_BIOS_BOOTFLAG1/2`).
pub const BOOT_FLAG1: u8 = 0x38;
pub const BOOT_FLAG2: u8 = 0x3d;
/// Memory above 4 GiB, 64 KiB units, 3 bytes (QEMU).
pub const MEM_ABOVE_4G_0: u8 = 0x5b;
pub const MEM_ABOVE_4G_1: u8 = 0x5c;
pub const MEM_ABOVE_4G_2: u8 = 0x5d;

/// Units of the memory size bytes: KiB below, 64 KiB blocks above 16 MiB and 4 GiB.
const KIB: u64 = 1024;
const BLOCK_64K: u64 = 64 * KIB;
const MIB: u64 = 1024 * KIB;
const SIXTEEN_MIB: u64 = 16 * MIB;
/// What the base memory bytes say: the conventional 640 KiB (hvmloader and QEMU both
/// write it, whatever the EBDA takes; int12 reports the rest).
const BASE_MEM_KB: u16 = 640;
/// The three above-4G bytes hold at most this many 64 KiB blocks (1 TiB).
const ABOVE_4G_MAX: u64 = 0xff_ffff;

pub fn read(io: &dyn PortIo, reg: u8) -> u8 {
    io.outb(INDEX, reg | NMI_DISABLE);
    io.inb(DATA)
}

pub fn write(io: &dyn PortIo, reg: u8, v: u8) {
    io.outb(INDEX, reg | NMI_DISABLE);
    io.outb(DATA, v);
}

fn write16(io: &dyn PortIo, lo: u8, hi: u8, v: u16) {
    let [l, h] = v.to_le_bytes();
    write(io, lo, l);
    write(io, hi, h);
}

/// The memory size bytes as QEMU's `pc_cmos_init` and hvmloader's `cmos_write_memory_size`
/// write them, from `e820`: 15h/16h 640 KiB; 17h/18h and 30h/31h the KiB of RAM from 1 MiB
/// (at most 0xFFFF, i.e. just under 64 MiB); 34h/35h the 64 KiB blocks of RAM from 16 MiB
/// (at most 0xFFFF); 5Bh-5Dh the 64 KiB blocks of RAM from 4 GiB (at most 0xFFFFFF).
/// "RAM from X" is the RAM region containing X and those adjacent to it: a reader of these
/// bytes takes all of it as usable, so it stops at the first reservation (the firmware's
/// tables at the top of low RAM are not offered). For DOS-era software and bootloaders
/// that read CMOS instead of int15 (and this firmware's own CMOS fallback,
/// `platform::memmap`): under Xen with no hvmloader the device model's CMOS may hold
/// nothing useful.
#[inline(never)]
pub fn write_memory_size(io: &dyn PortIo, e820: &E820Map) {
    let low_top = e820.ram_end_from(MIB).min(FOUR_GIB);
    let high_top = e820.ram_end_from(FOUR_GIB);
    let cap16 = |v: u64| v.min(u64::from(u16::MAX)) as u16;
    let ext_kb = cap16((low_top - MIB) / KIB);
    let above_16m = cap16(low_top.saturating_sub(SIXTEEN_MIB) / BLOCK_64K);
    let above_4g = ((high_top - FOUR_GIB) / BLOCK_64K).min(ABOVE_4G_MAX) as u32;
    write16(io, BASE_MEM_KB_LO, BASE_MEM_KB_HI, BASE_MEM_KB);
    write16(io, POST_EXT_MEM_KB_LO, POST_EXT_MEM_KB_HI, ext_kb);
    write16(io, EXT_MEM_KB_LO, EXT_MEM_KB_HI, ext_kb);
    write16(io, MEM_ABOVE_16M_LO, MEM_ABOVE_16M_HI, above_16m);
    let [b0, b1, b2, _] = above_4g.to_le_bytes();
    write(io, MEM_ABOVE_4G_0, b0);
    write(io, MEM_ABOVE_4G_1, b1);
    write(io, MEM_ABOVE_4G_2, b2);
    info!(
        "cmos",
        "memory size: {ext_kb} KiB above 1 MiB, {above_16m} x 64 KiB above 16 MiB, {above_4g} x 64 KiB above 4 GiB"
    );
}

/// A device class of QEMU's CMOS boot order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootDevice {
    /// 1 (`-boot a`).
    Floppy,
    /// 2 (`-boot c`).
    HardDisk,
    /// 3 (`-boot d`).
    Cdrom,
    /// 4 (`-boot n`): network boot, that is the option ROMs' boot entry vectors.
    Network,
}

/// Boot order nibble values (QEMU `set_boot_dev`: 'a' 1, 'c' 2, 'd' 3, 'n' 4; 0 none).
const BOOT_NIBBLE_FLOPPY: u8 = 1;
const BOOT_NIBBLE_HARD_DISK: u8 = 2;
const BOOT_NIBBLE_CDROM: u8 = 3;
const BOOT_NIBBLE_NETWORK: u8 = 4;
/// How many devices the CMOS order holds.
pub const BOOT_DEVICES: usize = 3;

/// The boot order in CMOS bytes 38h (`flag1`) and 3Dh (`flag2`), first device first;
/// nibbles that name no device (0, or a value QEMU does not write) are skipped, as
/// SeaBIOS skips them.
pub fn boot_order(flag1: u8, flag2: u8) -> [Option<BootDevice>; BOOT_DEVICES] {
    const NIBBLE: u8 = 0x0f;
    const SHIFT: u32 = 4;
    let nibbles = [flag2 & NIBBLE, flag2 >> SHIFT, flag1 >> SHIFT];
    let mut out = [None; BOOT_DEVICES];
    let devices = nibbles.iter().filter_map(|n| match *n {
        BOOT_NIBBLE_FLOPPY => Some(BootDevice::Floppy),
        BOOT_NIBBLE_HARD_DISK => Some(BootDevice::HardDisk),
        BOOT_NIBBLE_CDROM => Some(BootDevice::Cdrom),
        BOOT_NIBBLE_NETWORK => Some(BootDevice::Network),
        _ => None,
    });
    for (slot, d) in out.iter_mut().zip(devices) {
        *slot = Some(d);
    }
    out
}

/// QEMU's boot order as CMOS holds it now.
pub fn read_boot_order(io: &dyn PortIo) -> [Option<BootDevice>; BOOT_DEVICES] {
    boot_order(read(io, BOOT_FLAG1), read(io, BOOT_FLAG2))
}
