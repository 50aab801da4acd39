#!/usr/bin/env bash
# A read error inside the kernel GRUB loads from a Xen PV disk: QEMU's blkdebug under the
# xen-disk fails every read that covers one sector of /vmlinuz (EIO, so the backend answers
# BLKIF_RSP_ERROR). The firmware must return AH=10h at once, each time GRUB asks, and log each
# failed call with a range that holds the sector; GRUB (after its retries, and its fallback
# from EDD to CHS) prints its own error naming that sector instead of booting; nothing hangs.
source "$(dirname "$0")/../xen/lib.sh"
source "$XB_ROOT/tests/xen/faults.sh"

name=xen-fault-grub-read
# The disk of xen-pv-grub (one cached image for both).
disk=$(xb_grub_disk "$(xen_pv_initramfs)")
# 4 MiB into the kernel: past the header and setup code that `linux` reads first, inside the
# bulk it reads in large batches.
xen_fault_file_read "$name" "$disk" /vmlinuz $((4 * 1024 * 1024))

# Every failed call the firmware logs is a read whose range holds the bad sector (GRUB reads
# nothing else once it hit it), with the read error status.
fault_logged() {
    xen_fault_int13_line read "$bad" "$XEN_AH_READ_ERROR" "$1/firmware.log" || return
    local other
    other=$(grep -a '^\[int13\] warning: [a-z]* lba ' "$1/firmware.log" | grep -v ": error $XEN_AH_READ_ERROR after " \
        | head -n 1) || true
    [ -z "$other" ] || { echo "another failure: $other"; return 1; }
}

# GRUB's message (grub-core/disk/i386/pc/biosdisk.c) names the sector in hex.
xen_boot_test "$name" --serial "$XB_GRUB_MARKER" \
    --serial "$(printf "error: failure reading sector 0x%x from \`hd0'." "$bad")" \
    --firmware-re "^\[int13\] warning: read lba [0-9]+\+[0-9]+: error $XEN_AH_READ_ERROR after [0-9]+ sectors$" \
    --after fault_logged -- --xen-disk-blkdebug "xvda=$disk,$conf" --snapshot
