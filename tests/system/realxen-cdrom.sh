#!/usr/bin/env bash
# Real Xen, "install from CD": the ISOLINUX ISO as xl's `hdc,cdrom` with boot="d", and a
# bootable SYSLINUX disk as xvda beside it. What reaches the guest (docs/boot-order.md): QEMU
# `-boot order=d`, so CMOS 0x3D = 0x03 (CD first) and 0x38 = 0x00; the CD both as the emulated
# IDE CD (secondary master) and as a PV VBD 5632 (hdc, QEMU's qdisk, device-type cdrom, 512-byte
# units). The firmware connects the PV CD, hides its IDE twin, honours CMOS and boots the CD
# before the disk: ISOLINUX's own lines on COM1 show it (this bed cannot run a paging kernel).
source "$(dirname "$0")/../realxen/lib.sh"

iso=$(xb_isolinux_iso)
sectors=$(($(stat -c %s "$iso") / 2048))
rx_boot_test realxen-cdrom "${RX_HVMLOADER_LINES[@]}" \
    --firmware-re "^\\[blkfront\\] Xen PV CD-ROM hdc, [0-9]+ [KMG]iB: connected, $sectors sectors of 2048 bytes, .*its IDE twin hidden$" \
    --firmware-re '^\[boot\] booting Xen PV CD-ROM hdc' \
    --serial-re '^ISOLINUX 6' --serial "${XB_SYSLINUX_LINES[1]}" --serial "${XB_SYSLINUX_LINES[2]}" \
    -- --boot d --disk "hdc=$iso,devtype=cdrom" --disk "xvda=$(xb_syslinux_disk)"
