#!/usr/bin/env bash
# Three Xen PV disks and nothing else: xvda (the 64 MiB SYSLINUX disk), xvdb (1 GiB, sparse
# and blank) and xvdc (16 MiB with 4096-byte logical sectors: QEMU's xen-disk then wants
# feature-large-sector-size from the frontend). The firmware's log must name each with its
# size in its own sectors. The pattern of that line is xen_vbd_line_re in tests/xen/lib.sh.
# POST must also finish (a hang after the VBD lines, e.g. in an option ROM, must not pass).
# (Only POST: Linux 6.12's xen-blkfront does not speak feature-large-sector-size, so QEMU
# refuses it xvdc and the kernel waits minutes for it.)
source "$(dirname "$0")/../xen/lib.sh"

name=xen-vbds
readonly XVDB_MIB=1024
readonly XVDC_MIB=16
readonly MIB_SECTORS=$((1024 * 1024 / XB_SECTOR))
readonly LARGE_SECTOR=4096
xvda=$(xb_syslinux_disk)
xvdb=$XB_LOG_DIR/$name/xvdb-blank.img
mkdir -p "$(dirname "$xvdb")"
rm -f "$xvdb"
truncate -s "${XVDB_MIB}M" "$xvdb"
xvdc=$XB_LOG_DIR/$name/xvdc-4k.img
rm -f "$xvdc"
truncate -s "${XVDC_MIB}M" "$xvdc"

xen_boot_test "$name" \
    --firmware-re "$(xen_vbd_line_re xvda $((XB_DISK_MIB * MIB_SECTORS)))" \
    --firmware-re "$(xen_vbd_line_re xvdb $((XVDB_MIB * MIB_SECTORS)))" \
    --firmware-re "$(xen_vbd_line_re xvdc $((XVDC_MIB * 1024 * 1024 / LARGE_SECTOR)) $LARGE_SECTOR)" \
    --firmware '[post] done' \
    -- --xen-disk "xvda=$xvda" --xen-disk "xvdb=$xvdb" --file "$xvdc" --snapshot \
    -- -drive "file=/xb/files/$(basename "$xvdc"),format=raw,if=none,id=xvdc4k,file.locking=off" \
    -device "xen-disk,drive=xvdc4k,vdev=xvdc,logical_block_size=$LARGE_SECTOR,physical_block_size=$LARGE_SECTOR"
