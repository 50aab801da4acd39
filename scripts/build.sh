#!/usr/bin/env bash
# Build the firmware image: target/bios.bin (128 KiB, mapped at 0xe0000-0xfffff), and the same
# image as target/xenbios.elf for Xen's domain builder (xl.cfg firmware=, no hvmloader).
#   XENBIOS_LOG=error|warn|info|debug|trace   compile-time log level (default info)
#
# 1. tools/pack (host): the packing tool.
# 2. The firmware (x86-bios.json), linked through scripts/link.sh: tools/pack decides which
#    code runs only during POST and lists it for linker.ld (target/link/post-*.ld; why:
#    target/link/post-split.txt), then ld links target/bios.elf.
# 3. tools/pack checks every reference in bios.elf (nothing at runtime may point into POST
#    code), compresses the runtime and POST parts and writes target/bios.bin.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mkdir -p target/link
export RUSTC_BOOTSTRAP=1

cargo build --release -p xenbios-pack --bin xenbios-pack
export XENBIOS_PACK=$root/target/release/xenbios-pack
export XENBIOS_LINK_DIR=$root/target/link

# Panic messages without file:line:column (the message stays): 1.3 KiB of the 128 KiB image.
export RUSTFLAGS="${RUSTFLAGS:-} -Zlocation-detail=none -C linker=$root/scripts/link.sh"
cargo build --release --bin xenbios \
    -Zjson-target-spec -Zbuild-std=core -Zbuild-std-features=compiler-builtins-mem \
    --target x86-bios.json
elf=target/x86-bios/release/xenbios
cp "$elf" target/bios.elf
"$XENBIOS_PACK" image target/bios.elf target/bios.bin | sed 's/^/build: /'
size=$(stat -c %s target/bios.bin)
if [ "$size" -ne 131072 ]; then
    echo "build: target/bios.bin is $size bytes, expected 131072" >&2
    exit 1
fi
# The same bytes in the ELF container Xen's domain builder loads (xl.cfg firmware=).
"$XENBIOS_PACK" container target/bios.elf target/bios.bin target/xenbios.elf | sed 's/^/build: /'
sym() { echo $((0x$(nm target/bios.elf | awk -v s="$1" '$3 == s {print $1}'))); }
low=$(( $(sym low_end) - $(sym ebda_start) ))
echo "build: target/bios.bin 131072 bytes; low area (EBDA, data, stack) $low bytes"
