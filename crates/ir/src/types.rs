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

    /// The type as a policy author writes it (`instant?`, `set<region>`, `list<parcel>`).
    /// `name` gives the names of enum and record types (`None`: `enum#3`, `record#0`); see
    /// [`crate::Program::type_name`] for the names a program declares.
    pub fn written<'n>(&self, name: &dyn Fn(&Ty) -> Option<&'n str>) -> String {
        match self {
            Ty::Instant => "instant".into(),
            Ty::Duration => "duration".into(),
            Ty::Money => "money".into(),
            Ty::Percent => "percent".into(),
            Ty::Int => "int".into(),
            Ty::Bool => "bool".into(),
            Ty::Str => "string".into(),
            Ty::Region => "region".into(),
            Ty::Regions => "set<region>".into(),
            Ty::Window => "window".into(),
            Ty::Status => "status".into(),
            Ty::Enum(i) => name(self).map_or_else(|| format!("enum#{i}"), str::to_string),
            Ty::Record(i) => name(self).map_or_else(|| format!("record#{i}"), str::to_string),
            Ty::Set(e) => format!("set<{}>", e.written(name)),
            Ty::List(e) => format!("list<{}>", e.written(name)),
            Ty::Optional(e) => format!("{}?", e.written(name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Ty;

    #[test]
    fn types_are_written_as_in_policies() {
        let names = |t: &Ty| match t {
            Ty::Enum(0) => Some("merchant_kind"),
            Ty::Record(0) => Some("parcel"),
            _ => None,
        };
        let opt = |t: Ty| Ty::Optional(Box::new(t));
        let cases = [
            (opt(Ty::Instant), "instant?"),
            (Ty::Regions, "set<region>"),
            (Ty::List(Box::new(Ty::Record(0))), "list<parcel>"),
            (Ty::Set(Box::new(Ty::Enum(0))), "set<merchant_kind>"),
            (opt(Ty::Enum(7)), "enum#7?"),
            (Ty::Record(2), "record#2"),
        ];
        for (t, want) in cases {
            assert_eq!(t.written(&names), want);
        }
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
