//! A cube described in the author's terms: the policy language's own conditions, one per
//! field, bounds merged, in schema order.
//!
//! `order.shipped_at in [2023-10-31 00:00:00, 2023-11-14 23:59:59] and order.merchant_kind
//! == shop`; an end that falls just before a whole second or a round duration is written as
//! the strict comparison the author would write (`< 2023-10-31 00:00:00`, `> 24h`); `is
//! some` is left out where a condition on the field already implies it.

use std::collections::BTreeMap;

use ir::{KindId, Program, Ty};
use regions::RegionSet;
use rust_decimal::Decimal;

use crate::atoms::{Atom, Cube, MONEY_SCALE};
use crate::render;
use crate::schema::Path;

type Bounds = (Option<i128>, Option<i128>);

/// `order.paid_at >= 2023-01-01 00:00:00 and order.merchant_kind == global`.
pub fn cube(p: &Program, kind: Option<KindId>, c: &Cube) -> String {
    let name = |path: &Path| render::field_path(p, kind, path);
    let ty = |path: &Path| {
        kind.and_then(|k| p.field_ty(k, path))
            .map(|t| t.base().clone())
    };
    let mut bounds: BTreeMap<(Path, Option<Path>), Bounds> = BTreeMap::new();
    let mut enums: BTreeMap<Path, u64> = BTreeMap::new();
    let mut regions: BTreeMap<Path, RegionSet> = BTreeMap::new();
    // (field it is about, text); opaque conditions last.
    let mut parts: Vec<(Option<Path>, String)> = Vec::new();
    // Fields some condition already requires to be present.
    let implied = |q: &Path| {
        c.iter().any(|a| match a {
            Atom::Num { pos, neg, .. } => {
                pos.starts_with(q) || neg.as_ref().is_some_and(|n| n.starts_with(q))
            }
            Atom::Enum(x, _)
            | Atom::Bool(x, _)
            | Atom::StrEq(x, _, _)
            | Atom::StrIn(x, _, _)
            | Atom::Region(x, _) => x.starts_with(q),
            Atom::Present(x, true) => x != q && x.starts_with(q),
            Atom::Present(..) | Atom::Opaque(..) => false,
        })
    };
    for a in c {
        match a {
            Atom::Num { pos, neg, lo, hi } => {
                let e = bounds
                    .entry((pos.clone(), neg.clone()))
                    .or_insert((None, None));
                if let Some(l) = lo {
                    e.0 = Some(e.0.map_or(*l, |x: i128| x.max(*l)));
                }
                if let Some(h) = hi {
                    e.1 = Some(e.1.map_or(*h, |x: i128| x.min(*h)));
                }
            }
            Atom::Enum(path, bits) => *enums.entry(path.clone()).or_insert(u64::MAX) &= bits,
            Atom::Region(path, set) => {
                let e = regions.entry(path.clone()).or_insert_with(RegionSet::all);
                *e = e.intersection(set);
            }
            Atom::Bool(path, v) => parts.push((
                Some(path.clone()),
                if *v {
                    name(path)
                } else {
                    format!("not {}", name(path))
                },
            )),
            Atom::Present(path, true) if implied(path) => {}
            Atom::Present(path, v) => parts.push((
                Some(path.clone()),
                format!("{} is {}", name(path), if *v { "some" } else { "none" }),
            )),
            Atom::StrEq(path, s, v) => parts.push((
                Some(path.clone()),
                format!("{} {} {s:?}", name(path), if *v { "==" } else { "!=" }),
            )),
            Atom::StrIn(path, s, v) => parts.push((
                Some(path.clone()),
                format!("{s:?} {}in {}", if *v { "" } else { "not " }, name(path)),
            )),
            Atom::Opaque(t, v) => {
                parts.push((None, if *v { t.clone() } else { format!("not ({t})") }))
            }
        }
    }
    for ((pos, neg), (lo, hi)) in bounds {
        let label = match &neg {
            Some(n) => format!("{} - {}", name(&pos), name(n)),
            None => name(&pos),
        };
        let t = if neg.is_some() {
            Some(Ty::Duration)
        } else {
            ty(&pos)
        };
        parts.push((Some(pos), numeric(&label, t.as_ref(), lo, hi)));
    }
    for (path, bits) in enums {
        let variants: Vec<String> = match ty(&path) {
            Some(Ty::Enum(e)) => p.enums.get(e as usize).map_or_else(Vec::new, |e| {
                e.variants
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i < 64 && bits & (1 << i) != 0)
                    .map(|(_, v)| v.clone())
                    .collect()
            }),
            _ => vec![format!("{bits:#x}")],
        };
        let text = match variants.as_slice() {
            [one] => format!("{} == {one}", name(&path)),
            _ => format!("{} in {{{}}}", name(&path), variants.join(", ")),
        };
        parts.push((Some(path), text));
    }
    for (path, set) in regions {
        let (negated, names) = regions_text(&set);
        let text = if negated {
            format!("not ({} in {})", name(&path), region_list(&names))
        } else {
            format!("{} in {}", name(&path), region_list(&names))
        };
        parts.push((Some(path), text));
    }
    // Schema order (then as produced); opaque conditions last.
    parts.sort_by(|a, b| match (&a.0, &b.0) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    if parts.is_empty() {
        "every record".into()
    } else {
        parts
            .into_iter()
            .map(|(_, t)| t)
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

/// Bounds on a number, written as comparisons (instants with both ends as a window).
fn numeric(label: &str, t: Option<&Ty>, lo: Option<i128>, hi: Option<i128>) -> String {
    let instant = matches!(t, Some(Ty::Instant));
    if let (true, Some(l), Some(h)) = (instant, lo, hi) {
        if l == h {
            return format!("{label} == {}", render::instant(clamp(l)));
        }
        return format!(
            "{label} in [{}, {}]",
            render::instant(clamp(l)),
            render::instant_end(clamp(h))
        );
    }
    if let (Some(l), Some(h)) = (lo, hi) {
        if l == h {
            return format!("{label} == {}", show(t, l));
        }
    }
    let mut out = Vec::new();
    if let Some(l) = lo {
        // `>= x`, or `> x - 1` when that is the rounder number (`> 24h`, not `>= 24h 1us`).
        out.push(if !round(t, l) && round(t, l - 1) {
            format!("{label} > {}", show(t, l - 1))
        } else {
            format!("{label} >= {}", show(t, l))
        });
    }
    if let Some(h) = hi {
        out.push(if !round(t, h) && round(t, h + 1) {
            format!("{label} < {}", show(t, h + 1))
        } else {
            format!("{label} <= {}", show(t, h))
        });
    }
    out.join(" and ")
}

/// Whether a number reads as written by a person: a whole second, a round duration, an
/// amount in cents.
fn round(t: Option<&Ty>, x: i128) -> bool {
    match t {
        Some(Ty::Instant | Ty::Duration) => x.rem_euclid(1_000_000) == 0,
        Some(Ty::Money | Ty::Percent) => x.rem_euclid(i128::from(MONEY_SCALE) / 100) == 0,
        _ => true,
    }
}

fn show(t: Option<&Ty>, x: i128) -> String {
    match t {
        Some(Ty::Instant) => render::instant(clamp(x)),
        Some(Ty::Duration) => render::duration(clamp(x)),
        Some(Ty::Money) => format!("{} CNY", scaled(x)),
        Some(Ty::Percent) => format!("{}%", scaled(x)),
        _ => x.to_string(),
    }
}

fn scaled(x: i128) -> Decimal {
    (Decimal::from_i128_with_scale(x, 0) / Decimal::from(MONEY_SCALE)).normalize()
}

/// `regions { "内蒙古自治区", "宁夏回族自治区银川市", … }`: every region of the set, each
/// by the canonical name of the largest region wholly inside it.
fn region_list(names: &[String]) -> String {
    format!("regions {{ {} }}", names.join(", "))
}

/// A region set in the author's terms: whether it is written as the complement (`not in`),
/// and the quoted canonical names of the largest regions that make it up. Read back
/// through the gazetteer, the names cover exactly the set's real region codes (codes that
/// name no region cannot occur in records). The shorter of the set and its complement is
/// written, preferring one that names the set exactly; a code of the set that no name can
/// stand for alone (a city's own code without all of the city) is written as the code.
pub fn regions_text(set: &RegionSet) -> (bool, Vec<String>) {
    let (pos, pos_exact) = region_names(set);
    let complement = set.complement();
    let (neg, neg_exact) = region_names(&complement);
    let use_neg = match (pos_exact, neg_exact) {
        (true, false) => false,
        (false, true) => true,
        _ => neg.len() < pos.len(),
    };
    if use_neg {
        (true, neg)
    } else {
        (false, pos)
    }
}

/// The names of the largest regions wholly in `set`, and whether they cover it exactly
/// (leftover codes are added as quoted codes).
fn region_names(set: &RegionSet) -> (Vec<String>, bool) {
    let g = regions::gazetteer();
    let mut names = Vec::new();
    let mut exact = true;
    for p in g.at_level(regions::Level::Province) {
        cover(g, set, p.code, &mut names, &mut exact);
    }
    (names, exact)
}

/// Names for the part of `set` inside region `code`; returns whether all of it is in.
fn cover(
    g: &regions::Gazetteer,
    set: &RegionSet,
    code: u32,
    names: &mut Vec<String>,
    exact: &mut bool,
) -> bool {
    let (lo, hi) = regions::code_range(code);
    let whole = RegionSet::from_ranges(vec![(lo, hi)]);
    if !set.intersects(&whole) {
        return false;
    }
    let kids: Vec<u32> = g.children(code).map(|r| r.code).collect();
    if whole.is_subset(set) {
        names.push(format!(
            "{:?}",
            g.full_name(code).unwrap_or_else(|| format!("{code:06}"))
        ));
        return true;
    }
    let mark = names.len();
    let mut all = set.contains(code);
    let own = all;
    for k in &kids {
        all &= cover(g, set, *k, names, exact);
    }
    if all {
        // Every real code of the region is in (only codes no region has are missing).
        names.truncate(mark);
        names.push(format!(
            "{:?}",
            g.full_name(code).unwrap_or_else(|| format!("{code:06}"))
        ));
        return true;
    }
    if own {
        // The region's own code is in, not all of the region: no name stands for that.
        *exact = false;
        names.push(format!("\"{code:06}\" (the code itself)"));
    }
    false
}

fn clamp(n: i128) -> i64 {
    i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The real region codes of a set, as a sorted list.
    fn real(set: &RegionSet) -> Vec<u32> {
        regions::gazetteer()
            .regions()
            .iter()
            .map(|r| r.code)
            .filter(|c| set.contains(*c))
            .collect()
    }

    /// Reads a printed list back through the gazetteer.
    fn read_back(negated: bool, names: &[String]) -> RegionSet {
        let g = regions::gazetteer();
        let codes: Vec<u32> = names
            .iter()
            .map(|n| {
                let text: String = serde_json::from_str(n).unwrap_or_default();
                g.resolve(&text).map(|r| r.code).unwrap_or(u32::MAX)
            })
            .collect();
        assert!(
            !codes.contains(&u32::MAX),
            "a name does not resolve: {names:?}"
        );
        let set = RegionSet::new(codes);
        if negated {
            set.complement()
        } else {
            set
        }
    }

    fn region_codes() -> Vec<u32> {
        regions::gazetteer()
            .regions()
            .iter()
            .map(|r| r.code)
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Sets built as the analysis builds them (unions of regions, complements,
        /// intersections) print as names that resolve back to exactly the set.
        #[test]
        fn printed_region_sets_read_back_exactly(
            a in proptest::collection::vec(0usize..4000, 1..12),
            b in proptest::collection::vec(0usize..4000, 0..6),
            negate in any::<bool>(),
        ) {
            let all = region_codes();
            let pick = |xs: &[usize]| RegionSet::new(xs.iter().map(|i| all[i % all.len()]));
            let mut set = pick(&a);
            if !b.is_empty() {
                set = set.difference(&pick(&b));
            }
            if negate {
                set = set.complement();
            }
            let (negated, names) = regions_text(&set);
            let codes_only = names.iter().any(|n| n.contains("the code itself"));
            if codes_only {
                // Only when neither the set nor its complement can be named exactly.
                prop_assert!(!region_names(&set).1 && !region_names(&set.complement()).1);
            } else {
                prop_assert_eq!(real(&read_back(negated, &names)), real(&set), "{:?} {:?}", negated, names);
            }
        }
    }

    #[test]
    fn five_provinces_are_all_named() {
        let g = regions::gazetteer();
        let names = [
            "内蒙古自治区",
            "西藏自治区",
            "青海省",
            "宁夏回族自治区",
            "新疆维吾尔自治区",
        ];
        let codes: Vec<u32> = names
            .iter()
            .map(|n| g.resolve(n).map(|r| r.code).unwrap_or(0))
            .collect();
        let set = RegionSet::new(codes);
        let (negated, printed) = regions_text(&set);
        assert!(!negated);
        assert_eq!(printed.len(), 5, "{printed:?}");
        for n in names {
            assert!(
                printed.iter().any(|p| p.contains(n)),
                "{n} missing from {printed:?}"
            );
        }
        assert_eq!(real(&read_back(negated, &printed)), real(&set));
    }
}
