//! Navigation: go to definition, find references (with every exception of a rule), and the
//! document outline.

use lsp_types::{DocumentSymbol, DocumentSymbolResponse, Location, Position, SymbolKind, Url};
use syntax::ast::{CheckClause, Item};
use syntax::Span;

use crate::index::{Occurrence, Sym};
use crate::world::{Analysis, World};

/// The occurrence under the cursor.
pub fn at<'a>(a: &'a Analysis, url: &Url, pos: Position) -> Option<&'a Occurrence> {
    let file = a.file_of(url)?;
    let (text, lines) = a.source(file)?;
    let offset = u32::try_from(lines.offset(text, pos)).ok()?;
    a.index.at(file, offset)
}

/// Where a symbol is defined (every dated version of a value).
pub fn def_spans(a: &Analysis, sym: &Sym) -> Vec<Span> {
    if let Sym::Local(file, start) = sym {
        return a
            .index
            .occurrences
            .iter()
            .filter(|o| o.def && o.span.file == *file && o.span.start == *start)
            .map(|o| o.span)
            .take(1)
            .collect();
    }
    match a.index.defs.get(sym) {
        Some(d) => d.iter().map(|d| d.span).collect(),
        // The default exemption/exclusion of a check is written nowhere: the check is.
        None => match sym {
            Sym::Component(check, _) => def_spans(a, &Sym::Check(check.clone())),
            _ => Vec::new(),
        },
    }
}

/// `textDocument/definition`.
pub fn definition(w: &mut World, url: &Url, pos: Position) -> Option<Vec<Location>> {
    let a = w.analysis(url)?;
    let occ = at(&a, url, pos)?;
    let locs: Vec<Location> = def_spans(&a, &occ.sym)
        .into_iter()
        .filter_map(|s| a.location(s))
        .collect();
    (!locs.is_empty()).then_some(locs)
}

/// Every exception below a value, rule or component, depth first (bounded).
pub fn exceptions_below(a: &Analysis, sym: &Sym) -> Vec<Sym> {
    let mut out = Vec::new();
    let mut stack = vec![sym.clone()];
    while let Some(s) = stack.pop() {
        for e in a.index.exceptions_of(&s) {
            if !out.contains(&e) && out.len() < 10_000 {
                out.push(e.clone());
                stack.push(e);
            }
        }
    }
    out
}

/// `textDocument/references`: the uses of the symbol under the cursor and, for a value,
/// rule or check component, the label of every exception below it.
pub fn references(
    w: &mut World,
    url: &Url,
    pos: Position,
    declaration: bool,
) -> Option<Vec<Location>> {
    let a = w.analysis(url)?;
    let sym = at(&a, url, pos)?.sym.clone();
    let mut spans: Vec<Span> = a
        .index
        .occurrences_of(&sym)
        .filter(|o| declaration || !o.def)
        .map(|o| o.span)
        .collect();
    if matches!(sym, Sym::Value(_) | Sym::Rule(_) | Sym::Component(..)) {
        for e in exceptions_below(&a, &sym) {
            spans.extend(def_spans(&a, &e));
        }
    }
    spans.sort_by_key(|s| (s.file, s.start, s.end));
    spans.dedup_by(|x, y| x.same_place(y));
    Some(spans.into_iter().filter_map(|s| a.location(s)).collect())
}

/// `textDocument/documentSymbol`: announcement, types, values, exceptions, checks (with
/// their components) and priorities, in source order.
pub fn symbols(w: &mut World, url: &Url) -> Option<DocumentSymbolResponse> {
    let a = w.analysis(url)?;
    let file = a.file_of(url)?;
    let path = &a.checked.sources.get(file)?.path;
    let (_, ast) = a.checked.files.iter().find(|(p, _)| p == path)?;
    let sym = |name: String, detail: Option<String>, kind, full: Span, sel: Span, children| {
        let range = a.range(full)?;
        let selection_range = a.range(sel).filter(|s| within(s, &range)).unwrap_or(range);
        #[expect(deprecated, reason = "the field must be written; it is not used")]
        let s = DocumentSymbol {
            name: if name.is_empty() { "_".into() } else { name },
            detail,
            kind,
            tags: None,
            deprecated: None,
            range,
            selection_range,
            children,
        };
        Some(s)
    };
    let snippet = |s: Span| a.checked.sources.snippet(s).to_string();
    let cites =
        |c: &Option<syntax::ast::StrLit>| c.as_ref().map(|c| format!("cites \"{}\"", c.value));
    let mut out = Vec::new();
    for item in &ast.items {
        let s = match item {
            Item::Announcement(x) => sym(
                x.id.name.clone(),
                Some(x.title.value.clone()),
                SymbolKind::NAMESPACE,
                x.span,
                x.id.span,
                None,
            ),
            Item::Enum(x) => {
                let kids = x
                    .variants
                    .iter()
                    .filter_map(|v| {
                        sym(
                            v.name.clone(),
                            None,
                            SymbolKind::ENUM_MEMBER,
                            v.span,
                            v.span,
                            None,
                        )
                    })
                    .collect();
                sym(
                    x.name.name.clone(),
                    None,
                    SymbolKind::ENUM,
                    x.span,
                    x.name.span,
                    Some(kids),
                )
            }
            Item::Record(x) => {
                let kids = x
                    .fields
                    .iter()
                    .filter_map(|f| {
                        sym(
                            f.name.name.clone(),
                            Some(snippet(f.ty.span)),
                            SymbolKind::FIELD,
                            f.span,
                            f.name.span,
                            None,
                        )
                    })
                    .collect();
                sym(
                    x.name.name.clone(),
                    Some("record".into()),
                    SymbolKind::STRUCT,
                    x.span,
                    x.name.span,
                    Some(kids),
                )
            }
            Item::Fact(x) => {
                let kids = x
                    .fields
                    .iter()
                    .filter_map(|f| {
                        sym(
                            f.name.name.clone(),
                            Some(snippet(f.ty.span)),
                            SymbolKind::FIELD,
                            f.span,
                            f.name.span,
                            None,
                        )
                    })
                    .collect();
                sym(
                    x.name.name.clone(),
                    Some("fact".into()),
                    SymbolKind::STRUCT,
                    x.span,
                    x.name.span,
                    Some(kids),
                )
            }
            Item::Value(x) => {
                let name = match &x.def.label {
                    Some(l) => format!("{} as {}", x.name.name, l.name),
                    None => x.name.name.clone(),
                };
                sym(
                    name,
                    cites(&x.def.cites),
                    SymbolKind::VARIABLE,
                    x.span,
                    x.name.span,
                    None,
                )
            }
            Item::Exception(x) => sym(
                x.label.name.clone(),
                Some(format!("exception to {}", x.target.dotted())),
                SymbolKind::EVENT,
                x.span,
                x.label.span,
                None,
            ),
            Item::Check(x) => {
                let kids = x
                    .clauses
                    .iter()
                    .filter_map(|c| match c {
                        CheckClause::Component {
                            component,
                            name_span,
                            def,
                        } => {
                            let name = match &def.label {
                                Some(l) => format!("{} as {}", component.name(), l.name),
                                None => component.name().to_string(),
                            };
                            sym(
                                name,
                                cites(&def.cites),
                                SymbolKind::PROPERTY,
                                def.span.to(*name_span),
                                *name_span,
                                None,
                            )
                        }
                        _ => None,
                    })
                    .collect();
                sym(
                    x.name.name.clone(),
                    cites(&x.cites),
                    SymbolKind::CLASS,
                    x.span,
                    x.name.span,
                    Some(kids),
                )
            }
            Item::Priority(x) => {
                let names: Vec<String> = x.order.iter().map(|p| p.dotted()).collect();
                sym(
                    format!("priority {}", names.join(" > ")),
                    None,
                    SymbolKind::OPERATOR,
                    x.span,
                    x.span,
                    None,
                )
            }
        };
        out.extend(s);
    }
    Some(DocumentSymbolResponse::Nested(out))
}

fn within(inner: &lsp_types::Range, outer: &lsp_types::Range) -> bool {
    let le = |a: &Position, b: &Position| (a.line, a.character) <= (b.line, b.character);
    le(&outer.start, &inner.start) && le(&inner.end, &outer.end)
}
