#!/usr/bin/env bash
# Real Xen, no hvmloader (xl.cfg `firmware=`), with Xen's largest HVM guest: 128 vCPUs
# (HVM_MAX_VCPUS). The firmware's tables must hold them all: a MADT entry each, the MP table (its configuration table is out of the F segment) and one
# SMBIOS processor each; SYSLINUX then boots from xvda as with one vCPU.
source "$(dirname "$0")/../realxen/lib.sh"

rx_boot_test realxen-direct-128-vcpus "${RX_DIRECT_LINES[@]}" \
    --firmware-re '^\[acpi\] own tables \(Xen\): RSDP at 0xf[0-9a-f]{4}, .* 128 CPU\(s\)' \
    --firmware-re '^\[mp\] MP table at 0xf[0-9a-f]{4} -> 0x[0-9a-f]+: 128 CPUs' \
    --firmware-re '^\[smbios\] own tables: entry point at 0xf[0-9a-f]{4}, .*: 128 CPUs' \
    --serial "${XB_SYSLINUX_LINES[0]}" --serial "${XB_SYSLINUX_LINES[1]}" \
    -- --direct --disk "xvda=$(xb_syslinux_disk)" --cfg 'vcpus = 128'
