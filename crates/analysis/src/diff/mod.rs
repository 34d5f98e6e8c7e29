//! `edict diff`: the semantic difference of two programs.
//!
//! For every value present in both (matched by id) the record space is split into cells
//! by every guard either version looks at ([`cells`]), and the outcomes (deciding rule and
//! its value, in the author's terms) are compared cell by cell: no SMT, just cubes. Cells
//! with the same old → new outcome are merged into as few regions as possible (`boxes`:
//! two become one exactly when their union is a box). Each
//! differing region is described by its conditions and comes with witness records at its
//! low and high ends, evaluated on both sides ([`crate::verify`]) so the claimed verdicts
//! are the real ones. Where a region holds an opaque condition the difference is reported
//! as "may differ" with that condition; a value whose rules read another value that
//! differs is flagged as inheriting those differences. Rule-level changes (added, removed,
//! renamed with the same body, citation changed) and check definition changes are listed
//! too. [`facts`] is the behavioural diff on real records.

mod boxes;
pub mod cells;
mod describe;
pub mod facts;

use std::collections::BTreeSet;

use ir::{Program, ValueId};
use serde::Serialize;

use crate::atoms::Cube;
use crate::deps::Deps;
use crate::render::Renderer;
use crate::solve::{Prefer, Sat};
use crate::space::Space;
use crate::verify::{self, Outcome};
use cells::{Cells, Out};

/// A witness record with the verdicts of both versions.
#[derive(Debug, Clone, Serialize)]
pub struct Witness {
    /// The record.
    pub record: serde_json::Value,
    /// The check whose finding is compared.
    pub check: Option<String>,
    /// The old version's finding for it.
    pub before: Option<Outcome>,
    /// The new version's finding for it.
    pub after: Option<Outcome>,
    /// Whether evaluation shows the claimed difference.
    pub verified: bool,
}

/// One region where a value's outcome differs.
#[derive(Debug, Clone, Serialize)]
pub struct Region {
    /// The region's conditions, in the author's terms.
    pub when: String,
    /// The old outcome.
    pub before: String,
    /// The new outcome.
    pub after: String,
    /// `differs` (proved) or `may differ` (depends on conditions named in `reason`).
    pub certainty: String,
    /// Why it is only "may differ".
    pub reason: Option<String>,
    /// Witness records (low and high ends of the region).
    pub witnesses: Vec<Witness>,
}

/// The differences of one value.
#[derive(Debug, Clone, Serialize)]
pub struct ValueDiff {
    /// The value id.
    pub value: String,
    /// The check it is a component of (`check component`), if any.
    pub check: Option<String>,
    /// Differing regions.
    pub regions: Vec<Region>,
    /// Values read by this one that differ (their differences show through).
    pub inherits: Vec<String>,
    /// Why the analysis is incomplete here, if it is.
    pub incomplete: Option<String>,
}

/// A rule-level change.
#[derive(Debug, Clone, Serialize)]
pub struct RuleChange {
    /// `added`, `removed`, `renamed`, `cites`, `changed`.
    pub change: String,
    /// The rule id (new id for renames).
    pub rule: String,
    /// Details.
    pub detail: String,
}

/// The whole diff.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Per value (only values with differences).
    pub values: Vec<ValueDiff>,
    /// Rule-level changes.
    pub rules: Vec<RuleChange>,
    /// Check-level changes (added, removed, definition changed).
    pub checks: Vec<RuleChange>,
    /// Fact kinds, record types and enums added, removed or changed (`rule`: the name).
    pub schema: Vec<RuleChange>,
}

impl Report {
    /// Whether anything differs.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
            && self.rules.is_empty()
            && self.checks.is_empty()
            && self.schema.is_empty()
    }
}

/// Computes the semantic diff of two programs.
pub fn diff(old: &Program, new: &Program) -> Report {
    let mut report = Report {
        rules: rule_changes(old, new),
        checks: check_changes(old, new),
        schema: schema_changes(old, new),
        ..Report::default()
    };
    let same_schema =
        old.kinds == new.kinds && old.enums == new.enums && old.records == new.records;
    let mut changed: BTreeSet<String> = BTreeSet::new();
    for (vi, v) in old.values.iter().enumerate() {
        let Some(nv) = new.value_by_id(&v.id) else {
            continue;
        };
        if let Some(d) = value_diff(old, new, vi as ValueId, nv, same_schema) {
            changed.insert(d.value.clone());
            report.values.push(d);
        }
    }
    // Values whose rules read a differing value inherit its differences.
    let deps_new = Deps::new(new);
    let _ = deps_new;
    for (vi, v) in new.values.iter().enumerate() {
        let reads = reads_of(new, vi as ValueId);
        let inherits: Vec<String> = reads
            .into_iter()
            .filter_map(|w| new.values.get(w as usize).map(|x| x.id.clone()))
            .filter(|id| changed.contains(id) && *id != v.id)
            .collect();
        if inherits.is_empty() || old.value_by_id(&v.id).is_none() {
            continue;
        }
        match report.values.iter_mut().find(|d| d.value == v.id) {
            Some(d) => d.inherits = inherits,
            None => report.values.push(ValueDiff {
                value: v.id.clone(),
                check: v
                    .check
                    .and_then(|c| new.checks.get(c as usize))
                    .map(|c| c.name.clone()),
                regions: Vec::new(),
                inherits,
                incomplete: None,
            }),
        }
    }
    report.values.sort_by(|a, b| a.value.cmp(&b.value));
    report
}

fn reads_of(p: &Program, v: ValueId) -> Vec<ValueId> {
    let mut out = Vec::new();
    if let Some(val) = p.values.get(v as usize) {
        for r in p.rules.iter().filter(|r| r.value == v) {
            out.extend(r.body.dependencies().0);
            for c in r.guard.iter().flat_map(|g| &g.conjuncts) {
                out.extend(c.expr.dependencies().0);
            }
        }
        let _ = val;
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The rendered structure of a value's rules (ids, guards, bodies, beats): equal means
/// the two versions decide identically.
fn signature(p: &Program, v: ValueId) -> Vec<String> {
    let kind = p.values.get(v as usize).and_then(|x| x.kind);
    let ren = Renderer { program: p, kind };
    let id = |r: &u32| {
        p.rules
            .get(*r as usize)
            .map_or_else(String::new, |x| x.id.clone())
    };
    let mut out: Vec<String> = p
        .rules
        .iter()
        .filter(|r| r.value == v)
        .map(|r| {
            let parent = match r.parent {
                ir::Parent::Base => "base".to_string(),
                ir::Parent::Value => "value".to_string(),
                ir::Parent::Rule(x) => id(&x),
            };
            let beats: Vec<String> = r.beats.iter().map(id).collect();
            let guard = r
                .guard
                .iter()
                .flat_map(|g| &g.conjuncts)
                .map(|c| ren.expr(&c.expr))
                .collect::<Vec<_>>()
                .join(" and ");
            format!(
                "{} <{parent}> [{guard}] = {} beats {beats:?}",
                r.id,
                ren.expr(&r.body)
            )
        })
        .collect();
    out.sort();
    out
}

fn value_diff(
    old: &Program,
    new: &Program,
    ov: ValueId,
    nv: ValueId,
    same_schema: bool,
) -> Option<ValueDiff> {
    if signature(old, ov) == signature(new, nv) {
        return None;
    }
    let v = old.values.get(ov as usize)?;
    let check = new
        .values
        .get(nv as usize)
        .and_then(|x| x.check)
        .and_then(|c| new.checks.get(c as usize))
        .map(|c| c.name.clone());
    let mut d = ValueDiff {
        value: v.id.clone(),
        check,
        regions: Vec::new(),
        inherits: Vec::new(),
        incomplete: None,
    };
    if !same_schema {
        d.incomplete = Some("the fact schema changed: regions cannot be compared".into());
        return Some(d);
    }
    let kind = crate::space::value_kind(old, ov);
    let so = Space::new(old, kind);
    let sn = Space::new(new, kind);
    let mut co = Cells {
        p: old,
        space: &so,
        overflow: false,
    };
    let mut cn = Cells {
        p: new,
        space: &sn,
        overflow: false,
    };
    let a = co.value(ov, vec![vec![]]);
    let b = cn.value(nv, vec![vec![]]);
    if co.overflow || cn.overflow {
        d.incomplete = Some(format!(
            "more than {} cells: only part of the space was compared",
            cells::MAX_CELLS
        ));
    }
    let deps = Deps::new(new);
    let reader = deps
        .reader(new, nv)
        .and_then(|c| new.checks.get(c as usize));
    // A check component is only evaluated where its check applies: differences elsewhere
    // are invisible, and the evaluator would not compute them.
    let own = new
        .values
        .get(nv as usize)
        .and_then(|x| x.check)
        .and_then(|c| new.checks.get(c as usize));
    let scope = own
        .map(|c| applicability(&so, c))
        .unwrap_or_else(|| vec![vec![]]);
    // Differing cells, grouped by their old → new outcome, then merged per group.
    let mut groups: Vec<(&Out, &Out, Vec<Cube>)> = Vec::new();
    for (ca, oa) in &a {
        for (cb, ob) in &b {
            if oa == ob {
                continue;
            }
            let both = so.and(&vec![ca.clone()], &vec![cb.clone()]);
            let cubes = so.and(&both, &scope);
            if cubes.is_empty() {
                continue;
            }
            match groups.iter_mut().find(|g| g.0 == oa && g.1 == ob) {
                Some(g) => g.2.extend(cubes),
                None => groups.push((oa, ob, cubes)),
            }
        }
    }
    for (oa, ob, cubes) in &groups {
        for cube in boxes::merge(&so, cubes) {
            if let Some(r) = region(old, new, &so, kind, &cube, oa, ob, reader) {
                d.regions.push(r);
            }
        }
    }
    merge_regions(&mut d.regions);
    if d.regions.is_empty() && d.incomplete.is_none() {
        return None;
    }
    Some(d)
}

#[allow(clippy::too_many_arguments)]
fn region(
    old: &Program,
    new: &Program,
    space: &Space,
    kind: Option<u32>,
    cube: &Cube,
    oa: &Out,
    ob: &Out,
    reader: Option<&ir::Check>,
) -> Option<Region> {
    let sat = space.solve(cube, Prefer::Low);
    if !sat.possible() {
        return None;
    }
    let (certainty, reason) = match &sat {
        Sat::Maybe(m) => (
            "may differ",
            Some(format!(
                "depends on conditions the analysis cannot decide: {}",
                m.assumed
                    .iter()
                    .map(|(t, pos)| if *pos {
                        t.clone()
                    } else {
                        format!("not ({t})")
                    })
                    .collect::<Vec<_>>()
                    .join(" and ")
            )),
        ),
        _ => ("differs", None),
    };
    let mut witnesses = Vec::new();
    if let Some(k) = kind {
        // Strengthen with the reading check's applicability so it has a finding to show.
        let ctx = reader
            .map(|c| applicability(space, c))
            .unwrap_or_else(|| vec![vec![]]);
        let with = space.and(&vec![cube.clone()], &ctx);
        for prefer in [Prefer::Low, Prefer::High] {
            let s = match space.witness(&with, prefer) {
                Sat::No => space.solve(cube, prefer),
                s => s,
            };
            if let Some(m) = s.model() {
                let rec = crate::witness::record(old, k, m, "witness", space.anchor());
                if witnesses.iter().any(|w: &Witness| w.record == rec) {
                    continue;
                }
                witnesses.push(verify_witness(
                    old,
                    new,
                    rec,
                    reader.map(|c| c.name.clone()),
                ));
            }
        }
    }
    Some(Region {
        when: describe::cube(old, kind, cube),
        before: oa.show(),
        after: ob.show(),
        certainty: certainty.into(),
        reason,
        witnesses,
    })
}

fn applicability(space: &Space, c: &ir::Check) -> Vec<Cube> {
    let mut conds = Vec::new();
    if let Some(a) = &c.after {
        conds.push(ir::Expr::IsSome(Box::new(a.clone()), true));
    }
    for x in c.applies.iter().flat_map(|g| &g.conjuncts) {
        conds.push(x.expr.clone());
    }
    let g = ir::Guard {
        conjuncts: conds
            .into_iter()
            .map(|expr| ir::Conjunct {
                expr,
                text: String::new(),
            })
            .collect(),
    };
    space.dnf(&space.formula(Some(&g)), "the check applies")
}

/// Evaluates a witness on both sides and records the findings of `check`.
pub fn verify_witness(
    old: &Program,
    new: &Program,
    record: serde_json::Value,
    check: Option<String>,
) -> Witness {
    let find = |p: &Program| -> Option<Outcome> {
        let out = verify::evaluate(p, &record).ok()?;
        out.into_iter().find(|o| Some(&o.check) == check.as_ref())
    };
    let (before, after) = (find(old), find(new));
    let verified = check.is_some() && before != after;
    Witness {
        record,
        check,
        before,
        after,
        verified,
    }
}

/// Joins regions with the same outcomes and description.
fn merge_regions(rs: &mut Vec<Region>) {
    let mut out: Vec<Region> = Vec::new();
    for r in rs.drain(..) {
        if !out
            .iter()
            .any(|o| o.when == r.when && o.before == r.before && o.after == r.after)
        {
            out.push(r);
        }
    }
    *rs = out;
}

fn rule_changes(old: &Program, new: &Program) -> Vec<RuleChange> {
    let mut out = Vec::new();
    let body = |p: &Program, r: &ir::Rule| {
        let kind = p.values.get(r.value as usize).and_then(|v| v.kind);
        Renderer { program: p, kind }.expr(&r.body)
    };
    let value_of = |p: &Program, r: &ir::Rule| p.values.get(r.value as usize).map(|v| v.id.clone());
    let removed: Vec<&ir::Rule> = old
        .rules
        .iter()
        .filter(|r| new.rule_by_id(&r.id).is_none())
        .collect();
    let added: Vec<&ir::Rule> = new
        .rules
        .iter()
        .filter(|r| old.rule_by_id(&r.id).is_none())
        .collect();
    let mut renamed_new = BTreeSet::new();
    for r in &removed {
        let twin = added.iter().find(|a| {
            !renamed_new.contains(&a.id)
                && value_of(new, a) == value_of(old, r)
                && body(new, a) == body(old, r)
        });
        match twin {
            Some(a) => {
                renamed_new.insert(a.id.clone());
                out.push(RuleChange {
                    change: "renamed".into(),
                    rule: a.id.clone(),
                    detail: format!("{} → {} (same body: {})", r.id, a.id, body(new, a)),
                });
            }
            None => out.push(RuleChange {
                change: "removed".into(),
                rule: r.id.clone(),
                detail: format!("{}:{}: {}", r.origin.file, r.origin.line, body(old, r)),
            }),
        }
    }
    for a in added.iter().filter(|a| !renamed_new.contains(&a.id)) {
        out.push(RuleChange {
            change: "added".into(),
            rule: a.id.clone(),
            detail: format!("{}:{}: {}", a.origin.file, a.origin.line, body(new, a)),
        });
    }
    for r in &old.rules {
        let Some(n) = new
            .rule_by_id(&r.id)
            .and_then(|i| new.rules.get(i as usize))
        else {
            continue;
        };
        if r.origin.clause != n.origin.clause {
            out.push(RuleChange {
                change: "cites".into(),
                rule: r.id.clone(),
                detail: format!(
                    "{:?} → {:?}",
                    r.origin.clause.as_deref().unwrap_or(""),
                    n.origin.clause.as_deref().unwrap_or("")
                ),
            });
        }
        let g = |p: &Program, x: &ir::Rule| {
            let kind = p.values.get(x.value as usize).and_then(|v| v.kind);
            let ren = Renderer { program: p, kind };
            x.guard
                .iter()
                .flat_map(|g| &g.conjuncts)
                .map(|c| ren.expr(&c.expr))
                .collect::<Vec<_>>()
        };
        if body(old, r) != body(new, n) || g(old, r) != g(new, n) {
            out.push(RuleChange {
                change: "changed".into(),
                rule: r.id.clone(),
                detail: format!("{} → {}", body(old, r), body(new, n)),
            });
        }
    }
    out
}

fn check_changes(old: &Program, new: &Program) -> Vec<RuleChange> {
    let mut out = Vec::new();
    let show = |p: &Program, c: &ir::Check| {
        let ren = Renderer {
            program: p,
            kind: Some(c.kind),
        };
        let after = c.after.as_ref().map(|e| ren.expr(e)).unwrap_or_default();
        let event = c.event.as_ref().map(|e| ren.expr(e)).unwrap_or_default();
        let applies: Vec<String> = c
            .applies
            .iter()
            .flat_map(|g| &g.conjuncts)
            .map(|x| ren.expr(&x.expr))
            .collect();
        format!(
            "after {after}; applies {}; event {event}",
            applies.join(" and ")
        )
    };
    for c in &old.checks {
        match new
            .check_by_name(&c.name)
            .and_then(|i| new.checks.get(i as usize))
        {
            None => out.push(RuleChange {
                change: "removed".into(),
                rule: c.name.clone(),
                detail: "check removed".into(),
            }),
            Some(n) if show(old, c) != show(new, n) => out.push(RuleChange {
                change: "changed".into(),
                rule: c.name.clone(),
                detail: format!("{} → {}", show(old, c), show(new, n)),
            }),
            Some(_) => {}
        }
    }
    for c in &new.checks {
        if old.check_by_name(&c.name).is_none() {
            out.push(RuleChange {
                change: "added".into(),
                rule: c.name.clone(),
                detail: "check added".into(),
            });
        }
    }
    out
}

/// Schema changes: fact kinds, record types and enums added, removed, or with other fields
/// (by name and type) or variants.
fn schema_changes(old: &Program, new: &Program) -> Vec<RuleChange> {
    type Items = Vec<(String, String, Vec<String>)>;
    let items = |p: &Program| -> Items {
        let fields = |fs: &[ir::Field]| -> Vec<String> {
            fs.iter()
                .map(|f| format!("{}: {}", f.name, p.type_name(&f.ty)))
                .collect()
        };
        let mut out: Items = Vec::new();
        for k in &p.kinds {
            out.push(("fact".into(), k.name.clone(), fields(&k.fields)));
        }
        for r in &p.records {
            out.push(("record".into(), r.name.clone(), fields(&r.fields)));
        }
        for e in &p.enums {
            out.push(("enum".into(), e.name.clone(), e.variants.clone()));
        }
        out
    };
    let (a, b) = (items(old), items(new));
    let find = |xs: &Items, what: &str, name: &str| {
        xs.iter()
            .find(|x| x.0 == what && x.1 == name)
            .map(|x| x.2.clone())
    };
    let join = |xs: &[&String]| xs.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(", ");
    let mut out = Vec::new();
    for (what, name, parts) in &a {
        match find(&b, what, name) {
            None => out.push(RuleChange {
                change: "removed".into(),
                rule: name.clone(),
                detail: format!("{what} removed"),
            }),
            Some(now) if now != *parts => {
                let gone: Vec<&String> = parts.iter().filter(|x| !now.contains(x)).collect();
                let came: Vec<&String> = now.iter().filter(|x| !parts.contains(x)).collect();
                let mut pieces = Vec::new();
                if !gone.is_empty() {
                    pieces.push(format!("without {}", join(&gone)));
                }
                if !came.is_empty() {
                    pieces.push(format!("with {}", join(&came)));
                }
                if pieces.is_empty() {
                    pieces.push(format!("reordered to {}", now.join(", ")));
                }
                let detail = format!("{what}: {}", pieces.join("; "));
                out.push(RuleChange {
                    change: "changed".into(),
                    rule: name.clone(),
                    detail,
                });
            }
            Some(_) => {}
        }
    }
    for (what, name, _) in &b {
        if find(&a, what, name).is_none() {
            out.push(RuleChange {
                change: "added".into(),
                rule: name.clone(),
                detail: format!("{what} added"),
            });
        }
    }
    out
}

/// The report for people.
pub fn human(r: &Report) -> String {
    let mut s = String::new();
    for c in &r.schema {
        s.push_str(&format!("schema {} {}: {}\n", c.rule, c.change, c.detail));
    }
    for c in &r.checks {
        s.push_str(&format!("check {} {}: {}\n", c.rule, c.change, c.detail));
    }
    for c in &r.rules {
        s.push_str(&format!("rule {} {}: {}\n", c.rule, c.change, c.detail));
    }
    for v in &r.values {
        let name = match &v.check {
            Some(c) => format!("{c} {}", v.value.rsplit('.').next().unwrap_or("")),
            None => v.value.clone(),
        };
        for reg in &v.regions {
            s.push_str(&format!(
                "{name}: {} where {}:\n    {} → {}\n",
                reg.certainty, reg.when, reg.before, reg.after
            ));
            if let Some(why) = &reg.reason {
                s.push_str(&format!("    ({why})\n"));
            }
            for w in &reg.witnesses {
                let show = |o: &Option<Outcome>| {
                    o.as_ref().map_or("not applicable".to_string(), |o| {
                        format!(
                            "{} deadline {} compensation {} by {}",
                            o.status,
                            o.deadline.as_deref().unwrap_or("-"),
                            o.compensation.as_deref().unwrap_or("-"),
                            o.rules.join(" > ")
                        )
                    })
                };
                s.push_str(&format!("    witness {}\n", w.record));
                if let Some(c) = &w.check {
                    s.push_str(&format!(
                        "      {c}: {} → {}{}\n",
                        show(&w.before),
                        show(&w.after),
                        if w.verified {
                            ""
                        } else {
                            " (no difference in this check's finding)"
                        }
                    ));
                }
            }
        }
        if !v.inherits.is_empty() {
            s.push_str(&format!(
                "{name}: may differ wherever {} differs (it reads it)\n",
                v.inherits.join(", ")
            ));
        }
        if let Some(why) = &v.incomplete {
            s.push_str(&format!("{name}: may differ: {why}\n"));
        }
    }
    if r.is_empty() {
        s.push_str("no differences: the two versions decide every record alike\n");
    }
    s
}
