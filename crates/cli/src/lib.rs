//! The `edict` command line: argument parsing and rendering. Behaviour lives in the
//! library crates (syntax, check, ir, eval, analysis, fmt, lsp); each command is one small module
//! under `cmd/`. `main.rs` only runs [`run`].

/// `print!` for command output: a failed write is kept for the exit status
/// ([`stdout::finish`]); a reader that went away (`edict test | head`) ends the output
/// quietly instead of panicking.
macro_rules! out {
    ($($t:tt)*) => {
        $crate::stdout::print(format_args!($($t)*))
    };
}

/// `println!` for command output, like [`out!`].
macro_rules! outln {
    ($($t:tt)*) => {
        $crate::stdout::print(format_args!("{}\n", format_args!($($t)*)))
    };
}

pub mod cmd;
pub mod files;
pub use edict::load;
pub mod render;
pub mod stdout;

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
    /// Compile policies into a decision IR file.
    Compile(cmd::compile::Args),
    /// Judge records: one verdict per record.
    Eval(cmd::eval::Args),
    /// Explain every finding of one record.
    Explain(cmd::explain::Args),
    /// Run the policy tests.
    Test(cmd::test::Args),
    /// Find likely mistakes: overlaps, dead rules, odd windows, non-canonical regions...
    Lint(cmd::lint::Args),
    /// Format policy files (comments kept; the result is re-parsed and compared).
    Fmt(cmd::fmt::Args),
    /// What changes between two versions of the rules.
    Diff(cmd::diff::Args),
    /// The language server for editors (LSP over standard input and output).
    Lsp(cmd::lsp::Args),
    /// Serve decisions over HTTP, reloading the policies when they change.
    Serve(cmd::serve::Args),
    /// Print the JSON Schema of the records and verdicts of a policy set.
    Schema(cmd::schema::Args),
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

pub use edict::MAX_IR_BYTES;

/// The program a command works on: an IR file written by `edict compile` (a non-`.edict`
/// file whose text starts with `{`, at most [`MAX_IR_BYTES`]), or policy files/folders
/// checked and compiled now. Problems are reported on stderr in `format`.
pub fn load_program(path: &std::path::Path, format: render::Format) -> Option<ir::Program> {
    // IR files are read by the facade (one reader for every front end).
    match edict::is_ir_file(path)
        .and_then(|ir| ir.then(|| edict::Policies::from_ir_file(path)).transpose())
    {
        Err(e) => {
            eprintln!("error: {e}");
            return None;
        }
        Ok(Some(policies)) => return Some(policies.into_program()),
        Ok(None) => {}
    }
    let loaded = load_program_sources(&[path.to_path_buf()], format);
    loaded.checked.program.filter(|_| loaded.ok)
}

/// An evaluator's inputs: the program and the `--as-of` instant; `None` after reporting.
pub fn load_for_eval(
    path: &std::path::Path,
    as_of_text: Option<&str>,
) -> Option<(ir::Program, i64)> {
    let program = load_program(path, render::Format::Human)?;
    Some((program, as_of(as_of_text)?))
}

/// Prepares `program` for evaluation, with the evaluator's fast paths as the environment
/// variable `EDICT_FAST_PATHS` says (`all`, the default; `none`, the general walk alone;
/// or `-name,...`: see `eval::FastPath`). Verdicts never depend on it; it is there to rule
/// a fast path out when a verdict looks wrong. Errors are printed.
pub fn evaluator(program: &ir::Program) -> Option<eval::Evaluator<'_>> {
    let text = std::env::var("EDICT_FAST_PATHS").unwrap_or_default();
    let options = match eval::PrepareOptions::parse(&text) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: EDICT_FAST_PATHS={text}: {e}");
            return None;
        }
    };
    match eval::Evaluator::with_options(program, options) {
        Ok(ev) => Some(ev),
        Err(e) => {
            eprintln!("error: {e}");
            None
        }
    }
}

/// Opens a record stream: a file, or standard input for `-`.
pub fn open_input(name: &str) -> Option<Box<dyn std::io::BufRead>> {
    if name == "-" {
        return Some(Box::new(std::io::BufReader::new(std::io::stdin())));
    }
    match std::fs::File::open(name) {
        Ok(f) => Some(Box::new(std::io::BufReader::with_capacity(1 << 16, f))),
        Err(e) => {
            eprintln!("error: cannot read {name}: {e}");
            None
        }
    }
}

/// Opens a record stream unbuffered (for [`eval::output::run_streaming`], which buffers
/// it): a file, or standard input for `-`.
pub fn open_stream(name: &str) -> Option<Box<dyn std::io::Read>> {
    if name == "-" {
        return Some(Box::new(std::io::stdin().lock()));
    }
    match std::fs::File::open(name) {
        Ok(f) => Some(Box::new(f)),
        Err(e) => {
            eprintln!("error: cannot read {name}: {e}");
            None
        }
    }
}

/// The `--as-of` instant (µs), defaulting to now; reports a bad value.
pub fn as_of(text: Option<&str>) -> Option<i64> {
    match text {
        None => Some(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX)),
        ),
        Some(t) => match eval::parse_instant(t) {
            Ok(v) => Some(v),
            Err(e) => {
                eprintln!("error: --as-of {t}: {e}");
                None
            }
        },
    }
}

/// Parses the command line and runs the command; returns the process exit status.
pub fn run() -> u8 {
    let cli = Cli::parse();
    // Deeply nested input is bounded by the parser's limits; a larger stack keeps the
    // recursive passes comfortably inside them.
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(move || cli.command.run());
    let mut exit = match handle.map(|h| h.join()) {
        Ok(Ok(e)) => e,
        _ => Exit::Error,
    };
    // Every command's output: a write that failed anywhere, or the last flush, is an
    // error whatever the command concluded.
    if let Err(e) = stdout::finish() {
        eprintln!("error: cannot write standard output: {e}");
        exit = Exit::Error;
    }
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
            Command::Compile(a) => cmd::compile::run(a),
            Command::Eval(a) => cmd::eval::run(a),
            Command::Explain(a) => cmd::explain::run(a),
            Command::Test(a) => cmd::test::run(a),
            Command::Lint(a) => cmd::lint::run(a),
            Command::Fmt(a) => cmd::fmt::run(a),
            Command::Diff(a) => cmd::diff::run(a),
            Command::Lsp(a) => cmd::lsp::run(a),
            Command::Serve(a) => cmd::serve::run(a),
            Command::Schema(a) => cmd::schema::run(a),
        }
    }
}
