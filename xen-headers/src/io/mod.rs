//! `io/`: the PV device protocols (shared rings, xenstore, xenbus states, blkif).

pub mod blkif;
pub mod protocols;
pub mod ring;
pub mod xenbus;
pub mod xs_wire;
