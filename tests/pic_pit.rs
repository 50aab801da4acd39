//! PIC, PIT and TSC calibration against simulated hardware.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use xenbios::hal::PortIo;
use xenbios::hw::{pic, pit, timer::TscClock};
use xenbios_sim::{SimPic, SimPit, SimPorts};

fn with_pic() -> (SimPorts, Rc<RefCell<SimPic>>) {
    let mut ports = SimPorts::new();
    let p = Rc::new(RefCell::new(SimPic::default()));
    ports.attach(0x20, 0x21, p.clone());
    ports.attach(0xa0, 0xa1, p.clone());
    (ports, p)
}

#[test]
fn pic_gets_bios_vectors_cascade_and_post_masks() {
    let (ports, p) = with_pic();
    pic::init(&ports);
    let p = p.borrow();
    assert!(p.master.initialised && p.slave.initialised);
    assert_eq!(p.master.vector_base, 0x08);
    assert_eq!(p.slave.vector_base, 0x70);
    assert_eq!(p.master.icw3, 0x04, "slave on IRQ2");
    assert_eq!(p.slave.icw3, 0x02, "slave cascade id 2");
    assert_eq!(p.master.icw4 & 1, 1, "8086 mode");
    assert_eq!(p.master.mask, 0xf8, "only IRQ0-2 open");
    assert_eq!(p.slave.mask, 0xff);
}

#[test]
fn slave_irq_eoi_goes_to_both_and_unmask_opens_cascade() {
    let (ports, p) = with_pic();
    pic::init(&ports);
    pic::eoi(&ports, 1);
    assert_eq!((p.borrow().master.eois, p.borrow().slave.eois), (1, 0));
    pic::eoi(&ports, 14);
    assert_eq!((p.borrow().master.eois, p.borrow().slave.eois), (2, 1));
    pic::mask_irq(&ports, 2);
    pic::unmask(&ports, 14);
    assert_eq!(p.borrow().slave.mask, 0xbf);
    assert_eq!(p.borrow().master.mask & 0x04, 0, "cascade reopened");
    assert_eq!(pic::mask(&ports), 0xbff8);
}

#[test]
fn elcr_bits_are_added_not_replaced() {
    let mut ports = SimPorts::new();
    let e = Rc::new(RefCell::new(xenbios_sim::SimElcr { value: 1 << 9 }));
    ports.attach(0x4d0, 0x4d1, e.clone());
    pic::set_level_triggered(&ports, 1 << 10 | 1 << 11);
    assert_eq!(e.borrow().value, 0x0e00);
    assert_eq!(pic::elcr(&ports), 0x0e00);
}

fn pit_machine() -> (SimPorts, Rc<RefCell<SimPit>>, xenbios_sim::SimTime) {
    let time: xenbios_sim::SimTime = Rc::new(Cell::new(0));
    let pit = Rc::new(RefCell::new(SimPit::new(time.clone())));
    let mut ports = SimPorts::new();
    ports.attach(0x40, 0x43, pit.clone());
    ports.attach(0x61, 0x61, pit.clone());
    (ports, pit, time)
}

#[test]
fn pit_channel0_runs_the_18_2_hz_tick() {
    let (ports, pit, _) = pit_machine();
    pit::init(&ports);
    let p = pit.borrow();
    assert_eq!(p.control[0], Some(0x36), "channel 0, lo/hi, mode 3, binary");
    assert_eq!(p.count[0], Some(0), "0 = 65536");
}

#[test]
fn tsc_calibration_measures_the_counter_rate() {
    for khz in [1_000_000u64, 2_893_204, 3_600_000] {
        let (ports, pit, time) = pit_machine();
        let tsc = xenbios_sim::counter(time.clone(), khz, 20);
        xenbios_sim::capture_log();
        let clock = TscClock::calibrate_with(&ports, &tsc);
        let log = xenbios_sim::take_log();
        // Port reads cost 500 ns: the result is within a poll or two of the truth.
        let err = (clock.khz as i64 - khz as i64).abs();
        assert!(
            err * 1000 < khz as i64,
            "{khz} kHz measured as {}",
            clock.khz
        );
        assert!(
            log.contains("[tsc] ") && log.contains(" MHz (PIT channel 2, median of 3 x 10 ms)")
        );
        assert!(time.get() >= 30_000_000, "waited three whole windows");
        assert_eq!(pit.borrow().control[2], Some(0xb0));
        assert_eq!(ports.inb(0x61) & 3, 0, "gate and speaker left off");
    }
}

#[test]
fn one_window_stretched_by_preemption_does_not_skew_the_rate() {
    let (ports, _, time) = pit_machine();
    let khz = 2_500_000u64;
    let first = Cell::new(None::<u64>);
    let paused = Cell::new(false);
    let tsc = {
        let time = time.clone();
        move || {
            let mut t = time.get() + 20;
            let t0 = *first.get().get_or_insert(t);
            first.set(Some(t0));
            // The vCPU is descheduled for 400 us as the first window runs out, so the
            // firmware sees OUT2 rise late.
            if t - t0 > 9_900_000 && !paused.get() {
                paused.set(true);
                t += 400_000;
            }
            time.set(t);
            (t as u128 * khz as u128 / 1_000_000) as u64
        }
    };
    xenbios_sim::capture_log();
    let clock = TscClock::calibrate_with(&ports, &tsc);
    xenbios_sim::take_log();
    let err = (clock.khz as i64 - khz as i64).abs();
    assert!(
        err * 1000 < khz as i64,
        "{khz} kHz measured as {}",
        clock.khz
    );
}

#[test]
fn a_pit_that_never_counts_falls_back_to_the_default_rate() {
    let (ports, pit, time) = pit_machine();
    pit.borrow_mut().stopped = true;
    let tsc = xenbios_sim::counter(time.clone(), 3_000_000, 20);
    xenbios_sim::capture_log();
    let clock = TscClock::calibrate_with(&ports, &tsc);
    let log = xenbios_sim::take_log();
    assert_eq!(clock.khz, xenbios::hw::timer::DEFAULT_KHZ);
    assert!(log.contains("never rose"), "{log}");
    assert!(log.contains("assuming 2000 MHz"), "{log}");
    // Bounded: the provisional clock assumes 20 GHz, so 50 ms of it is 50 ms * 20/3.
    assert!(time.get() < 400_000_000, "gave up after {} ns", time.get());
}

#[test]
fn no_pit_at_all_and_a_stuck_tsc_fall_back_too() {
    // Nothing on the ports: 0x61 floats high, OUT2 reads as already fired.
    let ports = SimPorts::new();
    xenbios_sim::capture_log();
    let clock = TscClock::calibrate_with(&ports, &|| 12345);
    assert_eq!(clock.khz, xenbios::hw::timer::DEFAULT_KHZ);
    assert!(xenbios_sim::take_log().contains("before counting"));

    // A TSC that never moves: the deadline cannot expire, the poll bound ends the wait;
    // the PIT fires meanwhile, and the zero rate is refused.
    let (ports, _, _) = pit_machine();
    let clock = TscClock::calibrate_with(&ports, &|| 12345);
    assert_eq!(clock.khz, xenbios::hw::timer::DEFAULT_KHZ);
    assert!(xenbios_sim::take_log().contains("out of range"));
}
