//! The user-visible text console: boot messages, the boot menu, and int10 text while
//! there is no VGA BIOS. It always reaches COM1 (and the debug port); once POST has run a
//! VGA BIOS it reaches the screen too, through that BIOS's int10 teletype function.
//! Log lines are not console text: they go to the log sink only.

use super::mem::FarPtr;

pub trait Console {
    fn write(&mut self, bytes: &[u8]);
    /// A byte typed on the serial console, if any (boot menu, int16 on headless guests).
    fn read(&mut self) -> Option<u8> {
        None
    }
    /// A VGA BIOS is installed with its int10 handler at `int10`: from now on text goes
    /// to the screen as well (`services::video::teletype_through`).
    fn attach_display(&mut self, int10: FarPtr) {
        let _ = int10;
    }
}

impl core::fmt::Write for dyn Console + '_ {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.write(s.as_bytes());
        Ok(())
    }
}
