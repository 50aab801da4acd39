//! Interrupt vector -> service. The one place that knows which vector is whose.

use crate::bios::{Bios, Ctx};
use crate::cpu::Call16;
use crate::regs::{Action, Regs};
use crate::services;

/// What the image does after a service.
#[derive(Debug)]
pub enum Next {
    /// Back to the caller (`iret`).
    Return,
    /// Let interrupts run and call the service again (see `Action::Yield`).
    Yield,
    /// Leave the BIOS for good: enter a boot sector. The image releases the firmware's
    /// state before it jumps, so the booted code can call the BIOS.
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

pub fn dispatch(regs: &mut Regs, ctx: &mut Ctx, bios: &mut Bios) -> Next {
    match regs.vector {
        0x09 => services::keyboard::int09(regs, ctx),
        0x10 => services::video::int10(regs, ctx),
        0x11 => services::equipment::int11(regs, ctx),
        0x12 => services::equipment::int12(regs, ctx),
        // int40 is the diskette service int13 chains to on old machines; both land here.
        0x13 | 0x40 => crate::block::int13::handle(regs, ctx, &mut bios.drives),
        0x14 => return services::serial::int14(regs, ctx, bios).into(),
        0x15 => return services::system::int15(regs, ctx, bios).into(),
        0x16 => return services::keyboard::int16(regs, ctx).into(),
        0x17 => return services::serial::int17(regs, ctx, bios).into(),
        v @ (0x18 | 0x19) => {
            let jump = if crate::boot::waiting_for_retry(bios) {
                crate::boot::wait_for_retry(ctx, bios)
            } else if v == 0x19 {
                crate::boot::int19(ctx, bios)
            } else {
                crate::boot::int18(ctx, bios)
            };
            return match jump {
                Some(call) => Next::Boot(call),
                // Nothing booted: wait (interrupts on) for a key or the retry time.
                None => Next::Yield,
            };
        }
        0x1a if regs.ah() == services::pcibios::PCI_FUNCTION_ID => {
            let entry32 = bios.tables.pcibios32_entry();
            services::pcibios::int1a(regs, ctx, &bios.pci, entry32)
        }
        0x1a => services::time::int1a(regs, ctx),
        0x70 => services::time::int70(regs, ctx),
        0x74 => services::keyboard::int74(regs, ctx),
        v => {
            warn!("int", "no service for vector {v:#04x}");
            regs.fail(services::UNSUPPORTED);
        }
    }
    Next::Return
}
