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
    if let Some(r) = round_to_power_of_ten(m, unit) {
        return r;
    }
    if unit.is_zero() {
        return None;
    }
    let q = m.checked_div(unit)?;
    q.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .checked_mul(unit)
}

/// [`round_to`] on integers, for the units people write (`1 CNY`, `0.01 CNY`, `10 CNY`: a
/// power of ten), or `None` to take the general way.
///
/// `Decimal` division is the costliest step of a compensation (about 1,000 instructions of
/// the 2,800 a `round(order.order_paid * rate, 1 CNY)` took): by a power of ten, the quotient
/// is the mantissa shifted, so it is rounded with one `i128` division instead. The result
/// is the general way's to the bit (mantissa and scale: `n × unit` at the unit's scale, and
/// zero at scale 0, as `Decimal` multiplication gives it); `fast_paths_match_decimal` checks
/// that on random and midpoint values.
fn round_to_power_of_ten(m: Decimal, unit: Decimal) -> Option<Option<Decimal>> {
    let (u, t) = (unit.mantissa(), unit.scale());
    if u <= 0 {
        return None;
    }
    let mut k = 0u32;
    let mut rest = u;
    while rest % 10 == 0 {
        rest /= 10;
        k += 1;
    }
    if rest != 1 {
        return None;
    }
    // m / unit = mantissa / 10^(scale - t + k): a shift left or a rounded shift right.
    let (a, s) = (m.mantissa(), m.scale());
    let shift = i64::from(s) - i64::from(t) + i64::from(k);
    let n = if shift <= 0 {
        a.checked_mul(10i128.checked_pow(u32::try_from(-shift).ok()?)?)?
    } else {
        // Mantissas are below 2^96: most fit a `u64`, whose division is a machine
        // instruction (`i128`'s is a library call).
        let d = 10u128.checked_pow(u32::try_from(shift).ok()?)?;
        let (q, r) = match (u64::try_from(a.unsigned_abs()), u64::try_from(d)) {
            (Ok(x), Ok(y)) => (u128::from(x / y), u128::from(x % y)),
            _ => (a.unsigned_abs() / d, a.unsigned_abs() % d),
        };
        let q = i128::try_from(q + u128::from(r >= d.div_ceil(2))).ok()?;
        if a < 0 {
            -q
        } else {
            q
        }
    };
    if n == 0 {
        return Some(Some(Decimal::ZERO));
    }
    Some(
        n.checked_mul(u)
            .and_then(|x| Decimal::try_from_i128_with_scale(x, t).ok()),
    )
}

/// `x / 100` for the common case, bit for bit what `Decimal` division gives (mantissa and
/// scale), or `None` to take the general way: the mantissa divided when it can be, else the
/// scale raised by two. Kept to small scales and mantissas, where that equality was checked
/// (`fast_paths_match_decimal`); division is the costliest step of `money * percent`.
fn div_hundred(x: Decimal) -> Option<Decimal> {
    let (a, s) = (x.mantissa(), x.scale());
    if a == 0 {
        return Some(Decimal::ZERO);
    }
    if s > 12 || a.unsigned_abs() >= 1_000_000_000_000_000_000 {
        return None;
    }
    if a % 100 == 0 {
        Decimal::try_from_i128_with_scale(a / 100, s).ok()
    } else {
        Decimal::try_from_i128_with_scale(a, s + 2).ok()
    }
}

/// `m × p%`; `None` on overflow.
fn money_times_percent(m: Decimal, p: Decimal) -> Option<Decimal> {
    let x = m.checked_mul(p)?;
    div_hundred(x).or_else(|| x.checked_div(Decimal::ONE_HUNDRED))
}

/// Typed arithmetic: `None` on operand types that do not fit the operator, `Some(None)` on
/// overflow.
#[inline(always)]
pub(crate) fn arithmetic(op: ArithOp, a: &Val, b: &Val) -> Option<Option<Val>> {
    use ArithOp::*;
    use Val::*;
    Some(match (op, a, b) {
        (InstantAddDuration, Instant(t), Duration(d)) => {
            t.checked_add(*d).and_then(in_range).map(Instant)
        }
        (InstantSubDuration, Instant(t), Duration(d)) => {
            t.checked_sub(*d).and_then(in_range).map(Instant)
        }
        (InstantSubInstant, Instant(x), Instant(y)) => x.checked_sub(*y).map(Duration),
        (DurationAdd, Duration(x), Duration(y)) => x.checked_add(*y).map(Duration),
        (DurationSub, Duration(x), Duration(y)) => x.checked_sub(*y).map(Duration),
        (IntMulDuration, Int(n), Duration(d)) => n.checked_mul(*d).map(Duration),
        (IntAdd, Int(x), Int(y)) => x.checked_add(*y).map(Int),
        (IntSub, Int(x), Int(y)) => x.checked_sub(*y).map(Int),
        (IntMul, Int(x), Int(y)) => x.checked_mul(*y).map(Int),
        (MoneyAdd, Money(x), Money(y)) => x.checked_add(*y).map(Money),
        (MoneySub, Money(x), Money(y)) => x.checked_sub(*y).map(Money),
        (MoneyMulPercent, Money(m), Percent(p)) => money_times_percent(*m, *p).map(Money),
        (MoneyMulInt, Money(m), Int(n)) => m.checked_mul(Decimal::from(*n)).map(Money),
        _ => return None,
    })
}

/// `t` when it is an instant records can hold and verdicts print (years 0001..9999 in
/// +08:00); arithmetic that leaves that range is an overflow, like leaving `i64`.
#[inline(always)]
pub(crate) fn in_range(t: i64) -> Option<i64> {
    (crate::time::MIN_INSTANT..=crate::time::MAX_INSTANT)
        .contains(&t)
        .then_some(t)
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

    /// The general way: what the fast paths must reproduce, bit for bit.
    fn round_general(m: Decimal, unit: Decimal) -> Option<Decimal> {
        if unit.is_zero() {
            return None;
        }
        m.checked_div(unit)?
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
            .checked_mul(unit)
    }

    fn bits(d: Option<Decimal>) -> Option<(i128, u32)> {
        d.map(|d| (d.mantissa(), d.scale()))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]

        /// Random mantissas and scales, plus exact midpoints (`…5` then zeros) and small
        /// numbers, by power-of-ten and other units.
        #[test]
        fn fast_paths_match_decimal(
            digits in 0u32..19,
            raw in proptest::prelude::any::<u64>(),
            negative in proptest::prelude::any::<bool>(),
            scale in 0u32..29,
            shape in 0u8..3,
            at in 0u32..6,
            unit in proptest::sample::select(vec![
                "1", "0.01", "10", "100", "0.1", "1.00", "1000000", "0.5", "3", "0.25",
            ]),
        ) {
            let mut a = i128::from(raw % 10u64.pow(digits).max(1));
            match shape {
                1 => a = a / 10i128.pow(at + 1) * 10i128.pow(at + 1) + 5 * 10i128.pow(at),
                2 => a %= 2000,
                _ => {}
            }
            if negative {
                a = -a;
            }
            let Ok(m) = Decimal::try_from_i128_with_scale(a, scale) else {
                return Ok(());
            };
            let unit = d(unit);
            proptest::prop_assert_eq!(bits(round_to(m, unit)), bits(round_general(m, unit)));
            if let Some(fast) = div_hundred(m) {
                proptest::prop_assert_eq!(
                    Some((fast.mantissa(), fast.scale())),
                    bits(m.checked_div(Decimal::ONE_HUNDRED))
                );
            }
        }
    }

    #[test]
    fn compensation_examples() {
        // 150 CNY x 5% = 7.50 -> 8 (half up), and the edges.
        let pay = |m: &str, p: &str| money_times_percent(d(m), d(p));
        assert_eq!(bits(pay("150", "5")), Some((750, 2)));
        assert_eq!(bits(pay("700", "1")), Some((7, 0)));
        assert_eq!(bits(pay("0", "5")), Some((0, 0)));
        assert_eq!(round_to(d("7.50"), d("1")), Some(d("8")));
        assert_eq!(round_to(d("-7.50"), d("1")), Some(d("-8")));
        assert_eq!(bits(round_to(d("0.4"), d("1.00"))), Some((0, 0)));
        assert_eq!(bits(round_to(d("1234.5678"), d("0.01"))), Some((123457, 2)));
        assert_eq!(round_to(Decimal::MAX, d("10")), None);
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
