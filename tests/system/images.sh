# Builders for the system tests' boot media, from Debian packages only. Sourced by lib.sh.
#
# Every artifact lands in $XB_CACHE/images/ under a name that carries a hash of everything it is
# made from (this file, its inputs, the versions of the loader packages), so a change to any of
# them builds a new one and an unchanged one is reused. No root-only tools: disks are plain
# files written with sfdisk, mtools, syslinux --offset and dd; no loop devices, no mounts.
#
# Each xb_* builder prints the path of its artifact on stdout; progress goes to stderr.

XB_IMAGES_SH=${BASH_SOURCE[0]}
XB_CACHE=$XB_ROOT/.cache # scripts/setup.sh puts the kernel package here
XB_IMAGE_DIR=$XB_CACHE/images
XB_INIT=$XB_ROOT/tests/system/initramfs/init

# mtools checks that a FAT's geometry matches the disk's; an image file has none to match.
export MTOOLS_SKIP_CHECK=1

readonly XB_SECTOR=512
# Disks: 64 MiB (sparse), one FAT partition from 1 MiB to the end. The 1 MiB before it (the
# "MBR gap", sectors 1..2047) is where GRUB's core.img goes, as on any disk partitioned today.
readonly XB_DISK_MIB=64
readonly XB_PART_START=2048
readonly XB_PART_TYPE_FAT16=06
readonly XB_DISK_ID=0x58454e42 # "XENB": a fixed disk identifier keeps images reproducible

# The lines the boot media print on the serial console, in the order they appear.
# SYSLINUX writes its banner on the serial port once it has read the SERIAL line of its config
# (its SAY lines go to the screen only), then one line per file it loads.
readonly XB_SYSLINUX_LINES=("SYSLINUX 6" "Loading /vmlinuz... ok" "Loading /initrd.gz...ok")
readonly XB_GRUB_MARKER="XENBIOS-MARKER: grub read its config"
# ... and once `linux` and `initrd` have read the kernel and the initramfs (through int13).
readonly XB_GRUB_LOADED_MARKER="XENBIOS-MARKER: grub loaded the kernel and the initramfs"
readonly XB_KERNEL_MARKER="Linux version "
readonly XB_INITRAMFS_MARKER="XENBIOS-MARKER: initramfs reached, kernel"
# The kernel command line of every boot: log on COM1, and reboot at once on a panic (with
# QEMU's -no-reboot that ends the VM, so a panic fails fast instead of hanging).
readonly XB_CMDLINE="console=ttyS0,115200 panic=-1"

xb_note() { echo "images: $*" >&2; }

# Hash of stdin, short enough for a file name.
xb_digest() { sha256sum | cut -c1-16; }

# The content of each file argument, for a digest.
xb_hash_files() {
    local f
    for f in "$@"; do
        sha256sum <"$f"
    done
}

# Version of an installed Debian package, for a digest.
xb_pkg_version() { dpkg-query -W -f='${Version}\n' "$1"; }

# xb_cached OUT BUILDER [ARG...]: print OUT, running `BUILDER TMP ARG...` and renaming TMP to
# OUT first unless OUT exists. Safe to call from tests running at once (tests/system/run.sh runs
# two at a time, and worktrees share .cache): the build holds OUT.lock (flock), so a second
# caller waits for the first one's OUT instead of building it too, and the rename makes OUT
# appear whole. An interrupted build leaves a TMP (OUT.tmp.<pid>), removed by the next build
# once its process is gone. A failed build leaves no OUT and returns the builder's status.
xb_cached() {
    local out=$1 builder=$2
    shift 2
    if [ ! -e "$out" ]; then
        mkdir -p "$(dirname "$out")"
        local lock status=0
        exec {lock}>>"$out.lock"
        if ! flock -n "$lock"; then
            xb_note "waiting for another build of $(basename "$out")"
            flock "$lock"
        fi
        # Built by the one this waited for: its OUT is whole (renamed under the lock).
        if [ ! -e "$out" ]; then
            xb_remove_stale_tmp "$out"
            local tmp=$out.tmp.$$
            xb_note "building $(basename "$out")"
            # Not `|| status=$?`: that would turn errexit off inside the builder, which needs
            # it (a failed step must end the build). With errexit on, a failure ends this
            # shell, and the lock with it; called where errexit is off (`xb_cached ... ||`),
            # the builder's status is this.
            "$builder" "$tmp" "$@"
            status=$?
            if [ "$status" = 0 ]; then
                mv "$tmp" "$out"
                status=$?
            else
                xb_note "building $(basename "$out") failed (status $status)"
                rm -rf "$tmp"
            fi
        fi
        exec {lock}>&-
        [ "$status" = 0 ] || return "$status"
    fi
    echo "$out"
}

# xb_remove_stale_tmp OUT: remove the OUT.tmp.<pid> of builds whose process is gone (a build
# under way elsewhere, e.g. by an older harness without the lock, keeps its own).
xb_remove_stale_tmp() {
    local tmp pid
    for tmp in "$1".tmp.*; do
        [ -e "$tmp" ] || continue
        pid=${tmp##*.tmp.}
        # This shell's own: left by an earlier process with the same pid.
        if [[ ! $pid =~ ^[0-9]+$ ]] || [ "$pid" = $$ ] || ! kill -0 "$pid" 2>/dev/null; then
            rm -rf "$tmp"
        fi
    done
}

# xb_claim_dir DIR: make DIR this process's (the beds' run directories, which they empty
# first): hold DIR/.run.lock (flock) until the process ends or claims another, so that two
# runs given one directory (two `bed.sh run` without --out) cannot mix their files. False,
# with a message, when another process holds it.
XB_CLAIM_FD=
xb_claim_dir() {
    [ -z "$XB_CLAIM_FD" ] || exec {XB_CLAIM_FD}>&-
    exec {XB_CLAIM_FD}>>"$1/.run.lock"
    if ! flock -n "$XB_CLAIM_FD"; then
        exec {XB_CLAIM_FD}>&-
        XB_CLAIM_FD=
        echo "images: another run is using $1 (it holds $1/.run.lock): give this one its own" >&2
        return 1
    fi
}

# --- kernel -------------------------------------------------------------------------------

# The version of the kernel scripts/setup.sh downloaded.
xb_kver() {
    local file=$XB_CACHE/kernel-version
    if [ ! -s "$file" ]; then
        echo "images: no $file: run scripts/setup.sh first" >&2
        return 1
    fi
    cat "$file"
}

xb_extract_deb() {
    local out=$1 deb=$2
    mkdir -p "$out"
    dpkg-deb -x "$deb" "$out"
}

# The unpacked kernel package (boot/vmlinuz-*, lib/modules/*).
xb_kernel_dir() {
    local kver deb
    kver=$(xb_kver)
    deb=$(compgen -G "$XB_CACHE/debs/linux-image-${kver}_*.deb" | head -n 1) || true
    if [ -z "$deb" ]; then
        echo "images: no linux-image-$kver package in $XB_CACHE/debs: run scripts/setup.sh" >&2
        return 1
    fi
    xb_cached "$XB_CACHE/kernel/$kver" xb_extract_deb "$deb"
}

xb_vmlinuz() {
    local dir kver
    dir=$(xb_kernel_dir)
    kver=$(xb_kver)
    echo "$dir/boot/vmlinuz-$kver"
}

# --- multiboot: Debian's Xen hypervisor ----------------------------------------------------

# Debian ships Xen gzipped (/boot/xen-<version>-amd64.gz); unpacked it is a multiboot (v1) ELF
# that QEMU's -kernel boots through its multiboot option ROM, with the test kernel and its
# initramfs as modules (dom0). The package is the one scripts/setup.sh downloads.
xb_unpack_xen() {
    local out=$1 deb=$2 dir
    dir=$(mktemp -d)
    dpkg-deb -x "$deb" "$dir"
    zcat "$dir"/boot/xen-*-amd64.gz >"$out"
    rm -rf "$dir"
}

# The unpacked hypervisor, cached by this file and the package.
xb_xen_elf() {
    local deb key
    deb=$(compgen -G "$XB_CACHE/debs/xen-hypervisor-*-amd64_*.deb" | head -n 1) || true
    if [ -z "$deb" ]; then
        echo "images: no xen-hypervisor package in $XB_CACHE/debs: run scripts/setup.sh" >&2
        return 1
    fi
    key=$(xb_hash_files "$XB_IMAGES_SH" "$deb" | xb_digest)
    xb_cached "$XB_IMAGE_DIR/xen-$key.elf" xb_unpack_xen "$deb"
}

# --- initramfs ----------------------------------------------------------------------------

# The .ko file of a module, whose name may spell '-' as '_' or the other way round.
xb_module_file() {
    local moddir=$1 name=$2 file
    file=$(find "$moddir" -name "$(sed 's/[-_]/[-_]/g' <<<"$name").ko*" -print -quit)
    if [ -z "$file" ]; then
        echo "images: module $name not found in $moddir" >&2
        return 1
    fi
    echo "$file"
}

# The modules a module needs, from the depends= field of its .modinfo section.
# objcopy writes a file of its own: told /dev/stdout it writes a temporary file beside it and
# renames it over /dev/stdout when that is a pipe (as root: the machine's /dev/stdout becomes a
# regular file). Hence the second temporary file.
xb_module_depends() {
    local file=$1 ko info
    ko=$(mktemp)
    info=$(mktemp)
    xz -dc "$file" >"$ko"
    objcopy -O binary --only-section=.modinfo "$ko" "$info"
    tr '\0' '\n' <"$info" | sed -n 's/^depends=//p' | tr ',' '\n'
    rm -f "$ko" "$info"
}

# Print NAME's dependencies (depth first), then NAME, each once. SEEN is a global set.
declare -A XB_SEEN_MODULES
xb_module_closure() {
    local moddir=$1 name=$2 dep
    [ -z "${XB_SEEN_MODULES[$name]:-}" ] || return 0
    XB_SEEN_MODULES[$name]=1
    local deps
    deps=$(xb_module_depends "$(xb_module_file "$moddir" "$name")")
    for dep in $deps; do
        xb_module_closure "$moddir" "$dep"
    done
    echo "$name"
}

# Build the initramfs: OUT INIT KVER CHECKS_COUNT CHECK... MODULE...
xb_build_initramfs() {
    local out=$1 init=$2 kver=$3 nchecks=$4
    shift 4
    local checks=("${@:1:nchecks}") modules=("${@:nchecks+1}")
    local root
    root=$(mktemp -d)
    mkdir -p "$root"/{bin,dev,proc,sys,etc/checks.d,lib/modules}
    cp /bin/busybox "$root/bin/busybox"
    install -m 0755 "$init" "$root/init"

    local check
    for check in "${checks[@]}"; do
        install -m 0755 "$check" "$root/etc/checks.d/"
    done

    if [ "${#modules[@]}" -gt 0 ]; then
        local moddir mod
        moddir=$(xb_kernel_dir)/lib/modules/$kver/kernel
        XB_SEEN_MODULES=()
        for mod in "${modules[@]}"; do
            xb_module_closure "$moddir" "$mod"
        done >"$root/etc/modules"
        while read -r mod; do
            xz -dc "$(xb_module_file "$moddir" "$mod")" >"$root/lib/modules/$mod.ko"
        done <"$root/etc/modules"
    fi

    # Same inputs, same bytes: fixed times, owners and order.
    find "$root" -exec touch -h -d @0 {} +
    (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) \
        | gzip -9n >"$out"
    rm -rf "$root"
}

# xb_initramfs [--module NAME]... [--check SCRIPT]...: a busybox initramfs whose /init
# (tests/system/initramfs/init) loads the modules (with what they depend on, from the test
# kernel), runs the check scripts, prints "$XB_INITRAMFS_MARKER <uname -r>" and powers off.
xb_initramfs() {
    local modules=() checks=()
    while [ $# -gt 0 ]; do
        case $1 in
            --module) modules+=("$2"); shift 2 ;;
            --check) checks+=("$2"); shift 2 ;;
            *) echo "xb_initramfs: unknown argument $1" >&2; return 1 ;;
        esac
    done
    local kver key
    kver=$(xb_kver)
    key=$({
        xb_hash_files "$XB_IMAGES_SH" "$XB_INIT" /bin/busybox ${checks[@]+"${checks[@]}"}
        echo "$kver" ${modules[@]+"${modules[@]}"}
    } | xb_digest)
    xb_cached "$XB_IMAGE_DIR/initramfs-$key.cpio.gz" xb_build_initramfs "$XB_INIT" "$kver" \
        "${#checks[@]}" ${checks[@]+"${checks[@]}"} ${modules[@]+"${modules[@]}"}
}

# --- disks --------------------------------------------------------------------------------

# mtools' image@@offset address of the FAT partition.
xb_fat() { echo "$1@@$((XB_PART_START * XB_SECTOR))"; }

# xb_fat_disk OUT SRC:DEST...: a disk with a DOS partition table whose one partition
# (bootable, FAT) starts at XB_PART_START and fills the disk, holding SRC at DEST for each pair.
# XB_FAT_SECTORS, XB_FAT_HEADS, XB_FAT_SPT (the disk's size and the geometry written into the
# FAT's BPB) default to a 64 MiB disk seen as 64 heads of 32 sectors.
xb_fat_disk() {
    local out=$1
    shift
    local total=${XB_FAT_SECTORS:-$((XB_DISK_MIB * 1024 * 1024 / XB_SECTOR))}
    rm -f "$out"
    truncate -s $((total * XB_SECTOR)) "$out"
    printf 'label: dos\nlabel-id: %s\nstart=%d, type=%s, bootable\n' \
        "$XB_DISK_ID" "$XB_PART_START" "$XB_PART_TYPE_FAT16" | sfdisk --quiet "$out"
    # -H: hidden sectors = the partition's start, which FAT boot code adds to its LBAs.
    mformat -i "$(xb_fat "$out")" -T $((total - XB_PART_START)) \
        -h "${XB_FAT_HEADS:-64}" -s "${XB_FAT_SPT:-32}" -H "$XB_PART_START" -v XENBIOS ::

    local pair
    for pair in "$@"; do
        xb_fat_mkdirs "$out" "$(dirname "${pair#*:}")"
        mcopy -o -i "$(xb_fat "$out")" "${pair%%:*}" "::${pair#*:}"
    done
}

# xb_fat_mkdirs DISK DIR: make DIR and its parents on the disk's FAT partition.
xb_fat_mkdirs() {
    local disk=$1 dir=$2 path= part parts
    IFS=/ read -r -a parts <<<"${dir#/}"
    for part in ${parts[@]+"${parts[@]}"}; do
        path=$path/$part
        if ! mdir -b -i "$(xb_fat "$disk")" "::$path" >/dev/null 2>&1; then
            mmd -i "$(xb_fat "$disk")" "::$path"
        fi
    done
}

# xb_put_le FILE OFFSET BYTES VALUE: write VALUE little-endian into BYTES bytes at OFFSET.
xb_put_le() {
    local file=$1 offset=$2 bytes=$3 value=$4 i hex=
    for ((i = 0; i < bytes; i++)); do
        hex+=$(printf '\\x%02x' $(((value >> (8 * i)) & 0xff)))
    done
    printf '%b' "$hex" | dd of="$file" bs=1 seek=$((offset)) conv=notrunc status=none
}

# xb_loader_disk KIND BUILDER INITRAMFS PACKAGE...: the disk `BUILDER OUT VMLINUZ INITRAMFS`
# makes (INITRAMFS empty: xb_initramfs), cached as KIND-<hash>.img by this file, the kernel,
# INITRAMFS and the loader packages.
xb_loader_disk() {
    local kind=$1 builder=$2 initrd=$3 vmlinuz key pkg
    shift 3
    [ -n "$initrd" ] || initrd=$(xb_initramfs)
    vmlinuz=$(xb_vmlinuz)
    key=$({
        xb_hash_files "$XB_IMAGES_SH" "$vmlinuz" "$initrd"
        for pkg in "$@"; do
            xb_pkg_version "$pkg"
        done
    } | xb_digest)
    xb_cached "$XB_IMAGE_DIR/$kind-$key.img" "$builder" "$vmlinuz" "$initrd"
}

# --- (a) SYSLINUX -------------------------------------------------------------------------

readonly XB_SYSLINUX_MBR=/usr/lib/syslinux/mbr/mbr.bin
# mbr.bin is boot code only: it fills the MBR up to the disk signature at 440.
readonly XB_MBR_CODE_BYTES=440

xb_syslinux_cfg() {
    cat <<EOF
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
    KERNEL /vmlinuz
    INITRD /initrd.gz
    APPEND $XB_CMDLINE
EOF
}

xb_build_syslinux_disk() {
    local out=$1 vmlinuz=$2 initrd=$3 cfg
    cfg=$(mktemp)
    xb_syslinux_cfg >"$cfg"
    xb_fat_disk "$out" "$vmlinuz:/vmlinuz" "$initrd:/initrd.gz" "$cfg:/syslinux.cfg"
    rm -f "$cfg"
    # ldlinux.sys and ldlinux.c32 into the FAT, SYSLINUX's boot sector over the FAT's.
    syslinux --install --offset $((XB_PART_START * XB_SECTOR)) "$out"
    # SYSLINUX's MBR boots the active partition; the partition table stays.
    dd if="$XB_SYSLINUX_MBR" of="$out" bs="$XB_MBR_CODE_BYTES" count=1 conv=notrunc status=none
}

# xb_syslinux_disk [INITRAMFS]: MBR (syslinux's mbr.bin) + a bootable FAT partition with
# SYSLINUX, the test kernel and INITRAMFS (default: xb_initramfs).
xb_syslinux_disk() {
    xb_loader_disk syslinux xb_build_syslinux_disk "${1:-}" syslinux syslinux-common
}

# --- (b) GRUB 2 ---------------------------------------------------------------------------

readonly XB_GRUB_DIR=/usr/lib/grub/i386-pc
# What core.img holds: the BIOS disk driver, the partition map and file system of the boot
# partition, and the commands grub.cfg uses. Nothing is loaded from the disk but grub.cfg.
readonly XB_GRUB_MODULES=(biosdisk part_msdos fat normal configfile linux serial terminal echo
    boot)
readonly XB_GRUB_PREFIX="(hd0,msdos1)/boot/grub"
# Facts from GRUB's include/grub/i386/pc/boot.h and util/setup.c (grub-bios-setup):
#  boot.img (the MBR) holds the LBA of core.img's first sector as a 64-bit value at 0x5c and
#  the boot drive at 0x64 (0xff: use DL as the BIOS passed it).
readonly XB_GRUB_KERNEL_SECTOR_OFFSET=0x5c
readonly XB_GRUB_BOOT_DRIVE_OFFSET=0x64
readonly XB_GRUB_BOOT_DRIVE_FROM_DL=0xff
#  core.img's first sector (diskboot.img) ends with a list of 12-byte blocklist entries,
#  growing downwards from the end of the sector: { u64 start LBA; u16 sectors; u16 segment }.
#  The first entry loads the rest of core.img; an all-zero entry ends the list.
readonly XB_GRUB_BLOCKLIST_SIZE=12
readonly XB_GRUB_BLOCKLIST_OFFSET=$((XB_SECTOR - XB_GRUB_BLOCKLIST_SIZE))
#  The rest of core.img is loaded right after diskboot.img, which sits at 0x8000 (segment 0x800).
readonly XB_GRUB_REST_SEGMENT=$((0x800 + XB_SECTOR / 16))
#  core.img is loaded below 0x78000 from 0x9000 on: at most this many sectors.
readonly XB_GRUB_MAX_CORE_SECTORS=$(((0x78000 - 0x9000) / XB_SECTOR))
# core.img goes in the MBR gap, from sector 1.
readonly XB_GRUB_CORE_LBA=1

xb_grub_cfg() {
    cat <<EOF
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
echo "$XB_GRUB_MARKER"
linux /vmlinuz $XB_CMDLINE
initrd /initrd.gz
echo "$XB_GRUB_LOADED_MARKER"
boot
EOF
}

xb_build_grub_disk() {
    local out=$1 vmlinuz=$2 initrd=$3 work
    work=$(mktemp -d)
    xb_grub_cfg >"$work/grub.cfg"
    xb_fat_disk "$out" "$vmlinuz:/vmlinuz" "$initrd:/initrd.gz" "$work/grub.cfg:/boot/grub/grub.cfg"

    grub-mkimage -O i386-pc -d "$XB_GRUB_DIR" -p "$XB_GRUB_PREFIX" -o "$work/core.img" \
        "${XB_GRUB_MODULES[@]}"
    local size sectors
    size=$(stat -c %s "$work/core.img")
    sectors=$(((size + XB_SECTOR - 1) / XB_SECTOR))
    if [ "$sectors" -gt $((XB_PART_START - XB_GRUB_CORE_LBA)) ] \
        || [ "$sectors" -gt "$XB_GRUB_MAX_CORE_SECTORS" ]; then
        echo "images: core.img is $sectors sectors: too big for the MBR gap" >&2
        return 1
    fi
    # The blocklist: the sectors after diskboot.img, right after it on the disk.
    xb_put_le "$work/core.img" "$XB_GRUB_BLOCKLIST_OFFSET" 8 $((XB_GRUB_CORE_LBA + 1))
    xb_put_le "$work/core.img" $((XB_GRUB_BLOCKLIST_OFFSET + 8)) 2 $((sectors - 1))
    xb_put_le "$work/core.img" $((XB_GRUB_BLOCKLIST_OFFSET + 10)) 2 "$XB_GRUB_REST_SEGMENT"
    # ... and the terminator before it.
    dd if=/dev/zero of="$work/core.img" bs=1 seek=$((XB_GRUB_BLOCKLIST_OFFSET - XB_GRUB_BLOCKLIST_SIZE)) \
        count="$XB_GRUB_BLOCKLIST_SIZE" conv=notrunc status=none
    dd if="$work/core.img" of="$out" bs="$XB_SECTOR" seek="$XB_GRUB_CORE_LBA" conv=notrunc status=none

    # boot.img's code into the MBR, keeping the disk signature and the partition table.
    cp "$XB_GRUB_DIR/boot.img" "$work/boot.img"
    xb_put_le "$work/boot.img" "$XB_GRUB_KERNEL_SECTOR_OFFSET" 8 "$XB_GRUB_CORE_LBA"
    xb_put_le "$work/boot.img" "$XB_GRUB_BOOT_DRIVE_OFFSET" 1 "$XB_GRUB_BOOT_DRIVE_FROM_DL"
    dd if="$work/boot.img" of="$out" bs="$XB_MBR_CODE_BYTES" count=1 conv=notrunc status=none
    rm -rf "$work"
}

# xb_grub_disk [INITRAMFS]: GRUB 2's boot.img in the MBR, core.img in the MBR gap, and a
# bootable FAT partition with /boot/grub/grub.cfg, the test kernel and INITRAMFS.
xb_grub_disk() {
    xb_loader_disk grub xb_build_grub_disk "${1:-}" grub-pc-bin grub-common
}

# --- (c) CDs: El Torito -------------------------------------------------------------------

# ISOLINUX prints its banner on COM1 once it has read the SERIAL line of isolinux.cfg, then the
# same "Loading" lines as SYSLINUX (they share ldlinux).
readonly XB_ISOLINUX_LINES=("ISOLINUX 6" "Loading /vmlinuz... ok" "Loading /initrd.gz...ok")
readonly XB_ISOLINUX_BIN=/usr/lib/ISOLINUX/isolinux.bin
readonly XB_LDLINUX_C32=/usr/lib/syslinux/modules/bios/ldlinux.c32
# isolinux.bin is a no-emulation image loaded whole: 4 virtual (512-byte) sectors is what
# ISOLINUX's documentation prescribes; it loads the rest itself through int13 AH=42h on the
# CD's drive number, in 2048-byte sectors.
readonly XB_ISOLINUX_LOAD_SECTORS=4
readonly XB_ISO_VOLUME=XENBIOS
# Debian's memtest86+ ships a BIOS ISO whose default El Torito entry is a 1.44 MB floppy
# image: the firmware makes it drive 00h and memtest's floppy boot sector loads it through
# int13 CHS. It writes nothing on COM1 (no command line can turn its serial console on), so
# the tests read its screen.
readonly XB_MEMTEST_ISO=/usr/lib/memtest86+/memtest86+x64.iso
readonly XB_MEMTEST_SCREEN=("Memtest86+ v6" "Status: Testing")

# xb_iso OUT DIR XORRISO-ARG...: an ISO 9660 image of DIR (Rock Ridge, Joliet), the arguments
# naming its boot image.
xb_iso() {
    local out=$1 dir=$2
    shift 2
    xorriso -as mkisofs -quiet -R -J -V "$XB_ISO_VOLUME" -o "$out" "$@" "$dir"
}

xb_build_isolinux_iso() {
    local out=$1 vmlinuz=$2 initrd=$3 dir
    dir=$(mktemp -d)
    mkdir -p "$dir/isolinux"
    cp "$XB_ISOLINUX_BIN" "$XB_LDLINUX_C32" "$dir/isolinux/"
    xb_syslinux_cfg >"$dir/isolinux/isolinux.cfg"
    cp "$vmlinuz" "$dir/vmlinuz"
    cp "$initrd" "$dir/initrd.gz"
    xb_iso "$out" "$dir" -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot \
        -boot-load-size "$XB_ISOLINUX_LOAD_SECTORS" -boot-info-table
    rm -rf "$dir"
}

# xb_isolinux_iso [INITRAMFS]: an installer-style CD: ISOLINUX as the no-emulation boot image,
# the test kernel and INITRAMFS (default: xb_initramfs).
xb_isolinux_iso() {
    xb_loader_disk isolinux-iso xb_build_isolinux_iso "${1:-}" isolinux syslinux-common xorriso
}

xb_build_grub_iso() {
    local out=$1 vmlinuz=$2 initrd=$3 dir
    dir=$(mktemp -d)
    mkdir -p "$dir/boot/grub"
    xb_grub_cfg >"$dir/boot/grub/grub.cfg"
    cp "$vmlinuz" "$dir/vmlinuz"
    cp "$initrd" "$dir/initrd.gz"
    # Only the BIOS platform: i386-pc is the one GRUB platform installed. grub-mkrescue makes
    # the El Torito no-emulation image (cdboot.img + core.img with the iso9660 driver) and
    # finds grub.cfg on the CD as (cd)/boot/grub/grub.cfg.
    grub-mkrescue --quiet -d "$XB_GRUB_DIR" -o "$out" "$dir" -- -volid "$XB_ISO_VOLUME" \
        >/dev/null 2>&1 || grub-mkrescue -d "$XB_GRUB_DIR" -o "$out" "$dir"
    rm -rf "$dir"
}

# xb_grub_iso [INITRAMFS]: a GRUB rescue CD (grub-mkrescue) that boots the test kernel.
xb_grub_iso() {
    xb_loader_disk grub-iso xb_build_grub_iso "${1:-}" grub-pc-bin grub-common xorriso mtools
}

# El Torito (4.0) gives an emulated hard disk the geometry of its partition table: heads and
# sectors per track from the partition's end. sfdisk writes CHS for 255 heads of 63 sectors, so
# the image is a whole number of such cylinders and the FAT's BPB says the same geometry:
# loaders that fall back to CHS then address the sectors the firmware serves.
readonly XB_HDEMU_HEADS=255
readonly XB_HDEMU_SPT=63
readonly XB_HDEMU_CYLINDERS=9

xb_build_hdemu_iso() {
    local out=$1 vmlinuz=$2 initrd=$3 dir
    dir=$(mktemp -d)
    XB_FAT_SECTORS=$((XB_HDEMU_CYLINDERS * XB_HDEMU_HEADS * XB_HDEMU_SPT)) \
        XB_FAT_HEADS=$XB_HDEMU_HEADS XB_FAT_SPT=$XB_HDEMU_SPT \
        xb_build_syslinux_disk "$dir/disk.img" "$vmlinuz" "$initrd"
    xb_iso "$out" "$dir" -hard-disk-boot -b disk.img -c boot.cat
    rm -rf "$dir"
}

# xb_hdemu_iso [INITRAMFS]: a hard-disk emulation CD whose boot image is a SYSLINUX disk (an
# MBR with one partition, as El Torito requires): the firmware makes it drive 80h.
xb_hdemu_iso() {
    xb_loader_disk hdemu-iso xb_build_hdemu_iso "${1:-}" syslinux syslinux-common xorriso
}
