//! The layout of items and blocks: which token starts a new line, which block is indented.
//!
//! [`Layout`] walks the token stream with the grammar's item structure in mind (it is not a
//! second parser: the input has already parsed, and the result is re-parsed and compared
//! anyway, so the walker only needs to *find* statement boundaries, never to reject).
//! Comments are fed to the [`Printer`] in source order as the walker passes them, so none
//! can be lost or reordered.
//!
//! Every loop here advances by at least one token per round, so the walk ends on any
//! token stream, valid or not.

use crate::lexer::{Tok, Token};
use crate::printer::{width, Printer, Sep};

/// Longest line the formatter aims for.
pub const MAX_WIDTH: usize = 100;

/// Meta keywords of an announcement block.
const META: [&str; 5] = ["published", "source", "zone", "effective", "retroactive"];
/// Components of a check.
const COMPONENTS: [&str; 4] = ["deadline", "compensation", "exempt", "violated"];

/// Which kind of block a statement is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Announcement,
    Fields,
    Check,
    Exception,
}

/// Walks tokens and drives the printer.
pub struct Layout<'a> {
    pub(crate) toks: Vec<Tok<'a>>,
    /// Indices into `toks` of the non-comment tokens.
    pub(crate) sig: Vec<usize>,
    /// For each significant token that opens a bracket, the index of its closer.
    pub(crate) close: Vec<Option<usize>>,
    /// The next significant token to print.
    pub(crate) k: usize,
    /// The next token of `toks` not yet printed or fed.
    cpos: usize,
    pub(crate) p: Printer,
}

impl<'a> Layout<'a> {
    /// A walker over the tokens of one file.
    pub fn new(toks: Vec<Tok<'a>>) -> Layout<'a> {
        let mut layout = Layout {
            toks,
            sig: Vec::new(),
            close: Vec::new(),
            k: 0,
            cpos: 0,
            p: Printer::new(),
        };
        layout.index();
        layout
    }

    /// Recomputes `sig` and `close` from `toks`.
    fn index(&mut self) {
        self.sig = (0..self.toks.len())
            .filter(|&i| !self.toks[i].kind.is_comment())
            .collect();
        self.close = vec![None; self.sig.len()];
        let mut stack = Vec::new();
        for (k, &i) in self.sig.iter().enumerate() {
            match self.toks[i].kind {
                Token::LParen | Token::LBracket | Token::LBrace => stack.push(k),
                Token::RParen | Token::RBracket | Token::RBrace => {
                    if let Some(open) = stack.pop() {
                        self.close[open] = Some(k);
                    }
                }
                _ => {}
            }
        }
    }

    /// Formats the whole file.
    pub fn run(mut self) -> String {
        while self.k < self.sig.len() {
            let before = self.k;
            self.item();
            if self.k == before {
                self.emit(Sep::Space);
            }
        }
        self.feed_until(self.toks.len());
        self.p.finish()
    }

    // ------------------------------------------------------------ token access

    pub(crate) fn tok(&self, k: usize) -> Option<&Tok<'a>> {
        self.sig.get(k).map(|&i| &self.toks[i])
    }

    pub(crate) fn kind(&self, k: usize) -> Option<Token> {
        self.tok(k).map(|t| t.kind)
    }

    fn at(&self, kind: Token) -> bool {
        self.kind(self.k) == Some(kind)
    }

    fn word_at(&self, k: usize) -> Option<&'a str> {
        self.tok(k)
            .filter(|t| t.kind == Token::Ident)
            .map(|t| t.text)
    }

    /// Whether comments lie between significant tokens `k - 1` and `k`.
    pub(crate) fn comments_before(&self, k: usize) -> bool {
        match (
            k.checked_sub(1).and_then(|j| self.sig.get(j)),
            self.sig.get(k),
        ) {
            (Some(&a), Some(&b)) => b > a + 1,
            _ => false,
        }
    }

    /// Whether the author broke the line before token `k` (not forced by a line comment).
    pub(crate) fn author_break_before(&self, k: usize) -> bool {
        let Some(&i) = self.sig.get(k) else {
            return false;
        };
        self.toks[i].nl_before > 0 && !(i > 0 && self.toks[i - 1].kind == Token::LineComment)
    }

    /// `Break` where the author broke the line before token `k`, else `Space`.
    pub(crate) fn kept(&self, k: usize) -> Sep {
        if self.author_break_before(k) {
            Sep::Break
        } else {
            Sep::Space
        }
    }

    // ------------------------------------------------------------ printing tokens

    /// Prints the current token after `sep`, with the comments around it.
    pub(crate) fn emit(&mut self, sep: Sep) {
        self.emit_with(sep, false);
    }

    /// Prints the current token as the start of a statement, keeping a blank line before
    /// it if the author had one.
    fn emit_stmt_start(&mut self) {
        let blank = self.tok(self.k).is_some_and(|t| t.nl_before >= 2);
        self.emit_with(Sep::Space, blank);
    }

    fn emit_with(&mut self, sep: Sep, blank: bool) {
        let Some(&i) = self.sig.get(self.k) else {
            return;
        };
        self.feed_until(i);
        let tok = self.toks[i];
        self.p.word(&tok.printed(), sep, blank);
        self.cpos = i + 1;
        self.feed_trailing();
        self.k += 1;
    }

    /// Prints the current token and right after it the comma that follows it (or a new
    /// one when `add` is set and none follows), then the comments that were between them:
    /// a comment never separates a token from its comma.
    pub(crate) fn emit_then_comma(&mut self, sep: Sep, blank: bool, add: bool) {
        let Some(&i) = self.sig.get(self.k) else {
            return;
        };
        self.feed_until(i);
        let tok = self.toks[i];
        self.p.word(&tok.printed(), sep, blank);
        self.cpos = i + 1;
        self.k += 1;
        self.comma_here(add);
    }

    /// Prints a comma right here: the current token if it is one (with the comments
    /// before it printed after it), or a new one when `add` is set.
    pub(crate) fn comma_here(&mut self, add: bool) {
        let real = self.at(Token::Comma);
        if real || add {
            self.p.word(",", Sep::None, false);
        }
        if let (true, Some(&c)) = (real, self.sig.get(self.k)) {
            self.feed_until(c);
            self.cpos = c + 1;
            self.k += 1;
        }
        self.feed_trailing();
    }

    /// Drops the current token (an optional comma), keeping the comments around it.
    pub(crate) fn skip(&mut self) {
        let Some(&i) = self.sig.get(self.k) else {
            return;
        };
        self.feed_until(i);
        self.cpos = i + 1;
        self.feed_trailing();
        self.k += 1;
    }

    pub(crate) fn feed_until(&mut self, end: usize) {
        while self.cpos < end.min(self.toks.len()) {
            self.feed(self.cpos);
            self.cpos += 1;
        }
    }

    fn feed_trailing(&mut self) {
        while self
            .toks
            .get(self.cpos)
            .is_some_and(|t| t.kind.is_comment() && t.nl_before == 0)
        {
            self.feed(self.cpos);
            self.cpos += 1;
        }
    }

    fn feed(&mut self, i: usize) {
        let tok = self.toks[i];
        if tok.kind.is_comment() {
            let next_nl = self.toks.get(i + 1).map_or(1, |t| t.nl_before);
            self.p.comment(&tok, next_nl);
        }
    }

    /// Splits a `>=` token into `>` and `=` (`set<int>= {1}`: the type closes first).
    pub(crate) fn split_ge(&mut self, k: usize) -> bool {
        let Some(&i) = self.sig.get(k) else {
            return false;
        };
        let tok = self.toks[i];
        if tok.kind != Token::Ge || tok.text.len() != 2 {
            return false;
        }
        let gt = Tok {
            kind: Token::Gt,
            text: &tok.text[..1],
            ..tok
        };
        let eq = Tok {
            kind: Token::Assign,
            text: &tok.text[1..],
            start: tok.start + 1,
            nl_before: 0,
        };
        self.toks.splice(i..=i, [gt, eq]);
        self.index();
        true
    }

    // ------------------------------------------------------------ items

    fn item(&mut self) {
        self.p.begin_stmt(true);
        // A blank line the author left after the comments above the item is kept; none
        // between `@allow` lines and their item.
        let mut after_allow = false;
        while self.at(Token::Allow) {
            let end = match self.kind(self.k + 1) {
                Some(Token::LParen) => self.close[self.k + 1].map_or(self.k + 1, |c| c + 1),
                _ => self.k + 1,
            };
            self.item_keyword(after_allow);
            self.expr_range(end, Sep::None);
            self.p.begin_stmt(false);
            after_allow = true;
        }
        let Some(kind) = self.kind(self.k) else {
            return;
        };
        if !kind.starts_item() {
            return;
        }
        self.item_keyword(after_allow);
        match kind {
            Token::Announcement => {
                self.head(2);
                self.block(Block::Announcement);
            }
            Token::Enum => self.enum_decl(),
            Token::Record | Token::Fact => {
                self.head(1);
                self.block(Block::Fields);
            }
            Token::Value => {
                self.head(1);
                if self.at(Token::Colon) {
                    self.emit(Sep::None);
                    self.type_expr(Sep::Space);
                }
                self.definition();
            }
            Token::Check => {
                self.head(1);
                self.cites();
                self.block(Block::Check);
            }
            Token::Exception => {
                let end = self.primary_end(self.k).unwrap_or(self.k);
                self.expr_range(end, Sep::Space);
                if self.at(Token::As) {
                    self.head(2);
                }
                self.cites();
                self.block(Block::Exception);
            }
            Token::Priority => {
                let end = self.expr_end(self.k);
                self.expr_range(end, Sep::Space);
            }
            _ => {}
        }
    }

    /// Prints the first token of an item (or of its first `@allow`).
    fn item_keyword(&mut self, after_allow: bool) {
        if after_allow {
            self.emit(Sep::Space);
        } else {
            self.emit_stmt_start();
        }
    }

    /// Prints `n` tokens separated by single spaces.
    fn head(&mut self, n: usize) {
        for _ in 0..n {
            if self.k < self.sig.len() && !self.at(Token::LBrace) {
                self.emit(Sep::Space);
            }
        }
    }

    fn cites(&mut self) {
        if self.at(Token::Cites) {
            self.head(2);
        }
    }

    /// `{ statements }`, one statement per line; `{}` when empty.
    fn block(&mut self, block: Block) {
        if !self.at(Token::LBrace) {
            return;
        }
        let open = self.k;
        self.emit(Sep::Space);
        if self.at(Token::RBrace) && !self.comments_before(self.k) {
            self.emit(Sep::None);
            return;
        }
        self.p.open_block();
        while self.k < self.sig.len() && !self.at(Token::RBrace) {
            if self.close[open].is_none() && self.kind(self.k).is_some_and(Token::starts_item) {
                break;
            }
            let before = self.k;
            self.p.begin_stmt(false);
            self.statement(block);
            if self.k == before {
                self.emit(Sep::Space);
            }
        }
        self.close_block();
    }

    fn close_block(&mut self) {
        if let Some(&i) = self.sig.get(self.k) {
            self.feed_until(i);
        }
        self.p.close_block();
        if self.at(Token::RBrace) {
            self.emit(Sep::None);
        }
    }

    fn statement(&mut self, block: Block) {
        let Some(kind) = self.kind(self.k) else {
            return;
        };
        let word = self.word_at(self.k).unwrap_or("");
        match (block, kind) {
            (Block::Announcement, _) => {
                let end = self.meta_end(self.k);
                self.emit_stmt_start();
                self.expr_range(end, Sep::Space);
            }
            (Block::Fields, Token::Ident) => {
                self.emit_stmt_start();
                if self.at(Token::Colon) {
                    self.emit(Sep::None);
                    self.type_expr(Sep::Space);
                }
                if self.at(Token::Comma) {
                    self.skip();
                }
            }
            (Block::Check, Token::Ident) if COMPONENTS.contains(&word) => {
                self.emit_stmt_start();
                self.definition();
            }
            (Block::Check, Token::Ident) if word == "applies" => {
                self.emit_stmt_start();
                if self.at(Token::When) {
                    self.emit(Sep::Space);
                }
                self.expr_clause();
            }
            (Block::Check, Token::Ident) | (Block::Exception, Token::When | Token::Then) => {
                self.emit_stmt_start();
                self.expr_clause();
            }
            _ => {}
        }
    }

    /// The expression after a clause keyword.
    fn expr_clause(&mut self) {
        let end = self.expr_end(self.k);
        self.expr_range(end, Sep::Space);
    }

    /// Where the meta line starting at `k` ends: at the next meta keyword or `}` outside
    /// brackets.
    fn meta_end(&self, k: usize) -> usize {
        let mut j = k + 1;
        let mut depth = 0usize;
        while let Some(t) = self.tok(j) {
            match t.kind {
                Token::LParen | Token::LBracket | Token::LBrace => depth += 1,
                Token::RParen | Token::RBracket | Token::RBrace if depth == 0 => break,
                Token::RParen | Token::RBracket | Token::RBrace => depth -= 1,
                Token::Ident if depth == 0 && META.contains(&t.text) => break,
                kind if depth == 0 && kind.starts_item() => break,
                _ => {}
            }
            j += 1;
        }
        j
    }

    /// `[as label] [cites "c"] [when guard] = body`, author's breaks before each part kept.
    fn definition(&mut self) {
        loop {
            let sep = self.kept(self.k);
            match self.kind(self.k) {
                Some(Token::As | Token::Cites) => {
                    self.emit(sep);
                    if self.k < self.sig.len() {
                        self.emit(Sep::Space);
                    }
                }
                Some(Token::When) => {
                    self.emit(sep);
                    self.expr_clause();
                }
                Some(Token::Assign) => {
                    self.emit(sep);
                    let end = self.expr_end(self.k);
                    let first = self.kept(self.k);
                    self.expr_range(end, first);
                    return;
                }
                _ => return,
            }
        }
    }

    /// `enum Name { a, b }` on one line when it fits and holds no comment, else one
    /// variant per line with trailing commas.
    fn enum_decl(&mut self) {
        self.head(1);
        if !self.at(Token::LBrace) {
            return;
        }
        let open = self.k;
        let Some(close) = self.close[open] else {
            self.block(Block::Fields);
            return;
        };
        let has_comments = (open + 1..=close).any(|k| self.comments_before(k));
        let variants: Vec<&str> = (open + 1..close)
            .filter_map(|k| self.tok(k))
            .filter(|t| t.kind == Token::Ident)
            .map(|t| t.text)
            .collect();
        let name = open
            .checked_sub(1)
            .and_then(|k| self.tok(k))
            .map_or("", |t| t.text);
        let flat = width(&format!("enum {name} {{ {} }}", variants.join(", ")));
        if !has_comments && flat <= MAX_WIDTH {
            // One line whatever the author's breaks: `{ a, b, c }`.
            self.emit(Sep::Space);
            while self.k < close {
                match self.kind(self.k) {
                    Some(Token::Comma) if self.k + 1 == close => self.skip(),
                    Some(Token::Comma) => self.emit(Sep::None),
                    _ => self.emit(Sep::Space),
                }
            }
            self.emit(Sep::Space);
            return;
        }
        self.emit(Sep::Space);
        self.p.open_block();
        while self.k < close {
            let blank = self.tok(self.k).is_some_and(|t| t.nl_before >= 2);
            self.p.begin_stmt(false);
            if self.at(Token::Comma) {
                self.skip();
            } else {
                self.emit_then_comma(Sep::Space, blank, true);
            }
        }
        self.close_block();
    }
}
