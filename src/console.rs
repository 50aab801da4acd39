//! The user-visible text console: boot messages, the boot menu, and int10 text while
//! there is no VGA BIOS. It always reaches COM1 (and the debug port); once POST has run a
//! VGA BIOS it reaches the screen too, through that BIOS's int10 teletype function.
//! Log lines are not console text: they go to the log sink only.

use crate::bda;
use crate::cpu::{Call16, Cpu};
use crate::mem::{FarPtr, Memory};
use crate::regs::Regs;

pub trait Console {
    fn write(&mut self, bytes: &[u8]);
    /// A byte typed on the serial console, if any (boot menu, int16 on headless guests).
    fn read(&mut self) -> Option<u8> {
        None
    }
    /// A VGA BIOS is installed with its int10 handler at `int10`: from now on text goes
    /// to the screen as well (see [`teletype_through`]).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::call_kind;
    use crate::sim::Machine;

    #[test]
    fn text_goes_to_the_vga_bios_one_teletype_call_per_byte_with_crlf() {
        let mut m = Machine::default();
        m.mem.write_u8(bda::at(bda::VIDEO_PAGE), 1);
        let vga = FarPtr::new(0xc000, 0x1234);
        teletype_through(&mut m.cpu, &m.mem, vga, b"ok\n");
        let calls: Vec<_> = m
            .cpu
            .calls
            .iter()
            .map(|c| (c.regs.cs, c.regs.ip, c.kind, c.regs.ax(), c.regs.bx()))
            .collect();
        let t = |c: u8| (0xc000, 0x1234, call_kind::INT, 0x0e00 | c as u16, 0x0107);
        assert_eq!(calls, vec![t(b'o'), t(b'k'), t(b'\r'), t(b'\n')]);
    }
}
