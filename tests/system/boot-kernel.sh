#!/usr/bin/env bash
# QEMU's direct kernel boot: -kernel, -initrd and -append, no disk. QEMU hands the Debian kernel,
# the busybox initramfs and the command line over fw_cfg and adds its boot ROM
# linuxboot_dma.bin, whose boot entry vector (called by the firmware's int19) reads them into
# memory by fw_cfg DMA, with its DMA descriptor on the stack the firmware gave it, and enters
# the kernel's real-mode setup.
source "$(dirname "$0")/lib.sh"

kver=$(xb_kver)
lines=()
# The boot ROM by its product name, on xenbios's console (SeaBIOS's is not on COM1).
if xb_is_xenbios; then
    lines+=("Booting from Linux loader DMA...")
fi
lines+=("$XB_KERNEL_MARKER$kver" "Command line: $XB_CMDLINE" "$XB_INITRAMFS_MARKER $kver")
xb_boot_test boot-kernel "" "${lines[@]}" \
    -- -kernel "$(xb_vmlinuz)" -initrd "$(xb_initramfs)" -append "$XB_CMDLINE"
