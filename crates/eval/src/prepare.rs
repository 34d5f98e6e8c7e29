//! Preparing a program for evaluation, once, before any record.
//!
//! Preparation turns the IR into the form the hot path wants: expressions are compiled into
//! closures ([`crate::compile`]; constants become runtime values once), rule lists are
//! sorted by rule id (the order in which agreement and conflict are decided), checks are
//! grouped by fact kind in check-name order, and every id an expression or rule refers to
//! is checked to be in range, so a damaged or hand-edited IR is rejected here with a
//! message instead of misbehaving later. (The evaluator still reads through `.get()`:
//! nothing in a record can make it panic.)

use std::fmt;

use ir::{ArithOp, CheckId, Const, Expr, KindId, Parent, Program, RuleId, ValueId};

use crate::compile::{Compiler, Fx, Probe, Px};
use crate::eval::{rule_env, Env};
use crate::index::RuleList;
use crate::val::Val;

/// A prepared rule.
#[derive(Debug)]
pub(crate) struct PRule {
    pub value: ValueId,
    pub parent: Parent,
    /// Where its guard and body are evaluated (from value and parent).
    pub env: Env,
    pub guard: Box<[Px]>,
    pub body: Fx,
    /// Sorted by rule id.
    pub children: RuleList,
    pub beats: Box<[RuleId]>,
    /// `Some(w)` when the body is exactly `Expr::Value(w)`.
    pub alias: Option<ValueId>,
    /// The rule's ancestry, root (a base or a top-level exception) first, the rule itself
    /// last: the static part of every rule chain that ends here.
    pub path: Box<[RuleId]>,
    /// The whole rule chain of a finding this rule decides, when it does not depend on the
    /// record: the root is a base that names no value (the chain is `path`), or names a
    /// value whose chain is static (that chain, then `path` without the root).
    pub chain: Option<Box<[RuleId]>>,
}

/// How a value's tree can be evaluated.
#[derive(Debug, Clone)]
pub(crate) enum Shape {
    /// One unguarded base without children, no exceptions, a constant body.
    Const((Val, RuleId)),
    /// One unguarded base without children and no exceptions: its body is the value.
    Simple(RuleId),
    /// Anything else: the full walk.
    General,
}

/// A prepared value.
#[derive(Debug)]
pub(crate) struct PValue {
    pub shape: Shape,
    /// The value's literal and its rule when the value is a constant (one unguarded base
    /// without children, no exceptions, a literal body), whatever the options: what an
    /// explanation shows for it, so that explanations do not depend on [`FastPath::Shapes`].
    pub literal: Option<(Val, RuleId)>,
    /// The shape of the bases alone (what `overridden` evaluates, for values with
    /// exceptions: usually one unguarded base).
    pub base_shape: Shape,
    /// The rule chain, when it does not depend on the record (one unguarded base, aliases
    /// followed).
    pub chain: Option<Box<[RuleId]>>,
    /// Sorted by rule id.
    pub bases: RuleList,
    /// Sorted by rule id.
    pub exceptions: RuleList,
    /// The exceptions are scanned without an index and none has children: the value is
    /// decided by one scan of their guards (see [`crate::eval::Cx::flat_value`]).
    pub flat: bool,
    /// For a flat value with a constant base: per exception (in list order),
    /// `lead_tests[from..to]`, the conjuncts its guard opens with that can be read in the
    /// memo (`when <flag value> and <check>.deadline <= <constant instant>`).
    /// See [`crate::eval::Cx::quiet`] ([`FastPath::Leads`]).
    pub leads: Option<Box<[(u32, u32)]>>,
    pub lead_tests: Box<[Lead]>,
    /// The boolean value every exception's guard opens with, when they all open with the
    /// same one and no key filter applies: while it is false, the value is its base.
    pub gate: Option<ValueId>,
}

/// A prepared check.
#[derive(Debug)]
pub(crate) struct PCheck {
    pub kind: KindId,
    pub after: Option<Probe>,
    pub applies: Box<[Px]>,
    pub event: Option<Probe>,
    pub deadline: Option<ValueId>,
    pub violated: Option<ValueId>,
    pub exempt: ValueId,
    /// When true, the check does not apply (omitted).
    pub excluded: Option<ValueId>,
    pub compensation: Option<ValueId>,
    /// The deadline's base, when reading it through [`crate::checks`]' lean path can do
    /// without the value's decision walk (see [`Lean`]).
    pub lean: Option<Lean>,
    /// The value the deadline names through aliases (`deadline = some_value`), read
    /// in its place: the same outcome, and the same rule chain (an alias base's chain is
    /// the named value's). The deadline itself when it is not an alias.
    pub deadline_read: Option<ValueId>,
    /// The deadline read (`deadline_read`) as a chain of aliases whose exceptions can
    /// each be seen not to apply without their guards (see [`AliasChain`]).
    pub alias_chain: Option<AliasChain>,
    /// The exemption's [`PValue::gate`] and the boolean of its constant base: when the
    /// gate is in the memo and false, no exception can apply and the exemption is that
    /// boolean (what [`crate::eval::Cx`]'s `gated` finds, read without its layers).
    pub exempt_gate: Option<(ValueId, bool)>,
}

/// A deadline decided, on most records, by one of its bases read directly: its one
/// unguarded base (a [`Shape::Simple`] value), or one of several bases each guarded only by
/// a window of one of the record's instants (`deadline as v2 when order.paid_at >=
/// 2000-01-01`), exactly one of which holds ([`FastPath::DirectBases`]). Its exceptions, and the chosen base's
/// children, are all keyed by a window of the record's instants
/// ([`crate::index::KeyFilter`]), so that a record outside every window is decided by the
/// base without evaluating a guard. Every base's rule chain is static.
#[derive(Debug, Clone)]
pub(crate) struct Lean {
    pub value: ValueId,
    pub bases: Box<[LeanBase]>,
}

/// One base of a [`Lean`] deadline.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LeanBase {
    pub rule: RuleId,
    /// `(slot, lo, hi)`: the guard holds exactly when the slot's instant is in `[lo, hi]`
    /// (every conjunct compares that slot with constants); `None`: no guard.
    pub key: Option<(usize, i64, i64)>,
    /// The base's body, when it is `field + constant duration` on a top-level field (the
    /// fraud checks' `order.shipped_at + 24h`): the slot and the duration, read without
    /// calling the compiled body. Any other field value, or an overflow, falls back to the
    /// body, which gives the same outcome or stop as it always does.
    pub shift: Option<(usize, i64)>,
    /// The base has children (all keyed: they must all be skipped).
    pub children: bool,
}

/// A deadline that names another value through a chain of aliases, each with exceptions
/// of its own (`outer = middle`, with an exception guarded by an optional value;
/// `middle = inner`, with windowed exceptions) ([`FastPath::AliasChains`]). On a record
/// where no exception of any link applies, the deadline is the last value named, decided
/// as usual, and every link is decided by its alias base. That is seen without the
/// exceptions' guards: each is skipped by its list's key filter or window index, or opens
/// with a [`Lead`] that is false. [`crate::checks`] then puts each link in the memo as the
/// walk would have left it (the value, decided by the alias base), so that every later
/// reader sees the same thing; the finding's rule chain is the last value's. On any other
/// record it puts nothing.
#[derive(Debug)]
pub(crate) struct AliasChain {
    /// From the deadline down.
    pub links: Box<[Link]>,
    /// The value the last link names.
    pub target: ValueId,
}

/// One value of an [`AliasChain`].
#[derive(Debug)]
pub(crate) struct Link {
    pub value: ValueId,
    /// Its base, `= <next value>`.
    pub base: RuleId,
    /// Per top-level exception, in list order: the rule and the first conjunct of its
    /// guard when that is a [`Lead`].
    pub leads: Box<[(RuleId, Option<Lead>)]>,
}

/// The whole prepared program.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub values: Vec<PValue>,
    pub rules: Vec<PRule>,
    pub checks: Vec<PCheck>,
    /// Per fact kind, its checks in check-name order.
    pub by_kind: Vec<Vec<CheckId>>,
    /// Per check, whether an expression reads its status (only those need a memo).
    pub status_read: Vec<bool>,
}

/// Why a program cannot be evaluated (a damaged or inconsistent IR).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepareError {
    /// What is wrong, naming the rule, value or check.
    pub message: String,
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the IR cannot be evaluated: {}", self.message)
    }
}

impl std::error::Error for PrepareError {}

/// How to prepare a program. Verdicts never depend on these options, only speed does.
///
/// Every fast path the evaluator has is derived from the IR at preparation and has a switch
/// here ([`FastPath`]); with all of them off ([`PrepareOptions::reference`]) every value is
/// decided by the general walk of the module `eval`, the reference the fast paths are
/// compared with (tests on generated policy sets of random shapes, one switch at a time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrepareOptions {
    /// [`FastPath::WindowIndex`].
    pub window_index: bool,
    /// [`FastPath::KeyFilter`].
    pub key_filter: bool,
    /// [`FastPath::Exclusive`].
    pub exclusive: bool,
    /// [`FastPath::Shapes`].
    pub shapes: bool,
    /// [`FastPath::LiteralOperands`].
    pub literal_operands: bool,
    /// [`FastPath::Flat`].
    pub flat: bool,
    /// [`FastPath::Leads`].
    pub leads: bool,
    /// [`FastPath::DirectBases`].
    pub direct_bases: bool,
    /// [`FastPath::AliasReads`].
    pub alias_reads: bool,
    /// [`FastPath::AliasChains`].
    pub alias_chains: bool,
    /// [`FastPath::StaticChains`].
    pub static_chains: bool,
}

/// The evaluator's fast paths, each derived from the shape of the IR, each with a switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FastPath {
    /// Sibling rules keyed by a window of one instant field are found through an index on
    /// that field (module `index`) instead of a scan of every guard.
    WindowIndex,
    /// In lists too short for an index, keyed rules whose window misses the record are
    /// skipped without evaluating their guard.
    KeyFilter,
    /// A list whose guards contradict each other two by two, and cannot stop, is scanned
    /// only up to the first rule that applies.
    Exclusive,
    /// A value that is one unguarded base without exceptions is its body (a constant one is
    /// computed once, at preparation), without the decision walk.
    Shapes,
    /// An operand naming a constant value is compiled as the literal.
    LiteralOperands,
    /// A value whose exceptions have no children is decided by one scan of their guards.
    Flat,
    /// Exceptions whose guards open with conjuncts that read values already decided for
    /// the record (a boolean value, an instant value against a constant, `is some`) are
    /// seen not to apply from those values, without evaluating the guards.
    Leads,
    /// A check's deadline whose bases are unguarded, or each guarded by one window of an
    /// instant field, is read from the base whose window holds when no exception can apply
    /// (all keyed and out of window).
    DirectBases,
    /// A check's deadline that is an alias of another value is read as that value.
    AliasReads,
    /// A deadline that names a value through a chain of aliases, each with exceptions of
    /// its own, is read as the last value when no exception of any link can apply.
    AliasChains,
    /// Rule chains that do not depend on the record are computed once, at preparation.
    StaticChains,
}

impl FastPath {
    /// Every fast path.
    pub const ALL: [FastPath; 11] = [
        FastPath::WindowIndex,
        FastPath::KeyFilter,
        FastPath::Exclusive,
        FastPath::Shapes,
        FastPath::LiteralOperands,
        FastPath::Flat,
        FastPath::Leads,
        FastPath::DirectBases,
        FastPath::AliasReads,
        FastPath::AliasChains,
        FastPath::StaticChains,
    ];

    /// Its name, as `EDICT_FAST_PATHS` and the benchmarks spell it.
    pub fn name(self) -> &'static str {
        match self {
            FastPath::WindowIndex => "window_index",
            FastPath::KeyFilter => "key_filter",
            FastPath::Exclusive => "exclusive",
            FastPath::Shapes => "shapes",
            FastPath::LiteralOperands => "literal_operands",
            FastPath::Flat => "flat",
            FastPath::Leads => "leads",
            FastPath::DirectBases => "direct_bases",
            FastPath::AliasReads => "alias_reads",
            FastPath::AliasChains => "alias_chains",
            FastPath::StaticChains => "static_chains",
        }
    }

    /// The fast path named `name`.
    pub fn from_name(name: &str) -> Option<FastPath> {
        FastPath::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl Default for PrepareOptions {
    fn default() -> PrepareOptions {
        PrepareOptions {
            window_index: true,
            key_filter: true,
            exclusive: true,
            shapes: true,
            literal_operands: true,
            flat: true,
            leads: true,
            direct_bases: true,
            alias_reads: true,
            alias_chains: true,
            static_chains: true,
        }
    }
}

impl PrepareOptions {
    /// Every fast path off: the general walk alone.
    pub fn reference() -> PrepareOptions {
        FastPath::ALL
            .into_iter()
            .fold(PrepareOptions::default(), |o, f| o.with(f, false))
    }

    /// These options with fast path `f` on or off.
    pub fn with(mut self, f: FastPath, on: bool) -> PrepareOptions {
        *self.switch(f) = on;
        self
    }

    /// Whether fast path `f` is on.
    pub fn has(mut self, f: FastPath) -> bool {
        *self.switch(f)
    }

    /// The switch of fast path `f`.
    fn switch(&mut self, f: FastPath) -> &mut bool {
        match f {
            FastPath::WindowIndex => &mut self.window_index,
            FastPath::KeyFilter => &mut self.key_filter,
            FastPath::Exclusive => &mut self.exclusive,
            FastPath::Shapes => &mut self.shapes,
            FastPath::LiteralOperands => &mut self.literal_operands,
            FastPath::Flat => &mut self.flat,
            FastPath::Leads => &mut self.leads,
            FastPath::DirectBases => &mut self.direct_bases,
            FastPath::AliasReads => &mut self.alias_reads,
            FastPath::AliasChains => &mut self.alias_chains,
            FastPath::StaticChains => &mut self.static_chains,
        }
    }

    /// Reads a switch list: `all` (the default), `none` (the reference walk), or names to
    /// turn off, each with a leading `-` (`-leads,-direct_bases`).
    pub fn parse(text: &str) -> Result<PrepareOptions, String> {
        match text.trim() {
            "" | "all" => return Ok(PrepareOptions::default()),
            "none" => return Ok(PrepareOptions::reference()),
            _ => {}
        }
        let mut o = PrepareOptions::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let name = part.strip_prefix('-').ok_or_else(|| {
                format!("`{part}`: write `-NAME` to turn a fast path off, or `all` / `none`")
            })?;
            let f = FastPath::from_name(name).ok_or_else(|| {
                let names: Vec<&str> = FastPath::ALL.iter().map(|f| f.name()).collect();
                format!("no fast path `{name}`; there are {}", names.join(", "))
            })?;
            o = o.with(f, false);
        }
        Ok(o)
    }
}

impl Compiler<'_> {
    fn value_id(&self, v: ValueId) -> Result<ValueId, PrepareError> {
        if (v as usize) < self.p.values.len() {
            Ok(v)
        } else {
            Err(PrepareError {
                message: format!("{}: value #{v} does not exist", self.place),
            })
        }
    }

    fn rule_ids(&self, ids: &[RuleId]) -> Result<Box<[RuleId]>, PrepareError> {
        let mut out = ids.to_vec();
        if let Some(bad) = out.iter().find(|r| **r as usize >= self.p.rules.len()) {
            return Err(PrepareError {
                message: format!("{}: rule #{bad} does not exist", self.place),
            });
        }
        out.sort_unstable();
        out.dedup();
        Ok(out.into())
    }

    fn fail<T>(&self, what: String) -> Result<T, PrepareError> {
        Err(PrepareError {
            message: format!("{}: {what}", self.place),
        })
    }
}

/// Prepares `p` (see the module doc).
pub(crate) fn prepare(p: &Program, opts: PrepareOptions) -> Result<Prepared, PrepareError> {
    let mut cx = Compiler {
        p,
        place: String::new(),
        literal_operands: opts.literal_operands,
    };
    let mut rules = Vec::with_capacity(p.rules.len());
    for (i, r) in p.rules.iter().enumerate() {
        cx.place = format!("rule {}", r.id);
        cx.value_id(r.value)?;
        if let Parent::Rule(parent) = r.parent {
            match p.rules.get(parent as usize) {
                Some(pr) if pr.value == r.value && parent as usize != i => {}
                _ => {
                    return cx.fail(format!(
                        "its parent rule #{parent} is missing or defines another value"
                    ))
                }
            }
        }
        let alias = match &r.body {
            Expr::Value(w) => Some(*w),
            _ => None,
        };
        rules.push(PRule {
            value: r.value,
            parent: r.parent,
            env: rule_env(r.value, r.parent),
            guard: cx.guard(r.guard.as_ref())?,
            body: cx.compile(&r.body)?,
            children: RuleList::new(
                p,
                p.values.get(r.value as usize).and_then(|v| v.kind),
                cx.rule_ids(&r.children)?,
                opts,
            ),
            beats: cx.rule_ids(&r.beats)?,
            alias,
            path: Box::new([]),
            chain: None,
        });
    }
    fill_paths(&mut rules);
    let mut values = Vec::with_capacity(p.values.len());
    for v in &p.values {
        cx.place = format!("value {}", v.id);
        let bases = RuleList::new(p, v.kind, cx.rule_ids(&v.bases)?, opts);
        let exceptions = RuleList::new(p, v.kind, cx.rule_ids(&v.exceptions)?, opts);
        let literal = match (&bases[..], &exceptions[..]) {
            ([r], []) => match (rules.get(*r as usize), p.rules.get(*r as usize)) {
                (Some(pr), Some(ir_rule)) if pr.guard.is_empty() && pr.children.is_empty() => {
                    match &ir_rule.body {
                        Expr::Const(c) => Some((Val::from_const(c), *r)),
                        _ => None,
                    }
                }
                _ => None,
            },
            _ => None,
        };
        let base_shape = match &bases[..] {
            [r] if opts.shapes => match (rules.get(*r as usize), p.rules.get(*r as usize)) {
                (Some(pr), Some(ir_rule)) if pr.guard.is_empty() && pr.children.is_empty() => {
                    match &ir_rule.body {
                        Expr::Const(c) => Shape::Const((Val::from_const(c), *r)),
                        _ => Shape::Simple(*r),
                    }
                }
                _ => Shape::General,
            },
            _ => Shape::General,
        };
        let shape = if exceptions.is_empty() {
            base_shape.clone()
        } else {
            Shape::General
        };
        let flat = opts.flat
            && !exceptions.is_empty()
            && exceptions.index().is_none()
            && exceptions.iter().all(|r| {
                rules
                    .get(*r as usize)
                    .is_some_and(|pr: &PRule| pr.children.is_empty())
            });
        values.push(PValue {
            shape,
            literal,
            base_shape,
            chain: None,
            bases,
            exceptions,
            flat,
            leads: None,
            lead_tests: Box::new([]),
            gate: None,
        });
    }
    let mut checks = Vec::with_capacity(p.checks.len());
    for c in &p.checks {
        cx.place = format!("check {}", c.name);
        if c.kind as usize >= p.kinds.len() {
            return cx.fail(format!("fact kind #{} does not exist", c.kind));
        }
        for v in [
            c.deadline,
            c.violated,
            Some(c.exempt),
            c.excluded,
            c.compensation,
        ]
        .into_iter()
        .flatten()
        {
            cx.value_id(v)?;
        }
        checks.push(PCheck {
            kind: c.kind,
            after: c.after.as_ref().map(|e| cx.probe(e)).transpose()?,
            applies: cx.guard(c.applies.as_ref())?,
            event: c.event.as_ref().map(|e| cx.probe(e)).transpose()?,
            deadline: c.deadline,
            violated: c.violated,
            exempt: c.exempt,
            excluded: c.excluded,
            compensation: c.compensation,
            lean: None,
            deadline_read: None,
            alias_chain: None,
            exempt_gate: None,
        });
    }
    if opts.static_chains {
        static_chains(&mut values, &rules);
        rule_chains(&values, &mut rules);
    }
    for v in 0..values.len() {
        let pv = &values[v];
        if !(opts.leads && matches!(pv.base_shape, Shape::Const(_)) && pv.flat) {
            continue;
        }
        let (mut ranges, mut tests) = (Vec::new(), Vec::new());
        for &r in pv.exceptions.iter() {
            let from = tests.len() as u32;
            tests.extend(leads(p.rules.get(r as usize), &values, &rules));
            ranges.push((from, tests.len() as u32));
        }
        let first = |&(from, to): &(u32, u32)| match tests.get(from as usize).filter(|_| to > from)
        {
            Some(&Lead::Flag(g)) => Some(g),
            _ => None,
        };
        let gate = match ranges.split_first() {
            Some((head, rest)) if pv.exceptions.filter().is_none() => {
                first(head).filter(|g| rest.iter().all(|r| first(r) == Some(*g)))
            }
            _ => None,
        };
        values[v].gate = gate;
        values[v].leads = Some(ranges.into());
        values[v].lead_tests = tests.into();
    }
    for pc in &mut checks {
        pc.lean = pc
            .deadline
            .filter(|_| opts.direct_bases)
            .and_then(|d| lean(d, values.get(d as usize)?, &rules, &p.rules));
        pc.deadline_read = pc.deadline.map(|d| {
            if opts.alias_reads {
                unalias(d, &values, &rules)
            } else {
                d
            }
        });
        if pc.lean.is_none() && opts.alias_chains {
            pc.alias_chain = pc
                .deadline_read
                .and_then(|d| alias_chain(d, &values, &rules, &p.rules));
        }
        pc.exempt_gate = values
            .get(pc.exempt as usize)
            .filter(|_| opts.leads)
            .and_then(|pv| match (pv.gate, &pv.base_shape) {
                (Some(g), Shape::Const((Val::Bool(b), _))) => Some((g, *b)),
                _ => None,
            });
    }
    let mut by_kind = vec![Vec::new(); p.kinds.len()];
    let mut order: Vec<CheckId> = (0..p.checks.len() as CheckId).collect();
    order.sort_by(|a, b| p.checks[*a as usize].name.cmp(&p.checks[*b as usize].name));
    for c in order {
        if let Some(list) = by_kind.get_mut(p.checks[c as usize].kind as usize) {
            list.push(c);
        }
    }
    let mut status_read = vec![false; p.checks.len()];
    let mut see = |e: &Expr| {
        e.walk(&mut |x| {
            if let Expr::Status(c) = x {
                if let Some(read) = status_read.get_mut(*c as usize) {
                    *read = true;
                }
            }
        })
    };
    for r in &p.rules {
        see(&r.body);
        r.guard
            .iter()
            .flat_map(|g| &g.conjuncts)
            .for_each(|c| see(&c.expr));
    }
    for c in &p.checks {
        c.after.iter().chain(&c.event).for_each(&mut see);
        c.applies
            .iter()
            .flat_map(|g| &g.conjuncts)
            .for_each(|c| see(&c.expr));
    }
    // What the loader checks and the above does not: override trees without cycles (the
    // evaluator recurses along them), also for programs built in code.
    p.validate().map_err(|message| PrepareError { message })?;
    Ok(Prepared {
        values,
        rules,
        checks,
        by_kind,
        status_read,
    })
}

/// The value `v` names through aliases: while `v` is one unguarded base whose body is
/// exactly another value, that value (a bounded walk: `validate` rejected cycles, and a
/// damaged chain stops where it is).
fn unalias(mut v: ValueId, values: &[PValue], rules: &[PRule]) -> ValueId {
    for _ in 0..64 {
        let next = match values.get(v as usize).map(|pv| &pv.shape) {
            Some(&Shape::Simple(r)) => rules.get(r as usize).and_then(|pr| pr.alias),
            _ => None,
        };
        match next {
            Some(w) if (w as usize) < values.len() && w != v => v = w,
            _ => break,
        }
    }
    v
}

/// A leading conjunct of a guard that [`crate::eval::Cx::quiet`] and the [`AliasChain`]
/// test can read in the memo: a boolean value, an instant value compared with a constant
/// instant, or `value is some` / `is none`. The value is the
/// one it names through aliases (an alias has its target's outcome, stop included): a
/// check reads its deadline there (a `<check>.deadline` written `= some_value`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lead {
    Flag(ValueId),
    Instant(ValueId, ir::CmpOp, i64),
    /// `value is some` (`true`) or `is none`.
    Present(ValueId, bool),
}

impl Lead {
    /// The value the conjunct reads.
    pub(crate) fn value(self) -> ValueId {
        match self {
            Lead::Flag(w) | Lead::Instant(w, ..) | Lead::Present(w, _) => w,
        }
    }
}

/// The [`Lead`]s a rule's guard opens with.
fn leads(rule: Option<&ir::Rule>, values: &[PValue], rules: &[PRule]) -> Vec<Lead> {
    let conjuncts = rule
        .and_then(|r| r.guard.as_ref())
        .map_or(&[][..], |g| &g.conjuncts);
    conjuncts
        .iter()
        .map_while(|c| match &c.expr {
            Expr::Value(w) => Some(Lead::Flag(unalias(*w, values, rules))),
            Expr::IsSome(x, want) => match &**x {
                Expr::Value(w) => Some(Lead::Present(unalias(*w, values, rules), *want)),
                _ => None,
            },
            Expr::Cmp(op, a, b) => match (&**a, &**b) {
                (Expr::Value(w), Expr::Const(Const::Instant(k))) => {
                    Some(Lead::Instant(unalias(*w, values, rules), *op, *k))
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The [`AliasChain`] from value `d`, when `d` is a link: its bases are one unguarded
/// alias, and each of its exceptions opens with a [`Lead`] or has a key.
fn alias_chain(
    mut d: ValueId,
    values: &[PValue],
    rules: &[PRule],
    ir_rules: &[ir::Rule],
) -> Option<AliasChain> {
    let mut links = Vec::new();
    // A chain is short; the bound only stops a damaged one.
    while links.len() < 64 {
        let Some(pv) = values.get(d as usize) else {
            break;
        };
        let (Shape::Simple(base), false) = (&pv.base_shape, pv.exceptions.is_empty()) else {
            break;
        };
        let Some(next) = rules.get(*base as usize).and_then(|r| r.alias) else {
            break;
        };
        let keys = pv.exceptions.filter();
        let index = pv.exceptions.index();
        let leads: Vec<(RuleId, Option<Lead>)> = pv
            .exceptions
            .iter()
            .map(|&r| {
                let lead = leads(ir_rules.get(r as usize), values, rules)
                    .first()
                    .copied();
                (r, lead)
            })
            .collect();
        let keyed = |i: usize, r: RuleId| {
            keys.is_some_and(|f| f.keys(i)) || index.is_some_and(|ix| !ix.rest().contains(&r))
        };
        if !leads
            .iter()
            .enumerate()
            .all(|(i, &(r, lead))| lead.is_some() || keyed(i, r))
        {
            break;
        }
        links.push(Link {
            value: d,
            base: *base,
            leads: leads.into(),
        });
        d = next;
    }
    (!links.is_empty()).then(|| AliasChain {
        links: links.into(),
        target: d,
    })
}

/// The [`Lean`] reading of deadline `d`, when it has one.
fn lean(d: ValueId, pv: &PValue, rules: &[PRule], ir_rules: &[ir::Rule]) -> Option<Lean> {
    let keyed = pv.exceptions.is_empty()
        || (pv.flat && pv.exceptions.filter().is_some_and(|f| f.keys_every_rule()));
    if !keyed {
        return None;
    }
    let shift_of = |r: RuleId| ir_rules.get(r as usize).and_then(|r| shift(&r.body));
    let bases: Vec<LeanBase> = match pv.base_shape {
        Shape::Simple(base) => vec![LeanBase {
            rule: base,
            key: None,
            shift: shift_of(base),
            children: false,
        }],
        Shape::General => pv
            .bases
            .iter()
            .map(|&r| {
                let guard = ir_rules.get(r as usize)?.guard.as_ref()?;
                let key = crate::index::exact_key(&guard.conjuncts)?;
                let children = &rules.get(r as usize)?.children;
                let keyed =
                    children.is_empty() || children.filter().is_some_and(|f| f.keys_every_rule());
                keyed.then_some(LeanBase {
                    rule: r,
                    key: Some(key),
                    shift: shift_of(r),
                    children: !children.is_empty(),
                })
            })
            .collect::<Option<_>>()?,
        Shape::Const(_) => return None,
    };
    let static_chain = |b: &LeanBase| {
        rules
            .get(b.rule as usize)
            .is_some_and(|r| r.chain.is_some())
    };
    (!bases.is_empty() && bases.iter().all(static_chain)).then(|| Lean {
        value: d,
        bases: bases.into(),
    })
}

/// `(slot, d)` when `body` is `field + d` for a top-level field and a constant duration.
fn shift(body: &Expr) -> Option<(usize, i64)> {
    match body {
        Expr::Arith(ArithOp::InstantAddDuration, a, b) => match (&**a, &**b) {
            (Expr::Field(path), Expr::Const(Const::Duration(d))) if path.len() == 1 => {
                Some((path[0] as usize, *d))
            }
            _ => None,
        },
        _ => None,
    }
}

/// Fills [`PRule::path`]. Parent links were checked to stay within one value; the walk is
/// bounded anyway (a cycle, which `validate` rejects, cannot make it loop).
fn fill_paths(rules: &mut [PRule]) {
    for i in 0..rules.len() {
        let mut path = vec![i as RuleId];
        let mut r = i;
        while let Some(PRule {
            parent: Parent::Rule(p),
            ..
        }) = rules.get(r)
        {
            if path.len() > rules.len() {
                break;
            }
            path.push(*p);
            r = *p as usize;
        }
        path.reverse();
        rules[i].path = path.into_boxed_slice();
    }
}

/// Fills [`PRule::chain`] (after [`static_chains`]).
fn rule_chains(values: &[PValue], rules: &mut [PRule]) {
    for i in 0..rules.len() {
        let Some(&root) = rules[i].path.first() else {
            continue;
        };
        let chain = match rules.get(root as usize).map(|r| (r.parent, r.alias)) {
            Some((Parent::Base, None)) => Some(rules[i].path.clone()),
            Some((Parent::Base, Some(w))) => {
                match values.get(w as usize).and_then(|pw| pw.chain.as_deref()) {
                    Some(c) if !c.is_empty() => {
                        let mut chain = c.to_vec();
                        chain.extend_from_slice(rules[i].path.get(1..).unwrap_or_default());
                        Some(chain.into_boxed_slice())
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        rules[i].chain = chain;
    }
}

/// Fills [`PValue::chain`] where the chain is the same for every record: a value decided
/// by its one unguarded base, through aliases whose chains are static too.
fn static_chains(values: &mut [PValue], rules: &[PRule]) {
    // Each pass settles at least one more level of aliases; the depth is bounded.
    for _ in 0..64 {
        let mut changed = false;
        for v in 0..values.len() {
            if values[v].chain.is_some() {
                continue;
            }
            let r = match values[v].shape {
                Shape::Simple(r) | Shape::Const((_, r)) => r,
                Shape::General => continue,
            };
            let chain = match rules.get(r as usize).and_then(|rule| rule.alias) {
                None => Some(vec![r].into_boxed_slice()),
                Some(w) => values.get(w as usize).and_then(|pw| pw.chain.clone()),
            };
            if chain.is_some() {
                values[v].chain = chain;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}
