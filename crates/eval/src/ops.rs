//! The operators' semantics, as pure functions on runtime values.
//!
//! Operands are typed by the checker; a value of an unexpected type (a damaged IR) is a
//! [`Reason::Type`] stop, never a panic. Arithmetic is checked: overflow is a
//! [`Reason::Arithmetic`] stop. Equality (`==`, `!=`, `in` on sets) is structural and
//! defined on every type, `none` included; ordering needs two values of the same ordered
//! type. `round(m, unit)` rounds half away from zero to a multiple of `unit`. `max`/`min`
//! over a list skip elements whose body is none, and give none when nothing passes.
//! [`crate::compile`] wires these into closures.

use std::cmp::Ordering;

use ir::ArithOp;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::eval::{undef, Env, Out, Reason};
use crate::val::Val;

/// Follows record slots `path` into `v`; none stays none.
pub(crate) fn follow(mut v: &Val, path: &[u32], env: Env) -> Out<Val> {
    for &i in path {
        match v {
            Val::Record(slots) => {
                v = slots
                    .get(i as usize)
                    .ok_or(undef(env.value(), Reason::MissingRef))?;
            }
            Val::Null => return Ok(Val::Null),
            _ => return Err(undef(env.value(), Reason::Type)),
        }
    }
    Ok(v.clone())
}

/// The order of two values of the same ordered type.
#[inline(always)]
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

/// `a op b`; `None` when the values cannot be ordered.
#[inline(always)]
pub(crate) fn compare(op: ir::CmpOp, a: &Val, b: &Val) -> Option<bool> {
    Some(match op {
        ir::CmpOp::Eq => a == b,
        ir::CmpOp::Ne => a != b,
        _ => op.holds(order(a, b)?),
    })
}

/// One step of `max`/`min` over a list: keeps the first of equals, skips none; `None` when
/// the values cannot be ordered.
pub(crate) fn extremum_step(best: &mut Val, v: Val, max: bool) -> Option<()> {
    if v.is_null() {
        return Some(());
    }
    if best.is_null() {
        *best = v;
        return Some(());
    }
    let ord = order(&v, best)?;
    if (max && ord == Ordering::Greater) || (!max && ord == Ordering::Less) {
        *best = v;
    }
    Some(())
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
#[inline(always)]
pub(crate) fn arithmetic(op: ArithOp, a: &Val, b: &Val) -> Option<Option<Val>> {
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
