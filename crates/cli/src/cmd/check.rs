//! `edict check PATH...`: parse and type-check a policy set.

use std::path::PathBuf;

use crate::render::Format;
use crate::{load_program_sources, Exit};

/// Arguments of `edict check`.
#[derive(clap::Args)]
pub struct Args {
    /// Policy files or folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format of diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

/// Runs the command.
pub fn run(args: &Args) -> Exit {
    let loaded = load_program_sources(&args.paths, args.format);
    match loaded.checked.program {
        Some(p) if loaded.ok => {
            if args.format == Format::Human {
                eprintln!(
                    "checked {} files: {} announcements, {} values, {} rules, {} checks",
                    loaded.checked.sources.iter().count(),
                    p.announcements.len(),
                    p.values.len(),
                    p.rules.len(),
                    p.checks.len()
                );
            }
            Exit::Clean
        }
        _ => Exit::Error,
    }
}
