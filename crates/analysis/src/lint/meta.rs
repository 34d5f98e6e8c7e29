//! L003–L009: findings about dates, names, use and citations.

use ir::{Const, Expr, Parent, Program, Ty};
use syntax::Diagnostic;

use super::{
    rule_span, severity, Finding, Input, Lint, MissingCitation, NonCanonicalRegion, Owner,
    RedundantException, RetroactiveWithoutDeclaration, UnusedField, UnusedValue,
    WindowOutsideEffective,
};
use crate::deps::{self, Deps};
use crate::render;

pub(crate) fn run(input: &Input, out: &mut Vec<Finding>) {
    windows(input, out);
    regions(input, out);
    unused_values(input, out);
    unused_fields(input, out);
    citations(input, out);
    redundant(input, out);
}

fn diag(code: &str, msg: String, span: syntax::Span, label: &str) -> Diagnostic {
    Diagnostic::new(severity(code), code, msg, span, label)
}

/// Constant windows written in a rule's guard and body.
fn rule_windows(r: &ir::Rule) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut see = |e: &Expr| {
        e.walk(&mut |x| {
            if let Expr::Const(Const::Window(a, b)) = x {
                out.push((*a, *b));
            }
        })
    };
    see(&r.body);
    for c in r.guard.iter().flat_map(|g| &g.conjuncts) {
        see(&c.expr);
    }
    out
}

/// L003 and L004.
fn windows(input: &Input, out: &mut Vec<Finding>) {
    let p = input.program;
    for a in &p.announcements {
        if let (Some((start, _)), Some(published), false) =
            (a.effective, a.published, a.retroactive)
        {
            if start < published {
                let d = diag(
                    RetroactiveWithoutDeclaration::CODE,
                    format!(
                        "announcement `{}` takes effect {} but was published {}",
                        a.id,
                        render::instant(start),
                        render::instant(published)
                    ),
                    input.locator.announcement(&a.file),
                    "effective before it was published",
                )
                .with_help(
                    "mark the announcement `retroactive` if that is intended, or fix the dates",
                );
                out.push(Finding {
                    diag: d,
                    owners: vec![],
                });
            }
        }
    }
    for (ri, r) in p.rules.iter().enumerate() {
        let Some(a) = p.announcements.iter().find(|a| a.file == r.origin.file) else {
            continue;
        };
        for (lo, hi) in rule_windows(r) {
            if let Some((es, ee)) = a.effective {
                if lo < es || hi > ee {
                    let d = diag(
                        WindowOutsideEffective::CODE,
                        format!(
                            "the window [{}, {}] of `{}` reaches outside the announcement's validity [{}, {}]",
                            render::instant(lo),
                            render::instant_end(hi),
                            r.id,
                            render::instant(es),
                            render::instant_end(ee)
                        ),
                        rule_span(input, ri as u32),
                        "window outside `effective`",
                    )
                    .with_help("fix the window, or widen the announcement's `effective` line");
                    out.push(Finding {
                        diag: d,
                        owners: vec![Owner::Rule(ri as u32)],
                    });
                }
            }
            if let (Some(published), false) = (a.published, a.retroactive) {
                if lo < published {
                    let approx = if a.published_approximate {
                        " (approximately)"
                    } else {
                        ""
                    };
                    let d = diag(
                        RetroactiveWithoutDeclaration::CODE,
                        format!(
                            "`{}` takes effect {} but `{}` was published {}{approx}",
                            r.id,
                            render::instant(lo),
                            a.id,
                            render::instant(published)
                        ),
                        rule_span(input, ri as u32),
                        "starts before publication",
                    )
                    .with_help("mark the announcement `retroactive` if that is intended, or fix the window");
                    out.push(Finding {
                        diag: d,
                        owners: vec![Owner::Rule(ri as u32)],
                    });
                }
            }
        }
    }
}

/// L005, once per literal as written (the checker may see a literal more than once, e.g.
/// while inferring a value's type), silenced by an `@allow` on the enclosing item.
fn regions(input: &Input, out: &mut Vec<Finding>) {
    let mut seen = std::collections::BTreeSet::new();
    for lit in input.region_literals {
        if lit.form == regions::Form::Canonical
            || !seen.insert((lit.span.file.0, lit.span.start, lit.span.end))
        {
            continue;
        }
        let d = diag(
            NonCanonicalRegion::CODE,
            format!("region `{}` is not written as its canonical name", lit.text),
            lit.span,
            "not canonical",
        )
        .with_help(format!("write \"{}\"", lit.canonical));
        out.push(Finding {
            diag: d,
            owners: vec![Owner::Item(input.locator.allows_at(lit.span).to_vec())],
        });
    }
}

/// L006.
fn unused_values(input: &Input, out: &mut Vec<Finding>) {
    let p = input.program;
    let deps = Deps::new(p);
    for (vi, v) in p.values.iter().enumerate() {
        if v.check.is_some() || deps.used(vi as u32) {
            continue;
        }
        let Some(base) = v.bases.first().or(v.exceptions.first()) else {
            continue;
        };
        let d = diag(
            UnusedValue::CODE,
            format!("value `{}` is never read by a check", v.id),
            rule_span(input, *base),
            "unused",
        )
        .with_help("remove it, or read it from the check it was meant for");
        out.push(Finding {
            diag: d,
            owners: v.bases.iter().map(|r| Owner::Rule(*r)).collect(),
        });
    }
}

/// L007.
fn unused_fields(input: &Input, out: &mut Vec<Finding>) {
    let p = input.program;
    let read = deps::fields_read(p);
    let local = deps::local_fields_read(p);
    let mut report = |owner: &str, field: &str| {
        let Some(span) = input.locator.field(owner, field) else {
            return;
        };
        let d = diag(
            UnusedField::CODE,
            format!("field `{owner}.{field}` is never read"),
            span,
            "unused field",
        );
        out.push(Finding {
            diag: d,
            owners: vec![],
        });
    };
    for (ki, k) in p.kinds.iter().enumerate() {
        for (fi, f) in k.fields.iter().enumerate() {
            if f.name == "id" || read.contains(&(ki as u32, vec![fi as u32])) {
                continue;
            }
            report(&k.name, &f.name);
        }
    }
    // Record types reached through list elements: matched by position (see the lint doc).
    for r in &p.records {
        let in_list = p.kinds.iter().flat_map(|k| &k.fields).any(|f| {
            matches!(f.ty.base(), Ty::List(t) if matches!(t.base(), Ty::Record(x) if p.records.get(*x as usize).is_some_and(|x| x.name == r.name)))
        });
        if !in_list {
            continue;
        }
        for (fi, f) in r.fields.iter().enumerate() {
            if !local.contains(&vec![fi as u32]) {
                report(&r.name, &f.name);
            }
        }
    }
}

/// L008.
fn citations(input: &Input, out: &mut Vec<Finding>) {
    let p = input.program;
    for (ri, r) in p.rules.iter().enumerate() {
        if r.origin.clause.is_some() {
            continue;
        }
        let inherited = p
            .values
            .get(r.value as usize)
            .and_then(|v| v.check)
            .and_then(|c| p.checks.get(c as usize))
            .is_some_and(|c| c.origin.clause.is_some());
        if inherited && r.parent == Parent::Base {
            continue;
        }
        let d = diag(
            MissingCitation::CODE,
            format!("`{}` cites no clause", r.id),
            rule_span(input, ri as u32),
            "no `cites`",
        )
        .with_help("add `cites \"<clause>\"` naming the announcement's clause it encodes");
        out.push(Finding {
            diag: d,
            owners: vec![Owner::Rule(ri as u32)],
        });
    }
    for (ci, c) in p.checks.iter().enumerate() {
        if c.origin.clause.is_some() {
            continue;
        }
        let span = input
            .locator
            .definition(&c.origin.file, c.origin.line, &c.name);
        let d = diag(
            MissingCitation::CODE,
            format!("check `{}` cites no clause", c.name),
            span,
            "no `cites`",
        )
        .with_help("add `cites \"<clause>\"` after the check's name");
        out.push(Finding {
            diag: d,
            owners: vec![Owner::Check(ci as u32)],
        });
    }
}

/// L009.
fn redundant(input: &Input, out: &mut Vec<Finding>) {
    let p: &Program = input.program;
    for (ri, r) in p.rules.iter().enumerate() {
        let overridden: Option<&Expr> = match r.parent {
            Parent::Base => continue,
            Parent::Rule(parent) => p.rules.get(parent as usize).map(|x| &x.body),
            Parent::Value => p
                .values
                .get(r.value as usize)
                .filter(|v| v.bases.len() == 1)
                .and_then(|v| p.rules.get(v.bases[0] as usize))
                .map(|x| &x.body),
        };
        let same = r.body == Expr::Overridden || overridden.is_some_and(|o| *o == r.body);
        if !same {
            continue;
        }
        let d = diag(
            RedundantException::CODE,
            format!("`{}` gives exactly the value it overrides", r.id),
            rule_span(input, ri as u32),
            "changes nothing",
        )
        .with_help("remove the exception, or give it the value it was meant to have");
        out.push(Finding {
            diag: d,
            owners: vec![Owner::Rule(ri as u32)],
        });
    }
}
