//! `arch-x86/cpuid.h`: finding Xen through CPUID, and the hypercall page.
//!
//! Xen's leaves start at the first otherwise unused multiple of 0x100 from
//! [`XEN_CPUID_FIRST_LEAF`] (0x40000100 when Viridian is enabled, for instance): scan
//! `base = 0x40000000, 0x40000100, ...` up to [`XEN_CPUID_LAST_BASE`] for the
//! `"XenVMMXenVMM"` signature in EBX:ECX:EDX. Relative to that base:
//!
//! | leaf | EAX | EBX | ECX | EDX |
//! |---|---|---|---|---|
//! | +0 | largest Xen leaf | signature | signature | signature |
//! | +1 | major << 16 \| minor | | | |
//! | +2 | number of hypercall pages | base MSR of Xen's MSRs | features 1 | features 2 |
//! | +4 | HVM features (`XEN_HVM_CPUID_*`) | vCPU id | domain id | |
//!
//! Writing the guest-physical address of a free page (plus the page index, 0) to the MSR
//! numbered EBX of leaf +2 makes Xen fill that page with one stub per hypercall, each
//! [`HYPERCALL_STUB_SIZE`] bytes (`call hypercall_page + nr * 32`, `xen-x86_32.h`). Arguments go
//! in EBX, ECX, EDX, ESI, EDI for a 32-bit caller, the result comes back in EAX (a negative
//! `XEN_E*` errno on failure, see [`crate::errno`]).

/// The first leaf Xen may use (`XEN_CPUID_FIRST_LEAF`).
pub const XEN_CPUID_FIRST_LEAF: u32 = 0x4000_0000;
/// The last base worth probing: Xen keeps its leaves within 0x40000000..0x40010000.
pub const XEN_CPUID_LAST_BASE: u32 = 0x4000_ff00;
/// Distance between candidate bases.
pub const XEN_CPUID_BASE_STRIDE: u32 = 0x100;

/// `XEN_CPUID_LEAF(i)`: the `i`-th Xen leaf when Xen's leaves start at the first leaf.
pub const fn xen_cpuid_leaf(i: u32) -> u32 {
    XEN_CPUID_FIRST_LEAF + i
}

/// EBX of the signature leaf: "XenV".
pub const XEN_CPUID_SIGNATURE_EBX: u32 = 0x566e_6558;
/// ECX of the signature leaf: "MMXe".
pub const XEN_CPUID_SIGNATURE_ECX: u32 = 0x6558_4d4d;
/// EDX of the signature leaf: "nVMM".
pub const XEN_CPUID_SIGNATURE_EDX: u32 = 0x4d4d_566e;

/// Leaf offsets from the base found by the scan.
pub const XEN_CPUID_LEAF_SIGNATURE: u32 = 0;
pub const XEN_CPUID_LEAF_VERSION: u32 = 1;
pub const XEN_CPUID_LEAF_HYPERCALL: u32 = 2;
pub const XEN_CPUID_LEAF_TIME: u32 = 3;
pub const XEN_CPUID_LEAF_HVM: u32 = 4;
pub const XEN_CPUID_LEAF_PV: u32 = 5;
/// Number of Xen leaves defined (`XEN_CPUID_MAX_NUM_LEAVES`).
pub const XEN_CPUID_MAX_NUM_LEAVES: u32 = 5;

/// Leaf +2 ECX: `MMU_PT_UPDATE_PRESERVE_AD` is supported.
pub const XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD: u32 = 1 << 0;

// Leaf +4 EAX: HVM features.
pub const XEN_HVM_CPUID_APIC_ACCESS_VIRT: u32 = 1 << 0;
pub const XEN_HVM_CPUID_X2APIC_VIRT: u32 = 1 << 1;
pub const XEN_HVM_CPUID_IOMMU_MAPPINGS: u32 = 1 << 2;
/// EBX of leaf +4 holds the vCPU id.
pub const XEN_HVM_CPUID_VCPU_ID_PRESENT: u32 = 1 << 3;
/// ECX of leaf +4 holds the domain id.
pub const XEN_HVM_CPUID_DOMID_PRESENT: u32 = 1 << 4;
pub const XEN_HVM_CPUID_EXT_DEST_ID: u32 = 1 << 5;
pub const XEN_HVM_CPUID_UPCALL_VECTOR: u32 = 1 << 6;

/// Leaf +5 EBX: maximum machine address width.
pub const XEN_CPUID_MACHINE_ADDRESS_WIDTH_MASK: u32 = 0xff;

/// Bytes per hypercall stub in the hypercall page.
pub const HYPERCALL_STUB_SIZE: u32 = 32;

/// Whether EBX, ECX, EDX of a leaf carry Xen's signature.
pub const fn is_xen_signature(ebx: u32, ecx: u32, edx: u32) -> bool {
    ebx == XEN_CPUID_SIGNATURE_EBX
        && ecx == XEN_CPUID_SIGNATURE_ECX
        && edx == XEN_CPUID_SIGNATURE_EDX
}

/// The offset of hypercall `nr`'s stub in the hypercall page.
pub const fn hypercall_stub_offset(nr: u32) -> u32 {
    nr * HYPERCALL_STUB_SIZE
}

/// Splits EAX of the version leaf into (major, minor).
pub const fn version_from_eax(eax: u32) -> (u16, u16) {
    ((eax >> 16) as u16, eax as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_spells_xenvmmxenvmm() {
        let mut s = [0u8; 12];
        s[0..4].copy_from_slice(&XEN_CPUID_SIGNATURE_EBX.to_le_bytes());
        s[4..8].copy_from_slice(&XEN_CPUID_SIGNATURE_ECX.to_le_bytes());
        s[8..12].copy_from_slice(&XEN_CPUID_SIGNATURE_EDX.to_le_bytes());
        assert_eq!(&s, b"XenVMMXenVMM");
        assert!(is_xen_signature(
            XEN_CPUID_SIGNATURE_EBX,
            XEN_CPUID_SIGNATURE_ECX,
            XEN_CPUID_SIGNATURE_EDX
        ));
        assert!(!is_xen_signature(
            XEN_CPUID_SIGNATURE_EBX,
            0,
            XEN_CPUID_SIGNATURE_EDX
        ));
    }

    #[test]
    fn stubs_and_versions() {
        assert_eq!(
            hypercall_stub_offset(crate::xen::HYPERVISOR_XEN_VERSION),
            17 * 32
        );
        assert_eq!(version_from_eax(0x0004_0011), (4, 17));
        assert_eq!(xen_cpuid_leaf(XEN_CPUID_LEAF_HYPERCALL), 0x4000_0002);
    }
}
