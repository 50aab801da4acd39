//! A simulated QEMU fw_cfg device on ports 0x510 (selector) and 0x511 (data), with the
//! signature, the feature bitmap and a file directory built from the files added.

use super::PortDevice;
use crate::hw::fw_cfg::{
    DATA, FEATURE_TRADITIONAL, FILE_NAME_LEN, KEY_FEATURES, KEY_FILE_DIR, KEY_SIGNATURE, SELECTOR,
    SIGNATURE,
};
use std::collections::BTreeMap;

/// First selector QEMU gives to files.
const FIRST_FILE_KEY: u16 = 0x20;

pub struct SimFwCfg {
    pub items: BTreeMap<u16, Vec<u8>>,
    files: Vec<(String, u16)>,
    selected: u16,
    offset: usize,
    /// Selector writes seen (tests check that nothing rereads needlessly).
    pub selects: usize,
}

impl Default for SimFwCfg {
    fn default() -> Self {
        Self::new()
    }
}

impl SimFwCfg {
    pub fn new() -> Self {
        let mut items = BTreeMap::new();
        items.insert(KEY_SIGNATURE, SIGNATURE.to_vec());
        items.insert(KEY_FEATURES, FEATURE_TRADITIONAL.to_le_bytes().to_vec());
        let mut s = SimFwCfg {
            items,
            files: Vec::new(),
            selected: 0,
            offset: 0,
            selects: 0,
        };
        s.rebuild_dir();
        s
    }

    /// Add (or replace) file `name`.
    pub fn add_file(&mut self, name: &str, data: &[u8]) -> u16 {
        assert!(name.len() <= FILE_NAME_LEN);
        let key = match self.files.iter().find(|(n, _)| n == name) {
            Some(&(_, k)) => k,
            None => {
                let k = FIRST_FILE_KEY + self.files.len() as u16;
                self.files.push((name.to_string(), k));
                k
            }
        };
        self.items.insert(key, data.to_vec());
        self.rebuild_dir();
        key
    }

    fn rebuild_dir(&mut self) {
        let mut dir = (self.files.len() as u32).to_be_bytes().to_vec();
        for (name, key) in &self.files {
            dir.extend_from_slice(&(self.items[key].len() as u32).to_be_bytes());
            dir.extend_from_slice(&key.to_be_bytes());
            dir.extend_from_slice(&[0, 0]);
            let mut n = [0u8; FILE_NAME_LEN];
            n[..name.len()].copy_from_slice(name.as_bytes());
            dir.extend_from_slice(&n);
        }
        self.items.insert(KEY_FILE_DIR, dir);
    }
}

impl PortDevice for SimFwCfg {
    fn read(&mut self, port: u16, _size: u8) -> u32 {
        if port != DATA {
            return 0;
        }
        let b = self
            .items
            .get(&self.selected)
            .and_then(|d| d.get(self.offset))
            .copied()
            .unwrap_or(0);
        self.offset += 1;
        b as u32
    }
    fn write(&mut self, port: u16, size: u8, value: u32) {
        if port == SELECTOR && size == 2 {
            self.selected = value as u16;
            self.offset = 0;
            self.selects += 1;
        }
    }
}
