#!/usr/bin/env bash
# Real Xen, the int13 probe (tests/probe/) from xvda over blkback: every int13 check and the
# PCI BIOS checks (including the Xen platform device) must pass as they do on the nested bed
# (xen-pv-int13-probe); the probe's writes go through the PV ring to dom0's copy of the disk.
# The probe's isa-debug-exit has no device under Xen: its "PROBE DONE" line is the check.
source "$(dirname "$0")/../realxen/lib.sh"

image=$XB_ROOT/target/probe/probe-64M.img
PROBE_DISK_MIB=64 "$XB_ROOT/tests/probe/build.sh" "$image" >&2

rx_boot_test realxen-pv-int13-probe "${RX_HVMLOADER_LINES[@]}" \
    --firmware-re '^\[boot\] booting Xen PV disk xvda' \
    --serial-re '^PROBE DONE pass=[0-9]+ fail=0$' \
    -- --disk "xvda=$image"
