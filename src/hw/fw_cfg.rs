//! TODO: fw_cfg driver.
