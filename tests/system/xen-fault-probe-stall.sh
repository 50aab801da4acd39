#!/usr/bin/env bash
# A backend that stalls past the firmware's I/O timeout, under the int13 probe (tests/probe/)
# on a Xen PV disk: a driver in L1 (bed.sh --l2-driver) holds one read in QEMU's blkdebug
# (`break`), so the backend does not answer it. The firmware must give up after its timeout
# (10 s a batch), log it and return AH=80h (timeout) to the probe, whose check of that read
# fails; the probe goes on and ends: nothing hangs.
#
# Which read: the probe's read-back of its first write (03.2, CHS, 2 sectors at the scratch
# area). The driver first holds that write (03.1) as a gate: while the guest waits for it, the
# driver sets the breakpoint for the next read and lets the write go, so the stall catches
# 03.2's read however fast or slow the guest runs.
#
# When the held read is answered (XEN_FAULT_STALL_RESUME):
#   late   (default) once the probe printed 03.2's result, i.e. after the firmware gave up on
#          the read and returned from that call (and from whatever it does to the VBD after a
#          timeout): the backend's answer comes for a request the firmware abandoned, while
#          it waits for the next one. QEMU's late copy into the read's buffer fails (the
#          firmware revoked the grant: QEMU logs `failed to copy data`).
#   never  the read is never answered: L2 is stopped at the end (QEMU cannot exit by itself
#          while blkdebug holds a request: its exit drains the disk).
# Either way only 03.2 may fail: the firmware keeps the abandoned read's grants revoked and
# notifies the backend after every later batch (QEMU's xen-block re-arms the ring's req_event
# only when it has answered every request it took, so without that every later call would
# wait its whole timeout).
source "$(dirname "$0")/../xen/lib.sh"
source "$XB_ROOT/tests/xen/faults.sh"

name=xen-fault-probe-stall
resume=${XEN_FAULT_STALL_RESUME:-late}
case $resume in
    late | never) ;;
    *) echo "XEN_FAULT_STALL_RESUME: late or never, not $resume" >&2; exit 1 ;;
esac
# Held for good, each call after the stall may wait the firmware's whole timeout: the bed's
# default bound, not faults.sh's shorter one.
[ "$resume" = late ] || XB_TIMEOUT=$XBED_L2_TIMEOUT
xen_probe_disk "$name"
# The probe's scratch area (tests/probe/probe.S SCRATCH_LBA) and 03.1/03.2's sector count.
readonly SCRATCH_LBA=64
readonly WRITE_SECTORS=2
# The drive of the run's only PV disk (bed.sh: xendisk<N>).
readonly DRIVE=xendisk0
# How long the driver waits for the probe to reach its first write (L1 and L2 boot first),
# and for the probe to report on the held read (the firmware's timeout, with room).
readonly GATE_SECONDS=300
readonly REPORT_SECONDS=120

# blkdebug with no rules of its own: the breakpoints need its node under the drive.
conf=$XB_LOG_DIR/$name/blkdebug.conf
echo "# No rules: the L2 driver sets breakpoints." >"$conf"
driver=$XB_LOG_DIR/$name/stall-driver.sh
{
    cat <<DRIVER
# L1's init sources this beside L2 (busybox sh; tests/xen/l1/init has the helpers).
blkdebug() { l2_hmp "qemu-io $DRIVE \\"\$1\\""; }
blkdebug "break write_aio gate" || exit 1
l2_wait_for l2-stderr.log "blkdebug: Suspended request 'gate'" $GATE_SECONDS || exit 1
blkdebug "break read_aio stall" || exit 1
blkdebug "resume gate" || exit 1
l2_wait_for l2-stderr.log "blkdebug: Resuming request 'gate'" 10 || exit 1
l2_wait_for l2-stderr.log "blkdebug: Suspended request 'stall'" 60 || exit 1
DRIVER
    if [ "$resume" = late ]; then
        cat <<DRIVER
l2_wait_for serial.log "PROBE 03.2 " $REPORT_SECONDS || exit 1
blkdebug "resume stall" || exit 1
l2_wait_for l2-stderr.log "blkdebug: Resuming request 'stall'" 10 || exit 1
DRIVER
    else
        echo 'say "the read is held for good"'
    fi
} >"$driver"

# What the firmware must log about the stalled read, in order: blkfront's timeout, that the
# read is abandoned with its grant revoked, then int13's failed call.
firmware_lines=(
    --firmware-re "$(xen_fault_timeout_re xvda "$SCRATCH_LBA")"
    --firmware "[blkfront] warning: xvda: no answer: 1 grant(s) revoked, kept until the backend answers"
    --firmware "[int13] warning: read lba $SCRATCH_LBA+$WRITE_SECTORS: error $XEN_AH_TIMEOUT after 0 sectors"
)
# The probe's end: with the read answered QEMU exits with the probe's status (a check
# failed: 35); with the read held the harness stops it.
end=(--serial-re '^PROBE DONE pass=[0-9]+ fail=[0-9]+$')
[ "$resume" = never ] || end+=(--exit 35)
# 03.2 must fail with the timeout, and nothing else: the calls after it are served.
probe_results() {
    local failed
    failed=$(xen_probe_failed_checks "$1/serial.log")
    echo "failed checks: $failed"
    [ "$failed" = "03.2" ]
}

xen_boot_test "$name" "${firmware_lines[@]}" --serial-re '^PROBE 03\.2 .*-> CF=1 AH=80 .*FAIL' \
    "${end[@]}" --after probe_results \
    -- --xen-disk-blkdebug "xvda=$XEN_PROBE_DISK,$conf" --l2-driver "$driver" \
    -- -global isa-fdc.fdtypeA=none
