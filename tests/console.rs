//! Console output in batches: the UART a FIFO's worth per wait, a log line per sink call.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Mutex;
use xenbios::hw::serial::{COM1, TX_FIFO_DEPTH, TX_SPINS, Uart};
use xenbios_sim::{SimPorts, SimUart};

fn com1() -> (SimPorts, Rc<RefCell<SimUart>>, Uart) {
    let mut ports = SimPorts::new();
    let uart = Rc::new(RefCell::new(SimUart::new(COM1)));
    ports.attach(COM1, COM1 + 7, uart.clone());
    let u = Uart::init(&ports, COM1).expect("scratch register");
    uart.borrow_mut().lsr_reads = 0;
    (ports, uart, u)
}

#[test]
fn uart_sends_a_fifo_per_wait_with_crlf() {
    let (ports, sim, u) = com1();
    let text = b"[post] xenbios 0.1.0\n[fw_cfg] QEMU fw_cfg: 30 files\n";
    u.write(&ports, text);
    let want: Vec<u8> = String::from_utf8_lossy(text)
        .replace('\n', "\r\n")
        .into_bytes();
    let s = sim.borrow();
    assert_eq!(s.tx, want);
    assert_eq!(s.overruns, 0, "never more than a FIFO between waits");
    assert_eq!(s.lsr_reads, want.len().div_ceil(TX_FIFO_DEPTH));
}

#[test]
fn uart_splits_crlf_across_fifos_without_overrun() {
    for before in [TX_FIFO_DEPTH - 2, TX_FIFO_DEPTH - 1, TX_FIFO_DEPTH] {
        let (ports, sim, u) = com1();
        let mut text = vec![b'x'; before];
        text.push(b'\n');
        u.write(&ports, &text);
        let s = sim.borrow();
        let mut want = vec![b'x'; before];
        want.extend_from_slice(b"\r\n");
        assert_eq!(s.tx, want);
        assert_eq!(s.overruns, 0);
        assert_eq!(s.lsr_reads, want.len().div_ceil(TX_FIFO_DEPTH));
    }
}

#[test]
fn uart_that_never_drains_costs_a_bounded_wait_per_fifo() {
    let (ports, sim, u) = com1();
    sim.borrow_mut().tx_stuck = true;
    u.write(&ports, &[b'y'; TX_FIFO_DEPTH + 1]);
    let s = sim.borrow();
    assert_eq!(s.lsr_reads, 2 * TX_SPINS as usize);
    assert_eq!(
        s.tx.len(),
        TX_FIFO_DEPTH + 1,
        "written after the wait ran out"
    );
}

static CALLS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn recording_sink(s: &str) {
    CALLS.lock().unwrap().push(s.to_string());
}

#[test]
fn a_log_line_is_one_sink_call_and_long_ones_stay_byte_identical() {
    // The only test in this binary that logs: the sink is global.
    xenbios::log::set_sink(recording_sink);
    let n = 42;
    xenbios::error!("ata", "channel {n} at {:#x}: {}", 0x1f0, "no device");
    assert_eq!(
        std::mem::take(&mut *CALLS.lock().unwrap()),
        ["[ata] ERROR: channel 42 at 0x1f0: no device\n"]
    );

    let long = "z".repeat(xenbios::log::LINE_BUF * 2 + 3);
    let part = "w".repeat(xenbios::log::LINE_BUF - 5);
    xenbios::error!("t", "{part}{long}{part}é{n}");
    let calls = std::mem::take(&mut *CALLS.lock().unwrap());
    assert_eq!(
        calls.concat(),
        format!("[t] ERROR: {part}{long}{part}é{n}\n")
    );
    assert!(calls.len() <= 4, "{} calls", calls.len());
}
