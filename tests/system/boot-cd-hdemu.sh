#!/usr/bin/env bash
# El Torito hard-disk emulation: a CD whose boot image is the SYSLINUX disk. The firmware makes
# the image drive 80h (CHS geometry from its partition table) and SYSLINUX's MBR, boot sector
# and ldlinux read the kernel and the initramfs from it through int13, every 512-byte sector
# served from the CD's 2048-byte ones.
source "$(dirname "$0")/lib.sh"

kver=$(xb_kver)
xb_boot_test boot-cd-hdemu "" \
    "${XB_SYSLINUX_LINES[@]}" "$XB_KERNEL_MARKER$kver" "$XB_INITRAMFS_MARKER $kver" \
    -- -cdrom "$(xb_hdemu_iso)" -boot d
