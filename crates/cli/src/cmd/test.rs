//! `edict test POLICIES`: run the policy tests (`*.json`) found under the policy folder.

use std::path::PathBuf;

use crate::render::Format;
use crate::{load_program_sources, Exit};

/// Arguments of `edict test`.
#[derive(clap::Args)]
pub struct Args {
    /// The policy folder; its `*.edict` files are the policies, its `*.json` files the tests.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// Runs the command.
pub fn run(args: &Args) -> Exit {
    let loaded = load_program_sources(&args.paths, Format::Human);
    let Some(program) = loaded.checked.program.filter(|_| loaded.ok) else {
        return Exit::Error;
    };
    let Some(ev) = crate::evaluator(&program) else {
        return Exit::Error;
    };
    let report = eval::testing::run_tests(&ev, &args.paths);
    out!("{}", report.render());
    if report.passed() + report.failed() == 0 {
        eprintln!("error: no test cases found (test files are *.json beside the policies)");
        return Exit::Error;
    }
    if report.failed() > 0 {
        Exit::Findings
    } else {
        Exit::Clean
    }
}
