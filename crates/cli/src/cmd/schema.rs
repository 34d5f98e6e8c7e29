//! `edict schema POLICIES|IR`: the JSON Schema of the records and verdicts of a set (the
//! document `GET /v1/schema` serves).

use std::path::PathBuf;

use crate::Exit;

/// Arguments of `edict schema`.
#[derive(clap::Args)]
pub struct Args {
    /// A policy folder (or files), or an IR file.
    pub policies: PathBuf,
}

/// Runs the command.
pub fn run(args: &Args) -> Exit {
    let policies = match edict::Policies::load(&args.policies) {
        Ok(p) => p,
        Err(edict::LoadError::Invalid(ds)) => {
            for d in &ds {
                eprintln!("{}: {d}", d.severity);
            }
            return Exit::Error;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Error;
        }
    };
    let doc = edict_serve::schema::document(policies.program(), policies.hash());
    match serde_json::to_string_pretty(&doc) {
        Ok(text) => {
            outln!("{text}");
            Exit::Clean
        }
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Error
        }
    }
}
