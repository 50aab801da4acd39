//! Firmware-global state.
//!
//! The firmware runs on one CPU and its 32-bit code always runs with interrupts off, so a
//! global is only ever touched by one activation at a time. `Global` encodes that: it is
//! `Sync` by that argument and still checks at run time that nobody borrows it twice
//! (a nested activation that tried would panic with a message instead of corrupting it).

use core::cell::{Cell, UnsafeCell};
use core::ops::{Deref, DerefMut};

pub struct Global<T> {
    borrowed: Cell<bool>,
    value: UnsafeCell<T>,
}

// SAFETY: see the module comment: one CPU, interrupts off in all code that can reach a
// Global, and the borrow flag turns any overlap into a panic.
unsafe impl<T> Sync for Global<T> {}

impl<T> Global<T> {
    pub const fn new(value: T) -> Self {
        Global {
            borrowed: Cell::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// Exclusive access until the guard drops. Panics if already borrowed.
    pub fn lock(&self) -> GlobalGuard<'_, T> {
        self.try_lock()
            .expect("firmware global borrowed twice (re-entered service)")
    }

    pub fn try_lock(&self) -> Option<GlobalGuard<'_, T>> {
        if self.borrowed.replace(true) {
            return None;
        }
        Some(GlobalGuard { g: self })
    }
}

pub struct GlobalGuard<'a, T> {
    g: &'a Global<T>,
}

impl<T> Deref for GlobalGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the flag guarantees this guard is the only live access.
        unsafe { &*self.g.value.get() }
    }
}

impl<T> DerefMut for GlobalGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as above, and the guard is borrowed mutably.
        unsafe { &mut *self.g.value.get() }
    }
}

impl<T> Drop for GlobalGuard<'_, T> {
    fn drop(&mut self) {
        self.g.borrowed.set(false);
    }
}
