//! Deciding a cube (a conjunction of atoms) and building a model of it.
//!
//! Discrete atoms (enums, bools, presence, strings, regions) are decided by intersecting
//! their allowed sets per field. Numeric atoms are difference constraints
//! (`lo <= x - y <= hi`, with a zero node for plain bounds) decided with a difference-bound
//! matrix: the cube is satisfiable over the integers iff the constraint graph has no
//! negative cycle (Floyd–Warshall). A model is then read off by fixing one variable at a
//! time to the lowest (or highest) value its closed bounds allow.
//!
//! Opaque atoms are free propositions: a cube holding both polarities of one is unsat;
//! otherwise a cube with opaque atoms is [`Sat::Maybe`] — its analyzable part has a model,
//! but whether the opaque conditions can hold with it is not known.

use std::collections::{BTreeMap, BTreeSet};

use regions::RegionSet;

use crate::atoms::{Atom, Cube};
use crate::schema::Path;

/// A value assigned to a field path.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// Numeric (µs, int, or money in scaled units).
    Num(i128),
    /// Enum variant index.
    Enum(u32),
    /// Bool.
    Bool(bool),
    /// String.
    Str(String),
    /// Region code.
    Region(u32),
    /// The strings a set-of-strings field must contain.
    Strings(BTreeSet<String>),
}

/// A model: present fields with values, fields known absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    /// Assigned values.
    pub values: BTreeMap<Path, Val>,
    /// Fields that must be present (possibly without a specific value).
    pub present: BTreeSet<Path>,
    /// Fields that must be absent.
    pub absent: BTreeSet<Path>,
    /// Opaque conditions assumed, with polarity.
    pub assumed: Vec<(String, bool)>,
}

/// The answer for one cube.
#[derive(Debug, Clone, PartialEq)]
pub enum Sat {
    /// No record satisfies it.
    No,
    /// This record satisfies it.
    Yes(Model),
    /// The analyzable part has this model; the opaque conditions are unknown.
    Maybe(Model),
}

impl Sat {
    /// Whether a record might satisfy the cube.
    pub fn possible(&self) -> bool {
        !matches!(self, Sat::No)
    }

    /// The model, if any.
    pub fn model(&self) -> Option<&Model> {
        match self {
            Sat::No => None,
            Sat::Yes(m) | Sat::Maybe(m) => Some(m),
        }
    }
}

/// Which end of each variable's feasible range a model takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefer {
    /// The lowest value allowed.
    Low,
    /// The highest value allowed.
    High,
}

/// Facts about the schema the solver needs.
pub trait Domain {
    /// Optional prefixes of a path (they must be present when the path is).
    fn optional_prefixes(&self, p: &Path) -> Vec<Path>;
    /// Whether the field may be absent at all.
    fn is_optional(&self, p: &Path) -> bool;
    /// Number of variants of an enum field.
    fn variants(&self, p: &Path) -> u32;
    /// The value a numeric variable takes when nothing bounds it.
    fn anchor(&self, p: &Path) -> i128;
    /// Whether the field holds an instant.
    fn is_instant(&self, p: &Path) -> bool;
    /// Whether the opaque condition with this polarity holds on records whose lists are
    /// empty (the witnesses' lists are): then it is no assumption.
    fn vacuous(&self, _text: &str, _polarity: bool) -> bool {
        false
    }
}

type Bound = Option<i128>;

/// Decides a cube and, when possible, builds a model preferring `prefer` ends.
pub fn solve(cube: &Cube, dom: &dyn Domain, prefer: Prefer) -> Sat {
    solve_with(cube, dom, prefer, true)
}

/// Whether some record might satisfy the cube ([`solve`] without building the model).
pub fn satisfiable(cube: &Cube, dom: &dyn Domain) -> bool {
    solve_with(cube, dom, Prefer::Low, false).possible()
}

fn solve_with(cube: &Cube, dom: &dyn Domain, prefer: Prefer, build: bool) -> Sat {
    let mut m = Model::default();
    let mut enums: BTreeMap<Path, u64> = BTreeMap::new();
    let mut bools: BTreeMap<Path, bool> = BTreeMap::new();
    let mut str_eq: BTreeMap<Path, String> = BTreeMap::new();
    let mut str_ne: BTreeMap<Path, BTreeSet<String>> = BTreeMap::new();
    let mut str_in: BTreeMap<(Path, String), bool> = BTreeMap::new();
    let mut regions: BTreeMap<Path, RegionSet> = BTreeMap::new();
    let mut opaque: BTreeMap<String, bool> = BTreeMap::new();
    let mut nums: Vec<(Path, Option<Path>, Bound, Bound)> = Vec::new();
    let need = |p: &Path, m: &mut Model| {
        m.present.insert(p.clone());
        for q in dom.optional_prefixes(p) {
            m.present.insert(q);
        }
    };
    for a in cube {
        match a {
            Atom::Num { pos, neg, lo, hi } => {
                need(pos, &mut m);
                if let Some(n) = neg {
                    need(n, &mut m);
                }
                nums.push((pos.clone(), neg.clone(), *lo, *hi));
            }
            Atom::Enum(p, bits) => {
                need(p, &mut m);
                let e = enums.entry(p.clone()).or_insert(u64::MAX);
                *e &= bits;
            }
            Atom::Bool(p, v) => {
                need(p, &mut m);
                if bools.insert(p.clone(), *v).is_some_and(|old| old != *v) {
                    return Sat::No;
                }
            }
            Atom::Present(p, true) => need(p, &mut m),
            Atom::Present(p, false) => {
                if !dom.is_optional(p) {
                    return Sat::No;
                }
                m.absent.insert(p.clone());
            }
            Atom::StrEq(p, s, true) => {
                need(p, &mut m);
                if str_eq
                    .insert(p.clone(), s.clone())
                    .is_some_and(|old| old != *s)
                {
                    return Sat::No;
                }
            }
            Atom::StrEq(p, s, false) => {
                need(p, &mut m);
                str_ne.entry(p.clone()).or_default().insert(s.clone());
            }
            Atom::StrIn(p, s, v) => {
                need(p, &mut m);
                let key = (p.clone(), s.clone());
                if str_in.insert(key, *v).is_some_and(|old| old != *v) {
                    return Sat::No;
                }
            }
            Atom::Region(p, set) => {
                need(p, &mut m);
                let r = regions.entry(p.clone()).or_insert_with(RegionSet::all);
                *r = r.intersection(set);
            }
            Atom::Opaque(t, v) => {
                if opaque.insert(t.clone(), *v).is_some_and(|old| old != *v) {
                    return Sat::No;
                }
            }
        }
    }
    // Presence: a field cannot be both required and absent (nor below an absent record).
    for a in &m.absent {
        if m.present.iter().any(|p| p.starts_with(a)) {
            return Sat::No;
        }
    }
    for (p, bits) in &enums {
        let n = dom.variants(p).min(64);
        let all = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
        let ok = bits & all;
        if ok == 0 {
            return Sat::No;
        }
        m.values.insert(p.clone(), Val::Enum(ok.trailing_zeros()));
    }
    for (p, v) in bools {
        m.values.insert(p, Val::Bool(v));
    }
    for (p, s) in &str_eq {
        if str_ne.get(p).is_some_and(|ne| ne.contains(s)) {
            return Sat::No;
        }
        m.values.insert(p.clone(), Val::Str(s.clone()));
    }
    for (p, ne) in &str_ne {
        if !str_eq.contains_key(p) {
            // A string different from every excluded literal.
            let mut s = "w".to_string();
            while ne.contains(&s) {
                s.push('w');
            }
            m.values.insert(p.clone(), Val::Str(s));
        }
    }
    let mut sets: BTreeMap<Path, BTreeSet<String>> = BTreeMap::new();
    for ((p, s), member) in str_in {
        let e = sets.entry(p).or_default();
        if member {
            e.insert(s);
        }
    }
    for (p, s) in sets {
        m.values.insert(p, Val::Strings(s));
    }
    for (p, set) in regions {
        match set.sample() {
            Some(code) => {
                m.values.insert(p, Val::Region(code));
            }
            None => return Sat::No,
        }
    }
    if !numeric(&nums, dom, prefer, &mut m, build) {
        return Sat::No;
    }
    m.assumed = opaque
        .into_iter()
        .filter(|(t, v)| !dom.vacuous(t, *v))
        .collect();
    if m.assumed.is_empty() {
        Sat::Yes(m)
    } else {
        Sat::Maybe(m)
    }
}

/// The difference-bound matrix: `d[i][j]` bounds `x_j - x_i` from above (node 0 is zero).
struct Dbm {
    d: Vec<Vec<Bound>>,
}

impl Dbm {
    fn new(n: usize) -> Dbm {
        let mut d = vec![vec![None; n]; n];
        for (i, row) in d.iter_mut().enumerate() {
            row[i] = Some(0);
        }
        Dbm { d }
    }

    /// `x_j - x_i <= c`.
    fn le(&mut self, i: usize, j: usize, c: i128) {
        let cell = &mut self.d[i][j];
        *cell = Some(cell.map_or(c, |old| old.min(c)));
    }

    /// Closes the matrix; false on a negative cycle.
    fn close(&mut self) -> bool {
        let n = self.d.len();
        for k in 0..n {
            for i in 0..n {
                let Some(ik) = self.d[i][k] else { continue };
                for j in 0..n {
                    if let Some(kj) = self.d[k][j] {
                        let via = ik.saturating_add(kj);
                        if self.d[i][j].is_none_or(|x| via < x) {
                            self.d[i][j] = Some(via);
                        }
                    }
                }
            }
        }
        (0..n).all(|i| self.d[i][i].is_none_or(|x| x >= 0))
    }
}

fn numeric(
    nums: &[(Path, Option<Path>, Bound, Bound)],
    dom: &dyn Domain,
    prefer: Prefer,
    m: &mut Model,
    build: bool,
) -> bool {
    let mut vars: Vec<Path> = Vec::new();
    let idx = |p: &Path, vars: &mut Vec<Path>| match vars.iter().position(|q| q == p) {
        Some(i) => i + 1,
        None => {
            vars.push(p.clone());
            vars.len()
        }
    };
    let mut cons = Vec::new();
    for (pos, neg, lo, hi) in nums {
        let i = idx(pos, &mut vars);
        let j = neg.as_ref().map_or(0, |n| idx(n, &mut vars));
        cons.push((i, j, *lo, *hi));
    }
    let mut dbm = Dbm::new(vars.len() + 1);
    for (i, j, lo, hi) in cons {
        // lo <= x_i - x_j <= hi
        if let Some(h) = hi {
            dbm.le(j, i, h);
        }
        if let Some(l) = lo {
            dbm.le(i, j, -l);
        }
    }
    if !dbm.close() {
        return false;
    }
    if !build {
        return true;
    }
    // Fix variables one at a time: bounded ones first, in path order.
    let mut sequence: Vec<usize> = (1..=vars.len()).collect();
    sequence.sort_by_key(|&v| {
        (
            dbm.d[0][v].is_none() && dbm.d[v][0].is_none(),
            vars[v - 1].clone(),
        )
    });
    let mut last_instant: Option<i128> = None;
    for v in sequence {
        let lo = dbm.d[v][0].map(|x| -x);
        let hi = dbm.d[0][v];
        let val = match (prefer, lo, hi) {
            (Prefer::Low, Some(l), _) | (Prefer::High, Some(l), None) => l,
            (Prefer::High, _, Some(h)) | (Prefer::Low, None, Some(h)) => h,
            (_, None, None) => match last_instant {
                Some(t) if dom.is_instant(&vars[v - 1]) => t,
                _ => dom.anchor(&vars[v - 1]),
            },
        };
        if dom.is_instant(&vars[v - 1]) {
            last_instant = Some(val);
        }
        dbm.le(0, v, val);
        dbm.le(v, 0, -val);
        if !dbm.close() {
            return false;
        }
        m.values.insert(vars[v - 1].clone(), Val::Num(val));
    }
    true
}
