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
xen_probe_disk "$name"

# The 48h device path names the platform device and target 0, and the writes reached the
# file on the host.
pv_results() {
    local path
    path=$(tr -d '\r' <"$1/serial.log" | grep -a '^PROBE INFO 48 bus=')
    if ! grep -Eq '^PROBE INFO 48 bus=PCI  iface=SCSI .* device_path=0000000000000000$' <<<"$path"; then
        echo "48h device path: '$path', expected PCI / SCSI target 0"
        return 1
    fi
    xen_probe_writes_reached_host
}

xen_boot_test "$name" --firmware-re '^\[boot\] booting Xen PV disk xvda' \
    --serial-re '^PROBE DONE pass=[0-9]+ fail=0$' --exit "$XEN_PROBE_PASS_STATUS" \
    --after pv_results -- --xen-disk "xvda=$XEN_PROBE_DISK" -- -global isa-fdc.fdtypeA=none
