//! Scale of `edict check`, `edict lint` and `edict diff` on generated policy sets: the
//! targets of issue 21 (BENCHMARKS.md, "Analysis at scale"). Each case prints its size, its
//! wall time and the target.
//!
//! `cargo run --release -p edict-bench --bin analysis_scale [CASE…]` (cases: `priority`,
//! `values`, `lint`, `windows`, `announcement`, `ship_within`; default: all).

use std::time::Instant;

const SCHEMA: &str = r#"
enum Cat { a, b, c }
fact item {
  id: string
  cat: Cat
  start: instant
  done: instant?
}
"#;

/// `YYYY-MM-DD` of day `d` after 2020-01-01.
fn day(d: u32) -> String {
    let us = 1_577_808_000_000_000i64 + i64::from(d) * 86_400_000_000;
    analysis::render::instant(us)[..10].to_string()
}

fn header() -> String {
    "announcement p \"t\" { source \"t\" }\ncheck late cites \"1\" {\n  after item.start\n  event item.done\n  deadline = base_deadline\n  exempt = false\n}\nvalue base_deadline: instant cites \"1\" = item.start + 12h\n".to_string()
}

/// `n` exceptions on one value; window `i` covers days `[i*step, i*step+len]`.
fn windows(n: u32, step: u32, len: u32, hours: impl Fn(u32) -> u32) -> String {
    let mut s = header();
    for i in 0..n {
        s.push_str(&format!(
            "exception base_deadline as e{i} cites \"2\" {{\n  when item.start in [{} 00:00:00, {} 23:59:59]\n  then item.start + {}h\n}}\n",
            day(i * step),
            day(i * step + len),
            hours(i)
        ));
    }
    s
}

fn inputs(policy: String) -> Vec<(String, String)> {
    vec![
        ("s.edict".to_string(), SCHEMA.to_string()),
        ("p.edict".to_string(), policy),
    ]
}

fn checked(inputs: &[(String, String)]) -> (check::Checked, f64) {
    let t = Instant::now();
    let c = check::check(inputs);
    let secs = t.elapsed().as_secs_f64();
    if c.program.is_none() {
        eprintln!("{:#?}", &c.diagnostics[..c.diagnostics.len().min(3)]);
        std::process::exit(2);
    }
    (c, secs)
}

fn program(inputs: &[(String, String)]) -> ir::Program {
    checked(inputs)
        .0
        .program
        .unwrap_or_else(|| std::process::exit(2))
}

fn report(case: &str, secs: f64, target: &str, note: &str) {
    println!("{case:<58} {secs:>8.3} s   (target {target}) {note}");
}

fn priority_chain(n: u32) {
    let mut s = windows(n, 0, 30, |i| 24 + i % 48);
    let chain: Vec<String> = (0..n).map(|i| format!("e{i}")).collect();
    s.push_str(&format!("priority {}\n", chain.join(" > ")));
    let (_, secs) = checked(&inputs(s));
    report(
        &format!("check: priority chain of {n} levels"),
        secs,
        "< 2 s",
        "",
    );
}

fn many_values(n: u32) {
    let mut s = header();
    for i in 0..n {
        let prev = if i == 0 {
            "item.start".to_string()
        } else {
            format!("v{}", i - 1)
        };
        s.push_str(&format!("value v{i}: instant cites \"1\" = {prev} + 1h\n"));
    }
    let bytes = s.len();
    let (_, secs) = checked(&inputs(s));
    report(
        &format!("check: {n} values ({:.1} MB)", bytes as f64 / 1e6),
        secs,
        "< 2 s",
        "",
    );
}

fn lint_siblings(n: u32, overlapping: bool) {
    // Overlapping: every window spans 40 days and starts a day after the previous one,
    // ordered by a priority chain; disjoint: one day each.
    let mut s = if overlapping {
        windows(n, 1, 40, |i| 24 + i % 48)
    } else {
        windows(n, 2, 0, |i| 24 + i % 48)
    };
    if overlapping {
        let chain: Vec<String> = (0..n).map(|i| format!("e{i}")).collect();
        s.push_str(&format!("priority {}\n", chain.join(" > ")));
    }
    let (c, _) = checked(&inputs(s));
    let t = Instant::now();
    let d = analysis::lint::lint(&c, Some(&analysis::verify::EvalVerifier));
    let secs = t.elapsed().as_secs_f64();
    let what = if overlapping {
        "overlapping (priority chain)"
    } else {
        "disjoint"
    };
    report(
        &format!("lint: {n} {what} siblings"),
        secs,
        "< 5 s",
        &format!("{} diagnostics", d.len()),
    );
}

fn diff_one_window(n: u32) {
    let old = program(&inputs(windows(n, 2, 0, |i| 24 + i % 48)));
    let new = program(&inputs(windows(n, 2, 0, |i| {
        if i == n / 2 {
            200
        } else {
            24 + i % 48
        }
    })));
    let t = Instant::now();
    let r = analysis::diff::diff(&old, &new);
    let secs = t.elapsed().as_secs_f64();
    let regions: usize = r.values.iter().map(|v| v.regions.len()).sum();
    let incomplete = r.values.iter().any(|v| v.incomplete.is_some());
    report(
        &format!("diff: one of {n} disjoint windowed exceptions changed"),
        secs,
        "< 2 s",
        &format!("{regions} regions, complete: {}", !incomplete),
    );
}

fn policies() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "edict") {
            let name = format!(
                "policies/{}",
                p.file_name().unwrap_or_default().to_string_lossy()
            );
            out.push((name, std::fs::read_to_string(&p).unwrap_or_default()));
        }
    }
    out.sort();
    out
}

/// A festival extension of the shipped kind: +24h for paid-in-window shop/spot orders, 48h
/// more for five remote provinces, 48h collection, capped compensation.
// (The policy text lives beside the criterion benches: engine sources name no check.)
const FESTIVAL: &str = include_str!("../../benches/festival2025.edict");

fn diff_announcement() {
    let old = program(&policies());
    let mut with = policies();
    with.push((
        "policies/festival2025.edict".to_string(),
        FESTIVAL.to_string(),
    ));
    let new = program(&with);
    let t = Instant::now();
    let r = analysis::diff::diff(&old, &new);
    let secs = t.elapsed().as_secs_f64();
    let regions: usize = r.values.iter().map(|v| v.regions.len()).sum();
    let incomplete = r.values.iter().any(|v| v.incomplete.is_some());
    report(
        "diff: policies/ + one festival announcement",
        secs,
        "< 2 s",
        &format!("{regions} regions, complete: {}", !incomplete),
    );
}

fn diff_ship_within() {
    let old = program(&policies());
    let changed: Vec<(String, String)> = policies()
        .into_iter()
        .map(|(n, t)| {
            let t = t.replace(
                "value ship_within: duration cites \"二\" = 48h",
                "value ship_within: duration cites \"二\" = 47h",
            );
            (n, t)
        })
        .collect();
    let new = program(&changed);
    let t = Instant::now();
    let r = analysis::diff::diff(&old, &new);
    let secs = t.elapsed().as_secs_f64();
    let regions: usize = r.values.iter().map(|v| v.regions.len()).sum();
    report(
        "diff: policies/ with ship_within 48h -> 47h",
        secs,
        "-",
        &format!("{regions} regions"),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let want = |c: &str| args.is_empty() || args.iter().any(|a| a == c);
    if want("priority") {
        for n in [1_000, 3_000] {
            priority_chain(n);
        }
    }
    if want("values") {
        for n in values_sizes() {
            many_values(n);
        }
    }
    if want("lint") {
        for n in lint_sizes() {
            lint_siblings(n, true);
        }
        lint_siblings(3_000, false);
    }
    if want("windows") {
        for n in [80, 300, 1_000] {
            diff_one_window(n);
        }
    }
    if want("announcement") {
        diff_announcement();
    }
    if want("ship_within") {
        diff_ship_within();
    }
}

/// `EDICT_VALUES=N` measures one size only.
fn values_sizes() -> Vec<u32> {
    match std::env::var("EDICT_VALUES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(n) => vec![n],
        None => vec![10_000, 60_000],
    }
}

/// `EDICT_SIBLINGS=N` measures one size only.
fn lint_sizes() -> Vec<u32> {
    match std::env::var("EDICT_SIBLINGS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(n) => vec![n],
        None => vec![300, 1_000, 3_000],
    }
}
