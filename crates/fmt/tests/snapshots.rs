//! Snapshots of what an author sees: every fixture in `tests/fixtures/` formatted, shown
//! with its input. Review changes with `cargo insta review`.

use std::path::Path;

#[test]
fn fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.retain(|p| p.extension().is_some_and(|e| e == "edict"));
    paths.sort();
    assert!(!paths.is_empty(), "no fixtures in {}", dir.display());
    for path in paths {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let input = std::fs::read_to_string(&path).unwrap_or_default();
        let output = match fmt::format(&input) {
            Ok(out) => {
                assert_eq!(
                    fmt::format(&out).as_deref(),
                    Ok(out.as_str()),
                    "{name}: not idempotent"
                );
                out
            }
            Err(e) => format!("error: {e}\n"),
        };
        insta::with_settings!({ description => format!("tests/fixtures/{name}.edict, formatted"), omit_expression => true }, {
            insta::assert_snapshot!(name, format!("{input}\n=== formatted ===\n{output}"));
        });
    }
}
