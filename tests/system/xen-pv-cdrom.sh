#!/usr/bin/env bash
# An installer-style ISOLINUX ISO as a Xen PV CD-ROM and nothing else (QEMU's -device xen-cdrom,
# vdev xvdc; no disk, no IDE CD): the firmware's blkfront connects it as a CD drive of
# 2048-byte sectors, El Torito boots ISOLINUX from it (no emulation, DL = the CD's number), and
# ISOLINUX loads the test kernel and initramfs through int13 on the CD. Linux's own
# xen-blkfront leaves PV CD-ROMs of HVM guests alone (blkfront_probe), so the initramfs needs
# nothing of the CD: reaching its marker is the check.
source "$(dirname "$0")/../xen/lib.sh"

name=xen-pv-cdrom
kver=$(xb_kver)
xen_cd_iso
sectors=$(($(stat -c %s "$XEN_CD_ISO") / 2048))
expect=(--serial "$XB_KERNEL_MARKER$kver" --serial "$XB_INITRAMFS_MARKER $kver")
if xb_is_xenbios; then
    expect+=(--firmware-re "$(xen_cd_line_re xvdc "$sectors")"
        --firmware-re '^\[boot\] booting Xen PV CD-ROM xvdc')
fi
xen_boot_test "$name" "${expect[@]}" -- --xen-cdrom "xvdc=$XEN_CD_ISO"
