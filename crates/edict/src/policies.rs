//! [`Policies`]: a checked and compiled policy set, from a folder of `*.edict` files, from
//! texts, or from an IR file written by `edict compile`.

use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::error::{Diagnostic, LoadError};
use crate::load;
use crate::Engine;

/// Bytes an IR file may have at most.
pub const MAX_IR_BYTES: u64 = 256 * 1024 * 1024;

/// A checked, compiled policy set. Cheap to clone (the program is shared).
///
/// ```
/// let policies = edict::Policies::from_sources([(
///     "shop.edict",
///     r#"
///     fact order {
///       id: string
///       paid_at: instant
///       shipped_at: instant?
///     }
///     announcement shop "Shop rules" { published 2024-01-01 00:00:00 }
///     value dispatch_by: instant = order.paid_at + 48h
///     check dispatch_on_time {
///       event order.shipped_at
///       deadline = dispatch_by
///     }
///     "#,
/// )]);
/// # let policies = policies.unwrap();
/// assert_eq!(policies.checks().collect::<Vec<_>>(), ["dispatch_on_time"]);
/// assert_eq!(policies.hash().len(), 64);
/// ```
#[derive(Debug, Clone)]
pub struct Policies {
    program: Arc<ir::Program>,
    hash: Arc<str>,
}

impl Policies {
    /// Loads a policy set the way `edict eval` does: a folder (every `*.edict` below it),
    /// one `.edict` file, or an IR file written by `edict compile`.
    pub fn load(path: impl AsRef<Path>) -> Result<Policies, LoadError> {
        let path = path.as_ref();
        if is_ir_file(path)? {
            return Policies::from_ir_file(path);
        }
        let (inputs, problems) = load::policy_files(&[path.to_path_buf()]);
        if let Some(p) = problems.first() {
            return Err(LoadError::Io {
                path: p.path.clone(),
                message: p.message.clone(),
            });
        }
        if inputs.is_empty() {
            return Err(LoadError::NoPolicies(path.display().to_string()));
        }
        Policies::from_checked(check_deep(&inputs))
    }

    /// Checks and compiles policy texts given as `(file name, text)` pairs.
    pub fn from_sources<N, T>(
        files: impl IntoIterator<Item = (N, T)>,
    ) -> Result<Policies, LoadError>
    where
        N: Into<String>,
        T: Into<String>,
    {
        let inputs: Vec<(String, String)> = files
            .into_iter()
            .map(|(n, t)| (n.into(), t.into()))
            .collect();
        if inputs.is_empty() {
            return Err(LoadError::NoPolicies("the texts given".into()));
        }
        Policies::from_checked(check_deep(&inputs))
    }

    /// The policy set of a checker's result, or its errors as [`LoadError::Invalid`].
    pub fn from_checked(checked: check::Checked) -> Result<Policies, LoadError> {
        match checked.program {
            Some(program) => Ok(Policies::from_program(program)),
            None => Err(LoadError::Invalid(diagnostics(
                &checked.diagnostics,
                &checked.sources,
            ))),
        }
    }

    /// Reads an IR file written by `edict compile`.
    pub fn from_ir_file(path: impl AsRef<Path>) -> Result<Policies, LoadError> {
        let path = path.as_ref();
        let io = |e: std::io::Error| LoadError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let len = std::fs::metadata(path).map_err(io)?.len();
        if len > MAX_IR_BYTES {
            return Err(LoadError::Ir {
                path: path.display().to_string(),
                message: format!(
                    "{len} bytes is larger than an IR file can be ({MAX_IR_BYTES} bytes)"
                ),
            });
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        Policies::from_ir_str(&text).map_err(|e| match e {
            LoadError::Ir { message, .. } => LoadError::Ir {
                path: path.display().to_string(),
                message,
            },
            other => other,
        })
    }

    /// Reads IR text (the JSON that `edict compile` writes).
    pub fn from_ir_str(text: &str) -> Result<Policies, LoadError> {
        ir::Program::from_json(text)
            .map(Policies::from_program)
            .map_err(|e| LoadError::Ir {
                path: "<string>".into(),
                message: e.to_string(),
            })
    }

    /// Wraps a compiled program.
    pub fn from_program(program: ir::Program) -> Policies {
        let hash = Sha256::digest(program.to_json().as_bytes());
        let hash: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        Policies {
            program: Arc::new(program),
            hash: hash.into(),
        }
    }

    /// The compiled program (the decision IR).
    pub fn program(&self) -> &ir::Program {
        &self.program
    }

    /// The program, owned (without a copy when nothing else shares it).
    pub fn into_program(self) -> ir::Program {
        Arc::try_unwrap(self.program).unwrap_or_else(|shared| (*shared).clone())
    }

    /// The program, shared.
    pub fn program_arc(&self) -> Arc<ir::Program> {
        Arc::clone(&self.program)
    }

    /// A content hash of the compiled set (SHA-256 of its IR, hex): equal sets, equal hashes,
    /// whatever the files were called or in which order they were read.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The checks' names, in order.
    pub fn checks(&self) -> impl Iterator<Item = &str> {
        self.program.checks.iter().map(|c| c.name.as_str())
    }

    /// An engine that judges records with these policies.
    pub fn engine(&self) -> Result<Engine, LoadError> {
        Engine::new(self)
    }
}

/// Checks on a thread with a large stack: the checker's passes recurse over expressions,
/// and deeply nested input stays within the parser's limits only with room to spare (the
/// CLI runs every command on such a thread for the same reason).
fn check_deep(inputs: &[(String, String)]) -> check::Checked {
    std::thread::scope(|s| {
        match std::thread::Builder::new()
            .stack_size(256 * 1024 * 1024)
            .spawn_scoped(s, || check::check(inputs))
        {
            Ok(h) => h
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No thread to be had: the caller's stack it is.
            Err(_) => check::check(inputs),
        }
    })
}

/// Whether `path` is an IR file written by `edict compile`: a file not named `*.edict`
/// whose first byte that is not whitespace is `{`. An empty such file is an error (a
/// truncated IR file must not judge with no policies).
pub fn is_ir_file(path: &Path) -> Result<bool, LoadError> {
    if !path.is_file() || path.extension().is_some_and(|e| e == "edict") {
        return Ok(false);
    }
    use std::io::Read as _;
    let io = |e: std::io::Error| LoadError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut r = std::io::BufReader::new(file.take(MAX_IR_BYTES));
    let mut buf = [0u8; 8192];
    loop {
        let n = r.read(&mut buf).map_err(io)?;
        if n == 0 {
            return Err(LoadError::Ir {
                path: path.display().to_string(),
                message: "the file is empty: neither an IR file nor policies".into(),
            });
        }
        if let Some(b) = buf[..n].iter().find(|c| !c.is_ascii_whitespace()) {
            return Ok(*b == b'{');
        }
    }
}

/// The checker's diagnostics with their places resolved to file, line and column.
pub fn diagnostics(ds: &[syntax::Diagnostic], sources: &syntax::SourceMap) -> Vec<Diagnostic> {
    ds.iter()
        .map(|d| {
            let span = d.primary.span;
            let file = sources.get(span.file);
            let (line, column) = file.map_or((None, None), |f| {
                let (l, c) = f.line_col(span.start as usize);
                (u32::try_from(l).ok(), u32::try_from(c).ok())
            });
            Diagnostic {
                code: d.code.clone(),
                severity: match d.severity {
                    syntax::Severity::Error => "error",
                    syntax::Severity::Warning => "warning",
                    syntax::Severity::Note => "note",
                }
                .into(),
                message: d.message.clone(),
                file: file.map_or_else(String::new, |f| f.path.clone()),
                line,
                column,
                help: d.help.clone(),
            }
        })
        .collect()
}
