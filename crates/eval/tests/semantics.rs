//! The evaluator's semantics, rule by rule, on hand-built programs.

mod common;

use common::*;
use ir::{ArithOp, CmpOp, Const, Expr, Func, QuantOp, Ty};
use serde_json::json;

/// ship_by: base `paid_at + 48h`; exception auto_extend (shop, paid in the festival
/// window) `max(overridden, 2024-02-22 23:59:59)`, with two children: merchant_delay
/// (`delay_ship_by`) and opted_out (`paid_at + 48h`). late_shipment's deadline is an alias
/// of ship_by.
struct Shipping {
    b: B,
    ship_by: ir::ValueId,
    auto_extend: ir::RuleId,
    merchant_delay: ir::RuleId,
    opted_out: ir::RuleId,
    check: ir::CheckId,
}

fn shipping() -> Shipping {
    let mut b = B::new();
    let ship_by = b.value("baseline.ship_by", Ty::Instant);
    b.base(
        ship_by,
        "baseline.ship_within",
        vec![],
        add(fld(f::PAID_AT), hours(48)),
    );
    let auto_extend = b.exception(
        ship_by,
        "cny.auto_extend",
        vec![
            enum_is(f::MERCHANT_KIND, 0),
            in_window(
                fld(f::PAID_AT),
                "2024-02-02 00:00:00",
                "2024-02-20 23:59:59",
            ),
        ],
        max(Expr::Overridden, inst("2024-02-22 23:59:59")),
    );
    let merchant_delay = b.child(
        auto_extend,
        "cny.merchant_delay",
        vec![is_some(fld(f::DELAY_SHIP_BY))],
        fld(f::DELAY_SHIP_BY),
    );
    let opted_out = b.child(
        auto_extend,
        "cny.opted_out",
        vec![
            is_some(fld(f::FESTIVAL_OPT_OUT)),
            cmp(CmpOp::Eq, fld(f::FESTIVAL_OPT_OUT), boolean(true)),
        ],
        add(fld(f::PAID_AT), hours(48)),
    );
    let deadline = b.value("baseline.late_shipment.deadline", Ty::Instant);
    b.base(
        deadline,
        "baseline.late_shipment_deadline",
        vec![],
        val(ship_by),
    );
    let check = b.deadline_check("late_shipment", f::PAID_AT, f::SHIPPED_AT, deadline);
    Shipping {
        b,
        ship_by,
        auto_extend,
        merchant_delay,
        opted_out,
        check,
    }
}

fn late(s: &Shipping, rec: serde_json::Value, as_of: &str) -> (String, Vec<String>, eval::Verdict) {
    let v = run(&s.b.p, rec, as_of);
    let (st, rules) = finding(&s.b.p, &v, "late_shipment").unwrap_or_default();
    (st, rules, v)
}

#[test]
fn base_deadline_boundaries_are_exact() {
    let s = shipping();
    let paid = json!({"paid_at": "2024-01-10T10:00:00+08:00"});
    let with = |extra: serde_json::Value| order_with(paid.clone(), extra);
    // Shipped exactly at the deadline: on time.
    let (st, rules, v) = late(
        &s,
        with(json!({"shipped_at": "2024-01-12T10:00:00+08:00"})),
        "2024-03-01 00:00:00",
    );
    assert_eq!(st, "ok");
    assert_eq!(
        rules,
        ["baseline.ship_within"],
        "the alias base is replaced by ship_by's chain"
    );
    let f = &v.findings[0];
    assert_eq!(f.deadline, Some(t("2024-01-12 10:00:00")));
    assert_eq!(f.actual, Some(t("2024-01-12 10:00:00")));
    // One µs late.
    let (st, ..) = late(
        &s,
        with(json!({"shipped_at": "2024-01-12T10:00:00.000001+08:00"})),
        "2024-03-01 00:00:00",
    );
    assert_eq!(st, "violated");
    // Unshipped: pending while as_of <= deadline, violated one µs later.
    let (st, ..) = late(&s, with(json!({})), "2024-01-12T10:00:00+08:00");
    assert_eq!(st, "pending");
    let (st, ..) = late(&s, with(json!({})), "2024-01-12T10:00:00.000001+08:00");
    assert_eq!(st, "violated");
}

#[test]
fn exception_overrides_base_and_reads_overridden() {
    let s = shipping();
    let (st, rules, v) = late(&s, order(json!({})), "2024-02-10 00:00:00");
    assert_eq!(st, "pending");
    assert_eq!(rules, ["baseline.ship_within", "cny.auto_extend"]);
    assert_eq!(v.findings[0].deadline, Some(t("2024-02-22 23:59:59")));
    // The extension never shortens: a later base deadline survives max(overridden, …).
    let mut b = shipping();
    b.b.p.rules[0].body = add(fld(f::PAID_AT), hours(24 * 30));
    let (_, _, v) = late(&b, order(json!({})), "2024-02-10 00:00:00");
    assert_eq!(v.findings[0].deadline, Some(t("2024-03-06 10:00:00")));
    // A global merchant: the exception does not apply.
    let (_, rules, v) = late(
        &s,
        order(json!({"merchant_kind": "global"})),
        "2024-02-10 00:00:00",
    );
    assert_eq!(rules, ["baseline.ship_within"]);
    assert_eq!(v.findings[0].deadline, Some(t("2024-02-07 10:00:00")));
}

#[test]
fn nested_exception_applies_only_under_its_parent() {
    let s = shipping();
    let rec = order(json!({"delay_ship_by": "2024-02-25 12:00:00"}));
    let (_, rules, v) = late(&s, rec, "2024-02-10 00:00:00");
    assert_eq!(
        rules,
        [
            "baseline.ship_within",
            "cny.auto_extend",
            "cny.merchant_delay"
        ]
    );
    assert_eq!(v.findings[0].deadline, Some(t("2024-02-25 12:00:00")));
    // Same delay, but paid outside the window: the parent does not apply, nor the child.
    let rec =
        order(json!({"delay_ship_by": "2024-02-25 12:00:00", "paid_at": "2024-03-01 10:00:00"}));
    let (_, rules, v) = late(&s, rec, "2024-03-02 00:00:00");
    assert_eq!(rules, ["baseline.ship_within"]);
    assert_eq!(v.findings[0].deadline, Some(t("2024-03-03 10:00:00")));
}

#[test]
fn conflict_names_both_rules_and_priority_resolves_it() {
    let s = shipping();
    let both = order(json!({"delay_ship_by": "2024-02-25 12:00:00", "festival_opt_out": true}));
    let (st, rules, v) = late(&s, both.clone(), "2024-02-10 00:00:00");
    assert_eq!(st, "conflict");
    assert_eq!(rules, ["cny.merchant_delay", "cny.opted_out"]);
    let text = json(&s.b.p, &v);
    assert!(text.contains(r#""reason":"rules `cny.merchant_delay` (cny.edict:3) and `cny.opted_out` (cny.edict:4) both apply"#), "{text}");
    assert!(!text.contains("\"deadline\""), "{text}");

    let mut p = shipping();
    p.b.beats(p.merchant_delay, p.opted_out);
    let (st, rules, v) = late(&p, both, "2024-02-10 00:00:00");
    assert_eq!(st, "pending");
    assert_eq!(
        rules,
        [
            "baseline.ship_within",
            "cny.auto_extend",
            "cny.merchant_delay"
        ]
    );
    assert_eq!(v.findings[0].deadline, Some(t("2024-02-25 12:00:00")));
    let _ = (p.ship_by, p.auto_extend, p.check);
}

#[test]
fn equal_siblings_agree_and_the_first_by_id_decides() {
    let s = shipping();
    // delay_ship_by equals what opted_out gives (paid_at + 48h): no conflict.
    let rec = order(json!({"delay_ship_by": "2024-02-07 10:00:00", "festival_opt_out": true}));
    let (st, rules, v) = late(&s, rec, "2024-02-06 00:00:00");
    assert_eq!(st, "pending");
    assert_eq!(
        rules,
        [
            "baseline.ship_within",
            "cny.auto_extend",
            "cny.merchant_delay"
        ]
    );
    assert_eq!(v.findings[0].deadline, Some(t("2024-02-07 10:00:00")));
}

#[test]
fn overridden_in_a_child_is_the_parent_body() {
    let mut s = shipping();
    // opted_out now yields `overridden + 24h`: auto_extend's body (the extended deadline).
    s.b.p.rules[s.opted_out as usize].body = add(Expr::Overridden, hours(24));
    let (_, rules, v) = late(
        &s,
        order(json!({"festival_opt_out": true})),
        "2024-02-10 00:00:00",
    );
    assert_eq!(
        rules,
        ["baseline.ship_within", "cny.auto_extend", "cny.opted_out"]
    );
    assert_eq!(v.findings[0].deadline, Some(t("2024-02-23 23:59:59")));
}

#[test]
fn overridden_is_lazy_and_undefined_bases_only_matter_when_read() {
    let mut b = B::new();
    let v = b.value("x.deadline", Ty::Instant);
    b.base(
        v,
        "x.only_2023",
        vec![cmp(CmpOp::Lt, fld(f::PAID_AT), inst("2024-01-01 00:00:00"))],
        add(fld(f::PAID_AT), hours(72)),
    );
    let exc = b.exception(
        v,
        "x.fixed",
        vec![enum_is(f::MERCHANT_KIND, 1)],
        inst("2024-03-01 00:00:00"),
    );
    b.deadline_check("c", f::PAID_AT, f::SHIPPED_AT, v);
    // No base applies, but the exception does and ignores `overridden`.
    let out = run(
        &b.p,
        order(json!({"merchant_kind": "global"})),
        "2024-02-10 00:00:00",
    );
    assert_eq!(
        finding(&b.p, &out, "c"),
        Some(("pending".into(), vec!["x.fixed".into()]))
    );
    // The same exception reading `overridden`: undefined, so unknown.
    b.p.rules[exc as usize].body = max(Expr::Overridden, inst("2024-03-01 00:00:00"));
    let out = run(
        &b.p,
        order(json!({"merchant_kind": "global"})),
        "2024-02-10 00:00:00",
    );
    assert_eq!(finding(&b.p, &out, "c"), Some(("unknown".into(), vec![])));
    assert!(json(&b.p, &out).contains(r#""reason":"no definition of `x.deadline` applies""#));
}

#[test]
fn dated_versions_and_undefined_is_unknown() {
    let mut b = B::new();
    let v = b.value("base.collect_by", Ty::Instant);
    b.base(
        v,
        "base.v72",
        vec![cmp(CmpOp::Lt, fld(f::PAID_AT), inst("2023-01-01 00:00:00"))],
        add(fld(f::PAID_AT), hours(72)),
    );
    b.base(
        v,
        "base.v24",
        vec![
            cmp(CmpOp::Ge, fld(f::PAID_AT), inst("2023-01-01 00:00:00")),
            cmp(CmpOp::Lt, fld(f::PAID_AT), inst("2025-01-01 00:00:00")),
        ],
        add(fld(f::PAID_AT), hours(24)),
    );
    b.deadline_check("late_collection", f::PAID_AT, f::COLLECTED_AT, v);
    let at = |paid: &str| {
        let out = run(&b.p, order(json!({"paid_at": paid})), "2022-01-01 00:00:00");
        (
            finding(&b.p, &out, "late_collection"),
            out.findings.first().and_then(|f| f.deadline),
        )
    };
    let (f72, d72) = at("2022-12-31 23:59:59");
    assert_eq!(f72, Some(("pending".into(), vec!["base.v72".into()])));
    assert_eq!(d72, Some(t("2023-01-03 23:59:59")));
    let (f24, d24) = at("2023-01-01 00:00:00");
    assert_eq!(f24, Some(("pending".into(), vec!["base.v24".into()])));
    assert_eq!(d24, Some(t("2023-01-02 00:00:00")));
    let (fnone, dnone) = at("2025-06-01 00:00:00");
    assert_eq!(fnone, Some(("unknown".into(), vec![])));
    assert_eq!(dnone, None);
}

#[test]
fn several_bases_agree_or_conflict() {
    let mut b = B::new();
    let v = b.value("x.limit", Ty::Duration);
    b.base(v, "x.a", vec![], hours(48));
    let second = b.base(v, "x.b", vec![], hours(48));
    let d = b.value("x.deadline", Ty::Instant);
    b.base(d, "x.deadline_def", vec![], add(fld(f::PAID_AT), val(v)));
    b.deadline_check("c", f::PAID_AT, f::SHIPPED_AT, d);
    let out = run(&b.p, order(json!({})), "2024-02-06 00:00:00");
    assert_eq!(
        finding(&b.p, &out, "c").map(|f| f.0),
        Some("pending".into())
    );
    b.p.rules[second as usize].body = hours(24);
    let out = run(&b.p, order(json!({})), "2024-02-06 00:00:00");
    assert_eq!(
        finding(&b.p, &out, "c"),
        Some(("conflict".into(), vec!["x.a".into(), "x.b".into()]))
    );
}

#[test]
fn windows_are_inclusive_at_both_ends() {
    let s = shipping();
    for (paid, extended) in [
        ("2024-02-01 23:59:59.999999", false),
        ("2024-02-02 00:00:00", true),
        ("2024-02-20 23:59:59", true),
        ("2024-02-20 23:59:59.000001", false),
    ] {
        let (_, rules, _) = late(&s, order(json!({"paid_at": paid})), "2024-02-01 00:00:00");
        assert_eq!(rules.len() == 2, extended, "paid at {paid}: {rules:?}");
    }
}

/// late_shipment with an exemption exception (sender in 内蒙古呼和浩特市) and a compensation
/// of 5% of order_paid rounded half-up to whole yuan.
fn with_exemption_and_compensation() -> Shipping {
    let mut s = shipping();
    let exempt = s.b.p.checks[s.check as usize].exempt;
    s.b.exception(
        exempt,
        "epidemic.waiver",
        vec![Expr::InRegions(
            Box::new(fld(f::SENDER_REGION)),
            Box::new(Expr::Const(Const::Region(150100))),
        )],
        boolean(true),
    );
    let comp = s.b.value("baseline.late_shipment.compensation", Ty::Money);
    s.b.base(
        comp,
        "baseline.compensate",
        vec![],
        Expr::Call(
            Func::Round,
            vec![
                arith(ArithOp::MoneyMulPercent, fld(f::ORDER_PAID), pct("5")),
                money("1"),
            ],
        ),
    );
    s.b.check_mut(s.check).compensation = Some(comp);
    s
}

#[test]
fn exemption_excuses_failures_but_not_successes() {
    let s = with_exemption_and_compensation();
    let inner_mongolia = |extra: serde_json::Value| {
        let fields =
            json!({"paid_at": "2024-01-10 10:00:00", "sender_region": "内蒙古/呼和浩特市/新城区"});
        order_with(fields, extra)
    };
    // Late, but exempt: no compensation, the exemption's chain.
    let (st, rules, v) = late(
        &s,
        inner_mongolia(json!({"shipped_at": "2024-01-13 10:00:00"})),
        "2024-02-01 00:00:00",
    );
    assert_eq!(st, "exempt");
    assert_eq!(rules, ["late_shipment.exempt_def", "epidemic.waiver"]);
    assert_eq!(v.findings[0].compensation, None);
    assert_eq!(v.findings[0].before_exempt, ir::Status::Violated);
    // On time stays ok.
    let (st, rules, _) = late(
        &s,
        inner_mongolia(json!({"shipped_at": "2024-01-11 10:00:00"})),
        "2024-02-01 00:00:00",
    );
    assert_eq!(
        (st.as_str(), rules),
        ("ok", vec!["baseline.ship_within".to_string()])
    );
    // Pending becomes exempt.
    let (st, ..) = late(&s, inner_mongolia(json!({})), "2024-01-11 00:00:00");
    assert_eq!(st, "exempt");
    // Outside the region: violated, compensated.
    let (st, _, v) = late(
        &s,
        order(json!({"paid_at": "2024-01-10 10:00:00", "sender_region": "110105"})),
        "2024-02-01 00:00:00",
    );
    assert_eq!(st, "violated");
    let text = json(&s.b.p, &v);
    assert!(text.contains(r#""compensation":"8","compensation_rule":"baseline.compensate","rules":["baseline.ship_within"]"#), "{text}");
}

#[test]
fn exempt_only_check_is_ok_or_exempt() {
    let mut b = B::new();
    let exempt = b.value("x.score.exempt", Ty::Bool);
    b.base(
        exempt,
        "x.slow",
        vec![],
        cmp(
            CmpOp::Gt,
            arith(
                ArithOp::InstantSubInstant,
                fld(f::COLLECTED_AT),
                fld(f::PAID_AT),
            ),
            hours(72),
        ),
    );
    b.p.checks.push(ir::Check {
        name: "score".into(),
        file_id: "x".into(),
        kind: ORDER,
        after: Some(fld(f::COLLECTED_AT)),
        applies: None,
        event: None,
        deadline: None,
        violated: None,
        exempt,
        excluded: None,
        compensation: None,
        allows: vec![],
        origin: b.p.checks.first().map_or_else(
            || ir::Origin {
                file: "x".into(),
                line: 1,
                clause: None,
                source: String::new(),
            },
            |c| c.origin.clone(),
        ),
    });
    let out = run(
        &b.p,
        order(json!({"collected_at": "2024-02-06 10:00:00"})),
        "2024-03-01 00:00:00",
    );
    assert_eq!(
        finding(&b.p, &out, "score"),
        Some(("ok".into(), vec!["x.slow".into()]))
    );
    let out = run(
        &b.p,
        order(json!({"collected_at": "2024-02-09 10:00:00"})),
        "2024-03-01 00:00:00",
    );
    assert_eq!(
        finding(&b.p, &out, "score"),
        Some(("exempt".into(), vec!["x.slow".into()]))
    );
    let out = run(&b.p, order(json!({})), "2024-03-01 00:00:00");
    assert_eq!(
        finding(&b.p, &out, "score"),
        None,
        "after collected_at: omitted before it"
    );
}

#[test]
fn compensation_only_on_violations_and_status_reads() {
    let mut s = with_exemption_and_compensation();
    // late_collection: 24h after shipping; compensates 0 when late_shipment is violated.
    let collect_by = s.b.value("baseline.collect_by", Ty::Instant);
    s.b.base(
        collect_by,
        "baseline.collect_within",
        vec![],
        add(fld(f::SHIPPED_AT), hours(24)),
    );
    let lc = s.b.deadline_check(
        "late_collection",
        f::SHIPPED_AT,
        f::COLLECTED_AT,
        collect_by,
    );
    let comp =
        s.b.value("baseline.late_collection.compensation", Ty::Money);
    s.b.base(comp, "baseline.collection_fee", vec![], money("3"));
    s.b.exception(
        comp,
        "baseline.compensate_once",
        vec![cmp(
            CmpOp::Eq,
            Expr::Status(s.check),
            Expr::Const(Const::Status(ir::Status::Violated)),
        )],
        money("0"),
    );
    s.b.check_mut(lc).compensation = Some(comp);
    let p = &s.b.p;
    // Late on both: once.
    let rec = order(
        json!({"paid_at": "2024-01-10 10:00:00", "shipped_at": "2024-01-13 10:00:00", "collected_at": "2024-01-15 10:00:00", "sender_region": "110105"}),
    );
    let v = run(p, rec, "2024-02-01 00:00:00");
    let text = json(p, &v);
    assert!(text.contains(r#""check":"late_collection","status":"violated","deadline":"2024-01-14T10:00:00+08:00","actual":"2024-01-15T10:00:00+08:00","compensation":"0","compensation_rule":"baseline.compensate_once""#), "{text}");
    assert!(text.contains(r#""check":"late_shipment","status":"violated","deadline":"2024-01-12T10:00:00+08:00","actual":"2024-01-13T10:00:00+08:00","compensation":"8""#), "{text}");
    // Late on collection only.
    let rec = order(
        json!({"paid_at": "2024-01-10 10:00:00", "shipped_at": "2024-01-11 10:00:00", "collected_at": "2024-01-13 10:00:00", "sender_region": "110105"}),
    );
    let v = run(p, rec, "2024-02-01 00:00:00");
    assert!(
        json(p, &v).contains(r#""compensation":"3","compensation_rule":"baseline.collection_fee""#)
    );
    let ls = v
        .finding(p, "late_shipment")
        .map(|f| (f.status, f.compensation));
    assert_eq!(
        ls,
        Some((ir::Status::Ok, None)),
        "no compensation unless violated"
    );
}

#[test]
fn violated_condition_checks() {
    let mut b = B::new();
    let viol = b.value("x.collected_before_paid.violated", Ty::Bool);
    b.base(
        viol,
        "x.before",
        vec![],
        cmp(CmpOp::Lt, fld(f::COLLECTED_AT), fld(f::PAID_AT)),
    );
    let exempt = b.constant(
        "x.collected_before_paid.exempt",
        Ty::Bool,
        Const::Bool(false),
    );
    b.p.checks.push(ir::Check {
        name: "collected_before_paid".into(),
        file_id: "x".into(),
        kind: ORDER,
        after: Some(fld(f::COLLECTED_AT)),
        applies: None,
        event: None,
        deadline: None,
        violated: Some(viol),
        exempt,
        excluded: None,
        compensation: None,
        allows: vec![],
        origin: ir::Origin {
            file: "x.edict".into(),
            line: 9,
            clause: None,
            source: String::new(),
        },
    });
    let out = run(
        &b.p,
        order(json!({"collected_at": "2024-02-05 09:59:59"})),
        "2024-03-01 00:00:00",
    );
    assert_eq!(
        finding(&b.p, &out, "collected_before_paid"),
        Some(("violated".into(), vec!["x.before".into()]))
    );
    let out = run(
        &b.p,
        order(json!({"collected_at": "2024-02-05 10:00:00"})),
        "2024-03-01 00:00:00",
    );
    assert_eq!(
        finding(&b.p, &out, "collected_before_paid"),
        Some(("ok".into(), vec!["x.before".into()]))
    );
}

#[test]
fn applicability_after_applies_and_kind() {
    let mut s = shipping();
    let lc_by = s.b.value("x.collect_by", Ty::Instant);
    s.b.base(
        lc_by,
        "x.collect_within",
        vec![],
        add(fld(f::SHIPPED_AT), hours(24)),
    );
    let lc =
        s.b.deadline_check("late_collection", f::SHIPPED_AT, f::COLLECTED_AT, lc_by);
    s.b.check_mut(lc).applies = Some(ir::Guard {
        conjuncts: vec![ir::Conjunct {
            expr: enum_is(f::MERCHANT_KIND, 0),
            text: "order.merchant_kind == shop".into(),
        }],
    });
    let p = &s.b.p;
    let v = run(p, order(json!({})), "2024-02-06 00:00:00");
    assert_eq!(v.findings.len(), 1, "unshipped: late_collection omitted");
    let v = run(
        p,
        order(json!({"shipped_at": "2024-02-06 00:00:00"})),
        "2024-02-06 00:00:00",
    );
    assert_eq!(v.findings.len(), 2);
    let v = run(
        p,
        order(json!({"shipped_at": "2024-02-06 00:00:00", "merchant_kind": "global"})),
        "2024-02-06 00:00:00",
    );
    assert_eq!(v.findings.len(), 1, "applies false: omitted");
    // An after-sale record: no order check applies.
    let v = run(
        p,
        json!({"id": "A1", "kind": "aftersale", "created_at": "2024-02-06 00:00:00"}),
        "2024-02-06 00:00:00",
    );
    assert_eq!(
        json(p, &v),
        r#"{"id":"A1","kind":"aftersale","as_of":"2024-02-06T00:00:00+08:00","findings":[]}"#
    );
}

#[test]
fn findings_are_in_check_name_order() {
    let mut s = shipping();
    let d = s.b.value("x.a_deadline", Ty::Instant);
    s.b.base(d, "x.a_def", vec![], add(fld(f::PAID_AT), hours(1)));
    s.b.deadline_check("a_check", f::PAID_AT, f::SHIPPED_AT, d);
    let v = run(&s.b.p, order(json!({})), "2024-02-06 00:00:00");
    let names: Vec<&str> = v
        .findings
        .iter()
        .map(|f| s.b.p.checks[f.check as usize].name.as_str())
        .collect();
    assert_eq!(names, ["a_check", "late_shipment"]);
}

#[test]
fn overflow_is_unknown_not_a_panic() {
    let mut b = B::new();
    let d = b.value("x.far", Ty::Instant);
    b.base(
        d,
        "x.far_def",
        vec![],
        add(fld(f::PAID_AT), Expr::Const(Const::Duration(i64::MAX))),
    );
    b.deadline_check("c", f::PAID_AT, f::SHIPPED_AT, d);
    let v = run(&b.p, order(json!({})), "2024-02-06 00:00:00");
    assert_eq!(finding(&b.p, &v, "c").map(|f| f.0), Some("unknown".into()));
    assert!(json(&b.p, &v).contains("arithmetic overflow while computing `x.far`"));
}

#[test]
fn aggregates_over_lists_of_records() {
    let mut s = shipping();
    // assessed = ship_by, unless an approved report: max(overridden, latest approved time).
    let assessed = s.b.value("baseline.assessed_ship_by", Ty::Instant);
    s.b.base(assessed, "baseline.assessed", vec![], val(s.ship_by));
    let approved = cmp(CmpOp::Eq, local(&[0]), Expr::Const(Const::Enum(0)));
    let latest = Expr::Extremum {
        op: Func::Max,
        body: Box::new(local(&[1])),
        list: Box::new(fld(f::REPORTS)),
        filter: Some(Box::new(approved.clone())),
    };
    s.b.exception(
        assessed,
        "reports.approved",
        vec![Expr::Quant {
            op: QuantOp::Any,
            list: Box::new(fld(f::REPORTS)),
            filter: Some(Box::new(approved)),
        }],
        max(Expr::Overridden, latest),
    );
    let deadline = s.b.p.checks[s.check as usize].deadline.unwrap_or_default();
    s.b.p.rules[s.b.p.values[deadline as usize].bases[0] as usize].body = val(assessed);
    let reports = json!({"paid_at": "2024-01-10 10:00:00", "reports": [
        {"status": "approved", "latest_ship_at": "2024-01-20 10:00:00"},
        {"status": "rejected", "latest_ship_at": "2024-01-30 10:00:00"},
        {"status": "approved", "latest_ship_at": "2024-01-25 10:00:00"}
    ]});
    let (_, rules, v) = late(&s, order(reports), "2024-01-11 00:00:00");
    assert_eq!(v.findings[0].deadline, Some(t("2024-01-25 10:00:00")));
    assert_eq!(
        rules,
        ["baseline.ship_within", "reports.approved"],
        "aliases followed through two values"
    );
    let pending_only = json!({"paid_at": "2024-01-10 10:00:00", "reports": [{"status": "pending", "latest_ship_at": "2024-01-30 10:00:00"}]});
    let (_, rules, v) = late(&s, order(pending_only), "2024-01-11 00:00:00");
    assert_eq!(v.findings[0].deadline, Some(t("2024-01-12 10:00:00")));
    assert_eq!(rules, ["baseline.ship_within"]);
    // Festival extension and a report: the report applies on top of the whole chain.
    let both =
        json!({"reports": [{"status": "approved", "latest_ship_at": "2024-02-26 10:00:00"}]});
    let (_, rules, _) = late(&s, order(both), "2024-02-06 00:00:00");
    assert_eq!(
        rules,
        [
            "baseline.ship_within",
            "cny.auto_extend",
            "reports.approved"
        ]
    );
}

#[test]
fn counts_all_and_empty_extremum() {
    let mut b = B::new();
    let n = b.value("x.n", Ty::Int);
    b.base(
        n,
        "x.n_def",
        vec![],
        Expr::Quant {
            op: QuantOp::Count,
            list: Box::new(fld(f::TAGS)),
            filter: None,
        },
    );
    let all = b.value("x.all", Ty::Bool);
    let is_a = cmp(CmpOp::Eq, local(&[]), Expr::Const(Const::Str("a".into())));
    b.base(
        all,
        "x.all_def",
        vec![],
        Expr::Quant {
            op: QuantOp::All,
            list: Box::new(fld(f::TAGS)),
            filter: Some(Box::new(is_a)),
        },
    );
    let none = b.value("x.none", Ty::Optional(Box::new(Ty::Instant)));
    b.base(
        none,
        "x.none_def",
        vec![],
        Expr::Extremum {
            op: Func::Min,
            body: Box::new(local(&[1])),
            list: Box::new(fld(f::REPORTS)),
            filter: None,
        },
    );
    condition_check(
        &mut b,
        "c",
        Expr::And(vec![
            cmp(CmpOp::Eq, val(n), Expr::Const(Const::Int(2))),
            val(all),
            is_none(val(none)),
            Expr::InSet(
                Box::new(Expr::Const(Const::Str("a".into()))),
                Box::new(fld(f::TAGS)),
            ),
        ]),
    );
    let v = run(
        &b.p,
        order(json!({"tags": ["a", "a"]})),
        "2024-03-01 00:00:00",
    );
    assert_eq!(finding(&b.p, &v, "c").map(|f| f.0), Some("violated".into()));
    let v = run(
        &b.p,
        order(json!({"tags": ["a", "b"]})),
        "2024-03-01 00:00:00",
    );
    assert_eq!(finding(&b.p, &v, "c").map(|f| f.0), Some("ok".into()));
}

/// An aggregate's list may be a field, another value or a constant; fields and constants
/// are read in place. Each must count the same, and a list that is
/// not one must stop with a type error as before.
#[test]
fn aggregates_read_their_list_from_every_kind_of_operand() {
    let mut b = B::new();
    let count = |list: Expr| Expr::Quant {
        op: QuantOp::Count,
        list: Box::new(list),
        filter: None,
    };
    let tags = b.value("x.tags", Ty::List(Box::new(Ty::Str)));
    b.base(tags, "x.tags_def", vec![], fld(f::TAGS));
    let abc = Const::Set(["a", "b", "c"].map(|x| Const::Str(x.into())).to_vec());
    let lists = [
        ("field", fld(f::TAGS), Some("2024-01-10 12:00:00")),
        ("value", val(tags), Some("2024-01-10 12:00:00")),
        ("constant", Expr::Const(abc), Some("2024-01-10 13:00:00")),
        ("not_a_list", fld(f::PAID_AT), None),
    ];
    for (name, list, _) in &lists {
        let n = b.value(&format!("x.{name}_n"), Ty::Int);
        b.base(n, &format!("x.{name}_n_def"), vec![], count(list.clone()));
        let d = b.value(&format!("x.{name}.deadline"), Ty::Instant);
        let by = arith(ArithOp::IntMulDuration, val(n), hours(1));
        b.base(d, &format!("x.{name}_by"), vec![], add(fld(f::PAID_AT), by));
        b.deadline_check(name, f::PAID_AT, f::SHIPPED_AT, d);
    }
    let ev = eval::Evaluator::new(&b.p).unwrap_or_else(|e| panic!("{e}"));
    let mut s = ev.scratch();
    let rec = order(json!({"paid_at": "2024-01-10 10:00:00", "tags": ["x", "y"]}));
    let v = plain_as_explained(&ev, &mut s, &rec, "2024-03-01 00:00:00");
    for (name, _, deadline) in &lists {
        let f = v.finding(&b.p, name).expect("every check applies");
        assert_eq!(f.deadline, deadline.map(t), "{name}");
        if deadline.is_none() {
            assert_eq!(f.status, ir::Status::Unknown);
            assert!(type_stop(f), "{:?}", f.stop);
        }
    }
}

#[test]
fn region_sets_and_nested_optional_records() {
    let mut b = B::new();
    let set = regions::RegionSet::new([620200, 150700]);
    let risky = cmp(
        CmpOp::Eq,
        path(&[f::ORIGIN_STATUS, 0]),
        Expr::Const(Const::Enum(2)),
    );
    condition_check(
        &mut b,
        "c",
        Expr::And(vec![
            Expr::InRegions(
                Box::new(fld(f::SENDER_REGION)),
                Box::new(Expr::Const(Const::Regions(set))),
            ),
            is_some(fld(f::ORIGIN_STATUS)),
            risky,
        ]),
    );
    let st = |rec| {
        finding(&b.p, &run(&b.p, order(rec), "2024-03-01 00:00:00"), "c")
            .map(|f| f.0)
            .unwrap_or_default()
    };
    assert_eq!(
        st(
            json!({"sender_region": "甘肃省嘉峪关市", "origin_status": {"risk": "high", "suspended_couriers": 0}})
        ),
        "violated"
    );
    assert_eq!(
        st(
            json!({"sender_region": "内蒙古/呼伦贝尔市/海拉尔区", "origin_status": {"risk": "high", "suspended_couriers": 0}})
        ),
        "violated"
    );
    assert_eq!(
        st(
            json!({"sender_region": "150102", "origin_status": {"risk": "high", "suspended_couriers": 0}})
        ),
        "ok"
    );
    assert_eq!(
        st(json!({"sender_region": 150702, "origin_status": null})),
        "ok"
    );
}

#[test]
fn damaged_ir_is_an_error_or_unknown_never_a_panic() {
    let mut b = B::new();
    let d = b.value("x.d", Ty::Instant);
    let r = b.base(d, "x.d_def", vec![], add(fld(99), hours(1)));
    b.deadline_check("c", f::PAID_AT, f::SHIPPED_AT, d);
    let v = run(&b.p, order(json!({})), "2024-03-01 00:00:00");
    assert_eq!(finding(&b.p, &v, "c").map(|f| f.0), Some("unknown".into()));
    b.p.rules[r as usize].body = Expr::Local {
        depth: 3,
        path: vec![],
    };
    let v = run(&b.p, order(json!({})), "2024-03-01 00:00:00");
    assert_eq!(finding(&b.p, &v, "c").map(|f| f.0), Some("unknown".into()));
    b.p.rules[r as usize].body = Expr::Overridden;
    let v = run(&b.p, order(json!({})), "2024-03-01 00:00:00");
    assert!(json(&b.p, &v).contains("uses `overridden` where nothing is overridden"));
    b.p.rules[r as usize].body = val(d);
    let v = run(&b.p, order(json!({})), "2024-03-01 00:00:00");
    assert!(
        json(&b.p, &v).contains("`x.d` depends on itself"),
        "{}",
        json(&b.p, &v)
    );
    b.p.rules[r as usize].body = val(42);
    let err = eval::Evaluator::new(&b.p).err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("the IR cannot be evaluated: rule x.d_def: value #42 does not exist")
    );
    b.p.rules[r as usize].body = add(fld(f::PAID_AT), hours(1));
    b.p.rules[r as usize].children.push(77);
    assert!(eval::Evaluator::new(&b.p).is_err());
}

#[test]
fn evaluation_is_deterministic() {
    let s = with_exemption_and_compensation();
    let ev = eval::Evaluator::new(&s.b.p).unwrap();
    let mut input = String::new();
    for i in 0..200 {
        let rec = order(
            json!({"id": format!("O{i}"), "paid_at": format!("2024-02-{:02} 10:00:00", 1 + i % 25), "shipped_at": if i % 3 == 0 { serde_json::Value::Null } else { json!(format!("2024-02-{:02} 09:00:00", 3 + i % 25)) }, "delay_ship_by": if i % 7 == 0 { json!("2024-02-27 00:00:00") } else { serde_json::Value::Null }, "festival_opt_out": i % 5 == 0}),
        );
        input.push_str(&rec.to_string());
        input.push('\n');
    }
    let opts = eval::RunOptions {
        as_of: t("2024-02-24 00:00:00"),
        explain: true,
        format: eval::Format::Ndjson,
    };
    let mut a = Vec::new();
    let mut b2 = Vec::new();
    eval::run(&ev, input.as_bytes(), &mut a, &opts).unwrap();
    eval::run(&ev, input.as_bytes(), &mut b2, &opts).unwrap();
    assert_eq!(a, b2);
    assert_eq!(String::from_utf8_lossy(&a).lines().count(), 200);
}

#[test]
fn the_evaluator_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<eval::Evaluator<'static>>();
    let s = shipping();
    let ev = eval::Evaluator::new(&s.b.p).unwrap();
    let rec = ev.decode(&order(json!({}))).unwrap();
    let verdicts: Vec<eval::Verdict> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut scratch = ev.scratch();
                    ev.evaluate(&mut scratch, &rec, t("2024-02-10 00:00:00"))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(verdicts[0], verdicts[1]);
}

#[test]
fn long_operator_chains_evaluate_without_exhausting_the_stack() {
    // 1000 nested additions (what a long `a + b + c + …` compiles to), in a test thread's
    // default stack.
    let mut b = B::new();
    let d = b.value("x.long", Ty::Instant);
    let mut e = fld(f::PAID_AT);
    for _ in 0..1000 {
        e = add(e, Expr::Const(Const::Duration(1_000_000)));
    }
    b.base(d, "x.long_def", vec![], e);
    b.deadline_check("c", f::PAID_AT, f::SHIPPED_AT, d);
    let v = run(&b.p, order(json!({})), "2024-02-05 10:00:00");
    assert_eq!(v.findings[0].deadline, Some(t("2024-02-05 10:16:40")));
    // A long chain of values, each reading the previous one, and its explanation.
    let mut b = B::new();
    let mut prev = b.value("x.v0", Ty::Instant);
    b.base(prev, "x.v0_def", vec![], fld(f::PAID_AT));
    for i in 1..900 {
        let v = b.value(&format!("x.v{i}"), Ty::Instant);
        b.base(v, &format!("x.v{i}_def"), vec![], add(val(prev), hours(1)));
        prev = v;
    }
    b.deadline_check("c", f::PAID_AT, f::SHIPPED_AT, prev);
    let ev = eval::Evaluator::new(&b.p).unwrap();
    let rec = ev.decode(&order(json!({}))).unwrap();
    let (v, e) = ev.evaluate_explained(&mut ev.scratch(), &rec, t("2024-02-05 10:00:00"));
    assert_eq!(
        v.findings[0].deadline,
        Some(t("2024-02-05 10:00:00") + 899 * H)
    );
    assert_eq!(e.values(&e.findings()[0]).count(), 901);
}

/// ship_by with two top-level exceptions and no children (evaluated by one scan of their
/// guards): both apply to a shop order with a delay; they conflict unless one has priority,
/// and agree when they give the same instant.
#[test]
fn top_level_leaf_exceptions_conflict_agree_and_yield_to_priority() {
    let build = |second_body: Expr, priority: bool| {
        let mut b = B::new();
        let ship_by = b.value("baseline.ship_by", Ty::Instant);
        b.base(
            ship_by,
            "baseline.ship_within",
            vec![],
            add(fld(f::PAID_AT), hours(48)),
        );
        let delay = b.exception(
            ship_by,
            "a.delay",
            vec![is_some(fld(f::DELAY_SHIP_BY))],
            fld(f::DELAY_SHIP_BY),
        );
        let shop = b.exception(
            ship_by,
            "b.shop",
            vec![enum_is(f::MERCHANT_KIND, 0)],
            second_body,
        );
        if priority {
            b.beats(shop, delay);
        }
        b.deadline_check("late_shipment", f::PAID_AT, f::SHIPPED_AT, ship_by);
        b
    };
    let rec = order(json!({"delay_ship_by": "2024-02-25 12:00:00"}));
    let verdict = |b: &B| {
        let v = run(&b.p, rec.clone(), "2024-02-10 00:00:00");
        let (st, rules) = finding(&b.p, &v, "late_shipment").unwrap_or_default();
        (st, rules, v.findings[0].deadline)
    };
    let later = inst("2024-02-28 00:00:00");
    let (st, rules, deadline) = verdict(&build(later.clone(), false));
    assert_eq!((st.as_str(), deadline), ("conflict", None));
    assert_eq!(rules, ["a.delay", "b.shop"]);
    let (st, rules, deadline) = verdict(&build(later, true));
    assert_eq!(st, "pending");
    assert_eq!(rules, ["baseline.ship_within", "b.shop"]);
    assert_eq!(deadline, Some(t("2024-02-28 00:00:00")));
    let (st, rules, deadline) = verdict(&build(fld(f::DELAY_SHIP_BY), false));
    assert_eq!(st, "pending");
    assert_eq!(rules, ["baseline.ship_within", "a.delay"]);
    assert_eq!(deadline, Some(t("2024-02-25 12:00:00")));
}

/// Two checks whose exemptions are `false` plus a waiver opening with the same boolean
/// value (`listed`), as the shipped epidemic waivers do. After the first check computed
/// `listed`, the second's exemption is read without evaluating its guard when `listed` is
/// false; every outcome must be what the full walk gives: exempt when `listed` holds, the
/// stop of `listed` when it stops, and no stop from a later conjunct when `listed` is false.
#[test]
fn waivers_opening_with_a_false_value_are_skipped_exactly() {
    let mut b = B::new();
    let listed = b.value("epidemic.listed", Ty::Bool);
    // Defined only for shop merchants: for the others it is undefined.
    b.base(
        listed,
        "epidemic.listed_def",
        vec![enum_is(f::MERCHANT_KIND, 0)],
        Expr::InRegions(
            Box::new(fld(f::SENDER_REGION)),
            Box::new(Expr::Const(Const::Region(150100))),
        ),
    );
    let mut checks = Vec::new();
    for name in ["a_late", "b_late"] {
        let deadline = b.value(&format!("{name}.deadline"), Ty::Instant);
        b.base(
            deadline,
            &format!("{name}.def"),
            vec![],
            add(fld(f::PAID_AT), hours(48)),
        );
        let c = b.deadline_check(name, f::PAID_AT, f::SHIPPED_AT, deadline);
        let exempt = b.p.checks[c as usize].exempt;
        // The second conjunct stops (no `delay_ship_by` is a none compared with an
        // instant) whenever it is evaluated.
        b.exception(
            exempt,
            &format!("{name}.waiver"),
            vec![
                val(listed),
                cmp(
                    CmpOp::Le,
                    fld(f::DELAY_SHIP_BY),
                    inst("2030-01-01 00:00:00"),
                ),
            ],
            boolean(true),
        );
        checks.push(c);
    }
    let ev = eval::Evaluator::new(&b.p).unwrap_or_else(|e| panic!("{e}"));
    let status = |rec: serde_json::Value| {
        // A fresh scratch: the first check computes `listed`, the second skips on it.
        let plain = plain_as_explained(&ev, &mut ev.scratch(), &rec, "2024-03-01 00:00:00");
        ["a_late", "b_late"].map(|c| finding(&b.p, &plain, c).map(|(st, _)| st))
    };
    let shipped =
        |extra: serde_json::Value| order_with(json!({"shipped_at": "2024-02-08 10:00:00"}), extra);
    let late = Some("violated".to_string());
    // Not listed: the waivers do not apply, and their stopping second conjunct is never
    // reached.
    assert_eq!(
        status(shipped(json!({"sender_region": "110105"}))),
        [late.clone(), late.clone()]
    );
    // Listed: the second conjunct is reached and stops for both checks.
    let unknown = Some("unknown".to_string());
    assert_eq!(
        status(shipped(json!({}))),
        [unknown.clone(), unknown.clone()]
    );
    // Listed with the conjunct true: both exempt.
    let exempt = Some("exempt".to_string());
    assert_eq!(
        status(shipped(json!({"delay_ship_by": "2024-02-09 10:00:00"}))),
        [exempt.clone(), exempt]
    );
    // `listed` undefined (a global merchant): both checks stop on it.
    assert_eq!(
        status(shipped(
            json!({"merchant_kind": "global", "sender_region": "110105"})
        )),
        [unknown.clone(), unknown]
    );
}

/// A deadline decided by its base on records outside its exceptions' windows is read
/// without the decision walk (the lean path); every verdict must be what the full walk
/// gives (`evaluate_explained` takes no shortcut): inside the window, outside it, on the
/// window's edge, when the base stops (no `delay_ship_by`), and when an exemption reads
/// the deadline again.
#[test]
fn lean_deadlines_give_what_the_walk_gives() {
    let mut b = B::new();
    let deadline = b.value("late.deadline", Ty::Instant);
    b.base(
        deadline,
        "late.base",
        vec![],
        add(fld(f::DELAY_SHIP_BY), hours(24)),
    );
    b.exception(
        deadline,
        "festival.extend",
        vec![
            enum_is(f::MERCHANT_KIND, 0),
            in_window(
                fld(f::PAID_AT),
                "2024-02-02 00:00:00",
                "2024-02-20 23:59:59",
            ),
        ],
        add(fld(f::DELAY_SHIP_BY), hours(72)),
    );
    let c = b.deadline_check("late", f::PAID_AT, f::SHIPPED_AT, deadline);
    let exempt = b.p.checks[c as usize].exempt;
    b.exception(
        exempt,
        "late.waiver",
        vec![cmp(CmpOp::Le, val(deadline), inst("2024-01-01 00:00:00"))],
        boolean(true),
    );
    let ev = eval::Evaluator::new(&b.p).unwrap_or_else(|e| panic!("{e}"));
    let mut s = ev.scratch();
    let mut verdict = |extra: serde_json::Value| {
        let plain = plain_as_explained(&ev, &mut s, &order(extra), "2024-03-01 00:00:00");
        finding(&b.p, &plain, "late")
    };
    let st = |s: &str, rules: &[&str]| {
        Some((
            s.to_string(),
            rules.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
        ))
    };
    // Outside the window: the base decides.
    assert_eq!(
        verdict(
            json!({"paid_at": "2024-02-21 00:00:00", "delay_ship_by": "2024-02-22 00:00:00", "shipped_at": "2024-02-23 10:00:00"})
        ),
        st("violated", &["late.base"])
    );
    // On the window's last instant: the exception decides.
    assert_eq!(
        verdict(
            json!({"paid_at": "2024-02-20 23:59:59", "delay_ship_by": "2024-02-22 00:00:00", "shipped_at": "2024-02-23 10:00:00"})
        ),
        st("ok", &["late.base", "festival.extend"])
    );
    // The base stops (no delay_ship_by): unknown, as the walk says.
    let unknown =
        verdict(json!({"paid_at": "2024-02-21 00:00:00", "shipped_at": "2024-02-23 10:00:00"}));
    assert_eq!(unknown.map(|(s, _)| s).as_deref(), Some("unknown"));
    // The exemption reads the deadline again and holds.
    assert_eq!(
        verdict(
            json!({"paid_at": "2023-12-01 00:00:00", "delay_ship_by": "2023-12-02 00:00:00", "shipped_at": "2023-12-23 10:00:00"})
        ),
        st("exempt", &["late.exempt_def", "late.waiver"])
    );
}

/// A lean deadline whose base is `field + duration` is read straight from the slot outside
/// explanations; an overflow must still give the walk's stop (`unknown`, arithmetic), not a
/// wrapped instant or a panic, and an ordinary record the walk's deadline and chain.
#[test]
fn lean_field_plus_duration_deadlines_overflow_as_the_walk_does() {
    let mut b = B::new();
    let huge = b.value("huge.deadline", Ty::Instant);
    b.base(
        huge,
        "huge.base",
        vec![],
        add(fld(f::SHIPPED_AT), Expr::Const(Const::Duration(i64::MAX))),
    );
    b.deadline_check("huge", f::PAID_AT, f::SHIPPED_AT, huge);
    let day = b.value("day.deadline", Ty::Instant);
    b.base(day, "day.base", vec![], add(fld(f::SHIPPED_AT), hours(24)));
    b.deadline_check("day", f::PAID_AT, f::COLLECTED_AT, day);
    let ev = eval::Evaluator::new(&b.p).unwrap_or_else(|e| panic!("{e}"));
    let mut s = ev.scratch();
    let rec = order(json!({
        "paid_at": "2024-02-21 00:00:00",
        "shipped_at": "2024-02-22 00:00:00",
        "collected_at": "2024-02-23 00:00:00",
    }));
    let plain = plain_as_explained(&ev, &mut s, &rec, "2024-03-01 00:00:00");
    let f = plain.finding(&b.p, "huge").expect("huge applies");
    assert_eq!(f.status, ir::Status::Unknown);
    assert_eq!(
        f.stop,
        Some(eval::Stop::Undefined {
            value: Some(huge),
            reason: eval::Reason::Arithmetic
        })
    );
    assert_eq!(
        finding(&b.p, &plain, "day"),
        Some(("ok".to_string(), vec!["day.base".to_string()]))
    );
    assert_eq!(
        plain.finding(&b.p, "day").and_then(|f| f.deadline),
        Some(t("2024-02-23 00:00:00"))
    );
}

/// A deadline that names another value (`deadline = ship_by`) is read through that value
/// outside explanations; the verdict, the rule chain and a stop's wording must be what
/// reading the deadline itself gives (`evaluate_explained` reads it itself).
#[test]
fn alias_deadlines_read_through_give_the_same_verdicts() {
    let mut b = B::new();
    let ship_by = b.value("baseline.ship_by", Ty::Instant);
    b.base(
        ship_by,
        "baseline.delayed",
        vec![is_some(fld(f::FESTIVAL_OPT_OUT))],
        fld(f::DELAY_SHIP_BY),
    );
    let deadline = b.value("late.deadline", Ty::Instant);
    b.base(deadline, "late.alias", vec![], val(ship_by));
    b.deadline_check("late", f::PAID_AT, f::SHIPPED_AT, deadline);
    let ev = eval::Evaluator::new(&b.p).unwrap_or_else(|e| panic!("{e}"));
    let mut s = ev.scratch();
    let mut verdict = |extra: serde_json::Value| {
        json(
            &b.p,
            &plain_as_explained(&ev, &mut s, &order(extra), "2024-03-01 00:00:00"),
        )
    };
    // Decided: the chain is the named value's.
    let text = verdict(json!({"festival_opt_out": true, "delay_ship_by": "2024-02-09 10:00:00"}));
    assert!(text.contains(r#""status":"violated","deadline":"2024-02-09T10:00:00+08:00","rules":["baseline.delayed"]"#), "{text}");
    // The named value is none: the deadline is absent, and the reason names the deadline.
    let text = verdict(json!({"festival_opt_out": true}));
    assert!(text.contains("`late.deadline`"), "{text}");
    // The named value is undefined: the reason names it.
    let text = verdict(json!({}));
    assert!(text.contains("`baseline.ship_by`"), "{text}");
}

/// A value named as an operand is read as a literal only when it is a constant: a guarded
/// base, an exception or a second base keep the full decision (its outcome, its stop).
#[test]
fn operands_naming_values_keep_their_decisions() {
    let mut b = B::new();
    let grace = b.constant("x.grace", Ty::Duration, Const::Duration(48 * H));
    // Guarded: undefined for global merchants.
    let shop_grace = b.value("x.shop_grace", Ty::Duration);
    b.base(
        shop_grace,
        "x.shop_grace_def",
        vec![enum_is(f::MERCHANT_KIND, 0)],
        hours(24),
    );
    // A constant base with an exception.
    let festive = b.value("x.festive", Ty::Duration);
    b.base(festive, "x.festive_def", vec![], hours(72));
    b.exception(
        festive,
        "x.festive_tagged",
        vec![is_some(fld(f::DELAY_SHIP_BY))],
        hours(96),
    );
    let mut checks = Vec::new();
    for (name, v) in [
        ("plain", grace),
        ("guarded", shop_grace),
        ("excepted", festive),
    ] {
        let deadline = b.value(&format!("x.{name}_by"), Ty::Instant);
        b.base(
            deadline,
            &format!("x.{name}_by_def"),
            vec![],
            add(fld(f::PAID_AT), val(v)),
        );
        checks.push((
            name,
            b.deadline_check(name, f::PAID_AT, f::SHIPPED_AT, deadline),
        ));
    }
    let deadline_of = |v: &eval::Verdict, name: &str| {
        let c = checks.iter().find(|(n, _)| *n == name).map(|&(_, c)| c);
        v.findings
            .iter()
            .find(|f| Some(f.check) == c)
            .map(|f| (f.status, f.deadline))
    };
    let paid = "2024-01-10T10:00:00+08:00";
    let v = run(&b.p, order(json!({"paid_at": paid})), "2024-01-01 00:00:00");
    assert_eq!(
        deadline_of(&v, "plain"),
        Some((ir::Status::Pending, Some(t("2024-01-12 10:00:00"))))
    );
    assert_eq!(
        deadline_of(&v, "guarded"),
        Some((ir::Status::Pending, Some(t("2024-01-11 10:00:00"))))
    );
    assert_eq!(
        deadline_of(&v, "excepted"),
        Some((ir::Status::Pending, Some(t("2024-01-13 10:00:00"))))
    );
    let v = run(
        &b.p,
        order(json!({
            "paid_at": paid,
            "merchant_kind": "global",
            "delay_ship_by": "2024-02-01T00:00:00+08:00"
        })),
        "2024-01-01 00:00:00",
    );
    assert_eq!(
        deadline_of(&v, "guarded"),
        Some((ir::Status::Unknown, None)),
        "no definition of shop_grace for a global merchant"
    );
    assert_eq!(
        deadline_of(&v, "excepted"),
        Some((ir::Status::Pending, Some(t("2024-01-14 10:00:00"))))
    );
}

/// A deadline read without its decision walk (one unguarded base, `shipped_at + 24h`) is
/// the one a later reader of the same value sees: an exemption waiving deadlines up to an
/// instant, at that instant and one µs past it.
#[test]
fn a_deadline_read_lean_is_the_one_its_exemption_reads() {
    let mut b = B::new();
    let collect_by = b.value("x.collect_by", Ty::Instant);
    b.base(
        collect_by,
        "x.collect_24h",
        vec![],
        add(fld(f::SHIPPED_AT), hours(24)),
    );
    let c = b.deadline_check("collect", f::SHIPPED_AT, f::COLLECTED_AT, collect_by);
    let exempt = b.p.checks[c as usize].exempt;
    b.exception(
        exempt,
        "x.waive_early",
        vec![cmp(CmpOp::Le, val(collect_by), inst("2024-02-02 10:00:00"))],
        boolean(true),
    );
    let rec = |shipped: &str| order(json!({"shipped_at": shipped}));
    let v = run(
        &b.p,
        rec("2024-02-01T10:00:00+08:00"),
        "2024-03-01 00:00:00",
    );
    assert_eq!(
        finding(&b.p, &v, "collect"),
        Some((
            "exempt".into(),
            vec!["collect.exempt_def".into(), "x.waive_early".into()]
        ))
    );
    assert_eq!(v.findings[0].deadline, Some(t("2024-02-02 10:00:00")));
    let v = run(
        &b.p,
        rec("2024-02-01T10:00:00.000001+08:00"),
        "2024-03-01 00:00:00",
    );
    assert_eq!(
        finding(&b.p, &v, "collect"),
        Some(("violated".into(), vec!["x.collect_24h".into()]))
    );
}

/// A waiver `when <flag> and <deadline alias> <= T` is decided from the memo once the flag
/// and the deadline are known there (a check named before it reads the flag): it still
/// waives exactly when both hold, through the alias (`late_shipment.deadline` names
/// `ship_by`), before T, at T and not one µs past it.
#[test]
fn waivers_read_their_leading_conjuncts_as_the_guard_would() {
    let mut s = shipping();
    let b = &mut s.b;
    let flagged = flag_read_first(b, "a", f::DELAY_SHIP_BY);
    let exempt = b.p.checks[s.check as usize].exempt;
    let alias = b.p.checks[s.check as usize].deadline.unwrap_or_default();
    b.exception(
        exempt,
        "x.waiver",
        vec![
            val(flagged),
            cmp(CmpOp::Le, val(alias), inst("2024-01-12 10:00:00")),
        ],
        boolean(true),
    );
    let status = |paid: &str, delay: bool| {
        let mut o = order(json!({ "paid_at": paid }));
        if delay {
            o["delay_ship_by"] = json!("2024-01-20T00:00:00+08:00");
        }
        late(&s, o, "2024-03-01 00:00:00").0
    };
    assert_eq!(status("2024-01-09T10:00:00+08:00", true), "exempt");
    assert_eq!(status("2024-01-10T10:00:00+08:00", true), "exempt");
    assert_eq!(status("2024-01-10T10:00:00.000001+08:00", true), "violated");
    assert_eq!(status("2024-01-10T10:00:00+08:00", false), "violated");
}

/// Waivers opening with different flags are not shut by one of them: with the first flag
/// false (known, read by a check named before) and the second true, the second waives.
#[test]
fn waivers_opening_with_different_flags_are_each_read() {
    let mut s = shipping();
    let b = &mut s.b;
    let flags = [
        flag_read_first(b, "a", f::DELAY_SHIP_BY),
        flag_read_first(b, "b", f::FESTIVAL_OPT_OUT),
    ];
    let exempt = b.p.checks[s.check as usize].exempt;
    for (i, &flag) in flags.iter().enumerate() {
        b.exception(
            exempt,
            &format!("x.waiver_{i}"),
            vec![val(flag)],
            boolean(true),
        );
    }
    let status = |extra: serde_json::Value| late(&s, order(extra), "2024-03-01 00:00:00").0;
    assert_eq!(status(json!({})), "violated");
    assert_eq!(status(json!({"festival_opt_out": true})), "exempt");
    assert_eq!(
        status(json!({"delay_ship_by": "2024-02-20T00:00:00+08:00"})),
        "exempt"
    );
}

/// A boolean value `x.<name>`, `<slot> is some`, read by the `applies` of a check
/// `<name>_first` named before the shipped ones: later readers find it in the memo.
fn flag_read_first(b: &mut B, name: &str, slot: u32) -> ir::ValueId {
    let flag = b.value(&format!("x.{name}"), Ty::Bool);
    b.base(flag, &format!("x.{name}_def"), vec![], is_some(fld(slot)));
    let probe = b.value(&format!("x.{name}_by"), Ty::Instant);
    b.base(
        probe,
        &format!("x.{name}_by_def"),
        vec![],
        add(fld(f::PAID_AT), hours(1)),
    );
    let c = b.deadline_check(&format!("{name}_first"), f::PAID_AT, f::SHIPPED_AT, probe);
    b.check_mut(c).applies = Some(ir::Guard {
        conjuncts: vec![ir::Conjunct {
            expr: val(flag),
            text: format!("x.{name}"),
        }],
    });
    flag
}

/// A `violated` check named `name` on orders whose condition is `cond`.
fn condition_check(b: &mut B, name: &str, cond: Expr) {
    let viol = b.value(&format!("x.{name}.violated"), Ty::Bool);
    b.base(viol, &format!("x.{name}_cond"), vec![], cond);
    let exempt = b.constant(&format!("x.{name}.exempt"), Ty::Bool, Const::Bool(false));
    b.p.checks.push(ir::Check {
        name: name.into(),
        file_id: "x".into(),
        kind: ORDER,
        after: None,
        applies: None,
        event: None,
        deadline: None,
        violated: Some(viol),
        exempt,
        excluded: None,
        compensation: None,
        allows: vec![],
        origin: ir::Origin {
            file: "x.edict".into(),
            line: 1,
            clause: None,
            source: String::new(),
        },
    });
}

/// Membership in a constant set of variants (a bit test), membership in a list field (a
/// scan matching the member's shape once) and `==`/`!=` against a variant or a status
/// constant (compared in place) answer what equality answers, for every operand kind.
#[test]
fn memberships_and_variant_comparisons_answer_like_equality() {
    let mut b = B::new();
    let variants =
        |vs: &[u32]| Expr::Const(Const::Set(vs.iter().map(|&v| Const::Enum(v)).collect()));
    let in_set = |x: Expr, set: Expr| Expr::InSet(Box::new(x), Box::new(set));
    let risk = || path(&[f::ORIGIN_STATUS, 0]);
    let text = |s: &str| Expr::Const(Const::Str(s.into()));
    let kind = b.value("x.kind", Ty::Enum(MERCHANT));
    b.base(kind, "x.kind_def", vec![], fld(f::MERCHANT_KIND));
    let cases: Vec<(&str, Expr)> = vec![
        (
            "slot_in_both",
            in_set(fld(f::MERCHANT_KIND), variants(&[0, 1])),
        ),
        (
            "slot_in_other",
            in_set(fld(f::MERCHANT_KIND), variants(&[1])),
        ),
        ("slot_in_none", in_set(fld(f::MERCHANT_KIND), variants(&[]))),
        ("value_in_both", in_set(val(kind), variants(&[1, 0]))),
        ("path_in_risky", in_set(risk(), variants(&[1, 2]))),
        ("path_in_calm", in_set(risk(), variants(&[0]))),
        ("tag_in_tags", in_set(text("春节"), fld(f::TAGS))),
        ("other_in_tags", in_set(text("春"), fld(f::TAGS))),
        (
            "path_is_medium",
            cmp(CmpOp::Eq, risk(), Expr::Const(Const::Enum(1))),
        ),
        (
            "path_is_not_medium",
            cmp(CmpOp::Ne, risk(), Expr::Const(Const::Enum(1))),
        ),
        (
            "value_is_global",
            cmp(CmpOp::Eq, val(kind), Expr::Const(Const::Enum(1))),
        ),
        (
            "value_is_not_global",
            cmp(CmpOp::Ne, val(kind), Expr::Const(Const::Enum(1))),
        ),
    ];
    for (name, cond) in &cases {
        condition_check(&mut b, name, cond.clone());
    }
    // `status == ok` of a check that is `ok`, `!= violated` of one that is `violated`.
    let status = |c: &str, s| {
        let id = b.p.checks.iter().position(|k| k.name == c).unwrap_or(0) as ir::CheckId;
        (Expr::Status(id), Expr::Const(Const::Status(s)))
    };
    let (a, ok) = status("slot_in_other", ir::Status::Ok);
    let (c, violated) = status("slot_in_both", ir::Status::Violated);
    condition_check(&mut b, "status_is_ok", cmp(CmpOp::Eq, a.clone(), ok));
    condition_check(
        &mut b,
        "status_is_not_violated",
        cmp(CmpOp::Ne, c, violated.clone()),
    );
    condition_check(
        &mut b,
        "other_status_is_violated",
        cmp(CmpOp::Eq, a, violated),
    );
    let ev = eval::Evaluator::new(&b.p).unwrap_or_else(|e| panic!("{e}"));
    let mut s = ev.scratch();
    let rec = order(json!({
        "tags": ["x", "春节"],
        "origin_status": {"risk": "medium", "suspended_couriers": 0}
    }));
    let v = plain_as_explained(&ev, &mut s, &rec, "2024-03-01 00:00:00");
    let holds: Vec<&str> =
        b.p.checks
            .iter()
            .filter(|c| v.finding(&b.p, &c.name).map(|f| f.status) == Some(ir::Status::Violated))
            .map(|c| c.name.as_str())
            .collect();
    assert_eq!(
        holds,
        [
            "slot_in_both",
            "value_in_both",
            "path_in_risky",
            "tag_in_tags",
            "path_is_medium",
            "value_is_not_global",
            "status_is_ok",
        ]
    );
    // Without an origin status, its risk is none of the variants (not a stop).
    let rec = order(json!({"tags": []}));
    let v = plain_as_explained(&ev, &mut s, &rec, "2024-03-01 00:00:00");
    for (name, want) in [
        ("path_in_risky", ir::Status::Ok),
        ("path_in_calm", ir::Status::Ok),
        ("path_is_medium", ir::Status::Ok),
        ("path_is_not_medium", ir::Status::Violated),
        ("tag_in_tags", ir::Status::Ok),
    ] {
        assert_eq!(
            v.finding(&b.p, name).map(|f| f.status),
            Some(want),
            "{name}"
        );
    }
}

/// A deadline with several bases, each guarded only by a window of one instant field
/// (`collect_v72 when paid_at < 2023-01-01`, `collect_v24 when paid_at >= 2023-01-01`),
/// is read by the check from the one base whose window holds, when its keyed children are
/// all outside theirs. Every outcome must be the walk's, which explanations take: the
/// boundaries, a child that applies, two bases that hold (a conflict), none, and a key
/// field that holds no instant (a stop).
#[test]
fn deadlines_with_windowed_bases_read_as_the_walk_reads_them() {
    let mut b = B::new();
    let d = b.value("x.late.deadline", Ty::Instant);
    let paid_before = cmp(CmpOp::Lt, fld(f::PAID_AT), inst("2024-01-01 00:00:00"));
    b.base(
        d,
        "x.v72",
        vec![paid_before],
        add(fld(f::PAID_AT), hours(72)),
    );
    let v24 = b.base(
        d,
        "x.v24",
        vec![
            cmp(CmpOp::Ge, fld(f::PAID_AT), inst("2024-01-01 00:00:00")),
            cmp(CmpOp::Le, fld(f::PAID_AT), inst("2024-06-30 23:59:59")),
        ],
        add(fld(f::PAID_AT), hours(24)),
    );
    b.child(
        v24,
        "x.v48",
        vec![
            enum_is(f::MERCHANT_KIND, 1),
            in_window(
                fld(f::SHIPPED_AT),
                "2024-03-01 00:00:00",
                "2024-03-31 23:59:59",
            ),
        ],
        add(fld(f::SHIPPED_AT), hours(48)),
    );
    b.base(
        d,
        "x.v96",
        vec![in_window(
            fld(f::PAID_AT),
            "2024-06-01 00:00:00",
            "2024-12-31 23:59:59",
        )],
        add(fld(f::PAID_AT), hours(96)),
    );
    b.deadline_check("late", f::PAID_AT, f::SHIPPED_AT, d);
    // Keyed on an optional field: an order without it stops in the guard.
    let e = b.value("x.delayed.deadline", Ty::Instant);
    let delayed = cmp(
        CmpOp::Ge,
        fld(f::DELAY_SHIP_BY),
        inst("2024-01-01 00:00:00"),
    );
    b.base(
        e,
        "x.delayed_def",
        vec![delayed],
        add(fld(f::PAID_AT), hours(1)),
    );
    b.deadline_check("delayed", f::PAID_AT, f::SHIPPED_AT, e);
    let ev = eval::Evaluator::new(&b.p).unwrap_or_else(|e| panic!("{e}"));
    let mut s = ev.scratch();
    let judge = |s: &mut eval::Scratch, paid: &str, extra: serde_json::Value| {
        let fields = json!({"paid_at": paid, "shipped_at": "2024-03-05 10:00:00"});
        let rec = order_with(fields, extra);
        let v = plain_as_explained(&ev, s, &rec, "2025-03-01 00:00:00");
        let (status, rules) = finding(&b.p, &v, "late").unwrap_or_default();
        let deadline = v.finding(&b.p, "late").and_then(|f| f.deadline);
        (status, rules, deadline)
    };
    let x = |r: &[&str]| r.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        judge(&mut s, "2023-12-31 23:59:59", json!({})),
        (
            "violated".into(),
            x(&["x.v72"]),
            Some(t("2024-01-03 23:59:59"))
        )
    );
    assert_eq!(
        judge(&mut s, "2024-01-01 00:00:00", json!({})),
        (
            "violated".into(),
            x(&["x.v24"]),
            Some(t("2024-01-02 00:00:00"))
        )
    );
    assert_eq!(
        judge(
            &mut s,
            "2024-03-04 10:00:00",
            json!({"merchant_kind": "global"})
        ),
        (
            "ok".into(),
            x(&["x.v24", "x.v48"]),
            Some(t("2024-03-07 10:00:00"))
        )
    );
    let june = json!({"shipped_at": "2024-06-20 00:00:00"});
    let (status, rules, _) = judge(&mut s, "2024-06-15 00:00:00", june);
    assert_eq!(
        (status.as_str(), rules),
        ("conflict", x(&["x.v24", "x.v96"]))
    );
    assert_eq!(
        judge(&mut s, "2024-07-01 00:00:00", json!({})).2,
        Some(t("2024-07-05 00:00:00"))
    );
    assert_eq!(
        judge(&mut s, "2025-01-01 00:00:00", json!({})).0,
        "unknown",
        "no base holds"
    );
    let rec = order(json!({"shipped_at": "2024-03-05 10:00:00"}));
    let v = plain_as_explained(&ev, &mut s, &rec, "2025-03-01 00:00:00");
    let f = v.finding(&b.p, "delayed").expect("applies");
    assert!(type_stop(f), "{:?}", f.stop);
}

/// A deadline named through a chain of aliases, each with exceptions (`assessed_ship_by =
/// ship_by` with a report's exception opening `approved_latest is some`, `ship_by =
/// normal_ship_by` with windowed exceptions), is decided by the last value when no
/// exception of any link applies, seen by keys and leads. Every outcome and rule chain
/// must be the walk's (explanations take the walk): no exception, the lead holding, a
/// window holding, the lead's value stopping, and the last value decided by an exception
/// of its own (a chain that depends on the record).
#[test]
fn deadlines_through_aliases_with_exceptions_read_as_the_walk_reads_them() {
    let mut b = B::new();
    let normal = b.value("x.normal", Ty::Instant);
    b.base(
        normal,
        "x.shop_48h",
        vec![enum_is(f::MERCHANT_KIND, 0)],
        add(fld(f::PAID_AT), hours(48)),
    );
    b.base(
        normal,
        "x.global_72h",
        vec![enum_is(f::MERCHANT_KIND, 1)],
        add(fld(f::PAID_AT), hours(72)),
    );
    b.exception(
        normal,
        "x.may_10d",
        vec![in_window(
            fld(f::PAID_AT),
            "2024-05-01 00:00:00",
            "2024-05-31 23:59:59",
        )],
        add(fld(f::PAID_AT), hours(240)),
    );
    let mid = b.value("x.mid", Ty::Instant);
    b.base(mid, "x.mid_def", vec![], val(normal));
    b.exception(
        mid,
        "x.festival",
        vec![in_window(
            fld(f::PAID_AT),
            "2024-02-02 00:00:00",
            "2024-02-20 23:59:59",
        )],
        max(Expr::Overridden, inst("2024-02-22 23:59:59")),
    );
    // Defined for shop merchants only: for the others, reading it stops.
    let latest = b.value("x.latest", Ty::Optional(Box::new(Ty::Instant)));
    b.base(
        latest,
        "x.latest_def",
        vec![enum_is(f::MERCHANT_KIND, 0)],
        fld(f::DELAY_SHIP_BY),
    );
    let top = b.value("x.top", Ty::Instant);
    b.base(top, "x.top_def", vec![], val(mid));
    b.exception(
        top,
        "x.reported",
        vec![is_some(val(latest))],
        max(Expr::Overridden, val(latest)),
    );
    let d = b.value("x.late.deadline", Ty::Instant);
    b.base(d, "x.late_def", vec![], val(top));
    b.deadline_check("late", f::PAID_AT, f::SHIPPED_AT, d);
    let ev = eval::Evaluator::new(&b.p).unwrap_or_else(|e| panic!("{e}"));
    let mut s = ev.scratch();
    let mut judge = |extra: serde_json::Value| {
        let rec = order_with(json!({"shipped_at": "2024-03-05 10:00:00"}), extra);
        let v = plain_as_explained(&ev, &mut s, &rec, "2025-03-01 00:00:00");
        let (status, rules) = finding(&b.p, &v, "late").unwrap_or_default();
        let deadline = v.finding(&b.p, "late").and_then(|f| f.deadline);
        (status, rules, deadline)
    };
    let x = |r: &[&str]| r.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let quiet = judge(json!({"paid_at": "2024-01-10 10:00:00"}));
    assert_eq!(quiet.1, x(&["x.shop_48h"]));
    assert_eq!(quiet.2, Some(t("2024-01-12 10:00:00")));
    let quiet_global = judge(json!({"paid_at": "2024-01-10 10:00:00", "merchant_kind": "global"}));
    assert_eq!(
        quiet_global.0, "unknown",
        "x.latest stops for global merchants"
    );
    let reported =
        judge(json!({"paid_at": "2024-01-10 10:00:00", "delay_ship_by": "2024-03-06 00:00:00"}));
    assert_eq!(reported.1, x(&["x.shop_48h", "x.reported"]));
    assert_eq!(
        (reported.0.as_str(), reported.2),
        ("ok", Some(t("2024-03-06 00:00:00")))
    );
    let festival = judge(json!({"paid_at": "2024-02-05 10:00:00"}));
    assert_eq!(festival.1, x(&["x.shop_48h", "x.festival"]));
    assert_eq!(festival.2, Some(t("2024-02-22 23:59:59")));
    let may = judge(json!({"paid_at": "2024-05-10 10:00:00"}));
    assert_eq!(may.1, x(&["x.shop_48h", "x.may_10d"]));
    assert_eq!(may.2, Some(t("2024-05-20 10:00:00")));
}

/// Bases whose guards contradict each other two by two and cannot stop (`merchant_kind ==
/// shop and delay_ship_by is none`, `merchant_kind == shop and delay_ship_by is some`,
/// `merchant_kind == global`) are scanned up to the first that applies; bases that can
/// both apply are all read, so that they still agree or conflict. Every outcome must be
/// the walk's (explanations read every guard).
#[test]
fn exclusive_bases_stop_at_the_first_that_applies() {
    let mut b = B::new();
    let d = b.value("x.late.deadline", Ty::Instant);
    let shop = || enum_is(f::MERCHANT_KIND, 0);
    b.base(
        d,
        "x.plain",
        vec![shop(), is_none(fld(f::DELAY_SHIP_BY))],
        add(fld(f::PAID_AT), hours(48)),
    );
    b.base(
        d,
        "x.delayed",
        vec![shop(), is_some(fld(f::DELAY_SHIP_BY))],
        fld(f::DELAY_SHIP_BY),
    );
    b.base(
        d,
        "x.global",
        vec![enum_is(f::MERCHANT_KIND, 1)],
        add(fld(f::PAID_AT), hours(72)),
    );
    b.deadline_check("late", f::PAID_AT, f::SHIPPED_AT, d);
    // Overlapping: both apply to shop merchants with a delay, and disagree.
    let e = b.value("x.both.deadline", Ty::Instant);
    b.base(
        e,
        "x.any_shop",
        vec![shop()],
        add(fld(f::PAID_AT), hours(48)),
    );
    b.base(
        e,
        "x.any_delay",
        vec![is_some(fld(f::DELAY_SHIP_BY))],
        fld(f::DELAY_SHIP_BY),
    );
    b.deadline_check("both", f::PAID_AT, f::SHIPPED_AT, e);
    let ev = eval::Evaluator::new(&b.p).unwrap_or_else(|e| panic!("{e}"));
    let mut s = ev.scratch();
    let mut judge = |extra: serde_json::Value| {
        let rec = order_with(json!({"paid_at": "2024-01-10 10:00:00"}), extra);
        let v = plain_as_explained(&ev, &mut s, &rec, "2025-03-01 00:00:00");
        ["late", "both"].map(|c| finding(&b.p, &v, c).unwrap_or_default())
    };
    let x = |st: &str, r: &[&str]| (st.to_string(), r.iter().map(|s| s.to_string()).collect());
    let delay = json!({"delay_ship_by": "2024-01-20 00:00:00"});
    assert_eq!(
        judge(json!({})),
        [x("violated", &["x.plain"]), x("violated", &["x.any_shop"])]
    );
    assert_eq!(
        judge(delay.clone()),
        [
            x("violated", &["x.delayed"]),
            x("conflict", &["x.any_shop", "x.any_delay"])
        ]
    );
    let global = order_with(json!({"merchant_kind": "global"}), delay);
    assert_eq!(
        judge(global),
        [
            x("violated", &["x.global"]),
            x("violated", &["x.any_delay"])
        ]
    );
}
