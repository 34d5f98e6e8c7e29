//! `edict explain POLICIES FACTS --id ID`: the derivation of one record's findings.

use std::path::PathBuf;

use crate::{load_for_eval, open_input, Exit};

/// Arguments of `edict explain`.
#[derive(clap::Args)]
pub struct Args {
    /// A policy folder (or files), or an IR file.
    pub policies: PathBuf,
    /// Records: NDJSON or a JSON array; `-` reads standard input.
    pub facts: String,
    /// The id of the record to explain.
    #[arg(long)]
    pub id: String,
    /// The instant the verdicts are judged at (RFC 3339; default: now).
    #[arg(long)]
    pub as_of: Option<String>,
}

/// Runs the command.
pub fn run(args: &Args) -> Exit {
    let Some((program, as_of)) = load_for_eval(&args.policies, args.as_of.as_deref()) else {
        return Exit::Error;
    };
    let Some(ev) = crate::evaluator(&program) else {
        return Exit::Error;
    };
    let Some(input) = open_input(&args.facts) else {
        return Exit::Error;
    };
    let id = eval::render::escape_controls(&args.id);
    let found = match eval::output::explain_ids(&ev, input, &args.id, as_of, MAX_EXPLAINED) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Error;
        }
    };
    if found.is_empty() {
        eprintln!("error: no record with id `{id}` in {}", args.facts);
        return Exit::Error;
    }
    let many = found.len() > 1;
    if many {
        let lines: Vec<String> = found.iter().map(|(l, _)| l.to_string()).collect();
        eprintln!(
            "warning: {} records have id `{id}` (lines {}): each is explained",
            found.len(),
            lines.join(", ")
        );
    }
    let mut exit = Exit::Clean;
    for (i, (line, r)) in found.iter().enumerate() {
        if many {
            out!("{}== line {line} ==\n", if i > 0 { "\n" } else { "" });
        }
        match r {
            Ok(tree) => out!("{tree}"),
            Err(e) => {
                eprintln!(
                    "error: record `{id}` (line {}) cannot be read: {}",
                    e.line,
                    eval::render::escape_controls(&e.error)
                );
                exit = Exit::Error;
            }
        }
    }
    exit
}

/// The most records one `explain --id` explains (ids should be unique).
const MAX_EXPLAINED: usize = 1000;
