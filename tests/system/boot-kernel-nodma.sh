#!/usr/bin/env bash
# QEMU's direct kernel boot without fw_cfg DMA (fw_cfg_io.dma_enabled=off): QEMU then adds
# linuxboot.bin, which reads the Debian kernel, the busybox initramfs and the command line
# through fw_cfg's data port; the firmware reads its own fw_cfg files by port too.
source "$(dirname "$0")/lib.sh"

kver=$(xb_kver)
lines=()
# The boot ROM by its product name, on xenbios's console (SeaBIOS's is not on COM1).
if xb_is_xenbios; then
    lines+=("Booting from Linux loader...")
fi
lines+=("$XB_KERNEL_MARKER$kver" "Command line: $XB_CMDLINE" "$XB_INITRAMFS_MARKER $kver")
xb_boot_test boot-kernel-nodma "" "${lines[@]}" \
    -- -global fw_cfg_io.dma_enabled=off \
    -kernel "$(xb_vmlinuz)" -initrd "$(xb_initramfs)" -append "$XB_CMDLINE"
