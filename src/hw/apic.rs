//! The local APIC in virtual-wire mode: LINT0 passes the 8259's interrupt through as
//! ExtINT and LINT1 carries NMI. After reset both are masked, so without this no IRQ from
//! the PIC reaches the CPU (no timer tick, no keyboard) on machines with an APIC.

use crate::hal::mem::Memory;

/// Where the local APIC sits unless firmware moved it (MSR IA32_APIC_BASE reset value).
pub const DEFAULT_BASE: u32 = 0xfee0_0000;
const REG_SVR: u32 = 0xf0;
const REG_LVT_LINT0: u32 = 0x350;
const REG_LVT_LINT1: u32 = 0x360;
/// Spurious-interrupt vector register: bit 8 enables the APIC; vector 0xff.
const SVR_ENABLE: u32 = 1 << 8;
const SPURIOUS_VECTOR: u32 = 0xff;
/// LVT delivery modes (bits 10:8).
const LVT_EXTINT: u32 = 0b111 << 8;
const LVT_NMI: u32 = 0b100 << 8;

pub fn virtual_wire(mem: &mut dyn Memory, base: u32) {
    mem.write_u32(base + REG_SVR, SVR_ENABLE | SPURIOUS_VECTOR);
    mem.write_u32(base + REG_LVT_LINT0, LVT_EXTINT);
    mem.write_u32(base + REG_LVT_LINT1, LVT_NMI);
    info!(
        "apic",
        "local APIC at {base:#x}: virtual wire (LINT0 ExtINT, LINT1 NMI)"
    );
}
