#!/usr/bin/env bash
# Real Xen, emulated IDE: hvmloader loads the firmware (bios_path_override), the guest has no
# Xen platform device (xen_platform_pci = 0, so no PV path), and the firmware boots the
# SYSLINUX disk from xvda's emulated IDE twin: e820 and the ACPI RSDP come from hvmloader's
# table, SYSLINUX loads the kernel and the initramfs through int13 (its "ok" lines).
source "$(dirname "$0")/../realxen/lib.sh"

rx_boot_test realxen-syslinux "${RX_HVMLOADER_LINES[@]}" \
    --firmware-re '^\[boot\] booting ata0 master' \
    --serial "${XB_SYSLINUX_LINES[0]}" --serial "${XB_SYSLINUX_LINES[1]}" \
    --serial "${XB_SYSLINUX_LINES[2]}" \
    -- --disk "xvda=$(xb_syslinux_disk)" --ide-only
