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

/// The policies with one text replacement in one file.
fn policies_with(file: &str, from: &str, to: &str) -> Vec<(String, String)> {
    common::policy_inputs()
        .into_iter()
        .map(|(n, t)| {
            if n.ends_with(file) {
                assert!(t.contains(from), "{from} not in {file}");
                let t = t.replacen(from, to, 1);
                (n, t)
            } else {
                (n, t)
            }
        })
        .collect()
}

#[test]
fn a_change_shows_through_every_step_of_dependencies() {
    let src = |hours: u32| {
        format!(
            "announcement a \"t\" {{ source \"t\" }}\nvalue w: duration cites \"1\" = {hours}h\nvalue b: instant cites \"1\" = item.start + w\ncheck late cites \"1\" {{\n  after item.start\n  event item.done\n  deadline = b\n  exempt = false\n}}\n"
        )
    };
    let p = |h: u32| {
        program(&[
            ("s.edict".to_string(), SCHEMA.to_string()),
            ("a.edict".to_string(), src(h)),
        ])
    };
    let r = diff::diff(&p(48), &p(47));
    let text = diff::human(&r);
    all_witnesses_verified(&r);
    let late = r
        .values
        .iter()
        .find(|v| v.check.as_deref() == Some("late"))
        .unwrap_or_else(|| panic!("the check is not reported:\n{text}"));
    assert_eq!(late.inherits, ["a.w"], "{text}");
    assert_eq!(late.regions.len(), 1, "{text}");
    let reg = &late.regions[0];
    assert_eq!(reg.certainty, "differs", "{text}");
    assert_eq!(reg.before, "item.start + 48h (by a.b)", "{text}");
    assert_eq!(reg.after, "item.start + 47h (by a.b)", "{text}");
    assert!(!reg.witnesses.is_empty(), "{text}");
    // Equal numbers written differently are no difference.
    let q = |w: &str| {
        program(&[
            ("s.edict".to_string(), SCHEMA.to_string()),
            ("a.edict".to_string(), src(48).replace("= 48h", w)),
        ])
    };
    let r = diff::diff(&q("= 48h"), &q("= 2d"));
    assert!(
        r.values.iter().all(|v| v.check.is_none()),
        "{}",
        diff::human(&r)
    );
}

#[test]
fn ship_within_reaches_late_shipment() {
    let old = program(&common::policy_inputs());
    let new = program(&policies_with(
        "baseline.edict",
        "value ship_within: duration cites \"二\" = 48h",
        "value ship_within: duration cites \"二\" = 47h",
    ));
    let r = diff::diff(&old, &new);
    let text = diff::human(&r);
    all_witnesses_verified(&r);
    let deadline = r
        .values
        .iter()
        .find(|v| v.value == "baseline.late_shipment.deadline")
        .unwrap_or_else(|| panic!("late_shipment is not reported:\n{text}"));
    assert!(deadline
        .inherits
        .contains(&"baseline.ship_within".to_string()));
    // The plain 48h orders without an approved report (no report is a record with an
    // empty list): proved, with witnesses whose deadline moves by an hour.
    let plain = deadline
        .regions
        .iter()
        .find(|g| g.certainty == "differs" && g.before.starts_with("order.paid_at + 48h (by"))
        .unwrap_or_else(|| panic!("no proved region for the plain deadline:\n{text}"));
    assert!(plain.after.starts_with("order.paid_at + 47h"), "{text}");
    assert!(!plain.witnesses.is_empty(), "{text}");
    // With an approved report (an aggregate over a list, beyond the exact fragment) the
    // regions say so.
    for g in deadline.regions.iter().filter(|g| g.certainty != "differs") {
        let why = g.reason.as_deref().unwrap_or("");
        assert!(
            why.contains("reports.approved_latest is some") || why.contains("status"),
            "{text}"
        );
    }
    // Nothing internal in the output, and no region set cut short.
    assert!(!text.contains("elem"), "{text}");
    assert!(!text.contains('…'), "{text}");
    assert!(!text.contains("only part of the space"), "{text}");
}

#[test]
fn a_schema_gaining_an_optional_field_is_compared_over_the_union() {
    let schema2 = SCHEMA.replace("  start: instant\n", "  paid: instant?\n  start: instant\n");
    let old = fixture(12, &[("x", X, 48)], "");
    let new_src = "announcement p \"t\" {{ source \"t\" }}\ncheck late cites \"1\" {\n  after item.start\n  event item.done\n  deadline = base_deadline\n  exempt = false\n}\nvalue base_deadline: instant cites \"1\" = item.start + 12h\nexception base_deadline as x cites \"2\" {\n  when item.start in [2024-01-01 00:00:00, 2024-01-10 23:59:59]\n  then item.start + 48h\n}\nexception base_deadline as presale cites \"3\" {\n  when item.paid is some\n  then item.paid + 24h\n}\npriority presale > x\n".replace("{{", "{").replace("}}", "}");
    let new = program(&[
        ("s.edict".to_string(), schema2),
        ("p.edict".to_string(), new_src),
    ]);
    let r = diff::diff(&old, &new);
    let text = diff::human(&r);
    all_witnesses_verified(&r);
    assert!(!text.contains("cannot be compared"), "{text}");
    let v = r
        .values
        .iter()
        .find(|v| v.value == "p.base_deadline")
        .unwrap_or_else(|| panic!("{text}"));
    assert!(v.incomplete.is_none(), "{text}");
    // Only records with the new field differ: exactly where it is present.
    assert!(!v.regions.is_empty(), "{text}");
    for g in &v.regions {
        assert!(g.when.contains("item.paid"), "{text}");
        assert_eq!(g.certainty, "differs", "{text}");
        assert!(!g.witnesses.is_empty(), "{text}");
    }
}

#[test]
fn witnesses_of_a_rate_change_show_it_or_the_region_says_none_was_found() {
    let old = program(&common::policy_inputs());
    let new = program(&policies_with(
        "baseline.edict",
        "value compensation_rate: percent cites \"三 消费者赔付\" = 5%",
        "value compensation_rate: percent cites \"三 消费者赔付\" = 6%",
    ));
    let r = diff::diff(&old, &new);
    let text = diff::human(&r);
    all_witnesses_verified(&r);
    assert!(
        !text.contains("no difference in this check's finding"),
        "{text}"
    );
    let comp = r
        .values
        .iter()
        .find(|v| v.value == "baseline.late_shipment.compensation")
        .unwrap_or_else(|| panic!("{text}"));
    // Every proved region carries a witness on which the amounts differ.
    for g in comp.regions.iter().filter(|g| g.certainty == "differs") {
        assert!(!g.witnesses.is_empty(), "{text}");
        for w in &g.witnesses {
            let amount = |o: &Option<analysis::verify::Outcome>| {
                o.as_ref().and_then(|o| o.compensation.clone())
            };
            assert_ne!(amount(&w.before), amount(&w.after), "{text}");
        }
    }
    assert!(
        comp.regions.iter().any(|g| g.certainty == "differs"),
        "{text}"
    );
}
