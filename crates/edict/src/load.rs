//! Finding and reading policy files: files or folders, recursively, with located errors for
//! what cannot be read (unreadable files, non-UTF-8 text or names, symlink loops, files
//! larger than [`syntax::MAX_FILE_BYTES`]). In folders only regular files are read: a FIFO
//! or device named `*.edict` would block or never end, so it is reported and skipped.

use std::collections::HashSet;
use std::io::Read;
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
        match read_bounded(&p) {
            Ok(bytes) if bytes.len() > syntax::MAX_FILE_BYTES => problems.push(LoadProblem {
                path: name,
                message: format!(
                    "larger than {} bytes: policy files may have at most that many",
                    syntax::MAX_FILE_BYTES
                ),
            }),
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

/// Reads at most one byte more than [`syntax::MAX_FILE_BYTES`], so a huge file (or a
/// device named on the command line) cannot exhaust memory.
fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(syntax::MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
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
            Ok(m) if path.extension().is_some_and(|e| e == "edict") => {
                if m.is_file() {
                    found.push(path);
                } else {
                    problems.push(LoadProblem {
                        path: path.display().to_string(),
                        message: "not a regular file (a pipe or device?); skipped".into(),
                    });
                }
            }
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
