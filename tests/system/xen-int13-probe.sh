#!/usr/bin/env bash
# The int13 probe (tests/probe/) on the Xen bed, from an emulated IDE disk: the firmware's int13
# under KVM with QEMU's Xen emulation must pass the same 50 checks as under TCG (int13-probe),
# the probe's isa-debug-exit must reach the host as L2's exit status, and its writes (to a
# scratch area, restored at the end) must reach the disk file on the host.
source "$(dirname "$0")/../xen/lib.sh"

name=xen-int13-probe
xen_probe_disk "$name"

# No floppy drive: check 02.9 expects none (as tests/probe/run.sh sets it).
xen_boot_test "$name" --serial-re '^PROBE DONE pass=[0-9]+ fail=0$' --exit "$XEN_PROBE_PASS_STATUS" \
    --after xen_probe_writes_reached_host -- --ide "$XEN_PROBE_DISK" -- -global isa-fdc.fdtypeA=none
