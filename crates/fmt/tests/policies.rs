//! Every policy file of the repository formats well: idempotent, same AST, same comments.
//! Files that do not parse (yet) are reported and skipped; an empty folder is fine.

use std::path::Path;

use syntax::FileId;

#[test]
fn every_policy_file_formats_well() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.retain(|p| p.extension().is_some_and(|e| e == "edict"));
    paths.sort();
    if paths.is_empty() {
        eprintln!("no policies in {} yet: nothing to check", dir.display());
        return;
    }
    for path in paths {
        let Ok(src) = std::fs::read_to_string(&path) else {
            eprintln!("skipping unreadable {}", path.display());
            continue;
        };
        let Ok(before) = syntax::parse(FileId(0), &src) else {
            eprintln!("skipping {}: it does not parse", path.display());
            continue;
        };
        let once = match fmt::format(&src) {
            Ok(out) => out,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        assert_eq!(
            syntax::parse(FileId(0), &once).ok(),
            Some(before),
            "{}: AST changed",
            path.display()
        );
        assert_eq!(
            fmt::format(&once).as_deref(),
            Ok(once.as_str()),
            "{}: not idempotent",
            path.display()
        );
    }
}
