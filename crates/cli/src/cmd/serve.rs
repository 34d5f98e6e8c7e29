//! `edict serve POLICIES|IR`: the decision service (crate `edict-serve`).

use std::path::PathBuf;
use std::time::Duration;

use crate::Exit;

/// Arguments of `edict serve`.
#[derive(clap::Args)]
pub struct Args {
    /// A policy folder (or one file), or an IR file written by `edict compile`.
    pub policies: PathBuf,
    /// Where to listen (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8181")]
    pub addr: std::net::SocketAddr,
    /// Do not reload when the policy files change (SIGHUP and POST /v1/reload still do).
    #[arg(long)]
    pub no_watch: bool,
    /// Milliseconds the files must be quiet before a reload.
    #[arg(long, default_value_t = 200)]
    pub debounce_ms: u64,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = 16 << 20)]
    pub max_body_bytes: usize,
    /// Most records in one judge request.
    #[arg(long, default_value_t = 100_000)]
    pub max_records: usize,
    /// Longest a request may take, in milliseconds.
    #[arg(long, default_value_t = 30_000)]
    pub timeout_ms: u64,
    /// Most requests served at once (the rest get 503).
    #[arg(long, default_value_t = 1024)]
    pub max_concurrency: usize,
    /// A file holding the bearer token clients must send.
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// What the token guards.
    #[arg(long, default_value = "all", value_parser = ["all", "reload"])]
    pub auth: String,
    /// Decision log: `stdout`, or a file (rotated by size).
    #[arg(long)]
    pub decision_log: Option<String>,
    /// Size at which the decision log file is rotated.
    #[arg(long, default_value_t = 100 << 20)]
    pub decision_log_max_bytes: u64,
    /// Rotated decision log files kept.
    #[arg(long, default_value_t = 5)]
    pub decision_log_keep: u32,
    /// Requests whose decisions may wait for the log writer before new ones are dropped
    /// (counted in the metrics; a decision never waits for the log).
    #[arg(long, default_value_t = 4096)]
    pub decision_log_queue: usize,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

/// Runs the command.
pub fn run(args: &Args) -> Exit {
    let mut config = edict_serve::Config::new(&args.policies);
    config.addr = args.addr;
    config.watch = !args.no_watch;
    config.debounce = Duration::from_millis(args.debounce_ms);
    config.max_body_bytes = args.max_body_bytes;
    config.max_records = args.max_records;
    config.timeout = Duration::from_millis(args.timeout_ms.max(1));
    config.max_concurrency = args.max_concurrency;
    config.threads = args.threads;
    config.log_queue = args.decision_log_queue;
    config.auth = if args.auth == "reload" {
        edict_serve::AuthScope::Reload
    } else {
        edict_serve::AuthScope::All
    };
    if let Some(path) = &args.token_file {
        match std::fs::read_to_string(path) {
            Ok(t) if !t.trim().is_empty() => config.token = Some(t.trim().to_string()),
            Ok(_) => {
                eprintln!("error: {}: the token file is empty", path.display());
                return Exit::Error;
            }
            Err(e) => {
                eprintln!("error: {}: cannot read: {e}", path.display());
                return Exit::Error;
            }
        }
    }
    config.decision_log = args.decision_log.as_ref().map(|d| {
        if d == "stdout" || d == "-" {
            edict_serve::LogTarget::Stdout
        } else {
            edict_serve::LogTarget::File {
                path: d.into(),
                max_bytes: args.decision_log_max_bytes,
                keep: args.decision_log_keep,
            }
        }
    });
    let result = edict_serve::run(config, |addr| {
        eprintln!("edict serve: listening on http://{addr}");
    });
    match result {
        Ok(()) => Exit::Clean,
        Err(edict_serve::Error::Load(edict::LoadError::Invalid(ds))) => {
            for d in &ds {
                eprintln!("{}: {d}", d.severity);
            }
            Exit::Error
        }
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Error
        }
    }
}
