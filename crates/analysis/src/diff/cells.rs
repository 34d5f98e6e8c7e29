//! A value's decision as a partition of the record space into cells.
//!
//! Each cell is a cube with the outcome evaluation reaches there: the deciding rule and
//! its body rendered in the author's terms, with `overridden` replaced by what it stands
//! for in that cell (the bases' outcome for an exception to the value, the parent's body
//! for an exception to a rule), and every value in [`Cells::inline`] (the values whose
//! meaning changed) replaced by its own outcome in that cell — so a change shows through
//! every step of dependencies. Cells come from splitting on every guard the evaluation
//! looks at — applies / does not apply — where the guard cuts the cell (a cell wholly
//! inside or outside a guard is not split), so the cells of one value are disjoint and
//! their number grows with the guards that matter where they are asked for.
//!
//! Numeric outcomes also carry their linear form ([`Lin`]: fields, unchanged values and a
//! constant), so two outcomes can be compared exactly: `max`/`min` split the cell where
//! their operands are ordered, and the diff keeps only the records where two forms differ.

use std::collections::{BTreeSet, HashMap};

use ir::{ArithOp, Const, Expr, Func, Parent, Program, RuleId, Ty, ValueId};

use crate::atoms::{self, Atom, Cube, Dnf};
use crate::render::Renderer;
use crate::schema::Path;
use crate::space::Space;

/// One term of a linear form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Term {
    /// A numeric field of the record.
    Field(Path),
    /// A value that is the same in both versions, by id.
    Value(String),
}

/// `Σ coef·term + c`, numbers in the analysis' units (µs, scaled money).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Lin {
    /// Terms with non-zero coefficients.
    pub terms: Vec<(Term, i64)>,
    /// The constant.
    pub c: i128,
}

impl Lin {
    fn konst(c: i128) -> Lin {
        Lin {
            terms: Vec::new(),
            c,
        }
    }

    fn term(t: Term) -> Lin {
        Lin {
            terms: vec![(t, 1)],
            c: 0,
        }
    }

    /// `self + sign·other`.
    pub fn add(&self, other: &Lin, sign: i64) -> Lin {
        let mut out = self.clone();
        for (t, k) in &other.terms {
            match out.terms.iter_mut().find(|(q, _)| q == t) {
                Some((_, j)) => *j += sign * k,
                None => out.terms.push((t.clone(), sign * k)),
            }
        }
        out.terms.retain(|(_, k)| *k != 0);
        out.terms.sort();
        out.c += i128::from(sign) * other.c;
        out
    }

    /// `lo <= self <= hi` as an atom, when the form is one field or a difference of two
    /// (`None`: not expressible; `Some(Err(b))`: a constant form, the bounds hold or not).
    pub fn atom(&self, lo: Option<i128>, hi: Option<i128>) -> Option<Result<Atom, bool>> {
        let shift = |b: Option<i128>| b.map(|b| b - self.c);
        let (lo, hi) = (shift(lo), shift(hi));
        let field = |t: &Term| match t {
            Term::Field(p) => Some(p.clone()),
            Term::Value(_) => None,
        };
        let a = match self.terms.as_slice() {
            [] => {
                let ok = lo.is_none_or(|lo| 0 >= lo) && hi.is_none_or(|hi| 0 <= hi);
                return Some(Err(ok));
            }
            [(p, 1)] => Atom::Num {
                pos: field(p)?,
                neg: None,
                lo,
                hi,
            },
            [(p, -1)] => Atom::Num {
                pos: field(p)?,
                neg: None,
                lo: hi.map(|h| -h),
                hi: lo.map(|l| -l),
            },
            [(p, 1), (q, -1)] | [(q, -1), (p, 1)] => Atom::Num {
                pos: field(p)?,
                neg: Some(field(q)?),
                lo,
                hi,
            },
            _ => return None,
        };
        Some(Ok(a))
    }
}

/// Where two outcomes' values differ.
pub enum Differ {
    /// Nowhere.
    Never,
    /// Everywhere in the cell.
    Always,
    /// Where one of these cubes holds.
    Where(Dnf),
    /// Not decided by their forms.
    Unknown,
}

/// Where `a != b`.
pub fn differ(a: &Lin, b: &Lin) -> Differ {
    let d = a.add(b, -1);
    let below = d.atom(None, Some(-1));
    let above = d.atom(Some(1), None);
    match (below, above) {
        (Some(Err(x)), Some(Err(y))) => {
            if x || y {
                Differ::Always
            } else {
                Differ::Never
            }
        }
        (Some(Ok(x)), Some(Ok(y))) => Differ::Where(vec![vec![x], vec![y]]),
        _ => Differ::Unknown,
    }
}

/// What a value is in one cell.
#[derive(Debug, Clone)]
pub enum Out {
    /// Decided by a rule, with its value as text.
    Rule {
        /// The deciding rule's id.
        rule: String,
        /// Its body, `overridden` and changed values substituted.
        text: String,
        /// Its linear form, when it has one.
        lin: Option<Lin>,
    },
    /// Two applicable rules disagree.
    Conflict(String, String),
    /// No definition applies.
    Undefined,
}

impl PartialEq for Out {
    fn eq(&self, o: &Out) -> bool {
        match (self, o) {
            (
                Out::Rule { rule, text, .. },
                Out::Rule {
                    rule: r2, text: t2, ..
                },
            ) => rule == r2 && text == t2,
            (Out::Conflict(a, b), Out::Conflict(c, d)) => a == c && b == d,
            (Out::Undefined, Out::Undefined) => true,
            _ => false,
        }
    }
}

impl Out {
    /// One line for people.
    pub fn show(&self) -> String {
        match self {
            Out::Rule { rule, text, .. } => format!("{text} (by {rule})"),
            Out::Conflict(a, b) => format!("conflict between {a} and {b}"),
            Out::Undefined => "undefined (no definition applies)".into(),
        }
    }
}

/// Largest number of cells computed for one value before giving up.
pub const MAX_CELLS: usize = 4096;

/// A value in one cell, as the expression substitution sees it.
#[derive(Debug, Clone)]
struct Piece {
    text: String,
    lin: Option<Lin>,
    /// The deciding rule, when the expression is exactly one substituted value.
    rule: Option<String>,
    /// Whether the text needs parentheses inside a larger expression.
    compound: bool,
}

/// What `overridden` stands for in a rule's body.
#[derive(Clone, Copy)]
enum Ov {
    Bases,
    Parent(RuleId),
}

/// Computes cells of values of one program.
pub struct Cells<'a> {
    /// The program.
    pub p: &'a Program,
    /// The value's record space.
    pub space: &'a Space<'a>,
    /// Values substituted by their outcomes (the ones whose meaning changed).
    pub inline: &'a BTreeSet<ValueId>,
    /// Set when [`MAX_CELLS`] was exceeded.
    pub overflow: bool,
    guards: HashMap<RuleId, (Dnf, Dnf)>,
    memo: HashMap<(ValueId, Cube), Vec<(Cube, Out)>>,
    depth: u32,
}

impl<'a> Cells<'a> {
    /// Cells of `p`'s values over `space`, substituting the values in `inline`.
    pub fn new(p: &'a Program, space: &'a Space<'a>, inline: &'a BTreeSet<ValueId>) -> Self {
        Cells {
            p,
            space,
            inline,
            overflow: false,
            guards: HashMap::new(),
            memo: HashMap::new(),
            depth: 0,
        }
    }

    /// The cells of value `v`, within `region`.
    pub fn value(&mut self, v: ValueId, region: Vec<Cube>) -> Vec<(Cube, Out)> {
        if let [one] = region.as_slice() {
            if let Some(hit) = self.memo.get(&(v, one.clone())) {
                return hit.clone();
            }
            let key = (v, one.clone());
            let out = self.value_in(v, region);
            self.memo.insert(key, out.clone());
            return out;
        }
        self.value_in(v, region)
    }

    fn value_in(&mut self, v: ValueId, region: Vec<Cube>) -> Vec<(Cube, Out)> {
        let Some(val) = self.p.values.get(v as usize) else {
            return Vec::new();
        };
        if self.depth > ir::MAX_OVERRIDE_DEPTH as u32 + 64 {
            self.overflow = true;
            return Vec::new();
        }
        self.depth += 1;
        let mut out = Vec::new();
        for (cube, applicable) in self.branch(&val.exceptions, region) {
            if applicable.is_empty() {
                out.extend(self.bases(v, cube));
            } else {
                out.extend(self.resolve(v, &applicable, cube));
            }
        }
        self.depth -= 1;
        out
    }

    fn bases(&mut self, v: ValueId, cube: Cube) -> Vec<(Cube, Out)> {
        let Some(val) = self.p.values.get(v as usize) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (c, applicable) in self.branch(&val.bases, vec![cube]) {
            if applicable.is_empty() {
                out.push((c, Out::Undefined));
            } else {
                out.extend(self.resolve(v, &applicable, c));
            }
        }
        out
    }

    fn guard(&mut self, r: RuleId) -> Option<(Dnf, Dnf)> {
        if let Some(g) = self.guards.get(&r) {
            return Some(g.clone());
        }
        let rule = self.p.rules.get(r as usize)?;
        let g = (self.space.guard_dnf(rule), self.space.not_guard_dnf(rule));
        self.guards.insert(r, g.clone());
        Some(g)
    }

    /// Splits `region` by which of `rules` apply; a cube wholly inside or outside a guard
    /// stays whole.
    fn branch(&mut self, rules: &[RuleId], region: Vec<Cube>) -> Vec<(Cube, Vec<RuleId>)> {
        let mut acc: Vec<(Cube, Vec<RuleId>)> = region.into_iter().map(|c| (c, vec![])).collect();
        for r in rules {
            let Some(rule) = self.p.rules.get(*r as usize) else {
                continue;
            };
            // A guard reading a changed value is decided cell by cell, with the value's
            // outcome there.
            let dynamic = rule
                .guard
                .iter()
                .flat_map(|g| &g.conjuncts)
                .any(|c| self.reads_inline(&c.expr));
            let fixed = if dynamic { None } else { self.guard(*r) };
            let mut next = Vec::new();
            for (c, a) in acc {
                let mut with = a.clone();
                with.push(*r);
                let (y, n) = match &fixed {
                    Some((yes, no)) => {
                        let one = vec![c];
                        let y = self.space.and(&one, yes);
                        if y.is_empty() {
                            next.push((one.into_iter().next().unwrap_or_default(), a));
                            continue;
                        }
                        let n = self.space.and(&one, no);
                        if n.is_empty() {
                            next.push((one.into_iter().next().unwrap_or_default(), with));
                            continue;
                        }
                        (y, n)
                    }
                    None => self.guard_in(*r, &c),
                };
                next.extend(y.into_iter().map(|x| (x, with.clone())));
                next.extend(n.into_iter().map(|x| (x, a.clone())));
            }
            if next.len() > MAX_CELLS {
                self.overflow = true;
                next.truncate(MAX_CELLS);
            }
            acc = next;
        }
        acc
    }

    /// Where rule `r`'s guard holds and where not, inside `cube`, reading changed values
    /// as their outcomes there.
    fn guard_in(&mut self, r: RuleId, cube: &Cube) -> (Dnf, Dnf) {
        let Some(rule) = self.p.rules.get(r as usize) else {
            return (Vec::new(), vec![cube.clone()]);
        };
        let v = rule.value;
        let conjuncts: Vec<Expr> = rule
            .guard
            .iter()
            .flat_map(|g| &g.conjuncts)
            .map(|c| c.expr.clone())
            .collect();
        self.all_in(v, &conjuncts, cube)
    }

    fn all_in(&mut self, v: ValueId, xs: &[Expr], cube: &Cube) -> (Dnf, Dnf) {
        let mut yes: Dnf = vec![cube.clone()];
        let mut no: Dnf = Vec::new();
        for x in xs {
            let mut y2 = Vec::new();
            for c in yes {
                let (y, n) = self.cond_in(v, x, &c);
                y2.extend(y);
                no.extend(n);
            }
            yes = y2;
            if yes.len() > MAX_CELLS {
                self.overflow = true;
                yes.truncate(MAX_CELLS);
            }
        }
        (yes, no)
    }

    /// Where the boolean `e` holds and where not, inside `cube`.
    fn cond_in(&mut self, v: ValueId, e: &Expr, cube: &Cube) -> (Dnf, Dnf) {
        let one = vec![cube.clone()];
        if !self.reads_inline(e) {
            let f = self.space.formula_of(e);
            let (y, n) = (self.space.dnf(&f, ""), self.space.not_dnf(&f, ""));
            return (self.space.and(&one, &y), self.space.and(&one, &n));
        }
        match e {
            Expr::And(xs) => self.all_in(v, xs, cube),
            Expr::Or(xs) => {
                let negated: Vec<Expr> =
                    xs.iter().map(|x| Expr::Not(Box::new(x.clone()))).collect();
                let (n, y) = self.all_in(v, &negated, cube);
                (y, n)
            }
            Expr::Not(x) => {
                let (y, n) = self.cond_in(v, x, cube);
                (n, y)
            }
            Expr::Cmp(op, a, b) => {
                let (mut yes, mut no) = (Vec::new(), Vec::new());
                for (c, pa) in self.pieces(v, a, cube.clone(), Ov::Bases) {
                    for (d, pb) in self.pieces(v, b, c, Ov::Bases) {
                        let holds = pa.lin.as_ref().zip(pb.lin.as_ref()).and_then(|(la, lb)| {
                            let diff = la.add(lb, -1);
                            let (lo, hi) = match op {
                                ir::CmpOp::Lt => (None, Some(-1)),
                                ir::CmpOp::Le => (None, Some(0)),
                                ir::CmpOp::Gt => (Some(1), None),
                                ir::CmpOp::Ge => (Some(0), None),
                                ir::CmpOp::Eq | ir::CmpOp::Ne => (Some(0), Some(0)),
                            };
                            diff.atom(lo, hi)
                        });
                        let flip = *op == ir::CmpOp::Ne;
                        let one = vec![d.clone()];
                        let (y, n) = match holds {
                            Some(Err(b)) => {
                                if b != flip {
                                    (one, Vec::new())
                                } else {
                                    (Vec::new(), one)
                                }
                            }
                            Some(Ok(atom)) => {
                                let absent = |p: &Path| {
                                    crate::solve::Domain::optional_prefixes(self.space, p)
                                };
                                let not = atoms::negate(&atom, &absent);
                                let (y, n) = (
                                    self.space.and(&one, &vec![vec![atom]]),
                                    self.space.and(&one, &not),
                                );
                                if flip {
                                    (n, y)
                                } else {
                                    (y, n)
                                }
                            }
                            None => {
                                let text = format!("{} {} {}", pa.text, op.symbol(), pb.text);
                                self.opaque_in(&d, text)
                            }
                        };
                        yes.extend(y);
                        no.extend(n);
                    }
                }
                (yes, no)
            }
            _ => {
                let text = self.renderer(v).expr(e);
                self.opaque_in(cube, text)
            }
        }
    }

    /// A condition the analysis cannot decide, tagged with the version it belongs to.
    fn opaque_in(&self, cube: &Cube, text: String) -> (Dnf, Dnf) {
        let text = match &self.space.mark {
            Some(m) => format!("{text} [{}]", m.tag),
            None => text,
        };
        let with = |b: bool| {
            let mut c = cube.clone();
            c.push(Atom::Opaque(text.clone(), b));
            c
        };
        (vec![with(true)], vec![with(false)])
    }

    fn resolve(&mut self, v: ValueId, set: &[RuleId], cube: Cube) -> Vec<(Cube, Out)> {
        let winners: Vec<RuleId> = set
            .iter()
            .copied()
            .filter(|r| {
                !set.iter().any(|o| {
                    self.p
                        .rules
                        .get(*o as usize)
                        .is_some_and(|x| x.beats.contains(r))
                })
            })
            .collect();
        let mut per: Vec<Vec<(Cube, Out)>> = Vec::new();
        for w in &winners {
            per.push(self.decide(v, *w, cube.clone()));
        }
        // Several winners: agreement cell by cell, else a conflict of the first two.
        let Some(first) = per.first() else {
            return vec![(cube, Out::Undefined)];
        };
        if per.len() == 1 {
            return first.clone();
        }
        let mut out = Vec::new();
        for (c, o) in first {
            let others_same = per[1..].iter().all(|cells| {
                cells.iter().all(|(c2, o2)| {
                    o2 == o
                        || self
                            .space
                            .and(&vec![c.clone()], &vec![c2.clone()])
                            .is_empty()
                })
            });
            let out_here = if others_same {
                o.clone()
            } else {
                let id = |r: RuleId| {
                    self.p
                        .rules
                        .get(r as usize)
                        .map_or_else(String::new, |x| x.id.clone())
                };
                Out::Conflict(id(winners[0]), id(winners[1]))
            };
            out.push((c.clone(), out_here));
        }
        out
    }

    fn decide(&mut self, v: ValueId, r: RuleId, cube: Cube) -> Vec<(Cube, Out)> {
        let Some(rule) = self.p.rules.get(r as usize) else {
            return Vec::new();
        };
        let children = rule.children.clone();
        let mut out = Vec::new();
        for (c, applicable) in self.branch(&children, vec![cube]) {
            if !applicable.is_empty() {
                out.extend(self.resolve(v, &applicable, c));
                continue;
            }
            out.extend(self.body(v, r, c));
        }
        out
    }

    /// The body of `r` in `cube`, `overridden` and changed values substituted.
    fn body(&mut self, v: ValueId, r: RuleId, cube: Cube) -> Vec<(Cube, Out)> {
        let Some(rule) = self.p.rules.get(r as usize) else {
            return Vec::new();
        };
        let ov = match rule.parent {
            Parent::Rule(parent) => Ov::Parent(parent),
            Parent::Value | Parent::Base => Ov::Bases,
        };
        let id = rule.id.clone();
        let ty = self.p.values.get(v as usize).map(|x| x.ty.clone());
        let pieces = if matches!(ty.as_ref().map(Ty::base), Some(Ty::Bool)) {
            self.truth(v, &rule.body, cube, ov)
        } else {
            self.pieces(v, &rule.body, cube, ov)
        };
        pieces
            .into_iter()
            .map(|(c, p)| {
                (
                    c,
                    Out::Rule {
                        rule: p.rule.unwrap_or_else(|| id.clone()),
                        text: p.text,
                        lin: p.lin,
                    },
                )
            })
            .collect()
    }

    fn renderer(&self, v: ValueId) -> Renderer<'a> {
        Renderer {
            program: self.p,
            kind: self.p.values.get(v as usize).and_then(|x| x.kind),
        }
    }

    /// Whether `e` reads `overridden` or a substituted value.
    fn reads_inline(&self, e: &Expr) -> bool {
        let mut found = false;
        e.walk(&mut |x| match x {
            Expr::Overridden => found = true,
            Expr::Value(w) => found |= self.inline.contains(w),
            _ => {}
        });
        found
    }

    /// A boolean body: split into where it holds and where not when its formula is
    /// analyzable; else as an expression.
    fn truth(&mut self, v: ValueId, e: &Expr, cube: Cube, ov: Ov) -> Vec<(Cube, Piece)> {
        let mut overridden = false;
        e.walk(&mut |x| overridden |= matches!(x, Expr::Overridden));
        if self.reads_inline(e) && !overridden {
            let (yes, no) = self.cond_in(v, e, &cube);
            let piece = |b: bool| Piece {
                text: b.to_string(),
                lin: Some(Lin::konst(i128::from(b))),
                rule: None,
                compound: false,
            };
            let mut out: Vec<(Cube, Piece)> = yes.into_iter().map(|c| (c, piece(true))).collect();
            out.extend(no.into_iter().map(|c| (c, piece(false))));
            return out;
        }
        if !self.reads_inline(e) {
            let f = self.space.formula_of(e);
            let mut opaque = false;
            let mut seen = |a: &Atom| opaque |= matches!(a, Atom::Opaque(..));
            f.atoms(&mut seen);
            if !opaque {
                let yes = self.space.dnf(&f, "");
                let no = self.space.not_dnf(&f, "");
                let one = vec![cube];
                let piece = |b: bool| Piece {
                    text: b.to_string(),
                    lin: Some(Lin::konst(i128::from(b))),
                    rule: None,
                    compound: false,
                };
                let mut out: Vec<(Cube, Piece)> = Vec::new();
                out.extend(
                    self.space
                        .and(&one, &yes)
                        .into_iter()
                        .map(|c| (c, piece(true))),
                );
                out.extend(
                    self.space
                        .and(&one, &no)
                        .into_iter()
                        .map(|c| (c, piece(false))),
                );
                return out;
            }
        }
        self.pieces(v, e, cube, ov)
    }

    fn pieces(&mut self, v: ValueId, e: &Expr, cube: Cube, ov: Ov) -> Vec<(Cube, Piece)> {
        match e {
            Expr::Value(w) if self.inline.contains(w) && self.same_kind(*w) => self
                .value(*w, vec![cube])
                .into_iter()
                .map(|(c, o)| (c, piece_of(o)))
                .collect(),
            Expr::Overridden => {
                let outs = match ov {
                    Ov::Bases => self.bases(v, cube),
                    Ov::Parent(p) => self.decide_body_only(v, p, cube),
                };
                outs.into_iter().map(|(c, o)| (c, piece_of(o))).collect()
            }
            Expr::Arith(op, a, b) if self.reads_inline(e) && additive(*op).is_some() => {
                let sign = additive(*op).unwrap_or(1);
                let sym = if sign == 1 { "+" } else { "-" };
                let mut out = Vec::new();
                for (c, pa) in self.pieces(v, a, cube, ov) {
                    for (d, pb) in self.pieces(v, b, c, ov) {
                        let lin = pa
                            .lin
                            .as_ref()
                            .zip(pb.lin.as_ref())
                            .map(|(x, y)| x.add(y, sign));
                        let right = if sign == -1 {
                            paren(&pb)
                        } else {
                            pb.text.clone()
                        };
                        out.push((
                            d,
                            Piece {
                                text: format!("{} {sym} {right}", pa.text),
                                lin,
                                rule: None,
                                compound: true,
                            },
                        ));
                    }
                }
                out
            }
            Expr::Call(f @ (Func::Max | Func::Min), args) if args.len() == 2 => {
                let name = if *f == Func::Max { "max" } else { "min" };
                let mut out = Vec::new();
                for (c, pa) in self.pieces(v, &args[0], cube, ov) {
                    for (d, pb) in self.pieces(v, &args[1], c, ov) {
                        let text = format!("{name}({}, {})", pa.text, pb.text);
                        out.extend(self.extremum(*f, d, pa.clone(), pb, text));
                    }
                }
                out
            }
            _ if !self.reads_inline(e) => vec![(cube, self.leaf(v, e))],
            _ => self.substituted(v, e, cube, ov),
        }
    }

    /// `max`/`min` of two pieces: split where they are ordered, when their difference is
    /// analyzable.
    fn extremum(
        &mut self,
        f: Func,
        cube: Cube,
        a: Piece,
        b: Piece,
        text: String,
    ) -> Vec<(Cube, Piece)> {
        let whole = Piece {
            text,
            lin: None,
            rule: None,
            compound: false,
        };
        let (Some(la), Some(lb)) = (&a.lin, &b.lin) else {
            return vec![(cube, whole)];
        };
        let d = la.add(lb, -1);
        // `a` wins where a - b >= 0 (max) / <= 0 (min); ties give the same number.
        let (a_wins, b_wins) = if f == Func::Max {
            (d.atom(Some(0), None), d.atom(None, Some(-1)))
        } else {
            (d.atom(None, Some(0)), d.atom(Some(1), None))
        };
        let mut out = Vec::new();
        for (cond, p) in [(a_wins, a), (b_wins, b)] {
            let p = Piece {
                compound: p.compound,
                rule: None,
                ..p
            };
            match cond {
                Some(Err(true)) => out.push((cube.clone(), p)),
                Some(Err(false)) => {}
                Some(Ok(atom)) => {
                    for c in self.space.and(&vec![cube.clone()], &vec![vec![atom]]) {
                        out.push((c, p.clone()));
                    }
                }
                None => return vec![(cube, whole)],
            }
        }
        out
    }

    /// The outcome of rule `r` itself (its children do not take part): what `overridden`
    /// means in an exception to `r`.
    fn decide_body_only(&mut self, v: ValueId, r: RuleId, cube: Cube) -> Vec<(Cube, Out)> {
        self.body(v, r, cube)
    }

    fn same_kind(&self, w: ValueId) -> bool {
        let k = self.p.values.get(w as usize).and_then(|x| x.kind);
        k.is_none() || k == self.space.kind
    }

    /// An expression that reads nothing substituted, with its linear form.
    fn leaf(&self, v: ValueId, e: &Expr) -> Piece {
        Piece {
            text: self.renderer(v).expr(e),
            lin: self.lin(e),
            rule: None,
            compound: !matches!(
                e,
                Expr::Const(_) | Expr::Field(_) | Expr::Value(_) | Expr::Call(..)
            ),
        }
    }

    fn lin(&self, e: &Expr) -> Option<Lin> {
        match e {
            Expr::Const(Const::Instant(t) | Const::Duration(t) | Const::Int(t)) => {
                Some(Lin::konst(i128::from(*t)))
            }
            Expr::Const(Const::Money(m) | Const::Percent(m)) => {
                Some(Lin::konst(atoms::scaled(*m)?))
            }
            Expr::Field(p) => match self.space.kind.and_then(|k| self.p.field_ty(k, p))?.base() {
                Ty::Instant | Ty::Duration | Ty::Int | Ty::Money | Ty::Percent => {
                    Some(Lin::term(Term::Field(p.clone())))
                }
                _ => None,
            },
            Expr::Value(w) => {
                let val = self.p.values.get(*w as usize)?;
                Some(Lin::term(Term::Value(val.id.clone())))
            }
            Expr::Neg(x) => Some(Lin::default().add(&self.lin(x)?, -1)),
            Expr::Arith(op, a, b) => match additive(*op) {
                Some(sign) => Some(self.lin(a)?.add(&self.lin(b)?, sign)),
                None if matches!(op, ArithOp::IntMulDuration | ArithOp::IntMul) => {
                    let (x, y) = (self.lin(a)?, self.lin(b)?);
                    match (x.terms.is_empty(), y.terms.is_empty()) {
                        (true, true) => Some(Lin::konst(x.c.checked_mul(y.c)?)),
                        _ => None,
                    }
                }
                None => None,
            },
            _ => None,
        }
    }

    /// Any other expression reading substituted values: each substituted in turn, the
    /// text rebuilt around them.
    fn substituted(&mut self, v: ValueId, e: &Expr, cube: Cube, ov: Ov) -> Vec<(Cube, Piece)> {
        let mut refs: Vec<Expr> = Vec::new();
        e.walk(&mut |x| {
            let hit = match x {
                Expr::Overridden => true,
                Expr::Value(w) => self.inline.contains(w),
                _ => false,
            };
            if hit && !refs.contains(x) {
                refs.push(x.clone());
            }
        });
        let marker = |i: usize| format!("\u{1}{i}\u{1}");
        let template = crate::schema::map_expr(e, &mut |x| {
            refs.iter()
                .position(|r| r == x)
                .map(|i| Expr::Const(Const::Str(marker(i))))
        });
        let skeleton = self.renderer(v).expr(&template);
        let mut acc: Vec<(Cube, Vec<Piece>)> = vec![(cube, Vec::new())];
        for r in &refs {
            let mut next = Vec::new();
            for (c, got) in acc {
                for (d, p) in self.pieces(v, r, c, ov) {
                    let mut g = got.clone();
                    g.push(p);
                    next.push((d, g));
                }
            }
            if next.len() > MAX_CELLS {
                self.overflow = true;
                next.truncate(MAX_CELLS);
            }
            acc = next;
        }
        acc.into_iter()
            .map(|(c, got)| {
                let mut text = skeleton.clone();
                for (i, p) in got.iter().enumerate() {
                    text = text.replace(&format!("{:?}", marker(i)), &paren(p));
                }
                (
                    c,
                    Piece {
                        text,
                        lin: None,
                        rule: None,
                        compound: true,
                    },
                )
            })
            .collect()
    }
}

fn additive(op: ArithOp) -> Option<i64> {
    match op {
        ArithOp::InstantAddDuration
        | ArithOp::DurationAdd
        | ArithOp::IntAdd
        | ArithOp::MoneyAdd => Some(1),
        ArithOp::InstantSubDuration
        | ArithOp::InstantSubInstant
        | ArithOp::DurationSub
        | ArithOp::IntSub
        | ArithOp::MoneySub => Some(-1),
        _ => None,
    }
}

fn paren(p: &Piece) -> String {
    if p.compound {
        format!("({})", p.text)
    } else {
        p.text.clone()
    }
}

fn piece_of(o: Out) -> Piece {
    match o {
        Out::Rule { rule, text, lin } => Piece {
            compound: text.contains(' ') && !text.ends_with(')'),
            text,
            lin,
            rule: Some(rule),
        },
        Out::Conflict(a, b) => Piece {
            text: format!("conflict({a}, {b})"),
            lin: None,
            rule: None,
            compound: false,
        },
        Out::Undefined => Piece {
            text: "undefined".into(),
            lin: None,
            rule: None,
            compound: false,
        },
    }
}
