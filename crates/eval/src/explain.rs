//! Explanations: the derivation of each finding, built after evaluation.
//!
//! The evaluator's hot path records nothing for explanations. When one is asked for, the
//! decision trees of the values involved are walked again over the memoized results of
//! the same record (values are memoized, and guards and bodies are pure, so this costs
//! little and cannot disagree with the verdict). For each finding the explanation lists, in dependency order
//! (what a value reads comes before it), every value involved — the check's components
//! and, transitively, the values their rules read, when they were evaluated — with its
//! result and the outcome of every rule of its tree:
//!
//! - `applied`: it decided (its body is the value's);
//! - `overridden` by a rule: it applied, but an exception to it (or to the whole value)
//!   decided instead;
//! - `not_applicable`: the first false conjunct of its guard, with the facts and values it
//!   read;
//! - `beaten` by a rule that has priority over it;
//! - `agreed` with a sibling that gave the same value, or `conflict` with one that did not;
//! - `not_reached`: its parent did not apply;
//! - `stopped`: evaluating its guard stopped (conflict or undefined below it).
//!
//! A last step says how the status follows from event, deadline and `as_of`.
//! [`crate::render`] prints all this as JSON (the verdict's `explain`) or as a tree.

use std::collections::BTreeMap;

use ir::{CheckId, Expr, Program, RuleId, Status, Ty, ValueId};
use rust_decimal::Decimal;

use crate::eval::{Cell, Cx, Env, Out, Stop};
use crate::prepare::Shape;

/// Outcomes found so far, with what the deciding conjunct read.
type Walk = BTreeMap<RuleId, (Outcome, Vec<Read>)>;
use crate::val::Val;
use crate::verdict::Finding;

/// Explanations of one verdict, parallel to its findings.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// One per finding, same order.
    pub findings: Vec<FindingExplanation>,
}

/// The derivation of one finding.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingExplanation {
    /// The values involved, dependencies first.
    pub values: Vec<ValueStep>,
    /// How the status follows.
    pub check: CheckStep,
}

/// One value's decision.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueStep {
    /// The value.
    pub value: ValueId,
    /// Its outcome.
    pub result: Out<Val>,
    /// Every rule of its tree, in tree order (bases and their exceptions, then exceptions
    /// to the value), with its nesting depth.
    pub rules: Vec<RuleStep>,
}

/// One rule's part in a decision.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleStep {
    /// The rule.
    pub rule: RuleId,
    /// 0 for bases and exceptions to the value, +1 per level of exception to a rule.
    pub depth: u32,
    /// What happened to it.
    pub outcome: Outcome,
    /// Its body's value, when it applied.
    pub value: Option<Out<Val>>,
    /// What its body read (when it applied), or what its first false conjunct read.
    pub reads: Vec<Read>,
}

/// What happened to a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It decided.
    Applied,
    /// It applied, but `by` decided instead.
    Overridden {
        /// The rule that took over.
        by: RuleId,
    },
    /// Its guard was false.
    NotApplicable {
        /// The first false conjunct's index (its reads are the step's).
        conjunct: usize,
    },
    /// A sibling with priority applied.
    Beaten {
        /// That sibling.
        by: RuleId,
    },
    /// It gave the same value as `with`, which is named as deciding.
    Agreed {
        /// The deciding sibling.
        with: RuleId,
    },
    /// It gave a different value than `with`, and neither has priority.
    Conflict {
        /// The other rule.
        with: RuleId,
    },
    /// Its parent did not apply.
    NotReached,
    /// Its guard could not be evaluated.
    Stopped(Stop),
}

/// A fact or value read by a condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    /// `order.paid_at`, a value id, `status(check)` or `overridden`.
    pub name: String,
    /// Its type, for printing.
    pub ty: Option<Ty>,
    /// What it was.
    pub value: Out<Val>,
}

/// How the check's status follows.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckStep {
    /// The check.
    pub check: CheckId,
    /// The final status.
    pub status: Status,
    /// The status before the exemption.
    pub before_exempt: Status,
    /// The event and its instant (none when it has not happened).
    pub event: Option<Read>,
    /// The deadline.
    pub deadline: Option<i64>,
    /// The evaluation instant.
    pub as_of: i64,
    /// The exemption's value, when it was evaluated.
    pub exempt: Option<bool>,
    /// The compensation, on violations that pay one.
    pub compensation: Option<Decimal>,
    /// The rule that decided the compensation.
    pub compensation_rule: Option<RuleId>,
    /// Why evaluation stopped, for `conflict` and `unknown`.
    pub stop: Option<Stop>,
    /// Whether the check has a deadline / a violated condition.
    pub has_deadline: bool,
    /// Whether the check has a violated condition.
    pub has_violated: bool,
}

impl Cx<'_> {
    /// Explains finding `f` of check `c` (to be called right after evaluating the record).
    pub(crate) fn explain_finding(&mut self, prog: &Program, f: &Finding) -> FindingExplanation {
        let Some(check) = prog.checks.get(f.check as usize) else {
            return FindingExplanation {
                values: Vec::new(),
                check: self.check_step(prog, f, None),
            };
        };
        let mut seen = vec![false; prog.values.len()];
        let mut steps = Vec::new();
        let mut roots: Vec<ValueId> = Vec::new();
        for e in check.after.iter().chain(&check.event) {
            roots.extend(e.dependencies().0);
        }
        for c in check.applies.iter().flat_map(|g| &g.conjuncts) {
            roots.extend(c.expr.dependencies().0);
        }
        let reached = self.check(f.check).reached;
        let components = [
            (1, check.deadline),
            (1, check.violated),
            (2, Some(check.exempt)),
            (3, check.compensation),
        ];
        roots.extend(
            components
                .into_iter()
                .filter(|(stage, _)| reached >= *stage)
                .filter_map(|(_, v)| v),
        );
        for v in roots {
            if self.evaluated(v) {
                self.visit(prog, v, &mut seen, &mut steps);
            }
        }
        FindingExplanation {
            values: steps,
            check: self.check_step(prog, f, Some(check)),
        }
    }

    fn evaluated(&self, v: ValueId) -> bool {
        let constant = self
            .p
            .values
            .get(v as usize)
            .is_some_and(|pv| matches!(pv.shape, Shape::Const(_)));
        constant
            || matches!(self.s.values.get(v, self.s.gen), Some(Cell::Done(_)))
            || matches!(self.s.bases.get(v, self.s.gen), Some(Cell::Done(_)))
    }

    fn visit(&mut self, prog: &Program, v: ValueId, seen: &mut [bool], steps: &mut Vec<ValueStep>) {
        match seen.get_mut(v as usize) {
            Some(s) if !*s => *s = true,
            _ => return,
        }
        let step = self.walk_value(prog, v);
        let mut deps = Vec::new();
        for r in tree_rules(prog, v) {
            let Some(rule) = prog.rules.get(r as usize) else {
                continue;
            };
            deps.extend(rule.body.dependencies().0);
            for c in rule.guard.iter().flat_map(|g| &g.conjuncts) {
                deps.extend(c.expr.dependencies().0);
            }
        }
        deps.sort_unstable();
        deps.dedup();
        for d in deps {
            if self.evaluated(d) {
                // Long chains of values recurse deeply: grow the stack rather than overflow.
                stacker::maybe_grow(256 * 1024, 2 * 1024 * 1024, || {
                    self.visit(prog, d, seen, steps)
                });
            }
        }
        steps.push(step);
    }

    fn walk_value(&mut self, prog: &Program, v: ValueId) -> ValueStep {
        let p = self.p;
        let mut w = BTreeMap::new();
        let result = if self.evaluated_full(v) {
            self.value(v).map(|d| d.0)
        } else {
            self.bases(v).map(|d| d.0)
        };
        if let Some(pv) = p.values.get(v as usize) {
            let exc = self.consider(prog, &pv.exceptions, &mut w);
            if exc.is_empty() {
                self.walk_bases(prog, v, &mut w);
            } else {
                let (winner, _) = self.walk_resolve(prog, &exc, &mut w);
                for r in self.walk_bases(prog, v, &mut w) {
                    w.insert(r, (Outcome::Overridden { by: winner }, Vec::new()));
                }
            }
        }
        let mut rules = Vec::new();
        if let Some(pv) = p.values.get(v as usize) {
            for &r in pv.bases.iter().chain(pv.exceptions.iter()) {
                self.emit(prog, r, 0, &w, &mut rules);
            }
        }
        ValueStep {
            value: v,
            result,
            rules,
        }
    }

    fn evaluated_full(&self, v: ValueId) -> bool {
        let constant = self
            .p
            .values
            .get(v as usize)
            .is_some_and(|pv| matches!(pv.shape, Shape::Const(_)));
        constant || matches!(self.s.values.get(v, self.s.gen), Some(Cell::Done(_)))
    }

    fn emit(&mut self, prog: &Program, r: RuleId, depth: u32, w: &Walk, out: &mut Vec<RuleStep>) {
        if depth > 64 {
            return;
        }
        let (outcome, mut reads) = w
            .get(&r)
            .cloned()
            .unwrap_or((Outcome::NotReached, Vec::new()));
        let value = match outcome {
            Outcome::Applied
            | Outcome::Overridden { .. }
            | Outcome::Agreed { .. }
            | Outcome::Conflict { .. } => {
                if let (Some(rule), Some(ir_rule)) =
                    (self.p.rules.get(r as usize), prog.rules.get(r as usize))
                {
                    let env = self.env_of(r, rule);
                    reads = self.reads(prog, &ir_rule.body, env);
                }
                Some(self.body(r))
            }
            _ => None,
        };
        out.push(RuleStep {
            rule: r,
            depth,
            outcome,
            value,
            reads,
        });
        let p = self.p;
        if let Some(rule) = p.rules.get(r as usize) {
            for &c in rule.children.iter() {
                self.emit(prog, c, depth + 1, w, out);
            }
        }
    }

    /// The members of `list` whose guard holds; the others get their outcome.
    fn consider(&mut self, prog: &Program, list: &[RuleId], w: &mut Walk) -> Vec<RuleId> {
        let mut out = Vec::new();
        for &r in list {
            match self.guard(r) {
                Ok(true) => out.push(r),
                Ok(false) => {
                    let o = self.not_applicable(prog, r);
                    w.insert(r, o);
                }
                Err(s) => {
                    w.insert(r, (Outcome::Stopped(s), Vec::new()));
                }
            }
        }
        out
    }

    /// Marks the decision of `r`; returns the rules that applied on its deciding path.
    fn walk_decide(&mut self, prog: &Program, r: RuleId, w: &mut Walk) -> Vec<RuleId> {
        let p = self.p;
        let children = match p.rules.get(r as usize) {
            Some(rule) => self.consider(prog, &rule.children, w),
            None => Vec::new(),
        };
        if children.is_empty() {
            w.insert(r, (Outcome::Applied, Vec::new()));
            return vec![r];
        }
        let (winner, applied) = self.walk_resolve(prog, &children, w);
        w.insert(r, (Outcome::Overridden { by: winner }, Vec::new()));
        applied
    }

    /// Priority, then agreement: returns the deciding member and its applied path.
    fn walk_resolve(
        &mut self,
        prog: &Program,
        set: &[RuleId],
        w: &mut Walk,
    ) -> (RuleId, Vec<RuleId>) {
        let p = self.p;
        let mut survivors = Vec::new();
        for &r in set {
            let by = set.iter().copied().find(|&o| {
                o != r
                    && p.rules
                        .get(o as usize)
                        .is_some_and(|x| x.beats.binary_search(&r).is_ok())
            });
            match by {
                Some(by) => {
                    w.insert(r, (Outcome::Beaten { by }, Vec::new()));
                }
                None => survivors.push(r),
            }
        }
        self.walk_agree(prog, &survivors, w)
    }

    fn walk_agree(
        &mut self,
        prog: &Program,
        set: &[RuleId],
        w: &mut Walk,
    ) -> (RuleId, Vec<RuleId>) {
        let Some((&first, rest)) = set.split_first() else {
            return (RuleId::MAX, Vec::new());
        };
        let applied = self.walk_decide(prog, first, w);
        let first_val = self.decide(first).map(|d| d.0);
        let mut differs = None;
        for &r in rest {
            let leaves = self.walk_decide(prog, r, w);
            let same = self.decide(r).map(|d| d.0) == first_val;
            for l in leaves {
                let o = if same {
                    Outcome::Agreed { with: first }
                } else {
                    Outcome::Conflict { with: first }
                };
                w.insert(l, (o, Vec::new()));
            }
            if !same && differs.is_none() {
                differs = Some(r);
            }
        }
        if let Some(other) = differs {
            for &l in &applied {
                w.insert(l, (Outcome::Conflict { with: other }, Vec::new()));
            }
        }
        (first, applied)
    }

    fn walk_bases(&mut self, prog: &Program, v: ValueId, w: &mut Walk) -> Vec<RuleId> {
        let p = self.p;
        let Some(pv) = p.values.get(v as usize) else {
            return Vec::new();
        };
        let bases = self.consider(prog, &pv.bases, w);
        self.walk_agree(prog, &bases, w).1
    }

    /// The first false conjunct of `r`'s guard, with what it read.
    fn not_applicable(&mut self, prog: &Program, r: RuleId) -> (Outcome, Vec<Read>) {
        let p = self.p;
        let (Some(rule), Some(ir_rule)) = (p.rules.get(r as usize), prog.rules.get(r as usize))
        else {
            return (Outcome::NotReached, Vec::new());
        };
        let env = self.env_of(r, rule);
        let mut idx = 0;
        for (i, c) in rule.guard.iter().enumerate() {
            if let Ok(false) = c.call(self, env) {
                idx = i;
                break;
            }
        }
        let reads = ir_rule
            .guard
            .as_ref()
            .and_then(|g| g.conjuncts.get(idx))
            .map(|c| self.reads(prog, &c.expr, env))
            .unwrap_or_default();
        (Outcome::NotApplicable { conjunct: idx }, reads)
    }

    /// The facts, values and statuses an expression reads, in order of appearance.
    pub(crate) fn reads(&mut self, prog: &Program, e: &Expr, env: Env) -> Vec<Read> {
        let mut found: Vec<Expr> = Vec::new();
        e.walk(&mut |x| {
            let wanted = matches!(
                x,
                Expr::Field(_) | Expr::Value(_) | Expr::Status(_) | Expr::Overridden
            );
            if wanted && !found.contains(x) {
                found.push(x.clone());
            }
        });
        found
            .into_iter()
            .filter_map(|x| match x {
                Expr::Field(path) => {
                    let (name, ty) = field_name(prog, self.kind, &path);
                    Some(Read {
                        name,
                        ty,
                        value: Ok(self.field(&path)),
                    })
                }
                Expr::Value(v) => Some(Read {
                    name: prog.values.get(v as usize)?.id.clone(),
                    ty: Some(prog.values.get(v as usize)?.ty.clone()),
                    value: self.value(v).map(|d| d.0),
                }),
                Expr::Overridden => Some(Read {
                    name: "overridden".into(),
                    ty: env
                        .value
                        .and_then(|v| prog.values.get(v as usize))
                        .map(|v| v.ty.clone()),
                    value: self.overridden(env),
                }),
                Expr::Status(c) => Some(Read {
                    name: format!("status({})", prog.checks.get(c as usize)?.name),
                    ty: Some(Ty::Status),
                    value: Ok(Val::Status(self.check(c).status)),
                }),
                _ => None,
            })
            .collect()
    }

    fn field(&self, path: &[u32]) -> Val {
        let mut v = match path.first().and_then(|i| self.rec.get(*i as usize)) {
            Some(v) => v,
            None => return Val::Null,
        };
        for &i in &path[1..] {
            match v {
                Val::Record(slots) => match slots.get(i as usize) {
                    Some(x) => v = x,
                    None => return Val::Null,
                },
                _ => return Val::Null,
            }
        }
        v.clone()
    }

    fn check_step(&mut self, prog: &Program, f: &Finding, check: Option<&ir::Check>) -> CheckStep {
        let event = check.and_then(|c| c.event.as_ref()).map(|e| {
            let (name, ty) = match e {
                Expr::Field(path) => field_name(prog, self.kind, path),
                _ => (
                    "event".to_string(),
                    Some(Ty::Optional(Box::new(Ty::Instant))),
                ),
            };
            Read {
                name,
                ty,
                value: Ok(f.actual.map_or(Val::Null, Val::Instant)),
            }
        });
        let exempt = match check {
            Some(c) if self.check(f.check).reached >= 2 => match self.value(c.exempt) {
                Ok((Val::Bool(b), _)) => Some(b),
                _ => None,
            },
            _ => None,
        };
        CheckStep {
            check: f.check,
            status: f.status,
            before_exempt: f.before_exempt,
            event,
            deadline: f.deadline,
            as_of: self.as_of,
            exempt,
            compensation: f.compensation,
            compensation_rule: f.compensation_rule,
            stop: f.stop,
            has_deadline: check.is_some_and(|c| c.deadline.is_some()),
            has_violated: check.is_some_and(|c| c.violated.is_some()),
        }
    }
}

/// Every rule of `v`'s tree, parents before children.
pub(crate) fn tree_rules(prog: &Program, v: ValueId) -> Vec<RuleId> {
    let mut out = Vec::new();
    let Some(val) = prog.values.get(v as usize) else {
        return out;
    };
    let mut todo: Vec<RuleId> = val
        .bases
        .iter()
        .chain(&val.exceptions)
        .rev()
        .copied()
        .collect();
    while let Some(r) = todo.pop() {
        if out.contains(&r) || out.len() > prog.rules.len() {
            continue;
        }
        out.push(r);
        if let Some(rule) = prog.rules.get(r as usize) {
            todo.extend(rule.children.iter().rev());
        }
    }
    out
}

/// `order.origin_status.risk` and its type, for a field path of kind `kind`.
pub(crate) fn field_name(prog: &Program, kind: ir::KindId, path: &[u32]) -> (String, Option<Ty>) {
    let Some(k) = prog.kinds.get(kind as usize) else {
        return (format!("{path:?}"), None);
    };
    let mut name = k.name.clone();
    let mut fields = Some(&k.fields);
    let mut ty = None;
    for &i in path {
        match fields.and_then(|f| f.get(i as usize)) {
            Some(f) => {
                name.push('.');
                name.push_str(&f.name);
                ty = Some(f.ty.clone());
                fields = match f.ty.base() {
                    Ty::Record(r) => prog.records.get(*r as usize).map(|r| &r.fields),
                    _ => None,
                };
            }
            None => {
                name.push_str(&format!(".#{i}"));
                ty = None;
                fields = None;
            }
        }
    }
    (name, ty)
}
