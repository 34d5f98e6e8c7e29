//! Evaluating expressions: fields, operators, built-ins and aggregates.
//!
//! Operands are typed by the checker; a value of an unexpected type (a damaged IR) is a
//! [`Reason::Type`] stop, never a panic. Arithmetic is checked: overflow is a
//! [`Reason::Arithmetic`] stop. Equality (`==`, `!=`, `in` on sets) is structural and
//! defined on every type, `none` included; ordering needs two values of the same ordered
//! type. `round(m, unit)` rounds half away from zero to a multiple of `unit`. `max`/`min`
//! over a list skip elements whose body is none, and give none when nothing passes.

use std::cmp::Ordering;

use ir::{ArithOp, Func, QuantOp};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::eval::{undef, Cx, Env, Out, Reason};
use crate::prepare::Node;
use crate::val::Val;

/// Follows record slots `path` into `v`; none stays none.
fn follow(mut v: &Val, path: &[u32], env: Env) -> Out<Val> {
    for &i in path {
        match v {
            Val::Record(slots) => {
                v = slots
                    .get(i as usize)
                    .ok_or(undef(env.value, Reason::MissingRef))?;
            }
            Val::Null => return Ok(Val::Null),
            _ => return Err(undef(env.value, Reason::Type)),
        }
    }
    Ok(v.clone())
}

/// The order of two values of the same ordered type.
pub(crate) fn order(a: &Val, b: &Val) -> Option<Ordering> {
    Some(match (a, b) {
        (Val::Int(x), Val::Int(y))
        | (Val::Instant(x), Val::Instant(y))
        | (Val::Duration(x), Val::Duration(y)) => x.cmp(y),
        (Val::Money(x), Val::Money(y)) | (Val::Percent(x), Val::Percent(y)) => x.cmp(y),
        (Val::Str(x), Val::Str(y)) => x.cmp(y),
        (Val::Enum(x), Val::Enum(y)) | (Val::Region(x), Val::Region(y)) => x.cmp(y),
        (Val::Status(x), Val::Status(y)) => x.cmp(y),
        _ => return None,
    })
}

impl Cx<'_> {
    /// Evaluates `n` in `env`.
    pub(crate) fn eval(&mut self, n: &Node, env: Env) -> Out<Val> {
        let ty = || undef(env.value, Reason::Type);
        let arith = || undef(env.value, Reason::Arithmetic);
        Ok(match n {
            Node::Const(v) => v.clone(),
            Node::Slot(i) => self
                .rec
                .get(*i as usize)
                .cloned()
                .ok_or(undef(env.value, Reason::MissingRef))?,
            Node::Field(path) => {
                let (first, rest) = path.split_first().ok_or(ty())?;
                let v = self
                    .rec
                    .get(*first as usize)
                    .ok_or(undef(env.value, Reason::MissingRef))?;
                follow(v, rest, env)?
            }
            Node::Local { depth, path } => {
                let at = (self.s.locals.len() as u64)
                    .checked_sub(u64::from(*depth) + 1)
                    .ok_or(undef(env.value, Reason::MissingRef))?;
                let v = &self.s.locals[at as usize];
                follow(v, path, env)?
            }
            Node::Value(v) => self.value(*v)?.0,
            Node::Overridden => self.overridden(env)?,
            Node::Status(c) => Val::Status(self.check(*c).status),
            Node::Not(x) => match self.eval(x, env)? {
                Val::Bool(b) => Val::Bool(!b),
                _ => return Err(ty()),
            },
            Node::Neg(x) => match self.eval(x, env)? {
                Val::Int(i) => Val::Int(i.checked_neg().ok_or(arith())?),
                Val::Duration(d) => Val::Duration(d.checked_neg().ok_or(arith())?),
                Val::Money(m) => Val::Money(-m),
                _ => return Err(ty()),
            },
            Node::And(xs) => {
                for x in xs.iter() {
                    match self.eval(x, env)? {
                        Val::Bool(true) => {}
                        Val::Bool(false) => return Ok(Val::Bool(false)),
                        _ => return Err(ty()),
                    }
                }
                Val::Bool(true)
            }
            Node::Or(xs) => {
                for x in xs.iter() {
                    match self.eval(x, env)? {
                        Val::Bool(true) => return Ok(Val::Bool(true)),
                        Val::Bool(false) => {}
                        _ => return Err(ty()),
                    }
                }
                Val::Bool(false)
            }
            Node::Cmp(op, a, b) => {
                let (a, b) = (self.eval(a, env)?, self.eval(b, env)?);
                let holds = match op {
                    ir::CmpOp::Eq => a == b,
                    ir::CmpOp::Ne => a != b,
                    _ => op.holds(order(&a, &b).ok_or(ty())?),
                };
                Val::Bool(holds)
            }
            Node::Arith(op, a, b) => {
                let (a, b) = (self.eval(a, env)?, self.eval(b, env)?);
                arithmetic(*op, &a, &b).ok_or(ty())?.ok_or(arith())?
            }
            Node::IsSome(x, want) => Val::Bool(self.eval(x, env)?.is_null() != *want),
            Node::InWindow(x, w) => match (self.eval(x, env)?, self.eval(w, env)?) {
                (Val::Instant(t), Val::Window(a, b)) => Val::Bool(a <= t && t <= b),
                _ => return Err(ty()),
            },
            Node::InSet(x, s) => {
                let x = self.eval(x, env)?;
                match self.eval(s, env)? {
                    Val::Set(items) | Val::List(items) => Val::Bool(items.contains(&x)),
                    _ => return Err(ty()),
                }
            }
            Node::InRegions(x, s) => match (self.eval(x, env)?, self.eval(s, env)?) {
                (Val::Region(c), Val::Regions(set)) => Val::Bool(set.contains(c)),
                (Val::Region(c), Val::Region(outer)) => {
                    let (lo, hi) = regions::code_range(outer);
                    Val::Bool(lo <= c && c <= hi)
                }
                _ => return Err(ty()),
            },
            Node::Call(f, args) => {
                let [a, b] = &args[..] else { return Err(ty()) };
                let (a, b) = (self.eval(a, env)?, self.eval(b, env)?);
                match f {
                    Func::Max | Func::Min => {
                        let ord = order(&a, &b).ok_or(ty())?;
                        let a_wins = if *f == Func::Max {
                            ord != Ordering::Less
                        } else {
                            ord != Ordering::Greater
                        };
                        if a_wins {
                            a
                        } else {
                            b
                        }
                    }
                    Func::Round => match (a, b) {
                        (Val::Money(m), Val::Money(unit)) => {
                            Val::Money(round_to(m, unit).ok_or(arith())?)
                        }
                        _ => return Err(ty()),
                    },
                }
            }
            Node::Quant { op, list, filter } => self.quant(*op, list, filter.as_deref(), env)?,
            Node::Extremum {
                op,
                body,
                list,
                filter,
            } => self.extremum(*op, body, list, filter.as_deref(), env)?,
        })
    }

    /// Evaluates `f` with `item` bound at depth 0.
    fn with_local(&mut self, item: &Val, f: &Node, env: Env) -> Out<Val> {
        self.s.locals.push(item.clone());
        let out = self.eval(f, env);
        self.s.locals.pop();
        out
    }

    fn passes(&mut self, item: &Val, filter: Option<&Node>, env: Env) -> Out<bool> {
        match filter {
            None => Ok(true),
            Some(f) => match self.with_local(item, f, env)? {
                Val::Bool(b) => Ok(b),
                _ => Err(undef(env.value, Reason::Type)),
            },
        }
    }

    fn items(&mut self, list: &Node, env: Env) -> Out<std::sync::Arc<[Val]>> {
        match self.eval(list, env)? {
            Val::List(items) | Val::Set(items) => Ok(items),
            _ => Err(undef(env.value, Reason::Type)),
        }
    }

    fn quant(&mut self, op: QuantOp, list: &Node, filter: Option<&Node>, env: Env) -> Out<Val> {
        let items = self.items(list, env)?;
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

    fn extremum(
        &mut self,
        op: Func,
        body: &Node,
        list: &Node,
        filter: Option<&Node>,
        env: Env,
    ) -> Out<Val> {
        let items = self.items(list, env)?;
        let mut best = Val::Null;
        for item in items.iter() {
            if !self.passes(item, filter, env)? {
                continue;
            }
            let v = self.with_local(item, body, env)?;
            if v.is_null() {
                continue;
            }
            if best.is_null() {
                best = v;
                continue;
            }
            let ord = order(&v, &best).ok_or(undef(env.value, Reason::Type))?;
            let better = match op {
                Func::Max => ord == Ordering::Greater,
                _ => ord == Ordering::Less,
            };
            if better {
                best = v;
            }
        }
        Ok(best)
    }
}

/// `m` rounded half away from zero to a multiple of `unit`; `None` on a zero unit or overflow.
pub(crate) fn round_to(m: Decimal, unit: Decimal) -> Option<Decimal> {
    if unit.is_zero() {
        return None;
    }
    let q = m.checked_div(unit)?;
    q.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .checked_mul(unit)
}

/// Typed arithmetic: `None` on operand types that do not fit the operator, `Some(None)` on
/// overflow.
fn arithmetic(op: ArithOp, a: &Val, b: &Val) -> Option<Option<Val>> {
    use ArithOp::*;
    use Val::*;
    Some(match (op, a, b) {
        (InstantAddDuration, Instant(t), Duration(d)) => t.checked_add(*d).map(Instant),
        (InstantSubDuration, Instant(t), Duration(d)) => t.checked_sub(*d).map(Instant),
        (InstantSubInstant, Instant(x), Instant(y)) => x.checked_sub(*y).map(Duration),
        (DurationAdd, Duration(x), Duration(y)) => x.checked_add(*y).map(Duration),
        (DurationSub, Duration(x), Duration(y)) => x.checked_sub(*y).map(Duration),
        (IntMulDuration, Int(n), Duration(d)) => n.checked_mul(*d).map(Duration),
        (IntAdd, Int(x), Int(y)) => x.checked_add(*y).map(Int),
        (IntSub, Int(x), Int(y)) => x.checked_sub(*y).map(Int),
        (IntMul, Int(x), Int(y)) => x.checked_mul(*y).map(Int),
        (MoneyAdd, Money(x), Money(y)) => x.checked_add(*y).map(Money),
        (MoneySub, Money(x), Money(y)) => x.checked_sub(*y).map(Money),
        (MoneyMulPercent, Money(m), Percent(p)) => m
            .checked_mul(*p)
            .and_then(|x| x.checked_div(Decimal::ONE_HUNDRED))
            .map(Money),
        (MoneyMulInt, Money(m), Int(n)) => m.checked_mul(Decimal::from(*n)).map(Money),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn rounding_half_away_from_zero() {
        assert_eq!(round_to(d("7.5"), d("1")), Some(d("8")));
        assert_eq!(round_to(d("7.49"), d("1")), Some(d("7")));
        assert_eq!(round_to(d("-7.5"), d("1")), Some(d("-8")));
        assert_eq!(round_to(d("7.25"), d("0.5")), Some(d("7.5")));
        assert_eq!(round_to(d("12"), d("5")), Some(d("10")));
        assert_eq!(round_to(d("1"), d("0")), None);
    }

    #[test]
    fn overflow_is_none_not_panic() {
        let r = arithmetic(
            ArithOp::InstantAddDuration,
            &Val::Instant(i64::MAX),
            &Val::Duration(1),
        );
        assert_eq!(r, Some(None));
        let r = arithmetic(ArithOp::IntAdd, &Val::Int(1), &Val::Bool(true));
        assert_eq!(r, None);
        let big = Decimal::MAX;
        let r = arithmetic(ArithOp::MoneyMulInt, &Val::Money(big), &Val::Int(2));
        assert_eq!(r, Some(None));
    }
}
