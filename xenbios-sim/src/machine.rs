use super::{SimClock, SimConsole, SimCpu, SimMemory, SimPorts};
use xenbios::hal::Ctx;

/// Everything a service needs, simulated: 1 MiB + 64 KiB of memory (what real mode can
/// reach), an empty port space, a clock, a CPU and a console. Tests attach devices to
/// `ports` and look at `mem`, `cpu.calls` and `console.out` afterwards.
pub struct Machine {
    pub mem: SimMemory,
    pub ports: SimPorts,
    pub clock: SimClock,
    pub cpu: SimCpu,
    pub console: SimConsole,
}

/// Memory a real-mode caller can address (FFFF:FFFF).
pub const REAL_MODE_MEMORY: usize = 0x10fff0;

impl Default for Machine {
    fn default() -> Self {
        Machine {
            mem: SimMemory::new(REAL_MODE_MEMORY),
            ports: SimPorts::new(),
            clock: SimClock::default(),
            cpu: SimCpu::default(),
            console: SimConsole::default(),
        }
    }
}

impl Machine {
    pub fn ctx(&mut self) -> Ctx<'_> {
        Ctx {
            mem: &mut self.mem,
            io: &self.ports,
            clock: &self.clock,
            cpu: &mut self.cpu,
            console: &mut self.console,
        }
    }
}
