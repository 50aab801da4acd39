//! int15: system services (memory size and map, block move, A20, waits, configuration).
//!
//! Answers for functions a loader or OS meets on this machine:
//! - E820 (memory map), E801 and 88 (memory sizes): from the e820 map POST built.
//! - 87 (block move): through `Ctx::mem`, with A20 on; the trampoline gives the caller its
//!   own A20 state back on return, as a BIOS that enables A20 for the move does.
//! - 86 (wait): blocking with `Action::Yield`, so that interrupts run meanwhile.
//! - 2400-2403 (A20): the caller's A20 as the trampoline restores it on return.
//! - C0 (configuration table), C1 (EBDA segment), 4F (keyboard intercept: process the
//!   key), 90/91 (device busy/post: nothing to do).
//! - Everything else (C2 mouse, 53 APM, 89, 83, E980, ...): `unsupported`.

use crate::bda;
use crate::e820::{E820Map, FOUR_GIB};
use crate::hal::Ctx;
use crate::hal::clock::Clock;
use crate::hal::mem::FarPtr;
use crate::hal::regs::{Action, Regs};

const TAG: &str = "int15";

/// EDX on E820 calls and EAX on return: "SMAP".
pub const SMAP: u32 = 0x534d_4150;
/// An E820 record without / with the ACPI 3.0 extended attributes dword.
const E820_RECORD: u32 = 20;
const E820_RECORD_ACPI3: u32 = 24;
/// ACPI 3.0 extended attributes, bit 0: the entry is enabled (not to be ignored).
const E820_ATTR_ENABLED: u32 = 1;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const BLOCK_64K: u64 = 64 * KIB;
/// E801: AX/CX count memory up to here, BX/DX above it.
const E801_SPLIT: u64 = 16 * MIB;
/// int15/88 reports at most 63 MiB (64 MiB - 1 MiB), as SeaBIOS and most BIOSes do.
const INT1588_MAX_KB: u64 = 0xfc00;

/// The configuration table in the fixed area (trampoline.S, `xenbios_config_table`).
pub const CONFIG_TABLE: FarPtr = FarPtr::new(super::BIOS_SEGMENT, 0xe6f5);

/// int15/87: source and destination descriptors in the caller's GDT, and the most it
/// moves (64 KiB).
const MOVE_SOURCE_DESC: u16 = 0x10;
const MOVE_DEST_DESC: u16 = 0x18;
const MOVE_GDT_USED: u32 = 0x20;
const MOVE_MAX_WORDS: u32 = 0x8000;
/// AH when the move would fault (a real BIOS reports the exception it took).
const MOVE_EXCEPTION: u8 = 0x02;
const MOVE_CHUNK: usize = 256;
/// Descriptor layout: limit 15:0 in bits 15:0, base 23:0 in bits 39:16, limit 19:16 in
/// bits 51:48, granularity (limit in 4 KiB units) bit 55, base 31:24 in bits 63:56.
const DESC_LIMIT_LOW: u64 = 0xffff;
const DESC_LIMIT_HIGH_SHIFT: u32 = 48;
const DESC_LIMIT_HIGH: u64 = 0xf;
const DESC_BASE_LOW_SHIFT: u32 = 16;
const DESC_BASE_LOW: u64 = 0xff_ffff;
const DESC_BASE_HIGH_SHIFT: u32 = 56;
const DESC_GRANULARITY: u64 = 1 << 55;
const PAGE_SHIFT: u32 = 12;

/// int15/2403: A20 can be switched through the keyboard controller and port 92h.
const A20_SUPPORT_KBC_AND_PORT92: u16 = 0x0003;

/// int15/86: waits longer than a timer tick sleep with interrupts on (`Action::Yield`);
/// the last stretch below a tick is spun, so the wait ends on time and not at the next
/// tick.
pub const TICK_US: u64 = 54_925;

/// Warm-boot flag at 40:72: POST skips the memory test.
pub const WARM_BOOT: u16 = 0x1234;
/// PIIX/ICH reset control register: system reset, then reset CPU.
const RESET_CONTROL: u16 = 0xcf9;
const RESET_SYSTEM: u8 = 0x02;
const RESET_CPU: u8 = 0x04;
/// Time a reset request is given to take effect before the next method is tried.
const RESET_SETTLE_US: u64 = 50_000;

/// The caller frame a blocking wait belongs to: the trampoline calls the service again
/// with the same frame after `Action::Yield`, and a new call has a new frame or at least
/// comes after the previous wait finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct WaitKey {
    vector: u16,
    cs: u16,
    ip: u16,
    esp: u32,
}

impl WaitKey {
    fn of(regs: &Regs) -> Self {
        WaitKey {
            vector: regs.vector,
            cs: regs.cs,
            ip: regs.ip,
            esp: regs.esp,
        }
    }
}

/// The deadline of the blocking wait in progress (int15/86, int14 and int17 timeouts).
#[derive(Clone, Copy, Debug, Default)]
pub struct PendingWait {
    key: Option<WaitKey>,
    deadline: u64,
}

impl PendingWait {
    pub const fn new() -> Self {
        PendingWait {
            key: None,
            deadline: 0,
        }
    }

    /// The deadline of the wait `regs` is in; a call not seen before starts one `us`
    /// from now (and replaces any other: one caller waits at a time).
    pub fn deadline(&mut self, regs: &Regs, clock: &dyn Clock, us: u64) -> u64 {
        let key = WaitKey::of(regs);
        if self.key != Some(key) {
            self.key = Some(key);
            self.deadline = clock.micros().saturating_add(us);
        }
        self.deadline
    }

    /// The wait is over (done or timed out): the next call starts afresh.
    pub fn finish(&mut self) {
        self.key = None;
    }

    pub fn active(&self) -> bool {
        self.key.is_some()
    }

    /// One look at a condition a caller waits for with a timeout: `ready` now, timed out,
    /// or still pending (the service answers `Action::Yield`).
    pub fn poll(&mut self, regs: &Regs, clock: &dyn Clock, us: u64, ready: bool) -> Waited {
        let deadline = self.deadline(regs, clock, us);
        if ready {
            self.finish();
            Waited::Ready
        } else if clock.micros() >= deadline {
            self.finish();
            Waited::TimedOut
        } else {
            Waited::Pending
        }
    }
}

/// What `PendingWait::poll` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waited {
    Ready,
    TimedOut,
    Pending,
}

/// `e820`: the memory map POST built; `pending`: the blocking wait (86) in progress.
pub fn int15(regs: &mut Regs, ctx: &mut Ctx, e820: &E820Map, pending: &mut PendingWait) -> Action {
    match regs.ah() {
        0x24 => a20(regs, ctx),
        0x4f => regs.set_cf(true),
        0x86 => return wait(regs, ctx, pending),
        0x87 => block_move(regs, ctx),
        0x88 => {
            let kb = ram_kb_above_1m(e820).min(INT1588_MAX_KB);
            regs.set_ax(kb as u16);
            regs.set_cf(false);
        }
        0x90 | 0x91 => regs.ok(),
        0xc0 => {
            regs.es = CONFIG_TABLE.segment;
            regs.set_bx(CONFIG_TABLE.offset);
            regs.ok();
        }
        0xc1 => {
            regs.es = ctx.mem.read_u16(bda::at(bda::EBDA_SEG));
            regs.set_cf(false);
        }
        0xe8 if regs.al() == 0x20 => e820_entry(regs, ctx, e820),
        0xe8 if regs.al() == 0x01 => e801(regs, e820),
        _ => super::unsupported(regs, TAG),
    }
    Action::Return
}

/// E820: one map entry per call, EBX the continuation index.
fn e820_entry(regs: &mut Regs, ctx: &mut Ctx, map: &E820Map) {
    if regs.edx != SMAP || regs.ecx < E820_RECORD {
        warn!(
            TAG,
            "e820: bad call edx={:#x} ecx={}: refused", regs.edx, regs.ecx
        );
        regs.fail(super::UNSUPPORTED);
        return;
    }
    let Some(entry) = map.entry(regs.ebx as usize) else {
        debug!(TAG, "e820: no entry {}", regs.ebx);
        regs.fail(super::UNSUPPORTED);
        return;
    };
    let len = if regs.ecx >= E820_RECORD_ACPI3 {
        E820_RECORD_ACPI3
    } else {
        E820_RECORD
    };
    let Some(at) = super::caller_buffer(ctx, regs.es, regs.di(), len) else {
        warn!(
            TAG,
            "e820: buffer {:04x}:{:04x} ({len} bytes) crosses its segment end or the A20 wrap",
            regs.es,
            regs.di()
        );
        regs.fail(super::UNSUPPORTED);
        return;
    };
    let mut rec = [0u8; E820_RECORD_ACPI3 as usize];
    rec[..E820_RECORD as usize].copy_from_slice(zerocopy::IntoBytes::as_bytes(&entry));
    rec[E820_RECORD as usize..].copy_from_slice(&E820_ATTR_ENABLED.to_le_bytes());
    ctx.mem.write(at, &rec[..len as usize]);
    let next = regs.ebx + 1;
    regs.ebx = if map.entry(next as usize).is_some() {
        next
    } else {
        0
    };
    regs.eax = SMAP;
    regs.ecx = len;
    regs.set_cf(false);
}

/// RAM contiguous from `from`, up to `to`, in bytes.
fn contiguous_ram(map: &E820Map, from: u64, to: u64) -> u64 {
    map.ram_end_from(from).min(to).saturating_sub(from)
}

fn ram_kb_above_1m(map: &E820Map) -> u64 {
    contiguous_ram(map, MIB, FOUR_GIB) / KIB
}

/// E801: RAM contiguous from 1 MiB, in KiB up to 16 MiB (AX, CX) and in 64 KiB blocks
/// from 16 MiB to 4 GiB (BX, DX). Contiguous because callers take each figure as one
/// block starting at 1 MiB and 16 MiB.
fn e801(regs: &mut Regs, map: &E820Map) {
    let low_kb = contiguous_ram(map, MIB, E801_SPLIT) / KIB;
    let high = contiguous_ram(map, E801_SPLIT, FOUR_GIB) / BLOCK_64K;
    regs.set_ax(low_kb as u16);
    regs.set_cx(low_kb as u16);
    regs.set_bx(high as u16);
    regs.set_dx(high as u16);
    regs.set_cf(false);
}

/// 2400 disable, 2401 enable, 2402 query, 2403 which methods exist.
fn a20(regs: &mut Regs, ctx: &mut Ctx) {
    match regs.al() {
        0x00 => ctx.cpu.set_caller_a20(false),
        0x01 => ctx.cpu.set_caller_a20(true),
        0x02 => regs.set_al(ctx.cpu.caller_a20() as u8),
        0x03 => regs.set_bx(A20_SUPPORT_KBC_AND_PORT92),
        _ => return super::unsupported(regs, TAG),
    }
    regs.ok();
}

/// 86: wait CX:DX microseconds.
fn wait(regs: &mut Regs, ctx: &mut Ctx, pending: &mut PendingWait) -> Action {
    let us = (regs.cx() as u64) << u16::BITS | regs.dx() as u64;
    let deadline = pending.deadline(regs, ctx.clock, us);
    let now = ctx.clock.micros();
    if deadline.saturating_sub(now) > TICK_US {
        return Action::Yield;
    }
    while ctx.clock.micros() < deadline {
        core::hint::spin_loop();
    }
    pending.finish();
    regs.ok();
    Action::Return
}

/// A segment descriptor as int15/87 uses it.
#[derive(Clone, Copy, Debug)]
struct Segment {
    base: u32,
    limit: u32,
}

impl Segment {
    fn from_raw(raw: u64) -> Self {
        let limit = (raw & DESC_LIMIT_LOW
            | ((raw >> DESC_LIMIT_HIGH_SHIFT) & DESC_LIMIT_HIGH) << DESC_LIMIT_LOW.count_ones())
            as u32;
        let limit = if raw & DESC_GRANULARITY != 0 {
            limit << PAGE_SHIFT | ((1 << PAGE_SHIFT) - 1)
        } else {
            limit
        };
        let base = ((raw >> DESC_BASE_LOW_SHIFT) & DESC_BASE_LOW
            | (raw >> DESC_BASE_HIGH_SHIFT) << DESC_BASE_LOW.count_ones())
            as u32;
        Segment { base, limit }
    }

    /// `len` bytes fit in the segment and below 4 GiB.
    fn holds(&self, len: u32) -> bool {
        len == 0 || (len - 1 <= self.limit && self.base.checked_add(len - 1).is_some())
    }
}

/// 87: move CX words between the segments described at ES:SI+10h (source) and +18h
/// (destination). Access rights are not checked (neither SeaBIOS nor the Bochs BIOS
/// do); limits and the 4 GiB end are, and a move that would fault answers AH=02h.
fn block_move(regs: &mut Regs, ctx: &mut Ctx) {
    let words = regs.cx() as u32;
    let Some(gdt) = super::caller_buffer(ctx, regs.es, regs.si(), MOVE_GDT_USED) else {
        warn!(TAG, "block move: descriptor table crosses its segment end");
        return regs.fail(MOVE_EXCEPTION);
    };
    let src = Segment::from_raw(ctx.mem.read_u64(gdt + MOVE_SOURCE_DESC as u32));
    let dst = Segment::from_raw(ctx.mem.read_u64(gdt + MOVE_DEST_DESC as u32));
    let len = words * 2;
    if words > MOVE_MAX_WORDS || !src.holds(len) || !dst.holds(len) {
        warn!(
            TAG,
            "block move: {words} words from {:#x} (limit {:#x}) to {:#x} (limit {:#x}) would fault",
            src.base,
            src.limit,
            dst.base,
            dst.limit
        );
        return regs.fail(MOVE_EXCEPTION);
    }
    copy_forward(ctx, src.base, dst.base, len);
    regs.ok();
}

/// Copy as `rep movsw` does, front to back: an overlapping destination above the source
/// sees the bytes already copied (chunks never reach past the gap).
fn copy_forward(ctx: &mut Ctx, src: u32, dst: u32, len: u32) {
    let mut chunk = MOVE_CHUNK as u32;
    if dst > src && dst - src < len {
        chunk = chunk.min(dst - src);
    }
    let mut buf = [0u8; MOVE_CHUNK];
    let mut done = 0;
    while done < len {
        let n = chunk.min(len - done);
        let b = &mut buf[..n as usize];
        ctx.mem.read(src + done, b);
        ctx.mem.write(dst + done, b);
        done += n;
    }
}

/// Ctrl-Alt-Del: warm boot flag, then every reset method this machine may have.
pub fn reboot(ctx: &mut Ctx) {
    ctx.mem.write_u16(bda::at(bda::SOFT_RESET), WARM_BOOT);
    info!("kbd", "ctrl-alt-del: rebooting");
    ctx.io.outb(RESET_CONTROL, RESET_SYSTEM);
    ctx.io.outb(RESET_CONTROL, RESET_SYSTEM | RESET_CPU);
    ctx.clock.delay_us(RESET_SETTLE_US);
    if let Err(e) = crate::hw::ps2::pulse_reset(ctx.io, ctx.clock) {
        warn!("kbd", "reset through the keyboard controller: {e}");
    }
    ctx.clock.delay_us(RESET_SETTLE_US);
    error!("kbd", "reset did not happen");
}
