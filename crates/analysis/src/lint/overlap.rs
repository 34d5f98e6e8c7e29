//! L001 (overlapping siblings that disagree) and L002 (dead rules), proved on the guards.
//!
//! Siblings are the rules one step of evaluation chooses among: the bases of a value (dated
//! versions), the exceptions to a value, the exceptions to one rule. Two siblings overlap
//! when the path condition of one (its guard and its ancestors') and the guard of the other
//! have a common record; the witness is a model of that conjunction, strengthened with the
//! applicability of a check that reads the value so the evaluator has a finding to show.

use std::collections::{HashMap, HashSet};

use ir::{Parent, Program, RuleId, ValueId};
use syntax::{Diagnostic, Severity};

use super::{rule_span, DeadRule, Finding, Input, Lint, OverlappingExceptions, Owner};
use crate::atoms::{Atom, Dnf};
use crate::deps::Deps;
use crate::schema::Path;
use crate::solve::{Prefer, Sat};
use crate::space::Space;
use crate::witness;

pub(crate) fn run(input: &Input, out: &mut Vec<Finding>) {
    let p = input.program;
    let deps = Deps::new(p);
    for (vi, v) in p.values.iter().enumerate() {
        let space = Space::new(p, crate::space::value_kind(p, vi as ValueId));
        let mut groups: Vec<&[RuleId]> = vec![&v.bases, &v.exceptions];
        for r in v.bases.iter().chain(&v.exceptions) {
            collect_groups(p, *r, &mut groups, 0);
        }
        let ctx = context(p, &deps, &space, vi as ValueId);
        let mut rules = Rules::default();
        for g in &groups {
            rules.fill(&space, g);
            // Pairs in order of their first bound on one field: a pair whose bounds on a
            // field are apart never overlaps, so the scan of `a`'s partners stops at the
            // first one starting after `a` ends.
            let order = rules.sweep_order(g);
            let pos: HashMap<RuleId, usize> = g.iter().enumerate().map(|(i, r)| (*r, i)).collect();
            let mut pairs: Vec<(usize, usize)> = Vec::new();
            for (i, a) in order.iter().enumerate() {
                for b in &order[i + 1..] {
                    if rules.starts_after(*b, *a) {
                        break;
                    }
                    if rules.apart(*a, *b) || rules.ordered(*a, *b) {
                        continue;
                    }
                    if let (Some(x), Some(y)) = (pos.get(a), pos.get(b)) {
                        pairs.push((*x.min(y), *x.max(y)));
                    }
                }
            }
            // In the group's order, as written.
            pairs.sort_unstable();
            for (x, y) in pairs {
                overlap(input, &space, &ctx, vi as ValueId, g[x], g[y], &rules, out);
            }
            shadowed(input, &space, g, &rules, out);
        }
        for r in all_rules(p, v) {
            dead(input, &space, r, out);
        }
    }
}

fn collect_groups<'p>(p: &'p Program, r: RuleId, groups: &mut Vec<&'p [RuleId]>, depth: usize) {
    let Some(rule) = p.rules.get(r as usize) else {
        return;
    };
    if depth > p.rules.len() {
        return;
    }
    groups.push(&rule.children);
    for c in &rule.children {
        collect_groups(p, *c, groups, depth + 1);
    }
}

fn all_rules(p: &Program, v: &ir::Value) -> Vec<RuleId> {
    let mut out = Vec::new();
    let mut stack: Vec<RuleId> = v.bases.iter().chain(&v.exceptions).copied().collect();
    while let Some(r) = stack.pop() {
        if out.contains(&r) {
            continue;
        }
        out.push(r);
        if let Some(rule) = p.rules.get(r as usize) {
            stack.extend(rule.children.iter().copied());
        }
    }
    out.sort_unstable();
    out
}

/// The applicability of a check that reads the value, and the check's name.
fn context(p: &Program, deps: &Deps, space: &Space, v: ValueId) -> Option<(Dnf, String)> {
    let c = p.checks.get(deps.reader(p, v)? as usize)?;
    if crate::space::value_kind(p, v) != Some(c.kind) {
        return None;
    }
    let mut conds = Vec::new();
    if let Some(a) = &c.after {
        conds.push(ir::Expr::IsSome(Box::new(a.clone()), true));
    }
    for x in c.applies.iter().flat_map(|g| &g.conjuncts) {
        conds.push(x.expr.clone());
    }
    let f = space.formula(Some(&ir::Guard {
        conjuncts: conds
            .into_iter()
            .map(|expr| ir::Conjunct {
                expr,
                text: String::new(),
            })
            .collect(),
    }));
    Some((space.dnf(&f, "the check applies"), c.name.clone()))
}

/// Bounds a DNF puts on one numeric dimension in every cube (`lo`, `hi`; `None`: some
/// cube leaves that end open).
type Hull = HashMap<(Path, Option<Path>), (Option<i128>, Option<i128>)>;

fn hull(d: &Dnf) -> Hull {
    let mut out: Option<Hull> = None;
    for cube in d {
        let mut h: Hull = HashMap::new();
        for a in cube {
            if let Atom::Num { pos, neg, lo, hi } = a {
                let e = h.entry((pos.clone(), neg.clone())).or_insert((None, None));
                if let Some(l) = lo {
                    e.0 = Some(e.0.map_or(*l, |x: i128| x.max(*l)));
                }
                if let Some(x) = hi {
                    e.1 = Some(e.1.map_or(*x, |y: i128| y.min(*x)));
                }
            }
        }
        out = Some(match out {
            None => h,
            Some(acc) => acc
                .into_iter()
                .filter_map(|(k, (lo, hi))| {
                    let (l2, h2) = h.get(&k)?;
                    let lo = lo.zip(*l2).map(|(a, b)| a.min(b));
                    let hi = hi.zip(*h2).map(|(a, b)| a.max(b));
                    (lo.is_some() || hi.is_some()).then_some((k, (lo, hi)))
                })
                .collect(),
        });
    }
    out.unwrap_or_default()
}

/// Per rule of the value: its path and guard DNFs, their numeric hulls, and whom it beats.
#[derive(Default)]
struct Rules {
    path: HashMap<RuleId, Dnf>,
    guard: HashMap<RuleId, Dnf>,
    not_guard: HashMap<RuleId, Dnf>,
    path_hull: HashMap<RuleId, Hull>,
    guard_hull: HashMap<RuleId, Hull>,
    beats: HashMap<RuleId, HashSet<RuleId>>,
    /// The dimension the sweep sorts on, and each rule's bounds there.
    sweep: HashMap<RuleId, (Option<i128>, Option<i128>)>,
    dim: Option<(Path, Option<Path>)>,
}

impl Rules {
    fn fill(&mut self, space: &Space, g: &[RuleId]) {
        let p = space.program;
        for r in g {
            let Some(rule) = p.rules.get(*r as usize) else {
                continue;
            };
            if self.path.contains_key(r) {
                continue;
            }
            let path = space.path_dnf(*r);
            self.path_hull.insert(*r, hull(&path));
            self.path.insert(*r, path);
            let guard = space.guard_dnf(rule);
            self.guard_hull.insert(*r, hull(&guard));
            self.guard.insert(*r, guard);
            self.not_guard.insert(*r, space.not_guard_dnf(rule));
            self.beats.insert(*r, rule.beats.iter().copied().collect());
        }
    }

    /// `g` sorted by the lower bound of their paths on the dimension most of them bound.
    fn sweep_order(&mut self, g: &[RuleId]) -> Vec<RuleId> {
        let mut count: HashMap<&(Path, Option<Path>), usize> = HashMap::new();
        for r in g {
            for (k, (lo, hi)) in self.path_hull.get(r).into_iter().flatten() {
                if lo.is_some() && hi.is_some() {
                    *count.entry(k).or_default() += 1;
                }
            }
        }
        let dim = count
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(k, _)| k.clone());
        self.sweep.clear();
        self.dim = dim.clone();
        for r in g {
            let b = dim
                .as_ref()
                .and_then(|d| self.path_hull.get(r).and_then(|h| h.get(d)).copied())
                .unwrap_or((None, None));
            self.sweep.insert(*r, b);
        }
        let mut order = g.to_vec();
        order.sort_by_key(|r| {
            let lo = self.sweep.get(r).and_then(|b| b.0);
            (lo.is_some(), lo)
        });
        order
    }

    /// Whether `b` (later in the sweep order) starts after `a` ends on the sweep dimension.
    fn starts_after(&self, b: RuleId, a: RuleId) -> bool {
        let (Some((_, Some(a_hi))), Some((Some(b_lo), _))) =
            (self.sweep.get(&a), self.sweep.get(&b))
        else {
            return false;
        };
        b_lo > a_hi
    }

    /// Whether the paths' explicit bounds are apart on some dimension (no common record).
    fn apart(&self, a: RuleId, b: RuleId) -> bool {
        let (Some(ha), Some(hb)) = (self.path_hull.get(&a), self.path_hull.get(&b)) else {
            return false;
        };
        ha.iter().any(|(k, (lo, hi))| {
            hb.get(k).is_some_and(|(l2, h2)| {
                lo.zip(*h2).is_some_and(|(l, h)| l > h) || l2.zip(*hi).is_some_and(|(l, h)| l > h)
            })
        })
    }

    /// Whether a priority orders the two.
    fn ordered(&self, a: RuleId, b: RuleId) -> bool {
        self.beats.get(&a).is_some_and(|s| s.contains(&b))
            || self.beats.get(&b).is_some_and(|s| s.contains(&a))
    }

    /// Whether `a`'s guard may contain `b`'s path, by their explicit bounds: every bound
    /// of `a`'s guard must hold on all of `b`'s path (known only when `b` states it).
    fn may_cover(&self, a: RuleId, b: RuleId) -> bool {
        let (Some(ga), Some(pb)) = (self.guard_hull.get(&a), self.path_hull.get(&b)) else {
            return true;
        };
        if self.guard.get(&a).is_none_or(|d| d.len() != 1) {
            return true;
        }
        ga.iter().all(|(k, (lo, hi))| match pb.get(k) {
            // Bounds `b` does not state explicitly: leave it to the solver.
            None => true,
            Some((l2, h2)) => {
                let low_ok = match (lo, l2) {
                    (Some(l), Some(l2)) => l2 >= l,
                    (Some(_), None) => true,
                    (None, _) => true,
                };
                let high_ok = match (hi, h2) {
                    (Some(h), Some(h2)) => h2 <= h,
                    (Some(_), None) => true,
                    (None, _) => true,
                };
                low_ok && high_ok
            }
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn overlap(
    input: &Input,
    space: &Space,
    ctx: &Option<(Dnf, String)>,
    v: ValueId,
    a: RuleId,
    b: RuleId,
    rules: &Rules,
    out: &mut Vec<Finding>,
) {
    let p = input.program;
    let (Some(ra), Some(rb)) = (p.rules.get(a as usize), p.rules.get(b as usize)) else {
        return;
    };
    if ra.body == rb.body && ra.children.is_empty() && rb.children.is_empty() {
        return;
    }
    let (Some(pa), Some(gb)) = (rules.path.get(&a), rules.guard.get(&b)) else {
        return;
    };
    let both = space.and(pa, gb);
    if both.is_empty() {
        return;
    }
    let kind = crate::space::value_kind(p, v);
    let mut chosen = None;
    if let Some((c, _)) = ctx {
        let with = space.and(&both, c);
        if let Sat::Yes(m) = space.witness(&with, Prefer::Low) {
            chosen = Some(Sat::Yes(m));
        }
    }
    let sat = chosen.unwrap_or_else(|| space.witness(&both, Prefer::Low));
    let (sa, sb) = (rule_span(input, a), rule_span(input, b));
    let help = format!(
        "state which one wins with `priority {} > {}` (or the reverse), or make the guards disjoint",
        short(&ra.id),
        short(&rb.id)
    );
    let owners = vec![Owner::Rule(a), Owner::Rule(b)];
    match sat {
        Sat::No => {}
        Sat::Yes(m) => {
            let mut d = Diagnostic::new(
                OverlappingExceptions::LEVEL,
                OverlappingExceptions::CODE,
                format!(
                    "`{}` and `{}` can both apply and give different values",
                    ra.id, rb.id
                ),
                sb,
                "this exception",
            )
            .with_label(sa, "overlaps this one")
            .with_help(help);
            if let Some(k) = kind {
                let rec = witness::record(p, k, &m, "witness", space.anchor());
                d = d.with_note(format!("witness record: {rec}"));
                if let (Some(ver), Some((_, check))) = (input.verifier, ctx) {
                    match ver.conflict(p, &rec, check) {
                        Some(true) => {
                            d = d.with_note(format!(
                                "verified: evaluating the witness gives `{check}` status `conflict`"
                            ))
                        }
                        Some(false) => {
                            d = d.with_note(format!(
                                "evaluating the witness does not show a conflict on `{check}` (the two values coincide there, or `{check}` does not read the value for it); the rules still overlap"
                            ))
                        }
                        None => {}
                    }
                }
            }
            out.push(Finding { diag: d, owners });
        }
        Sat::Maybe(m) => {
            let conds: Vec<String> = m
                .assumed
                .iter()
                .map(|(t, pos)| {
                    if *pos {
                        t.clone()
                    } else {
                        format!("not ({t})")
                    }
                })
                .collect();
            let d = Diagnostic::new(
                Severity::Note,
                OverlappingExceptions::CODE,
                format!(
                    "undecided: `{}` and `{}` may both apply and give different values",
                    ra.id, rb.id
                ),
                sb,
                "this exception",
            )
            .with_label(sa, "may overlap this one")
            .with_note(format!(
                "they overlap exactly when this also holds, which the analysis cannot decide: {}",
                conds.join(" and ")
            ))
            .with_help(help);
            out.push(Finding { diag: d, owners });
        }
    }
}

/// L002: never applies.
fn dead(input: &Input, space: &Space, r: RuleId, out: &mut Vec<Finding>) {
    let p = input.program;
    let Some(rule) = p.rules.get(r as usize) else {
        return;
    };
    if rule.guard.is_none() || !space.path_dnf(r).is_empty() {
        return;
    }
    // Report only the outermost dead rule.
    if let Parent::Rule(parent) = rule.parent {
        if space.path_dnf(parent).is_empty() {
            return;
        }
    }
    let d = Diagnostic::new(
        DeadRule::LEVEL,
        DeadRule::CODE,
        format!(
            "`{}` can never apply: no record satisfies its guard",
            rule.id
        ),
        rule_span(input, r),
        "never applies",
    )
    .with_note(format!("guard: {}", Space::guard_text(rule.guard.as_ref())))
    .with_help("check the window ends and bounds; remove the rule if it is obsolete");
    out.push(Finding {
        diag: d,
        owners: vec![Owner::Rule(r)],
    });
}

/// L002: a sibling that beats the rule applies whenever it does.
fn shadowed(input: &Input, space: &Space, group: &[RuleId], rules: &Rules, out: &mut Vec<Finding>) {
    let p = input.program;
    let pos: HashMap<RuleId, usize> = group.iter().enumerate().map(|(i, r)| (*r, i)).collect();
    // Who beats whom, in the group's order.
    let mut beaten_by: Vec<Vec<usize>> = vec![Vec::new(); group.len()];
    for (i, a) in group.iter().enumerate() {
        for b in rules.beats.get(a).into_iter().flatten() {
            if let Some(j) = pos.get(b) {
                beaten_by[*j].push(i);
            }
        }
    }
    // Each rule's explicit guard bounds on the sweep dimension.
    let on_dim = |h: Option<&Hull>| {
        rules
            .dim
            .as_ref()
            .and_then(|d| h.and_then(|h| h.get(d)).copied())
            .unwrap_or((None, None))
    };
    let guard_dim: Vec<(Option<i128>, Option<i128>)> = group
        .iter()
        .map(|r| on_dim(rules.guard_hull.get(r)))
        .collect();
    for (j, b) in group.iter().enumerate() {
        let Some(rb) = p.rules.get(*b as usize) else {
            continue;
        };
        let Some(path_b) = rules.path.get(b) else {
            continue;
        };
        if path_b.is_empty() {
            continue;
        }
        let (b_lo, b_hi) = on_dim(rules.path_hull.get(b));
        beaten_by[j].sort_unstable();
        for &i in &beaten_by[j] {
            let a = &group[i];
            if a == b {
                continue;
            }
            // `a`'s guard must bound the dimension no tighter than `b`'s path does.
            let (a_lo, a_hi) = guard_dim[i];
            if a_lo.zip(b_lo).is_some_and(|(x, y)| y < x)
                || a_hi.zip(b_hi).is_some_and(|(x, y)| y > x)
            {
                continue;
            }
            if !rules.may_cover(*a, *b) {
                continue;
            }
            let (Some(not_a), Some(ra)) = (rules.not_guard.get(a), p.rules.get(*a as usize)) else {
                continue;
            };
            if space.and(path_b, not_a).is_empty() {
                let d = Diagnostic::new(
                    DeadRule::LEVEL,
                    DeadRule::CODE,
                    format!(
                        "`{}` never decides: `{}` beats it and applies whenever it does",
                        rb.id, ra.id
                    ),
                    rule_span(input, *b),
                    "always shadowed",
                )
                .with_label(rule_span(input, *a), "this rule wins every time")
                .with_help("remove the shadowed rule, or narrow the winning rule's guard");
                out.push(Finding {
                    diag: d,
                    owners: vec![Owner::Rule(*b)],
                });
                break;
            }
        }
    }
}

fn short(id: &str) -> &str {
    id.rsplit('.').next().unwrap_or(id)
}
