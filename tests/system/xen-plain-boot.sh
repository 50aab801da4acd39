#!/usr/bin/env bash
# The Xen bed with no Xen device in use: the firmware under QEMU's Xen emulation and KVM (L2 in
# the nested bed) boots the SYSLINUX disk from an emulated IDE disk, as boot-syslinux does under
# TCG: syslinux's MBR → SYSLINUX → the Debian kernel → the busybox initramfs's marker. Proves the
# bed, its harness and the firmware under KVM; xenbios's log shows its POST and its boot.
source "$(dirname "$0")/../xen/lib.sh"

kver=$(xb_kver)
disk=$(xb_syslinux_disk)
expect=()
for line in "${XB_SYSLINUX_LINES[@]}" "$XB_KERNEL_MARKER$kver" "$XB_INITRAMFS_MARKER $kver"; do
    expect+=(--serial "$line")
done
# xenbios's own log lines (another firmware, e.g. SeaBIOS, is judged by the serial console).
if xb_is_xenbios; then
    expect+=(--firmware "[post] xenbios" --firmware "[post] done"
        --firmware-re '^\[boot\] booting ata0 master')
fi
xen_boot_test xen-plain-boot "${expect[@]}" -- --ide "$disk" --snapshot
