//! Verdicts as owned, named, serde types (DOMAIN.md §1.3): what a Rust program reads after
//! judging a record. `serde_json::to_string(&verdict)` writes the same bytes as
//! `edict eval` writes for the record (a test holds the two together).

use std::fmt;

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Instant;

/// A record's id as it was written: a JSON string, or a number kept as its text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RecordId {
    /// `"id": "O1"`
    Str(String),
    /// `"id": 42`, as written (no rounding of long numbers).
    Num(String),
}

impl RecordId {
    /// The id's text (without quotes).
    pub fn as_str(&self) -> &str {
        match self {
            RecordId::Str(s) | RecordId::Num(s) => s,
        }
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RecordId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RecordId::Str(text) => s.serialize_str(text),
            RecordId::Num(text) => serde_json::value::RawValue::from_string(text.clone())
                .map_err(serde::ser::Error::custom)?
                .serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for RecordId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RecordId, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(RecordId::Str(s)),
            serde_json::Value::Number(n) => Ok(RecordId::Num(n.to_string())),
            other => Err(D::Error::custom(format!(
                "an id is a string or a number, not {other}"
            ))),
        }
    }
}

/// The name of a check (`dispatch_on_time`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CheckName(pub String);

/// The stable id of a rule, `file_id.rule_name` (`holiday.extend`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RuleName(pub String);

/// The name of a fact kind (`order`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KindName(pub String);

macro_rules! names {
    ($($t:ident),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl PartialEq<str> for $t {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    )*};
}
names!(CheckName, RuleName, KindName);

/// The outcome of one check on one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The event happened by the deadline (or the condition does not hold).
    Ok,
    /// The event happened late, or not by the deadline at `as_of`.
    Violated,
    /// Not yet due at `as_of`.
    Pending,
    /// A violation an exemption waives.
    Exempt,
    /// Two applicable rules disagree and none has priority.
    Conflict,
    /// A fact the check needs is missing.
    Unknown,
}

impl Status {
    /// The status's name in verdicts (`violated`).
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Violated => "violated",
            Status::Pending => "pending",
            Status::Exempt => "exempt",
            Status::Conflict => "conflict",
            Status::Unknown => "unknown",
        }
    }

    pub(crate) fn from_ir(s: ir::Status) -> Option<Status> {
        Some(match s {
            ir::Status::Ok => Status::Ok,
            ir::Status::Violated => Status::Violated,
            ir::Status::Pending => Status::Pending,
            ir::Status::Exempt => Status::Exempt,
            ir::Status::Conflict => Status::Conflict,
            ir::Status::Unknown => Status::Unknown,
            ir::Status::NotApplicable => return None,
        })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An amount of money in yuan, exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Money(pub Decimal);

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&eval::format_decimal(self.0))
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
        let text = String::deserialize(d)?;
        text.parse::<Decimal>()
            .map(Money)
            .map_err(|e| D::Error::custom(format!("`{text}` is not an amount: {e}")))
    }
}

/// The verdict on one record: one finding per check of its kind that applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The record's id, when it had one.
    pub id: Option<RecordId>,
    /// The record's fact kind.
    pub kind: KindName,
    /// The instant it was judged at.
    pub as_of: Instant,
    /// One finding per applicable check, in check-name order.
    pub findings: Vec<Finding>,
}

impl Verdict {
    /// The finding of check `name`, if the check applied.
    pub fn finding(&self, name: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.check == name)
    }
}

/// One check's finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The check.
    pub check: CheckName,
    /// Its status.
    pub status: Status,
    /// The deadline, for checks that have one (and got that far).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Instant>,
    /// The event's instant, when it happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<Instant>,
    /// What is owed, on violations of checks that pay something.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensation: Option<Money>,
    /// The rule that decided the compensation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensation_rule: Option<RuleName>,
    /// The chain of rules that decided the status: base first, deciding rule last (on
    /// `conflict`, the two rules; on `unknown`, empty).
    pub rules: Vec<RuleName>,
    /// Why the status is `conflict` or `unknown`, in one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The derivation, when explanations were asked for (the `explain` field of §1.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<Derivation>,
}

/// A finding's derivation as JSON text, kept as the engine wrote it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Derivation(Box<serde_json::value::RawValue>);

impl Derivation {
    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// Parsed, for reading its fields.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(self.0.get()).unwrap_or(serde_json::Value::Null)
    }
}

impl PartialEq for Derivation {
    fn eq(&self, other: &Derivation) -> bool {
        self.get() == other.get()
    }
}

impl Finding {
    /// The rule that decided the finding (the chain's last), if any.
    pub fn deciding_rule(&self) -> Option<&RuleName> {
        self.rules.last()
    }
}

/// Builds the owned verdict from the evaluator's (ids resolved to names).
pub(crate) fn from_eval(
    p: &ir::Program,
    v: &eval::Verdict,
    explanation: Option<&eval::Explanation>,
) -> Verdict {
    let rule = |r: u32| {
        RuleName(
            p.rules
                .get(r as usize)
                .map_or_else(String::new, |r| r.id.clone()),
        )
    };
    let findings = v
        .findings
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let explain = explanation.and_then(|e| {
                let fe = e.findings().get(i)?;
                let mut json = String::new();
                e.write_finding_json(p, fe, &mut json);
                serde_json::value::RawValue::from_string(json)
                    .ok()
                    .map(Derivation)
            });
            Some(Finding {
                check: CheckName(
                    p.checks
                        .get(f.check as usize)
                        .map_or_else(String::new, |c| c.name.clone()),
                ),
                status: Status::from_ir(f.status)?,
                deadline: f.deadline.map(Instant::from_micros),
                actual: f.actual.map(Instant::from_micros),
                compensation: f.compensation.map(Money),
                compensation_rule: f.compensation.and(f.compensation_rule).map(rule),
                rules: v.rules(f).iter().map(|r| rule(*r)).collect(),
                reason: f.stop.map(|s| eval::verdict::reason_text(p, s)),
                explain,
            })
        })
        .collect();
    Verdict {
        id: v.id.as_ref().map(|id| match id {
            eval::RecordId::Str(s) => RecordId::Str(s.clone()),
            eval::RecordId::Num(s) => RecordId::Num(s.clone()),
        }),
        kind: KindName(
            p.kinds
                .get(v.kind as usize)
                .map_or_else(String::new, |k| k.name.clone()),
        ),
        as_of: Instant::from_micros(v.as_of),
        findings,
    }
}
