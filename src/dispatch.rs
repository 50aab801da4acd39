//! Interrupt vector -> service. The one place that knows which vector is whose.

use crate::bios::Bios;
use crate::hal::Ctx;
use crate::hal::cpu::Call16;
use crate::hal::regs::{Action, Regs};
use crate::services;

/// What the image does after a service.
#[derive(Debug)]
pub enum Next {
    /// Back to the caller (`iret`).
    Return,
    /// Let interrupts run and call the service again (see `Action::Yield`).
    Yield,
    /// Enter boot code: a boot sector (never returns) or a boot ROM's BEV (may return:
    /// then `boot::returned` says what next). The image releases the firmware's state
    /// before the call, so the booted code can call the BIOS.
    Boot(Call16),
}

impl From<Action> for Next {
    fn from(a: Action) -> Next {
        match a {
            Action::Return => Next::Return,
            Action::Yield => Next::Yield,
        }
    }
}

/// int1A AH=B1h: the PCI BIOS, which answers from the device list POST keeps.
const PCI_BIOS: u8 = services::pcibios::PCI_FUNCTION_ID;

/// Services that keep no firmware state (they use the BDA and the hardware only): they
/// run even while another activation holds the state, e.g. IRQs and int16 while an
/// option ROM runs from POST, or int10 while a service prints through a VGA BIOS. None
/// for vectors that need the state.
pub fn stateless(regs: &mut Regs, ctx: &mut Ctx) -> Option<Next> {
    match regs.vector {
        0x09 => services::keyboard::int09(regs, ctx),
        0x10 => services::video::int10(regs, ctx),
        0x11 => services::equipment::int11(regs, ctx),
        0x12 => services::equipment::int12(regs, ctx),
        0x16 => return Some(services::keyboard::int16(regs, ctx).into()),
        0x1a if regs.ah() != PCI_BIOS => services::time::int1a(regs, ctx),
        0x70 => services::time::int70(regs, ctx),
        0x74 => services::keyboard::int74(regs, ctx),
        _ => return None,
    }
    Some(Next::Return)
}

pub fn dispatch(regs: &mut Regs, ctx: &mut Ctx, bios: &mut Bios) -> Next {
    if let Some(next) = stateless(regs, ctx) {
        return next;
    }
    match regs.vector {
        // int40 is the diskette service int13 chains to on old machines; both land here.
        0x13 | 0x40 => crate::block::int13::handle(regs, ctx, &mut bios.drives, &bios.e820),
        0x14 => return services::serial::int14(regs, ctx, &mut bios.wait).into(),
        0x15 => return services::system::int15(regs, ctx, &bios.e820, &mut bios.wait).into(),
        0x17 => return services::serial::int17(regs, ctx, &mut bios.wait).into(),
        // The PCI BIOS (the rest of int1A is stateless, above).
        0x1a => {
            let entry32 = bios.tables.pcibios32_entry();
            services::pcibios::int1a(regs, ctx, &bios.pci, entry32)
        }
        v @ (0x18 | 0x19) => {
            let (boot, drives, pnp) = (&mut bios.boot, &mut bios.drives, bios.tables.pnp());
            let jump = if boot.waiting_for_retry() {
                crate::boot::wait_for_retry(ctx, boot, drives, pnp)
            } else if v == 0x19 {
                crate::boot::int19(ctx, boot, drives, pnp)
            } else {
                crate::boot::int18(ctx, boot, drives, pnp)
            };
            return match jump {
                Some(call) => Next::Boot(call),
                // Nothing booted: wait (interrupts on) for a key or the retry time.
                None => Next::Yield,
            };
        }
        v => {
            warn!("int", "no service for vector {v:#04x}");
            regs.fail(services::UNSUPPORTED);
        }
    }
    Next::Return
}
