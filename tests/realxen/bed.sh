#!/usr/bin/env bash
# The real-Xen bed: one Xen HVM guest whose firmware hvmloader loads (xl.cfg
# bios_path_override), as on any Xen host. The host boots Debian's Xen 4.17 hypervisor with a
# Debian dom0 in a QEMU VM under TCG (-cpu max emulates AMD SVM with nested paging, which Xen's
# HVM support needs); dom0 `xl create`s the guest, with the firmware under test and the given
# disks. Everything comes from Debian packages: the hypervisor, xl and the device model
# (qemu-system-xen) from a debootstrap'd bookworm dom0 root, the dom0 kernel from the one
# scripts/setup.sh downloads (CONFIG_XEN_DOM0=y). Both are cached in .cache/realxen/, keyed on
# the packages' versions and the code that builds them: a run with the cache warm starts the
# guest ~20 s after the VM starts.
#
#   tests/realxen/bed.sh build             build (or find) the cached dom0; print its directory
#   tests/realxen/bed.sh run [OPTION...]
#       --bios FILE          the guest's firmware (default $BIOS, else target/bios.bin; at most
#                            256 KiB: hvmloader places it at 0x100000 - size)
#       --direct             no hvmloader: Xen's domain builder loads the firmware itself
#                            (xl.cfg firmware=; the default firmware is then target/xenbios.elf,
#                            which is also the bios_path_override libxl insists on loading)
#       --disk VDEV=FILE[,XL-DISK-OPTION...]
#                            a guest disk, e.g. xvda=disk.img (blkback over a loop device;
#                            xvda-xvdd also get an emulated IDE twin), xvda=disk.img,backendtype=qdisk
#                            (QEMU's backend), xvde=disk.img (PV only), hdc=cd.iso,devtype=cdrom
#       --empty-cdrom VDEV   a CD-ROM drive with no medium (xl.cfg `vdev=VDEV,devtype=cdrom,target=`)
#       --ide-only           no Xen platform device (xl.cfg xen_platform_pci = 0): no PV path,
#                            the disks are their emulated IDE twins only
#       --mem MIB            guest memory (default 128)
#       --boot ORDER         xl.cfg boot= (default c): libxl gives it to the device model
#                            as `-boot order=ORDER`, which writes it into CMOS (docs/boot-order.md)
#       --cfg LINE           one more xl.cfg line (e.g. 'vcpus = 2')
#       --marker TEXT        end the run as soon as TEXT is on a line of the guest's output
#                            (firmware.log or serial.log); repeatable: every one must appear
#       --out DIR            where the logs go (default target/realxen/run); emptied first;
#                            one run at a time: a run whose DIR another uses fails (125)
#       --timeout S          end the run after S seconds (default 600)
#       --dom0-command CMD   run CMD in dom0 before `xl create` (its output is on Xen's console)
#       --quiet              no progress lines, only the summary
#   Exit status: 0 when every marker appeared (without markers: when the guest shut down by
#   itself), 1 when the guest ended or failed to start first, 124 on the timeout, 125 when the
#   bed failed (bad arguments, dom0 did not come up).
#
# In OUT:
#   xen-serial.log   Xen's serial console: Xen, dom0 (hvc0) and every "(d1) " line the guest
#                    wrote to port 0xe9 (hvmloader's and the firmware's log)
#   firmware.log     the guest's "(d1) " lines without the prefix, kept up to date as it runs
#   serial.log       the guest's COM1 (the boot loaders' serial console)
#   guest-status     dom0's account of the guest's end (when it saw one)
#   xl-create.log, xenlog/ (qemu-dm-guest.log, xen-hotplug.log), guest.cfg, vm.log (the host
#   QEMU's command and messages), files/ (the firmware and the disks: dom0 copies them into its
#   RAM, so the guest's writes do not reach the host's files)
#
# Sourced (tests/realxen/lib.sh does) it only defines the rxbed_* functions.

set -euo pipefail
shopt -s inherit_errexit

RXBED_SH=$(realpath "${BASH_SOURCE[0]}")
XB_ROOT=${XB_ROOT:-$(cd "$(dirname "$RXBED_SH")/../.." && pwd)}
RXBED_INIT=$XB_ROOT/tests/realxen/dom0/init
# The image builders' helpers: xb_cached, the kernel package, module dependencies.
declare -F xb_cached >/dev/null || source "$XB_ROOT/tests/system/images.sh"
RXBED_CACHE=$XB_CACHE/realxen
RXBED_QEMU=$(command -v qemu-system-x86_64 || echo /usr/bin/qemu-system-x86_64)

# --- the dom0 root ---------------------------------------------------------------------------
readonly RXBED_SUITE=bookworm
readonly RXBED_XEN_VERSION=4.17
# What dom0 runs: xl and the daemons, the hypervisor (its file is what the VM boots), the
# device model, and the few tools the init script calls.
readonly RXBED_PACKAGES=("xen-utils-$RXBED_XEN_VERSION" "xen-hypervisor-$RXBED_XEN_VERSION-amd64"
    qemu-system-xen busybox kmod procps iproute2)
# Parts of the root nothing in dom0 reads: out of the initramfs (smaller is quicker to unpack
# under TCG).
readonly RXBED_ROOT_EXCLUDES=(./usr/share/doc ./usr/share/man ./usr/share/locale ./usr/share/info
    ./var/cache/apt ./var/lib/apt/lists './usr/lib/python3*' ./usr/lib/udev/hwdb.bin
    ./usr/share/qemu/edk2-* ./usr/share/X11 ./usr/share/icons)
# dom0's kernel modules (the builder adds what they depend on): the 9p share, and the Xen
# devices and block backend xl needs.
readonly RXBED_MODULES=(9pnet_virtio 9p loop xen-blkback xen-gntalloc xen-gntdev xen-evtchn
    xenfs xen-privcmd)

# --- the VM ----------------------------------------------------------------------------------
# TCG's "max" CPU emulates SVM with nested paging; "EPYC,+svm,+npt" made Xen fault in its idle
# loop (shared/xen-testbed/README.md). Without AVX: with it, xl crashed in dom0 now and then
# ("malloc(): unsorted double linked list corrupted", segmentation faults of `xl list`), as
# if vector state were lost across Xen's context switches under TCG.
readonly RXBED_CPU=max,avx=off,avx2=off
readonly RXBED_VM_MIB=3072
# dom0's share: the rest is Xen's, for the guest.
readonly RXBED_DOM0_MIB=1536
# Xen on COM1 with every log level (guest lines included); dom0 on Xen's console, one vCPU.
readonly RXBED_XEN_CMDLINE="console=com1 com1=115200 dom0_mem=${RXBED_DOM0_MIB}M,max:${RXBED_DOM0_MIB}M dom0_max_vcpus=1 loglvl=all guest_loglvl=all"
readonly RXBED_DOM0_CMDLINE="console=hvc0 earlyprintk=xen rdinit=/init quiet loglevel=4"
readonly RXBED_SHARE_TAG=rx
readonly RXBED_SHARE_DIR=/rx
# The guest as dom0 copies its files: /run/rx/<name>.
readonly RXBED_GUEST_FILES=/run/rx
readonly RXBED_GUEST_MIB=128
# xl.cfg boot=: the hard disk first, as a Xen host's default.
readonly RXBED_BOOT_DEFAULT=c
# The firmware's size limit: hvmloader places it at 0x100000 - size, above 0xC0000.
readonly RXBED_BIOS_MAX=$((256 * 1024))
# The guest's port-0xe9 lines on Xen's console: "(d1) TEXT". The guest is dom0's first.
readonly RXBED_GUEST_PREFIX='(d1) '
readonly RXBED_POLL_SECONDS=0.5
readonly RXBED_EXIT_TIMEOUT=124
readonly RXBED_EXIT_BED_FAILED=125

rxbed_note() { [ "${RXBED_QUIET:-0}" = 1 ] || echo "realxen: $*" >&2; }
rxbed_die() {
    echo "realxen: $*" >&2
    return 1
}

# --- building dom0 ---------------------------------------------------------------------------

# The Debian mirror apt uses here (debootstrap fetches from it too).
rxbed_mirror() {
    local mirror
    mirror=$(awk '/^URIs:/ && !/security/ { print $2; exit }' /etc/apt/sources.list.d/*.sources \
        2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '/^deb / && !/security/ { print $2; exit }' \
        /etc/apt/sources.list 2>/dev/null || true)
    echo "${mirror:-http://deb.debian.org/debian}"
}

# The version apt would install of each package, one a line. From the host's lists
# (scripts/setup.sh updates them); when they lack a package, root updates them once.
rxbed_versions() {
    local pkg policy version updated=0
    for pkg in "${RXBED_PACKAGES[@]}"; do
        while :; do
            policy=$(apt-cache policy "$pkg" 2>/dev/null)
            version=$(sed -n 's/^ *Candidate: //p' <<<"$policy")
            [ -z "$version" ] || [ "$version" = "(none)" ] || break
            if [ "$updated" = 1 ] || [ "$(id -u)" != 0 ]; then
                rxbed_die "apt knows no $pkg: run apt-get update (scripts/setup.sh does)" || return
            fi
            rxbed_note "apt knows no $pkg: apt-get update"
            apt-get -q -o DPkg::Lock::Timeout=600 update >&2 || return
            updated=1
        done
        echo "$pkg $version"
    done
}

# rxbed_build_root OUT: OUT/root.cpio (the dom0 root, trimmed), OUT/xen.elf (the hypervisor:
# Debian ships it gzipped; unpacked it is a multiboot ELF QEMU's -kernel boots) and
# OUT/versions (what debootstrap installed of the packages asked for).
rxbed_build_root() {
    local out=$1 root
    mkdir -p "$out"
    root=$out/debootstrap
    rxbed_note "debootstrap $RXBED_SUITE with ${RXBED_PACKAGES[*]} (a few minutes)"
    debootstrap --variant=minbase --include="$(IFS=,; echo "${RXBED_PACKAGES[*]}")" \
        "$RXBED_SUITE" "$root" "$(rxbed_mirror)" >"$out/debootstrap.log" 2>&1 \
        || { tail -n 20 "$out/debootstrap.log" >&2; return 1; }
    # (Called as `xb_cached ... || return`, where errexit does not apply: each step checks.)
    chroot "$root" dpkg-query -W "${RXBED_PACKAGES[@]}" >"$out/versions" || return
    zcat "$root/boot/xen-$RXBED_XEN_VERSION-amd64.gz" >"$out/xen.elf" || return
    local excludes=() ex
    for ex in "${RXBED_ROOT_EXCLUDES[@]}"; do
        excludes+=(--exclude="$ex")
    done
    mkdir "$out/trimmed" || return
    tar -C "$root" -cf - "${excludes[@]}" --exclude=./boot . | tar -C "$out/trimmed" -xf - \
        || return
    (cd "$out/trimmed" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
        >"$out/root.cpio" || return
    rm -rf "$root" "$out/trimmed"
}

# The dom0 root's cache key: the code that builds it and what apt would install.
rxbed_root_key() {
    {
        declare -f rxbed_build_root
        echo "${RXBED_PACKAGES[*]} ${RXBED_ROOT_EXCLUDES[*]} $RXBED_SUITE"
        rxbed_mirror
        rxbed_versions
    } | xb_digest
}

# rxbed_build_dom0 OUT ROOT: OUT/dom0.cpio, the initramfs: ROOT's root.cpio followed by a
# second archive (the kernel unpacks both) with /init and the kernel modules, and OUT/xen.elf.
rxbed_build_dom0() {
    local out=$1 rootdir=$2 kver kdir extra mod file rel
    kver=$(xb_kver) || return
    kdir=$(xb_kernel_dir) || return
    mkdir -p "$out"
    extra=$(mktemp -d)
    install -m 0755 "$RXBED_INIT" "$extra/init"
    # usr/lib, not lib: in Debian's root /lib is a link to usr/lib, which a directory entry in
    # the second archive would not replace.
    local moddir=$extra/usr/lib/modules/$kver
    mkdir -p "$moddir"
    XB_SEEN_MODULES=()
    for mod in "${RXBED_MODULES[@]}"; do
        xb_module_closure "$kdir/lib/modules/$kver/kernel" "$mod"
    done >"$out/modules"
    while read -r mod; do
        file=$(xb_module_file "$kdir/lib/modules/$kver/kernel" "$mod") || return
        rel=${file#"$kdir/lib/modules/$kver/"}
        mkdir -p "$moddir/$(dirname "$rel")"
        cp "$file" "$moddir/$rel" || return
    done <"$out/modules"
    [ -s "$out/modules" ] || rxbed_die "no kernel modules for dom0" || return
    # dom0's init runs depmod (the host may have no kmod).
    cp "$kdir/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$moddir/" || return
    find "$extra" -exec touch -h -d @0 {} +
    {
        cat "$rootdir/root.cpio"
        (cd "$extra" && find . -mindepth 1 | LC_ALL=C sort \
            | cpio -o -H newc -R 0:0 --reproducible --quiet)
    } >"$out/dom0.cpio" || return
    cp "$rootdir/xen.elf" "$rootdir/versions" "$out/" || return
    rm -rf "$extra"
}

# rxbed_dom0: the cached dom0 directory (dom0.cpio, xen.elf, versions), built when an input
# changed. A new build removes this checkout's older ones (~170 MB each).
rxbed_dom0() {
    local root_key root key dir old
    root_key=$(rxbed_root_key) || return
    root=$(xb_cached "$RXBED_CACHE/root-$root_key" rxbed_build_root) || return
    key=$({
        echo "$root_key"
        declare -f rxbed_build_dom0 xb_module_closure xb_module_depends
        echo "${RXBED_MODULES[*]}"
        xb_hash_files "$RXBED_INIT"
        xb_kver
    } | xb_digest)
    dir=$RXBED_CACHE/dom0-$key
    if [ ! -d "$dir" ]; then
        xb_cached "$dir" rxbed_build_dom0 "$root" >/dev/null || return
        for old in "$RXBED_CACHE"/root-* "$RXBED_CACHE"/dom0-*; do
            # (Not a build under way, nor a lock: xb_cached's, which may be held.)
            case $old in "$root" | "$dir" | *.tmp.* | *.lock) ;; *) rm -rf "$old" ;; esac
        done
    fi
    echo "$dir"
}

# --- one run ---------------------------------------------------------------------------------
readonly RXBED_TIMEOUT_DEFAULT=600
# Time the VM gets on top of the guest's timeout: Xen and dom0 boot (~20 s), with room.
readonly RXBED_DOM0_ALLOWANCE=${RXBED_DOM0_ALLOWANCE:-120}
# rxbed_configure fills these from the options; rxbed_start and rxbed_wait use them.
RXBED_OUT=
RXBED_BIOS=
RXBED_BIOS_PATH=
RXBED_DIRECT=0
RXBED_TIMEOUT=
RXBED_MEM=
RXBED_BOOT=
RXBED_SOURCES=() # the files to place in OUT/files
RXBED_DISKS=()   # xl.cfg disk specifications
RXBED_CFG=()     # more xl.cfg lines
RXBED_MARKERS=() # what ends the run, each "=TEXT" (in either guest log)
RXBED_DOM0_COMMAND=
RXBED_VM_PID=
RXBED_STARTED=
RXBED_ELAPSED=0
RXBED_END=

# rxbed_add_file SRC: queue SRC for OUT/files; set RXBED_PATH to its path in dom0.
rxbed_add_file() {
    local src=$1 name seen
    [ -f "$src" ] || rxbed_die "no file $src" || return
    name=$(basename "$src")
    [[ $name =~ ^[A-Za-z0-9._+-]+$ ]] || rxbed_die "$src: xl.cfg wants a plain file name" || return
    RXBED_PATH=$RXBED_GUEST_FILES/$name
    for seen in ${RXBED_SOURCES[@]+"${RXBED_SOURCES[@]}"}; do
        if [ "$(basename "$seen")" = "$name" ]; then
            [ "$seen" = "$(realpath "$src")" ] || rxbed_die "two files named $name: rename one"
            return
        fi
    done
    RXBED_SOURCES+=("$(realpath "$src")")
}

# rxbed_configure OPTION...: the options of `bed.sh run` (see the top).
rxbed_configure() {
    RXBED_OUT=$XB_ROOT/target/realxen/run
    RXBED_BIOS=
    RXBED_DIRECT=0
    RXBED_TIMEOUT=$RXBED_TIMEOUT_DEFAULT
    RXBED_MEM=$RXBED_GUEST_MIB
    RXBED_BOOT=$RXBED_BOOT_DEFAULT
    RXBED_SOURCES=()
    RXBED_DISKS=()
    RXBED_CFG=()
    RXBED_MARKERS=()
    RXBED_DOM0_COMMAND=
    RXBED_QUIET=0
    local spec vdev rest
    while [ $# -gt 0 ]; do
        case $1 in
            --bios) RXBED_BIOS=$2; shift 2 ;;
            --direct) RXBED_DIRECT=1; shift ;;
            --disk)
                [[ $2 == ?*=?* ]] || rxbed_die "--disk wants VDEV=FILE[,OPTION...], not $2" || return
                vdev=${2%%=*}
                spec=${2#*=}
                rest=
                [[ $spec != *,* ]] || rest=,${spec#*,}
                rxbed_add_file "${spec%%,*}" || return
                RXBED_DISKS+=("format=raw,vdev=$vdev,access=rw$rest,target=$RXBED_PATH")
                shift 2
                ;;
            --empty-cdrom)
                RXBED_DISKS+=("vdev=$2,access=ro,devtype=cdrom,target=")
                shift 2
                ;;
            --mem) RXBED_MEM=$2; shift 2 ;;
            --ide-only) RXBED_CFG+=("xen_platform_pci = 0"); shift ;;
            --cfg) RXBED_CFG+=("$2"); shift 2 ;;
            --boot)
                [[ $2 =~ ^[acdn]+$ ]] || rxbed_die "--boot wants xl.cfg boot letters (a c d n), not $2" || return
                RXBED_BOOT=$2
                shift 2
                ;;
            --marker) RXBED_MARKERS+=("=$2"); shift 2 ;;
            --out) RXBED_OUT=$2; shift 2 ;;
            --timeout) RXBED_TIMEOUT=$2; shift 2 ;;
            --dom0-command) RXBED_DOM0_COMMAND=$2; shift 2 ;;
            --quiet) RXBED_QUIET=1; shift ;;
            *) rxbed_die "unknown option $1 (see the top of $RXBED_SH)" || return ;;
        esac
    done
    [[ $RXBED_MEM =~ ^[0-9]+$ ]] || rxbed_die "--mem wants MiB, not $RXBED_MEM" || return
    [[ $RXBED_TIMEOUT =~ ^[0-9]+$ ]] || rxbed_die "--timeout wants seconds, not $RXBED_TIMEOUT" \
        || return
    if [ -z "$RXBED_BIOS" ]; then
        if [ "$RXBED_DIRECT" = 1 ]; then
            RXBED_BIOS=${XENBIOS_ELF:-$XB_ROOT/target/xenbios.elf}
        else
            RXBED_BIOS=${BIOS:-$XB_ROOT/target/bios.bin}
        fi
    fi
    local size
    size=$(stat -c %s "$RXBED_BIOS" 2>/dev/null) || rxbed_die "no firmware $RXBED_BIOS" || return
    [ "$size" -le "$RXBED_BIOS_MAX" ] \
        || rxbed_die "$RXBED_BIOS is $size bytes: hvmloader takes at most $RXBED_BIOS_MAX" || return
    rxbed_add_file "$RXBED_BIOS" || return
    RXBED_BIOS_PATH=$RXBED_PATH
    mkdir -p "$RXBED_OUT"
    RXBED_OUT=$(realpath "$RXBED_OUT")
    case $RXBED_OUT in *,* | *' '*) rxbed_die "--out: QEMU cannot take that path" || return ;; esac
}

# The guest's xl.cfg. Every disk is bootable: the firmware's boot order decides.
rxbed_guest_cfg() {
    local disk line
    cat <<EOF
name = "guest"
type = "hvm"
memory = $RXBED_MEM
vcpus = 1
bios = "seabios"
bios_path_override = "$RXBED_BIOS_PATH"
device_model_version = "qemu-xen"
boot = "$RXBED_BOOT"
serial = "file:$RXBED_SHARE_DIR/serial.log"
vnc = 0
sdl = 0
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "preserve"
EOF
    # Direct: libxl loads this file instead of hvmloader; it still loads bios_path_override
    # as a module (docs/research/direct-boot-facts.md), which the firmware ignores.
    [ "$RXBED_DIRECT" = 0 ] || echo "firmware = \"$RXBED_BIOS_PATH\""
    printf 'disk = [ '
    for disk in ${RXBED_DISKS[@]+"${RXBED_DISKS[@]}"}; do
        printf "'%s', " "$disk"
    done
    printf ']\n'
    for line in ${RXBED_CFG[@]+"${RXBED_CFG[@]}"}; do
        echo "$line"
    done
}

# rxbed_start: prepare OUT and boot the VM in the background (RXBED_VM_PID).
rxbed_start() {
    local dom0 vmlinuz
    dom0=$(rxbed_dom0) || return
    vmlinuz=$(xb_vmlinuz) || return
    xb_claim_dir "$RXBED_OUT" || return
    rm -rf "${RXBED_OUT:?}/files" "$RXBED_OUT/xenlog"
    rm -f "$RXBED_OUT"/{xen-serial.log,firmware.log,serial.log,guest-status,dom0-ready} \
        "$RXBED_OUT"/{xl-create.log,guest.cfg,run.env,vm.log}
    mkdir "$RXBED_OUT/files"
    local src
    for src in "${RXBED_SOURCES[@]}"; do
        cp --sparse=always "$src" "$RXBED_OUT/files/"
    done
    : >"$RXBED_OUT/xen-serial.log"
    : >"$RXBED_OUT/firmware.log"
    : >"$RXBED_OUT/serial.log"
    rxbed_guest_cfg >"$RXBED_OUT/guest.cfg"
    {
        printf 'GUEST_TIMEOUT=%d\n' "$RXBED_TIMEOUT"
        printf 'DOM0_COMMAND=%q\n' "$RXBED_DOM0_COMMAND"
    } >"$RXBED_OUT/run.env"

    local qemu=("$RXBED_QEMU" -accel tcg -cpu "$RXBED_CPU" -smp 1 -m "$RXBED_VM_MIB" -M q35
        -nodefaults -display none -no-reboot
        -serial "file:$RXBED_OUT/xen-serial.log"
        -kernel "$dom0/xen.elf" -append "$RXBED_XEN_CMDLINE"
        -initrd "$vmlinuz $RXBED_DOM0_CMDLINE,$dom0/dom0.cpio"
        -virtfs "local,path=$RXBED_OUT,mount_tag=$RXBED_SHARE_TAG,security_model=none")
    echo "${qemu[*]}" >"$RXBED_OUT/vm.log"
    rxbed_note "dom0 from $dom0; logs in $RXBED_OUT"
    RXBED_STARTED=$(xb_now)
    "${qemu[@]}" </dev/null >>"$RXBED_OUT/vm.log" 2>&1 &
    RXBED_VM_PID=$!
}

# True while the VM runs.
rxbed_running() { [ -n "$RXBED_VM_PID" ] && kill -0 "$RXBED_VM_PID" 2>/dev/null; }

# rxbed_split: OUT/firmware.log from the guest's lines on Xen's console, without the prefix.
rxbed_split() {
    tr -d '\r' <"$RXBED_OUT/xen-serial.log" \
        | awk -v p="$RXBED_GUEST_PREFIX" 'index($0, p) == 1 { print substr($0, length(p) + 1) }' \
            >"$RXBED_OUT/firmware.log.new"
    mv "$RXBED_OUT/firmware.log.new" "$RXBED_OUT/firmware.log"
}

# rxbed_seen TEXT FILE...: true when a line of one of the files has TEXT.
rxbed_seen() {
    local text=$1 file
    shift
    for file in "$@"; do
        tr -d '\r' <"$file" | grep -qaF -- "$text" && return 0
    done
    return 1
}

# rxbed_field NAME: a field of OUT/guest-status (empty when it or the file is missing).
# (Without the file sed fails: not the pipeline's status, which would end a caller under
# errexit and pipefail, e.g. rx_boot_test before its failure report.)
rxbed_field() { { sed -n "s/^$1=//p" "$RXBED_OUT/guest-status" 2>/dev/null || true; } | head -n 1; }

# rxbed_wait: watch the run until every marker appeared (0), the guest or the VM ended (1) or
# the time is up (124). RXBED_END says what happened.
rxbed_wait() {
    local deadline=$((RXBED_TIMEOUT + RXBED_DOM0_ALLOWANCE)) marker all
    while :; do
        rxbed_split
        if [ "${#RXBED_MARKERS[@]}" -gt 0 ]; then
            all=1
            for marker in "${RXBED_MARKERS[@]}"; do
                rxbed_seen "${marker:1}" "$RXBED_OUT/firmware.log" "$RXBED_OUT/serial.log" \
                    || all=0
            done
            if [ "$all" = 1 ]; then
                RXBED_END="every marker seen"
                return 0
            fi
        fi
        if [ -s "$RXBED_OUT/guest-status" ]; then
            RXBED_END="guest $(rxbed_field end)"
            [ "${#RXBED_MARKERS[@]}" -eq 0 ] && [ "$(rxbed_field end)" = shutdown ] && return 0
            return 1
        fi
        if ! rxbed_running; then
            RXBED_END="the VM ended (Xen or dom0 failed: see xen-serial.log)"
            return 1
        fi
        if [ "$(xb_since "$RXBED_STARTED" | cut -d. -f1)" -ge "$deadline" ]; then
            RXBED_END="timeout after ${deadline}s"
            return "$RXBED_EXIT_TIMEOUT"
        fi
        sleep "$RXBED_POLL_SECONDS"
    done
}

# rxbed_finish: end the VM (nothing in it needs a clean shutdown: the guest's disks are
# copies in dom0's RAM). Sets RXBED_ELAPSED.
rxbed_finish() {
    rxbed_cleanup
    [ -z "$RXBED_VM_PID" ] || wait "$RXBED_VM_PID" 2>/dev/null || true
    RXBED_VM_PID=
    RXBED_ELAPSED=$(xb_since "$RXBED_STARTED")
    rxbed_split
}

# rxbed_timings: the whole run's time, and when dom0 created the guest (its uptime).
rxbed_timings() {
    local ready
    ready=$(cat "$RXBED_OUT/dom0-ready" 2>/dev/null || true)
    printf 'host %ss' "$RXBED_ELAPSED"
    [ -z "$ready" ] || printf ', xl create at %ss of dom0 uptime' "$ready"
    echo
}

# End the VM if this script exits while it runs (callers' EXIT traps call this).
rxbed_cleanup() {
    if rxbed_running; then
        kill "$RXBED_VM_PID" 2>/dev/null || true
    fi
}

# --- the command line ------------------------------------------------------------------------

rxbed_main_run() {
    rxbed_configure "$@" || exit "$RXBED_EXIT_BED_FAILED"
    rxbed_start || exit "$RXBED_EXIT_BED_FAILED"
    trap rxbed_cleanup EXIT
    local status=0
    rxbed_wait || status=$?
    rxbed_finish
    echo "realxen: $RXBED_END; $(rxbed_timings)"
    echo "realxen: logs in $RXBED_OUT"
    if [ "$status" = 1 ] && ! grep -qa 'realxen-dom0: xl create at' "$RXBED_OUT/xen-serial.log"; then
        tail -n 20 "$RXBED_OUT/xen-serial.log" >&2 || true
        status=$RXBED_EXIT_BED_FAILED
    fi
    exit "$status"
}

rxbed_main() {
    case ${1:-} in
        build) rxbed_dom0 ;;
        run) shift; rxbed_main_run "$@" ;;
        *)
            echo "usage: $0 build | run [OPTION...] (see the top of $0)" >&2
            exit 2
            ;;
    esac
}

# xb_now and xb_since live in tests/system/lib.sh; the CLI has its own.
declare -F xb_now >/dev/null || xb_now() { date +%s.%N; }
declare -F xb_since >/dev/null \
    || xb_since() { awk -v a="$1" -v b="$(xb_now)" 'BEGIN { printf "%.1f", b - a }'; }

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    rxbed_main "$@"
fi
