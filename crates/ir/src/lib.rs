//! Edict's decision IR.
//!
//! A checked policy folder compiles into one [`Program`]: the fact schemas, every value as a
//! decision tree of rules (base definitions with guarded exceptions, exceptions of
//! exceptions, priorities), and the checks built on those values. The IR is
//!
//! - **self-contained**: every rule keeps its [`Origin`] (rule id, file:line, clause, source
//!   text), so verdicts can be explained without the policy sources;
//! - **resolved**: names are indices (fact fields are slot numbers, values and checks are
//!   ids), operators are typed, literals are already placed in their time zone;
//! - **versioned**: [`Program::to_json`] writes a header with [`FORMAT_VERSION`];
//!   [`Program::from_json`] rejects any other version with a message naming both.
//!
//! Design note (a departure from DESIGN.md): guards are stored as typed expressions split
//! into their top-level conjuncts ([`Guard`]), not pre-digested into analysis atoms. The
//! evaluator runs exactly this form, and lint/diff derive their atoms from it with a pure
//! function, so the analysed meaning and the executed meaning cannot drift apart.

#![deny(missing_docs)]

mod expr;
mod io;
mod types;

pub use expr::*;
pub use io::{
    LoadError, FORMAT_VERSION, MAX_JSON_DEPTH, MAX_OVERRIDE_DEPTH, MAX_VALUE_CHAIN, MAX_VALUE_DEPTH,
};
pub use types::*;

use serde::{Deserialize, Serialize};

/// Index of a value in [`Program::values`].
pub type ValueId = u32;
/// Index of a rule in [`Program::rules`].
pub type RuleId = u32;
/// Index of a check in [`Program::checks`].
pub type CheckId = u32;
/// Index of a fact kind in [`Program::kinds`].
pub type KindId = u32;

/// A compiled policy set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Program {
    /// Announcements in id order.
    pub announcements: Vec<Announcement>,
    /// Enumerations.
    pub enums: Vec<EnumDef>,
    /// Record types.
    pub records: Vec<RecordDef>,
    /// Fact kinds (input record schemas).
    pub kinds: Vec<FactKind>,
    /// Values, each a decision tree; sorted by id.
    pub values: Vec<Value>,
    /// All definitions (bases and exceptions) of all values.
    pub rules: Vec<Rule>,
    /// Checks, sorted by name.
    pub checks: Vec<Check>,
}

/// Where a rule or check comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The policy file, as named when compiling.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// The clause cited, if any.
    pub clause: Option<String>,
    /// The definition's source text (shortened when long).
    pub source: String,
}

/// An announcement's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    /// The id (namespace of its rules).
    pub id: String,
    /// Title.
    pub title: String,
    /// Publication instant (µs since the Unix epoch), if known.
    pub published: Option<i64>,
    /// Whether `published` is approximate.
    pub published_approximate: bool,
    /// Source description.
    pub source: Option<String>,
    /// Validity window, inclusive, µs.
    pub effective: Option<(i64, i64)>,
    /// Declared retroactive.
    pub retroactive: bool,
    /// The file it was read from.
    pub file: String,
}

/// One fact kind: the schema of the records whose `kind` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactKind {
    /// The kind name.
    pub name: String,
    /// Fields; a record decodes into one slot per field, in this order.
    pub fields: Vec<Field>,
}

/// A named, typed field of a fact kind or record type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// The JSON key.
    pub name: String,
    /// The type (optional fields are [`Ty::Optional`]).
    pub ty: Ty,
}

/// An enumeration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumDef {
    /// Type name.
    pub name: String,
    /// Variants; a value is its index here.
    pub variants: Vec<String>,
}

/// A record type (nested object in facts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordDef {
    /// Type name.
    pub name: String,
    /// Fields in slot order.
    pub fields: Vec<Field>,
}

/// A value: a decision tree of rules.
///
/// Evaluation: if any of `exceptions` applies, the applicable ones are resolved (priority,
/// then agreement or conflict) and the winner decides, with `overridden` bound to the value
/// the bases give. Otherwise the one applicable base decides (several applicable bases that
/// disagree are a conflict; none is "undefined", which a check reports as `unknown`). A rule
/// that decides first lets its own applicable children (exceptions to it) decide instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Value {
    /// Qualified id: `file.name` or `file.check.component`.
    pub id: String,
    /// Type of the value.
    pub ty: Ty,
    /// The fact kind it reads, if any.
    pub kind: Option<KindId>,
    /// Base definitions (dated versions when several), guarded or not.
    pub bases: Vec<RuleId>,
    /// Exceptions to the value as a whole.
    pub exceptions: Vec<RuleId>,
    /// The check this value is a component of.
    pub check: Option<CheckId>,
}

/// The place of a rule in its value's tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Parent {
    /// A base definition.
    Base,
    /// An exception to the whole value.
    Value,
    /// An exception to another rule.
    Rule(RuleId),
}

/// One definition: a base or an exception.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Rule id `file.label`.
    pub id: String,
    /// The value it defines.
    pub value: ValueId,
    /// Where it sits in the tree.
    pub parent: Parent,
    /// When it applies (`None`: always, given its parent applies).
    pub guard: Option<Guard>,
    /// What it yields.
    pub body: Expr,
    /// Exceptions to this rule.
    pub children: Vec<RuleId>,
    /// Sibling rules this one beats when both apply (transitively closed).
    pub beats: Vec<RuleId>,
    /// Lints silenced on this rule, with the reason given.
    pub allows: Vec<(String, String)>,
    /// Where it was written.
    pub origin: Origin,
}

/// A guard: the conjunction of its parts, each kept with its source text for explanations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Guard {
    /// Top-level conjuncts in source order.
    pub conjuncts: Vec<Conjunct>,
}

/// One conjunct of a guard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conjunct {
    /// The condition.
    pub expr: Expr,
    /// Its source text.
    pub text: String,
}

/// A check: the event, the deadline, and when it applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// The check id reported in findings (unique in the program).
    pub name: String,
    /// The announcement that declares it.
    pub file_id: String,
    /// The fact kind it judges.
    pub kind: KindId,
    /// Starting event: the check applies only once this is present.
    pub after: Option<Expr>,
    /// Further applicability condition.
    pub applies: Option<Guard>,
    /// The event that must happen by the deadline.
    pub event: Option<Expr>,
    /// The deadline value (instant).
    pub deadline: Option<ValueId>,
    /// The violation condition (bool), for checks without a deadline.
    pub violated: Option<ValueId>,
    /// The exemption (bool; a base `false` when the policy wrote none).
    pub exempt: ValueId,
    /// The exclusion (bool; a base `false` when the policy wrote none): when it holds, the
    /// check does not apply to the record (omitted), like a false `applies when`, but
    /// overridable from other announcements.
    #[serde(default)]
    pub excluded: Option<ValueId>,
    /// The compensation (money) paid on violations.
    pub compensation: Option<ValueId>,
    /// Lints silenced on the check.
    pub allows: Vec<(String, String)>,
    /// Where it was written.
    pub origin: Origin,
}

impl Program {
    /// The fact kind named `name`.
    pub fn kind_by_name(&self, name: &str) -> Option<KindId> {
        self.kinds
            .iter()
            .position(|k| k.name == name)
            .map(|i| i as KindId)
    }

    /// The value with qualified id `id`.
    pub fn value_by_id(&self, id: &str) -> Option<ValueId> {
        self.values
            .iter()
            .position(|v| v.id == id)
            .map(|i| i as ValueId)
    }

    /// The rule with id `id`.
    pub fn rule_by_id(&self, id: &str) -> Option<RuleId> {
        self.rules
            .iter()
            .position(|r| r.id == id)
            .map(|i| i as RuleId)
    }

    /// The check named `name`.
    pub fn check_by_name(&self, name: &str) -> Option<CheckId> {
        self.checks
            .iter()
            .position(|c| c.name == name)
            .map(|i| i as CheckId)
    }

    /// Walks a field path of kind `kind` (a slot of the kind, then slots of nested
    /// records): `each` gets every field, or the slot where the path leaves the schema (and
    /// every slot after it).
    pub fn walk_path<'a>(
        &'a self,
        kind: KindId,
        path: &[u32],
        mut each: impl FnMut(Result<&'a Field, u32>),
    ) {
        let mut fields = self.kinds.get(kind as usize).map(|k| &k.fields);
        for &i in path {
            match fields.and_then(|f| f.get(i as usize)) {
                Some(f) => {
                    each(Ok(f));
                    fields = match f.ty.base() {
                        Ty::Record(r) => self.records.get(*r as usize).map(|r| &r.fields),
                        _ => None,
                    };
                }
                None => {
                    each(Err(i));
                    fields = None;
                }
            }
        }
    }

    /// The declared type (with its optional wrapper) of the field at `path` in kind
    /// `kind`; `None` when the path leaves the schema.
    pub fn field_ty(&self, kind: KindId, path: &[u32]) -> Option<&Ty> {
        let mut ty = None;
        let mut inside = !path.is_empty();
        self.walk_path(kind, path, |f| match f {
            Ok(f) => ty = Some(&f.ty),
            Err(_) => inside = false,
        });
        ty.filter(|_| inside)
    }

    /// A type as the policies write it, with this program's enum and record names.
    pub fn type_name(&self, t: &Ty) -> String {
        t.written(&|t| match t {
            Ty::Enum(i) => self.enums.get(*i as usize).map(|e| e.name.as_str()),
            Ty::Record(i) => self.records.get(*i as usize).map(|r| r.name.as_str()),
            _ => None,
        })
    }
}
