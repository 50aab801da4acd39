#!/usr/bin/env bash
# Two Xen PV disks and nothing else: xvda (the 64 MiB SYSLINUX disk) and xvdb (1 GiB, sparse
# and blank). The firmware's log must name both with their sizes in 512-byte sectors. The
# pattern of that line is xen_vbd_line_re in tests/xen/lib.sh. POST must also finish (a
# hang after the VBD lines, e.g. in an option ROM, must not pass).
source "$(dirname "$0")/../xen/lib.sh"

name=xen-vbds
readonly XVDB_MIB=1024
readonly MIB_SECTORS=$((1024 * 1024 / XB_SECTOR))
xvda=$(xb_syslinux_disk)
xvdb=$XB_LOG_DIR/$name/xvdb-blank.img
mkdir -p "$(dirname "$xvdb")"
rm -f "$xvdb"
truncate -s "${XVDB_MIB}M" "$xvdb"

xen_boot_test "$name" \
    --firmware-re "$(xen_vbd_line_re xvda $((XB_DISK_MIB * MIB_SECTORS)))" \
    --firmware-re "$(xen_vbd_line_re xvdb $((XVDB_MIB * MIB_SECTORS)))" \
    --firmware '[post] done' \
    -- --xen-disk "xvda=$xvda" --xen-disk "xvdb=$xvdb" --snapshot
