//! int19/int18: boot order, boot sectors, boot ROMs, and what the user is told.

use core::fmt::Write;
use xenbios::block::{
    BlockDevice, DiskError, DriveId, DriveInfo, DriveKind, Drives, Interface, IoError, PciAddr,
};
use xenbios::boot::{Bev, BootEntry, BootState, boot_call, int18, int19, name_of, returned, setup};
use xenbios::hal::mem::{FarPtr, Memory, linear};
use xenbios::hal::{Ctx, Flags, call_kind};
use xenbios_sim::Machine;

struct Disk {
    info: DriveInfo,
    sector0: [u8; 512],
    fail: Option<DiskError>,
    name: &'static str,
}

impl BlockDevice for Disk {
    fn info(&self) -> &DriveInfo {
        &self.info
    }
    fn describe(&self, out: &mut dyn Write) -> core::fmt::Result {
        out.write_str(self.name)
    }
    fn read(&mut self, ctx: &mut Ctx, lba: u64, count: u32, buf: u32) -> Result<(), IoError> {
        assert_eq!((lba, count), (0, 1));
        if let Some(e) = self.fail {
            return Err(e.into());
        }
        ctx.mem.write(buf, &self.sector0);
        Ok(())
    }
    fn write(&mut self, _: &mut Ctx, _: u64, _: u32, _: u32) -> Result<(), IoError> {
        unreachable!()
    }
}

fn ata(
    channel: u8,
    slave: bool,
    bootable: bool,
    fail: Option<DiskError>,
    name: &'static str,
) -> &'static mut Disk {
    let mut sector0 = [0u8; 512];
    if bootable {
        sector0[510] = 0x55;
        sector0[511] = 0xaa;
    }
    let info = DriveInfo {
        kind: DriveKind::Disk,
        sectors: 2048,
        sector_size: 512,
        read_only: false,
        removable: false,
        chs: None,
        interface: Interface::Ata {
            pci: Some(PciAddr {
                bus: 0,
                dev: 1,
                func: 1,
            }),
            channel,
            slave,
            atapi: false,
            io_base: 0x1f0,
        },
    };
    Box::leak(Box::new(Disk {
        info,
        sector0,
        fail,
        name,
    }))
}

fn drives(disks: Vec<&'static mut Disk>) -> Drives {
    let mut d = Drives::new();
    for disk in disks {
        d.add(disk).unwrap();
    }
    d
}

fn disk_index(e: BootEntry) -> u8 {
    match e {
        BootEntry::Disk(id) => id.0,
        other => panic!("not a disk: {other:?}"),
    }
}

#[test]
fn bootorder_file_comes_first_then_registry_order() {
    let d = drives(vec![
        ata(0, false, true, None, "a"),
        ata(0, true, true, None, "b"),
        ata(1, false, true, None, "c"),
    ]);
    let mut s = BootState::new();
    s.set_order(
        &d,
        Some("/pci@i0cf8/ide@1,1/drive@1/disk@0\n/pci@i0cf8/ide@1,1/drive@0/disk@1\nHALT\n"),
    );
    let ids: Vec<_> = s.order().map(disk_index).collect();
    assert_eq!(ids, vec![2, 1, 0]);
    s.set_order(&d, None);
    let ids: Vec<_> = s.order().map(disk_index).collect();
    assert_eq!(ids, vec![0, 1, 2]);
}

#[test]
fn int19_skips_unbootable_disks_and_makes_the_boot_disk_0x80() {
    let mut m = Machine::default();
    let mut boot = BootState::new();
    let mut drives = drives(vec![
        ata(0, false, false, None, "blank"),
        ata(0, true, true, Some(DiskError::Timeout), "broken"),
        ata(1, false, true, None, "good"),
    ]);
    setup(&mut m.ctx(), &mut boot, &drives, [].into_iter(), None);
    let call = int19(&mut m.ctx(), &mut boot, &mut drives, None).expect("a device boots");
    assert_eq!(
        (call.regs.cs, call.regs.ip, call.regs.dl()),
        (0, 0x7c00, 0x80)
    );
    assert_eq!((call.ss, call.sp), (0, 0x7c00));
    assert!(call.kind & call_kind::NORETURN != 0);
    assert!(Flags::from_bits_retain(call.regs.flags).contains(Flags::IF));
    assert_eq!(drives.bios_number(DriveId(2)), Some(0x80));
    assert_eq!(drives.bios_number(DriveId(0)), Some(0x81));
    assert_eq!(m.mem.read_u16(0x7dfe), 0xaa55);
    assert_eq!(m.mem.read_u8(0x475), 3);
    let out = m.console.text();
    assert!(out.contains("Booting from blank..."), "{out}");
    assert!(out.contains("Booting from good..."), "{out}");

    // The boot sector found nothing and called int18: nothing is left to try.
    assert!(int18(&mut m.ctx(), &mut boot, &mut drives, None).is_none());
    let out = m.console.text();
    assert!(out.contains("No bootable device."), "{out}");
    assert!(
        out.contains("blank: no boot signature in sector 0"),
        "{out}"
    );
    assert!(
        out.contains("broken: read error (int13 status 0x80)"),
        "{out}"
    );
    assert!(boot.waiting_for_retry());
}

#[test]
fn promote_moves_one_entry_to_the_front_and_keeps_the_rest_in_order() {
    let d = drives(vec![
        ata(0, false, true, None, "a"),
        ata(0, true, true, None, "b"),
        ata(1, false, true, None, "c"),
    ]);
    let mut s = BootState::new();
    s.set_order(&d, None);
    let rom = BootEntry::Bev(Bev {
        seg: 0xc800,
        offset: 0x385,
        name: 0,
    });
    s.push(rom);
    s.promote(2);
    let order: Vec<_> = s.order().collect();
    assert_eq!(
        order,
        vec![
            BootEntry::Disk(DriveId(2)),
            BootEntry::Disk(DriveId(0)),
            BootEntry::Disk(DriveId(1)),
            rom
        ]
    );
    s.promote(9);
    assert_eq!(s.order().count(), 4, "out of range: unchanged");
}

#[test]
fn a_boot_rom_is_called_and_when_it_returns_the_next_device_boots() {
    let mut m = Machine::default();
    let mut boot = BootState::new();
    let mut drives = drives(vec![ata(0, false, true, None, "disk")]);
    m.mem.write(linear(0xc800, 0x100), b"iPXE (PCI 00:03.0)\0");
    setup(&mut m.ctx(), &mut boot, &drives, [].into_iter(), None);
    let rom = BootEntry::Bev(Bev {
        seg: 0xc800,
        offset: 0x385,
        name: 0x100,
    });
    boot.push(rom);
    boot.promote(1);
    let call = int19(&mut m.ctx(), &mut boot, &mut drives, None).expect("the ROM is called");
    assert_eq!((call.regs.cs, call.regs.ip), (0xc800, 0x385));
    assert_eq!(
        call.kind,
        call_kind::OWN_STACK,
        "a BEV may return: no NORETURN"
    );
    assert_eq!(call.regs.ax(), 0xaa55);
    assert!(Flags::from_bits_retain(call.regs.flags).contains(Flags::IF));
    assert!(
        m.console
            .text()
            .contains("Booting from iPXE (PCI 00:03.0)...")
    );
    // The BEV came back: the disk is next.
    let call = returned(&mut m.ctx(), &mut boot, &mut drives, None).expect("the disk boots");
    assert_eq!(
        (call.regs.cs, call.regs.ip, call.regs.dl()),
        (0, 0x7c00, 0x80)
    );
    // And if that one fails too, the report says what the ROM did.
    assert!(int18(&mut m.ctx(), &mut boot, &mut drives, None).is_none());
    let out = m.console.text();
    assert!(
        out.contains("  iPXE (PCI 00:03.0): the boot ROM found nothing to boot"),
        "{out}"
    );
}

/// QEMU's `-kernel` boot ROMs (`linuxboot_dma.bin`, `multiboot_dma.bin`) build their fw_cfg
/// DMA descriptor on the stack and write its offset (ESP) to the DMA address port as a
/// physical address; they are compiled for SeaBIOS, which calls BEVs with SS = 0. On the
/// firmware stack (SS in the EBDA) QEMU read other memory as the descriptor and the ROM
/// polled its own copy forever: the kernel never started.
#[test]
fn boot_roms_run_on_a_stack_whose_offsets_are_physical_addresses() {
    let mut m = Machine::default();
    let mut boot = BootState::new();
    let mut drives = drives(vec![]);
    boot.push(BootEntry::Bev(Bev {
        seg: 0xcc80,
        offset: 0x54,
        name: 0,
    }));
    let call = int19(&mut m.ctx(), &mut boot, &mut drives, None).expect("the ROM is called");
    assert_eq!((call.regs.cs, call.regs.ip), (0xcc80, 0x54));
    assert_eq!(call.kind & call_kind::OWN_STACK, call_kind::OWN_STACK);
    assert_eq!((call.ss, call.sp), (0, xenbios::layout::ROM_STACK_TOP));
    // A 16-byte descriptor pushed there: its offset is where fw_cfg looks for it.
    const DMA_ACCESS_LEN: u16 = 16;
    let descriptor = call.sp - DMA_ACCESS_LEN;
    assert_eq!(linear(call.ss, descriptor), u32::from(descriptor));
    // The stack lies in free conventional memory: above the BDA, below the boot sector's
    // place, and nowhere near the firmware's low area.
    const BDA_END: u16 = 0x500;
    assert!(call.sp > BDA_END && call.sp <= xenbios::boot::BOOT_ADDR);
    assert!(u32::from(call.sp) < xenbios::layout::EBDA_START);
}

#[test]
fn a_boot_rom_without_a_product_name_is_named_by_its_vector() {
    let m = Machine::default();
    let e = BootEntry::Bev(Bev {
        seg: 0xd000,
        offset: 0x44,
        name: 0,
    });
    assert_eq!(
        name_of(&m.mem, &Drives::new(), e).as_str(),
        "boot ROM at d000:0044"
    );
}

#[test]
fn boot_sectors_get_the_pnp_header_in_es_di() {
    let pnp = FarPtr::new(0xf000, 0x5fb0);
    let call = boot_call(0x80, Some(pnp));
    assert_eq!(
        (call.regs.es, call.regs.di(), call.regs.dl()),
        (0xf000, 0x5fb0, 0x80)
    );
    let call = boot_call(0x81, None);
    assert_eq!((call.regs.es, call.regs.di()), (0, 0));
}

#[test]
fn no_drives_says_so() {
    let mut m = Machine::default();
    let (mut boot, mut drives) = (BootState::new(), Drives::new());
    setup(&mut m.ctx(), &mut boot, &drives, [].into_iter(), None);
    assert!(int19(&mut m.ctx(), &mut boot, &mut drives, None).is_none());
    assert!(
        m.console
            .text()
            .contains("No bootable device.\n  no drives were found\n")
    );
}
