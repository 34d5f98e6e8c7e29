//! L001 (overlapping siblings that disagree) and L002 (dead rules), proved on the guards.
//!
//! Siblings are the rules one step of evaluation chooses among: the bases of a value (dated
//! versions), the exceptions to a value, the exceptions to one rule. Two siblings overlap
//! when the path condition of one (its guard and its ancestors') and the guard of the other
//! have a common record; the witness is a model of that conjunction, strengthened with the
//! applicability of a check that reads the value so the evaluator has a finding to show.

use ir::{Parent, Program, RuleId, ValueId};
use syntax::{Diagnostic, Severity};

use super::{rule_span, Finding, Input, Owner};
use crate::atoms::Dnf;
use crate::deps::Deps;
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
        for g in &groups {
            for (i, a) in g.iter().enumerate() {
                for b in &g[i + 1..] {
                    overlap(input, &space, &ctx, vi as ValueId, *a, *b, out);
                }
            }
            shadowed(input, &space, g, out);
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

fn overlap(
    input: &Input,
    space: &Space,
    ctx: &Option<(Dnf, String)>,
    v: ValueId,
    a: RuleId,
    b: RuleId,
    out: &mut Vec<Finding>,
) {
    let p = input.program;
    let (Some(ra), Some(rb)) = (p.rules.get(a as usize), p.rules.get(b as usize)) else {
        return;
    };
    if ra.beats.contains(&b) || rb.beats.contains(&a) {
        return;
    }
    if ra.body == rb.body && ra.children.is_empty() && rb.children.is_empty() {
        return;
    }
    let both = space.and(&space.path_dnf(a), &space.guard_dnf(rb));
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
                Severity::Warning,
                "L001",
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
                "L001",
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
        Severity::Warning,
        "L002",
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
fn shadowed(input: &Input, space: &Space, group: &[RuleId], out: &mut Vec<Finding>) {
    let p = input.program;
    for b in group {
        let Some(rb) = p.rules.get(*b as usize) else {
            continue;
        };
        let path_b = space.path_dnf(*b);
        if path_b.is_empty() {
            continue;
        }
        for a in group {
            let Some(ra) = p.rules.get(*a as usize) else {
                continue;
            };
            if a == b || !ra.beats.contains(b) {
                continue;
            }
            if space.and(&path_b, &space.not_guard_dnf(ra)).is_empty() {
                let d = Diagnostic::new(
                    Severity::Warning,
                    "L002",
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
