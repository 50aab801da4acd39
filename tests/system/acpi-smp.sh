#!/usr/bin/env bash
# ACPI, SMBIOS and SMP through the firmware: SYSLINUX boots the Debian kernel on a 2-CPU
# machine. The kernel must find QEMU's ACPI tables (RSDP, FACP, DSDT) where the firmware put
# them, print QEMU's SMBIOS strings on its DMI line, bring up both CPUs (from the MADT), and
# power the VM off through ACPI at the end (QEMU exits by itself: status 0, not "killed").
source "$(dirname "$0")/lib.sh"

name=acpi-smp
kver=$(xb_kver)
initrd=$(xb_initramfs --check "$XB_ROOT/tests/system/checks/platform")
disk=$(xb_syslinux_disk "$initrd")
lines=(
    "DMI: QEMU Standard PC"
    "ACPI: RSDP"
    "ACPI: FACP"
    "ACPI: DSDT"
    "smp: Brought up 1 node, 2 CPUs"
    "XENBIOS-PLATFORM: cpus online 0-1"
    "XENBIOS-PLATFORM: acpi tables "
    "XENBIOS-PLATFORM: dmi bios "
    "$XB_INITRAMFS_MARKER $kver"
)
echo "boot $name: $(basename "$disk") with $BIOS, -smp 2"
if xb_boot "$name" "$disk" "${lines[-1]}" -smp 2; then
    if ! missing=$(xb_in_order "$XB_SERIAL" "${lines[@]}"); then
        XB_REASON="marker seen, but $missing"
    elif [ "$XB_QEMU_STATUS" != 0 ]; then
        XB_REASON="the guest did not power the VM off (QEMU status $XB_QEMU_STATUS)"
    else
        echo "PASS $name: marker after ${XB_ELAPSED}s, powered off (QEMU status 0)"
        grep -aE "DMI:|ACPI: (RSDP|FACP|DSDT)|smp: Brought up|XENBIOS-PLATFORM" "$XB_SERIAL" \
            | tr -d '\r' | sed 's/^/    /'
        exit 0
    fi
fi
xb_report "$name"
exit 1
