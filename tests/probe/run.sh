#!/usr/bin/env bash
# Boot the int13 probe under QEMU (TCG) with a BIOS and judge its output.
#
#   tests/probe/run.sh [BIOS]             default BIOS: target/bios.bin
#
# PASS (exit 0) when the probe prints "PROBE DONE pass=N fail=0" and QEMU exits with 33
# (isa-debug-exit 0x10). Otherwise prints the probe output and the firmware log, exit 1.
#
#   PROBE_EXPECT_FAIL="42.5 48.3"   the run passes if exactly these checks FAIL (and no
#                                   other): for a BIOS with known, documented differences,
#                                   e.g. SeaBIOS (see the top of probe.S)
#   PROBE_TIMEOUT=30                seconds before QEMU is killed
#   PROBE_OUT=target/probe          image, logs and the run's copy of the disk
#   PROBE_DISK_MIB=64               disk size (build.sh)
#   PROBE_MEDIA=cd                  boot the probe from a CD instead: an ISO whose El
#                                   Torito no-emulation image is the probe, as QEMU's IDE
#                                   CD-ROM with -boot d (the disk stays attached, an
#                                   empty CD drive follows); the probe then runs its CD
#                                   checks (CD.n)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

bios=${1:-target/bios.bin}
out=${PROBE_OUT:-target/probe}
timeout_s=${PROBE_TIMEOUT:-30}
expect_fail=${PROBE_EXPECT_FAIL:-}

# QEMU exit status for isa-debug-exit value v is (v << 1) | 1.
QEMU_EXIT_PASS=33
QEMU_EXIT_FAIL=35

if [ ! -f "$bios" ]; then
    echo "probe: no BIOS at $bios" >&2
    exit 1
fi
mkdir -p "$out"
img="$out/probe-${PROBE_DISK_MIB:-64}M.img"
"$here/build.sh" "$img" || { echo "probe: image build failed" >&2; exit 1; }

# The CD: the probe as a no-emulation boot image loaded whole (its size in 512-byte
# virtual sectors), in an ISO 9660 volume.
cd=()
if [ "${PROBE_MEDIA:-disk}" = cd ]; then
    bin="$out/build/probe.bin"
    iso="$out/probe.iso"
    isodir="$out/iso"
    rm -rf "$isodir" && mkdir -p "$isodir"
    cp "$bin" "$isodir/probe.bin"
    xorriso -as mkisofs -quiet -V PROBE -o "$iso" -b probe.bin -c boot.cat -no-emul-boot \
        -boot-load-size $(( $(stat -c %s "$bin") / 512 )) "$isodir" 2>/dev/null \
        || { echo "probe: ISO build failed" >&2; exit 1; }
    # ... and an empty CD drive after it, for the no-media check (CD.10).
    cd=(-drive "file=$iso,format=raw,if=ide,index=2,media=cdrom,readonly=on"
        -drive "if=ide,index=3,media=cdrom" -boot d)
fi

# The probe writes to its scratch area: boot a copy so the cached image stays pristine.
disk="$out/run.img"
cp "$img" "$disk"
log="$out/serial.log"
fwlog="$out/firmware.log"
rm -f "$log" "$fwlog"

# isa-debugcon at 0x402 catches SeaBIOS's log too (xenbios writes 0x402 and 0xe9).
# QEMU's pc machine has a floppy drive A by default: remove it, so check 02.9 ("floppy
# 0 when there is none") runs. A PCI-PCI bridge makes the last bus 1, which the PCI BIOS
# checks compare between the real-mode and 32-bit interfaces.
timeout --kill-after=5 "$timeout_s" \
    qemu-system-x86_64 -accel tcg -M pc -m 128 -bios "$bios" \
    -display none -no-reboot \
    -serial "file:$log" \
    -debugcon "file:$fwlog" -global isa-debugcon.iobase=0x402 \
    -device isa-debug-exit,iobase=0xf4,iosize=4 \
    -global isa-fdc.fdtypeA=none \
    -device pci-bridge,chassis_nr=1 \
    -drive "file=$disk,format=raw,if=ide,index=0" ${cd[@]+"${cd[@]}"}
rc=$?

show() {
    echo "---- probe output ($log) ----"
    cat "$log" 2>/dev/null
    echo "---- firmware log ($fwlog, last 60 lines) ----"
    tail -n 60 "$fwlog" 2>/dev/null
    echo "----"
}

done_line=$(grep -a '^PROBE DONE ' "$log" 2>/dev/null | tail -n 1)
fails=$(grep -a '^PROBE [0-9A-F][0-9A-F]\.[0-9]* .*  FAIL' "$log" 2>/dev/null \
        | awk '{print $2}' | sort | tr '\n' ' ' | sed 's/ $//')
want=$(echo "$expect_fail" | tr ' ' '\n' | grep -v '^$' | sort | tr '\n' ' ' | sed 's/ $//')

if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    show
    echo "probe: FAIL: QEMU timed out after ${timeout_s}s (${done_line:-no PROBE DONE line})"
    exit 1
fi
if [ -z "$done_line" ]; then
    show
    echo "probe: FAIL: no PROBE DONE line (QEMU exit $rc)"
    exit 1
fi
if [ -z "$want" ]; then
    if [[ "$done_line" =~ \ fail=0$ ]] && [ "$rc" -eq "$QEMU_EXIT_PASS" ]; then
        grep -a '^PROBE' "$log"
        echo "probe: PASS ($done_line, $bios)"
        exit 0
    fi
    show
    echo "probe: FAIL: $done_line, QEMU exit $rc; failed: ${fails:-none}"
    exit 1
fi
if [ "$fails" = "$want" ] && [ "$rc" -eq "$QEMU_EXIT_FAIL" ]; then
    grep -a '^PROBE' "$log"
    echo "probe: PASS with the expected failures ($want): $done_line, $bios"
    exit 0
fi
show
echo "probe: FAIL: failed checks '${fails}', expected '${want}'; QEMU exit $rc"
exit 1
