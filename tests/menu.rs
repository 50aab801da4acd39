//! The boot menu against a simulated machine: fw_cfg says whether and how long, keys come
//! from the PS/2 keyboard (scancodes delivered while the menu waits, as IRQ1 would) or
//! the serial console; the test checks what the user sees and what boots.

use std::cell::RefCell;
use std::rc::Rc;
use xenbios::bios::{Bios, BiosCell};
use xenbios::boot::{self, Bev, BootEntry};
use xenbios::hal::Ctx;
use xenbios::hal::mem::Memory;
use xenbios::menu::{self, Picker, Step};
use xenbios::services::keyboard::process_scancode;
use xenbios_sim::{
    FakeDisk, REAL_MODE_MEMORY, ScriptedCpu, SharedSimMemory, SimClock, SimConsole, SimCpu,
    SimFwCfg, SimMemory, SimPorts,
};

const KEY_BOOT_MENU: u16 = 0x0e;
const BEV_SEG: u16 = 0xc800;
const BEV_NAME: u16 = 0x0100;

// Set-1 scancodes as the i8042 delivers them.
const ESC: &[u8] = &[0x01, 0x81];
const TWO: &[u8] = &[0x03, 0x83];
const DOWN: &[u8] = &[0xe0, 0x50, 0xe0, 0xd0];
const ENTER: &[u8] = &[0x1c, 0x9c];

struct Rig {
    mem: SharedSimMemory,
    ports: SimPorts,
    clock: SimClock,
    cpu: ScriptedCpu,
    console: SimConsole,
    bios: BiosCell,
    disks: Vec<FakeDisk>,
}

fn fw_cfg(menu: Option<u16>, wait: Option<u16>) -> SimFwCfg {
    let mut fw = SimFwCfg::new();
    if let Some(on) = menu {
        fw.items.insert(KEY_BOOT_MENU, on.to_le_bytes().to_vec());
    }
    if let Some(ms) = wait {
        fw.add_file("etc/boot-menu-wait", &ms.to_le_bytes());
    }
    fw
}

/// Two bootable disks (1 and 2 MiB) and a boot ROM, in that order; the menu on with
/// `wait` ms; the clock advancing `step_us` per reading.
fn rig(wait: u16, step_us: u64) -> Rig {
    let mem = SharedSimMemory::new(xenbios_sim::SimMemory::new(REAL_MODE_MEMORY));
    let mut ports = SimPorts::new();
    ports.attach(
        0x510,
        0x511,
        Rc::new(RefCell::new(fw_cfg(Some(1), Some(wait)))),
    );
    let mut bios = Bios::new();
    let disks = vec![FakeDisk::new(2048), FakeDisk::new(4096)];
    for d in &disks {
        let mut sector0 = vec![0u8; 512];
        sector0[510..].copy_from_slice(&[0x55, 0xaa]);
        d.state().written.insert(0, sector0);
        d.register(&mut bios.drives);
    }
    let mut r = Rig {
        cpu: ScriptedCpu::new(&mem),
        mem,
        ports,
        clock: SimClock::new(step_us),
        console: SimConsole::default(),
        bios: {
            let cell = BiosCell::new();
            cell.init();
            cell
        },
        disks,
    };
    r.mem.write(
        xenbios::hal::mem::linear(BEV_SEG, BEV_NAME),
        b"Net Boot ROM\0",
    );
    *r.bios.lock() = bios;
    r.with_bev();
    r
}

impl Rig {
    fn with_bev(&mut self) {
        let mut b = self.bios.lock();
        let bios = &mut *b;
        let mut ctx = Ctx {
            mem: &mut self.mem,
            io: &self.ports,
            clock: &self.clock,
            cpu: &mut self.cpu,
            console: &mut self.console,
        };
        boot::setup(
            &mut ctx,
            &mut bios.boot,
            &bios.drives,
            bios.roms.boot_entries(),
            None,
        );
        bios.boot.push(BootEntry::Bev(Bev {
            seg: BEV_SEG,
            offset: 0x0385,
            name: BEV_NAME,
        }));
    }

    fn run_menu(&mut self) {
        let mut ctx = Ctx {
            mem: &mut self.mem,
            io: &self.ports,
            clock: &self.clock,
            cpu: &mut self.cpu,
            console: &mut self.console,
        };
        menu::run(&mut ctx, &self.bios);
    }

    /// PS/2 keys: at the `n`th wait for an interrupt, these scancodes arrive (int09
    /// runs for each).
    fn keys_at(&mut self, schedule: Vec<(usize, &'static [u8])>) {
        self.cpu.on_idle = Box::new(move |n: usize, m: &mut SimMemory| {
            for (at, codes) in &schedule {
                if *at == n {
                    let ports = SimPorts::new();
                    let clock = SimClock::default();
                    let mut ctx = Ctx {
                        mem: m,
                        io: &ports,
                        clock: &clock,
                        cpu: &mut SimCpu::default(),
                        console: &mut SimConsole::default(),
                    };
                    for &c in codes.iter() {
                        process_scancode(&mut ctx, c);
                    }
                }
            }
        });
    }

    fn first(&self) -> BootEntry {
        self.bios.lock().boot.order().next().unwrap()
    }

    fn text(&self) -> String {
        self.console.text()
    }

    /// int19 now: which drive number the booted disk got, and which disk it was.
    fn boot(&mut self) -> (u8, usize) {
        let mut b = self.bios.lock();
        let mut ctx = Ctx {
            mem: &mut self.mem,
            io: &self.ports,
            clock: &self.clock,
            cpu: &mut self.cpu,
            console: &mut self.console,
        };
        let b = &mut *b;
        let call =
            boot::int19(&mut ctx, &mut b.boot, &mut b.drives, b.tables.pnp()).expect("boots");
        let read_from = self
            .disks
            .iter()
            .position(|d| !d.state().calls.is_empty())
            .unwrap();
        (call.regs.dl(), read_from)
    }
}

fn disk(i: u8) -> BootEntry {
    BootEntry::Disk(xenbios::block::DriveId(i))
}

#[test]
fn the_wait_and_the_switch_come_from_fw_cfg() {
    let cases = [
        (None, None, None),
        (Some(0), Some(3000), None),
        (Some(1), None, Some(2500)),
        (Some(1), Some(1234), Some(1234)),
    ];
    for (on, wait, want) in cases {
        let mut ports = SimPorts::new();
        ports.attach(0x510, 0x511, Rc::new(RefCell::new(fw_cfg(on, wait))));
        assert_eq!(menu::configured_wait(&ports), want, "{on:?} {wait:?}");
    }
    // No fw_cfg at all (Xen): no menu.
    assert_eq!(menu::configured_wait(&SimPorts::new()), None);
}

#[test]
fn picker_keys() {
    let mut p = Picker::new(3);
    assert_eq!(p.key(0x0332, true), Step::Boot(1), "'2'");
    assert_eq!(p.key(0x0534, true), Step::Ignored, "'4': no such entry");
    assert_eq!(p.key(0x5000, true), Step::Highlight(1), "keypad Down");
    assert_eq!(p.key(0x50e0, true), Step::Highlight(2), "grey Down");
    assert_eq!(p.key(0x50e0, true), Step::Highlight(0), "wraps");
    assert_eq!(p.key(0x48e0, true), Step::Highlight(2), "Up wraps");
    assert_eq!(p.key(0x1c0d, true), Step::Boot(2), "Enter");
    assert_eq!(p.key(0xe00d, true), Step::Boot(2), "keypad Enter");
    assert_eq!(p.key(0x011b, false), Step::Ignored, "ESC too early");
    assert_eq!(p.key(0x011b, true), Step::Default, "ESC");
    assert_eq!(
        p.key(0x4838, true),
        Step::Ignored,
        "keypad 8 with Num Lock: '8'"
    );
    let mut many = Picker::new(12);
    assert_eq!(many.key(0x1e61, true), Step::Boot(9), "'a' after '9'");
    assert_eq!(many.key(0x3042, true), Step::Boot(10), "'B'");
}

#[test]
fn menu_off_shows_nothing_and_does_not_wait() {
    let mut r = rig(1000, 10);
    r.ports = SimPorts::new();
    r.ports
        .attach(0x510, 0x511, Rc::new(RefCell::new(fw_cfg(Some(0), None))));
    r.run_menu();
    assert_eq!(r.text(), "");
    assert_eq!(r.cpu.idles, 0);
    assert_eq!(r.first(), disk(0));
}

#[test]
fn without_a_key_the_prompt_times_out_and_the_order_stays() {
    let mut r = rig(500, 1000);
    r.run_menu();
    assert_eq!(r.text(), "\nPress ESC for boot menu.\n\n");
    // It waited with interrupts on (about once per clock reading here).
    assert!(r.cpu.idles >= 400, "{}", r.cpu.idles);
    assert_eq!(r.first(), disk(0));
    assert_eq!(r.boot(), (0x80, 0));
}

#[test]
fn esc_then_2_on_the_ps2_keyboard_boots_the_second_disk_as_0x80() {
    let mut r = rig(5000, 10);
    r.keys_at(vec![(3, ESC), (10, TWO)]);
    r.run_menu();
    let text = r.text();
    let want = "\nPress ESC for boot menu.\n\n\
        Select boot device:\n\n\
        1. fake disk, 1 MiB\n\
        2. fake disk, 2 MiB\n\
        3. Net Boot ROM\n\n\
        Press its key, or Up/Down and Enter. ESC: normal boot order.\n\
        \r> 1. fake disk, 1 MiB\
        \r> 2. fake disk, 2 MiB\n\n";
    assert_eq!(text, want);
    assert_eq!(r.first(), disk(1));
    let order: Vec<_> = r.bios.lock().boot.order().collect();
    assert_eq!(order[1..], [disk(0), order[2]]);
    assert_eq!(r.boot(), (0x80, 1));
}

#[test]
fn arrows_and_enter_on_the_serial_console_pick_the_boot_rom() {
    let mut r = rig(5000, 10);
    r.console.type_after(20, b"\x1b");
    // Down twice as a VT100 terminal sends it, then Enter.
    r.console.type_after(2000, b"\x1b[B\x1b[B\r");
    r.run_menu();
    let text = r.text();
    assert!(
        text.ends_with(
            "\r> 1. fake disk, 1 MiB\r> 2. fake disk, 2 MiB\r> 3. Net Boot ROM    \
             \r> 3. Net Boot ROM\n\n"
        ),
        "{text:?}"
    );
    assert_eq!(
        r.first(),
        BootEntry::Bev(Bev {
            seg: BEV_SEG,
            offset: 0x0385,
            name: BEV_NAME
        })
    );
}

#[test]
fn grey_down_and_enter_on_the_ps2_keyboard() {
    let mut r = rig(5000, 10);
    r.keys_at(vec![(3, ESC), (5, DOWN), (7, ENTER)]);
    r.run_menu();
    assert!(
        r.text()
            .ends_with("\r> 2. fake disk, 2 MiB\r> 2. fake disk, 2 MiB\n\n")
    );
    assert_eq!(r.first(), disk(1));
    assert_eq!(r.boot(), (0x80, 1));
}

#[test]
fn esc_right_after_the_list_appears_is_ignored() {
    let mut r = rig(5000, 10);
    r.keys_at(vec![(3, ESC), (5, ESC), (8, TWO)]);
    r.run_menu();
    assert_eq!(r.first(), disk(1));
}

#[test]
fn esc_in_the_list_keeps_the_normal_order() {
    // Two seconds per clock reading: the ESC guard is over at the first key.
    let mut r = rig(5000, 2_000_000);
    r.keys_at(vec![(1, ESC), (2, ESC)]);
    r.run_menu();
    assert!(r.text().contains("Select boot device:"));
    assert!(r.text().ends_with("\n\n"));
    assert_eq!(r.first(), disk(0));
}

#[test]
fn keys_typed_before_the_prompt_do_not_open_the_menu() {
    let mut r = rig(300, 1000);
    // ESC already waiting in the key ring when the prompt appears.
    {
        let mut m = r.mem.0.borrow_mut();
        let ports = SimPorts::new();
        let clock = SimClock::default();
        let mut ctx = Ctx {
            mem: &mut *m,
            io: &ports,
            clock: &clock,
            cpu: &mut SimCpu::default(),
            console: &mut SimConsole::default(),
        };
        for &c in ESC {
            process_scancode(&mut ctx, c);
        }
    }
    r.run_menu();
    assert!(!r.text().contains("Select boot device:"));
}

#[test]
fn the_list_shows_a_cd_and_picking_it_boots_it_first() {
    let mut r = rig(5000, 10);
    FakeDisk::with_sector_size(2048, 2048)
        .cdrom()
        .register(&mut r.bios.lock().drives);
    r.with_bev();
    r.keys_at(vec![(3, ESC), (10, b"\x04\x84")]);
    r.run_menu();
    let text = r.text();
    assert!(
        text.contains(
            "1. fake disk, 1 MiB\n2. fake disk, 2 MiB\n3. fake CD-ROM, 4 MiB\n4. Net Boot ROM\n"
        ),
        "{text}"
    );
    assert_eq!(r.first(), disk(2));
}
