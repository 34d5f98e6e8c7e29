//! Semantic diff on the shipped policies: identity, the Double 11 2023 file, a changed
//! baseline collection rule; every witness is evaluated on both sides.

mod common;

use analysis::diff::{self, Report};

fn program(inputs: &[(String, String)]) -> ir::Program {
    common::checked(inputs)
        .program
        .unwrap_or_else(|| unreachable!())
}

fn all_witnesses_verified(r: &Report) {
    for v in &r.values {
        for reg in &v.regions {
            if reg.certainty == "differs" {
                assert!(
                    !reg.witnesses.is_empty(),
                    "no witness for {} {}",
                    v.value,
                    reg.when
                );
            }
            for w in &reg.witnesses {
                assert!(
                    w.verified,
                    "witness not confirmed for {}: {:#?}",
                    v.value, w
                );
            }
        }
    }
}

#[test]
fn folder_with_itself_has_no_difference() {
    let p = program(&common::policy_inputs());
    let r = diff::diff(&p, &p);
    assert!(r.is_empty(), "{}", diff::human(&r));
    assert_eq!(
        diff::human(&r),
        "no differences: the two versions decide every record alike\n"
    );
}

#[test]
fn a_schema_change_alone_is_a_difference() {
    let all = common::policy_inputs();
    let changed: Vec<_> = all
        .iter()
        .map(|(n, t)| {
            if n.ends_with("schema.edict") {
                (
                    n.clone(),
                    t.replacen(
                        "  paid_at: instant",
                        "  paid_at: instant\n  note: string?",
                        1,
                    ),
                )
            } else {
                (n.clone(), t.clone())
            }
        })
        .collect();
    let r = diff::diff(&program(&all), &program(&changed));
    let text = diff::human(&r);
    assert!(!r.is_empty(), "{text}");
    assert!(
        text.contains("schema order changed: fact: with note: string?"),
        "{text}"
    );
}

#[test]
fn without_and_with_double11() {
    let all = common::policy_inputs();
    let without: Vec<_> = all
        .iter()
        .filter(|(n, _)| !n.ends_with("double11_2023.edict"))
        .cloned()
        .collect();
    let (old, new) = (program(&without), program(&all));
    let r = diff::diff(&old, &new);
    let text = diff::human(&r);
    println!("{text}");
    all_witnesses_verified(&r);
    // Exactly the window's changes: the five deadlines 003 touches, and the 2022 epidemic
    // waiver that reads one of them (an order shipped in the window but recorded as collected
    // on 2022-03-30 — the schema does not order the two — has its deadline moved past the
    // waiver's 2022-03-31 cutoff).
    let mut changed: Vec<&str> = r
        .values
        .iter()
        .filter(|v| !v.regions.is_empty())
        .map(|v| v.value.as_str())
        .collect();
    changed.sort_unstable();
    assert_eq!(
        changed,
        [
            "baseline.late_collection.deadline",
            "fraud.false_shipment_no_transit.deadline",
            "fraud.false_shipment_no_transit.exempt",
            "service.exchange_after_return.deadline",
            "service.refund_after_return.deadline",
            "service.refund_unreceived_return.deadline",
        ]
    );
    // Witnesses at both ends of the shipping window.
    assert!(text.contains("2023-10-31T00:00:00+08:00"), "{text}");
    assert!(text.contains("2023-11-14T23:59:59.999999+08:00"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn changed_baseline_collection_rule() {
    let all = common::policy_inputs();
    let changed: Vec<_> = all
        .iter()
        .map(|(n, t)| {
            if n.ends_with("baseline.edict") {
                (
                    n.clone(),
                    t.replace("= order.shipped_at + 24h", "= order.shipped_at + 36h"),
                )
            } else {
                (n.clone(), t.clone())
            }
        })
        .collect();
    let (old, new) = (program(&all), program(&changed));
    let r = diff::diff(&old, &new);
    let text = diff::human(&r);
    all_witnesses_verified(&r);
    assert!(
        r.rules
            .iter()
            .any(|c| c.rule == "baseline.collect_v24" && c.change == "changed"),
        "{text}"
    );
    assert!(
        r.values
            .iter()
            .any(|v| v.value == "baseline.late_collection.deadline" && !v.regions.is_empty()),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

const SCHEMA: &str = r#"
enum Cat { a, b, c }
fact item {
  id: string
  cat: Cat
  start: instant
  done: instant?
}
"#;

/// A small policy: a base deadline and exceptions given as `(label, guard, hours)`.
fn fixture(base: u32, exceptions: &[(&str, &str, u32)], extra: &str) -> ir::Program {
    let mut p = format!(
        "announcement p \"t\" {{ source \"t\" }}\ncheck late cites \"1\" {{\n  after item.start\n  event item.done\n  deadline = base_deadline\n  exempt = false\n}}\nvalue base_deadline: instant cites \"1\" = item.start + {base}h\n"
    );
    for (label, guard, hours) in exceptions {
        p.push_str(&format!(
            "exception base_deadline as {label} cites \"2\" {{\n  when {guard}\n  then item.start + {hours}h\n}}\n"
        ));
    }
    p.push_str(extra);
    program(&[
        ("s.edict".to_string(), SCHEMA.to_string()),
        ("p.edict".to_string(), p),
    ])
}

const X: &str = "item.start in [2024-01-01 00:00:00, 2024-01-10 23:59:59]";
const Y: &str = "item.start in [2024-01-05 00:00:00, 2024-01-20 23:59:59]";

#[test]
fn adjacent_cells_with_the_same_change_are_one_region() {
    // Where x applies it wins, with or without y: two adjacent cells, one change.
    let old = fixture(12, &[("x", X, 48), ("y", Y, 72)], "priority x > y\n");
    let new = fixture(12, &[("x", X, 60), ("y", Y, 72)], "priority x > y\n");
    let r = diff::diff(&old, &new);
    let text = diff::human(&r);
    all_witnesses_verified(&r);
    let v = &r.values[0];
    assert_eq!(v.regions.len(), 1, "{text}");
    assert_eq!(
        v.regions[0].when,
        "item.start in [2024-01-01 00:00:00, 2024-01-10 23:59:59]"
    );
    // Witnesses at both ends of the merged region.
    let starts: Vec<&str> = v.regions[0]
        .witnesses
        .iter()
        .filter_map(|w| w.record.get("start").and_then(|s| s.as_str()))
        .collect();
    assert_eq!(
        starts,
        [
            "2024-01-01T00:00:00+08:00",
            "2024-01-10T23:59:59.999999+08:00"
        ],
        "{text}"
    );
}

#[test]
fn an_l_shaped_change_stays_in_as_few_boxes_as_it_takes() {
    // The base changes wherever neither exception applies: before x, and from x's end on
    // where y does not apply (other categories, or after y's window).
    let y = "item.start in [2024-01-11 00:00:00, 2024-01-20 23:59:59] and item.cat == a";
    let old = fixture(12, &[("x", X, 48), ("y", y, 72)], "");
    let new = fixture(24, &[("x", X, 48), ("y", y, 72)], "");
    let r = diff::diff(&old, &new);
    let text = diff::human(&r);
    all_witnesses_verified(&r);
    let mut whens: Vec<&str> = r.values[0]
        .regions
        .iter()
        .map(|g| g.when.as_str())
        .collect();
    whens.sort_unstable();
    assert_eq!(
        whens,
        [
            "item.cat in {b, c} and item.start >= 2024-01-11 00:00:00",
            "item.start < 2024-01-01 00:00:00",
            "item.start >= 2024-01-21 00:00:00",
        ],
        "{text}"
    );
}
