#!/usr/bin/env bash
# GRUB 2 from a Xen PV disk and nothing else: boot.img → core.img → grub.cfg → the Debian kernel
# and its initramfs, all read through the firmware's blkfront (int13 on xvda); then Linux's own
# xen-blkfront takes the disk over from the firmware's frontend (left Connected) and reads a
# known region of /dev/xvda, whose checksum must match the image's.
source "$(dirname "$0")/../xen/lib.sh"

name=xen-pv-grub
kver=$(xb_kver)
initrd=$(xen_pv_initramfs)
disk=$(xb_grub_disk "$initrd")
expect=()
for line in "$XB_GRUB_MARKER" "$XB_KERNEL_MARKER$kver"; do
    expect+=(--serial "$line")
done
xen_pv_check_expect "$disk" "$kver"
expect+=("${XEN_PV_EXPECT[@]}")
if xb_is_xenbios; then
    expect+=(--firmware-re "$(xen_vbd_line_re xvda $((XB_DISK_MIB * 1024 * 1024 / XB_SECTOR)))"
        --firmware-re '^\[boot\] booting Xen PV disk xvda')
fi
xen_boot_test "$name" "${expect[@]}" -- --xen-disk "xvda=$disk" --snapshot
