//! Edict's formatter: one canonical layout for policy files.
//!
//! The formatter never rewrites a program, it only re-spaces its tokens:
//!
//! 1. the input is parsed with [`syntax::parse`] (a file that does not parse is not
//!    formatted: [`FmtError::Syntax`]);
//! 2. a [`logos`] lexer ([`lexer`]) cuts it into tokens, comments included;
//! 3. the layout walker places the tokens on lines (items separated by one blank line,
//!    blocks indented by two spaces, one clause per line, comments where they were);
//! 4. the result is re-parsed and its AST compared with the input's (spans ignored), and
//!    the comments are counted: if anything differs the formatter refuses
//!    ([`FmtError::Unsafe`]) rather than return a changed program.
//!
//! Formatting formatted text changes nothing (tested on generated programs and on every
//! file in `policies/`).
//!
//! # The layout
//!
//! - Items start at column 0, separated by exactly one blank line; comments above an item
//!   stay attached to it (the blank line goes above the comments), `@allow` lines sit
//!   directly above their item.
//! - Blocks `{ ... }` are indented by two spaces, one statement per line: announcement
//!   metadata, `name: type` fields (commas dropped), check clauses, `when`/`then` of an
//!   exception. An empty block is `{}`. Blank lines between statements are kept (one at
//!   most).
//! - `enum E { a, b }` on one line when it fits in 100 columns and holds no comment; else
//!   one variant per line with trailing commas.
//! - A definition (`as L cites "c" when G = E`) stays on its line, except where the author
//!   broke it before `as`/`cites`/`when`/`=` or after `=`. Broken lines continue with a
//!   four-space indent.
//! - Expressions: see the `expr` module (single spaces around binary operators, none
//!   inside `()`/`[]`; breaks kept before `and`/`or` and after `,`; added before `and`/`or`
//!   past 100 columns).
//! - Comments: a comment that follows code on its line stays there (`code  // c`); a
//!   comment on its own line keeps its own line, at the indentation of the code after it.
//! - Token texts never change, except that spaces inside money literals become one
//!   (`150   CNY` → `150 CNY`) and line comments lose trailing whitespace.
//! - The file ends with exactly one newline.
//!
//! ```
//! let messy = "value   ship_within :duration cites \"1.1\"=48h";
//! let tidy = fmt::format(messy).unwrap();
//! assert_eq!(tidy, "value ship_within: duration cites \"1.1\" = 48h\n");
//! assert_eq!(fmt::check(&tidy).unwrap(), None);
//! ```

#![deny(missing_docs)]

mod diff;
mod expr;
mod layout;
pub mod lexer;
mod printer;

use std::fmt as stdfmt;

use syntax::{FileId, SyntaxError};

pub use printer::width;

/// Why a file was not formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FmtError {
    /// The input does not parse; nothing was formatted.
    Syntax(SyntaxError),
    /// The formatter's lexer could not read the input (the parser accepted it: a gap
    /// between the two that is a bug in the formatter).
    Lex {
        /// Byte offset of the text the lexer stopped at.
        offset: usize,
        /// What it found there.
        message: String,
    },
    /// The formatted text would not be the same program; the formatter refuses to return
    /// it (a bug in the formatter: please report the file).
    Unsafe {
        /// What the safety check found.
        reason: UnsafeReason,
    },
}

/// What the formatter's safety check found wrong with its own output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnsafeReason {
    /// The output does not parse.
    OutputDoesNotParse(SyntaxError),
    /// The output parses to a different program.
    AstChanged,
    /// A comment was lost, added or altered.
    CommentsChanged,
}

impl stdfmt::Display for FmtError {
    fn fmt(&self, f: &mut stdfmt::Formatter<'_>) -> stdfmt::Result {
        match self {
            FmtError::Syntax(e) => {
                let d = e.to_diagnostic();
                write!(f, "{} {}: {}", d.code, d.message, d.primary.message)
            }
            FmtError::Lex { offset, message } => {
                write!(f, "the formatter cannot read byte {offset}: {message}")
            }
            FmtError::Unsafe { reason } => {
                let what = match reason {
                    UnsafeReason::OutputDoesNotParse(e) => {
                        format!("its output does not parse ({})", e.code())
                    }
                    UnsafeReason::AstChanged => "its output is a different program".into(),
                    UnsafeReason::CommentsChanged => "its output lost or changed a comment".into(),
                };
                write!(
                    f,
                    "the formatter refused to format this file: {what}; this is a bug in the formatter, please report it with the file"
                )
            }
        }
    }
}

impl std::error::Error for FmtError {}

/// Formats one policy file.
///
/// Returns the canonical layout of `source`, ending with exactly one newline (an empty
/// string for a file with no items and no comments). Never panics; never returns text
/// that parses to a different program or lost a comment.
pub fn format(source: &str) -> Result<String, FmtError> {
    let file = FileId(0);
    let before = syntax::parse(file, source).map_err(FmtError::Syntax)?;
    let toks = lexer::lex(source).map_err(|e| FmtError::Lex {
        offset: e.offset,
        message: e.kind.to_string(),
    })?;
    let comments_before = comment_texts(&toks);
    let out = layout::Layout::new(toks).run();

    let unsafe_ = |reason| FmtError::Unsafe { reason };
    let after =
        syntax::parse(file, &out).map_err(|e| unsafe_(UnsafeReason::OutputDoesNotParse(e)))?;
    if after != before {
        return Err(unsafe_(UnsafeReason::AstChanged));
    }
    let out_toks = lexer::lex(&out).map_err(|_| unsafe_(UnsafeReason::CommentsChanged))?;
    if comment_texts(&out_toks) != comments_before {
        return Err(unsafe_(UnsafeReason::CommentsChanged));
    }
    Ok(out)
}

/// Checks whether `source` is formatted, for `edict fmt --check`.
///
/// `Ok(None)` when it is; otherwise `Ok(Some(diff))` with a unified-diff-like text from
/// the source to its formatted form.
pub fn check(source: &str) -> Result<Option<String>, FmtError> {
    let formatted = format(source)?;
    if formatted == source {
        return Ok(None);
    }
    Ok(Some(diff::unified(
        source,
        &formatted,
        "original",
        "formatted",
    )))
}

/// The comments of a token list as the formatter prints them, sorted.
fn comment_texts(toks: &[lexer::Tok<'_>]) -> Vec<String> {
    let mut texts: Vec<String> = toks
        .iter()
        .filter(|t| t.kind.is_comment())
        .map(|t| t.printed().into_owned())
        .collect();
    texts.sort();
    texts
}
