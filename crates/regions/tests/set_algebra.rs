//! RegionSet algebra checked against a brute-force model, plus serde.

use std::collections::BTreeSet;

use proptest::prelude::*;
use regions::{gazetteer, RegionSet};

/// Brute-force membership over a window of codes that covers every range
/// boundary used by the strategies below.
fn model(set: &RegionSet, universe: &[u32]) -> BTreeSet<u32> {
    universe
        .iter()
        .copied()
        .filter(|&c| set.contains(c))
        .collect()
}

/// Codes from a few provinces, at every level, real or not.
fn code() -> impl Strategy<Value = u32> {
    let prov = prop::sample::select(vec![11u32, 15, 42, 62]);
    (prov, 0u32..=3, 0u32..=3, 0u32..=4).prop_map(|(p, level, c, x)| match level {
        0 => p * 10_000,
        1 => p * 10_000 + c * 100,
        _ => p * 10_000 + c * 100 + x,
    })
}

fn set() -> impl Strategy<Value = RegionSet> {
    prop::collection::vec(code(), 0..6).prop_map(RegionSet::new)
}

fn universe() -> Vec<u32> {
    let mut u = Vec::new();
    for p in [10u32, 11, 12, 14, 15, 16, 41, 42, 43, 61, 62, 63] {
        for cc in 0..=5 {
            for x in 0..=6 {
                u.push(p * 10_000 + cc * 100 + x);
            }
            u.push(p * 10_000 + cc * 100 + 99);
        }
        u.push(p * 10_000 + 9_999);
        u.push(p * 10_000 + 9_900);
    }
    u
}

proptest! {
    #[test]
    fn algebra_matches_model(a in set(), b in set()) {
        let u = universe();
        let (ma, mb) = (model(&a, &u), model(&b, &u));
        prop_assert_eq!(model(&a.union(&b), &u), &ma | &mb);
        prop_assert_eq!(model(&a.intersection(&b), &u), &ma & &mb);
        prop_assert_eq!(model(&a.difference(&b), &u), &ma - &mb);
        prop_assert_eq!(a.is_subset(&b), a.difference(&b).is_empty());
        prop_assert_eq!(a.intersects(&b), !a.intersection(&b).is_empty());
        prop_assert_eq!(a.union(&b), b.union(&a));
        prop_assert_eq!(a.intersection(&b), b.intersection(&a));
        prop_assert_eq!(a.difference(&b).union(&a.intersection(&b)), a.clone());
        prop_assert!(a.intersection(&b).is_subset(&a));
        prop_assert!(a.is_subset(&a.union(&b)));
        prop_assert_eq!(a.complement().complement(), a.clone());
        prop_assert!(a.complement().intersection(&a).is_empty());
        prop_assert_eq!(a.is_empty(), a.sample().is_none());
        if let Some(s) = a.sample() {
            prop_assert!(a.contains(s));
        }
        // Normal form: sorted, disjoint, non-adjacent.
        for w in a.union(&b).ranges().windows(2) {
            prop_assert!(w[0].1 + 1 < w[1].0);
        }
    }

    #[test]
    fn serde_roundtrip(a in set()) {
        let json = serde_json::to_string(&a).unwrap();
        let back: RegionSet = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, a);
    }
}

#[test]
fn serde_shape_and_validation() {
    let set = RegionSet::new([150000, 110105]);
    let json = serde_json::to_string(&set).unwrap();
    assert_eq!(json, r#"{"ranges":[[110105,110105],[150000,159999]]}"#);
    // Unsorted / overlapping input is normalised; inverted ranges are rejected.
    let messy: RegionSet =
        serde_json::from_str(r#"{"ranges":[[150000,159999],[150100,150199],[110105,110105]]}"#)
            .unwrap();
    assert_eq!(messy, set);
    assert!(serde_json::from_str::<RegionSet>(r#"{"ranges":[[5,3]]}"#).is_err());
}

#[test]
fn sample_prefers_real_counties() {
    let g = gazetteer();
    let s = RegionSet::new([150000]).sample().unwrap();
    assert_eq!(s, 150102);
    assert_eq!(g.get(s).unwrap().level, regions::Level::County);
    // A province minus all its cities: only the province code itself is real.
    let bare = RegionSet::new([150000]).difference(&RegionSet::from_ranges(vec![(150001, 159999)]));
    assert_eq!(bare.sample(), Some(150000));
    // No real code at all.
    assert_eq!(RegionSet::from_ranges(vec![(1, 5)]).sample(), Some(1));
    assert_eq!(RegionSet::empty().sample(), None);
    // Cities without counties: the city itself is the witness.
    assert_eq!(RegionSet::new([620200]).sample(), Some(620200));
}
