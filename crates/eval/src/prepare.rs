//! Preparing a program for evaluation, once, before any record.
//!
//! Preparation turns the IR into the form the hot path wants: constants become runtime
//! values (so a string or region-set literal is not rebuilt per record), rule lists are
//! sorted by rule id (the order in which agreement and conflict are decided), checks are
//! grouped by fact kind in check-name order, and every id an expression or rule refers to
//! is checked to be in range, so a damaged or hand-edited IR is rejected here with a
//! message instead of misbehaving later. (The evaluator still reads through `.get()`:
//! nothing in a record can make it panic.)

use std::fmt;
use std::sync::Arc;

use ir::{ArithOp, CheckId, CmpOp, Expr, Func, KindId, Parent, Program, QuantOp, RuleId, ValueId};
use regions::RegionSet;

use crate::val::Val;

/// A prepared expression: [`ir::Expr`] with constants as runtime values.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Const(Val),
    /// A top-level field of the record (the common case, one slot).
    Slot(u32),
    /// A field path through nested records.
    Field(Box<[u32]>),
    Local {
        depth: u32,
        path: Box<[u32]>,
    },
    Value(ValueId),
    Overridden,
    Status(CheckId),
    Not(Box<Node>),
    Neg(Box<Node>),
    And(Box<[Node]>),
    Or(Box<[Node]>),
    Cmp(CmpOp, Box<Node>, Box<Node>),
    Arith(ArithOp, Box<Node>, Box<Node>),
    IsSome(Box<Node>, bool),
    InWindow(Box<Node>, Box<Node>),
    InSet(Box<Node>, Box<Node>),
    InRegions(Box<Node>, Box<Node>),
    Call(Func, Box<[Node]>),
    Quant {
        op: QuantOp,
        list: Box<Node>,
        filter: Option<Box<Node>>,
    },
    Extremum {
        op: Func,
        body: Box<Node>,
        list: Box<Node>,
        filter: Option<Box<Node>>,
    },
}

/// A prepared rule.
#[derive(Debug, Clone)]
pub(crate) struct PRule {
    pub value: ValueId,
    pub parent: Parent,
    pub guard: Box<[Node]>,
    pub body: Node,
    /// Sorted by rule id.
    pub children: Box<[RuleId]>,
    pub beats: Box<[RuleId]>,
    /// `Some(w)` when the body is exactly `Expr::Value(w)`.
    pub alias: Option<ValueId>,
}

/// How a value's tree can be evaluated.
#[derive(Debug, Clone)]
pub(crate) enum Shape {
    /// One unguarded base without children, no exceptions, a constant body.
    Const((Val, RuleId)),
    /// One unguarded base without children and no exceptions: its body is the value.
    Simple(RuleId),
    /// Anything else: the full walk.
    General,
}

/// A prepared value.
#[derive(Debug, Clone)]
pub(crate) struct PValue {
    pub shape: Shape,
    /// Sorted by rule id.
    pub bases: Box<[RuleId]>,
    /// Sorted by rule id.
    pub exceptions: Box<[RuleId]>,
}

/// A prepared check.
#[derive(Debug, Clone)]
pub(crate) struct PCheck {
    pub kind: KindId,
    pub after: Option<Node>,
    pub applies: Box<[Node]>,
    pub event: Option<Node>,
    pub deadline: Option<ValueId>,
    pub violated: Option<ValueId>,
    pub exempt: ValueId,
    pub compensation: Option<ValueId>,
}

/// The whole prepared program.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub values: Vec<PValue>,
    pub rules: Vec<PRule>,
    pub checks: Vec<PCheck>,
    /// Per fact kind, its checks in check-name order.
    pub by_kind: Vec<Vec<CheckId>>,
}

/// Why a program cannot be evaluated (a damaged or inconsistent IR).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepareError {
    /// What is wrong, naming the rule, value or check.
    pub message: String,
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the IR cannot be evaluated: {}", self.message)
    }
}

impl std::error::Error for PrepareError {}

struct Ctx<'p> {
    p: &'p Program,
    place: String,
}

impl Ctx<'_> {
    fn err<T>(&self, what: String) -> Result<T, PrepareError> {
        Err(PrepareError {
            message: format!("{}: {what}", self.place),
        })
    }

    fn value_id(&self, v: ValueId) -> Result<ValueId, PrepareError> {
        if (v as usize) < self.p.values.len() {
            Ok(v)
        } else {
            self.err(format!("value #{v} does not exist"))
        }
    }

    fn rule_ids(&self, ids: &[RuleId]) -> Result<Box<[RuleId]>, PrepareError> {
        let mut out = ids.to_vec();
        if let Some(bad) = out.iter().find(|r| **r as usize >= self.p.rules.len()) {
            return self.err(format!("rule #{bad} does not exist"));
        }
        out.sort_unstable();
        out.dedup();
        Ok(out.into())
    }

    fn node(&self, e: &Expr) -> Result<Node, PrepareError> {
        let b = |e: &Expr| self.node(e).map(Box::new);
        let list = |es: &[Expr]| {
            es.iter()
                .map(|e| self.node(e))
                .collect::<Result<Box<[Node]>, _>>()
        };
        Ok(match e {
            Expr::Const(c) => Node::Const(Val::from_const(c)),
            Expr::Field(path) => match path.as_slice() {
                [] => return self.err("empty field path".into()),
                [one] => Node::Slot(*one),
                _ => Node::Field(path.clone().into()),
            },
            Expr::Local { depth, path } => Node::Local {
                depth: *depth,
                path: path.clone().into(),
            },
            Expr::Value(v) => Node::Value(self.value_id(*v)?),
            Expr::Overridden => Node::Overridden,
            Expr::Status(c) => {
                if *c as usize >= self.p.checks.len() {
                    return self.err(format!("check #{c} does not exist"));
                }
                Node::Status(*c)
            }
            Expr::Not(x) => Node::Not(b(x)?),
            Expr::Neg(x) => Node::Neg(b(x)?),
            Expr::And(xs) => Node::And(list(xs)?),
            Expr::Or(xs) => Node::Or(list(xs)?),
            Expr::Cmp(op, x, y) => Node::Cmp(*op, b(x)?, b(y)?),
            Expr::Arith(op, x, y) => Node::Arith(*op, b(x)?, b(y)?),
            Expr::IsSome(x, want) => Node::IsSome(b(x)?, *want),
            Expr::InWindow(x, y) => Node::InWindow(b(x)?, b(y)?),
            Expr::InSet(x, y) => Node::InSet(b(x)?, b(y)?),
            Expr::InRegions(x, y) => {
                // A single region constant means its code range: make it a set once.
                let set = match &**y {
                    Expr::Const(ir::Const::Region(code)) => {
                        Node::Const(Val::Regions(Arc::new(RegionSet::new([*code]))))
                    }
                    other => self.node(other)?,
                };
                Node::InRegions(b(x)?, Box::new(set))
            }
            Expr::Call(f, args) => {
                let want = match f {
                    Func::Max | Func::Min | Func::Round => 2,
                };
                if args.len() != want {
                    return self.err(format!(
                        "{f:?} takes {want} arguments, found {}",
                        args.len()
                    ));
                }
                Node::Call(*f, list(args)?)
            }
            Expr::Quant {
                op,
                list: l,
                filter,
            } => Node::Quant {
                op: *op,
                list: b(l)?,
                filter: filter.as_deref().map(b).transpose()?,
            },
            Expr::Extremum {
                op,
                body,
                list: l,
                filter,
            } => {
                if !matches!(op, Func::Max | Func::Min) {
                    return self.err(format!("{op:?} is not an aggregate"));
                }
                Node::Extremum {
                    op: *op,
                    body: b(body)?,
                    list: b(l)?,
                    filter: filter.as_deref().map(b).transpose()?,
                }
            }
        })
    }

    fn guard(&self, g: Option<&ir::Guard>) -> Result<Box<[Node]>, PrepareError> {
        g.map_or(&[][..], |g| &g.conjuncts)
            .iter()
            .map(|c| self.node(&c.expr))
            .collect()
    }
}

/// Prepares `p` (see the module doc).
pub(crate) fn prepare(p: &Program) -> Result<Prepared, PrepareError> {
    let mut cx = Ctx {
        p,
        place: String::new(),
    };
    let mut rules = Vec::with_capacity(p.rules.len());
    for (i, r) in p.rules.iter().enumerate() {
        cx.place = format!("rule {}", r.id);
        cx.value_id(r.value)?;
        if let Parent::Rule(parent) = r.parent {
            match p.rules.get(parent as usize) {
                Some(pr) if pr.value == r.value && parent as usize != i => {}
                _ => {
                    return cx.err(format!(
                        "its parent rule #{parent} is missing or defines another value"
                    ))
                }
            }
        }
        let alias = match &r.body {
            Expr::Value(w) => Some(*w),
            _ => None,
        };
        rules.push(PRule {
            value: r.value,
            parent: r.parent,
            guard: cx.guard(r.guard.as_ref())?,
            body: cx.node(&r.body)?,
            children: cx.rule_ids(&r.children)?,
            beats: cx.rule_ids(&r.beats)?,
            alias,
        });
    }
    let mut values = Vec::with_capacity(p.values.len());
    for v in &p.values {
        cx.place = format!("value {}", v.id);
        let bases = cx.rule_ids(&v.bases)?;
        let exceptions = cx.rule_ids(&v.exceptions)?;
        let shape = match (&bases[..], exceptions.is_empty()) {
            ([r], true) => match rules.get(*r as usize) {
                Some(PRule {
                    guard,
                    children,
                    body,
                    ..
                }) if guard.is_empty() && children.is_empty() => match body {
                    Node::Const(c) => Shape::Const((c.clone(), *r)),
                    _ => Shape::Simple(*r),
                },
                _ => Shape::General,
            },
            _ => Shape::General,
        };
        values.push(PValue {
            shape,
            bases,
            exceptions,
        });
    }
    let mut checks = Vec::with_capacity(p.checks.len());
    for c in &p.checks {
        cx.place = format!("check {}", c.name);
        if c.kind as usize >= p.kinds.len() {
            return cx.err(format!("fact kind #{} does not exist", c.kind));
        }
        for v in [c.deadline, c.violated, Some(c.exempt), c.compensation]
            .into_iter()
            .flatten()
        {
            cx.value_id(v)?;
        }
        checks.push(PCheck {
            kind: c.kind,
            after: c.after.as_ref().map(|e| cx.node(e)).transpose()?,
            applies: cx.guard(c.applies.as_ref())?,
            event: c.event.as_ref().map(|e| cx.node(e)).transpose()?,
            deadline: c.deadline,
            violated: c.violated,
            exempt: c.exempt,
            compensation: c.compensation,
        });
    }
    let mut by_kind = vec![Vec::new(); p.kinds.len()];
    let mut order: Vec<CheckId> = (0..p.checks.len() as CheckId).collect();
    order.sort_by(|a, b| p.checks[*a as usize].name.cmp(&p.checks[*b as usize].name));
    for c in order {
        if let Some(list) = by_kind.get_mut(p.checks[c as usize].kind as usize) {
            list.push(c);
        }
    }
    Ok(Prepared {
        values,
        rules,
        checks,
        by_kind,
    })
}
