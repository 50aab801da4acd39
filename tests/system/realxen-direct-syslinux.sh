#!/usr/bin/env bash
# Real Xen, no hvmloader: xl.cfg `firmware=` makes Xen's domain builder load
# target/xenbios.elf itself and start it in 32-bit mode (docs/xen.md). The firmware takes
# the memory map from XENMEM_memory_map, places the PCI BARs, sets up Xen's PV interfaces and
# boots SYSLINUX from xvda over blkback; SYSLINUX loads the kernel and the initramfs through
# int13 over the PV ring.
source "$(dirname "$0")/../realxen/lib.sh"

rx_boot_test realxen-direct-syslinux "${RX_DIRECT_LINES[@]}" \
    --firmware-re '^\[pci\] 00:02\.0 5853:0001 .*bar1 mem' \
    --firmware-re '^\[boot\] booting Xen PV disk xvda' \
    --serial "${XB_SYSLINUX_LINES[0]}" --serial "${XB_SYSLINUX_LINES[1]}" \
    --serial "${XB_SYSLINUX_LINES[2]}" \
    -- --direct --disk "xvda=$(xb_syslinux_disk)"
