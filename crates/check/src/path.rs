//! Resolution of dotted names in expressions.
//!
//! `r.x` (an aggregate's element), `order.paid_at` (a fact field), `approved` (an enum
//! variant where one is expected), `ship_by` / `baseline.ship_by` (values),
//! `ship_check.status` (a check's outcome), `ship_check.deadline` (a component,
//! inside its own check only).

use ir::{Const, Expr, Status, Ty};
use syntax::ast;
use syntax::Diagnostic;

use crate::checker::Checker;
use crate::codes;
use crate::collect::Entry;
use crate::expr::{Ctx, Typed};
use crate::names::{did_you_mean, suggest};

impl Checker<'_> {
    pub(crate) fn path(&mut self, cx: &mut Ctx, p: &ast::Path, want: Option<&Ty>) -> Option<Typed> {
        let segs = &p.segments;
        let first = &segs[0];
        // Aggregate element.
        if let Some(pos) = cx.locals.iter().rposition(|l| l.name == first.name) {
            let depth = (cx.locals.len() - 1 - pos) as u32;
            let mut t = Typed::plain(
                Expr::Local {
                    depth,
                    path: Vec::new(),
                },
                cx.locals[pos].ty.clone(),
            );
            t.key = Some(format!("l{pos}:{}", first.name));
            return self.record_fields(cx, t, &segs[1..]);
        }
        // Enum variant or status where one is expected, before fact kinds: a fact kind is
        // only ever followed by `.field`, so a bare name that a variant of the expected type
        // has is that variant even when a fact kind has the name too (`enum ReportScope
        // { store, order }` beside `fact order`; `fact shop` beside `MerchantKind.shop`).
        if segs.len() == 1 {
            match want.map(Ty::base) {
                Some(Ty::Enum(e)) => {
                    if let Some(i) = self.types.variants[*e as usize]
                        .iter()
                        .position(|v| *v == first.name)
                    {
                        return Some(Typed::plain(
                            Expr::Const(Const::Enum(i as u32)),
                            Ty::Enum(*e),
                        ));
                    }
                }
                Some(Ty::Status) => {
                    if let Some(s) = Status::from_name(&first.name) {
                        return Some(Typed::plain(Expr::Const(Const::Status(s)), Ty::Status));
                    }
                }
                _ => {}
            }
        }
        // Fact field.
        if let Some(&k) = self.kind_index.get(&first.name) {
            let Some(field) = segs.get(1) else {
                self.diags.push(Diagnostic::error(
                    codes::UNKNOWN_FIELD,
                    format!("`{}` is a fact kind; name one of its fields", first.name),
                    p.span,
                    "e.g. `order.paid_at`",
                ));
                return None;
            };
            cx.kinds.insert(k);
            let kind = &self.kinds[k as usize];
            let Some(slot) = kind.fields.iter().position(|f| f.name == field.name) else {
                let names: Vec<&str> = kind.fields.iter().map(|f| f.name.as_str()).collect();
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_FIELD,
                    format!("`{}` has no field `{}`", first.name, field.name),
                    field.span,
                    "not in the schema",
                );
                if let Some(h) = did_you_mean(&suggest(&field.name, names)) {
                    d = d.with_help(h);
                } else {
                    d = d.with_help(format!(
                        "fields are declared in `fact {} {{ ... }}`",
                        first.name
                    ));
                }
                self.diags.push(d);
                return None;
            };
            let mut t = Typed::plain(Expr::Field(vec![slot as u32]), kind.fields[slot].ty.clone());
            t.key = Some(format!("f:{}.{}", first.name, field.name));
            return self.record_fields(cx, t, &segs[2..]);
        }
        // Names of announcements.
        let own = self.files[cx.file].ns.clone().unwrap_or_default();
        let (ns, rest) = match self
            .syms
            .namespaces
            .get(&own)
            .and_then(|t| t.get(&first.name))
        {
            Some(_) => (own.clone(), segs.as_slice()),
            None if self.syms.namespaces.contains_key(&first.name) && segs.len() > 1 => {
                (first.name.clone(), &segs[1..])
            }
            None => {
                self.unknown_name(cx, p, want);
                return None;
            }
        };
        let name = &rest[0];
        let Some(entry) = self
            .syms
            .namespaces
            .get(&ns)
            .and_then(|t| t.get(&name.name))
            .copied()
        else {
            let names: Vec<String> = self
                .syms
                .namespaces
                .get(&ns)
                .map(|t| t.keys().cloned().collect())
                .unwrap_or_default();
            let mut d = Diagnostic::error(
                codes::UNKNOWN_NAME,
                format!("`{ns}` has no `{}`", name.name),
                name.span,
                "not defined in that announcement",
            );
            if let Some(h) = did_you_mean(&suggest(&name.name, names.iter().map(String::as_str))) {
                d = d.with_help(h);
            }
            self.diags.push(d);
            return None;
        };
        match entry {
            Entry::Value(v) => {
                let ty = self.value_type(v)?;
                let mut t = Typed::plain(Expr::Value(v), ty);
                t.key = Some(format!("v:{v}"));
                if rest.len() > 1 {
                    self.diags.push(Diagnostic::error(
                        codes::UNKNOWN_FIELD,
                        "fields of values cannot be read",
                        rest[1].span,
                        "define the value from the fact field instead",
                    ));
                    return None;
                }
                Some(t)
            }
            Entry::Check(c) => {
                let Some(part) = rest.get(1) else {
                    self.diags.push(
                        Diagnostic::error(
                            codes::UNKNOWN_NAME,
                            format!("`{}` is a check", name.name),
                            p.span,
                            "a check is not a value",
                        )
                        .with_help(format!("read its outcome with `{}.status`", name.name)),
                    );
                    return None;
                };
                if part.name == "status" {
                    return Some(Typed::plain(Expr::Status(c), Ty::Status));
                }
                let Some(comp) = ast::Component::from_name(&part.name) else {
                    self.diags.push(Diagnostic::error(codes::UNKNOWN_FIELD, format!("checks have no `{}`", part.name), part.span, "expected `status` or a component (deadline, compensation, exempt, violated)"));
                    return None;
                };
                if cx.check != Some(c) {
                    self.diags.push(
                        Diagnostic::error(codes::COMPONENT_SCOPE, format!("`{}.{}` can only be read inside its check", name.name, part.name), p.span, "outside the check")
                            .with_help(format!("the component is defined only where the check applies; read `{}.status` instead", name.name)),
                    );
                    return None;
                }
                let Some(&v) = self.syms.checks[c as usize].components.get(&comp) else {
                    self.diags.push(Diagnostic::error(
                        codes::UNKNOWN_NAME,
                        format!("check `{}` has no {}", name.name, part.name),
                        part.span,
                        "not defined",
                    ));
                    return None;
                };
                let ty = self.value_type(v)?;
                let mut t = Typed::plain(Expr::Value(v), ty);
                t.key = Some(format!("v:{v}"));
                Some(t)
            }
            Entry::Rule(r) => {
                let value = self
                    .syms
                    .values
                    .get(self.syms.rules[r as usize].value as usize)
                    .map(|v| v.id.clone())
                    .unwrap_or_default();
                self.diags.push(
                    Diagnostic::error(
                        codes::UNKNOWN_NAME,
                        format!("`{}` is a rule, not a value", name.name),
                        p.span,
                        "rules cannot be read",
                    )
                    .with_help(format!("read the value it defines, `{value}`")),
                );
                None
            }
        }
    }

    /// Record field accesses after a path head.
    fn record_fields(&mut self, cx: &mut Ctx, mut t: Typed, rest: &[ast::Ident]) -> Option<Typed> {
        for seg in rest {
            let span = seg.span;
            t = self.present(cx, t, span)?;
            let Ty::Record(r) = t.ty else {
                let shown = self.types.show(&t.ty);
                self.diags.push(Diagnostic::error(
                    codes::UNKNOWN_FIELD,
                    format!("{shown} has no fields"),
                    span,
                    format!("cannot read `{}`", seg.name),
                ));
                return None;
            };
            let rec = &self.records[r as usize];
            let Some(slot) = rec.fields.iter().position(|f| f.name == seg.name) else {
                let names: Vec<&str> = rec.fields.iter().map(|f| f.name.as_str()).collect();
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_FIELD,
                    format!("`{}` has no field `{}`", rec.name, seg.name),
                    span,
                    "not in the record",
                );
                if let Some(h) = did_you_mean(&suggest(&seg.name, names)) {
                    d = d.with_help(h);
                }
                self.diags.push(d);
                return None;
            };
            let ty = rec.fields[slot].ty.clone();
            let expr = match t.expr {
                Expr::Field(mut p) => {
                    p.push(slot as u32);
                    Expr::Field(p)
                }
                Expr::Local { depth, mut path } => {
                    path.push(slot as u32);
                    Expr::Local { depth, path }
                }
                _ => return None,
            };
            let key = t.key.map(|k| format!("{k}.{}", seg.name));
            t = Typed {
                expr,
                ty,
                key,
                ..Typed::plain(Expr::Const(Const::Bool(false)), Ty::Bool)
            };
        }
        Some(t)
    }

    fn unknown_name(&mut self, cx: &Ctx, p: &ast::Path, want: Option<&Ty>) {
        let first = &p.segments[0];
        let own = self.files[cx.file].ns.clone().unwrap_or_default();
        let mut candidates: Vec<String> = cx.locals.iter().map(|l| l.name.clone()).collect();
        candidates.extend(self.kind_index.keys().cloned());
        candidates.extend(self.syms.namespaces.keys().cloned());
        if let Some(t) = self.syms.namespaces.get(&own) {
            candidates.extend(t.keys().cloned());
        }
        if let Some(Ty::Enum(e)) = want.map(Ty::base) {
            candidates.extend(self.types.variants[*e as usize].iter().cloned());
        }
        let mut d = Diagnostic::error(
            codes::UNKNOWN_NAME,
            format!("unknown name `{}`", first.name),
            first.span,
            "not defined",
        );
        let sugg = suggest(&first.name, candidates.iter().map(String::as_str));
        if let Some(h) = did_you_mean(&sugg) {
            d = d.with_help(h);
        } else if let Some(Ty::Enum(e)) = want.map(Ty::base) {
            d = d.with_help(format!(
                "expected one of: {}",
                self.types.variants[*e as usize].join(", ")
            ));
        }
        self.diags.push(d);
    }
}
