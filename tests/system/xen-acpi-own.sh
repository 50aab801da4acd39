#!/usr/bin/env bash
# The firmware's own ACPI tables on the Xen bed (QEMU's Xen emulation; forced with fw_cfg
# opt/org.xenbios/acpi=own, as a firmware started directly by Xen's domain builder builds
# them): SYSLINUX boots Debian's kernel from a Xen PV disk on 2 vCPUs. The kernel lists the
# firmware's RSDP, FACP, DSDT and MADT, brings up both CPUs, prints no ACPI error or warning,
# and powers L2 off through \_S5 at the end (L2's QEMU exits by itself with status 0).
source "$(dirname "$0")/../xen/lib.sh"

name=xen-acpi-own
kver=$(xb_kver)
initrd=$(xb_initramfs --check "$XB_ROOT/tests/system/checks/platform")
disk=$(xb_syslinux_disk "$initrd")
readonly ACPI_ERRORS='ACPI Error|ACPI Warning|ACPI BIOS Error|ACPI BIOS Warning|AE_|_PRT'

# --after: no complaint about the tables anywhere in the kernel's log.
no_acpi_complaints() {
    local bad
    bad=$(grep -aE "$ACPI_ERRORS" "$1/serial.log" | grep -av "XENBIOS-" | head -3) || true
    [ -z "$bad" ] || { echo "ACPI complaints: $bad"; return 1; }
}

expect=()
for line in "000024 (v02 XENBIO)" "ACPI: FACP" "ACPI: DSDT" "ACPI: APIC" \
    "smp: Brought up 1 node, 2 CPUs" "XENBIOS-PLATFORM: cpus online 0-1" \
    "$XB_INITRAMFS_MARKER $kver"; do
    expect+=(--serial "$line")
done
if xb_is_xenbios; then
    expect+=(--firmware-re '^\[acpi\] own tables \(QEMU\): RSDP at 0xf[0-9a-f]{4}, .* 2 CPU\(s\)'
        --firmware-re '^\[boot\] booting Xen PV disk xvda')
else
    echo "SKIP $name: the firmware's own tables are xenbios's (BIOS=$BIOS)"
    exit 77
fi
xen_boot_test "$name" "${expect[@]}" --exit 0 --after no_acpi_complaints \
    -- --xen-disk "xvda=$disk" --snapshot -- -smp 2 -fw_cfg name=opt/org.xenbios/acpi,string=own
