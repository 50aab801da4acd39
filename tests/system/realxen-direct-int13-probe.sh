#!/usr/bin/env bash
# Real Xen, no hvmloader (xl.cfg `firmware=`): the int13 probe (tests/probe/) from xvda over
# blkback passes every check, as under hvmloader (realxen-pv-int13-probe).
source "$(dirname "$0")/../realxen/lib.sh"

# Its own image file: tests may run two at a time.
image=$XB_ROOT/target/probe/probe-64M-direct.img
PROBE_DISK_MIB=64 "$XB_ROOT/tests/probe/build.sh" "$image" >&2

rx_boot_test realxen-direct-int13-probe "${RX_DIRECT_LINES[@]}" \
    --firmware-re '^\[boot\] booting Xen PV disk xvda' \
    --serial-re '^PROBE DONE pass=[0-9]+ fail=0$' \
    -- --direct --disk "xvda=$image"
