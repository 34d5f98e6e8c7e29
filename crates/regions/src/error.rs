//! Resolution errors and "did you mean" suggestions.
//!
//! Suggestions rank regions by the Levenshtein distance (over chars) between
//! the unresolved text and each region's official name, short forms and
//! canonical full name.

use std::fmt;

use crate::gazetteer::Gazetteer;

/// Why a region text did not resolve to exactly one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// Nothing matches; `suggestions` holds up to 3 nearest full names,
    /// nearest first (ties in code order).
    Unknown {
        /// The text as written (long inputs are shortened with "…").
        text: String,
        /// Canonical full names of the nearest regions.
        suggestions: Vec<String>,
    },
    /// Several regions match equally well; `candidates` are their full names
    /// in code order.
    Ambiguous {
        /// The text as written.
        text: String,
        /// Canonical full names of every matching region.
        candidates: Vec<String>,
    },
    /// The text is empty or only whitespace.
    Empty,
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::Unknown { text, suggestions } => {
                write!(f, "unknown region \"{text}\"")?;
                match suggestions.as_slice() {
                    [] => Ok(()),
                    [only] => write!(f, "; did you mean {only}?"),
                    [init @ .., last] => write!(f, "; did you mean {} or {last}?", init.join(", ")),
                }
            }
            ResolveError::Ambiguous { text, candidates } => {
                write!(f, "\"{text}\" is ambiguous: {}", candidates.join(", "))
            }
            ResolveError::Empty => write!(f, "empty region name"),
        }
    }
}

impl std::error::Error for ResolveError {}

/// Longest text (in chars) for which suggestions are computed.
const MAX_SUGGEST_CHARS: usize = 40;
/// Longest text (in chars) kept verbatim inside an error.
const MAX_ERROR_TEXT_CHARS: usize = 80;

/// The text to store in an error: verbatim, or shortened with "…".
pub(crate) fn error_text(text: &str) -> String {
    match text.char_indices().nth(MAX_ERROR_TEXT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Build an `Unknown` error for `text`, with suggestions for `needle`
/// (the normalised text without separators).
pub(crate) fn unknown(g: &Gazetteer, text: &str, needle: &str) -> ResolveError {
    ResolveError::Unknown {
        text: error_text(text),
        suggestions: suggest(g, needle),
    }
}

/// Up to 3 canonical full names within edit distance `max(1, len/3)` of
/// `needle`, nearest first.
pub(crate) fn suggest(g: &Gazetteer, needle: &str) -> Vec<String> {
    let needle: Vec<char> = needle.chars().collect();
    if needle.is_empty() || needle.len() > MAX_SUGGEST_CHARS {
        return Vec::new();
    }
    let limit = (needle.len() / 3).max(1);
    let mut best = Vec::new();
    // per_region[idx] = smallest distance of any name form of region idx.
    let mut per_region = vec![usize::MAX; g.len()];
    let forms = g
        .names
        .iter()
        .flat_map(|(name, entries)| entries.iter().map(move |e| (&**name, e.idx)))
        .chain((0..g.len() as u32).map(|i| (g.full_name_at(i), i)));
    let mut scratch = Vec::new();
    for (form, idx) in forms {
        let d = levenshtein(&needle, form, limit, &mut scratch);
        let slot = &mut per_region[idx as usize];
        *slot = (*slot).min(d);
    }
    // Nearest first; among equals, higher levels (cities before counties)
    // and then code order.
    for (idx, &d) in per_region.iter().enumerate() {
        if d <= limit {
            best.push((d, g.region_at(idx as u32).level, idx as u32));
        }
    }
    best.sort_unstable();
    best.into_iter()
        .take(3)
        .map(|(_, _, idx)| g.full_name_at(idx).to_string())
        .collect()
}

/// Levenshtein distance over chars, or `usize::MAX` once it must exceed `limit`.
fn levenshtein(a: &[char], b: &str, limit: usize, row: &mut Vec<usize>) -> usize {
    if a.len().abs_diff(b.chars().count()) > limit {
        return usize::MAX;
    }
    let b: Vec<char> = b.chars().collect();
    row.clear();
    row.extend(0..=b.len());
    for (i, &ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        let mut row_min = row[0];
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            let cost = usize::from(ca != cb);
            row[j + 1] = (diag + cost).min(above + 1).min(row[j] + 1);
            diag = above;
            row_min = row_min.min(row[j + 1]);
        }
        if row_min > limit {
            return usize::MAX;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lev(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.chars().collect();
        levenshtein(&a, b, 100, &mut Vec::new())
    }

    #[test]
    fn levenshtein_counts_chars() {
        assert_eq!(lev("遵叉市", "遵义市"), 1);
        assert_eq!(lev("", "遵义市"), 3);
        assert_eq!(lev("kitten", "sitting"), 3);
        assert_eq!(lev("遵义", "遵义市"), 1);
    }

    #[test]
    fn display_messages() {
        let e = ResolveError::Unknown {
            text: "遵叉市".into(),
            suggestions: vec!["贵州省遵义市".into()],
        };
        assert_eq!(
            e.to_string(),
            "unknown region \"遵叉市\"; did you mean 贵州省遵义市?"
        );
        let e = ResolveError::Unknown {
            text: "x".into(),
            suggestions: vec!["a".into(), "b".into(), "c".into()],
        };
        assert_eq!(
            e.to_string(),
            "unknown region \"x\"; did you mean a, b or c?"
        );
        let e = ResolveError::Ambiguous {
            text: "朝阳区".into(),
            candidates: vec!["北京市朝阳区".into(), "吉林省长春市朝阳区".into()],
        };
        assert_eq!(
            e.to_string(),
            "\"朝阳区\" is ambiguous: 北京市朝阳区, 吉林省长春市朝阳区"
        );
        assert_eq!(ResolveError::Empty.to_string(), "empty region name");
        assert_eq!(error_text(&"长".repeat(200)).chars().count(), 81);
    }
}
