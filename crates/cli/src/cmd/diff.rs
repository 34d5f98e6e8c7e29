//! `edict diff OLD NEW`: which records two versions of a policy set judge differently —
//! semantically over the record space, or on real records with `--facts`.

use std::path::PathBuf;

use crate::render::Format;
use crate::{load_program, Exit};

/// Arguments of `edict diff`.
#[derive(clap::Args)]
pub struct Args {
    /// The old version: a policy folder or file, or an IR file from `edict compile`.
    pub old: PathBuf,
    /// The new version, likewise.
    pub new: PathBuf,
    /// Compare the verdicts of these records (NDJSON) instead of the record space.
    #[arg(long, value_name = "FILE")]
    pub facts: Option<PathBuf>,
    /// Output format (`markdown`: a review comment, a summary table per check, then the
    /// regions with witnesses; with `--facts`, the table counts the records).
    #[arg(long, value_enum, default_value = "human")]
    pub format: DiffFormat,
    /// Exit with status 1 when anything differs.
    #[arg(long)]
    pub exit_code: bool,
}

/// Output formats of `edict diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// For people.
    Human,
    /// JSON, for tools.
    Json,
    /// Markdown, for a code review comment.
    Markdown,
}

/// Runs the command.
pub fn run(args: &Args) -> Exit {
    let diag_format = match args.format {
        DiffFormat::Json => Format::Json,
        DiffFormat::Human | DiffFormat::Markdown => Format::Human,
    };
    let (Some(old), Some(new)) = (
        load_program(&args.old, diag_format),
        load_program(&args.new, diag_format),
    ) else {
        return Exit::Error;
    };
    let differs = match &args.facts {
        Some(facts) => {
            let file = match std::fs::File::open(facts) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("error: {}: cannot read: {e}", facts.display());
                    return Exit::Error;
                }
            };
            // Streamed: each changed record is written as it is found, nothing is kept.
            let json = args.format == DiffFormat::Json;
            let markdown = args.format == DiffFormat::Markdown;
            let mut first = true;
            if json {
                out!("{{\"changed\":[");
            }
            let result = analysis::diff::facts::stream(
                &old,
                &new,
                std::io::BufReader::with_capacity(1 << 16, file),
                |c| {
                    if markdown {
                        return;
                    }
                    if json {
                        out!(
                            "{}{}",
                            if first { "" } else { "," },
                            serde_json::to_string(&c).unwrap_or_default()
                        );
                        first = false;
                        return;
                    }
                    let id =
                        c.id.as_ref()
                            .map_or_else(|| "-".to_string(), |v| v.to_string());
                    outln!("line {} (id {id}):", c.line);
                    for b in &c.before {
                        outln!("  - {}", serde_json::to_string(b).unwrap_or_default());
                    }
                    for a in &c.after {
                        outln!("  + {}", serde_json::to_string(a).unwrap_or_default());
                    }
                },
            );
            let d = match result {
                Ok(d) => d,
                Err(e) => {
                    if json {
                        outln!("]}}");
                    }
                    eprintln!("error: {}: {e}", facts.display());
                    return Exit::Error;
                }
            };
            if markdown {
                let r = analysis::diff::diff(&old, &new);
                out!("{}", analysis::diff::markdown(&r, Some(&d)));
                for (line, e) in &d.errors {
                    eprintln!("error: line {line}: {e}");
                }
            } else if json {
                let rest = serde_json::json!({
                    "records": d.records,
                    "errors": d.errors,
                    "per_check": d.per_check,
                });
                let rest = serde_json::to_string(&rest).unwrap_or_default();
                outln!("],{}", rest.strip_prefix('{').unwrap_or(&rest));
            } else {
                for (check, n) in &d.per_check {
                    outln!("{check}: {n} records change");
                }
                if d.changed == 0 && d.errors.is_empty() {
                    outln!(
                        "no differences: the two versions judge all {} records alike",
                        d.records
                    );
                }
                for (line, e) in &d.errors {
                    eprintln!("error: line {line}: {e}");
                }
                eprintln!("{} records, {} change", d.records, d.changed);
            }
            if !d.errors.is_empty() {
                return Exit::Error;
            }
            d.changed > 0
        }
        None => {
            let r = analysis::diff::diff(&old, &new);
            match args.format {
                DiffFormat::Json => outln!("{}", serde_json::to_string(&r).unwrap_or_default()),
                DiffFormat::Human => out!("{}", analysis::diff::human(&r)),
                DiffFormat::Markdown => out!("{}", analysis::diff::markdown(&r, None)),
            }
            !r.is_empty()
        }
    };
    if differs && args.exit_code {
        Exit::Findings
    } else {
        Exit::Clean
    }
}
