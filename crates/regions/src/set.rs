//! [`RegionSet`]: sets of regions as sorted, merged, inclusive code ranges.
//!
//! Codes are hierarchical prefixes, so a province `PP0000` is the range
//! `PP0000..=PP9999`, a city `PPCC00` is `PPCC00..=PPCC99` and a county is
//! the single code. A set is the union of its members' ranges, kept sorted
//! and merged (overlapping or adjacent ranges are joined), which makes
//! equality structural and membership a binary search.
//!
//! The set algebra (union, intersection, difference, subset) is exact on the
//! underlying sets of integer codes. Ranges include codes that name no
//! region (e.g. 150199), consistently for every operation: a city's range
//! is not a subset of the union of its counties' codes.

use serde::{Deserialize, Serialize};

use crate::gazetteer::gazetteer;
use crate::{Code, Level};

/// Largest 6-digit code; [`RegionSet::all`] covers `0..=MAX_CODE`.
const MAX_CODE: Code = 999_999;

/// A set of regions compiled to sorted, merged, inclusive code ranges.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "RangesRepr", into = "RangesRepr")]
pub struct RegionSet {
    /// Sorted by start, pairwise disjoint and non-adjacent, `start <= end`.
    ranges: Vec<(Code, Code)>,
}

/// Serialized shape of a [`RegionSet`]: `{"ranges": [[lo, hi], ...]}`.
#[derive(Serialize, Deserialize)]
struct RangesRepr {
    ranges: Vec<(Code, Code)>,
}

impl TryFrom<RangesRepr> for RegionSet {
    type Error = String;

    fn try_from(repr: RangesRepr) -> Result<Self, Self::Error> {
        if let Some(&(lo, hi)) = repr.ranges.iter().find(|(lo, hi)| lo > hi) {
            return Err(format!("invalid region range {lo}..={hi}"));
        }
        Ok(RegionSet::from_ranges(repr.ranges))
    }
}

impl From<RegionSet> for RangesRepr {
    fn from(set: RegionSet) -> Self {
        RangesRepr { ranges: set.ranges }
    }
}

/// The inclusive code range covered by one region code.
pub fn code_range(code: Code) -> (Code, Code) {
    match Level::of_code(code) {
        Level::Province => (code, code.saturating_add(9_999)),
        Level::City => (code, code.saturating_add(99)),
        Level::County => (code, code),
    }
}

impl RegionSet {
    /// The set covering the given region codes (and everything below them).
    pub fn new(codes: impl IntoIterator<Item = Code>) -> RegionSet {
        RegionSet::from_ranges(codes.into_iter().map(code_range).collect())
    }

    /// The empty set.
    pub fn empty() -> RegionSet {
        RegionSet::default()
    }

    /// Every 6-digit code (`0..=999999`), i.e. the whole mainland.
    pub fn all() -> RegionSet {
        RegionSet {
            ranges: vec![(0, MAX_CODE)],
        }
    }

    /// Normalise arbitrary inclusive ranges (`lo > hi` ranges are dropped).
    pub fn from_ranges(mut ranges: Vec<(Code, Code)>) -> RegionSet {
        ranges.retain(|(lo, hi)| lo <= hi);
        ranges.sort_unstable();
        let mut merged: Vec<(Code, Code)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            match merged.last_mut() {
                Some(last) if u64::from(lo) <= u64::from(last.1) + 1 => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        RegionSet { ranges: merged }
    }

    /// Whether `code` is in the set (binary search).
    #[inline]
    pub fn contains(&self, code: Code) -> bool {
        let i = self.ranges.partition_point(|&(lo, _)| lo <= code);
        i > 0 && self.ranges[i - 1].1 >= code
    }

    /// The sorted, merged, inclusive ranges.
    pub fn ranges(&self) -> &[(Code, Code)] {
        &self.ranges
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Number of integer codes covered (not only real regions).
    pub fn code_count(&self) -> u64 {
        self.ranges
            .iter()
            .map(|&(lo, hi)| u64::from(hi) - u64::from(lo) + 1)
            .sum()
    }

    /// Codes in either set.
    pub fn union(&self, other: &RegionSet) -> RegionSet {
        let mut ranges = Vec::with_capacity(self.ranges.len() + other.ranges.len());
        ranges.extend_from_slice(&self.ranges);
        ranges.extend_from_slice(&other.ranges);
        RegionSet::from_ranges(ranges)
    }

    /// Codes in both sets.
    pub fn intersection(&self, other: &RegionSet) -> RegionSet {
        let (a, b) = (&self.ranges, &other.ranges);
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < a.len() && j < b.len() {
            let lo = a[i].0.max(b[j].0);
            let hi = a[i].1.min(b[j].1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a[i].1 < b[j].1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        RegionSet { ranges: out }
    }

    /// Codes in `self` but not in `other`.
    pub fn difference(&self, other: &RegionSet) -> RegionSet {
        let mut out = Vec::new();
        let mut j = 0;
        for &(lo, hi) in &self.ranges {
            let mut start = u64::from(lo);
            let end = u64::from(hi);
            while j < other.ranges.len() && u64::from(other.ranges[j].1) < start {
                j += 1;
            }
            let mut k = j;
            while start <= end && k < other.ranges.len() && u64::from(other.ranges[k].0) <= end {
                let (olo, ohi) = (u64::from(other.ranges[k].0), u64::from(other.ranges[k].1));
                if olo > start {
                    out.push((start as Code, (olo - 1) as Code));
                }
                start = start.max(ohi + 1);
                k += 1;
            }
            if start <= end {
                out.push((start as Code, end as Code));
            }
        }
        RegionSet { ranges: out }
    }

    /// Codes in `0..=999999` not in the set.
    pub fn complement(&self) -> RegionSet {
        RegionSet::all().difference(self)
    }

    /// Whether every code of `self` is in `other`.
    pub fn is_subset(&self, other: &RegionSet) -> bool {
        self.ranges.iter().all(|&(lo, hi)| {
            let i = other.ranges.partition_point(|&(olo, _)| olo <= lo);
            i > 0 && other.ranges[i - 1].1 >= hi
        })
    }

    /// Whether the sets share a code.
    pub fn intersects(&self, other: &RegionSet) -> bool {
        !self.intersection(other).is_empty()
    }

    /// One member code for witness generation, if non-empty.
    ///
    /// Prefers a real county-level region, then any real region, then the
    /// first code of the set; deterministic (the smallest such code).
    pub fn sample(&self) -> Option<Code> {
        let g = gazetteer();
        let first_real = |pick: &dyn Fn(Code, Code) -> Option<Code>| {
            self.ranges.iter().find_map(|&(lo, hi)| pick(lo, hi))
        };
        first_real(&|lo, hi| g.first_county_in(lo, hi))
            .or_else(|| first_real(&|lo, hi| g.first_region_in(lo, hi)))
            .or_else(|| self.ranges.first().map(|r| r.0))
    }
}

impl FromIterator<Code> for RegionSet {
    fn from_iter<T: IntoIterator<Item = Code>>(iter: T) -> Self {
        RegionSet::new(iter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_by_level() {
        assert_eq!(code_range(150000), (150000, 159999));
        assert_eq!(code_range(429000), (429000, 429099));
        assert_eq!(code_range(150102), (150102, 150102));
    }

    #[test]
    fn merges_overlapping_and_adjacent() {
        let s = RegionSet::new([150102, 150100, 150200, 110105, 110106]);
        assert_eq!(s.ranges(), &[(110105, 110106), (150100, 150299)]);
        let s = RegionSet::from_ranges(vec![(5, 3), (1, 2), (3, 4), (10, 12), (11, 11)]);
        assert_eq!(s.ranges(), &[(1, 4), (10, 12)]);
    }

    #[test]
    fn difference_splits_ranges() {
        let prov = RegionSet::new([150000]);
        let city = RegionSet::new([150100]);
        let d = prov.difference(&city);
        assert_eq!(d.ranges(), &[(150000, 150099), (150200, 159999)]);
        assert!(!d.contains(150102));
        assert!(d.contains(150202));
        assert_eq!(d.union(&city), prov);
        assert!(d.intersection(&city).is_empty());
        assert_eq!(RegionSet::all().complement(), RegionSet::empty());
        let edge = RegionSet::from_ranges(vec![(0, Code::MAX)]);
        assert_eq!(
            edge.difference(&RegionSet::all()).ranges(),
            &[(1_000_000, Code::MAX)]
        );
    }
}
