//! Completion, from the text before the cursor (the file being typed rarely parses) and the
//! set's index (the schema and the other announcements usually do).
//!
//! - after `order.` / `aftersale.` (any fact kind), and after a record-typed field or an
//!   aggregate's element: the fields, with their types;
//! - after `announcement_id.`: its values, checks and rules; after a check: `status` and
//!   its components;
//! - after `field ==`, `field !=`, `field in {`: the variants of the field's enum;
//! - inside `region "…"` or `regions { "…" }`: region names from the gazetteer;
//! - elsewhere: the file's values and checks, announcement ids, fact kinds, keywords.

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionList, CompletionResponse, CompletionTextEdit,
    Position, Range, TextEdit, Url,
};

use crate::index::Index;
use crate::world::World;

/// Most region names offered at once (the list is marked incomplete beyond it).
const MAX_REGIONS: usize = 200;

const KEYWORDS: &[&str] = &[
    "announcement",
    "value",
    "check",
    "exception",
    "priority",
    "enum",
    "record",
    "fact",
    "when",
    "then",
    "as",
    "cites",
    "and",
    "or",
    "not",
    "in",
    "is",
    "some",
    "none",
    "true",
    "false",
    "overridden",
    "region",
    "regions",
    "any",
    "all",
    "count",
    "max",
    "min",
    "round",
    "after",
    "applies",
    "event",
    "deadline",
    "compensation",
    "exempt",
    "excluded",
    "violated",
    "published",
    "approximately",
    "effective",
    "retroactive",
    "source",
    "zone",
];

/// `textDocument/completion`.
pub fn complete(w: &mut World, url: &Url, pos: Position) -> Option<CompletionResponse> {
    let text = match w.doc(url) {
        Some(d) => d.text.clone(),
        None => {
            let a = w.analysis(url)?;
            let f = a.file_of(url)?;
            a.source(f)?.0.to_string()
        }
    };
    let a = w.analysis(url)?;
    let lines = crate::text::LineIndex::new(&text);
    let offset = lines.offset(&text, pos);
    let before = text.get(..offset)?;
    let line = before.rsplit('\n').next().unwrap_or("");
    let ix = &a.index;
    let own = a
        .file_of(url)
        .and_then(|f| ix.file_ns.get(&f).cloned())
        .or_else(|| announcement_id(&text))
        .unwrap_or_default();

    // Inside a string: region names, when the string is a region literal.
    if let Some(quote) = open_quote(line) {
        let typed = &line[quote + 1..];
        let head = line[..quote].trim_end();
        if head.ends_with("region") || in_regions_block(before) {
            let start = lines.position(&text, offset - typed.len());
            return Some(regions(typed, Range::new(start, pos)));
        }
        return None;
    }

    let (path, partial) = dotted_before(line);
    let items = if !path.is_empty() {
        after_dot(ix, &own, &path, before)
    } else if let Some(e) = enum_context(ix, line, before) {
        ix.enums
            .get(&e)
            .map(|vs| {
                vs.iter()
                    .map(|v| {
                        item(
                            v,
                            CompletionItemKind::ENUM_MEMBER,
                            Some(format!("variant of {e}")),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    } else {
        general(ix, &own)
    };
    let items: Vec<CompletionItem> = items
        .into_iter()
        .filter(|i| i.label.starts_with(partial))
        .collect();
    Some(CompletionResponse::List(CompletionList {
        is_incomplete: false,
        items,
    }))
}

fn item(label: &str, kind: CompletionItemKind, detail: Option<String>) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail,
        ..Default::default()
    }
}

/// The id after `announcement` in a text that may not parse.
pub(crate) fn announcement_id(text: &str) -> Option<String> {
    let mut words = text.split_whitespace();
    while let Some(w) = words.next() {
        if w == "announcement" {
            let id: String = words
                .next()?
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            return (!id.is_empty()).then_some(id);
        }
    }
    None
}

/// The byte index of the quote that opens a string still open at the end of `line`.
fn open_quote(line: &str) -> Option<usize> {
    let mut open = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            '\\' if open.is_some() && !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => open = if open.is_some() { None } else { Some(i) },
            '/' if open.is_none() && line[i..].starts_with("//") => return None,
            _ => {}
        }
        escaped = false;
    }
    open
}

/// Whether the text before the cursor is inside an unclosed `regions { ... }`.
fn in_regions_block(before: &str) -> bool {
    let Some(at) = before.rfind("regions") else {
        return false;
    };
    let rest = &before[at + "regions".len()..];
    rest.trim_start().starts_with('{') && !rest.contains('}')
}

/// `a.b.` + partial `c` at the end of the line: (["a", "b"], "c"); no dot: ([], partial).
fn dotted_before(line: &str) -> (Vec<String>, &str) {
    let is_id = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let start = line
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_id(*c) || *c == '.')
        .last()
        .map_or(line.len(), |(i, _)| i);
    let word = &line[start..];
    match word.rsplit_once('.') {
        Some((head, partial)) => (head.split('.').map(str::to_string).collect(), partial),
        None => (Vec::new(), word),
    }
}

/// The owner (record or fact) a dotted path reaches, walking fields.
fn owner_of(ix: &Index, path: &[String], before: &str) -> Option<String> {
    let first = path.first()?;
    let mut owner = if ix.facts.contains(first) {
        first.clone()
    } else {
        local_record(ix, first, before)?
    };
    for seg in &path[1..] {
        let t = ix.field_type(&owner, seg)?;
        owner = ix.record_of(t)?;
    }
    Some(owner)
}

/// `any(r in order.reports ...`: the record type of the element `r` bound before the cursor.
fn local_record(ix: &Index, var: &str, before: &str) -> Option<String> {
    let pat = format!("{var} in ");
    let at = before.rfind(&pat)?;
    let list: String = before[at + pat.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .collect();
    let segs: Vec<String> = list.split('.').map(str::to_string).collect();
    if segs.first().is_some_and(|s| s == var) {
        return None;
    }
    let first = segs.first()?;
    if !ix.facts.contains(first) {
        return None;
    }
    let mut owner = first.clone();
    let mut last = None;
    for seg in &segs[1..] {
        let t = ix.field_type(&owner, seg)?;
        last = Some(t);
        owner = ix.record_of(t).unwrap_or_default();
    }
    ix.record_of(last?)
}

fn after_dot(ix: &Index, own: &str, path: &[String], before: &str) -> Vec<CompletionItem> {
    if let Some(owner) = owner_of(ix, path, before) {
        return ix
            .fields
            .get(&owner)
            .map(|fs| {
                fs.iter()
                    .map(|(n, t)| {
                        let ty = written(t);
                        item(n, CompletionItemKind::FIELD, Some(ty))
                    })
                    .collect()
            })
            .unwrap_or_default();
    }
    let check_parts = |ns: &str, check: &str| -> Vec<CompletionItem> {
        let mut out = vec![item(
            "status",
            CompletionItemKind::PROPERTY,
            Some("status".into()),
        )];
        if let Some((_, _, comps)) = ix.checks.iter().find(|(n, c, _)| n == ns && c == check) {
            for c in comps {
                out.push(item(
                    c.name(),
                    CompletionItemKind::PROPERTY,
                    Some("component".into()),
                ));
            }
        }
        out
    };
    match path {
        [a] if ix.checks.iter().any(|(n, c, _)| n == own && c == a) => check_parts(own, a),
        [a] if ix.announcements().contains(a) => ix
            .names_in(a)
            .into_iter()
            .map(|(n, is_check, is_rule)| {
                let kind = if is_check {
                    CompletionItemKind::CLASS
                } else if is_rule {
                    CompletionItemKind::EVENT
                } else {
                    CompletionItemKind::VARIABLE
                };
                item(&n, kind, Some(format!("{a}.{n}")))
            })
            .collect(),
        [a, b] if ix.checks.iter().any(|(n, c, _)| n == a && c == b) => check_parts(a, b),
        _ => Vec::new(),
    }
}

/// A written type, for details.
fn written(t: &syntax::ast::TypeExpr) -> String {
    use syntax::ast::TypeKind;
    let base = match &t.kind {
        TypeKind::Named(n) => n.name.clone(),
        TypeKind::Set(e) => format!("set<{}>", written(e)),
        TypeKind::List(e) => format!("list<{}>", written(e)),
    };
    if t.optional {
        base + "?"
    } else {
        base
    }
}

/// The enum a comparison before the cursor wants: `path ==`, `path !=`, `path in {a, `.
fn enum_context(ix: &Index, line: &str, before: &str) -> Option<String> {
    let is_id = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let t = line.trim_end_matches(is_id).trim_end();
    let lhs = if let Some(x) = t.strip_suffix("==").or_else(|| t.strip_suffix("!=")) {
        x
    } else {
        // Inside `{ ... }` after `in`.
        let brace = t.rfind('{')?;
        if t[brace..].contains('}') {
            return None;
        }
        let inner = &t[brace + 1..];
        if !inner
            .chars()
            .all(|c| is_id(c) || c == ',' || c.is_whitespace())
        {
            return None;
        }
        t[..brace].trim_end().strip_suffix("in")?
    };
    let lhs = lhs.trim_end().trim_end_matches("not").trim_end();
    let start = lhs
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_id(*c) || *c == '.')
        .last()
        .map(|(i, _)| i)?;
    let segs: Vec<String> = lhs[start..].split('.').map(str::to_string).collect();
    let (head, last) = segs.split_at(segs.len().checked_sub(1)?);
    let owner = owner_of(ix, head, before)?;
    let ty = ix.field_type(&owner, last.first()?)?;
    enum_name(ix, ty)
}

fn enum_name(ix: &Index, t: &syntax::ast::TypeExpr) -> Option<String> {
    use syntax::ast::TypeKind;
    match &t.kind {
        TypeKind::Named(n) if ix.enums.contains_key(&n.name) => Some(n.name.clone()),
        TypeKind::Set(e) => enum_name(ix, e),
        _ => None,
    }
}

fn general(ix: &Index, own: &str) -> Vec<CompletionItem> {
    let mut out: Vec<CompletionItem> = ix
        .names_in(own)
        .into_iter()
        .filter(|(_, _, rule)| !rule)
        .map(|(n, is_check, _)| {
            let kind = if is_check {
                CompletionItemKind::CLASS
            } else {
                CompletionItemKind::VARIABLE
            };
            item(&n, kind, Some(format!("{own}.{n}")))
        })
        .collect();
    for a in ix.announcements() {
        if a != own {
            out.push(item(
                &a,
                CompletionItemKind::MODULE,
                Some("announcement".into()),
            ));
        }
    }
    for f in &ix.facts {
        out.push(item(
            f,
            CompletionItemKind::STRUCT,
            Some("fact kind".into()),
        ));
    }
    for k in KEYWORDS {
        out.push(item(k, CompletionItemKind::KEYWORD, None));
    }
    out
}

/// Region names containing what was typed (canonical full names; a code matches too).
fn regions(typed: &str, range: Range) -> CompletionResponse {
    let g = regions::gazetteer();
    let mut items = Vec::new();
    let mut more = false;
    for r in g.regions() {
        let Some(full) = g.full_name_str(r.code) else {
            continue;
        };
        let code = r.code.to_string();
        if !typed.is_empty() && !full.contains(typed) && !code.starts_with(typed) {
            continue;
        }
        if items.len() == MAX_REGIONS {
            more = true;
            break;
        }
        items.push(CompletionItem {
            label: full.to_string(),
            kind: Some(CompletionItemKind::VALUE),
            detail: Some(code.clone()),
            filter_text: Some(format!("{full} {code}")),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                range,
                full.to_string(),
            ))),
            ..Default::default()
        });
    }
    CompletionResponse::List(CompletionList {
        is_incomplete: more,
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_before_the_cursor_is_read_as_a_path() {
        assert_eq!(
            dotted_before("  when order.orig"),
            (vec!["order".to_string()], "orig")
        );
        assert_eq!(
            dotted_before("x = order.origin_status."),
            (vec!["order".to_string(), "origin_status".to_string()], "")
        );
        assert_eq!(dotted_before("value x = ship"), (Vec::new(), "ship"));
        assert_eq!(open_quote(r#"x = region "贵州"#), Some(11));
        assert_eq!(open_quote(r#"cites "a\"b" when"#), None);
        assert!(in_regions_block("value v = regions {\n  \"a\",\n  \""));
        assert!(!in_regions_block(
            "value v = regions { \"a\" }\nvalue w = \""
        ));
        assert_eq!(
            announcement_id("// c\nannouncement holiday2024 \"t\" {"),
            Some("holiday2024".into())
        );
    }
}
