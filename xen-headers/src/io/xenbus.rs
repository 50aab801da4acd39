//! `io/xenbus.h`: the states a PV frontend and backend move through, published as decimal
//! strings in their xenstore `state` nodes.
//!
//! A frontend normally sees its backend in `InitWait`, writes its ring details and
//! `Initialised`, waits for the backend's `Connected`, then writes `Connected` itself.

/// `enum xenbus_state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u32)]
pub enum XenbusState {
    Unknown = 0,
    Initialising = 1,
    /// Finished early initialisation, waiting for the peer's details.
    InitWait = 2,
    /// Details published, waiting for the peer to connect.
    Initialised = 3,
    Connected = 4,
    /// Being closed after an error or an unplug.
    Closing = 5,
    Closed = 6,
    Reconfiguring = 7,
    Reconfigured = 8,
}

impl XenbusState {
    /// All states, by value.
    pub const ALL: [XenbusState; 9] = [
        Self::Unknown,
        Self::Initialising,
        Self::InitWait,
        Self::Initialised,
        Self::Connected,
        Self::Closing,
        Self::Closed,
        Self::Reconfiguring,
        Self::Reconfigured,
    ];

    /// The state with C value `v`.
    pub const fn from_u32(v: u32) -> Option<Self> {
        if (v as usize) < Self::ALL.len() {
            Some(Self::ALL[v as usize])
        } else {
            None
        }
    }

    /// The C value.
    pub const fn as_u32(self) -> u32 {
        self as u32
    }

    /// The enumerator's name without its prefix ("Connected"), for people.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Unknown => "Unknown",
            Self::Initialising => "Initialising",
            Self::InitWait => "InitWait",
            Self::Initialised => "Initialised",
            Self::Connected => "Connected",
            Self::Closing => "Closing",
            Self::Closed => "Closed",
            Self::Reconfiguring => "Reconfiguring",
            Self::Reconfigured => "Reconfigured",
        }
    }

    /// The form written to a `state` node: the value in decimal ("4").
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "0",
            Self::Initialising => "1",
            Self::InitWait => "2",
            Self::Initialised => "3",
            Self::Connected => "4",
            Self::Closing => "5",
            Self::Closed => "6",
            Self::Reconfiguring => "7",
            Self::Reconfigured => "8",
        }
    }

    /// Parses a `state` node's value: decimal digits, optionally followed by a NUL (a read
    /// answer is not NUL-terminated, a C string is). Leading zeros are accepted; anything else,
    /// or an unknown value, is `None`.
    pub fn parse(value: &[u8]) -> Option<Self> {
        let digits = match value.iter().position(|&b| b == 0) {
            Some(nul) => &value[..nul],
            None => value,
        };
        if digits.is_empty() {
            return None;
        }
        let mut v: u32 = 0;
        for &d in digits {
            if !d.is_ascii_digit() {
                return None;
            }
            v = v.checked_mul(10)?.checked_add(u32::from(d - b'0'))?;
        }
        Self::from_u32(v)
    }
}

impl core::fmt::Display for XenbusState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::XenbusState;

    #[test]
    fn values_and_strings() {
        for (i, s) in XenbusState::ALL.iter().enumerate() {
            assert_eq!(s.as_u32(), i as u32);
            assert_eq!(XenbusState::from_u32(i as u32), Some(*s));
            assert_eq!(XenbusState::parse(s.as_str().as_bytes()), Some(*s));
        }
        assert_eq!(XenbusState::from_u32(9), None);
        assert_eq!(XenbusState::parse(b"4\0"), Some(XenbusState::Connected));
        assert_eq!(XenbusState::parse(b"04"), Some(XenbusState::Connected));
        assert_eq!(XenbusState::parse(b""), None);
        assert_eq!(XenbusState::parse(b"9"), None);
        assert_eq!(XenbusState::parse(b"4 "), None);
        assert_eq!(XenbusState::parse(b"99999999999"), None);
        assert_eq!(XenbusState::InitWait.as_str(), "2");
    }
}
