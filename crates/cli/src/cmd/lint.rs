//! `edict lint PATH...`: findings about a policy set (overlaps, dead rules, dates, names,
//! unused values and fields, citations), located, with witnesses; `--explain L003` prints a
//! lint's documentation.

use std::io::IsTerminal;
use std::path::PathBuf;

use syntax::Severity;

use crate::render::{self, Format};
use crate::{load_program_sources, Exit};

/// Output format of lint findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LintFormat {
    /// For people.
    Human,
    /// One JSON object per line.
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

/// Arguments of `edict lint`.
#[derive(clap::Args)]
pub struct Args {
    /// Policy files or folders.
    #[arg(required_unless_present = "explain")]
    pub paths: Vec<PathBuf>,
    /// Output format of the findings.
    #[arg(long, value_enum, default_value = "human")]
    pub format: LintFormat,
    /// Fail (exit 1) on findings of this severity: `warnings`.
    #[arg(long, value_name = "LEVEL")]
    pub deny: Vec<String>,
    /// Print the documentation of a lint (e.g. `L003`) and exit.
    #[arg(long, value_name = "LINT")]
    pub explain: Option<String>,
}

/// Runs the command.
pub fn run(args: &Args) -> Exit {
    if let Some(id) = &args.explain {
        return match analysis::lint::explain(id) {
            Some(l) => {
                let sev = match l.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Note => "note",
                };
                outln!("{} ({}, {sev})\n\n{}", l.id, l.name, l.doc);
                Exit::Clean
            }
            None => {
                let ids: Vec<&str> = analysis::lint::LINTS.iter().map(|l| l.id).collect();
                eprintln!("error: unknown lint `{id}`; lints are {}", ids.join(", "));
                Exit::Error
            }
        };
    }
    let deny_warnings = match args.deny.iter().find(|d| d.as_str() != "warnings") {
        Some(other) => {
            eprintln!("error: `--deny {other}`: only `--deny warnings` is supported");
            return Exit::Error;
        }
        None => !args.deny.is_empty(),
    };
    let load_format = match args.format {
        LintFormat::Human => Format::Human,
        LintFormat::Json | LintFormat::Sarif => Format::Json,
    };
    let loaded = load_program_sources(&args.paths, load_format);
    if !loaded.ok {
        return Exit::Error;
    }
    let checked = &loaded.checked;
    let diags = analysis::lint::lint(checked, Some(&analysis::verify::EvalVerifier));
    match args.format {
        LintFormat::Human => {
            let color = std::io::stdout().is_terminal();
            out!(
                "{}",
                render::diagnostics(&diags, &checked.sources, Format::Human, color)
            );
            let count = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
            eprintln!(
                "lint: {} warnings, {} notes",
                count(Severity::Warning),
                count(Severity::Note)
            );
        }
        LintFormat::Json => out!(
            "{}",
            render::diagnostics(&diags, &checked.sources, Format::Json, false)
        ),
        LintFormat::Sarif => outln!(
            "{}",
            analysis::sarif::log(&diags, &checked.sources, env!("CARGO_PKG_VERSION"))
        ),
    }
    let failing = diags.iter().any(|d| {
        d.severity == Severity::Error || (deny_warnings && d.severity == Severity::Warning)
    });
    if failing {
        Exit::Findings
    } else {
        Exit::Clean
    }
}
