#!/usr/bin/env bash
# The loader's three ways in (tests/reentry/reentry.S): a cold boot (the file is ROM: the
# loader copies it to RAM), an hvmloader-style entry (the file copied to 0xe0000 in RAM,
# entered at F000:FFF0) and a warm restart (a jump to F000:FFF0 with the unpacked image in
# RAM: the loader copies the ROM again). Each unpacks and runs POST to the boot sector.
source "$(dirname "$0")/lib.sh"

dir=$XB_ROOT/target/system-tests/reentry-disk
mkdir -p "$dir"
as --32 --defsym DEBUG_EXIT="$XB_DEBUG_EXIT_PORT" -o "$dir/reentry.o" "$XB_ROOT/tests/reentry/reentry.S"
ld -m elf_i386 -Ttext 0 --oformat binary -o "$dir/reentry.bin" "$dir/reentry.o"
disk=$dir/reentry.img
cat "$dir/reentry.bin" "$BIOS" >"$disk"
truncate -s 1M "$disk"

xb_boot_test reentry "$disk" \
    "(copied from the ROM)" "REENTRY boot 1" \
    "(found in RAM)" "REENTRY boot 2" \
    "(copied from the ROM)" "REENTRY boot 3" "REENTRY done"
