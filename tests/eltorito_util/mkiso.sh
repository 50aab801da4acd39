#!/usr/bin/env bash
# Build the El Torito test discs of tests/eltorito.rs into OUT_DIR, with Debian's xorriso,
# isolinux, syslinux-common, mtools and fdisk (scripts/setup.sh installs them):
#   isolinux.iso  ISOLINUX as xorriso's documentation and Debian's installers make it: no
#                 emulation, 4 virtual sectors, a boot info table
#   floppy.iso    a 1.44 MB diskette image (floppy emulation, chosen by the image's size)
#   harddisk.iso  a one-partition disk image (hard-disk emulation)
#   hybrid.iso    ISOLINUX as the default entry, an EFI image in a section (grub-mkrescue's
#                 and the hybrid installers' layout)
#   efi.iso       only the EFI image: its catalog has no x86 entry
# and the boot files they hold (isolinux.bin, floppy.img, harddisk.img) to compare with.
# Exits with 77 (automake's "skipped") and says why when a tool is missing.
#   tests/eltorito_util/mkiso.sh OUT_DIR
set -euo pipefail

SKIP=77
ISOLINUX_BIN=/usr/lib/ISOLINUX/isolinux.bin
LDLINUX_C32=/usr/lib/syslinux/modules/bios/ldlinux.c32
# ISOLINUX's documented load size: 4 virtual sectors, one CD sector.
BOOT_LOAD_SIZE=4
FLOPPY_KIB=1440
SECTOR=512
# The disk image: 2 MiB, one FAT16 partition from sector 63 (a CHS-aligned layout, which
# hard-disk emulation takes its geometry from).
DISK_SECTORS=4096
PART_START=63
PART_TYPE_FAT16=06

out=${1:?usage: $0 OUT_DIR}
for tool in xorriso mformat sfdisk; do
    command -v "$tool" >/dev/null || { echo "mkiso: no $tool (scripts/setup.sh installs it)"; exit $SKIP; }
done
for f in "$ISOLINUX_BIN" "$LDLINUX_C32"; do
    [ -e "$f" ] || { echo "mkiso: no $f (packages isolinux, syslinux-common)"; exit $SKIP; }
done

mkdir -p "$out"
work=$(mktemp -d "$out/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
export MTOOLS_SKIP_CHECK=1

# xorriso -as mkisofs, quietly (it prints its banner on stderr even with -quiet).
mkiso() { xorriso -as mkisofs -quiet "$@" 2>"$work/xorriso.log" || { cat "$work/xorriso.log" >&2; exit 1; }; }

mkdir -p "$work/iso/isolinux"
cp "$ISOLINUX_BIN" "$LDLINUX_C32" "$work/iso/isolinux/"
printf 'DEFAULT none\nLABEL none\n  KERNEL /none\n' >"$work/iso/isolinux/isolinux.cfg"
cp "$ISOLINUX_BIN" "$out/isolinux.bin"
isolinux=(-b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot
    -boot-load-size "$BOOT_LOAD_SIZE" -boot-info-table)
mkiso -o "$out/isolinux.iso" "${isolinux[@]}" "$work/iso"

rm -f "$out/floppy.img"
mformat -C -f "$FLOPPY_KIB" -i "$out/floppy.img" ::
mkdir -p "$work/floppy"
cp "$out/floppy.img" "$work/floppy/"
mkiso -o "$out/floppy.iso" -b floppy.img -c boot.cat "$work/floppy"

dd if=/dev/zero of="$out/harddisk.img" bs="$SECTOR" count="$DISK_SECTORS" status=none
echo "start=$PART_START, type=$PART_TYPE_FAT16, bootable" | sfdisk -q "$out/harddisk.img"
mkdir -p "$work/harddisk"
cp "$out/harddisk.img" "$work/harddisk/"
mkiso -o "$out/harddisk.iso" -b harddisk.img -hard-disk-boot -c boot.cat "$work/harddisk"

# The floppy image stands in for an EFI system partition image: only its place matters.
cp "$out/floppy.img" "$work/iso/efi.img"
mkiso -o "$out/hybrid.iso" "${isolinux[@]}" -eltorito-alt-boot -e efi.img -no-emul-boot "$work/iso"
mkiso -o "$out/efi.iso" -e efi.img -no-emul-boot -c boot.cat "$work/iso"
