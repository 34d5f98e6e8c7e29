//! `edict lsp`: the language server, on standard input and output.

use crate::Exit;

/// Arguments of `edict lsp`.
#[derive(clap::Args)]
pub struct Args {
    /// Accepted for clients that pass it (VS Code's language client does); stdio is the
    /// only transport.
    #[arg(long)]
    pub stdio: bool,
}

/// Runs the command.
pub fn run(_args: &Args) -> Exit {
    match edict_lsp::run_stdio() {
        Ok(()) => Exit::Clean,
        Err(e) => {
            eprintln!("error: edict lsp: {e}");
            Exit::Error
        }
    }
}
