#!/usr/bin/env bash
# A write error under the int13 probe (tests/probe/) on a Xen PV disk: QEMU's blkdebug under
# the xen-disk fails every write that covers the first sector of the probe's scratch area (EIO,
# so the backend answers BLKIF_RSP_ERROR). The probe's two writes there, 03.1 (CHS, 2 sectors)
# and 43.1 (EDD, 4 sectors), must fail with AH=CCh (write fault) and the firmware log must name
# each; the checks that read back what 03.1 should have written (03.2, 03.3) fail on the data;
# every other check passes, and the probe ends.
source "$(dirname "$0")/../xen/lib.sh"
source "$XB_ROOT/tests/xen/faults.sh"

name=xen-fault-probe-write
xen_probe_disk "$name"
# The probe's scratch area (tests/probe/probe.S SCRATCH_LBA): 03.1 writes 2 sectors there,
# 43.1 writes 4 (restoring the image).
readonly SCRATCH_LBA=64
conf=$XB_LOG_DIR/$name/blkdebug.conf
xen_blkdebug_error write_aio write "$SCRATCH_LBA" >"$conf"

# The probe's own status for a failed check; the checks that must fail, and no other.
readonly FAILED_CHECKS="03.1 03.2 03.3 43.1"
probe_results() {
    local failed
    failed=$(xen_probe_failed_checks "$1/serial.log")
    if [ "$failed" != "$FAILED_CHECKS" ]; then
        echo "failed checks: '$failed', expected '$FAILED_CHECKS'"
        return 1
    fi
    echo "failed checks: $failed"
}

xen_boot_test "$name" \
    --serial-re '^PROBE 03\.1 .*-> CF=1 AH=CC .*FAIL' \
    --serial-re '^PROBE 43\.1 .*-> CF=1 AH=CC .*FAIL' \
    --serial-re '^PROBE DONE pass=[0-9]+ fail=4$' --exit 35 \
    --firmware "[int13] warning: write lba $SCRATCH_LBA+2: error $XEN_AH_WRITE_FAULT after 0 sectors" \
    --firmware "[int13] warning: write lba $SCRATCH_LBA+4: error $XEN_AH_WRITE_FAULT after 0 sectors" \
    --after probe_results \
    -- --xen-disk-blkdebug "xvda=$XEN_PROBE_DISK,$conf" -- -global isa-fdc.fdtypeA=none
