//! Source locations.
//!
//! Every AST node carries a [`Span`]: a file id and byte offsets, small and `Copy`, converted
//! from pest's borrowed spans at the parser boundary. Two spans always compare equal so that
//! AST nodes compare structurally (tests compare trees parsed from differently spaced
//! sources); use [`Span::same_place`] when the location itself matters.

use serde::{Deserialize, Serialize};

/// Identifies one source file in a [`crate::SourceMap`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset one past the last byte.
    pub end: u32,
}

impl PartialEq for Span {
    /// Spans never distinguish AST nodes: see the module documentation.
    fn eq(&self, _: &Span) -> bool {
        true
    }
}
impl Eq for Span {}

impl std::hash::Hash for Span {
    /// Consistent with `eq`: all spans hash alike.
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl Span {
    /// A span over `start..end` of `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Whether the two spans denote the same bytes of the same file.
    pub fn same_place(&self, other: &Span) -> bool {
        self.file == other.file && self.start == other.start && self.end == other.end
    }

    /// The byte range, for slicing source text.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}
