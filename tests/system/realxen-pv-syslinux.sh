#!/usr/bin/env bash
# Real Xen, PV disk with Linux's blkback: xvda (dom0's default backend: blkback over a loop
# device; the guest also has its emulated IDE twin, which the firmware hides). The firmware's
# blkfront connects to blkback and boots SYSLINUX from it, which loads the kernel and the
# initramfs through int13 over the PV ring.
source "$(dirname "$0")/../realxen/lib.sh"

rx_boot_test realxen-pv-syslinux "${RX_HVMLOADER_LINES[@]}" \
    --firmware-re '^\[boot\] booting Xen PV disk xvda' \
    --serial "${XB_SYSLINUX_LINES[0]}" --serial "${XB_SYSLINUX_LINES[1]}" \
    --serial "${XB_SYSLINUX_LINES[2]}" \
    -- --disk "xvda=$(xb_syslinux_disk)"
