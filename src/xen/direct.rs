//! What Xen's domain builder hands a firmware it starts directly (xl.cfg `firmware=`, no
//! hvmloader): the `hvm_start_info` whose address arrives in EBX, and the HVM info table
//! the builder writes at 0x9F800 for every HVM guest with a device model (`hvm_info_table.h`;
//! not to be confused with hvmloader's table for SeaBIOS at 0x1000, [`super::hvm_info`]).
//!
//! Both are read early in POST and only validated and summarised here: the memory map
//! comes from `XENMEM_memory_map` (the start info's copy of it is the same list, libxl
//! passes one map to both), the vCPU count and the special pages from the info table.

use crate::hal::mem::{Memory, MemoryExt};
use xen_headers::hvm_info_table::{
    HVM_INFO_PADDR, HVM_INFO_SIGNATURE, HVM_MAX_VCPUS, HvmInfoTable,
};
use xen_headers::start_info::{HvmModlistEntry, HvmStartInfo, XEN_HVM_START_MAGIC_VALUE};

const TAG: &str = "xen";
const PAGE_SHIFT: u32 = xen_headers::XEN_PAGE_SHIFT;
/// The special pages lie below 4 GiB; anything claiming otherwise is not used.
const FOUR_GIB: u64 = 1 << 32;
/// The start-info modules the log names (libxl passes one: the default BIOS).
const MODULES_LOGGED: u32 = 4;

/// The domain as the builder describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Domain {
    /// vCPUs (at least 1, at most `HVM_MAX_VCPUS`).
    pub vcpus: u32,
    /// Bit `n`: vCPU `n` is online at boot.
    pub online: [u8; (HVM_MAX_VCPUS as usize).div_ceil(8)],
    /// The firmware should describe APICs (MADT, MP table).
    pub apic_mode: bool,
    /// Where the special pages start (xenstore, ioreq, console): reserved up to 4 GiB.
    pub special_pages: u64,
}

impl Domain {
    pub fn online(&self, vcpu: u32) -> bool {
        vcpu < self.vcpus && self.online[(vcpu / 8) as usize] & (1 << (vcpu % 8)) != 0
    }
}

/// Why the info table is not used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalid {
    Absent,
    TooShort(u32),
    BadChecksum,
    NoVcpus,
}

/// The HVM info table at `HVM_INFO_PADDR`, validated (signature, length, checksum); a
/// vCPU count above Xen's limit is capped, special pages above 4 GiB are ignored.
pub fn domain(mem: &dyn Memory) -> Result<Domain, Invalid> {
    let t: HvmInfoTable = mem.read_obj(HVM_INFO_PADDR);
    if t.signature != HVM_INFO_SIGNATURE {
        return Err(Invalid::Absent);
    }
    let min = core::mem::size_of::<HvmInfoTable>() as u32;
    // The table lives in the second half of its page.
    let max = (1 << PAGE_SHIFT) - (HVM_INFO_PADDR & ((1 << PAGE_SHIFT) - 1));
    if t.length < min || t.length > max {
        return Err(Invalid::TooShort(t.length));
    }
    if mem.sum8(HVM_INFO_PADDR, t.length) != 0 {
        return Err(Invalid::BadChecksum);
    }
    if t.nr_vcpus == 0 {
        return Err(Invalid::NoVcpus);
    }
    let special = u64::from(t.reserved_mem_pgstart) << PAGE_SHIFT;
    Ok(Domain {
        vcpus: t.nr_vcpus.min(HVM_MAX_VCPUS),
        online: t.vcpu_online,
        apic_mode: t.apic_mode != 0,
        special_pages: if special > 0 && special < FOUR_GIB {
            special
        } else {
            FOUR_GIB
        },
    })
}

/// [`domain`], logged.
pub fn read_domain(mem: &dyn Memory) -> Option<Domain> {
    match domain(mem) {
        Ok(d) => {
            let online = (0..d.vcpus).filter(|&v| d.online(v)).count();
            info!(
                TAG,
                "HVM info table: {} vCPUs ({online} online), APIC mode {}, special pages from {:#x}",
                d.vcpus,
                if d.apic_mode { "on" } else { "off" },
                d.special_pages
            );
            Some(d)
        }
        Err(e) => {
            warn!(
                TAG,
                "no usable HVM info table at {HVM_INFO_PADDR:#x}: {e:?}"
            );
            None
        }
    }
}

/// Check and log the start info at `at` (EBX at the direct entry). Returns whether it
/// carries Xen's magic: without it the entry was not Xen's domain builder's.
pub fn log_start_info(mem: &dyn Memory, at: u32) -> bool {
    let si: HvmStartInfo = mem.read_obj(at);
    if si.magic != XEN_HVM_START_MAGIC_VALUE {
        warn!(
            TAG,
            "direct entry: no hvm_start_info at {at:#x} (magic {:#x})",
            { si.magic }
        );
        return false;
    }
    info!(
        TAG,
        "started by Xen's domain builder (no hvmloader): hvm_start_info v{} at {at:#x}, {} module(s), {} memory map entries",
        { si.version },
        { si.nr_modules },
        { si.memmap_entries }
    );
    let list = si.modlist_paddr;
    for n in 0..si.nr_modules.min(MODULES_LOGGED) {
        let entry = list + u64::from(n) * core::mem::size_of::<HvmModlistEntry>() as u64;
        let Ok(entry) = u32::try_from(entry) else {
            break;
        };
        let m: HvmModlistEntry = mem.read_obj(entry);
        debug!(
            TAG,
            "module {n}: {:#x}, {} bytes (unused: POST may overwrite it)",
            { m.paddr },
            { m.size }
        );
    }
    true
}

/// The TSS Xen runs real mode in on Intel CPUs without "unrestricted guest" (as virtual-8086
/// mode): the 104-byte base structure, the 32-byte interrupt redirection bitmap, a 128-byte
/// I/O bitmap for the ISA ports and its trailing byte, 265 bytes, in a multiple of its
/// 128-byte alignment (hvmloader's `init_vm86_tss` reasons the same way). hvmloader gives
/// Xen one before the BIOS runs; started directly, the firmware must, before its first switch
/// to real mode.
const VM86_TSS_ALIGN: u32 = 128;
const VM86_TSS_SIZE: u32 = 3 * VM86_TSS_ALIGN;
/// `HVM_PARAM_VM86_TSS_SIZED`: the size in bits 63:32, the address below.
const VM86_TSS_SIZE_SHIFT: u32 = 32;

/// Give Xen its virtual-8086 TSS in reserved memory; logged.
pub fn set_vm86_tss(
    mem: &mut dyn Memory,
    hv: &dyn crate::hal::hypercall::Hypervisor,
    e820: &mut crate::e820::E820Map,
) {
    let Some(tss) = crate::zone::alloc_high(
        e820,
        VM86_TSS_SIZE,
        VM86_TSS_ALIGN,
        crate::e820::Kind::Reserved,
    ) else {
        return;
    };
    mem.fill(tss, VM86_TSS_SIZE, 0);
    let value = u64::from(VM86_TSS_SIZE) << VM86_TSS_SIZE_SHIFT | u64::from(tss);
    match hv.hvm_set_param(xen_headers::hvm::HVM_PARAM_VM86_TSS_SIZED, value) {
        Ok(()) => debug!(TAG, "virtual-8086 TSS for Xen at {tss:#x}"),
        Err(e) => warn!(
            TAG,
            "HVM_PARAM_VM86_TSS_SIZED refused ({e}): real mode may fail on Intel without unrestricted guest"
        ),
    }
}
