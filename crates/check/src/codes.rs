//! The checker's diagnostic codes. Each is stable: tools and docs refer to them.

/// A name that is not defined.
pub const UNKNOWN_NAME: &str = "E0101";
/// Two definitions of one name.
pub const DUPLICATE: &str = "E0102";
/// A type name that is not defined.
pub const UNKNOWN_TYPE: &str = "E0103";
/// A field the fact kind or record does not have.
pub const UNKNOWN_FIELD: &str = "E0104";
/// An exception whose target does not exist or cannot be overridden.
pub const BAD_TARGET: &str = "E0105";
/// Rules in a file without an `announcement`.
pub const NO_ANNOUNCEMENT: &str = "E0106";
/// Announcement problems: two in one file, an id used twice, metadata repeated.
pub const ANNOUNCEMENT: &str = "E0107";
/// Several versions of one definition without a label and guard each.
pub const VERSIONS: &str = "E0108";
/// `priority` between rules that are not siblings, or in a cycle.
pub const PRIORITY: &str = "E0109";
/// A value or check that depends on itself.
pub const CYCLE: &str = "E0110";
/// A value or check that reads two kinds of facts, or a check that reads none.
pub const KINDS: &str = "E0111";
/// A policy beyond what the evaluator computes: exceptions nested too deep, a chain of
/// values too long (the table of limits in REFERENCE.md).
pub const LIMIT: &str = "E0112";
/// An expression of the wrong type.
pub const MISMATCH: &str = "E0201";
/// An operator or function that does not apply to these types.
pub const OPERATOR: &str = "E0202";
/// An optional used where a value is needed, without `is some` first.
pub const OPTIONAL: &str = "E0203";
/// `overridden` outside an exception.
pub const OVERRIDDEN: &str = "E0204";
/// A check component read outside its check.
pub const COMPONENT_SCOPE: &str = "E0205";
/// A type that cannot be declared (recursive record, unsupported field type).
pub const BAD_TYPE: &str = "E0206";
/// A window whose end is before its start.
pub const REVERSED_WINDOW: &str = "E0301";
/// A time literal that cannot be placed in time (an impossible literal, like E0002).
pub const BAD_TIME: &str = "E0002";
/// A date used where an instant value is needed.
pub const DATE_AS_VALUE: &str = "E0303";
/// A check without a coherent shape (deadline without event, ...).
pub const CHECK_SHAPE: &str = "E0401";
/// A region name that is unknown.
pub const UNKNOWN_REGION: &str = "E0501";
/// A region name that matches several regions.
pub const AMBIGUOUS_REGION: &str = "E0502";

/// Every code with a one-line summary (for `edict check --explain` and docs).
pub const ALL: &[(&str, &str)] = &[
    ("E0001", "the text does not fit the grammar"),
    ("E0002", "a literal with an impossible value"),
    ("E0003", "a file beyond a hard limit (size, nesting)"),
    ("E0004", "internal error while reading a file"),
    (UNKNOWN_NAME, "a name that is not defined"),
    (DUPLICATE, "two definitions of one name"),
    (UNKNOWN_TYPE, "a type name that is not defined"),
    (
        UNKNOWN_FIELD,
        "a field the fact kind or record does not have",
    ),
    (
        BAD_TARGET,
        "an exception whose target does not exist or cannot be overridden",
    ),
    (NO_ANNOUNCEMENT, "rules in a file without an announcement"),
    (ANNOUNCEMENT, "announcement metadata problems"),
    (VERSIONS, "versions of a definition without label and guard"),
    (
        PRIORITY,
        "priority between non-siblings, or a priority cycle",
    ),
    (CYCLE, "a definition that depends on itself"),
    (
        KINDS,
        "a value or check reading two kinds of facts, or none",
    ),
    (
        LIMIT,
        "exceptions nested too deep, or a chain of values too long",
    ),
    (MISMATCH, "an expression of the wrong type"),
    (
        OPERATOR,
        "an operator or function that does not apply to these types",
    ),
    (OPTIONAL, "an optional used without testing `is some`"),
    (OVERRIDDEN, "`overridden` outside an exception"),
    (COMPONENT_SCOPE, "a check component read outside its check"),
    (BAD_TYPE, "a type that cannot be declared"),
    (REVERSED_WINDOW, "a window whose end is before its start"),
    (DATE_AS_VALUE, "a date used where an instant is needed"),
    (CHECK_SHAPE, "a check without a coherent shape"),
    (UNKNOWN_REGION, "an unknown region name"),
    (AMBIGUOUS_REGION, "a region name matching several regions"),
];
