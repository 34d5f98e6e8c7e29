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
    let ev = match eval::Evaluator::new(&program) {
        Ok(ev) => ev,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Error;
        }
    };
    let Some(input) = open_input(&args.facts) else {
        return Exit::Error;
    };
    match eval::output::explain_id(&ev, input, &args.id, as_of) {
        Ok(Some(Ok(tree))) => {
            out!("{tree}");
            Exit::Clean
        }
        Ok(Some(Err(e))) => {
            eprintln!(
                "error: record `{}` (line {}) cannot be read: {}",
                args.id, e.line, e.error
            );
            Exit::Error
        }
        Ok(None) => {
            eprintln!("error: no record with id `{}` in {}", args.id, args.facts);
            Exit::Error
        }
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Error
        }
    }
}
