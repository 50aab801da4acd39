#!/usr/bin/env bash
# int13 read speed on the Xen bed (tests/xen/bed.sh): a boot program (scripts/bench/bench.S)
# reads its whole disk with int13 AH=42h in 127-sector calls and prints bytes per second and
# the time from reset to its boot sector. In one nested run (one L1 boot):
#   1. Debian's SeaBIOS with the disk as the emulated IDE disk (L1's command, before L2),
#   2. this firmware with the same image as Xen PV disk xvda (the bed's L2), no IDE disk;
# same QEMU (Xen emulation, KVM in L1), same memory, same default devices (VGA, CD-ROM).
# Prints the figures and the ratio.
# A benchmark, not a test: it passes or fails nothing.
#
#   scripts/bench-int13.sh            (BIOS=target/bios.bin, SEABIOS=bios-256k.bin,
#                                      BENCH_DISK_MIB=16, BENCH_OUT=target/bench)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BIOS=${BIOS:-$root/target/bios.bin}
SEABIOS=${SEABIOS:-/usr/share/seabios/bios-256k.bin}
mib=${BENCH_DISK_MIB:-16}
out=${BENCH_OUT:-$root/target/bench}
mkdir -p "$out"

# The boot program and its disk: the program in the first sectors, zeros after.
as --32 -o "$out/bench.o" scripts/bench/bench.S
ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o "$out/bench.bin" "$out/bench.o"
img=$out/bench-${mib}M.img
rm -f "$img"
truncate -s "${mib}M" "$img"
dd if="$out/bench.bin" of="$img" conv=notrunc status=none

source tests/xen/bed.sh
# SeaBIOS's run, in L1 before L2: the bed's own QEMU settings, the image on IDE.
seabios_log=$XBED_SHARE_DIR/seabios-serial.log
seabios_run="qemu-system-x86_64 -accel kvm,xen-version=$XBED_XEN_VERSION,kernel-irqchip=split \
-M pc -cpu host -m $XBED_L2_MIB -bios $SEABIOS -display none -no-reboot -monitor none \
-nic none -serial file:$seabios_log -device isa-debug-exit,iobase=$XBED_DEBUG_EXIT_PORT,iosize=4 \
-drive file=$XBED_SHARE_DIR/files/$(basename "$img"),format=raw,if=ide,index=0,file.locking=off \
-snapshot"

echo "bench: $mib MiB, SeaBIOS ($SEABIOS) on IDE, then $BIOS on xvda, in one nested run"
status=0
tests/xen/bed.sh run --bios "$BIOS" --xen-disk "xvda=$img" --out "$out/run" --timeout 1200 \
    --quiet --l1-command "$seabios_run" -- -snapshot || status=$?

# figure LOG KEY: the number after KEY= on the log's BENCH lines.
figure() {
    tr -d '\r' <"$1" 2>/dev/null | grep -a '^BENCH' | grep -oE "(^| )$2=[0-9]+" | cut -d= -f2 | head -1
}
report() {
    local who=$1 log=$2
    if ! grep -qa '^BENCH done' "$log" 2>/dev/null; then
        echo "$who: no result ($(tr -d '\r' <"$log" 2>/dev/null | grep -a '^BENCH' | tail -1))"
        return 1
    fi
    printf '%-8s %6s ms for %s bytes: %12s bytes/s; reset to boot sector %6s ms\n' "$who" \
        "$(figure "$log" ms)" "$(figure "$log" bytes)" "$(figure "$log" bytes-per-s)" \
        "$(figure "$log" boot-ms)"
}
ok=1
report SeaBIOS "$out/run/seabios-serial.log" || ok=0
report xenbios "$out/run/serial.log" || ok=0
echo "images: xenbios $(stat -c %s "$BIOS") bytes ($BIOS), SeaBIOS $(stat -c %s "$SEABIOS") bytes"
if [ "$ok" = 1 ]; then
    sea=$(figure "$out/run/seabios-serial.log" bytes-per-s)
    xen=$(figure "$out/run/serial.log" bytes-per-s)
    echo "ratio: xenbios/SeaBIOS = $(echo "scale=2; $xen / $sea" | bc)"
fi
echo "logs: $out/run (bed exit status $status)"
