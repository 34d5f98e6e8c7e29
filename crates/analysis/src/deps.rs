//! Who reads what: values read by values and checks, fields read by anything.

use std::collections::BTreeSet;

use ir::{CheckId, Expr, Program, ValueId};

/// The values each value's rules read, and the values each check reads, transitively.
pub struct Deps {
    /// Per check: every value it reads, directly or through other values.
    pub check_values: Vec<BTreeSet<ValueId>>,
}

fn direct_of_value(p: &Program, v: ValueId) -> Vec<ValueId> {
    let mut out = Vec::new();
    let Some(val) = p.values.get(v as usize) else {
        return out;
    };
    for r in val.bases.iter().chain(&val.exceptions) {
        collect_rule(p, *r, &mut out, 0);
    }
    out
}

fn collect_rule(p: &Program, r: ir::RuleId, out: &mut Vec<ValueId>, depth: usize) {
    let Some(rule) = p.rules.get(r as usize) else {
        return;
    };
    if depth > p.rules.len() {
        return;
    }
    out.extend(rule.body.dependencies().0);
    for c in rule.guard.iter().flat_map(|g| &g.conjuncts) {
        out.extend(c.expr.dependencies().0);
    }
    for ch in &rule.children {
        collect_rule(p, *ch, out, depth + 1);
    }
}

fn check_direct(p: &Program, c: &ir::Check) -> Vec<ValueId> {
    let mut out: Vec<ValueId> = [
        c.deadline,
        c.violated,
        Some(c.exempt),
        c.excluded,
        c.compensation,
    ]
    .into_iter()
    .flatten()
    .collect();
    let exprs: Vec<&Expr> = c
        .after
        .iter()
        .chain(c.event.iter())
        .chain(
            c.applies
                .iter()
                .flat_map(|g| g.conjuncts.iter().map(|x| &x.expr)),
        )
        .collect();
    for e in exprs {
        out.extend(e.dependencies().0);
    }
    let _ = p;
    out
}

impl Deps {
    /// Computes the reading relation.
    pub fn new(p: &Program) -> Deps {
        let direct: Vec<Vec<ValueId>> = (0..p.values.len() as u32)
            .map(|v| direct_of_value(p, v))
            .collect();
        // Checks read other checks' statuses: fold those in too.
        let mut check_values = Vec::new();
        for c in &p.checks {
            let mut seen = BTreeSet::new();
            let mut stack = check_direct(p, c);
            while let Some(v) = stack.pop() {
                if seen.insert(v) {
                    if let Some(d) = direct.get(v as usize) {
                        stack.extend(d.iter().copied());
                    }
                }
            }
            check_values.push(seen);
        }
        Deps { check_values }
    }

    /// Whether some check reads the value.
    pub fn used(&self, v: ValueId) -> bool {
        self.check_values.iter().any(|s| s.contains(&v))
    }

    /// A check that reads the value (its own check first).
    pub fn reader(&self, p: &Program, v: ValueId) -> Option<CheckId> {
        if let Some(c) = p.values.get(v as usize).and_then(|x| x.check) {
            return Some(c);
        }
        self.check_values
            .iter()
            .position(|s| s.contains(&v))
            .map(|i| i as CheckId)
    }
}

/// Every field path read anywhere, per fact kind (prefixes included).
pub fn fields_read(p: &Program) -> BTreeSet<(u32, Vec<u32>)> {
    let mut out = BTreeSet::new();
    let mut see = |kind: Option<u32>, e: &Expr| {
        let Some(k) = kind else { return };
        e.walk(&mut |x| {
            if let Expr::Field(path) = x {
                for i in 1..=path.len() {
                    out.insert((k, path[..i].to_vec()));
                }
            }
        });
    };
    for r in &p.rules {
        let kind = p.values.get(r.value as usize).and_then(|v| v.kind);
        see(kind, &r.body);
        for c in r.guard.iter().flat_map(|g| &g.conjuncts) {
            see(kind, &c.expr);
        }
    }
    for c in &p.checks {
        for e in c.after.iter().chain(c.event.iter()) {
            see(Some(c.kind), e);
        }
        for x in c.applies.iter().flat_map(|g| &g.conjuncts) {
            see(Some(c.kind), &x.expr);
        }
    }
    out
}

/// Record-type fields read through list elements (`r.status` in an aggregate): the slot
/// paths relative to the element, per record type.
pub fn local_fields_read(p: &Program) -> BTreeSet<Vec<u32>> {
    let mut out = BTreeSet::new();
    let mut see = |e: &Expr| {
        e.walk(&mut |x| {
            if let Expr::Local { path, .. } = x {
                for i in 1..=path.len() {
                    out.insert(path[..i].to_vec());
                }
            }
        });
    };
    for r in &p.rules {
        see(&r.body);
        for c in r.guard.iter().flat_map(|g| &g.conjuncts) {
            see(&c.expr);
        }
    }
    for c in &p.checks {
        for x in c.applies.iter().flat_map(|g| &g.conjuncts) {
            see(&x.expr);
        }
    }
    out
}
