//! The fw_cfg driver against a simulated QEMU fw_cfg.

use std::cell::RefCell;
use std::rc::Rc;
use xenbios::hw::fw_cfg::{FEATURE_DMA, FwCfg};
use xenbios_sim::{SimFwCfg, SimPorts};

fn machine(fw: SimFwCfg) -> (SimPorts, Rc<RefCell<SimFwCfg>>) {
    let mut ports = SimPorts::new();
    let fw = Rc::new(RefCell::new(fw));
    ports.attach(0x510, 0x511, fw.clone());
    (ports, fw)
}

#[test]
fn absent_device_is_none() {
    // Under Xen nothing answers at 0x510: the data port floats to 0xff.
    let ports = SimPorts::new();
    assert!(FwCfg::probe(&ports).is_none());
}

#[test]
fn files_are_found_by_name_and_read_whole_or_streamed() {
    let mut sim = SimFwCfg::new();
    sim.add_file("etc/boot-fail-wait", &[1, 2, 3, 4]);
    let big: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
    let key = sim.add_file("etc/acpi/tables", &big);
    sim.add_file("etc/e820", &[9; 40]);
    let (ports, _) = machine(sim);
    let fw = FwCfg::probe(&ports).expect("signature");
    assert_eq!(fw.features() & FEATURE_DMA, 0);
    assert_eq!(fw.file_count(), 3);

    let f = fw.find("etc/acpi/tables").unwrap();
    assert_eq!((f.select, f.size), (key, 1000));
    assert!(fw.find("etc/acpi").is_none(), "prefixes do not match");
    assert!(fw.find("etc/acpi/tables/x").is_none());
    assert!(fw.find(&"x".repeat(57)).is_none());

    let mut small = [0u8; 16];
    assert_eq!(fw.read_file("etc/boot-fail-wait", &mut small), Some(4));
    assert_eq!(&small[..4], &[1, 2, 3, 4]);
    assert_eq!(&small[4..], &[0; 12], "nothing beyond the file is copied");

    let mut r = fw.open("etc/acpi/tables").unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 300];
    loop {
        let n = r.read(&mut chunk);
        if n == 0 {
            break;
        }
        got.extend_from_slice(&chunk[..n]);
    }
    assert_eq!(got, big);
    assert_eq!(r.remaining(), 0);
    assert!(fw.read_file("missing", &mut small).is_none());
}

// ---- the DMA interface -------------------------------------------------------------

use xenbios::hal::mem::DMA_SCRATCH_LEN;
use xenbios::hw::fw_cfg::{
    DMA_ACCESS_LEN, DMA_CTL_READ, DMA_CTL_SELECT, DMA_CTL_SKIP, DMA_SELECT_SHIFT,
};
use xenbios_sim::{
    DmaFault, FW_CFG_PORTS_END, FW_CFG_PORTS_START, SharedSimMemory, SimDma, SimDmaAccess,
    SimMemory,
};

const RAM: usize = 0x2_0000;
/// The DMA scratch area the bus hands the driver.
const SCRATCH: u32 = 0x1000;
/// What untouched memory holds.
const PATTERN: u8 = 0xaa;

struct DmaRig {
    ports: SimPorts,
    sim: Rc<RefCell<SimFwCfg>>,
    mem: SharedSimMemory,
}

/// The device with DMA against memory filled with `PATTERN`, on a bus that lets it DMA.
fn dma_rig(mut fw: SimFwCfg) -> DmaRig {
    let mut m = SimMemory::new(RAM);
    m.bytes.fill(PATTERN);
    let mem = SharedSimMemory::new(m);
    fw.enable_dma(mem.0.clone());
    let sim = Rc::new(RefCell::new(fw));
    let mut ports = SimPorts::new();
    ports.attach(FW_CFG_PORTS_START, FW_CFG_PORTS_END, sim.clone());
    ports.set_dma(Box::new(SimDma {
        mem: mem.clone(),
        scratch: SCRATCH,
    }));
    DmaRig { ports, sim, mem }
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len as u32).map(|i| (i * 7 + i / 256) as u8).collect()
}

/// Addresses outside `allowed` still hold `PATTERN`.
fn untouched_outside(mem: &SharedSimMemory, allowed: &[(u32, usize)]) {
    let m = mem.0.borrow();
    for (a, &b) in m.bytes.iter().enumerate() {
        let a = a as u32;
        if allowed.iter().any(|&(s, n)| (s..s + n as u32).contains(&a)) {
            continue;
        }
        assert_eq!(b, PATTERN, "byte at {a:#x} written");
    }
}

#[test]
fn dma_reads_files_into_buffers_and_memory() {
    let mut fw = SimFwCfg::new();
    fw.add_file("etc/boot-fail-wait", &[1, 2, 3, 4]);
    let big = pattern(3000);
    let key = fw.add_file("etc/acpi/tables", &big);
    let r = dma_rig(fw);
    let fw = FwCfg::probe(&r.ports).expect("signature");
    assert!(fw.uses_dma());
    let port_reads = r.sim.borrow().data_reads;

    let mut small = [0u8; 16];
    assert_eq!(fw.read_file("etc/boot-fail-wait", &mut small), Some(4));
    assert_eq!(&small[..4], &[1, 2, 3, 4]);
    assert_eq!(&small[4..], &[0; 12], "nothing beyond the file is copied");

    // Streamed, in pieces that straddle the bounce buffer's size.
    let mut s = fw.open("etc/acpi/tables").unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 700];
    loop {
        let n = s.read(&mut chunk);
        if n == 0 {
            break;
        }
        got.extend_from_slice(&chunk[..n]);
    }
    assert_eq!(got, big);

    // Straight to memory: one transfer that selects the file.
    let (to, len) = (0x8000u32, 2500usize);
    let info = fw.find("etc/acpi/tables").unwrap();
    r.sim.borrow_mut().transfers.clear();
    fw.copy_to(info, &mut r.mem.clone(), to, len as u32);
    assert_eq!(
        r.sim.borrow().transfers,
        [SimDmaAccess {
            at: SCRATCH.into(),
            control: DMA_CTL_SELECT | DMA_CTL_READ | (u32::from(key) << DMA_SELECT_SHIFT),
            length: len as u32,
            address: to.into(),
        }]
    );
    assert_eq!(r.mem.0.borrow().slice(to, len), &big[..len]);

    // Only the destination and the scratch area were written; no byte came by port.
    untouched_outside(&r.mem, &[(to, len), (SCRATCH, DMA_SCRATCH_LEN)]);
    assert_eq!(r.sim.borrow().data_reads, port_reads);
    assert_eq!(
        r.sim.borrow().selects,
        2,
        "the probe's two, then DMA selects"
    );
}

#[test]
fn dma_skip_and_select() {
    let mut fw = SimFwCfg::new();
    let big = pattern(5000);
    let key = fw.add_file("etc/table-loader", &big);
    let r = dma_rig(fw);
    let fw = FwCfg::probe(&r.ports).unwrap();
    r.sim.borrow_mut().transfers.clear();
    fw.select(key);
    fw.skip(4000);
    let mut b = [0u8; 10];
    fw.read(&mut b);
    assert_eq!(b, big[4000..4010]);
    let bounce = u64::from(SCRATCH) + DMA_ACCESS_LEN as u64;
    let t = r.sim.borrow().transfers.clone();
    assert_eq!(
        t.iter()
            .map(|a| (a.control, a.length, a.address))
            .collect::<Vec<_>>(),
        [
            (
                DMA_CTL_SELECT | DMA_CTL_SKIP | (u32::from(key) << DMA_SELECT_SHIFT),
                4000,
                0
            ),
            (DMA_CTL_READ, 10, bounce),
        ]
    );
    // Past the end: zeros, as through the data port.
    fw.skip(990);
    let mut tail = [0xffu8; 20];
    fw.read(&mut tail);
    assert_eq!(tail, [0; 20]);
}

/// Read a file whose transfers fail from number `from` on; the data must come whole.
fn faulty(fault: DmaFault, from: usize) -> (String, bool) {
    let mut fw = SimFwCfg::new();
    let big = pattern(3000);
    fw.add_file("a", &[5; 70]);
    fw.add_file("etc/acpi/tables", &big);
    fw.dma_fault = Some(fault);
    fw.dma_faults_from = from;
    let r = dma_rig(fw);
    xenbios_sim::capture_log();
    let fw = FwCfg::probe(&r.ports).unwrap();
    let mut got = vec![0u8; 3000];
    assert_eq!(fw.read_file("etc/acpi/tables", &mut got), Some(3000));
    assert_eq!(got, big, "{fault:?} from transfer {from}");
    // And later reads work (through the ports once DMA failed).
    let mut a = [0u8; 70];
    assert_eq!(fw.read_file("a", &mut a), Some(70));
    assert_eq!(a, [5; 70]);
    let info = fw.find("etc/acpi/tables").unwrap();
    fw.copy_to(info, &mut r.mem.clone(), 0x8000, 3000);
    assert_eq!(r.mem.0.borrow().slice(0x8000, 3000), &big[..]);
    (xenbios_sim::take_log(), fw.uses_dma())
}

#[test]
fn dma_error_bit_falls_back_to_ports() {
    for from in [0, 1, 2, 3, 4] {
        let (log, dma) = faulty(DmaFault::Error, from);
        assert!(!dma);
        assert!(
            log.contains("failed (error bit): port I/O from now on"),
            "{log}"
        );
    }
}

#[test]
fn dma_that_never_completes_times_out_and_falls_back() {
    for from in [0, 3, 4] {
        let (log, dma) = faulty(DmaFault::NeverCompletes, from);
        assert!(!dma);
        assert!(
            log.contains("never completed: port I/O from now on"),
            "{log}"
        );
    }
}

#[test]
fn dma_offered_on_a_bus_without_dma_uses_ports() {
    let mut fw = SimFwCfg::new();
    fw.add_file("etc/e820", &[9; 40]);
    let mem = SharedSimMemory::new(SimMemory::new(RAM));
    fw.enable_dma(mem.0.clone());
    let (ports, sim) = machine(fw);
    let fw = FwCfg::probe(&ports).unwrap();
    assert_eq!(fw.features() & FEATURE_DMA, FEATURE_DMA);
    assert!(!fw.uses_dma());
    let mut b = [0u8; 40];
    assert_eq!(fw.read_file("etc/e820", &mut b), Some(40));
    assert_eq!(b, [9; 40]);
    assert!(sim.borrow().transfers.is_empty());
}

#[test]
fn dma_reads_fill_the_callers_buffer_only() {
    // A read bigger than the bounce buffer and the bounce itself: the caller's buffer gets
    // exactly its bytes even when the item ends inside a chunk.
    let mut fw = SimFwCfg::new();
    let data = pattern(DMA_SCRATCH_LEN + 100);
    fw.add_file("f", &data);
    let r = dma_rig(fw);
    let fw = FwCfg::probe(&r.ports).unwrap();
    let mut buf = vec![0x55u8; DMA_SCRATCH_LEN * 2];
    let mut s = fw.open("f").unwrap();
    assert_eq!(s.read(&mut buf), data.len());
    assert_eq!(&buf[..data.len()], &data[..]);
    assert!(
        buf[data.len()..].iter().all(|&b| b == 0x55),
        "past the file: untouched"
    );
    untouched_outside(&r.mem, &[(SCRATCH, DMA_SCRATCH_LEN)]);
}
