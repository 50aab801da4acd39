//! What services need from the CPU mode switch: calling real-mode code and the caller's
//! A20 state. `arch::RealCpu` in the image, `xenbios_sim::SimCpu` in tests.

use crate::hal::regs::Regs;
use static_assertions::const_assert_eq;

/// Kinds of real-mode call (`Call16::kind`), as the trampoline understands them (it takes
/// these values from here).
pub mod call_kind {
    /// Emulate `int`: push FLAGS and clear IF; the callee returns with `iret`.
    pub const INT: u16 = 1;
    /// Run on `ss:sp` from the block instead of the firmware stack.
    pub const OWN_STACK: u16 = 2;
    /// The callee never returns (a boot sector): the firmware stack is free again.
    pub const NORETURN: u16 = 4;
}

/// A real-mode call: registers in, registers out. `regs.cs:regs.ip` is the target.
/// Layout shared with the trampoline (src/arch/x86/trampoline.S), which takes the
/// offsets of `regs`, `ss`, `sp` and `kind` from here (src/arch/x86/asm.rs).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Call16 {
    pub regs: Regs,
    pub ss: u16,
    pub sp: u16,
    pub kind: u16,
    pub _pad: u16,
}
const_assert_eq!(core::mem::size_of::<Call16>(), 56);

impl Call16 {
    /// A far call to `cs:ip` that returns with `retf`, on the firmware stack.
    pub fn far_call(cs: u16, ip: u16, regs: Regs) -> Self {
        Call16 {
            regs: Regs { cs, ip, ..regs },
            ..Default::default()
        }
    }
    /// A software interrupt `int vector`, through the IVT entry `handler`.
    pub fn int(handler: crate::hal::mem::FarPtr, regs: Regs) -> Self {
        Call16 {
            regs: Regs {
                cs: handler.segment,
                ip: handler.offset,
                ..regs
            },
            kind: call_kind::INT,
            ..Default::default()
        }
    }
}

pub trait Cpu {
    /// Run real-mode code; on return `call.regs` holds its registers and flags. With
    /// `call_kind::NORETURN` this does not return in the image.
    fn call16(&mut self, call: &mut Call16);
    /// Let interrupts in for a moment: POST's waits (the boot menu) call this between
    /// looks at the key ring so that the tick and the keyboard IRQ run. In the image: in
    /// real mode, interrupts on, until one interrupt has been handled (or at once when the
    /// timer is masked). The firmware state must not be held: the handlers lock it.
    fn wait_for_interrupt(&mut self);
    /// A20 as the interrupted caller will get it back.
    fn caller_a20(&self) -> bool;
    fn set_caller_a20(&mut self, on: bool);
    /// CPUID leaf `leaf`, sub-leaf `sub`: [eax, ebx, ecx, edx].
    fn cpuid(&self, leaf: u32, sub: u32) -> [u32; 4];
    /// Read model-specific register `msr`. The caller names only MSRs that CPUID says
    /// exist: in the image any other one raises #GP, which the firmware does not handle.
    fn rdmsr(&self, msr: u32) -> u64;
    /// Write model-specific register `msr` (same rule as [`Cpu::rdmsr`], and the value
    /// must be one the register accepts: reserved bits set also raise #GP).
    fn wrmsr(&mut self, msr: u32, value: u64);
}

/// CPUID leaf 1 EDX bit 9: the CPU has a local APIC.
pub const CPUID_1_EDX_APIC: u32 = 1 << 9;
/// CPUID leaf 1 EDX bit 12: the CPU has MTRRs (and the MTRRcap MSR) (Intel SDM vol. 2A,
/// CPUID, table 3-11).
pub const CPUID_1_EDX_MTRR: u32 = 1 << 12;
