#!/usr/bin/env bash
# El Torito floppy emulation: Debian's memtest86+ ISO, whose BIOS boot image is a 1.44 MB
# floppy, as QEMU's IDE CD-ROM with -boot d and no floppy drive. The firmware makes the image
# drive 00h; memtest's boot sector reads memtest through int13 CHS from it and starts testing.
# memtest writes only to the screen: a driver copies VGA text memory to screen.txt, where the
# test looks for memtest's title and its "Testing" status.
source "$(dirname "$0")/lib.sh"

name=boot-cd-floppy
readonly SCREEN_POLL_SECONDS=2
dir=$XB_LOG_DIR/$name
screen=$dir/screen.txt

copy_screen() {
    while sleep "$SCREEN_POLL_SECONDS"; do
        xb_screen_text "$screen.new" && mv "$screen.new" "$screen"
    done
}
XB_DRIVER=copy_screen
XB_MARKER_FILES=("$screen")
# memtest tests memory until someone stops it.
XB_GUEST_POWERS_OFF=0

rm -f "$screen"
echo "boot $name: $(basename "$XB_MEMTEST_ISO") with $BIOS"
if xb_boot "$name" "" "${XB_MEMTEST_SCREEN[-1]}" -cdrom "$XB_MEMTEST_ISO" -boot d \
    -global isa-fdc.fdtypeA=none; then
    if missing=$(xb_in_order "$screen" "${XB_MEMTEST_SCREEN[@]}"); then
        echo "PASS $name: memtest86+ is testing after ${XB_ELAPSED}s"
        grep -F "${XB_MEMTEST_SCREEN[0]}" "$screen" | sed 's/ *$//; s/^/    screen| /'
        exit 0
    fi
    XB_REASON="screen ($screen): $missing"
fi
xb_report "$name"
exit 1
