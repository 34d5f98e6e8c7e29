//! Policy sets of random shapes, over the shipped schema: what the evaluator's fast paths
//! are compared against the reference walk on, and what "speed that does not depend on
//! today's policies" is measured with.
//!
//! [`random_set`]`(seed, n)` is the schema, a generated baseline and `n` announcement files.
//! The baseline has the shapes a rule set is made of — a constant, a value computed from
//! facts, dated versions guarded by windows, aliases layered two deep with exceptions of
//! their own, a boolean region test, an optional aggregate, deadline checks with dated
//! deadline versions, compensations, an exemption, a condition check, a check without
//! requirement, a status read — and each announcement adds one to four exceptions to random
//! targets (values, rule labels, check components), guarded by random conjunctions of
//! windows on instant fields, enum and region sets, money and day thresholds, booleans,
//! optionals, memoized flags, deadline comparisons and status reads, with exceptions to
//! exceptions up to four deep and random `priority` lines between siblings. Conflicts,
//! undefined values and stops are part of the mix: they are outcomes to compare too.
//!
//! The same seed gives the same files. Every generated set checks (a test holds it).

use std::fmt::Write as _;

use crate::rng::Rng;

/// The shipped schema: generated sets judge the same records as the shipped policies.
pub const SCHEMA: &str = include_str!("../../../policies/schema.edict");

/// The generated baseline (see the module doc).
pub const BASE: &str = r#"announcement base "generated baseline" {}

value window: duration cites "1" = 48h
value ship_by: instant cites "1" = order.paid_at + window
value layered_by: instant cites "1" = ship_by
value assessed_by: instant cites "1" = layered_by

value normal_by: instant as v_old cites "2" when order.paid_at < 2023-01-01 = order.paid_at + 72h
value normal_by: instant as v_new cites "2" when order.paid_at >= 2023-01-01 = order.paid_at + 48h

value listed: bool cites "3" = order.sender_region in regions { "新疆维吾尔自治区", "贵州省遵义市", "内蒙古自治区呼和浩特市" }
value approved_latest: instant? cites "4"
  = max(r.latest_ship_at for r in order.reports where r.status == approved)

exception assessed_by as approved cites "4" {
  when approved_latest is some
  then max(overridden, approved_latest)
}

check c_ship cites "5" {
  event order.shipped_at
  deadline = assessed_by
  compensation = round(order.order_paid * 5%, 1 CNY)
}

check c_normal cites "5" {
  event order.shipped_at
  deadline = normal_by
}

check c_collect cites "6" {
  after order.shipped_at
  event order.collected_at
  deadline as c_old cites "6" when order.paid_at < 2023-01-01 = order.paid_at + 72h
  deadline as c_new cites "6" when order.paid_at >= 2023-01-01 = order.shipped_at + 24h
  compensation = round(order.order_paid * 5%, 1 CNY)
}

exception c_collect.compensation as once cites "6" {
  when c_ship.status == violated
  then 0 CNY
}

check c_transit cites "7" {
  after order.collected_at
  event order.first_transit_at
  deadline = order.collected_at + 24h
}

check c_before cites "8" {
  after order.collected_at
  violated = order.collected_at < order.paid_at
}

check c_score cites "9" {
  applies when order.paid_at >= 2022-01-09 00:00:00
  exempt = order.collected_at is some and order.collected_at - order.paid_at > 72h
}
"#;

/// What a generated exception can target, and its type.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ty {
    Instant,
    Bool,
    Money,
}

/// Targets in the baseline: (name as written from another file, type, facts known there).
const TARGETS: &[(&str, Ty, Known)] = &[
    ("base.ship_by", Ty::Instant, Known::None),
    ("base.layered_by", Ty::Instant, Known::None),
    ("base.assessed_by", Ty::Instant, Known::None),
    ("base.normal_by", Ty::Instant, Known::None),
    ("base.v_old", Ty::Instant, Known::None),
    ("base.v_new", Ty::Instant, Known::None),
    ("base.c_ship.exempt", Ty::Bool, Known::None),
    ("base.c_ship.compensation", Ty::Money, Known::None),
    ("base.c_collect.deadline", Ty::Instant, Known::Shipped),
    ("base.c_old", Ty::Instant, Known::None),
    ("base.c_new", Ty::Instant, Known::None),
    ("base.c_collect.exempt", Ty::Bool, Known::Shipped),
    ("base.c_transit.deadline", Ty::Instant, Known::Collected),
    ("base.c_transit.excluded", Ty::Bool, Known::Collected),
    ("base.c_transit.exempt", Ty::Bool, Known::Collected),
    ("base.c_score.exempt", Ty::Bool, Known::None),
];

/// Which optional facts are known to be present where a rule is evaluated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Known {
    None,
    Shipped,
    Collected,
}

/// A set of `n` generated announcements for `seed`, with the schema and the baseline, as
/// `(file name, text)` pairs.
pub fn random_set(seed: u64, n: usize) -> Vec<(String, String)> {
    let mut files = vec![
        ("schema.edict".to_string(), SCHEMA.to_string()),
        ("base.edict".to_string(), BASE.to_string()),
    ];
    let mut rng = Rng::new(seed ^ 0x5eed_5a9e);
    for i in 0..n {
        files.push((format!("g{i}.edict"), announcement(&mut rng, i)));
    }
    files
}

/// A rule of a generated file: its label, type and depth below the target.
struct Made {
    label: String,
    ty: Ty,
    depth: u32,
}

fn announcement(rng: &mut Rng, i: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "announcement g{i} \"generated {i}\" {{}}\n");
    let mut made: Vec<Made> = Vec::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let count = 1 + rng.below(4) as usize;
    for k in 0..count {
        // An exception to one of this file's rules (up to four deep), or to a target of
        // the baseline.
        let parent = if !made.is_empty() && rng.chance(40) {
            let m = &made[rng.below(made.len() as u64) as usize];
            // What the check's `after` event makes known holds in exceptions to its
            // components, not in exceptions to those exceptions.
            (m.depth < 4).then_some((m.label.clone(), m.ty, Known::None, m.depth + 1))
        } else {
            None
        };
        let (target, ty, known, depth) = parent.unwrap_or_else(|| {
            let (name, ty, known) = TARGETS[rng.below(TARGETS.len() as u64) as usize];
            (name.to_string(), ty, known, 1)
        });
        let label = format!("e{i}_{k}");
        let group = match groups.iter().position(|g| {
            g.first().is_some_and(|&f| {
                made.get(f)
                    .is_some_and(|m| sibling_target(&out, m, &target))
            })
        }) {
            Some(g) => g,
            None => {
                groups.push(Vec::new());
                groups.len() - 1
            }
        };
        let (guard, narrowed) = guard(rng, ty, known, &target);
        let body = body(rng, ty, &narrowed);
        let _ = writeln!(
            out,
            "// target {target}\nexception {target} as {label} cites \"{i}.{k}\" {{\n  when {guard}\n  then {body}\n}}\n"
        );
        groups[group].push(made.len());
        made.push(Made { label, ty, depth });
    }
    for g in &groups {
        if g.len() >= 2 && rng.chance(60) {
            let a = &made[g[0]].label;
            let b = &made[g[1]].label;
            let _ = writeln!(out, "priority {a} > {b}");
        }
    }
    out
}

/// Whether rule `m` was written with target `target` (read back from the comment line
/// written before it).
fn sibling_target(out: &str, m: &Made, target: &str) -> bool {
    out.contains(&format!(
        "// target {target}\nexception {target} as {} ",
        m.label
    ))
}

/// A random window on `field` (a date range in 2022–2024).
fn window(rng: &mut Rng, field: &str) -> String {
    let start = rng.range(0, 3 * 365);
    let len = rng.range(0, 60);
    let (y0, m0, d0) = date(start);
    let (y1, m1, d1) = date(start + len);
    match rng.below(3) {
        0 => format!("{field} in [{y0}-{m0:02}-{d0:02} 00:00:00, {y1}-{m1:02}-{d1:02} 23:59:59]"),
        1 => format!("{field} >= {y0}-{m0:02}-{d0:02} 00:00:00"),
        _ => format!("{field} < {y1}-{m1:02}-{d1:02} 12:00:00"),
    }
}

/// Day `n` from 2022-01-01 as (year, month, day).
fn date(n: i64) -> (i64, u32, u32) {
    use crate::json::{civil_from_days, days_from_civil};
    civil_from_days(days_from_civil(2022, 1, 1) + n)
}

/// A guard: a conjunction of one to three atoms; the optional facts it narrows.
fn guard(rng: &mut Rng, ty: Ty, known: Known, target: &str) -> (String, Vec<&'static str>) {
    // A check's deadline and other checks' statuses are read only inside its components.
    let component = target.starts_with("base.c_");
    let own_deadline = target.starts_with("base.c_ship.");
    let mut atoms = Vec::new();
    let mut narrowed = Vec::new();
    let n = 1 + rng.below(3);
    // Most announcements open with a window on the payment (the index's case).
    if rng.chance(60) {
        atoms.push(window(rng, "order.paid_at"));
    }
    while (atoms.len() as u64) < n {
        let atom = match rng.below(13) {
            0 => window(rng, "order.paid_at"),
            1 => match known {
                Known::Shipped => window(rng, "order.shipped_at"),
                Known::Collected => window(rng, "order.collected_at"),
                Known::None => format!(
                    "order.shipped_at is some and {}",
                    window(rng, "order.shipped_at")
                ),
            },
            2 => format!("order.merchant_kind == {}", rng.pick(&["shop", "global"])),
            3 => format!(
                "order.mode in {{{}}}",
                ["spot", "presale", "tiered"][..1 + rng.below(2) as usize].join(", ")
            ),
            4 => format!(
                "order.receiver_region in regions {{ {} }}",
                rng.pick(&[
                    "\"新疆维吾尔自治区\"",
                    "\"西藏自治区\", \"青海省\"",
                    "\"内蒙古自治区赤峰市林西县\", \"吉林省白山市\"",
                    "\"广东省\"",
                ])
            ),
            5 => format!(
                "order.order_paid {} {} CNY",
                rng.pick(&[">", ">=", "<"]),
                rng.pick(&[50, 100, 150, 300])
            ),
            6 => format!(
                "order.promised_ship_days is some and order.promised_ship_days >= {}",
                rng.range(2, 10)
            ),
            7 => rng
                .pick(&["order.remote_area_service", "not order.remote_area_service"])
                .to_string(),
            8 => {
                narrowed.push("delay");
                "order.delay_ship_by is some".to_string()
            }
            9 => "base.listed".to_string(),
            // Deadlines and statuses are read only by exceptions to exemptions,
            // exclusions and compensations, which no deadline reads: no cycle.
            10 if ty != Ty::Instant && own_deadline => format!(
                "base.c_ship.deadline {} {}",
                rng.pick(&["<=", ">"]),
                rng.pick(&[
                    "2022-04-30 23:59:59",
                    "2023-06-30 00:00:00",
                    "2024-02-22 23:59:59"
                ])
            ),
            11 => format!(
                "order.festival_opt_out is some and {}order.festival_opt_out",
                rng.pick(&["", "not "])
            ),
            10 => "base.approved_latest is some".to_string(),
            _ if ty != Ty::Instant && component => "base.c_normal.status == violated".to_string(),
            _ => "base.approved_latest is some".to_string(),
        };
        if !atoms.contains(&atom) {
            atoms.push(atom);
        }
    }
    // A flag first: the shape whose exceptions all open with one memoized boolean.
    if rng.chance(25) {
        atoms.insert(0, "base.listed".to_string());
        atoms.dedup();
    }
    (atoms.join("\n    and "), narrowed)
}

/// A body of type `ty`.
fn body(rng: &mut Rng, ty: Ty, narrowed: &[&str]) -> String {
    match ty {
        Ty::Instant => {
            let (y, m, d) = date(rng.range(0, 3 * 365));
            let day = format!("{y}-{m:02}-{d:02} 23:59:59");
            match rng.below(if narrowed.contains(&"delay") { 6 } else { 5 }) {
                0 => format!("max(overridden, {day})"),
                1 => format!("overridden + {}d", rng.range(1, 15)),
                2 => format!("order.paid_at + {}h", rng.pick(&[24, 48, 72, 96])),
                3 => day,
                4 => format!("min(overridden, {day})"),
                _ => "order.delay_ship_by".to_string(),
            }
        }
        Ty::Bool => rng.pick(&["true", "false", "not overridden"]).to_string(),
        Ty::Money => rng
            .pick(&[
                "0 CNY",
                "round(order.order_paid * 3%, 1 CNY)",
                "overridden",
                "min(overridden, 30 CNY)",
            ])
            .to_string(),
    }
}
