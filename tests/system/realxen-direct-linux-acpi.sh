#!/usr/bin/env bash
# Real Xen, no hvmloader (xl.cfg `firmware=`), 2 vCPUs: SYSLINUX boots Debian's kernel from
# xvda, and the kernel finds the firmware's own tables: its RSDP in the F segment (OEM
# XENBIO), the FADT, DSDT and MADT, the PM timer at Xen's 0xb008, the IOAPIC, and the SMBIOS
# that names the firmware. Linux runs inside a guest on this bed only with shadow paging
# (xl.cfg hap = 0: with nested paging under TCG its page faults go wrong), and slowly, so the
# kernel's early lines are the check.
source "$(dirname "$0")/../realxen/lib.sh"

rx_boot_test realxen-direct-linux-acpi "${RX_DIRECT_LINES[@]}" \
    --firmware-re '^\[acpi\] own tables \(Xen\): RSDP at 0xf[0-9a-f]{4}, .* 2 CPU\(s\)' \
    --serial "Loading /initrd.gz...ok" \
    --serial-re 'DMI: Xen HVM domU, BIOS ' \
    --serial-re 'ACPI: RSDP 0x00000000000F[0-9A-F]{4} 000024 \(v02 XENBIO\)' \
    --serial-re 'ACPI: FACP 0x[0-9A-F]+ 0000F4 \(v03 XENBIO' \
    --serial-re 'ACPI: DSDT 0x[0-9A-F]+ [0-9A-F]+ \(v02 XENBIO' \
    --serial-re 'ACPI: APIC 0x[0-9A-F]+ [0-9A-F]+ \(v03 XENBIO' \
    --serial 'ACPI: PM-Timer IO Port: 0xb008' \
    --serial-re 'IOAPIC\[0\]: apic_id 0, version [0-9]+, address 0xfec00000' \
    -- --direct --disk "xvda=$(xb_syslinux_disk)" --cfg 'hap = 0' --cfg 'vcpus = 2'
