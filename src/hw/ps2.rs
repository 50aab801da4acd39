//! The i8042 keyboard controller and the PS/2 keyboard behind it.
//!
//! `init` (POST) leaves the keyboard as loaders expect it from a BIOS: controller and
//! keyboard interface tested, keyboard reset, scancode set 2 translated by the controller
//! to set 1, LEDs set, scanning on, IRQ1 enabled and the mouse port off. Every wait is
//! bounded by the clock; a failure is logged with its reason and POST goes on without a
//! keyboard (int16 still serves keys typed on the serial console).
//!
//! The keyboard commands int09/int16 need (LEDs, typematic rate, identify) are here too.
//! They poll the output buffer with interrupts off: the IRQ1 the reply raises finds the
//! buffer empty and int09 only acknowledges it.

use crate::bda;
use crate::hal::Ctx;
use crate::hal::PortIo;
use crate::hal::clock::{Clock, Deadline};

pub const DATA: u16 = 0x60;
/// Status on read, controller command on write.
pub const STATUS: u16 = 0x64;
pub const COMMAND: u16 = 0x64;

/// Status register bits.
pub const STATUS_OUTPUT_FULL: u8 = 0x01;
pub const STATUS_INPUT_FULL: u8 = 0x02;
/// The byte in the output buffer came from the mouse port.
pub const STATUS_AUX_DATA: u8 = 0x20;
/// What an empty ISA bus reads: no controller.
const STATUS_ABSENT: u8 = 0xff;

// Controller commands.
const CMD_READ_CONFIG: u8 = 0x20;
const CMD_WRITE_CONFIG: u8 = 0x60;
const CMD_DISABLE_AUX: u8 = 0xa7;
const CMD_SELF_TEST: u8 = 0xaa;
const CMD_KBD_INTERFACE_TEST: u8 = 0xab;
const CMD_DISABLE_KBD: u8 = 0xad;
const CMD_ENABLE_KBD: u8 = 0xae;
/// Pulse output line 0: CPU reset.
const CMD_PULSE_RESET: u8 = 0xfe;

const SELF_TEST_PASSED: u8 = 0x55;
const INTERFACE_TEST_PASSED: u8 = 0x00;

// Controller configuration byte.
const CFG_KBD_IRQ: u8 = 0x01;
const CFG_AUX_IRQ: u8 = 0x02;
/// System flag: POST passed.
const CFG_SYSTEM: u8 = 0x04;
const CFG_AUX_DISABLED: u8 = 0x20;
const CFG_TRANSLATE: u8 = 0x40;

// Keyboard commands and replies.
const KBD_SET_LEDS: u8 = 0xed;
const KBD_SCANCODE_SET: u8 = 0xf0;
const KBD_IDENTIFY: u8 = 0xf2;
const KBD_TYPEMATIC: u8 = 0xf3;
const KBD_ENABLE_SCANNING: u8 = 0xf4;
const KBD_RESET: u8 = 0xff;
const KBD_ACK: u8 = 0xfa;
const KBD_RESEND: u8 = 0xfe;
const KBD_SELF_TEST_PASSED: u8 = 0xaa;
/// Set 2: what the controller translates to set 1 when `CFG_TRANSLATE` is on.
const SCANCODE_SET_2: u8 = 2;

/// The controller accepts a byte or answers a command within this.
const CONTROLLER_TIMEOUT_US: u64 = 20_000;
/// The keyboard acknowledges a byte within this (20 ms in the PS/2 specification).
const KBD_ACK_TIMEOUT_US: u64 = 50_000;
/// Identify: the ID bytes follow the ACK within this.
const KBD_REPLY_TIMEOUT_US: u64 = 50_000;
/// Reset: the basic assurance test takes up to 750 ms on real keyboards.
const KBD_BAT_TIMEOUT_US: u64 = 1_000_000;
/// Stale bytes drained before the controller is tested (its FIFO holds at most this).
const FLUSH_MAX: usize = 16;
/// A keyboard that asks for a byte again this often is given up on.
const RESEND_TRIES: usize = 3;

/// BDA 40:96 bit 4: a 101/102-key keyboard is installed.
pub const KBD_FLAGS2_101KEY: u8 = 0x10;
/// BDA 40:97 bits 0-2: the LEDs as last sent to the keyboard.
pub const KBD_LED_MASK: u8 = 0x07;

/// Why a controller or keyboard exchange failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ps2Error {
    /// The status port floats: no controller.
    Absent,
    /// The controller never took the byte (input buffer stayed full).
    InputStuck,
    /// Nothing arrived in the output buffer in time.
    NoReply,
    /// The output buffer never drained.
    OutputStuck,
    /// A byte other than the expected one.
    Unexpected(u8),
}

impl core::fmt::Display for Ps2Error {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        match self {
            Ps2Error::Absent => f.write_str("no controller (status port reads 0xff)"),
            Ps2Error::InputStuck => f.write_str("controller input buffer stays full"),
            Ps2Error::NoReply => f.write_str("no reply in time"),
            Ps2Error::OutputStuck => f.write_str("output buffer does not drain"),
            Ps2Error::Unexpected(b) => write!(f, "unexpected reply {b:#04x}"),
        }
    }
}

/// A step of an exchange and how it failed: what POST logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failure {
    pub step: &'static str,
    pub error: Ps2Error,
}

trait Step<T> {
    fn at(self, step: &'static str) -> Result<T, Failure>;
}

impl<T> Step<T> for Result<T, Ps2Error> {
    fn at(self, step: &'static str) -> Result<T, Failure> {
        self.map_err(|error| Failure { step, error })
    }
}

/// The controller, reached through port I/O with clock-bounded waits.
pub struct I8042<'a> {
    io: &'a dyn PortIo,
    clock: &'a dyn Clock,
}

impl<'a> I8042<'a> {
    pub fn new(io: &'a dyn PortIo, clock: &'a dyn Clock) -> Self {
        I8042 { io, clock }
    }

    pub fn status(&self) -> u8 {
        self.io.inb(STATUS)
    }

    /// The waiting byte and whether it came from the mouse port, if there is one.
    pub fn read_ready(&self) -> Option<(u8, bool)> {
        let st = self.status();
        (st & STATUS_OUTPUT_FULL != 0).then(|| (self.io.inb(DATA), st & STATUS_AUX_DATA != 0))
    }

    fn read_within(&self, timeout_us: u64) -> Result<u8, Ps2Error> {
        let d = Deadline::after(self.clock, timeout_us);
        loop {
            if self.status() & STATUS_OUTPUT_FULL != 0 {
                return Ok(self.io.inb(DATA));
            }
            if d.expired(self.clock) {
                return Err(Ps2Error::NoReply);
            }
            core::hint::spin_loop();
        }
    }

    fn wait_input_empty(&self) -> Result<(), Ps2Error> {
        let d = Deadline::after(self.clock, CONTROLLER_TIMEOUT_US);
        while self.status() & STATUS_INPUT_FULL != 0 {
            if d.expired(self.clock) {
                return Err(Ps2Error::InputStuck);
            }
            core::hint::spin_loop();
        }
        Ok(())
    }

    fn command(&self, cmd: u8) -> Result<(), Ps2Error> {
        self.wait_input_empty()?;
        self.io.outb(COMMAND, cmd);
        Ok(())
    }

    fn command_reply(&self, cmd: u8) -> Result<u8, Ps2Error> {
        self.command(cmd)?;
        self.read_within(CONTROLLER_TIMEOUT_US)
    }

    fn write_config(&self, cfg: u8) -> Result<(), Ps2Error> {
        self.command(CMD_WRITE_CONFIG)?;
        self.wait_input_empty()?;
        self.io.outb(DATA, cfg);
        Ok(())
    }

    /// Drop whatever sits in the output buffer.
    fn flush(&self) -> Result<(), Ps2Error> {
        for _ in 0..FLUSH_MAX {
            if self.read_ready().is_none() {
                return Ok(());
            }
        }
        Err(Ps2Error::OutputStuck)
    }

    /// One byte to the keyboard, acknowledged. Bytes other than ACK/RESEND that arrive
    /// meanwhile (a key pressed at that moment) are dropped.
    fn kbd_send(&self, byte: u8) -> Result<(), Ps2Error> {
        for _ in 0..RESEND_TRIES {
            self.wait_input_empty()?;
            self.io.outb(DATA, byte);
            let d = Deadline::after(self.clock, KBD_ACK_TIMEOUT_US);
            loop {
                match self.read_within(KBD_ACK_TIMEOUT_US)? {
                    KBD_ACK => return Ok(()),
                    KBD_RESEND => break,
                    other => trace!("kbd", "dropped {other:#04x} while waiting for ACK"),
                }
                if d.expired(self.clock) {
                    return Err(Ps2Error::NoReply);
                }
            }
        }
        Err(Ps2Error::Unexpected(KBD_RESEND))
    }

    /// A keyboard command with parameter bytes, then `reply.len()` reply bytes.
    fn kbd_command(
        &self,
        cmd: u8,
        params: &[u8],
        reply: &mut [u8],
        reply_timeout_us: u64,
    ) -> Result<(), Ps2Error> {
        self.kbd_send(cmd)?;
        for &p in params {
            self.kbd_send(p)?;
        }
        for r in reply {
            *r = self.read_within(reply_timeout_us)?;
        }
        Ok(())
    }
}

/// POST: controller and keyboard up, or a logged reason why not.
#[inline(never)] // POST step: its locals live only while it runs (stack budget)
pub fn init(ctx: &mut Ctx) {
    let leds = (ctx.mem.read_u8(bda::at(bda::KBD_FLAGS0)) >> 4) & KBD_LED_MASK;
    match bring_up(&I8042::new(ctx.io, ctx.clock), leds) {
        Ok(()) => {
            let f2 = ctx.mem.read_u8(bda::at(bda::KBD_FLAGS2));
            ctx.mem
                .write_u8(bda::at(bda::KBD_FLAGS2), f2 | KBD_FLAGS2_101KEY);
            let led = ctx.mem.read_u8(bda::at(bda::KBD_LED));
            ctx.mem
                .write_u8(bda::at(bda::KBD_LED), (led & !KBD_LED_MASK) | leds);
            info!("kbd", "keyboard ready");
        }
        Err(Failure { step, error }) => {
            warn!("kbd", "no keyboard: {step}: {error}");
        }
    }
}

fn bring_up(c: &I8042, leds: u8) -> Result<(), Failure> {
    if c.status() == STATUS_ABSENT {
        return Err(Ps2Error::Absent).at("probe");
    }
    c.flush().at("flush")?;
    c.command(CMD_DISABLE_KBD).at("disable keyboard port")?;
    c.command(CMD_DISABLE_AUX).at("disable mouse port")?;
    c.flush().at("flush")?;
    let cfg = c.command_reply(CMD_READ_CONFIG).at("read config")?;
    c.write_config(cfg & !(CFG_KBD_IRQ | CFG_AUX_IRQ))
        .at("write config")?;
    match c.command_reply(CMD_SELF_TEST).at("controller self-test")? {
        SELF_TEST_PASSED => {}
        other => return Err(Ps2Error::Unexpected(other)).at("controller self-test"),
    }
    match c
        .command_reply(CMD_KBD_INTERFACE_TEST)
        .at("keyboard interface test")?
    {
        INTERFACE_TEST_PASSED => {}
        other => return Err(Ps2Error::Unexpected(other)).at("keyboard interface test"),
    }
    // Keyboard port on, translation on, interrupts off while we talk to the keyboard.
    let base = CFG_SYSTEM | CFG_AUX_DISABLED | CFG_TRANSLATE;
    c.write_config(base).at("write config")?;
    c.command(CMD_ENABLE_KBD).at("enable keyboard port")?;
    let keyboard = bring_up_keyboard(c, leds);
    // With or without a keyboard now, IRQ1 on: one plugged in later still works.
    c.write_config(base | CFG_KBD_IRQ).at("enable IRQ1")?;
    keyboard
}

fn bring_up_keyboard(c: &I8042, leds: u8) -> Result<(), Failure> {
    let mut bat = [0u8];
    c.kbd_command(KBD_RESET, &[], &mut bat, KBD_BAT_TIMEOUT_US)
        .at("keyboard reset")?;
    if bat[0] != KBD_SELF_TEST_PASSED {
        return Err(Ps2Error::Unexpected(bat[0])).at("keyboard self-test");
    }
    c.kbd_command(KBD_SCANCODE_SET, &[SCANCODE_SET_2], &mut [], 0)
        .at("select scancode set 2")?;
    c.kbd_command(KBD_SET_LEDS, &[leds], &mut [], 0)
        .at("set LEDs")?;
    c.kbd_command(KBD_ENABLE_SCANNING, &[], &mut [], 0)
        .at("enable scanning")
}

/// LEDs: bit 0 Scroll Lock, bit 1 Num Lock, bit 2 Caps Lock (BDA 40:97 order).
pub fn set_leds(io: &dyn PortIo, clock: &dyn Clock, leds: u8) -> Result<(), Ps2Error> {
    I8042::new(io, clock).kbd_command(KBD_SET_LEDS, &[leds & KBD_LED_MASK], &mut [], 0)
}

/// Typematic byte: bits 6-5 delay (250 ms steps from 250 ms), bits 4-0 rate.
pub fn set_typematic(io: &dyn PortIo, clock: &dyn Clock, v: u8) -> Result<(), Ps2Error> {
    I8042::new(io, clock).kbd_command(KBD_TYPEMATIC, &[v], &mut [], 0)
}

/// The two ID bytes, first byte low (AB 41 for an MF2 keyboard behind translation).
pub fn identify(io: &dyn PortIo, clock: &dyn Clock) -> Result<u16, Ps2Error> {
    let mut id = [0u8; 2];
    I8042::new(io, clock).kbd_command(KBD_IDENTIFY, &[], &mut id, KBD_REPLY_TIMEOUT_US)?;
    Ok(u16::from_le_bytes(id))
}

/// Ask the controller to pulse the CPU reset line.
pub fn pulse_reset(io: &dyn PortIo, clock: &dyn Clock) -> Result<(), Ps2Error> {
    I8042::new(io, clock).command(CMD_PULSE_RESET)
}
