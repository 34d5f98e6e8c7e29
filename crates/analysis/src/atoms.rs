//! Analyzable atoms, derived from guards by a pure function.
//!
//! The IR keeps guards as typed expressions (see `ir`'s design note); this module reads
//! them as formulas over a small set of atoms that lint and diff can decide exactly:
//!
//! - [`Atom::Num`]: a bound on one numeric field (instant, duration, int, money) or on the
//!   difference of two (`done_at - started_at > 24h`);
//! - [`Atom::Enum`], [`Atom::Bool`], [`Atom::Present`] (`is some`/`is none`);
//! - [`Atom::StrEq`] (string field equals a literal) and [`Atom::StrIn`] (a literal in a
//!   set-of-strings field);
//! - [`Atom::Region`]: a region field inside a [`regions::RegionSet`].
//!
//! Anything else (aggregates over lists, other checks' statuses, values with several
//! definitions) becomes an [`Atom::Opaque`] proposition named by its text: a free boolean.
//! Claims that depend on one are reported as undecided, never silently dropped.
//!
//! An atom on a field also asserts that every optional field on its path is present: the
//! checker only lets a guard use an optional after testing it, so the negation of a bound
//! is "absent, or outside the bound". Values defined by one unguarded base and no
//! exceptions are inlined, so `x in listed_regions` reads the region set itself.

use ir::{ArithOp, CmpOp, Const, Expr, KindId, Program, Ty, ValueId};
use regions::RegionSet;
use rust_decimal::Decimal;

use crate::render::Renderer;
use crate::schema::Path;

/// Money and percent are compared as integers of this many units per 1.
pub const MONEY_SCALE: i64 = 1_000_000;
/// Largest number of cubes a formula may expand to before it is treated as opaque.
pub const MAX_CUBES: usize = 512;
const MAX_INLINE_DEPTH: u32 = 16;

/// One analyzable proposition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Atom {
    /// `lo <= pos - neg <= hi` (`neg` absent: `lo <= pos <= hi`); both fields present.
    Num {
        /// The field bounded.
        pos: Path,
        /// The field subtracted, for differences.
        neg: Option<Path>,
        /// Inclusive lower bound.
        lo: Option<i128>,
        /// Inclusive upper bound.
        hi: Option<i128>,
    },
    /// The enum field's variant is one of the set bits.
    Enum(Path, u64),
    /// The bool field has this value.
    Bool(Path, bool),
    /// The field is present (`true`) or absent.
    Present(Path, bool),
    /// The string field equals (`true`) or differs from the literal.
    StrEq(Path, String, bool),
    /// The literal is (`true`) or is not a member of the set-of-strings field.
    StrIn(Path, String, bool),
    /// The region field is inside the set.
    Region(Path, RegionSet),
    /// Not analyzable: a free proposition named by its text, with its polarity.
    Opaque(String, bool),
}

/// A formula over atoms.
#[derive(Debug, Clone, PartialEq)]
pub enum Formula {
    /// `true` / `false`.
    Const(bool),
    /// One atom.
    Atom(Atom),
    /// All hold.
    And(Vec<Formula>),
    /// Some holds.
    Or(Vec<Formula>),
    /// Does not hold.
    Not(Box<Formula>),
}

impl Formula {
    /// Calls `f` on every atom of the formula.
    pub fn atoms(&self, f: &mut dyn FnMut(&Atom)) {
        match self {
            Formula::Const(_) => {}
            Formula::Atom(a) => f(a),
            Formula::And(xs) | Formula::Or(xs) => xs.iter().for_each(|x| x.atoms(f)),
            Formula::Not(x) => x.atoms(f),
        }
    }
}

/// Values and checks whose meaning differs between two versions, with the tag their
/// opaque conditions get in this version (so the two versions' conditions stay apart).
#[derive(Debug, Clone, Default)]
pub struct Mark {
    /// Changed values.
    pub values: std::collections::BTreeSet<ValueId>,
    /// Checks with a changed component or definition.
    pub checks: std::collections::BTreeSet<ir::CheckId>,
    /// `old` or `new`.
    pub tag: String,
}

impl Mark {
    /// Whether `e` reads something changed.
    pub fn reads(&self, e: &Expr) -> bool {
        let mut hit = false;
        e.walk(&mut |x| match x {
            Expr::Value(v) => hit |= self.values.contains(v),
            Expr::Status(c) => hit |= self.checks.contains(c),
            _ => {}
        });
        hit
    }
}

/// A conjunction of atoms.
pub type Cube = Vec<Atom>;
/// A disjunction of cubes.
pub type Dnf = Vec<Cube>;

/// Derives formulas from the expressions of one fact kind's values.
pub struct Deriver<'a> {
    /// The program.
    pub program: &'a Program,
    /// The fact kind fields belong to.
    pub kind: Option<KindId>,
    /// Changed values and checks: opaque conditions reading them are tagged.
    pub mark: Option<&'a Mark>,
    /// Where to note opaque conditions that records with empty lists satisfy (text and
    /// the polarity that holds on them).
    pub vacuous: Option<&'a std::cell::RefCell<std::collections::HashSet<(String, bool)>>>,
}

/// A linear numeric form: `Σ coef·field + c`.
#[derive(Debug, Clone, Default)]
struct Lin {
    terms: Vec<(Path, i64)>,
    c: i128,
}

impl Lin {
    fn add(mut self, other: Lin, sign: i64) -> Lin {
        for (p, k) in other.terms {
            match self.terms.iter_mut().find(|(q, _)| *q == p) {
                Some((_, j)) => *j += sign * k,
                None => self.terms.push((p, sign * k)),
            }
        }
        self.terms.retain(|(_, k)| *k != 0);
        self.c += i128::from(sign) * other.c;
        self
    }
}

impl Deriver<'_> {
    /// The guard of a rule as a formula (`None`: always true).
    pub fn guard(&self, g: Option<&ir::Guard>) -> Formula {
        match g {
            None => Formula::Const(true),
            Some(g) => Formula::And(g.conjuncts.iter().map(|c| self.formula(&c.expr)).collect()),
        }
    }

    /// A boolean expression as a formula.
    pub fn formula(&self, e: &Expr) -> Formula {
        self.formula_at(e, 0)
    }

    /// The polarity an aggregate condition has when its list is empty (`max(…) is some`,
    /// `any(…)`: false; `… is none`, `all(…)`: true), when `e` is one.
    fn on_empty(&self, e: &Expr, depth: u32) -> Option<bool> {
        let list_field = |l: &Expr| matches!(self.resolve(l, depth), Expr::Field(_));
        match e {
            Expr::IsSome(x, some) => match self.resolve(x, depth) {
                Expr::Extremum { list, .. } if list_field(list) => Some(!*some),
                _ => None,
            },
            Expr::Quant { op, list, .. } if list_field(list) => match op {
                ir::QuantOp::Any => Some(false),
                ir::QuantOp::All => Some(true),
                ir::QuantOp::Count => None,
            },
            Expr::Value(_) => self.on_empty(self.resolve(e, depth), depth + 1),
            _ => None,
        }
    }

    fn opaque(&self, e: &Expr) -> Formula {
        let text = Renderer {
            program: self.program,
            kind: self.kind,
        }
        .expr(e);
        let text = match self.mark {
            Some(m) if m.reads(e) => format!("{text} [{}]", m.tag),
            _ => text,
        };
        if let (Some(v), Some(pol)) = (self.vacuous, self.on_empty(e, 0)) {
            v.borrow_mut().insert((text.clone(), pol));
        }
        Formula::Atom(Atom::Opaque(text, true))
    }

    fn formula_at(&self, e: &Expr, depth: u32) -> Formula {
        if depth > MAX_INLINE_DEPTH {
            return self.opaque(e);
        }
        let derived = match e {
            Expr::Const(Const::Bool(b)) => Some(Formula::Const(*b)),
            Expr::Not(x) => Some(Formula::Not(Box::new(self.formula_at(x, depth)))),
            Expr::And(xs) => Some(Formula::And(
                xs.iter().map(|x| self.formula_at(x, depth)).collect(),
            )),
            Expr::Or(xs) => Some(Formula::Or(
                xs.iter().map(|x| self.formula_at(x, depth)).collect(),
            )),
            Expr::Value(v) => self.inline(*v).map(|body| self.formula_at(body, depth + 1)),
            Expr::Field(p) => match self.ty(p).map(Ty::base) {
                Some(Ty::Bool) => Some(Formula::Atom(Atom::Bool(p.clone(), true))),
                _ => None,
            },
            Expr::IsSome(x, some) => match self.resolve(x, depth) {
                Expr::Field(p) => Some(Formula::Atom(Atom::Present(p.clone(), *some))),
                _ => None,
            },
            Expr::Cmp(op, a, b) => self.cmp(*op, a, b, depth),
            Expr::InWindow(x, w) => match self.constant(w, depth) {
                Some(Const::Window(lo, hi)) => self.bounds(x, Some(*lo), Some(*hi), depth),
                _ => None,
            },
            Expr::InRegions(x, s) => {
                let set = match self.constant(s, depth) {
                    Some(Const::Regions(set)) => Some(set.clone()),
                    Some(Const::Region(code)) => {
                        Some(RegionSet::from_ranges(vec![regions::code_range(*code)]))
                    }
                    _ => None,
                };
                match (self.resolve(x, depth), set) {
                    (Expr::Field(p), Some(set)) => {
                        Some(Formula::Atom(Atom::Region(p.clone(), set)))
                    }
                    _ => None,
                }
            }
            Expr::InSet(x, s) => self.in_set(x, s, depth),
            _ => None,
        };
        derived.unwrap_or_else(|| self.opaque(e))
    }

    fn ty(&self, p: &[u32]) -> Option<&Ty> {
        self.program.field_ty(self.kind?, p)
    }

    /// The body of a value that has one unguarded base, no exceptions and no children.
    pub fn inline(&self, v: ValueId) -> Option<&Expr> {
        let value = self.program.values.get(v as usize)?;
        if value.bases.len() != 1 || !value.exceptions.is_empty() {
            return None;
        }
        let rule = self.program.rules.get(*value.bases.first()? as usize)?;
        if rule.guard.is_some() || !rule.children.is_empty() {
            return None;
        }
        // A value of another kind reads other slots: not comparable.
        if value.kind.is_some() && self.kind.is_some() && value.kind != self.kind {
            return None;
        }
        Some(&rule.body)
    }

    fn resolve<'e>(&'e self, e: &'e Expr, depth: u32) -> &'e Expr {
        match e {
            Expr::Value(v) if depth <= MAX_INLINE_DEPTH => match self.inline(*v) {
                Some(b) => self.resolve(b, depth + 1),
                None => e,
            },
            _ => e,
        }
    }

    fn constant<'e>(&'e self, e: &'e Expr, depth: u32) -> Option<&'e Const> {
        match self.resolve(e, depth) {
            Expr::Const(c) => Some(c),
            _ => None,
        }
    }

    fn lin(&self, e: &Expr, depth: u32) -> Option<Lin> {
        let e = self.resolve(e, depth);
        let konst = |c: i128| Some(Lin { terms: vec![], c });
        match e {
            Expr::Const(Const::Instant(t) | Const::Duration(t) | Const::Int(t)) => {
                konst(i128::from(*t))
            }
            Expr::Const(Const::Money(m) | Const::Percent(m)) => konst(scaled(*m)?),
            Expr::Field(p) => match self.ty(p).map(Ty::base)? {
                Ty::Instant | Ty::Duration | Ty::Int | Ty::Money | Ty::Percent => Some(Lin {
                    terms: vec![(p.clone(), 1)],
                    c: 0,
                }),
                _ => None,
            },
            Expr::Neg(x) => Some(Lin::default().add(self.lin(x, depth)?, -1)),
            Expr::Arith(op, a, b) => match op {
                ArithOp::InstantAddDuration
                | ArithOp::DurationAdd
                | ArithOp::IntAdd
                | ArithOp::MoneyAdd => Some(self.lin(a, depth)?.add(self.lin(b, depth)?, 1)),
                ArithOp::InstantSubDuration
                | ArithOp::InstantSubInstant
                | ArithOp::DurationSub
                | ArithOp::IntSub
                | ArithOp::MoneySub => Some(self.lin(a, depth)?.add(self.lin(b, depth)?, -1)),
                ArithOp::IntMulDuration | ArithOp::IntMul => {
                    let (x, y) = (self.lin(a, depth)?, self.lin(b, depth)?);
                    if x.terms.is_empty() && y.terms.is_empty() {
                        konst(x.c.checked_mul(y.c)?)
                    } else {
                        None
                    }
                }
                ArithOp::MoneyMulPercent | ArithOp::MoneyMulInt => None,
            },
            _ => None,
        }
    }

    fn bounds(&self, x: &Expr, lo: Option<i64>, hi: Option<i64>, depth: u32) -> Option<Formula> {
        let l = self.lin(x, depth)?;
        let atom = |lo: Option<i128>, hi: Option<i128>| self.num_atom(&l, lo, hi);
        atom(lo.map(i128::from), hi.map(i128::from))
    }

    /// `lo <= lin <= hi` as an atom, when `lin` is one field or a difference of two.
    fn num_atom(&self, l: &Lin, lo: Option<i128>, hi: Option<i128>) -> Option<Formula> {
        let shift = |b: Option<i128>| b.map(|b| b - l.c);
        let (lo, hi) = (shift(lo), shift(hi));
        let atom = match l.terms.as_slice() {
            [] => {
                let ok = lo.is_none_or(|lo| 0 >= lo) && hi.is_none_or(|hi| 0 <= hi);
                return Some(Formula::Const(ok));
            }
            [(p, 1)] => Atom::Num {
                pos: p.clone(),
                neg: None,
                lo,
                hi,
            },
            [(p, -1)] => Atom::Num {
                pos: p.clone(),
                neg: None,
                lo: hi.map(|h| -h),
                hi: lo.map(|l| -l),
            },
            [(p, 1), (q, -1)] | [(q, -1), (p, 1)] => Atom::Num {
                pos: p.clone(),
                neg: Some(q.clone()),
                lo,
                hi,
            },
            _ => return None,
        };
        Some(Formula::Atom(atom))
    }

    fn cmp(&self, op: CmpOp, a: &Expr, b: &Expr, depth: u32) -> Option<Formula> {
        if let Some(f) = self.cmp_discrete(op, a, b, depth) {
            return Some(f);
        }
        let l = self.lin(a, depth)?.add(self.lin(b, depth)?, -1);
        // l op 0, integers.
        let f = match op {
            CmpOp::Lt => self.num_atom(&l, None, Some(-1))?,
            CmpOp::Le => self.num_atom(&l, None, Some(0))?,
            CmpOp::Gt => self.num_atom(&l, Some(1), None)?,
            CmpOp::Ge => self.num_atom(&l, Some(0), None)?,
            CmpOp::Eq => self.num_atom(&l, Some(0), Some(0))?,
            CmpOp::Ne => Formula::Not(Box::new(self.num_atom(&l, Some(0), Some(0))?)),
        };
        Some(f)
    }

    /// `==` / `!=` on enums, bools and strings.
    fn cmp_discrete(&self, op: CmpOp, a: &Expr, b: &Expr, depth: u32) -> Option<Formula> {
        let positive = match op {
            CmpOp::Eq => true,
            CmpOp::Ne => false,
            _ => return None,
        };
        let (a, b) = (self.resolve(a, depth), self.resolve(b, depth));
        let (p, c) = match (a, b) {
            (Expr::Field(p), Expr::Const(c)) | (Expr::Const(c), Expr::Field(p)) => (p, c),
            _ => return None,
        };
        let atom = match c {
            Const::Enum(i) if *i < 64 => Atom::Enum(p.clone(), 1u64 << i),
            Const::Bool(v) => Atom::Bool(p.clone(), *v),
            Const::Str(s) => Atom::StrEq(p.clone(), s.clone(), true),
            _ => return None,
        };
        let f = Formula::Atom(atom);
        Some(if positive {
            f
        } else {
            Formula::Not(Box::new(f))
        })
    }

    fn in_set(&self, x: &Expr, s: &Expr, depth: u32) -> Option<Formula> {
        let (x, s) = (self.resolve(x, depth), self.resolve(s, depth));
        match (x, s) {
            (Expr::Const(Const::Str(lit)), Expr::Field(p)) => {
                Some(Formula::Atom(Atom::StrIn(p.clone(), lit.clone(), true)))
            }
            (Expr::Field(p), Expr::Const(Const::Set(items))) => {
                let mut bits = 0u64;
                let mut alts = Vec::new();
                for c in items {
                    match c {
                        Const::Enum(i) if *i < 64 => bits |= 1u64 << i,
                        Const::Str(s) => {
                            alts.push(Formula::Atom(Atom::StrEq(p.clone(), s.clone(), true)))
                        }
                        Const::Int(i) => alts.push(Formula::Atom(Atom::Num {
                            pos: p.clone(),
                            neg: None,
                            lo: Some(i128::from(*i)),
                            hi: Some(i128::from(*i)),
                        })),
                        _ => return None,
                    }
                }
                if bits != 0 {
                    alts.push(Formula::Atom(Atom::Enum(p.clone(), bits)));
                }
                Some(Formula::Or(alts))
            }
            _ => None,
        }
    }
}

/// Money or percent as an integer of [`MONEY_SCALE`] units, when exact.
pub fn scaled(m: Decimal) -> Option<i128> {
    let s = m.checked_mul(Decimal::from(MONEY_SCALE))?;
    if s.fract().is_zero() {
        10i128.checked_pow(s.scale()).map(|d| s.mantissa() / d)
    } else {
        None
    }
}

/// The negation of one atom, as a DNF (a bound fails when a field on its path is absent).
pub fn negate(a: &Atom, absent: &dyn Fn(&Path) -> Vec<Path>) -> Dnf {
    let mut out: Dnf = Vec::new();
    let mut absent_of = |p: &Path| {
        for q in absent(p) {
            out.push(vec![Atom::Present(q, false)]);
        }
    };
    match a {
        Atom::Num { pos, neg, lo, hi } => {
            absent_of(pos);
            if let Some(n) = neg {
                absent_of(n);
            }
            let mk = |lo, hi| Atom::Num {
                pos: pos.clone(),
                neg: neg.clone(),
                lo,
                hi,
            };
            if let Some(l) = lo {
                out.push(vec![mk(None, Some(l - 1))]);
            }
            if let Some(h) = hi {
                out.push(vec![mk(Some(h + 1), None)]);
            }
        }
        Atom::Enum(p, bits) => {
            absent_of(p);
            out.push(vec![Atom::Enum(p.clone(), !bits)]);
        }
        Atom::Bool(p, v) => {
            absent_of(p);
            out.push(vec![Atom::Bool(p.clone(), !v)]);
        }
        Atom::Present(p, v) => out.push(vec![Atom::Present(p.clone(), !v)]),
        Atom::StrEq(p, s, v) => {
            absent_of(p);
            out.push(vec![Atom::StrEq(p.clone(), s.clone(), !v)]);
        }
        Atom::StrIn(p, s, v) => {
            absent_of(p);
            out.push(vec![Atom::StrIn(p.clone(), s.clone(), !v)]);
        }
        Atom::Region(p, set) => {
            absent_of(p);
            out.push(vec![Atom::Region(p.clone(), set.complement())]);
        }
        Atom::Opaque(t, v) => out.push(vec![Atom::Opaque(t.clone(), !v)]),
    }
    out
}

/// Expands a formula into DNF; `None` when it would exceed [`MAX_CUBES`].
pub fn dnf(f: &Formula, absent: &dyn Fn(&Path) -> Vec<Path>) -> Option<Dnf> {
    go(f, true, absent)
}

fn go(f: &Formula, positive: bool, absent: &dyn Fn(&Path) -> Vec<Path>) -> Option<Dnf> {
    match (f, positive) {
        (Formula::Const(b), _) => Some(if *b == positive { vec![vec![]] } else { vec![] }),
        (Formula::Atom(a), true) => Some(vec![vec![a.clone()]]),
        (Formula::Atom(a), false) => Some(negate(a, absent)),
        (Formula::Not(x), _) => go(x, !positive, absent),
        (Formula::And(xs), true) | (Formula::Or(xs), false) => {
            let mut acc: Dnf = vec![vec![]];
            for x in xs {
                acc = and(&acc, &go(x, positive, absent)?)?;
            }
            Some(acc)
        }
        (Formula::Or(xs), true) | (Formula::And(xs), false) => {
            let mut acc: Dnf = Vec::new();
            for x in xs {
                acc.extend(go(x, positive, absent)?);
                if acc.len() > MAX_CUBES {
                    return None;
                }
            }
            Some(acc)
        }
    }
}

/// The conjunction of two DNFs; `None` when it would exceed [`MAX_CUBES`].
pub fn and(a: &Dnf, b: &Dnf) -> Option<Dnf> {
    if a.len().saturating_mul(b.len()) > MAX_CUBES * 4 {
        return None;
    }
    let mut out = Vec::new();
    for x in a {
        for y in b {
            let mut c = x.clone();
            for a in y {
                if !c.contains(a) {
                    c.push(a.clone());
                }
            }
            out.push(c);
        }
    }
    Some(out)
}
