//! The boot menu (QEMU's `-boot menu=on[,splash-time=ms]`): "Press ESC for boot menu."
//! for the time fw_cfg gives, then a numbered list of the boot entries; the one chosen
//! boots first (boot.rs keeps the order and makes a chosen disk drive 80h).
//!
//! Keys come from the PS/2 keyboard (int09 fills the BDA key ring while the menu waits
//! with interrupts on) and from the serial console (the keyboard service turns its bytes
//! and escape sequences into key words), both through `keyboard::take_key`. Text goes to
//! the console: COM1, and the screen once a VGA BIOS runs.
//!
//! In the list a digit (letters after 9) boots that entry; Up and Down move the
//! highlight shown on the line under the list and Enter boots it; ESC keeps the normal
//! order. ESC is ignored for the first 1.5 s of the list, so that a user still pressing
//! ESC to get the menu does not leave it at once. The list waits for a key without
//! timeout.
//!
//! POST runs the menu with the firmware state released (post.rs): waiting lets the
//! keyboard and timer interrupts in, and their handlers may lock it.

use crate::bios::{Bios, BiosCell};
use crate::hal::Console;
use crate::hal::Ctx;
use crate::hal::clock::Deadline;
use crate::hw::fw_cfg::{FwCfg, KEY_BOOT_MENU};
use crate::services::keyboard::take_key;
use core::fmt::Write;

const TAG: &str = "menu";

/// fw_cfg file with the wait in milliseconds (little-endian u16), from `splash-time`.
const WAIT_FILE: &str = "etc/boot-menu-wait";
/// The wait when QEMU gives none: 2.5 s, SeaBIOS's default that QEMU users know.
const DEFAULT_WAIT_MS: u16 = 2500;
/// ESC does not leave the list before this.
const ESC_GUARD_MS: u64 = 1500;
/// Keys that pick entries, in list order.
const PICK_KEYS: &[u8] = b"123456789abcdefghijklmnopqrstuvwxyz";
/// Longest entry name shown: a line holds 80 columns.
const NAME_COLUMNS: usize = 72;

// Key words are scan << 8 | ASCII (see services/keyboard.rs).
const SCAN_ESC: u8 = 0x01;
const SCAN_UP: u8 = 0x48;
const SCAN_DOWN: u8 = 0x50;
const ASCII_CR: u8 = 0x0d;
/// ASCII byte of the grey cursor keys (E0h) and of keypad keys without Num Lock (00h).
const ASCII_GREY: u8 = 0xe0;
const ASCII_NONE: u8 = 0x00;

/// How long to show the prompt, or None when the menu is off (no fw_cfg, or
/// `-boot menu=off`, QEMU's default).
pub fn configured_wait(io: &dyn crate::hal::PortIo) -> Option<u32> {
    let fw = FwCfg::probe(io)?;
    if fw.read_u16(KEY_BOOT_MENU) == 0 {
        return None;
    }
    let mut b = [0u8; 2];
    let ms = match fw.read_file(WAIT_FILE, &mut b) {
        Some(n) if n >= b.len() => u16::from_le_bytes(b),
        _ => DEFAULT_WAIT_MS,
    };
    Some(ms as u32)
}

/// What a key does in the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Boot this entry first.
    Boot(usize),
    /// Keep the normal order.
    Default,
    /// The highlight moved here.
    Highlight(usize),
    Ignored,
}

/// The list's state: how many entries, which one is highlighted.
#[derive(Clone, Copy, Debug)]
pub struct Picker {
    count: usize,
    current: usize,
}

impl Picker {
    pub fn new(count: usize) -> Self {
        Picker { count, current: 0 }
    }

    pub fn current(&self) -> usize {
        self.current
    }

    /// One key word; `esc_allowed` false while ESC is still ignored.
    pub fn key(&mut self, word: u16, esc_allowed: bool) -> Step {
        let (scan, ascii) = ((word >> 8) as u8, word as u8);
        if self.count == 0 {
            return Step::Default;
        }
        if scan == SCAN_ESC {
            return if esc_allowed {
                Step::Default
            } else {
                Step::Ignored
            };
        }
        if ascii == ASCII_CR {
            return Step::Boot(self.current);
        }
        if ascii == ASCII_NONE || ascii == ASCII_GREY {
            self.current = match scan {
                SCAN_UP => (self.current + self.count - 1) % self.count,
                SCAN_DOWN => (self.current + 1) % self.count,
                _ => return Step::Ignored,
            };
            return Step::Highlight(self.current);
        }
        let c = ascii.to_ascii_lowercase();
        match PICK_KEYS.iter().position(|&k| k == c) {
            Some(i) if i < self.count => Step::Boot(i),
            _ => Step::Ignored,
        }
    }
}

/// The next key, waiting with interrupts on until `until` (forever with None).
fn next_key(ctx: &mut Ctx, until: Option<&Deadline>) -> Option<u16> {
    loop {
        if let Some(k) = take_key(ctx) {
            return Some(k);
        }
        if until.is_some_and(|d| d.expired(ctx.clock)) {
            return None;
        }
        ctx.cpu.wait_for_interrupt();
    }
}

/// Forget keys typed before the question was asked.
fn drain(ctx: &mut Ctx) {
    while take_key(ctx).is_some() {}
}

fn console<'a>(ctx: &'a mut Ctx) -> &'a mut (dyn Console + 'a) {
    ctx.console
}

/// "Press ESC for boot menu." for `wait_ms`; true when ESC came (Enter ends the wait
/// early).
fn prompt(ctx: &mut Ctx, wait_ms: u32) -> bool {
    drain(ctx);
    let _ = write!(console(ctx), "\nPress ESC for boot menu.\n\n");
    let d = Deadline::after_ms(ctx.clock, wait_ms as u64);
    while let Some(w) = next_key(ctx, Some(&d)) {
        match ((w >> 8) as u8, w as u8) {
            (SCAN_ESC, _) => return true,
            (_, ASCII_CR) => return false,
            _ => {}
        }
    }
    false
}

/// "K. name" of the entry at `i`: its pick key and what it is.
fn entry_line(ctx: &Ctx, bios: &Bios, i: usize, e: crate::boot::BootEntry) -> crate::fmt::Buf<80> {
    let name = crate::boot::name_of(ctx.mem, &bios.drives, e);
    let name = name.as_str();
    let mut line = crate::fmt::Buf::<80>::new();
    let _ = line.write_char(PICK_KEYS[i] as char);
    let _ = line.write_str(". ");
    let _ = line.write_str(name.get(..NAME_COLUMNS).unwrap_or(name));
    line
}

/// The list; returns its length.
fn show_list(ctx: &mut Ctx, bios: &Bios) -> usize {
    let _ = write!(console(ctx), "Select boot device:\n\n");
    let mut n = 0;
    for (i, e) in bios.boot.order().enumerate().take(PICK_KEYS.len()) {
        let line = entry_line(ctx, bios, i, e);
        let _ = writeln!(console(ctx), "{}", line.as_str());
        n += 1;
    }
    if n > 0 {
        let _ = write!(
            console(ctx),
            "\nPress its key, or Up/Down and Enter. ESC: normal boot order.\n"
        );
    }
    n
}

/// The highlight line under the list, rewritten in place (CR, then spaces over what the
/// previous one left). Returns its length.
fn show_highlight(ctx: &mut Ctx, bios: &Bios, i: usize, previous: usize) -> usize {
    let Some(e) = bios.boot.order().nth(i) else {
        return previous;
    };
    let line = entry_line(ctx, bios, i, e);
    let _ = write!(console(ctx), "\r> {}", line.as_str());
    let len = line.as_str().len() + 2;
    for _ in len..previous {
        console(ctx).write(b" ");
    }
    len
}

/// POST: the boot menu, if QEMU asked for one. `bios` is held only while the list is
/// printed or the order changed, never while waiting for keys.
pub fn run(ctx: &mut Ctx, bios: &BiosCell) {
    let Some(wait_ms) = configured_wait(ctx.io) else {
        return;
    };
    info!(TAG, "waiting {wait_ms} ms for ESC");
    if !prompt(ctx, wait_ms) {
        info!(TAG, "no ESC: normal boot order");
        return;
    }
    drain(ctx);
    info!(TAG, "ESC: the list");
    let count = show_list(ctx, &bios.lock());
    if count == 0 {
        let _ = writeln!(console(ctx), "No boot devices.");
        warn!(TAG, "nothing to boot");
        return;
    }
    let mut picker = Picker::new(count);
    let mut shown = show_highlight(ctx, &bios.lock(), 0, 0);
    let esc_from = Deadline::after_ms(ctx.clock, ESC_GUARD_MS);
    loop {
        let Some(w) = next_key(ctx, None) else {
            continue;
        };
        match picker.key(w, esc_from.expired(ctx.clock)) {
            Step::Boot(i) => {
                let mut b = bios.lock();
                show_highlight(ctx, &b, i, shown);
                let _ = write!(console(ctx), "\n\n");
                info!(TAG, "entry {} chosen: it boots first", i + 1);
                b.boot.promote(i);
                return;
            }
            Step::Default => {
                let _ = write!(console(ctx), "\n\n");
                info!(TAG, "ESC: normal boot order");
                return;
            }
            Step::Highlight(i) => shown = show_highlight(ctx, &bios.lock(), i, shown),
            Step::Ignored => {}
        }
    }
}
