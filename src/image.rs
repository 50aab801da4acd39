//! The composition root of the image: the real hardware objects, the firmware's global
//! state, and the entry points the trampoline calls (`xenbios_post`,
//! `xenbios_interrupt`). Everything here is glue; logic lives in the modules it calls.

use crate::arch::{BIOS_SEG, FlatMemory, Ports, RealCpu, RealXenCpu};
use crate::bios::BiosCell;
use crate::dispatch::Next;
use crate::fseg_offset;
use crate::global::Global;
use crate::hal::Console;
use crate::hal::Ctx;
use crate::hal::PortIo;
use crate::hal::cpu::Cpu;
use crate::hal::mem::FarPtr;
use crate::hal::regs::{Action, Regs};
use crate::hw::serial::{COM1, Uart};
use crate::hw::timer::TscClock;
use crate::ivt::Handlers;

/// QEMU's debug console (isa-debugcon) and Xen's HVM debug port (the trampoline's messages
/// go there too).
pub(crate) const DEBUGCON: u16 = 0x402;
pub(crate) const XEN_DEBUG_PORT: u16 = 0xe9;

static UART: Global<Option<Uart>> = Global::new(None);
static CLOCK: Global<TscClock> = Global::new(TscClock::UNCALIBRATED);
/// The firmware's state (see `BiosCell`): created at POST, in the zeroed low area.
static BIOS: BiosCell = BiosCell::new();
/// The VGA BIOS's int10 handler once POST ran it: console text goes there too.
static DISPLAY: Global<Option<FarPtr>> = Global::new(None);

/// Debug ports and COM1 ("\n" as "\r\n" on the UART): one string write per port, the
/// UART a FIFO's worth at a time (under virtualization each port access is an exit, a
/// string write one per page).
fn console_write(bytes: &[u8]) {
    let io = Ports;
    io.outsb(DEBUGCON, bytes);
    io.outsb(XEN_DEBUG_PORT, bytes);
    if let Some(u) = UART.try_lock().and_then(|u| *u) {
        u.write(&io, bytes);
    }
}

fn log_sink(s: &str) {
    console_write(s.as_bytes());
}

/// The user console: COM1 and the debug ports, and the screen through the VGA BIOS once
/// POST attached one. Writing to the screen is a real-mode call per byte (see
/// `console::teletype_through` for why that is allowed from any firmware context).
struct SerialConsole;

impl Console for SerialConsole {
    fn write(&mut self, bytes: &[u8]) {
        console_write(bytes);
        // Copied out: the VGA BIOS may be interrupted by a handler that writes too.
        let display = DISPLAY.try_lock().and_then(|d| *d);
        if let Some(int10) = display {
            crate::services::video::teletype_through(&mut RealCpu, &FlatMemory, int10, bytes);
        }
    }
    fn read(&mut self) -> Option<u8> {
        let u = (*UART.lock())?;
        u.getc(&Ports)
    }
    fn attach_display(&mut self, int10: FarPtr) {
        *DISPLAY.lock() = Some(int10);
    }
}

/// Vector -> stub offset in F000 of every service and IRQ handler with a stub.
fn service_stubs() -> [(u8, u16); 16] {
    [
        (0x08, fseg_offset!(xenbios_int_0x08)),
        (0x09, fseg_offset!(xenbios_int_0x09)),
        (0x10, fseg_offset!(xenbios_int_0x10)),
        (0x11, fseg_offset!(xenbios_int_0x11)),
        (0x12, fseg_offset!(xenbios_int_0x12)),
        (0x13, fseg_offset!(xenbios_fixed_int13)),
        (0x14, fseg_offset!(xenbios_int_0x14)),
        (0x15, fseg_offset!(xenbios_int_0x15)),
        (0x16, fseg_offset!(xenbios_int_0x16)),
        (0x17, fseg_offset!(xenbios_int_0x17)),
        (0x18, fseg_offset!(xenbios_int_0x18)),
        (0x19, fseg_offset!(xenbios_fixed_int19)),
        (0x1a, fseg_offset!(xenbios_int_0x1a)),
        (0x40, fseg_offset!(xenbios_int_0x40)),
        (0x70, fseg_offset!(xenbios_int_0x70)),
        (0x74, fseg_offset!(xenbios_int_0x74)),
    ]
}

#[unsafe(no_mangle)]
extern "C" fn xenbios_post() {
    let io = Ports;
    *UART.lock() = Uart::init(&io, COM1);
    crate::log::set_sink(log_sink);
    info!("post", "xenbios {}", env!("CARGO_PKG_VERSION"));
    let clock = TscClock::calibrate(&io);
    *CLOCK.lock() = clock;
    let unpack_us = crate::arch::x86::unpack::unpack_ticks() * 1000 / clock.khz.max(1) as u64;
    let source = if crate::arch::x86::unpack::unpacked_from_rom() {
        "copied from the ROM"
    } else {
        "found in RAM"
    };
    info!(
        "post",
        "image unpacked at reset in {unpack_us} us ({source})"
    );
    let mut ctx = Ctx {
        mem: &mut FlatMemory,
        io: &io,
        clock: &clock,
        cpu: &mut RealCpu,
        console: &mut SerialConsole,
    };
    let services = service_stubs();
    let handlers = Handlers {
        segment: BIOS_SEG,
        iret: fseg_offset!(xenbios_iret),
        irq_master: fseg_offset!(xenbios_irq_master),
        irq_slave: fseg_offset!(xenbios_irq_slave),
        services: &services,
        diskette_params: fseg_offset!(xenbios_diskette_params),
    };
    // POST takes and releases the firmware state phase by phase (see post.rs).
    BIOS.init();
    BIOS.lock().tables.layout = Some(table_layout());
    let entry = match crate::arch::x86::unpack::direct_start_info() {
        Some(start_info) => crate::post::Entry::XenDirect { start_info },
        None => crate::post::Entry::Reset,
    };
    crate::post::run(&mut ctx, &BIOS, &handlers, &mut RealXenCpu, entry);
}

/// Where src/arch/x86/tables.S put the fixed BIOS structures (linear addresses).
fn table_layout() -> crate::tables::Layout {
    let flat = |off: u16| crate::hal::mem::linear(BIOS_SEG, off);
    crate::tables::Layout {
        fseg_pool: (
            flat(fseg_offset!(xenbios_fseg_pool)),
            flat(fseg_offset!(xenbios_fseg_pool_end)),
        ),
        bios32_header: flat(fseg_offset!(xenbios_bios32_header)),
        pnp_header: flat(fseg_offset!(xenbios_pnp_header)),
        pcibios32_entry: flat(fseg_offset!(xenbios_pcibios32)),
        pci_last_bus: flat(fseg_offset!(xenbios_pci_last_bus)),
    }
}

#[unsafe(no_mangle)]
extern "C" fn xenbios_interrupt(frame: *mut Regs) -> Action {
    // SAFETY: the trampoline passes the linear address of the frame it just pushed on the
    // caller's stack; it may be unaligned, hence the unaligned copy in and out.
    let mut regs = unsafe { frame.read_unaligned() };
    let clock = *CLOCK.lock();
    let mut ctx = Ctx {
        mem: &mut FlatMemory,
        io: &Ports,
        clock: &clock,
        cpu: &mut RealCpu,
        console: &mut SerialConsole,
    };
    let next = match crate::dispatch::stateless(&mut regs, &mut ctx) {
        Some(next) => next,
        None => match BIOS.try_lock() {
            Some(mut bios) => crate::dispatch::dispatch(&mut regs, &mut ctx, &mut bios),
            None => {
                // Real-mode code called from a service (or POST) that holds the state
                // called back into a service that needs it.
                warn!(
                    "int",
                    "vector {:#04x} re-entered while busy: refused", regs.vector
                );
                regs.fail(crate::services::UNSUPPORTED);
                Next::Return
            }
        },
    };
    // SAFETY: same frame, written back for the trampoline to load.
    unsafe { frame.write_unaligned(regs) };
    match next {
        Next::Return => Action::Return,
        Next::Yield => Action::Yield,
        Next::Boot(mut call) => loop {
            let (used, size) = crate::layout::stack_used();
            if used > size / 4 * 3 {
                warn!(
                    "post",
                    "firmware stack: {used} of {size} bytes used: close to overflowing into its data"
                );
            } else {
                info!("post", "firmware stack: {used} of {size} bytes used so far");
            }
            // The BIOS state is unlocked again (the guard above is gone): the boot code
            // may call us. A boot sector (NORETURN) never comes back; a boot ROM's BEV
            // does when it found nothing to boot.
            RealCpu.call16(&mut call);
            let returned = {
                let mut b = BIOS.lock();
                let b = &mut *b;
                crate::boot::returned(&mut ctx, &mut b.boot, &mut b.drives, b.tables.pnp())
            };
            match returned {
                Some(next) => call = next,
                // Nothing left: the int18/19 frame waits for a key or the retry time.
                None => return Action::Yield,
            }
        },
    }
}

/// Entry points the trampoline calls, kept alive through LTO and --gc-sections. The POST
/// entry's pointer lives with the loader (which calls it), not in runtime data: runtime
/// must not refer to POST-only code (tools/pack/src/split.rs).
#[used]
#[unsafe(link_section = ".rodata.loader")]
static POST_ENTRY: extern "C" fn() = xenbios_post;
#[used]
static INTERRUPT_ENTRY: extern "C" fn(*mut Regs) -> Action = xenbios_interrupt;

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    // Straight to the ports: the code that panicked may hold the console.
    struct Raw;
    impl core::fmt::Write for Raw {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            for b in s.bytes() {
                Ports.outb(DEBUGCON, b);
                Ports.outb(XEN_DEBUG_PORT, b);
            }
            Ok(())
        }
    }
    let _ = core::fmt::write(&mut Raw, format_args!("[panic] {info}\n"));
    loop {
        // SAFETY: halting with interrupts off stops this CPU; nothing to preserve.
        unsafe { core::arch::asm!("cli; hlt") };
    }
}
