# The real-Xen tests' harness: boot a firmware with some disks on the real-Xen bed
# (tests/realxen/bed.sh: Xen 4.17, dom0, hvmloader loading the firmware), wait for lines in the
# guest's serial console and in its port-0xe9 log, and say PASS or FAIL, as tests/xen/lib.sh
# does for the nested QEMU bed. Sourced by tests/system/realxen-*.sh; takes the same settings:
# BIOS, XB_TIMEOUT (the guest's timeout), XB_LOG_DIR, XB_FATAL_PATTERN, and has the disk
# builders of tests/system/images.sh. Its own:
#   XB_REALXEN_IDLE_TIMEOUT=s  give up when no log has grown for this long (default 450: a
#                              loader reading a kernel by IDE PIO is silent for minutes)
#
#   rx_pending REASON    a test that cannot pass yet (exit 77 unless XB_RUN_PENDING=1)
#   rx_boot_test NAME EXPECT... -- BED-OPTION...
#     EXPECT:
#       --serial TEXT | --serial-re REGEX       a line of the guest's COM1 (serial.log)
#       --firmware TEXT | --firmware-re REGEX   a line the guest wrote to port 0xe9
#                                               (firmware.log: hvmloader's, then the firmware's)
#         each log's lines must appear in the order given.
#     BED-OPTION: what `tests/realxen/bed.sh run` takes (--disk, --cfg, --mem, ...); --bios,
#     --out and --timeout come from BIOS, XB_LOG_DIR/NAME and XB_TIMEOUT.
#   Once every line is there the harness ends the VM: inside a guest on this bed page faults
#   are broken (shared/xen-testbed/README.md), so the loaders' own lines are the check, not the
#   kernel's. The test fails, with the ends of the logs, when the guest or the VM ends first,
#   when the firmware gives up (XB_FATAL_PATTERN), when no log grows for
#   XB_REALXEN_IDLE_TIMEOUT seconds, or at the timeout. A PASS prints when each line appeared,
#   in seconds from the start of the run. When the bed fails before the guest's firmware runs
#   (dom0 did not come up, `xl create` failed), the test runs once more.

source "$(dirname "${BASH_SOURCE[0]}")/../system/lib.sh"
source "$XB_ROOT/tests/realxen/bed.sh"

readonly RX_POLL_SECONDS=1
# The exit status of a test that did not run (automake's "skipped"; tests/system/run.sh).
readonly RX_EXIT_SKIP=77
# Runs of a test when the bed itself fails before the guest starts (xl or dom0 trouble, not
# the firmware's) or Xen says the guest crashed with no reason: the second one counts.
readonly RX_ATTEMPTS=2
# GRUB and SYSLINUX reading the kernel by IDE PIO (realxen-grub, realxen-syslinux) say nothing
# for ~155 s in a CI run with the host to themselves; tests/system/run.sh runs two tests at
# once, and on a host busy with other work (load ~11) realxen-grub's silence passed 300 s.
# About three times the quiet CI figure; a hang still ends before the run's deadline
# (XB_TIMEOUT + 120 s).
XB_REALXEN_IDLE_TIMEOUT=${XB_REALXEN_IDLE_TIMEOUT:-450}

# End the VM if a test exits early, as well as what tests/system/lib.sh started.
trap 'rxbed_cleanup; xb_cleanup' EXIT

# rx_pending REASON: (at the top of a test) a test that cannot pass yet exits 77, which
# tests/system/run.sh counts as skipped, unless XB_RUN_PENDING=1 (as tests/xen/lib.sh's).
rx_pending() {
    if [ "${XB_RUN_PENDING:-0}" != 1 ]; then
        echo "SKIP $(basename "$0" .sh): pending: $1 (XB_RUN_PENDING=1 runs it)"
        exit "$RX_EXIT_SKIP"
    fi
}

# What a test expects (rx_boot_test's options): the lines are tests/system/lib.sh's
# XB_EXPECT_SERIAL and XB_EXPECT_FIRMWARE (xb_expect).

# rx_watch: watch a started bed until the expected lines are all there (0) or the run fails
# (1, RX_REASON says why).
rx_watch() {
    local out=$RXBED_OUT last_size=-1 size last_change=$SECONDS created=0 guest=0
    local deadline=$((RXBED_TIMEOUT + RXBED_DOM0_ALLOWANCE))
    while :; do
        rxbed_split
        if [ "$created" = 0 ] && [ -s "$out/dom0-ready" ]; then
            created=1
            xb_event "dom0 up: xl create"
        fi
        if [ "$guest" = 0 ] && [ -s "$out/firmware.log" ]; then
            guest=1
            xb_event "the guest's first line (hvmloader)"
        fi
        xb_lines_seen "$RXBED_OUT" && return 0
        if [ -s "$out/guest-status" ]; then
            RX_REASON="the guest ended ($(rxbed_field end)), and $XB_MISSING"
            return 1
        fi
        if ! rxbed_running; then
            RX_REASON="the VM ended (Xen or dom0 failed?), and $XB_MISSING"
            return 1
        fi
        if grep -qaiF -- "$XB_FATAL_PATTERN" "$out/serial.log" "$out/firmware.log"; then
            sleep "$XB_FATAL_SETTLE_SECONDS"
            rxbed_split
            xb_lines_seen "$RXBED_OUT" && return 0
            RX_REASON="the firmware gave up ('$XB_FATAL_PATTERN'), and $XB_MISSING"
            return 1
        fi
        size=$(($(xb_size "$out/serial.log") + $(xb_size "$out/xen-serial.log")))
        if [ "$size" != "$last_size" ]; then
            last_size=$size
            last_change=$SECONDS
        elif [ $((SECONDS - last_change)) -ge "$XB_REALXEN_IDLE_TIMEOUT" ]; then
            RX_REASON="no output for ${XB_REALXEN_IDLE_TIMEOUT}s, and $XB_MISSING"
            return 1
        fi
        if [ "$(xb_since "$RXBED_STARTED" | cut -d. -f1)" -ge "$deadline" ]; then
            RX_REASON="still running after ${deadline}s, and $XB_MISSING"
            return 1
        fi
        sleep "$RX_POLL_SECONDS"
    done
}

# rx_report NAME: the failure report of the last run.
rx_report() {
    local name=$1
    echo "FAIL $name after ${RXBED_ELAPSED}s: $RX_REASON (firmware $BIOS)"
    [ "${#XB_TIMELINE[@]}" -eq 0 ] || printf '    %s\n' "${XB_TIMELINE[@]}"
    [ -n "$RXBED_OUT" ] || return 0
    xb_show_tail "the guest's serial console (COM1)" "$RXBED_OUT/serial.log"
    xb_show_tail "the guest's port 0xe9 (hvmloader, firmware)" "$RXBED_OUT/firmware.log"
    xb_show_tail "Xen's console (Xen, dom0)" "$RXBED_OUT/xen-serial.log"
    xb_show_tail "the guest's device model" "$RXBED_OUT/xenlog/qemu-dm-guest.log"
    xb_show_tail "xl create" "$RXBED_OUT/xl-create.log"
}

# rx_boot_test NAME EXPECT... -- BED-OPTION...: the whole of a real-Xen test (see the top).
# Prints "PASS NAME" with the timeline, or "FAIL NAME" with the logs; exits 0 or 1.
rx_boot_test() {
    local name=$1
    shift
    xb_expect_reset
    while [ $# -gt 0 ]; do
        case $1 in
            --serial | --serial-re | --firmware | --firmware-re) xb_expect "$1" "$2"; shift 2 ;;
            --) shift; break ;;
            *) echo "rx_boot_test: unknown argument $1" >&2; exit 1 ;;
        esac
    done
    # Direct (bed option --direct): Xen's domain builder loads the ELF container of the same
    # build, no hvmloader. Another BIOS under test (BIOS=...seabios...) has no such mode.
    local firmware=$BIOS how="as hvmloader's payload" arg
    for arg in "$@"; do
        [ "$arg" = --direct ] || continue
        if [ "$BIOS" != "$XB_ROOT/target/bios.bin" ]; then
            echo "SKIP $name: direct boot is xenbios's own (BIOS=$BIOS)"
            exit "$RX_EXIT_SKIP"
        fi
        firmware=${XENBIOS_ELF:-$XB_ROOT/target/xenbios.elf}
        how="started by Xen's domain builder (firmware=, no hvmloader)"
    done
    echo "realxen $name: $firmware $how on Xen $RXBED_XEN_VERSION (TCG)"
    local ok=0 attempt
    for ((attempt = 1; attempt <= RX_ATTEMPTS; attempt++)); do
        RX_REASON=
        xb_timeline_reset
        if [ ! -f "$firmware" ]; then
            RX_REASON="no firmware at $firmware (build it with scripts/build.sh)"
            break
        elif ! rxbed_configure --bios "$firmware" --out "$XB_LOG_DIR/$name" --timeout "$XB_TIMEOUT" \
            --quiet "$@"; then
            RX_REASON="bad bed options"
            break
        elif ! rxbed_start; then
            RX_REASON="the bed did not start (see above)"
            break
        fi
        XB_RUN_STARTED=$RXBED_STARTED
        rx_watch && ok=1
        rxbed_finish
        [ "$ok" = 0 ] || break
        # Worth another try: a failure of the bed itself (dom0 never got to `xl create`, or
        # `xl create` failed: the firmware had not run yet), or a guest Xen marked crashed
        # without a word on why (seen once, in a CI run, right after the firmware jumped to a
        # SYSLINUX boot sector that then booted fine twice in a row; most likely the nested
        # SVM under TCG, like the page faults this bed breaks). The first attempt's logs are
        # kept (not its disks).
        local end
        end=$(rxbed_field end)
        if [ -s "$RXBED_OUT/dom0-ready" ] && [ "$end" != created-failed ] && [ "$end" != crashed ]; then
            break
        fi
        [ "$attempt" = "$RX_ATTEMPTS" ] && break
        rm -rf "$RXBED_OUT.attempt$attempt"
        mkdir -p "$RXBED_OUT.attempt$attempt"
        find "$RXBED_OUT" -maxdepth 1 -type f -exec cp {} "$RXBED_OUT.attempt$attempt/" \;
        cp -r "$RXBED_OUT/xenlog" "$RXBED_OUT.attempt$attempt/" 2>/dev/null || true
        echo "RETRY $name: ${end:-the bed failed} ($RX_REASON; logs in $RXBED_OUT.attempt$attempt): once more"
    done
    if [ "$ok" = 1 ]; then
        echo "PASS $name after ${RXBED_ELAPSED}s ($(rxbed_timings)); seconds from the start:"
        printf '    %s\n' "${XB_TIMELINE[@]}"
        exit 0
    fi
    rx_report "$name"
    exit 1
}

# --- what the firmware logs when Xen starts it directly (src/xen/direct.rs, memmap.rs) ----------
# The start info, the e820 map from the hypercall, and no hvmloader line before them.
RX_DIRECT_LINES=(--firmware-re "^\\[xen\\] started by Xen's domain builder \\(no hvmloader\\)"
    --firmware-re '^\[e820\] [0-9]+ MiB RAM below 4 GiB.*\(from Xen.s XENMEM_memory_map\)$')

# --- what the firmware logs under hvmloader (src/memory.rs, src/tables/hvmloader.rs) --------
# Each test expects these before its own lines: the e820 map from hvmloader's list, and the
# RSDP copied into the F segment.
RX_HVMLOADER_LINES=(--firmware-re '^\[e820\] [0-9]+ MiB RAM below 4 GiB.*\(from hvmloader.s table\)$'
    --firmware-re "^\\[tables\\] hvmloader's ACPI RSDP at 0x[0-9a-f]+: copied to 0xf[0-9a-f]{4}$")
