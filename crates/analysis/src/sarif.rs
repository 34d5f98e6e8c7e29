//! SARIF 2.1.0: diagnostics for code-scanning tools, with the lints as rules metadata.

use serde_json::{json, Value as Json};
use syntax::{Diagnostic, Severity, SourceMap};

use crate::lint::LINTS;

/// The SARIF log of one run.
pub fn log(diags: &[Diagnostic], sources: &SourceMap, version: &str) -> Json {
    let rules: Vec<Json> = LINTS
        .iter()
        .map(|l| {
            json!({
                "id": l.id,
                "name": l.name,
                "shortDescription": {"text": l.name.replace('-', " ")},
                "fullDescription": {"text": l.doc},
                "defaultConfiguration": {"level": level(l.severity)},
                "helpUri": format!("https://edict.invalid/lints/{}", l.id),
            })
        })
        .collect();
    let location = |l: &syntax::Label| {
        let file = sources.get(l.span.file);
        let (sl, sc) = file.map_or((1, 1), |f| f.line_col(l.span.start as usize));
        let (el, ec) = file.map_or((1, 1), |f| f.line_col(l.span.end as usize));
        json!({
            "physicalLocation": {
                "artifactLocation": {"uri": file.map(|f| f.path.clone()).unwrap_or_default()},
                "region": {
                    "startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec,
                    "byteOffset": l.span.start, "byteLength": l.span.end.saturating_sub(l.span.start),
                },
            },
            "message": {"text": l.message},
        })
    };
    let results: Vec<Json> = diags
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            for n in &d.notes {
                text.push('\n');
                text.push_str(n);
            }
            if let Some(h) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(h);
            }
            json!({
                "ruleId": d.code,
                "ruleIndex": LINTS.iter().position(|l| l.id == d.code),
                "level": level(d.severity),
                "message": {"text": text},
                "locations": [location(&d.primary)],
                "relatedLocations": d.secondary.iter().enumerate().map(|(i, l)| {
                    let mut x = location(l);
                    x["id"] = json!(i);
                    x
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "edict",
                "version": version,
                "informationUri": "https://edict.invalid",
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}
