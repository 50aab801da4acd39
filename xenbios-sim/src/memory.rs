use xenbios::hal::mem::Memory;

/// Guest memory backed by a Vec. Any access outside it panics: a test that lets a service
/// write past the end of memory fails loudly.
pub struct SimMemory {
    pub bytes: Vec<u8>,
}

impl SimMemory {
    /// `size` bytes of zeroed memory starting at address 0.
    pub fn new(size: usize) -> Self {
        SimMemory {
            bytes: vec![0; size],
        }
    }
    fn range(&self, addr: u32, len: usize) -> std::ops::Range<usize> {
        let start = addr as usize;
        let end = start.checked_add(len).expect("address overflow");
        assert!(
            end <= self.bytes.len(),
            "access {start:#x}..{end:#x} outside simulated memory"
        );
        start..end
    }
    pub fn slice(&self, addr: u32, len: usize) -> &[u8] {
        &self.bytes[self.range(addr, len)]
    }
}

impl Memory for SimMemory {
    fn read(&self, addr: u32, buf: &mut [u8]) {
        buf.copy_from_slice(&self.bytes[self.range(addr, buf.len())]);
    }
    fn write(&mut self, addr: u32, data: &[u8]) {
        let r = self.range(addr, data.len());
        self.bytes[r].copy_from_slice(data);
    }
}
