//! Expressions of the IR: resolved and typed.

use regions::RegionSet;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{CheckId, Status, ValueId};

/// A constant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Const {
    /// `true`/`false`
    Bool(bool),
    /// Whole number.
    Int(i64),
    /// µs since the Unix epoch.
    Instant(i64),
    /// µs.
    Duration(i64),
    /// Exact CNY.
    Money(Decimal),
    /// As written (`5%` is 5).
    Percent(Decimal),
    /// Text.
    Str(String),
    /// Enum variant index.
    Enum(u32),
    /// A region code.
    Region(u32),
    /// A set of regions as code ranges.
    Regions(RegionSet),
    /// Inclusive window, µs.
    Window(i64, i64),
    /// A set of constants.
    Set(Vec<Const>),
    /// A check status.
    Status(Status),
}

/// Comparison operators (operands have the same ordered or equatable type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// Applies the operator to an ordering.
    pub fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => ord == Equal,
            CmpOp::Ne => ord != Equal,
            CmpOp::Lt => ord == Less,
            CmpOp::Le => ord != Greater,
            CmpOp::Gt => ord == Greater,
            CmpOp::Ge => ord != Less,
        }
    }
}

/// Typed arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ArithOp {
    /// instant + duration
    InstantAddDuration,
    /// instant − duration
    InstantSubDuration,
    /// instant − instant → duration
    InstantSubInstant,
    /// duration + duration
    DurationAdd,
    /// duration − duration
    DurationSub,
    /// int × duration (operands in this order)
    IntMulDuration,
    /// int + int
    IntAdd,
    /// int − int
    IntSub,
    /// int × int
    IntMul,
    /// money + money
    MoneyAdd,
    /// money − money
    MoneySub,
    /// money × percent (operands in this order)
    MoneyMulPercent,
    /// money × int (operands in this order)
    MoneyMulInt,
}

/// Built-in functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Func {
    /// The later/larger of two.
    Max,
    /// The earlier/smaller of two.
    Min,
    /// Money rounded half-up (away from zero) to a multiple of a unit.
    Round,
}

/// `any`, `all`, `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum QuantOp {
    /// Some element passes.
    Any,
    /// Every element passes.
    All,
    /// How many pass.
    Count,
}

/// A resolved, typed expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Expr {
    /// A constant.
    Const(Const),
    /// A field of the record being judged: slot, then nested record slots.
    Field(Vec<u32>),
    /// A field of an aggregate's element: `depth` 0 is the innermost bound element.
    Local {
        /// How many aggregates out.
        depth: u32,
        /// Record slots inside the element (empty: the element itself).
        path: Vec<u32>,
    },
    /// Another value.
    Value(ValueId),
    /// The value the enclosing exception overrides.
    Overridden,
    /// Another check's status for this record.
    Status(CheckId),
    /// Boolean negation.
    Not(Box<Expr>),
    /// Arithmetic negation (duration, int, money).
    Neg(Box<Expr>),
    /// All hold (short-circuit, left to right).
    And(Vec<Expr>),
    /// Some holds (short-circuit, left to right).
    Or(Vec<Expr>),
    /// Comparison.
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    /// Arithmetic.
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    /// `e is some` (`true`) or `e is none` (`false`).
    IsSome(Box<Expr>, bool),
    /// Instant in an inclusive window.
    InWindow(Box<Expr>, Box<Expr>),
    /// Element in a set (of strings, enums, ints...).
    InSet(Box<Expr>, Box<Expr>),
    /// Region contained in a region set (or a region).
    InRegions(Box<Expr>, Box<Expr>),
    /// Built-in function call.
    Call(Func, Vec<Expr>),
    /// `any`/`all`/`count` over a list.
    Quant {
        /// Which.
        op: QuantOp,
        /// The list.
        list: Box<Expr>,
        /// The filter, evaluated with the element bound at depth 0.
        filter: Option<Box<Expr>>,
    },
    /// `max`/`min` over a list (absent when nothing passes).
    Extremum {
        /// `Func::Max` or `Func::Min`.
        op: Func,
        /// Per element.
        body: Box<Expr>,
        /// The list.
        list: Box<Expr>,
        /// Which elements count.
        filter: Option<Box<Expr>>,
    },
}

impl Expr {
    /// Calls `f` on this expression and every sub-expression, parents first.
    pub fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Const(_)
            | Expr::Field(_)
            | Expr::Local { .. }
            | Expr::Value(_)
            | Expr::Overridden
            | Expr::Status(_) => {}
            Expr::Not(e) | Expr::Neg(e) | Expr::IsSome(e, _) => e.walk(f),
            Expr::And(es) | Expr::Or(es) | Expr::Call(_, es) => es.iter().for_each(|e| e.walk(f)),
            Expr::Cmp(_, a, b)
            | Expr::Arith(_, a, b)
            | Expr::InWindow(a, b)
            | Expr::InSet(a, b)
            | Expr::InRegions(a, b) => {
                a.walk(f);
                b.walk(f);
            }
            Expr::Quant { list, filter, .. } => {
                list.walk(f);
                if let Some(x) = filter {
                    x.walk(f);
                }
            }
            Expr::Extremum {
                body, list, filter, ..
            } => {
                body.walk(f);
                list.walk(f);
                if let Some(x) = filter {
                    x.walk(f);
                }
            }
        }
    }

    /// The values and checks this expression reads directly.
    pub fn dependencies(&self) -> (Vec<ValueId>, Vec<CheckId>) {
        let (mut values, mut checks) = (Vec::new(), Vec::new());
        self.walk(&mut |e| match e {
            Expr::Value(v) => values.push(*v),
            Expr::Status(c) => checks.push(*c),
            _ => {}
        });
        values.sort_unstable();
        values.dedup();
        checks.sort_unstable();
        checks.dedup();
        (values, checks)
    }
}
