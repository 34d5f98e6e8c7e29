//! Edict's syntax: the pest binding to `grammar/edict.pest`, the AST with spans, and
//! located parse errors.
//!
//! ```
//! let file = syntax::parse(syntax::FileId(0), "value ship_within: duration = 48h").unwrap();
//! assert_eq!(file.items.len(), 1);
//! ```

#![deny(missing_docs)]

pub mod ast;
pub mod diag;
mod error;
mod lower;
mod parser;
mod source;
mod span;

pub use diag::{Diagnostic, Label, Severity};
pub use error::{SyntaxError, SyntaxErrorKind};
pub use lower::{parse_offset, MAX_EXPR_DEPTH, MAX_OPERATORS};
pub use source::{SourceFile, SourceMap};
pub use span::{FileId, Span};

use pest::Parser;

/// Deepest bracket nesting a policy file may use (`set<`/`list<` in types count too).
pub const MAX_NESTING: usize = 64;
/// Largest policy file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

/// Parses one policy file into its AST.
///
/// Never panics: text the grammar rejects, impossible literals and inputs beyond the limits
/// ([`MAX_NESTING`], [`MAX_FILE_BYTES`], [`MAX_OPERATORS`], [`MAX_EXPR_DEPTH`]) all become a
/// [`SyntaxError`].
pub fn parse(file: FileId, text: &str) -> Result<ast::File, SyntaxError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(SyntaxError {
            span: Span::new(file, 0, 0),
            kind: SyntaxErrorKind::Limit(format!(
                "the file has {} bytes; policy files may have at most {MAX_FILE_BYTES}",
                text.len()
            )),
        });
    }
    check_nesting(file, text)?;
    let mut pairs = parser::EdictParser::parse(parser::Rule::file, text)
        .map_err(|e| parser::convert_error(e, file, text))?;
    let root = pairs
        .next()
        .ok_or_else(|| SyntaxError::internal(Span::new(file, 0, 0), "empty parse"))?;
    lower::Lowerer { file }.file(root)
}

/// Rejects bracket nesting deeper than [`MAX_NESTING`] before pest (which recurses) sees it.
///
/// Type brackets count too: a `<` right after the word `set` or `list` opens one, and a `>`
/// closes one only while such a bracket is open (elsewhere `<` and `>` are comparisons).
fn check_nesting(file: FileId, text: &str) -> Result<(), SyntaxError> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut angles = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' if after_type_constructor(&bytes[..i]) => {
                angles += 1;
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(too_deep(file, i));
                }
            }
            b'>' if angles > 0 => {
                angles -= 1;
                depth = depth.saturating_sub(1);
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 1;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(too_deep(file, i));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

fn too_deep(file: FileId, at: usize) -> SyntaxError {
    SyntaxError {
        span: Span::new(file, at, at + 1),
        kind: SyntaxErrorKind::Limit(format!("brackets nest more than {MAX_NESTING} deep")),
    }
}

/// Whether `before` ends with the word `set` or `list` (then blanks): a type bracket follows.
fn after_type_constructor(before: &[u8]) -> bool {
    let end = before
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |e| e + 1);
    let word = &before[..end];
    [&b"set"[..], b"list"].iter().any(|w| {
        word.ends_with(w)
            && word[..word.len() - w.len()]
                .last()
                .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
    })
}
