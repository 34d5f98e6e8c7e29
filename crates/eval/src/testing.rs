//! Policy tests: JSON files of hand-derived expectations, run against a program.
//!
//! ```json
//! { "description": "...", "as_of": "2024-03-01T00:00:00+08:00",
//!   "defaults": { "kind": "order", "merchant_kind": "shop" },
//!   "cases": [ { "name": "...", "cites": "004 2.1.1", "as_of": "(optional override)",
//!                "record": { "id": "CNY-1", "paid_at": "...", "shipped_at": null },
//!                "expect": { "ship_check": { "status": "ok",
//!                                               "deadline": "2000-01-22T23:59:59+08:00",
//!                                               "rule": "holiday.extend" },
//!                            "close_check": "absent" } } ] }
//! ```
//!
//! `record` is shallow-merged over `defaults`. `expect` maps a check name to `"absent"` (the
//! check does not apply) or to an object with `status` (required) and optionally
//! `deadline`, `actual` (instants, compared as instants whatever their offset),
//! `compensation` (compared as decimals), `rule` (the last rule of the chain) and `rules`
//! (the whole chain). Checks not named are not asserted. `"expect_error": true` instead of
//! `expect` means the record must be rejected by decoding.
//!
//! A failing case reports expected against got first, then the explanation tree of the
//! checks that failed (of every check when the failure is not one check's). A
//! malformed file or case is reported with its place (file, case index) and counts as a
//! failure; nothing here panics. [`TestReport::render`] ends with `N passed, N failed`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ir::Status;
use serde_json::{Map, Value as Json};

use crate::decode::parse_decimal;
use crate::render::explain_tree_of;
use crate::time::{format_instant, parse_instant};
use crate::val::format_decimal;
use crate::verdict::rule_name;
use crate::{Evaluator, Finding, Verdict};

/// The results of one test file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// The file, as given.
    pub file: String,
    /// Its description.
    pub description: Option<String>,
    /// Why the file as a whole could not be run (counts as one failure).
    pub error: Option<String>,
    /// Its cases, in file order.
    pub cases: Vec<CaseReport>,
}

/// The result of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseReport {
    /// 0-based index in the file.
    pub index: usize,
    /// Its name.
    pub name: String,
    /// The clause it cites.
    pub cites: Option<String>,
    /// What did not match (empty: passed).
    pub failures: Vec<String>,
    /// The record's explanation tree, on failure.
    pub explanation: Option<String>,
}

impl CaseReport {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The results of a test run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestReport {
    /// One per file, in path order.
    pub files: Vec<FileReport>,
}

impl TestReport {
    /// Cases that passed.
    pub fn passed(&self) -> usize {
        self.files
            .iter()
            .flat_map(|f| &f.cases)
            .filter(|c| c.passed())
            .count()
    }

    /// Cases that failed, plus files that could not be run.
    pub fn failed(&self) -> usize {
        let cases = self
            .files
            .iter()
            .flat_map(|f| &f.cases)
            .filter(|c| !c.passed())
            .count();
        cases + self.files.iter().filter(|f| f.error.is_some()).count()
    }

    /// The report for people: one line per case, details of failures, and the closing
    /// line `N passed, N failed`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for f in &self.files {
            let _ = writeln!(out, "{}", f.file);
            if let Some(e) = &f.error {
                let _ = writeln!(out, "  ERROR {e}");
            }
            for c in &f.cases {
                let cites = c
                    .cites
                    .as_ref()
                    .map_or_else(String::new, |c| format!(" ({c})"));
                let mark = if c.passed() { "ok  " } else { "FAIL" };
                let _ = writeln!(out, "  {mark} {}{cites}", c.name);
                for fail in &c.failures {
                    let _ = writeln!(out, "       {fail}");
                }
                if let Some(e) = &c.explanation {
                    out.push_str("       explanation:\n");
                    for line in e.lines() {
                        if line.is_empty() {
                            out.push('\n');
                        } else {
                            let _ = writeln!(out, "         {line}");
                        }
                    }
                }
            }
        }
        let _ = writeln!(out, "{} passed, {} failed", self.passed(), self.failed());
        out
    }
}

/// Runs every `*.json` test file under `paths` (files, or folders searched recursively),
/// in sorted path order.
pub fn run_tests(ev: &Evaluator<'_>, paths: &[PathBuf]) -> TestReport {
    let mut files = Vec::new();
    let mut report = TestReport::default();
    for p in paths {
        if let Err(e) = collect(p, true, &mut files) {
            report.files.push(file_error(
                &p.display().to_string(),
                format!("cannot read: {e}"),
            ));
        }
    }
    files.sort();
    files.dedup();
    for f in files {
        report.files.push(run_test_file(ev, &f));
    }
    report
}

/// Test files under `p`: a file named explicitly is taken whatever its extension.
fn collect(p: &Path, top: bool, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if p.is_dir() {
        for entry in std::fs::read_dir(p)? {
            collect(&entry?.path(), false, out)?;
        }
    } else if top || p.extension().is_some_and(|e| e == "json") {
        out.push(p.to_path_buf());
    }
    Ok(())
}

fn file_error(file: &str, e: String) -> FileReport {
    FileReport {
        file: file.to_string(),
        description: None,
        error: Some(e),
        cases: Vec::new(),
    }
}

/// Runs one test file.
pub fn run_test_file(ev: &Evaluator<'_>, path: &Path) -> FileReport {
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => run_test_text(ev, &name, &text),
        Err(e) => file_error(&name, format!("cannot read: {e}")),
    }
}

/// Runs the test file `text`, reported under the name `file`.
pub fn run_test_text(ev: &Evaluator<'_>, file: &str, text: &str) -> FileReport {
    let json: Json = match serde_json::from_str(text) {
        Ok(j) => j,
        Err(e) => return file_error(file, format!("not valid JSON: {e}")),
    };
    let Some(top) = json.as_object() else {
        return file_error(file, "a test file must be a JSON object".into());
    };
    let description = top
        .get("description")
        .and_then(Json::as_str)
        .map(str::to_string);
    let defaults = match top.get("defaults") {
        None => Map::new(),
        Some(Json::Object(m)) => m.clone(),
        Some(_) => return file_error(file, "`defaults` must be an object".into()),
    };
    let as_of = match top.get("as_of") {
        None => None,
        Some(Json::String(s)) => match parse_instant(s) {
            Ok(t) => Some(t),
            Err(e) => return file_error(file, format!("`as_of`: {e}")),
        },
        Some(_) => return file_error(file, "`as_of` must be an instant string".into()),
    };
    let Some(cases) = top.get("cases").and_then(Json::as_array) else {
        return file_error(file, "missing `cases` (an array)".into());
    };
    let mut scratch = ev.scratch();
    let cases = cases
        .iter()
        .enumerate()
        .map(|(i, c)| run_case(ev, &mut scratch, i, c, &defaults, as_of))
        .collect();
    FileReport {
        file: file.to_string(),
        description,
        error: None,
        cases,
    }
}

fn run_case(
    ev: &Evaluator<'_>,
    scratch: &mut crate::Scratch,
    index: usize,
    case: &Json,
    defaults: &Map<String, Json>,
    file_as_of: Option<i64>,
) -> CaseReport {
    let name = case
        .get("name")
        .and_then(Json::as_str)
        .map_or_else(|| format!("case {index}"), str::to_string);
    let mut report = CaseReport {
        index,
        name: name.clone(),
        cites: case.get("cites").and_then(Json::as_str).map(str::to_string),
        failures: Vec::new(),
        explanation: None,
    };
    let malformed = |m: String| vec![format!("malformed case {index} ({name}): {m}")];
    let Some(case) = case.as_object() else {
        report.failures = malformed("a case must be an object".into());
        return report;
    };
    let as_of = match case.get("as_of") {
        Some(Json::String(s)) => match parse_instant(s) {
            Ok(t) => Some(t),
            Err(e) => {
                report.failures = malformed(format!("`as_of`: {e}"));
                return report;
            }
        },
        Some(_) => {
            report.failures = malformed("`as_of` must be an instant string".into());
            return report;
        }
        None => file_as_of,
    };
    let Some(as_of) = as_of else {
        report.failures = malformed("no `as_of` (in the case or the file)".into());
        return report;
    };
    let mut record = defaults.clone();
    match case.get("record") {
        Some(Json::Object(r)) => record.extend(r.iter().map(|(k, v)| (k.clone(), v.clone()))),
        _ => {
            report.failures = malformed("`record` must be an object".into());
            return report;
        }
    }
    let decoded = ev.decode(&Json::Object(record));
    let expect_error = case
        .get("expect_error")
        .and_then(Json::as_bool)
        .unwrap_or(false);
    let rec = match (decoded, expect_error) {
        (Err(_), true) => return report,
        (Ok(_), true) => {
            report
                .failures
                .push("expected the record to be rejected, but it was accepted".into());
            return report;
        }
        (Err(e), false) => {
            report
                .failures
                .push(format!("the record was rejected: {e}"));
            return report;
        }
        (Ok(r), false) => r,
    };
    let Some(Json::Object(expect)) = case.get("expect") else {
        report.failures = malformed("`expect` must be an object (or use `expect_error`)".into());
        return report;
    };
    let (verdict, explanation) = ev.evaluate_explained(scratch, &rec, as_of);
    // Each case also checks the evaluator against itself: plain evaluation takes shortcuts
    // that an explanation's does not (it walks every tree), and the two must agree.
    let plain = ev.evaluate(scratch, &rec, as_of);
    if plain != verdict {
        let (mut a, mut b) = (String::new(), String::new());
        plain.write_json(ev.program(), &mut a, None);
        verdict.write_json(ev.program(), &mut b, None);
        report.failures.push(format!(
            "internal error: evaluating without an explanation gives {a}, with one {b}"
        ));
    }
    // The checks whose expectations failed: the explanation shows those only (all of
    // them when the failure is not one check's).
    let mut failed = Vec::new();
    let general = report.failures.len();
    for (check, exp) in expect {
        let before = report.failures.len();
        if let Err(m) = compare(ev, &verdict, check, exp, &mut report.failures) {
            report.failures.extend(malformed(m));
        }
        if report.failures.len() > before {
            failed.extend(ev.program().check_by_name(check));
        }
    }
    if !report.passed() {
        let all = general > 0;
        report.explanation = Some(explain_tree_of(ev.program(), &verdict, &explanation, |c| {
            all || failed.contains(&c)
        }));
    }
    report
}

/// Compares one check's expectation; `Err` when the expectation itself is malformed.
fn compare(
    ev: &Evaluator<'_>,
    v: &Verdict,
    check: &str,
    exp: &Json,
    fails: &mut Vec<String>,
) -> Result<(), String> {
    let p = ev.program();
    if p.check_by_name(check).is_none() {
        return Err(format!("no check named `{check}` in the program"));
    }
    let finding = v.finding(p, check);
    let exp = match exp {
        Json::String(s) if s == "absent" => {
            if let Some(f) = finding {
                fails.push(format!("{check}: expected absent, got {}", f.status.name()));
            }
            return Ok(());
        }
        Json::Object(o) => o,
        _ => return Err(format!("`{check}`: expected \"absent\" or an object")),
    };
    let status = exp
        .get("status")
        .and_then(Json::as_str)
        .ok_or_else(|| format!("`{check}`: missing `status`"))?;
    let status =
        Status::from_name(status).ok_or_else(|| format!("`{check}`: unknown status `{status}`"))?;
    for k in exp.keys() {
        if ![
            "status",
            "deadline",
            "actual",
            "compensation",
            "rule",
            "rules",
        ]
        .contains(&k.as_str())
        {
            return Err(format!("`{check}`: unknown expectation `{k}`"));
        }
    }
    let Some(f) = finding else {
        fails.push(format!(
            "{check}: expected {}, got absent (the check does not apply)",
            status.name()
        ));
        return Ok(());
    };
    if f.status != status {
        let mut m = format!(
            "{check}.status: expected {}, got {}",
            status.name(),
            f.status.name()
        );
        if let Some(stop) = f.stop {
            let _ = write!(m, " ({})", crate::verdict::reason_text(p, stop));
        }
        fails.push(m);
    }
    for (k, got) in [("deadline", f.deadline), ("actual", f.actual)] {
        let Some(e) = exp.get(k) else { continue };
        let want = match e {
            Json::Null => None,
            Json::String(s) => Some(parse_instant(s).map_err(|m| format!("`{check}.{k}`: {m}"))?),
            _ => return Err(format!("`{check}.{k}`: expected an instant string or null")),
        };
        if want != got {
            let show = |t: Option<i64>| t.map_or_else(|| "none".to_string(), format_instant);
            fails.push(format!(
                "{check}.{k}: expected {}, got {}",
                show(want),
                show(got)
            ));
        }
    }
    compare_rest(p, v, f, check, exp, fails)
}

fn compare_rest(
    p: &ir::Program,
    v: &Verdict,
    f: &Finding,
    check: &str,
    exp: &Map<String, Json>,
    fails: &mut Vec<String>,
) -> Result<(), String> {
    if let Some(e) = exp.get("compensation") {
        let want = match e {
            Json::Null => None,
            Json::String(s) => {
                Some(parse_decimal(s).map_err(|m| format!("`{check}.compensation`: {m}"))?)
            }
            Json::Number(n) => Some(
                parse_decimal(&n.to_string())
                    .map_err(|m| format!("`{check}.compensation`: {m}"))?,
            ),
            _ => {
                return Err(format!(
                    "`{check}.compensation`: expected a decimal string or null"
                ))
            }
        };
        if want != f.compensation {
            let show = |d: Option<rust_decimal::Decimal>| {
                d.map_or_else(|| "none".to_string(), format_decimal)
            };
            fails.push(format!(
                "{check}.compensation: expected {}, got {}",
                show(want),
                show(f.compensation)
            ));
        }
    }
    let chain: Vec<&str> = v.rules(f).iter().map(|r| rule_name(p, *r)).collect();
    if let Some(e) = exp.get("rule") {
        let want = e
            .as_str()
            .ok_or_else(|| format!("`{check}.rule`: expected a rule id string"))?;
        if chain.last() != Some(&want) {
            fails.push(format!(
                "{check}.rule: expected {want}, got {}",
                chain.last().unwrap_or(&"none")
            ));
        }
    }
    if let Some(e) = exp.get("rules") {
        let want: Option<Vec<&str>> = e
            .as_array()
            .and_then(|a| a.iter().map(Json::as_str).collect());
        let want = want.ok_or_else(|| format!("`{check}.rules`: expected an array of rule ids"))?;
        if want != chain {
            fails.push(format!(
                "{check}.rules: expected [{}], got [{}]",
                want.join(", "),
                chain.join(", ")
            ));
        }
    }
    Ok(())
}
