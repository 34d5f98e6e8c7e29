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

/// How many region names are listed before `…`.
const REGIONS_SHOWN: usize = 4;

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
        // The shorter of the set and its complement.
        let text = if set.code_count() > RegionSet::all().code_count() / 2 {
            format!(
                "not ({} in {})",
                name(&path),
                region_list(&set.complement())
            )
        } else {
            format!("{} in {}", name(&path), region_list(&set))
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

/// `regions { "内蒙古自治区", "宁夏回族自治区银川市", … }`: the largest real regions the set
/// is made of, by canonical name.
fn region_list(set: &RegionSet) -> String {
    let g = regions::gazetteer();
    let mut names: Vec<String> = Vec::new();
    'ranges: for &(lo, hi) in set.ranges() {
        let mut cur = lo;
        while cur <= hi {
            let (step, code) = if cur % 10_000 == 0 && cur + 9_999 <= hi {
                (10_000, cur)
            } else if cur % 100 == 0 && cur + 99 <= hi {
                (100, cur)
            } else {
                (1, cur)
            };
            if let Some(n) = g.full_name(code) {
                names.push(format!("{n:?}"));
                if names.is_empty() {
                    // No region of the gazetteer: the codes themselves.
                    names = set
                        .ranges()
                        .iter()
                        .take(REGIONS_SHOWN + 1)
                        .map(|(lo, _)| format!("\"{lo:06}\""))
                        .collect();
                }
                if names.len() > REGIONS_SHOWN {
                    break 'ranges;
                }
            }
            cur += step;
        }
    }
    if names.is_empty() {
        // No region of the gazetteer: the codes themselves.
        names = set
            .ranges()
            .iter()
            .take(REGIONS_SHOWN + 1)
            .map(|(lo, _)| format!("\"{lo:06}\""))
            .collect();
    }
    if names.len() > REGIONS_SHOWN {
        names.truncate(REGIONS_SHOWN);
        names.push("…".into());
    }
    format!("regions {{ {} }}", names.join(", "))
}

fn clamp(n: i128) -> i64 {
    i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX })
}
