#!/usr/bin/env bash
# The Xen bed: runs one Xen HVM guest (L2) under QEMU's Xen emulation on this machine, whose own
# KVM has none. The host boots L1, a Linux VM under TCG with an SVM-capable CPU (-cpu max):
# Debian's kernel (the one scripts/setup.sh downloads; CONFIG_KVM_XEN=y) with kvm_amd, in a
# busybox initramfs with the host's own qemu-system-x86_64, every library it links and the
# firmware files it loads. In L1, QEMU runs the guest with `-accel kvm,xen-version=...` and the
# firmware under test as its -bios, with Xen PV disks (-device xen-disk) or anything else.
#
#   tests/xen/bed.sh build                 build (or find) the cached L1; print its directory
#   tests/xen/bed.sh run [OPTION...] [-- L2-QEMU-ARG...]
#       --bios FILE          the L2 firmware (default $BIOS, else target/bios.bin; SeaBIOS
#                            works too: /usr/share/seabios/bios-256k.bin)
#       --ide FILE           an emulated IDE disk (index 0, then 1, ...)
#       --xen-disk VDEV=FILE a Xen PV disk (-device xen-disk) with that vdev, e.g. xvda=disk.img
#       --cdrom FILE         an ISO as the emulated IDE CD (QEMU's -cdrom: secondary master)
#       --xen-cdrom VDEV=FILE
#                            an ISO as a Xen PV CD-ROM (-device xen-cdrom) with that vdev, e.g.
#                            xvdc=cd.iso; QEMU refuses an empty one ("device needs media")
#       --xen-disk-blkdebug VDEV=FILE,CONF
#                            the same, with QEMU's blkdebug driver between the disk's raw format
#                            and FILE: CONF is a blkdebug configuration ([inject-error] and
#                            [set-state] rules, QEMU's docs/devel/testing/blkdebug.rst) whose
#                            faults the backend then returns to the guest
#                            Either kind of disk gets the drive id xendisk<N>, N counting both
#                            options from 0 in the order given (for the monitor's commands).
#       --file FILE          any other file the L2 arguments use, as /xb/files/<its name>
#       --mem MIB            L2 memory (default 512)
#       --snapshot           the guest's disk writes go to a throw-away overlay (L2's -snapshot)
#       --out DIR            where the logs go (default target/xenbed/run); emptied first;
#                            one run at a time: a run whose DIR another uses fails (125)
#       --timeout S          L1 ends L2 after S seconds (default 600); the host ends L1 if it
#                            is still there XBED_L1_BOOT_ALLOWANCE (120) seconds later
#       --quiet              no progress lines, only the summary
#       --l1-command CMD     run CMD in L1's shell before L2 starts (diagnostics: its output
#                            is on L1's console)
#       --l2-driver SCRIPT   a busybox sh script L1 runs beside L2 once L2 started, with L2's
#                            QMP monitor: it can drive the run (e.g. stall a disk request with
#                            blkdebug's break/resume and resume it later); the functions it can
#                            call are at the top of tests/xen/l1/init; its output goes to
#                            OUT/l2-driver.log, the monitor's answers to OUT/l2-qmp.log
#   Arguments after -- go to L2's QEMU as they are. A file they name must be passed with
#   --file (or --ide, --xen-disk) and spelled /xb/files/<its name>; a -drive of its own needs
#   file.locking=off (9p has no OFD locks; --ide and --xen-disk add it).
#   Exit status: L2 QEMU's own when it exited or was stopped, 124 when a timeout ended it,
#   125 when the bed failed (no KVM in L1, L1 died, bad arguments).
#
# A run ends when L2 exits, when L2 times out (L1 ends it), when L1 times out (the host ends
# it), or when the host writes OUT/stop (tests/xen/lib.sh does so once it has seen its
# markers). The run directory OUT is L1's /xb (virtio-9p), so L2's QEMU reads its disks and
# writes its logs straight into host files, which grow while the guest runs. In OUT:
#   serial.log       L2's COM1                 firmware.log     L2's debug port 0x402
#   firmware-e9.log  L2's port 0xe9 (Xen's)    l2-stderr.log    L2 QEMU's messages
#   l2-status        end=exit|stop|timeout|error, status=N (L2 QEMU's), L1 uptimes (s)
#   l1-ready         L1's uptime when it started L2     l2-args  L2's QEMU arguments
#   l1-console.log   L1's console              l1-qemu.log      the host QEMU's command/messages
#   l2-driver.log    the --l2-driver script's output   l2-qmp.log  its QMP monitor's answers
#   files/           the run's files: hard links to the given ones where the file system
#                    allows (the guest's writes then reach them), copies otherwise
#
# Sourced (tests/xen/lib.sh does) it only defines the xbed_* functions.

set -euo pipefail
shopt -s inherit_errexit

XBED_SH=$(realpath "${BASH_SOURCE[0]}")
XB_ROOT=${XB_ROOT:-$(cd "$(dirname "$XBED_SH")/../.." && pwd)}
XBED_INIT=$XB_ROOT/tests/xen/l1/init
# The image builders' helpers: xb_cached, the kernel package, module dependencies.
declare -F xb_cached >/dev/null || source "$XB_ROOT/tests/system/images.sh"
XBED_CACHE=$XB_CACHE/xenbed
XBED_QEMU=$(command -v qemu-system-x86_64 || echo /usr/bin/qemu-system-x86_64)

# --- L1 ------------------------------------------------------------------------------------
# L1's CPU: TCG's "max" model emulates AMD SVM with nested paging, which kvm_amd needs.
readonly XBED_L1_CPU=max
# One vCPU: TCG runs it on one host core (the machine has two, shared). Two were measured:
# xen-plain-boot took twice as long.
readonly XBED_L1_SMP=1
# L1 memory: the initramfs unpacked (~70 MiB) and L2's RAM, with room to spare.
readonly XBED_L1_MIB=2048
# L1's kernel modules (the builder adds what they depend on): KVM with its AMD half, and the
# 9p file system over virtio.
readonly XBED_L1_MODULES=(kvm-amd 9pnet_virtio 9p)
# Console on COM1; a panic ends the VM (with -no-reboot); no speculation mitigations (TCG is
# slow enough without); one 8250 port (no probing of absent ones).
readonly XBED_L1_CMDLINE="console=ttyS0 panic=-1 mitigations=off 8250.nr_uarts=1 rdinit=/init"
# The 9p share's tag: L1's init mounts it at /xb.
readonly XBED_SHARE_TAG=xb
readonly XBED_SHARE_DIR=/xb
# Time L1 gets, on top of L2's timeout, to boot and to end L2 before the host ends L1.
XBED_L1_BOOT_ALLOWANCE=${XBED_L1_BOOT_ALLOWANCE:-120}
# After the host asked for a stop, the time L1 gets to end L2 and power off.
readonly XBED_STOP_GRACE=30

# --- L2 ------------------------------------------------------------------------------------
# The Xen version QEMU's emulation reports: 4.10.
readonly XBED_XEN_VERSION=0x4000a
readonly XBED_L2_MIB=512
# QEMU's -cdrom: IDE index 2, the secondary master (where xl's hdc goes too).
readonly XBED_IDE_CD_INDEX=2
readonly XBED_DEBUGCON_PORT=0x402
readonly XBED_XEN_DEBUG_PORT=0xe9
# isa-debug-exit: a guest writing V here ends L2's QEMU with status (V << 1) | 1.
readonly XBED_DEBUG_EXIT_PORT=0xf4
readonly XBED_L2_TIMEOUT=600
# L1 gives L2 this long to exit after SIGTERM (at a stop or a timeout), then SIGKILLs it.
readonly XBED_L2_STOP_GRACE=5
# L2's QMP monitor when a run has a driver (--l2-driver): FIFOs in L1's /tmp.
readonly XBED_L2_QMP=/tmp/l2-qmp
# How often the host looks at L1 while it waits.
readonly XBED_POLL_SECONDS=0.5
# Exit statuses of `bed.sh run` that are not L2's own.
readonly XBED_EXIT_TIMEOUT=124
readonly XBED_EXIT_BED_FAILED=125

xbed_note() { [ "${XBED_QUIET:-0}" = 1 ] || echo "xenbed: $*" >&2; }
xbed_die() {
    echo "xenbed: $*" >&2
    return 1
}

# --- building L1 ---------------------------------------------------------------------------

# The files L1 needs for QEMU: the binary, what ldd lists, the firmware it loads (SeaBIOS and
# its VGA ROMs, for L2 runs with them) and QEMU's own option ROMs.
xbed_qemu_files() {
    echo "$XBED_QEMU"
    ldd "$XBED_QEMU" | grep -o '/[^ ]*' | sort -u
    find /usr/share/seabios -type f -o -type l | LC_ALL=C sort
    local rom
    for rom in kvmvapic.bin linuxboot.bin linuxboot_dma.bin multiboot.bin multiboot_dma.bin \
        pvh.bin; do
        echo "/usr/share/qemu/$rom"
    done
}

# The cache key: the code that builds L1 (these functions' text and the module list), L1's
# init, busybox, the kernel, and each QEMU file's path, size and time (a package upgrade
# changes them; hashing their 60 MB on every run would cost more than it saves). Editing the
# rest of this file does not rebuild L1.
xbed_key() {
    {
        declare -f xbed_qemu_files xbed_build_l1
        echo "${XBED_L1_MODULES[*]}"
        xb_hash_files "$XBED_INIT" /bin/busybox
        xb_kver
        xbed_qemu_files | xargs -d '\n' stat -L -c '%n %s %Y'
    } | xb_digest
}

# xbed_build_l1 OUT: OUT/vmlinuz and OUT/initrd.cpio. The cpio is not compressed: unpacking it
# is a memory copy, quicker under TCG than any decompressor.
xbed_build_l1() {
    local out=$1 kver root moddir mod file
    kver=$(xb_kver)
    mkdir -p "$out"
    cp "$(xb_vmlinuz)" "$out/vmlinuz"

    root=$(mktemp -d)
    mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc,lib/modules,xb}
    cp /bin/busybox "$root/bin/busybox"
    install -m 0755 "$XBED_INIT" "$root/init"

    moddir=$(xb_kernel_dir)/lib/modules/$kver/kernel
    XB_SEEN_MODULES=()
    for mod in "${XBED_L1_MODULES[@]}"; do
        xb_module_closure "$moddir" "$mod"
    done >"$root/etc/modules"
    while read -r mod; do
        xz -dc "$(xb_module_file "$moddir" "$mod")" >"$root/lib/modules/$mod.ko"
    done <"$root/etc/modules"
    xbed_note "L1 modules: $(tr '\n' ' ' <"$root/etc/modules")"

    while read -r file; do
        mkdir -p "$root$(dirname "$file")"
        cp -L "$file" "$root$file"
    done < <(xbed_qemu_files)

    find "$root" -exec touch -h -d @0 {} +
    (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) \
        >"$out/initrd.cpio"
    rm -rf "$root"
}

# xbed_l1: the cached L1 directory (vmlinuz, initrd.cpio), built when an input changed. A
# new build removes the other L1s (80 MB each) of this checkout's cache.
xbed_l1() {
    local key dir old
    key=$(xbed_key)
    dir=$XBED_CACHE/l1-$key
    if [ ! -d "$dir" ]; then
        xb_cached "$dir" xbed_build_l1 >/dev/null
        for old in "$XBED_CACHE"/l1-*; do
            # (Not a build under way, nor a lock: xb_cached's, which may be held.)
            [ "$old" = "$dir" ] || [[ $old == *.tmp.* || $old == *.lock ]] || rm -rf "$old"
        done
    fi
    echo "$dir"
}

# --- one run -------------------------------------------------------------------------------
# xbed_configure fills these from the options; xbed_start uses them.
XBED_OUT=
XBED_BIOS=
XBED_TIMEOUT=
XBED_SOURCES=() # the files to place in OUT/files, in order
XBED_L2_ARGS=() # L2 QEMU's whole command line but the program
XBED_PATH=
XBED_L1_PID=
XBED_STARTED=

# xbed_add_file SRC: queue SRC for OUT/files; set XBED_PATH to its path in L1.
xbed_add_file() {
    local src=$1 name seen
    [ -f "$src" ] || xbed_die "no file $src" || return
    name=$(basename "$src")
    case $name in
        *,* | *$'\n'*) xbed_die "$src: QEMU options cannot carry a name with a comma" || return ;;
    esac
    XBED_PATH=$XBED_SHARE_DIR/files/$name
    for seen in ${XBED_SOURCES[@]+"${XBED_SOURCES[@]}"}; do
        if [ "$(basename "$seen")" = "$name" ]; then
            [ "$seen" = "$(realpath "$src")" ] || xbed_die "two files named $name: rename one"
            return
        fi
    done
    XBED_SOURCES+=("$(realpath "$src")")
}

# xbed_configure OPTION... [-- L2-ARG...]: the options of `bed.sh run` (see the top).
xbed_configure() {
    XBED_OUT=$XB_ROOT/target/xenbed/run
    XBED_BIOS=${BIOS:-$XB_ROOT/target/bios.bin}
    XBED_TIMEOUT=$XBED_L2_TIMEOUT
    XBED_L1_COMMAND=
    XBED_L2_DRIVER=
    XBED_QUIET=0
    XBED_SOURCES=()
    XBED_L2_ARGS=()
    local mem=$XBED_L2_MIB snapshot=0 ide_index=0 xen_index=0 vdev
    local disks=()
    while [ $# -gt 0 ]; do
        case $1 in
            --bios) XBED_BIOS=$2; shift 2 ;;
            --ide)
                xbed_add_file "$2" || return
                disks+=(-drive "file=$XBED_PATH,format=raw,if=ide,index=$ide_index,media=disk,file.locking=off")
                ide_index=$((ide_index + 1))
                shift 2
                ;;
            --xen-disk)
                [[ $2 == ?*=?* ]] || xbed_die "--xen-disk wants VDEV=FILE, not $2" || return
                vdev=${2%%=*}
                xbed_add_file "${2#*=}" || return
                disks+=(-drive "file=$XBED_PATH,format=raw,if=none,id=xendisk$xen_index,file.locking=off"
                    -device "xen-disk,drive=xendisk$xen_index,vdev=$vdev")
                xen_index=$((xen_index + 1))
                shift 2
                ;;
            --cdrom)
                xbed_add_file "$2" || return
                disks+=(-drive "file=$XBED_PATH,format=raw,if=ide,index=$XBED_IDE_CD_INDEX,media=cdrom,readonly=on,file.locking=off")
                shift 2
                ;;
            --xen-cdrom)
                [[ $2 == ?*=?* ]] || xbed_die "--xen-cdrom wants VDEV=FILE, not $2" || return
                vdev=${2%%=*}
                xbed_add_file "${2#*=}" || return
                disks+=(-drive "file=$XBED_PATH,format=raw,if=none,id=xendisk$xen_index,media=cdrom,readonly=on,file.locking=off"
                    -device "xen-cdrom,drive=xendisk$xen_index,vdev=$vdev")
                xen_index=$((xen_index + 1))
                shift 2
                ;;
            --xen-disk-blkdebug)
                [[ $2 == ?*=?*,?* ]] \
                    || xbed_die "--xen-disk-blkdebug wants VDEV=FILE,CONF, not $2" || return
                vdev=${2%%=*}
                local image_conf=${2#*=}
                xbed_add_file "${image_conf%,*}" || return
                local image=$XBED_PATH
                xbed_add_file "${image_conf##*,}" || return
                # raw (what the guest's requests see) over blkdebug (which fails or holds them)
                # over the file: the raw driver raises blkdebug's read_aio/write_aio events.
                disks+=(-drive "if=none,id=xendisk$xen_index,driver=raw,file.driver=blkdebug,file.config=$XBED_PATH,file.image.driver=file,file.image.filename=$image,file.image.locking=off"
                    -device "xen-disk,drive=xendisk$xen_index,vdev=$vdev")
                xen_index=$((xen_index + 1))
                shift 2
                ;;
            --file) xbed_add_file "$2" || return; shift 2 ;;
            --mem) mem=$2; shift 2 ;;
            --snapshot) snapshot=1; shift ;;
            --out) XBED_OUT=$2; shift 2 ;;
            --timeout) XBED_TIMEOUT=$2; shift 2 ;;
            --quiet) XBED_QUIET=1; shift ;;
            --l1-command) XBED_L1_COMMAND=$2; shift 2 ;;
            --l2-driver)
                xbed_add_file "$2" || return
                XBED_L2_DRIVER=$XBED_PATH
                shift 2
                ;;
            --) shift; break ;;
            *) xbed_die "unknown option $1 (see the top of $XBED_SH)" || return ;;
        esac
    done
    [[ $mem =~ ^[0-9]+$ ]] || xbed_die "--mem wants MiB, not $mem" || return
    [[ $XBED_TIMEOUT =~ ^[0-9]+$ ]] || xbed_die "--timeout wants seconds, not $XBED_TIMEOUT" || return
    mkdir -p "$XBED_OUT"
    XBED_OUT=$(realpath "$XBED_OUT")
    case $XBED_OUT in *,*) xbed_die "--out: QEMU cannot take a path with a comma" || return ;; esac
    xbed_add_file "$XBED_BIOS" || return
    local bios=$XBED_PATH

    local arg
    for arg in "$@"; do
        [[ $arg != *$'\n'* ]] || xbed_die "an L2 argument with a newline" || return
    done
    XBED_L2_ARGS=(-accel "kvm,xen-version=$XBED_XEN_VERSION,kernel-irqchip=split"
        -M pc -cpu host -m "$mem" -bios "$bios"
        -display none -no-reboot -monitor none -nic none
        -chardev "file,id=serial0,path=$XBED_SHARE_DIR/serial.log" -serial chardev:serial0
        -chardev "file,id=fwlog,path=$XBED_SHARE_DIR/firmware.log"
        -device "isa-debugcon,iobase=$XBED_DEBUGCON_PORT,chardev=fwlog"
        -chardev "file,id=xenlog,path=$XBED_SHARE_DIR/firmware-e9.log"
        -device "isa-debugcon,iobase=$XBED_XEN_DEBUG_PORT,chardev=xenlog"
        -device "isa-debug-exit,iobase=$XBED_DEBUG_EXIT_PORT,iosize=4"
        ${disks[@]+"${disks[@]}"} "$@")
    [ "$snapshot" = 0 ] || XBED_L2_ARGS+=(-snapshot)
    # The driver's monitor: QMP on a pipe chardev, FIFOs that L1's init makes in its tmpfs
    # (XBED_L2_QMP.in and .out; FIFOs on the 9p share would not connect L1's processes).
    [ -z "$XBED_L2_DRIVER" ] \
        || XBED_L2_ARGS+=(-chardev "pipe,id=l2qmp,path=$XBED_L2_QMP" -mon chardev=l2qmp,mode=control)
}

# xbed_place SRC DEST: DEST names SRC's bytes: a hard link when both are on one file system
# (the guest's writes reach SRC), a sparse copy otherwise.
xbed_place() {
    local src=$1 dest=$2
    if ! ln "$src" "$dest" 2>/dev/null; then
        cp --sparse=always "$src" "$dest"
        xbed_note "copied $src (another file system): the guest's writes stay in $dest"
    fi
}

# xbed_start: prepare OUT and boot L1 in the background (XBED_L1_PID).
xbed_start() {
    local l1
    l1=$(xbed_l1) || return
    xb_claim_dir "$XBED_OUT" || return
    rm -rf "${XBED_OUT:?}/files"
    rm -f "$XBED_OUT"/{serial.log,firmware.log,firmware-e9.log,l2-stderr.log,l2-status,l1-ready,l2-args,bed.conf,stop,l1-console.log,l1-qemu.log,l2-driver.log,l2-qmp.log}
    mkdir "$XBED_OUT/files"
    local src
    for src in ${XBED_SOURCES[@]+"${XBED_SOURCES[@]}"}; do
        xbed_place "$src" "$XBED_OUT/files/$(basename "$src")"
    done
    # L2's log files exist from the start (empty), so a caller can watch them at once.
    : >"$XBED_OUT/serial.log"
    : >"$XBED_OUT/firmware.log"
    : >"$XBED_OUT/firmware-e9.log"
    printf '%s\n' "${XBED_L2_ARGS[@]}" >"$XBED_OUT/l2-args"
    {
        printf 'L2_TIMEOUT=%d\nL2_STOP_GRACE=%d\n' "$XBED_TIMEOUT" "$XBED_L2_STOP_GRACE"
        printf 'L1_COMMAND=%q\n' "$XBED_L1_COMMAND"
        printf 'L2_DRIVER=%q\nL2_QMP=%q\n' "$XBED_L2_DRIVER" "$XBED_L2_QMP"
    } >"$XBED_OUT/bed.conf"

    local qemu=("$XBED_QEMU" -accel tcg -cpu "$XBED_L1_CPU" -smp "$XBED_L1_SMP"
        -m "$XBED_L1_MIB" -M pc -nodefaults -display none -no-reboot
        -serial "file:$XBED_OUT/l1-console.log"
        -kernel "$l1/vmlinuz" -initrd "$l1/initrd.cpio" -append "$XBED_L1_CMDLINE"
        -virtfs "local,path=$XBED_OUT,mount_tag=$XBED_SHARE_TAG,security_model=none")
    echo "${qemu[*]}" >"$XBED_OUT/l1-qemu.log"
    xbed_note "L1 from $l1; logs in $XBED_OUT"
    XBED_STARTED=$(xb_now)
    "${qemu[@]}" </dev/null >>"$XBED_OUT/l1-qemu.log" 2>&1 &
    XBED_L1_PID=$!
}

# True while L1 runs.
xbed_running() { [ -n "$XBED_L1_PID" ] && kill -0 "$XBED_L1_PID" 2>/dev/null; }

# xbed_stop: ask L1 to end L2 now (and so to power off).
xbed_stop() { [ -z "$XBED_OUT" ] || : >"$XBED_OUT/stop"; }

# The L1 deadline, in seconds since xbed_start.
xbed_l1_deadline() { echo $((XBED_TIMEOUT + XBED_L1_BOOT_ALLOWANCE)); }

# xbed_wait: wait until L1 exits or its deadline passes.
xbed_wait() {
    local deadline
    deadline=$(xbed_l1_deadline)
    while xbed_running; do
        if [ "$(xb_since "$XBED_STARTED" | cut -d. -f1)" -ge "$deadline" ]; then
            return 1
        fi
        sleep "$XBED_POLL_SECONDS"
    done
}

# xbed_finish GRACE: give L1 GRACE seconds to exit, then end it. Sets XBED_L1_END
# (exited|killed) and XBED_ELAPSED (seconds since xbed_start).
xbed_finish() {
    local grace=$1 waited=0
    while xbed_running && [ "$waited" -lt "$grace" ]; do
        sleep 1
        waited=$((waited + 1))
    done
    XBED_L1_END=exited
    if xbed_running; then
        kill "$XBED_L1_PID" 2>/dev/null || true
        XBED_L1_END=killed
    fi
    [ -z "$XBED_L1_PID" ] || wait "$XBED_L1_PID" 2>/dev/null || true
    XBED_L1_PID=
    XBED_ELAPSED=$(xb_since "$XBED_STARTED")
}

# xbed_field NAME: a field of OUT/l2-status (empty when it or the file is missing).
# (Without the file sed fails: not the pipeline's status, which would end a caller under
# errexit and pipefail.)
xbed_field() { { sed -n "s/^$1=//p" "$XBED_OUT/l2-status" 2>/dev/null || true; } | head -n 1; }

# xbed_l2_end: how L2 ended ("exit 0", "stop 0", "timeout 0", "error no-kvm"), or a sentence
# saying why there is no answer.
xbed_l2_end() {
    if [ -s "$XBED_OUT/l2-status" ]; then
        echo "$(xbed_field end) $(xbed_field status)"
    elif [ -e "$XBED_OUT/l1-ready" ]; then
        echo "unknown (L1 started L2 but did not report its end)"
    else
        echo "never started (L1 did not get that far)"
    fi
}

# xbed_timings: one line of times (L1 uptimes from its report; host time of the whole run).
xbed_timings() {
    local ready start end
    ready=$(cat "$XBED_OUT/l1-ready" 2>/dev/null || true)
    start=$(xbed_field l2_start)
    end=$(xbed_field l2_end)
    printf 'host %ss' "${XBED_ELAPSED:-?}"
    [ -z "$ready" ] || printf ', L1 ready at %ss of its uptime' "$ready"
    [ -z "$start" ] || [ -z "$end" ] \
        || printf ', L2 ran %ss' "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')"
    echo
}

# End L1 if this script exits while it runs (callers' EXIT traps call this).
xbed_cleanup() {
    if xbed_running; then
        kill "$XBED_L1_PID" 2>/dev/null || true
    fi
}

# --- the command line ----------------------------------------------------------------------

xbed_main_run() {
    xbed_configure "$@" || exit "$XBED_EXIT_BED_FAILED"
    xbed_start || exit "$XBED_EXIT_BED_FAILED"
    trap xbed_cleanup EXIT
    local timed_out=0
    xbed_wait || timed_out=1
    if [ "$timed_out" = 1 ]; then
        xbed_note "L1 still running after $(xbed_l1_deadline)s: ending it"
        xbed_stop
    fi
    xbed_finish "$([ "$timed_out" = 1 ] && echo "$XBED_STOP_GRACE" || echo 0)"
    local end
    end=$(xbed_l2_end)
    echo "xenbed: L2 $end; L1 $XBED_L1_END; $(xbed_timings)"
    echo "xenbed: logs in $XBED_OUT"
    [ "$timed_out" = 0 ] || exit "$XBED_EXIT_TIMEOUT"
    case $end in
        "exit "* | "stop "*) exit "$(xbed_field status)" ;;
        "timeout "*) exit "$XBED_EXIT_TIMEOUT" ;;
        *)
            tail -n 20 "$XBED_OUT/l1-console.log" >&2 || true
            exit "$XBED_EXIT_BED_FAILED"
            ;;
    esac
}

xbed_main() {
    case ${1:-} in
        build) xbed_l1 ;;
        run) shift; xbed_main_run "$@" ;;
        *)
            echo "usage: $0 build | run [OPTION...] [-- L2-QEMU-ARG...] (see the top of $0)" >&2
            exit 2
            ;;
    esac
}

# xb_now and xb_since live in tests/system/lib.sh; the CLI has its own.
declare -F xb_now >/dev/null || xb_now() { date +%s.%N; }
declare -F xb_since >/dev/null \
    || xb_since() { awk -v a="$1" -v b="$(xb_now)" 'BEGIN { printf "%.1f", b - a }'; }

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    xbed_main "$@"
fi
