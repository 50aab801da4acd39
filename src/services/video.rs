//! int10 without a VGA BIOS: text goes to the console (COM1 and the debug port) and the
//! BDA keeps the cursor, page and mode as a VGA BIOS would, so that programs reading
//! them back see a consistent 80x25 colour text screen. Nothing is drawn: scrolling,
//! cursor moves and mode sets are bookkeeping only, and reading the screen gives blanks.
//! A VGA option ROM replaces all of this once it exists.
//!
//! Teletype (0E) writes to the active page whatever BH says, as most BIOSes do; the
//! console shows only the active page. Characters outside printable ASCII reach the
//! serial console as ASCII stand-ins (box drawing as + - |, others as ?); cursor moves
//! are not sent to the terminal.

use crate::bda;
use crate::hal::Ctx;
use crate::hal::cpu::{Call16, Cpu};
use crate::hal::mem::{FarPtr, Memory};
use crate::hal::regs::Regs;

const TAG: &str = "int10";

const PAGES: u8 = 8;
const DEFAULT_COLS: u8 = 80;
const DEFAULT_ROWS: u8 = 25;
const BYTES_PER_CELL: u16 = 2;
const DEFAULT_CURSOR_TYPE: u16 = 0x0607;

/// Set mode: bit 7 of AL keeps the screen.
const MODE_KEEP_SCREEN: u8 = 0x80;
/// Set mode: what AL says about the mode set (Phoenix, AMI).
const MODE_SET_TEXT: u8 = 0x30;
const MODE_SET_CGA_HIRES: u8 = 0x3f;
const MODE_SET_OTHER: u8 = 0x20;
const MODE_CGA_HIRES: u8 = 6;
const MODE_LAST_TEXT: u8 = 7;
/// Modes 40 characters (or 320 pixels) wide; the others are 80 wide.
const FORTY_COLUMN_MODES: [u8; 6] = [0x00, 0x01, 0x04, 0x05, 0x0d, 0x13];
const FORTY_COLUMNS: u8 = 40;

/// int10/08: blank cell, light grey on black.
const BLANK_CELL: u16 = 0x0720;

/// int10/12 BL=10h: colour adapter with 256 KiB, feature bits 0, switches 9 (EGA
/// 80x25 colour / VGA).
const INFO_EGA: u8 = 0x10;
const EGA_COLOR: u8 = 0x00;
const EGA_MEMORY_256K: u8 = 0x03;
const EGA_SWITCHES: u8 = 0x09;

/// int10/1A: "function supported" and the display combination code of a VGA with an
/// analogue colour display, no secondary display.
const DCC_SUPPORTED: u8 = 0x1a;
const DCC_VGA_COLOR: u16 = 0x0008;

/// int10/13 AL bits.
const WRITE_STRING_MOVE_CURSOR: u8 = 0x01;
const WRITE_STRING_ATTRIBUTES: u8 = 0x02;

const BEL: u8 = 0x07;
const BS: u8 = 0x08;
const LF: u8 = 0x0a;
const CR: u8 = 0x0d;

// Code page 437 box drawing, shown on the serial console as ASCII.
const CP437_BOX_FIRST: u8 = 0xb3;
const CP437_BOX_LAST: u8 = 0xda;
const CP437_VERTICAL: [u8; 2] = [0xb3, 0xba];
const CP437_HORIZONTAL: [u8; 2] = [0xc4, 0xcd];

fn cols(mem: &dyn Memory) -> u8 {
    match mem.read_u16(bda::at(bda::VIDEO_COLS)) {
        0 => DEFAULT_COLS,
        c => c.min(u8::MAX as u16) as u8,
    }
}

fn rows(mem: &dyn Memory) -> u8 {
    match mem.read_u8(bda::at(bda::VIDEO_ROWS)) {
        0 => DEFAULT_ROWS,
        r => r.saturating_add(1),
    }
}

fn active_page(mem: &dyn Memory) -> u8 {
    mem.read_u8(bda::at(bda::VIDEO_PAGE))
}

fn cursor_addr(page: u8) -> u32 {
    bda::at(bda::CURSOR_POS) + 2 * (page % PAGES) as u32
}

/// (column, row) of a page's cursor.
pub fn cursor(mem: &dyn Memory, page: u8) -> (u8, u8) {
    let a = cursor_addr(page);
    (mem.read_u8(a), mem.read_u8(a + 1))
}

fn set_cursor(mem: &mut dyn Memory, page: u8, col: u8, row: u8) {
    let a = cursor_addr(page);
    mem.write_u8(a, col);
    mem.write_u8(a + 1, row);
}

/// How a character shows on the serial console: ASCII as is, box drawing as +-|, other
/// code page 437 glyphs as '?'.
fn console_glyph(c: u8) -> u8 {
    match c {
        b' '..=b'~' => c,
        _ if CP437_VERTICAL.contains(&c) => b'|',
        _ if CP437_HORIZONTAL.contains(&c) => b'-',
        CP437_BOX_FIRST..=CP437_BOX_LAST => b'+',
        _ => b'?',
    }
}

/// Bytes for the console, only from the page on display.
fn show(ctx: &mut Ctx, page: u8, bytes: &[u8]) {
    if page == active_page(ctx.mem) {
        ctx.console.write(bytes);
    }
}

/// The cursor one line down; the bottom line stays the bottom line (the screen
/// scrolls).
fn line_feed(row: u8, rows: u8) -> u8 {
    row.saturating_add(1).min(rows - 1)
}

/// int10/0E on `page`: BEL is silent (no speaker), BS/CR/LF move the cursor, anything
/// else is written and advances it, wrapping at the right edge.
pub fn teletype(ctx: &mut Ctx, page: u8, c: u8) {
    let (cols, rows) = (cols(ctx.mem), rows(ctx.mem));
    let (mut col, mut row) = cursor(ctx.mem, page);
    match c {
        BEL => return,
        BS => {
            col = col.saturating_sub(1);
            show(ctx, page, &[BS]);
        }
        CR => {
            col = 0;
            show(ctx, page, &[CR]);
        }
        LF => {
            row = line_feed(row, rows);
            show(ctx, page, &[LF]);
        }
        _ => {
            show(ctx, page, &[console_glyph(c)]);
            col = col.saturating_add(1);
            if col >= cols {
                col = 0;
                row = line_feed(row, rows);
            }
        }
    }
    set_cursor(ctx.mem, page, col, row.min(rows - 1));
}

pub fn int10(regs: &mut Regs, ctx: &mut Ctx) {
    match regs.ah() {
        0x00 => set_mode(regs, ctx),
        0x01 => ctx.mem.write_u16(bda::at(bda::CURSOR_TYPE), regs.cx()),
        0x02 if regs.bh() < PAGES => set_cursor(ctx.mem, regs.bh(), regs.dl(), regs.dh()),
        0x03 if regs.bh() < PAGES => {
            let (col, row) = cursor(ctx.mem, regs.bh());
            regs.set_dl(col);
            regs.set_dh(row);
            regs.set_cx(ctx.mem.read_u16(bda::at(bda::CURSOR_TYPE)));
        }
        0x05 if regs.al() < PAGES => {
            let size = ctx.mem.read_u16(bda::at(bda::VIDEO_PAGE_SIZE));
            ctx.mem.write_u8(bda::at(bda::VIDEO_PAGE), regs.al());
            ctx.mem.write_u16(
                bda::at(bda::VIDEO_PAGE_START),
                size.wrapping_mul(regs.al() as u16),
            );
        }
        // Scroll up/down: nothing on screen to move, the cursor stays.
        0x06 | 0x07 => {}
        0x08 => regs.set_ax(BLANK_CELL),
        0x09 | 0x0a if regs.bh() < PAGES => write_repeated(regs, ctx),
        0x0e => teletype(ctx, active_page(ctx.mem), regs.al()),
        0x0f => {
            regs.set_al(ctx.mem.read_u8(bda::at(bda::VIDEO_MODE)));
            regs.set_ah(cols(ctx.mem));
            regs.set_bh(active_page(ctx.mem));
        }
        0x12 if regs.bl() == INFO_EGA => {
            regs.set_bh(EGA_COLOR);
            regs.set_bl(EGA_MEMORY_256K);
            regs.set_ch(0);
            regs.set_cl(EGA_SWITCHES);
        }
        0x13 if regs.bh() < PAGES => write_string(regs, ctx),
        0x1a if regs.al() == 0x00 => {
            regs.set_al(DCC_SUPPORTED);
            regs.set_bx(DCC_VGA_COLOR);
        }
        0x1a if regs.al() == 0x01 => regs.set_al(DCC_SUPPORTED),
        _ => super::unsupported(regs, TAG),
    }
}

/// 00: the mode is recorded with its geometry; cursors home, page 0.
fn set_mode(regs: &mut Regs, ctx: &mut Ctx) {
    let mode = regs.al() & !MODE_KEEP_SCREEN;
    let cols = if FORTY_COLUMN_MODES.contains(&mode) {
        FORTY_COLUMNS
    } else {
        DEFAULT_COLS
    };
    let page_size = (cols as u16 * DEFAULT_ROWS as u16 * BYTES_PER_CELL).next_power_of_two();
    let mem = &mut *ctx.mem;
    mem.write_u8(bda::at(bda::VIDEO_MODE), mode);
    mem.write_u16(bda::at(bda::VIDEO_COLS), cols as u16);
    mem.write_u8(bda::at(bda::VIDEO_ROWS), DEFAULT_ROWS - 1);
    mem.write_u16(bda::at(bda::VIDEO_PAGE_SIZE), page_size);
    mem.write_u16(bda::at(bda::VIDEO_PAGE_START), 0);
    mem.write_u8(bda::at(bda::VIDEO_PAGE), 0);
    mem.write_u16(bda::at(bda::CURSOR_TYPE), DEFAULT_CURSOR_TYPE);
    for page in 0..PAGES {
        set_cursor(mem, page, 0, 0);
    }
    debug!(TAG, "mode {mode:#04x}: recorded, nothing drawn");
    regs.set_al(match mode {
        MODE_CGA_HIRES => MODE_SET_CGA_HIRES,
        0..=MODE_LAST_TEXT => MODE_SET_TEXT,
        _ => MODE_SET_OTHER,
    });
}

/// 09/0A: AL CX times at the cursor, which stays; at most to the end of the page.
fn write_repeated(regs: &mut Regs, ctx: &mut Ctx) {
    let page = regs.bh();
    let (col, row) = cursor(ctx.mem, page);
    let (cols, rows) = (cols(ctx.mem) as u16, rows(ctx.mem) as u16);
    let left = (cols * rows).saturating_sub(row as u16 * cols + col as u16);
    let glyph = console_glyph(regs.al());
    for _ in 0..regs.cx().min(left) {
        show(ctx, page, &[glyph]);
    }
}

/// 13: CX characters from ES:BP (char, attribute pairs with AL bit 1) at row DH, column
/// DL of page BH, as teletype output; the cursor stays unless AL bit 0.
fn write_string(regs: &mut Regs, ctx: &mut Ctx) {
    let page = regs.bh();
    let step: u32 = if regs.al() & WRITE_STRING_ATTRIBUTES != 0 {
        2
    } else {
        1
    };
    let len = regs.cx() as u32 * step;
    let Some(at) = super::caller_buffer(ctx, regs.es, regs.bp(), len) else {
        warn!(
            TAG,
            "write string: {:04x}:{:04x} ({len} bytes) crosses its segment end",
            regs.es,
            regs.bp()
        );
        return;
    };
    let saved = cursor(ctx.mem, page);
    set_cursor(ctx.mem, page, regs.dl(), regs.dh());
    for i in 0..regs.cx() as u32 {
        let c = ctx.mem.read_u8(at + i * step);
        teletype(ctx, page, c);
    }
    if regs.al() & WRITE_STRING_MOVE_CURSOR == 0 {
        set_cursor(ctx.mem, page, saved.0, saved.1);
    }
}

// ---- text through a VGA BIOS ------------------------------------------------------

/// int10 AH=0Eh: teletype output of AL on page BH (BL: colour in graphics modes).
const FN_TELETYPE: u8 = 0x0e;
/// Light grey, what text modes show anyway.
const TEXT_COLOUR: u8 = 0x07;

/// Write `bytes` on the screen through the VGA BIOS's int10 handler `int10` (called
/// directly, not through the IVT: a program that hooks int10 later must not see the
/// firmware's text, and our own int10 would send it back here). "\n" becomes CR LF.
///
/// Each byte is one real-mode call. This is allowed from any firmware context, with the
/// firmware state held or not: the VGA BIOS's teletype function does not call back into
/// the system BIOS, and if one did, the callback would be refused rather than deadlock
/// (see image.rs).
pub fn teletype_through(cpu: &mut dyn Cpu, mem: &dyn Memory, int10: FarPtr, bytes: &[u8]) {
    let page = mem.read_u8(bda::at(bda::VIDEO_PAGE));
    let mut put = |c: u8| {
        let mut regs = Regs::default();
        regs.set_ah(FN_TELETYPE);
        regs.set_al(c);
        regs.set_bh(page);
        regs.set_bl(TEXT_COLOUR);
        cpu.call16(&mut Call16::int(int10, regs));
    };
    for &b in bytes {
        if b == b'\n' {
            put(b'\r');
        }
        put(b);
    }
}
