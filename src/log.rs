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

struct SinkWriter(Sink);

impl Write for SinkWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        (self.0)(s);
        Ok(())
    }
}

#[doc(hidden)]
pub fn write_line(level: Level, tag: &str, args: fmt::Arguments) {
    let mut w = SinkWriter(sink());
    let prefix = match level {
        Level::Error => "ERROR: ",
        Level::Warn => "warning: ",
        _ => "",
    };
    let _ = writeln!(w, "[{tag}] {prefix}{args}");
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
