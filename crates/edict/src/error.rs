//! The errors of the facade: one enum per thing that can fail, each matchable.

use std::fmt;

/// A located diagnostic from checking policies (or a problem reading their files).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// Stable code, e.g. `E0101` (`E0005` for a file that cannot be read).
    pub code: String,
    /// `error`, `warning` or `note`.
    pub severity: String,
    /// One line, in the author's terms.
    pub message: String,
    /// The file concerned.
    pub file: String,
    /// 1-based line and column (in characters) of the primary place, when there is one.
    pub line: Option<u32>,
    /// See `line`.
    pub column: Option<u32>,
    /// How to fix it, when known.
    pub help: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => {
                write!(f, "[{}] {}:{l}:{c}: {}", self.code, self.file, self.message)
            }
            _ => write!(f, "[{}] {}: {}", self.code, self.file, self.message),
        }
    }
}

/// Why a policy set could not be loaded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LoadError {
    /// The policies have errors (or files could not be read); every diagnostic is here.
    #[error("the policies have {} error(s); first: {}", .0.iter().filter(|d| d.severity == "error").count(), .0.first().map_or_else(String::new, ToString::to_string))]
    Invalid(Vec<Diagnostic>),
    /// No `*.edict` file was found where policies were expected.
    #[error("no policy files (*.edict) found in {0}")]
    NoPolicies(String),
    /// A file could not be read.
    #[error("{path}: cannot read: {message}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// An IR file that is damaged, of another version, or not an IR file.
    #[error("{path}: {message}")]
    Ir {
        /// The file (or `<string>`).
        path: String,
        /// What is wrong with it.
        message: String,
    },
}

impl LoadError {
    /// The diagnostics, when the policies were read but rejected.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            LoadError::Invalid(d) => d,
            _ => &[],
        }
    }
}

/// Text that is not an instant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an instant: {message}")]
pub struct InstantError {
    /// The text given.
    pub text: String,
    /// Why it is not an instant.
    pub message: String,
}

/// A record that cannot be judged: not JSON, not an object, or not of the declared schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RecordError {
    /// The record's `id`, when it could be read (as written: a string, or a number's text).
    pub id: Option<String>,
    /// What is wrong, naming the field.
    pub message: String,
}
