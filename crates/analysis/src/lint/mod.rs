//! `edict lint`: findings about a checked policy set, as located diagnostics.
//!
//! Each lint is a type ([`Lint`]: stable id `L001`…, name, default severity and a
//! one-paragraph explanation); [`LINTS`] is the registry built from them, [`explain`] reads it. The proofs work on the IR ([`crate::space`]): overlaps and dead
//! rules are decided exactly on the analyzable atoms, and where a guard holds something
//! the atoms cannot express the finding is reported as *undecided* (a note naming the
//! condition), never dropped. Witness records are verified by the caller-supplied
//! [`Verifier`] (the evaluator) when one is given.
//!
//! `@allow(Lxxx, "reason")` on a rule or check silences that lint there; for a finding
//! about two rules (L001), an allow on either silences it.

mod meta;
mod overlap;

use ir::Program;
use syntax::{Diagnostic, Severity, Span};

use crate::locate::Locator;

/// One lint's documentation, as the registry lists it (`edict lint --explain`, SARIF).
#[derive(Debug, Clone, Copy)]
pub struct LintInfo {
    /// Stable id.
    pub id: &'static str,
    /// Short name.
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One paragraph: what it finds, why it matters, how to fix or silence it.
    pub doc: &'static str,
}

/// A lint: one type per lint, carrying its code, name, level and documentation, so that
/// the code that finds it names the type (`OverlappingExceptions::CODE`) and the registry
/// ([`LINTS`]) is built from the same types.
pub trait Lint {
    /// Stable id (`L001`).
    const CODE: &'static str;
    /// Short name (`overlapping-exceptions`).
    const NAME: &'static str;
    /// Default severity.
    const LEVEL: Severity;
    /// What it finds, why it matters, how to fix or silence it.
    const DOC: &'static str;
}

impl LintInfo {
    /// The registry entry of lint `L`.
    pub const fn of<L: Lint>() -> LintInfo {
        LintInfo {
            id: L::CODE,
            name: L::NAME,
            severity: L::LEVEL,
            doc: L::DOC,
        }
    }
}

/// L001 `overlapping-exceptions`: see [`Lint::DOC`] on this type (`edict lint --explain L001`).
#[derive(Debug, Clone, Copy)]
pub struct OverlappingExceptions;

impl Lint for OverlappingExceptions {
    const CODE: &'static str = "L001";
    const NAME: &'static str = "overlapping-exceptions";
    const LEVEL: Severity = Severity::Warning;
    const DOC: &'static str = "Two rules at the same level (exceptions of the same value or rule, or two dated base versions of one value) can apply to the same record, give different values, and no `priority` orders them. Evaluation reports such a record as `conflict`. Lint proves the overlap on the guards (windows and bounds on instant, duration, int and money fields, differences of two instant fields, region sets, enum sets, booleans, presence tests, string membership) and shows a witness record, verified by evaluation. Fix it with `priority a > b`, or make the guards disjoint. When a guard holds a condition the analysis cannot decide (an aggregate, another check's status, a value with several definitions), the overlap is reported as an undecided note naming that condition.";
}

/// L002 `dead-rule`: see [`Lint::DOC`] on this type (`edict lint --explain L002`).
#[derive(Debug, Clone, Copy)]
pub struct DeadRule;

impl Lint for DeadRule {
    const CODE: &'static str = "L002";
    const NAME: &'static str = "dead-rule";
    const LEVEL: Severity = Severity::Warning;
    const DOC: &'static str = "A rule that can never decide: its guard (with those of the rules it refines) is unsatisfiable, or a sibling that beats it by `priority` applies whenever it does. Dead rules usually mean a mistyped window or bound, or a priority written the wrong way round. Remove the rule or fix its guard.";
}

/// L003 `window-outside-effective`: see [`Lint::DOC`] on this type (`edict lint --explain L003`).
#[derive(Debug, Clone, Copy)]
pub struct WindowOutsideEffective;

impl Lint for WindowOutsideEffective {
    const CODE: &'static str = "L003";
    const NAME: &'static str = "window-outside-effective";
    const LEVEL: Severity = Severity::Warning;
    const DOC: &'static str = "A window written in a rule reaches outside the announcement's `effective` validity. Either the window or the `effective` line is wrong; announcements only govern what falls in their validity.";
}

/// L004 `retroactive-without-declaration`: see [`Lint::DOC`] on this type (`edict lint --explain L004`).
#[derive(Debug, Clone, Copy)]
pub struct RetroactiveWithoutDeclaration;

impl Lint for RetroactiveWithoutDeclaration {
    const CODE: &'static str = "L004";
    const NAME: &'static str = "retroactive-without-declaration";
    const LEVEL: Severity = Severity::Warning;
    const DOC: &'static str = "A rule's window (or the announcement's `effective` validity) starts before the announcement was `published`, and the announcement is not marked `retroactive`. Judging records by rules that did not exist yet is sometimes intended (a notice published late); say so with `retroactive` in the announcement, or fix the date.";
}

/// L005 `non-canonical-region`: see [`Lint::DOC`] on this type (`edict lint --explain L005`).
#[derive(Debug, Clone, Copy)]
pub struct NonCanonicalRegion;

impl Lint for NonCanonicalRegion {
    const CODE: &'static str = "L005";
    const NAME: &'static str = "non-canonical-region";
    const LEVEL: Severity = Severity::Warning;
    const DOC: &'static str = "A region literal is not written as its canonical full name (a short form like `内蒙古`, a bare code, `X全域`, `X市辖区`, or a path with separators). It resolves, but reviewers compare names by eye: write the canonical name the help suggests. Each literal is reported once; `@allow(L005, \"reason\")` on the value, exception or check whose text contains it silences it there.";
}

/// L006 `unused-value`: see [`Lint::DOC`] on this type (`edict lint --explain L006`).
#[derive(Debug, Clone, Copy)]
pub struct UnusedValue;

impl Lint for UnusedValue {
    const CODE: &'static str = "L006";
    const NAME: &'static str = "unused-value";
    const LEVEL: Severity = Severity::Warning;
    const DOC: &'static str = "A value that no check reads, directly or through other values. It never affects a verdict: remove it, or make the check that should use it read it.";
}

/// L007 `unused-field`: see [`Lint::DOC`] on this type (`edict lint --explain L007`).
#[derive(Debug, Clone, Copy)]
pub struct UnusedField;

impl Lint for UnusedField {
    const CODE: &'static str = "L007";
    const NAME: &'static str = "unused-field";
    const LEVEL: Severity = Severity::Note;
    const DOC: &'static str = "A field of the fact schema that no rule or check reads (fields of list elements are matched by position). The schema often documents the whole interchange format, so this is a note: it is worth knowing when a field was meant to matter. The `id` field is read by the engine itself and never reported.";
}

/// L008 `missing-citation`: see [`Lint::DOC`] on this type (`edict lint --explain L008`).
#[derive(Debug, Clone, Copy)]
pub struct MissingCitation;

impl Lint for MissingCitation {
    const CODE: &'static str = "L008";
    const NAME: &'static str = "missing-citation";
    const LEVEL: Severity = Severity::Warning;
    const DOC: &'static str = "A rule or check without `cites`. Every rule should point back to the clause of the announcement it encodes, so explanations can show it. A check component without its own citation inherits the check's.";
}

/// L009 `redundant-exception`: see [`Lint::DOC`] on this type (`edict lint --explain L009`).
#[derive(Debug, Clone, Copy)]
pub struct RedundantException;

impl Lint for RedundantException {
    const CODE: &'static str = "L009";
    const NAME: &'static str = "redundant-exception";
    const LEVEL: Severity = Severity::Warning;
    const DOC: &'static str = "An exception whose body is exactly `overridden`, or is written identically to the definition it overrides: it changes nothing (except hiding the rules below it). Remove it, or give it the value it was meant to have.";
}

/// Every lint, in code order.
pub const LINTS: &[LintInfo] = &[
    LintInfo::of::<OverlappingExceptions>(),
    LintInfo::of::<DeadRule>(),
    LintInfo::of::<WindowOutsideEffective>(),
    LintInfo::of::<RetroactiveWithoutDeclaration>(),
    LintInfo::of::<NonCanonicalRegion>(),
    LintInfo::of::<UnusedValue>(),
    LintInfo::of::<UnusedField>(),
    LintInfo::of::<MissingCitation>(),
    LintInfo::of::<RedundantException>(),
];

/// The documentation of a lint id (case-insensitive).
pub fn explain(id: &str) -> Option<&'static LintInfo> {
    LINTS.iter().find(|l| l.id.eq_ignore_ascii_case(id))
}

/// Checks a witness record against the claim made about it.
pub trait Verifier {
    /// Evaluates `record` and says whether check `check` reports a conflict on it
    /// (`None`: could not evaluate).
    fn conflict(&self, program: &Program, record: &serde_json::Value, check: &str) -> Option<bool>;
}

/// What lint needs: the program and where its parts are written.
pub struct Input<'a> {
    /// The compiled program.
    pub program: &'a Program,
    /// Spans of definitions.
    pub locator: &'a Locator,
    /// Region literals as written.
    pub region_literals: &'a [check::RegionLiteral],
    /// The evaluator, to verify witnesses.
    pub verifier: Option<&'a dyn Verifier>,
}

/// A finding before allows are applied: the diagnostic and the rules/checks it is about.
pub(crate) struct Finding {
    pub diag: Diagnostic,
    /// Rule ids and check names whose `@allow` silences it.
    pub owners: Vec<Owner>,
}

/// What a finding is about.
pub(crate) enum Owner {
    Rule(ir::RuleId),
    Check(ir::CheckId),
    /// Written inside an item (value, exception, check) with these `@allow`s.
    Item(Vec<String>),
}

/// Lints a checked policy set; diagnostics sorted by file position then code.
pub fn lint(checked: &check::Checked, verifier: Option<&dyn Verifier>) -> Vec<Diagnostic> {
    let Some(program) = &checked.program else {
        return Vec::new();
    };
    let locator = Locator::new(&checked.files, &checked.sources);
    let mut diags = run(&Input {
        program,
        locator: &locator,
        region_literals: &checked.region_literals,
        verifier,
    });
    let key = |d: &Diagnostic| (d.primary.span.file, d.primary.span.start, d.code.clone());
    diags.sort_by_key(key);
    diags
}

/// Runs every lint on an input.
pub fn run(input: &Input) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    overlap::run(input, &mut findings);
    meta::run(input, &mut findings);
    let p = input.program;
    findings
        .into_iter()
        .filter(|f| {
            !f.owners.iter().any(|o| {
                let code = &f.diag.code;
                let allows = match o {
                    Owner::Rule(r) => p.rules.get(*r as usize).map(|r| &r.allows),
                    Owner::Check(c) => p.checks.get(*c as usize).map(|c| &c.allows),
                    Owner::Item(ids) => return ids.iter().any(|id| id.eq_ignore_ascii_case(code)),
                };
                allows.is_some_and(|a| a.iter().any(|(id, _)| id.eq_ignore_ascii_case(code)))
            })
        })
        .map(|f| f.diag)
        .collect()
}

/// The span of a rule's definition.
pub(crate) fn rule_span(input: &Input, r: ir::RuleId) -> Span {
    match input.program.rules.get(r as usize) {
        Some(rule) => input
            .locator
            .definition(&rule.origin.file, rule.origin.line, &rule.id),
        None => Span::default(),
    }
}

/// The severity a lint is reported with.
pub(crate) fn severity(id: &str) -> Severity {
    explain(id).map_or(Severity::Warning, |l| l.severity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_lists_every_lint_type_once_in_code_order() {
        let codes: Vec<&str> = LINTS.iter().map(|l| l.id).collect();
        let want: Vec<String> = (1..=LINTS.len()).map(|i| format!("L{i:03}")).collect();
        assert_eq!(codes, want);
        assert_eq!(
            explain(OverlappingExceptions::CODE).map(|l| l.name),
            Some("overlapping-exceptions")
        );
        assert_eq!(severity(UnusedField::CODE), Severity::Note);
        assert!(LINTS.iter().all(|l| l.doc.len() > 80 && !l.name.is_empty()));
    }
}
