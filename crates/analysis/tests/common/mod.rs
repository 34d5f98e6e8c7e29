//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::Path;

/// Every `*.edict` file of the shipped policies folder, as `(path, text)`.
pub fn policy_inputs() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(&dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "edict") {
                let name = format!(
                    "policies/{}",
                    p.file_name().unwrap_or_default().to_string_lossy()
                );
                if let Ok(t) = std::fs::read_to_string(&p) {
                    out.push((name, t));
                }
            }
        }
    }
    out.sort();
    out
}

/// Checks sources that must compile.
pub fn checked(inputs: &[(String, String)]) -> check::Checked {
    let c = check::check(inputs);
    assert!(
        c.program.is_some(),
        "policies do not compile: {:#?}",
        c.diagnostics
    );
    c
}

/// One-line rendering of diagnostics for snapshots.
pub fn lines(diags: &[syntax::Diagnostic], sources: &syntax::SourceMap) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&format!(
            "{} {:?} {}: {}\n",
            d.code,
            d.severity,
            sources.locate(d.primary.span),
            d.message
        ));
        for l in &d.secondary {
            out.push_str(&format!(
                "  also {}: {}\n",
                sources.locate(l.span),
                l.message
            ));
        }
        for n in &d.notes {
            out.push_str(&format!("  note: {n}\n"));
        }
        if let Some(h) = &d.help {
            out.push_str(&format!("  help: {h}\n"));
        }
    }
    out
}
