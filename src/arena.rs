//! `'static` homes for objects created during POST (drivers, drive records), without a
//! heap: a bump arena in the image, `Box::leak` on the host (tests). Nothing is ever freed;
//! POST creates a bounded number of objects.

#[cfg(target_os = "none")]
mod imp {
    use crate::global::Global;
    use core::mem::{MaybeUninit, align_of, size_of};

    /// Room for every driver object POST may create (IDE drives, PV disks, ...).
    const ARENA_BYTES: usize = 4 * 1024;

    #[repr(C, align(16))]
    struct Pool([MaybeUninit<u8>; ARENA_BYTES]);

    static POOL: Global<(Pool, usize)> =
        Global::new((Pool([MaybeUninit::uninit(); ARENA_BYTES]), 0));

    pub fn leak<T>(value: T) -> Option<&'static mut T> {
        let mut pool = POOL.lock();
        let (bytes, used) = &mut *pool;
        let base = bytes.0.as_mut_ptr() as usize;
        let start = (base + *used).next_multiple_of(align_of::<T>()) - base;
        let end = start.checked_add(size_of::<T>())?;
        if end > ARENA_BYTES {
            error!("arena", "out of room for a {}-byte object", size_of::<T>());
            return None;
        }
        *used = end;
        // SAFETY: [start, end) lies inside the static pool, is aligned for T, and is
        // handed out once (the bump pointer moved past it), so the &'static mut is unique.
        unsafe {
            let p = bytes.0.as_mut_ptr().add(start) as *mut T;
            p.write(value);
            Some(&mut *p)
        }
    }
}

/// On the host the library stays `no_std` (outside its unit tests) but is linked into test
/// binaries, which have an allocator: every test gets its own objects, however many tests
/// run in one process.
#[cfg(not(target_os = "none"))]
mod imp {
    extern crate alloc;
    use alloc::boxed::Box;

    pub fn leak<T>(value: T) -> Option<&'static mut T> {
        Some(Box::leak(Box::new(value)))
    }
}

/// Move `value` to storage that lives as long as the firmware; `None` if the arena is full.
pub use imp::leak;
