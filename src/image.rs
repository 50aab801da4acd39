//! The composition root of the image: the real hardware objects, the firmware's global
//! state, and the entry points the trampoline calls (`xenbios_post`,
//! `xenbios_interrupt`). Everything here is glue; logic lives in the modules it calls.

use crate::arch::{FlatMemory, Ports};
use crate::hw::PortIo;
use crate::hw::serial::{COM1, Uart};
use crate::regs::{Action, Regs};

/// QEMU's debug console (isa-debugcon) and Xen's HVM debug port.
const DEBUGCON: u16 = 0x402;
const XEN_DEBUG_PORT: u16 = 0xe9;

static UART: spin::Mutex<Option<Uart>> = spin::Mutex::new(None);

/// The console: every byte to the debug ports and COM1 ("\n" as "\r\n" on the UART).
fn console_write(s: &str) {
    let io = Ports;
    let uart = *UART.lock();
    for b in s.bytes() {
        io.outb(DEBUGCON, b);
        io.outb(XEN_DEBUG_PORT, b);
        if let Some(u) = uart {
            if b == b'\n' {
                u.putc(&io, b'\r');
            }
            u.putc(&io, b);
        }
    }
}

#[unsafe(no_mangle)]
extern "C" fn xenbios_post() {
    let io = Ports;
    *UART.lock() = Uart::init(&io, COM1);
    crate::log::set_sink(console_write);
    info!("post", "xenbios {}", env!("CARGO_PKG_VERSION"));
    let mut mem = FlatMemory;
    crate::post::run(&mut mem, &io);
}

#[unsafe(no_mangle)]
extern "C" fn xenbios_interrupt(frame: *mut Regs) -> Action {
    // SAFETY: the trampoline passes the linear address of the frame it just pushed on the
    // caller's stack; it may be unaligned, hence the unaligned copy in and out.
    let mut regs = unsafe { frame.read_unaligned() };
    let mut mem = FlatMemory;
    let action = crate::dispatch::dispatch(&mut regs, &mut mem, &Ports);
    // SAFETY: same frame, written back for the trampoline to load.
    unsafe { frame.write_unaligned(regs) };
    action
}

/// Entry points the trampoline calls, kept alive through LTO and --gc-sections.
#[used]
static ENTRY_POINTS: [extern "C" fn(); 1] = [xenbios_post];
#[used]
static INTERRUPT_ENTRY: extern "C" fn(*mut Regs) -> Action = xenbios_interrupt;

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    // The sink may be locked by the code that panicked: write straight to the ports.
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
