#!/usr/bin/env bash
# A read error inside the kernel SYSLINUX loads from a Xen PV disk: QEMU's blkdebug under the
# xen-disk fails every read that covers one sector of /vmlinuz (EIO, so the backend answers
# BLKIF_RSP_ERROR). The firmware must return AH=10h at once, each of the many times SYSLINUX
# retries, and log each failed call with a range that holds the sector; SYSLINUX prints its own
# errors naming the sector, with the status the firmware gave, and nothing hangs.
#
# SYSLINUX 6.04 (core/fs/diskio_bios.c) tries each EDD read 7 times, halving the count down to
# one sector (resetting the disk in between), then falls back to CHS, which it tries as often:
# "CHS: Error <AX> reading sector <partition LBA> (c/h/s)", then "EDD: Error <AX> reading sector
# <LBA>". It then goes on with the file (prints "ok") and boots what it read: not checked here.
source "$(dirname "$0")/../xen/lib.sh"
source "$XB_ROOT/tests/xen/faults.sh"

name=xen-fault-syslinux-read
# The disk of xen-pv-syslinux (one cached image for both).
disk=$(xb_syslinux_disk "$(xen_pv_initramfs)")
# 4 MiB into the kernel: past the header and setup code, inside the bulk SYSLINUX reads in
# large batches.
xen_fault_file_read "$name" "$disk" /vmlinuz $((4 * 1024 * 1024))

# The firmware's line names the failed call: its range holds the bad sector.
fault_logged() { xen_fault_int13_line read "$bad" "$XEN_AH_READ_ERROR" "$1/firmware.log"; }

# SYSLINUX prints AX in hex: AH is the firmware's status.
ah=${XEN_AH_READ_ERROR#0x}
xen_boot_test "$name" --serial "${XB_SYSLINUX_LINES[0]}" \
    --serial-re "^CHS: Error ${ah}[0-9a-f]{2} reading sector $((bad - XB_PART_START)) \([0-9]+/[0-9]+/[0-9]+\)$" \
    --serial-re "^EDD: Error ${ah}[0-9a-f]{2} reading sector $bad$" \
    --firmware-re "^\[int13\] warning: read lba [0-9]+\+[0-9]+: error $XEN_AH_READ_ERROR after [0-9]+ sectors$" \
    --after fault_logged -- --xen-disk-blkdebug "xvda=$disk,$conf" --snapshot
