//! One snapshot per diagnostic code: each fixture `tests/errors/EXXXX.edict` is checked with
//! the shared `_schema.edict`, must produce its code, and its rendering (source shown) is
//! snapshotted. Review changes with `cargo insta review`.

use std::path::Path;

use edict_cli::render::{self, Format};

fn fixtures() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/errors");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "edict"))
        .map(|p| {
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            (name, std::fs::read_to_string(&p).expect("fixture text"))
        })
        .collect();
    out.sort();
    out
}

fn check_fixture(name: &str, text: &str, schema: &str) -> check::Checked {
    check::check(&[
        ("_schema.edict".to_string(), schema.to_string()),
        (name.to_string(), text.to_string()),
    ])
}

#[test]
fn every_code_has_a_fixture_that_produces_it() {
    let all = fixtures();
    let schema = &all
        .iter()
        .find(|(n, _)| n == "_schema.edict")
        .expect("schema")
        .1;
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    for (code, _) in check::codes::ALL {
        // E0004 is an internal error: the lowering met a parse tree the grammar cannot
        // produce. No input reaches it (the property tests try), so it has no fixture.
        if *code == "E0004" {
            continue;
        }
        assert!(
            names.contains(&format!("{code}.edict").as_str()),
            "no fixture for {code}"
        );
    }
    for (name, text) in &all {
        let Some(code) = name.strip_suffix(".edict").filter(|c| c.starts_with('E')) else {
            continue;
        };
        let checked = check_fixture(name, text, schema);
        let codes: Vec<&str> = checked
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        assert!(
            codes.contains(&code),
            "{name} produced {codes:?}, not {code}"
        );
        assert!(checked.program.is_none(), "{name} must be rejected");
        let rendered =
            render::diagnostics(&checked.diagnostics, &checked.sources, Format::Human, false);
        insta::assert_snapshot!(code, rendered);
    }
}

#[test]
fn json_diagnostics_carry_the_same_content() {
    let all = fixtures();
    let schema = &all
        .iter()
        .find(|(n, _)| n == "_schema.edict")
        .expect("schema")
        .1;
    let (name, text) = all
        .iter()
        .find(|(n, _)| n == "E0104.edict")
        .expect("fixture");
    let checked = check_fixture(name, text, schema);
    let json = render::diagnostics(&checked.diagnostics, &checked.sources, Format::Json, false);
    let v: serde_json::Value =
        serde_json::from_str(json.lines().next().expect("one line")).expect("json");
    assert_eq!(v["code"], "E0104");
    assert_eq!(v["primary"]["file"], "E0104.edict");
    assert_eq!(v["primary"]["line"], 2);
    assert_eq!(v["help"], "did you mean `paid_at`?");
}
