# The Xen tests' harness: boot a firmware with some disks on the Xen bed (tests/xen/bed.sh),
# wait for lines in L2's serial log and in its firmware log, and say PASS or FAIL, as
# tests/system/lib.sh does for plain QEMU. Sourced by tests/system/xen-*.sh; takes the same
# settings: BIOS, XB_TIMEOUT (L2's timeout), XB_LOG_DIR, XB_FATAL_PATTERN, and has the disk
# builders of tests/system/images.sh. Its own:
#   XB_XEN_IDLE_TIMEOUT=s  give up when no log has grown for this long (default 300: nested,
#                          a guest is slower than under TCG; SYSLINUX loading the kernel by
#                          IDE PIO takes ~70 s without a word)
#
#   xen_boot_test NAME EXPECT... -- BED-OPTION...
#     EXPECT:
#       --serial TEXT | --serial-re REGEX       a line of L2's COM1 (serial.log)
#       --firmware TEXT | --firmware-re REGEX   a line of L2's debug port 0x402 (firmware.log)
#         TEXT is a fixed string, REGEX an extended regular expression; each log's lines
#         must appear in the order given.
#       --exit N        then L2's QEMU must exit by itself with status N (isa-debug-exit:
#                       value V gives (V << 1) | 1)
#       --after FUNC    then FUNC must succeed (run with the run directory as $1; what it
#                       prints is the reason when it fails)
#     BED-OPTION: what `tests/xen/bed.sh run` takes (--ide, --xen-disk, --cdrom, --xen-cdrom,
#     --xen-disk-blkdebug,
#     --l2-driver, --snapshot, --mem, --file, -- L2-QEMU-ARG...); --bios, --out and
#     --timeout come from BIOS, XB_LOG_DIR/NAME and XB_TIMEOUT.
#   Once every line is there (and no --exit is expected) the harness stops L2: the guest
#   need not power off (xenbios has no ACPI yet: Linux halts). The test fails, with the ends
#   of every log, when L2 or L1 ends first, when the firmware gives up (XB_FATAL_PATTERN),
#   when no log grows for XB_XEN_IDLE_TIMEOUT seconds, or at the timeout. A PASS prints when
#   each line appeared, in seconds from the start of the run.
#
#   xen_pending REASON   (at the top of a test) a test that cannot pass yet: it exits 77,
#                        which tests/system/run.sh counts as skipped, unless XB_RUN_PENDING=1.

source "$(dirname "${BASH_SOURCE[0]}")/../system/lib.sh"
source "$XB_ROOT/tests/xen/bed.sh"

# The exit status of a test that did not run (automake's "skipped").
readonly XEN_EXIT_SKIP=77
# How often the logs are looked at while the bed runs (each look greps them all).
readonly XEN_POLL_SECONDS=0.5
XB_XEN_IDLE_TIMEOUT=${XB_XEN_IDLE_TIMEOUT:-300}

# End L1 if a test exits early, as well as what tests/system/lib.sh started.
trap 'xbed_cleanup; xb_cleanup' EXIT

xen_pending() {
    if [ "${XB_RUN_PENDING:-0}" != 1 ]; then
        echo "SKIP $(basename "$0" .sh): pending: $1 (XB_RUN_PENDING=1 runs it)"
        exit "$XEN_EXIT_SKIP"
    fi
}

# What a test expects (xen_boot_test's options): the lines are tests/system/lib.sh's
# XB_EXPECT_SERIAL and XB_EXPECT_FIRMWARE (xb_expect).
XEN_EXPECT_EXIT=
XEN_AFTER=

# xen_watch: watch a started bed until the expected lines are all there (return 0), or the
# run fails (return 1, XEN_REASON says why). Marks the timeline as things happen.
xen_watch() {
    local out=$XBED_OUT last_size=-1 size last_change=$SECONDS deadline ready_seen=0 fw_seen=0
    deadline=$(xbed_l1_deadline)
    while :; do
        if [ "$ready_seen" = 0 ] && [ -s "$out/l1-ready" ]; then
            ready_seen=1
            xb_event "L1 started L2"
        fi
        if [ "$fw_seen" = 0 ] && [ -s "$out/firmware.log" ]; then
            fw_seen=1
            xb_event "firmware: its first log line"
        fi
        xb_lines_seen "$XBED_OUT" && return 0
        if [ -s "$out/l2-status" ]; then
            XEN_REASON="L2 ended ($(xbed_l2_end)), and $XB_MISSING"
            return 1
        fi
        if ! xbed_running; then
            XEN_REASON="L1 ended before L2 did, and $XB_MISSING"
            return 1
        fi
        if grep -qaiF -- "$XB_FATAL_PATTERN" "$out/serial.log" "$out/firmware.log"; then
            sleep "$XB_FATAL_SETTLE_SECONDS"
            xb_lines_seen "$XBED_OUT" && return 0
            XEN_REASON="the firmware gave up ('$XB_FATAL_PATTERN'), and $XB_MISSING"
            return 1
        fi
        size=$(($(xb_size "$out/serial.log") + $(xb_size "$out/firmware.log") \
            + $(xb_size "$out/l1-console.log")))
        if [ "$size" != "$last_size" ]; then
            last_size=$size
            last_change=$SECONDS
        elif [ $((SECONDS - last_change)) -ge "$XB_XEN_IDLE_TIMEOUT" ]; then
            XEN_REASON="no output for ${XB_XEN_IDLE_TIMEOUT}s, and $XB_MISSING"
            return 1
        fi
        if [ "$(xb_since "$XBED_STARTED" | cut -d. -f1)" -ge "$deadline" ]; then
            XEN_REASON="still running after ${deadline}s, and $XB_MISSING"
            return 1
        fi
        sleep "$XEN_POLL_SECONDS"
    done
}

# xen_wait_exit: wait for L2 to end by itself (bounded by the L1 deadline); true when it
# exited with XEN_EXPECT_EXIT.
xen_wait_exit() {
    local deadline
    deadline=$(xbed_l1_deadline)
    while [ ! -s "$XBED_OUT/l2-status" ] && xbed_running \
        && [ "$(xb_since "$XBED_STARTED" | cut -d. -f1)" -lt "$deadline" ]; do
        sleep "$XEN_POLL_SECONDS"
    done
    # l2-status is written in one go, but let a write under way finish.
    sleep "$XEN_POLL_SECONDS"
    local end
    end=$(xbed_l2_end)
    xb_event "L2 ended: $end"
    if [ "$end" != "exit $XEN_EXPECT_EXIT" ]; then
        XEN_REASON="the lines came, but L2 did not exit with status $XEN_EXPECT_EXIT: $end"
        return 1
    fi
}

# xen_boot NAME BED-OPTION...: one run of the bed, judged by the XEN_EXPECT_* settings.
# Returns 0 on success; XEN_REASON says why not.
xen_boot() {
    local name=$1
    shift
    XEN_REASON=
    xb_timeline_reset
    XBED_L1_END=
    XBED_ELAPSED=0
    if [ ! -f "$BIOS" ]; then
        XEN_REASON="no firmware at $BIOS (build it with scripts/build.sh)"
        return 1
    fi
    xbed_configure --bios "$BIOS" --out "$XB_LOG_DIR/$name" --timeout "$XB_TIMEOUT" --quiet "$@" \
        || { XEN_REASON="bad bed options"; return 1; }
    xbed_start || { XEN_REASON="the bed did not start (see above)"; return 1; }
    XB_RUN_STARTED=$XBED_STARTED

    local ok=0
    if xen_watch; then
        ok=1
        [ -z "$XEN_EXPECT_EXIT" ] || xen_wait_exit || ok=0
    fi
    xbed_stop
    xbed_finish "$XBED_STOP_GRACE"
    if [ "$ok" = 1 ] && [ -n "$XEN_AFTER" ]; then
        local why
        if why=$("$XEN_AFTER" "$XBED_OUT" 2>&1); then
            xb_event "check $XEN_AFTER: ${why:-ok}"
        else
            XEN_REASON="the lines came, but $XEN_AFTER failed: $why"
            ok=0
        fi
    fi
    [ "$ok" = 1 ]
}

# xen_known_issues: name a known firmware problem whose signature is in the last run's logs.
# Each hint says only what its signature shows.
# - The ATA probe (src/hw/ata.rs) finished without registering the IDE disk L2 has at index 0
#   (ata0 master): the signature of the former ATA reset race. The channel was reset with the
#   absent slave still selected (from the presence check); QEMU performs SRST in a bottom half
#   and until then ignores register writes to a BSY device, and an absent slave reads status
#   0, so the reset wait ended at once, the master select was dropped, and the master's
#   "signature" was the absent slave's. Under KVM the bottom half is often late (L1 has one
#   CPU). Fixed in probe_channel (a present device is selected before SRST) and
#   select_settled (re-select until the Device register takes); this hint catches a return.
# - The VGA BIOS (SeaVGABIOS, from 00:02.0's ROM) started its init at C000:0003 and POST never
#   logged its return: POST stopped inside it, before the disks were probed. Under KVM a
#   real-mode fault loops silently (#GP is vector 0Dh, IRQ5's, and returns to the faulting
#   instruction); SeaVGABIOS's init needs SS based at 0 and 4 GiB data segment limits (it
#   reads its MMIO BAR through DS = SS with 32-bit offsets): src/oprom.rs, trampoline.S.
xen_known_issues() {
    local log=$XBED_OUT/firmware.log
    if grep -q 'if=ide,index=0' "$XBED_OUT/l2-args" 2>/dev/null && xen_ata_probe_done "$log" \
        && ! grep -qaE '^\[ata\] ata0 master: .*\(drive 0x[0-9a-f]+\)$' "$log"; then
        echo "    known issue: POST's ATA probe ended without registering the IDE disk at ata0 master"
        echo "    (the signature of the ATA reset race, fixed: see xen_known_issues in tests/xen/lib.sh)"
    fi
    if grep -qa '^Start SeaVGABIOS' "$log" \
        && ! grep -qa '^\[oprom\] .* at c000:0000 initialised' "$log"; then
        echo "    known issue: the VGA BIOS's init (C000:0003) did not return: POST stopped in it"
        echo "    (see xen_known_issues in tests/xen/lib.sh)"
    fi
}

# xen_ata_probe_done LOG: true when the firmware log shows the ATA probe's first line and a
# line of another tag after it (POST went on past the probe).
xen_ata_probe_done() {
    awk '/^\[ata\] (IDE controller at|no PCI IDE controller)/ { probe = 1; next }
        probe && !/^\[ata\] / { done = 1; exit }
        END { exit !done }' "$1" 2>/dev/null
}

# xen_guest_oops SERIAL_LOG: the first line of a crash of the guest's Linux kernel ("BUG:",
# "Oops:", "Kernel panic"), printed, if the log has one after the kernel started. On this
# bed a guest kernel now and then dies of a page fault that faults again (wrong CR2 or PTE
# view under KVM nested in TCG, as on the real-Xen bed, see ../shared/xen-testbed), long after
# the firmware handed over: xen_boot_test boots once more then, and only then.
xen_guest_oops() {
    tr -d '\r' <"$1" 2>/dev/null | awk '/^\[ *[0-9.]+\] Linux version/ { linux = 1 }
        linux && /\] (BUG: |Oops: |Kernel panic)/ { sub(/^\[ *[0-9.]+\] /, ""); print; found = 1; exit }
        END { exit !found }'
}

# xen_report NAME: the failure report of the last run.
xen_report() {
    local name=$1
    echo "FAIL $name after ${XBED_ELAPSED}s: $XEN_REASON (firmware $BIOS; L2 $(xbed_l2_end); L1 ${XBED_L1_END:-not started})"
    [ "${#XB_TIMELINE[@]}" -eq 0 ] || printf '    %s\n' "${XB_TIMELINE[@]}"
    [ -n "$XBED_OUT" ] || return 0
    xen_known_issues
    xb_show_tail "L2 serial console (COM1)" "$XBED_OUT/serial.log"
    xb_show_tail "L2 firmware log (debugcon $XBED_DEBUGCON_PORT)" "$XBED_OUT/firmware.log"
    xb_show_tail "L2 QEMU's messages" "$XBED_OUT/l2-stderr.log"
    # A run with a driver (bed.sh --l2-driver): what it did, and what L2's monitor answered.
    if [ -e "$XBED_OUT/l2-driver.log" ]; then
        xb_show_tail "the L2 driver (in L1)" "$XBED_OUT/l2-driver.log"
        xb_show_tail "L2's QMP monitor" "$XBED_OUT/l2-qmp.log"
    fi
    echo "----- L2 QEMU's arguments ($XBED_OUT/l2-args)"
    tr '\n' ' ' <"$XBED_OUT/l2-args" 2>/dev/null || true
    echo
    xb_show_tail "L1 console" "$XBED_OUT/l1-console.log"
    xb_show_tail "host QEMU (L1) command and messages" "$XBED_OUT/l1-qemu.log"
}

# xen_boot_test NAME EXPECT... -- BED-OPTION...: the whole of a Xen test (see the top).
# Prints "PASS NAME" with the timeline, or "FAIL NAME" with the logs; exits 0 or 1.
xen_boot_test() {
    local name=$1
    shift
    xb_expect_reset
    XEN_EXPECT_EXIT=
    XEN_AFTER=
    while [ $# -gt 0 ]; do
        case $1 in
            --serial | --serial-re | --firmware | --firmware-re) xb_expect "$1" "$2"; shift 2 ;;
            --exit) XEN_EXPECT_EXIT=$2; shift 2 ;;
            --after) XEN_AFTER=$2; shift 2 ;;
            --) shift; break ;;
            *) echo "xen_boot_test: unknown argument $1" >&2; exit 1 ;;
        esac
    done
    echo "xen $name: $BIOS on the Xen bed (L1: QEMU TCG; L2: KVM with Xen emulation)"
    local ok=0 oops first=$XB_LOG_DIR/$name.attempt1
    if xen_boot "$name" "$@"; then
        ok=1
    elif oops=$(xen_guest_oops "$XBED_OUT/serial.log"); then
        # Once, and only when the guest's own kernel crashed after the firmware handed over.
        rm -rf "$first"
        mkdir -p "$first"
        cp "$XBED_OUT"/*.log "$first/" 2>/dev/null || true
        echo "RETRY $name: the guest kernel crashed ($oops; logs in $first): once more"
        xen_boot "$name" "$@" && ok=1
    fi
    if [ "$ok" = 1 ]; then
        echo "PASS $name after ${XBED_ELAPSED}s (L1 ready at $(cat "$XBED_OUT/l1-ready" 2>/dev/null \
            || echo ?)s of its uptime; L2 $(xbed_l2_end)); seconds from the start:"
        printf '    %s\n' "${XB_TIMELINE[@]}"
        exit 0
    fi
    xen_report "$name"
    exit 1
}

# --- what the PV block driver logs -------------------------------------------------------
# The firmware log line that names a Xen PV disk (VBD) and its size: the one place to adapt
# when the format changes. src/xen/blkfront.rs prints, for each VBD it connected,
#   [blkfront] Xen PV disk xvda, 64 MiB: connected, 131072 sectors of 512 bytes, flush
# (and "<name>: skipped: <reason>" for one it could not connect).

# xen_vbd_line_re VDEV SECTORS [SECTOR_SIZE]: the regex of POST's line for that disk
# (512-byte sectors unless said).
xen_vbd_line_re() {
    printf '^\\[blkfront\\] Xen PV disk %s, [0-9]+ [KMG]iB: connected, %s sectors of %s bytes' \
        "$1" "$2" "${3:-512}"
}

# xen_cd_line_re VDEV SECTORS: the regex of POST's line for a PV CD-ROM with a medium of that
# many 2048-byte sectors.
xen_cd_line_re() {
    printf '^\\[blkfront\\] Xen PV CD-ROM %s, [0-9]+ [KMG]iB: connected, %s sectors of 2048 bytes' \
        "$1" "$2"
}

# xen_cd_iso NAME: XEN_CD_ISO, the ISOLINUX ISO of the test kernel and initramfs
# (xb_isolinux_iso, tests/system/images.sh); a test without that builder yet is pending.
xen_cd_iso() {
    declare -F xb_isolinux_iso >/dev/null || xen_pending "no xb_isolinux_iso in tests/system/images.sh yet"
    XEN_CD_ISO=$(xb_isolinux_iso)
}

# --- Linux taking a PV disk over (tests/system/checks/xvda) ----------------------------------
# The region the check reads from /dev/xvda through Linux's xen-blkfront: as in checks/xvda.
readonly XEN_PV_CHECK_SKIP=2048
readonly XEN_PV_CHECK_COUNT=4096

# xen_pv_initramfs: the test initramfs that loads xen-blkfront and runs checks/xvda.
xen_pv_initramfs() {
    xb_initramfs --module xen-blkfront --check "$XB_ROOT/tests/system/checks/xvda"
}

# xen_pv_check_expect DISK KVER: sets XEN_PV_EXPECT to the serial lines checks/xvda must print
# for DISK (the sha256 of its region, as the host's file has it) and the initramfs marker.
xen_pv_check_expect() {
    local sum
    sum=$(dd if="$1" bs="$XB_SECTOR" skip="$XEN_PV_CHECK_SKIP" count="$XEN_PV_CHECK_COUNT" \
        status=none | sha256sum | cut -d' ' -f1)
    XEN_PV_EXPECT=(--serial "XENBIOS-PV: xvda sectors $XEN_PV_CHECK_SKIP+$XEN_PV_CHECK_COUNT sha256 $sum"
        --serial "$XB_INITRAMFS_MARKER $2")
}

# --- the int13 probe (tests/probe/) on the bed -----------------------------------------------
# QEMU's exit status for the probe's isa-debug-exit value 0x10 ("every check passed").
readonly XEN_PROBE_PASS_STATUS=33

# xen_probe_disk NAME: builds the probe's image (XEN_PROBE_IMAGE) and the run's own copy of it
# (XEN_PROBE_DISK, in NAME's log directory, dated 2000 so that a write shows): the probe
# writes to the copy, and the bed links it into the guest unchanged.
xen_probe_disk() {
    XEN_PROBE_IMAGE=$XB_ROOT/target/probe/probe-64M.img
    PROBE_DISK_MIB=64 "$XB_ROOT/tests/probe/build.sh" "$XEN_PROBE_IMAGE" >&2
    XEN_PROBE_DISK=$XB_LOG_DIR/$1/probe-disk.img
    mkdir -p "$(dirname "$XEN_PROBE_DISK")"
    cp "$XEN_PROBE_IMAGE" "$XEN_PROBE_DISK"
    touch -d '2000-01-01' "$XEN_PROBE_DISK"
    XEN_PROBE_DISK_BEFORE=$(stat -c %Y "$XEN_PROBE_DISK")
}

# xen_probe_writes_reached_host: the guest wrote through the bed: the copy on the host changed
# (mtime), and holds the image again (the probe restores what it wrote).
xen_probe_writes_reached_host() {
    if [ "$(stat -c %Y "$XEN_PROBE_DISK")" = "$XEN_PROBE_DISK_BEFORE" ]; then
        echo "$XEN_PROBE_DISK was not written (mtime unchanged)"
        return 1
    fi
    cmp -s "$XEN_PROBE_IMAGE" "$XEN_PROBE_DISK" \
        || { echo "$XEN_PROBE_DISK differs from the image after the probe's restore"; return 1; }
    echo "the probe's writes reached $XEN_PROBE_DISK on the host"
}
