//! One rule in three engines, on the same pre-parsed records.
//!
//! The rule (the shape of most announcements): *an order must ship within 48 hours of
//! payment, except orders paid inside a window, whose deadline is a fixed instant; report
//! the deadline, whether it was met (`ok`, `violated`, or `pending` while unshipped and not
//! yet due at `as_of`), and which rule decided.*
//!
//! - **Edict**: a schema, a base definition, one windowed exception and a check
//!   ([`EDICT_SCHEMA`], [`EDICT_POLICY`]), compiled once; records decoded once. Without
//!   explanations ([`eval::Evaluator::evaluate_into`]) and with them
//!   ([`eval::Evaluator::evaluate_explained`]).
//! - **zen-engine**: a decision table (hit policy `first`: the window row, then the
//!   default row), built and compiled once; records converted to `Variable`s once;
//!   evaluated with trace off and on.
//! - **datalogic-rs**: a JSONLogic rule compiled once; records parsed once into
//!   `ParsedData`; evaluated in a reused session (and, as an extra point, traced).
//!
//! Instants are µs in Edict and Unix seconds in the other two (JSON numbers), each
//! engine's natural form. [`Case::expected`] is the rule computed by hand; the tests check
//! that all three engines agree with it on every record.

use std::sync::Arc;

use datagen::Rng;
use datalogic_rs::{Engine, Logic, ParsedData};
use serde_json::{json, Value as Json};
use zen_engine::model::GraphContent;
use zen_engine::{Decision, EvaluationOptions, Variable};

/// Window start: 2024-02-02 00:00:00 +08:00, Unix seconds.
pub const WINDOW_FROM: i64 = 1_706_803_200;
/// Window end: 2024-02-20 23:59:59 +08:00.
pub const WINDOW_TO: i64 = 1_708_444_799;
/// The fixed deadline inside the window: 2024-02-22 23:59:59 +08:00.
pub const FIXED: i64 = 1_708_617_599;
/// The judging instant: 2024-03-01 00:00:00 +08:00.
pub const AS_OF: i64 = 1_709_222_400;
/// 48 hours in seconds.
pub const WITHIN: i64 = 48 * 3600;

/// Edict's schema for the comparison.
pub const EDICT_SCHEMA: &str = "\
fact order {
  id: string
  paid_at: instant
  shipped_at: instant?
}
";

/// Edict's policy for the comparison.
pub const EDICT_POLICY: &str = "\
announcement peer \"peer comparison\" {
  source \"edict-peer-bench\"
}

value ship_by: instant cites \"1\" = order.paid_at + 48h

exception ship_by as festival cites \"2\" {
  when order.paid_at in [2024-02-02 00:00:00, 2024-02-20 23:59:59]
  then 2024-02-22 23:59:59
}

check ship_deadline cites \"1\" {
  event order.shipped_at
  deadline = ship_by
}
";

/// One order of the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    /// Payment, Unix seconds.
    pub paid_at: i64,
    /// Upload of the tracking number, if any.
    pub shipped_at: Option<i64>,
}

/// What every engine must say about a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The deadline, Unix seconds.
    pub deadline: i64,
    /// `ok`, `violated` or `pending`.
    pub status: String,
    /// `festival` (the window's rule) or `base` (48 hours).
    pub rule: String,
}

impl Case {
    /// The rule, by hand.
    pub fn expected(&self) -> Outcome {
        let festival = (WINDOW_FROM..=WINDOW_TO).contains(&self.paid_at);
        let deadline = if festival {
            FIXED
        } else {
            self.paid_at + WITHIN
        };
        let status = match self.shipped_at {
            Some(s) if s <= deadline => "ok",
            Some(_) => "violated",
            None if AS_OF <= deadline => "pending",
            None => "violated",
        };
        Outcome {
            deadline,
            status: status.into(),
            rule: if festival { "festival" } else { "base" }.into(),
        }
    }

    /// The case as JSON with instants in Unix seconds (zen-engine, datalogic-rs).
    pub fn json_seconds(&self) -> Json {
        json!({ "paid_at": self.paid_at, "shipped_at": self.shipped_at, "as_of": AS_OF })
    }

    /// The case as an Edict order record.
    pub fn json_edict(&self, id: usize) -> Json {
        let t = |s: i64| eval::format_instant(s * 1_000_000);
        json!({ "kind": "order", "id": format!("P{id}"), "paid_at": t(self.paid_at),
                "shipped_at": self.shipped_at.map(t) })
    }
}

/// `n` cases from `seed`: payments from 2024-01-20 to 2024-03-01 (about 40% inside the
/// window), 80% shipped 1 to 100 hours later.
pub fn cases(seed: u64, n: usize) -> Vec<Case> {
    (0..n)
        .map(|i| {
            let mut rng = Rng::for_record(seed, i as u64);
            let paid_at = rng.range(1_705_680_000, AS_OF);
            let shipped_at = rng
                .chance(80)
                .then(|| paid_at + rng.range(3600, 100 * 3600));
            Case {
                paid_at,
                shipped_at,
            }
        })
        .collect()
}

/// Why a set-up step failed.
pub type Error = Box<dyn std::error::Error>;

/// Edict: the compiled program.
pub fn edict_program() -> Result<ir::Program, Error> {
    let files = vec![
        ("schema.edict".to_string(), EDICT_SCHEMA.to_string()),
        ("peer.edict".to_string(), EDICT_POLICY.to_string()),
    ];
    let checked = check::check(&files);
    checked.program.ok_or_else(|| {
        format!(
            "the comparison policy does not compile: {:?}",
            checked.diagnostics.first()
        )
        .into()
    })
}

/// Edict: decoded records.
pub fn edict_records(ev: &eval::Evaluator<'_>, cases: &[Case]) -> Result<Vec<eval::Record>, Error> {
    cases
        .iter()
        .enumerate()
        .map(|(i, c)| ev.decode(&c.json_edict(i)).map_err(Into::into))
        .collect()
}

/// Edict's outcome of one verdict (one finding).
pub fn edict_outcome(p: &ir::Program, v: &eval::Verdict) -> Option<Outcome> {
    let f = v.findings.first()?;
    let rule = v
        .rules(f)
        .last()
        .and_then(|r| p.rules.get(*r as usize))
        .map(|r| r.id.as_str())?;
    Some(Outcome {
        deadline: f.deadline? / 1_000_000,
        status: f.status.name().into(),
        rule: if rule == "peer.festival" {
            "festival"
        } else {
            "base"
        }
        .into(),
    })
}

/// zen-engine: the decision table, built and compiled.
pub fn zen_decision() -> Result<Decision, Error> {
    let status = |d: &str| {
        format!(
            "shipped_at == null ? (as_of > {d} ? 'violated' : 'pending') : (shipped_at > {d} ? 'violated' : 'ok')"
        )
    };
    let base = "paid_at + 172800";
    let graph = json!({
        "nodes": [
            { "id": "in", "name": "request", "type": "inputNode", "content": {} },
            { "id": "dt", "name": "deadline", "type": "decisionTableNode", "content": {
                "hitPolicy": "first",
                "inputs": [ { "id": "p", "name": "Paid at", "field": "paid_at" } ],
                "outputs": [
                    { "id": "d", "name": "Deadline", "field": "deadline" },
                    { "id": "s", "name": "Status", "field": "status" },
                    { "id": "r", "name": "Rule", "field": "rule" }
                ],
                "rules": [
                    { "_id": "festival", "p": format!("[{WINDOW_FROM}..{WINDOW_TO}]"),
                      "d": FIXED.to_string(), "s": status(&FIXED.to_string()), "r": "'festival'" },
                    { "_id": "base", "p": "",
                      "d": base, "s": status(base), "r": "'base'" }
                ]
            } },
            { "id": "out", "name": "response", "type": "outputNode", "content": {} }
        ],
        "edges": [
            { "id": "e1", "sourceId": "in", "targetId": "dt" },
            { "id": "e2", "sourceId": "dt", "targetId": "out" }
        ]
    });
    let content: GraphContent = serde_json::from_value(graph)?;
    let mut decision = Decision::from(Arc::new(content));
    decision.compile();
    Ok(decision)
}

/// zen-engine: one evaluation (the future never waits: decision tables are synchronous).
pub fn zen_eval(decision: &Decision, input: &Variable, trace: bool) -> Result<Json, Error> {
    let opts = EvaluationOptions {
        trace,
        max_depth: 5,
    };
    let response = pollster::block_on(decision.evaluate_with_opts(input.clone(), opts))
        .map_err(|e| format!("zen-engine: {e:?}"))?;
    Ok(response.result.to_value())
}

/// An outcome from a JSON object with `deadline`, `status`, `rule`.
pub fn json_outcome(j: &Json) -> Option<Outcome> {
    Some(Outcome {
        deadline: j.get("deadline")?.as_f64()? as i64,
        status: j.get("status")?.as_str()?.into(),
        rule: j.get("rule")?.as_str()?.into(),
    })
}

/// datalogic-rs: the rule, as JSONLogic; it yields `[deadline, status, rule]`.
pub fn datalogic_rule() -> String {
    let status = |d: &Json| {
        json!({"if": [
            {"==": [{"var": "shipped_at"}, null]},
            {"if": [{">": [{"var": "as_of"}, d]}, "violated", "pending"]},
            {"if": [{">": [{"var": "shipped_at"}, d]}, "violated", "ok"]}
        ]})
    };
    let fixed = json!(FIXED);
    let base = json!({"+": [{"var": "paid_at"}, WITHIN]});
    json!({"if": [
        {"<=": [WINDOW_FROM, {"var": "paid_at"}, WINDOW_TO]},
        [fixed, status(&fixed), "festival"],
        [base, status(&base), "base"]
    ]})
    .to_string()
}

/// datalogic-rs: the engine and the compiled rule.
pub fn datalogic() -> Result<(Engine, Logic), Error> {
    let engine = Engine::new();
    let logic = engine
        .compile(datalogic_rule().as_str())
        .map_err(|e| format!("datalogic-rs: {e}"))?;
    Ok((engine, logic))
}

/// datalogic-rs: records parsed once.
pub fn datalogic_records(cases: &[Case]) -> Result<Vec<ParsedData>, Error> {
    cases
        .iter()
        .map(|c| {
            ParsedData::from_json(&c.json_seconds().to_string()).map_err(|e| e.to_string().into())
        })
        .collect()
}

/// An outcome from datalogic's `[deadline, status, rule]` (as JSON text).
pub fn datalogic_outcome(text: &str) -> Option<Outcome> {
    let j: Json = serde_json::from_str(text).ok()?;
    let [d, s, r] = j.as_array()?.as_slice() else {
        return None;
    };
    Some(Outcome {
        deadline: d.as_f64()? as i64,
        status: s.as_str()?.into(),
        rule: r.as_str()?.into(),
    })
}
