//! The output side of the formatter: lines, indentation, blank lines and comments.
//!
//! The layout code ([`crate::layout`]) says *what* to print (words, statement starts,
//! blocks); the printer decides the whitespace. Its model:
//!
//! - a **statement** is a line of code at the block's indentation (an item head, a clause,
//!   a field, a meta line); when a statement is broken over several lines, the following
//!   lines get a 4-space continuation indent;
//! - a **trailing comment** (one that started on the line of the code before it) stays at
//!   the end of that line, two spaces after the code; a line comment ends the line;
//! - an **own-line comment** waits until the next word is printed and goes on its own line
//!   just before it, at that word's indentation (so comments before a clause sit at the
//!   clause's indentation, comments inside a broken expression at the continuation's);
//! - blank lines: at most one, never at the start of a block or just before its `}`;
//! - inside an expression, each bracket open at the start of a continuation line adds one
//!   more continuation indent ([`Printer::set_nest`]), and a vertical list (`{` then one
//!   element per line) indents its elements like a block, relative to the line of its `{`.

use crate::lexer::{Tok, Token};

/// Extra indentation of the continuation lines of a broken statement.
pub const CONTINUATION: usize = 2;
/// Indentation of one block level.
pub const INDENT: usize = 2;

/// How a word is separated from what precedes it on its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sep {
    /// Directly attached: `f(`, `a.b`, `x,`.
    None,
    /// One space.
    Space,
    /// A line break (continuation indent) when the line has code already.
    Break,
}

/// A comment waiting for the next word.
struct Pending {
    text: String,
    blank_before: bool,
    /// A block comment followed on the same line by more code.
    glue: bool,
}

/// Builds the formatted text.
pub struct Printer {
    out: String,
    /// Display width of the current line so far.
    col: usize,
    line_empty: bool,
    indent: usize,
    /// The current statement has printed code (breaks get the continuation indent).
    in_stmt: bool,
    want_blank: bool,
    /// Nothing printed since the file start or the last `{`: blank lines are dropped.
    block_start: bool,
    /// The last thing on the line is an inline block comment.
    after_inline_comment: bool,
    /// The line holds only a glued block comment.
    glued: bool,
    pending: Vec<Pending>,
    /// Brackets open at this point of the expression: each adds a continuation indent.
    nest: usize,
    /// Indentation of the current line.
    line_indent: usize,
    /// Open vertical lists: the block indentation and line indentation to return to.
    lists: Vec<(usize, usize)>,
    /// Lines finished so far.
    lines: usize,
    /// Trailing line comments: (line, byte offset of the gap before `//`, code width).
    trailing: Vec<(usize, usize, usize)>,
}

impl Printer {
    /// An empty printer at the top level.
    pub fn new() -> Printer {
        Printer {
            out: String::new(),
            col: 0,
            line_empty: true,
            indent: 0,
            in_stmt: false,
            want_blank: false,
            block_start: true,
            after_inline_comment: false,
            glued: false,
            pending: Vec::new(),
            nest: 0,
            line_indent: 0,
            lists: Vec::new(),
            lines: 0,
            trailing: Vec::new(),
        }
    }

    /// The current column (display width of the current line).
    pub fn column(&self) -> usize {
        self.col
    }

    /// Whether nothing is on the current line yet.
    pub fn line_empty(&self) -> bool {
        self.line_empty
    }

    /// Starts a new statement on a fresh line; `blank` asks for a blank line before it.
    pub fn begin_stmt(&mut self, blank: bool) {
        self.newline();
        self.in_stmt = false;
        self.want_blank |= blank;
    }

    /// Opens a block after its `{`: the following statements are indented one level.
    pub fn open_block(&mut self) {
        self.indent += INDENT;
        self.open_block_lines();
    }

    fn open_block_lines(&mut self) {
        self.begin_stmt(false);
        self.block_start = true;
        self.want_blank = false;
    }

    /// Closes a block before its `}`: prints waiting comments inside the block first.
    pub fn close_block(&mut self) {
        self.begin_stmt(false);
        self.flush_pending();
        self.want_blank = false;
        self.indent = self.indent.saturating_sub(INDENT);
        self.begin_stmt(false);
    }

    /// Brackets open at the current point of an expression.
    pub fn nest(&self) -> usize {
        self.nest
    }

    /// Sets the bracket depth: continuation lines get one more indent per open bracket.
    pub fn set_nest(&mut self, nest: usize) {
        self.nest = nest;
    }

    /// Opens a vertical list after its `{`: one element per line, indented one level more
    /// than the line of the `{`.
    pub fn open_list(&mut self) {
        self.lists.push((self.indent, self.line_indent));
        self.indent = self.line_indent + INDENT;
        self.open_block_lines();
    }

    /// Ends the elements of a vertical list: its `}` goes on a line of its own, at the
    /// indentation of the line of the `{`.
    pub fn close_list(&mut self) {
        self.begin_stmt(false);
        self.flush_pending();
        self.want_blank = false;
        self.indent = self.lists.last().map_or(self.indent, |&(_, line)| line);
        self.begin_stmt(false);
    }

    /// After the `}` of a vertical list: the statement goes on after it.
    pub fn end_list(&mut self) {
        if let Some((block, _)) = self.lists.pop() {
            self.indent = block;
        }
        self.in_stmt = true;
    }

    /// Prints one word of code. `blank_before` asks for a blank line when the word starts
    /// a statement (the author had one there).
    pub fn word(&mut self, text: &str, sep: Sep, blank_before: bool) {
        self.flush_pending();
        if self.line_empty {
            self.want_blank |= blank_before && !self.in_stmt;
            self.start_line();
        } else if sep == Sep::Break {
            self.newline();
            self.start_line();
        } else if sep == Sep::Space || self.glued || self.after_inline_comment {
            self.push(" ");
        }
        self.push(text);
        self.in_stmt = true;
        self.glued = false;
        self.after_inline_comment = false;
    }

    /// Takes one comment token; `next_nl` is the newline count before the token after it.
    pub fn comment(&mut self, tok: &Tok<'_>, next_nl: u32) {
        let text = tok.printed().into_owned();
        let trailing = tok.nl_before == 0 && !self.line_empty && self.pending.is_empty();
        match (trailing, tok.kind) {
            (true, Token::LineComment) => {
                self.trailing.push((self.lines, self.out.len(), self.col));
                self.push("  ");
                self.push(&text);
                self.newline();
            }
            (true, _) => {
                self.push(" ");
                self.push(&text);
                self.after_inline_comment = true;
            }
            (false, kind) => self.pending.push(Pending {
                text,
                blank_before: tok.nl_before >= 2,
                glue: kind == Token::BlockComment && next_nl == 0,
            }),
        }
    }

    /// Prints the waiting own-line comments, each on its own line.
    fn flush_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        self.newline();
        let pending = std::mem::take(&mut self.pending);
        let last = pending.len() - 1;
        for (i, c) in pending.into_iter().enumerate() {
            self.want_blank |= c.blank_before && !self.in_stmt;
            self.start_line();
            self.push(&c.text);
            if i == last && c.glue {
                self.glued = true;
            } else {
                self.newline();
            }
        }
    }

    /// Ends the file: waiting comments, then exactly one final newline.
    pub fn finish(mut self) -> String {
        self.begin_stmt(false);
        self.flush_pending();
        self.newline();
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
        if self.out.is_empty() {
            return String::new();
        }
        self.align_trailing_comments();
        self.out
    }

    /// Trailing comments on consecutive lines start in one column (two spaces after the
    /// longest code among them), as authors align them by hand.
    fn align_trailing_comments(&mut self) {
        let marks = std::mem::take(&mut self.trailing);
        let mut groups: Vec<&[(usize, usize, usize)]> = Vec::new();
        let mut start = 0;
        for i in 1..=marks.len() {
            if i == marks.len() || marks[i].0 != marks[i - 1].0 + 1 {
                groups.push(&marks[start..i]);
                start = i;
            }
        }
        // Insert from the end so earlier offsets stay valid.
        for group in groups.into_iter().rev() {
            let target = group.iter().map(|m| m.2).max().unwrap_or(0);
            for &(_, offset, width) in group.iter().rev() {
                if width < target && self.out.is_char_boundary(offset) {
                    self.out.insert_str(offset, &" ".repeat(target - width));
                }
            }
        }
    }

    fn start_line(&mut self) {
        if self.want_blank && !self.block_start && !self.in_stmt && !self.out.is_empty() {
            self.lines += 1;
            self.out.push('\n');
        }
        self.want_blank = false;
        self.block_start = false;
        let width = self.indent
            + if self.in_stmt {
                CONTINUATION * (1 + self.nest)
            } else {
                0
            };
        self.line_indent = width;
        for _ in 0..width {
            self.out.push(' ');
        }
        self.col = width;
        self.line_empty = false;
    }

    /// Ends the current line if it has anything.
    pub fn newline(&mut self) {
        if !self.line_empty {
            self.lines += 1;
            self.out.push('\n');
            self.col = 0;
            self.line_empty = true;
            self.glued = false;
            self.after_inline_comment = false;
        }
    }

    fn push(&mut self, text: &str) {
        self.lines += text.matches('\n').count();
        self.out.push_str(text);
        match text.rfind('\n') {
            Some(i) => self.col = width(&text[i + 1..]),
            None => self.col += width(text),
        }
    }
}

/// Display width: East Asian wide characters count two columns.
pub fn width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            let c = c as u32;
            let wide = matches!(c,
                0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD);
            if wide {
                2
            } else {
                1
            }
        })
        .sum()
}
