#!/usr/bin/env bash
# The demo (README command 1): install what is missing, build target/bios.bin, build a disk
# with SYSLINUX, a Debian kernel and a busybox initramfs, and boot it in QEMU with the firmware.
# The firmware log (debug port 0x402) and the serial console stream to this terminal; the
# initramfs prints its marker line and powers the VM off, and the script ends.
#   BIOS=/usr/share/seabios/bios.bin scripts/demo.sh   the same boot with SeaBIOS
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/build.sh

export XB_FOLLOW=1
source tests/system/lib.sh

disk=$(xb_syslinux_disk)
marker="$XB_INITRAMFS_MARKER $(xb_kver)"
echo "demo: booting $disk with $BIOS (QEMU, TCG); 'firmware|' is port 0x402, 'serial  |' is COM1"
if xb_boot demo "$disk" "$marker"; then
    echo "demo: the initramfs marker appeared after ${XB_ELAPSED}s; QEMU status $XB_QEMU_STATUS"
    echo "demo: logs in $XB_LOG_DIR/demo/"
else
    echo "demo: FAILED after ${XB_ELAPSED}s: $XB_REASON (QEMU status ${XB_QEMU_STATUS:-none})"
    echo "demo: logs in $XB_LOG_DIR/demo/ (qemu.log has the command line)"
    exit 1
fi
