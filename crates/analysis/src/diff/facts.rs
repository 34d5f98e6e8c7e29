//! The behavioural diff: real records (NDJSON) evaluated by both versions.

use std::collections::BTreeMap;

use ir::Program;
use serde::Serialize;

use crate::verify::{self, Outcome};

/// One record whose verdict changes.
#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    /// 1-based line of the record.
    pub line: usize,
    /// The record's `id`, when it has one.
    pub id: Option<serde_json::Value>,
    /// The old findings of the checks that changed.
    pub before: Vec<Outcome>,
    /// The new findings of the checks that changed.
    pub after: Vec<Outcome>,
}

/// The result of a behavioural diff.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FactsDiff {
    /// Records read.
    pub records: usize,
    /// Records that could not be evaluated (line, message).
    pub errors: Vec<(usize, String)>,
    /// Records whose verdict changes.
    pub changed: Vec<Changed>,
    /// Per check: how many records' findings changed.
    pub per_check: BTreeMap<String, usize>,
}

/// Evaluates every NDJSON line with both programs.
pub fn diff(old: &Program, new: &Program, ndjson: &str) -> FactsDiff {
    let mut out = FactsDiff::default();
    for (i, line) in ndjson.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        out.records += 1;
        let rec: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                out.errors.push((i + 1, e.to_string()));
                continue;
            }
        };
        let (a, b) = match (verify::evaluate(old, &rec), verify::evaluate(new, &rec)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                out.errors.push((i + 1, e));
                continue;
            }
        };
        let mut names: Vec<&String> = a.iter().chain(&b).map(|o| &o.check).collect();
        names.sort();
        names.dedup();
        let (mut before, mut after) = (Vec::new(), Vec::new());
        for n in names {
            let x = a.iter().find(|o| &o.check == n);
            let y = b.iter().find(|o| &o.check == n);
            if x != y {
                *out.per_check.entry(n.clone()).or_default() += 1;
                before.extend(x.cloned());
                after.extend(y.cloned());
            }
        }
        if !before.is_empty() || !after.is_empty() {
            out.changed.push(Changed {
                line: i + 1,
                id: rec.get("id").cloned(),
                before,
                after,
            });
        }
    }
    out
}
