//! Resolution of region texts (policy literals and record fields) to codes.
//!
//! Accepted forms, tried in this order on the trimmed text:
//! 1. a 6-digit code (`150102`), ASCII or full-width digits;
//! 2. `X(辖区)` / `X（辖区）`: the city X's own districts, i.e. the city;
//! 3. `X全域`: the whole of X (normally a province);
//! 4. a name path: official names and short forms of successive levels,
//!    concatenated or separated by spaces, `/`, `,`, `、`, `-`, `>`, `|`, `·`.
//!    Levels may be skipped (`北京市朝阳区`, `湖北省仙桃市`, `仙桃市`); each
//!    name must lie strictly below the previous one;
//! 5. `X市辖区` when it is not itself a path (`甘肃省嘉峪关市辖区`).
//!
//! A path may match several regions. Every match is scored by its short forms
//! (0 for official names, 1 per short province, 2 per short city, 3 per short
//! county); the best score wins and a tie between regions is
//! [`ResolveError::Ambiguous`]. So `吉林` is 吉林省 rather than 吉林市, but
//! `朝阳区` (Beijing and Changchun) is ambiguous.

use serde::{Deserialize, Serialize};

use crate::error::{error_text, unknown};
use crate::gazetteer::{Gazetteer, NameKind};
use crate::{Code, Level, ResolveError};

/// Longest accepted input, in bytes after trimming; longer texts are unknown.
const MAX_INPUT_BYTES: usize = 512;

/// How a region text was written, relative to its canonical full name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Form {
    /// Exactly the canonical full path (`北京市朝阳区`, `贵州省遵义市`).
    Canonical,
    /// A 6-digit code (`150102`).
    Code,
    /// A path using at least one short form (`内蒙古`, `遵义`, `宁夏银川市`).
    ShortForm,
    /// `X全域`: the whole of X.
    WholeProvince,
    /// `X市辖区` / `X市(辖区)`: the city X itself.
    CityDistricts,
    /// Official names only, but not the canonical spelling: separators,
    /// skipped or extra levels (`内蒙古自治区 呼和浩特市`, `仙桃市`,
    /// `北京市市辖区朝阳区`).
    Path,
}

/// A successfully resolved region text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Resolved {
    /// The region's code.
    pub code: Code,
    /// Its canonical full name (what a linter should suggest).
    pub canonical: String,
    /// How the text was written.
    pub form: Form,
}

/// Characters that separate path segments.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '/' | '\\' | '|' | ',' | '，' | '、' | '-' | '－' | '—' | '>' | '＞' | '·' | '・' | '→'
        )
}

/// Map full-width ASCII variants (（ ） ／ ０-９ …) to ASCII and trim.
fn normalize(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect();
    mapped.trim().to_string()
}

/// Parse a 6-digit code string (ASCII digits only).
fn parse_code(text: &str) -> Option<Code> {
    if text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

/// A name path split into chars, with `breaks[i]` set when a separator
/// preceded char `i`.
struct Segmented {
    chars: Vec<char>,
    breaks: Vec<bool>,
}

impl Segmented {
    fn new(text: &str) -> Segmented {
        let mut chars = Vec::new();
        let mut breaks = Vec::new();
        let mut pending_break = false;
        for c in text.chars() {
            if is_separator(c) {
                pending_break = true;
            } else {
                chars.push(c);
                breaks.push(pending_break);
                pending_break = false;
            }
        }
        Segmented { chars, breaks }
    }

    fn compact(&self) -> String {
        self.chars.iter().collect()
    }
}

/// One complete parse of a path: the region reached and its score.
#[derive(Debug, Clone, Copy)]
struct Match {
    idx: u32,
    cost: u32,
}

impl Gazetteer {
    /// Resolve a region literal written in a policy file (one region).
    ///
    /// See the module docs of `resolve` for the accepted forms;
    /// `Form::Canonical` is returned exactly when `text` equals the canonical
    /// full name.
    pub fn resolve(&self, text: &str) -> Result<Resolved, ResolveError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(ResolveError::Empty);
        }
        if let Some(&idx) = self.full_index.get(trimmed) {
            let form = if text == trimmed {
                Form::Canonical
            } else {
                Form::Path
            };
            return Ok(self.resolved(idx, form));
        }
        if trimmed.len() > MAX_INPUT_BYTES {
            return Err(ResolveError::Unknown {
                text: error_text(trimmed),
                suggestions: Vec::new(),
            });
        }
        let norm = normalize(trimmed);
        if norm.bytes().all(|b| b.is_ascii_digit()) {
            return match parse_code(&norm).and_then(|c| self.canonical_code(c)) {
                Some(code) => self
                    .index_of(code)
                    .map(|i| self.resolved(i as u32, Form::Code))
                    .ok_or_else(|| unknown(self, text, "")),
                None => Err(unknown(self, text, "")),
            };
        }
        if let Some(city) = norm.strip_suffix("(辖区)") {
            return self.city_districts(text, city);
        }
        if let Some(whole) = norm.strip_suffix("全域") {
            let m = self.parse_path(text, whole)?;
            return Ok(self.resolved(m.idx, Form::WholeProvince));
        }
        let direct = self.parse_path(text, &norm);
        // `X市辖区`: prefer the city-districts reading unless the text is an
        // exact official path (北京市市辖区 is the placeholder itself).
        let districts_base = norm.strip_suffix("辖区").filter(|c| c.ends_with('市'));
        if let Some(city) = districts_base {
            let plain = matches!(
                direct,
                Ok(Match { cost: 0, .. }) | Err(ResolveError::Ambiguous { .. })
            );
            if !plain {
                if let Ok(r) = self.city_districts(text, city) {
                    return Ok(r);
                }
            }
        }
        match direct {
            Ok(m) => {
                let form = if text == self.full_name_at(m.idx) {
                    Form::Canonical
                } else if m.cost > 0 {
                    Form::ShortForm
                } else {
                    Form::Path
                };
                Ok(self.resolved(m.idx, form))
            }
            Err(err) => Err(err),
        }
    }

    /// Resolve a region field of a record: a 6-digit code string or any
    /// name form accepted by [`Gazetteer::resolve`].
    ///
    /// A 6-digit string must be a real code (620201, NBS's 嘉峪关市市辖区,
    /// is accepted as 620200 嘉峪关市).
    pub fn resolve_record(&self, text: &str) -> Result<Code, ResolveError> {
        let trimmed = text.trim();
        if let Some(code) = parse_code(trimmed) {
            return self
                .canonical_code(code)
                .ok_or_else(|| unknown(self, text, ""));
        }
        if let Some(&idx) = self.full_index.get(trimmed) {
            return Ok(self.region_at(idx).code);
        }
        self.resolve(text).map(|r| r.code)
    }

    fn resolved(&self, idx: u32, form: Form) -> Resolved {
        Resolved {
            code: self.region_at(idx).code,
            canonical: self.full_name_at(idx).to_string(),
            form,
        }
    }

    /// `X(辖区)` / `X市辖区`: X must be a city (or a municipality, whose
    /// 市辖区 placeholder is meant).
    fn city_districts(&self, text: &str, city: &str) -> Result<Resolved, ResolveError> {
        let m = self.parse_path(text, city)?;
        let region = self.region_at(m.idx);
        let target = match region.level {
            Level::City => Some(region.code),
            Level::Province => self
                .children(region.code)
                .find(|c| c.name == "市辖区")
                .map(|c| c.code),
            Level::County => None,
        };
        match target.and_then(|code| self.index_of(code)) {
            Some(i) => Ok(self.resolved(i as u32, Form::CityDistricts)),
            None => Err(ResolveError::Unknown {
                text: error_text(text),
                suggestions: vec![self.full_name_at(m.idx).to_string()],
            }),
        }
    }

    /// Resolve a name path (no code, no suffix forms) to its best match.
    fn parse_path(&self, text: &str, path: &str) -> Result<Match, ResolveError> {
        let seg = Segmented::new(path);
        let mut found = Vec::new();
        self.descend(&seg, 0, None, 0, &mut found);
        let Some(best) = found.iter().map(|m| m.cost).min() else {
            return Err(unknown(self, text, &seg.compact()));
        };
        let mut winners: Vec<u32> = found
            .iter()
            .filter(|m| m.cost == best)
            .map(|m| m.idx)
            .collect();
        winners.sort_unstable();
        winners.dedup();
        match winners.as_slice() {
            [idx] => Ok(Match {
                idx: *idx,
                cost: best,
            }),
            _ => Err(ResolveError::Ambiguous {
                text: error_text(text),
                candidates: winners
                    .iter()
                    .map(|&i| self.full_name_at(i).to_string())
                    .collect(),
            }),
        }
    }

    /// Depth-first search over name tokens starting at `pos`, each strictly
    /// below `parent`; complete parses are pushed to `found`. Depth is bounded
    /// by the three levels, so this terminates quickly on any input.
    fn descend(
        &self,
        seg: &Segmented,
        pos: usize,
        parent: Option<u32>,
        cost: u32,
        found: &mut Vec<Match>,
    ) {
        let n = seg.chars.len();
        if pos == n {
            if let Some(idx) = parent {
                found.push(Match { idx, cost });
            }
            return;
        }
        let mut key = String::new();
        for end in pos + 1..=n.min(pos + self.max_name_chars) {
            if end - 1 > pos && seg.breaks[end - 1] {
                break; // a name never spans a separator
            }
            key.push(seg.chars[end - 1]);
            let Some(entries) = self.names.get(key.as_str()) else {
                continue;
            };
            for e in entries {
                let region = self.region_at(e.idx);
                let fits = match (e.kind, parent) {
                    (NameKind::Placeholder, Some(p)) => {
                        region.parent == Some(self.region_at(p).code)
                    }
                    (NameKind::Placeholder, None) => false,
                    (_, Some(p)) => self.is_strictly_below(e.idx, p),
                    (_, None) => true,
                };
                if !fits {
                    continue;
                }
                let step = match (e.kind, region.level) {
                    (NameKind::Short, Level::Province) => 1,
                    (NameKind::Short, Level::City) => 2,
                    (NameKind::Short, Level::County) => 3,
                    _ => 0,
                };
                self.descend(seg, end, Some(e.idx), cost + step, found);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer;

    /// The canonical fast path must agree with the path parser: every full
    /// name parses to exactly its own region using official names only.
    #[test]
    fn full_names_parse_uniquely_without_fast_path() {
        let g = gazetteer();
        for (i, r) in g.regions().iter().enumerate() {
            let full = g.full_name_at(i as u32);
            match g.parse_path(full, full) {
                Ok(m) => assert_eq!((m.idx as usize, m.cost), (i, 0), "{full}"),
                Err(e) => panic!("{} {full}: {e}", r.code),
            }
        }
    }

    #[test]
    fn separators_split_names() {
        let seg = Segmented::new("内蒙古 / 呼和浩特市");
        assert_eq!(seg.compact(), "内蒙古呼和浩特市");
        assert!(seg.breaks[3]);
        assert_eq!(seg.breaks.iter().filter(|b| **b).count(), 1);
        assert_eq!(normalize(" （辖区）１５ "), "(辖区)15");
    }
}
