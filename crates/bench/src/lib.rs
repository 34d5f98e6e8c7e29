//! Shared set-up for Edict's benchmarks (`cargo bench -p edict-bench`): loading and
//! compiling policy sets, generating and decoding records.
//!
//! The benches themselves live in `benches/` (criterion, `harness = false`); figures and
//! how to reproduce them are in `BENCHMARKS.md` at the repository root. Nothing here is
//! timed: speed targets live in benchmarks only, never in tests.

#![deny(missing_docs)]

use std::fmt;
use std::path::{Path, PathBuf};

pub use datagen;

/// The instant generated records are judged at.
pub const AS_OF: &str = datagen::DEFAULT_AS_OF;

/// Why a set-up step failed.
#[derive(Debug)]
pub struct SetupError(pub String);

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SetupError {}

/// The shipped policy folder (`policies/` at the repository root).
pub fn policies_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies")
}

/// Every `*.edict` file below `dir` as `(path, text)`, sorted by path (the facade's folder
/// reader, the one `edict` uses).
pub fn read_policies(dir: &Path) -> Result<Vec<(String, String)>, SetupError> {
    let (files, problems) = edict::load::policy_files(&[dir.to_path_buf()]);
    match problems.first() {
        Some(p) => Err(SetupError(format!("{}: {}", p.path, p.message))),
        None => Ok(files),
    }
}

/// The shipped policy files.
pub fn shipped_files() -> Result<Vec<(String, String)>, SetupError> {
    read_policies(&policies_dir())
}

/// Checks and compiles `files`; the first error diagnostic's message if they do not.
pub fn compile(files: &[(String, String)]) -> Result<ir::Program, SetupError> {
    let checked = check::check(files);
    match checked.program {
        Some(p) => Ok(p),
        None => Err(SetupError(format!(
            "the policy set does not compile: {}",
            checked
                .diagnostics
                .first()
                .map_or_else(|| "no diagnostic".to_string(), |d| format!("{d:?}"))
        ))),
    }
}

/// The shipped policies, compiled.
pub fn shipped_program() -> Result<ir::Program, SetupError> {
    compile(&shipped_files()?)
}

/// [`AS_OF`] in µs.
pub fn as_of() -> i64 {
    eval::parse_instant(AS_OF).unwrap_or_default()
}

/// Decodes every line of `ndjson`; the first undecodable one is an error.
pub fn decode_all(ev: &eval::Evaluator<'_>, ndjson: &str) -> Result<Vec<eval::Record>, SetupError> {
    ndjson
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let json: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| SetupError(format!("line {}: {e}", i + 1)))?;
            ev.decode(&json)
                .map_err(|e| SetupError(format!("line {}: {e}", i + 1)))
        })
        .collect()
}

/// The seed of the benchmarks' records.
pub const SEED: u64 = 42;

/// `count` generated records (seed [`SEED`], mixed orders and after-sales) as NDJSON.
pub fn generated(count: u64) -> String {
    generated_with(SEED, count)
}

/// `count` generated records from `seed` (mixed orders and after-sales) as NDJSON.
pub fn generated_with(seed: u64, count: u64) -> String {
    datagen::Generator::new(seed).ndjson(count, datagen::Kind::Mixed)
}

/// Runs `ndjson` through [`eval::run`] and returns the output bytes.
pub fn run_bytes(
    ev: &eval::Evaluator<'_>,
    ndjson: &str,
    as_of: i64,
    explain: bool,
) -> Result<Vec<u8>, SetupError> {
    let opts = eval::RunOptions {
        as_of,
        explain,
        format: eval::Format::Ndjson,
    };
    let mut out = Vec::with_capacity(ndjson.len());
    eval::run(ev, ndjson.as_bytes(), &mut out, &opts)
        .map_err(|e| SetupError(format!("run failed: {e}")))?;
    Ok(out)
}
