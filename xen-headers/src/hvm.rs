//! `hvm/params.h` and `hvm/hvm_op.h`: HVM parameters and `HYPERVISOR_hvm_op`.
//!
//! An HVM guest learns where its xenstore ring is, and on which event channel xenstore
//! listens, with `hvm_op(HVMOP_get_param, &XenHvmParam { domid: DOMID_SELF, index:
//! HVM_PARAM_STORE_PFN, .. })`. [`XenHvmParam`] has the same layout for 32- and 64-bit
//! callers.
//!
//! Note (see [`crate::xen`]): `HVMOP_set_param(HVM_PARAM_CALLBACK_IRQ)` also latches the shared
//! info layout from the caller's mode.

use core::mem::{offset_of, size_of};
use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::xen::Domid;

pub const HVMOP_SET_PARAM: u32 = 0;
pub const HVMOP_GET_PARAM: u32 = 1;
pub const HVMOP_FLUSH_TLBS: u32 = 5;
pub const HVMOP_PAGETABLE_DYING: u32 = 9;
pub const HVMOP_GET_TIME: u32 = 10;
pub const HVMOP_GET_MEM_TYPE: u32 = 15;
pub const HVMOP_SET_EVTCHN_UPCALL_VECTOR: u32 = 23;

/// The argument of `HVMOP_set_param` / `HVMOP_get_param` (`struct xen_hvm_param`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct XenHvmParam {
    /// IN: [`crate::xen::DOMID_SELF`].
    pub domid: Domid,
    pub pad: u16,
    /// IN: `HVM_PARAM_*`.
    pub index: u32,
    /// IN (set) / OUT (get).
    pub value: u64,
}

const_assert_eq!(size_of::<XenHvmParam>(), 16);
const_assert_eq!(offset_of!(XenHvmParam, domid), 0);
const_assert_eq!(offset_of!(XenHvmParam, pad), 2);
const_assert_eq!(offset_of!(XenHvmParam, index), 4);
const_assert_eq!(offset_of!(XenHvmParam, value), 8);

impl XenHvmParam {
    /// The argument for reading or writing parameter `index` of the calling domain.
    pub const fn new(index: u32, value: u64) -> Self {
        Self {
            domid: crate::xen::DOMID_SELF,
            pad: 0,
            index,
            value,
        }
    }
}

/// The argument of `HVMOP_set_evtchn_upcall_vector` (`struct xen_hvm_evtchn_upcall_vector`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct XenHvmEvtchnUpcallVector {
    pub vcpu: u32,
    pub vector: u8,
    pub _pad0: [u8; 3],
}

const_assert_eq!(size_of::<XenHvmEvtchnUpcallVector>(), 8);
const_assert_eq!(offset_of!(XenHvmEvtchnUpcallVector, vcpu), 0);
const_assert_eq!(offset_of!(XenHvmEvtchnUpcallVector, vector), 4);

/// How event channel notifications reach vCPU 0: 0 disables them, otherwise bits 63:56 are a
/// `HVM_PARAM_CALLBACK_TYPE_*` and the rest its argument (use the `callback_via_*` helpers).
pub const HVM_PARAM_CALLBACK_IRQ: u32 = 0;
/// The guest-physical frame of the xenstore ring page.
pub const HVM_PARAM_STORE_PFN: u32 = 1;
/// The event channel port of xenstore.
pub const HVM_PARAM_STORE_EVTCHN: u32 = 2;
pub const HVM_PARAM_IOREQ_PFN: u32 = 5;
pub const HVM_PARAM_BUFIOREQ_PFN: u32 = 6;
pub const HVM_PARAM_VIRIDIAN: u32 = 9;
pub const HVM_PARAM_TIMER_MODE: u32 = 10;
pub const HVM_PARAM_HPET_ENABLED: u32 = 11;
pub const HVM_PARAM_IDENT_PT: u32 = 12;
pub const HVM_PARAM_ACPI_S_STATE: u32 = 14;
pub const HVM_PARAM_VM86_TSS: u32 = 15;
pub const HVM_PARAM_VPT_ALIGN: u32 = 16;
/// The guest-physical frame of the PV console ring.
pub const HVM_PARAM_CONSOLE_PFN: u32 = 17;
/// The event channel port of the PV console.
pub const HVM_PARAM_CONSOLE_EVTCHN: u32 = 18;
/// Which ACPI PM register block Xen's own PM timer and PM1a event handlers serve: 0 the
/// old `*_V0` block at 0x1f40, 1 the `*_V1` block at 0xb000, where QEMU's PIIX4 PM is once
/// the firmware programs its base there (hvmloader sets 1 when it builds ACPI tables).
pub const HVM_PARAM_ACPI_IOPORTS_LOCATION: u32 = 19;
pub const HVM_PARAM_PAGING_RING_PFN: u32 = 27;
pub const HVM_PARAM_MONITOR_RING_PFN: u32 = 28;
pub const HVM_PARAM_SHARING_RING_PFN: u32 = 29;
pub const HVM_PARAM_TRIPLE_FAULT_REASON: u32 = 31;
pub const HVM_PARAM_IOREQ_SERVER_PFN: u32 = 32;
pub const HVM_PARAM_NR_IOREQ_SERVER_PAGES: u32 = 33;
pub const HVM_PARAM_VM_GENERATION_ID_ADDR: u32 = 34;
pub const HVM_PARAM_ALTP2M: u32 = 35;
pub const HVM_PARAM_X87_FIP_WIDTH: u32 = 36;
pub const HVM_PARAM_VM86_TSS_SIZED: u32 = 37;
pub const HVM_PARAM_MCA_CAP: u32 = 38;
pub const HVM_NR_PARAMS: u32 = 39;

/// Bits 63:56 of `HVM_PARAM_CALLBACK_IRQ`'s value: the delivery type.
pub const HVM_PARAM_CALLBACK_IRQ_TYPE_MASK: u64 = 0xff00_0000_0000_0000;
/// Where the type sits in the value.
pub const HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT: u32 = 56;
/// Bits 55:0 are a GSI (not 0).
pub const HVM_PARAM_CALLBACK_TYPE_GSI: u64 = 0;
/// Bits 55:0 are a PCI INTx line: domain 47:32, bus 31:16, devfn 15:8, INTx 1:0.
pub const HVM_PARAM_CALLBACK_TYPE_PCI_INTX: u64 = 1;
/// Bits 7:0 are an IDT vector (if `XENFEAT_hvm_callback_vector`).
pub const HVM_PARAM_CALLBACK_TYPE_VECTOR: u64 = 2;

/// `HVM_PARAM_CALLBACK_IRQ` value delivering events on GSI `gsi` (must not be 0).
pub const fn callback_via_gsi(gsi: u32) -> u64 {
    (HVM_PARAM_CALLBACK_TYPE_GSI << HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT) | gsi as u64
}

/// `HVM_PARAM_CALLBACK_IRQ` value delivering events as PCI INTx of a device (`intx` 0 = INTA#).
pub const fn callback_via_pci_intx(segment: u16, bus: u8, devfn: u8, intx: u8) -> u64 {
    (HVM_PARAM_CALLBACK_TYPE_PCI_INTX << HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT)
        | (segment as u64) << 32
        | (bus as u64) << 16
        | (devfn as u64) << 8
        | (intx & 3) as u64
}

/// `HVM_PARAM_CALLBACK_IRQ` value delivering events as IDT vector `vector`.
pub const fn callback_via_vector(vector: u8) -> u64 {
    (HVM_PARAM_CALLBACK_TYPE_VECTOR << HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT) | vector as u64
}

// `HVM_PARAM_TIMER_MODE` values.
pub const HVMPTM_DELAY_FOR_MISSED_TICKS: u64 = 0;
pub const HVMPTM_NO_DELAY_FOR_MISSED_TICKS: u64 = 1;
pub const HVMPTM_NO_MISSED_TICKS_PENDING: u64 = 2;
pub const HVMPTM_ONE_MISSED_TICK_PENDING: u64 = 3;

/// `hvm/ioreq.h`: the ACPI PM register block at `HVM_PARAM_ACPI_IOPORTS_LOCATION` = 1.
/// PM1a event (status and enable), PM1a control, the PM timer: 4 bytes each from 0xb000;
/// GPE0 at 0xafe0, 4 bytes (QEMU's PIIX4 has it there whatever its PM base).
pub const ACPI_PM1A_EVT_BLK_ADDRESS_V1: u16 = 0xb000;
pub const ACPI_PM1A_CNT_BLK_ADDRESS_V1: u16 = ACPI_PM1A_EVT_BLK_ADDRESS_V1 + 0x04;
pub const ACPI_PM_TMR_BLK_ADDRESS_V1: u16 = ACPI_PM1A_EVT_BLK_ADDRESS_V1 + 0x08;
pub const ACPI_GPE0_BLK_ADDRESS_V1: u16 = 0xafe0;
pub const ACPI_GPE0_BLK_LEN_V1: u16 = 0x04;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_values() {
        assert_eq!(callback_via_vector(0xf3), 0x0200_0000_0000_00f3);
        assert_eq!(callback_via_gsi(28), 28);
        // 0000:00:03.0 INTA#
        assert_eq!(
            callback_via_pci_intx(0, 0, 3 << 3, 0),
            0x0100_0000_0000_1800
        );
        assert_eq!(
            callback_via_vector(1) & HVM_PARAM_CALLBACK_IRQ_TYPE_MASK,
            HVM_PARAM_CALLBACK_TYPE_VECTOR << HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT
        );
    }

    #[test]
    fn param_argument_bytes() {
        let p = XenHvmParam::new(HVM_PARAM_STORE_PFN, 0);
        assert_eq!(
            p.as_bytes(),
            &[0xf0, 0x7f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
    }
}
