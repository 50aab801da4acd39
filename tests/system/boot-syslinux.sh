#!/usr/bin/env bash
# SYSLINUX from a partitioned disk: syslinux's MBR → the active FAT partition's SYSLINUX →
# the Debian kernel and the busybox initramfs, all through the firmware's int13.
source "$(dirname "$0")/lib.sh"

kver=$(xb_kver)
disk=$(xb_syslinux_disk)
xb_boot_test boot-syslinux "$disk" \
    "${XB_SYSLINUX_LINES[@]}" "$XB_KERNEL_MARKER$kver" "$XB_INITRAMFS_MARKER $kver"
