#!/usr/bin/env bash
# The project's int13 probe booted from a CD: an ISO whose El Torito no-emulation image is the
# probe, as QEMU's IDE CD-ROM with -boot d, an empty CD drive beside it. One checked line per
# CD call (2048-byte EDD reads, the catalog's LBA, 4B01h's specification packet, writes
# refused, no media). tests/probe/run.sh passes only on "PROBE DONE ... fail=0".
set -euo pipefail
PROBE_MEDIA=cd PROBE_OUT=${PROBE_OUT:-target/probe-cd} \
    exec "$(dirname "$0")/../probe/run.sh" "${BIOS:-target/bios.bin}"
