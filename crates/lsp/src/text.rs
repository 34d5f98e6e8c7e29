//! Positions: byte offsets (what spans hold) to LSP positions and back.
//!
//! LSP counts columns in UTF-16 code units unless both sides agree otherwise; policies are
//! full of Chinese (one UTF-16 unit, three UTF-8 bytes) and may hold characters outside the
//! Basic Multilingual Plane (two units, four bytes). Every conversion here is total: an
//! editor may send a line past the end, a column past the line's end or in the middle of a
//! surrogate pair, and gets the nearest valid place instead of a panic.

use lsp_types::{Position, Range};

/// Line starts of one text, for offset ↔ position conversion.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The LSP position of a byte offset (clamped to the text; an offset inside a
    /// character counts from that character's start).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(self.len));
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column: usize = text
            .get(start..offset)
            .map_or(0, |s| s.chars().map(char::len_utf16).sum());
        Position::new(to_u32(line), to_u32(column))
    }

    /// The LSP range of a byte range.
    pub fn range(&self, text: &str, span: std::ops::Range<usize>) -> Range {
        let start = self.position(text, span.start);
        let end = self.position(text, span.end.max(span.start));
        Range::new(start, end)
    }

    /// The byte offset of an LSP position: a line past the end gives the end of the text, a
    /// column past the end of its line gives the end of the line, a column inside a
    /// surrogate pair gives the start of that character.
    pub fn offset(&self, text: &str, pos: Position) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return self.len;
        };
        let end = self
            .starts
            .get(pos.line as usize + 1)
            .copied()
            .unwrap_or(self.len);
        let line = text.get(start..end).unwrap_or("");
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if c == '\n' || c == '\r' {
                return start + i;
            }
            let next = units + c.len_utf16();
            if next > pos.character as usize {
                return start + i;
            }
            units = next;
        }
        end
    }
}

/// The largest char boundary at or below `offset`.
fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_astral_characters_count_in_utf16_units() {
        // 贵 is 3 bytes / 1 unit; 𠀀 (U+20000) is 4 bytes / 2 units.
        let text = "ab\nx \"贵州𠀀省\" y\n";
        let idx = LineIndex::new(text);
        let y = text.find('y').unwrap();
        assert_eq!(idx.position(text, y), Position::new(1, 10));
        assert_eq!(idx.offset(text, Position::new(1, 10)), y);
        let sheng = text.find('省').unwrap();
        assert_eq!(idx.position(text, sheng), Position::new(1, 7));
        assert_eq!(idx.offset(text, Position::new(1, 7)), sheng);
        // Inside the surrogate pair of 𠀀: the character's start.
        let astral = text.find('𠀀').unwrap();
        assert_eq!(idx.offset(text, Position::new(1, 6)), astral);
        // Inside a 3-byte character: its start.
        let gui = text.find('贵').unwrap();
        assert_eq!(idx.position(text, gui + 1), idx.position(text, gui));
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let text = "ab\r\ncd";
        let idx = LineIndex::new(text);
        assert_eq!(idx.offset(text, Position::new(0, 99)), 2);
        assert_eq!(idx.offset(text, Position::new(7, 0)), text.len());
        assert_eq!(idx.offset(text, Position::new(1, 99)), text.len());
        assert_eq!(idx.position(text, 999), Position::new(1, 2));
        let empty = LineIndex::new("");
        assert_eq!(empty.offset("", Position::new(3, 3)), 0);
        assert_eq!(empty.position("", 5), Position::new(0, 0));
    }
}
