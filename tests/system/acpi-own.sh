#!/usr/bin/env bash
# The firmware's own ACPI tables under QEMU (fw_cfg opt/org.xenbios/acpi=own, docs/acpi.md):
# SYSLINUX boots the Debian kernel on a 2-CPU machine with a virtio-rng device that has no MSI-X
# vectors. The kernel must find the firmware's RSDP, FACP, DSDT and MADT, bring up both CPUs,
# print no ACPI error or warning (the DSDT's AML runs: _PRT, link devices, _STA, _CRS), route
# the virtio device's INTx through the DSDT's _PRT in APIC mode and take interrupts on it, and
# power the VM off through \_S5 at the end (QEMU exits by itself: status 0).
source "$(dirname "$0")/lib.sh"

name=acpi-own
kver=$(xb_kver)
initrd=$(xb_initramfs --module virtio-rng --check "$XB_ROOT/tests/system/checks/platform" \
    --check "$XB_ROOT/tests/system/checks/pci-irq")
disk=$(xb_syslinux_disk "$initrd")
lines=(
    "000024 (v02 XENBIO)"
    "ACPI: XSDT"
    "ACPI: FACP"
    "ACPI: DSDT"
    "ACPI: FACS"
    "ACPI: APIC"
    "smp: Brought up 1 node, 2 CPUs"
    "PCI: Using ACPI for IRQ routing"
    "XENBIOS-IRQ: hwrng virtio_rng"
    "XENBIOS-PLATFORM: cpus online 0-1"
    "XENBIOS-PLATFORM: acpi tables APIC DSDT FACP FACS HPET "
    "$XB_INITRAMFS_MARKER $kver"
)
errors='ACPI Error|ACPI Warning|ACPI BIOS Error|ACPI BIOS Warning|AE_|_PRT'
echo "boot $name: $(basename "$disk") with $BIOS, -smp 2, own ACPI tables"
if xb_boot "$name" "$disk" "${lines[-1]}" -smp 2 \
    -fw_cfg name=opt/org.xenbios/acpi,string=own \
    -device virtio-rng-pci,vectors=0; then
    # The virtio line of /proc/interrupts: "IRQ: count per CPU... IO-APIC pin-fasteoi virtioN".
    irq=$(grep -aE "XENBIOS-IRQ: +[0-9]+:.*virtio" "$XB_SERIAL" | tr -d '\r' | head -1)
    count=$(awk '{ n = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i; else break; print n }' \
        <<<"${irq#XENBIOS-IRQ: }")
    if ! missing=$(xb_in_order "$XB_SERIAL" "${lines[@]}"); then
        XB_REASON="marker seen, but $missing"
    elif bad=$(grep -aE "$errors" "$XB_SERIAL" | grep -av "XENBIOS-" | head -3) && [ -n "$bad" ]; then
        XB_REASON="ACPI complaints: $bad"
    elif [[ "$irq" != *IO-APIC* ]] || [ "${count:-0}" -le 0 ]; then
        XB_REASON="no INTx interrupt counted on the virtio device: '${irq:-no line}'"
    elif [ "$XB_QEMU_STATUS" != 0 ]; then
        XB_REASON="the guest did not power the VM off (QEMU status $XB_QEMU_STATUS)"
    else
        echo "PASS $name: marker after ${XB_ELAPSED}s, $count virtio INTx interrupts, powered off"
        grep -aE "ACPI: (RSDP|XSDT|FACP|DSDT|FACS|APIC|HPET)|smp: Brought up|IRQ routing|XENBIOS-(PLATFORM|IRQ)" \
            "$XB_SERIAL" | tr -d '\r' | sed 's/^/    /'
        exit 0
    fi
fi
xb_report "$name"
exit 1
