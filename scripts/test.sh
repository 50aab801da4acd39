#!/usr/bin/env bash
# Run every test (README command 2; CI runs it through .ci/run): install what is missing, build
# target/bios.bin, then the host tests, clippy, rustfmt and the system tests (boot loaders and a
# Debian kernel booted under QEMU, and the xen-* ones on the nested Xen bed, tests/xen/). Every
# step runs even after a failure; a summary follows and the exit status is 1 if any step failed.
#   BIOS=/usr/share/seabios/bios.bin scripts/test.sh   boot the system tests with SeaBIOS instead
set -euo pipefail
cd "$(dirname "$0")/.."

RESULTS=()
PASSED=0
FAILED=0

# step NAME COMMAND...: run COMMAND, record PASS or FAIL with its duration.
step() {
    local name=$1 start=$SECONDS status=0
    shift
    echo "=== $name: $*"
    "$@" || status=$?
    if [ "$status" -eq 0 ]; then
        RESULTS+=("PASS $name ($((SECONDS - start))s)")
        PASSED=$((PASSED + 1))
    else
        RESULTS+=("FAIL $name ($((SECONDS - start))s, exit $status)")
        FAILED=$((FAILED + 1))
    fi
    return "$status"
}

# skip NAME REASON: a step that could not run counts as failed.
skip() {
    echo "=== $1: not run: $2"
    RESULTS+=("FAIL $1 (not run: $2)")
    FAILED=$((FAILED + 1))
}

summary() {
    echo "=== summary"
    printf '%s\n' "${RESULTS[@]}"
    echo "test: $PASSED passed, $FAILED failed"
}

main() {
    if ! step setup bash scripts/setup.sh; then
        summary
        exit 1
    fi
    local built=1
    step build bash scripts/build.sh || built=0
    step cargo-test cargo test --workspace || true
    step clippy cargo clippy --workspace --all-targets -- -D warnings || true
    step rustfmt cargo fmt --all --check || true
    if [ "$built" = 1 ] || [ -n "${BIOS:-}" ]; then
        step system-tests bash tests/system/run.sh || true
    else
        skip system-tests "the firmware did not build"
    fi
    summary
    [ "$FAILED" -eq 0 ]
}

main "$@"
