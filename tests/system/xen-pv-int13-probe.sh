#!/usr/bin/env bash
# The int13 probe (tests/probe/) from a Xen PV disk (xvda, no IDE disk): the firmware's
# blkfront under int13 must pass every check the probe passes from IDE (xen-int13-probe).
# Documented differences, which the probe's checks allow: the geometry comes from the size
# (LBA translation) instead of IDENTIFY (the probe derives its CHS checks from 08h), and the
# EDD 3.0 device path of 48h is "PCI" (the Xen platform device) / "SCSI" (target id = disk
# number, xvda = 0) instead of the IDE controller's "ATA" path. Its writes (to a scratch area, restored at the
# end) go through the PV ring and must reach the disk file on the host.
source "$(dirname "$0")/../xen/lib.sh"

name=xen-pv-int13-probe
# QEMU's exit status for the probe's isa-debug-exit value 0x10 ("every check passed").
readonly PROBE_PASS_STATUS=33
image=$XB_ROOT/target/probe/probe-64M.img
PROBE_DISK_MIB=64 "$XB_ROOT/tests/probe/build.sh" "$image" >&2

disk=$XB_LOG_DIR/$name/probe-disk.img
mkdir -p "$(dirname "$disk")"
cp "$image" "$disk"
touch -d '2000-01-01' "$disk"
before=$(stat -c %Y "$disk")

# The 48h device path names the platform device and target 0, and the writes reached the
# file on the host.
pv_results() {
    local path
    path=$(tr -d '\r' <"$1/serial.log" | grep -a '^PROBE INFO 48 bus=')
    if ! grep -Eq '^PROBE INFO 48 bus=PCI  iface=SCSI .* device_path=0000000000000000$' <<<"$path"; then
        echo "48h device path: '$path', expected PCI / SCSI target 0"
        return 1
    fi
    if [ "$(stat -c %Y "$disk")" = "$before" ]; then
        echo "$disk was not written (mtime unchanged)"
        return 1
    fi
    cmp -s "$image" "$disk" || { echo "$disk differs from the image after the probe's restore"; return 1; }
    echo "the probe's writes reached $disk on the host"
}

xen_boot_test "$name" --firmware-re '^\[boot\] booting Xen PV disk xvda' \
    --serial-re '^PROBE DONE pass=[0-9]+ fail=0$' --exit "$PROBE_PASS_STATUS" --after pv_results \
    -- --xen-disk "xvda=$disk" -- -global isa-fdc.fdtypeA=none
