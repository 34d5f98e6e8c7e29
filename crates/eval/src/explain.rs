//! Explanations: the derivation of each finding, built after evaluation.
//!
//! The evaluator's hot path records nothing for explanations. When one is asked for, the
//! evaluation notes which conjunct of each guard it found false (`traced_guard`), and
//! the decision trees of the values involved are then walked again over the memoized
//! results of the same record (values are memoized, and guards and bodies are pure, so this
//! costs little and cannot disagree with the verdict). For each finding the explanation lists, in
//! dependency order (what a value reads comes before it), every value involved — the
//! check's components and, transitively, the values their rules read, when they were
//! evaluated — with its result and the outcome of every rule of its tree:
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
//!
//! Data model (chosen for speed; see BENCHMARKS.md): an [`Explanation`] is a few flat
//! arenas — value steps, rule steps, reads, field paths — that findings and steps index
//! into, so building one allocates nothing once its buffers are warm
//! ([`crate::Evaluator::evaluate_explained_into`]). A value involved in several findings
//! of a record is walked once and its step shared. What a rule's body and each conjunct of
//! its guard read, each value's tree in print order and the values it depends on are
//! computed once per program (`Plan`, built on the first explanation), and reads name
//! their source (a field path, a value, a status) instead of carrying its name: names and
//! types are looked up in the [`Program`] when printing.

use std::sync::Arc;

use ir::{CheckId, Expr, KindId, Program, RuleId, Status, Ty, ValueId};
use rust_decimal::Decimal;

use crate::compile::{Px, GROW_EVERY, RED_ZONE, STACK_STEP};
use crate::eval::{Cell, Cx, Decided, Env, Out, Stop};
use crate::prepare::{PValue, Prepared, Shape};
use crate::val::Val;
use crate::verdict::Finding;

/// Explanations of one verdict: one per finding (same order), sharing the steps of the
/// values several findings involve.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Explanation {
    kind: KindId,
    findings: Vec<FindingExplanation>,
    /// Per finding (a range of it): indices into `values`, dependencies first.
    order: Vec<u32>,
    values: Vec<ValueStep>,
    rules: Vec<RuleStep>,
    reads: Vec<Read>,
    /// The field paths [`Source::Field`] reads name, shared with the evaluator's plan.
    paths: Option<Arc<[Box<[u32]>]>>,
    /// The JSON of each rule's fixed part, shared with the evaluator's plan (absent in an
    /// explanation built by hand: printing then writes it).
    heads: Option<Arc<[Box<str>]>>,
}

/// The derivation of one finding.
///
/// Owns nothing but its `Val`s: `Explanation::clear` forgets emptied elements instead of
/// dropping them (see `release`), so a field that owns memory must be released there.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingExplanation {
    /// Range of `Explanation::order`.
    values: (u32, u32),
    /// How the status follows.
    pub check: CheckStep,
}

/// One value's decision.
///
/// Owns nothing but its `Val`s: `Explanation::clear` forgets emptied elements instead of
/// dropping them (see `release`), so a field that owns memory must be released there.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueStep {
    /// The value.
    pub value: ValueId,
    /// Its outcome.
    pub result: Out<Val>,
    /// Range of `Explanation::rules`.
    rules: (u32, u32),
}

/// One rule's part in a decision.
///
/// Owns nothing but its `Val`s: `Explanation::clear` forgets emptied elements instead of
/// dropping them (see `release`), so a field that owns memory must be released there.
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
    /// Range of `Explanation::reads`: what its body read (when it applied), or what its
    /// first false conjunct read.
    reads: (u32, u32),
}

/// What happened to a rule.
#[derive(Debug, Clone, Copy, PartialEq)]
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

/// What a read names; [`Explanation::read_name`] spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A fact: a field path of the record (`order.origin_status.risk`), by its number in
    /// the explanation's table ([`Explanation::path`]).
    Field(u32),
    /// A value.
    Value(ValueId),
    /// Another check's status.
    Status(CheckId),
    /// `overridden` inside a rule of this value.
    Overridden(Option<ValueId>),
    /// A check's event that is not a plain field.
    Event,
}

/// A fact or value read by a condition.
///
/// Owns nothing but its `Val`: `Explanation::clear` forgets emptied reads (see `release`).
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    /// What was read.
    pub source: Source,
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

/// The type a check's computed event is printed with.
static EVENT_TY: Ty = Ty::Instant;
/// The type of a status read.
static STATUS_TY: Ty = Ty::Status;

impl Explanation {
    /// Empties the explanation, keeping its buffers.
    pub fn clear(&mut self) {
        // Most values kept are scalars, which own nothing: they are forgotten rather than
        // dropped, sparing a call into `Val`'s drop glue per element.
        release(&mut self.findings, |f| {
            f.check.event.as_mut().map(|r| &mut r.value)
        });
        self.order.clear();
        release(&mut self.values, |s| Some(&mut s.result));
        release(&mut self.rules, |s| s.value.as_mut());
        release(&mut self.reads, |r| Some(&mut r.value));
    }

    /// The ready-made JSON head of rule `r`'s step, when the explanation carries them.
    pub(crate) fn rule_head(&self, r: RuleId) -> Option<&str> {
        self.heads.as_ref()?.get(r as usize).map(|h| &**h)
    }

    /// One per finding of the verdict, in the same order.
    pub fn findings(&self) -> &[FindingExplanation] {
        &self.findings
    }

    /// The values a finding involves, dependencies first.
    pub fn values<'a>(&'a self, f: &FindingExplanation) -> impl Iterator<Item = &'a ValueStep> {
        slice(&self.order, f.values)
            .iter()
            .filter_map(|&i| self.values.get(i as usize))
    }

    /// Every rule of a value's tree, in tree order (bases and their exceptions, then
    /// exceptions to the value).
    pub fn rules(&self, v: &ValueStep) -> &[RuleStep] {
        slice(&self.rules, v.rules)
    }

    /// What a rule's body read (when it applied), or what its first false conjunct read.
    pub fn reads(&self, r: &RuleStep) -> &[Read] {
        slice(&self.reads, r.reads)
    }

    /// The field path of a [`Source::Field`] read.
    pub fn path(&self, source: Source) -> &[u32] {
        match source {
            Source::Field(id) => self
                .paths
                .as_ref()
                .and_then(|p| p.get(id as usize))
                .map_or(&[], |p| p),
            _ => &[],
        }
    }

    /// How a read is named: `order.paid_at`, a value's id, `status(check)`, `overridden`.
    pub fn read_name(&self, p: &Program, r: &Read) -> String {
        let mut s = String::new();
        self.write_read_name(p, r, &mut s);
        s
    }

    /// Appends [`Explanation::read_name`] to `out`.
    pub fn write_read_name(&self, p: &Program, r: &Read, out: &mut String) {
        match r.source {
            Source::Field(_) => field_name_into(p, self.kind, self.path(r.source), out),
            Source::Value(v) => out.push_str(p.values.get(v as usize).map_or("", |x| &x.id)),
            Source::Status(c) => {
                out.push_str("status(");
                out.push_str(p.checks.get(c as usize).map_or("", |x| &x.name));
                out.push(')');
            }
            Source::Overridden(_) => out.push_str("overridden"),
            Source::Event => out.push_str("event"),
        }
    }

    /// The type a read is printed with.
    pub fn read_ty<'p>(&self, p: &'p Program, r: &Read) -> Option<&'p Ty> {
        match r.source {
            Source::Field(_) => p.field_ty(self.kind, self.path(r.source)),
            Source::Value(v) | Source::Overridden(Some(v)) => {
                p.values.get(v as usize).map(|x| &x.ty)
            }
            Source::Status(_) => Some(&STATUS_TY),
            Source::Overridden(None) => None,
            Source::Event => Some(&EVENT_TY),
        }
    }
}

/// Empties `items`, dropping only the values (as `value` finds them) that own something:
/// once they are gone, the elements own nothing (their other fields are plain data), and
/// they are forgotten at once, which is then the same as dropping them and cheaper.
fn release<T>(items: &mut Vec<T>, value: impl Fn(&mut T) -> Option<&mut Out<Val>>) {
    for x in items.iter_mut() {
        if let Some(v) = value(x) {
            if matches!(v, Ok(x) if owns(x)) {
                *v = Ok(Val::Null);
            }
        }
    }
    // A drain leaked at once leaves the vector empty (its length is cut when the drain
    // starts); `clear` makes sure of it, and then has nothing to drop.
    std::mem::forget(items.drain(..));
    items.clear();
}

/// Whether dropping `v` releases anything (exhaustive, so that a new variant must say).
fn owns(v: &Val) -> bool {
    match v {
        Val::Null
        | Val::Bool(_)
        | Val::Int(_)
        | Val::Instant(_)
        | Val::Duration(_)
        | Val::Money(_)
        | Val::Percent(_)
        | Val::Enum(_)
        | Val::Region(_)
        | Val::Window(..)
        | Val::Status(_) => false,
        Val::Str(_) | Val::Regions(_) | Val::Set(_) | Val::List(_) | Val::Record(_) => true,
    }
}

fn slice<T>(items: &[T], (a, b): (u32, u32)) -> &[T] {
    items.get(a as usize..b as usize).unwrap_or(&[])
}

fn range<T>(items: &[T], start: usize) -> (u32, u32) {
    (start as u32, items.len() as u32)
}

// ------------------------------------------------------------------ the plan

/// Something an expression reads, as the explanation reports it.
#[derive(Debug, Clone, PartialEq)]
enum Spec {
    /// The path's number in the plan's table, and the path.
    Field(u32, Box<[u32]>),
    Value(ValueId),
    Status(CheckId),
    Overridden,
}

#[derive(Debug, Default)]
struct RulePlan {
    body: Box<[Spec]>,
    conjuncts: Box<[Box<[Spec]>]>,
    /// The prepared rule's environment and value (none if it is missing).
    prepared: Option<(Env, ValueId)>,
}

#[derive(Debug, Default)]
struct ValuePlan {
    /// Every rule of the tree with its depth, in print order.
    tree: Box<[(RuleId, u32)]>,
    /// The values its rules read (sorted): visited after it, when evaluated.
    deps: Box<[ValueId]>,
}

#[derive(Debug, Default)]
struct CheckPlan {
    /// The values explained, in order, each with the stage of evaluation that reads it
    /// (0: `after`/`event`/`applies`, 1: deadline or violated, 2: exempt, 3: compensation).
    roots: Box<[(u8, ValueId)]>,
    /// The event's path (its number), when it is a plain field.
    event: Option<u32>,
}

/// What explanations need from the program, computed once (on the first explanation).
#[derive(Debug)]
pub(crate) struct Plan {
    /// Per rule: the fixed part of its step's JSON ([`crate::render`]).
    heads: Arc<[Box<str>]>,
    /// Every field path read, numbered.
    paths: Arc<[Box<[u32]>]>,
    rules: Vec<RulePlan>,
    values: Vec<ValuePlan>,
    checks: Vec<CheckPlan>,
}

/// Numbers field paths.
#[derive(Default)]
struct Paths(Vec<Box<[u32]>>);

impl Paths {
    fn id(&mut self, path: &[u32]) -> u32 {
        match self.0.iter().position(|p| **p == *path) {
            Some(i) => i as u32,
            None => {
                self.0.push(path.into());
                (self.0.len() - 1) as u32
            }
        }
    }
}

/// The facts, values and statuses `e` reads, in order of appearance, each once.
fn specs(e: &Expr, paths: &mut Paths) -> Box<[Spec]> {
    let mut found: Vec<Spec> = Vec::new();
    e.walk(&mut |x| {
        let s = match x {
            Expr::Field(path) => Spec::Field(paths.id(path), path.as_slice().into()),
            Expr::Value(v) => Spec::Value(*v),
            Expr::Status(c) => Spec::Status(*c),
            Expr::Overridden => Spec::Overridden,
            _ => return,
        };
        if !found.contains(&s) {
            found.push(s);
        }
    });
    found.into()
}

impl Plan {
    pub(crate) fn new(prog: &Program, prepared: &Prepared) -> Plan {
        let mut paths = Paths::default();
        let rules = prog
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| RulePlan {
                prepared: prepared.rules.get(i).map(|pr| (pr.env, pr.value)),
                body: specs(&r.body, &mut paths),
                conjuncts: r
                    .guard
                    .iter()
                    .flat_map(|g| &g.conjuncts)
                    .map(|c| specs(&c.expr, &mut paths))
                    .collect(),
            })
            .collect();
        let values = (0..prog.values.len())
            .map(|v| {
                let mut deps = Vec::new();
                for r in tree_rules(prog, v as ValueId) {
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
                let mut tree = Vec::new();
                if let Some(pv) = prepared.values.get(v) {
                    for &r in pv.bases.iter().chain(pv.exceptions.iter()) {
                        print_order(prepared, r, 0, &mut tree);
                    }
                }
                ValuePlan {
                    tree: tree.into(),
                    deps: deps.into(),
                }
            })
            .collect();
        let checks = prog
            .checks
            .iter()
            .map(|c| {
                let mut roots = Vec::new();
                for e in c.after.iter().chain(&c.event) {
                    roots.extend(e.dependencies().0.into_iter().map(|v| (0, v)));
                }
                for k in c.applies.iter().flat_map(|g| &g.conjuncts) {
                    roots.extend(k.expr.dependencies().0.into_iter().map(|v| (0, v)));
                }
                let components = [
                    (1, c.deadline),
                    (1, c.violated),
                    (2, Some(c.exempt)),
                    (3, c.compensation),
                ];
                roots.extend(components.into_iter().filter_map(|(s, v)| Some((s, v?))));
                CheckPlan {
                    roots: roots.into(),
                    event: match &c.event {
                        Some(Expr::Field(path)) => Some(paths.id(path)),
                        _ => None,
                    },
                }
            })
            .collect();
        let heads = (0..prog.rules.len())
            .map(|r| {
                let mut s = String::new();
                crate::render::rule_head_json(prog, r as RuleId, &mut s);
                s.into_boxed_str()
            })
            .collect();
        Plan {
            heads,
            paths: paths.0.into(),
            rules,
            values,
            checks,
        }
    }
}

/// `r` and its exceptions, depth first, children in rule-id order.
fn print_order(p: &Prepared, r: RuleId, depth: u32, out: &mut Vec<(RuleId, u32)>) {
    if depth > 64 {
        return;
    }
    out.push((r, depth));
    if let Some(rule) = p.rules.get(r as usize) {
        for &c in rule.children.iter() {
            print_order(p, c, depth + 1, out);
        }
    }
}

// ------------------------------------------------------------------ the walk

/// Working memory of explanations, reused across records (part of [`crate::Scratch`]).
#[derive(Debug, Default)]
pub(crate) struct Work {
    /// Per rule: the walk that set it, its outcome and the range of its reads.
    cells: Vec<(u32, Outcome, (u32, u32))>,
    walk: u32,
    /// Per value: the record that walked it and its step's index.
    steps: Vec<(u32, u32)>,
    record: u32,
    /// Per value: the finding that listed it.
    seen: Vec<u32>,
    finding: u32,
    /// Applicable members of the rule lists being walked.
    stack: Vec<RuleId>,
    /// Rules that applied on the deciding paths being walked.
    leaves: Vec<RuleId>,
    /// How deep `visit` recurses.
    depth: u32,
    /// Whether the evaluation being run records its guards (for an explanation to follow).
    pub(crate) tracing: bool,
    /// Whether an explanation is being built (its evaluation and its walk): the evaluator
    /// then takes none of its shortcuts that leave a value out of the memo, since the walk
    /// reads the memo to tell which values were evaluated.
    pub(crate) explaining: bool,
    /// Per rule: the record (scratch generation) whose evaluation ran its guard, and the
    /// outcome: `None` when it held, else the first false conjunct.
    guards: Vec<(u32, Out<Option<u32>>)>,
}

/// Advances a tag, clearing `cells` when it wraps.
fn bump<T>(tag: &mut u32, cells: &mut [T], reset: impl Fn(&mut T)) {
    if *tag == u32::MAX {
        cells.iter_mut().for_each(reset);
        *tag = 0;
    }
    *tag += 1;
}

impl Work {
    fn begin(&mut self, values: usize, rules: usize) {
        if self.cells.len() < rules {
            self.cells.resize(rules, (0, Outcome::NotReached, (0, 0)));
        }
        if self.steps.len() < values {
            self.steps.resize(values, (0, 0));
            self.seen.resize(values, 0);
        }
        bump(&mut self.record, &mut self.steps, |c| c.0 = 0);
        self.stack.clear();
        self.leaves.clear();
    }

    /// Forgets every recorded guard (the generations they are tagged with start again).
    pub(crate) fn forget_guards(&mut self) {
        self.guards.iter_mut().for_each(|g| g.0 = 0);
    }

    #[cfg(test)]
    pub(crate) fn record_guard_for_test(&mut self, r: RuleId, gen: u32) {
        if self.guards.len() <= r as usize {
            self.guards.resize(r as usize + 1, (0, Ok(None)));
        }
        self.guards[r as usize] = (gen, Ok(Some(0)));
    }

    #[cfg(test)]
    pub(crate) fn has_guard_for_test(&self, r: RuleId, gen: u32) -> bool {
        self.guards.get(r as usize).is_some_and(|g| g.0 == gen)
    }

    fn set(&mut self, r: RuleId, outcome: Outcome, reads: (u32, u32)) {
        if let Some(c) = self.cells.get_mut(r as usize) {
            *c = (self.walk, outcome, reads);
        }
    }

    fn get(&self, r: RuleId) -> (Outcome, (u32, u32)) {
        match self.cells.get(r as usize) {
            Some(&(w, o, reads)) if w == self.walk => (o, reads),
            _ => (Outcome::NotReached, (0, 0)),
        }
    }
}

impl Cx<'_> {
    /// Rule `r`'s guard, recording which conjunct was false (or that it held) so that the
    /// explanation does not evaluate it again.
    pub(crate) fn traced_guard(&mut self, r: RuleId, guard: &[Px], env: Env) -> Out<bool> {
        let mut outcome = Ok(None);
        for (i, c) in guard.iter().enumerate() {
            match c.call(self, env) {
                Ok(true) => {}
                Ok(false) => {
                    outcome = Ok(Some(i as u32));
                    break;
                }
                Err(stop) => {
                    outcome = Err(stop);
                    break;
                }
            }
        }
        let ex = &mut self.s.ex;
        if ex.guards.len() <= r as usize {
            ex.guards
                .resize(self.p.rules.len().max(r as usize + 1), (0, Ok(None)));
        }
        if let Some(cell) = ex.guards.get_mut(r as usize) {
            *cell = (self.s.gen, outcome);
        }
        outcome.map(|o| o.is_none())
    }

    /// Explains every finding of `verdict` (to be called right after evaluating the record)
    /// into `out`.
    pub(crate) fn explain_into(
        &mut self,
        prog: &Program,
        plan: &Plan,
        verdict: &crate::Verdict,
        out: &mut Explanation,
    ) {
        out.clear();
        out.kind = self.kind;
        if !out
            .heads
            .as_ref()
            .is_some_and(|h| Arc::ptr_eq(h, &plan.heads))
        {
            out.heads = Some(plan.heads.clone());
            out.paths = Some(plan.paths.clone());
        }
        self.s.ex.begin(prog.values.len(), prog.rules.len());
        for f in &verdict.findings {
            let fe = self.explain_finding(prog, plan, f, out);
            out.findings.push(fe);
        }
    }

    fn explain_finding(
        &mut self,
        prog: &Program,
        plan: &Plan,
        f: &Finding,
        out: &mut Explanation,
    ) -> FindingExplanation {
        let start = out.order.len();
        let check = prog.checks.get(f.check as usize);
        let ex = &mut self.s.ex;
        bump(&mut ex.finding, &mut ex.seen, |c| *c = 0);
        if let (Some(_), Some(cp)) = (check, plan.checks.get(f.check as usize)) {
            for &(stage, v) in cp.roots.iter() {
                if f.reached >= stage && self.evaluated(v) {
                    self.visit(plan, v, out);
                }
            }
        }
        FindingExplanation {
            values: range(&out.order, start),
            check: self.check_step(plan, f, check),
        }
    }

    /// Whether `v` (or at least its bases) was evaluated for this record.
    fn evaluated(&self, v: ValueId) -> bool {
        self.evaluated_full(v) || matches!(self.s.bases.get(v, self.s.gen), Some(Cell::Done(_)))
    }

    /// Whether `v` was evaluated for this record (constants always are). The memo is read
    /// first: it is small and usually answers.
    fn evaluated_full(&self, v: ValueId) -> bool {
        matches!(self.s.values.get(v, self.s.gen), Some(Cell::Done(_)))
            || self
                .p
                .values
                .get(v as usize)
                .is_some_and(|pv| pv.literal.is_some())
    }

    fn visit(&mut self, plan: &Plan, v: ValueId, out: &mut Explanation) {
        let ex = &mut self.s.ex;
        match ex.seen.get_mut(v as usize) {
            Some(s) if *s != ex.finding => *s = ex.finding,
            _ => return,
        }
        let step = match self.s.ex.steps.get(v as usize) {
            Some(&(rec, i)) if rec == self.s.ex.record => i,
            _ => {
                let i = self.walk_value(plan, v, out);
                if let Some(c) = self.s.ex.steps.get_mut(v as usize) {
                    *c = (self.s.ex.record, i);
                }
                i
            }
        };
        if let Some(vp) = plan.values.get(v as usize) {
            for &d in vp.deps.iter() {
                // (Already listed for this finding: `visit` would return at once.)
                let ex = &self.s.ex;
                let listed = ex.seen.get(d as usize).is_none_or(|&s| s == ex.finding);
                if !listed && self.evaluated(d) {
                    // Long chains of values recurse deeply: every few levels, grow the stack
                    // if it runs low (as the evaluator does).
                    self.s.ex.depth += 1;
                    if self.s.ex.depth % GROW_EVERY == 0 {
                        stacker::maybe_grow(RED_ZONE, STACK_STEP, || self.visit(plan, d, out));
                    } else {
                        self.visit(plan, d, out);
                    }
                    self.s.ex.depth -= 1;
                }
            }
        }
        out.order.push(step);
    }

    /// Walks `v`'s tree and appends its step; returns the step's index. Out of line: it
    /// runs once per value and record, and would weigh on every (recursive) `visit`.
    #[inline(never)]
    fn walk_value(&mut self, plan: &Plan, v: ValueId, out: &mut Explanation) -> u32 {
        let p: &Prepared = self.p;
        if let Some(PValue {
            literal: Some((x, r)),
            ..
        }) = p.values.get(v as usize)
        {
            // A constant: its one rule applied and gave it, whatever the record (what the
            // walk below would find, without looking).
            let start = out.rules.len();
            out.rules.push(RuleStep {
                rule: *r,
                depth: 0,
                outcome: Outcome::Applied,
                value: Some(Ok(x.clone())),
                reads: (0, 0),
            });
            out.values.push(ValueStep {
                value: v,
                result: Ok(x.clone()),
                rules: range(&out.rules, start),
            });
            return (out.values.len() - 1) as u32;
        }
        let ex = &mut self.s.ex;
        bump(&mut ex.walk, &mut ex.cells, |c| c.0 = 0);
        let result = if self.evaluated_full(v) {
            self.value_with(v, |x| x.cloned())
        } else {
            self.bases(v).map(|d| d.0)
        };
        match p.values.get(v as usize) {
            // One unguarded base without exceptions: it applied (the walk below would say
            // the same after looking at empty lists).
            Some(PValue {
                shape: Shape::Simple(r),
                ..
            }) => self.s.ex.set(*r, Outcome::Applied, (0, 0)),
            Some(pv) => self.walk_tree(plan, pv, out),
            None => {}
        }
        let start = out.rules.len();
        if let Some(vp) = plan.values.get(v as usize) {
            for &(r, depth) in vp.tree.iter() {
                self.emit(plan, r, depth, out);
            }
        }
        out.values.push(ValueStep {
            value: v,
            result,
            rules: range(&out.rules, start),
        });
        (out.values.len() - 1) as u32
    }

    /// The outcome of every rule of `pv`'s tree.
    fn walk_tree(&mut self, plan: &Plan, pv: &PValue, out: &mut Explanation) {
        let base = self.consider(plan, &pv.exceptions, out);
        if self.s.ex.stack.len() == base {
            let leaves = self.s.ex.leaves.len();
            self.walk_bases(plan, pv, out);
            self.s.ex.leaves.truncate(leaves);
        } else {
            let leaves = self.s.ex.leaves.len();
            let winner = self.walk_resolve(plan, base, out);
            self.s.ex.leaves.truncate(leaves);
            self.walk_bases(plan, pv, out);
            for i in leaves..self.s.ex.leaves.len() {
                let r = self.s.ex.leaves[i];
                self.s.ex.set(r, Outcome::Overridden { by: winner }, (0, 0));
            }
            self.s.ex.leaves.truncate(leaves);
        }
        self.s.ex.stack.truncate(base);
    }

    fn emit(&mut self, plan: &Plan, r: RuleId, depth: u32, out: &mut Explanation) {
        let (outcome, reads) = self.s.ex.get(r);
        let applied = matches!(
            outcome,
            Outcome::Applied
                | Outcome::Overridden { .. }
                | Outcome::Agreed { .. }
                | Outcome::Conflict { .. }
        );
        // Each step is built where it is pushed (no value carried from branch to branch).
        let rp = plan.rules.get(r as usize);
        let (env, value) = match rp.and_then(|rp| rp.prepared) {
            Some(pr) if applied => pr,
            _ => {
                out.rules.push(RuleStep {
                    rule: r,
                    depth,
                    outcome,
                    value: None,
                    reads,
                });
                return;
            }
        };
        let reads = match rp {
            Some(rp) => self.reads_into(&rp.body, env, out),
            None => reads,
        };
        // The rule that decided the value (or its bases) produced the memoized result: the
        // same body on the same record, not evaluated again.
        let gen = self.s.gen;
        let memo = decided_by(self.s.values.get(value, gen), r)
            .or_else(|| decided_by(self.s.bases.get(value, gen), r))
            .cloned();
        let value = match memo {
            Some(x) => Ok(x),
            None => self.body(r),
        };
        out.rules.push(RuleStep {
            rule: r,
            depth,
            outcome,
            value: Some(value),
            reads,
        });
    }

    /// Pushes the members of `list` whose guard holds onto the walk's stack (from the
    /// returned position); the others get their outcome.
    #[inline]
    fn consider(&mut self, plan: &Plan, list: &[RuleId], out: &mut Explanation) -> usize {
        let base = self.s.ex.stack.len();
        // Most rules have no exceptions: no call for an empty list.
        if !list.is_empty() {
            self.consider_list(plan, list, out);
        }
        base
    }

    /// [`Cx::consider`] of a list that is not empty.
    #[inline(never)]
    fn consider_list(&mut self, plan: &Plan, list: &[RuleId], out: &mut Explanation) {
        for &r in list {
            match self.first_false(r) {
                Ok(None) => self.s.ex.stack.push(r),
                Ok(Some(i)) => {
                    let reads = match plan.rules.get(r as usize) {
                        Some(RulePlan {
                            conjuncts,
                            prepared: Some((env, _)),
                            ..
                        }) => match conjuncts.get(i) {
                            Some(specs) => self.reads_into(specs, *env, out),
                            None => (0, 0),
                        },
                        _ => (0, 0),
                    };
                    self.s
                        .ex
                        .set(r, Outcome::NotApplicable { conjunct: i }, reads);
                }
                Err(s) => self.s.ex.set(r, Outcome::Stopped(s), (0, 0)),
            }
        }
    }

    /// The index of the first false conjunct of `r`'s guard, `None` when it holds: as the
    /// evaluation recorded it, or evaluated now.
    fn first_false(&mut self, r: RuleId) -> Out<Option<usize>> {
        if let Some(&(gen, outcome)) = self.s.ex.guards.get(r as usize) {
            if gen == self.s.gen {
                return outcome.map(|o| o.map(|i| i as usize));
            }
        }
        let rule = self.rule(r)?;
        let env = self.env_of(r, rule);
        for (i, c) in rule.guard.iter().enumerate() {
            if !c.call(self, env)? {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }

    /// Marks the decision of `r`, pushing the rules that applied on its deciding path onto
    /// the walk's leaves.
    #[inline]
    fn walk_decide(&mut self, plan: &Plan, r: RuleId, out: &mut Explanation) {
        let p: &Prepared = self.p;
        match p.rules.get(r as usize) {
            Some(rule) if !rule.children.is_empty() => {
                self.walk_decide_children(plan, r, &rule.children, out)
            }
            // No exceptions (the usual case): it applied, as the walk below would find.
            _ => {
                self.s.ex.set(r, Outcome::Applied, (0, 0));
                self.s.ex.leaves.push(r);
            }
        }
    }

    /// [`Cx::walk_decide`] of a rule with exceptions.
    #[inline(never)]
    fn walk_decide_children(
        &mut self,
        plan: &Plan,
        r: RuleId,
        children: &[RuleId],
        out: &mut Explanation,
    ) {
        let base = self.consider(plan, children, out);
        if self.s.ex.stack.len() == base {
            self.s.ex.set(r, Outcome::Applied, (0, 0));
            self.s.ex.leaves.push(r);
            return;
        }
        let winner = self.walk_resolve(plan, base, out);
        self.s.ex.set(r, Outcome::Overridden { by: winner }, (0, 0));
        self.s.ex.stack.truncate(base);
    }

    /// Priority, then agreement, among `stack[from..]`: returns the deciding member; its
    /// applied path is pushed onto the leaves.
    fn walk_resolve(&mut self, plan: &Plan, from: usize, out: &mut Explanation) -> RuleId {
        let p: &Prepared = self.p;
        let end = self.s.ex.stack.len();
        for i in from..end {
            let r = self.s.ex.stack[i];
            let by = self.s.ex.stack[from..end].iter().copied().find(|&o| {
                o != r
                    && p.rules
                        .get(o as usize)
                        .is_some_and(|x| x.beats.binary_search(&r).is_ok())
            });
            match by {
                Some(by) => self.s.ex.set(r, Outcome::Beaten { by }, (0, 0)),
                None => self.s.ex.stack.push(r),
            }
        }
        let winner = self.walk_agree(plan, end, out);
        self.s.ex.stack.truncate(end);
        winner
    }

    /// Decides every member of `stack[from..]`: agreement or conflict with the first, which
    /// is returned; its applied path is pushed onto the leaves.
    fn walk_agree(&mut self, plan: &Plan, from: usize, out: &mut Explanation) -> RuleId {
        let end = self.s.ex.stack.len();
        let Some(&first) = self.s.ex.stack.get(from) else {
            return RuleId::MAX;
        };
        let applied = self.s.ex.leaves.len();
        self.walk_decide(plan, first, out);
        if end - from == 1 {
            return first;
        }
        let mine = self.s.ex.leaves.len();
        let first_val = self.decide(first).map(|d| d.0);
        let mut differs = None;
        for i in from + 1..end {
            let r = self.s.ex.stack[i];
            self.walk_decide(plan, r, out);
            let same = self.decide(r).map(|d| d.0) == first_val;
            let o = if same {
                Outcome::Agreed { with: first }
            } else {
                Outcome::Conflict { with: first }
            };
            for j in mine..self.s.ex.leaves.len() {
                let l = self.s.ex.leaves[j];
                self.s.ex.set(l, o, (0, 0));
            }
            self.s.ex.leaves.truncate(mine);
            if !same && differs.is_none() {
                differs = Some(r);
            }
        }
        if let Some(other) = differs {
            for j in applied..mine {
                let l = self.s.ex.leaves[j];
                self.s.ex.set(l, Outcome::Conflict { with: other }, (0, 0));
            }
        }
        first
    }

    #[inline(always)]
    fn walk_bases(&mut self, plan: &Plan, pv: &PValue, out: &mut Explanation) {
        let base = self.consider(plan, &pv.bases, out);
        if self.s.ex.stack.len() == base + 1 {
            // One base applies (the usual case): it decides (what `walk_agree` does then).
            let first = self.s.ex.stack[base];
            self.walk_decide(plan, first, out);
        } else {
            self.walk_agree(plan, base, out);
        }
        self.s.ex.stack.truncate(base);
    }

    /// Appends what `specs` read, evaluated in `env`; returns their range.
    #[inline(always)]
    fn reads_into(&mut self, specs: &[Spec], env: Env, out: &mut Explanation) -> (u32, u32) {
        let start = out.reads.len();
        match specs {
            // A constant body reads nothing, and most conditions read one fact: no call.
            [] => {}
            [Spec::Field(id, path)] => self.read_field(*id, path, out),
            [Spec::Value(v)] => self.read_value(*v, out),
            _ => self.reads_list(specs, env, out),
        }
        range(&out.reads, start)
    }

    /// [`Cx::reads_into`] of other specs.
    #[inline(never)]
    fn reads_list(&mut self, specs: &[Spec], env: Env, out: &mut Explanation) {
        for spec in specs {
            // Each read is built where it is pushed (no (source, value) pair in between).
            match spec {
                Spec::Field(id, path) => self.read_field(*id, path, out),
                Spec::Value(v) => self.read_value(*v, out),
                Spec::Overridden => out.reads.push(Read {
                    source: Source::Overridden(env.value()),
                    value: self.overridden(env),
                }),
                Spec::Status(c) => {
                    if (*c as usize) < self.p.checks.len() {
                        out.reads.push(Read {
                            source: Source::Status(*c),
                            value: Ok(Val::Status(self.check(*c).status)),
                        });
                    }
                }
            }
        }
    }

    /// Appends the read of field path `path` (number `id` in the plan).
    #[inline(always)]
    fn read_field(&self, id: u32, path: &[u32], out: &mut Explanation) {
        out.reads.push(Read {
            source: Source::Field(id),
            value: Ok(self.field(path)),
        });
    }

    /// Appends the read of value `v` (nothing for a value the program does not have).
    #[inline(always)]
    fn read_value(&mut self, v: ValueId, out: &mut Explanation) {
        if (v as usize) < self.p.values.len() {
            out.reads.push(Read {
                source: Source::Value(v),
                value: self.value_with(v, |x| x.cloned()),
            });
        }
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

    fn check_step(&mut self, plan: &Plan, f: &Finding, check: Option<&ir::Check>) -> CheckStep {
        let event = check.and_then(|c| c.event.as_ref()).map(|_| {
            let source = match plan
                .checks
                .get(f.check as usize)
                .and_then(|c| c.event.as_ref())
            {
                Some(&id) => Source::Field(id),
                None => Source::Event,
            };
            Read {
                source,
                value: Ok(f.actual.map_or(Val::Null, Val::Instant)),
            }
        });
        let exempt = match check {
            Some(c) if f.reached >= 2 => self.value_with(c.exempt, |x| match x {
                Ok(Val::Bool(b)) => Some(*b),
                _ => None,
            }),
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

/// The value in a memo cell, when rule `r` decided it.
fn decided_by(c: Option<&Cell<Out<Decided>>>, r: RuleId) -> Option<&Val> {
    match c {
        Some(Cell::Done(Ok((x, leaf)))) if *leaf == r => Some(x),
        _ => None,
    }
}

/// Every rule of `v`'s tree, parents before children.
fn tree_rules(prog: &Program, v: ValueId) -> Vec<RuleId> {
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

/// Appends `order.origin_status.risk` for a field path of kind `kind`.
fn field_name_into(prog: &Program, kind: KindId, path: &[u32], out: &mut String) {
    let Some(k) = prog.kinds.get(kind as usize) else {
        out.push_str(&format!("{path:?}"));
        return;
    };
    out.push_str(&k.name);
    prog.walk_path(kind, path, |f| {
        out.push('.');
        match f {
            Ok(f) => out.push_str(&f.name),
            Err(i) => {
                out.push('#');
                out.push_str(&i.to_string());
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Clearing drops the values that own something (and only forgets scalars).
    #[test]
    fn clearing_releases_shared_values() {
        let text: Arc<str> = Arc::from("shared");
        let read = |value| Read {
            source: Source::Event,
            value,
        };
        let mut e = Explanation::default();
        for _ in 0..3 {
            e.reads.push(read(Ok(Val::Str(text.clone()))));
            e.reads.push(read(Ok(Val::Instant(7))));
            e.reads.push(read(Err(Stop::Conflict { a: 0, b: 1 })));
            e.rules.push(RuleStep {
                rule: 0,
                depth: 0,
                outcome: Outcome::Applied,
                value: Some(Ok(Val::Str(text.clone()))),
                reads: (0, 0),
            });
            e.values.push(ValueStep {
                value: 0,
                result: Ok(Val::Str(text.clone())),
                rules: (0, 1),
            });
            e.findings.push(FindingExplanation {
                values: (0, 0),
                check: CheckStep {
                    check: 0,
                    status: Status::Ok,
                    before_exempt: Status::Ok,
                    event: Some(read(Ok(Val::Str(text.clone())))),
                    deadline: None,
                    as_of: 0,
                    exempt: None,
                    compensation: None,
                    compensation_rule: None,
                    stop: None,
                    has_deadline: false,
                    has_violated: false,
                },
            });
        }
        assert_eq!(Arc::strong_count(&text), 13);
        e.clear();
        assert_eq!(Arc::strong_count(&text), 1);
        assert!(e.reads.is_empty() && e.rules.is_empty() && e.values.is_empty());
        assert!(e.findings.is_empty());
    }
}
