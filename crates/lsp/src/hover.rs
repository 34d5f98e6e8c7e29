//! Hover: what a name is, where it comes from, and what overrides it.
//!
//! A value shows its type (the checker's, once the set checks; the declared one before),
//! each definition as written with its cited clause, the announcement it belongs to
//! (publication, effective window) and the exception tree below it. A fact field shows its
//! schema type, a region literal its code and full name.

use std::fmt::Write as _;

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position, Url};
use syntax::ast::{self, CheckClause, Item, Meta};
use syntax::Span;

use crate::index::{ItemRef, Sym};
use crate::nav;
use crate::world::{Analysis, World};

/// Longest definition text shown, in characters.
const MAX_SOURCE: usize = 1_200;
/// Most exceptions listed in a tree.
const MAX_TREE: usize = 40;

/// `textDocument/hover`.
pub fn hover(w: &mut World, url: &Url, pos: Position) -> Option<Hover> {
    let a = w.analysis(url)?;
    let file = a.file_of(url)?;
    let (text, lines) = a.source(file)?;
    let offset = u32::try_from(lines.offset(text, pos)).ok()?;
    if let Some(lit) = a
        .checked
        .region_literals
        .iter()
        .find(|l| l.span.file == file && l.span.start <= offset && offset < l.span.end)
    {
        return Some(markdown(region(&lit.text)?, a.range(lit.span)));
    }
    let occ = a.index.at(file, offset)?;
    let body = describe(&a, &occ.sym)?;
    Some(markdown(body, a.range(occ.span)))
}

fn markdown(value: String, range: Option<lsp_types::Range>) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range,
    }
}

/// A region literal: code, canonical name, level, how it was written.
fn region(text: &str) -> Option<String> {
    let g = regions::gazetteer();
    let r = g.resolve(text).ok()?;
    let level = g.get(r.code).map(|x| match x.level {
        regions::Level::Province => "province",
        regions::Level::City => "prefecture (city)",
        regions::Level::County => "county",
    });
    let mut s = format!("**region** `{}` {}", r.code, r.canonical);
    if let Some(l) = level {
        let _ = write!(s, "\n\nlevel: {l}");
    }
    if r.form != regions::Form::Canonical {
        let _ = write!(
            s,
            "\n\nwritten as `{text}` ({:?}); the canonical name is \"{}\"",
            r.form, r.canonical
        );
    }
    Some(s)
}

fn item(a: &Analysis, at: ItemRef) -> Option<&Item> {
    a.checked.files.get(at.file)?.1.items.get(at.item)
}

fn snippet(a: &Analysis, s: Span) -> String {
    let t = a.checked.sources.snippet(s).trim();
    if t.chars().count() > MAX_SOURCE {
        t.chars().take(MAX_SOURCE).collect::<String>() + "…"
    } else {
        t.to_string()
    }
}

fn where_(a: &Analysis, s: Span) -> String {
    let loc = a.checked.sources.locate(s);
    match loc.rsplit_once(['/', '\\']) {
        Some((_, tail)) => tail.to_string(),
        None => loc,
    }
}

fn code_block(out: &mut String, src: &str) {
    let _ = write!(out, "\n\n```edict\n{src}\n```");
}

fn describe(a: &Analysis, sym: &Sym) -> Option<String> {
    let mut out = String::new();
    match sym {
        Sym::Value(id) | Sym::Component(id, _) => {
            let id = match sym {
                Sym::Component(c, comp) => format!("{c}.{}", comp.name()),
                _ => id.clone(),
            };
            let what = if matches!(sym, Sym::Component(..)) {
                "component"
            } else {
                "value"
            };
            let _ = write!(out, "**{what}** `{id}`");
            if let Some(t) = value_type(a, sym, &id) {
                let _ = write!(out, ": `{t}`");
            }
            definitions(a, sym, &mut out);
            overrides(a, sym, &mut out);
            announcement_of(a, sym, &mut out);
        }
        Sym::Rule(id) => {
            let _ = write!(out, "**rule** `{id}`");
            if let Some(v) = a.index.value_of(sym) {
                let vid = match &v {
                    Sym::Value(x) => x.clone(),
                    Sym::Component(c, comp) => format!("{c}.{}", comp.name()),
                    _ => String::new(),
                };
                let _ = write!(out, " of `{vid}`");
                if let Some(t) = value_type(a, &v, &vid) {
                    let _ = write!(out, ": `{t}`");
                }
            }
            if let Some((_, target)) = a.index.overrides.iter().find(|(e, _)| e == sym) {
                let _ = write!(out, "\n\nan exception to `{}`", name(target));
            }
            definitions(a, sym, &mut out);
            overrides(a, sym, &mut out);
            announcement_of(a, sym, &mut out);
        }
        Sym::Check(id) => {
            let _ = write!(out, "**check** `{id}`");
            let d = a.index.defs.get(sym)?.first()?;
            if let Some(Item::Check(c)) = item(a, d.item) {
                if let Some(cl) = &c.cites {
                    let _ = write!(out, "\n\ncites \"{}\"", cl.value);
                }
                let mut comps = Vec::new();
                for cl in &c.clauses {
                    if let CheckClause::Component { component, .. } = cl {
                        if !comps.contains(&component.name()) {
                            comps.push(component.name());
                        }
                    }
                }
                if !comps.is_empty() {
                    let _ = write!(out, "\n\ncomponents: {}", comps.join(", "));
                }
                let _ = write!(out, "\n\ndefined at {}", where_(a, c.name.span));
            }
            announcement_of(a, sym, &mut out);
        }
        Sym::Announcement(ns) => {
            announcement(a, ns, &mut out);
            out = out.trim_start().to_string();
        }
        Sym::Type(name) => {
            let d = a.index.defs.get(sym)?.first()?;
            match item(a, d.item)? {
                Item::Enum(e) => {
                    let vs: Vec<&str> = e.variants.iter().map(|v| v.name.as_str()).collect();
                    let _ = write!(out, "**enum** `{name}` {{ {} }}", vs.join(", "));
                }
                Item::Record(r) => {
                    let _ = write!(out, "**record** `{name}`");
                    fields(a, &r.fields, &mut out);
                }
                Item::Fact(f) => {
                    let _ = write!(out, "**fact** `{name}`");
                    fields(a, &f.fields, &mut out);
                }
                _ => return None,
            }
            let _ = write!(out, "\n\ndefined at {}", where_(a, d.span));
        }
        Sym::Variant(e, v) => {
            let all = a
                .index
                .enums
                .get(e)
                .map(|v| v.join(", "))
                .unwrap_or_default();
            let _ = write!(out, "**variant** `{v}` of enum `{e}` {{ {all} }}");
        }
        Sym::Field(owner, f) => {
            let t = a.index.field_type(owner, f)?;
            let _ = write!(out, "**field** `{owner}.{f}`: `{}`", snippet(a, t.span));
            if t.optional {
                out.push_str("\n\noptional: test it with `is some` before use");
            }
            if let Some(d) = a.index.defs.get(sym).and_then(|d| d.first()) {
                let _ = write!(out, "\n\ndeclared at {}", where_(a, d.span));
            }
        }
        Sym::Local(..) => {
            let d = nav::def_spans(a, sym).into_iter().next()?;
            let _ = write!(out, "**element** `{}` of an aggregate", snippet(a, d));
        }
    }
    Some(out)
}

fn name(s: &Sym) -> String {
    match s {
        Sym::Component(c, comp) => format!("{c}.{}", comp.name()),
        Sym::Announcement(x) | Sym::Value(x) | Sym::Rule(x) | Sym::Check(x) | Sym::Type(x) => {
            x.clone()
        }
        Sym::Variant(e, v) | Sym::Field(e, v) => format!("{e}.{v}"),
        Sym::Local(..) => String::new(),
    }
}

/// The checker's type of a value (when the set compiled), else the declared one.
fn value_type(a: &Analysis, sym: &Sym, id: &str) -> Option<String> {
    if let Some(p) = &a.checked.program {
        if let Some(v) = p.value_by_id(id).and_then(|v| p.values.get(v as usize)) {
            return Some(p.type_name(&v.ty));
        }
    }
    match sym {
        Sym::Component(_, c) => Some(
            match c {
                ast::Component::Deadline => "instant",
                ast::Component::Compensation => "money",
                _ => "bool",
            }
            .into(),
        ),
        _ => {
            let d = a.index.defs.get(sym)?;
            d.iter().find_map(|d| match item(a, d.item) {
                Some(Item::Value(v)) => v.ty.as_ref().map(|t| snippet(a, t.span)),
                _ => None,
            })
        }
    }
}

/// Each definition of a symbol as written, with its clause.
fn definitions(a: &Analysis, sym: &Sym, out: &mut String) {
    let Some(defs) = a.index.defs.get(sym) else {
        return;
    };
    for d in defs.iter().take(8) {
        let Some(it) = item(a, d.item) else { continue };
        let (span, cites) = match (it, sym) {
            (Item::Value(v), _) => (v.span, v.def.cites.as_ref()),
            (Item::Exception(x), _) => (x.span, x.cites.as_ref()),
            (Item::Check(c), _) => {
                // The component clause (or labelled version) this name is in.
                let clause = c.clauses.iter().find_map(|cl| match cl {
                    CheckClause::Component { name_span, def, .. }
                        if name_span.same_place(&d.span)
                            || def
                                .label
                                .as_ref()
                                .is_some_and(|l| l.span.same_place(&d.span)) =>
                    {
                        Some((
                            def.span.to(*name_span),
                            def.cites.as_ref().or(c.cites.as_ref()),
                        ))
                    }
                    _ => None,
                });
                match clause {
                    Some(x) => x,
                    None => continue,
                }
            }
            _ => continue,
        };
        code_block(out, &snippet(a, span));
        match cites {
            Some(c) => {
                let _ = write!(out, "\ncites \"{}\" — {}", c.value, where_(a, d.span));
            }
            None => {
                let _ = write!(out, "\n{} (no citation)", where_(a, d.span));
            }
        }
    }
}

/// The exception tree below a value or rule.
fn overrides(a: &Analysis, sym: &Sym, out: &mut String) {
    let direct = a.index.exceptions_of(sym);
    if direct.is_empty() {
        return;
    }
    out.push_str("\n\n**overridden by**\n");
    let mut n = 0;
    let mut stack: Vec<(Sym, usize)> = direct.into_iter().rev().map(|s| (s, 0)).collect();
    let mut seen = Vec::new();
    while let Some((s, depth)) = stack.pop() {
        if seen.contains(&s) {
            continue;
        }
        seen.push(s.clone());
        n += 1;
        if n > MAX_TREE {
            out.push_str("\n- …");
            break;
        }
        let mut line = format!("{}- `{}`", "  ".repeat(depth), name(&s));
        if let Some(d) = a.index.defs.get(&s).and_then(|d| d.first()) {
            if let Some(Item::Exception(x)) = item(a, d.item) {
                let guard: String = snippet(a, x.guard.span)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                let guard = if guard.chars().count() > 100 {
                    guard.chars().take(100).collect::<String>() + "…"
                } else {
                    guard
                };
                let _ = write!(line, " when `{guard}`");
                if let Some(c) = &x.cites {
                    let _ = write!(line, " (cites \"{}\")", c.value);
                }
                let _ = write!(line, " — {}", where_(a, d.span));
            }
        }
        out.push('\n');
        out.push_str(&line);
        for c in a.index.exceptions_of(&s).into_iter().rev() {
            stack.push((c, depth + 1));
        }
    }
}

fn announcement_of(a: &Analysis, sym: &Sym, out: &mut String) {
    if let Some(ns) = crate::index::Index::ns_of(sym) {
        announcement(a, ns, out);
    }
}

/// An announcement's title, publication, effective window and flags.
fn announcement(a: &Analysis, ns: &str, out: &mut String) {
    let Some(d) = a
        .index
        .defs
        .get(&Sym::Announcement(ns.to_string()))
        .and_then(|d| d.first())
    else {
        return;
    };
    let Some(Item::Announcement(x)) = item(a, d.item) else {
        return;
    };
    let _ = write!(out, "\n\n**announcement** `{ns}` \"{}\"", x.title.value);
    for m in &x.meta {
        match m {
            Meta::Published { span, .. } => {
                let _ = write!(out, "\n- {}", snippet(a, *span));
            }
            Meta::Effective(e) => {
                let _ = write!(out, "\n- effective {}", snippet(a, e.span));
            }
            Meta::Retroactive(_) => out.push_str("\n- retroactive"),
            Meta::Source(s) => {
                let _ = write!(out, "\n- source \"{}\"", s.value);
            }
            Meta::Zone { span, .. } => {
                let _ = write!(out, "\n- {}", snippet(a, *span));
            }
        }
    }
    let _ = write!(out, "\n- {}", where_(a, x.id.span));
}

fn fields(a: &Analysis, fields: &[ast::FieldDecl], out: &mut String) {
    out.push_str("\n\n```edict");
    for f in fields.iter().take(60) {
        let _ = write!(out, "\n{}: {}", f.name.name, snippet(a, f.ty.span));
    }
    out.push_str("\n```");
}
