//! Option ROMs against a simulated machine: ROM BARs, fw_cfg files and ROM code played by
//! the test (a `ScriptedCpu`). What a user would see: where ROMs land, what runs, which
//! boot entries appear, what the log says about ROMs that were skipped.

use std::cell::RefCell;
use std::rc::Rc;
use xenbios::boot::Bev;
use xenbios::hal::Ctx;
use xenbios::hal::cpu::{Call16, call_kind};
use xenbios::hal::mem::{FarPtr, Memory};
use xenbios::hal::regs::Flags;
use xenbios::hw::pci::Bdf;
use xenbios::oprom::{self, PciRom, PciRoms, RomArea, Skip};
use xenbios_sim::{
    REAL_MODE_MEMORY, ScriptedCpu, SharedSimMemory, SimClock, SimConsole, SimFunction, SimFwCfg,
    SimMemory, SimPci, SimPorts,
};

const BLOCK: usize = 512;
const PCIR_AT: usize = 0x40;
const PNP_AT: usize = 0x60;
const NAME_AT: usize = 0x100;
const NAME: &[u8] = b"Test Boot ROM\0";
const CODE_X86: u8 = 0;
const CODE_EFI: u8 = 3;

/// One ROM image, as a ROM build would lay it out.
#[derive(Clone, Copy)]
struct Image {
    blocks: u8,
    /// vendor, device, code type, last image
    pci: Option<(u16, u16, u8, bool)>,
    pnp: bool,
    bev: u16,
    bcv: u16,
    checksum_ok: bool,
}

const LEGACY: Image = Image {
    blocks: 4,
    pci: None,
    pnp: false,
    bev: 0,
    bcv: 0,
    checksum_ok: true,
};

fn pci_image(vendor: u16, device: u16) -> Image {
    Image {
        pci: Some((vendor, device, CODE_X86, true)),
        ..LEGACY
    }
}

fn boot_rom(vendor: u16, device: u16, bev: u16) -> Image {
    Image {
        pnp: true,
        bev,
        ..pci_image(vendor, device)
    }
}

fn build(img: Image) -> Vec<u8> {
    let len = img.blocks as usize * BLOCK;
    let mut b = vec![0u8; len];
    b[0..2].copy_from_slice(&[0x55, 0xaa]);
    b[2] = img.blocks;
    b[3] = 0xcb; // retf: the init entry
    if let Some((vendor, device, code, last)) = img.pci {
        b[0x18..0x1a].copy_from_slice(&(PCIR_AT as u16).to_le_bytes());
        let p = &mut b[PCIR_AT..PCIR_AT + 0x18];
        p[0..4].copy_from_slice(b"PCIR");
        p[4..6].copy_from_slice(&vendor.to_le_bytes());
        p[6..8].copy_from_slice(&device.to_le_bytes());
        p[0x0a..0x0c].copy_from_slice(&0x18u16.to_le_bytes());
        p[0x10..0x12].copy_from_slice(&(img.blocks as u16).to_le_bytes());
        p[0x14] = code;
        p[0x15] = if last { 0x80 } else { 0 };
    }
    if img.pnp {
        b[0x1a..0x1c].copy_from_slice(&(PNP_AT as u16).to_le_bytes());
        let p = &mut b[PNP_AT..PNP_AT + 0x20];
        p[0..4].copy_from_slice(b"$PnP");
        p[4] = 1;
        p[5] = 2;
        p[0x10..0x12].copy_from_slice(&(NAME_AT as u16).to_le_bytes());
        p[0x16..0x18].copy_from_slice(&img.bcv.to_le_bytes());
        p[0x1a..0x1c].copy_from_slice(&img.bev.to_le_bytes());
        let sum = p.iter().fold(0u8, |s, &x| s.wrapping_add(x));
        p[9] = 0u8.wrapping_sub(sum);
        b[NAME_AT..NAME_AT + NAME.len()].copy_from_slice(NAME);
    }
    let sum = b.iter().fold(0u8, |s, &x| s.wrapping_add(x));
    b[len - 1] = 0u8.wrapping_sub(sum).wrapping_add(!img.checksum_ok as u8);
    b
}

/// The simulated machine: i440FX host bridge, PCI functions with ROM BARs whose
/// contents sit in low memory, fw_cfg, and ROM code played by closures.
struct Rig {
    mem: SharedSimMemory,
    ports: SimPorts,
    clock: SimClock,
    cpu: ScriptedCpu,
    console: SimConsole,
    pci: Rc<RefCell<SimPci>>,
    roms: PciRoms,
}

/// Where the test maps ROM BARs: low memory the simulation has (real ones are high).
const BAR_BASE: u32 = 0x20000;
const BAR_SIZE: u32 = 0x10000;

impl Rig {
    fn new(fw_files: &[(&str, Vec<u8>)]) -> Rig {
        let mem = SharedSimMemory::new(xenbios_sim::SimMemory::new(REAL_MODE_MEMORY));
        let mut pci = SimPci::new();
        pci.add(None, 0, 0, SimFunction::new(0x8086, 0x1237, 0x0600));
        let pci = Rc::new(RefCell::new(pci));
        let mut ports = SimPorts::new();
        ports.attach(0xcf8, 0xcff, pci.clone());
        let mut fw = SimFwCfg::new();
        for (name, data) in fw_files {
            fw.add_file(name, data);
        }
        ports.attach(0x510, 0x511, Rc::new(RefCell::new(fw)));
        Rig {
            cpu: ScriptedCpu::new(&mem),
            mem,
            ports,
            clock: SimClock::default(),
            console: SimConsole::default(),
            pci,
            roms: PciRoms::new(),
        }
    }

    /// A function at 00:dev.0 whose ROM BAR (slot `n`) holds `rom`.
    fn device(&mut self, dev: u8, vendor: u16, device: u16, class: u16, rom: &[u8]) -> usize {
        let base = BAR_BASE + dev as u32 * BAR_SIZE;
        let f = SimFunction::new(vendor, device, class).rom(BAR_SIZE);
        let i = self.pci.borrow_mut().add(None, dev, 0, f);
        self.mem.0.borrow_mut().write(base, rom);
        self.roms.push(PciRom {
            bdf: Bdf::new(0, dev, 0),
            vendor,
            device,
            class,
            base,
            len: BAR_SIZE,
        });
        i
    }

    fn ctx(&mut self) -> Ctx<'_> {
        Ctx {
            mem: &mut self.mem,
            io: &self.ports,
            clock: &self.clock,
            cpu: &mut self.cpu,
            console: &mut self.console,
        }
    }

    fn read(&self, addr: u32, len: usize) -> Vec<u8> {
        self.mem.0.borrow().slice(addr, len).to_vec()
    }

    fn ivt(&self, v: u8) -> FarPtr {
        let m = self.mem.0.borrow();
        FarPtr::new(m.read_u16(v as u32 * 4 + 2), m.read_u16(v as u32 * 4))
    }

    /// Init calls made, as (segment, offset).
    fn inits(&self) -> Vec<(u16, u16)> {
        self.cpu
            .calls
            .iter()
            .filter(|c| c.regs.ip == oprom::INIT_ENTRY)
            .map(|c| (c.regs.cs, c.regs.ip))
            .collect()
    }
}

fn set_ivt(m: &mut SimMemory, v: u8, p: FarPtr) {
    m.write_u16(v as u32 * 4, p.offset);
    m.write_u16(v as u32 * 4 + 2, p.segment);
}

const VGA_INT10: FarPtr = FarPtr::new(0xc000, 0x0100);

/// What SeaVGABIOS's init does that matters here: take int10.
fn vga_bios_hooks_int10(rig: &mut Rig) {
    rig.cpu.on_call = Box::new(|call: &mut Call16, m: &mut SimMemory| {
        if (call.regs.cs, call.regs.ip) == (0xc000, oprom::INIT_ENTRY) {
            set_ivt(m, 0x10, VGA_INT10);
        }
    });
}

#[test]
fn parses_pci_data_and_pnp_headers() {
    let rom = build(boot_rom(0x8086, 0x100e, 0x0385));
    let d = oprom::parse_pci_data(rom[PCIR_AT..PCIR_AT + 0x18].try_into().unwrap()).unwrap();
    assert_eq!(
        (d.vendor, d.device, d.code_type, d.last),
        (0x8086, 0x100e, 0, true)
    );
    assert_eq!(d.image_len, 4 * 512);
    let p = oprom::parse_pnp(rom[PNP_AT..PNP_AT + 0x20].try_into().unwrap()).unwrap();
    assert_eq!(
        (p.bev, p.bcv, p.product, p.next),
        (0x0385, 0, NAME_AT as u16, 0)
    );
    assert_eq!(oprom::parse_pci_data(&[0; 0x18]), None);
    assert_eq!(oprom::parse_pnp(&[0; 0x20]), None);
}

#[test]
fn the_x86_image_is_picked_out_of_a_multi_image_rom() {
    // An EFI image first (as in QEMU's efi-*.rom), then the legacy one.
    let efi = Image {
        pci: Some((0x8086, 0x100e, CODE_EFI, false)),
        blocks: 2,
        ..LEGACY
    };
    let mut rom = build(efi);
    rom.extend(build(boot_rom(0x8086, 0x100e, 0x385)));
    let mut mem = SimMemory::new(REAL_MODE_MEMORY);
    mem.write(BAR_BASE, &rom);
    assert_eq!(
        oprom::select_image(&mem, BAR_BASE, BAR_SIZE, 0x8086, 0x100e),
        Ok((2 * 512, 4 * 512))
    );
    assert_eq!(
        oprom::select_image(&mem, BAR_BASE, BAR_SIZE, 0x8086, 0x10d3),
        Err(Skip::WrongDevice {
            vendor: 0x8086,
            device: 0x100e
        })
    );
    // Only the EFI image: nothing to run.
    let mut only_efi = efi;
    only_efi.pci = Some((0x8086, 0x100e, CODE_EFI, true));
    mem.write(BAR_BASE, &build(only_efi));
    assert_eq!(
        oprom::select_image(&mem, BAR_BASE, BAR_SIZE, 0x8086, 0x100e),
        Err(Skip::NotX86(CODE_EFI))
    );
}

#[test]
fn a_revision_3_device_list_matches_other_device_ids() {
    let mut rom = build(pci_image(0x1af4, 0x1000));
    rom[PCIR_AT + 0x0c] = 3; // data structure revision
    rom[PCIR_AT + 0x08..PCIR_AT + 0x0a].copy_from_slice(&0x30u16.to_le_bytes());
    let list = PCIR_AT + 0x30;
    rom[list..list + 6].copy_from_slice(&[0x41, 0x10, 0x42, 0x10, 0, 0]);
    let mut mem = SimMemory::new(REAL_MODE_MEMORY);
    mem.write(BAR_BASE, &rom);
    assert!(oprom::select_image(&mem, BAR_BASE, BAR_SIZE, 0x1af4, 0x1042).is_ok());
    assert!(oprom::select_image(&mem, BAR_BASE, BAR_SIZE, 0x1af4, 0x1043).is_err());
}

#[test]
fn a_device_list_past_the_end_of_the_rom_is_not_read() {
    // Found by tests/fuzz_parsers.rs: the list pointer was followed wherever it led. Here
    // it leads past the ROM, where memory happens to hold the ID asked for.
    let mut rom = build(pci_image(0x1af4, 0x1000));
    let len = rom.len();
    rom[PCIR_AT + 0x0c] = 3; // data structure revision
    let past = (len - PCIR_AT) as u16;
    rom[PCIR_AT + 0x08..PCIR_AT + 0x0a].copy_from_slice(&past.to_le_bytes());
    rom.extend([0x42, 0x10, 0, 0]);
    let mut mem = SimMemory::new(REAL_MODE_MEMORY);
    mem.write(BAR_BASE, &rom);
    let r = oprom::select_image(&mem, BAR_BASE, len as u32, 0x1af4, 0x1042);
    assert_eq!(
        r,
        Err(Skip::WrongDevice {
            vendor: 0x1af4,
            device: 0x1000
        })
    );
    // The same list inside the ROM matches.
    assert!(oprom::select_image(&mem, BAR_BASE, rom.len() as u32, 0x1af4, 0x1042).is_ok());
}

#[test]
fn roms_go_on_2k_boundaries_after_what_the_previous_one_kept() {
    let mut a = RomArea::new();
    assert_eq!(a.reserve(0x9c00), Ok(0xc0000));
    a.keep(0xc0000, 0x9c00);
    assert_eq!(a.next(), 0xca000);
    // A ROM that keeps nothing leaves its space to the next one.
    a.keep(0xca000, 0);
    assert_eq!(a.reserve(512), Ok(0xca000));
    a.keep(0xca000, 512);
    assert_eq!(a.next(), 0xca800);
    assert_eq!(
        a.reserve(0x20000),
        Err(Skip::TooBig {
            len: 0x20000,
            room: 0xe0000 - 0xca800
        })
    );
    a.keep(0xca800, 0xe0000 - 0xca800);
    assert_eq!(a.reserve(1), Err(Skip::TooBig { len: 1, room: 0 }));
}

#[test]
fn the_vga_bios_runs_at_c000_and_the_console_goes_through_it() {
    let mut rig = Rig::new(&[]);
    let vga = rig.device(2, 0x1234, 0x1111, 0x0300, &build(pci_image(0x1234, 0x1111)));
    vga_bios_hooks_int10(&mut rig);
    let roms = rig.roms;
    let mut ctx = rig.ctx();
    let mut area = oprom::open_area(&mut ctx).expect("the area is RAM");
    let int10 = oprom::run_vga(&mut ctx, &roms, &mut area);
    assert_eq!(int10, Some(VGA_INT10));
    assert_eq!(rig.console.display, Some(VGA_INT10));
    assert_eq!(rig.read(0xc0000, 4 * 512), build(pci_image(0x1234, 0x1111)));
    // init: far call to C000:0003, AX = bus/dev/fn, BX = DX = FFFF, interrupts on.
    let init = rig.cpu.calls[0];
    assert_eq!((init.regs.cs, init.regs.ip), (0xc000, 3));
    assert_eq!(init.kind, call_kind::OWN_STACK);
    assert_eq!(
        (init.regs.ax(), init.regs.bx(), init.regs.dx()),
        (0x0010, 0xffff, 0xffff)
    );
    assert!(init.regs.flags().contains(Flags::IF));
    // Then text mode 3 through the new int10.
    let mode = rig.cpu.calls[1];
    assert_eq!((mode.regs.cs, mode.regs.ip), (0xc000, 0x0100));
    assert_eq!((mode.kind, mode.regs.ax()), (call_kind::INT, 0x0003));
    // The ROM BAR is off again; PAM1-4 made 0xC0000-0xDFFFF RAM.
    let pci = rig.pci.borrow();
    assert_eq!(pci.fns[vga].get32(0x30) & 1, 0);
    for reg in 0x5a..=0x5d {
        assert_eq!(pci.fns[0].get8(reg), 0x33);
    }
    assert_eq!(area.next(), 0xc0800);
}

/// SeaVGABIOS's init reads its MMIO BAR (the EDID) with DS = SS and 32-bit offsets, as
/// SeaBIOS runs it: SS based at 0 and 4 GiB data segment limits. With SS in the EBDA it
/// read the wrong address, and with 64 KiB limits the access faulted under KVM (#GP on
/// vector 0Dh, IRQ5's handler, back to the same instruction: POST hung).
#[test]
fn rom_inits_run_on_a_stack_in_segment_0() {
    let mut rig = Rig::new(&[]);
    rig.device(2, 0x1234, 0x1111, 0x0300, &build(pci_image(0x1234, 0x1111)));
    rig.device(
        3,
        0x8086,
        0x100e,
        0x0200,
        &build(boot_rom(0x8086, 0x100e, 0x385)),
    );
    vga_bios_hooks_int10(&mut rig);
    let roms = rig.roms;
    let mut ctx = rig.ctx();
    let mut area = oprom::open_area(&mut ctx).unwrap();
    oprom::run_vga(&mut ctx, &roms, &mut area);
    oprom::run_others(&mut ctx, &roms, &mut area);
    let inits: Vec<&Call16> = (rig.cpu.calls.iter())
        .filter(|c| c.regs.ip == oprom::INIT_ENTRY)
        .collect();
    assert_eq!(inits.len(), 2, "the VGA BIOS and the other ROM");
    for c in inits {
        assert_eq!(c.kind, call_kind::OWN_STACK, "{:04x}:0003", c.regs.cs);
        assert_eq!((c.ss, c.sp), (0, xenbios::layout::ROM_STACK_TOP));
    }
    // Below the boot sector's place, with room above the BDA (SeaBIOS gives ROMs ~27 KiB).
    const BDA_END: u16 = 0x500;
    const ROOM: u16 = 16 * 1024;
    let top = xenbios::layout::ROM_STACK_TOP;
    assert!(top <= xenbios::boot::BOOT_ADDR && top - BDA_END >= ROOM);
    // The int10 calls after the init stay on the firmware stack.
    assert_eq!(rig.cpu.calls[1].kind, call_kind::INT);
}

/// The real-mode data segment the trampoline leaves (GDT selector 0x20, loaded before
/// every switch to real mode): base 0, 4 GiB ("big real mode"), 16-bit, read/write.
#[test]
fn real_mode_is_entered_with_4_gib_data_segment_limits() {
    let asm = include_str!("../src/arch/x86/trampoline.S");
    // `DESCRIPTOR base, limit, access, flags`: numbers, or names the file .sets (flags an
    // OR of them).
    let value = |name: &str| -> u64 {
        let name = name.trim();
        if let Some(hex) = name.strip_prefix("0x") {
            return u64::from_str_radix(hex, 16).unwrap();
        }
        if let Ok(n) = name.parse() {
            return n;
        }
        let set = asm
            .lines()
            .find_map(|l| l.trim().strip_prefix(&format!(".set {name},")))
            .unwrap_or_else(|| panic!("{name} is not set in trampoline.S"));
        let v = set.split("/*").next().unwrap().trim();
        u64::from_str_radix(v.trim_start_matches("0x"), 16).unwrap()
    };
    let line = asm
        .lines()
        .find(|l| l.contains("DESCRIPTOR ") && l.contains("0x20 data16"))
        .expect("the data16 descriptor in the GDT");
    let args: Vec<u64> = (line.split("DESCRIPTOR").nth(1).unwrap())
        .split("/*")
        .next()
        .unwrap()
        .split(',')
        .map(|a| a.split('|').map(value).fold(0, |acc, v| acc | v))
        .collect();
    let [base, limit, access, flags] = args[..] else {
        panic!("DESCRIPTOR takes four arguments: {line}")
    };
    // The descriptor as the DESCRIPTOR macro lays it out.
    let d = (limit & 0xffff)
        | (base & 0xff_ffff) << 16
        | access << 40
        | ((limit >> 16) & 0xf) << 48
        | flags << 52
        | (base >> 24) << 56;
    let base = ((d >> 16) & 0xff_ffff) | ((d >> 56) << 24);
    let raw_limit = (d & 0xffff) | (((d >> 48) & 0xf) << 16);
    let granular = d & (1 << 55) != 0;
    let big = d & (1 << 54) != 0;
    let access = (d >> 40) & 0xff;
    let limit = if granular {
        (raw_limit << 12) | 0xfff
    } else {
        raw_limit
    };
    assert_eq!(base, 0);
    assert_eq!(limit, 0xffff_ffff);
    assert!(!big, "B = 0: SP, not ESP, for the stack");
    assert_eq!(access, 0x93, "present, data, read/write, accessed");
}

#[test]
fn a_vga_rom_that_installs_no_int10_leaves_the_serial_console() {
    xenbios_sim::capture_log();
    let mut rig = Rig::new(&[]);
    rig.device(2, 0x1234, 0x1111, 0x0300, &build(pci_image(0x1234, 0x1111)));
    let roms = rig.roms;
    let mut ctx = rig.ctx();
    let mut area = oprom::open_area(&mut ctx).unwrap();
    assert_eq!(oprom::run_vga(&mut ctx, &roms, &mut area), None);
    assert_eq!(rig.console.display, None);
    assert_eq!(rig.cpu.calls.len(), 1, "init only, no mode set");
    assert!(xenbios_sim::take_log().contains("[oprom] no VGA BIOS"));
}

#[test]
fn bad_roms_are_skipped_with_their_reason_and_good_ones_still_run() {
    xenbios_sim::capture_log();
    let mut rig = Rig::new(&[]);
    let bad_sum = Image {
        checksum_ok: false,
        ..boot_rom(0x8086, 0x0001, 0x385)
    };
    rig.device(3, 0x8086, 0x0001, 0x0200, &build(bad_sum));
    rig.device(4, 0x8086, 0x0002, 0x0200, &build(pci_image(0x10ec, 0x8139)));
    rig.device(5, 0x8086, 0x0003, 0x0200, &[0xff; 64]);
    let big = Image {
        blocks: 16,
        ..pci_image(0x8086, 0x0004)
    };
    rig.device(6, 0x8086, 0x0004, 0x0200, &build(big));
    rig.device(
        7,
        0x8086,
        0x0005,
        0x0200,
        &build(boot_rom(0x8086, 0x0005, 0x385)),
    );
    let roms = rig.roms;
    let mut ctx = rig.ctx();
    let mut area = oprom::open_area(&mut ctx).unwrap();
    // Leave less room than the big ROM needs (as if others ran before).
    area.keep(0xc0000, 0x1f000);
    let found = oprom::run_others(&mut ctx, &roms, &mut area);
    let log = xenbios_sim::take_log();
    for line in [
        "[oprom] warning: 00:03.0 8086:0001: ROM skipped: bad checksum (bytes sum to 0x01)",
        "[oprom] warning: 00:04.0 8086:0002: ROM skipped: its image is for 10ec:8139",
        "[oprom] warning: 00:05.0 8086:0003: ROM skipped: no ROM signature (read 0xffff)",
        "[oprom] warning: 00:06.0 8086:0004: ROM skipped: 8192 bytes do not fit the 4096 left in the ROM area",
        "[oprom] 00:07.0 8086:0005: boot entry vector df00:0385",
    ] {
        assert!(log.contains(line), "{line}\n{log}");
    }
    // The bad-checksum copy was not kept: the good ROM reuses its place.
    assert_eq!(rig.inits(), vec![(0xdf00, 3)]);
    let entries: Vec<_> = found.boot_entries().collect();
    assert_eq!(
        entries,
        vec![Bev {
            seg: 0xdf00,
            offset: 0x385,
            name: NAME_AT as u16
        }]
    );
}

#[test]
fn a_rom_that_shrinks_at_init_gives_back_its_tail() {
    let mut rig = Rig::new(&[]);
    let first = Image {
        blocks: 16,
        ..boot_rom(0x8086, 0x0001, 0x200)
    };
    rig.device(3, 0x8086, 0x0001, 0x0200, &build(first));
    rig.device(
        4,
        0x8086,
        0x0002,
        0x0200,
        &build(boot_rom(0x8086, 0x0002, 0x300)),
    );
    // The first ROM keeps 3 blocks (1536 bytes: the next one starts 2 KiB on).
    rig.cpu.on_call = Box::new(|call: &mut Call16, m: &mut SimMemory| {
        if (call.regs.cs, call.regs.ip) == (0xc000, 3) {
            m.write_u8(0xc0002, 3);
        }
    });
    let roms = rig.roms;
    let mut ctx = rig.ctx();
    let mut area = oprom::open_area(&mut ctx).unwrap();
    let found = oprom::run_others(&mut ctx, &roms, &mut area);
    assert_eq!(rig.inits(), vec![(0xc000, 3), (0xc080, 3)]);
    let segs: Vec<_> = found.boot_entries().map(|e| (e.seg, e.offset)).collect();
    assert_eq!(segs, vec![(0xc000, 0x200), (0xc080, 0x300)]);
}

#[test]
fn a_pnp_rom_that_takes_int19_gives_it_back_a_legacy_one_keeps_it() {
    xenbios_sim::capture_log();
    let ours = FarPtr::new(0xf000, 0xe6f2);
    let theirs = FarPtr::new(0xc000, 0x0040);
    for (img, kept) in [
        (boot_rom(0x8086, 0x0001, 0x385), ours),
        (pci_image(0x8086, 0x0001), theirs),
    ] {
        let mut rig = Rig::new(&[]);
        set_ivt(&mut rig.mem.0.borrow_mut(), 0x19, ours);
        rig.device(3, 0x8086, 0x0001, 0x0200, &build(img));
        rig.cpu.on_call = Box::new(move |_: &mut Call16, m: &mut SimMemory| {
            set_ivt(m, 0x19, theirs);
        });
        let roms = rig.roms;
        let mut ctx = rig.ctx();
        let mut area = oprom::open_area(&mut ctx).unwrap();
        oprom::run_others(&mut ctx, &roms, &mut area);
        assert_eq!(rig.ivt(0x19), kept);
    }
    assert!(xenbios_sim::take_log().contains("PnP ROM hooked int19: taken back"));
}

#[test]
fn a_bcv_only_rom_is_logged_and_gives_no_boot_entry() {
    xenbios_sim::capture_log();
    let mut rig = Rig::new(&[]);
    let scsi = Image {
        bcv: 0x0123,
        ..boot_rom(0x1000, 0x0012, 0)
    };
    rig.device(3, 0x1000, 0x0012, 0x0100, &build(scsi));
    let roms = rig.roms;
    let mut ctx = rig.ctx();
    let mut area = oprom::open_area(&mut ctx).unwrap();
    let found = oprom::run_others(&mut ctx, &roms, &mut area);
    assert_eq!(found.boot_entries().count(), 0);
    assert!(xenbios_sim::take_log().contains("BCV at c000:0123 not called"));
}

#[test]
fn fw_cfg_genroms_run_after_pci_roms_and_truncated_files_are_skipped() {
    xenbios_sim::capture_log();
    let linuxboot = build(Image {
        blocks: 2,
        pnp: true,
        bev: 0x0066,
        ..LEGACY
    });
    let truncated = build(LEGACY)[..1024].to_vec();
    let mut rig = Rig::new(&[
        ("genroms/linuxboot_dma.bin", linuxboot.clone()),
        ("genroms/cut.bin", truncated),
        ("etc/e820", vec![0; 20]),
    ]);
    rig.device(
        3,
        0x8086,
        0x100e,
        0x0200,
        &build(boot_rom(0x8086, 0x100e, 0x385)),
    );
    let roms = rig.roms;
    let mut ctx = rig.ctx();
    let mut area = oprom::open_area(&mut ctx).unwrap();
    let found = oprom::run_others(&mut ctx, &roms, &mut area);
    assert_eq!(rig.inits(), vec![(0xc000, 3), (0xc080, 3)]);
    assert_eq!(rig.read(0xc0800, linuxboot.len()), linuxboot);
    let bevs: Vec<_> = found.boot_entries().map(|e| (e.seg, e.offset)).collect();
    assert_eq!(bevs, vec![(0xc000, 0x385), (0xc080, 0x66)]);
    let log = xenbios_sim::take_log();
    assert!(
        log.contains("fw_cfg genroms/cut.bin: ROM skipped: 1024 bytes, but its header says 2048"),
        "{log}"
    );
}

#[test]
fn vgaroms_from_fw_cfg_serve_when_no_pci_vga_rom_exists() {
    let vga = build(Image {
        blocks: 8,
        ..LEGACY
    });
    let mut rig = Rig::new(&[("vgaroms/vgabios-isavga.bin", vga.clone())]);
    vga_bios_hooks_int10(&mut rig);
    let roms = rig.roms;
    let mut ctx = rig.ctx();
    let mut area = oprom::open_area(&mut ctx).unwrap();
    assert_eq!(oprom::run_vga(&mut ctx, &roms, &mut area), Some(VGA_INT10));
    assert_eq!(rig.read(0xc0000, vga.len()), vga);
    // fw_cfg ROMs get AX = 0 (no PCI function).
    assert_eq!(rig.cpu.calls[0].regs.ax(), 0);
}

#[test]
fn rom_init_gets_es_di_pointing_at_the_pnp_bios_structure_when_there_is_one() {
    let mut rig = Rig::new(&[]);
    rig.device(
        3,
        0x8086,
        0x100e,
        0x0200,
        &build(boot_rom(0x8086, 0x100e, 0x385)),
    );
    {
        let mut m = rig.mem.0.borrow_mut();
        // A decoy without a valid checksum, then the real one.
        m.write(0xf5000, b"$PnP\x01\x21");
        let mut s = [0u8; 0x21];
        s[..6].copy_from_slice(b"$PnP\x10\x21");
        let sum = s.iter().fold(0u8, |a, &b| a.wrapping_add(b));
        s[8] = 0u8.wrapping_sub(sum);
        m.write(0xf5a30, &s);
    }
    assert_eq!(
        oprom::find_pnp_bios(&*rig.mem.0.borrow()),
        Some(FarPtr::new(0xf000, 0x5a30))
    );
    let roms = rig.roms;
    let mut ctx = rig.ctx();
    let mut area = oprom::open_area(&mut ctx).unwrap();
    oprom::run_others(&mut ctx, &roms, &mut area);
    let init = rig.cpu.calls[0];
    assert_eq!((init.regs.es, init.regs.di()), (0xf000, 0x5a30));
}

#[test]
fn without_a_pnp_bios_es_di_is_null() {
    let mem = SimMemory::new(REAL_MODE_MEMORY);
    assert_eq!(oprom::find_pnp_bios(&mem), None);
}

#[test]
fn the_first_vga_function_is_the_primary_display_and_its_bridges_forward_vga() {
    use xenbios::e820::{E820Map, Kind};
    use xenbios::hw::pci::PciDevices;
    use xenbios_sim::{Machine, SimBar};
    let mut m = Machine::default();
    let mut sim_pci = SimPci::new();
    sim_pci.add(None, 0, 0, SimFunction::new(0x8086, 0x1237, 0x0600));
    sim_pci.add(
        None,
        3,
        0,
        SimFunction::new(0x8086, 0x100e, 0x0200).rom(0x40000),
    );
    let bridge = sim_pci.add(None, 4, 0, SimFunction::bridge(0x1b36, 0x0001));
    let fb = SimBar::Mem32 {
        size: 1 << 24,
        prefetch: true,
    };
    let vga = SimFunction::new(0x1234, 0x1111, 0x0300)
        .bar(0, fb)
        .rom(0x10000);
    sim_pci.add(Some(bridge), 0, 0, vga);
    sim_pci.add(
        None,
        5,
        0,
        SimFunction::new(0x1af4, 0x1050, 0x0300).rom(0x10000),
    );
    let sim_pci = Rc::new(RefCell::new(sim_pci));
    m.ports.attach(0xcf8, 0xcff, sim_pci.clone());
    let mut e820 = E820Map::new();
    e820.add(0, 0x9fc00, Kind::Ram);
    e820.add(0x100000, 0x2000_0000, Kind::Ram);
    let mut devs = PciDevices::new();
    xenbios::platform::pci::setup(&mut m.ctx(), &e820, &mut devs);

    let roms = oprom::pci_roms(&m.ports, &devs);
    assert_eq!(roms.vga().map(|r| r.bdf), Some(Bdf::new(1, 0, 0)));
    let others: Vec<_> = roms.others().map(|r| r.bdf).collect();
    assert_eq!(others, vec![Bdf::new(0, 3, 0)], "other displays run no ROM");
    let ctl = sim_pci.borrow().fns[bridge].get16(0x3e);
    assert_ne!(ctl & 0x08, 0, "VGA forwarding on the bridge");
}

/// Memory whose ROM area ignores writes (a host bridge that kept it on the bus).
struct RomAreaReadOnly(SimMemory);

impl Memory for RomAreaReadOnly {
    fn read(&self, addr: u32, buf: &mut [u8]) {
        self.0.read(addr, buf)
    }
    fn write(&mut self, addr: u32, data: &[u8]) {
        if !(oprom::AREA_START..oprom::AREA_END).contains(&addr) {
            self.0.write(addr, data)
        }
    }
}

#[test]
fn an_area_that_is_not_ram_means_no_option_roms_and_says_so() {
    xenbios_sim::capture_log();
    let mut mem = RomAreaReadOnly(SimMemory::new(REAL_MODE_MEMORY));
    let ports = SimPorts::new();
    let mut ctx = Ctx {
        mem: &mut mem,
        io: &ports,
        clock: &SimClock::default(),
        cpu: &mut xenbios_sim::SimCpu::default(),
        console: &mut SimConsole::default(),
    };
    assert_eq!(oprom::open_area(&mut ctx), None);
    let log = xenbios_sim::take_log();
    assert!(
        log.contains("[oprom] host bridge without known PAM registers"),
        "{log}"
    );
    assert!(
        log.contains("[oprom] warning: 0xc0000-0xe0000 is not writable RAM: no option ROMs"),
        "{log}"
    );
}
