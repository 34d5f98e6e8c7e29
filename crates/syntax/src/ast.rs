//! The abstract syntax tree of one policy file.
//!
//! Every node has a [`Span`]; names carry their own spans so diagnostics can point at
//! exactly the name. Nodes compare structurally (spans always compare equal). Literals are
//! already decoded (numbers, durations, dates) but not yet interpreted in a time zone: the
//! checker does that with the file's `zone`.

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::span::Span;

/// A parsed file: its items in source order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct File {
    /// Top-level items.
    pub items: Vec<Item>,
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Item {
    /// `announcement id "title" { ... }`
    Announcement(Announcement),
    /// `enum Name { a, b }`
    Enum(EnumDecl),
    /// `record Name { field: type ... }`
    Record(RecordDecl),
    /// `fact kind { field: type ... }`
    Fact(FactDecl),
    /// `value name: type = expr`
    Value(ValueDef),
    /// `check name { ... }`
    Check(CheckDef),
    /// `exception target as label { when ... then ... }`
    Exception(ExceptionDef),
    /// `priority a > b`
    Priority(PriorityDecl),
}

/// An identifier with its span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// A dotted name: `ship_by`, `baseline.ship_by`, `order.origin_status.risk`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Path {
    /// The dot-separated parts, at least one.
    pub segments: Vec<Ident>,
    /// The whole path.
    pub span: Span,
}

impl Path {
    /// The path as written, `a.b.c`.
    pub fn dotted(&self) -> String {
        let names: Vec<&str> = self.segments.iter().map(|s| s.name.as_str()).collect();
        names.join(".")
    }
}

/// A string literal (escapes decoded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StrLit {
    /// The decoded text.
    pub value: String,
    /// Where it is written, quotes included.
    pub span: Span,
}

/// `announcement id "title" { meta... }`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Announcement {
    /// The file's id, the first part of every rule id in the file.
    pub id: Ident,
    /// The announcement's title.
    pub title: StrLit,
    /// Metadata lines in source order.
    pub meta: Vec<Meta>,
    /// The whole item.
    pub span: Span,
}

/// One metadata line of an announcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Meta {
    /// `published [approximately] 2024-01-24 13:40:42`
    Published {
        /// When.
        at: TimeLit,
        /// The source gives no exact time.
        approximate: bool,
        /// The line.
        span: Span,
    },
    /// `source "..."`
    Source(StrLit),
    /// `zone +08:00`: the offset of literals without one.
    Zone {
        /// Seconds east of UTC.
        offset_seconds: i32,
        /// The line.
        span: Span,
    },
    /// `effective [a, b]`: when the announcement's rules are in force.
    Effective(Expr),
    /// `retroactive`: the announcement takes effect before it was published, on purpose.
    Retroactive(Span),
}

/// `enum Name { a, b, c }`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnumDecl {
    /// Type name.
    pub name: Ident,
    /// Variants in order.
    pub variants: Vec<Ident>,
    /// The whole item.
    pub span: Span,
}

/// `record Name { fields }`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordDecl {
    /// Type name.
    pub name: Ident,
    /// Fields in order.
    pub fields: Vec<FieldDecl>,
    /// The whole item.
    pub span: Span,
}

/// `fact kind { fields }`: the schema of one kind of input record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactDecl {
    /// The kind, as records name it in their `kind` field.
    pub name: Ident,
    /// Fields in order.
    pub fields: Vec<FieldDecl>,
    /// The whole item.
    pub span: Span,
}

/// `name: type`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldDecl {
    /// Field name (the JSON key).
    pub name: Ident,
    /// Its type.
    pub ty: TypeExpr,
    /// The whole declaration.
    pub span: Span,
}

/// A written type: `instant`, `set<string>`, `list<Report>`, `int?`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeExpr {
    /// The type constructor.
    pub kind: TypeKind,
    /// Followed by `?`.
    pub optional: bool,
    /// Where it is written.
    pub span: Span,
}

/// The constructor of a [`TypeExpr`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum TypeKind {
    /// A builtin (`instant`, `money`, ...) or declared (`Mode`) type name.
    Named(Ident),
    /// `set<T>`
    Set(Box<TypeExpr>),
    /// `list<T>`
    List(Box<TypeExpr>),
}

/// `@allow(L004, "reason")`: silences one lint on the rule it precedes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allow {
    /// The lint id.
    pub lint: Ident,
    /// Why the finding does not apply; required.
    pub reason: StrLit,
    /// The whole attribute.
    pub span: Span,
}

/// The part shared by every definition: `[as label] [cites "c"] [when guard] = body`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Definition {
    /// A rule label (required when a value has several dated versions).
    pub label: Option<Ident>,
    /// The clause cited.
    pub cites: Option<StrLit>,
    /// The condition under which this version applies.
    pub guard: Option<Expr>,
    /// The defining expression.
    pub body: Expr,
    /// The whole definition.
    pub span: Span,
}

/// `value name[: type] definition`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueDef {
    /// Silenced lints.
    pub allows: Vec<Allow>,
    /// The value's name.
    pub name: Ident,
    /// Its declared type (inferred from the body when absent).
    pub ty: Option<TypeExpr>,
    /// The (base) definition.
    pub def: Definition,
    /// The whole item.
    pub span: Span,
}

/// `check name [cites "c"] { clauses }`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckDef {
    /// Silenced lints.
    pub allows: Vec<Allow>,
    /// The check id (the `check` field of findings).
    pub name: Ident,
    /// The clause cited.
    pub cites: Option<StrLit>,
    /// Clauses in source order.
    pub clauses: Vec<CheckClause>,
    /// The whole item.
    pub span: Span,
}

/// One clause of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum CheckClause {
    /// `after EXPR`: the starting event; the check applies once it has happened.
    After(Expr),
    /// `applies when EXPR`: a further condition for the check to apply.
    Applies(Expr),
    /// `event EXPR`: the event that must happen by the deadline.
    Event(Expr),
    /// `deadline|compensation|exempt|violated definition`
    Component {
        /// Which component.
        component: Component,
        /// Where the component keyword is.
        name_span: Span,
        /// Its definition (one of possibly several dated versions).
        def: Definition,
    },
}

/// The overridable parts of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Component {
    /// When the event must have happened by.
    Deadline,
    /// What a violation pays.
    Compensation,
    /// Whether the record is excused.
    Exempt,
    /// Whether the check does not apply to the record after all (a later announcement
    /// taking a case out of a check).
    Excluded,
    /// The violation condition of a check without a deadline.
    Violated,
}

impl Component {
    /// The keyword.
    pub fn name(self) -> &'static str {
        match self {
            Component::Deadline => "deadline",
            Component::Compensation => "compensation",
            Component::Exempt => "exempt",
            Component::Excluded => "excluded",
            Component::Violated => "violated",
        }
    }

    /// Parses the keyword.
    pub fn from_name(s: &str) -> Option<Component> {
        Some(match s {
            "deadline" => Component::Deadline,
            "compensation" => Component::Compensation,
            "exempt" => Component::Exempt,
            "excluded" => Component::Excluded,
            "violated" => Component::Violated,
            _ => return None,
        })
    }
}

/// `exception target as label [cites "c"] { when guard then body }`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionDef {
    /// Silenced lints.
    pub allows: Vec<Allow>,
    /// What it overrides: a value, a check component, or another rule's label.
    pub target: Path,
    /// Its own label (rule id `file.label`).
    pub label: Ident,
    /// The clause cited.
    pub cites: Option<StrLit>,
    /// When it applies.
    pub guard: Expr,
    /// What it yields (may use `overridden`).
    pub body: Expr,
    /// The whole item.
    pub span: Span,
}

/// `priority a > b > c`: among siblings that all apply, the earlier wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriorityDecl {
    /// Rules from strongest to weakest.
    pub order: Vec<Path>,
    /// The whole item.
    pub span: Span,
}

/// A written point in time (or date), not yet placed in a time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TimeLit {
    /// The calendar date.
    pub date: NaiveDate,
    /// The time of day; `None` for a date literal.
    pub time: Option<NaiveTime>,
    /// Digits written after the seconds' decimal point (0 for whole seconds).
    pub fraction_digits: u8,
    /// Whether seconds were written (`23:59` covers the whole minute).
    pub has_seconds: bool,
    /// Explicit offset in seconds east of UTC.
    pub offset_seconds: Option<i32>,
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum UnOp {
    /// `not`
    Not,
    /// `-`
    Neg,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum BinOp {
    /// `or`
    Or,
    /// `and`
    And,
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
    /// `in`
    In,
    /// `not in`
    NotIn,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::NotIn => "not in",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
        }
    }
}

/// `any`, `all`, `count` over a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Quant {
    /// Some element satisfies the filter.
    Any,
    /// Every element satisfies the filter.
    All,
    /// How many elements satisfy the filter.
    Count,
}

/// `max`, `min` over a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Extremum {
    /// The largest.
    Max,
    /// The smallest.
    Min,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ExprKind {
    /// A name: value, fact field, check status, enum variant, bound variable.
    Path(Path),
    /// The value the exception overrides.
    Overridden,
    /// `true` / `false`
    Bool(bool),
    /// `42`
    Int(i64),
    /// `150.00 CNY`
    Money(Decimal),
    /// `5%` (stored as written: 5)
    Percent(Decimal),
    /// `48h` in microseconds.
    Duration(i64),
    /// `"text"`
    Str(String),
    /// `2024-02-22 23:59:59` or `2024-02-22`
    Time(TimeLit),
    /// `region "贵州省遵义市"`
    Region(StrLit),
    /// `regions { "a", "b" }`
    Regions(Vec<StrLit>),
    /// `[a, b]`
    Window(Box<Expr>, Box<Expr>),
    /// `{a, b}`
    Set(Vec<Expr>),
    /// `not e`, `-e`
    Unary(UnOp, Box<Expr>),
    /// `a op b`
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `e is some` (true) / `e is none` (false)
    IsSome(Box<Expr>, bool),
    /// `max(a, b)`, `round(m, 1 CNY)`
    Call(Ident, Vec<Expr>),
    /// `any(r in list where cond)`
    Quantifier {
        /// Which.
        op: Quant,
        /// The bound element name.
        var: Ident,
        /// The list.
        list: Box<Expr>,
        /// The condition (`count` without one counts all).
        filter: Option<Box<Expr>>,
    },
    /// `max(e for r in list where cond)`
    Extremum {
        /// Which.
        op: Extremum,
        /// The expression per element.
        body: Box<Expr>,
        /// The bound element name.
        var: Ident,
        /// The list.
        list: Box<Expr>,
        /// Which elements count.
        filter: Option<Box<Expr>>,
    },
}
