//! The formatter's token lexer.
//!
//! A [`logos`] lexer that cuts Edict source into the tokens the formatter re-spaces. It
//! never changes a token's text: the formatter only decides what goes *between* tokens.
//! Comments are tokens too (the formatter keeps them), and every token remembers how many
//! newlines the whitespace before it held, which is how blank lines and the author's line
//! breaks at `and`/`or` survive.
//!
//! Literals that start with a digit are lexed by one callback that follows the grammar's
//! alternatives and lookaheads in the grammar's order (instant, date, duration, money,
//! percent, int), so that e.g. `2024-02-0212` lexes as the grammar reads it
//! (`2024 - 02 - 0212`), not as a date followed by a number.

use logos::Logos;

/// Why the lexer stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LexErrorKind {
    /// A character no token starts with (or an unterminated string).
    #[default]
    Unexpected,
    /// `/*` without a closing `*/`.
    UnterminatedComment,
    /// Digits followed by something no numeric literal allows (`1.5` alone, `3days`).
    BadNumber,
}

impl std::fmt::Display for LexErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LexErrorKind::Unexpected => "no Edict token starts here",
            LexErrorKind::UnterminatedComment => "this `/*` comment has no closing `*/`",
            LexErrorKind::BadNumber => "these digits start no Edict literal",
        })
    }
}

/// The kind of a literal that starts with a digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumKind {
    /// `2024-02-22 23:59:59`, `2024-02-22T23:59:59.5+08:00`
    Instant,
    /// `2024-02-02`
    Date,
    /// `48h`, `30min`
    Duration,
    /// `150 CNY`, `7.5 CNY`
    Money,
    /// `5%`
    Percent,
    /// `42`
    Int,
}

/// The tokens of Edict.
#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
#[logos(error = LexErrorKind)]
pub enum Token {
    /// Whitespace (the grammar's `WHITESPACE`); not kept as a [`Tok`].
    #[regex(r"[ \t\r\n\u{3000}\u{FEFF}]+")]
    Space,
    /// `// ...` up to the end of the line.
    #[regex(r"//[^\n]*")]
    LineComment,
    /// `/* ... */` (not nested).
    #[token("/*", block_comment)]
    BlockComment,
    /// A string literal, quotes and escapes included.
    #[regex(r#""([^"\\\n]|\\["\\nt])*""#)]
    Str,
    /// A literal starting with a digit.
    #[regex("[0-9]+", number)]
    Number(NumKind),
    /// A zone offset `+08:00`.
    #[regex("[+-][0-9][0-9]:[0-9][0-9]")]
    Offset,
    /// A name (also the contextual keywords: `after`, `deadline`, `regions`, `some`, ...).
    #[regex("[A-Za-z_][A-Za-z0-9_]*")]
    Ident,
    /// `@allow`
    #[token("@allow")]
    Allow,

    // Reserved words.
    /// `announcement`
    #[token("announcement")]
    Announcement,
    /// `enum`
    #[token("enum")]
    Enum,
    /// `record`
    #[token("record")]
    Record,
    /// `fact`
    #[token("fact")]
    Fact,
    /// `value`
    #[token("value")]
    Value,
    /// `check`
    #[token("check")]
    Check,
    /// `exception`
    #[token("exception")]
    Exception,
    /// `priority`
    #[token("priority")]
    Priority,
    /// `as`
    #[token("as")]
    As,
    /// `cites`
    #[token("cites")]
    Cites,
    /// `when`
    #[token("when")]
    When,
    /// `then`
    #[token("then")]
    Then,
    /// `and`
    #[token("and")]
    And,
    /// `or`
    #[token("or")]
    Or,
    /// `not`
    #[token("not")]
    Not,
    /// `in`
    #[token("in")]
    In,
    /// `is`
    #[token("is")]
    Is,
    /// `true`
    #[token("true")]
    True,
    /// `false`
    #[token("false")]
    False,
    /// `overridden`
    #[token("overridden")]
    Overridden,
    /// `for`
    #[token("for")]
    For,
    /// `where`
    #[token("where")]
    Where,

    // Punctuation and operators.
    /// `(`
    #[token("(")]
    LParen,
    /// `)`
    #[token(")")]
    RParen,
    /// `[`
    #[token("[")]
    LBracket,
    /// `]`
    #[token("]")]
    RBracket,
    /// `{`
    #[token("{")]
    LBrace,
    /// `}`
    #[token("}")]
    RBrace,
    /// `,`
    #[token(",")]
    Comma,
    /// `.`
    #[token(".")]
    Dot,
    /// `:`
    #[token(":")]
    Colon,
    /// `?`
    #[token("?")]
    Question,
    /// `=`
    #[token("=")]
    Assign,
    /// `==`
    #[token("==")]
    EqEq,
    /// `!=`
    #[token("!=")]
    Ne,
    /// `<`
    #[token("<")]
    Lt,
    /// `<=`
    #[token("<=")]
    Le,
    /// `>`
    #[token(">")]
    Gt,
    /// `>=`
    #[token(">=")]
    Ge,
    /// `+`
    #[token("+")]
    Plus,
    /// `-`
    #[token("-")]
    Minus,
    /// `*`
    #[token("*")]
    Star,
}

impl Token {
    /// Whether this is a comment.
    pub fn is_comment(self) -> bool {
        matches!(self, Token::LineComment | Token::BlockComment)
    }

    /// Whether the token starts a top-level item.
    pub fn starts_item(self) -> bool {
        matches!(
            self,
            Token::Announcement
                | Token::Enum
                | Token::Record
                | Token::Fact
                | Token::Value
                | Token::Check
                | Token::Exception
                | Token::Priority
                | Token::Allow
        )
    }

    /// Whether the token can end an operand, so that a `-` after it is binary.
    pub fn ends_operand(self) -> bool {
        matches!(
            self,
            Token::Ident
                | Token::Number(_)
                | Token::Str
                | Token::Offset
                | Token::True
                | Token::False
                | Token::Overridden
                | Token::RParen
                | Token::RBracket
                | Token::RBrace
        )
    }

    /// Whether the token is a binary operator on its own (`not in` is two tokens).
    pub fn is_infix(self) -> bool {
        matches!(
            self,
            Token::Or
                | Token::And
                | Token::In
                | Token::EqEq
                | Token::Ne
                | Token::Lt
                | Token::Le
                | Token::Gt
                | Token::Ge
                | Token::Plus
                | Token::Minus
                | Token::Star
        )
    }
}

/// One token of the source with the layout facts the formatter needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tok<'a> {
    /// What it is.
    pub kind: Token,
    /// Its text, exactly as written.
    pub text: &'a str,
    /// Byte offset in the source.
    pub start: usize,
    /// Newlines in the whitespace just before it.
    pub nl_before: u32,
}

impl Tok<'_> {
    /// The text the formatter prints: the source text, except that the spaces inside a
    /// money literal are normalized (`150   CNY` → `150 CNY`) and a line comment loses
    /// trailing whitespace.
    pub fn printed(&self) -> std::borrow::Cow<'_, str> {
        match self.kind {
            Token::Number(NumKind::Money) => {
                let amount = self.text.trim_end_matches("CNY").trim_end_matches(' ');
                std::borrow::Cow::Owned(format!("{amount} CNY"))
            }
            Token::LineComment => std::borrow::Cow::Borrowed(self.text.trim_end()),
            _ => std::borrow::Cow::Borrowed(self.text),
        }
    }

    /// Whether the token is a word with this text (contextual keywords are identifiers).
    pub fn is_word(&self, word: &str) -> bool {
        self.kind == Token::Ident && self.text == word
    }
}

/// A lexing failure: where and what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LexError {
    /// Byte offset of the offending text.
    pub offset: usize,
    /// What went wrong.
    pub kind: LexErrorKind,
}

/// Cuts `source` into tokens (whitespace dropped, comments kept).
pub fn lex(source: &str) -> Result<Vec<Tok<'_>>, LexError> {
    let mut out = Vec::new();
    let mut lexer = Token::lexer(source);
    let mut newlines = 0u32;
    while let Some(next) = lexer.next() {
        let span = lexer.span();
        let kind = next.map_err(|kind| LexError {
            offset: span.start,
            kind,
        })?;
        let text = lexer.slice();
        if kind == Token::Space {
            newlines = newlines.saturating_add(text.matches('\n').count() as u32);
            continue;
        }
        out.push(Tok {
            kind,
            text,
            start: span.start,
            nl_before: newlines,
        });
        newlines = 0;
    }
    Ok(out)
}

fn block_comment(lex: &mut logos::Lexer<'_, Token>) -> Result<(), LexErrorKind> {
    match lex.remainder().find("*/") {
        Some(end) => {
            lex.bump(end + 2);
            Ok(())
        }
        None => Err(LexErrorKind::UnterminatedComment),
    }
}

fn is_ident_char(b: Option<&u8>) -> bool {
    b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

fn digits(bytes: &[u8], n: usize) -> bool {
    bytes.len() >= n && bytes[..n].iter().all(u8::is_ascii_digit)
}

/// Length of `-MM-DD` at the start of `rest`.
fn date_tail(rest: &[u8]) -> Option<usize> {
    let ok = rest.len() >= 6
        && rest[0] == b'-'
        && digits(&rest[1..], 2)
        && rest[3] == b'-'
        && digits(&rest[4..], 2);
    ok.then_some(6)
}

/// Length of ` HH:MM[:SS][.f][offset]` at the start of `rest` (after a date).
fn instant_tail(rest: &[u8]) -> Option<usize> {
    if !matches!(rest.first(), Some(b' ' | b'T')) {
        return None;
    }
    let t = &rest[1..];
    if !(digits(t, 2) && t.get(2) == Some(&b':') && digits(&t[3..], 2)) {
        return None;
    }
    let mut i = 1 + 5;
    if rest.get(i) == Some(&b':') && digits(&rest[i + 1..], 2) {
        i += 3;
    }
    if rest.get(i) == Some(&b'.') && rest.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        while rest.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    match rest.get(i) {
        Some(b'Z') => i += 1,
        Some(b'+' | b'-')
            if digits(&rest[i + 1..], 2)
                && rest.get(i + 3) == Some(&b':')
                && digits(&rest[i + 4..], 2) =>
        {
            i += 6
        }
        _ => {}
    }
    Some(i)
}

/// Classifies a literal starting with the digit run just matched, extending the token.
/// The alternatives and their lookaheads follow the grammar's `literal` rule in order.
fn number(lex: &mut logos::Lexer<'_, Token>) -> Result<NumKind, LexErrorKind> {
    let run = lex.slice().len();
    let rest = lex.remainder().as_bytes();
    if run == 4 && date_tail(rest).is_some() {
        let after = &rest[6..];
        if let Some(n) = instant_tail(after) {
            lex.bump(6 + n);
            return Ok(NumKind::Instant);
        }
        if !after
            .first()
            .is_some_and(|b| b.is_ascii_digit() || *b == b':')
        {
            lex.bump(6);
            return Ok(NumKind::Date);
        }
    }
    for unit in ["min", "d", "h", "s"] {
        if rest.starts_with(unit.as_bytes()) && !is_ident_char(rest.get(unit.len())) {
            lex.bump(unit.len());
            return Ok(NumKind::Duration);
        }
    }
    let mut frac = 0;
    if rest.first() == Some(&b'.') && rest.get(1).is_some_and(u8::is_ascii_digit) {
        frac = 1;
        while rest.get(frac).is_some_and(u8::is_ascii_digit) {
            frac += 1;
        }
    }
    let mut j = frac;
    while rest.get(j) == Some(&b' ') {
        j += 1;
    }
    if rest[j..].starts_with(b"CNY") && !is_ident_char(rest.get(j + 3)) {
        lex.bump(j + 3);
        return Ok(NumKind::Money);
    }
    if rest.get(frac) == Some(&b'%') {
        lex.bump(frac + 1);
        return Ok(NumKind::Percent);
    }
    if frac == 0 && !(is_ident_char(rest.first()) || rest.first() == Some(&b'.')) {
        return Ok(NumKind::Int);
    }
    Err(LexErrorKind::BadNumber)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<(Token, &str)> {
        lex(s)
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn literals() {
        use NumKind::*;
        use Token::Number as N;
        assert_eq!(
            kinds("2024-02-22 23:59:59 2024-02-22T23:59:59.5+08:00 2024-02-02"),
            vec![
                (N(Instant), "2024-02-22 23:59:59"),
                (N(Instant), "2024-02-22T23:59:59.5+08:00"),
                (N(Date), "2024-02-02"),
            ]
        );
        assert_eq!(
            kinds("48h 30min 150   CNY 7.5CNY 5% 2.5% 42"),
            vec![
                (N(Duration), "48h"),
                (N(Duration), "30min"),
                (N(Money), "150   CNY"),
                (N(Money), "7.5CNY"),
                (N(Percent), "5%"),
                (N(Percent), "2.5%"),
                (N(Int), "42"),
            ]
        );
        assert_eq!(
            kinds("2024-02-0212"),
            vec![
                (N(Int), "2024"),
                (Token::Minus, "-"),
                (N(Int), "02"),
                (Token::Minus, "-"),
                (N(Int), "0212"),
            ]
        );
        assert_eq!(kinds("zone +08:00")[1], (Token::Offset, "+08:00"));
    }

    #[test]
    fn comments_strings_and_newlines() {
        let toks = lex("a // c\n\n /* x\n y */ \"s\\\"t\" and").unwrap_or_default();
        let kinds: Vec<_> = toks.iter().map(|t| (t.kind, t.nl_before)).collect();
        assert_eq!(
            kinds,
            vec![
                (Token::Ident, 0),
                (Token::LineComment, 0),
                (Token::BlockComment, 2),
                (Token::Str, 0),
                (Token::And, 0),
            ]
        );
    }

    #[test]
    fn errors() {
        assert_eq!(lex("a # b").map_err(|e| e.offset), Err(2));
        assert_eq!(
            lex("/* open").map_err(|e| e.kind),
            Err(LexErrorKind::UnterminatedComment)
        );
        assert_eq!(
            lex("3days").map_err(|e| e.kind),
            Err(LexErrorKind::BadNumber)
        );
    }
}
