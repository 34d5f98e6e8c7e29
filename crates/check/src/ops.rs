//! Binary operators: logic with narrowing, comparisons (with the inclusive meaning of time
//! literals), membership, and typed arithmetic.

use ir::{ArithOp, CmpOp, Const, Expr, Ty};
use syntax::ast::{self, BinOp, ExprKind};
use syntax::{Diagnostic, Span};

use crate::checker::Checker;
use crate::codes;
use crate::expr::{Ctx, Typed};

fn is_ordered(t: &Ty) -> bool {
    matches!(
        t,
        Ty::Instant | Ty::Duration | Ty::Int | Ty::Money | Ty::Percent
    )
}

fn bare_name(e: &ast::Expr) -> bool {
    matches!(&e.kind, ExprKind::Path(p) if p.segments.len() == 1)
}

fn flatten(op: BinOp, a: Expr, b: Expr) -> Expr {
    let mut parts = Vec::new();
    for x in [a, b] {
        match (op, x) {
            (BinOp::And, Expr::And(xs)) | (BinOp::Or, Expr::Or(xs)) => parts.extend(xs),
            (_, x) => parts.push(x),
        }
    }
    if op == BinOp::And {
        Expr::And(parts)
    } else {
        Expr::Or(parts)
    }
}

impl Checker<'_> {
    pub(crate) fn binary(
        &mut self,
        cx: &mut Ctx,
        op: BinOp,
        a: &ast::Expr,
        b: &ast::Expr,
        span: Span,
    ) -> Option<Typed> {
        match op {
            BinOp::And | BinOp::Or => {
                let ta = self.expr(cx, a, Some(&Ty::Bool))?;
                let ta = self.want_bool(ta, a.span)?;
                let learned = if op == BinOp::And {
                    &ta.when_true
                } else {
                    &ta.when_false
                };
                let before = cx.narrowed.len();
                cx.narrowed.extend(learned.iter().cloned());
                let tb = self.expr(cx, b, Some(&Ty::Bool));
                cx.narrowed.truncate(before);
                let tb = self.want_bool(tb?, b.span)?;
                let mut out = Typed::plain(flatten(op, ta.expr, tb.expr), Ty::Bool);
                if op == BinOp::And {
                    out.when_true = [ta.when_true, tb.when_true].concat();
                } else {
                    out.when_false = [ta.when_false, tb.when_false].concat();
                }
                Some(out)
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                self.compare(cx, op, a, b, span)
            }
            BinOp::In | BinOp::NotIn => {
                let t = self.membership(cx, a, b, span)?;
                Some(if op == BinOp::NotIn {
                    Typed::plain(Expr::Not(Box::new(t)), Ty::Bool)
                } else {
                    Typed::plain(t, Ty::Bool)
                })
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul => self.arith(cx, op, a, b, span),
        }
    }

    /// Both operands, the bare-name one (an enum variant, say) checked second so it can be
    /// read against the other's type.
    fn operands(&mut self, cx: &mut Ctx, a: &ast::Expr, b: &ast::Expr) -> Option<(Typed, Typed)> {
        if bare_name(a) && !bare_name(b) {
            let tb = self.expr(cx, b, None)?;
            let tb = self.present(cx, tb, b.span)?;
            let ta = self.expr(cx, a, Some(&tb.ty))?;
            let ta = self.present(cx, ta, a.span)?;
            Some((ta, tb))
        } else {
            let ta = self.expr(cx, a, None)?;
            let ta = self.present(cx, ta, a.span)?;
            let tb = self.expr(cx, b, Some(&ta.ty))?;
            let tb = self.present(cx, tb, b.span)?;
            Some((ta, tb))
        }
    }

    fn compare(
        &mut self,
        cx: &mut Ctx,
        op: BinOp,
        a: &ast::Expr,
        b: &ast::Expr,
        span: Span,
    ) -> Option<Typed> {
        let (ta, tb) = self.operands(cx, a, b)?;
        let cmp = match op {
            BinOp::Eq => CmpOp::Eq,
            BinOp::Ne => CmpOp::Ne,
            BinOp::Lt => CmpOp::Lt,
            BinOp::Le => CmpOp::Le,
            BinOp::Gt => CmpOp::Gt,
            _ => CmpOp::Ge,
        };
        if ta.ty != tb.ty {
            let (l, r) = (self.types.show(&ta.ty), self.types.show(&tb.ty));
            self.diags.push(
                Diagnostic::error(
                    codes::MISMATCH,
                    format!("cannot compare {l} with {r}"),
                    span,
                    "different types",
                )
                .with_label(a.span, format!("this is {l}"))
                .with_label(b.span, format!("this is {r}")),
            );
            return None;
        }
        let ordered = !matches!(cmp, CmpOp::Eq | CmpOp::Ne);
        let equatable = !matches!(
            ta.ty,
            Ty::List(_) | Ty::Record(_) | Ty::Window | Ty::Regions | Ty::Set(_)
        );
        if (ordered && !is_ordered(&ta.ty)) || !equatable {
            let shown = self.types.show(&ta.ty);
            self.diags.push(Diagnostic::error(
                codes::OPERATOR,
                format!("`{}` does not apply to {shown}", op.symbol()),
                span,
                "not comparable this way",
            ));
            return None;
        }
        // Time literals denote their whole day/second: compare against the inclusive side.
        let expr = match (ta.lit, tb.lit) {
            (_, Some(((s, e), _))) if ta.lit.is_none() => literal_cmp(cmp, ta.expr, s, e),
            (Some(((s, e), _)), None) => literal_cmp(mirror(cmp), tb.expr, s, e),
            _ => {
                if ta.lit.is_some_and(|(_, date)| date) || tb.lit.is_some_and(|(_, date)| date) {
                    self.diags.push(Diagnostic::error(
                        codes::DATE_AS_VALUE,
                        "comparing two literals",
                        span,
                        "compare a fact or value with a literal",
                    ));
                    return None;
                }
                Expr::Cmp(cmp, Box::new(ta.expr), Box::new(tb.expr))
            }
        };
        Some(Typed::plain(expr, Ty::Bool))
    }

    fn membership(
        &mut self,
        cx: &mut Ctx,
        a: &ast::Expr,
        b: &ast::Expr,
        span: Span,
    ) -> Option<Expr> {
        let ta = self.expr(cx, a, None)?;
        let ta = self.as_value(ta, a.span)?;
        let ta = self.present(cx, ta, a.span)?;
        let want = match ta.ty {
            Ty::Instant => Ty::Window,
            Ty::Region => Ty::Regions,
            ref t => Ty::Set(Box::new(t.clone())),
        };
        let tb = self.expr(cx, b, Some(&want))?;
        let tb = self.present(cx, tb, b.span)?;
        match (&ta.ty, &tb.ty) {
            (Ty::Instant, Ty::Window) => Some(match tb.window_ends {
                Some((lo, hi)) => Expr::And(vec![
                    Expr::Cmp(CmpOp::Ge, Box::new(ta.expr.clone()), Box::new(lo)),
                    Expr::Cmp(CmpOp::Le, Box::new(ta.expr), Box::new(hi)),
                ]),
                None => Expr::InWindow(Box::new(ta.expr), Box::new(tb.expr)),
            }),
            (Ty::Region, Ty::Regions | Ty::Region) => {
                Some(Expr::InRegions(Box::new(ta.expr), Box::new(tb.expr)))
            }
            (x, Ty::Set(el)) if **el == *x => {
                Some(Expr::InSet(Box::new(ta.expr), Box::new(tb.expr)))
            }
            (x, y) => {
                let (l, r) = (self.types.show(x), self.types.show(y));
                self.diags.push(
                    Diagnostic::error(codes::OPERATOR, format!("cannot test {l} `in` {r}"), span, "membership needs matching types")
                        .with_help("`in` tests an instant in a window, a region in regions, or a value in a set of its type"),
                );
                None
            }
        }
    }

    fn arith(
        &mut self,
        cx: &mut Ctx,
        op: BinOp,
        a: &ast::Expr,
        b: &ast::Expr,
        span: Span,
    ) -> Option<Typed> {
        let ta = self.expr(cx, a, None)?;
        let ta = self.as_value(ta, a.span)?;
        let ta = self.present(cx, ta, a.span)?;
        let tb = self.expr(cx, b, None)?;
        let tb = self.as_value(tb, b.span)?;
        let tb = self.present(cx, tb, b.span)?;
        use ArithOp::*;
        use Ty::*;
        let (aop, swap, ty) = match (op, &ta.ty, &tb.ty) {
            (BinOp::Add, Instant, Duration) => (InstantAddDuration, false, Instant),
            (BinOp::Add, Duration, Instant) => (InstantAddDuration, true, Instant),
            (BinOp::Sub, Instant, Duration) => (InstantSubDuration, false, Instant),
            (BinOp::Sub, Instant, Instant) => (InstantSubInstant, false, Duration),
            (BinOp::Add, Duration, Duration) => (DurationAdd, false, Duration),
            (BinOp::Sub, Duration, Duration) => (DurationSub, false, Duration),
            (BinOp::Mul, Int, Duration) => (IntMulDuration, false, Duration),
            (BinOp::Mul, Duration, Int) => (IntMulDuration, true, Duration),
            (BinOp::Add, Int, Int) => (IntAdd, false, Int),
            (BinOp::Sub, Int, Int) => (IntSub, false, Int),
            (BinOp::Mul, Int, Int) => (IntMul, false, Int),
            (BinOp::Add, Money, Money) => (MoneyAdd, false, Money),
            (BinOp::Sub, Money, Money) => (MoneySub, false, Money),
            (BinOp::Mul, Money, Percent) => (MoneyMulPercent, false, Money),
            (BinOp::Mul, Percent, Money) => (MoneyMulPercent, true, Money),
            (BinOp::Mul, Money, Int) => (MoneyMulInt, false, Money),
            (BinOp::Mul, Int, Money) => (MoneyMulInt, true, Money),
            (_, l, r) => {
                let (l, r) = (self.types.show(l), self.types.show(r));
                let help = match op {
                    BinOp::Add => "`+` adds a duration to an instant, durations, ints or money",
                    BinOp::Sub => "`-` subtracts a duration or an instant from an instant, or durations, ints, money",
                    _ => "`*` multiplies an int by a duration, ints, money by a percentage or an int",
                };
                self.diags.push(
                    Diagnostic::error(
                        codes::OPERATOR,
                        format!("cannot apply `{}` to {l} and {r}", op.symbol()),
                        span,
                        "no such operation",
                    )
                    .with_label(a.span, format!("this is {l}"))
                    .with_label(b.span, format!("this is {r}"))
                    .with_help(help),
                );
                return None;
            }
        };
        let (x, y) = if swap {
            (tb.expr, ta.expr)
        } else {
            (ta.expr, tb.expr)
        };
        Some(Typed::plain(Expr::Arith(aop, Box::new(x), Box::new(y)), ty))
    }
}

/// `x op literal` where the literal spans `[s, e]`.
fn literal_cmp(op: CmpOp, x: Expr, s: i64, e: i64) -> Expr {
    let c = |v| Box::new(Expr::Const(Const::Instant(v)));
    match op {
        CmpOp::Lt => Expr::Cmp(CmpOp::Lt, Box::new(x), c(s)),
        CmpOp::Le => Expr::Cmp(CmpOp::Le, Box::new(x), c(e)),
        CmpOp::Gt => Expr::Cmp(CmpOp::Gt, Box::new(x), c(e)),
        CmpOp::Ge => Expr::Cmp(CmpOp::Ge, Box::new(x), c(s)),
        CmpOp::Eq => Expr::InWindow(Box::new(x), Box::new(Expr::Const(Const::Window(s, e)))),
        CmpOp::Ne => Expr::Not(Box::new(Expr::InWindow(
            Box::new(x),
            Box::new(Expr::Const(Const::Window(s, e))),
        ))),
    }
}

/// The operator with its operands swapped: `lit < x` is `x > lit`.
fn mirror(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}
