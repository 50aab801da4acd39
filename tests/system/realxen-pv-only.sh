#!/usr/bin/env bash
# Real Xen, a PV-only disk: xvde has no emulated twin (xl gives IDE twins to xvda-xvdd only),
# so without the firmware's blkfront the guest has nothing to boot. GRUB 2 boots from it and
# loads the kernel and the initramfs through int13 over the PV ring (blkback).
source "$(dirname "$0")/../realxen/lib.sh"

rx_boot_test realxen-pv-only "${RX_HVMLOADER_LINES[@]}" \
    --firmware-re '^\[boot\] booting Xen PV disk xvde' \
    --serial "$XB_GRUB_MARKER" --serial "$XB_GRUB_LOADED_MARKER" \
    -- --disk "xvde=$(xb_grub_disk)"
