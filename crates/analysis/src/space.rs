//! The record space of one fact kind: guards as DNFs of satisfiable cubes.
//!
//! [`Space`] ties the atom derivation ([`crate::atoms`]) and the solver ([`crate::solve`])
//! to one program and fact kind: it knows which fields are optional, how many variants an
//! enum has, and where to anchor an instant nothing bounds. Every DNF it hands out is
//! pruned of unsatisfiable cubes, so "empty" means "no record".

use ir::{Guard, KindId, Program, Rule, RuleId, Ty};

use crate::atoms::{self, Atom, Cube, Deriver, Dnf, Formula};
use crate::schema::{self, Path};
use crate::solve::{self, Domain, Prefer, Sat};

/// One fact kind's record space.
pub struct Space<'a> {
    /// The program.
    pub program: &'a Program,
    /// The kind (None: values that read no facts).
    pub kind: Option<KindId>,
    anchor: i128,
    /// Changed values and checks (diff): opaque conditions reading them are tagged.
    pub mark: Option<atoms::Mark>,
    /// Opaque conditions records with empty lists satisfy, with that polarity.
    vacuous: std::cell::RefCell<std::collections::HashSet<(String, bool)>>,
}

impl Domain for Space<'_> {
    fn optional_prefixes(&self, p: &Path) -> Vec<Path> {
        match self.kind {
            Some(k) => schema::optional_prefixes(self.program, k, p),
            None => Vec::new(),
        }
    }

    fn is_optional(&self, p: &Path) -> bool {
        self.kind
            .and_then(|k| self.program.field_ty(k, p))
            .is_some_and(Ty::is_optional)
    }

    fn variants(&self, p: &Path) -> u32 {
        let ty = self.kind.and_then(|k| self.program.field_ty(k, p));
        match ty.map(Ty::base) {
            Some(Ty::Enum(e)) => self
                .program
                .enums
                .get(*e as usize)
                .map_or(64, |e| e.variants.len() as u32),
            _ => 64,
        }
    }

    fn is_instant(&self, p: &Path) -> bool {
        let ty = self.kind.and_then(|k| self.program.field_ty(k, p));
        matches!(ty.map(Ty::base), Some(Ty::Instant))
    }

    fn vacuous(&self, text: &str, polarity: bool) -> bool {
        self.vacuous
            .borrow()
            .contains(&(text.to_string(), polarity))
    }

    fn anchor(&self, p: &Path) -> i128 {
        let ty = self.kind.and_then(|k| self.program.field_ty(k, p));
        match ty.map(Ty::base) {
            Some(Ty::Instant) => self.anchor,
            _ => 0,
        }
    }
}

impl<'a> Space<'a> {
    /// The space of `kind` in `program`.
    pub fn new(program: &'a Program, kind: Option<KindId>) -> Space<'a> {
        Space {
            program,
            kind,
            anchor: default_anchor(program),
            mark: None,
            vacuous: Default::default(),
        }
    }

    /// The space with conditions on changed values and checks tagged (see [`atoms::Mark`]).
    pub fn marked(mut self, mark: atoms::Mark) -> Self {
        self.mark = Some(mark);
        self
    }

    /// A boolean expression as a formula.
    pub fn formula_of(&self, e: &ir::Expr) -> Formula {
        self.deriver().formula(e)
    }

    /// Where unbounded instants are placed.
    pub fn anchor(&self) -> i128 {
        self.anchor
    }

    fn deriver(&self) -> Deriver<'_> {
        Deriver {
            program: self.program,
            kind: self.kind,
            mark: self.mark.as_ref(),
            vacuous: Some(&self.vacuous),
        }
    }

    /// A formula for a guard.
    pub fn formula(&self, g: Option<&Guard>) -> Formula {
        self.deriver().guard(g)
    }

    /// The formula as a pruned DNF; a formula too large to expand becomes one opaque atom.
    pub fn dnf(&self, f: &Formula, text: &str) -> Dnf {
        let absent = |p: &Path| self.optional_prefixes(p);
        match atoms::dnf(f, &absent) {
            Some(d) => self.prune(d),
            None => vec![vec![Atom::Opaque(format!("({text})"), true)]],
        }
    }

    /// The negation of a formula as a pruned DNF.
    pub fn not_dnf(&self, f: &Formula, text: &str) -> Dnf {
        let absent = |p: &Path| self.optional_prefixes(p);
        match atoms::dnf(&Formula::Not(Box::new(f.clone())), &absent) {
            Some(d) => self.prune(d),
            None => vec![vec![Atom::Opaque(format!("({text})"), false)]],
        }
    }

    /// The conjunction, pruned (too large: the first operand, with an opaque marker).
    pub fn and(&self, a: &Dnf, b: &Dnf) -> Dnf {
        match atoms::and(a, b) {
            Some(d) => self.prune(d),
            None => a
                .iter()
                .map(|c| {
                    let mut c = c.clone();
                    c.push(Atom::Opaque(
                        "(a condition too large to analyze)".into(),
                        true,
                    ));
                    c
                })
                .collect(),
        }
    }

    /// Drops unsatisfiable cubes.
    pub fn prune(&self, d: Dnf) -> Dnf {
        d.into_iter()
            .filter(|c| solve::satisfiable(c, self))
            .collect()
    }

    /// Decides one cube.
    pub fn solve(&self, c: &Cube, prefer: Prefer) -> Sat {
        solve::solve(c, self, prefer)
    }

    /// The text of a guard (its conjuncts joined), for messages.
    pub fn guard_text(g: Option<&Guard>) -> String {
        match g {
            None => "true".into(),
            Some(g) => g
                .conjuncts
                .iter()
                .map(|c| c.text.as_str())
                .collect::<Vec<_>>()
                .join(" and "),
        }
    }

    /// The rule's own guard as a pruned DNF.
    pub fn guard_dnf(&self, r: &Rule) -> Dnf {
        self.dnf(
            &self.formula(r.guard.as_ref()),
            &Self::guard_text(r.guard.as_ref()),
        )
    }

    /// The negation of the rule's own guard as a pruned DNF.
    pub fn not_guard_dnf(&self, r: &Rule) -> Dnf {
        self.not_dnf(
            &self.formula(r.guard.as_ref()),
            &Self::guard_text(r.guard.as_ref()),
        )
    }

    /// Where the rule is looked at and applies: its guard and every ancestor's.
    pub fn path_dnf(&self, id: RuleId) -> Dnf {
        let mut acc: Dnf = vec![vec![]];
        let mut cur = Some(id);
        let mut steps = 0;
        while let Some(r) = cur.and_then(|i| self.program.rules.get(i as usize)) {
            acc = self.and(&acc, &self.guard_dnf(r));
            cur = match r.parent {
                ir::Parent::Rule(p) => Some(p),
                _ => None,
            };
            steps += 1;
            if steps > self.program.rules.len() {
                break;
            }
        }
        acc
    }

    /// The first satisfiable cube's answer, preferring definite models.
    pub fn witness(&self, d: &Dnf, prefer: Prefer) -> Sat {
        let mut maybe = Sat::No;
        for c in d {
            match self.solve(c, prefer) {
                Sat::Yes(m) => return Sat::Yes(m),
                Sat::Maybe(m) if !maybe.possible() => maybe = Sat::Maybe(m),
                _ => {}
            }
        }
        maybe
    }
}

/// The fact kind a value's record space is over: the kind its rules read, else (a check
/// component that reads only other values) its check's kind.
pub fn value_kind(p: &Program, v: ir::ValueId) -> Option<KindId> {
    let value = p.values.get(v as usize)?;
    value.kind.or_else(|| {
        value
            .check
            .and_then(|c| p.checks.get(c as usize))
            .map(|c| c.kind)
    })
}

/// An instant to place unbounded instant fields at: the earliest instant constant of the
/// program (so witnesses land near the policies' own dates), else 2024-01-01 00:00 +08:00.
fn default_anchor(p: &Program) -> i128 {
    let mut best: Option<i64> = None;
    let mut see = |e: &ir::Expr| {
        e.walk(&mut |x| {
            if let ir::Expr::Const(ir::Const::Instant(t) | ir::Const::Window(t, _)) = x {
                best = Some(best.map_or(*t, |b| b.min(*t)));
            }
        })
    };
    for r in &p.rules {
        see(&r.body);
        for c in r.guard.iter().flat_map(|g| &g.conjuncts) {
            see(&c.expr);
        }
    }
    i128::from(best.unwrap_or(1_704_038_400_000_000))
}
