//! Explanations as people and tools see them (insta snapshots: review with
//! `cargo insta review`).

mod common;

use common::*;
use eval::Evaluator;
use ir::{CmpOp, Expr};
use serde_json::json;

fn explained(b: &B, rec: serde_json::Value, as_of: &str) -> (String, String) {
    let ev = Evaluator::new(&b.p).unwrap();
    let rec = ev.decode(&rec).unwrap();
    let mut s = ev.scratch();
    let (v, e) = ev.evaluate_explained(&mut s, &rec, t(as_of));
    let mut line = String::new();
    v.write_json(&b.p, &mut line, Some(&e));
    assert!(
        serde_json::from_str::<serde_json::Value>(&line).is_ok(),
        "{line}"
    );
    let pretty = pretty(&line);
    // Explaining does not change the verdict.
    let plain = ev.evaluate(&mut s, &rec, t(as_of));
    assert_eq!(plain, v);
    (pretty, eval::explain_tree(&b.p, &v, &e))
}

/// Indents one line of JSON, keeping its key order (the verdict's order is a contract).
fn pretty(line: &str) -> String {
    let (mut out, mut depth, mut in_str, mut esc) = (String::new(), 0usize, false, false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if in_str {
            out.push(c);
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            '{' | '[' if matches!(chars.peek(), Some('}' | ']')) => {
                out.push(c);
                out.extend(chars.next());
            }
            '{' | '[' => {
                depth += 1;
                out.push(c);
                out.push('\n');
                out.push_str(&"  ".repeat(depth));
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                out.push('\n');
                out.push_str(&"  ".repeat(depth));
                out.push(c);
            }
            ',' => {
                out.push_str(",\n");
                out.push_str(&"  ".repeat(depth));
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}

#[test]
fn exception_with_a_child_not_applying() {
    let b = simple();
    let rec = order(
        json!({"id": "O1", "merchant_kind": "global", "shipped_at": "2024-02-21 09:00:00", "order_paid": "150"}),
    );
    let (j, tree) = explained(&b, rec, "2024-02-25 12:00:00");
    insta::assert_snapshot!("extension_json", j);
    insta::assert_snapshot!("extension_tree", tree);
}

#[test]
fn nested_override_and_pending() {
    let b = simple();
    let rec = order(
        json!({"id": "O2", "merchant_kind": "global", "delay_ship_by": "2024-02-26 00:00:00"}),
    );
    let (_, tree) = explained(&b, rec, "2024-02-25 12:00:00");
    insta::assert_snapshot!("nested_tree", tree);
}

#[test]
fn conflict_and_priority_explained() {
    let mut b = simple();
    // A second child of the extension that also applies and disagrees.
    let ext =
        b.p.rules
            .iter()
            .position(|r| r.id == "feb.global_extend")
            .unwrap() as u32;
    let other = b.child(
        ext,
        "feb.opt_out",
        vec![
            is_some(fld(f::FESTIVAL_OPT_OUT)),
            cmp(CmpOp::Eq, fld(f::FESTIVAL_OPT_OUT), boolean(true)),
        ],
        add(fld(f::PAID_AT), hours(48)),
    );
    b.text(other, 0, "order.festival_opt_out is some");
    b.text(other, 1, "order.festival_opt_out");
    let rec = order(
        json!({"id": "O3", "merchant_kind": "global", "delay_ship_by": "2024-02-26 00:00:00", "festival_opt_out": true}),
    );
    let (j, tree) = explained(&b, rec.clone(), "2024-02-25 12:00:00");
    insta::assert_snapshot!("conflict_json", j);
    insta::assert_snapshot!("conflict_tree", tree);
    let delay =
        b.p.rules
            .iter()
            .position(|r| r.id == "feb.merchant_delay")
            .unwrap() as u32;
    b.beats(delay, other);
    let (_, tree) = explained(&b, rec, "2024-02-25 12:00:00");
    insta::assert_snapshot!("priority_tree", tree);
}

#[test]
fn undefined_value_explained() {
    let mut b = simple();
    // The base only covers 2024; a 2025 order has no deadline.
    let base =
        b.p.rules
            .iter()
            .position(|r| r.id == "baseline.ship_within")
            .unwrap();
    b.p.rules[base].guard = Some(ir::Guard {
        conjuncts: vec![ir::Conjunct {
            expr: cmp(CmpOp::Lt, fld(f::PAID_AT), inst("2025-01-01 00:00:00")),
            text: "order.paid_at < 2025-01-01".into(),
        }],
    });
    let rec = order(json!({"id": "O4", "paid_at": "2025-03-01 10:00:00"}));
    let (j, tree) = explained(&b, rec, "2025-03-05 12:00:00");
    insta::assert_snapshot!("unknown_json", j);
    insta::assert_snapshot!("unknown_tree", tree);
    let _ = Expr::Overridden;
}

#[test]
fn agreement_explained() {
    let mut b = simple();
    let ext =
        b.p.rules
            .iter()
            .position(|r| r.id == "feb.global_extend")
            .unwrap() as u32;
    // A second child giving the same instant as merchant_delay does here.
    b.child(
        ext,
        "feb.fixed",
        vec![is_some(fld(f::DELAY_SHIP_BY))],
        inst("2024-02-26 00:00:00"),
    );
    let rec = order(
        json!({"id": "O5", "merchant_kind": "global", "delay_ship_by": "2024-02-26 00:00:00"}),
    );
    let (_, tree) = explained(&b, rec, "2024-02-25 12:00:00");
    insta::assert_snapshot!("agreement_tree", tree);
}

/// An exemption whose waivers all open with one flag: outside explanations a false flag
/// settles it without the waivers' guards (`exempt_gate`); an explanation still shows the
/// waiver and the guard that kept it out, and the flag's value.
#[test]
fn gated_waivers_are_explained_with_their_guard() {
    let mut b = simple();
    let flag = b.value("x.delayed", ir::Ty::Bool);
    b.base(
        flag,
        "x.delayed_def",
        vec![],
        is_some(fld(f::DELAY_SHIP_BY)),
    );
    let exempt = b.p.checks[0].exempt;
    b.exception(exempt, "x.waiver", vec![val(flag)], boolean(true));
    let rec = order(json!({"id": "O5", "shipped_at": "2024-02-08 09:00:00"}));
    let (j, _) = explained(&b, rec, "2024-02-25 12:00:00");
    let finding = j
        .split("\"check\": \"late_shipment\"")
        .nth(1)
        .unwrap_or_default();
    assert!(finding.contains("\"status\": \"violated\""), "{j}");
    for shown in ["\"rule\": \"x.waiver\"", "\"value\": \"x.delayed\""] {
        assert!(finding.contains(shown), "{shown} missing from {j}");
    }
}

/// Bases that exclude each other are scanned up to the first that applies outside
/// explanations; an explanation still shows every base and what kept it out.
#[test]
fn exclusive_bases_are_all_explained() {
    let mut b = B::new();
    let d = b.value("x.late.deadline", ir::Ty::Instant);
    let shop = enum_is(f::MERCHANT_KIND, 0);
    b.base(d, "x.shop", vec![shop], add(fld(f::PAID_AT), hours(48)));
    let global = enum_is(f::MERCHANT_KIND, 1);
    b.base(d, "x.global", vec![global], add(fld(f::PAID_AT), hours(72)));
    b.deadline_check("late", f::PAID_AT, f::SHIPPED_AT, d);
    let rec = order(json!({"id": "O6", "shipped_at": "2024-02-08 09:00:00"}));
    let (j, _) = explained(&b, rec, "2024-02-25 12:00:00");
    for shown in ["\"rule\": \"x.shop\"", "\"rule\": \"x.global\""] {
        assert!(j.contains(shown), "{shown} missing from {j}");
    }
}
