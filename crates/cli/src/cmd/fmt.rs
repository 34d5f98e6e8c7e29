//! `edict fmt PATH...` (in place) and `edict fmt --check` (exit 1 and a diff when a file
//! would change). Every output is re-parsed and compared with the input's AST before it is
//! written; files are written by the rules of [`crate::files`].

use std::path::PathBuf;

use crate::files::{write_file, Target};
use crate::{load, Exit};

/// Arguments of `edict fmt`.
#[derive(clap::Args)]
pub struct Args {
    /// Policy files or folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Change nothing; exit 1 and show a diff when a file is not formatted.
    #[arg(long)]
    pub check: bool,
}

/// Runs the command.
pub fn run(args: &Args) -> Exit {
    let (files, problems) = load::policy_files(&args.paths);
    for p in &problems {
        eprintln!("error: {}: {}", p.path, p.message);
    }
    let mut errors = !problems.is_empty();
    let mut unformatted = 0usize;
    for (path, text) in &files {
        if args.check {
            match fmt::check(text) {
                Ok(None) => {}
                Ok(Some(diff)) => {
                    unformatted += 1;
                    outln!("{path} is not formatted:\n{diff}");
                }
                Err(e) => {
                    errors = true;
                    eprintln!("error: {path}: {e}");
                }
            }
            continue;
        }
        match fmt::format(text) {
            Ok(out) if out == *text => {}
            Ok(out) => {
                let target = Target::default();
                if let Err(e) = write_file(std::path::Path::new(path), out.as_bytes(), &target) {
                    errors = true;
                    eprintln!("error: {path}: {e}");
                }
            }
            Err(e) => {
                errors = true;
                eprintln!("error: {path}: {e}");
            }
        }
    }
    if errors {
        Exit::Error
    } else if unformatted > 0 {
        eprintln!(
            "{unformatted} of {} files would be reformatted (run `edict fmt`)",
            files.len()
        );
        Exit::Findings
    } else {
        Exit::Clean
    }
}
