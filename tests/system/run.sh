#!/usr/bin/env bash
# Run the system tests, XB_JOBS at a time, and summarise.
#   tests/system/run.sh                   every test: tests/system/*.sh but the helpers
#   tests/system/run.sh boot-grub ...     the named tests (a name, a file name or a path)
#   BIOS=/usr/share/seabios/bios.bin tests/system/run.sh     the same tests under SeaBIOS
#   XB_RUN_PENDING=1 tests/system/run.sh xen-vbds             run a pending test too
#   XB_JOBS=1 tests/system/run.sh         one test after the other, output as it comes
# The xen-* tests boot on the Xen bed (tests/xen/: QEMU's Xen emulation in a nested VM), the
# realxen-* ones on the real-Xen bed (tests/realxen/: Xen and dom0 in a VM).
#
# XB_JOBS (default: the number of CPUs) tests run at once: each boots QEMU under TCG with one
# vCPU (the beds' VMs too: -smp 1), which keeps one core busy. Then each test's output goes to
# its own log (target/system-tests/output/<name>.log) and is printed in one piece when the test
# ends; the longest tests start first (by the seconds their last result took, else realxen-*
# and xen-* before the others), so that the workers end together; and what the tests share
# and would build on first use (the kernel, the beds' VMs, the int13 probe's image) is built
# once before they start ("prepare"). XB_JOBS=1 runs the tests in the order given, each
# printing as it goes, with no prepare step.
#
# Each test prints its own PASS or FAIL line (with the logs when it fails), or SKIP when it
# exits 77 (a pending test, see tests/xen/lib.sh); this prints one line per test and
# "system: N passed, N failed, N skipped" at the end, and exits 1 if any test failed.
# Each test's last result is also kept in target/system-tests/results/<name> ("PASS|FAIL|SKIP
# <seconds> <date> <firmware>"), which scripts/compat-matrix.sh reads.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# Files here that are not tests: the harness, the image builders and this runner.
HELPERS=(lib.sh images.sh run.sh)
# A test's exit status when it did not run (automake's convention).
readonly EXIT_SKIP=77
LOG_ROOT=${XB_LOG_DIR:-$ROOT/target/system-tests}
RESULTS_DIR=$LOG_ROOT/results
# Each test's output when tests run at once.
OUTPUT_DIR=$LOG_ROOT/output
XB_JOBS=${XB_JOBS:-$(nproc)}
# The order of a test never run (no results file): seconds guessed from the last CI runs, by
# bed. Only their order matters: the real-Xen bed's tests (1-4 min) first, then the Xen bed's
# (0.5-3 min), then plain QEMU's (under 30 s).
readonly GUESS_REALXEN_SECONDS=180
readonly GUESS_XEN_SECONDS=90
readonly GUESS_PLAIN_SECONDS=15
# How often the running tests are looked at, for one that ended.
readonly POLL_SECONDS=0.5

# record NAME RESULT SECONDS: the test's last result, for scripts/compat-matrix.sh.
record() {
    mkdir -p "$RESULTS_DIR"
    echo "$2 $3 $(date -u +%Y-%m-%dT%H:%M:%SZ) ${BIOS:-target/bios.bin}" >"$RESULTS_DIR/$1"
}

is_helper() {
    local name=$1 helper
    for helper in "${HELPERS[@]}"; do
        [ "$name" = "$helper" ] && return 0
    done
    return 1
}

all_tests() {
    local file
    for file in "$HERE"/*.sh; do
        is_helper "$(basename "$file")" || echo "$file"
    done
}

# A test's file from a name like boot-grub, boot-grub.sh or tests/system/boot-grub.sh.
test_file() {
    local name
    name=$(basename "$1" .sh)
    if [ ! -f "$HERE/$name.sh" ] || is_helper "$name.sh"; then
        echo "run: no system test named $1 (have: $(all_tests | xargs -n1 basename -s .sh | tr '\n' ' '))" >&2
        return 1
    fi
    echo "$HERE/$name.sh"
}

# --- results -------------------------------------------------------------------------------
RESULTS=()
PASSED=0
FAILED=0
SKIPPED=0

# tally NAME STATUS SECONDS: count a test's end and record it.
tally() {
    local name=$1 status=$2 seconds=$3
    if [ "$status" -eq 0 ]; then
        RESULTS+=("PASS $name (${seconds}s)")
        PASSED=$((PASSED + 1))
        record "$name" PASS "$seconds"
    elif [ "$status" -eq "$EXIT_SKIP" ]; then
        RESULTS+=("SKIP $name (pending)")
        SKIPPED=$((SKIPPED + 1))
        record "$name" SKIP 0
    else
        RESULTS+=("FAIL $name (${seconds}s)")
        FAILED=$((FAILED + 1))
        record "$name" FAIL "$seconds"
    fi
}

# The word tally gives a status (a failure's exit status with it: a test that died without
# its report, e.g. killed, shows here).
verdict() {
    case $1 in
        0) echo PASS ;;
        "$EXIT_SKIP") echo SKIP ;;
        *) echo "FAIL (exit $1)" ;;
    esac
}

summary() {
    echo "=== system tests (firmware ${BIOS:-target/bios.bin}, $1)"
    # By name, whatever order they ran in.
    printf '%s\n' "${RESULTS[@]}" | sort -k2,2
    echo "system: $PASSED passed, $FAILED failed, $SKIPPED skipped"
}

# --- one at a time -------------------------------------------------------------------------
run_serial() {
    local file name start status
    for file in "$@"; do
        name=$(basename "$file" .sh)
        echo "=== $name"
        start=$SECONDS
        status=0
        bash "$file" || status=$?
        tally "$name" "$status" $((SECONDS - start))
    done
}

# --- at once -------------------------------------------------------------------------------

# expected_seconds FILE: how long the test is likely to take: its last result's seconds (a
# SKIP's 0 included), else the guess for its bed.
expected_seconds() {
    local name result seconds rest
    name=$(basename "$1" .sh)
    if [ -f "$RESULTS_DIR/$name" ] && read -r result seconds rest <"$RESULTS_DIR/$name" \
        && [[ $result =~ ^(PASS|FAIL|SKIP)$ ]] && [[ $seconds =~ ^[0-9]+$ ]]; then
        echo "$seconds"
        return
    fi
    case $name in
        realxen-*) echo "$GUESS_REALXEN_SECONDS" ;;
        xen-*) echo "$GUESS_XEN_SECONDS" ;;
        *) echo "$GUESS_PLAIN_SECONDS" ;;
    esac
}

# longest_first FILE...: the files, the longest expected first (then by name), each once.
longest_first() {
    local file
    for file in "$@"; do
        printf '%s %s\n' "$(expected_seconds "$file")" "$file"
    done | sort -u -k2,2 | sort -s -k1,1nr -k2,2 | cut -d' ' -f2-
}

# prepare_step WHAT COMMAND...: build one shared thing, saying how long it took. A failure
# is reported, not counted: each test that needs it then builds it itself (the cache's lock
# keeps those builds one at a time) and fails on its own if it cannot.
prepare_step() {
    local what=$1 start=$SECONDS status=0
    shift
    "$@" >/dev/null || status=$?
    if [ "$status" -eq 0 ]; then
        echo "prepare: $what ($((SECONDS - start))s)"
    else
        echo "prepare: $what failed (status $status, $((SECONDS - start))s): the tests build it themselves"
    fi
}

# prepare FILE...: build what the tests share, before they start: every test boots the
# kernel (and its modules) of .cache, the xen-* ones the Xen bed's L1, the realxen-* ones the
# real-Xen bed's dom0 (~2 min on a fresh clone, and apt may need an update first), and the
# int13 probe's tests one image of it (tests/probe/build.sh, which has no lock of its own).
prepare() {
    local file name xen=0 realxen=0 probe=0
    for file in "$@"; do
        name=$(basename "$file" .sh)
        case $name in
            realxen-*) realxen=1 ;;
            xen-*) xen=1 ;;
        esac
        ! grep -qE 'tests/probe/|/\.\./probe/|xen_probe_disk' "$file" || probe=1
    done
    echo "=== prepare: what the tests share"
    prepare_step "the test kernel" bash -c 'source "$1/tests/system/lib.sh" && xb_kernel_dir' \
        _ "$ROOT"
    [ "$xen" = 0 ] || prepare_step "the Xen bed's L1" bash "$ROOT/tests/xen/bed.sh" build
    [ "$realxen" = 0 ] \
        || prepare_step "the real-Xen bed's dom0" bash "$ROOT/tests/realxen/bed.sh" build
    # The image tests/xen/lib.sh (xen_probe_disk), realxen-pv-int13-probe and int13-probe use.
    [ "$probe" = 0 ] || prepare_step "the int13 probe's image" \
        env PROBE_DISK_MIB=64 bash "$ROOT/tests/probe/build.sh" "$ROOT/target/probe/probe-64M.img"
}

# The tests running now: pid -> name, and when each started.
declare -A RUNNING_NAME=() RUNNING_START=()

# start_test FILE: run the test in the background, its output in its log.
start_test() {
    local file=$1 name
    name=$(basename "$file" .sh)
    mkdir -p "$OUTPUT_DIR"
    bash "$file" </dev/null >"$OUTPUT_DIR/$name.log" 2>&1 &
    RUNNING_NAME[$!]=$name
    RUNNING_START[$!]=$SECONDS
    echo "--- $name started (${#RUNNING_NAME[@]} running)"
}

# stop_tests SIGNAL: end the running tests (their EXIT traps end their VMs) and wait for them.
stop_tests() {
    local pid
    for pid in "${!RUNNING_NAME[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${!RUNNING_NAME[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    echo "run: stopped by SIG$1 with ${#RUNNING_NAME[@]} test(s) running" >&2
    exit $((128 + $(kill -l "$1")))
}

# next_ended: ENDED, the pid of a running test that ended, once one has. (Not `wait -n`:
# bash's misses a job that ended before it was called, and the last one would wait for ever.
# Not a command substitution either: a signal's trap would wait for it.)
next_ended() {
    local pid
    while :; do
        for pid in "${!RUNNING_NAME[@]}"; do
            if ! kill -0 "$pid" 2>/dev/null; then
                ENDED=$pid
                return
            fi
        done
        sleep "$POLL_SECONDS"
    done
}

run_parallel() {
    local queue pid status name seconds
    mapfile -t queue < <(longest_first "$@")
    prepare "${queue[@]}"
    trap 'stop_tests INT' INT
    trap 'stop_tests TERM' TERM
    echo "=== ${#queue[@]} tests, $XB_JOBS at a time (each one's output when it ends)"
    while [ "${#queue[@]}" -gt 0 ] || [ "${#RUNNING_NAME[@]}" -gt 0 ]; do
        while [ "${#queue[@]}" -gt 0 ] && [ "${#RUNNING_NAME[@]}" -lt "$XB_JOBS" ]; do
            start_test "${queue[0]}"
            queue=("${queue[@]:1}")
        done
        next_ended
        pid=$ENDED
        status=0
        wait "$pid" || status=$?
        name=${RUNNING_NAME[$pid]}
        seconds=$((SECONDS - RUNNING_START[$pid]))
        unset "RUNNING_NAME[$pid]" "RUNNING_START[$pid]"
        echo "=== $name: $(verdict "$status") after ${seconds}s (output $OUTPUT_DIR/$name.log)"
        cat "$OUTPUT_DIR/$name.log"
        tally "$name" "$status" "$seconds"
    done
    trap - INT TERM
}

main() {
    local tests=() arg
    if [ $# -eq 0 ]; then
        mapfile -t tests < <(all_tests)
    else
        for arg in "$@"; do
            tests+=("$(test_file "$arg")")
        done
    fi
    if [ "${#tests[@]}" -eq 0 ]; then
        echo "run: no system tests found in $HERE" >&2
        exit 1
    fi
    if [[ ! $XB_JOBS =~ ^[1-9][0-9]*$ ]]; then
        echo "run: XB_JOBS wants a number of tests at once (1 or more), not '$XB_JOBS'" >&2
        exit 1
    fi

    local start=$SECONDS
    if [ "$XB_JOBS" = 1 ]; then
        run_serial "${tests[@]}"
    else
        run_parallel "${tests[@]}"
    fi
    summary "$XB_JOBS at a time, $((SECONDS - start))s"
    [ "$FAILED" -eq 0 ]
}

main "$@"
