#!/usr/bin/env bash
# Real Xen, hvmloader's payload, with Xen's largest HVM guest: 128 vCPUs (HVM_MAX_VCPUS).
# hvmloader's MP table for them (2.8 KiB) no longer fits the F segment: the firmware leaves
# its configuration table in hvmloader's reserved memory and puts only the floating pointer
# in the F segment; the RSDP and SMBIOS entry point are copied as with one vCPU, and SYSLINUX
# boots from xvda.
source "$(dirname "$0")/../realxen/lib.sh"

# RX_HVMLOADER_LINES's two lines with the MP table's between them (the log's order).
rx_boot_test realxen-128-vcpus "${RX_HVMLOADER_LINES[@]:0:2}" \
    --firmware-re "^\\[tables\\] hvmloader's MP table at 0x[0-9a-f]+: copied to 0xf[0-9a-f]{4}" \
    "${RX_HVMLOADER_LINES[@]:2:2}" \
    --serial "${XB_SYSLINUX_LINES[0]}" --serial "${XB_SYSLINUX_LINES[1]}" \
    -- --disk "xvda=$(xb_syslinux_disk)" --cfg 'vcpus = 128'
