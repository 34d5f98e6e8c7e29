//! Checks: from event, deadline and `as_of` to a status, uniformly.
//!
//! For a record of the check's kind (other kinds' checks are skipped):
//!
//! 1. `after` present and none, or an `applies` conjunct false: not applicable (omitted).
//! 2. With a deadline: an event instant is `ok` when `event <= deadline`, else `violated`;
//!    no event yet is `pending` while `as_of <= deadline`, else `violated`. With a violated
//!    condition instead: `violated` when it holds, else `ok`. Neither: `ok`.
//! 3. The exemption is always evaluated; when it holds the status becomes `exempt`, unless
//!    it is the `ok` of a check that has a deadline or a violated condition (exemptions
//!    excuse failures, they do not hide successes).
//! 4. The compensation is evaluated only when the final status is `violated`.
//!
//! Any stop on the way makes the status `conflict` (naming both rules) or `unknown` (naming
//! the undefined value). Another check's status, read by `Expr::Status`, is a value (so a
//! conflict there is the status `conflict`, not a stop), memoized like values (only the
//! checks whose status some expression reads have a memo: the others are computed once).

use ir::{CheckId, RuleId, Status, ValueId};

use crate::eval::{undef, Cell, CheckOut, Cx, Decided, Env, Out, Reason, Stop};
use crate::index::RuleList;
use crate::prepare::{AliasChain, Lean, Link, PCheck, Shape};
use crate::val::Val;

impl Cx<'_> {
    /// The outcome of check `c` for this record (memoized).
    pub(crate) fn check(&mut self, c: CheckId) -> CheckOut {
        let mut out = CheckOut::status(Status::NotApplicable);
        self.check_into(c, &mut out);
        out
    }

    /// [`Cx::check`] written into `out` (which it resets): the run loop keeps one
    /// `CheckOut` for every check of a record instead of copying 80 bytes up through each
    /// layer.
    #[inline]
    pub(crate) fn check_into(&mut self, c: CheckId, out: &mut CheckOut) {
        if !self.p.status_read.get(c as usize).is_some_and(|&read| read) {
            // Nothing reads this check's status: it is computed once per record (and
            // recomputed, purely, by explanations), no memo needed.
            return self.compute_check(c, out);
        }
        let gen = self.s.gen;
        match self.s.checks.get(c, gen) {
            Some(Cell::Done(o)) => return *out = *o,
            Some(Cell::Busy) => return *out = stopped(undef(None, Reason::Cycle)),
            None => {}
        }
        self.s.checks.set(c, gen, Cell::Busy);
        self.compute_check(c, out);
        self.s.checks.set(c, gen, Cell::Done(*out));
    }

    fn compute_check(&mut self, c: CheckId, out: &mut CheckOut) {
        let p = self.p;
        *out = CheckOut::status(Status::NotApplicable);
        match p.checks.get(c as usize) {
            Some(pc) if pc.kind == self.kind => {
                if let Err(stop) = self.run_check(pc, out) {
                    let reached = out.reached;
                    *out = stopped(stop);
                    out.reached = reached;
                }
            }
            Some(_) => {}
            None => *out = stopped(undef(None, Reason::MissingRef)),
        }
    }

    /// A [`Lean`] deadline's instant and deciding base, when this record is decided by one
    /// of its bases (the unguarded one, or the one whose window holds the record's
    /// instant, all others' not) and that base gives an instant: read without the value's
    /// walk, then put in the memo as the walk would have left it (the instant and the
    /// base). `None` (also while explaining, when the memo already has the value, and when
    /// a key's field holds no instant, or no base or several hold): read it as usual,
    /// which gives any stop exactly as before (evaluation is pure, so evaluating the base
    /// twice changes nothing).
    #[inline]
    fn lean(&mut self, l: &Lean) -> Option<(i64, RuleId)> {
        if self.s.ex.explaining {
            return None;
        }
        let p = self.p;
        let rec = self.rec;
        let pv = p.values.get(l.value as usize)?;
        let skipped = |list: &RuleList| {
            list.filter().is_some_and(|f| {
                f.trusted(self.kind, rec) && (0..list.len()).all(|i| f.skips(i, rec))
            })
        };
        if !pv.exceptions.is_empty() && !skipped(&pv.exceptions) {
            return None;
        }
        if let Some(Cell::Done(_)) = self.s.values.get(l.value, self.s.gen) {
            return None;
        }
        let mut chosen = None;
        for b in l.bases.iter() {
            let holds = match b.key {
                None => true,
                Some((slot, lo, hi)) => match rec.get(slot) {
                    Some(Val::Instant(t)) => lo <= *t && *t <= hi,
                    _ => return None,
                },
            };
            if holds && chosen.replace(b).is_some() {
                return None;
            }
        }
        let b = chosen?;
        if b.children && !skipped(&p.rules.get(b.rule as usize)?.children) {
            return None;
        }
        let shifted = b.shift.and_then(|(slot, d)| match rec.get(slot) {
            Some(Val::Instant(t)) => t.checked_add(d).and_then(crate::ops::in_range),
            _ => None,
        });
        let t = match shifted {
            Some(t) => t,
            None => {
                let rule = p.rules.get(b.rule as usize)?;
                self.depth += 1;
                let out = self.eval(&rule.body, rule.env);
                self.depth -= 1;
                match out {
                    Ok(Val::Instant(t)) => t,
                    _ => return None,
                }
            }
        };
        // What filling the memo would have put there: a later reader (an exemption whose
        // guard compares the check's deadline with a constant) reads it instead of walking
        // the value again.
        self.s.values.set(
            l.value,
            self.s.gen,
            Cell::Done(Ok((Val::Instant(t), b.rule))),
        );
        Some((t, b.rule))
    }

    /// Whether gate `g` ([`PCheck::exempt_gate`]) is in the memo and false, outside
    /// explanations (which read the exemption's guards as usual).
    ///
    /// The first exemption to ask reads the gate here: it is what every exception's guard
    /// reads first, so reading it before them changes nothing (a stop stays in the memo
    /// for the guard to find).
    #[inline]
    fn gate_closed(&mut self, g: ValueId) -> bool {
        if self.s.ex.explaining {
            return false;
        }
        let closed = |c: Option<&Cell<Out<Decided>>>| {
            matches!(c, Some(Cell::Done(Ok((Val::Bool(false), _)))))
        };
        match self.s.values.get(g, self.s.gen) {
            Some(c) => closed(Some(c)),
            None => {
                self.value_with(g, |_| ());
                closed(self.s.values.get(g, self.s.gen))
            }
        }
    }

    /// Decides the links of `chain` by their alias bases when, for this record, no
    /// exception of any link applies ([`AliasChain`]): the last value named is decided as
    /// usual, and each link is put in the memo as the walk would have left it. Returns the
    /// rule that decided the last value when its rule chain is static (the finding's
    /// chain, which the walk would reach through every link). Otherwise (also while
    /// explaining, or when a link is already known) nothing is put, and the deadline is
    /// read as usual.
    ///
    /// A lead's value not yet in the memo is read here: it is what the exception's guard
    /// reads first, and the exceptions are looked at in the walk's order, so reading it
    /// now changes nothing (a stop stays in the memo for the walk to find).
    fn read_chain(&mut self, chain: &AliasChain) -> Option<RuleId> {
        if self.s.ex.explaining {
            return None;
        }
        for link in chain.links.iter() {
            if self.s.values.get(link.value, self.s.gen).is_some() || !self.quiet_link(link) {
                return None;
            }
        }
        let (x, leaf) = self.value(chain.target).ok()?;
        for link in chain.links.iter() {
            self.s.values.set(
                link.value,
                self.s.gen,
                Cell::Done(Ok((x.clone(), link.base))),
            );
        }
        let p = self.p;
        p.rules
            .get(leaf as usize)
            .is_some_and(|r| r.chain.is_some())
            .then_some(leaf)
    }

    /// Whether no exception of `link`'s value applies, seen by keys and leads alone.
    fn quiet_link(&mut self, link: &Link) -> bool {
        let p = self.p;
        let Some(pv) = p.values.get(link.value as usize) else {
            return false;
        };
        let rec = self.rec;
        let list = &pv.exceptions;
        let index = list.index();
        if let Some(ix) = index {
            // Keyed rules are skipped when the index has no candidate; the rest are read.
            let from = self.s.cands.len();
            let none =
                ix.candidates(self.kind, rec, &mut self.s.cands) && self.s.cands.len() == from;
            self.s.cands.truncate(from);
            if !none {
                return false;
            }
        }
        let filter = list.filter().filter(|f| f.trusted(self.kind, rec));
        for (i, &(r, lead)) in link.leads.iter().enumerate() {
            let skipped = match index {
                Some(ix) => !ix.rest().contains(&r),
                None => filter.is_some_and(|f| f.skips(i, rec)),
            };
            if skipped {
                continue;
            }
            let Some(lead) = lead else {
                return false;
            };
            if self.lead_holds(lead).is_none() {
                self.value_with(lead.value(), |_| ());
            }
            if self.lead_holds(lead) != Some(false) {
                return false;
            }
        }
        true
    }

    /// A boolean component (exemption, exclusion); constants skip the decision walk.
    #[inline]
    fn flag(&mut self, v: ValueId) -> Out<bool> {
        match self.p.values.get(v as usize).map(|x| &x.shape) {
            Some(&Shape::Const((Val::Bool(b), _))) => Ok(b),
            _ => self.value_with(v, |x| match x? {
                Val::Bool(b) => Ok(*b),
                _ => Err(undef(Some(v), Reason::Type)),
            }),
        }
    }

    /// Runs check `pc` into `out`, which starts as `NotApplicable` with nothing set; on a
    /// stop, `out.reached` says how far it got.
    fn run_check(&mut self, pc: &PCheck, out: &mut CheckOut) -> Out<()> {
        let env = Env::TOP;
        if let Some(after) = &pc.after {
            if self.probe_is_null(after, env)? {
                return Ok(());
            }
        }
        if !self.conjuncts(&pc.applies, env)? {
            return Ok(());
        }
        if let Some(x) = pc.excluded {
            if self.flag(x)? {
                return Ok(());
            }
        }
        out.status = Status::Ok;
        out.reached = 1;
        if let Some(d) = pc.deadline {
            // Outside explanations (which walk the deadline's own tree), an alias is read
            // through: stops still name the deadline, as they would from its fill.
            let read = match pc.deadline_read {
                Some(w) if !self.s.ex.explaining => w,
                _ => d,
            };
            let deadline = match pc.lean.as_ref().and_then(|l| self.lean(l)) {
                Some((t, base)) => {
                    out.decided_by = Some(base);
                    t
                }
                None => {
                    if let Some(chain) = &pc.alias_chain {
                        out.decided_by = self.read_chain(chain);
                    }
                    self.value_with(read, |x| match x? {
                        Val::Instant(t) => Ok(*t),
                        Val::Null => Err(undef(Some(d), Reason::NoDeadline)),
                        _ => Err(undef(Some(d), Reason::Type)),
                    })?
                }
            };
            let event = match &pc.event {
                Some(e) => self.probe_instant(e, env)?,
                None => None,
            };
            out.actual = event;
            out.status = match event {
                Some(t) if t <= deadline => Status::Ok,
                Some(_) => Status::Violated,
                None if self.as_of <= deadline => Status::Pending,
                None => Status::Violated,
            };
            out.deadline = Some(deadline);
            out.decider = Some(read);
        } else if let Some(v) = pc.violated {
            out.status = self.value_with(v, |x| match x? {
                Val::Bool(true) => Ok(Status::Violated),
                Val::Bool(false) => Ok(Status::Ok),
                _ => Err(undef(Some(v), Reason::Type)),
            })?;
            out.decider = Some(v);
        } else {
            out.decider = Some(pc.exempt);
        }
        out.reached = 2;
        let exempt = match pc.exempt_gate {
            Some((g, base)) if self.gate_closed(g) => base,
            _ => self.flag(pc.exempt)?,
        };
        out.before_exempt = out.status;
        let keeps_ok = out.status == Status::Ok && (pc.deadline.is_some() || pc.violated.is_some());
        if exempt && !keeps_ok {
            out.status = Status::Exempt;
            out.decider = Some(pc.exempt);
            out.decided_by = None;
        }
        if out.status == Status::Violated {
            if let Some(cv) = pc.compensation {
                out.reached = 3;
                out.compensation = self.value_with(cv, |x| match x? {
                    Val::Money(m) => Ok(Some(*m)),
                    Val::Null => Ok(None),
                    _ => Err(undef(Some(cv), Reason::Type)),
                })?;
            }
        }
        Ok(())
    }
}

/// The outcome of a check whose evaluation stopped.
fn stopped(stop: Stop) -> CheckOut {
    let mut out = CheckOut::status(match stop {
        Stop::Conflict { .. } => Status::Conflict,
        Stop::Undefined { .. } => Status::Unknown,
    });
    out.stop = Some(stop);
    out
}
