//! BIOS Data Area (segment 0x40) and Extended BDA: the offsets loaders and OSes read.

/// Linear address of the BDA.
pub const BDA: u32 = 0x400;

// BDA offsets (from 0x400).
pub const COM_PORTS: u32 = 0x00; // 4 x u16
pub const LPT_PORTS: u32 = 0x08; // 3 x u16
pub const EBDA_SEG: u32 = 0x0e; // u16
pub const EQUIPMENT: u32 = 0x10; // u16, int11
/// Equipment word: bit 0 "diskette drives installed", bits 6-7 their number minus one.
pub const EQUIP_DISKETTES: u16 = 1 << 0;
pub const EQUIP_DISKETTE_COUNT: u16 = 0b11 << 6;
pub const MEM_KB: u32 = 0x13; // u16, int12
pub const KBD_FLAGS0: u32 = 0x17;
pub const KBD_FLAGS1: u32 = 0x18;
pub const KBD_ALT_KEYPAD: u32 = 0x19;
pub const KBD_HEAD: u32 = 0x1a; // u16 offset in segment 0x40
pub const KBD_TAIL: u32 = 0x1c;
pub const KBD_BUF: u32 = 0x1e; // 16 words
pub const VIDEO_MODE: u32 = 0x49;
pub const VIDEO_COLS: u32 = 0x4a; // u16
pub const VIDEO_PAGE_SIZE: u32 = 0x4c; // u16
pub const VIDEO_PAGE_START: u32 = 0x4e; // u16
pub const CURSOR_POS: u32 = 0x50; // 8 x (col, row)
pub const CURSOR_TYPE: u32 = 0x60; // u16
pub const VIDEO_PAGE: u32 = 0x62;
pub const CRTC_BASE: u32 = 0x63; // u16
pub const TICKS: u32 = 0x6c; // u32
pub const MIDNIGHT: u32 = 0x70;
pub const BREAK_FLAG: u32 = 0x71;
pub const SOFT_RESET: u32 = 0x72; // u16, 0x1234 = warm boot
pub const DISK_STATUS: u32 = 0x74; // last hard disk status (int13/01)
pub const DISK_COUNT: u32 = 0x75;
pub const VIDEO_ROWS: u32 = 0x84; // rows - 1
pub const CHAR_HEIGHT: u32 = 0x85; // u16
pub const KBD_BUF_START: u32 = 0x80; // u16
pub const KBD_BUF_END: u32 = 0x82; // u16
pub const KBD_FLAGS2: u32 = 0x96;
pub const KBD_LED: u32 = 0x97;

/// Linear address of a BDA field.
pub const fn at(off: u32) -> u32 {
    BDA + off
}

/// EBDA: 1 KiB below 640 KiB by default; its first byte is its size in KiB.
pub const EBDA_SIZE_KB: u32 = 0x00;
