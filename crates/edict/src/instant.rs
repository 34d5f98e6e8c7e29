//! [`Instant`]: a point in time at microsecond precision, the clock every verdict is
//! judged at (`as_of`) and the type of every deadline.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::InstantError;

/// A point in time: microseconds since 1970-01-01T00:00:00Z.
///
/// Parsed from RFC 3339 (`2024-02-25T12:00:00+08:00`; without an offset the time is read
/// in +08:00, as records are) and printed in +08:00, as verdicts print instants.
///
/// ```
/// let t: edict::Instant = "2024-02-25T12:00:00+08:00".parse().unwrap();
/// assert_eq!(t, edict::Instant::parse("2024-02-25T04:00:00Z").unwrap());
/// assert_eq!(t.to_string(), "2024-02-25T12:00:00+08:00");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(i64);

impl Instant {
    /// Reads an RFC 3339 instant (see the type's doc).
    pub fn parse(text: &str) -> Result<Instant, InstantError> {
        eval::parse_instant(text)
            .map(Instant)
            .map_err(|message| InstantError {
                text: text.to_string(),
                message,
            })
    }

    /// The instant `micros` microseconds after the Unix epoch.
    pub const fn from_micros(micros: i64) -> Instant {
        Instant(micros)
    }

    /// Microseconds since the Unix epoch.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// The system clock, now.
    pub fn now() -> Instant {
        let micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        Instant(micros)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&eval::format_instant(self.0))
    }
}

impl FromStr for Instant {
    type Err = InstantError;

    fn from_str(s: &str) -> Result<Instant, InstantError> {
        Instant::parse(s)
    }
}

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
        let text = String::deserialize(d)?;
        Instant::parse(&text).map_err(serde::de::Error::custom)
    }
}
