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
        // SAFETY: the flag was clear, so no other reference to the value exists; it stays
        // set until the guard (the only path to this reference) drops.
        let value = unsafe { &mut *self.value.get() };
        Some(GlobalGuard {
            borrowed: &self.borrowed,
            value,
        })
    }
}

pub struct GlobalGuard<'a, T: ?Sized> {
    borrowed: &'a Cell<bool>,
    value: &'a mut T,
}

impl<'a, T: ?Sized> GlobalGuard<'a, T> {
    /// A guard on a part of the value (or a view of it), holding the same borrow.
    pub fn map<U: ?Sized>(guard: Self, f: impl FnOnce(&mut T) -> &mut U) -> GlobalGuard<'a, U> {
        let guard = core::mem::ManuallyDrop::new(guard);
        // SAFETY: `guard` is never dropped (ManuallyDrop), so reading its fields out moves
        // the borrow into the new guard, which releases the flag in its turn.
        let (borrowed, value) = unsafe {
            (
                core::ptr::read(&guard.borrowed),
                core::ptr::read(&guard.value),
            )
        };
        GlobalGuard {
            borrowed,
            value: f(value),
        }
    }
}

impl<T: ?Sized> Deref for GlobalGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value
    }
}

impl<T: ?Sized> DerefMut for GlobalGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value
    }
}

impl<T: ?Sized> Drop for GlobalGuard<'_, T> {
    fn drop(&mut self) {
        self.borrowed.set(false);
    }
}
