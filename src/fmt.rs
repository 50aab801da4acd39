//! Formatting without a heap.

use core::fmt;

/// A string of at most `N` bytes built with `write!`; longer text is cut at a character
/// boundary and ends with "...".
pub struct Buf<const N: usize> {
    bytes: [u8; N],
    len: usize,
    truncated: bool,
}

impl<const N: usize> Default for Buf<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Buf<N> {
    pub const fn new() -> Self {
        Buf {
            bytes: [0; N],
            len: 0,
            truncated: false,
        }
    }

    pub fn as_str(&self) -> &str {
        // Only whole UTF-8 characters are ever copied in (see write_str).
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }

    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// Empty it, to build another string in the same space.
    pub fn clear(&mut self) {
        self.len = 0;
        self.truncated = false;
    }
}

impl<const N: usize> fmt::Write for Buf<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.truncated {
            return Ok(());
        }
        let room = N - self.len;
        if s.len() <= room {
            self.bytes[self.len..self.len + s.len()].copy_from_slice(s.as_bytes());
            self.len += s.len();
            return Ok(());
        }
        self.truncated = true;
        let keep = room.saturating_sub(3);
        let cut = (0..=keep)
            .rev()
            .find(|&i| s.is_char_boundary(i))
            .unwrap_or(0);
        self.bytes[self.len..self.len + cut].copy_from_slice(&s.as_bytes()[..cut]);
        self.len += cut;
        let dots = (N - self.len).min(3);
        self.bytes[self.len..self.len + dots].copy_from_slice(&b"..."[..dots]);
        self.len += dots;
        Ok(())
    }
}

impl<const N: usize> fmt::Display for Buf<N> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::fmt::Write;

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        let mut b = Buf::<8>::new();
        write!(b, "abc").unwrap();
        assert_eq!(b.as_str(), "abc");
        write!(b, "defghij").unwrap();
        assert_eq!(b.as_str(), "abcde...");
        assert!(b.truncated());
        let mut u = Buf::<6>::new();
        write!(u, "éééé").unwrap();
        assert_eq!(u.as_str(), "é...");
    }
}
