//! Every example in `grammar/REFERENCE.md` checks: a block tagged ```edict must compile
//! together with `policies/schema.edict`; a block tagged ```edict,error=E0xxx must be
//! rejected with that code.

use std::path::Path;

fn blocks(md: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String, String)> = None;
    for (i, line) in md.lines().enumerate() {
        match &mut current {
            None => {
                if let Some(tag) = line.trim_start().strip_prefix("```edict") {
                    current = Some((i + 1, tag.trim().to_string(), String::new()));
                }
            }
            Some((_, _, body)) => {
                if line.trim_start().starts_with("```") {
                    if let Some(b) = current.take() {
                        out.push(b);
                    }
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    out
}

#[test]
fn reference_examples_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let md = std::fs::read_to_string(root.join("grammar/REFERENCE.md"))
        .expect("grammar/REFERENCE.md exists");
    let schema = std::fs::read_to_string(root.join("policies/schema.edict"))
        .expect("policies/schema.edict exists");
    let examples = blocks(&md);
    assert!(
        examples.len() >= 10,
        "the reference has only {} examples",
        examples.len()
    );
    let mut failures = Vec::new();
    for (line, tag, body) in &examples {
        let checked = check::check(&[
            ("schema.edict".into(), schema.clone()),
            (format!("REFERENCE.md:{line}"), body.clone()),
        ]);
        let codes: Vec<String> = checked
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.code, d.message))
            .collect();
        match tag.strip_prefix(",error=") {
            Some(code) => {
                if checked.program.is_some() || !checked.diagnostics.iter().any(|d| d.code == code)
                {
                    failures.push(format!("line {line}: expected {code}, got {codes:?}"));
                }
            }
            None if tag.is_empty() => {
                if checked.program.is_none() {
                    failures.push(format!("line {line}: {codes:#?}"));
                }
            }
            None => failures.push(format!("line {line}: unknown tag `{tag}`")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
