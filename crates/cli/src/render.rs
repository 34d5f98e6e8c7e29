//! Rendering diagnostics: ariadne for people, JSON for tools. The one place diagnostics
//! become text.

use ariadne::{Color, Config, IndexType, Label, Report, ReportKind};
use syntax::{Diagnostic, Severity, SourceMap};

/// Output format of diagnostics and findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Human,
    /// One JSON object per line, for tools.
    Json,
}

/// Renders diagnostics to a string in the chosen format.
pub fn diagnostics(
    diags: &[Diagnostic],
    sources: &SourceMap,
    format: Format,
    color: bool,
) -> String {
    match format {
        Format::Human => diags.iter().map(|d| human(d, sources, color)).collect(),
        Format::Json => diags.iter().map(|d| json(d, sources) + "\n").collect(),
    }
}

/// One diagnostic as a JSON object (no trailing newline).
pub fn json(d: &Diagnostic, sources: &SourceMap) -> String {
    let label = |l: &syntax::Label| {
        let file = sources.get(l.span.file);
        let (line, column) = file.map_or((0, 0), |f| f.line_col(l.span.start as usize));
        serde_json::json!({
            "file": file.map(|f| f.path.clone()),
            "line": line,
            "column": column,
            "start": l.span.start,
            "end": l.span.end,
            "message": l.message,
        })
    };
    serde_json::json!({
        "code": d.code,
        "severity": d.severity,
        "message": d.message,
        "primary": label(&d.primary),
        "secondary": d.secondary.iter().map(label).collect::<Vec<_>>(),
        "help": d.help,
        "notes": d.notes,
    })
    .to_string()
}

/// One diagnostic rendered by ariadne with its source.
pub fn human(d: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    let Some(file) = sources.get(d.primary.span.file) else {
        return format!("{}[{}]: {}\n", kind_name(d.severity), d.code, d.message);
    };
    let path = file.path.clone();
    let kind = match d.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
        Severity::Note => ReportKind::Advice,
    };
    let clamp = |s: &syntax::Span, len: usize| {
        (s.start as usize).min(len)..(s.end as usize).min(len).max((s.start as usize).min(len))
    };
    let len = file.text.len();
    let mut report = Report::build(kind, (path.clone(), clamp(&d.primary.span, len)))
        .with_config(
            Config::default()
                .with_color(color)
                .with_index_type(IndexType::Byte),
        )
        .with_code(&d.code)
        .with_message(&d.message)
        .with_label(
            Label::new((path.clone(), clamp(&d.primary.span, len)))
                .with_message(&d.primary.message)
                .with_color(Color::Red),
        );
    let mut extra = Vec::new();
    for l in &d.secondary {
        if l.span.file == d.primary.span.file {
            report = report.with_label(
                Label::new((path.clone(), clamp(&l.span, len)))
                    .with_message(&l.message)
                    .with_color(Color::Blue),
            );
        } else {
            extra.push(format!("{}: {}", sources.locate(l.span), l.message));
        }
    }
    for n in d.notes.iter().chain(extra.iter()) {
        report = report.with_note(n);
    }
    if let Some(h) = &d.help {
        report = report.with_help(h);
    }
    let mut out = Vec::new();
    // Every label is in the primary file (others became notes above): the cache needs that
    // file only. Caching every file per diagnostic made 10,000 broken files take minutes.
    let cache = ariadne::sources(std::iter::once((path.clone(), file.text.clone())));
    if report.finish().write(cache, &mut out).is_err() {
        return format!(
            "{}[{}]: {} at {}\n",
            kind_name(d.severity),
            d.code,
            d.message,
            sources.locate(d.primary.span)
        );
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn kind_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}
