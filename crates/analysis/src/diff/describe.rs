//! A cube described in the author's terms: one condition per field, bounds merged.

use std::collections::BTreeMap;

use ir::{KindId, Program, Ty};

use crate::atoms::{Atom, Cube, MONEY_SCALE};
use crate::render;
use crate::schema::{self, Path};

type Bounds = (Option<i128>, Option<i128>);

/// `kind.at 2023-10-31 00:00:00 ~ 2023-11-14 23:59:59 and kind.flavour in {x}`.
pub fn cube(p: &Program, kind: Option<KindId>, c: &Cube) -> String {
    let mut bounds: BTreeMap<(Path, Option<Path>), Bounds> = BTreeMap::new();
    let mut enums: BTreeMap<Path, u64> = BTreeMap::new();
    let mut parts: Vec<String> = Vec::new();
    let name = |path: &Path| render::field_path(p, kind, path);
    let ty = |path: &Path| {
        kind.and_then(|k| schema::field_ty(p, k, path))
            .map(|t| t.base().clone())
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
            Atom::Bool(path, v) => parts.push(if *v {
                name(path)
            } else {
                format!("not {}", name(path))
            }),
            Atom::Present(path, v) => parts.push(format!(
                "{} is {}",
                name(path),
                if *v { "some" } else { "none" }
            )),
            Atom::StrEq(path, s, v) => parts.push(format!(
                "{} {} {s:?}",
                name(path),
                if *v { "==" } else { "!=" }
            )),
            Atom::StrIn(path, s, v) => parts.push(format!(
                "{s:?} {}in {}",
                if *v { "" } else { "not " },
                name(path)
            )),
            Atom::Region(path, set) => {
                let names: Vec<String> = set
                    .ranges()
                    .iter()
                    .take(4)
                    .map(|(lo, _)| render::region_name(*lo))
                    .collect();
                let more = if set.ranges().len() > 4 { ", …" } else { "" };
                parts.push(format!("{} in {{{}{more}}}", name(path), names.join(", ")));
            }
            Atom::Opaque(t, v) => parts.push(if *v { t.clone() } else { format!("not ({t})") }),
        }
    }
    let mut out: Vec<String> = Vec::new();
    for ((pos, neg), (lo, hi)) in bounds {
        let t = ty(&pos);
        let is_instant = neg.is_none() && t == Some(Ty::Instant);
        let end = |x: i128| {
            if is_instant {
                render::instant_end(clamp(x))
            } else {
                show_plain(&t, neg.is_some(), x)
            }
        };
        let (label, show): (String, Box<dyn Fn(i128) -> String>) = match (&neg, &t) {
            (Some(n), _) => (
                format!("{} - {}", name(&pos), name(n)),
                Box::new(|x| render::duration(clamp(x))),
            ),
            (None, Some(Ty::Instant)) => (name(&pos), Box::new(|x| render::instant(clamp(x)))),
            (None, Some(Ty::Duration)) => (name(&pos), Box::new(|x| render::duration(clamp(x)))),
            (None, Some(Ty::Money | Ty::Percent)) => (
                name(&pos),
                Box::new(|x| {
                    format!(
                        "{}",
                        rust_decimal::Decimal::from_i128_with_scale(x, 0)
                            / rust_decimal::Decimal::from(MONEY_SCALE)
                    )
                }),
            ),
            _ => (name(&pos), Box::new(|x| x.to_string())),
        };
        out.push(match (lo, hi) {
            (Some(l), Some(h)) if l == h => format!("{label} = {}", show(l)),
            (Some(l), Some(h)) => format!("{label} {} ~ {}", show(l), end(h)),
            (Some(l), None) => format!("{label} >= {}", show(l)),
            (None, Some(h)) => format!("{label} <= {}", end(h)),
            (None, None) => label,
        });
    }
    for (path, bits) in enums {
        let variants: Vec<String> = match kind
            .and_then(|k| schema::field_ty(p, k, &path))
            .map(Ty::base)
        {
            Some(Ty::Enum(e)) => p.enums.get(*e as usize).map_or_else(Vec::new, |e| {
                e.variants
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i < 64 && bits & (1 << i) != 0)
                    .map(|(_, v)| v.clone())
                    .collect()
            }),
            _ => vec![format!("{bits:#x}")],
        };
        out.push(format!("{} in {{{}}}", name(&path), variants.join(", ")));
    }
    out.extend(parts);
    if out.is_empty() {
        "every record".into()
    } else {
        out.join(" and ")
    }
}

fn show_plain(t: &Option<Ty>, diff: bool, x: i128) -> String {
    match t {
        _ if diff => render::duration(clamp(x)),
        Some(Ty::Duration) => render::duration(clamp(x)),
        Some(Ty::Money | Ty::Percent) => format!(
            "{}",
            rust_decimal::Decimal::from_i128_with_scale(x, 0)
                / rust_decimal::Decimal::from(MONEY_SCALE)
        ),
        _ => x.to_string(),
    }
}

fn clamp(n: i128) -> i64 {
    i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX })
}
