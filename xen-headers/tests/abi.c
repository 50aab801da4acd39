/*
 * ABI probe for xen-headers: prints the size, alignment and field offsets of the Xen public
 * structures that the crate mirrors, and the values of the constants, as seen by a C compiler
 * through the installed Xen headers (Debian: libxen-dev, /usr/include/xen).
 *
 * tests/abi.rs compiles this twice, with -m32 (the i386 / "x86_32-abi" / compat layout) and
 * -m64 (x86-64), runs it, and compares every line with the Rust definitions; a key printed here
 * that the Rust side does not know, or the reverse, fails the test too.
 *
 * Output: one "kind<TAB>key<TAB>value" line per item.
 *
 * By hand:  cc -m32 -std=c11 -o /tmp/abi32 abi.c && /tmp/abi32
 */
#define __XEN_INTERFACE_VERSION__ 0x00040e00

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/features.h>
#include <xen/version.h>
#include <xen/memory.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/sched.h>
#include <xen/arch-x86/cpuid.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/hvm/ioreq.h>
#include <xen/hvm/hvm_info_table.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/io/protocols.h>
#include <xen/io/ring.h>
#include <xen/io/blkif.h>
#include <xen/io/xenbus.h>
#include <xen/io/xs_wire.h>

#define SIZE(T) printf("size\t%s\t%zu\n", #T, sizeof(T))
#define ALIGN(T) printf("align\t%s\t%zu\n", #T, (size_t)_Alignof(T))
#define OFF(T, f) printf("offset\t%s.%s\t%zu\n", #T, #f, offsetof(T, f))
#define CONST(x) printf("const\t%s\t%lld\n", #x, (long long)(x))
#define STR(x) printf("string\t%s\t%s\n", #x, x)

static void structs(void)
{
    /* xen.h, arch-x86/xen.h */
    SIZE(domid_t);
    SIZE(xen_ulong_t);
    SIZE(xen_pfn_t);
    SIZE(struct vcpu_time_info);
    OFF(struct vcpu_time_info, version);
    OFF(struct vcpu_time_info, pad0);
    OFF(struct vcpu_time_info, tsc_timestamp);
    OFF(struct vcpu_time_info, system_time);
    OFF(struct vcpu_time_info, tsc_to_system_mul);
    OFF(struct vcpu_time_info, tsc_shift);
    OFF(struct vcpu_time_info, flags);
    OFF(struct vcpu_time_info, pad1);
    SIZE(struct arch_vcpu_info);
    ALIGN(struct arch_vcpu_info);
    OFF(struct arch_vcpu_info, cr2);
    OFF(struct arch_vcpu_info, pad);
    SIZE(struct vcpu_info);
    ALIGN(struct vcpu_info);
    OFF(struct vcpu_info, evtchn_upcall_pending);
    OFF(struct vcpu_info, evtchn_upcall_mask);
    OFF(struct vcpu_info, evtchn_pending_sel);
    OFF(struct vcpu_info, arch);
    OFF(struct vcpu_info, time);
    SIZE(struct arch_shared_info);
    ALIGN(struct arch_shared_info);
    OFF(struct arch_shared_info, max_pfn);
    OFF(struct arch_shared_info, pfn_to_mfn_frame_list_list);
    OFF(struct arch_shared_info, nmi_reason);
    OFF(struct arch_shared_info, p2m_cr3);
    OFF(struct arch_shared_info, p2m_vaddr);
    OFF(struct arch_shared_info, p2m_generation);
#ifdef __i386__
    OFF(struct arch_shared_info, wc_sec_hi);
#endif
    SIZE(struct shared_info);
    ALIGN(struct shared_info);
    OFF(struct shared_info, vcpu_info);
    OFF(struct shared_info, vcpu_info[1]);
    OFF(struct shared_info, evtchn_pending);
    OFF(struct shared_info, evtchn_pending[1]);
    OFF(struct shared_info, evtchn_mask);
    OFF(struct shared_info, wc_version);
    OFF(struct shared_info, wc_sec);
    OFF(struct shared_info, wc_nsec);
#ifndef __i386__
    OFF(struct shared_info, wc_sec_hi);
#endif
    OFF(struct shared_info, arch);

    /* version.h */
    SIZE(xen_extraversion_t);
    SIZE(struct xen_feature_info);
    ALIGN(struct xen_feature_info);
    OFF(struct xen_feature_info, submap_idx);
    OFF(struct xen_feature_info, submap);

    /* hvm/hvm_op.h */
    SIZE(struct xen_hvm_param);
    OFF(struct xen_hvm_param, domid);
    OFF(struct xen_hvm_param, pad);
    OFF(struct xen_hvm_param, index);
    OFF(struct xen_hvm_param, value);
    SIZE(struct xen_hvm_evtchn_upcall_vector);
    ALIGN(struct xen_hvm_evtchn_upcall_vector);
    OFF(struct xen_hvm_evtchn_upcall_vector, vcpu);
    OFF(struct xen_hvm_evtchn_upcall_vector, vector);

    /* hvm/hvm_info_table.h, arch-x86/hvm/start_info.h */
    SIZE(struct hvm_info_table);
    OFF(struct hvm_info_table, checksum);
    OFF(struct hvm_info_table, apic_mode);
    OFF(struct hvm_info_table, nr_vcpus);
    OFF(struct hvm_info_table, low_mem_pgend);
    OFF(struct hvm_info_table, reserved_mem_pgstart);
    OFF(struct hvm_info_table, high_mem_pgend);
    OFF(struct hvm_info_table, vcpu_online);
    SIZE(struct hvm_start_info);
    OFF(struct hvm_start_info, nr_modules);
    OFF(struct hvm_start_info, modlist_paddr);
    OFF(struct hvm_start_info, rsdp_paddr);
    OFF(struct hvm_start_info, memmap_paddr);
    OFF(struct hvm_start_info, memmap_entries);
    SIZE(struct hvm_modlist_entry);
    OFF(struct hvm_modlist_entry, cmdline_paddr);
    SIZE(struct hvm_memmap_table_entry);
    OFF(struct hvm_memmap_table_entry, type);

    /* memory.h */
    SIZE(struct xen_add_to_physmap);
    ALIGN(struct xen_add_to_physmap);
    OFF(struct xen_add_to_physmap, domid);
    OFF(struct xen_add_to_physmap, size);
    OFF(struct xen_add_to_physmap, space);
    OFF(struct xen_add_to_physmap, idx);
    OFF(struct xen_add_to_physmap, gpfn);
    SIZE(struct xen_remove_from_physmap);
    ALIGN(struct xen_remove_from_physmap);
    OFF(struct xen_remove_from_physmap, domid);
    OFF(struct xen_remove_from_physmap, gpfn);
    SIZE(struct xen_memory_map);
    ALIGN(struct xen_memory_map);
    OFF(struct xen_memory_map, nr_entries);
    OFF(struct xen_memory_map, buffer);

    /* event_channel.h */
    SIZE(evtchn_port_t);
    SIZE(struct evtchn_alloc_unbound);
    ALIGN(struct evtchn_alloc_unbound);
    OFF(struct evtchn_alloc_unbound, dom);
    OFF(struct evtchn_alloc_unbound, remote_dom);
    OFF(struct evtchn_alloc_unbound, port);
    SIZE(struct evtchn_bind_interdomain);
    ALIGN(struct evtchn_bind_interdomain);
    OFF(struct evtchn_bind_interdomain, remote_dom);
    OFF(struct evtchn_bind_interdomain, remote_port);
    OFF(struct evtchn_bind_interdomain, local_port);
    SIZE(struct evtchn_close);
    ALIGN(struct evtchn_close);
    OFF(struct evtchn_close, port);
    SIZE(struct evtchn_send);
    ALIGN(struct evtchn_send);
    OFF(struct evtchn_send, port);
    SIZE(struct evtchn_unmask);
    ALIGN(struct evtchn_unmask);
    OFF(struct evtchn_unmask, port);
    SIZE(struct evtchn_bind_vcpu);
    ALIGN(struct evtchn_bind_vcpu);
    OFF(struct evtchn_bind_vcpu, port);
    OFF(struct evtchn_bind_vcpu, vcpu);
    SIZE(struct evtchn_status);
    ALIGN(struct evtchn_status);
    OFF(struct evtchn_status, dom);
    OFF(struct evtchn_status, port);
    OFF(struct evtchn_status, status);
    OFF(struct evtchn_status, vcpu);
    OFF(struct evtchn_status, u);
    OFF(struct evtchn_status, u.unbound.dom);
    OFF(struct evtchn_status, u.interdomain.dom);
    OFF(struct evtchn_status, u.interdomain.port);
    OFF(struct evtchn_status, u.pirq);
    OFF(struct evtchn_status, u.virq);

    /* grant_table.h */
    SIZE(grant_ref_t);
    SIZE(struct grant_entry_v1);
    ALIGN(struct grant_entry_v1);
    OFF(struct grant_entry_v1, flags);
    OFF(struct grant_entry_v1, domid);
    OFF(struct grant_entry_v1, frame);
    SIZE(struct gnttab_query_size);
    ALIGN(struct gnttab_query_size);
    OFF(struct gnttab_query_size, dom);
    OFF(struct gnttab_query_size, nr_frames);
    OFF(struct gnttab_query_size, max_nr_frames);
    OFF(struct gnttab_query_size, status);
    SIZE(struct gnttab_setup_table);
    ALIGN(struct gnttab_setup_table);
    OFF(struct gnttab_setup_table, dom);
    OFF(struct gnttab_setup_table, nr_frames);
    OFF(struct gnttab_setup_table, status);
    OFF(struct gnttab_setup_table, frame_list);

    /* sched.h */
    SIZE(struct sched_shutdown);
    ALIGN(struct sched_shutdown);
    OFF(struct sched_shutdown, reason);
    SIZE(struct sched_remote_shutdown);
    ALIGN(struct sched_remote_shutdown);
    OFF(struct sched_remote_shutdown, domain_id);
    OFF(struct sched_remote_shutdown, reason);
    SIZE(struct sched_poll);
    ALIGN(struct sched_poll);
    OFF(struct sched_poll, ports);
    OFF(struct sched_poll, nr_ports);
    OFF(struct sched_poll, timeout);

    /* io/xs_wire.h */
    SIZE(struct xsd_sockmsg);
    ALIGN(struct xsd_sockmsg);
    OFF(struct xsd_sockmsg, type);
    OFF(struct xsd_sockmsg, req_id);
    OFF(struct xsd_sockmsg, tx_id);
    OFF(struct xsd_sockmsg, len);
    SIZE(struct xenstore_domain_interface);
    ALIGN(struct xenstore_domain_interface);
    OFF(struct xenstore_domain_interface, req);
    OFF(struct xenstore_domain_interface, rsp);
    OFF(struct xenstore_domain_interface, req_cons);
    OFF(struct xenstore_domain_interface, req_prod);
    OFF(struct xenstore_domain_interface, rsp_cons);
    OFF(struct xenstore_domain_interface, rsp_prod);
    OFF(struct xenstore_domain_interface, server_features);
    OFF(struct xenstore_domain_interface, connection);
    OFF(struct xenstore_domain_interface, error);

    /* io/xenbus.h */
    SIZE(XenbusState);

    /* io/ring.h, io/blkif.h */
    SIZE(RING_IDX);
    OFF(struct blkif_sring, req_prod);
    OFF(struct blkif_sring, req_event);
    OFF(struct blkif_sring, rsp_prod);
    OFF(struct blkif_sring, rsp_event);
    OFF(struct blkif_sring, pvt);
    OFF(struct blkif_sring, __pad);
    OFF(struct blkif_sring, ring);
    OFF(struct blkif_sring, ring[1]);
    ALIGN(struct blkif_sring);
    SIZE(union blkif_sring_entry);
    ALIGN(union blkif_sring_entry);
    SIZE(blkif_vdev_t);
    SIZE(blkif_sector_t);
    SIZE(struct blkif_request_segment);
    ALIGN(struct blkif_request_segment);
    OFF(struct blkif_request_segment, gref);
    OFF(struct blkif_request_segment, first_sect);
    OFF(struct blkif_request_segment, last_sect);
    SIZE(struct blkif_request);
    ALIGN(struct blkif_request);
    OFF(struct blkif_request, operation);
    OFF(struct blkif_request, nr_segments);
    OFF(struct blkif_request, handle);
    OFF(struct blkif_request, id);
    OFF(struct blkif_request, sector_number);
    OFF(struct blkif_request, seg);
    OFF(struct blkif_request, seg[10].last_sect);
    SIZE(struct blkif_response);
    ALIGN(struct blkif_response);
    OFF(struct blkif_response, id);
    OFF(struct blkif_response, operation);
    OFF(struct blkif_response, status);
    SIZE(struct blkif_request_discard);
    ALIGN(struct blkif_request_discard);
    OFF(struct blkif_request_discard, operation);
    OFF(struct blkif_request_discard, flag);
    OFF(struct blkif_request_discard, handle);
    OFF(struct blkif_request_discard, id);
    OFF(struct blkif_request_discard, sector_number);
    OFF(struct blkif_request_discard, nr_sectors);
    SIZE(struct blkif_request_indirect);
    ALIGN(struct blkif_request_indirect);
    OFF(struct blkif_request_indirect, operation);
    OFF(struct blkif_request_indirect, indirect_op);
    OFF(struct blkif_request_indirect, nr_segments);
    OFF(struct blkif_request_indirect, id);
    OFF(struct blkif_request_indirect, sector_number);
    OFF(struct blkif_request_indirect, handle);
    OFF(struct blkif_request_indirect, indirect_grefs);
#ifdef __i386__
    OFF(struct blkif_request_indirect, pad);
#endif
}

static void constants(void)
{
    /* xen.h */
    CONST(__HYPERVISOR_set_trap_table);
    CONST(__HYPERVISOR_mmu_update);
    CONST(__HYPERVISOR_set_gdt);
    CONST(__HYPERVISOR_stack_switch);
    CONST(__HYPERVISOR_set_callbacks);
    CONST(__HYPERVISOR_fpu_taskswitch);
    CONST(__HYPERVISOR_sched_op_compat);
    CONST(__HYPERVISOR_platform_op);
    CONST(__HYPERVISOR_set_debugreg);
    CONST(__HYPERVISOR_get_debugreg);
    CONST(__HYPERVISOR_update_descriptor);
    CONST(__HYPERVISOR_memory_op);
    CONST(__HYPERVISOR_multicall);
    CONST(__HYPERVISOR_update_va_mapping);
    CONST(__HYPERVISOR_set_timer_op);
    CONST(__HYPERVISOR_event_channel_op_compat);
    CONST(__HYPERVISOR_xen_version);
    CONST(__HYPERVISOR_console_io);
    CONST(__HYPERVISOR_physdev_op_compat);
    CONST(__HYPERVISOR_grant_table_op);
    CONST(__HYPERVISOR_vm_assist);
    CONST(__HYPERVISOR_update_va_mapping_otherdomain);
    CONST(__HYPERVISOR_iret);
    CONST(__HYPERVISOR_vcpu_op);
    CONST(__HYPERVISOR_set_segment_base);
    CONST(__HYPERVISOR_mmuext_op);
    CONST(__HYPERVISOR_xsm_op);
    CONST(__HYPERVISOR_nmi_op);
    CONST(__HYPERVISOR_sched_op);
    CONST(__HYPERVISOR_callback_op);
    CONST(__HYPERVISOR_xenoprof_op);
    CONST(__HYPERVISOR_event_channel_op);
    CONST(__HYPERVISOR_physdev_op);
    CONST(__HYPERVISOR_hvm_op);
    CONST(__HYPERVISOR_sysctl);
    CONST(__HYPERVISOR_domctl);
    CONST(__HYPERVISOR_kexec_op);
    CONST(__HYPERVISOR_tmem_op);
    CONST(__HYPERVISOR_argo_op);
    CONST(__HYPERVISOR_xenpmu_op);
    CONST(__HYPERVISOR_dm_op);
    CONST(__HYPERVISOR_hypfs_op);
    CONST(__HYPERVISOR_arch_0);
    CONST(__HYPERVISOR_arch_1);
    CONST(__HYPERVISOR_arch_2);
    CONST(__HYPERVISOR_arch_3);
    CONST(__HYPERVISOR_arch_4);
    CONST(__HYPERVISOR_arch_5);
    CONST(__HYPERVISOR_arch_6);
    CONST(__HYPERVISOR_arch_7);
    CONST(DOMID_FIRST_RESERVED);
    CONST(DOMID_SELF);
    CONST(DOMID_IO);
    CONST(DOMID_XEN);
    CONST(DOMID_COW);
    CONST(DOMID_INVALID);
    CONST(DOMID_IDLE);
    CONST(DOMID_MASK);
    CONST(XEN_LEGACY_MAX_VCPUS);
    CONST(XEN_HVM_DEBUGCONS_IOPORT);
    CONST(XEN_PVCLOCK_TSC_STABLE_BIT);
    CONST(XEN_PVCLOCK_GUEST_STOPPED);
    CONST(EVTCHN_2L_NR_CHANNELS);
    CONST(sizeof(((struct shared_info *)0)->evtchn_pending) / sizeof(xen_ulong_t));

    /* arch-x86/cpuid.h */
    CONST(XEN_CPUID_FIRST_LEAF);
    CONST(XEN_CPUID_LEAF(2));
    CONST(XEN_CPUID_SIGNATURE_EBX);
    CONST(XEN_CPUID_SIGNATURE_ECX);
    CONST(XEN_CPUID_SIGNATURE_EDX);
    CONST(XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD);
    CONST(XEN_HVM_CPUID_APIC_ACCESS_VIRT);
    CONST(XEN_HVM_CPUID_X2APIC_VIRT);
    CONST(XEN_HVM_CPUID_IOMMU_MAPPINGS);
    CONST(XEN_HVM_CPUID_VCPU_ID_PRESENT);
    CONST(XEN_HVM_CPUID_DOMID_PRESENT);
    CONST(XEN_HVM_CPUID_EXT_DEST_ID);
    CONST(XEN_HVM_CPUID_UPCALL_VECTOR);
    CONST(XEN_CPUID_MACHINE_ADDRESS_WIDTH_MASK);
    CONST(XEN_CPUID_MAX_NUM_LEAVES);

    /* errno.h */
    CONST(XEN_EPERM);
    CONST(XEN_ENOENT);
    CONST(XEN_ESRCH);
    CONST(XEN_EIO);
    CONST(XEN_ENXIO);
    CONST(XEN_E2BIG);
    CONST(XEN_ENOEXEC);
    CONST(XEN_EBADF);
    CONST(XEN_ECHILD);
    CONST(XEN_EAGAIN);
    CONST(XEN_EWOULDBLOCK);
    CONST(XEN_ENOMEM);
    CONST(XEN_EACCES);
    CONST(XEN_EFAULT);
    CONST(XEN_EBUSY);
    CONST(XEN_EEXIST);
    CONST(XEN_EXDEV);
    CONST(XEN_ENODEV);
    CONST(XEN_ENOTDIR);
    CONST(XEN_EISDIR);
    CONST(XEN_EINVAL);
    CONST(XEN_ENFILE);
    CONST(XEN_EMFILE);
    CONST(XEN_ENOSPC);
    CONST(XEN_EROFS);
    CONST(XEN_EMLINK);
    CONST(XEN_EDOM);
    CONST(XEN_ERANGE);
    CONST(XEN_EDEADLK);
    CONST(XEN_EDEADLOCK);
    CONST(XEN_ENAMETOOLONG);
    CONST(XEN_ENOLCK);
    CONST(XEN_ENOSYS);
    CONST(XEN_ENOTEMPTY);
    CONST(XEN_ENODATA);
    CONST(XEN_ETIME);
    CONST(XEN_EBADMSG);
    CONST(XEN_EOVERFLOW);
    CONST(XEN_EILSEQ);
    CONST(XEN_ENOTSOCK);
    CONST(XEN_EMSGSIZE);
    CONST(XEN_EOPNOTSUPP);
    CONST(XEN_EADDRINUSE);
    CONST(XEN_EADDRNOTAVAIL);
    CONST(XEN_ENOBUFS);
    CONST(XEN_EISCONN);
    CONST(XEN_ENOTCONN);
    CONST(XEN_ETIMEDOUT);
    CONST(XEN_ECONNREFUSED);

    /* version.h, features.h */
    CONST(XENVER_version);
    CONST(XENVER_extraversion);
    CONST(XENVER_compile_info);
    CONST(XENVER_capabilities);
    CONST(XENVER_changeset);
    CONST(XENVER_platform_parameters);
    CONST(XENVER_get_features);
    CONST(XENVER_pagesize);
    CONST(XENVER_guest_handle);
    CONST(XENVER_commandline);
    CONST(XENVER_build_id);
    CONST(XEN_EXTRAVERSION_LEN);
    CONST(XEN_CAPABILITIES_INFO_LEN);
    CONST(XEN_CHANGESET_INFO_LEN);
    CONST(XENFEAT_writable_page_tables);
    CONST(XENFEAT_writable_descriptor_tables);
    CONST(XENFEAT_auto_translated_physmap);
    CONST(XENFEAT_supervisor_mode_kernel);
    CONST(XENFEAT_pae_pgdir_above_4gb);
    CONST(XENFEAT_mmu_pt_update_preserve_ad);
    CONST(XENFEAT_highmem_assist);
    CONST(XENFEAT_gnttab_map_avail_bits);
    CONST(XENFEAT_hvm_callback_vector);
    CONST(XENFEAT_hvm_safe_pvclock);
    CONST(XENFEAT_hvm_pirqs);
    CONST(XENFEAT_dom0);
    CONST(XENFEAT_memory_op_vnode_supported);
    CONST(XENFEAT_ARM_SMCCC_supported);
    CONST(XENFEAT_linux_rsdp_unrestricted);
    CONST(XENFEAT_not_direct_mapped);
    CONST(XENFEAT_direct_mapped);
    CONST(XENFEAT_NR_SUBMAPS);

    /* hvm/hvm_op.h, hvm/params.h */
    CONST(HVMOP_set_param);
    CONST(HVMOP_get_param);
    CONST(HVMOP_flush_tlbs);
    CONST(HVMOP_pagetable_dying);
    CONST(HVMOP_get_time);
    CONST(HVMOP_get_mem_type);
    CONST(HVMOP_set_evtchn_upcall_vector);
    CONST(HVM_PARAM_CALLBACK_IRQ);
    CONST(HVM_PARAM_STORE_PFN);
    CONST(HVM_PARAM_STORE_EVTCHN);
    CONST(HVM_PARAM_IOREQ_PFN);
    CONST(HVM_PARAM_BUFIOREQ_PFN);
    CONST(HVM_PARAM_VIRIDIAN);
    CONST(HVM_PARAM_TIMER_MODE);
    CONST(HVM_PARAM_HPET_ENABLED);
    CONST(HVM_PARAM_IDENT_PT);
    CONST(HVM_PARAM_ACPI_S_STATE);
    CONST(HVM_PARAM_VM86_TSS);
    CONST(HVM_PARAM_VPT_ALIGN);
    CONST(HVM_PARAM_CONSOLE_PFN);
    CONST(HVM_PARAM_CONSOLE_EVTCHN);
    CONST(HVM_PARAM_ACPI_IOPORTS_LOCATION);
    CONST(ACPI_PM1A_EVT_BLK_ADDRESS_V1);
    CONST(ACPI_PM1A_CNT_BLK_ADDRESS_V1);
    CONST(ACPI_PM_TMR_BLK_ADDRESS_V1);
    CONST(ACPI_GPE0_BLK_ADDRESS_V1);
    CONST(ACPI_GPE0_BLK_LEN_V1);
    CONST(HVM_PARAM_PAGING_RING_PFN);
    CONST(HVM_PARAM_MONITOR_RING_PFN);
    CONST(HVM_PARAM_SHARING_RING_PFN);
    CONST(HVM_PARAM_TRIPLE_FAULT_REASON);
    CONST(HVM_PARAM_IOREQ_SERVER_PFN);
    CONST(HVM_PARAM_NR_IOREQ_SERVER_PAGES);
    CONST(HVM_PARAM_VM_GENERATION_ID_ADDR);
    CONST(HVM_PARAM_ALTP2M);
    CONST(HVM_PARAM_X87_FIP_WIDTH);
    CONST(HVM_PARAM_VM86_TSS_SIZED);
    CONST(HVM_PARAM_MCA_CAP);
    CONST(HVM_NR_PARAMS);
    CONST(HVM_PARAM_CALLBACK_IRQ_TYPE_MASK);
    CONST(HVM_PARAM_CALLBACK_TYPE_GSI);
    CONST(HVM_PARAM_CALLBACK_TYPE_PCI_INTX);
    CONST(HVM_PARAM_CALLBACK_TYPE_VECTOR);
    CONST(HVMPTM_delay_for_missed_ticks);
    CONST(HVMPTM_no_delay_for_missed_ticks);
    CONST(HVMPTM_no_missed_ticks_pending);
    CONST(HVMPTM_one_missed_tick_pending);

    /* memory.h */
    CONST(XENMEM_increase_reservation);
    CONST(XENMEM_decrease_reservation);
    CONST(XENMEM_maximum_ram_page);
    CONST(XENMEM_current_reservation);
    CONST(XENMEM_maximum_reservation);
    CONST(XENMEM_machphys_mfn_list);
    CONST(XENMEM_populate_physmap);
    CONST(XENMEM_add_to_physmap);
    CONST(XENMEM_memory_map);
    CONST(XENMEM_machine_memory_map);
    CONST(XENMEM_exchange);
    CONST(XENMEM_machphys_mapping);
    CONST(XENMEM_set_memory_map);
    CONST(XENMEM_maximum_gpfn);
    CONST(XENMEM_remove_from_physmap);
    CONST(XENMEM_add_to_physmap_batch);
    CONST(XENMAPSPACE_shared_info);
    CONST(XENMAPSPACE_grant_table);
    CONST(XENMAPSPACE_gmfn);
    CONST(XENMAPSPACE_gmfn_range);
    CONST(XENMAPSPACE_gmfn_foreign);
    CONST(XENMAPSPACE_dev_mmio);
    CONST(XENMAPIDX_grant_table_status);

    /* event_channel.h */
    CONST(EVTCHNOP_bind_interdomain);
    CONST(EVTCHNOP_bind_virq);
    CONST(EVTCHNOP_bind_pirq);
    CONST(EVTCHNOP_close);
    CONST(EVTCHNOP_send);
    CONST(EVTCHNOP_status);
    CONST(EVTCHNOP_alloc_unbound);
    CONST(EVTCHNOP_bind_ipi);
    CONST(EVTCHNOP_bind_vcpu);
    CONST(EVTCHNOP_unmask);
    CONST(EVTCHNOP_reset);
    CONST(EVTCHNOP_init_control);
    CONST(EVTCHNOP_expand_array);
    CONST(EVTCHNOP_set_priority);
    CONST(EVTCHNSTAT_closed);
    CONST(EVTCHNSTAT_unbound);
    CONST(EVTCHNSTAT_interdomain);
    CONST(EVTCHNSTAT_pirq);
    CONST(EVTCHNSTAT_virq);
    CONST(EVTCHNSTAT_ipi);

    /* grant_table.h */
    CONST(GNTTAB_NR_RESERVED_ENTRIES);
    CONST(GNTTAB_RESERVED_CONSOLE);
    CONST(GNTTAB_RESERVED_XENSTORE);
    CONST(GTF_invalid);
    CONST(GTF_permit_access);
    CONST(GTF_accept_transfer);
    CONST(GTF_transitive);
    CONST(GTF_type_mask);
    CONST(GTF_readonly);
    CONST(GTF_reading);
    CONST(GTF_writing);
    CONST(GTF_PWT);
    CONST(GTF_PCD);
    CONST(GTF_PAT);
    CONST(GTF_sub_page);
    CONST(GTF_transfer_committed);
    CONST(GTF_transfer_completed);
    CONST(GNTTABOP_map_grant_ref);
    CONST(GNTTABOP_unmap_grant_ref);
    CONST(GNTTABOP_setup_table);
    CONST(GNTTABOP_dump_table);
    CONST(GNTTABOP_transfer);
    CONST(GNTTABOP_copy);
    CONST(GNTTABOP_query_size);
    CONST(GNTTABOP_unmap_and_replace);
    CONST(GNTTABOP_set_version);
    CONST(GNTTABOP_get_status_frames);
    CONST(GNTTABOP_get_version);
    CONST(GNTTABOP_swap_grant_ref);
    CONST(GNTTABOP_cache_flush);
    CONST(GNTST_okay);
    CONST(GNTST_general_error);
    CONST(GNTST_bad_domain);
    CONST(GNTST_bad_gntref);
    CONST(GNTST_bad_handle);
    CONST(GNTST_bad_virt_addr);
    CONST(GNTST_bad_dev_addr);
    CONST(GNTST_no_device_space);
    CONST(GNTST_permission_denied);
    CONST(GNTST_bad_page);
    CONST(GNTST_bad_copy_arg);
    CONST(GNTST_address_too_big);
    CONST(GNTST_eagain);
    CONST(GNTST_no_space);

    /* sched.h */
    CONST(SCHEDOP_yield);
    CONST(SCHEDOP_block);
    CONST(SCHEDOP_shutdown);
    CONST(SCHEDOP_poll);
    CONST(SCHEDOP_remote_shutdown);
    CONST(SCHEDOP_shutdown_code);
    CONST(SCHEDOP_watchdog);
    CONST(SCHEDOP_pin_override);
    CONST(SHUTDOWN_poweroff);
    CONST(SHUTDOWN_reboot);
    CONST(SHUTDOWN_suspend);
    CONST(SHUTDOWN_crash);
    CONST(SHUTDOWN_watchdog);
    CONST(SHUTDOWN_soft_reset);
    CONST(SHUTDOWN_MAX);

    /* io/xs_wire.h */
    CONST(XS_CONTROL);
    CONST(XS_DEBUG);
    CONST(XS_DIRECTORY);
    CONST(XS_READ);
    CONST(XS_GET_PERMS);
    CONST(XS_WATCH);
    CONST(XS_UNWATCH);
    CONST(XS_TRANSACTION_START);
    CONST(XS_TRANSACTION_END);
    CONST(XS_INTRODUCE);
    CONST(XS_RELEASE);
    CONST(XS_GET_DOMAIN_PATH);
    CONST(XS_WRITE);
    CONST(XS_MKDIR);
    CONST(XS_RM);
    CONST(XS_SET_PERMS);
    CONST(XS_WATCH_EVENT);
    CONST(XS_ERROR);
    CONST(XS_IS_DOMAIN_INTRODUCED);
    CONST(XS_RESUME);
    CONST(XS_SET_TARGET);
    CONST(XS_RESET_WATCHES);
    CONST(XS_DIRECTORY_PART);
    CONST(XS_TYPE_COUNT);
    CONST(XS_INVALID);
    CONST(XS_WATCH_PATH);
    CONST(XS_WATCH_TOKEN);
    CONST(XENSTORE_RING_SIZE);
    CONST(MASK_XENSTORE_IDX(1025));
    CONST(XENSTORE_PAYLOAD_MAX);
    CONST(XENSTORE_ABS_PATH_MAX);
    CONST(XENSTORE_REL_PATH_MAX);
    CONST(XENSTORE_SERVER_FEATURE_RECONNECTION);
    CONST(XENSTORE_SERVER_FEATURE_ERROR);
    CONST(XENSTORE_CONNECTED);
    CONST(XENSTORE_RECONNECT);
    CONST(XENSTORE_ERROR_NONE);
    CONST(XENSTORE_ERROR_COMM);
    CONST(XENSTORE_ERROR_RINGIDX);
    CONST(XENSTORE_ERROR_PROTO);
    STR(XS_WRITE_NONE);
    STR(XS_WRITE_CREATE);
    STR(XS_WRITE_CREATE_EXCL);
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        printf("xsd_error\t%zu\t%s %d\n", i, xsd_errors[i].errstring, xsd_errors[i].errnum);

    /* io/xenbus.h */
    CONST(XenbusStateUnknown);
    CONST(XenbusStateInitialising);
    CONST(XenbusStateInitWait);
    CONST(XenbusStateInitialised);
    CONST(XenbusStateConnected);
    CONST(XenbusStateClosing);
    CONST(XenbusStateClosed);
    CONST(XenbusStateReconfiguring);
    CONST(XenbusStateReconfigured);

    /* io/ring.h, io/protocols.h, io/blkif.h */
    CONST(XEN_PAGE_SHIFT);
    CONST(__RD32(37));
    CONST(__RD32(0x80000001u));
    CONST(__CONST_RING_SIZE(blkif, 4096));
    STR(XEN_IO_PROTO_ABI_X86_32);
    STR(XEN_IO_PROTO_ABI_X86_64);
    STR(XEN_IO_PROTO_ABI_ARM);
    STR(XEN_IO_PROTO_ABI_NATIVE);
    CONST(BLKIF_OP_READ);
    CONST(BLKIF_OP_WRITE);
    CONST(BLKIF_OP_WRITE_BARRIER);
    CONST(BLKIF_OP_FLUSH_DISKCACHE);
    CONST(BLKIF_OP_RESERVED_1);
    CONST(BLKIF_OP_DISCARD);
    CONST(BLKIF_OP_INDIRECT);
    CONST(BLKIF_MAX_SEGMENTS_PER_REQUEST);
    CONST(BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
    CONST(BLKIF_DISCARD_SECURE);
    CONST(BLKIF_RSP_EOPNOTSUPP);
    CONST(BLKIF_RSP_ERROR);
    CONST(BLKIF_RSP_OKAY);
    CONST(VDISK_CDROM);
    CONST(VDISK_REMOVABLE);
    CONST(VDISK_READONLY);
}

int main(void)
{
    printf("abi\tpointer_bits\t%zu\n", sizeof(void *) * 8);
    structs();
    constants();
    return 0;
}
