//! `edict eval POLICIES|IR FACTS`: verdicts for a stream of records.

use std::io::ErrorKind;
use std::path::PathBuf;

use crate::{load_for_eval, open_stream, Exit};

/// Arguments of `edict eval`.
#[derive(clap::Args)]
pub struct Args {
    /// A policy folder (or files), or an IR file written by `edict compile`.
    pub policies: PathBuf,
    /// Records: NDJSON or a JSON array; `-` reads standard input.
    pub facts: String,
    /// The instant the verdicts are judged at (RFC 3339; default: now).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Output format.
    #[arg(long, default_value = "ndjson", value_parser = ["ndjson", "json", "human"])]
    pub format: String,
    /// Include the derivation of every finding.
    #[arg(long)]
    pub explain: bool,
}

/// Runs the command.
pub fn run(args: &Args) -> Exit {
    let Some((program, as_of)) = load_for_eval(&args.policies, args.as_of.as_deref()) else {
        return Exit::Error;
    };
    let Some(ev) = crate::evaluator(&program) else {
        return Exit::Error;
    };
    let Some(input) = open_stream(&args.facts) else {
        return Exit::Error;
    };
    let format = args.format.parse().unwrap_or_default();
    let opts = eval::RunOptions {
        as_of,
        explain: args.explain,
        format,
    };
    // Verdicts are flushed whenever the input could pause (a slow producer on a pipe sees
    // each verdict at once), and a failed write or flush ends the run with status 2.
    let result = eval::output::run_streaming(&ev, input, std::io::stdout().lock(), &opts);
    if let Ok(summary) = &result {
        warn_duplicates(summary);
    }
    match result {
        Ok(summary) if summary.errors > 0 => {
            eprintln!(
                "{} records judged, {} could not be read",
                summary.records, summary.errors
            );
            Exit::Error
        }
        Ok(_) => Exit::Clean,
        // `edict eval ... | head -1`: the reader left; that is not an error.
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Exit::Clean,
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Error
        }
    }
}

/// Ids name records: a repeated one is a warning on stderr with both lines (`edict explain
/// --id` explains each record that has it).
fn warn_duplicates(summary: &eval::RunSummary) {
    for d in &summary.duplicates {
        eprintln!(
            "warning: line {}: record id `{}` was already used on line {}",
            d.line,
            eval::render::escape_controls(&d.id),
            d.first_line
        );
    }
    let more = summary.duplicates_total - summary.duplicates.len() as u64;
    if more > 0 {
        eprintln!("warning: {more} more records repeat an earlier id");
    }
    if summary.ids_untracked {
        eprintln!(
            "warning: more than {} distinct ids: repeats among the later ones were not looked for",
            eval::output::MAX_TRACKED_IDS
        );
    }
}
