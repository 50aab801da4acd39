//! Fuzzing int 13h with arbitrary register frames and disk address packets, against a
//! simulated IDE disk (a `FakeDisk` on the ATA interface, 512- or 4096-byte sectors), a CD-ROM
//! (a `FakeDisk` CD at E0h) and a Xen PV disk (blkfront over the simulated backend).
//!
//! Invariants, as a loader relies on them: no byte of memory changes outside the caller's
//! buffer (count x sector size from its address, for the functions that read into it),
//! the packet's count field, the table AH=48h fills (within the size the caller gives)
//! and the BDA status byte; CF is set exactly when AH is not 0 (but for 15h and 41h,
//! whose AH is data) and a failure's AH is an int13 status code; the driver is never
//! handed a request outside the drive (`FakeDisk` panics on one).
//!
//! A second property holds the block layer to refusing buffers that are not wholly in e820
//! RAM (the EBDA and the firmware's low area, VGA memory, the ROMs, the BIOS, reserved
//! pages high up): AH=01h, CF, and nothing changed.
//! `tests/fuzz_util/mod.rs` says how the cases run and how a finding is kept.

mod fuzz_util;

use fuzz_util::{DISK, PvRig, bytes, changed_outside, config, no_hang};
use proptest::prelude::*;
use xenbios::bda;
use xenbios::bios::Bios;
use xenbios::block::{DiskError, Drives, Interface, int13};
use xenbios::dispatch;
use xenbios::e820::{E820Map, Kind};
use xenbios::hal::mem::Memory;
use xenbios::hal::regs::Regs;
use xenbios::layout::{EBDA_SIZE, EBDA_START, IMAGE_END, IMAGE_START, LOW_MEM_END};
use xenbios_sim::xen::VbdConfig;
use xenbios_sim::{DiskCall, FakeDisk, Machine, SimMemory};

const KIB: u32 = 1024;
const MIB: u32 = 1024 * KIB;
/// The IDE machine's memory: flat, 2 MiB, so that any real-mode buffer (up to FFFF:FFFF
/// plus 128 sectors of 4 KiB) and flat ones a little above 1 MiB exist.
const FLAT_MEMORY: u32 = 2 * MIB;
/// The PV machine's RAM (0-640 KiB, the BIOS area, 1 MiB up) and where its flat buffers go.
const PV_LOW_RAM: (u32, u32) = (0, LOW_MEM_END);
const PV_HIGH_BUFFERS: (u32, u32) = (MIB, 2 * MIB);
const PV_HOLE: (u32, u32) = (LOW_MEM_END, IMAGE_START);
/// Disks: small, so that LBAs fall on and past the end.
const IDE_SECTORS: u64 = 40_000;
const PV_SECTORS: u64 = 4096;
const XVDA: u32 = 51712;
/// The PV disk's sectors, and what they hold.
const PV_SECTOR: u32 = xen_headers::io::blkif::BLKIF_SECTOR_SIZE as u32;
const PV_DISK_BYTE: u8 = 0x5a;
const PV_IO_TIMEOUT_US: u64 = 5_000;
/// Memory is filled with this first, so that any write shows.
const MARKER: u8 = 0xcc;

// int13 functions (AH) and their layouts (Ralf Brown's list, EDD 3.0).
const LAST_STATUS: u8 = 0x01;
const READ: u8 = 0x02;
const WRITE: u8 = 0x03;
const GET_TYPE: u8 = 0x15;
const EXT_CHECK: u8 = 0x41;
const EXT_READ: u8 = 0x42;
const EXT_WRITE: u8 = 0x43;
const EXT_VERIFY: u8 = 0x44;
const EXT_PARAMETERS: u8 = 0x48;
const FUNCTIONS: [u8; 20] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x08, 0x09, 0x0c, 0x0d, 0x10, 0x11, 0x14, 0x15, 0x16, 0x41, 0x42,
    0x43, 0x44, 0x47, 0x48,
];
/// The packet: size, count at +2, segment:offset at +4, LBA at +8, flat address at +16.
const PKT_COUNT: u32 = 2;
const PKT_BUFFER: u32 = 4;
const PKT_LBA: u32 = 8;
const PKT_FLAT: u32 = 0x10;
const PKT_MIN: u8 = 0x10;
const PKT_FLAT_SIZE: u8 = 0x18;
const USE_FLAT: u32 = 0xffff_ffff;
/// AH=48h's table sizes: EDD 1.x, 2.x, 3.0 (Phoenix) and 3.0 (T13).
const PARAMETER_TABLE_SIZES: [u16; 4] = [0x1a, 0x1e, 0x42, 0x4a];
/// AH=41h's answer: BX 55AAh in, AH the EDD version out (3.0), and AH=15h's (a disk).
const EXT_CHECK_MAGIC: u16 = 0x55aa;
const EDD_VERSION: u8 = 0x30;
const TYPE_NONE: u8 = 0x00;
const TYPE_DISK: u8 = 0x03;
/// AH=15h on a CD-ROM: "diskette, no change line", as SeaBIOS answers.
const TYPE_NO_CHANGE_LINE: u8 = 0x01;
/// CD-ROMs are numbered from E0h.
const FIRST_CD: u8 = 0xe0;
/// CD sectors.
const CD_SECTOR: u32 = 2048;
/// The BDA status byte of diskettes (hard disks': `bda::DISK_STATUS`).
const FLOPPY_STATUS: u32 = 0x41;
/// Drive numbers from here are hard disks.
const FIRST_HD: u8 = 0x80;
/// A real-mode segment is 16 bytes a unit; an offset reaches 64 KiB.
const PARAGRAPH: u32 = 16;
const SEGMENT_REACH: u32 = 0x1_0000;
/// Most sectors a call may ask for (AL, or the packet's count with room to spare).
const MAX_ASKED: u16 = 130;
/// Room for a packet or AH=48h's table (74 bytes) at DS:SI.
const PACKET_ROOM: u32 = 0x100;
/// Where the buffer property puts its packet (0000:0600, free low memory).
const PKT: u32 = 0x600;
/// The interrupt vector of the disk service.
const INT13: u16 = 0x13;
/// The IDE disk's geometry (IDENTIFY words 1, 3, 6) and port (the primary channel's).
const IDE_CHS: (u32, u32, u32) = (40, 16, 63);
const IDE_PRIMARY_BASE: u16 = 0x1f0;

/// int13 status codes a failure may report.
const CODES: [DiskError; 21] = [
    DiskError::BadCommand,
    DiskError::AddressMarkNotFound,
    DiskError::WriteProtected,
    DiskError::SectorNotFound,
    DiskError::ResetFailed,
    DiskError::MediaChanged,
    DiskError::DmaBoundary,
    DiskError::BadSector,
    DiskError::ReadError,
    DiskError::ControllerFailure,
    DiskError::MediaNotPresent,
    DiskError::SeekFailed,
    DiskError::Timeout,
    DiskError::NotLocked,
    DiskError::Locked,
    DiskError::NotRemovable,
    DiskError::TooManyLocks,
    DiskError::EjectFailed,
    DiskError::NotReady,
    DiskError::Undefined,
    DiskError::WriteFault,
];

fn is_status_code(ah: u8) -> bool {
    CODES.iter().any(|c| c.code() == ah)
}

/// A linear address (below `REAL_MODE_MEMORY`) as segment:offset, the offset chosen by
/// `pick` (any number) among those that work.
fn seg_off(linear: u32, pick: usize) -> (u16, u16) {
    const MAX_SEGMENT_BASE: u32 = 0xffff * PARAGRAPH;
    // Offsets that leave a segment base in reach, a multiple of 16 below `linear`.
    let lowest = linear.saturating_sub(MAX_SEGMENT_BASE);
    let lowest = lowest + (linear - lowest) % PARAGRAPH;
    let highest = linear.min(SEGMENT_REACH - 1);
    let choices = (highest - lowest) / PARAGRAPH + 1;
    let off = lowest + (pick % choices as usize) as u32 * PARAGRAPH;
    (((linear - off) / PARAGRAPH) as u16, off as u16)
}

/// The real-mode address nearest `linear` (FFFF:FFFF at most).
fn real_mode(linear: u32) -> u32 {
    linear.min(xenbios_sim::REAL_MODE_MEMORY as u32 - 1)
}

/// A call: registers and, at DS:SI, a packet (or 48h's buffer).
#[derive(Clone, Debug)]
struct Frame {
    ah: u8,
    al: u8,
    cx: u16,
    dl: u8,
    dh: u8,
    bx: u16,
    /// ES:BX's linear address (BX is replaced to reach it unless `raw_es_bx`).
    buffer: u32,
    raw_es_bx: bool,
    es_pick: usize,
    /// DS:SI's linear address and how it is split.
    packet_at: u32,
    ds_pick: usize,
    packet: Packet,
    /// What the BDA status byte holds before the call.
    status: u8,
}

#[derive(Clone, Debug)]
struct Packet {
    size: u8,
    count: u16,
    /// Segment:offset of the buffer (FFFF:FFFF: the flat address).
    flat: bool,
    buffer: u32,
    buf_pick: usize,
    lba: u64,
    /// For 48h: the size word.
    room: u16,
}

fn lba(sectors: u64) -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => 0..sectors,
        1 => sectors - 200..sectors + 10,
        1 => any::<u64>(),
    ]
}

fn packet(
    buffers: impl Strategy<Value = u32> + Clone,
    sectors: u64,
) -> impl Strategy<Value = Packet> {
    (
        prop_oneof![Just(PKT_MIN), Just(PKT_FLAT_SIZE), any::<u8>()],
        prop_oneof![4 => 0..=MAX_ASKED, 1 => any::<u16>()],
        prop::bool::weighted(0.3),
        buffers,
        any::<usize>(),
        lba(sectors),
        prop_oneof![
            prop::sample::select(PARAMETER_TABLE_SIZES.to_vec()),
            0u16..0x60,
            any::<u16>()
        ],
    )
        .prop_map(|(size, count, flat, buffer, buf_pick, lba, room)| Packet {
            size,
            count,
            flat,
            buffer,
            buf_pick,
            lba,
            room,
        })
}

/// Frames whose buffers and packets come from `buffers` and `packets` (addresses where the
/// machine has memory), on a disk of `sectors` sectors.
fn frame(
    buffers: impl Strategy<Value = u32> + Clone,
    packets: impl Strategy<Value = u32>,
    sectors: u64,
) -> impl Strategy<Value = Frame> {
    (
        prop_oneof![6 => prop::sample::select(&FUNCTIONS[..]), 1 => any::<u8>()],
        prop_oneof![3 => 0u8..=MAX_ASKED as u8, 1 => any::<u8>()],
        any::<u16>(),
        prop_oneof![6 => Just(DISK), 1 => Just(DISK + 1), 1 => Just(0u8), 1 => any::<u8>()],
        prop_oneof![3 => 0u8..16, 1 => any::<u8>()],
        prop_oneof![Just(EXT_CHECK_MAGIC), any::<u16>()],
        (buffers.clone(), prop::bool::weighted(0.1), any::<usize>()),
        (packets, any::<usize>(), packet(buffers, sectors)),
        prop::sample::select(
            CODES
                .iter()
                .map(|c| c.code())
                .chain([0])
                .collect::<Vec<_>>(),
        ),
    )
        .prop_map(
            |(
                ah,
                al,
                cx,
                dl,
                dh,
                bx,
                (buffer, raw_es_bx, es_pick),
                (packet_at, ds_pick, packet),
                status,
            )| Frame {
                ah,
                al,
                cx,
                dl,
                dh,
                bx,
                buffer,
                raw_es_bx,
                es_pick,
                packet_at,
                ds_pick,
                packet,
                status,
            },
        )
}

/// Bytes past a buffer's address that memory must hold (the most sectors asked for).
fn room_needed(sector_size: u32) -> u32 {
    u32::from(MAX_ASKED) * sector_size
}

impl Frame {
    /// Write the packet (and the status byte) into `mem`; the registers of the call.
    fn prepare(&self, mem: &mut dyn Memory) -> Regs {
        let status = if self.dl < FIRST_HD {
            bda::at(FLOPPY_STATUS)
        } else {
            bda::at(bda::DISK_STATUS)
        };
        mem.write_u8(status, self.status);
        let p = &self.packet;
        let at = self.packet_at;
        if self.ah == EXT_PARAMETERS {
            mem.write_u16(at, p.room);
        } else {
            mem.write_u8(at, p.size);
            mem.write_u16(at + PKT_COUNT, p.count);
            if p.flat {
                mem.write_u32(at + PKT_BUFFER, USE_FLAT);
                mem.write_u64(at + PKT_FLAT, u64::from(p.buffer));
            } else {
                let (seg, off) = seg_off(real_mode(p.buffer), p.buf_pick);
                mem.write_u16(at + PKT_BUFFER, off);
                mem.write_u16(at + PKT_BUFFER + 2, seg);
            }
            mem.write_u64(at + PKT_LBA, p.lba);
        }
        let (es, bx) = if self.raw_es_bx {
            ((real_mode(self.buffer) / PARAGRAPH) as u16, self.bx)
        } else {
            seg_off(real_mode(self.buffer), self.es_pick)
        };
        let bx = if self.ah == EXT_CHECK { self.bx } else { bx };
        let (ds, si) = seg_off(self.packet_at, self.ds_pick);
        Regs {
            eax: u32::from(self.ah) << 8 | u32::from(self.al),
            ebx: u32::from(bx),
            ecx: u32::from(self.cx),
            edx: u32::from(self.dh) << 8 | u32::from(self.dl),
            esi: u32::from(si),
            es,
            ds,
            vector: INT13,
            ..Default::default()
        }
    }
}

/// Where the call may write: `[from, to)` ranges (worked out before the call, from its
/// registers and packet).
fn allowed_writes(f: &Frame, r: &Regs, mem: &dyn Memory, sector_size: u32) -> Vec<(u64, u64)> {
    let status = if f.dl < FIRST_HD {
        bda::at(FLOPPY_STATUS)
    } else {
        bda::at(bda::DISK_STATUS)
    };
    let mut ok = vec![(u64::from(status), u64::from(status) + 1)];
    let pkt = u64::from(xenbios::hal::mem::linear(r.ds, r.si()));
    match f.ah {
        READ => {
            let start = u64::from(xenbios::hal::mem::linear(r.es, r.bx()));
            ok.push((start, start + u64::from(f.al) * u64::from(sector_size)));
        }
        EXT_READ => {
            ok.push((pkt + u64::from(PKT_COUNT), pkt + u64::from(PKT_COUNT) + 2));
            let count = u64::from(f.packet.count);
            let seg_off = mem.read_u32(pkt as u32 + PKT_BUFFER);
            let start = if seg_off == USE_FLAT {
                mem.read_u64(pkt as u32 + PKT_FLAT)
            } else {
                u64::from(xenbios::hal::mem::linear(
                    (seg_off >> 16) as u16,
                    seg_off as u16,
                ))
            };
            ok.push((start, start + count * u64::from(sector_size)));
        }
        EXT_WRITE | EXT_VERIFY => {
            ok.push((pkt + u64::from(PKT_COUNT), pkt + u64::from(PKT_COUNT) + 2))
        }
        EXT_PARAMETERS => ok.push((pkt, pkt + u64::from(f.packet.room))),
        _ => {}
    }
    ok
}

/// The register invariants after the call.
fn check_regs(f: &Frame, r: &Regs) {
    let (ah, cf) = (r.ah(), r.cf());
    match (f.ah, cf) {
        (GET_TYPE, false) => assert!(
            ah == TYPE_NONE || ah == TYPE_DISK || (f.dl >= FIRST_CD && ah == TYPE_NO_CHANGE_LINE),
            "15h: AH={ah:#04x}"
        ),
        (EXT_CHECK, false) => assert_eq!(ah, EDD_VERSION, "41h"),
        (LAST_STATUS, _) => assert_eq!(cf, ah != 0, "01h: CF and AH={ah:#04x}"),
        (_, false) => assert_eq!(ah, 0, "{:#04x}: CF clear with AH={ah:#04x}", f.ah),
        (_, true) => assert!(
            is_status_code(ah),
            "{:#04x}: AH={ah:#04x} is no status",
            f.ah
        ),
    }
    if cf && f.ah != LAST_STATUS {
        assert!(ah != 0, "CF set with AH=0");
    }
    if f.ah == READ || f.ah == WRITE {
        assert!(r.al() <= f.al, "AL {} sectors done of {}", r.al(), f.al);
    }
}

// ---- the IDE disk (FakeDisk) ----------------------------------------------------------

/// The flat machine's memory map: all RAM (int13 keeps out of its own low area anyway).
fn flat_e820() -> E820Map {
    let mut e = E820Map::new();
    e.add(0, u64::from(FLAT_MEMORY), Kind::Ram);
    e
}

/// A machine with flat memory filled with the marker and one disk at 80h.
fn ide_machine(disk: &FakeDisk) -> (Machine, Drives) {
    let mut drives = Drives::new();
    disk.register(&mut drives);
    let mut m = Machine {
        mem: SimMemory::new(FLAT_MEMORY as usize),
        ..Machine::default()
    };
    m.mem.bytes.fill(MARKER);
    m.mem
        .write_u8(bda::at(bda::DISK_COUNT), drives.disk_count());
    (m, drives)
}

fn ide_disk(sector_size: u32, read_only: bool) -> FakeDisk {
    let d = FakeDisk::with_sector_size(IDE_SECTORS, sector_size)
        .with_chs(IDE_CHS.0, IDE_CHS.1, IDE_CHS.2)
        .with_interface(Interface::Ata {
            pci: None,
            channel: 0,
            slave: false,
            atapi: false,
            io_base: IDE_PRIMARY_BASE,
        });
    if read_only { d.read_only() } else { d }
}

fn ide_case(frames: Vec<Frame>, sector_size: u32, read_only: bool) {
    let disk = ide_disk(sector_size, read_only);
    let (mut m, mut drives) = ide_machine(&disk);
    for f in frames {
        ide_call(&f, &mut m, &mut drives, sector_size);
    }
}

/// One call on the IDE machine, its memory filled with the marker first.
fn ide_call(f: &Frame, m: &mut Machine, drives: &mut Drives, sector_size: u32) {
    let disk_count = m.mem.read_u8(bda::at(bda::DISK_COUNT));
    m.mem.bytes.fill(MARKER);
    m.mem.write_u8(bda::at(bda::DISK_COUNT), disk_count);
    let mut r = f.prepare(&mut m.mem);
    let allowed = allowed_writes(f, &r, &m.mem, sector_size);
    let before = m.mem.bytes.clone();
    int13::handle(&mut r, &mut m.ctx(), drives, &flat_e820());
    check_regs(f, &r);
    let stray = changed_outside(0, &before, &m.mem.bytes, &allowed);
    assert_eq!(
        stray,
        None,
        "AH={:#04x} changed a byte outside its buffer",
        r.ah()
    );
}

/// Buffers (and packets) anywhere the flat machine reaches: real-mode addresses, and flat
/// ones above 1 MiB.
fn ide_buffers(sector_size: u32) -> impl Strategy<Value = u32> + Clone {
    let real_mode_end = xenbios_sim::REAL_MODE_MEMORY as u32;
    prop_oneof![
        3 => 0u32..real_mode_end,
        1 => MIB..FLAT_MEMORY - room_needed(sector_size),
    ]
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn int13_frames_on_an_ide_disk(
        (sector_size, frames) in prop_oneof![Just(512u32), Just(4096u32)].prop_flat_map(|ss| {
            let packets = 0u32..real_mode(u32::MAX) - PACKET_ROOM;
            (Just(ss), prop::collection::vec(frame(ide_buffers(ss), packets, IDE_SECTORS), 1..8))
        }),
        read_only in prop::bool::weighted(0.2),
    ) {
        ide_case(frames, sector_size, read_only);
    }
}

// ---- a CD-ROM (E0h) ---------------------------------------------------------------------

proptest! {
    #![proptest_config(config(150))]

    /// The frames aimed at the disk go to the CD at E0h instead: 2048-byte sectors, read
    /// only, and the driver never sees a write or a sector past the disc.
    #[test]
    fn int13_frames_on_a_cd(
        frames in prop::collection::vec(
            frame(ide_buffers(CD_SECTOR), 0u32..real_mode(u32::MAX) - PACKET_ROOM, IDE_SECTORS / 4),
            1..8,
        ),
    ) {
        let cd = FakeDisk::with_sector_size(IDE_SECTORS / 4, CD_SECTOR).cdrom();
        let (mut m, mut drives) = ide_machine(&cd);
        for mut f in frames {
            if f.dl == DISK {
                f.dl = FIRST_CD;
            }
            ide_call(&f, &mut m, &mut drives, CD_SECTOR);
        }
        let writes = cd.state().calls.iter().filter(|c| matches!(c, DiskCall::Write { .. })).count();
        prop_assert_eq!(writes, 0);
    }
}

// ---- the PV disk --------------------------------------------------------------------

/// RAM of the PV machine: buffers must lie in it (the simulated memory has none in the VGA
/// and ROM hole, and the buffer check for firmware memory is the other property's).
fn pv_buffers() -> impl Strategy<Value = u32> + Clone {
    let ss = PV_SECTOR;
    prop_oneof![
        3 => PV_LOW_RAM.0..PV_LOW_RAM.1 - room_needed(ss),
        1 => PV_HIGH_BUFFERS.0..PV_HIGH_BUFFERS.1,
    ]
}

fn pv_case(f: Frame, pv: &mut PvRig) {
    let ss = PV_SECTOR;
    let disk_count = pv.m.mem.read_u8(bda::at(bda::DISK_COUNT));
    for &(s, e) in &[PV_LOW_RAM, PV_HIGH_BUFFERS] {
        pv.m.mem.fill(s, e - s, MARKER);
    }
    pv.m.mem.write_u8(bda::at(bda::DISK_COUNT), disk_count);
    let mut r = f.prepare(&mut pv.m.mem);
    let allowed = allowed_writes(&f, &r, &pv.m.mem, ss);
    let before: Vec<Vec<u8>> = [PV_LOW_RAM, PV_HIGH_BUFFERS]
        .iter()
        .map(|&(s, e)| bytes(&pv.m.mem, s, (e - s) as usize))
        .collect();
    int13::handle(&mut r, &mut pv.m.ctx(), &mut pv.drives, &pv.e820);
    check_regs(&f, &r);
    for (&(s, _), before) in [PV_LOW_RAM, PV_HIGH_BUFFERS].iter().zip(&before) {
        let after = bytes(&pv.m.mem, s, before.len());
        let stray = changed_outside(s, before, &after, &allowed);
        assert_eq!(
            stray,
            None,
            "AH={:#04x} changed a byte outside its buffer",
            r.ah()
        );
    }
}

/// Whether the frame's buffers stay out of the PV machine's memory hole (a buffer there is
/// the other property's case).
fn pv_in_ram(f: &Frame, ss: u32) -> bool {
    let clear = |start: u32, count: u32| {
        let end = u64::from(start) + u64::from(count) * u64::from(ss);
        end <= u64::from(PV_HOLE.0) || u64::from(start) >= u64::from(PV_HOLE.1)
    };
    let packet_buffer = if f.packet.flat {
        f.packet.buffer
    } else {
        real_mode(f.packet.buffer)
    };
    clear(real_mode(f.buffer), u32::from(f.al)) && clear(packet_buffer, u32::from(f.packet.count))
}

proptest! {
    #![proptest_config(config(200))]

    #[test]
    fn int13_frames_on_a_pv_disk(
        frames in prop::collection::vec(frame(pv_buffers(), 0u32..PV_LOW_RAM.1 - PACKET_ROOM, PV_SECTORS), 1..8),
        x86_32 in any::<bool>(),
    ) {
        no_hang(move || {
            let disk = vec![PV_DISK_BYTE; PV_SECTORS as usize * PV_SECTOR as usize];
            let mut pv = PvRig::new(XVDA, disk, VbdConfig::default(), x86_32, PV_IO_TIMEOUT_US);
            let ss = PV_SECTOR;
            for f in frames.into_iter().filter(|f| pv_in_ram(f, ss)) {
                pv_case(f, &mut pv);
            }
        });
    }
}

// ---- buffers in the firmware's memory -----------------------------------------------

/// The e820 map of the flat machine, as POST leaves it: RAM up to the EBDA, the firmware's
/// low area reserved, nothing for VGA memory and the ROMs, the BIOS reserved, RAM from
/// 1 MiB up to the firmware's pages at the top, those reserved.
const TOP_RESERVED: u32 = 64 * KIB;
fn firmware_e820() -> E820Map {
    let mut e = E820Map::new();
    e.add(0, u64::from(EBDA_START), Kind::Ram);
    e.add(
        u64::from(EBDA_START),
        u64::from(LOW_MEM_END),
        Kind::Reserved,
    );
    e.add(u64::from(IMAGE_START), u64::from(IMAGE_END), Kind::Reserved);
    e.add(
        u64::from(MIB),
        u64::from(FLAT_MEMORY - TOP_RESERVED),
        Kind::Ram,
    );
    e.add(
        u64::from(FLAT_MEMORY - TOP_RESERVED),
        u64::from(FLAT_MEMORY),
        Kind::Reserved,
    );
    e
}

/// Ranges a buffer must not touch: the EBDA and everything e820 does not call RAM.
const NOT_RAM: [(u32, u32); 3] = [
    (EBDA_START, IMAGE_END),
    (FLAT_MEMORY - TOP_RESERVED, FLAT_MEMORY),
    // The EBDA's first KiB alone (a buffer that only grazes it).
    (EBDA_START, EBDA_START + KIB),
];

/// A transfer whose buffer overlaps one of [`NOT_RAM`].
#[derive(Clone, Debug)]
struct Trespass {
    ah: u8,
    count: u16,
    buffer: u32,
    pick: usize,
    flat: bool,
    lba: u64,
}

fn trespass(sector_size: u32) -> impl Strategy<Value = Trespass> {
    (
        prop::sample::select(vec![READ, WRITE, EXT_READ, EXT_WRITE]),
        1u16..=128,
        prop::sample::select(&NOT_RAM[..]),
        any::<prop::sample::Index>(),
        any::<usize>(),
        any::<bool>(),
        0u64..1000,
    )
        .prop_map(move |(ah, count, (lo, hi), at, pick, flat, lba)| {
            // Somewhere from one sector before the range to its last byte.
            let len = u32::from(count) * sector_size;
            let first = lo.saturating_sub(len - 1);
            let buffer = first + at.index((hi - first) as usize) as u32;
            let buffer = buffer.min(FLAT_MEMORY - len);
            Trespass {
                ah,
                count,
                buffer,
                pick,
                flat,
                lba,
            }
        })
}

fn trespass_case(t: Trespass, sector_size: u32) {
    let disk = ide_disk(sector_size, false);
    let mut drives = Drives::new();
    disk.register(&mut drives);
    let mut bios = Box::new(Bios::new());
    bios.drives = drives;
    bios.e820 = firmware_e820();
    let mut m = Machine {
        mem: SimMemory::new(FLAT_MEMORY as usize),
        ..Machine::default()
    };
    m.mem.bytes.fill(MARKER);
    // The BDA as POST leaves it: one disk, conventional memory up to the EBDA.
    m.mem.write_u8(bda::at(bda::DISK_COUNT), 1);
    m.mem
        .write_u16(bda::at(bda::EBDA_SEG), (EBDA_START / PARAGRAPH) as u16);
    m.mem
        .write_u16(bda::at(bda::MEM_KB), (EBDA_START / KIB) as u16);
    m.mem.write_u8(EBDA_START, (EBDA_SIZE / KIB) as u8);
    let real_mode = t.buffer < xenbios_sim::REAL_MODE_MEMORY as u32;
    let chs = t.ah == READ || t.ah == WRITE;
    if chs && !real_mode {
        return;
    }
    let pkt = PKT;
    let mut r = Regs {
        eax: u32::from(t.ah) << 8,
        edx: u32::from(DISK),
        vector: INT13,
        ..Default::default()
    };
    if chs {
        // Cylinder 0, head 0, a sector of the first track.
        let (es, bx) = seg_off(t.buffer, t.pick);
        r.es = es;
        r.set_bx(bx);
        r.set_al(t.count as u8);
        r.set_cl((1 + t.lba % u64::from(IDE_CHS.2)) as u8);
    } else {
        m.mem.write_u8(pkt, PKT_FLAT_SIZE);
        m.mem.write_u16(pkt + PKT_COUNT, t.count);
        if t.flat || !real_mode {
            m.mem.write_u32(pkt + PKT_BUFFER, USE_FLAT);
            m.mem.write_u64(pkt + PKT_FLAT, u64::from(t.buffer));
        } else {
            let (seg, off) = seg_off(t.buffer, t.pick);
            m.mem.write_u16(pkt + PKT_BUFFER, off);
            m.mem.write_u16(pkt + PKT_BUFFER + 2, seg);
        }
        m.mem.write_u64(pkt + PKT_LBA, t.lba);
        r.esi = pkt;
    }
    let before = m.mem.bytes.clone();
    dispatch::dispatch(&mut r, &mut m.ctx(), &mut bios);
    assert!(
        r.cf() && r.ah() == DiskError::BadCommand.code(),
        "{t:?}: AH={:#04x} CF={}",
        r.ah(),
        r.cf()
    );
    let status = u64::from(bda::at(bda::DISK_STATUS));
    let count = u64::from(pkt + PKT_COUNT);
    let allowed = [(status, status + 1), (count, count + 2)];
    let stray = changed_outside(0, &before, &m.mem.bytes, &allowed);
    assert_eq!(stray, None, "{t:?} changed memory");
    assert!(disk.state().calls.is_empty(), "{t:?} reached the driver");
}

proptest! {
    #![proptest_config(config(300))]

    /// Buffers overlapping the firmware's memory or memory that is not RAM are refused with
    /// AH=01h before anything moves, for reads and writes, CHS and EDD.
    #[test]
    fn int13_refuses_buffers_outside_ram(
        (sector_size, t) in prop_oneof![Just(512u32), Just(4096u32)].prop_flat_map(|ss| (Just(ss), trespass(ss))),
    ) {
        trespass_case(t, sector_size);
    }
}

#[test]
fn seg_off_reaches_every_real_mode_address() {
    for linear in [
        0, 15, 16, 0xffff, 0x1_0000, 0xf_fff0, 0x10_0000, 0x10_ffe0, 0x10_ffef,
    ] {
        for pick in [0, 1, usize::MAX / 2, usize::MAX] {
            let (seg, off) = seg_off(linear, pick);
            assert_eq!(xenbios::hal::mem::linear(seg, off), linear, "{linear:#x}");
        }
    }
}
