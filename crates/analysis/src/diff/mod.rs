//! `edict diff`: the semantic difference of two programs.
//!
//! The old program is first re-expressed over the new schema when that only adds optional
//! fields, new kinds, records or trailing enum variants ([`crate::schema::unify`]): both
//! then share one record space, the union (added fields are absent for the old side).
//!
//! A value's meaning changes when its own rules do (a rule line — place, guard, body,
//! priorities — without a twin on the other side) or when it reads, at any depth, a
//! changed value or the status of a check with a changed component. Every such value
//! with changed rules of its own, and every changed check component, is compared:
//!
//! - only inside its *focus*: where a changed rule can apply, or where a rule reading a
//!   changed value can apply and that value can differ — elsewhere both versions decide
//!   alike, so the cost follows the change, not the rule set;
//! - cell by cell ([`cells`]): each version's decision splits the focus by the guards that
//!   cut it, changed values are substituted by their own outcomes (so a change shows
//!   through every step of dependencies) and guards on changed values are decided with
//!   those outcomes; numeric outcomes keep linear forms, so a region is kept only where
//!   the two numbers differ.
//!
//! Cells with the same old → new outcome are merged into as few regions as possible
//! (`boxes`), described in the author's terms (`describe`), and come with witness records
//! evaluated on both sides ([`crate::verify`]); only witnesses on which the reading
//! check's finding differs are kept. Conditions outside the exact fragment (aggregates
//! over lists, other checks' statuses, non-linear arithmetic) make a region "may differ",
//! naming them. Rule-level changes (added, removed, renamed with the same body, citation
//! changed), check definition changes and schema changes are listed too. [`facts`] is the
//! behavioural diff on real records, streamed; [`markdown`] the review comment.

mod boxes;
pub mod cells;
mod describe;
pub mod facts;

use std::collections::{BTreeSet, HashMap};

use ir::{CheckId, Program, RuleId, Ty, ValueId};
use serde::Serialize;

use crate::atoms::{Atom, Cube, Dnf, Mark};
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

/// Largest number of cubes a value's focus (where a changed rule can apply) may have before
/// the whole space is compared instead.
const MAX_FOCUS_CUBES: usize = 256;

/// Computes the semantic diff of two programs.
pub fn diff(old: &Program, new: &Program) -> Report {
    let mut report = Report {
        rules: rule_changes(old, new),
        checks: check_changes(old, new),
        schema: schema_changes(old, new),
        ..Report::default()
    };
    // One record space for both: the old program over the new schema, when the new one
    // only adds to it.
    let unified = crate::schema::unify(old, new);
    let changes = Changes::new(unified.as_ref().unwrap_or(old), new, &report.checks);
    let old = match &unified {
        Ok(u) => u,
        Err(why) => {
            for id in &changes.own {
                if let Some(nv) = new.value_by_id(id) {
                    report.values.push(ValueDiff {
                        value: id.clone(),
                        check: check_of(new, nv),
                        regions: Vec::new(),
                        inherits: Vec::new(),
                        incomplete: Some(format!(
                            "the fact schema changed in a way regions cannot be compared \
                             across ({why})"
                        )),
                    });
                }
            }
            report.values.sort_by(|a, b| a.value.cmp(&b.value));
            return report;
        }
    };
    let judges = (verify::Judge::new(old).ok(), verify::Judge::new(new).ok());
    let mut ctx = Ctx {
        old,
        new,
        changes: &changes,
        judges: &judges,
        mark_old: changes.mark(old, "old"),
        mark_new: changes.mark(new, "new"),
        changed_checks: report
            .checks
            .iter()
            .filter(|c| c.change == "changed")
            .map(|c| c.rule.clone())
            .collect(),
        focus_memo: HashMap::new(),
        deps: Deps::new(new),
    };
    for id in changes.reported(new) {
        let (Some(ov), Some(nv)) = (old.value_by_id(&id), new.value_by_id(&id)) else {
            continue;
        };
        if let Some(d) = ctx.value_diff(ov, nv) {
            report.values.push(d);
        }
    }
    let _ = &mut ctx;
    report.values.sort_by(|a, b| a.value.cmp(&b.value));
    report
}

fn check_of(p: &Program, v: ValueId) -> Option<String> {
    p.values
        .get(v as usize)
        .and_then(|x| x.check)
        .and_then(|c| p.checks.get(c as usize))
        .map(|c| c.name.clone())
}

/// The rules of a value, each rendered with its place, guard, body and priorities: two
/// versions of a rule with the same line decide alike wherever what they read is alike.
fn rule_lines(p: &Program, v: ValueId) -> Vec<(RuleId, String)> {
    let Some(val) = p.values.get(v as usize) else {
        return Vec::new();
    };
    let ren = Renderer {
        program: p,
        kind: val.kind,
    };
    let id = |r: &u32| {
        p.rules
            .get(*r as usize)
            .map_or_else(String::new, |x| x.id.clone())
    };
    let mut out = Vec::new();
    let mut stack: Vec<RuleId> = val.bases.iter().chain(&val.exceptions).copied().collect();
    let mut seen = BTreeSet::new();
    while let Some(r) = stack.pop() {
        let Some(rule) = p.rules.get(r as usize) else {
            continue;
        };
        if !seen.insert(r) {
            continue;
        }
        stack.extend(rule.children.iter().copied());
        let parent = match rule.parent {
            ir::Parent::Base => "base".to_string(),
            ir::Parent::Value => "value".to_string(),
            ir::Parent::Rule(x) => id(&x),
        };
        let mut beats: Vec<String> = rule.beats.iter().map(id).collect();
        beats.sort();
        let guard = rule
            .guard
            .iter()
            .flat_map(|g| &g.conjuncts)
            .map(|c| ren.expr(&c.expr))
            .collect::<Vec<_>>()
            .join(" and ");
        out.push((
            r,
            format!(
                "{} <{parent}> [{guard}] = {} beats {beats:?}",
                rule.id,
                ren.expr(&rule.body)
            ),
        ));
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

/// The values and checks a rule reads directly (guard and body).
fn rule_reads(r: &ir::Rule) -> (Vec<ValueId>, Vec<CheckId>) {
    let (mut vs, mut cs) = r.body.dependencies();
    for c in r.guard.iter().flat_map(|g| &g.conjuncts) {
        let (v, k) = c.expr.dependencies();
        vs.extend(v);
        cs.extend(k);
    }
    (vs, cs)
}

/// Which values' meaning differs between the versions, by id.
struct Changes {
    /// Values whose own rules differ (or that exist on one side only).
    own: BTreeSet<String>,
    /// Values whose meaning may differ: `own`, and every value reading one of them or the
    /// status of a check with a changed component, transitively.
    all: BTreeSet<String>,
    /// Checks with a changed component or definition.
    checks: BTreeSet<String>,
    /// Rule lines per value id, per side.
    lines: [HashMap<String, Vec<(RuleId, String)>>; 2],
}

impl Changes {
    fn new(old: &Program, new: &Program, check_changes: &[RuleChange]) -> Changes {
        let lines = |p: &Program| -> HashMap<String, Vec<(RuleId, String)>> {
            (0..p.values.len() as ValueId)
                .map(|v| (p.values[v as usize].id.clone(), rule_lines(p, v)))
                .collect()
        };
        let lines = [lines(old), lines(new)];
        let mut own = BTreeSet::new();
        for (a, b) in [(&lines[0], &lines[1]), (&lines[1], &lines[0])] {
            for (id, l) in a {
                let same = b.get(id).is_some_and(|m| {
                    m.len() == l.len() && m.iter().zip(l).all(|(x, y)| x.1 == y.1)
                });
                if !same {
                    own.insert(id.clone());
                }
            }
        }
        let mut all = own.clone();
        let mut checks: BTreeSet<String> = check_changes.iter().map(|c| c.rule.clone()).collect();
        // Reverse edges per program: value → readers, check → readers of its status.
        let mut grew = true;
        while grew {
            grew = false;
            for p in [old, new] {
                let mut value_readers: Vec<Vec<ValueId>> = vec![Vec::new(); p.values.len()];
                let mut status_readers: Vec<Vec<ValueId>> = vec![Vec::new(); p.checks.len()];
                for r in &p.rules {
                    let (vs, cs) = rule_reads(r);
                    for v in vs {
                        if let Some(x) = value_readers.get_mut(v as usize) {
                            x.push(r.value);
                        }
                    }
                    for c in cs {
                        if let Some(x) = status_readers.get_mut(c as usize) {
                            x.push(r.value);
                        }
                    }
                }
                let mut stack: Vec<ValueId> = p
                    .values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| all.contains(&v.id))
                    .map(|(i, _)| i as ValueId)
                    .collect();
                for (ci, c) in p.checks.iter().enumerate() {
                    if checks.contains(&c.name) {
                        stack.extend(status_readers[ci].iter().copied());
                    }
                }
                let mut seen = BTreeSet::new();
                while let Some(v) = stack.pop() {
                    if !seen.insert(v) {
                        continue;
                    }
                    let Some(val) = p.values.get(v as usize) else {
                        continue;
                    };
                    if all.insert(val.id.clone()) {
                        grew = true;
                    }
                    stack.extend(value_readers[v as usize].iter().copied());
                    if let Some(c) = val.check.and_then(|c| p.checks.get(c as usize)) {
                        if checks.insert(c.name.clone()) {
                            grew = true;
                        }
                        if let Some(ci) = val.check {
                            stack.extend(status_readers[ci as usize].iter().copied());
                        }
                    }
                }
            }
        }
        Changes {
            own,
            all,
            checks,
            lines,
        }
    }

    /// The values reported: those changed themselves and every changed check component.
    fn reported(&self, new: &Program) -> Vec<String> {
        let mut out: Vec<String> = self.own.iter().cloned().collect();
        for v in &new.values {
            if v.check.is_some() && self.all.contains(&v.id) && !self.own.contains(&v.id) {
                out.push(v.id.clone());
            }
        }
        out
    }

    fn mark(&self, p: &Program, tag: &str) -> Mark {
        Mark {
            values: self.ids(p),
            checks: p
                .checks
                .iter()
                .enumerate()
                .filter(|(_, c)| self.checks.contains(&c.name))
                .map(|(i, _)| i as CheckId)
                .collect(),
            tag: tag.into(),
        }
    }

    /// The changed values of `p`.
    fn ids(&self, p: &Program) -> BTreeSet<ValueId> {
        p.values
            .iter()
            .enumerate()
            .filter(|(_, v)| self.all.contains(&v.id))
            .map(|(i, _)| i as ValueId)
            .collect()
    }
}

/// Everything one diff needs.
struct Ctx<'a> {
    old: &'a Program,
    new: &'a Program,
    changes: &'a Changes,
    judges: &'a (Option<verify::Judge<'a>>, Option<verify::Judge<'a>>),
    mark_old: Mark,
    mark_new: Mark,
    /// Checks whose definition changed.
    changed_checks: BTreeSet<String>,
    focus_memo: HashMap<(usize, Option<u32>, ValueId), Dnf>,
    /// Who reads what in the new version (witnesses are shown on a reading check).
    deps: Deps,
}

fn dedup(d: &mut Dnf) {
    let mut seen: Vec<Cube> = Vec::new();
    d.retain(|c| {
        if seen.contains(c) {
            false
        } else {
            seen.push(c.clone());
            true
        }
    });
}

/// Which side a program is.
const OLD: usize = 0;
const NEW: usize = 1;

impl Ctx<'_> {
    /// Where `v` (of side `side`) can differ from its twin: where a rule whose line has no
    /// twin on the other side can apply, and where a rule reading a changed value or check
    /// can apply *and* that value or check can differ. Elsewhere both versions decide
    /// alike. Memoized per side and kind.
    fn focus(&mut self, side: usize, space: &Space, v: ValueId) -> Dnf {
        let key = (side, space.kind, v);
        if let Some(f) = self.focus_memo.get(&key) {
            return f.clone();
        }
        // A cycle cannot happen (the checker rejects them); be safe: everything.
        self.focus_memo.insert(key, vec![vec![]]);
        let p = if side == OLD { self.old } else { self.new };
        let f = self.focus_of(side, p, space, v);
        self.focus_memo.insert(key, f.clone());
        f
    }

    fn focus_of(&mut self, side: usize, p: &Program, space: &Space, v: ValueId) -> Dnf {
        let everything = vec![vec![]];
        let Some(val) = p.values.get(v as usize) else {
            return Vec::new();
        };
        if val.kind.is_some() && val.kind != space.kind {
            return everything;
        }
        let empty = Vec::new();
        let lines = &self.changes.lines;
        let mine: Vec<(RuleId, String)> = lines[side].get(&val.id).unwrap_or(&empty).clone();
        let theirs: BTreeSet<String> = lines[1 - side]
            .get(&val.id)
            .map(|l| l.iter().map(|x| x.1.clone()).collect())
            .unwrap_or_default();
        let (values, checks) = {
            let m = if side == OLD {
                &self.mark_old
            } else {
                &self.mark_new
            };
            (m.values.clone(), m.checks.clone())
        };
        let mut out: Dnf = Vec::new();
        for (r, line) in &mine {
            let Some(rule) = p.rules.get(*r as usize) else {
                continue;
            };
            if !theirs.contains(line) {
                out.extend(space.path_dnf(*r));
            } else {
                let (vs, cs) = rule_reads(rule);
                let mut inner: Dnf = Vec::new();
                for w in vs.into_iter().filter(|w| values.contains(w)) {
                    inner.extend(self.focus(side, space, w));
                }
                for c in cs.into_iter().filter(|c| checks.contains(c)) {
                    inner.extend(self.check_focus(side, p, space, c));
                }
                if !inner.is_empty() {
                    out.extend(space.and(&space.path_dnf(*r), &inner));
                }
            }
            dedup(&mut out);
            if out.len() > MAX_FOCUS_CUBES {
                return everything;
            }
        }
        out
    }

    /// Where a check's finding can differ: everywhere when its definition changed, else
    /// where one of its changed components can.
    fn check_focus(&mut self, side: usize, p: &Program, space: &Space, c: CheckId) -> Dnf {
        let Some(ch) = p.checks.get(c as usize) else {
            return vec![vec![]];
        };
        if self.changed_checks.contains(&ch.name) {
            return vec![vec![]];
        }
        let mut out = Vec::new();
        for w in [
            ch.deadline,
            ch.violated,
            Some(ch.exempt),
            ch.excluded,
            ch.compensation,
        ]
        .into_iter()
        .flatten()
        {
            let changed = if side == OLD {
                self.mark_old.values.contains(&w)
            } else {
                self.mark_new.values.contains(&w)
            };
            if changed {
                out.extend(self.focus(side, space, w));
            }
        }
        dedup(&mut out);
        out
    }

    fn value_diff(&mut self, ov: ValueId, nv: ValueId) -> Option<ValueDiff> {
        let (old, new) = (self.old, self.new);
        let v = new.values.get(nv as usize)?;
        let kind = crate::space::value_kind(new, nv).or_else(|| crate::space::value_kind(old, ov));
        let so = Space::new(old, kind).marked(self.mark_old.clone());
        let sn = Space::new(new, kind).marked(self.mark_new.clone());
        let mut d = ValueDiff {
            value: v.id.clone(),
            check: check_of(new, nv),
            regions: Vec::new(),
            inherits: Vec::new(),
            incomplete: None,
        };
        // Through which changed values (their own rules) the difference comes.
        if !self.changes.own.contains(&v.id) {
            d.inherits = self.sources(nv);
        }
        // Where a changed rule can apply (in either version): elsewhere both decide alike.
        let mut focus: Dnf = self.focus(OLD, &so, ov);
        focus.extend(self.focus(NEW, &sn, nv));
        // Conditions the analysis cannot decide only narrow the focus: leave them out (a
        // larger focus is still sound) so they do not end up in the regions.
        for c in &mut focus {
            c.retain(|a| !matches!(a, Atom::Opaque(..)));
        }
        dedup(&mut focus);
        if focus.len() > MAX_FOCUS_CUBES {
            focus = vec![vec![]];
        }
        // A check component is only evaluated where its check applies: differences
        // elsewhere are invisible, and the evaluator would not compute them.
        let own_check = |p: &'_ Program, x: ValueId| {
            p.values
                .get(x as usize)
                .and_then(|x| x.check)
                .and_then(|c| p.checks.get(c as usize))
                .cloned()
        };
        let scope = match (own_check(old, ov), own_check(new, nv)) {
            (Some(a), Some(b)) => {
                let mut s = applicability(&so, &a);
                s.extend(applicability(&sn, &b));
                s
            }
            (Some(a), None) => applicability(&so, &a),
            (None, Some(b)) => applicability(&sn, &b),
            (None, None) => vec![vec![]],
        };
        let region = sn.and(&focus, &scope);
        let inline_old = self.changes.ids(old);
        let inline_new = self.changes.ids(new);
        let mut co = Cells::new(old, &so, &inline_old);
        let mut cn = Cells::new(new, &sn, &inline_new);
        let a = co.value(ov, region);
        let overflow = co.overflow;
        let reader = self
            .deps
            .reader(new, nv)
            .and_then(|c| new.checks.get(c as usize));
        // Differing cells, grouped by their old → new outcome, then merged per group.
        // The new version's cells inside each old cell: no cross product of the two.
        let mut groups: Vec<(Out, Out, Vec<Cube>)> = Vec::new();
        for (ca, oa) in &a {
            for (cb, ob) in cn.value(nv, vec![ca.clone()]) {
                if *oa == ob {
                    continue;
                }
                let both = vec![cb];
                let ob = &ob;
                let cubes = match (oa, ob) {
                    (
                        Out::Rule {
                            rule: ra,
                            lin: Some(la),
                            ..
                        },
                        Out::Rule {
                            rule: rb,
                            lin: Some(lb),
                            ..
                        },
                    ) => match cells::differ(la, lb) {
                        // Same number, same deciding rule: no difference.
                        cells::Differ::Never if ra == rb => continue,
                        cells::Differ::Where(w) if ra == rb => sn.and(&both, &w),
                        _ => both,
                    },
                    _ => both,
                };
                if cubes.is_empty() {
                    continue;
                }
                match groups.iter_mut().find(|g| g.0 == *oa && g.1 == *ob) {
                    Some(g) => g.2.extend(cubes),
                    None => groups.push((oa.clone(), ob.clone(), cubes)),
                }
            }
        }
        for (oa, ob, cubes) in &groups {
            for cube in boxes::merge(&sn, cubes) {
                if let Some(r) = self.region(&sn, kind, &cube, oa, ob, reader) {
                    d.regions.push(r);
                }
            }
        }
        if overflow || cn.overflow {
            d.incomplete = Some(format!(
                "{}'s decision splits into more than {} cells where the change applies: \
                 only part of that was compared",
                v.id,
                cells::MAX_CELLS
            ));
        }
        merge_regions(&mut d.regions);
        if d.regions.is_empty() && d.incomplete.is_none() {
            return None;
        }
        Some(d)
    }

    /// The values with changed rules of their own that `v` reads, transitively.
    fn sources(&self, v: ValueId) -> Vec<String> {
        let p = self.new;
        let mut out = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut stack = vec![v];
        while let Some(x) = stack.pop() {
            if !seen.insert(x) {
                continue;
            }
            let Some(val) = p.values.get(x as usize) else {
                continue;
            };
            if x != v && self.changes.own.contains(&val.id) {
                out.insert(val.id.clone());
            }
            for r in val.bases.iter().chain(&val.exceptions) {
                let mut rs = vec![*r];
                while let Some(r) = rs.pop() {
                    let Some(rule) = p.rules.get(r as usize) else {
                        continue;
                    };
                    rs.extend(rule.children.iter().copied());
                    let (vs, cs) = rule_reads(rule);
                    stack.extend(vs.into_iter().filter(|w| self.mark_new.values.contains(w)));
                    for c in cs {
                        if let Some(ch) = p.checks.get(c as usize) {
                            if self.mark_new.checks.contains(&c) {
                                stack.extend(
                                    [
                                        ch.deadline,
                                        ch.violated,
                                        Some(ch.exempt),
                                        ch.excluded,
                                        ch.compensation,
                                    ]
                                    .into_iter()
                                    .flatten()
                                    .filter(|w| self.mark_new.values.contains(w)),
                                );
                            }
                        }
                    }
                }
            }
        }
        out.into_iter().collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn region(
        &self,
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
        let tagged = |o: &Out| match o {
            Out::Rule { text, .. } => text.contains(" [old]") || text.contains(" [new]"),
            _ => false,
        };
        let (mut certainty, mut reason) = match &sat {
            Sat::Maybe(m) => (
                "may differ",
                Some(format!(
                    "depends on conditions outside the exact fragment (aggregates over \
                     lists, other checks' statuses, non-linear arithmetic): {}",
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
            _ if tagged(oa) || tagged(ob) => (
                "may differ",
                Some(
                    "reads a check status or value that this change also changes \
                     ([old]/[new] mark the two versions of it)"
                        .to_string(),
                ),
            ),
            _ => ("differs", None),
        };
        let exact = matches!(
            (oa, ob),
            (
                Out::Rule { lin: Some(_), .. },
                Out::Rule { lin: Some(_), .. }
            )
        ) || !matches!((oa, ob), (Out::Rule { .. }, Out::Rule { .. }));
        let witnesses = self.witnesses(space, kind, cube, reader);
        if witnesses.is_empty() && certainty == "differs" && reader.is_some() && !exact {
            certainty = "may differ";
            reason = Some(
                "the two versions are written differently here, but no record tried gets \
                 a different finding: they may agree on every record"
                    .into(),
            );
        }
        Some(Region {
            when: describe::cube(self.new, kind, cube),
            before: oa.show(),
            after: ob.show(),
            certainty: certainty.into(),
            reason,
            witnesses,
        })
    }

    /// Witness records of the region on which the reading check's finding differs: the
    /// low and high ends of the region, then (when those agree) other amounts.
    fn witnesses(
        &self,
        space: &Space,
        kind: Option<u32>,
        cube: &Cube,
        reader: Option<&ir::Check>,
    ) -> Vec<Witness> {
        let Some(reader) = reader else {
            return Vec::new();
        };
        let k = kind.unwrap_or(reader.kind);
        let wspace;
        let space = if space.kind == Some(k) {
            space
        } else {
            wspace = Space::new(self.new, Some(k));
            &wspace
        };
        // Strengthen with the reading check's applicability so it has a finding to show.
        let ctx = applicability(space, reader);
        let with = space.and(&vec![cube.clone()], &ctx);
        let mut tried: Vec<serde_json::Value> = Vec::new();
        let mut out: Vec<Witness> = Vec::new();
        let mut consider = |m: &crate::solve::Model, out: &mut Vec<Witness>| {
            let rec = crate::witness::record(self.new, k, m, "witness", space.anchor());
            if tried.contains(&rec) {
                return;
            }
            tried.push(rec.clone());
            let w = self.verify(rec, Some(reader.name.clone()));
            if w.verified {
                out.push(w);
            }
        };
        for prefer in [Prefer::Low, Prefer::High] {
            let s = match space.witness(&with, prefer) {
                Sat::No => space.solve(cube, prefer),
                s => s,
            };
            if let Some(m) = s.model() {
                consider(m, &mut out);
            }
        }
        if out.is_empty() {
            // Other amounts and times: where rounding or a cap hides the change at the ends.
            for probe in probes(self.new, k) {
                let mut extended = with.clone();
                for c in &mut extended {
                    c.push(probe.clone());
                }
                for prefer in [Prefer::Low, Prefer::High] {
                    if let Some(m) = space.witness(&extended, prefer).model() {
                        consider(m, &mut out);
                    }
                }
                if !out.is_empty() {
                    break;
                }
            }
        }
        out
    }

    /// Evaluates a witness on both sides and records the findings of `check`.
    fn verify(&self, record: serde_json::Value, check: Option<String>) -> Witness {
        let find = |j: &Option<verify::Judge>| -> Option<Outcome> {
            let out = j.as_ref()?.outcomes(&record).ok()?;
            out.into_iter().find(|o| Some(&o.check) == check.as_ref())
        };
        let (before, after) = (find(&self.judges.0), find(&self.judges.1));
        let verified = check.is_some() && before != after;
        Witness {
            record,
            check,
            before,
            after,
            verified,
        }
    }
}

/// Point conditions on the kind's money fields that witnesses try when the ends of a
/// region hide a change (rounding, caps).
fn probes(p: &Program, kind: u32) -> Vec<Atom> {
    let Some(k) = p.kinds.get(kind as usize) else {
        return Vec::new();
    };
    let amounts: [i128; 6] = [150, 1_000, 37, 9_999, 3, 123_457];
    let mut out = Vec::new();
    for amount in amounts {
        for (i, f) in k.fields.iter().enumerate() {
            if matches!(f.ty.base(), Ty::Money) {
                let x = amount * i128::from(crate::atoms::MONEY_SCALE) / 10;
                out.push(Atom::Num {
                    pos: vec![i as u32],
                    neg: None,
                    lo: Some(x),
                    hi: Some(x),
                });
            }
        }
    }
    out
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
                "{name}: changes through {} (read directly or through other values)\n",
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

/// A review comment in Markdown: a summary table per check (with `facts`: records that
/// change, violations gained and lost, the change of what is owed), then the rule and
/// schema changes, then every region with its witnesses.
pub fn markdown(r: &Report, facts: Option<&facts::Summary>) -> String {
    let mut s = String::from("## Edict diff\n\n");
    if r.is_empty() && facts.is_none_or(|f| f.changed == 0) {
        s.push_str("No differences: the two versions decide every record alike.\n");
        return s;
    }
    // Per check: its components' regions.
    let mut checks: Vec<String> = r.values.iter().filter_map(|v| v.check.clone()).collect();
    if let Some(f) = facts {
        checks.extend(f.per_check.keys().cloned());
    }
    checks.sort();
    checks.dedup();
    if !checks.is_empty() {
        match facts {
            Some(_) => s.push_str(
                "| check | proved regions | may differ | records that change | new violations | removed violations | compensation Δ (CNY) |\n|---|---:|---:|---:|---:|---:|---:|\n",
            ),
            None => s.push_str("| check | proved regions | may differ |\n|---|---:|---:|\n"),
        }
        for c in &checks {
            let regions = r
                .values
                .iter()
                .filter(|v| v.check.as_ref() == Some(c))
                .flat_map(|v| &v.regions);
            let (mut proved, mut maybe) = (0, 0);
            for g in regions {
                if g.certainty == "differs" {
                    proved += 1;
                } else {
                    maybe += 1;
                }
            }
            s.push_str(&format!("| `{c}` | {proved} | {maybe} |"));
            if let Some(f) = facts {
                let n = f.per_check.get(c).copied().unwrap_or(0);
                let d = f.deltas.get(c).cloned().unwrap_or_default();
                s.push_str(&format!(
                    " {n} | {} | {} | {:+} |",
                    d.new_violations,
                    d.removed_violations,
                    d.compensation.normalize()
                ));
            }
            s.push('\n');
        }
        if let Some(f) = facts {
            s.push_str(&format!(
                "\n{} records compared, {} change, {} could not be evaluated.\n",
                f.records,
                f.changed,
                f.errors.len()
            ));
        }
        s.push('\n');
    }
    let changes: Vec<(&str, &RuleChange)> = r
        .schema
        .iter()
        .map(|c| ("schema", c))
        .chain(r.checks.iter().map(|c| ("check", c)))
        .chain(r.rules.iter().map(|c| ("rule", c)))
        .collect();
    if !changes.is_empty() {
        s.push_str("### Changes\n\n");
        for (what, c) in changes {
            s.push_str(&format!(
                "- {what} `{}` {}: {}\n",
                c.rule,
                c.change,
                c.detail.replace('`', "'")
            ));
        }
        s.push('\n');
    }
    for v in &r.values {
        let name = match &v.check {
            Some(c) => format!("{c} {}", v.value.rsplit('.').next().unwrap_or("")),
            None => v.value.clone(),
        };
        if v.regions.is_empty() && v.incomplete.is_none() {
            continue;
        }
        s.push_str(&format!("### `{name}`\n\n"));
        if !v.inherits.is_empty() {
            s.push_str(&format!(
                "Changes through `{}`.\n\n",
                v.inherits.join("`, `")
            ));
        }
        for g in &v.regions {
            s.push_str(&format!(
                "- **{}** where `{}`:\n  `{}` → `{}`\n",
                g.certainty, g.when, g.before, g.after
            ));
            if let Some(why) = &g.reason {
                s.push_str(&format!("  ({why})\n"));
            }
            for w in &g.witnesses {
                let show = |o: &Option<Outcome>| {
                    o.as_ref().map_or("not applicable".to_string(), |o| {
                        format!(
                            "{}, deadline {}, compensation {}",
                            o.status,
                            o.deadline.as_deref().unwrap_or("-"),
                            o.compensation.as_deref().unwrap_or("-")
                        )
                    })
                };
                s.push_str(&format!(
                    "  - witness `{}`: {} → {}\n",
                    w.record,
                    show(&w.before),
                    show(&w.after)
                ));
            }
        }
        if let Some(why) = &v.incomplete {
            s.push_str(&format!("- may differ: {why}\n"));
        }
        s.push('\n');
    }
    s
}
