#!/usr/bin/env bash
# QEMU's direct kernel boot under QEMU's Xen emulation and KVM (L2 on the nested bed), no disk:
# -kernel, -initrd and -append with the Debian kernel and the busybox initramfs, which QEMU's
# boot ROM linuxboot_dma.bin reads by fw_cfg DMA when the firmware's int19 calls its boot entry
# vector, as boot-kernel does under TCG. The kernel finds Xen (HVM) and reaches the marker.
source "$(dirname "$0")/../xen/lib.sh"

kver=$(xb_kver)
vmlinuz=$(xb_vmlinuz)
initrd=$(xb_initramfs)
expect=()
for line in "$XB_KERNEL_MARKER$kver" "Command line: $XB_CMDLINE" "Hypervisor detected: Xen HVM" \
    "$XB_INITRAMFS_MARKER $kver"; do
    expect+=(--serial "$line")
done
# xenbios's own log lines (another firmware, e.g. SeaBIOS, is judged by the serial console).
if xb_is_xenbios; then
    expect+=(--firmware "[post] xenbios" --firmware "[post] done"
        --firmware "[boot] trying Linux loader DMA")
fi
# bed.sh places each --file in L1's $XBED_SHARE_DIR/files/ under its own name.
files=$XBED_SHARE_DIR/files
xen_boot_test xen-boot-kernel "${expect[@]}" -- --file "$vmlinuz" --file "$initrd" \
    -- -kernel "$files/$(basename "$vmlinuz")" -initrd "$files/$(basename "$initrd")" \
    -append "$XB_CMDLINE"
