//! The Xen platform: finding Xen, the hypercall page, the platform device's MMIO window
//! with the shared info page and the grant table, event channels and xenstore.
//!
//! POST calls [`init`] once after PCI setup. Under Xen it returns the [`Xen`] state that PV
//! drivers (blkfront) share: the [`Hypervisor`], the grant table and the xenstore client
//! (each a [`Global`]: one CPU, no interrupts, so locks never overlap unless a caller nests
//! them, which panics), and where the shared info page is. Without Xen it logs `no Xen`
//! and the firmware carries on as a plain BIOS.
//!
//! # For PV drivers
//!
//! ```text
//! let xen: &'static Xen = bios.xen?;
//! let gref = xen.grants.lock().grant(mem, backend_domid, page >> 12, readonly)?;
//! let port = evtchn::alloc_unbound(xen.hv, backend_domid)?;
//! let mut store = xen.store.lock();
//! let mut xs = store.session(mem, clock);
//! let be = xs.read_str(xenstore::path(&["device/vbd/", vdev, "/backend"])?.as_str(), &mut buf)?;
//! xs.write_u64(.., u64::from(gref))?;  xs.write_state(.., XenbusState::Initialised)?;
//! evtchn::send(xen.hv, port)?;         // after publishing ring requests
//! wait::wait_for(xen.hv, clock, &Timeout::start(clock, us), "blkfront", &what, &mut || ..);
//! xen.grants.lock().end_access(mem, gref)  // Err(StillInUse) while the backend maps it
//! ```
//!
//! Hardware is reached through traits ([`XenCpu`], [`Hypervisor`], `Memory`, `Clock`), so
//! all of this runs in host tests against the simulated Xen of `xenbios_sim::xen`.

pub mod blkfront;
pub mod direct;
pub mod evtchn;
pub mod grant;
pub mod hvm_info;
pub mod wait;
pub mod xenstore;

use crate::hal::hypercall::{Hypervisor, XenCpu};
pub use evtchn::SharedInfo;
pub use grant::{GrantError, GrantTable};
pub use hvm_info::HvmInfo;
pub use xenstore::{DirEntries, DirName, Tx, Xenstore, Xs, XsError, XsPath};

use crate::e820::E820Map;
use crate::global::Global;
use crate::hal::Ctx;
use crate::hw::pci::{Bdf, PciDevices};
use core::fmt;
use xen_headers::XEN_PAGE_SHIFT;
use xen_headers::cpuid::{
    XEN_CPUID_BASE_STRIDE, XEN_CPUID_FIRST_LEAF, XEN_CPUID_LAST_BASE, XEN_CPUID_LEAF_HVM,
    XEN_CPUID_LEAF_HYPERCALL, XEN_CPUID_LEAF_VERSION, XEN_HVM_CPUID_DOMID_PRESENT,
    is_xen_signature,
};
use xen_headers::event_channel::EvtchnPort;
use xen_headers::hvm::{HVM_PARAM_STORE_EVTCHN, HVM_PARAM_STORE_PFN};
use xen_headers::io::blkif::XENSTORE_VBD_DIR;
use xen_headers::memory::{XENMAPSPACE_GRANT_TABLE, XENMAPSPACE_SHARED_INFO};
use xen_headers::platform::{PCI_DEVICE_ID_XEN_PLATFORM, PCI_VENDOR_ID_XEN, XEN_PLATFORM_MMIO_BAR};
use xen_headers::version::version_split;
use xen_headers::xen::Domid;

const TAG: &str = "xen";
/// Bytes per page of every Xen interface.
const PAGE: u32 = 1 << XEN_PAGE_SHIFT;
/// Hypercall pages the firmware installs. Xen may offer more (CPUID leaf +2 EAX), but one
/// page holds the stubs of hypercalls 0-127, all the firmware uses.
const HYPERCALL_PAGES: u32 = 1;
/// Where things go in the platform device's MMIO window: the shared info page first, then
/// the grant table frames.
const BAR1_SHARED_INFO: u32 = 0;
const BAR1_GRANT_TABLE: u32 = PAGE;
/// The window must hold the shared info page and the grant frames.
const BAR1_NEEDED: u64 = (BAR1_GRANT_TABLE + grant::GRANT_FRAMES * PAGE) as u64;

/// What CPUID says about Xen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detected {
    /// The leaf with the `XenVMMXenVMM` signature.
    pub base: u32,
    /// `major << 16 | minor` from leaf +1.
    pub version: u32,
    /// Hypercall pages Xen offers, and the MSR that installs them (leaf +2).
    pub hypercall_pages: u32,
    pub hypercall_msr: u32,
    /// Our domain id, if leaf +4 gives it.
    pub domid: Option<Domid>,
}

/// Scan CPUID 0x40000000..=0x4000FF00 (step 0x100) for Xen's signature.
pub fn detect(cpu: &dyn XenCpu) -> Option<Detected> {
    let mut base = XEN_CPUID_FIRST_LEAF;
    loop {
        let [max, b, c, d] = cpu.cpuid(base);
        if is_xen_signature(b, c, d) {
            if max.wrapping_sub(base) < XEN_CPUID_LEAF_HYPERCALL {
                warn!(TAG, "Xen signature at {base:#x} without the hypercall leaf");
                return None;
            }
            let [version, ..] = cpu.cpuid(base + XEN_CPUID_LEAF_VERSION);
            let [pages, msr, ..] = cpu.cpuid(base + XEN_CPUID_LEAF_HYPERCALL);
            let domid = if max.wrapping_sub(base) >= XEN_CPUID_LEAF_HVM {
                let [flags, _, id, _] = cpu.cpuid(base + XEN_CPUID_LEAF_HVM);
                (flags & XEN_HVM_CPUID_DOMID_PRESENT != 0).then_some(id as Domid)
            } else {
                None
            };
            return Some(Detected {
                base,
                version,
                hypercall_pages: pages,
                hypercall_msr: msr,
                domid,
            });
        }
        if base >= XEN_CPUID_LAST_BASE {
            return None;
        }
        base += XEN_CPUID_BASE_STRIDE;
    }
}

/// Hypercalls before the memory map exists (Xen started the firmware directly, and the map
/// comes from Xen): the hypercall page goes to `scratch`, a free RAM page POST uses for
/// nothing else; [`init`] installs the page for good where the map reserves it. `None`
/// without Xen.
pub fn early_hypervisor(cpu: &mut dyn XenCpu, scratch: u32) -> Option<&'static dyn Hypervisor> {
    let found = detect(cpu)?;
    cpu.install_hypercall_page(found.hypercall_msr, scratch)
}

/// The Xen platform PCI device (5853:0001) and its MMIO window (BAR1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlatformDevice {
    pub bdf: Bdf,
    pub mmio_base: u32,
    pub mmio_size: u64,
}

impl PlatformDevice {
    /// The platform device among those PCI POST found, if it has its MMIO window below
    /// 4 GiB.
    pub fn find(devs: &PciDevices) -> Option<PlatformDevice> {
        let d = devs.find(PCI_VENDOR_ID_XEN, PCI_DEVICE_ID_XEN_PLATFORM, 0)?;
        let bar = d.bars[XEN_PLATFORM_MMIO_BAR];
        if !bar.is_mem() || !bar.assigned || bar.base == 0 || bar.base + bar.size() > 1 << 32 {
            warn!(TAG, "platform device {} has no usable MMIO BAR", d.bdf);
            return None;
        }
        Some(PlatformDevice {
            bdf: d.bdf,
            mmio_base: bar.base as u32,
            mmio_size: bar.size(),
        })
    }
}

/// Everything POST set up for Xen, shared by PV drivers (`&'static`: it lives as long as
/// the firmware).
pub struct Xen {
    pub hv: &'static dyn Hypervisor,
    pub cpuid_base: u32,
    /// `XENVER_version`: `major << 16 | minor`.
    pub version: u32,
    pub domid: Option<Domid>,
    /// Linear address of the hypercall page (reserved in e820).
    pub hypercall_page: u32,
    pub platform: PlatformDevice,
    pub shared_info: SharedInfo,
    pub grants: Global<GrantTable>,
    pub store: Global<Xenstore>,
    pub hvm_info: Option<HvmInfo>,
    /// The `device/vbd` numbers, in increasing order: the lowest [`MAX_VBDS`] of them.
    pub vbds: Vbds,
}

/// PV disks the firmware takes at most (each gets a ring page and a registry slot).
pub const MAX_VBDS: usize = 8;

/// VBD numbers, in increasing order: the lowest of those inserted, so that `xvda` (the
/// disk a guest boots from, unless told otherwise) is never the one left out, whatever the
/// order xenstored lists them in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vbds {
    pub list: [u32; MAX_VBDS],
    pub count: usize,
}

impl Vbds {
    pub fn as_slice(&self) -> &[u32] {
        &self.list[..self.count]
    }

    /// Add `vdev` in its place, once (a listing may name it twice, as `5` and `05`). When
    /// the list is full, the highest number is left out: `vdev` itself, or the one it
    /// displaces, which is returned.
    pub fn insert(&mut self, mut vdev: u32) -> Option<u32> {
        if self.as_slice().contains(&vdev) {
            return None;
        }
        for v in &mut self.list[..self.count] {
            if vdev < *v {
                core::mem::swap(v, &mut vdev);
            }
        }
        // `vdev` is now the highest of all.
        if self.count == MAX_VBDS {
            return Some(vdev);
        }
        self.list[self.count] = vdev;
        self.count += 1;
        None
    }
}

/// `major.minor` of a `XENVER_version` value.
pub struct Version(pub u32);

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let (major, minor) = version_split(self.0);
        write!(f, "{}.{}", u32::from(major), u32::from(minor))
    }
}

/// A string for log lines, written as it is (`{}` of a `&str` would pull in the padding
/// code of `core::fmt`, which the image does without).
pub struct Text<'a>(pub &'a str);

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Bytes from a peer shown as text, anything unprintable escaped (`ab\x00`); with `{:?}`
/// in quotes.
pub struct Escaped<'a>(pub &'a [u8]);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        for &b in self.0 {
            if b.is_ascii_graphic() || b == b' ' {
                fmt::Write::write_char(f, b as char)?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// Find Xen and set up the platform for PV drivers; log what was found. `platform` is the
/// platform device PCI POST found (`PlatformDevice::find`). The hypercall page is taken
/// from the top of RAM and reserved in `e820`. Returns `None` without Xen (logged as
/// `no Xen`) or when something PV drivers need is missing (logged with the reason).
#[inline(never)]
pub fn init(
    ctx: &mut Ctx,
    e820: &mut E820Map,
    platform: Option<PlatformDevice>,
    cpu: &mut dyn XenCpu,
) -> Option<&'static Xen> {
    let Some(found) = detect(cpu) else {
        info!(TAG, "no Xen");
        return None;
    };
    let hvm_info = hvm_info::read(ctx.mem);
    let page = crate::zone::alloc_pages(e820, HYPERCALL_PAGES)?;
    let hv = cpu.install_hypercall_page(found.hypercall_msr, page)?;
    let version = match hv.xen_version() {
        Ok(v) => v,
        Err(e) => {
            error!(
                TAG,
                "hypercall page at {page:#x}: XENVER_version failed ({e})"
            );
            return None;
        }
    };
    let extra = hv.xen_extraversion().unwrap_or_default();
    let end = extra.iter().position(|&b| b == 0).unwrap_or(extra.len());
    info!(
        TAG,
        "Xen {}{} (CPUID {:#x}), hypercall page at {page:#x}",
        Version(version),
        Escaped(&extra[..end]),
        found.base
    );

    let Some(platform) = platform.filter(|p| p.mmio_size >= BAR1_NEEDED) else {
        warn!(TAG, "no platform device with a usable BAR1: no PV disks");
        return None;
    };
    let shinfo_addr = platform.mmio_base + BAR1_SHARED_INFO;
    let gnttab_addr = platform.mmio_base + BAR1_GRANT_TABLE;
    let mut mapped = hv.add_to_physmap(XENMAPSPACE_SHARED_INFO, 0, shinfo_addr >> XEN_PAGE_SHIFT);
    for frame in 0..grant::GRANT_FRAMES {
        let gfn = (gnttab_addr >> XEN_PAGE_SHIFT) + frame;
        mapped = mapped.and_then(|()| hv.add_to_physmap(XENMAPSPACE_GRANT_TABLE, frame, gfn));
    }
    if let Err(e) = mapped {
        error!(TAG, "XENMEM_add_to_physmap into BAR1 failed ({e})");
        return None;
    }
    info!(
        TAG,
        "BAR1 of {} at {:#x}: shared info at {shinfo_addr:#x}, {} grant table frame(s) at {gnttab_addr:#x}",
        platform.bdf,
        platform.mmio_base,
        grant::GRANT_FRAMES
    );
    let grants = GrantTable::new(ctx.mem, gnttab_addr, grant::GRANT_FRAMES);

    let store = match (
        hv.hvm_get_param(HVM_PARAM_STORE_PFN),
        hv.hvm_get_param(HVM_PARAM_STORE_EVTCHN),
    ) {
        (Ok(pfn), Ok(port)) if pfn != 0 && pfn < 1 << (32 - XEN_PAGE_SHIFT) => Xenstore::connect(
            ctx.mem,
            hv,
            ctx.clock,
            (pfn as u32) << XEN_PAGE_SHIFT,
            port as EvtchnPort,
        ),
        _ => Err(XsError::Unusable),
    };
    let store = match store {
        Ok(s) => s,
        Err(e) => {
            error!(TAG, "no usable xenstore ({e})");
            return None;
        }
    };
    let xen = crate::arena::leak(Xen {
        hv,
        cpuid_base: found.base,
        version,
        domid: found.domid,
        hypercall_page: page,
        platform,
        shared_info: SharedInfo { base: shinfo_addr },
        grants: Global::new(grants),
        store: Global::new(store),
        hvm_info,
        vbds: Vbds::default(),
    })?;
    xen.vbds = list_vbds(&mut xen.store.lock().session(ctx.mem, ctx.clock));
    Some(xen)
}

/// The disks under `device/vbd`, for the PV drivers (which log each one): the lowest
/// [`MAX_VBDS`] numbers, however long the listing and in whatever order. Logs when there
/// are none, and each entry it ignores (not a number, or past the firmware's disks).
pub fn list_vbds(xs: &mut Xs) -> Vbds {
    let mut vbds = Vbds::default();
    let listed = xs.directory_each(XENSTORE_VBD_DIR, |name| {
        let vdev = Some(name.bytes)
            .filter(|_| !name.cut)
            .and_then(xenstore::parse_u64)
            .and_then(|v| u32::try_from(v).ok());
        match vdev {
            Some(v) => {
                if let Some(left_out) = vbds.insert(v) {
                    warn!(
                        TAG,
                        "vbd {left_out}: ignored: more than {} PV disks", MAX_VBDS as u32
                    )
                }
            }
            None => warn!(
                TAG,
                "vbd {}{}: ignored: not a number",
                Escaped(name.bytes),
                Text(if name.cut { "..." } else { "" })
            ),
        }
    });
    if let Err(e) = listed {
        info!(TAG, "no PV disks ({}: {e})", Text(XENSTORE_VBD_DIR));
        return Vbds::default();
    }
    if vbds.count == 0 {
        info!(TAG, "no PV disks ({} is empty)", Text(XENSTORE_VBD_DIR));
    }
    vbds
}
