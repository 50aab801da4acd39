# The system tests' harness: boot a disk in QEMU under a firmware, wait for a marker line on the
# serial console, and say PASS or FAIL. Sourced by tests/system/*.sh and scripts/demo.sh.
#
# Environment:
#   BIOS=path          firmware to boot (default target/bios.bin); e.g. /usr/share/seabios/bios.bin
#   XB_TIMEOUT=s       give up on a boot after this long (default 600)
#   XB_IDLE_TIMEOUT=s  give up when neither log has grown for this long (default 180)
#   XB_LOG_DIR=dir     where each boot's logs go (default target/system-tests)
#   XB_FOLLOW=1        also stream both logs to stdout while booting (scripts/demo.sh)
#   XB_DRIVER=func     (set by interactive tests) run shell function `func` in the background
#                      while QEMU runs, with the monitor on XB_MONITOR (see xb_monitor)
# A boot passes only when its marker line is in the serial log; a timeout, an early QEMU exit or
# a fatal firmware message is a failure, reported with the tails of the logs.

set -euo pipefail
shopt -s inherit_errexit

XB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIOS=${BIOS:-$XB_ROOT/target/bios.bin}
XB_TIMEOUT=${XB_TIMEOUT:-600}
XB_IDLE_TIMEOUT=${XB_IDLE_TIMEOUT:-180}
XB_LOG_DIR=${XB_LOG_DIR:-$XB_ROOT/target/system-tests}
XB_FOLLOW=${XB_FOLLOW:-0}
XB_QEMU=${XB_QEMU:-qemu-system-x86_64}
# The guest: enough memory for the Debian kernel and its initramfs.
readonly XB_GUEST_MIB=512
# After the marker, the guest powers off; wait this long for QEMU to exit before ending it.
readonly XB_POWEROFF_GRACE=30
# How often the logs are looked at while a boot runs.
readonly XB_POLL_SECONDS=0.2
# Lines of each log shown when a boot fails.
readonly XB_TAIL_LINES=40
# Messages after which no boot can succeed: fail at once rather than at the timeout.
# SeaBIOS prints "No bootable device."; xenbios logs "int18: no bootable device".
XB_FATAL_PATTERN=${XB_FATAL_PATTERN:-no bootable device}
# ... but let the firmware finish saying why (the lines after that message) before ending it.
readonly XB_FATAL_SETTLE_SECONDS=2
# isa-debug-exit: a guest writing V to this port ends QEMU with status (V << 1) | 1.
readonly XB_DEBUG_EXIT_PORT=0xf4
# The firmware log: the debug console at port 0x402 (SeaBIOS and xenbios both write there).
readonly XB_DEBUGCON_PORT=0x402
# The colour text screen: 80x25 cells of (character, attribute) at 0xB8000.
readonly XB_VGA_TEXT_BASE=0xb8000
readonly XB_VGA_TEXT_COLUMNS=80
readonly XB_VGA_TEXT_BYTES=$((XB_VGA_TEXT_COLUMNS * 25 * 2))
# How long a monitor command that writes a file may take.
readonly XB_MONITOR_FILE_SECONDS=5

source "$XB_ROOT/tests/system/images.sh"

XB_QEMU_PID=
XB_FOLLOW_PIDS=()
XB_DRIVER=${XB_DRIVER:-}
XB_MARKER_FILES=()
XB_DRIVER_PID=

# End what this harness started (only those processes) when the script exits.
xb_cleanup() {
    local pid
    for pid in "$XB_DRIVER_PID" "$XB_QEMU_PID" ${XB_FOLLOW_PIDS[@]+"${XB_FOLLOW_PIDS[@]}"}; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
}
trap xb_cleanup EXIT

xb_now() { date +%s.%N; }
xb_since() { awk -v a="$1" -v b="$(xb_now)" 'BEGIN { printf "%.1f", b - a }'; }

# Size of a file in bytes, 0 when it is missing.
xb_size() { stat -c %s "$1" 2>/dev/null || echo 0; }

# Print the last lines of a log under a heading (control characters made visible but
# newlines kept, so terminal escapes from the guest cannot garble the report).
xb_show_tail() {
    local title=$1 file=$2
    echo "----- $title: last $XB_TAIL_LINES lines of $file"
    if [ -s "$file" ]; then
        tail -n "$XB_TAIL_LINES" "$file" | tr -d '\r' | cat -v
        echo
    else
        echo "(empty)"
    fi
}

# Stream a log to stdout with a prefix until QEMU is gone.
xb_follow() {
    local file=$1 prefix=$2
    tail -n +1 -s "$XB_POLL_SECONDS" -f --pid="$XB_QEMU_PID" "$file" | tr -d '\r' \
        | sed -u "s/^/$prefix/" &
    XB_FOLLOW_PIDS+=("$!")
}

# xb_is_xenbios [FILE]: true when FILE (default $BIOS) is a xenbios image, whose file starts
# with its packed blob's magic (MAGIC in tools/pack/src/format.rs, read from there: the
# firmware's strings are compressed, so a grep for them finds nothing). Tests check
# xenbios's own lines only then; another firmware (SeaBIOS) is judged by the OS's.
xb_is_xenbios() {
    local magic
    magic=$(sed -n 's/^pub const MAGIC: \[u8; [0-9]*\] = \*b"\([^"]*\)";$/\1/p' \
        "$XB_ROOT/tools/pack/src/format.rs")
    if [ -z "$magic" ]; then
        echo "lib.sh: no MAGIC in tools/pack/src/format.rs: xb_is_xenbios needs updating" >&2
        exit 1
    fi
    printf '%s' "$magic" | cmp -s -n "${#magic}" - "${1:-$BIOS}"
}

# xb_marker_seen MARKER: is MARKER on the serial console, or in a file of XB_MARKER_FILES (for
# guests that only write to the screen: a driver keeps a copy of the screen there)?
xb_marker_seen() {
    local file
    for file in "$XB_SERIAL" ${XB_MARKER_FILES[@]+"${XB_MARKER_FILES[@]}"}; do
        [ -f "$file" ] && grep -qF -- "$1" "$file" && return 0
    done
    return 1
}

# xb_boot NAME DISK MARKER [QEMU-ARG...]: boot DISK as the first IDE disk (DISK "": none, e.g.
# for QEMU's -kernel) and wait for MARKER on the serial console. Sets XB_SERIAL, XB_FWLOG,
# XB_QEMU_LOG (the log files), XB_ELAPSED (seconds to the marker or to the failure),
# XB_QEMU_STATUS (QEMU's exit status, or "killed") and XB_REASON (why it failed). Returns 0
# when MARKER appeared.
xb_boot() {
    local name=$1 disk=$2 marker=$3
    shift 3
    local dir=$XB_LOG_DIR/$name
    mkdir -p "$dir"
    XB_SERIAL=$dir/serial.log
    XB_FWLOG=$dir/firmware.log
    XB_QEMU_LOG=$dir/qemu.log
    XB_QEMU_STATUS=
    XB_REASON=
    : >"$XB_SERIAL"
    : >"$XB_FWLOG"
    if [ ! -f "$BIOS" ]; then
        XB_REASON="no firmware at $BIOS (build it with scripts/build.sh)"
        XB_ELAPSED=0
        return 1
    fi

    # The monitor, for tests that drive the VM: a pipe chardev (FIFOs $XB_MONITOR.in and
    # .out), so that plain shell can write commands; its replies go to monitor.log.
    local monitor=(-monitor none)
    XB_MONITOR=
    if [ -n "$XB_DRIVER" ]; then
        XB_MONITOR=$dir/monitor
        rm -f "$XB_MONITOR.in" "$XB_MONITOR.out"
        mkfifo "$XB_MONITOR.in" "$XB_MONITOR.out"
        monitor=(-monitor "pipe:$XB_MONITOR")
    fi

    local drive=()
    [ -z "$disk" ] || drive=(-drive "file=$disk,format=raw,if=ide,index=0,media=disk,snapshot=on")
    # Serial and debug console on two chardevs: one chardev muxed to both would print each
    # character twice. append=on keeps the files (and anything following them) intact.
    local qemu=("$XB_QEMU" -accel tcg -M pc -m "$XB_GUEST_MIB" -bios "$BIOS"
        -display none -no-reboot "${monitor[@]}" -nic none
        -chardev "file,id=serial0,path=$XB_SERIAL,append=on" -serial chardev:serial0
        -chardev "file,id=fwlog,path=$XB_FWLOG,append=on"
        -device "isa-debugcon,iobase=$XB_DEBUGCON_PORT,chardev=fwlog"
        -device "isa-debug-exit,iobase=$XB_DEBUG_EXIT_PORT,iosize=4"
        ${drive[@]+"${drive[@]}"} "$@")
    echo "${qemu[*]}" >"$XB_QEMU_LOG"

    local start
    start=$(xb_now)
    "${qemu[@]}" </dev/null >>"$XB_QEMU_LOG" 2>&1 &
    XB_QEMU_PID=$!
    if [ "$XB_FOLLOW" = 1 ]; then
        xb_follow "$XB_FWLOG" "firmware| "
        xb_follow "$XB_SERIAL" "serial  | "
    fi
    if [ -n "$XB_DRIVER" ]; then
        cat "$XB_MONITOR.out" >"$dir/monitor.log" &
        XB_FOLLOW_PIDS+=("$!")
        "$XB_DRIVER" >"$dir/driver.log" 2>&1 &
        XB_DRIVER_PID=$!
    fi

    local seen=0 last_size=-1 size last_change=$SECONDS
    while :; do
        if xb_marker_seen "$marker"; then
            seen=1
            break
        fi
        if ! kill -0 "$XB_QEMU_PID" 2>/dev/null; then
            # One last look: the marker may have come just before the exit.
            xb_marker_seen "$marker" && seen=1
            [ "$seen" = 1 ] || XB_REASON="QEMU exited before the marker"
            break
        fi
        if grep -qiF -- "$XB_FATAL_PATTERN" "$XB_SERIAL" "$XB_FWLOG"; then
            XB_REASON="the firmware gave up: '$XB_FATAL_PATTERN'"
            sleep "$XB_FATAL_SETTLE_SECONDS"
            break
        fi
        size=$(($(xb_size "$XB_SERIAL") + $(xb_size "$XB_FWLOG")))
        if [ "$size" != "$last_size" ]; then
            last_size=$size
            last_change=$SECONDS
        elif [ $((SECONDS - last_change)) -ge "$XB_IDLE_TIMEOUT" ]; then
            XB_REASON="no output for ${XB_IDLE_TIMEOUT}s"
            break
        fi
        if [ "$(xb_since "$start" | cut -d. -f1)" -ge "$XB_TIMEOUT" ]; then
            XB_REASON="no marker after ${XB_TIMEOUT}s"
            break
        fi
        sleep "$XB_POLL_SECONDS"
    done
    XB_ELAPSED=$(xb_since "$start")

    # Guests that never power off (XB_GUEST_POWERS_OFF=0) are ended at once.
    xb_stop_qemu "$([ "$seen" = 1 ] && [ "${XB_GUEST_POWERS_OFF:-1}" = 1 ] \
        && echo "$XB_POWEROFF_GRACE" || echo 0)"
    [ "$seen" = 1 ]
}

# xb_stop_qemu GRACE: wait up to GRACE seconds for QEMU to exit, then end it; set XB_QEMU_STATUS.
xb_stop_qemu() {
    local grace=$1 waited=0
    while kill -0 "$XB_QEMU_PID" 2>/dev/null && [ "$waited" -lt "$grace" ]; do
        sleep 1
        waited=$((waited + 1))
    done
    if kill -0 "$XB_QEMU_PID" 2>/dev/null; then
        kill "$XB_QEMU_PID" 2>/dev/null || true
        wait "$XB_QEMU_PID" 2>/dev/null || true
        XB_QEMU_STATUS=killed
    else
        XB_QEMU_STATUS=0
        wait "$XB_QEMU_PID" 2>/dev/null || XB_QEMU_STATUS=$?
    fi
    XB_QEMU_PID=
    if [ -n "$XB_DRIVER_PID" ]; then
        kill "$XB_DRIVER_PID" 2>/dev/null || true
        wait "$XB_DRIVER_PID" 2>/dev/null || true
        XB_DRIVER_PID=
    fi
    local pid
    for pid in ${XB_FOLLOW_PIDS[@]+"${XB_FOLLOW_PIDS[@]}"}; do
        wait "$pid" 2>/dev/null || true
    done
    XB_FOLLOW_PIDS=()
}

# xb_match_in_order FILE EXPECT...: true when each EXPECT matches a line of FILE, each on a
# later line than the one before; an EXPECT is "=TEXT" (a fixed string) or "~REGEX" (extended).
# Sets XB_MATCHED (how many did, from the first) and XB_MISSING (the first that did not, in
# words).
xb_match_in_order() {
    local file=$1 after=0 line expect flag
    shift
    XB_MATCHED=0
    XB_MISSING=
    for expect in "$@"; do
        flag=-F
        [ "${expect:0:1}" = "=" ] || flag=-E
        line=$(tail -n +"$((after + 1))" "$file" | tr -d '\r' | grep -an "$flag" -m1 -- "${expect:1}" \
            | cut -d: -f1) || true
        if [ -z "$line" ]; then
            XB_MISSING="'${expect:1}' not found in $(basename "$file") after line $after"
            return 1
        fi
        after=$((after + line))
        XB_MATCHED=$((XB_MATCHED + 1))
    done
}

# xb_in_order FILE STRING...: xb_match_in_order with fixed strings; prints the first one
# missing or out of order.
xb_in_order() {
    local file=$1
    shift
    xb_match_in_order "$file" "${@/#/=}" || { echo "$XB_MISSING"; return 1; }
}

# --- what a VM run on a test bed expects, and its timeline ----------------------------------
# Used by the beds' harnesses (tests/xen/lib.sh, tests/realxen/lib.sh): lines expected in the
# guest's serial console and in the firmware log, each in order, and a timeline of when they
# came, "<seconds since XB_RUN_STARTED>s  <what>".

XB_EXPECT_SERIAL=()
XB_EXPECT_FIRMWARE=()
XB_TIMELINE=()
XB_RUN_STARTED=
declare -A XB_SEEN_COUNT

# xb_expect_reset: no lines expected, an empty timeline (before a test's options, or a run).
xb_expect_reset() {
    XB_EXPECT_SERIAL=()
    XB_EXPECT_FIRMWARE=()
    xb_timeline_reset
}

# xb_timeline_reset: an empty timeline, nothing seen yet (before a run).
xb_timeline_reset() {
    XB_TIMELINE=()
    XB_SEEN_COUNT=()
}

# xb_expect OPTION VALUE: --serial TEXT, --serial-re REGEX, --firmware TEXT, --firmware-re
# REGEX: one more expected line.
xb_expect() {
    case $1 in
        --serial) XB_EXPECT_SERIAL+=("=$2") ;;
        --serial-re) XB_EXPECT_SERIAL+=("~$2") ;;
        --firmware) XB_EXPECT_FIRMWARE+=("=$2") ;;
        --firmware-re) XB_EXPECT_FIRMWARE+=("~$2") ;;
        *) echo "xb_expect: unknown option $1" >&2; return 1 ;;
    esac
}

# xb_event TEXT: a timeline entry now.
xb_event() { XB_TIMELINE+=("$(xb_since "$XB_RUN_STARTED")s  $1"); }

# xb_progress LOG MATCHED EXPECT...: a timeline entry for each EXPECT matched since the last
# look at LOG.
xb_progress() {
    local log=$1 matched=$2 i
    shift 2
    local expects=("$@")
    for ((i = ${XB_SEEN_COUNT[$log]:-0}; i < matched; i++)); do
        xb_event "$log: ${expects[i]:1}"
    done
    XB_SEEN_COUNT[$log]=$matched
}

# xb_lines_seen DIR: true when every expected line is in DIR/serial.log and DIR/firmware.log
# (and adds to the timeline). Sets XB_MISSING to the first one missing.
xb_lines_seen() {
    local serial_ok=0 firmware_ok=0 missing
    xb_match_in_order "$1/serial.log" ${XB_EXPECT_SERIAL[@]+"${XB_EXPECT_SERIAL[@]}"} \
        && serial_ok=1
    xb_progress serial "$XB_MATCHED" ${XB_EXPECT_SERIAL[@]+"${XB_EXPECT_SERIAL[@]}"}
    missing=$XB_MISSING
    xb_match_in_order "$1/firmware.log" ${XB_EXPECT_FIRMWARE[@]+"${XB_EXPECT_FIRMWARE[@]}"} \
        && firmware_ok=1
    xb_progress firmware "$XB_MATCHED" ${XB_EXPECT_FIRMWARE[@]+"${XB_EXPECT_FIRMWARE[@]}"}
    XB_MISSING=${missing:-$XB_MISSING}
    [ "$serial_ok" = 1 ] && [ "$firmware_ok" = 1 ]
}

# --- driving a running VM (from an XB_DRIVER function) -------------------------------------

# xb_wait_for FILE STRING SECONDS: wait until STRING is in FILE; false after SECONDS.
xb_wait_for() {
    local file=$1 s=$2 end=$((SECONDS + $3))
    until grep -qF -- "$s" "$file" 2>/dev/null; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep "$XB_POLL_SECONDS"
    done
}

# xb_monitor COMMAND...: one QEMU monitor command (the reply goes to monitor.log).
xb_monitor() {
    echo "driver: monitor: $*"
    printf '%s\n' "$*" >"$XB_MONITOR.in"
}

# xb_wait_file FILE BYTES: wait until a monitor command has written FILE with BYTES bytes.
xb_wait_file() {
    local file=$1 bytes=$2 end=$((SECONDS + XB_MONITOR_FILE_SECONDS))
    until [ "$(xb_size "$file")" -ge "$bytes" ]; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep "$XB_POLL_SECONDS"
    done
}

# xb_screen_text OUT: the text screen (VGA memory at 0xB8000) as 25 lines of 80 characters
# in OUT, read through the monitor; other bytes than printable ASCII show as spaces.
xb_screen_text() {
    local out=$1
    rm -f "$out.raw"
    # Quoted: the monitor would read "4000 /path" as a division.
    xb_monitor "pmemsave $XB_VGA_TEXT_BASE $XB_VGA_TEXT_BYTES \"$out.raw\""
    xb_wait_file "$out.raw" "$XB_VGA_TEXT_BYTES" || return 1
    od -An -v -tu1 -w2 "$out.raw" | awk -v cols="$XB_VGA_TEXT_COLUMNS" '
        { c = $1; printf "%c", (c < 32 || c > 126) ? 32 : c }
        ++n % cols == 0 { printf "\n" }' >"$out"
}

# xb_screenshot OUT.png: what the display shows, as a PNG (kept with the logs).
xb_screenshot() {
    rm -f "$1"
    xb_monitor "screendump \"$1\" -f png"
    xb_wait_file "$1" 1 && sleep "$XB_POLL_SECONDS"
}

# xb_report NAME: print the failure report for the last boot.
xb_report() {
    local name=$1
    echo "FAIL $name after ${XB_ELAPSED}s: $XB_REASON (firmware $BIOS, QEMU status ${XB_QEMU_STATUS:-none})"
    xb_show_tail "serial console" "$XB_SERIAL"
    xb_show_tail "firmware log (debugcon $XB_DEBUGCON_PORT)" "$XB_FWLOG"
    xb_show_tail "QEMU command and messages" "$XB_QEMU_LOG"
    if [ -n "$XB_DRIVER" ]; then
        xb_show_tail "test driver" "$(dirname "$XB_SERIAL")/driver.log"
    fi
    # Keep this run's logs: a rerun of the test overwrites its log directory.
    local keep
    keep="$(dirname "$XB_SERIAL")/../failed-$name-$(date +%Y%m%d-%H%M%S)"
    cp -r "$(dirname "$XB_SERIAL")" "$keep" && echo "    (logs kept in $(cd "$keep" && pwd))"
}

# xb_boot_test NAME DISK LINE... [-- QEMU-ARG...]: the whole of a boot test. Boots DISK (as
# xb_boot does, with the QEMU-ARGs), waits for the last LINE, then checks that every LINE is
# on the serial console in the given order. Prints "PASS NAME" or "FAIL NAME" with the logs,
# and exits 0 or 1.
xb_boot_test() {
    local name=$1 disk=$2
    shift 2
    local lines=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        lines+=("$1")
        shift
    done
    [ $# -eq 0 ] || shift
    local last=${lines[${#lines[@]} - 1]}
    echo "boot $name: ${disk:+$(basename "$disk") }with $BIOS${*:+ $*}"
    if xb_boot "$name" "$disk" "$last" "$@"; then
        local missing
        if missing=$(xb_in_order "$XB_SERIAL" "${lines[@]}"); then
            echo "PASS $name: marker after ${XB_ELAPSED}s (QEMU status $XB_QEMU_STATUS)"
            grep -F -- "$last" "$XB_SERIAL" | tr -d '\r' | head -n 1 | sed 's/^/    /'
            exit 0
        fi
        XB_REASON="marker seen, but $missing"
    fi
    xb_report "$name"
    exit 1
}
