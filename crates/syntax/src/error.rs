//! Syntax errors: what the parser and the lowering report.

use crate::diag::Diagnostic;
use crate::span::Span;

/// The kinds of syntax error, each with a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// E0001: the text does not fit the grammar here.
    Unexpected {
        /// What was found (`` `foo` ``, "end of file").
        found: String,
        /// What the grammar allows here, in author's words.
        expected: Vec<String>,
    },
    /// E0002: a literal has the right shape but an impossible value (`2024-02-30`, overflow).
    InvalidLiteral(String),
    /// E0003: the file goes beyond a hard limit (nesting depth, size).
    Limit(String),
    /// E0004: the parse tree had a shape the lowering did not expect (a bug in Edict).
    Internal(String),
}

/// A located syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where.
    pub span: Span,
    /// What.
    pub kind: SyntaxErrorKind,
}

impl SyntaxError {
    pub(crate) fn unexpected(span: Span, found: String, expected: Vec<String>) -> Self {
        SyntaxError {
            span,
            kind: SyntaxErrorKind::Unexpected { found, expected },
        }
    }

    pub(crate) fn invalid(span: Span, message: impl Into<String>) -> Self {
        SyntaxError {
            span,
            kind: SyntaxErrorKind::InvalidLiteral(message.into()),
        }
    }

    pub(crate) fn internal(span: Span, message: impl Into<String>) -> Self {
        SyntaxError {
            span,
            kind: SyntaxErrorKind::Internal(message.into()),
        }
    }

    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self.kind {
            SyntaxErrorKind::Unexpected { .. } => "E0001",
            SyntaxErrorKind::InvalidLiteral(_) => "E0002",
            SyntaxErrorKind::Limit(_) => "E0003",
            SyntaxErrorKind::Internal(_) => "E0004",
        }
    }

    /// The error as a diagnostic.
    pub fn to_diagnostic(&self) -> Diagnostic {
        match &self.kind {
            SyntaxErrorKind::Unexpected { found, expected } => {
                let message = format!("unexpected {found}");
                let label = match expected.as_slice() {
                    [] => "I did not expect this here".to_string(),
                    [one] => format!("I was expecting {one} here"),
                    many => {
                        let (last, rest) = many.split_last().unwrap_or((&many[0], &[]));
                        format!("I was expecting {} or {last} here", rest.join(", "))
                    }
                };
                let d = Diagnostic::error(self.code(), message, self.span, label);
                match hint(found, expected) {
                    Some(h) => d.with_help(h),
                    None => d,
                }
            }
            SyntaxErrorKind::InvalidLiteral(m) => Diagnostic::error(
                self.code(),
                format!("invalid literal: {m}"),
                self.span,
                m.clone(),
            ),
            SyntaxErrorKind::Limit(m) => {
                Diagnostic::error(self.code(), m.clone(), self.span, "limit reached here")
                    .with_help("split the expression into named values")
            }
            SyntaxErrorKind::Internal(m) => Diagnostic::error(
                self.code(),
                format!("internal error while reading the file: {m}"),
                self.span,
                "here",
            )
            .with_help("this is a bug in Edict; please report it with this file"),
        }
    }
}

/// Help for the common slips.
fn hint(found: &str, expected: &[String]) -> Option<String> {
    let expects = |s: &str| expected.iter().any(|e| e == s);
    if found == "`=`"
        && expected
            .iter()
            .any(|e| e == "a comparison" || e == "an operator")
    {
        return Some("equality is written `==`; a single `=` starts a definition".into());
    }
    if expects("`=`") {
        return Some(
            "a definition ends with `= expression`, e.g. `value ship_within: duration = 48h`"
                .into(),
        );
    }
    if found == "`\"`" || found.starts_with("`“") {
        return Some("strings use straight double quotes `\"...\"`".into());
    }
    if !found.is_ascii() && expects("a name") {
        return Some("names are ASCII (letters, digits, `_`); Chinese text goes in strings and region literals".into());
    }
    None
}
