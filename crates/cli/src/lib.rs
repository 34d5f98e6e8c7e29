//! The `edict` command line: argument parsing and rendering. Behaviour lives in the
//! library crates (syntax, check, ir, eval, analysis, fmt); each command is one small module
//! under `cmd/`. `main.rs` only runs [`run`].

pub mod cmd;
pub mod load;
pub mod render;

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Edict: platform announcements as checked, explainable policy code.
#[derive(Parser)]
#[command(name = "edict", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and type-check policy files.
    Check(cmd::check::Args),
}

/// Exit statuses (DESIGN.md "Behaviour contracts").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing to report.
    Clean,
    /// Findings the user asked to fail on.
    Findings,
    /// Errors: usage, unreadable input, invalid policies.
    Error,
}

/// A checked policy set with what was reported while loading it.
pub struct Loaded {
    /// The checker's result.
    pub checked: check::Checked,
    /// No errors at all (loading included).
    pub ok: bool,
}

/// Loads, checks and reports diagnostics for the policy paths (on stderr).
pub fn load_program_sources(paths: &[PathBuf], format: render::Format) -> Loaded {
    let (inputs, problems) = load::policy_files(paths);
    let checked = check::check(&inputs);
    let color = std::io::stderr().is_terminal() && format == render::Format::Human;
    for p in &problems {
        match format {
            render::Format::Human => eprintln!("error: {}: {}", p.path, p.message),
            render::Format::Json => eprintln!(
                "{}",
                serde_json::json!({"code": "E0005", "severity": "error", "message": p.message, "primary": {"file": p.path}})
            ),
        }
    }
    if inputs.is_empty() && problems.is_empty() {
        eprintln!("error: no policy files (*.edict) found in the given paths");
    }
    eprint!(
        "{}",
        render::diagnostics(&checked.diagnostics, &checked.sources, format, color)
    );
    let ok = problems.is_empty() && !inputs.is_empty() && checked.program.is_some();
    Loaded { checked, ok }
}

/// Parses the command line and runs the command; returns the process exit status.
pub fn run() -> u8 {
    let cli = Cli::parse();
    // Deeply nested input is bounded by the parser's limits; a larger stack keeps the
    // recursive passes comfortably inside them.
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(move || cli.command.run());
    let exit = match handle.map(|h| h.join()) {
        Ok(Ok(e)) => e,
        _ => Exit::Error,
    };
    match exit {
        Exit::Clean => 0,
        Exit::Findings => 1,
        Exit::Error => 2,
    }
}

impl Command {
    fn run(&self) -> Exit {
        match self {
            Command::Check(a) => cmd::check::run(a),
        }
    }
}
