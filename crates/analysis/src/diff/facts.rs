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

/// Counts of a streamed behavioural diff (the changed records went to the callback).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Records read.
    pub records: usize,
    /// Records that could not be evaluated (line, message).
    pub errors: Vec<(usize, String)>,
    /// Records whose verdict changes.
    pub changed: usize,
    /// Per check: how many records' findings changed.
    pub per_check: BTreeMap<String, usize>,
    /// Per check: violations gained and lost, and the change of what is owed.
    pub deltas: BTreeMap<String, Delta>,
}

/// How one check's findings move over the records.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Delta {
    /// Records violated now and not before.
    pub new_violations: usize,
    /// Records violated before and not now.
    pub removed_violations: usize,
    /// The sum of compensations now minus before (CNY).
    pub compensation: rust_decimal::Decimal,
}

impl Delta {
    fn add(&mut self, before: Option<&Outcome>, after: Option<&Outcome>) {
        let violated = |o: Option<&Outcome>| o.is_some_and(|o| o.status == "violated");
        match (violated(before), violated(after)) {
            (false, true) => self.new_violations += 1,
            (true, false) => self.removed_violations += 1,
            _ => {}
        }
        let owed = |o: Option<&Outcome>| {
            o.and_then(|o| o.compensation.as_deref())
                .and_then(|c| c.parse::<rust_decimal::Decimal>().ok())
                .unwrap_or_default()
        };
        self.compensation += owed(after) - owed(before);
    }
}

/// Evaluates every NDJSON line with both programs.
pub fn diff(old: &Program, new: &Program, ndjson: &str) -> FactsDiff {
    let mut changed = Vec::new();
    match stream(old, new, ndjson.as_bytes(), |c| changed.push(c)) {
        Ok(s) => FactsDiff {
            records: s.records,
            errors: s.errors,
            changed,
            per_check: s.per_check,
        },
        Err(e) => FactsDiff {
            errors: vec![(0, e)],
            ..FactsDiff::default()
        },
    }
}

/// Streams records (NDJSON or a JSON array) through both programs, handing each record
/// whose verdict changes to `each`; nothing else is kept, so memory does not grow with the
/// input. Each record is decoded once when the new schema only adds to the old one (the
/// old program is read over the union), and findings are compared as numbers and rule ids
/// — text is built only for the records that change.
pub fn stream<R: std::io::BufRead>(
    old: &Program,
    new: &Program,
    input: R,
    mut each: impl FnMut(Changed),
) -> Result<Summary, String> {
    let unified = crate::schema::unify(old, new);
    let shared = unified.is_ok();
    let old = unified.as_ref().unwrap_or(old);
    let eo = eval::Evaluator::new(old).map_err(|e| e.to_string())?;
    let en = eval::Evaluator::new(new).map_err(|e| e.to_string())?;
    let (mut so, mut sn) = (eo.scratch(), en.scratch());
    let (mut vo, mut vn) = (eval::Verdict::default(), eval::Verdict::default());
    // Old ids → new ids, by name.
    let check_map: Vec<Option<ir::CheckId>> = old
        .checks
        .iter()
        .map(|c| new.check_by_name(&c.name))
        .collect();
    let new_rules: std::collections::HashMap<&str, ir::RuleId> = new
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i as ir::RuleId))
        .collect();
    let rule_map: Vec<Option<ir::RuleId>> = old
        .rules
        .iter()
        .map(|r| new_rules.get(r.id.as_str()).copied())
        .collect();
    let mut out = Summary::default();
    let mut rec_old = None;
    for item in eval::input::records(input) {
        let item = item.map_err(|e| format!("cannot read the records: {e}"))?;
        out.records += 1;
        let line = usize::try_from(item.line).unwrap_or(usize::MAX);
        let json = match item.json {
            Ok(j) => j,
            Err(e) => {
                out.errors.push((line, e));
                continue;
            }
        };
        let rec = match en.decode(&json) {
            Ok(r) => r,
            Err(e) => {
                out.errors.push((line, e.to_string()));
                continue;
            }
        };
        if !shared {
            match eo.decode(&json) {
                Ok(r) => rec_old = Some(r),
                Err(e) => {
                    out.errors.push((line, e.to_string()));
                    continue;
                }
            }
        }
        en.evaluate_into(&mut sn, &rec, verify::AS_OF, &mut vn);
        eo.evaluate_into(
            &mut so,
            rec_old.as_ref().unwrap_or(&rec),
            verify::AS_OF,
            &mut vo,
        );
        if same(&vo, &vn, &check_map, &rule_map) {
            continue;
        }
        let (a, b) = (verify::outcomes(old, &vo), verify::outcomes(new, &vn));
        let mut names: Vec<&String> = a.iter().chain(&b).map(|o| &o.check).collect();
        names.sort();
        names.dedup();
        let (mut before, mut after) = (Vec::new(), Vec::new());
        for n in names {
            let x = a.iter().find(|o| &o.check == n);
            let y = b.iter().find(|o| &o.check == n);
            if x != y {
                *out.per_check.entry(n.clone()).or_default() += 1;
                out.deltas.entry(n.clone()).or_default().add(x, y);
                before.extend(x.cloned());
                after.extend(y.cloned());
            }
        }
        if !before.is_empty() || !after.is_empty() {
            out.changed += 1;
            each(Changed {
                line,
                id: json.get("id").cloned(),
                before,
                after,
            });
        }
    }
    Ok(out)
}

/// Whether two verdicts have the same findings (by check name, rule id).
fn same(
    a: &eval::Verdict,
    b: &eval::Verdict,
    checks: &[Option<ir::CheckId>],
    rules: &[Option<ir::RuleId>],
) -> bool {
    if a.findings.len() != b.findings.len() {
        return false;
    }
    a.findings.iter().all(|f| {
        let Some(c) = checks.get(f.check as usize).copied().flatten() else {
            return false;
        };
        let Some(g) = b.findings.iter().find(|g| g.check == c) else {
            return false;
        };
        let (ra, rb) = (a.rules(f), b.rules(g));
        f.status == g.status
            && f.deadline == g.deadline
            && f.compensation == g.compensation
            && ra.len() == rb.len()
            && ra
                .iter()
                .zip(rb)
                .all(|(x, y)| rules.get(*x as usize).copied().flatten() == Some(*y))
    })
}
