#!/usr/bin/env bash
# The compatibility matrix: which loaders boot from which disks in which launch mode, written
# to docs/compatibility.md from the system tests' results (never by hand).
#   scripts/compat-matrix.sh            run the system tests behind the rows, then write it
#   scripts/compat-matrix.sh --reuse    write it from the last results tests/system/run.sh kept
#                                       (target/system-tests/results/), running nothing
#   BIOS=...                            as for the tests (a --reuse takes each result as it is)
# A row is one launch mode (plain QEMU -bios, QEMU's Xen emulation on the nested bed, real Xen
# with hvmloader), one loader (SYSLINUX, GRUB 2, the int13 probe) and one disk (IDE, a PV disk
# that has an emulated twin, a PV-only disk, a PV CD-ROM). Its test is the system test that
# covers it, and what the row checked is that test's own description (the comment at its top);
# a row without a test says why (not applicable, or not covered yet).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=docs/compatibility.md
RESULTS=${XB_LOG_DIR:-$ROOT/target/system-tests}/results

# launch | loader | disk | test, or "-" and the reason there is none
readonly ROWS=(
    "plain QEMU|SYSLINUX|IDE|boot-syslinux"
    "plain QEMU|GRUB 2|IDE|boot-grub"
    "plain QEMU|int13 probe|IDE|int13-probe"
    "plain QEMU|QEMU -kernel (linuxboot_dma)|none|boot-kernel"
    "plain QEMU|QEMU -kernel, no fw_cfg DMA (linuxboot)|none|boot-kernel-nodma"
    "plain QEMU|QEMU -kernel, multiboot (Xen, multiboot_dma)|none|boot-multiboot"
    "plain QEMU|ISOLINUX (no emulation)|IDE CD-ROM|boot-cd-isolinux"
    "plain QEMU|GRUB 2 rescue CD (grub-mkrescue)|IDE CD-ROM|boot-cd-grub"
    "plain QEMU|memtest86+ (floppy emulation)|IDE CD-ROM|boot-cd-floppy"
    "plain QEMU|SYSLINUX (hard-disk emulation)|IDE CD-ROM|boot-cd-hdemu"
    "plain QEMU|int13 probe|IDE CD-ROM|int13-probe-cd"
    "plain QEMU|Linux on the firmware's own ACPI tables (2 vCPUs, INTx via _PRT, _S5)|IDE|acpi-own"
    "plain QEMU|any|PV, PV-only, PV CD-ROM|-|not applicable: no Xen, no PV disks"
    "QEMU Xen emulation|SYSLINUX|IDE|xen-plain-boot"
    "QEMU Xen emulation|GRUB 2|IDE|-|not covered yet"
    "QEMU Xen emulation|int13 probe|IDE|xen-int13-probe"
    "QEMU Xen emulation|QEMU -kernel (linuxboot_dma)|none|xen-boot-kernel"
    "QEMU Xen emulation|SYSLINUX|PV (emulated twin hidden)|xen-pv-twins"
    "QEMU Xen emulation|SYSLINUX|PV-only|xen-pv-syslinux"
    "QEMU Xen emulation|GRUB 2|PV-only|xen-pv-grub"
    "QEMU Xen emulation|int13 probe|PV-only|xen-pv-int13-probe"
    "QEMU Xen emulation|ISOLINUX (no emulation)|IDE CD-ROM|xen-ide-cdrom"
    "QEMU Xen emulation|ISOLINUX (no emulation)|PV CD-ROM (xen-cdrom)|xen-pv-cdrom"
    "QEMU Xen emulation|Linux on the firmware's own ACPI tables (2 vCPUs, _S5)|PV-only|xen-acpi-own"
    "real Xen + hvmloader|SYSLINUX|IDE|realxen-syslinux"
    "real Xen + hvmloader|GRUB 2|IDE|realxen-grub"
    "real Xen + hvmloader|SYSLINUX|PV, blkback (emulated twin hidden)|realxen-pv-syslinux"
    "real Xen + hvmloader|GRUB 2|PV, qdisk (emulated twin hidden)|realxen-pv-qdisk"
    "real Xen + hvmloader|GRUB 2|PV-only (xvde)|realxen-pv-only"
    "real Xen + hvmloader|int13 probe|IDE|-|not covered yet"
    "real Xen + hvmloader|QEMU -kernel (xl kernel=)|none|-|not covered yet"
    "real Xen + hvmloader|int13 probe|PV, blkback (emulated twin hidden)|realxen-pv-int13-probe"
    "real Xen + hvmloader|ISOLINUX (no emulation), boot=\"d\"|hdc,cdrom|realxen-cdrom"
    "real Xen, direct (no hvmloader)|SYSLINUX|PV, blkback (emulated twin hidden)|realxen-direct-syslinux"
    "real Xen, direct (no hvmloader)|GRUB 2|PV-only (xvde)|realxen-direct-pv-only"
    "real Xen, direct (no hvmloader)|int13 probe|PV, blkback (emulated twin hidden)|realxen-direct-int13-probe"
    "real Xen, direct (no hvmloader)|Linux reads the firmware's ACPI tables (hap=0, 2 vCPUs)|PV, blkback (emulated twin hidden)|realxen-direct-linux-acpi"
)

log() { echo "compat-matrix: $*" >&2; }

# The tests the rows name, each once.
row_tests() {
    local row
    for row in "${ROWS[@]}"; do
        IFS='|' read -r _ _ _ test _ <<<"$row"
        [ "$test" = - ] || echo "$test"
    done | awk '!seen[$0]++'
}

# What a test checks: its header comment (after the shebang), as one line.
described() {
    sed -n '2,/^[^#]/p' "tests/system/$1.sh" | sed -n 's/^# \{0,1\}//p' | tr '\n' ' ' \
        | sed 's/ *$//; s/|/\\|/g'
}

# A test's last result: "pass", "fail", "skipped" or "not run", and when and how long.
result() {
    local file=$RESULTS/$1 status seconds when
    if [ ! -s "$file" ]; then
        echo "not run|"
        return
    fi
    read -r status seconds when _ <"$file"
    case $status in
        PASS) echo "pass|${seconds}s, $when" ;;
        FAIL) echo "**fail**|${seconds}s, $when" ;;
        *) echo "skipped|$when" ;;
    esac
}

versions() {
    local xen kver
    kver=$(cat .cache/kernel-version 2>/dev/null || echo unknown)
    xen=$(cat .cache/realxen/dom0-*/versions 2>/dev/null | awk '/^xen-hypervisor/ { print $2; exit }')
    echo "- QEMU: $(qemu-system-x86_64 --version | head -n 1)"
    echo "- Xen (real-Xen bed, Debian's xen-hypervisor-4.17-amd64): ${xen:-not built here}"
    echo "- Linux: $kver (the loaders' kernel; the real-Xen bed's dom0)"
    echo "- Firmware: $(git describe --always --dirty 2>/dev/null || echo unknown) (\`${BIOS:-target/bios.bin}\`)"
}

write() {
    local row launch loader disk test why r status when
    {
        echo "# Compatibility matrix"
        echo
        echo "Generated by \`scripts/compat-matrix.sh\` on $(date -u +%Y-%m-%d) from the system tests'"
        echo "results (\`tests/system/run.sh\`); do not edit by hand. Each row is one system test: what"
        echo "it checked is the test's own description. A result has the test's time and date."
        echo
        versions
        echo
        echo "| launch | loader | disk | result | test | what was checked |"
        echo "| --- | --- | --- | --- | --- | --- |"
        for row in "${ROWS[@]}"; do
            IFS='|' read -r launch loader disk test why <<<"$row"
            if [ "$test" = - ]; then
                echo "| $launch | $loader | $disk | n/a | | $why |"
                continue
            fi
            r=$(result "$test")
            status=${r%%|*}
            when=${r#*|}
            echo "| $launch | $loader | $disk | $status${when:+ ($when)} | \`$test\` | $(described "$test") |"
        done
    } >"$OUT"
    log "wrote $OUT"
}

main() {
    local reuse=0
    case ${1:-} in
        --reuse) reuse=1 ;;
        "") ;;
        *) echo "usage: $0 [--reuse]" >&2; exit 2 ;;
    esac
    local tests
    mapfile -t tests < <(row_tests)
    local status=0
    if [ "$reuse" = 0 ]; then
        log "running ${tests[*]}"
        bash tests/system/run.sh "${tests[@]}" || status=$?
    fi
    write
    exit "$status"
}

main "$@"
