#!/usr/bin/env bash
# An installer-style CD as QEMU's IDE CD-ROM (-cdrom) with -boot d and no disk: the firmware
# finds the ATAPI drive, reads the El Torito catalog, loads ISOLINUX (no emulation) and enters
# it with DL = the CD's drive number; ISOLINUX reads its config, the Debian kernel and the
# initramfs through int13 AH=42h in 2048-byte sectors.
source "$(dirname "$0")/lib.sh"

kver=$(xb_kver)
xb_boot_test boot-cd-isolinux "" \
    "${XB_ISOLINUX_LINES[@]}" "$XB_KERNEL_MARKER$kver" "$XB_INITRAMFS_MARKER $kver" \
    -- -cdrom "$(xb_isolinux_iso)" -boot d
