//! Shared by the fuzz targets (`tests/fuzz_*.rs`): property tests with `proptest` that
//! drive the firmware's own code with hostile input, against the simulator where hardware
//! is needed.
//!
//! How they run, and how a finding is kept:
//! - Every property runs a fixed number of cases ([`config`]), chosen so that all targets
//!   together take well under a minute of `cargo test --workspace` on two cores.
//!   `PROPTEST_CASES=N` runs N cases of each instead, to fuzz longer by hand.
//! - Inputs come from a fresh random seed on every run, so that runs keep exploring;
//!   `PROPTEST_RNG_SEED=<u64>` replays one stream of inputs.
//! - A failing input is shrunk, printed, and its seed saved in
//!   `tests/<target>.proptest-regressions` next to the target. Those files are committed:
//!   every later run, on every machine, replays the saved cases first, so a finding stays
//!   a test after it is fixed (and gets a plain regression test of its own too).
//! - The firmware's waits are bounded by the simulated clock. [`no_hang`] adds a
//!   wall-clock watchdog, so that a loop that never looks at the clock fails the case
//!   instead of hanging the test run.

#![allow(dead_code)] // each target uses its own part

use proptest::test_runner::{Config, FileFailurePersistence};
use std::sync::mpsc;
use std::time::Duration;

/// Where failing seeds are saved: `tests/fuzz_x.rs` -> `tests/fuzz_x.proptest-regressions`.
const REGRESSIONS: &str = "proptest-regressions";
/// A case that takes this long hangs: cases take milliseconds.
const WATCHDOG: Duration = Duration::from_secs(20);
/// Shrinking a failure may take this long (ms) before proptest reports what it has.
const MAX_SHRINK_MS: u32 = 60_000;
/// The environment variable that sets the number of cases (proptest's own name).
const CASES_VAR: &str = "PROPTEST_CASES";

/// The configuration of a property: `cases` cases unless `PROPTEST_CASES` says otherwise,
/// failures saved next to the target.
pub fn config(cases: u32) -> Config {
    let cases = std::env::var(CASES_VAR)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(REGRESSIONS))),
        max_shrink_time: MAX_SHRINK_MS,
        ..Config::default()
    }
}

/// Run `f` (which builds its own simulated machine: those are not `Send`) on a thread of
/// its own and return what it returns; a panic in it is this thread's panic. Fails the
/// case if `f` is still running after [`WATCHDOG`]: the firmware hangs (the thread is left
/// spinning, the test fails).
pub fn no_hang<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let r = f();
        // The receiver is gone only if the watchdog already fired.
        let _ = tx.send(());
        r
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("no answer after {WATCHDOG:?}: the firmware loops")
        }
    }
}

// ---- a PV disk -------------------------------------------------------------------------

use xenbios::bda;
use xenbios::block::{Drives, FIRST_HD};
use xenbios::e820::E820Map;
use xenbios::hal::mem::Memory;
use xenbios::hw::pci::Bdf;
use xenbios::xen::blkfront::{self, X86_32, X86_64};
use xenbios::xen::{self, PlatformDevice};
use xenbios_sim::SparseMemory;
use xenbios_sim::xen::{SimXenConfig, VbdConfig, XenMachine};

/// The BIOS number of the one disk a rig has.
pub const DISK: u8 = FIRST_HD;
/// How long the handshake steps may take in the rigs (the backend answers at once).
pub const HANDSHAKE_TIMEOUT_US: u64 = 200_000;

/// A machine under a simulated Xen whose one VBD (`disk`, served as `vc` says) POST's Xen
/// steps connected as BIOS disk [`DISK`], in the x86_32 ring layout or the x86_64 one;
/// the e820 map they left (the firmware's pages reserved).
pub struct PvRig {
    pub m: XenMachine,
    pub drives: Drives,
    pub e820: E820Map,
}

impl PvRig {
    pub fn new(vdev: u32, disk: Vec<u8>, vc: VbdConfig, x86_32: bool, io_timeout_us: u64) -> PvRig {
        let mut m = XenMachine::new(SimXenConfig::default());
        m.xen.state().add_vbd_with(vdev, disk, vc);
        let mut e820 = m.e820();
        let p = m.platform();
        let platform = PlatformDevice {
            bdf: Bdf::new(p.bus, p.dev, p.func),
            mmio_base: p.mmio_base,
            mmio_size: p.mmio_size,
        };
        let mut cpu = m.xen.clone();
        let xen = xen::init(&mut m.ctx(), &mut e820, Some(platform), &mut cpu).expect("Xen");
        let mut drives = Drives::new();
        let cfg = blkfront::Config {
            handshake_timeout_us: HANDSHAKE_TIMEOUT_US,
            io_timeout_us,
        };
        if x86_32 {
            blkfront::probe_with::<X86_32>(&mut m.ctx(), xen, &mut e820, &mut drives, &cfg);
        } else {
            blkfront::probe_with::<X86_64>(&mut m.ctx(), xen, &mut e820, &mut drives, &cfg);
        }
        assert_eq!(drives.disk_count(), 1, "the VBD did not connect");
        m.mem
            .write_u8(bda::at(bda::DISK_COUNT), drives.disk_count());
        PvRig { m, drives, e820 }
    }
}

impl Drop for PvRig {
    /// Free the simulated memory and disks: the firmware keeps a handle on the simulated
    /// Xen for good (as it keeps the real one), which would keep them alive.
    fn drop(&mut self) {
        *self.m.mem.borrow_mut() = SparseMemory::new();
        self.m.xen.state().backs.clear();
    }
}

/// Bytes `[at, at + len)` of `mem`.
pub fn bytes(mem: &dyn Memory, at: u32, len: usize) -> Vec<u8> {
    let mut v = vec![0; len];
    mem.read(at, &mut v);
    v
}

/// The first address in `[start, start + before.len())` whose byte differs between
/// `before` and `after` and lies outside every range of `allowed` (`[from, to)`), if any.
pub fn changed_outside(
    start: u32,
    before: &[u8],
    after: &[u8],
    allowed: &[(u64, u64)],
) -> Option<u32> {
    /// Compared a word at a time: most of memory does not change.
    const WORD: usize = 8;
    let words = before.chunks(WORD).zip(after.chunks(WORD));
    words
        .enumerate()
        .filter(|(_, (b, a))| b != a)
        .flat_map(|(w, (b, a))| {
            (0..b.len())
                .filter(move |&i| b[i] != a[i])
                .map(move |i| start + (w * WORD + i) as u32)
        })
        .find(|&a| !allowed.iter().any(|&(f, t)| (f..t).contains(&u64::from(a))))
}
