#!/usr/bin/env bash
# Build the int13 probe's disk image: the probe (probe.S) in the first sectors, the LBA
# pattern (mkimage.c) in every other sector.
#
#   tests/probe/build.sh [OUT.img]        default: target/probe/probe.img
#   PROBE_DISK_MIB=N                      disk size in MiB (default 64: QEMU's IDE
#                                         geometry is then 130/16/63, untranslated)
#
# Rebuilds only when the sources, this script or the size changed (OUT.img.stamp).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/target/probe/probe.img}
mib=${PROBE_DISK_MIB:-64}

mkdir -p "$(dirname "$out")"
work="$(dirname "$out")/build"
mkdir -p "$work"

stamp="$out.stamp"
want=$( (echo "size=$mib"; cd "$here" && sha256sum probe.S probe.ld mkimage.c build.sh) )
if [ -f "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi

as --32 -o "$work/probe.o" "$here/probe.S"
ld -m elf_i386 -T "$here/probe.ld" -o "$work/probe.elf" "$work/probe.o"
objcopy -O binary "$work/probe.elf" "$work/probe.bin"
gcc -O2 -Wall -Wextra -o "$work/mkimage" "$here/mkimage.c"
"$work/mkimage" "$out.tmp" "$mib" "$work/probe.bin"
mv "$out.tmp" "$out"
echo "$want" > "$stamp"
echo "build: $out (${mib} MiB, probe $(stat -c %s "$work/probe.bin") bytes)"
