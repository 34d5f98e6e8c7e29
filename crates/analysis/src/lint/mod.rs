//! `edict lint`: findings about a checked policy set, as located diagnostics.
//!
//! Each lint has a stable id (`L001`…), a default severity and a one-paragraph explanation
//! ([`LINTS`], [`explain`]). The proofs work on the IR ([`crate::space`]): overlaps and dead
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

/// One lint's documentation.
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

/// Every lint.
pub const LINTS: &[LintInfo] = &[
    LintInfo {
        id: "L001",
        name: "overlapping-exceptions",
        severity: Severity::Warning,
        doc: "Two rules at the same level (exceptions of the same value or rule, or two dated base versions of one value) can apply to the same record, give different values, and no `priority` orders them. Evaluation reports such a record as `conflict`. Lint proves the overlap on the guards (windows and bounds on instant, duration, int and money fields, differences of two instant fields, region sets, enum sets, booleans, presence tests, string membership) and shows a witness record, verified by evaluation. Fix it with `priority a > b`, or make the guards disjoint. When a guard holds a condition the analysis cannot decide (an aggregate, another check's status, a value with several definitions), the overlap is reported as an undecided note naming that condition.",
    },
    LintInfo {
        id: "L002",
        name: "dead-rule",
        severity: Severity::Warning,
        doc: "A rule that can never decide: its guard (with those of the rules it refines) is unsatisfiable, or a sibling that beats it by `priority` applies whenever it does. Dead rules usually mean a mistyped window or bound, or a priority written the wrong way round. Remove the rule or fix its guard.",
    },
    LintInfo {
        id: "L003",
        name: "window-outside-effective",
        severity: Severity::Warning,
        doc: "A window written in a rule reaches outside the announcement's `effective` validity. Either the window or the `effective` line is wrong; announcements only govern what falls in their validity.",
    },
    LintInfo {
        id: "L004",
        name: "retroactive-without-declaration",
        severity: Severity::Warning,
        doc: "A rule's window (or the announcement's `effective` validity) starts before the announcement was `published`, and the announcement is not marked `retroactive`. Judging records by rules that did not exist yet is sometimes intended (a notice published late); say so with `retroactive` in the announcement, or fix the date.",
    },
    LintInfo {
        id: "L005",
        name: "non-canonical-region",
        severity: Severity::Warning,
        doc: "A region literal is not written as its canonical full name (a short form like `内蒙古`, a bare code, `X全域`, `X市辖区`, or a path with separators). It resolves, but reviewers compare names by eye: write the canonical name the help suggests. Each literal is reported once; `@allow(L005, \"reason\")` on the value, exception or check whose text contains it silences it there.",
    },
    LintInfo {
        id: "L006",
        name: "unused-value",
        severity: Severity::Warning,
        doc: "A value that no check reads, directly or through other values. It never affects a verdict: remove it, or make the check that should use it read it.",
    },
    LintInfo {
        id: "L007",
        name: "unused-field",
        severity: Severity::Note,
        doc: "A field of the fact schema that no rule or check reads (fields of list elements are matched by position). The schema often documents the whole interchange format, so this is a note: it is worth knowing when a field was meant to matter. The `id` field is read by the engine itself and never reported.",
    },
    LintInfo {
        id: "L008",
        name: "missing-citation",
        severity: Severity::Warning,
        doc: "A rule or check without `cites`. Every rule should point back to the clause of the announcement it encodes, so explanations can show it. A check component without its own citation inherits the check's.",
    },
    LintInfo {
        id: "L009",
        name: "redundant-exception",
        severity: Severity::Warning,
        doc: "An exception whose body is exactly `overridden`, or is written identically to the definition it overrides: it changes nothing (except hiding the rules below it). Remove it, or give it the value it was meant to have.",
    },
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
