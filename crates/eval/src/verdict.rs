//! Verdicts: one per input record, in the interchange format of DOMAIN.md §1.3.
//!
//! ```json
//! {"id":"O1","kind":"order","as_of":"2024-02-25T12:00:00+08:00",
//!  "findings":[{"check":"ship_check","status":"violated",
//!               "deadline":"2000-01-22T23:59:59+08:00","actual":"2000-01-23T09:00:00+08:00",
//!               "compensation":"8","compensation_rule":"base.compensate",
//!               "rules":["base.send_within","holiday.extend"]}]}
//! ```
//!
//! Findings come in check-name order; checks that do not apply are absent. Instants print in
//! +08:00 ([`crate::format_instant`]), compensation as a normalized decimal string. `rules`
//! is the chain that decided the status (see [`crate::Evaluator`]); on `conflict` it is the
//! two rules, on `unknown` it is empty. Additive fields: `compensation_rule` (the rule that
//! decided the compensation), `reason` (one line, on `unknown` and `conflict`), and
//! `explain` when explanations were asked for. A record that could not be read becomes
//! `{"id":…,"line":N,"error":"…"}` (`id` when it could be read, `index` for array input).

use ir::{CheckId, KindId, Program, RuleId, Status};
use rust_decimal::Decimal;

use crate::decode::RecordId;
use crate::eval::{Reason, Stop};
use crate::explain::Explanation;
use crate::json::{key, write_str};
use crate::time::{write_instant, InstantWriter};
use crate::val::write_decimal;

/// The verdict on one record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdict {
    /// The record's id, when it had one.
    pub id: Option<RecordId>,
    /// The record's fact kind.
    pub kind: KindId,
    /// The evaluation instant (µs).
    pub as_of: i64,
    /// One finding per applicable check, in check-name order.
    pub findings: Vec<Finding>,
    /// Storage of every finding's rule chain (see [`Verdict::rules`]).
    pub(crate) chains: Vec<RuleId>,
}

/// One check's finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The check.
    pub check: CheckId,
    /// Its status (never `NotApplicable`: those are omitted).
    pub status: Status,
    /// The deadline, for checks that have one (and got that far).
    pub deadline: Option<i64>,
    /// The event's instant, when it happened.
    pub actual: Option<i64>,
    /// What is owed, on violations of checks that pay something.
    pub compensation: Option<Decimal>,
    /// The rule that decided the compensation.
    pub compensation_rule: Option<RuleId>,
    /// Why the status is `conflict` or `unknown`.
    pub stop: Option<Stop>,
    /// The status before the exemption was applied.
    pub before_exempt: Status,
    pub(crate) chain: (u32, u32),
    /// How far evaluation got (see `CheckOut::reached`), for explanations.
    pub(crate) reached: u8,
}

impl Verdict {
    /// The rule chain of a finding of this verdict: base first, deciding rule last.
    pub fn rules(&self, f: &Finding) -> &[RuleId] {
        self.chains
            .get(f.chain.0 as usize..f.chain.1 as usize)
            .unwrap_or(&[])
    }

    /// The finding for check `name`, if the check applied.
    pub fn finding(&self, program: &Program, name: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| {
            program
                .checks
                .get(f.check as usize)
                .is_some_and(|c| c.name == name)
        })
    }

    /// Appends the verdict as one line of JSON (no newline), with explanations if given.
    pub fn write_json(&self, p: &Program, out: &mut String, explain: Option<&Explanation>) {
        self.write_json_names(p, &mut FromProgram(p), out, explain);
    }

    /// [`Verdict::write_json`] with the program's names already quoted and escaped (a run
    /// writes the same few names on every record).
    pub(crate) fn write_json_with(
        &self,
        p: &Program,
        lits: &mut Literals,
        out: &mut String,
        explain: Option<&Explanation>,
    ) {
        self.write_json_names(p, lits, out, explain);
    }

    fn write_json_names(
        &self,
        p: &Program,
        names: &mut impl Names,
        out: &mut String,
        explain: Option<&Explanation>,
    ) {
        // Keys are constants: written as they are, without escaping.
        out.push_str("{\"id\":");
        match &self.id {
            Some(id) => id.write_json(out),
            None => out.push_str("null"),
        }
        out.push_str(",\"kind\":");
        names.kind(out, self.kind);
        // Instants are JSON strings whose text never needs escaping: the quotes are written
        // with the keys around them, one copy fewer.
        out.push_str(",\"as_of\":\"");
        names.as_of(out, self.as_of);
        out.push_str("\",\"findings\":[");
        for (i, f) in self.findings.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let e = explain.and_then(|e| Some((e, e.findings().get(i)?)));
            self.write_finding(p, names, out, f, e);
        }
        out.push_str("]}");
    }

    fn write_finding(
        &self,
        p: &Program,
        names: &mut impl Names,
        out: &mut String,
        f: &Finding,
        explain: Option<(&Explanation, &crate::explain::FindingExplanation)>,
    ) {
        names.check(out, f.check);
        out.push_str(status_json(f.status));
        if let Some(d) = f.deadline {
            out.push_str(",\"deadline\":\"");
            names.instant(out, d);
            out.push('"');
        }
        if let Some(a) = f.actual {
            out.push_str(",\"actual\":\"");
            names.instant(out, a);
            out.push('"');
        }
        if let Some(c) = f.compensation {
            // A decimal's text (digits, `-`, `.`) never needs escaping.
            out.push_str(",\"compensation\":\"");
            write_decimal(out, c);
            out.push('"');
            if let Some(r) = f.compensation_rule {
                out.push_str(",\"compensation_rule\":");
                names.rule(out, r);
            }
        }
        out.push_str(",\"rules\":[");
        for (i, r) in self.rules(f).iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            names.rule(out, *r);
        }
        out.push(']');
        if let Some(stop) = f.stop {
            out.push_str(",\"reason\":");
            write_str(out, &reason_text(p, stop));
        }
        if let Some((e, fe)) = explain {
            out.push_str(",\"explain\":");
            e.write_finding_json(p, fe, out);
        }
        out.push('}');
    }
}

/// `,"status":` and a status name as a JSON string: status names are plain constants.
fn status_json(s: Status) -> &'static str {
    match s {
        Status::Ok => ",\"status\":\"ok\"",
        Status::Violated => ",\"status\":\"violated\"",
        Status::Pending => ",\"status\":\"pending\"",
        Status::Exempt => ",\"status\":\"exempt\"",
        Status::Conflict => ",\"status\":\"conflict\"",
        Status::Unknown => ",\"status\":\"unknown\"",
        Status::NotApplicable => ",\"status\":\"not_applicable\"",
    }
}

/// How a verdict's names and instants become JSON: [`FromProgram`] escapes them on every
/// call, [`Literals`] copies them from text prepared once.
trait Names {
    /// The kind's name as a JSON string (`""` for a kind the program does not have).
    fn kind(&mut self, out: &mut String, k: KindId);
    /// `{"check":` and the check's name as a JSON string (`""` for an unknown check).
    fn check(&mut self, out: &mut String, c: CheckId);
    /// A rule's id as a JSON string ([`rule_name`]).
    fn rule(&mut self, out: &mut String, r: RuleId);
    /// The verdict's `as_of` instant ([`Names::instant`]).
    fn as_of(&mut self, out: &mut String, t: i64) {
        self.instant(out, t);
    }
    /// An instant's text (not quoted: the caller writes the quotes with the keys).
    fn instant(&mut self, out: &mut String, t: i64);
}

/// Names escaped as they are written.
struct FromProgram<'p>(&'p Program);

impl Names for FromProgram<'_> {
    fn kind(&mut self, out: &mut String, k: KindId) {
        write_str(out, self.0.kinds.get(k as usize).map_or("", |k| &k.name));
    }

    fn check(&mut self, out: &mut String, c: CheckId) {
        out.push_str("{\"check\":");
        write_str(out, self.0.checks.get(c as usize).map_or("", |c| &c.name));
    }

    fn rule(&mut self, out: &mut String, r: RuleId) {
        write_str(out, rule_name(self.0, r));
    }

    fn instant(&mut self, out: &mut String, t: i64) {
        write_instant(out, t);
    }
}

/// A program's names as JSON text, quoted and escaped once, for a run that writes them on
/// every record; also the last `as_of` and the text of recent dates.
#[derive(Debug, Default)]
pub(crate) struct Literals {
    /// Per kind: `"name"`.
    kinds: Vec<String>,
    /// Per check: `{"check":"name"`.
    checks: Vec<String>,
    /// Per rule: `"id"`.
    rules: Vec<String>,
    /// The last `as_of` and its text.
    as_of: Option<(i64, String)>,
    /// Instants, with recent dates remembered.
    instants: InstantWriter,
}

impl Literals {
    /// Quotes and escapes `p`'s names.
    pub(crate) fn new(p: &Program) -> Literals {
        let quoted = |prefix: &str, name: &str| {
            let mut s = String::from(prefix);
            write_str(&mut s, name);
            s
        };
        Literals {
            kinds: p.kinds.iter().map(|k| quoted("", &k.name)).collect(),
            checks: p
                .checks
                .iter()
                .map(|c| quoted("{\"check\":", &c.name))
                .collect(),
            rules: p.rules.iter().map(|r| quoted("", &r.id)).collect(),
            as_of: None,
            instants: InstantWriter::default(),
        }
    }
}

impl Names for Literals {
    fn kind(&mut self, out: &mut String, k: KindId) {
        out.push_str(self.kinds.get(k as usize).map_or("\"\"", String::as_str));
    }

    fn check(&mut self, out: &mut String, c: CheckId) {
        out.push_str(
            self.checks
                .get(c as usize)
                .map_or("{\"check\":\"\"", String::as_str),
        );
    }

    fn rule(&mut self, out: &mut String, r: RuleId) {
        out.push_str(self.rules.get(r as usize).map_or("\"#?\"", String::as_str));
    }

    fn as_of(&mut self, out: &mut String, t: i64) {
        match &self.as_of {
            Some((at, text)) if *at == t => out.push_str(text),
            _ => {
                let mut text = String::with_capacity(40);
                self.instant(&mut text, t);
                out.push_str(&text);
                self.as_of = Some((t, text));
            }
        }
    }

    fn instant(&mut self, out: &mut String, t: i64) {
        self.instants.write(out, t);
    }
}

/// A rule's id, or `#n` for an index the program does not have.
pub(crate) fn rule_name(p: &Program, r: RuleId) -> &str {
    p.rules.get(r as usize).map_or("#?", |r| r.id.as_str())
}

/// A value's id, or `#?`.
pub(crate) fn value_name(p: &Program, v: ir::ValueId) -> &str {
    p.values.get(v as usize).map_or("#?", |v| v.id.as_str())
}

/// One line saying why evaluation stopped.
pub fn reason_text(p: &Program, stop: Stop) -> String {
    let at = |r: RuleId| match p.rules.get(r as usize) {
        Some(rule) => format!("`{}` ({}:{})", rule.id, rule.origin.file, rule.origin.line),
        None => format!("#{r}"),
    };
    match stop {
        Stop::Conflict { a, b } => format!(
            "rules {} and {} both apply and give different values; neither has priority",
            at(a),
            at(b)
        ),
        Stop::Undefined { value, reason } => {
            let v = match value {
                Some(v) => format!("`{}`", value_name(p, v)),
                None => "the check's own condition".into(),
            };
            match reason {
                Reason::NoDefinition => format!("no definition of {v} applies"),
                Reason::Arithmetic => format!("arithmetic overflow while computing {v}"),
                Reason::Type => format!("{v}: an operand has an unexpected type (damaged IR?)"),
                Reason::MissingRef => format!(
                    "{v} refers to a field, value or rule that does not exist (damaged IR?)"
                ),
                Reason::Cycle => format!("{v} depends on itself"),
                Reason::NoOverridden => {
                    format!("{v} uses `overridden` where nothing is overridden")
                }
                Reason::NoDeadline => format!("the deadline {v} is none"),
            }
        }
    }
}

/// A record that could not be read or decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRecord {
    /// Its id, when it could be read.
    pub id: Option<RecordId>,
    /// 1-based line where the record starts.
    pub line: u64,
    /// 0-based position in a JSON array input.
    pub index: Option<u64>,
    /// What is wrong.
    pub error: String,
}

impl ErrorRecord {
    /// Appends `{"id":…,"line":N,"error":"…"}` (no newline).
    pub fn write_json(&self, out: &mut String) {
        out.push('{');
        let mut first = true;
        if let Some(id) = &self.id {
            key(out, true, "id");
            id.write_json(out);
            first = false;
        }
        key(out, first, "line");
        out.push_str(&self.line.to_string());
        if let Some(i) = self.index {
            key(out, false, "index");
            out.push_str(&i.to_string());
        }
        key(out, false, "error");
        write_str(out, &self.error);
        out.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_literals_are_the_quoted_names() {
        for s in Status::ALL {
            let mut want = String::from(",\"status\":");
            write_str(&mut want, s.name());
            assert_eq!(status_json(s), want);
        }
    }
}
