#!/usr/bin/env bash
# A GRUB rescue CD (grub-mkrescue: cdboot.img + core.img as the no-emulation boot image) as
# QEMU's IDE CD-ROM with -boot d: GRUB reads its modules, grub.cfg, the kernel and the
# initramfs from the CD through int13 on the CD's drive number.
source "$(dirname "$0")/lib.sh"

kver=$(xb_kver)
xb_boot_test boot-cd-grub "" \
    "$XB_GRUB_MARKER" "$XB_GRUB_LOADED_MARKER" "$XB_KERNEL_MARKER$kver" \
    "$XB_INITRAMFS_MARKER $kver" \
    -- -cdrom "$(xb_grub_iso)" -boot d
