#!/usr/bin/env bash
# Real Xen, PV disk with QEMU's backend: xvda with backendtype=qdisk (the device model in dom0
# serves the ring). The firmware's blkfront boots GRUB 2 from it; GRUB's echo lines frame its
# loading of the kernel and the initramfs through int13 over the PV ring.
source "$(dirname "$0")/../realxen/lib.sh"

rx_boot_test realxen-pv-qdisk "${RX_HVMLOADER_LINES[@]}" \
    --firmware-re '^\[boot\] booting Xen PV disk xvda' \
    --serial "$XB_GRUB_MARKER" --serial "$XB_GRUB_LOADED_MARKER" \
    -- --disk "xvda=$(xb_grub_disk),backendtype=qdisk"
