//! TODO: cmos driver.
