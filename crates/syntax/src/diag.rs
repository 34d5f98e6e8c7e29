//! Diagnostics: the one shape every stage's errors and findings are converted to.
//!
//! Each stage keeps its own error type; at the edge (the CLI) they become [`Diagnostic`]s
//! and are rendered once, with ariadne for people or as JSON for tools. A diagnostic has a
//! stable code (`E0101`, `L003`), a one-line message in the policy author's terms, a
//! labelled primary span, secondary labels, and help when a fix is known.

use serde::Serialize;

use crate::span::Span;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The policy is invalid.
    Error,
    /// Probably a mistake; `--deny warnings` turns it into a failure.
    Warning,
    /// Worth knowing, never a failure.
    Note,
}

/// A span with a message, pointing into a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What is there.
    pub message: String,
}

/// One error, warning or note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable code, e.g. `E0101` or `L003`.
    pub code: String,
    /// How serious.
    pub severity: Severity,
    /// One line, in the author's terms.
    pub message: String,
    /// The place the message is about.
    pub primary: Label,
    /// Other places involved (the other rule of a conflict, the earlier definition).
    pub secondary: Vec<Label>,
    /// How to fix it, when known.
    pub help: Option<String>,
    /// Extra facts (e.g. a witness record).
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error with a code, message and primary label.
    pub fn error(
        code: &str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Error, code, message, span, label)
    }

    /// A diagnostic of any severity.
    pub fn new(
        severity: Severity,
        code: &str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code: code.to_string(),
            severity,
            message: message.into(),
            primary: Label {
                span,
                message: label.into(),
            },
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Sets the help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}
