# Helpers of the fault tests (tests/system/xen-fault-*.sh): real backend faults under the
# firmware's blkfront on the Xen bed. QEMU's blkdebug driver sits between the xen-disk's drive
# and its image (bed.sh --xen-disk-blkdebug): its [inject-error] rules fail the requests that
# cover a sector, so the backend (QEMU's xen-block) answers them BLKIF_RSP_ERROR; its
# break/resume commands, sent by a driver script in L1 through L2's monitor (bed.sh
# --l2-driver), hold a request so that the backend does not answer. Sourced by those tests
# after tests/xen/lib.sh.
#
#   xen_fault_fat_lba DISK FILE OFFSET        the LBA that holds byte OFFSET of FILE
#   xen_blkdebug_error EVENT IOTYPE SECTOR    a blkdebug rule: EIO on the requests at SECTOR
#   xen_fault_file_read NAME DISK FILE OFFSET reads of the sector holding byte OFFSET of FILE
#                                             fail: sets `bad` (its LBA) and `conf` (blkdebug's)
#   xen_fault_int13_line OP SECTOR CODE LOG   the firmware's int13 line that names the fault
#   xen_fault_timeout_re VDEV SECTOR          the regex of blkfront's timeout line
#   xen_probe_failed_checks SERIAL_LOG        the probe checks that failed
# It also bounds the runs tighter than the harness does (XEN_FAULT_TIMEOUT, at the end).

# What the firmware logs (the places to adapt when its format changes):
# - src/block/int13.rs, for each int13 transfer that failed:
#     [int13] warning: read lba 4096+127: error 0x10 after 88 sectors
#   (OP read|write|verify, the call's first LBA and count, the int13 status AH, and the
#   sectors transferred before the failed request);
# - src/xen/blkfront.rs (src/xen/wait.rs), when the backend did not answer in time:
#     [blkfront] warning: timed out after 10000 ms waiting for xvda at sector 64 (requests 5-5)
# The int13 status codes the firmware gives a backend's answers (src/block/mod.rs DiskError,
# src/xen/blkfront.rs): BLKIF_RSP_ERROR on a read 10h, on a write CCh; no answer 80h.
readonly XEN_AH_READ_ERROR=0x10
readonly XEN_AH_WRITE_FAULT=0xcc
readonly XEN_AH_TIMEOUT=0x80

# xen_fault_le DISK OFFSET BYTES: the little-endian unsigned number of BYTES (1, 2, 4) bytes at
# OFFSET of DISK.
xen_fault_le() {
    od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' '
}

# xen_fault_fat_lba DISK FILE OFFSET: the LBA of DISK that holds byte OFFSET of FILE, a file on
# the FAT partition the image builders make (tests/system/images.sh: at XB_PART_START). From
# the partition's BPB and the file's cluster chain (mtools' mshowfat); checked against the
# file's bytes, so a wrong answer fails here rather than injecting a fault elsewhere.
xen_fault_fat_lba() {
    local disk=$1 file=$2 offset=$3 part=$((XB_PART_START * XB_SECTOR))
    local bps spc reserved fats root_entries fat_sectors
    bps=$(xen_fault_le "$disk" $((part + 0x0b)) 2)
    spc=$(xen_fault_le "$disk" $((part + 0x0d)) 1)
    reserved=$(xen_fault_le "$disk" $((part + 0x0e)) 2)
    fats=$(xen_fault_le "$disk" $((part + 0x10)) 1)
    root_entries=$(xen_fault_le "$disk" $((part + 0x11)) 2)
    fat_sectors=$(xen_fault_le "$disk" $((part + 0x16)) 2)
    if [ "$bps" != "$XB_SECTOR" ] || [ "$fat_sectors" = 0 ]; then
        echo "faults: $disk: not a FAT12/16 partition of $XB_SECTOR-byte sectors at $part" >&2
        return 1
    fi
    # Root directory entries are 32 bytes; the data area (cluster 2) follows it.
    local data=$((XB_PART_START + reserved + fats * fat_sectors \
        + (root_entries * 32 + bps - 1) / bps))
    local cluster_bytes=$((spc * bps)) index range first last cluster=
    index=$((offset / cluster_bytes))
    # mshowfat prints "::/vmlinuz <2-11755>": the chain as runs of clusters.
    for range in $(mshowfat -i "$(xb_fat "$disk")" "::$file" | grep -o '<[0-9-]*>' | tr -d '<>'); do
        first=${range%-*}
        last=${range#*-}
        if [ "$index" -le $((last - first)) ]; then
            cluster=$((first + index))
            break
        fi
        index=$((index - (last - first + 1)))
    done
    if [ -z "$cluster" ]; then
        echo "faults: $file on $disk has no byte $offset" >&2
        return 1
    fi
    local lba=$((data + (cluster - 2) * spc + offset % cluster_bytes / bps))
    if ! cmp -s <(dd if="$disk" bs="$bps" skip="$lba" count=1 status=none) \
        <(mtype -i "$(xb_fat "$disk")" "::$file" | dd bs="$bps" skip=$((offset / bps)) count=1 \
            iflag=fullblock status=none); then
        echo "faults: LBA $lba of $disk does not hold byte $offset of $file" >&2
        return 1
    fi
    echo "$lba"
}

# xen_blkdebug_error EVENT IOTYPE SECTOR: a blkdebug rule (an INI section of its config file):
# every request of IOTYPE (read, write) that covers the 512-byte SECTOR fails with EIO, each
# time (not once). EVENT is the event that arms it: read_aio or write_aio, raised by the raw
# format driver above blkdebug for each request. The iotype keeps a rule armed by a read from
# failing a write of the sector, and the other way round.
xen_blkdebug_error() {
    cat <<EOF
[inject-error]
event = "$1"
iotype = "$2"
sector = "$3"
EOF
}

# xen_fault_file_read NAME DISK FILE OFFSET: for test NAME, a blkdebug config that fails every
# read covering the sector of DISK that holds byte OFFSET of FILE (on its FAT partition). Sets
# `bad` to that LBA and `conf` to the config file's path (in the test's log directory).
xen_fault_file_read() {
    bad=$(xen_fault_fat_lba "$2" "$3" "$4")
    conf=$XB_LOG_DIR/$1/blkdebug.conf
    mkdir -p "$(dirname "$conf")"
    xen_blkdebug_error read_aio read "$bad" >"$conf"
}

# xen_fault_int13_line OP SECTOR CODE LOG: print the first line of the firmware log LOG where
# int13 reports an OP (read, write) that failed with status CODE (0x10, ...) at SECTOR: its
# range N+C holds SECTOR, and the D sectors it transferred before the failed request stop
# short of SECTOR. False (and a reason) when there is none.
xen_fault_int13_line() {
    local op=$1 sector=$2 code=$3 log=$4 line
    line=$(tr -d '\r' <"$log" | awk -v op="$op" -v s="$sector" -v code="$code" '
        match($0, /^\[int13\] warning: [a-z]+ lba [0-9]+\+[0-9]+: error 0x[0-9a-f]+ after [0-9]+ sectors$/) {
            split($0, w, /[ +:]+/)
            # w: [int13] warning read lba N C error CODE after D sectors
            if (w[3] == op && w[7] == "error" && w[8] == code \
                && w[5] + w[10] <= s && s < w[5] + w[6]) { print; exit }
        }')
    if [ -z "$line" ]; then
        echo "no int13 line in $(basename "$log") for a $op at sector $sector failed with $code"
        return 1
    fi
    echo "$line"
}

# xen_fault_timeout_re VDEV SECTOR: the regex of blkfront's line for a batch of VDEV, starting
# at SECTOR, that the backend did not answer in time.
xen_fault_timeout_re() {
    printf '^\\[blkfront\\] warning: timed out after [0-9]+ ms waiting for %s at sector %s ' "$1" "$2"
}

# xen_probe_failed_checks SERIAL_LOG: the ids of the probe's checks that failed, sorted, on
# one line ("03.1 43.1").
xen_probe_failed_checks() {
    tr -d '\r' <"$1" | grep -a '^PROBE [0-9A-F][0-9A-F]\.[0-9]* .*  FAIL' | awk '{ print $2 }' \
        | sort | tr '\n' ' ' | sed 's/ $//'
}

# A fault test's boot is short (about a minute) and a fault must not make anything wait for
# long: a hang fails within these (seconds), not the harness' defaults (600, 300).
readonly XEN_FAULT_TIMEOUT=300
readonly XEN_FAULT_IDLE_TIMEOUT=120
[ "$XB_TIMEOUT" -le "$XEN_FAULT_TIMEOUT" ] || XB_TIMEOUT=$XEN_FAULT_TIMEOUT
[ "$XB_XEN_IDLE_TIMEOUT" -le "$XEN_FAULT_IDLE_TIMEOUT" ] || XB_XEN_IDLE_TIMEOUT=$XEN_FAULT_IDLE_TIMEOUT
