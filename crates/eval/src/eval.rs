//! Evaluating values: the default-logic walk over each value's decision tree.
//!
//! The semantics, exactly (rule lists are taken in rule-id order):
//!
//! - A rule *applies* when every conjunct of its guard is true (no guard: always) and its
//!   parent applies; children are only looked at once their parent applies.
//! - `value(V)`: let `E` be V's exceptions that apply. If `E` is non-empty, `resolve(E)`
//!   decides, and `overridden` is `bases(V)`. Otherwise `bases(V)` decides.
//! - `bases(V)`: the applicable bases. None: *undefined*. One: `decide` it. Several: all are
//!   decided; if they agree the first decides, else a *conflict* of the first two that differ.
//! - `decide(R)`: R's applicable children; none: R's body; else `resolve(children)`.
//! - `resolve(S)`: drop every member beaten (priority, transitively closed) by another member;
//!   one left: `decide` it; several: decide all, agreement or conflict as for bases.
//! - `overridden` in a rule's body (and guard: both see the same binding) is what the rule
//!   overrides: for an exception to a rule P, P's body; for an exception to the value,
//!   `bases(V)`. It is computed lazily, so an exception that ignores it does not need a
//!   base to apply.
//!
//! An outcome is a value or a [`Stop`] (conflict naming two rules, or undefined naming the
//! value, with a [`Reason`]); a stop propagates through everything that reads it, except
//! what short-circuits before reading it (`and`, `or`).
//!
//! Memoized per record in [`Scratch`]: each value's outcome together with the rule that
//! decided it (the verdict's rule chain is that rule's ancestry, precomputed at preparation,
//! after the dynamic prefix of an overridden base or an alias), what the bases of a value
//! with exceptions give (`overridden`), and each check's status. Guards and bodies are
//! evaluated at most once on any decision path, so they are not memoized. Values whose tree
//! is one unguarded base are evaluated directly, and constant ones once, at preparation;
//! values whose exceptions are all leaves by one scan of their guards. The
//! scratch is tagged with a generation number, so starting the next
//! record is O(1) and nothing is allocated per record once the scratch is warm.

use ir::{Parent, RuleId, Status, ValueId};
use rust_decimal::Decimal;

use crate::compile::{Fx, Px, GROW_EVERY, RED_ZONE, STACK_STEP};
use crate::index::RuleList;
use crate::prepare::{Lead, PRule, PValue, Prepared, Shape};
use crate::val::Val;

/// Why evaluation of a value stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Two applicable rules disagree and neither has priority (first two differing, by id).
    Conflict {
        /// The first rule.
        a: RuleId,
        /// The second rule.
        b: RuleId,
    },
    /// No value could be computed.
    Undefined {
        /// The value concerned, when the failure is inside one.
        value: Option<ValueId>,
        /// Why.
        reason: Reason,
    },
}

/// Why a value is undefined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// No base definition applies.
    NoDefinition,
    /// Arithmetic overflow, or rounding to a zero unit.
    Arithmetic,
    /// An operand has the wrong type (a damaged IR, or a checker gap).
    Type,
    /// The IR refers to a field, local, value or rule that does not exist.
    MissingRef,
    /// The value depends on itself.
    Cycle,
    /// `overridden` used where nothing is overridden.
    NoOverridden,
    /// The deadline is absent.
    NoDeadline,
}

pub(crate) type Out<T> = Result<T, Stop>;

/// A value together with the rule whose body produced it.
pub(crate) type Decided = (Val, RuleId);

pub(crate) fn undef(value: Option<ValueId>, reason: Reason) -> Stop {
    Stop::Undefined { value, reason }
}

/// One memo cell per index, valid only for the current generation.
#[derive(Debug)]
pub(crate) struct Memo<T> {
    cells: Vec<(u32, Cell<T>)>,
}

#[derive(Debug, Clone)]
pub(crate) enum Cell<T> {
    Busy,
    Done(T),
}

impl<T> Memo<T> {
    fn new(n: usize) -> Memo<T> {
        Memo {
            cells: (0..n).map(|_| (0, Cell::Busy)).collect(),
        }
    }

    #[inline]
    pub(crate) fn get(&self, i: u32, gen: u32) -> Option<&Cell<T>> {
        match self.cells.get(i as usize) {
            Some((g, c)) if *g == gen => Some(c),
            _ => None,
        }
    }

    #[inline]
    pub(crate) fn set(&mut self, i: u32, gen: u32, c: Cell<T>) {
        if let Some(x) = self.cells.get_mut(i as usize) {
            *x = (gen, c);
        }
    }

    /// Sets cell `i` to `Done(x)` and reads it back in place (`None`: no such cell).
    #[inline]
    fn put(&mut self, i: u32, gen: u32, x: T) -> Option<&T> {
        let cell = self.cells.get_mut(i as usize)?;
        *cell = (gen, Cell::Done(x));
        match &cell.1 {
            Cell::Done(x) => Some(x),
            Cell::Busy => None,
        }
    }

    fn reset(&mut self) {
        for c in &mut self.cells {
            c.0 = 0;
        }
    }
}

/// A check's outcome for one record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CheckOut {
    pub status: Status,
    pub deadline: Option<i64>,
    pub actual: Option<i64>,
    pub compensation: Option<Decimal>,
    pub stop: Option<Stop>,
    /// The status before the exemption was applied.
    pub before_exempt: Status,
    /// The component whose rule chain explains the status.
    pub decider: Option<ValueId>,
    /// The rule that decided `decider`, when it was read without the memo (a lean
    /// deadline): its chain is the rule's static one.
    pub decided_by: Option<RuleId>,
    /// How far evaluation got: 1 deadline or violation condition, 2 exemption,
    /// 3 compensation (for explanations: which components were read).
    pub reached: u8,
}

impl CheckOut {
    pub(crate) fn status(status: Status) -> CheckOut {
        CheckOut {
            status,
            deadline: None,
            actual: None,
            compensation: None,
            stop: None,
            before_exempt: status,
            decider: None,
            decided_by: None,
            reached: 0,
        }
    }
}

/// Per-thread working memory for evaluation, reused across records.
///
/// Make one with [`crate::Evaluator::scratch`] and pass it to every call on the same
/// thread; it must not be shared between evaluators of different programs.
#[derive(Debug)]
pub struct Scratch {
    pub(crate) gen: u32,
    pub(crate) values: Memo<Out<Decided>>,
    pub(crate) bases: Memo<Out<Decided>>,
    pub(crate) checks: Memo<CheckOut>,
    pub(crate) locals: Vec<Val>,
    pub(crate) stack: Vec<RuleId>,
    /// Window-index candidates of the rule lists being looked at.
    pub(crate) cands: Vec<RuleId>,
    /// Working memory of explanations.
    pub(crate) ex: crate::explain::Work,
}

impl Scratch {
    pub(crate) fn new(p: &Prepared) -> Scratch {
        Scratch {
            gen: 0,
            values: Memo::new(p.values.len()),
            bases: Memo::new(p.values.len()),
            checks: Memo::new(p.checks.len()),
            locals: Vec::new(),
            stack: Vec::new(),
            cands: Vec::new(),
            ex: crate::explain::Work::default(),
        }
    }

    /// Starts a new record: every memo becomes stale in O(1).
    pub(crate) fn next_record(&mut self) {
        if self.gen == u32::MAX {
            self.values.reset();
            self.bases.reset();
            self.checks.reset();
            self.ex.forget_guards();
            self.gen = 0;
        }
        self.gen += 1;
        self.locals.clear();
        self.stack.clear();
        self.cands.clear();
    }
}

/// How many rules of a list apply.
enum Applicable {
    None,
    One(RuleId),
    /// Several, pushed onto the stack.
    Many,
}

/// The environment of a rule's guard and body.
pub(crate) fn rule_env(value: ValueId, parent: Parent) -> Env {
    Env {
        value,
        ov: match parent {
            Parent::Base => Env::NONE,
            Parent::Value => Env::BASES,
            Parent::Rule(p) => p,
        },
    }
}

/// What `overridden` means where an expression is evaluated.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ov {
    None,
    Bases(ValueId),
    Body(RuleId),
}

/// Where an expression is evaluated: inside which value, with which `overridden`.
///
/// Two `u32`s rather than `Option<ValueId>` and [`Ov`] (16 bytes): every compiled closure
/// takes an `Env`, and a pair of scalars travels in registers, where the 16-byte struct
/// went through a stack copy whose reload stalled on the stores that had just built it
/// (perf put 10% of `compute_check`'s samples on that reload). Ids this large cannot
/// occur: they would index vectors of four billion values or rules.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Env {
    /// The value, or [`Env::NONE`].
    value: u32,
    /// The parent rule, [`Env::BASES`] (an exception to the value: its bases), or
    /// [`Env::NONE`].
    ov: u32,
}

impl Env {
    const NONE: u32 = u32::MAX;
    const BASES: u32 = u32::MAX - 1;

    /// Outside every value (a check's own expressions): nothing is overridden.
    pub(crate) const TOP: Env = Env {
        value: Env::NONE,
        ov: Env::NONE,
    };

    /// The value being evaluated, if any.
    #[inline(always)]
    pub(crate) fn value(self) -> Option<ValueId> {
        (self.value != Env::NONE).then_some(self.value)
    }

    /// What `overridden` is.
    #[inline(always)]
    pub(crate) fn ov(self) -> Ov {
        match self.ov {
            Env::NONE => Ov::None,
            Env::BASES => Ov::Bases(self.value),
            r => Ov::Body(r),
        }
    }
}

/// The evaluation of one record.
pub(crate) struct Cx<'a> {
    pub p: &'a Prepared,
    pub s: &'a mut Scratch,
    pub rec: &'a [Val],
    pub kind: ir::KindId,
    pub as_of: i64,
    /// Nesting of value evaluations, to stop cycles.
    pub depth: u32,
    /// Nesting of computed operands, to grow the stack in time.
    pub nesting: u32,
}

/// The deepest nesting of values evaluated (a deeper one is reported as a cycle).
const MAX_DEPTH: u32 = ir::MAX_VALUE_DEPTH as u32;

impl<'a> Cx<'a> {
    pub(crate) fn rule(&self, r: RuleId) -> Out<&'a PRule> {
        let p: &'a Prepared = self.p;
        p.rules
            .get(r as usize)
            .ok_or(undef(None, Reason::MissingRef))
    }

    /// The environment of a rule's guard and body.
    #[inline]
    pub(crate) fn env_of(&self, _r: RuleId, rule: &PRule) -> Env {
        rule.env
    }

    /// The outcome of value `v` and the rule that decided it (memoized).
    #[inline]
    pub(crate) fn value(&mut self, v: ValueId) -> Out<Decided> {
        // Constant values never enter the memo: looking there first is exact.
        if let Some(Cell::Done(o)) = self.s.values.get(v, self.s.gen) {
            return o.clone();
        }
        self.value_unmemoized(v)
    }

    /// [`Cx::value`] when the memo does not have it: out of line, so that a memo hit stays
    /// small at every call site.
    #[inline(never)]
    fn value_unmemoized(&mut self, v: ValueId) -> Out<Decided> {
        let p: &'a Prepared = self.p;
        if let Some(pv) = p.values.get(v as usize) {
            if let Shape::Const(d) = &pv.shape {
                return Ok(d.clone());
            }
            if let Some(d) = self.quiet(pv) {
                return Ok(d.clone());
            }
        }
        self.fill_value(v).cloned()
    }

    /// The constant base of a flat value when, for this record, no exception can apply and
    /// seeing so needs no guard: each exception is skipped by the list's key filter, or its
    /// guard opens with conjuncts that read values already in the memo ([`Lead`]), one of
    /// which is false (the guard is then false without a stop, as evaluating it would
    /// find: the conjuncts before it read the same memo and hold). An exemption `false`
    /// with waivers `when <flag> and <check>.deadline <= <constant>` is the typical case:
    /// read for every record of the kind after the flag and the deadline, each is this
    /// test instead of a fill ([`crate::FastPath::Leads`]).
    /// `None`: decide as usual (also for explanations, which need every guard traced and
    /// every value they read in the memo).
    #[inline]
    fn quiet(&self, pv: &'a PValue) -> Option<&'a Decided> {
        let leads = pv.leads.as_deref()?;
        if self.s.ex.explaining {
            return None;
        }
        if let Some(d) = self.gated(pv) {
            return Some(d);
        }
        let rec = self.rec;
        let filter = pv.exceptions.filter().filter(|f| f.trusted(self.kind, rec));
        'exceptions: for (i, &(from, to)) in leads.iter().enumerate() {
            if filter.is_some_and(|f| f.skips(i, rec)) {
                continue;
            }
            for l in pv.lead_tests.get(from as usize..to as usize)? {
                if !self.lead_holds(*l)? {
                    continue 'exceptions;
                }
            }
            // Every lead holds (or there is none): the guard must be evaluated.
            return None;
        }
        match &pv.base_shape {
            Shape::Const(d) => Some(d),
            _ => None,
        }
    }

    /// [`Cx::quiet`]'s common case, tested first: every exception opens with the same
    /// boolean value ([`PValue::gate`]), known to be false.
    #[inline]
    fn gated(&self, pv: &'a PValue) -> Option<&'a Decided> {
        if self.lead_holds(Lead::Flag(pv.gate?)) != Some(false) {
            return None;
        }
        match &pv.base_shape {
            Shape::Const(d) => Some(d),
            _ => None,
        }
    }

    /// What conjunct `l` evaluates to, read in the memo; `None` when the value is not
    /// there (or the comparison would stop).
    #[inline]
    pub(crate) fn lead_holds(&self, l: Lead) -> Option<bool> {
        let w = l.value();
        let x = match self.s.values.get(w, self.s.gen) {
            Some(Cell::Done(Ok((x, _)))) => x,
            _ => match self.p.values.get(w as usize).map(|pw| &pw.shape) {
                Some(Shape::Const((x, _))) => x,
                _ => return None,
            },
        };
        match (l, x) {
            (Lead::Flag(_), Val::Bool(b)) => Some(*b),
            (Lead::Instant(_, op, k), Val::Instant(t)) => Some(op.holds(t.cmp(&k))),
            (Lead::Present(_, want), x) => Some(x.is_null() != want),
            _ => None,
        }
    }

    /// Reads the outcome of value `v` through `f`, in place (no clone of the value): what
    /// [`Cx::value`] gives, minus the deciding rule.
    #[inline]
    pub(crate) fn value_with<R>(&mut self, v: ValueId, f: impl FnOnce(Out<&Val>) -> R) -> R {
        if let Some(Cell::Done(o)) = self.s.values.get(v, self.s.gen) {
            return f(o.as_ref().map(|d| &d.0).map_err(|stop| *stop));
        }
        let p: &'a Prepared = self.p;
        if let Some(pv) = p.values.get(v as usize) {
            if let Shape::Const((d, _)) = &pv.shape {
                return f(Ok(d));
            }
            if let Some((d, _)) = self.quiet(pv) {
                return f(Ok(d));
            }
        }
        f(self.fill_value(v).map(|d| &d.0))
    }

    /// Computes value `v` (not constant, not in the memo) into the memo, and reads it there;
    /// its stop, if any, also when it is not memoized (runaway depth).
    #[inline(never)]
    fn fill_value(&mut self, v: ValueId) -> Out<&Decided> {
        // A cycle (only in a damaged IR: the checker rejects them) shows as runaway depth.
        if self.depth >= MAX_DEPTH {
            return Err(undef(Some(v), Reason::Cycle));
        }
        if (self.depth + 1) % GROW_EVERY == 0 {
            return self.fill_value_grown(v);
        }
        self.fill_value_here(v)
    }

    /// [`Cx::fill_value`] on a stack grown if it runs low.
    #[inline(never)]
    fn fill_value_grown(&mut self, v: ValueId) -> Out<&Decided> {
        stacker::maybe_grow(RED_ZONE, STACK_STEP, || self.fill_value_here(v).map(|_| ()))?;
        match self.s.values.get(v, self.s.gen) {
            Some(Cell::Done(o)) => o.as_ref().map_err(|stop| *stop),
            _ => Err(undef(Some(v), Reason::MissingRef)),
        }
    }

    #[inline(always)]
    fn fill_value_here(&mut self, v: ValueId) -> Out<&Decided> {
        self.depth += 1;
        let out = self.compute_value(v);
        self.depth -= 1;
        match self.s.values.put(v, self.s.gen, out) {
            Some(o) => o.as_ref().map_err(|stop| *stop),
            None => Err(undef(Some(v), Reason::MissingRef)),
        }
    }

    #[inline(always)]
    fn compute_value(&mut self, v: ValueId) -> Out<Decided> {
        let p: &'a Prepared = self.p;
        let pv = p
            .values
            .get(v as usize)
            .ok_or(undef(Some(v), Reason::MissingRef))?;
        match pv.shape {
            Shape::Simple(r) => return self.body(r).map(|x| (x, r)),
            Shape::Const(ref d) => return Ok(d.clone()),
            Shape::General => {}
        }
        if pv.exceptions.is_empty() {
            return self.compute_bases(v);
        }
        if pv.flat {
            return self.flat_value(v, pv);
        }
        let base = self.s.stack.len();
        let out = match self.applicable_in(&pv.exceptions) {
            Ok(Applicable::None) => self.compute_bases(v),
            Ok(Applicable::One(r)) => self.decide(r),
            Ok(Applicable::Many) => self.resolve(base),
            Err(e) => Err(e),
        };
        self.s.stack.truncate(base);
        out
    }

    /// `value(V)` for a [`PValue::flat`] value: one scan of the exceptions' guards (the
    /// key filter skipping as in [`Cx::applicable_in`]); one applies: its body (a leaf
    /// decides itself); none: the bases; several: the general resolution. Exactly the
    /// general walk, without its layers.
    fn flat_value(&mut self, v: ValueId, pv: &'a PValue) -> Out<Decided> {
        let p: &'a Prepared = self.p;
        let rec = self.rec;
        let list: &'a RuleList = &pv.exceptions;
        let filter = list.filter().filter(|f| f.trusted(self.kind, rec));
        let skip = |i: usize| filter.is_some_and(|f| f.skips(i, rec));
        let mut first: Option<(RuleId, &'a PRule)> = None;
        for (i, &r) in list.iter().enumerate() {
            if skip(i) {
                continue;
            }
            let rule = p
                .rules
                .get(r as usize)
                .ok_or(undef(None, Reason::MissingRef))?;
            if !self.rule_guard(r, rule)? {
                continue;
            }
            if first.is_some() {
                // Several apply (a conflict or a priority, rare): the general resolution,
                // its scan evaluating the (pure) guards again.
                let base = self.s.stack.len();
                let out = match self.applicable_where(list, skip) {
                    Ok(Applicable::Many) => self.resolve(base),
                    Ok(Applicable::One(r)) => self.decide(r),
                    Ok(Applicable::None) => self.compute_bases(v),
                    Err(e) => Err(e),
                };
                self.s.stack.truncate(base);
                return out;
            }
            first = Some((r, rule));
        }
        let (r, rule) = match (first, &pv.base_shape) {
            (Some(one), _) => one,
            (None, Shape::Const(d)) => return Ok(d.clone()),
            (None, &Shape::Simple(r)) => (r, self.rule(r)?),
            (None, Shape::General) => return self.compute_bases(v),
        };
        self.eval(&rule.body, rule.env).map(|x| (x, r))
    }

    /// The outcome of `v`'s bases alone (memoized): what a top-level exception overrides.
    pub(crate) fn bases(&mut self, v: ValueId) -> Out<Decided> {
        let gen = self.s.gen;
        if let Some(Cell::Done(o)) = self.s.bases.get(v, gen) {
            return o.clone();
        }
        if self.depth >= MAX_DEPTH {
            return Err(undef(Some(v), Reason::Cycle));
        }
        self.depth += 1;
        let out = self.compute_bases(v);
        self.depth -= 1;
        self.s.bases.set(v, gen, Cell::Done(out.clone()));
        out
    }

    fn compute_bases(&mut self, v: ValueId) -> Out<Decided> {
        let p: &'a Prepared = self.p;
        let pv = p
            .values
            .get(v as usize)
            .ok_or(undef(Some(v), Reason::MissingRef))?;
        match pv.base_shape {
            Shape::Simple(r) => return self.body(r).map(|x| (x, r)),
            Shape::Const(ref d) => return Ok(d.clone()),
            Shape::General => {}
        }
        let base = self.s.stack.len();
        let out = match self.applicable_in(&pv.bases) {
            Ok(Applicable::None) => Err(undef(Some(v), Reason::NoDefinition)),
            Ok(Applicable::One(r)) => self.decide(r),
            Ok(Applicable::Many) => self.agree(base),
            Err(e) => Err(e),
        };
        self.s.stack.truncate(base);
        out
    }

    /// As [`Cx::applicable`], through the list's window index when it has one: only the
    /// index's candidates for this record are looked at, in rule-id order with the rules
    /// outside the index. The others' guards are false without a stop
    /// ([`crate::index`]), so the outcome is the same.
    fn applicable_in(&mut self, list: &'a RuleList) -> Out<Applicable> {
        if let Some(ix) = list.index() {
            let from = self.s.cands.len();
            if ix.candidates(self.kind, self.rec, &mut self.s.cands) {
                let out = self.applicable_merged(from, ix.rest());
                self.s.cands.truncate(from);
                return out;
            }
        }
        if let Some(f) = list.filter() {
            if f.trusted(self.kind, self.rec) {
                let rec = self.rec;
                return self.applicable_where(list, |i| f.skips(i, rec));
            }
        }
        match list.exclusive() {
            // At most one applies, and no guard stops ([`crate::index`]'s `exclusive`):
            // the first that applies is the one. Explanations too: they evaluate the
            // guards left untraced themselves, and these read record fields only.
            Some(slots) if self.rec.len() >= slots => {
                for &r in list.iter() {
                    if self.guard(r)? {
                        return Ok(Applicable::One(r));
                    }
                }
                Ok(Applicable::None)
            }
            _ => self.applicable(list),
        }
    }

    /// [`Cx::applicable`] over `cands[from..]` and `rest` (both sorted), merged by id.
    fn applicable_merged(&mut self, from: usize, rest: &[RuleId]) -> Out<Applicable> {
        // Guards may push (and pop) candidates of other lists above `end`.
        let end = self.s.cands.len();
        let (mut i, mut j) = (from, 0);
        let (mut first, mut many) = (None, false);
        loop {
            let a = if i < end {
                self.s.cands.get(i).copied()
            } else {
                None
            };
            let r = match (a, rest.get(j)) {
                (Some(a), Some(&b)) if b < a => {
                    j += 1;
                    b
                }
                (Some(a), _) => {
                    i += 1;
                    a
                }
                (None, Some(&b)) => {
                    j += 1;
                    b
                }
                (None, None) => break,
            };
            if !self.guard(r)? {
                continue;
            }
            match first {
                None => first = Some(r),
                Some(f) => {
                    if !many {
                        self.s.stack.push(f);
                        many = true;
                    }
                    self.s.stack.push(r);
                }
            }
        }
        Ok(if many {
            Applicable::Many
        } else {
            first.map_or(Applicable::None, Applicable::One)
        })
    }

    /// The members of `list` whose guard holds. The common cases (none, one) touch no
    /// memory; several are pushed onto the stack (the caller truncates it, also on error).
    fn applicable(&mut self, list: &[RuleId]) -> Out<Applicable> {
        self.applicable_where(list, |_| false)
    }

    /// [`Cx::applicable`], skipping the members `skip` says are false without a stop
    /// ([`crate::index::KeyFilter`]).
    #[inline]
    fn applicable_where(
        &mut self,
        list: &[RuleId],
        skip: impl Fn(usize) -> bool,
    ) -> Out<Applicable> {
        let mut first = None;
        for (i, &r) in list.iter().enumerate() {
            if skip(i) || !self.guard(r)? {
                continue;
            }
            let Some(f) = first else {
                first = Some(r);
                continue;
            };
            self.s.stack.extend([f, r]);
            for (j, &later) in list.iter().enumerate().skip(i + 1) {
                if !skip(j) && self.guard(later)? {
                    self.s.stack.push(later);
                }
            }
            return Ok(Applicable::Many);
        }
        Ok(first.map_or(Applicable::None, Applicable::One))
    }

    /// Whether rule `r`'s own guard holds (the parent is not consulted). Not memoized: in
    /// one decision each guard is evaluated once, and explanations may recompute it.
    pub(crate) fn guard(&mut self, r: RuleId) -> Out<bool> {
        let rule = self.rule(r)?;
        self.rule_guard(r, rule)
    }

    /// [`Cx::guard`] of rule `r`, already looked up.
    #[inline(always)]
    fn rule_guard(&mut self, r: RuleId, rule: &'a PRule) -> Out<bool> {
        if rule.guard.is_empty() {
            return Ok(true);
        }
        let env = self.env_of(r, rule);
        if self.s.ex.tracing {
            return self.traced_guard(r, &rule.guard, env);
        }
        self.conjuncts(&rule.guard, env)
    }

    /// Whether every conjunct holds, left to right, stopping at the first false one.
    pub(crate) fn conjuncts(&mut self, conj: &[Px], env: Env) -> Out<bool> {
        for c in conj {
            if !c.call(self, env)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Rule `r`'s body in its own environment. Not memoized: a body is evaluated once on
    /// the deciding path, or once more as the `overridden` of an applicable child.
    pub(crate) fn body(&mut self, r: RuleId) -> Out<Val> {
        let rule = self.rule(r)?;
        let env = self.env_of(r, rule);
        self.eval(&rule.body, env)
    }

    /// `decide(R)`: R's applicable children decide, or else its body.
    pub(crate) fn decide(&mut self, r: RuleId) -> Out<Decided> {
        let rule = self.rule(r)?;
        if rule.children.is_empty() {
            return self.body(r).map(|v| (v, r));
        }
        let base = self.s.stack.len();
        let out = match self.applicable_in(&rule.children) {
            Ok(Applicable::None) => self.body(r).map(|v| (v, r)),
            Ok(Applicable::One(c)) => self.decide(c),
            Ok(Applicable::Many) => self.resolve(base),
            Err(e) => Err(e),
        };
        self.s.stack.truncate(base);
        out
    }

    /// `resolve(stack[base..])`: priority first, then agreement or conflict.
    fn resolve(&mut self, base: usize) -> Out<Decided> {
        let end = self.s.stack.len();
        if end - base == 1 {
            return self.decide(self.s.stack[base]);
        }
        for i in base..end {
            let r = self.s.stack[i];
            if !self.beaten(r, base, end)? {
                self.s.stack.push(r);
            }
        }
        match self.s.stack.len() - end {
            0 => Err(undef(
                self.rule(self.s.stack[base])?.value.into(),
                Reason::Cycle,
            )),
            1 => self.decide(self.s.stack[end]),
            _ => self.agree(end),
        }
    }

    /// Whether a member of `stack[base..end]` other than `r` beats `r`.
    pub(crate) fn beaten(&self, r: RuleId, base: usize, end: usize) -> Out<bool> {
        for &o in &self.s.stack[base..end] {
            if o != r && self.rule(o)?.beats.binary_search(&r).is_ok() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Decides every rule of `stack[from..]`: all equal, the first; else a conflict.
    fn agree(&mut self, from: usize) -> Out<Decided> {
        let first_rule = self.s.stack[from];
        let first = self.decide(first_rule)?;
        for i in from + 1..self.s.stack.len() {
            let r = self.s.stack[i];
            let (v, _) = self.decide(r)?;
            if v != first.0 {
                return Err(Stop::Conflict {
                    a: first_rule,
                    b: r,
                });
            }
        }
        Ok(first)
    }

    /// Evaluates a compiled expression.
    #[inline]
    pub(crate) fn eval(&mut self, f: &Fx, env: Env) -> Out<Val> {
        f.call(self, env)
    }

    /// What `overridden` is in `env`.
    pub(crate) fn overridden(&mut self, env: Env) -> Out<Val> {
        match env.ov() {
            Ov::Bases(v) => self.bases(v).map(|d| d.0),
            Ov::Body(r) => self.body(r),
            Ov::None => Err(undef(env.value(), Reason::NoOverridden)),
        }
    }

    /// The deciding rule of `v` once aliases are followed (for `compensation_rule`).
    pub(crate) fn deciding_rule(&mut self, v: ValueId, depth: u32) -> Option<RuleId> {
        let p: &'a Prepared = self.p;
        if let Some(chain) = p.values.get(v as usize).and_then(|pv| pv.chain.as_deref()) {
            return chain.last().copied();
        }
        let leaf = self.value_leaf(v)?;
        let rule = self.rule(leaf).ok()?;
        match (rule.parent, rule.alias) {
            (Parent::Base, Some(w)) if depth < 64 => {
                self.deciding_rule(w, depth + 1).or(Some(leaf))
            }
            _ => Some(leaf),
        }
    }

    /// The rule that decided `v`, reading the memo in place when it is there.
    fn value_leaf(&mut self, v: ValueId) -> Option<RuleId> {
        match self.s.values.get(v, self.s.gen) {
            Some(Cell::Done(Ok((_, leaf)))) => Some(*leaf),
            Some(Cell::Done(Err(_))) => None,
            _ => self.value(v).ok().map(|d| d.1),
        }
    }

    /// The rule that decided `v`'s bases (what a top-level exception overrode).
    fn bases_leaf(&mut self, v: ValueId) -> Option<RuleId> {
        match self.s.bases.get(v, self.s.gen) {
            Some(Cell::Done(Ok((_, leaf)))) => Some(*leaf),
            Some(Cell::Done(Err(_))) => None,
            _ => self.bases(v).ok().map(|d| d.1),
        }
    }

    /// Appends the rule chain that decided `v`: base first, deciding rule last; a top-level
    /// exception is preceded by the base path it overrode; a leading alias base is replaced
    /// by the chain of the value it names.
    pub(crate) fn chain_into(&mut self, v: ValueId, out: &mut Vec<RuleId>, depth: u32) {
        let p: &'a Prepared = self.p;
        if let Some(chain) = p.values.get(v as usize).and_then(|pv| pv.chain.as_deref()) {
            // Chains are short (one to three rules): pushing beats a `memcpy` call.
            for &r in chain {
                out.push(r);
            }
            return;
        }
        if depth > 64 {
            return;
        }
        if let Some(leaf) = self.value_leaf(v) {
            self.path_into(leaf, out, depth);
        }
    }

    pub(crate) fn path_into(&mut self, leaf: RuleId, out: &mut Vec<RuleId>, depth: u32) {
        let Ok(rule) = self.rule(leaf) else {
            return;
        };
        // Below the alias depth limit, a static chain is what the walk below would produce.
        if let (Some(chain), true) = (rule.chain.as_deref(), depth < 64) {
            for &r in chain {
                out.push(r);
            }
            return;
        }
        let path: &'a [RuleId] = &rule.path;
        let Some(&root) = path.first() else {
            return;
        };
        let Ok(root_rule) = self.rule(root) else {
            return;
        };
        let mut skip_root = false;
        match (root_rule.parent, root_rule.alias) {
            (Parent::Value, _) => {
                if let Some(bleaf) = self.bases_leaf(root_rule.value) {
                    self.path_into(bleaf, out, depth + 1);
                }
            }
            (Parent::Base, Some(w)) if depth < 64 => {
                let before = out.len();
                self.chain_into(w, out, depth + 1);
                skip_root = out.len() > before;
            }
            _ => {}
        }
        // Paths are short (one to three rules): pushing beats a `memcpy` call.
        for &r in &path[usize::from(skip_root)..] {
            out.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_the_generation_forgets_recorded_guards() {
        let program = ir::Program {
            announcements: vec![],
            enums: vec![],
            records: vec![],
            kinds: vec![],
            values: vec![],
            rules: vec![],
            checks: vec![],
        };
        let prepared =
            crate::prepare::prepare(&program, Default::default()).unwrap_or_else(|e| panic!("{e}"));
        let mut s = Scratch::new(&prepared);
        s.gen = u32::MAX;
        s.ex.record_guard_for_test(3, 1);
        s.next_record();
        assert_eq!(s.gen, 1);
        // A guard recorded under generation 1 long ago must not pass for this record's.
        assert!(!s.ex.has_guard_for_test(3, s.gen));
    }
}
