#!/usr/bin/env bash
# The project's int13 probe from an IDE disk: one checked line per int13 function
# (CHS, EDD 3.0, errors, a 127-sector read across a 64 KiB boundary, absent drives).
# tests/probe/run.sh builds the disk, boots it and passes only on "PROBE DONE ... fail=0".
set -euo pipefail
exec "$(dirname "$0")/../probe/run.sh" "${BIOS:-target/bios.bin}"
