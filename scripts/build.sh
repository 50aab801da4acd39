#!/usr/bin/env bash
# Build the firmware image: target/bios.bin (128 KiB, mapped at 0xe0000-0xfffff).
#   XENBIOS_LOG=error|warn|info|debug|trace   compile-time log level (default info)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
export RUSTC_BOOTSTRAP=1
# Panic messages without file:line:column (the message stays): 1.3 KiB of the 128 KiB image.
export RUSTFLAGS="${RUSTFLAGS:-} -Zlocation-detail=none"
cargo build --release --bin xenbios \
    -Zjson-target-spec -Zbuild-std=core -Zbuild-std-features=compiler-builtins-mem \
    --target x86-bios.json
elf=target/x86-bios/release/xenbios
cp "$elf" target/bios.elf
objcopy -O binary target/bios.elf target/bios.bin
size=$(stat -c %s target/bios.bin)
if [ "$size" -ne 131072 ]; then
    echo "build: target/bios.bin is $size bytes, expected 131072" >&2
    exit 1
fi
sym() { echo $((0x$(nm target/bios.elf | awk -v s="$1" '$3 == s {print $1}'))); }
free=$(( $(sym text16_lma) - $(sym data_end) + 0xfe000 - $(sym fseg_data_end) ))
low=$(( $(sym low_end) - $(sym ebda_start) ))
echo "build: target/bios.bin 131072 bytes, $free bytes free; low area (EBDA, data, stack) $low bytes"

