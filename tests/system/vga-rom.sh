#!/usr/bin/env bash
# Option ROMs at POST: the std VGA's ROM (SeaVGABIOS, through its PCI ROM BAR) and an e1000's
# iPXE ROM (PnP, with a boot entry vector). SYSLINUX then boots the kernel as without ROMs; its
# int10 text reaches the screen through the VGA BIOS (checked in VGA text memory while it
# loads, screenshot in target/system-tests/vga-rom/screen.png), the firmware's own text goes
# to the screen and COM1, and iPXE joins the boot list after the disk and
# QEMU's CD drive (empty, listed as SeaBIOS lists it: class order hard disk, CD, network).
source "$(dirname "$0")/lib.sh"

name=vga-rom
readonly STEP_SECONDS=300
# Looks at the screen while SYSLINUX loads the kernel, until its banner shows there.
readonly SCREEN_TRIES=20
dir=$XB_LOG_DIR/$name

screen_while_syslinux() {
    xb_wait_for "$XB_SERIAL" "${XB_SYSLINUX_LINES[0]}" "$STEP_SECONDS" || return 1
    local i
    for ((i = 0; i < SCREEN_TRIES; i++)); do
        xb_screen_text "$dir/screen.txt" && grep -qF "SYSLINUX" "$dir/screen.txt" && break
        sleep 0.5
    done
    xb_screenshot "$dir/screen.png"
}
XB_DRIVER=screen_while_syslinux

kver=$(xb_kver)
disk=$(xb_syslinux_disk)
echo "boot $name: $(basename "$disk") with $BIOS"
if xb_boot "$name" "$disk" "$XB_INITRAMFS_MARKER $kver" -vga std \
    -netdev user,id=net0 -device e1000,netdev=net0; then
    if ! missing=$(xb_in_order "$XB_FWLOG" "Start SeaVGABIOS" \
        "[oprom] 00:02.0 1234:1111: 39936 bytes at c000:0000 initialised" \
        "[vga] VGA BIOS int10 at c000:" "[oprom] 00:03.0 8086:100e:" \
        "[oprom] 00:03.0 8086:100e: boot entry vector" "[boot] 1: ata0 master" \
        "[boot] 2: ata1 master: QEMU DVD-ROM (CD-ROM, no medium)" "[boot] 3: iPXE"); then
        XB_REASON="firmware log: $missing"
    elif ! missing=$(xb_in_order "$XB_SERIAL" "xenbios 0.1.0" "Booting from ata0 master" \
        "${XB_SYSLINUX_LINES[@]}" "$XB_INITRAMFS_MARKER $kver"); then
        XB_REASON="COM1: $missing"
    elif ! missing=$(xb_in_order "$dir/screen.txt" "xenbios 0.1.0" "iPXE" \
        "Booting from ata0 master" "SYSLINUX"); then
        XB_REASON="VGA text memory ($dir/screen.txt): $missing"
    else
        echo "PASS $name: marker after ${XB_ELAPSED}s; VGA BIOS and iPXE ran ($dir/screen.png)"
        sed 's/ *$//' "$dir/screen.txt" | grep -v '^$' | sed 's/^/    screen| /'
        exit 0
    fi
fi
xb_report "$name"
exit 1
