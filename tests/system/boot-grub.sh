#!/usr/bin/env bash
# GRUB 2 from a partitioned disk: boot.img in the MBR → core.img in the MBR gap → grub.cfg on
# the FAT partition → the Debian kernel and the busybox initramfs, all through the firmware's int13.
source "$(dirname "$0")/lib.sh"

kver=$(xb_kver)
disk=$(xb_grub_disk)
xb_boot_test boot-grub "$disk" \
    "$XB_GRUB_MARKER" "$XB_KERNEL_MARKER$kver" "$XB_INITRAMFS_MARKER $kver"
