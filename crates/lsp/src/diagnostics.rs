//! Diagnostics for the editor: the checker's and the linter's, converted once.
//!
//! The code, message and help are those `edict check` and `edict lint` print; the primary
//! label and the secondary labels (the other rule of a conflict, the first definition)
//! become related information, in whichever file of the set they are; help and notes
//! follow the message on lines of their own, as ariadne prints them.

use std::collections::BTreeMap;

use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, NumberOrString, Position, Range, Url,
};
use syntax::Severity;

use crate::world::Analysis;

/// The diagnostics of every file of a set, by URL (files without any included); lint
/// findings when they are ready.
pub fn by_file(a: &Analysis) -> BTreeMap<Url, Vec<lsp_types::Diagnostic>> {
    let mut out: BTreeMap<Url, Vec<lsp_types::Diagnostic>> =
        a.urls.iter().map(|u| (u.clone(), Vec::new())).collect();
    let lints = a.lints_ready().unwrap_or_default();
    for d in a.checked.diagnostics.iter().chain(lints) {
        if let (Some(url), Some(diag)) = (a.url(d.primary.span.file), convert(a, d)) {
            out.entry(url.clone()).or_default().push(diag);
        }
    }
    for p in &a.problems {
        out.entry(p.url.clone())
            .or_default()
            .push(lsp_types::Diagnostic {
                range: Range::new(Position::new(0, 0), Position::new(0, 0)),
                severity: Some(DiagnosticSeverity::ERROR),
                code: Some(NumberOrString::String("E0005".into())),
                source: Some("edict".into()),
                message: p.message.clone(),
                ..Default::default()
            });
    }
    out
}

/// One diagnostic in LSP form.
pub fn convert(a: &Analysis, d: &syntax::Diagnostic) -> Option<lsp_types::Diagnostic> {
    let range = a.range(d.primary.span)?;
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(h);
    }
    for n in &d.notes {
        message.push_str("\nnote: ");
        message.push_str(n);
    }
    let related: Vec<DiagnosticRelatedInformation> = std::iter::once(&d.primary)
        .chain(d.secondary.iter())
        .filter(|l| !l.message.is_empty())
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: a.location(l.span)?,
                message: l.message.clone(),
            })
        })
        .collect();
    Some(lsp_types::Diagnostic {
        range,
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.code.clone())),
        source: Some("edict".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    })
}

/// Errors are errors, warnings warnings; notes are information (not hints, which editors
/// barely show).
pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Note => DiagnosticSeverity::INFORMATION,
    }
}
