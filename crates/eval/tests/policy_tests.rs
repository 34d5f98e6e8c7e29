//! The policy test runner: expectations, failures with explanations, malformed files.

mod common;

use common::*;
use eval::testing::{run_test_text, run_tests};
use eval::Evaluator;

const GOOD: &str = r#"{
  "description": "late shipment basics",
  "as_of": "2024-03-01T00:00:00+08:00",
  "defaults": { "kind": "order", "merchant_kind": "shop", "order_paid": "150.00",
                "tags": [], "reports": [], "sender_region": "150102" },
  "cases": [
    { "name": "on time", "cites": "001 一.1",
      "record": { "id": "A", "paid_at": "2024-02-05 10:00:00", "shipped_at": "2024-02-07T02:00:00Z" },
      "expect": { "late_shipment": { "status": "ok", "deadline": "2024-02-07T02:00:00Z",
                                     "actual": "2024-02-07 10:00:00", "rule": "baseline.ship_within",
                                     "rules": ["baseline.ship_within"] },
                  "late_collection": { "status": "violated" } } },
    { "name": "global extension", "cites": "feb 1",
      "record": { "id": "B", "merchant_kind": "global", "paid_at": "2024-02-05 10:00:00" },
      "expect": { "late_shipment": { "status": "violated", "deadline": "2024-02-20 23:59:59",
                                     "compensation": "8.00", "rule": "feb.global_extend" },
                  "late_collection": "absent" } },
    { "name": "pending with as_of override", "as_of": "2024-02-06 00:00:00",
      "record": { "id": "C", "paid_at": "2024-02-05 10:00:00" },
      "expect": { "late_shipment": { "status": "pending", "compensation": null } } },
    { "name": "rejected record",
      "record": { "id": "D", "paid_at": "yesterday" },
      "expect_error": true }
  ]
}"#;

#[test]
fn passing_file() {
    let b = simple();
    let ev = Evaluator::new(&b.p).unwrap();
    let r = run_test_text(&ev, "good.json", GOOD);
    assert_eq!(r.error, None);
    for c in &r.cases {
        assert!(c.passed(), "{}: {:?}", c.name, c.failures);
    }
    assert_eq!(r.description.as_deref(), Some("late shipment basics"));
    let report = eval::testing::TestReport { files: vec![r] };
    assert_eq!((report.passed(), report.failed()), (4, 0));
    assert!(report.render().ends_with("4 passed, 0 failed\n"));
}

#[test]
fn failures_show_expected_got_and_the_explanation() {
    let b = simple();
    let ev = Evaluator::new(&b.p).unwrap();
    let text = GOOD
        .replace(
            r#""status": "ok", "deadline": "2024-02-07T02:00:00Z""#,
            r#""status": "violated", "deadline": "2024-02-07T02:00:01Z""#,
        )
        .replace(r#""compensation": "8.00""#, r#""compensation": "7.5""#)
        .replace(
            r#""late_collection": "absent""#,
            r#""late_collection": {"status": "ok"}"#,
        )
        .replace(
            r#""paid_at": "yesterday""#,
            r#""paid_at": "2024-02-05 10:00:00""#,
        );
    let r = run_test_text(&ev, "bad.json", &text);
    let report = eval::testing::TestReport { files: vec![r] };
    assert_eq!((report.passed(), report.failed()), (1, 3));
    insta::assert_snapshot!("failing_report", report.render());
}

#[test]
fn malformed_files_and_cases_are_located_errors() {
    let b = simple();
    let ev = Evaluator::new(&b.p).unwrap();
    let r = run_test_text(&ev, "x.json", "{ not json");
    assert!(r
        .error
        .as_deref()
        .is_some_and(|e| e.starts_with("not valid JSON")));
    let r = run_test_text(&ev, "x.json", r#"{"cases": 3}"#);
    assert_eq!(r.error.as_deref(), Some("missing `cases` (an array)"));
    let r = run_test_text(
        &ev,
        "x.json",
        r#"{"cases": [
            {"name": "no as_of", "record": {}, "expect": {}},
            {"name": "bad status", "as_of": "2024-03-01 00:00:00", "record": {"paid_at": "2024-02-05 10:00:00", "merchant_kind": "shop", "order_paid": "1", "tags": [], "reports": [], "sender_region": "150102"}, "expect": {"late_shipment": {"status": "late"}}},
            {"name": "unknown check", "as_of": "2024-03-01 00:00:00", "record": {"paid_at": "2024-02-05 10:00:00", "merchant_kind": "shop", "order_paid": "1", "tags": [], "reports": [], "sender_region": "150102"}, "expect": {"late_shipping": "absent"}},
            {"name": "typo", "as_of": "2024-03-01 00:00:00", "record": {"paid_at": "2024-02-05 10:00:00", "merchant_kind": "shop", "order_paid": "1", "tags": [], "reports": [], "sender_region": "150102"}, "expect": {"late_shipment": {"status": "violated", "deadlin": "x"}}},
            "not an object"
        ]}"#,
    );
    let fails: Vec<String> = r.cases.iter().flat_map(|c| c.failures.clone()).collect();
    assert_eq!(
        fails,
        [
            "malformed case 0 (no as_of): no `as_of` (in the case or the file)",
            "malformed case 1 (bad status): `late_shipment`: unknown status `late`",
            "malformed case 2 (unknown check): no check named `late_shipping` in the program",
            "malformed case 3 (typo): `late_shipment`: unknown expectation `deadlin`",
            "malformed case 4 (case 4): a case must be an object",
        ]
    );
}

#[test]
fn folders_are_searched_for_json_files_in_order() {
    let dir = std::env::temp_dir().join(format!("edict-eval-tests-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("b.json"), GOOD).unwrap();
    std::fs::write(dir.join("sub/a.json"), GOOD).unwrap();
    std::fs::write(dir.join("notes.txt"), "ignored").unwrap();
    let b = simple();
    let ev = Evaluator::new(&b.p).unwrap();
    let report = run_tests(&ev, &[dir.clone(), dir.join("missing.json")]);
    let names: Vec<String> = report
        .files
        .iter()
        .map(|f| f.file.rsplit('/').next().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        names,
        ["b.json", "missing.json", "a.json"],
        "sorted path order"
    );
    assert_eq!((report.passed(), report.failed()), (8, 1));
    let _ = std::fs::remove_dir_all(&dir);
}
