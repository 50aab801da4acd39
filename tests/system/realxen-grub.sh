#!/usr/bin/env bash
# Real Xen, emulated IDE: as realxen-syslinux, with GRUB 2 (boot.img, core.img in the MBR gap,
# grub.cfg): GRUB's echo before and after it loads the kernel and the initramfs by int13.
source "$(dirname "$0")/../realxen/lib.sh"

rx_boot_test realxen-grub "${RX_HVMLOADER_LINES[@]}" \
    --firmware-re '^\[boot\] booting ata0 master' \
    --serial "$XB_GRUB_MARKER" --serial "$XB_GRUB_LOADED_MARKER" \
    -- --disk "xvda=$(xb_grub_disk)" --ide-only
