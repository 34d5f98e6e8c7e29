//! `edict compile POLICIES -o FILE`: check a policy set and write its decision IR.

use std::path::PathBuf;

use crate::files::{write_file, Target};
use crate::render::Format;
use crate::{load_program_sources, Exit};

/// Arguments of `edict compile`.
#[derive(clap::Args)]
pub struct Args {
    /// Policy files or folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Where to write the IR (JSON, versioned).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Output format of diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

/// Runs the command.
pub fn run(args: &Args) -> Exit {
    let loaded = load_program_sources(&args.paths, args.format);
    let Some(program) = loaded.checked.program.filter(|_| loaded.ok) else {
        return Exit::Error;
    };
    let target = Target::not_policy(&args.paths);
    match write_file(&args.output, program.to_json().as_bytes(), &target) {
        Ok(()) => Exit::Clean,
        Err(e) => {
            eprintln!("error: {}: {e}", args.output.display());
            Exit::Error
        }
    }
}
