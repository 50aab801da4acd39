#!/usr/bin/env bash
# Xen's usual set-up: xvda is also the emulated IDE primary master (the same file), next to a
# second PV disk xvdb without an IDE twin (disks with 4096-byte sectors are xen-vbds's: Linux
# cannot connect to those). The firmware must connect both, hide
# xvda's IDE twin (one drive for it in the boot list, which is the boot menu's), number the PV
# disks first, boot xvda, and Linux must find its disk through xen-blkfront (it unplugs the
# emulated one).
source "$(dirname "$0")/../xen/lib.sh"

name=xen-pv-twins
readonly XVDB_MIB=16
readonly XVDB_SECTORS=$((XVDB_MIB * 1024 * 1024 / XB_SECTOR))
kver=$(xb_kver)
initrd=$(xen_pv_initramfs)
disk=$(xb_syslinux_disk "$initrd")
xvdb=$XB_LOG_DIR/$name/xvdb.img
mkdir -p "$(dirname "$xvdb")"
rm -f "$xvdb"
truncate -s "${XVDB_MIB}M" "$xvdb"

# The boot list's disks are the two PV disks and nothing else (no IDE twin); QEMU's empty IDE
# CD drive follows them as a CD-ROM.
two_drives() {
    local list disks
    list=$(grep -a '^\[boot\] [0-9]*: ' "$1/firmware.log")
    disks=$(grep -v '(CD-ROM, ' <<<"$list")
    if [ "$(wc -l <<<"$disks")" != 2 ]; then
        echo "the boot list's disks are not the two PV disks: $(tr '\n' ';' <<<"$list")"
        return 1
    fi
    echo "boot list: $(tr '\n' ';' <<<"$list")"
}

expect=(--firmware-re "^\\[blkfront\\] Xen PV disk xvda, 64 MiB: connected, 131072 sectors of 512 bytes, flush, its IDE twin hidden\$"
    --firmware-re "^\\[blkfront\\] Xen PV disk xvdb, $XVDB_MIB MiB: connected, $XVDB_SECTORS sectors of 512 bytes"
    --firmware "[boot] 1: Xen PV disk xvda, 64 MiB"
    --firmware "[boot] 2: Xen PV disk xvdb, $XVDB_MIB MiB"
    --firmware-re '^\[boot\] booting Xen PV disk xvda')
for line in "${XB_SYSLINUX_LINES[@]}" "$XB_KERNEL_MARKER$kver"; do
    expect+=(--serial "$line")
done
xen_pv_check_expect "$disk" "$kver"
expect+=("${XEN_PV_EXPECT[@]}")
xen_boot_test "$name" "${expect[@]}" --after two_drives \
    -- --ide "$disk" --xen-disk "xvda=$disk" --xen-disk "xvdb=$xvdb" --snapshot
