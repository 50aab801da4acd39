//! Grant table version 1, in frames the firmware mapped with `XENMEM_add_to_physmap`.
//!
//! The table is accessed through [`Memory`] at the linear address where its frames were
//! mapped. Entries `0..GNTTAB_NR_RESERVED_ENTRIES` belong to the toolstack (the xenstore
//! and console rings) and are never handed out. An allocation bitmap says which of the
//! others the firmware handed out; an entry is free again only after [`GrantTable::end_access`]
//! revoked it, which fails with [`GrantError::StillInUse`] while the grantee (the backend)
//! still has the page mapped (`GTF_reading` / `GTF_writing`, set and cleared by Xen).

use crate::hal::mem::Memory;
use core::mem::size_of;
use xen_headers::grant_table::{
    GNTTAB_NR_RESERVED_ENTRIES, GRANT_ENTRIES_V1_PER_FRAME, GTF_READING, GTF_WRITING, GrantEntryV1,
    GrantRef,
};
use xen_headers::xen::Domid;

/// Grant table frames the firmware maps: 512 entries, 504 of them usable, enough for a ring
/// and eleven data pages per disk for dozens of disks.
pub const GRANT_FRAMES: u32 = 1;
/// Entries the allocator tracks.
pub const MAX_ENTRIES: u32 = GRANT_FRAMES * GRANT_ENTRIES_V1_PER_FRAME as u32;
const WORD_BITS: u32 = u32::BITS;
const BITMAP_WORDS: usize = MAX_ENTRIES.div_ceil(WORD_BITS) as usize;

const ENTRY_SIZE: u32 = size_of::<GrantEntryV1>() as u32;
const OFF_FLAGS: u32 = core::mem::offset_of!(GrantEntryV1, flags) as u32;
const OFF_DOMID: u32 = core::mem::offset_of!(GrantEntryV1, domid) as u32;
const OFF_FRAME: u32 = core::mem::offset_of!(GrantEntryV1, frame) as u32;
/// Flags Xen sets while the grantee has the page mapped.
const IN_USE: u16 = GTF_READING | GTF_WRITING;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrantError {
    /// Every entry is handed out.
    TableFull,
    /// The grantee still has the page mapped; try again after it unmapped it.
    StillInUse,
    /// Not an entry this allocator handed out (reserved, out of range or free).
    NotGranted,
}

impl core::fmt::Display for GrantError {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        f.write_str(match self {
            GrantError::TableFull => "grant table full",
            GrantError::StillInUse => "grant still in use by the grantee",
            GrantError::NotGranted => "not a granted entry",
        })
    }
}

pub struct GrantTable {
    /// Linear address of entry 0 (frame 0 of the table).
    base: u32,
    /// Entries mapped: `0..entries` are addressable.
    entries: u32,
    /// Bit set: handed out (or found busy at start), not free.
    used: [u32; BITMAP_WORDS],
}

impl GrantTable {
    /// The table whose first `frames` frames are mapped contiguously at `base`. Entries an
    /// earlier stage left granted are revoked; those a grantee still uses stay allocated
    /// (and are logged), so they are never handed out twice.
    pub fn new(mem: &mut dyn Memory, base: u32, frames: u32) -> GrantTable {
        let entries = (frames * GRANT_ENTRIES_V1_PER_FRAME as u32).min(MAX_ENTRIES);
        let mut t = GrantTable {
            base,
            entries,
            used: [0; BITMAP_WORDS],
        };
        let mut busy = 0u32;
        for r in GNTTAB_NR_RESERVED_ENTRIES..entries {
            if mem.read_u16(t.flags_addr(r)) != 0 && t.clear(mem, r).is_err() {
                t.mark(r, true);
                busy += 1;
            }
        }
        if busy != 0 {
            warn!(
                "grant",
                "{busy} entries left granted by an earlier stage are still mapped: kept out of use"
            );
        }
        t
    }

    /// Linear address of entry 0.
    pub fn base(&self) -> u32 {
        self.base
    }

    /// Entries that can still be handed out.
    pub fn free_count(&self) -> u32 {
        (GNTTAB_NR_RESERVED_ENTRIES..self.entries)
            .filter(|&r| !self.is_used(r))
            .count() as u32
    }

    /// Let domain `domid` access guest frame `gfn` (read-only if `readonly`). The reference
    /// goes to the grantee (a ring request, a xenstore node).
    #[inline(never)] // one copy for every PV driver (image size)
    pub fn grant(
        &mut self,
        mem: &mut dyn Memory,
        domid: Domid,
        gfn: u32,
        readonly: bool,
    ) -> Result<GrantRef, GrantError> {
        let Some(r) = (GNTTAB_NR_RESERVED_ENTRIES..self.entries).find(|&r| !self.is_used(r)) else {
            warn!("grant", "no free grant entry for frame {gfn:#x}");
            return Err(GrantError::TableFull);
        };
        let entry = GrantEntryV1::permit_access(domid, gfn, readonly);
        let a = self.entry_addr(r);
        mem.write_u16(a + OFF_DOMID, entry.domid);
        mem.write_u32(a + OFF_FRAME, entry.frame);
        // Xen must see domid and frame before the flags that make the entry valid.
        mem.fence();
        mem.write_u16(a + OFF_FLAGS, entry.flags);
        self.mark(r, true);
        trace!("grant", "ref {r}: frame {gfn:#x} to domain {domid}");
        Ok(r)
    }

    /// Revoke `gref` and free it, unless the grantee still has the page mapped: then the
    /// grant stays valid and allocated ([`GrantError::StillInUse`]); try again later.
    /// Also frees an entry [`GrantTable::revoke`] revoked earlier.
    pub fn end_access(&mut self, mem: &mut dyn Memory, gref: GrantRef) -> Result<(), GrantError> {
        self.revoke(mem, gref)?;
        self.mark(gref, false);
        Ok(())
    }

    /// Revoke `gref` but keep it allocated: a request the grantee has not answered may
    /// still name it, so it must not name another frame until the grantee is known to be
    /// done with it (then [`GrantTable::end_access`] frees it). Once this succeeds the
    /// grantee can neither map nor copy the page through `gref`. Fails with
    /// [`GrantError::StillInUse`] while the grantee has the page mapped (the grant stays
    /// valid).
    pub fn revoke(&mut self, mem: &mut dyn Memory, gref: GrantRef) -> Result<(), GrantError> {
        if gref < GNTTAB_NR_RESERVED_ENTRIES || gref >= self.entries || !self.is_used(gref) {
            return Err(GrantError::NotGranted);
        }
        self.clear(mem, gref)
    }

    /// Whether the grantee has the page of `gref` mapped right now.
    pub fn in_use(&self, mem: &dyn Memory, gref: GrantRef) -> bool {
        gref < self.entries && mem.read_u16(self.flags_addr(gref)) & IN_USE != 0
    }

    /// Clear the flags word unless Xen marks the entry in use. The compare-exchange only
    /// succeeds against a value without `GTF_reading`/`GTF_writing`, so a mapping that
    /// starts between our read and the exchange makes it fail and is seen on the retry.
    /// Each failure means the word changed; Xen only sets and clears the two in-use bits, so
    /// a failure is followed by either success or `StillInUse`.
    fn clear(&self, mem: &mut dyn Memory, r: GrantRef) -> Result<(), GrantError> {
        let addr = self.flags_addr(r);
        let mut flags = mem.read_u16(addr);
        // Bounded: see above; more changes than there are flag values means a misbehaving
        // peer, and the entry is treated as in use.
        for _ in 0..=u16::BITS {
            if flags & IN_USE != 0 {
                return Err(GrantError::StillInUse);
            }
            let found = mem.cmpxchg_u16(addr, flags, 0);
            if found == flags {
                return Ok(());
            }
            flags = found;
        }
        Err(GrantError::StillInUse)
    }

    fn entry_addr(&self, r: GrantRef) -> u32 {
        self.base + r * ENTRY_SIZE
    }
    fn flags_addr(&self, r: GrantRef) -> u32 {
        self.entry_addr(r) + OFF_FLAGS
    }
    fn is_used(&self, r: GrantRef) -> bool {
        self.used[(r / WORD_BITS) as usize] & (1 << (r % WORD_BITS)) != 0
    }
    fn mark(&mut self, r: GrantRef, used: bool) {
        let w = &mut self.used[(r / WORD_BITS) as usize];
        if used {
            *w |= 1 << (r % WORD_BITS);
        } else {
            *w &= !(1 << (r % WORD_BITS));
        }
    }
}
