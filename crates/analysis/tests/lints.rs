//! One fixture per lint, firing and not firing, snapshotted as one-line diagnostics.

mod common;

const SCHEMA: &str = r#"
enum Kind { a, b, c }
fact item {
  id: string
  cat: Kind
  start: instant
  done: instant?
  flag: bool
  tags: set<string>
  place: region
  amount: money
}
"#;

fn lint(policy: &str) -> String {
    lint_with(policy, false)
}

fn lint_with(policy: &str, fields: bool) -> String {
    let inputs = vec![
        ("schema.edict".to_string(), SCHEMA.to_string()),
        ("p.edict".to_string(), policy.to_string()),
    ];
    let c = common::checked(&inputs);
    let mut diags = analysis::lint::lint(&c, Some(&analysis::verify::EvalVerifier));
    for d in &diags {
        if d.code == "L001" && d.severity == syntax::Severity::Warning {
            assert!(
                d.notes.iter().any(|n| n.starts_with("verified:")),
                "witness not confirmed by evaluation: {d:#?}"
            );
        }
    }
    diags.retain(|d| fields || d.code != "L007");
    common::lines(&diags, &c.sources)
}

const HEAD: &str = r#"
announcement p "test" { source "t" }
check late cites "1" {
  after item.start
  event item.done
  deadline = base_deadline
  exempt = false
}
value base_deadline: instant cites "1" = item.start + 24h
"#;

fn with_head(rest: &str) -> String {
    format!("{HEAD}{rest}")
}

#[test]
fn l001_fires_on_overlapping_windows() {
    insta::assert_snapshot!(lint(&with_head(
        r#"
exception base_deadline as x cites "2" {
  when item.start in [2024-01-01 00:00:00, 2024-01-10 23:59:59]
  then item.start + 48h
}
exception base_deadline as y cites "3" {
  when item.start in [2024-01-10 00:00:00, 2024-01-20 23:59:59] and item.cat == a
  then item.start + 72h
}
"#
    )));
}

#[test]
fn l001_silent_when_disjoint_or_prioritised() {
    insta::assert_snapshot!(lint(&with_head(
        r#"
exception base_deadline as x cites "2" {
  when item.start in [2024-01-01 00:00:00, 2024-01-10 23:59:59]
  then item.start + 48h
}
exception base_deadline as y cites "3" {
  when item.start in [2024-01-11 00:00:00, 2024-01-20 23:59:59]
  then item.start + 72h
}
exception base_deadline as z cites "4" {
  when item.flag
  then item.start + 96h
}
priority z > x
priority z > y
"#
    )));
}

#[test]
fn l001_on_differences_regions_and_strings() {
    insta::assert_snapshot!(lint(&with_head(
        r#"
exception base_deadline as x cites "2" {
  when item.done is some and item.done - item.start > 24h and item.place in regions { "内蒙古自治区" }
  then item.start + 48h
}
exception base_deadline as y cites "3" {
  when item.done is some and item.done - item.start < 30h and "x" in item.tags
  then item.start + 72h
}
exception base_deadline as z cites "4" {
  when item.done is some and item.done - item.start < 20h and "x" not in item.tags
  then item.start + 96h
}
"#
    )));
}

#[test]
fn l001_undecided_on_opaque_conditions() {
    insta::assert_snapshot!(lint(&with_head(
        r#"
check other cites "1" {
  after item.start
  event item.done
  deadline = item.start + 1h
  exempt = false
}
exception base_deadline as x cites "2" {
  when other.status == violated
  then item.start + 48h
}
exception base_deadline as y cites "3" {
  when item.flag
  then item.start + 72h
}
"#
    )));
}

#[test]
fn l001_allowed() {
    insta::assert_snapshot!(lint(&with_head(
        r#"
@allow(L001, "the overlap is resolved at run time on purpose")
exception base_deadline as x cites "2" {
  when item.flag
  then item.start + 48h
}
exception base_deadline as y cites "3" {
  when item.cat == a
  then item.start + 72h
}
"#
    )));
}

#[test]
fn l002_dead_and_shadowed() {
    insta::assert_snapshot!(lint(&with_head(
        r#"
exception base_deadline as x cites "2" {
  when item.amount > 10 CNY and item.amount < 5 CNY
  then item.start + 48h
}
exception base_deadline as y cites "3" {
  when item.cat == a
  then item.start + 72h
}
exception base_deadline as z cites "4" {
  when item.cat == a and item.flag
  then item.start + 96h
}
priority y > z
"#
    )));
}

#[test]
fn l003_l004_windows_and_publication() {
    let policy = r#"
announcement p "test" {
  published 2024-01-05 00:00:00
  source "t"
  effective [2024-01-01 00:00:00, 2024-01-31 23:59:59]
}
check late cites "1" {
  after item.start
  event item.done
  deadline = base_deadline
  exempt = false
}
value base_deadline: instant cites "1" = item.start + 24h
exception base_deadline as x cites "2" {
  when item.start in [2024-01-20 00:00:00, 2024-02-10 23:59:59]
  then item.start + 48h
}
"#;
    insta::assert_snapshot!(lint(policy));
}

#[test]
fn l003_l004_silent_inside_validity_or_retroactive() {
    let policy = r#"
announcement p "test" {
  published 2024-01-05 00:00:00
  source "t"
  effective [2024-01-01 00:00:00, 2024-01-31 23:59:59]
  retroactive
}
check late cites "1" {
  after item.start
  event item.done
  deadline = base_deadline
  exempt = false
}
value base_deadline: instant cites "1" = item.start + 24h
exception base_deadline as x cites "2" {
  when item.start in [2024-01-02 00:00:00, 2024-01-10 23:59:59]
  then item.start + 48h
}
"#;
    insta::assert_snapshot!(lint(policy));
}

#[test]
fn l005_non_canonical_region() {
    insta::assert_snapshot!(lint(&with_head(
        r#"
exception base_deadline as x cites "2" {
  when item.place in regions { "内蒙古", "贵州省遵义市" }
  then item.start + 48h
}
"#
    )));
}

#[test]
fn l005_once_per_literal_in_every_position() {
    // An untyped value's body is checked twice by the checker (inference, then compile).
    let out = lint(&with_head(
        r#"
value places cites "1" = regions { "内蒙古", "贵州省遵义市" }
value near: bool cites "1" = item.place in places or item.place in regions { "宁夏" }
check other cites "1" {
  after item.start
  applies when item.place in regions { "宁夏" } and near
  event item.done
  deadline = item.start + 1h
  exempt = false
}
exception other.deadline as x cites "2" {
  when item.place in regions { "内蒙古" }
  then item.start + 2h
}
"#,
    ));
    assert_eq!(out.matches("L005").count(), 4, "{out}");
    for line in out.lines().filter(|l| l.starts_with("L005")) {
        assert_eq!(
            out.matches(line).count(),
            1,
            "reported twice: {line}\n{out}"
        );
    }
    insta::assert_snapshot!(out);
}

#[test]
fn l005_allowed_on_the_enclosing_value_exception_or_check() {
    let out = lint(&with_head(
        r#"
@allow(L005, "the announcement's own spelling")
value places cites "1" = regions { "内蒙古" }
@allow(L005, "the announcement's own spelling")
check other cites "1" {
  after item.start
  applies when item.place in regions { "宁夏" } and item.place in places
  event item.done
  deadline = item.start + 1h
  exempt = item.place in regions { "宁夏" }
}
@allow(L005, "the announcement's own spelling")
exception other.deadline as x cites "2" {
  when item.place in regions { "内蒙古" }
  then item.start + 2h
}
exception other.deadline as y cites "3" {
  when item.place in regions { "新疆" }
  then item.start + 3h
}
priority x > y
"#,
    ));
    // Only the literal outside any allowing item is left.
    assert_eq!(out.matches("L005").count(), 1, "{out}");
    assert!(out.contains("region `新疆`"), "{out}");
}

#[test]
fn l006_l008_l009() {
    insta::assert_snapshot!(lint(&with_head(
        r#"
value spare: duration cites "9" = 12h
value uncited: duration = 12h
exception base_deadline as same cites "2" {
  when item.flag
  then overridden
}
exception base_deadline as copy cites "3" {
  when item.cat == b and not item.flag
  then item.start + 24h
}
exception base_deadline as nocite {
  when item.cat == c and not item.flag
  then item.start + 1h
}
"#
    )));
}

#[test]
fn l006_l008_l009_allowed() {
    insta::assert_snapshot!(lint(&with_head(
        r#"
@allow(L006, "kept for the next announcement")
value spare: duration cites "9" = 12h
@allow(L009, "documents that the festival keeps the normal deadline")
exception base_deadline as same cites "2" {
  when item.flag
  then overridden
}
"#
    )));
}

#[test]
fn explain_covers_every_lint() {
    for l in analysis::lint::LINTS {
        assert!(analysis::lint::explain(&l.id.to_lowercase()).is_some());
        assert!(l.doc.len() > 80, "{} needs a real explanation", l.id);
    }
    assert!(analysis::lint::explain("L999").is_none());
}

#[test]
fn l007_unused_fields() {
    insta::assert_snapshot!(lint_with(HEAD, true));
}
