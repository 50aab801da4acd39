//! Keyboard services: int09 (IRQ1: scancodes into the BDA key ring), int16 (keys to
//! programs, including keys typed on the serial console) and int74 (IRQ12).
//!
//! Scancodes are set 1 (the i8042 translates, see `hw::ps2`). Key words are
//! `scan << 8 | ascii` for a US layout, as IBM's enhanced keyboard BIOS defines them;
//! keys only the enhanced functions (int16/10, 11) return carry an ASCII byte of F0h
//! (cleared on the way out) or a scan code above 84h, and grey keys carry E0h.
//!
//! Not implemented: Alt+keypad character entry, Pause (E1 sequences are dropped),
//! SysReq's int15/85 and PrtScr's int05. int15/4F is called for each scancode only when a
//! program hooked int15: our own int15/4F answers "process the key", so calling it would
//! only cost two mode switches per scancode. int1B (Ctrl-Break) likewise.

use crate::bda;
use crate::hal::Ctx;
use crate::hal::clock::Deadline;
use crate::hal::cpu::Call16;
use crate::hal::mem::Memory;
use crate::hal::regs::{Action, Flags, Regs};
use crate::hw::ps2;

const TAG: &str = "kbd";

const KBD_IRQ: u8 = 1;
const MOUSE_IRQ: u8 = 12;
const INT_SYSTEM: u8 = 0x15;
const INT_CTRL_BREAK: u8 = 0x1b;
/// int15/4F: keyboard intercept.
const FN_KEYBOARD_INTERCEPT: u8 = 0x4f;

// BDA 40:17, shift flags.
const F0_RSHIFT: u8 = 0x01;
const F0_LSHIFT: u8 = 0x02;
const F0_CTRL: u8 = 0x04;
const F0_ALT: u8 = 0x08;
const F0_SCROLL_ON: u8 = 0x10;
const F0_NUM_ON: u8 = 0x20;
const F0_CAPS_ON: u8 = 0x40;
const F0_INSERT_ON: u8 = 0x80;
/// Lock states sit at bits 4-6, in the order of the keyboard's LED byte.
const F0_LED_SHIFT: u8 = 4;
// BDA 40:18: keys held. The lock keys use the same bits as their states in 40:17.
const F1_LCTRL: u8 = 0x01;
const F1_LALT: u8 = 0x02;
const F1_SYSREQ: u8 = 0x04;
const F1_SCROLL: u8 = F0_SCROLL_ON;
const F1_NUM: u8 = F0_NUM_ON;
const F1_CAPS: u8 = F0_CAPS_ON;
const F1_INSERT: u8 = F0_INSERT_ON;
// BDA 40:96: enhanced keyboard state.
const F2_LAST_E1: u8 = 0x01;
const F2_LAST_E0: u8 = 0x02;
const F2_RCTRL: u8 = 0x04;
const F2_RALT: u8 = 0x08;
/// 40:71 bit 7: Ctrl-Break was pressed.
const BREAK_SEEN: u8 = 0x80;

// Scancode set 1.
const SC_PREFIX_E0: u8 = 0xe0;
const SC_PREFIX_E1: u8 = 0xe1;
const SC_RELEASE: u8 = 0x80;
const SC_ESC: u8 = 0x01;
const SC_DIGIT_1: u8 = 0x02;
const SC_EQUALS: u8 = 0x0d;
const SC_BACKSPACE: u8 = 0x0e;
const SC_TAB: u8 = 0x0f;
const SC_ENTER: u8 = 0x1c;
const SC_CTRL: u8 = 0x1d;
const SC_LSHIFT: u8 = 0x2a;
const SC_SLASH: u8 = 0x35;
const SC_RSHIFT: u8 = 0x36;
const SC_KP_STAR: u8 = 0x37;
const SC_ALT: u8 = 0x38;
const SC_SPACE: u8 = 0x39;
const SC_CAPS: u8 = 0x3a;
const SC_F1: u8 = 0x3b;
const SC_F10: u8 = 0x44;
const SC_NUM: u8 = 0x45;
const SC_SCROLL: u8 = 0x46;
/// Keypad 7/Home .. keypad ./Del.
const SC_KP_FIRST: u8 = 0x47;
const SC_KP_LAST: u8 = 0x53;
const SC_HOME: u8 = 0x47;
const SC_UP: u8 = 0x48;
const SC_PAGE_UP: u8 = 0x49;
const SC_LEFT: u8 = 0x4b;
const SC_RIGHT: u8 = 0x4d;
const SC_END: u8 = 0x4f;
const SC_DOWN: u8 = 0x50;
const SC_PAGE_DOWN: u8 = 0x51;
const SC_INSERT: u8 = 0x52;
const SC_DELETE: u8 = 0x53;
const SC_SYSREQ: u8 = 0x54;
const SC_F11: u8 = 0x57;
const SC_F12: u8 = 0x58;

// Key words that are not `scan << 8 | ascii` of the key's own scancode.
const ASCII_EXTENDED_ONLY: u8 = 0xf0;
/// Grey keys: E0h as ASCII byte (as scan byte for grey Enter and /).
const GREY: u8 = 0xe0;
const ASCII_CR: u8 = 0x0d;
const ASCII_LF: u8 = 0x0a;
const ASCII_ESC: u8 = 0x1b;
const ASCII_DEL: u8 = 0x7f;
/// Control characters come from the key whose (shifted) character is in 40h-5Fh.
const CTRL_SOURCE: core::ops::RangeInclusive<u8> = 0x40..=0x5f;
const CTRL_MASK: u8 = 0x1f;
/// Alt+1 .. Alt+= are 78h..83h.
const ALT_DIGIT_OFFSET: u8 = 0x76;
const ALT_TAB: u8 = 0xa5;
const CTRL_TAB: u8 = 0x94;
const CTRL_KP_STAR: u8 = 0x96;
const ALT_KP_ENTER: u8 = 0xa6;
const CTRL_KP_SLASH: u8 = 0x95;
const ALT_KP_SLASH: u8 = 0xa4;
/// Alt + grey Home.. = 97h..A3h.
const ALT_GREY_OFFSET: u8 = 0x50;
/// F1-F10: 3Bh-44h; +19h shifted, +23h with Ctrl, +2Dh with Alt.
const FKEY_SHIFT_OFFSET: u8 = 0x19;
const FKEY_MODIFIER_STEP: u8 = 0x0a;
/// F11/F12: 85h/86h; +2 shifted, +4 with Ctrl, +6 with Alt.
const F11_CODE_OFFSET: u8 = 0x85 - SC_F11;
const F11_MODIFIER_STEP: u8 = 2;
/// The highest scan code int16/00 and 01 pass on: above are enhanced-only keys.
const STANDARD_SCAN_MAX: u8 = 0x84;
/// The word Ctrl-Break leaves in the emptied ring.
const KEY_BREAK: u16 = 0x0000;

/// ASCII of each set-1 key 00h-58h, unshifted and shifted (0: none).
static NORMAL: [u8; 0x59] =
    *b"\0\x1b1234567890-=\x08\tqwertyuiop[]\r\0asdfghjkl;'`\0\\zxcvbnm,./\0*\0 \
\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0-\0\0\0+\0\0\0\0\0\0\0\\\0\0";
static SHIFTED: [u8; 0x59] =
    *b"\0\x1b!@#$%^&*()_+\x08\0QWERTYUIOP{}\r\0ASDFGHJKL:\"~\0|ZXCVBNM<>?\0*\0 \
\0\0\0\0\0\0\0\0\0\0\0\0\x00789-456+1230.\0\0|\0\0";
/// Scan codes of Ctrl + keypad 7/Home .. ./Del.
static CTRL_KEYPAD: [u8; 13] = [
    0x77, 0x8d, 0x84, 0x8e, 0x73, 0x8f, 0x74, 0x90, 0x75, 0x91, 0x76, 0x92, 0x93,
];

/// Default typematic byte (int16/0300): 500 ms delay, 10.9 characters/s.
const TYPEMATIC_DEFAULT: u8 = 0x2b;
const TYPEMATIC_DELAY_MAX: u8 = 3;
const TYPEMATIC_RATE_MAX: u8 = 0x1f;
const TYPEMATIC_DELAY_SHIFT: u8 = 5;
/// int16/09: 0300h and 0305h, 0Ah and 10h-12h supported.
const FUNCTIONALITY: u8 = 0x35;

/// How long the rest of a terminal escape sequence may take to arrive after ESC.
const ESC_SEQUENCE_TIMEOUT_US: u64 = 10_000;
/// Longest escape sequence read (ESC excluded), e.g. "[24;5~".
const ESC_SEQUENCE_MAX: usize = 8;
const ESC_PARAM_MAX: u16 = 999;

const fn key(scan: u8, ascii: u8) -> u16 {
    (scan as u16) << 8 | ascii as u16
}

// Out of line: BDA accesses through `dyn Memory` are many and each would be inlined.
#[inline(never)]
fn read(mem: &dyn Memory, off: u32) -> u8 {
    mem.read_u8(bda::at(off))
}

#[inline(never)]
fn write(mem: &mut dyn Memory, off: u32, v: u8) {
    mem.write_u8(bda::at(off), v)
}

fn keyboard_present(mem: &dyn Memory) -> bool {
    read(mem, bda::KBD_FLAGS2) & ps2::KBD_FLAGS2_101KEY != 0
}

// ------------------------------------------------------------------------------------
// The key ring in the BDA.

/// Bounds of the ring as offsets in segment 40h (40:80, 40:82), checked: programs may
/// move the ring, and a broken one falls back to the default 40:1E-40:3E.
struct Ring {
    start: u16,
    end: u16,
}

/// Smallest ring that holds a key (one slot always stays empty).
const RING_MIN_BYTES: u16 = 4;
const RING_DEFAULT_BYTES: u16 = 32;

impl Ring {
    fn of(mem: &dyn Memory) -> Ring {
        let start = mem.read_u16(bda::at(bda::KBD_BUF_START));
        let end = mem.read_u16(bda::at(bda::KBD_BUF_END));
        if start < end && end - start >= RING_MIN_BYTES && (end - start).is_multiple_of(2) {
            return Ring { start, end };
        }
        let start = bda::KBD_BUF as u16;
        Ring {
            start,
            end: start + RING_DEFAULT_BYTES,
        }
    }

    fn next(&self, p: u16) -> u16 {
        // In u32: a ring may end at the top of segment 40h.
        let n = p as u32 + 2;
        if n >= self.end as u32 {
            self.start
        } else {
            n as u16
        }
    }

    fn holds(&self, p: u16) -> bool {
        p >= self.start && p < self.end && (p - self.start).is_multiple_of(2)
    }

    /// Head and tail; pointers outside the ring empty it.
    fn head_tail(&self, mem: &mut dyn Memory) -> (u16, u16) {
        let head = mem.read_u16(bda::at(bda::KBD_HEAD));
        let tail = mem.read_u16(bda::at(bda::KBD_TAIL));
        if self.holds(head) && self.holds(tail) {
            return (head, tail);
        }
        warn!(
            TAG,
            "key ring head {head:#x}/tail {tail:#x} outside the ring: emptied"
        );
        self.set_head(mem, self.start);
        self.set_tail(mem, self.start);
        (self.start, self.start)
    }

    fn set_head(&self, mem: &mut dyn Memory, p: u16) {
        mem.write_u16(bda::at(bda::KBD_HEAD), p);
    }

    fn set_tail(&self, mem: &mut dyn Memory, p: u16) {
        mem.write_u16(bda::at(bda::KBD_TAIL), p);
    }
}

/// Append a key word; false when the ring is full (the key is dropped, without a beep).
pub fn push_key(mem: &mut dyn Memory, word: u16) -> bool {
    let ring = Ring::of(mem);
    let (head, tail) = ring.head_tail(mem);
    let next = ring.next(tail);
    if next == head {
        return false;
    }
    mem.write_u16(bda::at(tail as u32), word);
    ring.set_tail(mem, next);
    true
}

fn ring_has_room(mem: &mut dyn Memory) -> bool {
    let ring = Ring::of(mem);
    let (head, tail) = ring.head_tail(mem);
    ring.next(tail) != head
}

fn peek_key(mem: &mut dyn Memory) -> Option<u16> {
    let ring = Ring::of(mem);
    let (head, tail) = ring.head_tail(mem);
    (head != tail).then(|| mem.read_u16(bda::at(head as u32)))
}

fn drop_key(mem: &mut dyn Memory) {
    let ring = Ring::of(mem);
    let (head, tail) = ring.head_tail(mem);
    if head != tail {
        ring.set_head(mem, ring.next(head));
    }
}

/// Empty the ring but for one word (Ctrl-Break).
fn reset_ring_with(mem: &mut dyn Memory, word: u16) {
    let ring = Ring::of(mem);
    mem.write_u16(bda::at(ring.start as u32), word);
    ring.set_head(mem, ring.start);
    ring.set_tail(mem, ring.next(ring.start));
}

/// The key word as int16/00, 01 see it: grey keys as their white twins; None for keys
/// only the enhanced functions return (those are discarded).
fn standard_view(word: u16) -> Option<u16> {
    let (scan, ascii) = ((word >> 8) as u8, word as u8);
    let word = if scan == GREY && (ascii == ASCII_CR || ascii == ASCII_LF) {
        key(SC_ENTER, ascii)
    } else if word == key(GREY, b'/') {
        key(SC_SLASH, b'/')
    } else if scan != 0 && ascii == GREY {
        key(scan, 0)
    } else if scan != 0 && ascii == ASCII_EXTENDED_ONLY {
        return None;
    } else {
        word
    };
    ((word >> 8) as u8 <= STANDARD_SCAN_MAX).then_some(word)
}

/// The key word as int16/10, 11 see it.
fn enhanced_view(word: u16) -> u16 {
    let (scan, ascii) = ((word >> 8) as u8, word as u8);
    if scan != 0 && ascii == ASCII_EXTENDED_ONLY {
        key(scan, 0)
    } else {
        word
    }
}

/// The next key for an int16 read or peek, dropping keys the standard functions skip.
fn next_key(mem: &mut dyn Memory, enhanced: bool, consume: bool) -> Option<u16> {
    loop {
        let word = peek_key(mem)?;
        let seen = if enhanced {
            Some(enhanced_view(word))
        } else {
            standard_view(word)
        };
        if seen.is_none() || consume {
            drop_key(mem);
        }
        if seen.is_some() {
            return seen;
        }
    }
}

// ------------------------------------------------------------------------------------
// Scancodes to key words.

fn function_key(sc: u8, shift: bool, ctrl: bool, alt: bool) -> Option<u16> {
    let (base, shift_off, step) = match sc {
        SC_F1..=SC_F10 => (sc, FKEY_SHIFT_OFFSET, FKEY_MODIFIER_STEP),
        SC_F11 | SC_F12 => (sc + F11_CODE_OFFSET, F11_MODIFIER_STEP, F11_MODIFIER_STEP),
        _ => return None,
    };
    let code = if alt {
        base + shift_off + 2 * step
    } else if ctrl {
        base + shift_off + step
    } else if shift {
        base + shift_off
    } else {
        base
    };
    Some(key(code, 0))
}

/// The control character a key makes with Ctrl (letters and [\]^_@ keys).
fn control_char(normal: u8, shifted: u8) -> Option<u8> {
    [shifted, normal]
        .into_iter()
        .find(|c| CTRL_SOURCE.contains(c))
        .map(|c| c & CTRL_MASK)
}

fn is_keypad(sc: u8) -> bool {
    (SC_KP_FIRST..=SC_KP_LAST).contains(&sc)
}

/// Key word of a set-1 make code without prefix, given the shift flags.
fn key_word(sc: u8, f0: u8) -> Option<u16> {
    let n = *NORMAL.get(sc as usize)?;
    let s = SHIFTED[sc as usize];
    let (ctrl, alt) = (f0 & F0_CTRL != 0, f0 & F0_ALT != 0);
    let mut shift = f0 & (F0_LSHIFT | F0_RSHIFT) != 0;
    if let Some(w) = function_key(sc, shift, ctrl, alt) {
        return Some(w);
    }
    if alt {
        return match sc {
            _ if n.is_ascii_lowercase() => Some(key(sc, 0)),
            SC_DIGIT_1..=SC_EQUALS => Some(key(sc + ALT_DIGIT_OFFSET, 0)),
            SC_SPACE => Some(key(sc, b' ')),
            SC_TAB => Some(key(ALT_TAB, 0)),
            _ if n != 0 => Some(key(sc, ASCII_EXTENDED_ONLY)),
            _ => None,
        };
    }
    if ctrl {
        if let Some(c) = control_char(n, s) {
            return Some(key(sc, c));
        }
        return match sc {
            SC_ESC => Some(key(sc, ASCII_ESC)),
            SC_BACKSPACE => Some(key(sc, ASCII_DEL)),
            SC_TAB => Some(key(CTRL_TAB, 0)),
            SC_ENTER => Some(key(sc, ASCII_LF)),
            SC_KP_STAR => Some(key(CTRL_KP_STAR, 0)),
            SC_SPACE => Some(key(sc, b' ')),
            _ if is_keypad(sc) => Some(key(CTRL_KEYPAD[(sc - SC_KP_FIRST) as usize], 0)),
            _ => None,
        };
    }
    if f0 & F0_CAPS_ON != 0 && n.is_ascii_lowercase() {
        shift = !shift;
    }
    if f0 & F0_NUM_ON != 0 && is_keypad(sc) {
        shift = !shift;
    }
    if n == 0 && s == 0 && !is_keypad(sc) {
        return None;
    }
    Some(key(sc, if shift { s } else { n }))
}

/// Key word of a make code after an E0 prefix (grey keys); None for keys a BIOS ignores
/// (Windows keys, multimedia keys, PrtScr).
fn grey_key_word(sc: u8, f0: u8) -> Option<u16> {
    let (ctrl, alt) = (f0 & F0_CTRL != 0, f0 & F0_ALT != 0);
    match sc {
        SC_ENTER if alt => Some(key(ALT_KP_ENTER, 0)),
        SC_ENTER => Some(key(GREY, if ctrl { ASCII_LF } else { ASCII_CR })),
        SC_SLASH if alt => Some(key(ALT_KP_SLASH, 0)),
        SC_SLASH if ctrl => Some(key(CTRL_KP_SLASH, 0)),
        SC_SLASH => Some(key(GREY, b'/')),
        _ if is_keypad(sc) && NORMAL[sc as usize] == 0 => Some(if alt {
            key(sc + ALT_GREY_OFFSET, 0)
        } else if ctrl {
            key(CTRL_KEYPAD[(sc - SC_KP_FIRST) as usize], GREY)
        } else {
            key(sc, GREY)
        }),
        _ => None,
    }
}

/// Press or release of a lock key: the state toggles once per press (not on repeats).
fn lock_key(f0: &mut u8, f1: &mut u8, bit: u8, release: bool) {
    if release {
        *f1 &= !bit;
    } else if *f1 & bit == 0 {
        *f1 |= bit;
        *f0 ^= bit;
    }
}

fn set_bit(v: &mut u8, bit: u8, on: bool) {
    if on {
        *v |= bit;
    } else {
        *v &= !bit;
    }
}

/// One byte from the keyboard: shift state, key ring, LEDs, Ctrl-Alt-Del.
pub fn process_scancode(ctx: &mut Ctx, byte: u8) {
    let mut f2 = read(ctx.mem, bda::KBD_FLAGS2);
    match byte {
        SC_PREFIX_E0 => return write(ctx.mem, bda::KBD_FLAGS2, f2 | F2_LAST_E0),
        SC_PREFIX_E1 => return write(ctx.mem, bda::KBD_FLAGS2, f2 | F2_LAST_E1),
        _ => {}
    }
    let release = byte & SC_RELEASE != 0;
    let sc = byte & !SC_RELEASE;
    let grey = f2 & F2_LAST_E0 != 0;
    if f2 & F2_LAST_E1 != 0 {
        // Pause (E1 1D 45, E1 9D C5): the prefix covers the 1D; the sequence is dropped.
        if sc != SC_CTRL {
            write(ctx.mem, bda::KBD_FLAGS2, f2 & !(F2_LAST_E0 | F2_LAST_E1));
        }
        return;
    }
    f2 &= !F2_LAST_E0;
    let mut f0 = read(ctx.mem, bda::KBD_FLAGS0);
    let mut f1 = read(ctx.mem, bda::KBD_FLAGS1);
    let old_locks = f0;
    let mut is_modifier = true;
    match (grey, sc) {
        // The keyboard wraps grey keys in fake shifts: ignore them.
        (true, SC_LSHIFT | SC_RSHIFT) => {}
        (false, SC_LSHIFT) => set_bit(&mut f0, F0_LSHIFT, !release),
        (false, SC_RSHIFT) => set_bit(&mut f0, F0_RSHIFT, !release),
        (_, SC_CTRL) => {
            if grey {
                set_bit(&mut f2, F2_RCTRL, !release);
            } else {
                set_bit(&mut f1, F1_LCTRL, !release);
            }
            let held = f1 & F1_LCTRL != 0 || f2 & F2_RCTRL != 0;
            set_bit(&mut f0, F0_CTRL, held);
        }
        (_, SC_ALT) => {
            if grey {
                set_bit(&mut f2, F2_RALT, !release);
            } else {
                set_bit(&mut f1, F1_LALT, !release);
            }
            let held = f1 & F1_LALT != 0 || f2 & F2_RALT != 0;
            set_bit(&mut f0, F0_ALT, held);
        }
        (false, SC_CAPS) => lock_key(&mut f0, &mut f1, F1_CAPS, release),
        (false, SC_NUM) => lock_key(&mut f0, &mut f1, F1_NUM, release),
        (false, SC_SCROLL) => lock_key(&mut f0, &mut f1, F1_SCROLL, release),
        (false, SC_SYSREQ) => set_bit(&mut f1, F1_SYSREQ, !release),
        _ => is_modifier = false,
    }
    let ctrl_alt = f0 & (F0_CTRL | F0_ALT) == F0_CTRL | F0_ALT;
    let word = match (is_modifier, release) {
        (false, false) if grey => grey_key_word(sc, f0),
        (false, false) => key_word(sc, f0),
        _ => None,
    };
    if sc == SC_INSERT && !is_modifier {
        // Insert (not keypad 0 with Num Lock) toggles insert mode once per press.
        if release {
            f1 &= !F1_INSERT;
        } else if word.is_some_and(|w| w as u8 != b'0') && f1 & F1_INSERT == 0 {
            f1 |= F1_INSERT;
            f0 ^= F0_INSERT_ON;
        }
    }
    write(ctx.mem, bda::KBD_FLAGS0, f0);
    write(ctx.mem, bda::KBD_FLAGS1, f1);
    write(ctx.mem, bda::KBD_FLAGS2, f2);
    if (f0 ^ old_locks) & (F0_SCROLL_ON | F0_NUM_ON | F0_CAPS_ON) != 0 {
        update_leds(ctx);
    }
    if is_modifier || release {
        return;
    }
    if grey && sc == SC_SCROLL {
        return ctrl_break(ctx);
    }
    if sc == SC_DELETE && ctrl_alt {
        return super::system::reboot(ctx);
    }
    match word {
        Some(w) if !push_key(ctx.mem, w) => debug!(TAG, "key ring full: {w:#06x} dropped"),
        Some(_) => {}
        None => trace!(TAG, "scancode {byte:#04x} (grey {grey}) makes no key"),
    }
}

/// Bring the keyboard LEDs in line with the lock states in 40:17 (and 40:97 with them).
fn update_leds(ctx: &mut Ctx) {
    if !keyboard_present(ctx.mem) {
        return;
    }
    let want = (read(ctx.mem, bda::KBD_FLAGS0) >> F0_LED_SHIFT) & ps2::KBD_LED_MASK;
    let led = read(ctx.mem, bda::KBD_LED);
    if led & ps2::KBD_LED_MASK == want {
        return;
    }
    match ps2::set_leds(ctx.io, ctx.clock, want) {
        Ok(()) => write(ctx.mem, bda::KBD_LED, (led & !ps2::KBD_LED_MASK) | want),
        Err(e) => warn!(TAG, "set LEDs: {e}"),
    }
}

/// Ctrl-Break: ring emptied but for a 0000h word, break flag, int1B if a program has one.
fn ctrl_break(ctx: &mut Ctx) {
    reset_ring_with(ctx.mem, KEY_BREAK);
    write(ctx.mem, bda::BREAK_FLAG, BREAK_SEEN);
    if super::hooked(ctx, INT_CTRL_BREAK) {
        let mut call = Call16::int(crate::ivt::get(ctx.mem, INT_CTRL_BREAK), Regs::default());
        ctx.cpu.call16(&mut call);
    }
}

/// int15/4F: a program may swallow or change the scancode.
fn intercept(ctx: &mut Ctx, byte: u8) -> Option<u8> {
    if !super::hooked(ctx, INT_SYSTEM) {
        return Some(byte);
    }
    let regs = Regs {
        eax: key(FN_KEYBOARD_INTERCEPT, byte) as u32,
        flags: Flags::CF.bits(),
        ..Default::default()
    };
    let mut call = Call16::int(crate::ivt::get(ctx.mem, INT_SYSTEM), regs);
    ctx.cpu.call16(&mut call);
    call.regs.cf().then(|| call.regs.al())
}

/// IRQ1.
pub fn int09(regs: &mut Regs, ctx: &mut Ctx) {
    let _ = regs;
    match ps2::I8042::new(ctx.io, ctx.clock).read_ready() {
        None => trace!(TAG, "IRQ1 with nothing to read"),
        Some((b, true)) => debug!(TAG, "IRQ1 with mouse byte {b:#04x}: dropped"),
        Some((b, false)) => {
            if let Some(b) = intercept(ctx, b) {
                process_scancode(ctx, b);
            }
        }
    }
    crate::hw::pic::eoi(ctx.io, KBD_IRQ);
}

/// IRQ12: the mouse port is off; drop a mouse byte that still arrives (a keyboard byte
/// is left for IRQ1) and acknowledge.
pub fn int74(regs: &mut Regs, ctx: &mut Ctx) {
    let _ = regs;
    let kbc = ps2::I8042::new(ctx.io, ctx.clock);
    let st = kbc.status();
    if st & ps2::STATUS_OUTPUT_FULL != 0 && st & ps2::STATUS_AUX_DATA != 0 {
        let b = ctx.io.inb(ps2::DATA);
        debug!(TAG, "IRQ12 byte {b:#04x}: dropped");
    }
    crate::hw::pic::eoi(ctx.io, MOUSE_IRQ);
}

// ------------------------------------------------------------------------------------
// Keys typed on the serial console.

/// Scan code of the main-block key that types `c` (with Shift or Ctrl as needed).
fn scan_of(c: u8) -> Option<u8> {
    (SC_ESC..=SC_SPACE).find(|&sc| {
        let (n, s) = (NORMAL[sc as usize], SHIFTED[sc as usize]);
        if c < b' ' {
            control_char(n, s) == Some(c)
        } else {
            n == c || s == c
        }
    })
}

/// Key word for a byte from a terminal.
fn ascii_key(c: u8) -> Option<u16> {
    match c {
        ASCII_CR => Some(key(SC_ENTER, ASCII_CR)),
        ASCII_LF => Some(key(SC_ENTER, ASCII_LF)),
        // Terminals send DEL or BS for the backspace key.
        ASCII_DEL | b'\x08' => Some(key(SC_BACKSPACE, b'\x08')),
        b'\t' => Some(key(SC_TAB, b'\t')),
        ASCII_ESC => Some(key(SC_ESC, ASCII_ESC)),
        0..=0x7e => scan_of(c).map(|sc| key(sc, c)),
        _ => None,
    }
}

fn console_byte_within(ctx: &mut Ctx, d: &Deadline) -> Option<u8> {
    loop {
        if let Some(b) = ctx.console.read() {
            return Some(b);
        }
        if d.expired(ctx.clock) {
            return None;
        }
        core::hint::spin_loop();
    }
}

/// VT100/xterm key sequences (after ESC): `[` or `O`, an optional number, a final
/// byte. The numbers are the VT220 codes of the editing and function keys.
fn escape_sequence_key(intro: u8, param: u16, last: u8) -> Option<u16> {
    const VT_F1_F5: core::ops::RangeInclusive<u16> = 11..=15;
    const VT_F6_F10: core::ops::RangeInclusive<u16> = 17..=21;
    const VT_F11_F12: core::ops::RangeInclusive<u16> = 23..=24;
    const SC_F6: u8 = SC_F1 + 5;
    let first = |r: &core::ops::RangeInclusive<u16>| (param - r.start()) as u8;
    let sc = match (intro, last) {
        (_, b'A') => SC_UP,
        (_, b'B') => SC_DOWN,
        (_, b'C') => SC_RIGHT,
        (_, b'D') => SC_LEFT,
        (_, b'H') => SC_HOME,
        (_, b'F') => SC_END,
        (_, b'P'..=b'S') => SC_F1 + (last - b'P'),
        (b'[', b'~') => match param {
            1 | 7 => SC_HOME,
            2 => SC_INSERT,
            3 => SC_DELETE,
            4 | 8 => SC_END,
            5 => SC_PAGE_UP,
            6 => SC_PAGE_DOWN,
            _ if VT_F1_F5.contains(&param) => SC_F1 + first(&VT_F1_F5),
            _ if VT_F6_F10.contains(&param) => SC_F6 + first(&VT_F6_F10),
            _ if VT_F11_F12.contains(&param) => SC_F11 + F11_CODE_OFFSET + first(&VT_F11_F12),
            _ => return None,
        },
        _ => return None,
    };
    Some(key(sc, 0))
}

/// After an ESC byte: a key sequence, a lone Esc, or Esc followed by another key.
fn escape(ctx: &mut Ctx) {
    let d = Deadline::after(ctx.clock, ESC_SEQUENCE_TIMEOUT_US);
    let esc = key(SC_ESC, ASCII_ESC);
    let intro = match console_byte_within(ctx, &d) {
        Some(b @ (b'[' | b'O')) => b,
        other => {
            push_key(ctx.mem, esc);
            if let Some(w) = other.and_then(ascii_key) {
                push_key(ctx.mem, w);
            }
            return;
        }
    };
    let mut param: u16 = 0;
    let mut first_param = true;
    for _ in 0..ESC_SEQUENCE_MAX {
        let Some(b) = console_byte_within(ctx, &d) else {
            break;
        };
        match b {
            b'0'..=b'9' if first_param => {
                param = (param * 10 + (b - b'0') as u16).min(ESC_PARAM_MAX);
            }
            b'0'..=b'9' => {}
            b';' => first_param = false,
            0x40..=0x7e => {
                match escape_sequence_key(intro, param, b) {
                    Some(w) => {
                        push_key(ctx.mem, w);
                    }
                    None => debug!(
                        TAG,
                        "console: unknown sequence ESC {intro:#04x} {param} {b:#04x}"
                    ),
                }
                return;
            }
            _ => break,
        }
    }
    debug!(TAG, "console: incomplete escape sequence dropped");
}

/// Move bytes typed on the serial console into the key ring while it has room.
fn poll_console(ctx: &mut Ctx) {
    while ring_has_room(ctx.mem) {
        let Some(b) = ctx.console.read() else {
            return;
        };
        if b == ASCII_ESC {
            escape(ctx);
        } else if let Some(w) = ascii_key(b) {
            push_key(ctx.mem, w);
        }
    }
}

// ------------------------------------------------------------------------------------
// int16.

pub fn int16(regs: &mut Regs, ctx: &mut Ctx) -> Action {
    update_leds(ctx);
    match regs.ah() {
        0x00 | 0x10 => {
            poll_console(ctx);
            match next_key(ctx.mem, regs.ah() == 0x10, true) {
                Some(w) => regs.set_ax(w),
                None => return Action::Yield,
            }
        }
        0x01 | 0x11 => {
            poll_console(ctx);
            let w = next_key(ctx.mem, regs.ah() == 0x11, false);
            if let Some(w) = w {
                regs.set_ax(w);
            }
            regs.set_zf(w.is_none());
        }
        0x02 => regs.set_al(read(ctx.mem, bda::KBD_FLAGS0)),
        0x03 => typematic(regs, ctx),
        0x05 => {
            let full = !push_key(ctx.mem, regs.cx());
            regs.set_al(full as u8);
        }
        0x09 => regs.set_al(FUNCTIONALITY),
        0x0a => {
            let id = if keyboard_present(ctx.mem) {
                ps2::identify(ctx.io, ctx.clock).unwrap_or_else(|e| {
                    warn!(TAG, "identify: {e}");
                    0
                })
            } else {
                0
            };
            regs.set_bx(id);
        }
        0x12 => {
            let f1 = read(ctx.mem, bda::KBD_FLAGS1);
            let f2 = read(ctx.mem, bda::KBD_FLAGS2);
            regs.set_al(read(ctx.mem, bda::KBD_FLAGS0));
            regs.set_ah(extended_shift_flags(f1, f2));
        }
        _ => super::unsupported(regs, TAG),
    }
    Action::Return
}

/// int16/12 AH: 0 left Ctrl, 1 left Alt, 2 right Ctrl, 3 right Alt, 4-6 Scroll/Num/Caps
/// held, 7 SysReq held.
fn extended_shift_flags(f1: u8, f2: u8) -> u8 {
    const HELD: u8 = F1_LCTRL | F1_LALT | F1_SCROLL | F1_NUM | F1_CAPS;
    const SYSREQ_BIT: u8 = 0x80;
    let sysreq = if f1 & F1_SYSREQ != 0 { SYSREQ_BIT } else { 0 };
    (f1 & HELD) | (f2 & (F2_RCTRL | F2_RALT)) | sysreq
}

/// int16/03: AL=00 default rate and delay, AL=05 BH delay (0-3), BL rate (0-1Fh).
fn typematic(regs: &mut Regs, ctx: &mut Ctx) {
    let v = match regs.al() {
        0x00 => TYPEMATIC_DEFAULT,
        0x05 if regs.bh() <= TYPEMATIC_DELAY_MAX && regs.bl() <= TYPEMATIC_RATE_MAX => {
            regs.bh() << TYPEMATIC_DELAY_SHIFT | regs.bl()
        }
        0x05 => {
            warn!(
                TAG,
                "typematic delay {} rate {:#x} out of range: unchanged",
                regs.bh(),
                regs.bl()
            );
            return;
        }
        _ => return super::unsupported(regs, TAG),
    };
    if !keyboard_present(ctx.mem) {
        return;
    }
    if let Err(e) = ps2::set_typematic(ctx.io, ctx.clock, v) {
        warn!(TAG, "set typematic {v:#04x}: {e}");
    }
}

/// Take one key from the keyboard buffer (or the serial console), if any: the boot
/// failure wait uses it to retry at a key press.
pub fn take_key(ctx: &mut Ctx) -> Option<u16> {
    poll_console(ctx);
    next_key(ctx.mem, true, true)
}
