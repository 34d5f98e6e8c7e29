//! Printing explanations: as JSON (the verdict's `explain` field) and as an indented tree
//! for `edict explain --id`.
//!
//! JSON: a list of steps, the values first (dependencies before the values that read them),
//! the check's own step last:
//!
//! ```json
//! [{"value":"base.send_by","result":"2000-01-22T23:59:59+08:00","rules":[
//!    {"rule":"base.send_within","at":"base.edict:12","cites":"一.1",
//!     "source":"…","depth":0,"outcome":"overridden","by":"holiday.extend",
//!     "value":"2000-01-07T10:00:00+08:00"},
//!    {"rule":"holiday.own_delay","at":"holiday.edict:40","depth":1,
//!     "outcome":"not_applicable","failed":"order.delay_ship_by is some",
//!     "read":{"order.delay_ship_by":null}}]},
//!  {"check":"ship_check","event":{"name":"order.shipped_at","value":"…"},
//!   "deadline":"…","as_of":"…","exempt":false,"status":"violated","because":"…"}]
//! ```

use std::fmt::Write as _;

use ir::{Program, Status, Ty};

use crate::eval::Out;
use crate::explain::{
    CheckStep, Explanation, FindingExplanation, Outcome, Read, RuleStep, ValueStep,
};
use crate::json::{key, plain_key, write_escaped, write_str};
use crate::time::{format_instant, format_instant_short, write_instant};
use crate::val::{format_decimal, render, write_json, Val};
use crate::verdict::{reason_text, rule_name, value_name, Verdict};

impl Explanation {
    /// Appends the explanation of finding `f` (one of [`Explanation::findings`]) as a JSON
    /// array of steps.
    pub fn write_finding_json(&self, p: &Program, f: &FindingExplanation, out: &mut String) {
        out.push('[');
        for v in self.values(f) {
            value_json(p, self, out, v);
            out.push(',');
        }
        check_json(p, self, out, &f.check);
        out.push(']');
    }
}

fn outcome_json(p: &Program, out: &mut String, v: &Out<Val>, ty: Option<&Ty>, field: &'static str) {
    plain_key(out, false, field);
    match v {
        Ok(x) => write_json(out, p, ty, x),
        Err(stop) => {
            out.push_str("null");
            plain_key(out, false, "stopped");
            write_str(out, &reason_text(p, *stop));
        }
    }
}

fn value_json(p: &Program, e: &Explanation, out: &mut String, step: &ValueStep) {
    let ty = p.values.get(step.value as usize).map(|v| &v.ty);
    out.push('{');
    plain_key(out, true, "value");
    write_str(out, value_name(p, step.value));
    outcome_json(p, out, &step.result, ty, "result");
    plain_key(out, false, "rules");
    out.push('[');
    for (i, r) in e.rules(step).iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        rule_json(p, e, out, r, ty);
    }
    out.push_str("]}");
}

/// The part of a rule step that depends only on the rule: `{"rule":…,"at":…,"cites":…,
/// "source":…` (unclosed). Explanations built by an evaluator carry these ready-made
/// (escaping long rule sources for every record was most of the cost of the JSON).
pub(crate) fn rule_head_json(p: &Program, r: ir::RuleId, out: &mut String) {
    out.push('{');
    plain_key(out, true, "rule");
    write_str(out, rule_name(p, r));
    if let Some(rule) = p.rules.get(r as usize) {
        plain_key(out, false, "at");
        out.push('"');
        write_escaped(out, &rule.origin.file);
        let _ = write!(out, ":{}\"", rule.origin.line);
        if let Some(c) = &rule.origin.clause {
            plain_key(out, false, "cites");
            write_str(out, c);
        }
        plain_key(out, false, "source");
        write_str(out, &rule.origin.source);
    }
}

fn rule_json(p: &Program, e: &Explanation, out: &mut String, step: &RuleStep, ty: Option<&Ty>) {
    match e.rule_head(step.rule) {
        Some(head) => out.push_str(head),
        None => rule_head_json(p, step.rule, out),
    }
    plain_key(out, false, "depth");
    let _ = write!(out, "{}", step.depth);
    plain_key(out, false, "outcome");
    let (name, other) = match &step.outcome {
        Outcome::Applied => ("applied", None),
        Outcome::Overridden { by } => ("overridden", Some(("by", *by))),
        Outcome::NotApplicable { .. } => ("not_applicable", None),
        Outcome::Beaten { by } => ("beaten", Some(("by", *by))),
        Outcome::Agreed { with } => ("agreed", Some(("with", *with))),
        Outcome::Conflict { with } => ("conflict", Some(("with", *with))),
        Outcome::NotReached => ("not_reached", None),
        Outcome::Stopped(_) => ("stopped", None),
    };
    write_str(out, name);
    if let Some((k, r)) = other {
        plain_key(out, false, k);
        write_str(out, rule_name(p, r));
    }
    if let Outcome::NotApplicable { conjunct } = &step.outcome {
        plain_key(out, false, "failed");
        write_str(out, conjunct_text(p, step.rule, *conjunct));
    }
    let reads = e.reads(step);
    if !reads.is_empty() {
        plain_key(out, false, "read");
        reads_json(p, e, out, reads);
    }
    if let Outcome::Stopped(stop) = &step.outcome {
        plain_key(out, false, "reason");
        write_str(out, &reason_text(p, *stop));
    }
    if let Some(v) = &step.value {
        outcome_json(p, out, v, ty, "value");
    }
    out.push('}');
}

fn reads_json(p: &Program, e: &Explanation, out: &mut String, reads: &[Read]) {
    out.push('{');
    let mut name = String::new();
    for (i, r) in reads.iter().enumerate() {
        name.clear();
        e.write_read_name(p, r, &mut name);
        key(out, i == 0, &name);
        match &r.value {
            Ok(v) => write_json(out, p, e.read_ty(p, r), v),
            Err(_) => out.push_str("null"),
        }
    }
    out.push('}');
}

fn conjunct_text(p: &Program, r: ir::RuleId, i: usize) -> &str {
    p.rules
        .get(r as usize)
        .and_then(|r| r.guard.as_ref())
        .and_then(|g| g.conjuncts.get(i))
        .map_or("", |c| c.text.as_str())
}

fn check_json(p: &Program, e: &Explanation, out: &mut String, s: &CheckStep) {
    out.push('{');
    plain_key(out, true, "check");
    write_str(out, p.checks.get(s.check as usize).map_or("", |c| &c.name));
    if let Some(ev) = &s.event {
        plain_key(out, false, "event");
        out.push('{');
        plain_key(out, true, "name");
        write_str(out, &e.read_name(p, ev));
        plain_key(out, false, "value");
        match &ev.value {
            Ok(v) => write_json(out, p, e.read_ty(p, ev), v),
            Err(_) => out.push_str("null"),
        }
        out.push('}');
    }
    if let Some(d) = s.deadline {
        plain_key(out, false, "deadline");
        out.push('"');
        write_instant(out, d);
        out.push('"');
    }
    plain_key(out, false, "as_of");
    out.push('"');
    write_instant(out, s.as_of);
    out.push('"');
    if let Some(x) = s.exempt {
        plain_key(out, false, "exempt");
        out.push_str(if x { "true" } else { "false" });
    }
    plain_key(out, false, "status");
    write_str(out, s.status.name());
    plain_key(out, false, "because");
    write_str(out, &because(p, e, s, format_instant));
    out.push('}');
}

/// One sentence: how the status follows from event, deadline, `as_of` and exemption.
pub fn because(p: &Program, e: &Explanation, s: &CheckStep, t: fn(i64) -> String) -> String {
    if let Some(stop) = s.stop {
        return reason_text(p, stop);
    }
    let event_name = s
        .event
        .as_ref()
        .map_or_else(|| "the event".to_string(), |ev| e.read_name(p, ev));
    let mut text = match (s.has_deadline, s.deadline) {
        (true, Some(d)) => {
            let actual = s.event.as_ref().and_then(|e| match e.value {
                Ok(Val::Instant(x)) => Some(x),
                _ => None,
            });
            match actual {
                Some(a) if a <= d => format!(
                    "{event_name} {} is at or before the deadline {}",
                    t(a),
                    t(d)
                ),
                Some(a) => format!("{event_name} {} is after the deadline {}", t(a), t(d)),
                None if s.as_of <= d => format!(
                    "{event_name} has not happened and as_of {} is at or before the deadline {}",
                    t(s.as_of),
                    t(d)
                ),
                None => format!(
                    "{event_name} has not happened and as_of {} is after the deadline {}",
                    t(s.as_of),
                    t(d)
                ),
            }
        }
        _ if s.has_violated => {
            if s.before_exempt == Status::Violated {
                "the violation condition holds".into()
            } else {
                "the violation condition does not hold".into()
            }
        }
        _ => "the check has no deadline or violation condition: ok unless exempt".into(),
    };
    match (s.exempt, s.status) {
        (Some(true), Status::Exempt) => {
            let _ = write!(
                text,
                "; the exemption holds, so `{}` becomes `exempt`",
                s.before_exempt.name()
            );
        }
        (Some(true), _) => text.push_str("; the exemption holds but does not change an `ok`"),
        _ => {}
    }
    if let Some(c) = s.compensation {
        let _ = write!(text, "; compensation {} CNY", format_decimal(c));
        if let Some(r) = s.compensation_rule {
            let _ = write!(text, " by {}", rule_name(p, r));
        }
    }
    text
}

/// A value for the tree: instants short, in Beijing time.
fn show(p: &Program, ty: Option<&Ty>, v: &Out<Val>) -> String {
    match v {
        Ok(Val::Instant(t)) => format_instant_short(*t),
        Ok(x) => render(p, ty, x),
        Err(stop) => format!("stopped: {}", reason_text(p, *stop)),
    }
}

/// Text from records (ids, strings, error messages) made safe for a terminal: every control
/// character (C0, DEL, C1: ESC sequences, CR/LF that would forge lines, BEL...) is written as
/// a `\u{..}` escape; everything else as is. Every human output goes through it.
pub fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

fn snippet(src: &str) -> String {
    let line = src
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut s: String = line.chars().take(100).collect();
    if s.len() < line.len() || src.trim().lines().count() > 1 {
        s.push('…');
    }
    s
}

/// Renders one record's verdict and explanation as an indented tree for people.
pub fn explain_tree(p: &Program, verdict: &Verdict, explanation: &Explanation) -> String {
    explain_tree_of(p, verdict, explanation, |_| true)
}

/// [`explain_tree`] of the findings whose check `keep` accepts (a failing policy test shows
/// the checks that failed, not every check of the record).
pub fn explain_tree_of(
    p: &Program,
    verdict: &Verdict,
    explanation: &Explanation,
    keep: impl Fn(ir::CheckId) -> bool,
) -> String {
    let mut out = String::new();
    let id = verdict
        .id
        .as_ref()
        .map_or_else(|| "(no id)".to_string(), ToString::to_string);
    let kind = p
        .kinds
        .get(verdict.kind as usize)
        .map_or("", |k| k.name.as_str());
    let _ = writeln!(
        out,
        "{} ({kind}) as of {}",
        escape_controls(&id),
        format_instant_short(verdict.as_of)
    );
    if verdict.findings.is_empty() {
        out.push_str("  no check applies\n");
    }
    for (f, e) in verdict.findings.iter().zip(explanation.findings()) {
        if !keep(f.check) {
            continue;
        }
        let name = p
            .checks
            .get(f.check as usize)
            .map_or("", |c| c.name.as_str());
        let _ = writeln!(out, "\n{name}: {}", f.status.name());
        let _ = writeln!(
            out,
            "  because {}",
            because(p, explanation, &e.check, format_instant_short)
        );
        let chain: Vec<&str> = verdict.rules(f).iter().map(|r| rule_name(p, *r)).collect();
        let sep = if f.status == Status::Conflict {
            " vs "
        } else {
            " → "
        };
        if !chain.is_empty() {
            let _ = writeln!(out, "  rules: {}", chain.join(sep));
        }
        for v in explanation.values(e) {
            tree_value(p, explanation, &mut out, v);
        }
    }
    out
}

fn tree_value(p: &Program, e: &Explanation, out: &mut String, step: &ValueStep) {
    let ty = p.values.get(step.value as usize).map(|v| &v.ty);
    let _ = writeln!(
        out,
        "  {} = {}",
        value_name(p, step.value),
        show(p, ty, &step.result)
    );
    for r in e.rules(step) {
        let pad = "  ".repeat(r.depth as usize + 2);
        let _ = write!(out, "{pad}{}", rule_name(p, r.rule));
        if let Some(rule) = p.rules.get(r.rule as usize) {
            let _ = write!(out, " ({}:{}", rule.origin.file, rule.origin.line);
            if let Some(c) = &rule.origin.clause {
                let _ = write!(out, ", cites {c}");
            }
            let _ = write!(out, ") `{}`", snippet(&rule.origin.source));
        }
        let facts: String = e
            .reads(r)
            .iter()
            .map(|x| {
                format!(
                    "{} = {}",
                    e.read_name(p, x),
                    show(p, e.read_ty(p, x), &x.value)
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        if let Some(v) = &r.value {
            if !facts.is_empty() {
                let _ = write!(out, " with {facts}");
            }
            let _ = write!(out, " → {}", show(p, ty, v));
        }
        let what = match &r.outcome {
            Outcome::Applied => "applied".to_string(),
            Outcome::Overridden { by } => format!("overridden by {}", rule_name(p, *by)),
            Outcome::NotApplicable { conjunct } => {
                let mut s = format!(
                    "not applicable: `{}` is false",
                    conjunct_text(p, r.rule, *conjunct)
                );
                if !facts.is_empty() {
                    let _ = write!(s, " ({facts})");
                }
                s
            }
            Outcome::Beaten { by } => format!("beaten by {} (priority)", rule_name(p, *by)),
            Outcome::Agreed { with } => format!("agrees with {}", rule_name(p, *with)),
            Outcome::Conflict { with } => format!("conflicts with {}", rule_name(p, *with)),
            Outcome::NotReached => "not reached (its parent does not apply)".to_string(),
            Outcome::Stopped(stop) => format!("stopped: {}", reason_text(p, *stop)),
        };
        let _ = writeln!(out, " → {what}");
    }
}
