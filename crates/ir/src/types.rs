//! Types of the IR.

use serde::{Deserialize, Serialize};

/// A type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Ty {
    /// A point in time (µs since the Unix epoch, UTC).
    Instant,
    /// A length of time (µs).
    Duration,
    /// An exact amount of CNY.
    Money,
    /// A percentage (stored as written: `5%` is 5).
    Percent,
    /// A whole number.
    Int,
    /// True or false.
    Bool,
    /// Text.
    Str,
    /// A GB/T 2260 region code.
    Region,
    /// A set of regions.
    Regions,
    /// An inclusive window of instants.
    Window,
    /// A check outcome (see [`crate::Status`]).
    Status,
    /// A value of an enumeration (index into `Program::enums`).
    Enum(u32),
    /// A record (index into `Program::records`).
    Record(u32),
    /// A set of values.
    Set(Box<Ty>),
    /// A list of values.
    List(Box<Ty>),
    /// Possibly absent.
    Optional(Box<Ty>),
}

impl Ty {
    /// The type without its optional wrapper.
    pub fn base(&self) -> &Ty {
        match self {
            Ty::Optional(t) => t.base(),
            t => t,
        }
    }

    /// Whether values of this type may be absent.
    pub fn is_optional(&self) -> bool {
        matches!(self, Ty::Optional(_))
    }
}

/// The outcome of a check for one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The requirement was met.
    Ok,
    /// The requirement was not met.
    Violated,
    /// Not yet due.
    Pending,
    /// Excused.
    Exempt,
    /// Two applicable rules disagree and none has priority.
    Conflict,
    /// A needed value has no applicable definition.
    Unknown,
    /// The check does not apply to the record (omitted from verdicts).
    NotApplicable,
}

impl Status {
    /// All statuses, in the order of their enum indices.
    pub const ALL: [Status; 7] = [
        Status::Ok,
        Status::Violated,
        Status::Pending,
        Status::Exempt,
        Status::Conflict,
        Status::Unknown,
        Status::NotApplicable,
    ];

    /// The name used in verdicts and policies.
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Violated => "violated",
            Status::Pending => "pending",
            Status::Exempt => "exempt",
            Status::Conflict => "conflict",
            Status::Unknown => "unknown",
            Status::NotApplicable => "not_applicable",
        }
    }

    /// Parses a status name.
    pub fn from_name(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.name() == s)
    }
}
