#!/usr/bin/env bash
# Run the system tests one after the other (QEMU under TCG wants a whole core) and summarise.
#   tests/system/run.sh                   every test: tests/system/*.sh but the helpers
#   tests/system/run.sh boot-grub ...     the named tests (a name, a file name or a path)
#   BIOS=/usr/share/seabios/bios.bin tests/system/run.sh     the same tests under SeaBIOS
#   XB_RUN_PENDING=1 tests/system/run.sh xen-vbds             run a pending test too
# The xen-* tests boot on the Xen bed (tests/xen/: QEMU's Xen emulation in a nested VM).
# Each test prints its own PASS or FAIL line (with the logs when it fails), or SKIP when it
# exits 77 (a pending test, see tests/xen/lib.sh); this prints one line per test and
# "system: N passed, N failed, N skipped" at the end, and exits 1 if any test failed.
# Each test's last result is also kept in target/system-tests/results/<name> ("PASS|FAIL|SKIP
# <seconds> <date> <firmware>"), which scripts/compat-matrix.sh reads.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# Files here that are not tests: the harness, the image builders and this runner.
HELPERS=(lib.sh images.sh run.sh)
# A test's exit status when it did not run (automake's convention).
readonly EXIT_SKIP=77
RESULTS_DIR=${XB_LOG_DIR:-$HERE/../../target/system-tests}/results

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

    local results=() passed=0 failed=0 skipped=0 file name start status
    for file in "${tests[@]}"; do
        name=$(basename "$file" .sh)
        echo "=== $name"
        start=$SECONDS
        status=0
        bash "$file" || status=$?
        if [ "$status" -eq 0 ]; then
            results+=("PASS $name ($((SECONDS - start))s)")
            passed=$((passed + 1))
            record "$name" PASS $((SECONDS - start))
        elif [ "$status" -eq "$EXIT_SKIP" ]; then
            results+=("SKIP $name (pending)")
            skipped=$((skipped + 1))
            record "$name" SKIP 0
        else
            results+=("FAIL $name ($((SECONDS - start))s)")
            failed=$((failed + 1))
            record "$name" FAIL $((SECONDS - start))
        fi
    done

    echo "=== system tests (firmware ${BIOS:-target/bios.bin})"
    printf '%s\n' "${results[@]}"
    echo "system: $passed passed, $failed failed, $skipped skipped"
    [ "$failed" -eq 0 ]
}

main "$@"
