//! Expressions: name resolution, types, narrowing of optionals, and lowering to IR.
//!
//! Optionals: a path of type `T?` may be used as `T` only where it is known to be present:
//! after `x is some` earlier in the same `and` chain (or `x is none` earlier in an `or`
//! chain), in an exception's body after its guard, in an exception to an exception after
//! its parent's guard, and in a check's components after its `after` event and `applies`
//! condition. Everything else is error E0203: there is no three-valued logic.

use std::collections::BTreeSet;

use ir::{Const, Expr, Func, QuantOp, Ty};
use syntax::ast::{self, ExprKind, UnOp};
use syntax::{Diagnostic, Span};

use crate::checker::Checker;
use crate::codes;
use crate::names::{did_you_mean, suggest};
use crate::time::span_of;

/// A bound aggregate variable.
#[derive(Clone)]
pub(crate) struct Local {
    pub name: String,
    pub ty: Ty,
}

/// Where an expression is checked.
#[derive(Clone, Default)]
pub(crate) struct Ctx {
    /// The file (namespace) the expression is written in.
    pub file: usize,
    /// The check whose component this is, if any.
    pub check: Option<u32>,
    /// The type of `overridden`, inside exceptions.
    pub overridden: Option<Ty>,
    /// Paths known to be present.
    pub narrowed: Vec<String>,
    /// Aggregate variables, innermost last.
    pub locals: Vec<Local>,
    /// Fact kinds read.
    pub kinds: BTreeSet<u32>,
}

/// A checked expression.
pub(crate) struct Typed {
    pub expr: Expr,
    pub ty: Ty,
    /// For time literals: the inclusive span they denote, and whether it is a date.
    pub lit: Option<((i64, i64), bool)>,
    /// The narrowing key, when the expression is a path.
    pub key: Option<String>,
    /// Paths known present when this (boolean) expression is true / false.
    pub when_true: Vec<String>,
    pub when_false: Vec<String>,
    /// The ends of a window whose ends are computed (only usable with `in`).
    pub window_ends: Option<(Expr, Expr)>,
    /// An optional path already known present here (so `is some` on it is allowed).
    pub was_optional: bool,
}

impl Typed {
    pub(crate) fn plain(expr: Expr, ty: Ty) -> Typed {
        Typed {
            expr,
            ty,
            lit: None,
            key: None,
            when_true: Vec::new(),
            when_false: Vec::new(),
            window_ends: None,
            was_optional: false,
        }
    }
}

fn is_ordered(t: &Ty) -> bool {
    matches!(
        t,
        Ty::Instant | Ty::Duration | Ty::Int | Ty::Money | Ty::Percent
    )
}

impl Checker<'_> {
    /// Checks `e`; when `want` is given, also that it has that type. Errors are reported
    /// once and `None` returned, so callers do not cascade.
    pub(crate) fn expect(&mut self, cx: &mut Ctx, e: &ast::Expr, want: &Ty) -> Option<Expr> {
        self.expect_typed(cx, e, want).map(|t| t.expr)
    }

    /// A boolean, keeping what it tells about optionals.
    pub(crate) fn want_bool(&mut self, t: Typed, span: Span) -> Option<Typed> {
        if t.ty == Ty::Bool {
            return Some(t);
        }
        let f = self.types.show(&t.ty);
        self.diags.push(Diagnostic::error(
            codes::MISMATCH,
            format!("expected bool, found {f}"),
            span,
            format!("this is {f}"),
        ));
        None
    }

    /// Like [`Checker::expect`], returning the whole [`Typed`].
    pub(crate) fn expect_typed(&mut self, cx: &mut Ctx, e: &ast::Expr, want: &Ty) -> Option<Typed> {
        let t = self.expr(cx, e, Some(want))?;
        let t = self.as_value(t, e.span)?;
        if t.window_ends.is_some() {
            self.diags.push(Diagnostic::error(
                codes::MISMATCH,
                "a window with computed ends can only be used with `in`",
                e.span,
                "write `x in [start, end]`",
            ));
            return None;
        }
        if &t.ty == want || (want.is_optional() && want.base() == &t.ty) {
            return Some(t);
        }
        if let (Ty::Optional(inner), true) = (
            &t.ty,
            t.key.as_ref().is_some_and(|k| cx.narrowed.contains(k)),
        ) {
            if **inner == *want {
                let ty = want.clone();
                return Some(Typed { ty, ..t });
            }
        }
        if let Ty::Optional(inner) = &t.ty {
            if **inner == *want {
                self.optional_error(e.span, &t);
                return None;
            }
        }
        let (w, f) = (self.types.show(want), self.types.show(&t.ty));
        self.diags.push(Diagnostic::error(
            codes::MISMATCH,
            format!("expected {w}, found {f}"),
            e.span,
            format!("this is {f}"),
        ));
        None
    }

    fn optional_error(&mut self, span: Span, t: &Typed) {
        let what = self.snippet(span);
        let mut d = Diagnostic::error(
            codes::OPTIONAL,
            format!("`{what}` may be absent here"),
            span,
            format!("this is {}", self.types.show(&t.ty)),
        );
        d = d.with_help(format!(
            "test it first: `{what} is some and ...` (in a guard, a check's `after`, or an enclosing exception)"
        ));
        self.diags.push(d);
    }

    /// Rejects dates used as values; literal instants become their start.
    pub(crate) fn as_value(&mut self, t: Typed, span: Span) -> Option<Typed> {
        if let Some((_, true)) = t.lit {
            self.diags.push(
                Diagnostic::error(codes::DATE_AS_VALUE, "a date is a whole day, not an instant", span, "used as an instant here")
                    .with_help("write the instant you mean, e.g. `2022-03-31 23:59:59`; dates are for windows and comparisons"),
            );
            return None;
        }
        Some(t)
    }

    /// Unwraps an optional that is known present; reports E0203 otherwise.
    pub(crate) fn present(&mut self, cx: &Ctx, t: Typed, span: Span) -> Option<Typed> {
        match &t.ty {
            Ty::Optional(inner) => {
                if t.key.as_ref().is_some_and(|k| cx.narrowed.contains(k)) {
                    let ty = (**inner).clone();
                    Some(Typed { ty, ..t })
                } else {
                    self.optional_error(span, &t);
                    None
                }
            }
            _ => Some(t),
        }
    }

    pub(crate) fn expr(&mut self, cx: &mut Ctx, e: &ast::Expr, want: Option<&Ty>) -> Option<Typed> {
        match &e.kind {
            ExprKind::Bool(b) => Some(Typed::plain(Expr::Const(Const::Bool(*b)), Ty::Bool)),
            ExprKind::Int(i) => Some(Typed::plain(Expr::Const(Const::Int(*i)), Ty::Int)),
            ExprKind::Money(m) => Some(Typed::plain(Expr::Const(Const::Money(*m)), Ty::Money)),
            ExprKind::Percent(p) => {
                Some(Typed::plain(Expr::Const(Const::Percent(*p)), Ty::Percent))
            }
            ExprKind::Duration(d) => {
                Some(Typed::plain(Expr::Const(Const::Duration(*d)), Ty::Duration))
            }
            ExprKind::Str(s) => Some(Typed::plain(Expr::Const(Const::Str(s.clone())), Ty::Str)),
            ExprKind::Time(lit) => {
                let zone = self.files[cx.file].zone;
                let Some(span) = span_of(lit, zone) else {
                    self.diags.push(Diagnostic::error(
                        codes::BAD_TIME,
                        "this time cannot be placed on the time line",
                        e.span,
                        "out of range",
                    ));
                    return None;
                };
                let mut t = Typed::plain(Expr::Const(Const::Instant(span.0)), Ty::Instant);
                t.lit = Some((span, lit.time.is_none()));
                Some(t)
            }
            ExprKind::Region(s) => {
                let code = self.region(s)?;
                Some(Typed::plain(Expr::Const(Const::Region(code)), Ty::Region))
            }
            ExprKind::Regions(list) => {
                let mut codes_ = Vec::new();
                let mut ok = true;
                for s in list {
                    match self.region(s) {
                        Some(c) => codes_.push(c),
                        None => ok = false,
                    }
                }
                ok.then(|| {
                    Typed::plain(
                        Expr::Const(Const::Regions(regions::RegionSet::new(codes_))),
                        Ty::Regions,
                    )
                })
            }
            ExprKind::Window(a, b) => self.window(cx, a, b, e.span),
            ExprKind::Set(items) => self.set(cx, items, want, e.span),
            ExprKind::Overridden => match &cx.overridden {
                Some(t) => Some(Typed::plain(Expr::Overridden, t.clone())),
                None => {
                    self.diags.push(
                        Diagnostic::error(codes::OVERRIDDEN, "`overridden` outside an exception", e.span, "nothing is overridden here")
                            .with_help("`overridden` is the value an exception replaces; use it inside `exception ... { when ... then ... }`"),
                    );
                    None
                }
            },
            ExprKind::Path(p) => {
                let t = self.path(cx, p, want)?;
                // A path proven present is its inner type from here on.
                match (&t.ty, &t.key) {
                    (Ty::Optional(inner), Some(k)) if cx.narrowed.contains(k) => {
                        let ty = (**inner).clone();
                        Some(Typed {
                            ty,
                            was_optional: true,
                            ..t
                        })
                    }
                    _ => Some(t),
                }
            }
            ExprKind::Unary(UnOp::Not, x) => {
                let t = self.expr(cx, x, Some(&Ty::Bool))?;
                let t = self.want_bool(t, x.span)?;
                let mut out = Typed::plain(Expr::Not(Box::new(t.expr)), Ty::Bool);
                out.when_true = t.when_false;
                out.when_false = t.when_true;
                Some(out)
            }
            ExprKind::Unary(UnOp::Neg, x) => {
                let t = self.expr(cx, x, None)?;
                let t = self.present(cx, t, x.span)?;
                if matches!(t.ty, Ty::Duration | Ty::Int | Ty::Money) && t.lit.is_none() {
                    Some(Typed::plain(Expr::Neg(Box::new(t.expr)), t.ty))
                } else {
                    let shown = self.types.show(&t.ty);
                    self.diags.push(Diagnostic::error(
                        codes::OPERATOR,
                        format!("cannot negate {shown}"),
                        e.span,
                        "`-` applies to durations, ints and money",
                    ));
                    None
                }
            }
            ExprKind::IsSome(x, some) => {
                let t = self.expr(cx, x, None)?;
                if !t.ty.is_optional() && !t.was_optional {
                    let shown = self.types.show(&t.ty);
                    self.diags.push(
                        Diagnostic::error(
                            codes::MISMATCH,
                            format!(
                                "`is {}` on a value that is always present",
                                if *some { "some" } else { "none" }
                            ),
                            e.span,
                            format!("this is {shown}, not optional"),
                        )
                        .with_help("only optional fields and values (`T?`) can be absent"),
                    );
                    return None;
                }
                let mut out = Typed::plain(Expr::IsSome(Box::new(t.expr), *some), Ty::Bool);
                if let Some(k) = t.key {
                    if *some {
                        out.when_true.push(k);
                    } else {
                        out.when_false.push(k);
                    }
                }
                Some(out)
            }
            ExprKind::Binary(op, a, b) => self.binary(cx, *op, a, b, e.span),
            ExprKind::Call(name, args) => self.call(cx, name, args, e.span),
            ExprKind::Quantifier {
                op,
                var,
                list,
                filter,
            } => {
                let (list_e, inner, filter) = self.bind(cx, var, list, filter.as_deref())?;
                let filter = match filter {
                    Some(f) => Some(f),
                    None if *op == ast::Quant::Count => None,
                    None => {
                        self.diags.push(Diagnostic::error(
                            codes::MISMATCH,
                            "`any` and `all` need a condition",
                            e.span,
                            "add `where ...`",
                        ));
                        return None;
                    }
                };
                cx.kinds.extend(inner.kinds);
                let (op, ty) = match op {
                    ast::Quant::Any => (QuantOp::Any, Ty::Bool),
                    ast::Quant::All => (QuantOp::All, Ty::Bool),
                    ast::Quant::Count => (QuantOp::Count, Ty::Int),
                };
                Some(Typed::plain(
                    Expr::Quant {
                        op,
                        list: Box::new(list_e),
                        filter,
                    },
                    ty,
                ))
            }
            ExprKind::Extremum {
                op,
                body,
                var,
                list,
                filter,
            } => {
                let (list_e, mut inner, filter) = self.bind(cx, var, list, filter.as_deref())?;
                let b = self.expr(&mut inner, body, None)?;
                let b = self.as_value(b, body.span)?;
                let b = self.present(&inner, b, body.span)?;
                cx.kinds.extend(inner.kinds);
                if !is_ordered(&b.ty) {
                    let shown = self.types.show(&b.ty);
                    self.diags.push(Diagnostic::error(
                        codes::OPERATOR,
                        format!("cannot take the largest or smallest {shown}"),
                        body.span,
                        "not an ordered type",
                    ));
                    return None;
                }
                let func = if *op == ast::Extremum::Max {
                    Func::Max
                } else {
                    Func::Min
                };
                Some(Typed::plain(
                    Expr::Extremum {
                        op: func,
                        body: Box::new(b.expr),
                        list: Box::new(list_e),
                        filter,
                    },
                    Ty::Optional(Box::new(b.ty)),
                ))
            }
        }
    }

    /// A boolean condition, checked as an `and` chain so earlier parts narrow later ones.
    pub(crate) fn condition(&mut self, cx: &mut Ctx, e: &ast::Expr) -> Option<Expr> {
        self.expect(cx, e, &Ty::Bool)
    }

    /// An aggregate's list, the context with its element bound, and its checked filter.
    fn bind(
        &mut self,
        cx: &mut Ctx,
        var: &ast::Ident,
        list: &ast::Expr,
        filter: Option<&ast::Expr>,
    ) -> Option<(Expr, Ctx, Option<Box<Expr>>)> {
        let (list_e, el) = self.list(cx, list)?;
        let mut inner = cx.clone();
        inner.locals.push(Local {
            name: var.name.clone(),
            ty: el,
        });
        let filter = match filter {
            Some(f) => Some(Box::new(self.condition(&mut inner, f)?)),
            None => None,
        };
        Some((list_e, inner, filter))
    }

    fn list(&mut self, cx: &mut Ctx, list: &ast::Expr) -> Option<(Expr, Ty)> {
        let t = self.expr(cx, list, None)?;
        let t = self.present(cx, t, list.span)?;
        match &t.ty {
            Ty::List(el) | Ty::Set(el) => Some((t.expr, (**el).clone())),
            other => {
                let shown = self.types.show(other);
                self.diags.push(Diagnostic::error(
                    codes::MISMATCH,
                    format!("expected a list, found {shown}"),
                    list.span,
                    "not a list or set",
                ));
                None
            }
        }
    }

    fn region(&mut self, s: &ast::StrLit) -> Option<u32> {
        match self.resolver.resolve(&s.value) {
            Ok(r) => {
                self.region_literals
                    .push((s.span, s.value.clone(), r.canonical.clone(), r.form));
                Some(r.code)
            }
            Err(err) => {
                let message = match &err {
                    regions::ResolveError::Ambiguous { text, .. } => {
                        format!("region \"{text}\" is ambiguous")
                    }
                    regions::ResolveError::Unknown { text, .. } => {
                        format!("unknown region \"{text}\"")
                    }
                    regions::ResolveError::Empty => "empty region name".to_string(),
                };
                let (code, help) = match &err {
                    regions::ResolveError::Ambiguous { candidates, .. } => (
                        codes::AMBIGUOUS_REGION,
                        format!(
                            "write the full path, e.g. \"{}\"",
                            candidates.first().cloned().unwrap_or_default()
                        ),
                    ),
                    regions::ResolveError::Unknown { suggestions, .. }
                        if !suggestions.is_empty() =>
                    {
                        (
                            codes::UNKNOWN_REGION,
                            format!("did you mean {}?", suggestions.join(", ")),
                        )
                    }
                    _ => (
                        codes::UNKNOWN_REGION,
                        "region names follow GB/T 2260, e.g. \"内蒙古自治区呼和浩特市\""
                            .to_string(),
                    ),
                };
                self.diags.push(
                    Diagnostic::error(
                        code,
                        message,
                        s.span,
                        "not a single region of the gazetteer (GB/T 2260)",
                    )
                    .with_help(help),
                );
                None
            }
        }
    }

    fn window(&mut self, cx: &mut Ctx, a: &ast::Expr, b: &ast::Expr, _span: Span) -> Option<Typed> {
        let ta = self.expr(cx, a, Some(&Ty::Instant));
        let tb = self.expr(cx, b, Some(&Ty::Instant));
        let (ta, tb) = (ta?, tb?);
        let (ta, tb) = (self.present(cx, ta, a.span)?, self.present(cx, tb, b.span)?);
        for (t, s) in [(&ta, a.span), (&tb, b.span)] {
            if t.ty != Ty::Instant {
                let shown = self.types.show(&t.ty);
                self.diags.push(Diagnostic::error(
                    codes::MISMATCH,
                    format!("window ends are instants or dates, found {shown}"),
                    s,
                    "not a time",
                ));
                return None;
            }
        }
        match (ta.lit, tb.lit) {
            (Some(((lo, _), _)), Some(((_, hi), _))) => {
                if lo > hi {
                    self.diags.push(
                        Diagnostic::error(
                            codes::REVERSED_WINDOW,
                            "this window ends before it starts",
                            b.span,
                            "this end is before the start",
                        )
                        .with_label(a.span, "the start")
                        .with_help(
                            "windows are written [start, end], both inclusive; swap the ends",
                        ),
                    );
                    return None;
                }
                Some(Typed::plain(Expr::Const(Const::Window(lo, hi)), Ty::Window))
            }
            _ => {
                let lo = ta
                    .lit
                    .map_or(ta.expr, |((s, _), _)| Expr::Const(Const::Instant(s)));
                let hi = tb
                    .lit
                    .map_or(tb.expr, |((_, e), _)| Expr::Const(Const::Instant(e)));
                let mut t = Typed::plain(Expr::Const(Const::Bool(false)), Ty::Window);
                t.window_ends = Some((lo, hi));
                Some(t)
            }
        }
    }

    fn set(
        &mut self,
        cx: &mut Ctx,
        items: &[ast::Expr],
        want: Option<&Ty>,
        span: Span,
    ) -> Option<Typed> {
        let el_want = match want {
            Some(Ty::Set(e)) => Some((**e).clone()),
            Some(other) if !matches!(other, Ty::Set(_)) => Some(other.clone()),
            _ => None,
        };
        let mut consts = Vec::new();
        let mut el_ty: Option<Ty> = el_want.clone();
        for it in items {
            let t = self.expr(cx, it, el_ty.as_ref())?;
            let Expr::Const(c) = t.expr else {
                self.diags.push(
                    Diagnostic::error(
                        codes::MISMATCH,
                        "set literals hold constants",
                        it.span,
                        "not a constant",
                    )
                    .with_help("compare with `==` and `or` instead"),
                );
                return None;
            };
            match &el_ty {
                Some(want) if *want != t.ty => {
                    let (w, f) = (self.types.show(want), self.types.show(&t.ty));
                    self.diags.push(Diagnostic::error(
                        codes::MISMATCH,
                        format!("expected {w}, found {f}"),
                        it.span,
                        "set elements share one type",
                    ));
                    return None;
                }
                _ => el_ty = Some(t.ty.clone()),
            }
            consts.push(c);
        }
        let Some(el) = el_ty else {
            self.diags.push(Diagnostic::error(
                codes::MISMATCH,
                "cannot tell the type of an empty set",
                span,
                "empty",
            ));
            return None;
        };
        Some(Typed::plain(
            Expr::Const(Const::Set(consts)),
            Ty::Set(Box::new(el)),
        ))
    }

    fn call(
        &mut self,
        cx: &mut Ctx,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> Option<Typed> {
        let func = match name.name.as_str() {
            "max" => Func::Max,
            "min" => Func::Min,
            "round" => Func::Round,
            other => {
                let mut d = Diagnostic::error(
                    codes::OPERATOR,
                    format!("unknown function `{other}`"),
                    name.span,
                    "not a built-in function",
                );
                if let Some(h) = did_you_mean(&suggest(other, ["max", "min", "round"])) {
                    d = d.with_help(h);
                }
                self.diags.push(d);
                return None;
            }
        };
        if args.len() != 2 {
            self.diags.push(Diagnostic::error(
                codes::OPERATOR,
                format!("`{}` takes two arguments", name.name),
                span,
                format!("{} given", args.len()),
            ));
            return None;
        }
        let a = self.expr(cx, &args[0], None)?;
        let a = self.as_value(a, args[0].span)?;
        let a = self.present(cx, a, args[0].span)?;
        let want = if func == Func::Round {
            Ty::Money
        } else {
            a.ty.clone()
        };
        let b = self.expect(cx, &args[1], &want)?;
        let ok = match func {
            Func::Round => a.ty == Ty::Money,
            _ => is_ordered(&a.ty),
        };
        if !ok {
            let shown = self.types.show(&a.ty);
            let label = if func == Func::Round {
                "round takes money and a unit of money"
            } else {
                "not an ordered type"
            };
            self.diags.push(Diagnostic::error(
                codes::OPERATOR,
                format!("`{}` does not apply to {shown}", name.name),
                args[0].span,
                label,
            ));
            return None;
        }
        // The evaluator cannot round to a zero unit, and a unit read from the records could
        // be zero: the unit is a positive amount written in the policy (see limits.rs).
        if func == Func::Round
            && !matches!(&b, Expr::Const(Const::Money(m)) if m.is_sign_positive() && !m.is_zero())
        {
            self.diags.push(
                Diagnostic::error(
                    codes::OPERATOR,
                    "the unit of `round` must be a positive amount written in the policy",
                    args[1].span,
                    "zero, negative or computed",
                )
                .with_help("round to a unit such as `1 CNY` or `0.01 CNY`"),
            );
            return None;
        }
        Some(Typed::plain(Expr::Call(func, vec![a.expr, b]), a.ty))
    }
}
