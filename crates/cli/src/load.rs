//! Finding and reading policy files: files or folders, recursively, with located errors for
//! what cannot be read (unreadable files, non-UTF-8 text or names, symlink loops).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Deepest folder nesting followed.
const MAX_DEPTH: usize = 32;
/// Most policy files read from one run.
const MAX_FILES: usize = 20_000;

/// A problem reading the policy paths.
#[derive(Debug)]
pub struct LoadProblem {
    /// The path concerned.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// Reads every `*.edict` file under the given paths (files are taken as they are named).
/// Returns `(path, text)` pairs sorted by path, and the problems met.
pub fn policy_files(paths: &[PathBuf]) -> (Vec<(String, String)>, Vec<LoadProblem>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let mut seen_dirs = HashSet::new();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, 0, &mut found, &mut problems, &mut seen_dirs),
            Ok(_) => found.push(p.clone()),
            Err(e) => problems.push(LoadProblem {
                path: p.display().to_string(),
                message: format!("cannot read: {e}"),
            }),
        }
    }
    found.sort();
    found.dedup();
    let mut out = Vec::new();
    for p in found {
        let name = p.display().to_string();
        match std::fs::read(&p) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => out.push((name, text)),
                Err(e) => problems.push(LoadProblem {
                    path: name,
                    message: format!(
                        "not UTF-8 text (invalid byte at offset {})",
                        e.utf8_error().valid_up_to()
                    ),
                }),
            },
            Err(e) => problems.push(LoadProblem {
                path: name,
                message: format!("cannot read: {e}"),
            }),
        }
    }
    (out, problems)
}

fn walk(
    dir: &Path,
    depth: usize,
    found: &mut Vec<PathBuf>,
    problems: &mut Vec<LoadProblem>,
    seen: &mut HashSet<PathBuf>,
) {
    if depth > MAX_DEPTH {
        problems.push(LoadProblem {
            path: dir.display().to_string(),
            message: format!("folders nest deeper than {MAX_DEPTH}; not followed"),
        });
        return;
    }
    // Symlink loops: never enter the same real folder twice.
    match std::fs::canonicalize(dir) {
        Ok(real) => {
            if !seen.insert(real) {
                return;
            }
        }
        Err(e) => {
            problems.push(LoadProblem {
                path: dir.display().to_string(),
                message: format!("cannot resolve: {e}"),
            });
            return;
        }
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(LoadProblem {
                path: dir.display().to_string(),
                message: format!("cannot list: {e}"),
            });
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if found.len() >= MAX_FILES {
            problems.push(LoadProblem {
                path: dir.display().to_string(),
                message: format!("more than {MAX_FILES} policy files; the rest were not read"),
            });
            return;
        }
        if path.file_name().and_then(|n| n.to_str()).is_none() {
            problems.push(LoadProblem {
                path: path.display().to_string(),
                message: "file name is not UTF-8; skipped".into(),
            });
            continue;
        }
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => walk(&path, depth + 1, found, problems, seen),
            Ok(_) if path.extension().is_some_and(|e| e == "edict") => found.push(path),
            Ok(_) => {}
            Err(e) => {
                if path.extension().is_some_and(|e| e == "edict") {
                    problems.push(LoadProblem {
                        path: path.display().to_string(),
                        message: format!("cannot read: {e}"),
                    });
                }
            }
        }
    }
}
