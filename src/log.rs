//! Logging tagged by subsystem: `info!("int13", "read lba {lba}")` prints `[int13] read lba 7`.
//!
//! Lines go to one sink: the debug port and COM1 in the image, a capture buffer in tests.
//! The level is fixed at compile time (`XENBIOS_LOG`, see build.rs): lines above it are
//! compiled out, so their format strings cost no ROM space.

use core::fmt::{self, Write};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Level {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
    Trace = 5,
}

/// The compile-time level, from `XENBIOS_LOG` (error, warn, info, debug, trace).
pub const MAX_LEVEL: u8 = parse_level(env!("XENBIOS_LOG_LEVEL"));

const fn parse_level(s: &str) -> u8 {
    s.as_bytes()[0] - b'0'
}

/// Where log text goes.
pub type Sink = fn(&str);

fn discard(_: &str) {}

static SINK: spin::Mutex<Sink> = spin::Mutex::new(discard);

pub fn set_sink(sink: Sink) {
    *SINK.lock() = sink;
}

pub fn sink() -> Sink {
    *SINK.lock()
}

/// Bytes of a log line assembled before it goes to the sink: most lines fit, so a line is
/// one sink call (one string write per port in the image); longer ones are flushed as the
/// buffer fills.
pub const LINE_BUF: usize = 160;

/// A line's text, gathered from its formatting pieces and handed to the sink in as few
/// calls as fit: only whole `&str` pieces are buffered, so what goes out is valid UTF-8 and
/// byte-identical to writing each piece.
struct LineWriter {
    sink: Sink,
    buf: [u8; LINE_BUF],
    len: usize,
}

impl LineWriter {
    fn flush(&mut self) {
        if self.len > 0 {
            // Whole `&str` pieces only were copied in (see `write_str`).
            (self.sink)(core::str::from_utf8(&self.buf[..self.len]).unwrap_or("?"));
            self.len = 0;
        }
    }
}

impl Write for LineWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if s.len() > LINE_BUF - self.len {
            self.flush();
        }
        if s.len() > LINE_BUF {
            (self.sink)(s);
        } else {
            self.buf[self.len..self.len + s.len()].copy_from_slice(s.as_bytes());
            self.len += s.len();
        }
        Ok(())
    }
}

#[doc(hidden)]
pub fn write_line(level: Level, tag: &str, args: fmt::Arguments) {
    let mut w = LineWriter {
        sink: sink(),
        buf: [0; LINE_BUF],
        len: 0,
    };
    let prefix = match level {
        Level::Error => "ERROR: ",
        Level::Warn => "warning: ",
        _ => "",
    };
    let _ = writeln!(w, "[{tag}] {prefix}{args}");
    w.flush();
}

#[macro_export]
macro_rules! log_at {
    ($level:expr, $tag:expr, $($arg:tt)*) => {
        if ($level as u8) <= $crate::log::MAX_LEVEL {
            $crate::log::write_line($level, $tag, format_args!($($arg)*))
        }
    };
}
#[macro_export]
macro_rules! error { ($tag:expr, $($arg:tt)*) => { $crate::log_at!($crate::log::Level::Error, $tag, $($arg)*) }; }
#[macro_export]
macro_rules! warn { ($tag:expr, $($arg:tt)*) => { $crate::log_at!($crate::log::Level::Warn, $tag, $($arg)*) }; }
#[macro_export]
macro_rules! info { ($tag:expr, $($arg:tt)*) => { $crate::log_at!($crate::log::Level::Info, $tag, $($arg)*) }; }
#[macro_export]
macro_rules! debug { ($tag:expr, $($arg:tt)*) => { $crate::log_at!($crate::log::Level::Debug, $tag, $($arg)*) }; }
#[macro_export]
macro_rules! trace { ($tag:expr, $($arg:tt)*) => { $crate::log_at!($crate::log::Level::Trace, $tag, $($arg)*) }; }
