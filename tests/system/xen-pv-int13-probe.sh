#!/usr/bin/env bash
# The int13 probe (tests/probe/) from a Xen PV disk (xvda, no IDE disk): the firmware's
# blkfront under int13 must pass the checks the probe passes from IDE (xen-int13-probe), but
# two: 48.3 and 48.4 expect the EDD 3.0 device path (66/74-byte tables), which a PV disk does
# not have (int13 48h stops at the EDD 2.x table for it; no EDD interface type names Xen).
# The geometry comes from the size (LBA translation) instead of IDENTIFY; the probe derives
# its CHS checks from 08h, so they run the same. Its writes (to a scratch area, restored at the
# end) go through the PV ring and must reach the disk file on the host.
source "$(dirname "$0")/../xen/lib.sh"

name=xen-pv-int13-probe
# QEMU's exit status for the probe's isa-debug-exit value 0x11 ("some check failed").
readonly PROBE_FAIL_STATUS=35
readonly PROBE_PV_FAILS=(48.3 48.4)
image=$XB_ROOT/target/probe/probe-64M.img
PROBE_DISK_MIB=64 "$XB_ROOT/tests/probe/build.sh" "$image" >&2

disk=$XB_LOG_DIR/$name/probe-disk.img
mkdir -p "$(dirname "$disk")"
cp "$image" "$disk"
touch -d '2000-01-01' "$disk"
before=$(stat -c %Y "$disk")

# Exactly the expected checks failed, and the writes reached the file on the host.
pv_results() {
    local failed
    failed=$(tr -d '\r' <"$1/serial.log" | grep -a '^PROBE .* FAIL (expect' | cut -d' ' -f2 | sort \
        | tr '\n' ' ')
    if [ "$failed" != "${PROBE_PV_FAILS[*]} " ]; then
        echo "failed checks: '$failed', expected '${PROBE_PV_FAILS[*]} '"
        return 1
    fi
    if [ "$(stat -c %Y "$disk")" = "$before" ]; then
        echo "$disk was not written (mtime unchanged)"
        return 1
    fi
    cmp -s "$image" "$disk" || { echo "$disk differs from the image after the probe's restore"; return 1; }
    echo "only ${PROBE_PV_FAILS[*]} failed; the probe's writes reached $disk on the host"
}

xen_boot_test "$name" --firmware-re '^\[boot\] booting Xen PV disk xvda' \
    --serial-re "^PROBE DONE pass=[0-9]+ fail=${#PROBE_PV_FAILS[@]}\$" \
    --exit "$PROBE_FAIL_STATUS" --after pv_results \
    -- --xen-disk "xvda=$disk" -- -global isa-fdc.fdtypeA=none
