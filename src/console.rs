//! The user-visible text console. Until a VGA BIOS exists it is COM1 and the debug port;
//! int10 text and the boot messages go here, log lines go to the log sink.

pub trait Console {
    fn write(&mut self, bytes: &[u8]);
    /// A byte typed on the serial console, if any (boot menu, int16 on headless guests).
    fn read(&mut self) -> Option<u8> {
        None
    }
}

impl core::fmt::Write for dyn Console + '_ {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.write(s.as_bytes());
        Ok(())
    }
}
