//! The image's assembly (`trampoline.S`, `tables.S`) and every number it shares with the
//! Rust side: structure offsets, flags, ports, addresses, service codes. Each comes from its
//! one Rust definition, in whichever layer owns it, which is why this file belongs to the
//! top layer (tests/layers.rs) while the rest of `arch` only implements the hal traits.

use super::{BIOS_BASE, BIOS_SEG, PORT92_A20};
use crate::hal::cpu::{Call16, call_kind};
use crate::hal::regs::{Action, Flags, Regs};
use crate::hw::{pam, pci, pic, ps2};
use crate::services::pcibios;
use crate::{bda, layout, tables};
use core::mem::offset_of;

/// Assembles the `.S` files after one `.set NAME, value` line per `NAME = value`, so that
/// every number the assembly shares with Rust (an offset into a structure, a flag, ...)
/// has one source, the Rust item named here: the `.S` files use only the names. The
/// values are substituted as `const` operands, so the `.S` text is a format string: a
/// literal brace in it would have to be doubled. `#[globl]` before a name also makes it
/// a global (absolute) symbol, for linker.ld.
macro_rules! global_asm_with {
    ($($file:literal),+; $($(#[$directive:ident])? $name:ident = $value:expr,)+) => {
        core::arch::global_asm!(
            $(
                $(concat!(".", stringify!($directive), " ", stringify!($name)),)?
                concat!(".set ", stringify!($name), ", {", stringify!($name), "}"),
            )+
            $(include_str!($file),)+
            $($name = const $value,)+
            options(att_syntax),
        );
    };
}

global_asm_with!("trampoline.S", "tables.S";
    // The interrupt frame (pushed by the stubs and the entry path) and the register image
    // of a call block.
    REGS_EDI = offset_of!(Regs, edi),
    REGS_ESI = offset_of!(Regs, esi),
    REGS_EBP = offset_of!(Regs, ebp),
    REGS_ESP = offset_of!(Regs, esp),
    REGS_EBX = offset_of!(Regs, ebx),
    REGS_EDX = offset_of!(Regs, edx),
    REGS_ECX = offset_of!(Regs, ecx),
    REGS_EAX = offset_of!(Regs, eax),
    REGS_GS = offset_of!(Regs, gs),
    REGS_FS = offset_of!(Regs, fs),
    REGS_ES = offset_of!(Regs, es),
    REGS_DS = offset_of!(Regs, ds),
    REGS_VECTOR = offset_of!(Regs, vector),
    REGS_IP = offset_of!(Regs, ip),
    REGS_CS = offset_of!(Regs, cs),
    REGS_FLAGS = offset_of!(Regs, flags),
    REGS_SIZE = size_of::<Regs>(),
    FLAGS_CF = Flags::CF.bits(),
    // xenbios_call16's block.
    CALL16_REGS = offset_of!(Call16, regs),
    CALL16_SS = offset_of!(Call16, ss),
    CALL16_SP = offset_of!(Call16, sp),
    CALL16_KIND = offset_of!(Call16, kind),
    CALL16_INT = call_kind::INT,
    CALL16_OWN_STACK = call_kind::OWN_STACK,
    CALL16_NORETURN = call_kind::NORETURN,
    // What xenbios_interrupt returns.
    ACTION_YIELD = Action::Yield as u32,
    // Where the image and the firmware's parts are. linker.ld places them by the global
    // ones (it has no numbers of its own for them).
    BIOS_SEG = BIOS_SEG,
    #[globl] BIOS_BASE = BIOS_BASE,
    #[globl] IMAGE_START = layout::IMAGE_START,
    #[globl] IMAGE_END = layout::IMAGE_END,
    #[globl] POST_BASE = layout::POST_BASE,
    #[globl] UNPACK_SCRATCH = layout::UNPACK_SCRATCH,
    #[globl] EBDA_START = layout::EBDA_START,
    #[globl] EBDA_STANDARD = layout::EBDA_STANDARD,
    #[globl] LOW_MEM_END = layout::LOW_MEM_END,
    ROM_ALIAS_HIGH = crate::platform::memmap::BIOS_ALIAS_START,
    STACK_PAINT = layout::STACK_PAINT,
    POST_TRAP = layout::POST_TRAP,
    BLOB_MAGIC = u64::from_le_bytes(xenbios_pack::format::MAGIC),
    CONFIG_TABLE_OFFSET = crate::services::system::CONFIG_TABLE.offset,
    // Ports and their values.
    A20_ON = PORT92_A20,
    DEBUGCON_PORT = crate::image::DEBUGCON,
    XEN_DEBUG_PORT = crate::image::XEN_DEBUG_PORT,
    KBD_DATA = ps2::DATA,
    PIC_MASTER_CMD = pic::MASTER_CMD,
    PIC_MASTER_DATA = pic::MASTER_DATA,
    PIC_SLAVE_CMD = pic::SLAVE_CMD,
    PIC_EOI = pic::OCW2_EOI,
    PIC_MASTER_VECTORS = pic::MASTER_VECTOR_BASE,
    PIC_SLAVE_VECTORS = pic::SLAVE_VECTOR_BASE,
    IRQ_TIMER = pic::IRQ_TIMER,
    IRQ_KEYBOARD = pic::IRQ_KEYBOARD,
    PCI_ADDR = pci::CONFIG_ADDRESS,
    PCI_DATA = pci::CONFIG_DATA,
    PCI_ENABLE = pci::CONFIG_ENABLE,
    PCI_VENDOR_NONE = pci::VENDOR_NONE,
    PCI_REVISION_CLASS = pci::REVISION_CLASS,
    PCI_HEADER_TYPE = pci::HEADER_TYPE,
    PCI_HEADER_MULTI_FUNCTION = pci::HEADER_MULTI_FUNCTION,
    PCI_VENDOR_INTEL = pci::VENDOR_INTEL,
    PCI_DEVICE_I440FX = pci::DEVICE_I440FX,
    PCI_DEVICE_Q35_MCH = pci::DEVICE_Q35_MCH,
    PAM0_I440FX = pam::I440FX_PAM0,
    PAM0_Q35 = pam::Q35_PAM0,
    PAM_FIRST_SEGMENT = pam::FIRST_SEGMENT,
    PAM_BYTES_PER_REGISTER = pam::BYTES_PER_REGISTER,
    PAM_READ_WRITE = pam::READ_WRITE_RAM,
    // The BIOS data area's tick count (IRQ0 counts, int1A reads).
    BDA_SEG = bda::BDA >> 4,
    BDA_TICKS = bda::TICKS,
    BDA_MIDNIGHT = bda::MIDNIGHT,
    TICKS_PER_DAY = crate::services::time::TICKS_PER_DAY,
    // Service answers: int15's "not supported", the PCI BIOS's functions and codes (the
    // 32-bit PCI BIOS in tables.S answers as int1A's does).
    AH_UNSUPPORTED = crate::services::UNSUPPORTED,
    PCI_FUNCTION_ID = pcibios::PCI_FUNCTION_ID,
    PCI_BIOS_PRESENT = pcibios::PCI_BIOS_PRESENT,
    PCI_FIND_DEVICE = pcibios::FIND_PCI_DEVICE,
    PCI_FIND_CLASS = pcibios::FIND_PCI_CLASS_CODE,
    PCI_READ_BYTE = pcibios::READ_CONFIG_BYTE,
    PCI_READ_WORD = pcibios::READ_CONFIG_WORD,
    PCI_READ_DWORD = pcibios::READ_CONFIG_DWORD,
    PCI_WRITE_BYTE = pcibios::WRITE_CONFIG_BYTE,
    PCI_WRITE_WORD = pcibios::WRITE_CONFIG_WORD,
    PCI_WRITE_DWORD = pcibios::WRITE_CONFIG_DWORD,
    PCI_SUCCESSFUL = pcibios::SUCCESSFUL,
    PCI_NOT_SUPPORTED = pcibios::FUNC_NOT_SUPPORTED,
    PCI_BAD_VENDOR = pcibios::BAD_VENDOR_ID,
    PCI_NOT_FOUND = pcibios::DEVICE_NOT_FOUND,
    PCI_BAD_REGISTER = pcibios::BAD_REGISTER_NUMBER,
    PCI_SIGNATURE = pcibios::PCI_SIGNATURE,
    PCI_VERSION = pcibios::INTERFACE_VERSION,
    PCI_HW_MECH1 = pcibios::HW_CONFIG_MECHANISM_1,
    // The headers POST checksums (src/tables/mod.rs); linker.ld checks tables.S's layout
    // of them against these.
    #[globl] BIOS32_HEADER_LEN = tables::BIOS32_HEADER_LEN,
    #[globl] BIOS32_CHECKSUM = tables::BIOS32_CHECKSUM,
    #[globl] PNP_HEADER_LEN = tables::PNP_HEADER_LEN,
    #[globl] PNP_CHECKSUM = tables::PNP_CHECKSUM,
);
