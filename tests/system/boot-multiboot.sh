#!/usr/bin/env bash
# QEMU's direct kernel boot of a multiboot kernel: Debian's Xen hypervisor as -kernel, the
# Debian kernel and the busybox initramfs as its modules (-initrd "kernel args,initramfs").
# QEMU's boot ROM multiboot_dma.bin reads them by fw_cfg DMA, builds the multiboot memory map
# from the firmware's int15 E820 and enters Xen in protected mode; Xen prints its banner, its
# command line and that map on COM1, builds dom0 from the modules, and dom0's initramfs prints
# the marker on hvc0 (through Xen's console) and powers the VM off.
source "$(dirname "$0")/lib.sh"

kver=$(xb_kver)
xen_cmdline="console=com1 com1=115200,8n1"
dom0_cmdline="console=hvc0 panic=-1"
lines=()
# The boot ROM by its product name, on xenbios's console (SeaBIOS's is not on COM1).
if xb_is_xenbios; then
    lines+=("Booting from multiboot loader...")
fi
lines+=("(XEN) Xen version " "(XEN) Command line: $xen_cmdline" "(XEN) Xen-e820 RAM map:"
    "(XEN)  Init. ramdisk: " "$XB_KERNEL_MARKER$kver" "Command line: $dom0_cmdline"
    "$XB_INITRAMFS_MARKER $kver")
xb_boot_test boot-multiboot "" "${lines[@]}" \
    -- -kernel "$(xb_xen_elf)" -append "$xen_cmdline" \
    -initrd "$(xb_vmlinuz) $dom0_cmdline,$(xb_initramfs)"
