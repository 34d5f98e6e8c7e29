//! Expressions and types: where an expression ends, and the spacing inside it.
//!
//! The end of an expression matters because the clause keywords of a check (`after`,
//! `event`, `deadline`, ...) are not reserved: `event a - deadline` reads `deadline` as a
//! name. [`Layout::expr_end`] follows the grammar's greedy `expr` rule (operand, then while
//! an infix operator follows, another operand), skipping bracketed parts whole.
//!
//! Inside an expression every token is separated by one space except around `.`, after
//! `(` `[` and a unary `-`, before `,` `)` `]`, inside a set literal's braces (`{a, b}`;
//! `regions { "a", "b" }` keeps its spaces), and between a function name and its `(`.
//!
//! Line breaks: before `and`/`or` where the author broke the line (before or just after
//! the operator) or where the line would pass [`MAX_WIDTH`]; after `,` where the author
//! broke the line around the comma. Other newlines are dropped. A continuation line is
//! indented one step more per bracket still open at its start. A `{` list whose author
//! broke the line right after the `{` is printed vertically: one element per line with a
//! trailing comma, `}` on its own line.

use crate::layout::{Layout, MAX_WIDTH};
use crate::lexer::Token;
use crate::printer::{width, Sep};

/// Whether one space separates `prev` from `next` inside an expression.
fn gap(prev: Token, next: Token, prev_unary: bool) -> bool {
    if prev_unary {
        return false;
    }
    !matches!(
        (prev, next),
        (
            _,
            Token::Comma | Token::RParen | Token::RBracket | Token::Dot
        ) | (Token::Ident | Token::Allow, Token::LParen)
            | (Token::LParen | Token::LBracket | Token::Dot, _)
            | (Token::LBrace, Token::RBrace)
    )
}

impl Layout<'_> {
    /// The significant index just past the expression starting at `i`.
    pub(crate) fn expr_end(&self, mut i: usize) -> usize {
        loop {
            while matches!(self.kind(i), Some(Token::Not | Token::Minus)) {
                i += 1;
            }
            match self.primary_end(i) {
                Some(end) => i = end,
                None => return i,
            }
            while self.kind(i) == Some(Token::Is)
                && self
                    .tok(i + 1)
                    .is_some_and(|t| t.is_word("some") || t.is_word("none"))
            {
                i += 2;
            }
            match self.kind(i) {
                Some(k) if k.is_infix() => i += 1,
                Some(Token::Not) if self.kind(i + 1) == Some(Token::In) => i += 2,
                _ => return i,
            }
        }
    }

    /// The significant index just past the primary starting at `i`, if one starts there.
    pub(crate) fn primary_end(&self, i: usize) -> Option<usize> {
        let tok = self.tok(i)?;
        match tok.kind {
            Token::LParen | Token::LBracket | Token::LBrace => self.close[i].map(|c| c + 1),
            Token::Ident => match self.kind(i + 1) {
                Some(Token::LParen) => self.close[i + 1].map(|c| c + 1),
                Some(Token::LBrace) if tok.text == "regions" => self.close[i + 1].map(|c| c + 1),
                Some(Token::Str) if tok.text == "region" => Some(i + 2),
                _ => {
                    let mut j = i + 1;
                    while self.kind(j) == Some(Token::Dot) && self.kind(j + 1) == Some(Token::Ident)
                    {
                        j += 2;
                    }
                    Some(j)
                }
            },
            Token::Number(_) | Token::Str | Token::True | Token::False | Token::Overridden => {
                Some(i + 1)
            }
            _ => None,
        }
    }

    /// Prints the tokens from the current one up to `end` (exclusive) as an expression;
    /// `first` separates the first token from what precedes it.
    pub(crate) fn expr_range(&mut self, end: usize, first: Sep) {
        self.expr_range_with(end, first, false);
    }

    /// [`Layout::expr_range`]; with `comma_after`, the range is a list element that ends
    /// with a comma (the one after it in the source, or a new one).
    fn expr_range_with(&mut self, end: usize, first: Sep, comma_after: bool) {
        let end = end.min(self.sig.len());
        let base_nest = self.p.nest();
        let mut depth = 0usize;
        let mut prev: Option<Token> = None;
        let mut prev_unary = false;
        let mut comma_break = false;
        // For each open `{`: whether it is a `regions { ... }` literal (spaced inside) rather
        // than a set literal `{a, b}`.
        let mut braces: Vec<bool> = Vec::new();
        while self.k < end {
            let k = self.k;
            let Some(tok) = self.tok(k).copied() else {
                break;
            };
            if tok.kind == Token::Comma && k + 1 < end && self.kind(k + 1) == Some(Token::RBrace) {
                self.skip();
                continue;
            }
            let closer = matches!(tok.kind, Token::RParen | Token::RBracket | Token::RBrace);
            let sep = match prev {
                None => first,
                Some(_) if matches!(tok.kind, Token::And | Token::Or) => self.and_or_sep(k, end),
                Some(Token::Comma) if !closer && (comma_break || self.author_break_before(k)) => {
                    Sep::Break
                }
                Some(_) if tok.kind == Token::RBrace => {
                    let spaced = braces.last() == Some(&true) && prev != Some(Token::LBrace);
                    if spaced {
                        Sep::Space
                    } else {
                        Sep::None
                    }
                }
                Some(Token::LBrace) if braces.last() != Some(&true) => Sep::None,
                Some(p) if gap(p, tok.kind, prev_unary) => Sep::Space,
                Some(_) => Sep::None,
            };

            if closer {
                depth = depth.saturating_sub(1);
            }
            self.p.set_nest(base_nest + depth);
            prev_unary = tok.kind == Token::Minus && !prev.is_some_and(Token::ends_operand);
            prev = Some(tok.kind);
            comma_break = tok.kind == Token::Comma && self.author_break_before(k);
            if let Some(close) = self.vertical_list_at(k) {
                self.vertical_list(sep, close);
                prev = Some(Token::RBrace);
                if comma_after && self.k == end {
                    self.comma_here(true);
                }
                continue;
            }
            match tok.kind {
                Token::LParen | Token::LBracket => depth += 1,
                Token::LBrace => {
                    depth += 1;
                    let regions = k
                        .checked_sub(1)
                        .and_then(|j| self.tok(j))
                        .is_some_and(|t| t.is_word("regions"));
                    braces.push(regions);
                }
                Token::RBrace => {
                    braces.pop();
                }
                _ => {}
            }
            let comma_next = k + 1 < end
                && self.kind(k + 1) == Some(Token::Comma)
                && !(k + 2 < end && self.kind(k + 2) == Some(Token::RBrace));
            if comma_next || (comma_after && k + 1 == end) {
                comma_break = self.author_break_before(k + 1);
                prev = Some(Token::Comma);
                prev_unary = false;
                self.emit_then_comma(sep, false, comma_after && k + 1 == end);
            } else {
                self.emit(sep);
            }
        }
        self.p.set_nest(base_nest);
    }

    /// The closer of the `{` at `k` if it starts a vertical list: a set or regions literal
    /// whose author put a line break right after the `{`.
    fn vertical_list_at(&self, k: usize) -> Option<usize> {
        if self.kind(k) != Some(Token::LBrace) {
            return None;
        }
        let close = self.close[k].filter(|&c| c > k + 1)?;
        let i = *self.sig.get(k)?;
        (self.toks.get(i + 1)?.nl_before > 0).then_some(close)
    }

    /// `{`, one element per line with a trailing comma, `}` on its own line.
    fn vertical_list(&mut self, sep: Sep, close: usize) {
        self.emit(sep);
        let nest = self.p.nest();
        self.p.set_nest(0);
        self.p.open_list();
        while self.k < close {
            self.p.begin_stmt(false);
            if self.kind(self.k) == Some(Token::Comma) {
                self.skip();
                continue;
            }
            let end = self.expr_end(self.k).clamp(self.k + 1, close);
            self.expr_range_with(end, Sep::Space, true);
        }
        if let Some(&i) = self.sig.get(self.k) {
            self.feed_until(i);
        }
        self.p.close_list();
        self.emit(Sep::None);
        self.p.end_list();
        self.p.set_nest(nest);
    }

    /// Break before `and`/`or` at `k` where the author broke around it or the line is full.
    fn and_or_sep(&self, k: usize, end: usize) -> Sep {
        if self.author_break_before(k) {
            return Sep::Break;
        }
        let after = self.sig.get(k).and_then(|&i| self.toks.get(i + 1));
        if after.is_some_and(|t| !t.kind.is_comment() && t.nl_before > 0) {
            return Sep::Break;
        }
        if self.p.line_empty() || self.p.column() + self.segment_width(k, end) <= MAX_WIDTH {
            Sep::Space
        } else {
            Sep::Break
        }
    }

    /// Width of ` and ...` from `k` up to the next `and`/`or` or `end`, printed flat.
    ///
    /// Only significant tokens count (comments are ignored, commas the printer drops too):
    /// the formatter moves comments relative to commas, and the width must not depend on
    /// that, or formatting formatted code could break a line it did not break before.
    fn segment_width(&self, k: usize, end: usize) -> usize {
        let Some(first) = self.tok(k) else {
            return 0;
        };
        let mut w = 1 + width(first.text);
        let mut prev = first.kind;
        for j in k + 1..end {
            let Some(t) = self.tok(j) else {
                break;
            };
            match t.kind {
                Token::And | Token::Or => break,
                Token::Comma if self.kind(j + 1) == Some(Token::RBrace) => continue,
                _ => {}
            }
            w += usize::from(gap(prev, t.kind, false)) + width(&t.printed());
            prev = t.kind;
        }
        w
    }

    /// A type: `instant`, `set<list<Report>>`, `int?`, printed without spaces.
    pub(crate) fn type_expr(&mut self, first: Sep) {
        let mut depth = 0usize;
        let mut sep = first;
        while self.at_kind(Token::Ident) {
            self.emit(sep);
            sep = Sep::None;
            if self.at_kind(Token::Lt) {
                self.emit(Sep::None);
                depth += 1;
                continue;
            }
            loop {
                if self.at_kind(Token::Question) {
                    self.emit(Sep::None);
                } else if depth > 0 && self.at_kind(Token::Ge) {
                    if !self.split_ge(self.k) {
                        return;
                    }
                } else if depth > 0 && self.at_kind(Token::Gt) {
                    self.emit(Sep::None);
                    depth -= 1;
                } else {
                    return;
                }
            }
        }
    }

    fn at_kind(&self, kind: Token) -> bool {
        self.kind(self.k) == Some(kind)
    }
}
