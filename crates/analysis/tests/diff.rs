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
    // Exactly the window's changes: the five deadlines 003 touches.
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
