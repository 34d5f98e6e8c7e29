//! The checker's state and the passes that turn collected declarations into the IR.

use std::collections::{BTreeSet, HashMap};

use ir::Ty;
use syntax::ast;
use syntax::{Diagnostic, Span};

use crate::codes;
use crate::collect::{FileInfo, Symbols};
use crate::expr::Ctx;
use crate::types::TypeNames;
use crate::RegionResolver;

/// Inference state of a value's type.
#[derive(Clone)]
pub(crate) enum TyState {
    Todo,
    InProgress,
    Done(Option<Ty>),
}

/// A region literal as written, for the linter's canonical-name check.
#[derive(Debug, Clone)]
pub struct RegionLiteral {
    /// Where it is written.
    pub span: Span,
    /// The text.
    pub text: String,
    /// The canonical full name.
    pub canonical: String,
    /// How it was written.
    pub form: regions::Form,
}

pub(crate) struct Checker<'a> {
    pub files: &'a [FileInfo],
    pub syms: Symbols,
    pub types: TypeNames,
    pub kinds: Vec<ir::FactKind>,
    pub records: Vec<ir::RecordDef>,
    pub kind_index: HashMap<String, u32>,
    pub value_types: Vec<TyState>,
    pub diags: Vec<Diagnostic>,
    pub resolver: &'a dyn RegionResolver,
    pub region_literals: Vec<(Span, String, String, regions::Form)>,
    /// Fact kinds each value's rules read directly.
    pub value_kinds: Vec<BTreeSet<u32>>,
}

impl<'a> Checker<'a> {
    pub(crate) fn snippet(&self, span: Span) -> String {
        self.files
            .iter()
            .find(|f| f.id == span.file)
            .and_then(|f| source_text(f, span))
            .unwrap_or_default()
    }

    /// The type of a value: declared, fixed (check components) or inferred from its first
    /// base definition.
    pub(crate) fn value_type(&mut self, v: u32) -> Option<Ty> {
        match self.value_types.get(v as usize).cloned() {
            Some(TyState::Done(t)) => return t,
            Some(TyState::InProgress) => {
                let slot = &self.syms.values[v as usize];
                let (id, span) = (slot.id.clone(), slot.span);
                self.diags.push(
                    Diagnostic::error(
                        codes::CYCLE,
                        format!("`{id}` depends on itself"),
                        span,
                        "its definition reads itself",
                    )
                    .with_help("declare its type (`value x: instant = ...`) or break the cycle"),
                );
                self.value_types[v as usize] = TyState::Done(None);
                return None;
            }
            Some(TyState::Todo) => {}
            None => return None,
        }
        let slot = &self.syms.values[v as usize];
        if let Some(t) = slot.fixed.clone() {
            self.value_types[v as usize] = TyState::Done(Some(t.clone()));
            return Some(t);
        }
        if let Some(decl) = slot.declared.clone() {
            let t = self.types.resolve(&decl, &mut self.diags);
            self.value_types[v as usize] = TyState::Done(t.clone());
            return t;
        }
        self.value_types[v as usize] = TyState::InProgress;
        let Some(&base) = slot.bases.first() else {
            self.value_types[v as usize] = TyState::Done(None);
            return None;
        };
        let (file, guard, body) = {
            let r = &self.syms.rules[base as usize];
            (r.file, r.guard.clone(), r.body.clone())
        };
        let mut cx = Ctx {
            file,
            ..Ctx::default()
        };
        if let Some(g) = &guard {
            if let Some(t) = self.expr(&mut cx, g, Some(&Ty::Bool)) {
                cx.narrowed.extend(t.when_true);
            }
        }
        let t = self
            .expr(&mut cx, &body, None)
            .and_then(|t| self.as_value(t, body.span))
            .map(|t| {
                // A value defined by an optional path that its guard tested is of the inner type.
                match (&t.ty, &t.key) {
                    (Ty::Optional(inner), Some(k)) if cx.narrowed.contains(k) => (**inner).clone(),
                    _ => t.ty,
                }
            });
        if matches!(self.value_types[v as usize], TyState::InProgress) {
            self.value_types[v as usize] = TyState::Done(t.clone());
        }
        t
    }

    /// A guard split into conjuncts; each conjunct narrows the ones after it.
    pub(crate) fn guard(&mut self, cx: &mut Ctx, e: &ast::Expr) -> Option<ir::Guard> {
        let mut parts = Vec::new();
        split_and(e, &mut parts);
        let mut conjuncts = Vec::new();
        let mut ok = true;
        for p in parts {
            match self
                .expr(cx, p, Some(&Ty::Bool))
                .and_then(|t| self.want_bool(t, p.span))
            {
                Some(t) => {
                    cx.narrowed.extend(t.when_true);
                    conjuncts.push(ir::Conjunct {
                        expr: t.expr,
                        text: self.snippet(p.span).trim().to_string(),
                    });
                }
                None => ok = false,
            }
        }
        ok.then_some(ir::Guard { conjuncts })
    }

    pub(crate) fn origin(&self, file: usize, span: Span, clause: Option<String>) -> ir::Origin {
        let f = &self.files[file];
        let line = f.line_of(span.start);
        let mut source = source_text(f, span).unwrap_or_default();
        source.truncate(end_of_tokens(&source));
        let mut source = source.trim().to_string();
        if source.chars().count() > 600 {
            source = source.chars().take(600).collect::<String>() + "…";
        }
        ir::Origin {
            file: f.path.clone(),
            line: line as u32,
            clause,
            source,
        }
    }
}

/// The length of `text` up to the end of its last token: an item's span can take in the
/// blank lines and comments after it (they belong to the next item), which an
/// explanation's source text must not show. Strings are skipped whole, so `//` inside one
/// is not a comment.
pub(crate) fn end_of_tokens(text: &str) -> usize {
    let b = text.as_bytes();
    let (mut i, mut end) = (0, 0);
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(b.len());
                end = i;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i = (i + 2).min(b.len());
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                // One character (UTF-8 continuation bytes included), ending at a boundary.
                i += 1;
                while i < b.len() && (b[i] & 0xC0) == 0x80 {
                    i += 1;
                }
                end = i;
            }
        }
    }
    end
}

fn source_text(f: &FileInfo, span: Span) -> Option<String> {
    f.text().get(span.range()).map(str::to_string)
}

/// The top-level `and` chain of an expression, left to right.
pub(crate) fn split_and<'e>(e: &'e ast::Expr, out: &mut Vec<&'e ast::Expr>) {
    match &e.kind {
        ast::ExprKind::Binary(ast::BinOp::And, a, b) => {
            split_and(a, out);
            split_and(b, out);
        }
        _ => out.push(e),
    }
}
