//! Compiling expressions into closures, once, at preparation.
//!
//! Each [`ir::Expr`] becomes an [`Fx`]: a boxed closure specialized for its operator and for
//! the kind of its operands. A record field or a constant operand is read in place (no
//! clone, no call), so `order.paid_at + 48h` or `order.merchant_kind == shop` is a single
//! small function; another value is read through its memo (borrowed when it is the last
//! operand read), and only other computed operands go through a nested closure call. The
//! commonest guard conjunct, `field == variant`, is one closure with no comparison call.
//! This is what keeps evaluation in the millions of records per second without a
//! separate bytecode. Ids are checked here: a damaged IR is a [`PrepareError`].
//!
//! The operators' semantics live in [`crate::ops`].

use std::fmt;
use std::sync::Arc;

use ir::{ArithOp, CmpOp, Const, Expr, Func, Program, QuantOp};
use regions::RegionSet;

use crate::eval::{undef, Cx, Env, Out, Reason};
use crate::index::enum_bits;
use crate::ops::{arithmetic, compare, extremum_step, follow, order, round_to};
use crate::prepare::PrepareError;
use crate::val::Val;

/// The closure behind a compiled expression.
type Closure<T> = dyn Fn(&mut Cx<'_>, Env) -> Out<T> + Send + Sync;

/// A compiled expression yielding `T`: [`Fx`] for values, [`Px`] for conditions.
pub(crate) struct Compiled<T>(Box<Closure<T>>);

/// A compiled expression.
pub(crate) type Fx = Compiled<Val>;

/// A compiled condition: guards, filters and boolean operators produce a plain `bool`
/// (no value to build and drop on the hottest path).
pub(crate) type Px = Compiled<bool>;

impl<T> fmt::Debug for Compiled<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Compiled")
    }
}

impl<T> Compiled<T> {
    fn new(f: impl Fn(&mut Cx<'_>, Env) -> Out<T> + Send + Sync + 'static) -> Compiled<T> {
        Compiled(Box::new(f))
    }

    /// Evaluates the expression.
    #[inline]
    pub(crate) fn call(&self, cx: &mut Cx<'_>, env: Env) -> Out<T> {
        (self.0)(cx, env)
    }
}

/// A check's `after` or `event`: usually a field, read in place.
#[derive(Debug)]
pub(crate) enum Probe {
    Slot(usize),
    Expr(Fx),
}

impl Cx<'_> {
    /// Whether the probed value is none.
    #[inline(always)]
    pub(crate) fn probe_is_null(&mut self, p: &Probe, env: Env) -> Out<bool> {
        match p {
            Probe::Slot(i) => match self.rec.get(*i) {
                Some(v) => Ok(v.is_null()),
                None => Err(undef(env.value(), Reason::MissingRef)),
            },
            Probe::Expr(f) => Ok(f.call(self, env)?.is_null()),
        }
    }

    /// The probed instant, or `None` when it is none.
    #[inline(always)]
    pub(crate) fn probe_instant(&mut self, p: &Probe, env: Env) -> Out<Option<i64>> {
        let instant = |v: &Val| match v {
            Val::Instant(t) => Ok(Some(*t)),
            Val::Null => Ok(None),
            _ => Err(ty_err(env)),
        };
        match p {
            Probe::Slot(i) => match self.rec.get(*i) {
                Some(v) => instant(v),
                None => Err(undef(env.value(), Reason::MissingRef)),
            },
            Probe::Expr(f) => instant(&f.call(self, env)?),
        }
    }
}

/// An operand, read in place when it is a field or a constant.
trait Opnd: Send + Sync + 'static {
    fn with<R>(
        &self,
        cx: &mut Cx<'_>,
        env: Env,
        k: impl FnOnce(&mut Cx<'_>, &Val) -> Out<R>,
    ) -> Out<R>;

    /// As [`Opnd::with`] for the last operand read, whose continuation no longer needs the
    /// evaluation: a value is then read in the memo, not cloned.
    #[inline(always)]
    fn with_last<R>(&self, cx: &mut Cx<'_>, env: Env, k: impl FnOnce(&Val) -> Out<R>) -> Out<R> {
        self.with(cx, env, |_, x| k(x))
    }
}

struct SlotO(usize);
struct ConstO(Val);
struct DynO(Fx);
struct ValueO(ir::ValueId);

impl Opnd for SlotO {
    #[inline(always)]
    fn with<R>(
        &self,
        cx: &mut Cx<'_>,
        env: Env,
        k: impl FnOnce(&mut Cx<'_>, &Val) -> Out<R>,
    ) -> Out<R> {
        let rec = cx.rec;
        match rec.get(self.0) {
            Some(v) => k(cx, v),
            None => Err(undef(env.value(), Reason::MissingRef)),
        }
    }
}

impl Opnd for ConstO {
    #[inline(always)]
    fn with<R>(
        &self,
        cx: &mut Cx<'_>,
        _: Env,
        k: impl FnOnce(&mut Cx<'_>, &Val) -> Out<R>,
    ) -> Out<R> {
        k(cx, &self.0)
    }
}

impl Opnd for DynO {
    #[inline(always)]
    fn with<R>(
        &self,
        cx: &mut Cx<'_>,
        env: Env,
        k: impl FnOnce(&mut Cx<'_>, &Val) -> Out<R>,
    ) -> Out<R> {
        // Nested operands are where evaluation recurses: every few levels, grow the stack
        // if it runs low (checking at every level would cost the shallow common case).
        cx.nesting += 1;
        let v = if cx.nesting % GROW_EVERY == 0 {
            stacker::maybe_grow(RED_ZONE, STACK_STEP, || self.0.call(cx, env))
        } else {
            self.0.call(cx, env)
        };
        cx.nesting -= 1;
        k(cx, &v?)
    }
}

impl Opnd for ValueO {
    #[inline(always)]
    fn with<R>(
        &self,
        cx: &mut Cx<'_>,
        _: Env,
        k: impl FnOnce(&mut Cx<'_>, &Val) -> Out<R>,
    ) -> Out<R> {
        // Value evaluation grows the stack itself (by value depth).
        let v = cx.value_with(self.0, |x| x.cloned())?;
        k(cx, &v)
    }

    #[inline(always)]
    fn with_last<R>(&self, cx: &mut Cx<'_>, _: Env, k: impl FnOnce(&Val) -> Out<R>) -> Out<R> {
        cx.value_with(self.0, |x| k(x?))
    }
}

/// How many nested levels pass between stack checks.
pub(crate) const GROW_EVERY: u32 = 16;
/// Stack left below which recursion moves to a new segment (enough for `GROW_EVERY`
/// levels, unoptimized), and that segment's size.
pub(crate) const RED_ZONE: usize = 256 * 1024;
pub(crate) const STACK_STEP: usize = 2 * 1024 * 1024;

/// An operand before specialization.
enum Operand {
    Slot(usize),
    Const(Val),
    /// Another value: read through the memo without a closure call.
    Value(ir::ValueId),
    Dyn(Fx),
}

/// `Expr::Value(v)` as an expression.
fn value_fx(v: ir::ValueId) -> Fx {
    Fx::new(move |cx, _| cx.value_with(v, |x| x.cloned()))
}

/// `f(a, b)` with both operands specialized.
fn binary<T: 'static, F>(a: Operand, b: Operand, f: F) -> Compiled<T>
where
    F: Fn(&Val, &Val, Env) -> Out<T> + Send + Sync + 'static,
{
    fn mk<T: 'static, A: Opnd, B: Opnd, F>(a: A, b: B, f: F) -> Compiled<T>
    where
        F: Fn(&Val, &Val, Env) -> Out<T> + Send + Sync + 'static,
    {
        Compiled::new(move |cx, env| {
            a.with(cx, env, |cx, x| b.with_last(cx, env, |y| f(x, y, env)))
        })
    }
    use Operand::*;
    match (a, b) {
        (Slot(x), Slot(y)) => mk(SlotO(x), SlotO(y), f),
        (Slot(x), Const(y)) => mk(SlotO(x), ConstO(y), f),
        (Slot(x), Dyn(y)) => mk(SlotO(x), DynO(y), f),
        (Const(x), Slot(y)) => mk(ConstO(x), SlotO(y), f),
        (Const(x), Const(y)) => mk(ConstO(x), ConstO(y), f),
        (Const(x), Dyn(y)) => mk(ConstO(x), DynO(y), f),
        (Dyn(x), Slot(y)) => mk(DynO(x), SlotO(y), f),
        (Dyn(x), Const(y)) => mk(DynO(x), ConstO(y), f),
        (Dyn(x), Dyn(y)) => mk(DynO(x), DynO(y), f),
        // A constant cannot stop: the value can be read in place, with the constant at hand.
        (Value(x), Const(y)) => Compiled::new(move |cx, env| cx.value_with(x, |v| f(v?, &y, env))),
        (Value(x), Slot(y)) => mk(ValueO(x), SlotO(y), f),
        (Slot(x), Value(y)) => mk(SlotO(x), ValueO(y), f),
        (Const(x), Value(y)) => mk(ConstO(x), ValueO(y), f),
        (Value(x), y) => binary(Dyn(value_fx(x)), y, f),
        (x, Value(y)) => binary(x, Dyn(value_fx(y)), f),
    }
}

/// `f(a)` with the operand specialized.
fn unary<T: 'static, F>(a: Operand, f: F) -> Compiled<T>
where
    F: Fn(&Val, Env) -> Out<T> + Send + Sync + 'static,
{
    fn mk<T: 'static, A: Opnd, F>(a: A, f: F) -> Compiled<T>
    where
        F: Fn(&Val, Env) -> Out<T> + Send + Sync + 'static,
    {
        Compiled::new(move |cx, env| a.with_last(cx, env, |x| f(x, env)))
    }
    match a {
        Operand::Slot(x) => mk(SlotO(x), f),
        Operand::Const(x) => mk(ConstO(x), f),
        Operand::Value(x) => mk(ValueO(x), f),
        Operand::Dyn(x) => mk(DynO(x), f),
    }
}

/// `f(items)` over a list or set operand, read in place when it is a field or a constant:
/// an aggregate over `order.reports`, evaluated for every order, then takes no reference
/// count of the list (two atomic operations each time).
fn over_list<F>(a: Operand, f: F) -> Fx
where
    F: Fn(&mut Cx<'_>, &[Val], Env) -> Out<Val> + Send + Sync + 'static,
{
    fn mk<A: Opnd, F>(a: A, f: F) -> Fx
    where
        F: Fn(&mut Cx<'_>, &[Val], Env) -> Out<Val> + Send + Sync + 'static,
    {
        Compiled::new(move |cx, env| {
            a.with(cx, env, |cx, v| match v {
                Val::List(items) | Val::Set(items) => f(cx, items, env),
                _ => Err(ty_err(env)),
            })
        })
    }
    match a {
        Operand::Slot(x) => mk(SlotO(x), f),
        Operand::Const(x) => mk(ConstO(x), f),
        Operand::Value(x) => mk(ValueO(x), f),
        Operand::Dyn(x) => mk(DynO(x), f),
    }
}

fn ty_err(env: Env) -> crate::eval::Stop {
    undef(env.value(), Reason::Type)
}

/// The compiler: the program, for id checks, and where we are, for messages.
pub(crate) struct Compiler<'p> {
    pub p: &'p Program,
    pub place: String,
    /// [`crate::FastPath::LiteralOperands`].
    pub literal_operands: bool,
}

impl Compiler<'_> {
    fn err<T>(&self, what: String) -> Result<T, PrepareError> {
        Err(PrepareError {
            message: format!("{}: {what}", self.place),
        })
    }

    /// The value of `v` when it is a constant (what preparation makes a
    /// [`crate::prepare::Shape::Const`]: one unguarded base without children, no
    /// exceptions, a literal body). Such a value is never memoized and cannot stop, so it
    /// is read as the literal it is (a region set, a duration named once and read by many
    /// rules). [`crate::FastPath::LiteralOperands`].
    fn constant(&self, v: ir::ValueId) -> Option<Val> {
        if !self.literal_operands {
            return None;
        }
        let value = self.p.values.get(v as usize)?;
        let ([r], []) = (value.bases.as_slice(), value.exceptions.as_slice()) else {
            return None;
        };
        let rule = self.p.rules.get(*r as usize)?;
        let unguarded = rule.guard.as_ref().is_none_or(|g| g.conjuncts.is_empty());
        match &rule.body {
            Expr::Const(c) if unguarded && rule.children.is_empty() => Some(Val::from_const(c)),
            _ => None,
        }
    }

    fn operand(&self, e: &Expr) -> Result<Operand, PrepareError> {
        Ok(match e {
            Expr::Const(c) => Operand::Const(Val::from_const(c)),
            Expr::Field(path) if path.len() == 1 => Operand::Slot(path[0] as usize),
            Expr::Value(v) if (*v as usize) < self.p.values.len() => match self.constant(*v) {
                Some(c) => Operand::Const(c),
                None => Operand::Value(*v),
            },
            _ => Operand::Dyn(self.compile(e)?),
        })
    }

    /// Compiles `e`.
    pub(crate) fn compile(&self, e: &Expr) -> Result<Fx, PrepareError> {
        stacker::maybe_grow(RED_ZONE, STACK_STEP, || self.compile_here(e))
    }

    fn compile_here(&self, e: &Expr) -> Result<Fx, PrepareError> {
        let op = |e: &Expr| self.operand(e);
        Ok(match e {
            Expr::Const(c) => {
                let v = Val::from_const(c);
                Fx::new(move |_, _| Ok(v.clone()))
            }
            Expr::Field(path) => match path.as_slice() {
                [] => return self.err("empty field path".into()),
                [slot] => unary(Operand::Slot(*slot as usize), |x, _| Ok(x.clone())),
                [first, rest @ ..] => {
                    let (first, rest) = (*first as usize, rest.to_vec());
                    Fx::new(move |cx, env| match cx.rec.get(first) {
                        Some(v) => follow(v, &rest, env),
                        None => Err(undef(env.value(), Reason::MissingRef)),
                    })
                }
            },
            Expr::Local { depth, path } => {
                let (depth, path) = (*depth as usize, path.clone());
                Fx::new(move |cx, env| {
                    let n = cx.s.locals.len();
                    match n.checked_sub(depth + 1).and_then(|i| cx.s.locals.get(i)) {
                        Some(v) => follow(v, &path, env),
                        None => Err(undef(env.value(), Reason::MissingRef)),
                    }
                })
            }
            Expr::Value(v) => {
                let v = *v;
                if v as usize >= self.p.values.len() {
                    return self.err(format!("value #{v} does not exist"));
                }
                value_fx(v)
            }
            Expr::Overridden => Fx::new(|cx, env| cx.overridden(env)),
            Expr::Status(c) => {
                let c = *c;
                if c as usize >= self.p.checks.len() {
                    return self.err(format!("check #{c} does not exist"));
                }
                Fx::new(move |cx, _| Ok(Val::Status(cx.check(c).status)))
            }
            Expr::Not(_)
            | Expr::And(_)
            | Expr::Or(_)
            | Expr::Cmp(..)
            | Expr::IsSome(..)
            | Expr::InWindow(..)
            | Expr::InSet(..)
            | Expr::InRegions(..) => {
                let p = self.predicate(e)?;
                Fx::new(move |cx, env| p.call(cx, env).map(Val::Bool))
            }
            Expr::Neg(x) => unary(op(x)?, |x, env| {
                let arith = || undef(env.value(), Reason::Arithmetic);
                match x {
                    Val::Int(i) => i.checked_neg().map(Val::Int).ok_or_else(arith),
                    Val::Duration(d) => d.checked_neg().map(Val::Duration).ok_or_else(arith),
                    Val::Money(m) => Ok(Val::Money(-*m)),
                    _ => Err(ty_err(env)),
                }
            }),
            Expr::Arith(o, a, b) => {
                let (a, b) = (op(a)?, op(b)?);
                macro_rules! per_op {
                    ($($o:ident),*) => {
                        match o {
                            $(ArithOp::$o => binary(a, b, |x, y, env| {
                                match arithmetic(ArithOp::$o, x, y) {
                                    Some(Some(v)) => Ok(v),
                                    Some(None) => Err(undef(env.value(), Reason::Arithmetic)),
                                    None => Err(ty_err(env)),
                                }
                            }),)*
                        }
                    };
                }
                per_op!(
                    InstantAddDuration,
                    InstantSubDuration,
                    InstantSubInstant,
                    DurationAdd,
                    DurationSub,
                    IntMulDuration,
                    IntAdd,
                    IntSub,
                    IntMul,
                    MoneyAdd,
                    MoneySub,
                    MoneyMulPercent,
                    MoneyMulInt
                )
            }
            Expr::Call(f, args) => {
                let [a, b] = args.as_slice() else {
                    return self.err(format!("{f:?} takes 2 arguments, found {}", args.len()));
                };
                let f = *f;
                binary(op(a)?, op(b)?, move |x, y, env| match f {
                    Func::Max | Func::Min => {
                        let ord = order(x, y).ok_or_else(|| ty_err(env))?;
                        let first = if f == Func::Max {
                            ord.is_ge()
                        } else {
                            ord.is_le()
                        };
                        Ok(if first { x.clone() } else { y.clone() })
                    }
                    Func::Round => match (x, y) {
                        (Val::Money(m), Val::Money(unit)) => round_to(*m, *unit)
                            .map(Val::Money)
                            .ok_or_else(|| undef(env.value(), Reason::Arithmetic)),
                        _ => Err(ty_err(env)),
                    },
                })
            }
            Expr::Quant {
                op: q,
                list,
                filter,
            } => {
                let (q, list) = (*q, self.operand(list)?);
                let filter = filter.as_deref().map(|f| self.predicate(f)).transpose()?;
                over_list(list, move |cx, items, env| {
                    cx.quant(q, items, filter.as_ref(), env)
                })
            }
            Expr::Extremum {
                op: f,
                body,
                list,
                filter,
            } => {
                if !matches!(f, Func::Max | Func::Min) {
                    return self.err(format!("{f:?} is not an aggregate"));
                }
                let (max, body, list) = (*f == Func::Max, self.compile(body)?, self.operand(list)?);
                let filter = filter.as_deref().map(|f| self.predicate(f)).transpose()?;
                over_list(list, move |cx, items, env| {
                    let mut best = Val::Null;
                    for item in items.iter() {
                        if !cx.passes(item, filter.as_ref(), env)? {
                            continue;
                        }
                        let v = cx.with_local(item, &body, env)?;
                        extremum_step(&mut best, v, max).ok_or_else(|| ty_err(env))?;
                    }
                    Ok(best)
                })
            }
        })
    }

    /// Compiles a check's `after` or `event`.
    pub(crate) fn probe(&self, e: &Expr) -> Result<Probe, PrepareError> {
        Ok(match e {
            Expr::Field(path) if path.len() == 1 => Probe::Slot(path[0] as usize),
            _ => Probe::Expr(self.compile(e)?),
        })
    }

    /// Compiles a condition (a `bool` expression).
    pub(crate) fn predicate(&self, e: &Expr) -> Result<Px, PrepareError> {
        stacker::maybe_grow(RED_ZONE, STACK_STEP, || self.predicate_here(e))
    }

    fn predicate_here(&self, e: &Expr) -> Result<Px, PrepareError> {
        if let Some(p) = field_test(e) {
            return Ok(p);
        }
        let op = |e: &Expr| self.operand(e);
        Ok(match e {
            Expr::Const(Const::Bool(b)) => {
                let b = *b;
                Px::new(move |_, _| Ok(b))
            }
            Expr::Not(x) => {
                let p = self.predicate(x)?;
                Px::new(move |cx, env| p.call(cx, env).map(|b| !b))
            }
            Expr::And(xs) | Expr::Or(xs) => {
                let all = matches!(e, Expr::And(_));
                let xs = xs
                    .iter()
                    .map(|x| self.predicate(x))
                    .collect::<Result<Vec<_>, _>>()?;
                Px::new(move |cx, env| {
                    for x in &xs {
                        if x.call(cx, env)? != all {
                            return Ok(!all);
                        }
                    }
                    Ok(all)
                })
            }
            Expr::Cmp(o, a, b) => {
                let (ne, a) = (*o == CmpOp::Ne, op(a)?);
                match (o, &**b) {
                    // `x == variant` / `x == violated` against a constant: compared in
                    // place (the derived equality goes through a jump on the shape).
                    (CmpOp::Eq | CmpOp::Ne, Expr::Const(Const::Enum(k))) => {
                        let k = *k;
                        unary(
                            a,
                            move |x, _| Ok(matches!(x, Val::Enum(v) if *v == k) != ne),
                        )
                    }
                    (CmpOp::Eq | CmpOp::Ne, Expr::Const(Const::Status(k))) => {
                        let k = *k;
                        unary(a, move |x, _| {
                            Ok(matches!(x, Val::Status(v) if *v == k) != ne)
                        })
                    }
                    _ => {
                        let b = op(b)?;
                        // One closure per operator, so the comparison inlines.
                        macro_rules! per_op {
                            ($($o:ident),*) => {
                                match o {
                                    $(CmpOp::$o => binary(a, b, |x, y, env| {
                                        compare(CmpOp::$o, x, y).ok_or_else(|| ty_err(env))
                                    }),)*
                                }
                            };
                        }
                        per_op!(Eq, Ne, Lt, Le, Gt, Ge)
                    }
                }
            }
            Expr::IsSome(x, want) => {
                let want = *want;
                unary(op(x)?, move |x, _| Ok(x.is_null() != want))
            }
            Expr::InWindow(x, w) => binary(op(x)?, op(w)?, |x, w, env| match (x, w) {
                (Val::Instant(t), Val::Window(a, b)) => Ok(a <= t && t <= b),
                _ => Err(ty_err(env)),
            }),
            Expr::InSet(x, s) => match (op(x)?, &**s) {
                // Variants of a constant set, one bit each: `mode in {spot, tiered}` is a
                // shift, not a comparison per member.
                (x, Expr::Const(Const::Set(items))) if enum_bits(items).is_some() => {
                    let bits = enum_bits(items).unwrap_or(0);
                    unary(x, move |x, _| {
                        Ok(matches!(x, Val::Enum(v) if *v < 64 && bits >> v & 1 == 1))
                    })
                }
                (x, s) => binary(x, op(s)?, |x, s, env| match s {
                    Val::Set(items) | Val::List(items) => Ok(member(x, items)),
                    _ => Err(ty_err(env)),
                }),
            },
            Expr::InRegions(x, s) => {
                // A single region constant means its code range: a set, built once.
                let set = match &**s {
                    Expr::Const(Const::Region(code)) => {
                        Operand::Const(Val::Regions(Arc::new(RegionSet::new([*code]))))
                    }
                    other => op(other)?,
                };
                binary(op(x)?, set, |x, s, env| match (x, s) {
                    (Val::Region(c), Val::Regions(set)) => Ok(set.contains(*c)),
                    (Val::Region(c), Val::Region(outer)) => {
                        let (lo, hi) = regions::code_range(*outer);
                        Ok(lo <= *c && *c <= hi)
                    }
                    _ => Err(ty_err(env)),
                })
            }
            _ => match self.operand(e)? {
                Operand::Slot(i) => unary(Operand::Slot(i), |x, env| match x {
                    Val::Bool(b) => Ok(*b),
                    _ => Err(ty_err(env)),
                }),
                other => unary(other, |x, env| match x {
                    Val::Bool(b) => Ok(*b),
                    _ => Err(ty_err(env)),
                }),
            },
        })
    }

    /// Compiles a guard's conjuncts.
    pub(crate) fn guard(&self, g: Option<&ir::Guard>) -> Result<Box<[Px]>, PrepareError> {
        g.map_or(&[][..], |g| &g.conjuncts)
            .iter()
            .map(|c| self.predicate(&c.expr))
            .collect()
    }
}

/// Whether `x` is a member of `items`: `items.contains(x)`, with a text's shape matched
/// once rather than in every comparison (`"春节买不停" in order.tags`).
fn member(x: &Val, items: &[Val]) -> bool {
    match x {
        Val::Str(a) => items.iter().any(|i| matches!(i, Val::Str(b) if **a == **b)),
        _ => items.contains(x),
    }
}

/// The commonest conjunct, `field == variant` (or `!=`), as a closure that tests the field
/// in place (no generic comparison call). It gives what the general form gives: a missing
/// field stops, another shape is not equal.
fn field_test(e: &Expr) -> Option<Px> {
    let Expr::Cmp(op @ (CmpOp::Eq | CmpOp::Ne), a, b) = e else {
        return None;
    };
    let (Expr::Field(path), Expr::Const(Const::Enum(variant))) = (&**a, &**b) else {
        return None;
    };
    let (&[slot], variant, ne) = (path.as_slice(), *variant, *op == CmpOp::Ne) else {
        return None;
    };
    let slot = slot as usize;
    Some(Px::new(move |cx, env| match cx.rec.get(slot) {
        Some(Val::Enum(x)) => Ok((*x == variant) != ne),
        Some(_) => Ok(ne),
        None => Err(undef(env.value(), Reason::MissingRef)),
    }))
}

impl Cx<'_> {
    /// Evaluates `f` with `item` bound at depth 0.
    pub(crate) fn with_local<T>(&mut self, item: &Val, f: &Compiled<T>, env: Env) -> Out<T> {
        self.s.locals.push(item.clone());
        let out = f.call(self, env);
        self.s.locals.pop();
        out
    }

    pub(crate) fn passes(&mut self, item: &Val, filter: Option<&Px>, env: Env) -> Out<bool> {
        match filter {
            None => Ok(true),
            Some(f) => self.with_local(item, f, env),
        }
    }

    fn quant(&mut self, op: QuantOp, items: &[Val], filter: Option<&Px>, env: Env) -> Out<Val> {
        let mut count = 0i64;
        for item in items.iter() {
            let pass = self.passes(item, filter, env)?;
            match (op, pass) {
                (QuantOp::Any, true) => return Ok(Val::Bool(true)),
                (QuantOp::All, false) => return Ok(Val::Bool(false)),
                (QuantOp::Count, true) => count += 1,
                _ => {}
            }
        }
        Ok(match op {
            QuantOp::Any => Val::Bool(false),
            QuantOp::All => Val::Bool(true),
            QuantOp::Count => Val::Int(count),
        })
    }
}
