//! The ABI test: compiles `tests/abi.c` against the installed Xen public headers (Debian's
//! `libxen-dev`) with `-m32` and with `-m64`, runs it, and compares every size, alignment,
//! field offset, constant and string it prints with the Rust definitions: the `x86_32` layouts
//! against the `-m32` build, the `x86_64` layouts against the `-m64` build, and the
//! layout-independent definitions against both.
//!
//! The comparison is two-way: a line printed by the C program that no Rust entry claims fails
//! the test, and so does a Rust entry the C program did not print.
//!
//! If the compiler, the Xen headers or 32-bit support (`gcc-multilib`) are missing, the test
//! fails when `CI` is set (CI installs them) and otherwise skips with a message on stderr.
//! Set `CC` to use another C compiler.

use std::collections::BTreeMap;
use std::io::Write;
use std::mem::{align_of, offset_of, size_of};
use std::path::{Path, PathBuf};
use std::process::Command;

use xen_headers::{cpuid, errno, event_channel, grant_table, hvm, io, memory, sched, version, xen};

/// Expected `kind<TAB>key` → value, as the C program prints them.
#[derive(Default)]
struct Table(BTreeMap<String, String>);

impl Table {
    fn add(&mut self, kind: &str, key: &str, value: impl ToString) {
        let k = format!("{kind}\t{key}");
        let old = self.0.insert(k.clone(), value.to_string());
        assert!(old.is_none(), "duplicate Rust table entry {k:?}");
    }
}

macro_rules! size {
    ($t:ident, $c:literal, $ty:ty) => {
        $t.add("size", $c, size_of::<$ty>())
    };
}
macro_rules! align {
    ($t:ident, $c:literal, $ty:ty) => {
        $t.add("align", $c, align_of::<$ty>())
    };
}
/// Offsets of fields with the same name in C and Rust.
macro_rules! offs {
    ($t:ident, $c:literal, $ty:ty, [$($f:ident),+ $(,)?]) => {
        $( $t.add("offset", concat!($c, ".", stringify!($f)), offset_of!($ty, $f)); )+
    };
}
/// One offset, with the C designator and the Rust value spelled out.
macro_rules! off {
    ($t:ident, $c:literal, $v:expr) => {
        $t.add("offset", $c, $v)
    };
}
/// A constant: printed by C as `(long long)(x)`; Rust integers are converted the same way.
macro_rules! k {
    ($t:ident, $c:literal, $v:expr) => {
        $t.add("const", $c, ($v) as i64)
    };
}
macro_rules! s {
    ($t:ident, $c:literal, $v:expr) => {
        $t.add("string", $c, $v)
    };
}

/// Entries whose layout (or value) does not depend on the guest's bitness.
fn common(t: &mut Table) {
    use event_channel::*;
    use grant_table::*;
    use hvm::{XenHvmEvtchnUpcallVector, XenHvmParam};
    use io::blkif::BlkifRequestSegment;
    use io::xs_wire::{XenstoreDomainInterface, XsdSockmsg};
    use sched::{SchedRemoteShutdown, SchedShutdown};
    use version::XenFeatureInfo;
    use xen::VcpuTimeInfo;

    size!(t, "domid_t", xen::Domid);
    size!(t, "struct vcpu_time_info", VcpuTimeInfo);
    offs!(
        t,
        "struct vcpu_time_info",
        VcpuTimeInfo,
        [
            version,
            pad0,
            tsc_timestamp,
            system_time,
            tsc_to_system_mul,
            tsc_shift,
            flags,
            pad1,
        ]
    );

    size!(t, "xen_extraversion_t", version::XenExtraversion);
    size!(t, "struct xen_feature_info", XenFeatureInfo);
    align!(t, "struct xen_feature_info", XenFeatureInfo);
    offs!(
        t,
        "struct xen_feature_info",
        XenFeatureInfo,
        [submap_idx, submap]
    );

    size!(t, "struct xen_hvm_param", XenHvmParam);
    offs!(
        t,
        "struct xen_hvm_param",
        XenHvmParam,
        [domid, pad, index, value]
    );
    size!(
        t,
        "struct xen_hvm_evtchn_upcall_vector",
        XenHvmEvtchnUpcallVector
    );
    align!(
        t,
        "struct xen_hvm_evtchn_upcall_vector",
        XenHvmEvtchnUpcallVector
    );
    offs!(
        t,
        "struct xen_hvm_evtchn_upcall_vector",
        XenHvmEvtchnUpcallVector,
        [vcpu, vector]
    );

    {
        use xen_headers::hvm_info_table::HvmInfoTable;
        use xen_headers::start_info::{HvmMemmapTableEntry, HvmModlistEntry, HvmStartInfo};
        size!(t, "struct hvm_info_table", HvmInfoTable);
        offs!(
            t,
            "struct hvm_info_table",
            HvmInfoTable,
            [
                checksum,
                apic_mode,
                nr_vcpus,
                low_mem_pgend,
                reserved_mem_pgstart,
                high_mem_pgend,
                vcpu_online
            ]
        );
        size!(t, "struct hvm_start_info", HvmStartInfo);
        offs!(
            t,
            "struct hvm_start_info",
            HvmStartInfo,
            [
                nr_modules,
                modlist_paddr,
                rsdp_paddr,
                memmap_paddr,
                memmap_entries
            ]
        );
        size!(t, "struct hvm_modlist_entry", HvmModlistEntry);
        offs!(
            t,
            "struct hvm_modlist_entry",
            HvmModlistEntry,
            [cmdline_paddr]
        );
        size!(t, "struct hvm_memmap_table_entry", HvmMemmapTableEntry);
        off!(
            t,
            "struct hvm_memmap_table_entry.type",
            offset_of!(HvmMemmapTableEntry, r#type)
        );
    }
    size!(t, "evtchn_port_t", EvtchnPort);
    size!(t, "struct evtchn_alloc_unbound", EvtchnAllocUnbound);
    align!(t, "struct evtchn_alloc_unbound", EvtchnAllocUnbound);
    offs!(
        t,
        "struct evtchn_alloc_unbound",
        EvtchnAllocUnbound,
        [dom, remote_dom, port]
    );
    size!(t, "struct evtchn_bind_interdomain", EvtchnBindInterdomain);
    align!(t, "struct evtchn_bind_interdomain", EvtchnBindInterdomain);
    offs!(
        t,
        "struct evtchn_bind_interdomain",
        EvtchnBindInterdomain,
        [remote_dom, remote_port, local_port,]
    );
    size!(t, "struct evtchn_close", EvtchnClose);
    align!(t, "struct evtchn_close", EvtchnClose);
    offs!(t, "struct evtchn_close", EvtchnClose, [port]);
    size!(t, "struct evtchn_send", EvtchnSend);
    align!(t, "struct evtchn_send", EvtchnSend);
    offs!(t, "struct evtchn_send", EvtchnSend, [port]);
    size!(t, "struct evtchn_unmask", EvtchnUnmask);
    align!(t, "struct evtchn_unmask", EvtchnUnmask);
    offs!(t, "struct evtchn_unmask", EvtchnUnmask, [port]);
    size!(t, "struct evtchn_bind_vcpu", EvtchnBindVcpu);
    align!(t, "struct evtchn_bind_vcpu", EvtchnBindVcpu);
    offs!(t, "struct evtchn_bind_vcpu", EvtchnBindVcpu, [port, vcpu]);
    size!(t, "struct evtchn_status", EvtchnStatus);
    align!(t, "struct evtchn_status", EvtchnStatus);
    offs!(
        t,
        "struct evtchn_status",
        EvtchnStatus,
        [dom, port, status, vcpu, u]
    );
    // The union members, as the accessors read them: u[0] low half, u[1], u[0].
    let u = offset_of!(EvtchnStatus, u);
    off!(t, "struct evtchn_status.u.unbound.dom", u);
    off!(t, "struct evtchn_status.u.interdomain.dom", u);
    off!(
        t,
        "struct evtchn_status.u.interdomain.port",
        u + size_of::<u32>()
    );
    off!(t, "struct evtchn_status.u.pirq", u);
    off!(t, "struct evtchn_status.u.virq", u);

    size!(t, "grant_ref_t", GrantRef);
    size!(t, "struct grant_entry_v1", GrantEntryV1);
    align!(t, "struct grant_entry_v1", GrantEntryV1);
    offs!(
        t,
        "struct grant_entry_v1",
        GrantEntryV1,
        [flags, domid, frame]
    );
    size!(t, "struct gnttab_query_size", GnttabQuerySize);
    align!(t, "struct gnttab_query_size", GnttabQuerySize);
    offs!(
        t,
        "struct gnttab_query_size",
        GnttabQuerySize,
        [dom, nr_frames, max_nr_frames, status]
    );

    size!(t, "struct sched_shutdown", SchedShutdown);
    align!(t, "struct sched_shutdown", SchedShutdown);
    offs!(t, "struct sched_shutdown", SchedShutdown, [reason]);
    size!(t, "struct sched_remote_shutdown", SchedRemoteShutdown);
    align!(t, "struct sched_remote_shutdown", SchedRemoteShutdown);
    offs!(
        t,
        "struct sched_remote_shutdown",
        SchedRemoteShutdown,
        [domain_id, reason]
    );

    size!(t, "struct xsd_sockmsg", XsdSockmsg);
    align!(t, "struct xsd_sockmsg", XsdSockmsg);
    off!(t, "struct xsd_sockmsg.type", offset_of!(XsdSockmsg, r#type));
    offs!(t, "struct xsd_sockmsg", XsdSockmsg, [req_id, tx_id, len]);
    size!(
        t,
        "struct xenstore_domain_interface",
        XenstoreDomainInterface
    );
    align!(
        t,
        "struct xenstore_domain_interface",
        XenstoreDomainInterface
    );
    offs!(
        t,
        "struct xenstore_domain_interface",
        XenstoreDomainInterface,
        [
            req,
            rsp,
            req_cons,
            req_prod,
            rsp_cons,
            rsp_prod,
            server_features,
            connection,
            error,
        ]
    );

    size!(t, "XenbusState", io::xenbus::XenbusState);

    size!(t, "RING_IDX", io::ring::RingIdx);
    size!(t, "blkif_vdev_t", io::blkif::BlkifVdev);
    size!(t, "blkif_sector_t", io::blkif::BlkifSector);
    size!(t, "struct blkif_request_segment", BlkifRequestSegment);
    align!(t, "struct blkif_request_segment", BlkifRequestSegment);
    offs!(
        t,
        "struct blkif_request_segment",
        BlkifRequestSegment,
        [gref, first_sect, last_sect]
    );
    // The generic ring header, as it starts every blkif_sring.
    {
        use io::ring::SringHeader;
        offs!(
            t,
            "struct blkif_sring",
            SringHeader,
            [req_prod, req_event, rsp_prod, rsp_event, pvt]
        );
        off!(t, "struct blkif_sring.__pad", offset_of!(SringHeader, pad));
        off!(t, "struct blkif_sring.ring", io::ring::SRING_HEADER_SIZE);
    }

    constants(t);
}

fn constants(t: &mut Table) {
    k!(
        t,
        "__HYPERVISOR_set_trap_table",
        xen::HYPERVISOR_SET_TRAP_TABLE
    );
    k!(t, "__HYPERVISOR_mmu_update", xen::HYPERVISOR_MMU_UPDATE);
    k!(t, "__HYPERVISOR_set_gdt", xen::HYPERVISOR_SET_GDT);
    k!(t, "__HYPERVISOR_stack_switch", xen::HYPERVISOR_STACK_SWITCH);
    k!(
        t,
        "__HYPERVISOR_set_callbacks",
        xen::HYPERVISOR_SET_CALLBACKS
    );
    k!(
        t,
        "__HYPERVISOR_fpu_taskswitch",
        xen::HYPERVISOR_FPU_TASKSWITCH
    );
    k!(
        t,
        "__HYPERVISOR_sched_op_compat",
        xen::HYPERVISOR_SCHED_OP_COMPAT
    );
    k!(t, "__HYPERVISOR_platform_op", xen::HYPERVISOR_PLATFORM_OP);
    k!(t, "__HYPERVISOR_set_debugreg", xen::HYPERVISOR_SET_DEBUGREG);
    k!(t, "__HYPERVISOR_get_debugreg", xen::HYPERVISOR_GET_DEBUGREG);
    k!(
        t,
        "__HYPERVISOR_update_descriptor",
        xen::HYPERVISOR_UPDATE_DESCRIPTOR
    );
    k!(t, "__HYPERVISOR_memory_op", xen::HYPERVISOR_MEMORY_OP);
    k!(t, "__HYPERVISOR_multicall", xen::HYPERVISOR_MULTICALL);
    k!(
        t,
        "__HYPERVISOR_update_va_mapping",
        xen::HYPERVISOR_UPDATE_VA_MAPPING
    );
    k!(t, "__HYPERVISOR_set_timer_op", xen::HYPERVISOR_SET_TIMER_OP);
    k!(
        t,
        "__HYPERVISOR_event_channel_op_compat",
        xen::HYPERVISOR_EVENT_CHANNEL_OP_COMPAT
    );
    k!(t, "__HYPERVISOR_xen_version", xen::HYPERVISOR_XEN_VERSION);
    k!(t, "__HYPERVISOR_console_io", xen::HYPERVISOR_CONSOLE_IO);
    k!(
        t,
        "__HYPERVISOR_physdev_op_compat",
        xen::HYPERVISOR_PHYSDEV_OP_COMPAT
    );
    k!(
        t,
        "__HYPERVISOR_grant_table_op",
        xen::HYPERVISOR_GRANT_TABLE_OP
    );
    k!(t, "__HYPERVISOR_vm_assist", xen::HYPERVISOR_VM_ASSIST);
    k!(
        t,
        "__HYPERVISOR_update_va_mapping_otherdomain",
        xen::HYPERVISOR_UPDATE_VA_MAPPING_OTHERDOMAIN
    );
    k!(t, "__HYPERVISOR_iret", xen::HYPERVISOR_IRET);
    k!(t, "__HYPERVISOR_vcpu_op", xen::HYPERVISOR_VCPU_OP);
    k!(
        t,
        "__HYPERVISOR_set_segment_base",
        xen::HYPERVISOR_SET_SEGMENT_BASE
    );
    k!(t, "__HYPERVISOR_mmuext_op", xen::HYPERVISOR_MMUEXT_OP);
    k!(t, "__HYPERVISOR_xsm_op", xen::HYPERVISOR_XSM_OP);
    k!(t, "__HYPERVISOR_nmi_op", xen::HYPERVISOR_NMI_OP);
    k!(t, "__HYPERVISOR_sched_op", xen::HYPERVISOR_SCHED_OP);
    k!(t, "__HYPERVISOR_callback_op", xen::HYPERVISOR_CALLBACK_OP);
    k!(t, "__HYPERVISOR_xenoprof_op", xen::HYPERVISOR_XENOPROF_OP);
    k!(
        t,
        "__HYPERVISOR_event_channel_op",
        xen::HYPERVISOR_EVENT_CHANNEL_OP
    );
    k!(t, "__HYPERVISOR_physdev_op", xen::HYPERVISOR_PHYSDEV_OP);
    k!(t, "__HYPERVISOR_hvm_op", xen::HYPERVISOR_HVM_OP);
    k!(t, "__HYPERVISOR_sysctl", xen::HYPERVISOR_SYSCTL);
    k!(t, "__HYPERVISOR_domctl", xen::HYPERVISOR_DOMCTL);
    k!(t, "__HYPERVISOR_kexec_op", xen::HYPERVISOR_KEXEC_OP);
    k!(t, "__HYPERVISOR_tmem_op", xen::HYPERVISOR_TMEM_OP);
    k!(t, "__HYPERVISOR_argo_op", xen::HYPERVISOR_ARGO_OP);
    k!(t, "__HYPERVISOR_xenpmu_op", xen::HYPERVISOR_XENPMU_OP);
    k!(t, "__HYPERVISOR_dm_op", xen::HYPERVISOR_DM_OP);
    k!(t, "__HYPERVISOR_hypfs_op", xen::HYPERVISOR_HYPFS_OP);
    k!(t, "__HYPERVISOR_arch_0", xen::HYPERVISOR_ARCH_0);
    k!(t, "__HYPERVISOR_arch_1", xen::HYPERVISOR_ARCH_1);
    k!(t, "__HYPERVISOR_arch_2", xen::HYPERVISOR_ARCH_2);
    k!(t, "__HYPERVISOR_arch_3", xen::HYPERVISOR_ARCH_3);
    k!(t, "__HYPERVISOR_arch_4", xen::HYPERVISOR_ARCH_4);
    k!(t, "__HYPERVISOR_arch_5", xen::HYPERVISOR_ARCH_5);
    k!(t, "__HYPERVISOR_arch_6", xen::HYPERVISOR_ARCH_6);
    k!(t, "__HYPERVISOR_arch_7", xen::HYPERVISOR_ARCH_7);
    k!(t, "DOMID_FIRST_RESERVED", xen::DOMID_FIRST_RESERVED);
    k!(t, "DOMID_SELF", xen::DOMID_SELF);
    k!(t, "DOMID_IO", xen::DOMID_IO);
    k!(t, "DOMID_XEN", xen::DOMID_XEN);
    k!(t, "DOMID_COW", xen::DOMID_COW);
    k!(t, "DOMID_INVALID", xen::DOMID_INVALID);
    k!(t, "DOMID_IDLE", xen::DOMID_IDLE);
    k!(t, "DOMID_MASK", xen::DOMID_MASK);
    k!(t, "XEN_LEGACY_MAX_VCPUS", xen::XEN_LEGACY_MAX_VCPUS);
    k!(t, "XEN_HVM_DEBUGCONS_IOPORT", xen::XEN_HVM_DEBUGCONS_IOPORT);
    k!(
        t,
        "XEN_PVCLOCK_TSC_STABLE_BIT",
        xen::XEN_PVCLOCK_TSC_STABLE_BIT
    );
    k!(
        t,
        "XEN_PVCLOCK_GUEST_STOPPED",
        xen::XEN_PVCLOCK_GUEST_STOPPED
    );
    k!(t, "XEN_CPUID_FIRST_LEAF", cpuid::XEN_CPUID_FIRST_LEAF);
    k!(t, "XEN_CPUID_SIGNATURE_EBX", cpuid::XEN_CPUID_SIGNATURE_EBX);
    k!(t, "XEN_CPUID_SIGNATURE_ECX", cpuid::XEN_CPUID_SIGNATURE_ECX);
    k!(t, "XEN_CPUID_SIGNATURE_EDX", cpuid::XEN_CPUID_SIGNATURE_EDX);
    k!(
        t,
        "XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD",
        cpuid::XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD
    );
    k!(
        t,
        "XEN_HVM_CPUID_APIC_ACCESS_VIRT",
        cpuid::XEN_HVM_CPUID_APIC_ACCESS_VIRT
    );
    k!(
        t,
        "XEN_HVM_CPUID_X2APIC_VIRT",
        cpuid::XEN_HVM_CPUID_X2APIC_VIRT
    );
    k!(
        t,
        "XEN_HVM_CPUID_IOMMU_MAPPINGS",
        cpuid::XEN_HVM_CPUID_IOMMU_MAPPINGS
    );
    k!(
        t,
        "XEN_HVM_CPUID_VCPU_ID_PRESENT",
        cpuid::XEN_HVM_CPUID_VCPU_ID_PRESENT
    );
    k!(
        t,
        "XEN_HVM_CPUID_DOMID_PRESENT",
        cpuid::XEN_HVM_CPUID_DOMID_PRESENT
    );
    k!(
        t,
        "XEN_HVM_CPUID_EXT_DEST_ID",
        cpuid::XEN_HVM_CPUID_EXT_DEST_ID
    );
    k!(
        t,
        "XEN_HVM_CPUID_UPCALL_VECTOR",
        cpuid::XEN_HVM_CPUID_UPCALL_VECTOR
    );
    k!(
        t,
        "XEN_CPUID_MACHINE_ADDRESS_WIDTH_MASK",
        cpuid::XEN_CPUID_MACHINE_ADDRESS_WIDTH_MASK
    );
    k!(
        t,
        "XEN_CPUID_MAX_NUM_LEAVES",
        cpuid::XEN_CPUID_MAX_NUM_LEAVES
    );
    k!(t, "XEN_EPERM", errno::XEN_EPERM);
    k!(t, "XEN_ENOENT", errno::XEN_ENOENT);
    k!(t, "XEN_ESRCH", errno::XEN_ESRCH);
    k!(t, "XEN_EIO", errno::XEN_EIO);
    k!(t, "XEN_ENXIO", errno::XEN_ENXIO);
    k!(t, "XEN_E2BIG", errno::XEN_E2BIG);
    k!(t, "XEN_ENOEXEC", errno::XEN_ENOEXEC);
    k!(t, "XEN_EBADF", errno::XEN_EBADF);
    k!(t, "XEN_ECHILD", errno::XEN_ECHILD);
    k!(t, "XEN_EAGAIN", errno::XEN_EAGAIN);
    k!(t, "XEN_EWOULDBLOCK", errno::XEN_EWOULDBLOCK);
    k!(t, "XEN_ENOMEM", errno::XEN_ENOMEM);
    k!(t, "XEN_EACCES", errno::XEN_EACCES);
    k!(t, "XEN_EFAULT", errno::XEN_EFAULT);
    k!(t, "XEN_EBUSY", errno::XEN_EBUSY);
    k!(t, "XEN_EEXIST", errno::XEN_EEXIST);
    k!(t, "XEN_EXDEV", errno::XEN_EXDEV);
    k!(t, "XEN_ENODEV", errno::XEN_ENODEV);
    k!(t, "XEN_ENOTDIR", errno::XEN_ENOTDIR);
    k!(t, "XEN_EISDIR", errno::XEN_EISDIR);
    k!(t, "XEN_EINVAL", errno::XEN_EINVAL);
    k!(t, "XEN_ENFILE", errno::XEN_ENFILE);
    k!(t, "XEN_EMFILE", errno::XEN_EMFILE);
    k!(t, "XEN_ENOSPC", errno::XEN_ENOSPC);
    k!(t, "XEN_EROFS", errno::XEN_EROFS);
    k!(t, "XEN_EMLINK", errno::XEN_EMLINK);
    k!(t, "XEN_EDOM", errno::XEN_EDOM);
    k!(t, "XEN_ERANGE", errno::XEN_ERANGE);
    k!(t, "XEN_EDEADLK", errno::XEN_EDEADLK);
    k!(t, "XEN_EDEADLOCK", errno::XEN_EDEADLOCK);
    k!(t, "XEN_ENAMETOOLONG", errno::XEN_ENAMETOOLONG);
    k!(t, "XEN_ENOLCK", errno::XEN_ENOLCK);
    k!(t, "XEN_ENOSYS", errno::XEN_ENOSYS);
    k!(t, "XEN_ENOTEMPTY", errno::XEN_ENOTEMPTY);
    k!(t, "XEN_ENODATA", errno::XEN_ENODATA);
    k!(t, "XEN_ETIME", errno::XEN_ETIME);
    k!(t, "XEN_EBADMSG", errno::XEN_EBADMSG);
    k!(t, "XEN_EOVERFLOW", errno::XEN_EOVERFLOW);
    k!(t, "XEN_EILSEQ", errno::XEN_EILSEQ);
    k!(t, "XEN_ENOTSOCK", errno::XEN_ENOTSOCK);
    k!(t, "XEN_EMSGSIZE", errno::XEN_EMSGSIZE);
    k!(t, "XEN_EOPNOTSUPP", errno::XEN_EOPNOTSUPP);
    k!(t, "XEN_EADDRINUSE", errno::XEN_EADDRINUSE);
    k!(t, "XEN_EADDRNOTAVAIL", errno::XEN_EADDRNOTAVAIL);
    k!(t, "XEN_ENOBUFS", errno::XEN_ENOBUFS);
    k!(t, "XEN_EISCONN", errno::XEN_EISCONN);
    k!(t, "XEN_ENOTCONN", errno::XEN_ENOTCONN);
    k!(t, "XEN_ETIMEDOUT", errno::XEN_ETIMEDOUT);
    k!(t, "XEN_ECONNREFUSED", errno::XEN_ECONNREFUSED);
    k!(t, "XENVER_version", version::XENVER_VERSION);
    k!(t, "XENVER_extraversion", version::XENVER_EXTRAVERSION);
    k!(t, "XENVER_compile_info", version::XENVER_COMPILE_INFO);
    k!(t, "XENVER_capabilities", version::XENVER_CAPABILITIES);
    k!(t, "XENVER_changeset", version::XENVER_CHANGESET);
    k!(
        t,
        "XENVER_platform_parameters",
        version::XENVER_PLATFORM_PARAMETERS
    );
    k!(t, "XENVER_get_features", version::XENVER_GET_FEATURES);
    k!(t, "XENVER_pagesize", version::XENVER_PAGESIZE);
    k!(t, "XENVER_guest_handle", version::XENVER_GUEST_HANDLE);
    k!(t, "XENVER_commandline", version::XENVER_COMMANDLINE);
    k!(t, "XENVER_build_id", version::XENVER_BUILD_ID);
    k!(t, "XEN_EXTRAVERSION_LEN", version::XEN_EXTRAVERSION_LEN);
    k!(
        t,
        "XEN_CAPABILITIES_INFO_LEN",
        version::XEN_CAPABILITIES_INFO_LEN
    );
    k!(t, "XEN_CHANGESET_INFO_LEN", version::XEN_CHANGESET_INFO_LEN);
    k!(
        t,
        "XENFEAT_writable_page_tables",
        version::XENFEAT_WRITABLE_PAGE_TABLES
    );
    k!(
        t,
        "XENFEAT_writable_descriptor_tables",
        version::XENFEAT_WRITABLE_DESCRIPTOR_TABLES
    );
    k!(
        t,
        "XENFEAT_auto_translated_physmap",
        version::XENFEAT_AUTO_TRANSLATED_PHYSMAP
    );
    k!(
        t,
        "XENFEAT_supervisor_mode_kernel",
        version::XENFEAT_SUPERVISOR_MODE_KERNEL
    );
    k!(
        t,
        "XENFEAT_pae_pgdir_above_4gb",
        version::XENFEAT_PAE_PGDIR_ABOVE_4GB
    );
    k!(
        t,
        "XENFEAT_mmu_pt_update_preserve_ad",
        version::XENFEAT_MMU_PT_UPDATE_PRESERVE_AD
    );
    k!(t, "XENFEAT_highmem_assist", version::XENFEAT_HIGHMEM_ASSIST);
    k!(
        t,
        "XENFEAT_gnttab_map_avail_bits",
        version::XENFEAT_GNTTAB_MAP_AVAIL_BITS
    );
    k!(
        t,
        "XENFEAT_hvm_callback_vector",
        version::XENFEAT_HVM_CALLBACK_VECTOR
    );
    k!(
        t,
        "XENFEAT_hvm_safe_pvclock",
        version::XENFEAT_HVM_SAFE_PVCLOCK
    );
    k!(t, "XENFEAT_hvm_pirqs", version::XENFEAT_HVM_PIRQS);
    k!(t, "XENFEAT_dom0", version::XENFEAT_DOM0);
    k!(
        t,
        "XENFEAT_memory_op_vnode_supported",
        version::XENFEAT_MEMORY_OP_VNODE_SUPPORTED
    );
    k!(
        t,
        "XENFEAT_ARM_SMCCC_supported",
        version::XENFEAT_ARM_SMCCC_SUPPORTED
    );
    k!(
        t,
        "XENFEAT_linux_rsdp_unrestricted",
        version::XENFEAT_LINUX_RSDP_UNRESTRICTED
    );
    k!(
        t,
        "XENFEAT_not_direct_mapped",
        version::XENFEAT_NOT_DIRECT_MAPPED
    );
    k!(t, "XENFEAT_direct_mapped", version::XENFEAT_DIRECT_MAPPED);
    k!(t, "XENFEAT_NR_SUBMAPS", version::XENFEAT_NR_SUBMAPS);
    k!(t, "HVMOP_set_param", hvm::HVMOP_SET_PARAM);
    k!(t, "HVMOP_get_param", hvm::HVMOP_GET_PARAM);
    k!(t, "HVMOP_flush_tlbs", hvm::HVMOP_FLUSH_TLBS);
    k!(t, "HVMOP_pagetable_dying", hvm::HVMOP_PAGETABLE_DYING);
    k!(t, "HVMOP_get_time", hvm::HVMOP_GET_TIME);
    k!(t, "HVMOP_get_mem_type", hvm::HVMOP_GET_MEM_TYPE);
    k!(
        t,
        "HVMOP_set_evtchn_upcall_vector",
        hvm::HVMOP_SET_EVTCHN_UPCALL_VECTOR
    );
    k!(t, "HVM_PARAM_CALLBACK_IRQ", hvm::HVM_PARAM_CALLBACK_IRQ);
    k!(t, "HVM_PARAM_STORE_PFN", hvm::HVM_PARAM_STORE_PFN);
    k!(t, "HVM_PARAM_STORE_EVTCHN", hvm::HVM_PARAM_STORE_EVTCHN);
    k!(t, "HVM_PARAM_IOREQ_PFN", hvm::HVM_PARAM_IOREQ_PFN);
    k!(t, "HVM_PARAM_BUFIOREQ_PFN", hvm::HVM_PARAM_BUFIOREQ_PFN);
    k!(t, "HVM_PARAM_VIRIDIAN", hvm::HVM_PARAM_VIRIDIAN);
    k!(t, "HVM_PARAM_TIMER_MODE", hvm::HVM_PARAM_TIMER_MODE);
    k!(t, "HVM_PARAM_HPET_ENABLED", hvm::HVM_PARAM_HPET_ENABLED);
    k!(t, "HVM_PARAM_IDENT_PT", hvm::HVM_PARAM_IDENT_PT);
    k!(t, "HVM_PARAM_ACPI_S_STATE", hvm::HVM_PARAM_ACPI_S_STATE);
    k!(t, "HVM_PARAM_VM86_TSS", hvm::HVM_PARAM_VM86_TSS);
    k!(t, "HVM_PARAM_VPT_ALIGN", hvm::HVM_PARAM_VPT_ALIGN);
    k!(t, "HVM_PARAM_CONSOLE_PFN", hvm::HVM_PARAM_CONSOLE_PFN);
    k!(t, "HVM_PARAM_CONSOLE_EVTCHN", hvm::HVM_PARAM_CONSOLE_EVTCHN);
    k!(
        t,
        "HVM_PARAM_ACPI_IOPORTS_LOCATION",
        hvm::HVM_PARAM_ACPI_IOPORTS_LOCATION
    );
    k!(
        t,
        "ACPI_PM1A_EVT_BLK_ADDRESS_V1",
        hvm::ACPI_PM1A_EVT_BLK_ADDRESS_V1
    );
    k!(
        t,
        "ACPI_PM1A_CNT_BLK_ADDRESS_V1",
        hvm::ACPI_PM1A_CNT_BLK_ADDRESS_V1
    );
    k!(
        t,
        "ACPI_PM_TMR_BLK_ADDRESS_V1",
        hvm::ACPI_PM_TMR_BLK_ADDRESS_V1
    );
    k!(t, "ACPI_GPE0_BLK_ADDRESS_V1", hvm::ACPI_GPE0_BLK_ADDRESS_V1);
    k!(t, "ACPI_GPE0_BLK_LEN_V1", hvm::ACPI_GPE0_BLK_LEN_V1);
    k!(
        t,
        "HVM_PARAM_PAGING_RING_PFN",
        hvm::HVM_PARAM_PAGING_RING_PFN
    );
    k!(
        t,
        "HVM_PARAM_MONITOR_RING_PFN",
        hvm::HVM_PARAM_MONITOR_RING_PFN
    );
    k!(
        t,
        "HVM_PARAM_SHARING_RING_PFN",
        hvm::HVM_PARAM_SHARING_RING_PFN
    );
    k!(
        t,
        "HVM_PARAM_TRIPLE_FAULT_REASON",
        hvm::HVM_PARAM_TRIPLE_FAULT_REASON
    );
    k!(
        t,
        "HVM_PARAM_IOREQ_SERVER_PFN",
        hvm::HVM_PARAM_IOREQ_SERVER_PFN
    );
    k!(
        t,
        "HVM_PARAM_NR_IOREQ_SERVER_PAGES",
        hvm::HVM_PARAM_NR_IOREQ_SERVER_PAGES
    );
    k!(
        t,
        "HVM_PARAM_VM_GENERATION_ID_ADDR",
        hvm::HVM_PARAM_VM_GENERATION_ID_ADDR
    );
    k!(t, "HVM_PARAM_ALTP2M", hvm::HVM_PARAM_ALTP2M);
    k!(t, "HVM_PARAM_X87_FIP_WIDTH", hvm::HVM_PARAM_X87_FIP_WIDTH);
    k!(t, "HVM_PARAM_VM86_TSS_SIZED", hvm::HVM_PARAM_VM86_TSS_SIZED);
    k!(t, "HVM_PARAM_MCA_CAP", hvm::HVM_PARAM_MCA_CAP);
    k!(t, "HVM_NR_PARAMS", hvm::HVM_NR_PARAMS);
    k!(
        t,
        "HVM_PARAM_CALLBACK_IRQ_TYPE_MASK",
        hvm::HVM_PARAM_CALLBACK_IRQ_TYPE_MASK
    );
    k!(
        t,
        "HVM_PARAM_CALLBACK_TYPE_GSI",
        hvm::HVM_PARAM_CALLBACK_TYPE_GSI
    );
    k!(
        t,
        "HVM_PARAM_CALLBACK_TYPE_PCI_INTX",
        hvm::HVM_PARAM_CALLBACK_TYPE_PCI_INTX
    );
    k!(
        t,
        "HVM_PARAM_CALLBACK_TYPE_VECTOR",
        hvm::HVM_PARAM_CALLBACK_TYPE_VECTOR
    );
    k!(
        t,
        "HVMPTM_delay_for_missed_ticks",
        hvm::HVMPTM_DELAY_FOR_MISSED_TICKS
    );
    k!(
        t,
        "HVMPTM_no_delay_for_missed_ticks",
        hvm::HVMPTM_NO_DELAY_FOR_MISSED_TICKS
    );
    k!(
        t,
        "HVMPTM_no_missed_ticks_pending",
        hvm::HVMPTM_NO_MISSED_TICKS_PENDING
    );
    k!(
        t,
        "HVMPTM_one_missed_tick_pending",
        hvm::HVMPTM_ONE_MISSED_TICK_PENDING
    );
    k!(
        t,
        "XENMEM_increase_reservation",
        memory::XENMEM_INCREASE_RESERVATION
    );
    k!(
        t,
        "XENMEM_decrease_reservation",
        memory::XENMEM_DECREASE_RESERVATION
    );
    k!(
        t,
        "XENMEM_maximum_ram_page",
        memory::XENMEM_MAXIMUM_RAM_PAGE
    );
    k!(
        t,
        "XENMEM_current_reservation",
        memory::XENMEM_CURRENT_RESERVATION
    );
    k!(
        t,
        "XENMEM_maximum_reservation",
        memory::XENMEM_MAXIMUM_RESERVATION
    );
    k!(
        t,
        "XENMEM_machphys_mfn_list",
        memory::XENMEM_MACHPHYS_MFN_LIST
    );
    k!(
        t,
        "XENMEM_populate_physmap",
        memory::XENMEM_POPULATE_PHYSMAP
    );
    k!(t, "XENMEM_add_to_physmap", memory::XENMEM_ADD_TO_PHYSMAP);
    k!(t, "XENMEM_memory_map", memory::XENMEM_MEMORY_MAP);
    k!(
        t,
        "XENMEM_machine_memory_map",
        memory::XENMEM_MACHINE_MEMORY_MAP
    );
    k!(t, "XENMEM_exchange", memory::XENMEM_EXCHANGE);
    k!(
        t,
        "XENMEM_machphys_mapping",
        memory::XENMEM_MACHPHYS_MAPPING
    );
    k!(t, "XENMEM_set_memory_map", memory::XENMEM_SET_MEMORY_MAP);
    k!(t, "XENMEM_maximum_gpfn", memory::XENMEM_MAXIMUM_GPFN);
    k!(
        t,
        "XENMEM_remove_from_physmap",
        memory::XENMEM_REMOVE_FROM_PHYSMAP
    );
    k!(
        t,
        "XENMEM_add_to_physmap_batch",
        memory::XENMEM_ADD_TO_PHYSMAP_BATCH
    );
    k!(
        t,
        "XENMAPSPACE_shared_info",
        memory::XENMAPSPACE_SHARED_INFO
    );
    k!(
        t,
        "XENMAPSPACE_grant_table",
        memory::XENMAPSPACE_GRANT_TABLE
    );
    k!(t, "XENMAPSPACE_gmfn", memory::XENMAPSPACE_GMFN);
    k!(t, "XENMAPSPACE_gmfn_range", memory::XENMAPSPACE_GMFN_RANGE);
    k!(
        t,
        "XENMAPSPACE_gmfn_foreign",
        memory::XENMAPSPACE_GMFN_FOREIGN
    );
    k!(t, "XENMAPSPACE_dev_mmio", memory::XENMAPSPACE_DEV_MMIO);
    k!(
        t,
        "XENMAPIDX_grant_table_status",
        memory::XENMAPIDX_GRANT_TABLE_STATUS
    );
    k!(
        t,
        "EVTCHNOP_bind_interdomain",
        event_channel::EVTCHNOP_BIND_INTERDOMAIN
    );
    k!(t, "EVTCHNOP_bind_virq", event_channel::EVTCHNOP_BIND_VIRQ);
    k!(t, "EVTCHNOP_bind_pirq", event_channel::EVTCHNOP_BIND_PIRQ);
    k!(t, "EVTCHNOP_close", event_channel::EVTCHNOP_CLOSE);
    k!(t, "EVTCHNOP_send", event_channel::EVTCHNOP_SEND);
    k!(t, "EVTCHNOP_status", event_channel::EVTCHNOP_STATUS);
    k!(
        t,
        "EVTCHNOP_alloc_unbound",
        event_channel::EVTCHNOP_ALLOC_UNBOUND
    );
    k!(t, "EVTCHNOP_bind_ipi", event_channel::EVTCHNOP_BIND_IPI);
    k!(t, "EVTCHNOP_bind_vcpu", event_channel::EVTCHNOP_BIND_VCPU);
    k!(t, "EVTCHNOP_unmask", event_channel::EVTCHNOP_UNMASK);
    k!(t, "EVTCHNOP_reset", event_channel::EVTCHNOP_RESET);
    k!(
        t,
        "EVTCHNOP_init_control",
        event_channel::EVTCHNOP_INIT_CONTROL
    );
    k!(
        t,
        "EVTCHNOP_expand_array",
        event_channel::EVTCHNOP_EXPAND_ARRAY
    );
    k!(
        t,
        "EVTCHNOP_set_priority",
        event_channel::EVTCHNOP_SET_PRIORITY
    );
    k!(t, "EVTCHNSTAT_closed", event_channel::EVTCHNSTAT_CLOSED);
    k!(t, "EVTCHNSTAT_unbound", event_channel::EVTCHNSTAT_UNBOUND);
    k!(
        t,
        "EVTCHNSTAT_interdomain",
        event_channel::EVTCHNSTAT_INTERDOMAIN
    );
    k!(t, "EVTCHNSTAT_pirq", event_channel::EVTCHNSTAT_PIRQ);
    k!(t, "EVTCHNSTAT_virq", event_channel::EVTCHNSTAT_VIRQ);
    k!(t, "EVTCHNSTAT_ipi", event_channel::EVTCHNSTAT_IPI);
    k!(
        t,
        "GNTTAB_NR_RESERVED_ENTRIES",
        grant_table::GNTTAB_NR_RESERVED_ENTRIES
    );
    k!(
        t,
        "GNTTAB_RESERVED_CONSOLE",
        grant_table::GNTTAB_RESERVED_CONSOLE
    );
    k!(
        t,
        "GNTTAB_RESERVED_XENSTORE",
        grant_table::GNTTAB_RESERVED_XENSTORE
    );
    k!(t, "GTF_invalid", grant_table::GTF_INVALID);
    k!(t, "GTF_permit_access", grant_table::GTF_PERMIT_ACCESS);
    k!(t, "GTF_accept_transfer", grant_table::GTF_ACCEPT_TRANSFER);
    k!(t, "GTF_transitive", grant_table::GTF_TRANSITIVE);
    k!(t, "GTF_type_mask", grant_table::GTF_TYPE_MASK);
    k!(t, "GTF_readonly", grant_table::GTF_READONLY);
    k!(t, "GTF_reading", grant_table::GTF_READING);
    k!(t, "GTF_writing", grant_table::GTF_WRITING);
    k!(t, "GTF_PWT", grant_table::GTF_PWT);
    k!(t, "GTF_PCD", grant_table::GTF_PCD);
    k!(t, "GTF_PAT", grant_table::GTF_PAT);
    k!(t, "GTF_sub_page", grant_table::GTF_SUB_PAGE);
    k!(
        t,
        "GTF_transfer_committed",
        grant_table::GTF_TRANSFER_COMMITTED
    );
    k!(
        t,
        "GTF_transfer_completed",
        grant_table::GTF_TRANSFER_COMPLETED
    );
    k!(
        t,
        "GNTTABOP_map_grant_ref",
        grant_table::GNTTABOP_MAP_GRANT_REF
    );
    k!(
        t,
        "GNTTABOP_unmap_grant_ref",
        grant_table::GNTTABOP_UNMAP_GRANT_REF
    );
    k!(t, "GNTTABOP_setup_table", grant_table::GNTTABOP_SETUP_TABLE);
    k!(t, "GNTTABOP_dump_table", grant_table::GNTTABOP_DUMP_TABLE);
    k!(t, "GNTTABOP_transfer", grant_table::GNTTABOP_TRANSFER);
    k!(t, "GNTTABOP_copy", grant_table::GNTTABOP_COPY);
    k!(t, "GNTTABOP_query_size", grant_table::GNTTABOP_QUERY_SIZE);
    k!(
        t,
        "GNTTABOP_unmap_and_replace",
        grant_table::GNTTABOP_UNMAP_AND_REPLACE
    );
    k!(t, "GNTTABOP_set_version", grant_table::GNTTABOP_SET_VERSION);
    k!(
        t,
        "GNTTABOP_get_status_frames",
        grant_table::GNTTABOP_GET_STATUS_FRAMES
    );
    k!(t, "GNTTABOP_get_version", grant_table::GNTTABOP_GET_VERSION);
    k!(
        t,
        "GNTTABOP_swap_grant_ref",
        grant_table::GNTTABOP_SWAP_GRANT_REF
    );
    k!(t, "GNTTABOP_cache_flush", grant_table::GNTTABOP_CACHE_FLUSH);
    k!(t, "GNTST_okay", grant_table::GNTST_OKAY);
    k!(t, "GNTST_general_error", grant_table::GNTST_GENERAL_ERROR);
    k!(t, "GNTST_bad_domain", grant_table::GNTST_BAD_DOMAIN);
    k!(t, "GNTST_bad_gntref", grant_table::GNTST_BAD_GNTREF);
    k!(t, "GNTST_bad_handle", grant_table::GNTST_BAD_HANDLE);
    k!(t, "GNTST_bad_virt_addr", grant_table::GNTST_BAD_VIRT_ADDR);
    k!(t, "GNTST_bad_dev_addr", grant_table::GNTST_BAD_DEV_ADDR);
    k!(
        t,
        "GNTST_no_device_space",
        grant_table::GNTST_NO_DEVICE_SPACE
    );
    k!(
        t,
        "GNTST_permission_denied",
        grant_table::GNTST_PERMISSION_DENIED
    );
    k!(t, "GNTST_bad_page", grant_table::GNTST_BAD_PAGE);
    k!(t, "GNTST_bad_copy_arg", grant_table::GNTST_BAD_COPY_ARG);
    k!(
        t,
        "GNTST_address_too_big",
        grant_table::GNTST_ADDRESS_TOO_BIG
    );
    k!(t, "GNTST_eagain", grant_table::GNTST_EAGAIN);
    k!(t, "GNTST_no_space", grant_table::GNTST_NO_SPACE);
    k!(t, "SCHEDOP_yield", sched::SCHEDOP_YIELD);
    k!(t, "SCHEDOP_block", sched::SCHEDOP_BLOCK);
    k!(t, "SCHEDOP_shutdown", sched::SCHEDOP_SHUTDOWN);
    k!(t, "SCHEDOP_poll", sched::SCHEDOP_POLL);
    k!(t, "SCHEDOP_remote_shutdown", sched::SCHEDOP_REMOTE_SHUTDOWN);
    k!(t, "SCHEDOP_shutdown_code", sched::SCHEDOP_SHUTDOWN_CODE);
    k!(t, "SCHEDOP_watchdog", sched::SCHEDOP_WATCHDOG);
    k!(t, "SCHEDOP_pin_override", sched::SCHEDOP_PIN_OVERRIDE);
    k!(t, "SHUTDOWN_poweroff", sched::SHUTDOWN_POWEROFF);
    k!(t, "SHUTDOWN_reboot", sched::SHUTDOWN_REBOOT);
    k!(t, "SHUTDOWN_suspend", sched::SHUTDOWN_SUSPEND);
    k!(t, "SHUTDOWN_crash", sched::SHUTDOWN_CRASH);
    k!(t, "SHUTDOWN_watchdog", sched::SHUTDOWN_WATCHDOG);
    k!(t, "SHUTDOWN_soft_reset", sched::SHUTDOWN_SOFT_RESET);
    k!(t, "SHUTDOWN_MAX", sched::SHUTDOWN_MAX);
    k!(t, "XS_CONTROL", io::xs_wire::XS_CONTROL);
    k!(t, "XS_DEBUG", io::xs_wire::XS_DEBUG);
    k!(t, "XS_DIRECTORY", io::xs_wire::XS_DIRECTORY);
    k!(t, "XS_READ", io::xs_wire::XS_READ);
    k!(t, "XS_GET_PERMS", io::xs_wire::XS_GET_PERMS);
    k!(t, "XS_WATCH", io::xs_wire::XS_WATCH);
    k!(t, "XS_UNWATCH", io::xs_wire::XS_UNWATCH);
    k!(t, "XS_TRANSACTION_START", io::xs_wire::XS_TRANSACTION_START);
    k!(t, "XS_TRANSACTION_END", io::xs_wire::XS_TRANSACTION_END);
    k!(t, "XS_INTRODUCE", io::xs_wire::XS_INTRODUCE);
    k!(t, "XS_RELEASE", io::xs_wire::XS_RELEASE);
    k!(t, "XS_GET_DOMAIN_PATH", io::xs_wire::XS_GET_DOMAIN_PATH);
    k!(t, "XS_WRITE", io::xs_wire::XS_WRITE);
    k!(t, "XS_MKDIR", io::xs_wire::XS_MKDIR);
    k!(t, "XS_RM", io::xs_wire::XS_RM);
    k!(t, "XS_SET_PERMS", io::xs_wire::XS_SET_PERMS);
    k!(t, "XS_WATCH_EVENT", io::xs_wire::XS_WATCH_EVENT);
    k!(t, "XS_ERROR", io::xs_wire::XS_ERROR);
    k!(
        t,
        "XS_IS_DOMAIN_INTRODUCED",
        io::xs_wire::XS_IS_DOMAIN_INTRODUCED
    );
    k!(t, "XS_RESUME", io::xs_wire::XS_RESUME);
    k!(t, "XS_SET_TARGET", io::xs_wire::XS_SET_TARGET);
    k!(t, "XS_RESET_WATCHES", io::xs_wire::XS_RESET_WATCHES);
    k!(t, "XS_DIRECTORY_PART", io::xs_wire::XS_DIRECTORY_PART);
    k!(t, "XS_TYPE_COUNT", io::xs_wire::XS_TYPE_COUNT);
    k!(t, "XS_INVALID", io::xs_wire::XS_INVALID);
    k!(t, "XS_WATCH_PATH", io::xs_wire::XS_WATCH_PATH);
    k!(t, "XS_WATCH_TOKEN", io::xs_wire::XS_WATCH_TOKEN);
    k!(t, "XENSTORE_RING_SIZE", io::xs_wire::XENSTORE_RING_SIZE);
    k!(t, "XENSTORE_PAYLOAD_MAX", io::xs_wire::XENSTORE_PAYLOAD_MAX);
    k!(
        t,
        "XENSTORE_ABS_PATH_MAX",
        io::xs_wire::XENSTORE_ABS_PATH_MAX
    );
    k!(
        t,
        "XENSTORE_REL_PATH_MAX",
        io::xs_wire::XENSTORE_REL_PATH_MAX
    );
    k!(
        t,
        "XENSTORE_SERVER_FEATURE_RECONNECTION",
        io::xs_wire::XENSTORE_SERVER_FEATURE_RECONNECTION
    );
    k!(
        t,
        "XENSTORE_SERVER_FEATURE_ERROR",
        io::xs_wire::XENSTORE_SERVER_FEATURE_ERROR
    );
    k!(t, "XENSTORE_CONNECTED", io::xs_wire::XENSTORE_CONNECTED);
    k!(t, "XENSTORE_RECONNECT", io::xs_wire::XENSTORE_RECONNECT);
    k!(t, "XENSTORE_ERROR_NONE", io::xs_wire::XENSTORE_ERROR_NONE);
    k!(t, "XENSTORE_ERROR_COMM", io::xs_wire::XENSTORE_ERROR_COMM);
    k!(
        t,
        "XENSTORE_ERROR_RINGIDX",
        io::xs_wire::XENSTORE_ERROR_RINGIDX
    );
    k!(t, "XENSTORE_ERROR_PROTO", io::xs_wire::XENSTORE_ERROR_PROTO);
    k!(t, "BLKIF_OP_READ", io::blkif::BLKIF_OP_READ);
    k!(t, "BLKIF_OP_WRITE", io::blkif::BLKIF_OP_WRITE);
    k!(
        t,
        "BLKIF_OP_WRITE_BARRIER",
        io::blkif::BLKIF_OP_WRITE_BARRIER
    );
    k!(
        t,
        "BLKIF_OP_FLUSH_DISKCACHE",
        io::blkif::BLKIF_OP_FLUSH_DISKCACHE
    );
    k!(t, "BLKIF_OP_RESERVED_1", io::blkif::BLKIF_OP_RESERVED_1);
    k!(t, "BLKIF_OP_DISCARD", io::blkif::BLKIF_OP_DISCARD);
    k!(t, "BLKIF_OP_INDIRECT", io::blkif::BLKIF_OP_INDIRECT);
    k!(
        t,
        "BLKIF_MAX_SEGMENTS_PER_REQUEST",
        io::blkif::BLKIF_MAX_SEGMENTS_PER_REQUEST
    );
    k!(
        t,
        "BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST",
        io::blkif::BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST
    );
    k!(t, "BLKIF_DISCARD_SECURE", io::blkif::BLKIF_DISCARD_SECURE);
    k!(t, "BLKIF_RSP_EOPNOTSUPP", io::blkif::BLKIF_RSP_EOPNOTSUPP);
    k!(t, "BLKIF_RSP_ERROR", io::blkif::BLKIF_RSP_ERROR);
    k!(t, "BLKIF_RSP_OKAY", io::blkif::BLKIF_RSP_OKAY);
    k!(t, "VDISK_CDROM", io::blkif::VDISK_CDROM);
    k!(t, "VDISK_REMOVABLE", io::blkif::VDISK_REMOVABLE);
    k!(t, "VDISK_READONLY", io::blkif::VDISK_READONLY);
    k!(
        t,
        "XEN_CPUID_LEAF(2)",
        cpuid::xen_cpuid_leaf(cpuid::XEN_CPUID_LEAF_HYPERCALL)
    );
    k!(
        t,
        "MASK_XENSTORE_IDX(1025)",
        io::xs_wire::mask_xenstore_idx(1025)
    );
    k!(t, "XEN_PAGE_SHIFT", xen_headers::XEN_PAGE_SHIFT);
    k!(t, "__RD32(37)", io::ring::round_down_pow2(37));
    k!(
        t,
        "__RD32(0x80000001u)",
        io::ring::round_down_pow2(0x8000_0001)
    );
    {
        use io::xenbus::XenbusState::*;
        k!(t, "XenbusStateUnknown", Unknown.as_u32());
        k!(t, "XenbusStateInitialising", Initialising.as_u32());
        k!(t, "XenbusStateInitWait", InitWait.as_u32());
        k!(t, "XenbusStateInitialised", Initialised.as_u32());
        k!(t, "XenbusStateConnected", Connected.as_u32());
        k!(t, "XenbusStateClosing", Closing.as_u32());
        k!(t, "XenbusStateClosed", Closed.as_u32());
        k!(t, "XenbusStateReconfiguring", Reconfiguring.as_u32());
        k!(t, "XenbusStateReconfigured", Reconfigured.as_u32());
    }
    s!(t, "XS_WRITE_NONE", io::xs_wire::XS_WRITE_NONE);
    s!(t, "XS_WRITE_CREATE", io::xs_wire::XS_WRITE_CREATE);
    s!(t, "XS_WRITE_CREATE_EXCL", io::xs_wire::XS_WRITE_CREATE_EXCL);
    s!(
        t,
        "XEN_IO_PROTO_ABI_X86_32",
        io::protocols::XEN_IO_PROTO_ABI_X86_32
    );
    s!(
        t,
        "XEN_IO_PROTO_ABI_X86_64",
        io::protocols::XEN_IO_PROTO_ABI_X86_64
    );
    s!(
        t,
        "XEN_IO_PROTO_ABI_ARM",
        io::protocols::XEN_IO_PROTO_ABI_ARM
    );
    // xsd_errors[]: the header's table, in order, with the errno each name stands for.
    for (i, e) in io::xs_wire::XSD_ERRORS[..io::xs_wire::XSD_ERRORS_IN_HEADER]
        .iter()
        .enumerate()
    {
        t.add(
            "xsd_error",
            &i.to_string(),
            format!("{} {}", e.as_str(), e.errno().unwrap()),
        );
    }
}

/// The layouts that differ, for one bitness: the caller imports that bitness's modules as `xen`,
/// `mem`, `gnt`, `sch` and `blk`.
macro_rules! arch_entries {
    ($t:ident) => {{
        size!($t, "xen_ulong_t", xen::XenUlong);
        size!($t, "xen_pfn_t", xen::XenPfn);
        size!($t, "struct arch_vcpu_info", xen::ArchVcpuInfo);
        align!($t, "struct arch_vcpu_info", xen::ArchVcpuInfo);
        offs!($t, "struct arch_vcpu_info", xen::ArchVcpuInfo, [cr2, pad]);
        size!($t, "struct vcpu_info", xen::VcpuInfo);
        align!($t, "struct vcpu_info", xen::VcpuInfo);
        offs!(
            $t,
            "struct vcpu_info",
            xen::VcpuInfo,
            [
                evtchn_upcall_pending,
                evtchn_upcall_mask,
                evtchn_pending_sel,
                arch,
                time,
            ]
        );
        size!($t, "struct arch_shared_info", xen::ArchSharedInfo);
        align!($t, "struct arch_shared_info", xen::ArchSharedInfo);
        offs!(
            $t,
            "struct arch_shared_info",
            xen::ArchSharedInfo,
            [
                max_pfn,
                pfn_to_mfn_frame_list_list,
                nmi_reason,
                p2m_cr3,
                p2m_vaddr,
                p2m_generation,
            ]
        );
        size!($t, "struct shared_info", xen::SharedInfo);
        align!($t, "struct shared_info", xen::SharedInfo);
        offs!(
            $t,
            "struct shared_info",
            xen::SharedInfo,
            [
                vcpu_info,
                evtchn_pending,
                evtchn_mask,
                wc_version,
                wc_sec,
                wc_nsec,
                arch,
            ]
        );
        off!(
            $t,
            "struct shared_info.vcpu_info[1]",
            size_of::<xen::VcpuInfo>()
        );
        off!(
            $t,
            "struct shared_info.evtchn_pending[1]",
            offset_of!(xen::SharedInfo, evtchn_pending) + size_of::<xen::XenUlong>()
        );
        k!($t, "EVTCHN_2L_NR_CHANNELS", xen::EVTCHN_2L_NR_CHANNELS);
        k!(
            $t,
            "sizeof(((struct shared_info *)0)->evtchn_pending) / sizeof(xen_ulong_t)",
            xen::EVTCHN_BITMAP_WORDS
        );

        size!($t, "struct xen_add_to_physmap", mem::XenAddToPhysmap);
        align!($t, "struct xen_add_to_physmap", mem::XenAddToPhysmap);
        offs!(
            $t,
            "struct xen_add_to_physmap",
            mem::XenAddToPhysmap,
            [domid, size, space, idx, gpfn]
        );
        size!(
            $t,
            "struct xen_remove_from_physmap",
            mem::XenRemoveFromPhysmap
        );
        align!(
            $t,
            "struct xen_remove_from_physmap",
            mem::XenRemoveFromPhysmap
        );
        offs!(
            $t,
            "struct xen_remove_from_physmap",
            mem::XenRemoveFromPhysmap,
            [domid, gpfn]
        );
        size!($t, "struct xen_memory_map", mem::XenMemoryMap);
        align!($t, "struct xen_memory_map", mem::XenMemoryMap);
        offs!(
            $t,
            "struct xen_memory_map",
            mem::XenMemoryMap,
            [nr_entries, buffer]
        );

        size!($t, "struct gnttab_setup_table", gnt::GnttabSetupTable);
        align!($t, "struct gnttab_setup_table", gnt::GnttabSetupTable);
        offs!(
            $t,
            "struct gnttab_setup_table",
            gnt::GnttabSetupTable,
            [dom, nr_frames, status, frame_list,]
        );

        size!($t, "struct sched_poll", sch::SchedPoll);
        align!($t, "struct sched_poll", sch::SchedPoll);
        offs!(
            $t,
            "struct sched_poll",
            sch::SchedPoll,
            [ports, nr_ports, timeout]
        );

        off!(
            $t,
            "struct blkif_sring.ring[1]",
            offset_of!(blk::BlkifSring, ring) + size_of::<blk::BlkifSringEntry>()
        );
        align!($t, "struct blkif_sring", blk::BlkifSring);
        size!($t, "union blkif_sring_entry", blk::BlkifSringEntry);
        align!($t, "union blkif_sring_entry", blk::BlkifSringEntry);
        k!($t, "__CONST_RING_SIZE(blkif, 4096)", blk::BLKIF_RING_SIZE);
        size!($t, "struct blkif_request", blk::BlkifRequest);
        align!($t, "struct blkif_request", blk::BlkifRequest);
        offs!(
            $t,
            "struct blkif_request",
            blk::BlkifRequest,
            [operation, nr_segments, handle, id, sector_number, seg,]
        );
        off!(
            $t,
            "struct blkif_request.seg[10].last_sect",
            offset_of!(blk::BlkifRequest, seg)
                + 10 * size_of::<io::blkif::BlkifRequestSegment>()
                + offset_of!(io::blkif::BlkifRequestSegment, last_sect)
        );
        size!($t, "struct blkif_response", blk::BlkifResponse);
        align!($t, "struct blkif_response", blk::BlkifResponse);
        offs!(
            $t,
            "struct blkif_response",
            blk::BlkifResponse,
            [id, operation, status]
        );
        size!($t, "struct blkif_request_discard", blk::BlkifRequestDiscard);
        align!($t, "struct blkif_request_discard", blk::BlkifRequestDiscard);
        offs!(
            $t,
            "struct blkif_request_discard",
            blk::BlkifRequestDiscard,
            [operation, flag, handle, id, sector_number, nr_sectors,]
        );
        size!(
            $t,
            "struct blkif_request_indirect",
            blk::BlkifRequestIndirect
        );
        align!(
            $t,
            "struct blkif_request_indirect",
            blk::BlkifRequestIndirect
        );
        offs!(
            $t,
            "struct blkif_request_indirect",
            blk::BlkifRequestIndirect,
            [
                operation,
                indirect_op,
                nr_segments,
                id,
                sector_number,
                handle,
                indirect_grefs,
            ]
        );
        s!($t, "XEN_IO_PROTO_ABI_NATIVE", blk::PROTOCOL);
    }};
}

fn x86_32(t: &mut Table) {
    use grant_table::x86_32 as gnt;
    use io::blkif::x86_32 as blk;
    use memory::x86_32 as mem;
    use sched::x86_32 as sch;
    use xen::x86_32 as xen;
    t.add("abi", "pointer_bits", 32);
    arch_entries!(t);
    // i386 keeps wc_sec_hi in arch_shared_info, and pads blkif_request_indirect to 64 bytes.
    offs!(
        t,
        "struct arch_shared_info",
        xen::ArchSharedInfo,
        [wc_sec_hi]
    );
    offs!(
        t,
        "struct blkif_request_indirect",
        blk::BlkifRequestIndirect,
        [pad]
    );
    common(t);
}

fn x86_64(t: &mut Table) {
    use grant_table::x86_64 as gnt;
    use io::blkif::x86_64 as blk;
    use memory::x86_64 as mem;
    use sched::x86_64 as sch;
    use xen::x86_64 as xen;
    t.add("abi", "pointer_bits", 64);
    arch_entries!(t);
    offs!(t, "struct shared_info", xen::SharedInfo, [wc_sec_hi]);
    common(t);
}

/// Writes to the real stderr, past the test harness's capture, so that a skip is seen.
fn loud(msg: &str) {
    let _ = writeln!(std::io::stderr(), "\n*** xen-headers ABI test: {msg} ***\n");
}

fn compiler() -> String {
    std::env::var("CC").unwrap_or_else(|_| "cc".to_string())
}

/// Why the C side cannot run here, if it cannot.
fn missing_prerequisite(bits: u32, dir: &Path) -> Option<String> {
    let cc = compiler();
    match Command::new(&cc).arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => return Some(format!("no C compiler (`{cc}`); install gcc")),
    }
    let probe = dir.join("probe.c");
    std::fs::write(
        &probe,
        "#include <stdint.h>\n#include <xen/io/blkif.h>\nint main(void) { return 0; }\n",
    )
    .unwrap();
    let out = dir.join(format!("probe{bits}"));
    let o = Command::new(&cc)
        .arg(format!("-m{bits}"))
        .arg(&probe)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    if !o.status.success() {
        let stderr = String::from_utf8_lossy(&o.stderr);
        return Some(if stderr.contains("xen/io/blkif.h") {
            format!(
                "Xen headers not found (apt-get install libxen-dev): {}",
                stderr.trim()
            )
        } else {
            format!(
                "`{cc} -m{bits}` cannot build (apt-get install gcc-multilib): {}",
                stderr.trim()
            )
        });
    }
    None
}

/// Builds and runs tests/abi.c for `-m{bits}`; `None` if a prerequisite is missing (and
/// allowed to be).
fn c_output(bits: u32) -> Option<String> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("xen-abi-{bits}"));
    std::fs::create_dir_all(&dir).unwrap();
    if let Some(why) = missing_prerequisite(bits, &dir) {
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0") {
            panic!("CI is set but the ABI test cannot run: {why}");
        }
        loud(&format!("SKIPPED the -m{bits} comparison: {why}"));
        return None;
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/abi.c");
    let exe = dir.join("abi");
    let o = Command::new(compiler())
        .args([
            format!("-m{bits}").as_str(),
            "-std=c11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-o",
        ])
        .arg(&exe)
        .arg(&src)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "compiling {} failed:\n{}",
        src.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    let o = Command::new(&exe).output().unwrap();
    assert!(o.status.success(), "{} failed", exe.display());
    Some(String::from_utf8(o.stdout).unwrap())
}

/// Compares the C program's output with the table; panics listing every difference.
fn compare(bits: u32, expected: Table) {
    let Some(out) = c_output(bits) else { return };
    let mut got = BTreeMap::new();
    for line in out.lines() {
        let mut parts = line.splitn(3, '\t');
        let (kind, key, value) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        assert!(
            got.insert(format!("{kind}\t{key}"), value.to_string())
                .is_none(),
            "C printed {line:?} twice"
        );
    }
    let mut errors = Vec::new();
    for (k, c) in &got {
        match expected.0.get(k) {
            None => errors.push(format!(
                "C prints {k:?} = {c}, but the Rust table has no such entry"
            )),
            Some(r) if r != c => errors.push(format!("{k:?}: C says {c}, Rust says {r}")),
            Some(_) => {}
        }
    }
    for (k, r) in &expected.0 {
        if !got.contains_key(k) {
            errors.push(format!(
                "Rust table has {k:?} = {r}, but C did not print it"
            ));
        }
    }
    let count = |kind: &str| {
        got.keys()
            .filter(|k| k.starts_with(&format!("{kind}\t")))
            .count()
    };
    let summary = format!(
        "-m{bits}: {} items compared ({} sizes, {} alignments, {} offsets, {} constants, {} strings, {} xsd_errors)",
        got.len(),
        count("size"),
        count("align"),
        count("offset"),
        count("const"),
        count("string"),
        count("xsd_error"),
    );
    assert!(
        errors.is_empty(),
        "{summary}; {} differences:\n  {}",
        errors.len(),
        errors.join("\n  ")
    );
    // Not a vacuous pass: the C program printed the whole table.
    assert!(got.len() > 500, "{summary}: suspiciously few");
    println!("{summary}: all equal");
}

#[test]
fn x86_32_layouts_match_c_m32() {
    let mut t = Table::default();
    x86_32(&mut t);
    compare(32, t);
}

#[test]
fn x86_64_layouts_match_c_m64() {
    let mut t = Table::default();
    x86_64(&mut t);
    compare(64, t);
}
