#!/usr/bin/env bash
# The int13 probe (tests/probe/) on the Xen bed, from an emulated IDE disk: the firmware's int13
# under KVM with QEMU's Xen emulation must pass the same 50 checks as under TCG (int13-probe),
# the probe's isa-debug-exit must reach the host as L2's exit status, and its writes (to a
# scratch area, restored at the end) must reach the disk file on the host.
source "$(dirname "$0")/../xen/lib.sh"

name=xen-int13-probe
# QEMU's exit status for the probe's isa-debug-exit value 0x10 ("every check passed").
readonly PROBE_PASS_STATUS=33
image=$XB_ROOT/target/probe/probe-64M.img
PROBE_DISK_MIB=64 "$XB_ROOT/tests/probe/build.sh" "$image" >&2

# The run's own copy: the probe writes to it, and the bed links it into the guest unchanged.
disk=$XB_LOG_DIR/$name/probe-disk.img
mkdir -p "$(dirname "$disk")"
cp "$image" "$disk"
touch -d '2000-01-01' "$disk"
before=$(stat -c %Y "$disk")

# The guest wrote through the bed: the file on the host changed (mtime), and holds the image
# again (the probe restores what it wrote).
writes_reached_host() {
    local after
    after=$(stat -c %Y "$disk")
    if [ "$after" = "$before" ]; then
        echo "$disk was not written (mtime unchanged)"
        return 1
    fi
    cmp -s "$image" "$disk" || { echo "$disk differs from the image after the probe's restore"; return 1; }
    echo "the probe's writes reached $disk on the host"
}

# No floppy drive: check 02.9 expects none (as tests/probe/run.sh sets it).
xen_boot_test "$name" --serial-re '^PROBE DONE pass=[0-9]+ fail=0$' --exit "$PROBE_PASS_STATUS" \
    --after writes_reached_host -- --ide "$disk" -- -global isa-fdc.fdtypeA=none
