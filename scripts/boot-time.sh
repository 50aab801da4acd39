#!/usr/bin/env bash
# Reset-to-boot-sector time under QEMU (TCG, as the system tests run): start QEMU with a
# disk and the firmware, wait for the firmware's line that it jumps to the boot sector on the
# debug console, kill QEMU, print the milliseconds since QEMU started. Several runs.
#   scripts/boot-time.sh [RUNS] [DISK]          xenbios (target/bios.bin)
#   BIOS=/usr/share/seabios/bios.bin scripts/boot-time.sh   SeaBIOS ("Booting from Hard Disk")
# DISK defaults to the newest SYSLINUX image the system tests built in .cache/images.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
disk=${2:-$(ls -t .cache/images/syslinux-*.img 2>/dev/null | head -1)}
bios=${BIOS:-target/bios.bin}
[ -f "$disk" ] || { echo "boot-time: no disk image (run tests/system/run.sh boot-syslinux once)" >&2; exit 1; }
case "$bios" in
    */seabios/*) line="Booting from Hard Disk" ;;
    *) line="[boot] booting" ;;
esac
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
for run in $(seq "$runs"); do
    log=$dir/fw-$run.log
    : >"$log"
    start=$(now_ms)
    qemu-system-x86_64 -accel tcg -M pc -m 512 -bios "$bios" -display none -no-reboot \
        -monitor none -nic none -serial null \
        -chardev "file,id=fw,path=$log" -device isa-debugcon,iobase=0x402,chardev=fw \
        -drive "file=$disk,format=raw,if=ide,snapshot=on" </dev/null >/dev/null 2>&1 &
    pid=$!
    until grep -qF -- "$line" "$log"; do
        if ! kill -0 "$pid" 2>/dev/null || [ $(( $(now_ms) - start )) -gt 60000 ]; then
            echo "boot-time: run $run: no '$line' line" >&2
            break
        fi
        sleep 0.005
    done
    end=$(now_ms)
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unpack=$(grep -o 'unpacked at reset in [0-9]* us' "$log" || true)
    echo "boot-time: run $run: $((end - start)) ms${unpack:+ ($unpack)}"
done
