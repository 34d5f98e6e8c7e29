//! Merging a value's differing cells into as few regions as possible.
//!
//! The cells of one value are cubes, and cells from the negation of a guard overlap (the
//! negation of `a and b` is `not a` or `not b`), so one change shows up as several
//! overlapping or adjacent cubes with the same old → new outcome. Here a cube is read as a
//! *box*: one constraint per dimension (a field's bounds, a difference's bounds, an enum's
//! variants, a bool, presence, a string test, a region set, an opaque condition). Two boxes
//! are replaced by their union exactly when that union is itself a box:
//!
//! - one contains the other (dimension by dimension), or
//! - they constrain the same dimensions, equally except on one, where the two constraints
//!   join into one (overlapping or adjacent bounds, any two variant or region sets, both
//!   values of a bool or an opaque condition — then that dimension is dropped).
//!
//! Otherwise both stay. Finally a box wholly covered by the union of the others is dropped
//! (decided exactly by the solver). Both steps keep the union of the boxes unchanged, so
//! every point of every resulting region still has the same old → new outcome.

use std::collections::BTreeMap;

use regions::RegionSet;

use crate::atoms::{self, Atom, Cube, Dnf, Formula};
use crate::schema::Path;
use crate::solve::Domain;
use crate::space::Space;

/// Largest number of cubes kept while proving a box covered by the others.
const MAX_COVER_CUBES: usize = 256;
/// Above this many boxes the (quadratic) covering step is skipped: the union stays exact,
/// only less compact.
const MAX_COVER_BOXES: usize = 24;

/// One dimension of the record space, as the atoms see it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Dim {
    Present(Path),
    Num(Path, Option<Path>),
    Enum(Path),
    Bool(Path),
    StrEq(Path, String),
    StrIn(Path, String),
    Region(Path),
    Opaque(String),
}

/// The constraint of a box on one dimension.
#[derive(Debug, Clone, PartialEq)]
enum Set {
    /// Inclusive bounds (`None`: unbounded).
    Range(Option<i128>, Option<i128>),
    /// Enum variants (masked to the enum's variants).
    Bits(u64),
    /// A proposition's polarity.
    Is(bool),
    /// Region codes.
    Regions(RegionSet),
    /// Unconstrained.
    Any,
}

impl Set {
    fn intersect(&self, o: &Set) -> Set {
        match (self, o) {
            (Set::Any, x) | (x, Set::Any) => x.clone(),
            (Set::Range(a, b), Set::Range(c, d)) => Set::Range(max_lo(*a, *c), min_hi(*b, *d)),
            (Set::Bits(a), Set::Bits(b)) => Set::Bits(a & b),
            (Set::Regions(a), Set::Regions(b)) => Set::Regions(a.intersection(b)),
            // Equal polarities (different ones make the cube unsatisfiable: never a cell).
            (x, _) => x.clone(),
        }
    }

    fn subset(&self, o: &Set) -> bool {
        match (self, o) {
            (_, Set::Any) => true,
            (Set::Range(a, b), Set::Range(c, d)) => {
                c.is_none_or(|c| a.is_some_and(|a| a >= c))
                    && d.is_none_or(|d| b.is_some_and(|b| b <= d))
            }
            (Set::Bits(a), Set::Bits(b)) => a & !b == 0,
            (Set::Regions(a), Set::Regions(b)) => a.is_subset(b),
            (Set::Is(a), Set::Is(b)) => a == b,
            _ => false,
        }
    }

    /// The union, when it is one constraint of this dimension.
    fn union(&self, o: &Set) -> Option<Set> {
        match (self, o) {
            (Set::Any, _) | (_, Set::Any) => Some(Set::Any),
            (Set::Range(a, b), Set::Range(c, d)) => {
                // Overlapping or adjacent (integers): no gap between them.
                let touches = |lo: Option<i128>, hi: Option<i128>| match (lo, hi) {
                    (Some(lo), Some(hi)) => lo <= hi.saturating_add(1),
                    _ => true,
                };
                (touches(*a, *d) && touches(*c, *b)).then(|| {
                    let lo = a.zip(*c).map(|(a, c)| a.min(c));
                    let hi = b.zip(*d).map(|(b, d)| b.max(d));
                    Set::Range(lo, hi)
                })
            }
            (Set::Bits(a), Set::Bits(b)) => Some(Set::Bits(a | b)),
            (Set::Regions(a), Set::Regions(b)) => Some(Set::Regions(a.union(b))),
            (Set::Is(a), Set::Is(b)) => Some(if a == b { Set::Is(*a) } else { Set::Any }),
            _ => None,
        }
    }
}

fn max_lo(a: Option<i128>, b: Option<i128>) -> Option<i128> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (x, None) | (None, x) => x,
    }
}

fn min_hi(a: Option<i128>, b: Option<i128>) -> Option<i128> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (x, None) | (None, x) => x,
    }
}

/// A cube as one constraint per dimension; unconstrained dimensions are absent.
#[derive(Debug, Clone, PartialEq)]
struct Boxed(BTreeMap<Dim, Set>);

impl Boxed {
    fn of(space: &Space, cube: &Cube) -> Boxed {
        let mut m: BTreeMap<Dim, Set> = BTreeMap::new();
        let mut put = |d: Dim, s: Set| {
            let s = match m.get(&d) {
                Some(old) => old.intersect(&s),
                None => s,
            };
            m.insert(d, s);
        };
        for a in cube {
            // Every atom on a field asserts that its optional prefixes are present.
            let field = match a {
                Atom::Num { pos, .. } => Some(pos),
                Atom::Enum(p, _)
                | Atom::Bool(p, _)
                | Atom::StrEq(p, _, _)
                | Atom::StrIn(p, _, _)
                | Atom::Region(p, _) => Some(p),
                Atom::Present(..) | Atom::Opaque(..) => None,
            };
            let mut fields: Vec<&Path> = field.into_iter().collect();
            if let Atom::Num { neg: Some(n), .. } = a {
                fields.push(n);
            }
            for f in fields {
                for q in space.optional_prefixes(f) {
                    put(Dim::Present(q), Set::Is(true));
                }
            }
            match a {
                Atom::Num { pos, neg, lo, hi } => {
                    put(Dim::Num(pos.clone(), neg.clone()), Set::Range(*lo, *hi))
                }
                Atom::Enum(p, bits) => {
                    let n = space.variants(p).min(64);
                    let all = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
                    put(Dim::Enum(p.clone()), Set::Bits(bits & all));
                }
                Atom::Bool(p, v) => put(Dim::Bool(p.clone()), Set::Is(*v)),
                Atom::Present(p, v) => put(Dim::Present(p.clone()), Set::Is(*v)),
                Atom::StrEq(p, s, v) => put(Dim::StrEq(p.clone(), s.clone()), Set::Is(*v)),
                Atom::StrIn(p, s, v) => put(Dim::StrIn(p.clone(), s.clone()), Set::Is(*v)),
                Atom::Region(p, set) => put(Dim::Region(p.clone()), Set::Regions(set.clone())),
                Atom::Opaque(t, v) => put(Dim::Opaque(t.clone()), Set::Is(*v)),
            }
        }
        let mut b = Boxed(m);
        b.drop_unconstrained(space);
        b
    }

    fn drop_unconstrained(&mut self, space: &Space) {
        self.0.retain(|d, s| match s {
            Set::Any | Set::Range(None, None) => false,
            Set::Regions(r) => *r != RegionSet::all(),
            Set::Bits(bits) => match d {
                Dim::Enum(p) => {
                    let n = space.variants(p).min(64);
                    let all = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
                    *bits & all != all
                }
                _ => true,
            },
            Set::Is(_) | Set::Range(..) => true,
        });
    }

    fn cube(&self) -> Cube {
        self.0
            .iter()
            .map(|(d, s)| match (d, s) {
                (Dim::Num(pos, neg), Set::Range(lo, hi)) => Atom::Num {
                    pos: pos.clone(),
                    neg: neg.clone(),
                    lo: *lo,
                    hi: *hi,
                },
                (Dim::Enum(p), Set::Bits(b)) => Atom::Enum(p.clone(), *b),
                (Dim::Region(p), Set::Regions(r)) => Atom::Region(p.clone(), r.clone()),
                (Dim::Present(p), Set::Is(v)) => Atom::Present(p.clone(), *v),
                (Dim::Bool(p), Set::Is(v)) => Atom::Bool(p.clone(), *v),
                (Dim::StrEq(p, s), Set::Is(v)) => Atom::StrEq(p.clone(), s.clone(), *v),
                (Dim::StrIn(p, s), Set::Is(v)) => Atom::StrIn(p.clone(), s.clone(), *v),
                (Dim::Opaque(t), Set::Is(v)) => Atom::Opaque(t.clone(), *v),
                // Not built by `of`: a dimension keeps the kind of constraint it starts with.
                (d, s) => Atom::Opaque(format!("{d:?} {s:?}"), true),
            })
            .collect()
    }

    /// Whether every record of `self` is in `o`.
    fn within(&self, o: &Boxed) -> bool {
        o.0.iter()
            .all(|(d, so)| self.0.get(d).is_some_and(|s| s.subset(so)))
    }

    /// The union, when it is a box.
    fn union(&self, o: &Boxed, space: &Space) -> Option<Boxed> {
        if self.within(o) {
            return Some(o.clone());
        }
        if o.within(self) {
            return Some(self.clone());
        }
        if self.0.len() != o.0.len() || !self.0.keys().all(|d| o.0.contains_key(d)) {
            return None;
        }
        let mut differing = self.0.iter().filter(|(d, s)| o.0.get(*d) != Some(*s));
        let (d, s) = differing.next()?;
        if differing.next().is_some() {
            return None;
        }
        let joined = s.union(o.0.get(d)?)?;
        let mut out = self.clone();
        out.0.insert(d.clone(), joined);
        out.drop_unconstrained(space);
        Some(out)
    }
}

/// Merges cubes (all with the same outcome) into as few as the rules above allow; the
/// union is unchanged. Order: first appearance of what each result grew from.
pub fn merge(space: &Space, cubes: &[Cube]) -> Vec<Cube> {
    let mut boxes: Vec<Boxed> = Vec::new();
    for c in cubes {
        let b = Boxed::of(space, c);
        if !boxes.contains(&b) {
            boxes.push(b);
        }
    }
    // Pairwise unions until none applies.
    let mut changed = true;
    while changed {
        changed = false;
        let mut i = 0;
        while i < boxes.len() {
            let mut j = i + 1;
            while j < boxes.len() {
                if let Some(u) = boxes[i].union(&boxes[j], space) {
                    boxes[i] = u;
                    boxes.remove(j);
                    changed = true;
                } else {
                    j += 1;
                }
            }
            i += 1;
        }
    }
    let mut cubes: Vec<Cube> = boxes.iter().map(Boxed::cube).collect();
    // Boxes covered by the others: most constrained first.
    let mut order: Vec<usize> = (0..cubes.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(cubes[i].len()));
    let mut dropped = vec![false; cubes.len()];
    if cubes.len() > MAX_COVER_BOXES {
        order.clear();
    }
    for i in order {
        let others: Vec<&Cube> = (0..cubes.len())
            .filter(|&j| j != i && !dropped[j])
            .map(|j| &cubes[j])
            .collect();
        if covered(space, &cubes[i], &others) {
            dropped[i] = true;
        }
    }
    let mut k = 0;
    cubes.retain(|_| {
        k += 1;
        !dropped[k - 1]
    });
    cubes
}

/// Whether `c` lies inside the union of `others` (exactly; `false` when unsure).
fn covered(space: &Space, c: &Cube, others: &[&Cube]) -> bool {
    if others.is_empty() {
        return false;
    }
    let absent = |p: &Path| space.optional_prefixes(p);
    let mut rest: Dnf = vec![c.clone()];
    for o in others {
        let f = Formula::And(o.iter().cloned().map(Formula::Atom).collect());
        let Some(not_o) = atoms::dnf(&Formula::Not(Box::new(f)), &absent) else {
            return false;
        };
        let Some(next) = atoms::and(&rest, &not_o) else {
            return false;
        };
        rest = space.prune(next);
        if rest.is_empty() {
            return true;
        }
        if rest.len() > MAX_COVER_CUBES {
            return false;
        }
    }
    // Some record of `c` (or one that needs an opaque condition) is outside them all.
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A program whose kind has two int fields and a three-variant enum.
    fn program() -> ir::Program {
        let src = r#"
enum Cat { a, b, c }
fact item {
  id: string
  x: int
  y: int
  cat: Cat
  flag: bool
}
announcement p "t" { source "t" }
value v: bool cites "1" = item.x > 0 and item.y > 0 and item.cat == a and item.flag
"#;
        let c = check::check(&[("p.edict".to_string(), src.to_string())]);
        c.program
            .unwrap_or_else(|| unreachable!("{:#?}", c.diagnostics))
    }

    fn slot(p: &ir::Program, name: &str) -> Path {
        let k = &p.kinds[0];
        vec![k.fields.iter().position(|f| f.name == name).unwrap_or(0) as u32]
    }

    fn num(p: &Path, lo: Option<i128>, hi: Option<i128>) -> Atom {
        Atom::Num {
            pos: p.clone(),
            neg: None,
            lo,
            hi,
        }
    }

    /// Membership of a grid point (x, y, cat, flag) in a cube.
    fn inside(c: &Cube, px: &Path, py: &Path, pt: (i128, i128, u32, bool)) -> bool {
        c.iter().all(|a| match a {
            Atom::Num { pos, lo, hi, .. } => {
                let v = if pos == px {
                    pt.0
                } else if pos == py {
                    pt.1
                } else {
                    0
                };
                lo.is_none_or(|l| v >= l) && hi.is_none_or(|h| v <= h)
            }
            Atom::Enum(_, bits) => bits & (1 << pt.2) != 0,
            Atom::Bool(_, v) => *v == pt.3,
            _ => true,
        })
    }

    #[test]
    fn unions_that_are_boxes_merge_and_others_stay() {
        let p = program();
        let space = Space::new(&p, Some(0));
        let (x, y, cat, flag) = (
            slot(&p, "x"),
            slot(&p, "y"),
            slot(&p, "cat"),
            slot(&p, "flag"),
        );
        // Adjacent on x, same y: one box.
        let m = merge(
            &space,
            &[
                vec![num(&x, Some(0), Some(4)), num(&y, Some(0), Some(9))],
                vec![num(&x, Some(5), Some(9)), num(&y, Some(0), Some(9))],
            ],
        );
        assert_eq!(
            m,
            vec![vec![num(&x, Some(0), Some(9)), num(&y, Some(0), Some(9))]]
        );
        // Gap on x: two.
        let m = merge(
            &space,
            &[
                vec![num(&x, Some(0), Some(3))],
                vec![num(&x, Some(5), Some(9))],
            ],
        );
        assert_eq!(m.len(), 2);
        // Contained: the larger one.
        let m = merge(
            &space,
            &[
                vec![num(&x, Some(2), Some(3)), Atom::Enum(cat.clone(), 1)],
                vec![num(&x, Some(0), Some(9))],
            ],
        );
        assert_eq!(m, vec![vec![num(&x, Some(0), Some(9))]]);
        // Differ on two dimensions: an L shape, kept apart.
        let m = merge(
            &space,
            &[
                vec![num(&x, Some(0), Some(4)), num(&y, Some(0), Some(4))],
                vec![num(&x, Some(5), Some(9)), num(&y, Some(0), Some(9))],
            ],
        );
        assert_eq!(m.len(), 2);
        // Both polarities of a bool, and every variant of an enum: the dimension goes.
        let m = merge(
            &space,
            &[
                vec![
                    Atom::Bool(flag.clone(), true),
                    Atom::Enum(cat.clone(), 0b011),
                ],
                vec![
                    Atom::Bool(flag.clone(), false),
                    Atom::Enum(cat.clone(), 0b011),
                ],
                vec![Atom::Enum(cat.clone(), 0b100)],
            ],
        );
        assert_eq!(m, vec![Vec::<Atom>::new()]);
    }

    #[test]
    fn merging_keeps_the_union_exactly() {
        let p = program();
        let space = Space::new(&p, Some(0));
        let (x, y, cat, flag) = (
            slot(&p, "x"),
            slot(&p, "y"),
            slot(&p, "cat"),
            slot(&p, "flag"),
        );
        // A deterministic pseudo-random family of small boxes.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |n: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % n
        };
        let (mut given, mut kept) = (0, 0);
        for _ in 0..300 {
            let k = 1 + next(5) as usize;
            let mut cubes = Vec::new();
            for _ in 0..k {
                let mut c = Vec::new();
                for p in [&x, &y] {
                    if next(3) > 0 {
                        let lo = next(6) as i128;
                        let hi = lo + next(4) as i128;
                        c.push(num(p, Some(lo), Some(hi)));
                    }
                }
                if next(2) == 0 {
                    c.push(Atom::Enum(cat.clone(), 1 + next(7)));
                }
                if next(3) == 0 {
                    c.push(Atom::Bool(flag.clone(), next(2) == 0));
                }
                cubes.push(c);
            }
            let merged = merge(&space, &cubes);
            assert!(merged.len() <= cubes.len());
            (given, kept) = (given + cubes.len(), kept + merged.len());
            for xv in -1..11 {
                for yv in -1..11 {
                    for cv in 0..3 {
                        for fv in [false, true] {
                            let pt = (xv, yv, cv, fv);
                            let before = cubes.iter().any(|c| inside(c, &x, &y, pt));
                            let after = merged.iter().any(|c| inside(c, &x, &y, pt));
                            assert_eq!(before, after, "{pt:?}\n{cubes:?}\n→ {merged:?}");
                        }
                    }
                }
            }
        }
        // The families do merge (about a fifth of the boxes go).
        assert!(kept * 10 < given * 9, "{given} boxes merged into {kept}");
    }
}
