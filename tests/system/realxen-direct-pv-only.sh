#!/usr/bin/env bash
# Real Xen, no hvmloader (xl.cfg `firmware=`), a PV-only disk: GRUB 2 boots from xvde (no
# emulated twin) and loads the kernel and the initramfs through int13 over blkback.
source "$(dirname "$0")/../realxen/lib.sh"

rx_boot_test realxen-direct-pv-only "${RX_DIRECT_LINES[@]}" \
    --firmware-re '^\[boot\] booting Xen PV disk xvde' \
    --serial "$XB_GRUB_MARKER" --serial "$XB_GRUB_LOADED_MARKER" \
    -- --direct --disk "xvde=$(xb_grub_disk)"
