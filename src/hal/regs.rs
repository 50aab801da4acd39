//! The register frame an interrupt service sees.
//!
//! `Regs` is exactly what the trampoline (src/arch/x86/trampoline.S) pushes on the
//! caller's stack; a service edits it and the trampoline loads it back, so the caller
//! sees the registers and FLAGS (CF above all) the service set.

use static_assertions::const_assert_eq;

bitflags::bitflags! {
    /// The 16-bit FLAGS register.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Flags: u16 {
        const CF = 1 << 0;
        const PF = 1 << 2;
        const AF = 1 << 4;
        const ZF = 1 << 6;
        const SF = 1 << 7;
        const TF = 1 << 8;
        const IF = 1 << 9;
        const DF = 1 << 10;
        const OF = 1 << 11;
    }
}

/// Caller registers, in trampoline push order (lowest address first). The trampoline
/// takes the offsets from here (src/arch/x86/asm.rs) and fails to assemble if the order
/// differs from its pushes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Regs {
    pub edi: u32,
    pub esi: u32,
    pub ebp: u32,
    /// As pushed by `pushal`; not loaded back.
    pub esp: u32,
    pub ebx: u32,
    pub edx: u32,
    pub ecx: u32,
    pub eax: u32,
    pub gs: u16,
    pub fs: u16,
    pub es: u16,
    pub ds: u16,
    /// Interrupt vector of the stub that was entered.
    pub vector: u16,
    pub ip: u16,
    pub cs: u16,
    pub flags: u16,
}
const_assert_eq!(core::mem::size_of::<Regs>(), 48);

macro_rules! reg16 {
    ($get:ident, $set:ident, $r:ident) => {
        #[inline]
        pub fn $get(&self) -> u16 {
            self.$r as u16
        }
        #[inline]
        pub fn $set(&mut self, v: u16) {
            self.$r = (self.$r & 0xffff_0000) | v as u32;
        }
    };
}
macro_rules! reg8 {
    ($get:ident, $set:ident, $r:ident, $shift:expr) => {
        #[inline]
        pub fn $get(&self) -> u8 {
            (self.$r >> $shift) as u8
        }
        #[inline]
        pub fn $set(&mut self, v: u8) {
            self.$r = (self.$r & !(0xff << $shift)) | (v as u32) << $shift;
        }
    };
}

impl Regs {
    reg16!(ax, set_ax, eax);
    reg16!(bx, set_bx, ebx);
    reg16!(cx, set_cx, ecx);
    reg16!(dx, set_dx, edx);
    reg16!(si, set_si, esi);
    reg16!(di, set_di, edi);
    reg16!(bp, set_bp, ebp);
    reg8!(al, set_al, eax, 0);
    reg8!(ah, set_ah, eax, 8);
    reg8!(bl, set_bl, ebx, 0);
    reg8!(bh, set_bh, ebx, 8);
    reg8!(cl, set_cl, ecx, 0);
    reg8!(ch, set_ch, ecx, 8);
    reg8!(dl, set_dl, edx, 0);
    reg8!(dh, set_dh, edx, 8);

    pub fn flags(&self) -> Flags {
        Flags::from_bits_retain(self.flags)
    }
    pub fn set_flag(&mut self, f: Flags, on: bool) {
        let mut fl = self.flags();
        fl.set(f, on);
        self.flags = fl.bits();
    }
    pub fn cf(&self) -> bool {
        self.flags().contains(Flags::CF)
    }
    pub fn set_cf(&mut self, on: bool) {
        self.set_flag(Flags::CF, on)
    }
    pub fn zf(&self) -> bool {
        self.flags().contains(Flags::ZF)
    }
    pub fn set_zf(&mut self, on: bool) {
        self.set_flag(Flags::ZF, on)
    }
    /// Success: CF clear, AH = 0.
    pub fn ok(&mut self) {
        self.set_ah(0);
        self.set_cf(false);
    }
    /// Failure: CF set, AH = `code`.
    pub fn fail(&mut self, code: u8) {
        self.set_ah(code);
        self.set_cf(true);
    }
    /// Linear address of ES:BX.
    pub fn es_bx(&self) -> u32 {
        crate::hal::mem::linear(self.es, self.bx())
    }
    /// Linear address of ES:DI.
    pub fn es_di(&self) -> u32 {
        crate::hal::mem::linear(self.es, self.di())
    }
    /// Linear address of DS:SI.
    pub fn ds_si(&self) -> u32 {
        crate::hal::mem::linear(self.ds, self.si())
    }
}

/// What the trampoline does once a service returns (it compares with `Yield`'s value,
/// given to it by src/arch/x86/asm.rs).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Load the frame back and `iret` to the caller.
    Return = 0,
    /// Let interrupts run (sti; hlt) on the caller's stack, then call the service again
    /// with the same frame: blocking waits (int16/00, int15/86) are built on this.
    Yield = 1,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_and_word_views_share_the_register() {
        let mut r = Regs {
            eax: 0x1234_5678,
            ..Default::default()
        };
        assert_eq!((r.ax(), r.ah(), r.al()), (0x5678, 0x56, 0x78));
        r.set_ah(0xaa);
        assert_eq!(r.eax, 0x1234_aa78);
        r.set_ax(0x0102);
        assert_eq!(r.eax, 0x1234_0102);
        r.fail(0x80);
        assert!(r.cf());
        assert_eq!(r.ah(), 0x80);
        r.ok();
        assert!(!r.cf());
        assert_eq!(r.ah(), 0);
    }

    #[test]
    fn segment_pointers_are_linear() {
        let r = Regs {
            es: 0x1000,
            ebx: 0xffff_0010,
            ..Default::default()
        };
        assert_eq!(r.es_bx(), 0x10010);
    }
}
