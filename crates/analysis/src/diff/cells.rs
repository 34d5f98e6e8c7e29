//! A value's decision as a partition of the record space into cells.
//!
//! Each cell is a cube with the outcome evaluation reaches there: the deciding rule and
//! its body rendered in the author's terms, with `overridden` replaced by what it stands
//! for in that cell (the bases' outcome for an exception to the value, the parent's body
//! for an exception to a rule). Cells come from splitting on every guard the evaluation
//! looks at — applies / does not apply — so the cells of one value are disjoint.

use ir::{Parent, Program, RuleId, ValueId};

use crate::atoms::Cube;
use crate::render::Renderer;
use crate::space::Space;

/// What a value is in one cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    /// Decided by a rule, with its value as text.
    Rule {
        /// The deciding rule's id.
        rule: String,
        /// Its body, `overridden` substituted.
        text: String,
    },
    /// Two applicable rules disagree.
    Conflict(String, String),
    /// No definition applies.
    Undefined,
}

impl Out {
    /// One line for people.
    pub fn show(&self) -> String {
        match self {
            Out::Rule { rule, text } => format!("{text} (by {rule})"),
            Out::Conflict(a, b) => format!("conflict between {a} and {b}"),
            Out::Undefined => "undefined (no definition applies)".into(),
        }
    }
}

/// Largest number of cells computed for one value before giving up.
pub const MAX_CELLS: usize = 4096;

/// Computes cells of values of one program.
pub struct Cells<'a> {
    /// The program.
    pub p: &'a Program,
    /// The value's record space.
    pub space: &'a Space<'a>,
    /// Set when [`MAX_CELLS`] was exceeded.
    pub overflow: bool,
}

impl Cells<'_> {
    /// The cells of value `v`, within `region`.
    pub fn value(&mut self, v: ValueId, region: Vec<Cube>) -> Vec<(Cube, Out)> {
        let Some(val) = self.p.values.get(v as usize) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (cube, applicable) in self.branch(&val.exceptions, region) {
            if applicable.is_empty() {
                out.extend(self.bases(v, cube));
            } else {
                out.extend(self.resolve(v, &applicable, cube, true));
            }
        }
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
                out.extend(self.resolve(v, &applicable, c, false));
            }
        }
        out
    }

    /// Splits `region` by which of `rules` apply.
    fn branch(&mut self, rules: &[RuleId], region: Vec<Cube>) -> Vec<(Cube, Vec<RuleId>)> {
        let mut acc: Vec<(Cube, Vec<RuleId>)> = region.into_iter().map(|c| (c, vec![])).collect();
        for r in rules {
            let Some(rule) = self.p.rules.get(*r as usize) else {
                continue;
            };
            let (yes, no) = (self.space.guard_dnf(rule), self.space.not_guard_dnf(rule));
            let mut next = Vec::new();
            for (c, a) in acc {
                for (d, applies) in [(&yes, true), (&no, false)] {
                    for x in self.space.and(&vec![c.clone()], d) {
                        let mut a2 = a.clone();
                        if applies {
                            a2.push(*r);
                        }
                        next.push((x, a2));
                    }
                }
            }
            if next.len() > MAX_CELLS {
                self.overflow = true;
                next.truncate(MAX_CELLS);
            }
            acc = next;
        }
        acc
    }

    fn resolve(&mut self, v: ValueId, set: &[RuleId], cube: Cube, top: bool) -> Vec<(Cube, Out)> {
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
        let mut out = Vec::new();
        let mut per: Vec<Vec<(Cube, Out)>> = Vec::new();
        for w in &winners {
            per.push(self.decide(v, *w, cube.clone(), top));
        }
        // Several winners: agreement cell by cell, else a conflict of the first two.
        let Some(first) = per.first() else {
            return vec![(cube, Out::Undefined)];
        };
        if per.len() == 1 {
            return first.clone();
        }
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

    fn decide(&mut self, v: ValueId, r: RuleId, cube: Cube, top: bool) -> Vec<(Cube, Out)> {
        let Some(rule) = self.p.rules.get(r as usize) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (c, applicable) in self.branch(&rule.children, vec![cube]) {
            if !applicable.is_empty() {
                out.extend(self.resolve(v, &applicable, c, false));
                continue;
            }
            out.extend(self.body(v, r, c, top));
        }
        out
    }

    /// The body of `r` in `cube`, `overridden` substituted (splitting on the bases when it
    /// stands for them).
    fn body(&mut self, v: ValueId, r: RuleId, cube: Cube, _top: bool) -> Vec<(Cube, Out)> {
        let Some(rule) = self.p.rules.get(r as usize) else {
            return Vec::new();
        };
        let kind = self.p.values.get(v as usize).and_then(|x| x.kind);
        let ren = Renderer {
            program: self.p,
            kind,
        };
        let text = ren.expr(&rule.body);
        let uses = uses_overridden(&rule.body);
        if !uses {
            return vec![(
                cube,
                Out::Rule {
                    rule: rule.id.clone(),
                    text,
                },
            )];
        }
        match rule.parent {
            Parent::Rule(parent) => {
                let inner = self.body(v, parent, cube, false);
                inner
                    .into_iter()
                    .map(|(c, o)| (c, substitute(&rule.id, &text, &o)))
                    .collect()
            }
            Parent::Value | Parent::Base => self
                .bases(v, cube)
                .into_iter()
                .map(|(c, o)| (c, substitute(&rule.id, &text, &o)))
                .collect(),
        }
    }
}

fn substitute(rule: &str, text: &str, o: &Out) -> Out {
    match o {
        Out::Rule { text: inner, .. } => Out::Rule {
            rule: rule.to_string(),
            text: text.replace("overridden", &format!("({inner})")),
        },
        other => other.clone(),
    }
}

fn uses_overridden(e: &ir::Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| found |= matches!(x, ir::Expr::Overridden));
    found
}
