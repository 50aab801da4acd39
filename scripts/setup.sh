#!/usr/bin/env bash
# Install everything building and testing xenbios needs on Debian bookworm (run as root), and
# download the Debian kernel package the system tests boot into .cache/.
#
# Idempotent and quick when everything is there: it asks dpkg first and only touches apt when
# something is missing. Non-interactive (DEBIAN_FRONTEND=noninteractive), so it runs under CI.
#   XENBIOS_KVER=6.12.95+deb12-amd64   the kernel the tests boot (the Xen testbed's); when the
#                                      mirror no longer has it, the newest linux-image-6.12.*
#                                      +deb12-amd64 it has is taken instead.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
# Wait for a concurrent apt (another worktree, unattended upgrades) instead of failing.
APT_OPTS=(-y -q -o DPkg::Lock::Timeout=600)
BACKPORTS_LIST=/etc/apt/sources.list.d/bookworm-backports.sources
CACHE=.cache
KVER_PREFERRED=${XENBIOS_KVER:-6.12.95+deb12-amd64}
# The Xen the real-Xen bed runs (tests/realxen/bed.sh), here as a multiboot kernel.
XEN_HYPERVISOR_PKG=xen-hypervisor-4.17-amd64

# Debian's Rust 1.96 with rust-src (-Zbuild-std needs it), used through rust-toolchain.toml.
# ca-certificates: cargo fetches crates over HTTPS.
RUST_PKGS=(rustc-web cargo-web rust-web-src rust-web-clippy rustfmt-web ca-certificates)
# What the scripts and the system tests call: image builders, boot loaders, the initramfs.
# The Xen bed (tests/xen/bed.sh) builds its L1 initramfs with the same busybox-static, cpio,
# xz-utils (the kernel's modules) and binutils (their dependencies), from the same kernel.
TOOL_PKGS=(binutils gcc cpio xz-utils fdisk mtools syslinux syslinux-common grub-pc-bin
    grub-common busybox-static)
# El Torito discs: tests/eltorito_util/mkiso.sh and tests/system/images.sh build ISOLINUX,
# GRUB rescue (grub-mkrescue) and emulation ISOs; memtest86+ ships a floppy-emulation ISO.
TOOL_PKGS+=(isolinux xorriso memtest86+)
# The real-Xen bed (tests/realxen/bed.sh) debootstraps its dom0 (Xen 4.17, xl, qemu-system-xen
# from Debian's packages) and boots it with the same QEMU and kernel.
TOOL_PKGS+=(debootstrap)
# The Xen ABI test compiles a C program against Xen's headers, as i386 and x86-64.
TOOL_PKGS+=(libxen-dev gcc-multilib)
# build.rs compiles the firmware's own DSDT (src/tables/dsdt.asl) with iasl, for the image
# and for the host tests alike.
TOOL_PKGS+=(acpica-tools)
# From bookworm-backports: QEMU 10 (bookworm's 7.2 has no Xen emulation) and its SeaBIOS,
# the reference firmware the system tests are checked against. The Xen bed runs this same
# QEMU at both levels (with virtio-9p) and copies it, its libraries, its option ROMs and
# SeaBIOS into its L1.
BACKPORTS_PKGS=(qemu-system-x86 seabios)
QEMU_MIN_VERSION=1:10

log() { echo "setup: $*"; }

# Packages from the arguments that dpkg does not list as installed.
missing_pkgs() {
    local pkg
    for pkg in "$@"; do
        [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null) == ii* ]] || echo "$pkg"
    done
}

qemu_is_new_enough() {
    local ver
    ver=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null) || return 1
    dpkg --compare-versions "$ver" ge "$QEMU_MIN_VERSION"
}

# Add bookworm-backports (same mirror as the main suite) unless some source already has it.
ensure_backports_source() {
    if grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        return 0
    fi
    local mirror
    mirror=$(awk '/^URIs:/ && !/security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources \
        2>/dev/null || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    log "adding bookworm-backports from $mirror"
    cat >"$BACKPORTS_LIST" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}

APT_UPDATED=
apt_update_once() {
    if [ -z "$APT_UPDATED" ]; then
        log "apt-get update"
        apt-get -q -o DPkg::Lock::Timeout=600 update
        APT_UPDATED=1
    fi
}

install_packages() {
    local missing
    mapfile -t missing < <(missing_pkgs "${RUST_PKGS[@]}" "${TOOL_PKGS[@]}")
    if [ "${#missing[@]}" -gt 0 ]; then
        apt_update_once
        log "installing ${missing[*]}"
        apt-get install "${APT_OPTS[@]}" --no-install-recommends "${missing[@]}"
    fi
    mapfile -t missing < <(missing_pkgs "${BACKPORTS_PKGS[@]}")
    if [ "${#missing[@]}" -gt 0 ] || ! qemu_is_new_enough; then
        apt_update_once
        log "installing ${BACKPORTS_PKGS[*]} from bookworm-backports"
        apt-get install "${APT_OPTS[@]}" --no-install-recommends -t bookworm-backports \
            "${BACKPORTS_PKGS[@]}"
        qemu_is_new_enough || { log "qemu-system-x86 is older than $QEMU_MIN_VERSION"; exit 1; }
    fi
}

# True when apt knows a version of the package it could download.
has_candidate() {
    local policy
    # Not piped into grep -q: an early exit there would kill apt-cache and, with pipefail,
    # turn a match into a failure.
    policy=$(apt-cache policy "$1" 2>/dev/null)
    [[ $policy == *"Candidate: "[0-9]* ]]
}

# The kernel to test with: the preferred one, or the newest 6.12 +deb12 flavour apt can fetch.
choose_kver() {
    if has_candidate "linux-image-$KVER_PREFERRED"; then
        echo "$KVER_PREFERRED"
        return 0
    fi
    local names pkg
    mapfile -t names < <(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' \
        | awk '{print $1}' | sort -V -r)
    for pkg in "${names[@]}"; do
        if has_candidate "$pkg"; then
            echo "${pkg#linux-image-}"
            return 0
        fi
    done
    log "no linux-image-6.12.*+deb12-amd64 package found" >&2
    return 1
}

# .cache/kernel-version names the kernel; .cache/debs/ holds its package.
fetch_kernel() {
    mkdir -p "$CACHE/debs"
    local kver
    kver=$(cat "$CACHE/kernel-version" 2>/dev/null || true)
    # Fast path: the chosen kernel's package is already here (and was not overridden).
    if [ -n "$kver" ] && { [ -z "${XENBIOS_KVER:-}" ] || [ "$kver" = "$XENBIOS_KVER" ]; } \
        && compgen -G "$CACHE/debs/linux-image-${kver}_*.deb" >/dev/null; then
        return 0
    fi
    has_candidate "linux-image-$KVER_PREFERRED" || apt_update_once
    kver=$(choose_kver)
    if ! compgen -G "$CACHE/debs/linux-image-${kver}_*.deb" >/dev/null; then
        log "downloading linux-image-$kver"
        (cd "$CACHE/debs" && apt-get -q -o APT::Sandbox::User=root download "linux-image-$kver")
    fi
    echo "$kver" >"$CACHE/kernel-version"
}

# The multiboot test (tests/system/boot-multiboot.sh) boots Debian's Xen hypervisor, a
# multiboot kernel: its package goes to .cache/debs/ beside the kernel's (not installed: the
# host needs no Xen).
fetch_xen_hypervisor() {
    if compgen -G "$CACHE/debs/${XEN_HYPERVISOR_PKG}_*.deb" >/dev/null; then
        return 0
    fi
    has_candidate "$XEN_HYPERVISOR_PKG" || apt_update_once
    log "downloading $XEN_HYPERVISOR_PKG"
    (cd "$CACHE/debs" && apt-get -q -o APT::Sandbox::User=root download "$XEN_HYPERVISOR_PKG")
}

main() {
    [ "$(id -u)" -eq 0 ] || { log "run as root (it installs Debian packages)"; exit 1; }
    ensure_backports_source
    install_packages
    fetch_kernel
    fetch_xen_hypervisor
    log "ok (kernel $(cat "$CACHE/kernel-version"))"
}

main "$@"
