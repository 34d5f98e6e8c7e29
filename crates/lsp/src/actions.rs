//! Edits: formatting (`edict fmt`) and quick fixes for the lint findings that have one —
//! L001 (add a `priority`, either way round) and L005 (write the canonical region name).

use std::collections::HashMap;

use lsp_server::ErrorCode;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Position, Range, TextEdit, Url, WorkspaceEdit,
};

use crate::index::Sym;
use crate::world::{Analysis, World};

/// `textDocument/formatting`: one edit replacing the whole text, none when it is already
/// formatted; an error when the text cannot be formatted (it does not parse).
pub fn format(w: &mut World, url: &Url) -> Result<Vec<TextEdit>, (ErrorCode, String)> {
    let text = match w.doc(url) {
        Some(d) => d.text.clone(),
        None => {
            let a = w
                .analysis(url)
                .ok_or((ErrorCode::InvalidParams, format!("unknown document {url}")))?;
            let f = a
                .file_of(url)
                .ok_or((ErrorCode::InvalidParams, format!("unknown document {url}")))?;
            a.source(f).map(|(t, _)| t.to_string()).unwrap_or_default()
        }
    };
    let out = fmt::format(&text).map_err(|e| (ErrorCode::RequestFailed, e.to_string()))?;
    if out == text {
        return Ok(Vec::new());
    }
    let lines = crate::text::LineIndex::new(&text);
    let end = lines.position(&text, text.len());
    Ok(vec![TextEdit::new(
        Range::new(Position::new(0, 0), end),
        out,
    )])
}

/// `textDocument/codeAction`: fixes for the lint findings that touch `range`.
pub fn code_actions(w: &mut World, url: &Url, range: Range) -> Option<Vec<CodeActionOrCommand>> {
    let a = w.analysis(url)?;
    let file = a.file_of(url)?;
    let mut out = Vec::new();
    for d in a.lints() {
        if d.primary.span.file != file {
            continue;
        }
        let Some(r) = a.range(d.primary.span) else {
            continue;
        };
        if !overlaps(&r, &range) {
            continue;
        }
        let diag = crate::diagnostics::convert(&a, d);
        match d.code.as_str() {
            "L005" => out.extend(canonical_region(&a, url, d, diag)),
            "L001" => out.extend(priority(&a, url, d, diag)),
            _ => {}
        }
    }
    Some(out)
}

fn overlaps(a: &Range, b: &Range) -> bool {
    let k = |p: &Position| (p.line, p.character);
    k(&a.start) <= k(&b.end) && k(&b.start) <= k(&a.end)
}

fn fix(
    title: String,
    url: &Url,
    edit: TextEdit,
    diag: Option<lsp_types::Diagnostic>,
    preferred: bool,
) -> CodeActionOrCommand {
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: diag.map(|d| vec![d]),
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(url.clone(), vec![edit])])),
            ..Default::default()
        }),
        is_preferred: Some(preferred),
        ..Default::default()
    })
}

/// L005: replace the literal by its canonical name.
fn canonical_region(
    a: &Analysis,
    url: &Url,
    d: &syntax::Diagnostic,
    diag: Option<lsp_types::Diagnostic>,
) -> Option<CodeActionOrCommand> {
    let lit = a
        .checked
        .region_literals
        .iter()
        .find(|l| l.span.same_place(&d.primary.span))?;
    let written = a.checked.sources.snippet(lit.span);
    let quoted = written.starts_with('"') && written.ends_with('"') && written.len() >= 2;
    let new_text = if quoted {
        format!("\"{}\"", lit.canonical)
    } else {
        lit.canonical.clone()
    };
    let edit = TextEdit::new(a.range(lit.span)?, new_text);
    Some(fix(
        format!("write \"{}\"", lit.canonical),
        url,
        edit,
        diag,
        true,
    ))
}

/// L001: `priority a > b` or `priority b > a`, appended to the file of the finding.
fn priority(
    a: &Analysis,
    url: &Url,
    d: &syntax::Diagnostic,
    diag: Option<lsp_types::Diagnostic>,
) -> Vec<CodeActionOrCommand> {
    let rule_at = |s: syntax::Span| -> Option<String> {
        a.index
            .occurrences
            .iter()
            .find(|o| o.def && o.span.same_place(&s))
            .and_then(|o| match &o.sym {
                Sym::Rule(id) | Sym::Value(id) => Some(id.clone()),
                _ => None,
            })
    };
    let (Some(b), Some(other)) = (rule_at(d.primary.span), d.secondary.first()) else {
        return Vec::new();
    };
    let Some(x) = rule_at(other.span) else {
        return Vec::new();
    };
    let file = d.primary.span.file;
    let own = a.index.file_ns.get(&file).cloned().unwrap_or_default();
    let name = |id: &str| -> String {
        match id.split_once('.') {
            Some((ns, rest)) if ns == own => rest.to_string(),
            _ => id.to_string(),
        }
    };
    let Some((text, lines)) = a.source(file) else {
        return Vec::new();
    };
    let end = lines.position(text, text.len());
    let sep = if text.ends_with('\n') || text.is_empty() {
        ""
    } else {
        "\n"
    };
    [(b.clone(), x.clone()), (x, b)]
        .into_iter()
        .enumerate()
        .map(|(i, (win, lose))| {
            let line = format!("priority {} > {}", name(&win), name(&lose));
            let edit = TextEdit::new(Range::new(end, end), format!("{sep}\n{line}\n"));
            fix(
                format!("add `{line}` ({} wins)", name(&win)),
                url,
                edit,
                diag.clone(),
                i == 0,
            )
        })
        .collect()
}
