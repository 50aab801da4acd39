#!/usr/bin/env bash
# The ISOLINUX ISO as the emulated IDE CD under QEMU's Xen emulation (-cdrom: the secondary
# master, no PV CD-ROM, no disk): the firmware's ATAPI driver serves it and El Torito boots it,
# with the Xen platform device present (blkfront finds no VBD). The initramfs marker is the
# check.
source "$(dirname "$0")/../xen/lib.sh"

name=xen-ide-cdrom
kver=$(xb_kver)
xen_cd_iso
expect=(--serial "$XB_KERNEL_MARKER$kver" --serial "$XB_INITRAMFS_MARKER $kver")
if xb_is_xenbios; then
    expect+=(--firmware-re '^\[boot\] booting ata1 master')
fi
xen_boot_test "$name" "${expect[@]}" -- --cdrom "$XEN_CD_ISO"
