//! A simulated i8042 with a PS/2 keyboard on its first port (ports 0x60 and 0x64).
//!
//! Replies are immediate. Translation is not modelled: tests queue set-1 bytes with
//! `keys`, as the controller would deliver them with translation on.

use super::PortDevice;
use std::collections::VecDeque;

// IBM PC/AT Technical Reference (8042 keyboard controller): data at 60h, status and
// command at 64h, the status bits; the keyboard's ACK and RESEND bytes.
const DATA: u16 = 0x60;
const STATUS: u16 = 0x64;

const ST_OUTPUT_FULL: u8 = 0x01;
const ST_INPUT_FULL: u8 = 0x02;
const ST_SYSTEM: u8 = 0x04;
const ST_AUX: u8 = 0x20;

const ACK: u8 = 0xfa;
const RESEND: u8 = 0xfe;

/// The controller and keyboard state a test sets up and inspects.
pub struct SimI8042 {
    /// Output buffer: bytes and whether they came from the mouse port.
    pub out: VecDeque<(u8, bool)>,
    /// Last byte read from port 0x60 (what reading an empty buffer returns).
    pub last: u8,
    pub config: u8,
    /// Controller commands in the order received.
    pub commands: Vec<u8>,
    /// Bytes sent to the keyboard in the order received.
    pub kbd_bytes: Vec<u8>,
    /// Reply to command 0xAA.
    pub self_test_reply: u8,
    /// With no keyboard, bytes sent to it are never answered.
    pub keyboard_present: bool,
    /// The input buffer never drains (a wedged controller).
    pub input_stuck: bool,
    pub leds: Option<u8>,
    pub typematic: Option<u8>,
    pub scancode_set: Option<u8>,
    pub scanning: bool,
    /// Times the CPU reset line was pulsed (command 0xFE).
    pub resets: u32,
    /// Keyboard command waiting for its parameter byte.
    kbd_pending: Option<u8>,
    /// Controller command waiting for its data byte.
    ctl_pending: Option<u8>,
}

impl Default for SimI8042 {
    fn default() -> Self {
        SimI8042 {
            out: VecDeque::new(),
            last: 0,
            // As QEMU comes out of reset: IRQs on, translation on, system flag.
            config: 0x47,
            commands: Vec::new(),
            kbd_bytes: Vec::new(),
            self_test_reply: 0x55,
            keyboard_present: true,
            input_stuck: false,
            leds: None,
            typematic: None,
            scancode_set: None,
            scanning: true,
            resets: 0,
            kbd_pending: None,
            ctl_pending: None,
        }
    }
}

impl SimI8042 {
    pub fn new() -> Self {
        Self::default()
    }

    /// Queue bytes from the keyboard (set 1, as delivered through translation).
    pub fn keys(&mut self, bytes: &[u8]) {
        self.out.extend(bytes.iter().map(|&b| (b, false)));
    }

    /// Queue a byte from the mouse port.
    pub fn aux(&mut self, byte: u8) {
        self.out.push_back((byte, true));
    }

    fn reply(&mut self, bytes: &[u8]) {
        self.keys(bytes);
    }

    fn controller_command(&mut self, cmd: u8) {
        self.commands.push(cmd);
        match cmd {
            0x20 => {
                let c = self.config;
                self.reply(&[c]);
            }
            0x60 | 0xd4 => self.ctl_pending = Some(cmd),
            0xaa => {
                let r = self.self_test_reply;
                self.reply(&[r]);
            }
            0xab => self.reply(&[0x00]),
            0xad => self.config |= 0x10,
            0xae => self.config &= !0x10,
            0xa7 => self.config |= 0x20,
            0xa8 => self.config &= !0x20,
            0xfe => self.resets += 1,
            _ => {}
        }
    }

    fn keyboard_byte(&mut self, b: u8) {
        self.kbd_bytes.push(b);
        if !self.keyboard_present {
            return;
        }
        if let Some(cmd) = self.kbd_pending.take() {
            match cmd {
                0xed => self.leds = Some(b),
                0xf3 => self.typematic = Some(b),
                0xf0 => self.scancode_set = Some(b),
                _ => {}
            }
            self.reply(&[ACK]);
            return;
        }
        match b {
            0xff => {
                self.leds = Some(0);
                self.scanning = true;
                self.reply(&[ACK, 0xaa]);
            }
            0xed | 0xf3 | 0xf0 => {
                self.kbd_pending = Some(b);
                self.reply(&[ACK]);
            }
            0xf2 => self.reply(&[ACK, 0xab, 0x41]),
            0xf4 => {
                self.scanning = true;
                self.reply(&[ACK]);
            }
            0xf5 => {
                self.scanning = false;
                self.reply(&[ACK]);
            }
            0xee => self.reply(&[0xee]),
            _ => self.reply(&[RESEND]),
        }
    }
}

impl PortDevice for SimI8042 {
    fn read(&mut self, port: u16, _size: u8) -> u32 {
        match port {
            DATA => {
                if let Some((b, _)) = self.out.pop_front() {
                    self.last = b;
                }
                self.last as u32
            }
            STATUS => {
                let mut st = ST_SYSTEM;
                if let Some(&(_, aux)) = self.out.front() {
                    st |= ST_OUTPUT_FULL;
                    if aux {
                        st |= ST_AUX;
                    }
                }
                if self.input_stuck {
                    st |= ST_INPUT_FULL;
                }
                st as u32
            }
            _ => 0xff,
        }
    }

    fn write(&mut self, port: u16, _size: u8, value: u32) {
        let v = value as u8;
        if self.input_stuck {
            return;
        }
        match port {
            STATUS => self.controller_command(v),
            DATA => match self.ctl_pending.take() {
                Some(0x60) => self.config = v,
                Some(_) => {}
                None => self.keyboard_byte(v),
            },
            _ => {}
        }
    }
}
