use std::cell::Cell;
use xenbios::hal::Console;
use xenbios::hal::clock::Clock;
use xenbios::hal::cpu::{Call16, Cpu};

/// A CPU that records the real-mode calls services make instead of making them.
#[derive(Default)]
pub struct SimCpu {
    pub calls: Vec<Call16>,
    pub a20: bool,
    /// CPUID answers by (leaf, sub-leaf); anything else reads as zeros.
    pub cpuid: Vec<((u32, u32), [u32; 4])>,
    /// Times `wait_for_interrupt` was called.
    pub idles: usize,
    /// The model-specific registers that exist and their values. Reading or writing one
    /// that is not here panics, as the real CPU raises #GP (Intel SDM vol. 2B, RDMSR).
    pub msrs: std::collections::BTreeMap<u32, u64>,
    /// Every MSR write, in order.
    pub msr_writes: Vec<(u32, u64)>,
}

impl Cpu for SimCpu {
    fn call16(&mut self, call: &mut Call16) {
        self.calls.push(*call);
    }
    fn wait_for_interrupt(&mut self) {
        self.idles += 1;
    }
    fn caller_a20(&self) -> bool {
        self.a20
    }
    fn set_caller_a20(&mut self, on: bool) {
        self.a20 = on;
    }
    fn cpuid(&self, leaf: u32, sub: u32) -> [u32; 4] {
        self.cpuid
            .iter()
            .find(|(k, _)| *k == (leaf, sub))
            .map_or([0; 4], |(_, v)| *v)
    }
    fn rdmsr(&self, msr: u32) -> u64 {
        match self.msrs.get(&msr) {
            Some(v) => *v,
            None => panic!("#GP: rdmsr of MSR {msr:#x}, which this CPU does not have"),
        }
    }
    fn wrmsr(&mut self, msr: u32, value: u64) {
        match self.msrs.get_mut(&msr) {
            Some(v) => *v = value,
            None => panic!("#GP: wrmsr of MSR {msr:#x}, which this CPU does not have"),
        }
        self.msr_writes.push((msr, value));
    }
}

/// A clock that moves forward by `step_us` every time it is read, so that waits in tests
/// end after a bounded number of polls whatever their timeout.
pub struct SimClock {
    now: Cell<u64>,
    pub step_us: u64,
}

impl SimClock {
    pub fn new(step_us: u64) -> Self {
        SimClock {
            now: Cell::new(0),
            step_us,
        }
    }
    pub fn advance(&self, us: u64) {
        self.now.set(self.now.get() + us);
    }
}

impl Default for SimClock {
    fn default() -> Self {
        Self::new(10)
    }
}

impl Clock for SimClock {
    fn micros(&self) -> u64 {
        let t = self.now.get();
        self.now.set(t + self.step_us);
        t
    }
}

/// A console that keeps what is written and serves queued input.
#[derive(Default)]
pub struct SimConsole {
    pub out: Vec<u8>,
    pub input: std::collections::VecDeque<u8>,
    /// The VGA BIOS int10 entry POST attached, if any.
    pub display: Option<xenbios::hal::mem::FarPtr>,
    /// Read before `input`, one entry per read: `None` is a read that finds nothing
    /// (time passes), so tests can type after the firmware has started waiting.
    pub script: std::collections::VecDeque<Option<u8>>,
}

impl SimConsole {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.out).into_owned()
    }
    /// Type `bytes` after `reads` reads that find nothing.
    pub fn type_after(&mut self, reads: usize, bytes: &[u8]) {
        self.script.extend(std::iter::repeat_n(None, reads));
        self.script.extend(bytes.iter().map(|&b| Some(b)));
    }
}

impl Console for SimConsole {
    fn write(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }
    fn read(&mut self) -> Option<u8> {
        match self.script.pop_front() {
            Some(b) => b,
            None => self.input.pop_front(),
        }
    }
    fn attach_display(&mut self, int10: xenbios::hal::mem::FarPtr) {
        self.display = Some(int10);
    }
}

type CallHook = Box<dyn FnMut(&mut Call16, &mut super::SimMemory)>;
type IdleHook = Box<dyn FnMut(usize, &mut super::SimMemory)>;

/// A CPU whose real-mode code is the test's: `on_call` gets each call16 (and may change
/// its registers and memory, as an option ROM's init or a VGA BIOS would), `on_idle` each
/// `wait_for_interrupt` with its count (and may deliver keys, as IRQ1 would).
pub struct ScriptedCpu {
    pub mem: super::SharedSimMemory,
    pub calls: Vec<Call16>,
    pub idles: usize,
    pub on_call: CallHook,
    pub on_idle: IdleHook,
}

impl ScriptedCpu {
    pub fn new(mem: &super::SharedSimMemory) -> Self {
        ScriptedCpu {
            mem: mem.clone(),
            calls: Vec::new(),
            idles: 0,
            on_call: Box::new(|_, _| {}),
            on_idle: Box::new(|_, _| {}),
        }
    }
}

impl Cpu for ScriptedCpu {
    fn call16(&mut self, call: &mut Call16) {
        self.calls.push(*call);
        (self.on_call)(call, &mut self.mem.borrow_mut());
    }
    fn wait_for_interrupt(&mut self) {
        self.idles += 1;
        (self.on_idle)(self.idles, &mut self.mem.borrow_mut());
    }
    fn caller_a20(&self) -> bool {
        true
    }
    fn set_caller_a20(&mut self, _: bool) {}
    fn cpuid(&self, _: u32, _: u32) -> [u32; 4] {
        [0; 4]
    }
    /// CPUID says nothing exists, so nothing may read an MSR.
    fn rdmsr(&self, msr: u32) -> u64 {
        panic!("#GP: rdmsr of MSR {msr:#x}")
    }
    fn wrmsr(&mut self, msr: u32, _: u64) {
        panic!("#GP: wrmsr of MSR {msr:#x}")
    }
}
