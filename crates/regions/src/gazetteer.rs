//! The in-memory gazetteer: regions sorted by code, canonical full names,
//! children lists and the name index used by resolution.
//!
//! Built once from the embedded table on first call to [`gazetteer`].

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::names::{is_placeholder, short_forms};
use crate::{data, Code, Level, Region};

/// How a name in the index refers to its region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameKind {
    /// The official name of a real division.
    Official,
    /// The official name of a placeholder city (市辖区, 省直辖县级行政区划 ...):
    /// only matches right after its own province.
    Placeholder,
    /// A derived short form (内蒙古, 遵义, 恩施州).
    Short,
}

/// One entry of the name index.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NameEntry {
    /// Index into [`Gazetteer::regions`].
    pub(crate) idx: u32,
    pub(crate) kind: NameKind,
}

/// Codes that appear in GB/T 2260 / NBS data but are folded into another
/// region here: 620201 is NBS's "市辖区" of 嘉峪关市, which has no counties.
const CODE_ALIASES: &[(Code, Code)] = &[(620_201, 620_200)];

/// All mainland divisions with lookup, naming and hierarchy queries.
///
/// Obtain the shared instance with [`gazetteer`].
#[derive(Debug)]
pub struct Gazetteer {
    /// Every region, sorted by code.
    regions: Vec<Region>,
    /// Canonical full name of `regions[i]`.
    full_names: Vec<Box<str>>,
    /// Indices of the direct children of `regions[i]`, in code order.
    children: Vec<Vec<u32>>,
    /// Official names and short forms → regions carrying them.
    pub(crate) names: HashMap<Box<str>, Vec<NameEntry>>,
    /// Canonical full name → region index.
    pub(crate) full_index: HashMap<Box<str>, u32>,
    /// Longest indexed name, in chars.
    pub(crate) max_name_chars: usize,
    /// Sorted codes of county-level regions (for witnesses).
    county_codes: Vec<Code>,
}

static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(|| Gazetteer::build(data::parse_regions()));

/// The shared gazetteer, built from the embedded table on first use.
pub fn gazetteer() -> &'static Gazetteer {
    &GAZETTEER
}

impl Gazetteer {
    fn build(regions: Vec<Region>) -> Gazetteer {
        let position = |code: Code| regions.binary_search_by_key(&code, |r| r.code).ok();
        let mut children = vec![Vec::new(); regions.len()];
        for (i, r) in regions.iter().enumerate() {
            if let Some(p) = r.parent.and_then(position) {
                children[p].push(i as u32);
            }
        }
        let full_names: Vec<Box<str>> = regions
            .iter()
            .map(|r| compose_full_name(&regions, r).into_boxed_str())
            .collect();

        let mut names: HashMap<Box<str>, Vec<NameEntry>> = HashMap::new();
        for (i, r) in regions.iter().enumerate() {
            let idx = i as u32;
            let kind = if r.level == Level::City && is_placeholder(r.name) {
                NameKind::Placeholder
            } else {
                NameKind::Official
            };
            names
                .entry(r.name.into())
                .or_default()
                .push(NameEntry { idx, kind });
            for short in short_forms(r.name, r.level) {
                let kind = NameKind::Short;
                names
                    .entry(short.into())
                    .or_default()
                    .push(NameEntry { idx, kind });
            }
        }
        let max_name_chars = names.keys().map(|k| k.chars().count()).max().unwrap_or(0);
        let full_index = full_names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i as u32))
            .collect();
        let county_codes = regions
            .iter()
            .filter(|r| r.level == Level::County)
            .map(|r| r.code)
            .collect();
        Gazetteer {
            regions,
            full_names,
            children,
            names,
            full_index,
            max_name_chars,
            county_codes,
        }
    }

    pub(crate) fn index_of(&self, code: Code) -> Option<usize> {
        self.regions.binary_search_by_key(&code, |r| r.code).ok()
    }

    pub(crate) fn region_at(&self, idx: u32) -> &Region {
        &self.regions[idx as usize]
    }

    pub(crate) fn full_name_at(&self, idx: u32) -> &str {
        &self.full_names[idx as usize]
    }

    /// The region with this code, if it exists.
    pub fn get(&self, code: Code) -> Option<&Region> {
        self.index_of(code).map(|i| &self.regions[i])
    }

    /// The code a record's code stands for: the code itself if it is a region,
    /// or the region an obsolete/placeholder code is folded into
    /// (620201 嘉峪关市市辖区 → 620200 嘉峪关市).
    pub fn canonical_code(&self, code: Code) -> Option<Code> {
        let code = CODE_ALIASES
            .iter()
            .find(|(alias, _)| *alias == code)
            .map_or(code, |&(_, target)| target);
        self.get(code).map(|r| r.code)
    }

    /// Full canonical path name, e.g. "内蒙古自治区呼和浩特市新城区".
    ///
    /// Placeholder prefecture levels (市辖区/县 of the municipalities,
    /// 省直辖县级行政区划) are omitted from their children's paths, as people
    /// write them: "北京市朝阳区", "湖北省仙桃市", "重庆市城口县".
    pub fn full_name(&self, code: Code) -> Option<String> {
        self.index_of(code).map(|i| self.full_names[i].to_string())
    }

    /// Like [`Gazetteer::full_name`] without allocating.
    pub fn full_name_str(&self, code: Code) -> Option<&str> {
        self.index_of(code).map(|i| &*self.full_names[i])
    }

    /// Whether `inner` is `outer` or lies inside it in the hierarchy.
    /// Unknown codes are contained in nothing.
    pub fn contains(&self, outer: Code, inner: Code) -> bool {
        let mut current = self.get(inner);
        while let Some(r) = current {
            if r.code == outer {
                return true;
            }
            current = r.parent.and_then(|p| self.get(p));
        }
        false
    }

    /// The direct children of a region, in code order (empty for unknown codes).
    pub fn children(&self, code: Code) -> impl Iterator<Item = &Region> + '_ {
        let kids: &[u32] = self.index_of(code).map_or(&[], |i| &self.children[i]);
        kids.iter().map(move |&c| &self.regions[c as usize])
    }

    /// The chain from the province down to the region itself (empty if unknown).
    pub fn ancestry(&self, code: Code) -> Vec<&Region> {
        let mut chain = Vec::new();
        let mut current = self.get(code);
        while let Some(r) = current {
            chain.push(r);
            current = r.parent.and_then(|p| self.get(p));
        }
        chain.reverse();
        chain
    }

    /// Every region, sorted by code.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// Regions of one level, in code order.
    pub fn at_level(&self, level: Level) -> impl Iterator<Item = &Region> + '_ {
        self.regions.iter().filter(move |r| r.level == level)
    }

    /// Number of regions.
    pub fn len(&self) -> usize {
        self.regions.len()
    }

    /// Whether the gazetteer is empty (never, for the embedded data).
    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// The first county-level code in `lo..=hi`, if any.
    pub(crate) fn first_county_in(&self, lo: Code, hi: Code) -> Option<Code> {
        let i = self.county_codes.partition_point(|&c| c < lo);
        self.county_codes.get(i).copied().filter(|&c| c <= hi)
    }

    /// The first region code of any level in `lo..=hi`, if any.
    pub(crate) fn first_region_in(&self, lo: Code, hi: Code) -> Option<Code> {
        let i = self.regions.partition_point(|r| r.code < lo);
        self.regions.get(i).map(|r| r.code).filter(|&c| c <= hi)
    }

    /// Whether region `idx` lies strictly below region `ancestor`.
    pub(crate) fn is_strictly_below(&self, idx: u32, ancestor: u32) -> bool {
        let target = self.regions[ancestor as usize].code;
        let mut parent = self.regions[idx as usize].parent;
        while let Some(p) = parent {
            if p == target {
                return true;
            }
            parent = self.get(p).and_then(|r| r.parent);
        }
        false
    }
}

/// Concatenate the names from the province down, skipping placeholder
/// prefectures unless the placeholder is the region itself.
fn compose_full_name(regions: &[Region], region: &Region) -> String {
    let lookup = |code: Code| {
        regions
            .binary_search_by_key(&code, |r| r.code)
            .ok()
            .map(|i| &regions[i])
    };
    let mut parts = vec![region.name];
    let mut parent = region.parent.and_then(lookup);
    while let Some(p) = parent {
        if !(p.level == Level::City && is_placeholder(p.name)) {
            parts.push(p.name);
        }
        parent = p.parent.and_then(lookup);
    }
    parts.reverse();
    parts.concat()
}
