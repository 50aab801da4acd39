#!/usr/bin/env bash
# The boot menu: two disks (SYSLINUX as ata0 master, GRUB as ata0 slave) and a CD (the ISOLINUX
# ISO as ata1 master, listed after the disks), QEMU's
# `-boot menu=on,splash-time=...` and the std VGA. The test waits for "Press ESC for boot
# menu." on COM1, presses ESC on the PS/2 keyboard (monitor sendkey), checks the menu on COM1
# and in VGA text memory, takes a screenshot (target/system-tests/boot-menu/menu.png), presses
# 2, and expects the second disk to boot: GRUB's marker, and never SYSLINUX's banner.
source "$(dirname "$0")/lib.sh"

name=boot-menu
# Long enough for a loaded host to notice the prompt; the ESC ends the wait at once.
readonly SPLASH_MS=30000
readonly STEP_SECONDS=300
readonly MENU_LINES=("Select boot device:" "1. ata0 master: QEMU HARDDISK, 64 MiB"
    "2. ata0 slave: QEMU HARDDISK, 64 MiB" "3. ata1 master: QEMU DVD-ROM (CD-ROM, ")
dir=$XB_LOG_DIR/$name

drive_menu() {
    xb_wait_for "$XB_SERIAL" "Press ESC for boot menu." "$STEP_SECONDS" || return 1
    xb_monitor "sendkey esc"
    xb_wait_for "$XB_SERIAL" "ESC: normal boot order." "$STEP_SECONDS" || return 1
    xb_screen_text "$dir/menu.txt"
    xb_screenshot "$dir/menu.png"
    xb_monitor "sendkey 2"
}
XB_DRIVER=drive_menu

kver=$(xb_kver)
first=$(xb_syslinux_disk)
second=$(xb_grub_disk)
echo "boot $name: $(basename "$first") and $(basename "$second") with $BIOS"
if xb_boot "$name" "$first" "$XB_INITRAMFS_MARKER $kver" -vga std \
    -boot "menu=on,splash-time=$SPLASH_MS" \
    -drive "file=$second,format=raw,if=ide,index=1,media=disk,snapshot=on" \
    -drive "file=$(xb_isolinux_iso),format=raw,if=ide,index=2,media=cdrom,readonly=on"; then
    if grep -qF "${XB_SYSLINUX_LINES[0]}" "$XB_SERIAL"; then
        XB_REASON="the first disk booted (SYSLINUX's banner is on COM1)"
    elif ! missing=$(xb_in_order "$XB_SERIAL" "Press ESC for boot menu." "${MENU_LINES[@]}" \
        "Booting from ata0 slave" "$XB_GRUB_MARKER" "$XB_INITRAMFS_MARKER $kver"); then
        XB_REASON="COM1: $missing"
    elif ! missing=$(xb_in_order "$dir/menu.txt" "Press ESC for boot menu." "${MENU_LINES[@]}"); then
        XB_REASON="VGA text memory ($dir/menu.txt): $missing"
    elif [ ! -s "$dir/menu.png" ]; then
        XB_REASON="no screenshot at $dir/menu.png"
    else
        echo "PASS $name: second disk booted after ${XB_ELAPSED}s; menu on COM1 and screen ($dir/menu.png)"
        sed 's/ *$//' "$dir/menu.txt" | grep -v '^$' | sed 's/^/    screen| /'
        exit 0
    fi
fi
xb_report "$name"
exit 1
