//! Decoding facts against the schema in the IR: every rule of `decode.rs`.

mod common;

use common::*;
use eval::{RecordId, Val};
use serde_json::json;

fn decode(rec: serde_json::Value) -> Result<eval::Record, eval::DecodeError> {
    let b = B::new();
    eval::decode::decode(&b.p, &rec)
}

fn err(rec: serde_json::Value) -> String {
    match decode(rec) {
        Ok(r) => panic!("accepted: {r:?}"),
        Err(e) => e.message,
    }
}

fn slot(rec: serde_json::Value, i: u32) -> Val {
    match decode(rec) {
        Ok(r) => r.slots[i as usize].clone(),
        Err(e) => panic!("rejected: {e}"),
    }
}

#[test]
fn a_valid_order_decodes_into_slots_in_field_order() {
    let r = decode(order(
        json!({"shipped_at": null, "unknown_extra": {"x": 1}}),
    ))
    .unwrap();
    assert_eq!(r.kind, ORDER);
    assert_eq!(r.id, Some(RecordId::Str("T1".into())));
    assert_eq!(r.slots.len(), 13);
    assert_eq!(
        r.slots[f::PAID_AT as usize],
        Val::Instant(t("2024-02-05 10:00:00"))
    );
    assert_eq!(r.slots[f::SHIPPED_AT as usize], Val::Null);
    assert_eq!(
        r.slots[f::COLLECTED_AT as usize],
        Val::Null,
        "absent optional"
    );
    assert_eq!(r.slots[f::MERCHANT_KIND as usize], Val::Enum(0));
    assert_eq!(r.slots[f::ORDER_PAID as usize], Val::Money(dec("150.00")));
    assert_eq!(r.slots[f::SENDER_REGION as usize], Val::Region(150102));
    assert_eq!(
        r.slots[f::ID as usize],
        Val::Str("T1".into()),
        "`id` is also a declared field here"
    );
}

#[test]
fn missing_and_null_required_fields() {
    let mut o = order(json!({}));
    o.as_object_mut().unwrap().remove("paid_at");
    assert_eq!(err(o), "missing required field `paid_at`");
    assert_eq!(
        err(order(json!({"order_paid": null}))),
        "missing required field `order_paid`"
    );
}

#[test]
fn wrong_types_name_field_expected_and_found() {
    assert_eq!(
        err(order(json!({"order_paid": true}))),
        "`order_paid`: expected money (a decimal string), found true"
    );
    assert_eq!(
        err(order(json!({"paid_at": 1700000000}))),
        "`paid_at`: expected instant, found number 1700000000"
    );
    assert_eq!(
        err(order(json!({"tags": "春节买不停"}))),
        "`tags`: expected list<string> (an array), found string \"春节买不停\""
    );
    assert_eq!(
        err(order(json!({"tags": ["a", 3]}))),
        "`tags[1]`: expected string, found number 3"
    );
    assert_eq!(
        err(order(json!({"festival_opt_out": "yes"}))),
        "`festival_opt_out`: expected bool, found string \"yes\""
    );
    assert_eq!(
        err(order(json!({"origin_status": [1]}))),
        "`origin_status`: expected record OriginStatus (an object), found an array"
    );
}

#[test]
fn nested_records_and_lists_of_records() {
    let v = slot(
        order(json!({"origin_status": {"risk": "medium", "suspended_couriers": 3}})),
        f::ORIGIN_STATUS,
    );
    assert_eq!(v, Val::Record(vec![Val::Enum(1), Val::Int(3)].into()));
    assert_eq!(
        err(order(
            json!({"origin_status": {"risk": "severe", "suspended_couriers": 3}})
        )),
        "`origin_status.risk`: expected one of none, medium, high (enum Risk), found \"severe\""
    );
    assert_eq!(
        err(order(
            json!({"reports": [{"status": "approved", "latest_ship_at": "2024-02-01 00:00:00"}, {"status": "approved"}]})
        )),
        "`reports[1]`: missing required field `latest_ship_at`"
    );
    assert_eq!(
        err(order(
            json!({"reports": [{"status": "approved", "latest_ship_at": "2024-02-31 00:00:00"}]})
        )),
        "`reports[0].latest_ship_at`: `2024-02-31 00:00:00` is not a calendar date"
    );
}

#[test]
fn instants_in_every_accepted_form() {
    let at = |s: &str| slot(order(json!({"paid_at": s})), f::PAID_AT);
    let want = Val::Instant(t("2024-02-05T10:00:00+08:00"));
    for form in [
        "2024-02-05T10:00:00+08:00",
        "2024-02-05T02:00:00Z",
        "2024-02-05t02:00:00z",
        "2024-02-05T10:00:00+0800",
        "2024-02-05T03:00:00+01:00",
        "2024-02-04T21:00:00-05:00",
        "2024-02-05 10:00:00",
        "2024-02-05T10:00:00",
        "2024-02-05 10:00:00.000000",
    ] {
        assert_eq!(at(form), want, "{form}");
    }
    assert_eq!(
        at("2024-02-05 10:00:00.5"),
        Val::Instant(t("2024-02-05 10:00:00") + 500_000)
    );
    // Never truncated towards the past: digits beyond µs must be zeros (issue 22).
    assert_eq!(
        at("2024-02-05 10:00:00.123456000"),
        Val::Instant(t("2024-02-05 10:00:00") + 123_456)
    );
    assert!(
        err(order(json!({"paid_at": "2024-02-05 10:00:00.123456789"})))
            .contains("finer than a microsecond")
    );
    assert_eq!(
        at("0001-01-01 00:00:00"),
        Val::Instant(-62_135_625_600_000_000)
    );
    // The last second verdicts print (+08:00); a second later in UTC would print as 10000.
    assert_eq!(
        at("9999-12-31 23:59:59"),
        Val::Instant(253_402_300_799_000_000 - 8 * 3_600_000_000)
    );
    assert!(err(order(json!({"paid_at": "9999-12-31 23:59:59Z"}))).contains("0001..9999"));
}

#[test]
fn instant_errors_are_clear() {
    let e = |s: &str| err(order(json!({"paid_at": s})));
    assert_eq!(
        e("2024-02-05 23:59:60"),
        "`paid_at`: `2024-02-05 23:59:60`: leap seconds (`:60`) are not supported"
    );
    assert_eq!(
        e("0000-01-01 00:00:00"),
        "`paid_at`: year out of range in `0000-01-01 00:00:00`: years 0001..9999 only"
    );
    assert_eq!(
        e("10000-01-01 00:00:00"),
        "`paid_at`: year out of range in `10000-01-01 00:00:00`: years 0001..9999 only"
    );
    assert_eq!(
        e("-0001-01-01 00:00:00"),
        "`paid_at`: year out of range in `-0001-01-01 00:00:00`: years 0001..9999 only"
    );
    assert_eq!(e("2024-02-05"), "`paid_at`: `2024-02-05` is a date, not an instant: add a time of day, e.g. `2024-02-05T00:00:00`");
    assert_eq!(
        e("2023-02-29 10:00:00"),
        "`paid_at`: `2023-02-29 10:00:00` is not a calendar date"
    );
    assert_eq!(
        e("2024-02-05 24:00:00"),
        "`paid_at`: `2024-02-05 24:00:00` is not a valid time of day"
    );
    assert_eq!(
        e("2024-02-05 10:00"),
        "`paid_at`: `2024-02-05 10:00`: the time needs seconds (`HH:MM:SS`)"
    );
    assert_eq!(
        e("2024-02-05 10:00:00+25:00"),
        "`paid_at`: `2024-02-05 10:00:00+25:00`: offset out of range"
    );
    assert_eq!(e("2024-02-05 10:00:00 CST"), "`paid_at`: `2024-02-05 10:00:00 CST`: expected an RFC 3339 instant like `2024-02-05T10:00:00+08:00` (offset optional: Beijing time)");
    assert_eq!(e("yesterday"), "`paid_at`: `yesterday`: expected an RFC 3339 instant like `2024-02-05T10:00:00+08:00` (offset optional: Beijing time)");
}

#[test]
fn money_is_exact_and_not_negative() {
    let m = |j: serde_json::Value| slot(order(json!({"order_paid": j})), f::ORDER_PAID);
    assert_eq!(m(json!("150")), Val::Money(dec("150")));
    assert_eq!(m(json!("7.50")), Val::Money(dec("7.5")));
    assert_eq!(
        m(json!("0.005")),
        Val::Money(dec("0.005")),
        "more than 2 decimals, exact"
    );
    assert_eq!(
        m(json!(150.5)),
        Val::Money(dec("150.5")),
        "a JSON number via its decimal text"
    );
    assert_eq!(m(json!(0.1)), Val::Money(dec("0.1")));
    assert_eq!(m(json!("0")), Val::Money(dec("0")));
    assert_eq!(m(json!("-0.00")), Val::Money(dec("0")));
    let e = |j: serde_json::Value| err(order(json!({"order_paid": j})));
    assert_eq!(
        e(json!("-1.00")),
        "`order_paid`: money cannot be negative, found string \"-1.00\""
    );
    assert_eq!(
        e(json!(-3)),
        "`order_paid`: money cannot be negative, found number -3"
    );
    assert_eq!(
        e(json!("1e3")),
        "`order_paid`: expected a decimal number like \"150.00\", found \"1e3\""
    );
    assert_eq!(
        e(json!("¥150")),
        "`order_paid`: expected a decimal number like \"150.00\", found \"¥150\""
    );
    assert_eq!(
        e(json!("150.")),
        "`order_paid`: expected a decimal number like \"150.00\", found \"150.\""
    );
    assert_eq!(
        e(json!("")),
        "`order_paid`: expected a decimal number like \"150.00\", found \"\""
    );
    assert_eq!(
        e(json!("1".repeat(40))),
        format!(
            "`order_paid`: the number \"{}\" has more digits than money holds exactly (at most 28 after the point and 28 significant)",
            "1".repeat(40)
        )
    );
}

#[test]
fn ints_are_json_integers() {
    assert_eq!(
        slot(
            order(json!({"promised_ship_days": 5})),
            f::PROMISED_SHIP_DAYS
        ),
        Val::Int(5)
    );
    let e = |j: serde_json::Value| err(order(json!({"promised_ship_days": j})));
    assert_eq!(
        e(json!(3.5)),
        "`promised_ship_days`: expected int, found number 3.5"
    );
    assert_eq!(
        e(json!(3.0)),
        "`promised_ship_days`: expected int, found number 3.0"
    );
    assert_eq!(
        e(json!("3")),
        "`promised_ship_days`: expected int, found string \"3\""
    );
    assert_eq!(
        e(json!(u64::MAX)),
        "`promised_ship_days`: integer 18446744073709551615 is out of range"
    );
}

#[test]
fn enums_list_their_variants() {
    assert_eq!(
        slot(order(json!({"merchant_kind": "global"})), f::MERCHANT_KIND),
        Val::Enum(1)
    );
    assert_eq!(
        err(order(json!({"merchant_kind": "Shop"}))),
        "`merchant_kind`: expected one of shop, global (enum MerchantKind), found \"Shop\""
    );
}

#[test]
fn regions_by_code_number_or_name() {
    let r = |j: serde_json::Value| slot(order(json!({"sender_region": j})), f::SENDER_REGION);
    assert_eq!(r(json!("150102")), Val::Region(150102));
    assert_eq!(r(json!(150102)), Val::Region(150102));
    assert_eq!(
        r(json!("内蒙古自治区呼和浩特市新城区")),
        Val::Region(150102)
    );
    assert_eq!(r(json!("内蒙古/呼和浩特市")), Val::Region(150100));
    let e = err(order(json!({"sender_region": "遵叉市"})));
    assert!(
        e.starts_with("`sender_region`: unknown region \"遵叉市\""),
        "{e}"
    );
    assert!(
        e.contains("贵州省遵义市"),
        "the gazetteer's suggestion: {e}"
    );
    let e = err(order(json!({"sender_region": "999999"})));
    assert!(
        e.starts_with("`sender_region`: unknown region \"999999\""),
        "{e}"
    );
    assert_eq!(
        err(order(json!({"sender_region": true}))),
        "`sender_region`: expected region (a 6-digit code or a name), found true"
    );
}

#[test]
fn kinds_ids_and_shapes() {
    assert_eq!(
        decode(json!({"kind": "aftersale", "created_at": "2024-02-05 10:00:00"}))
            .unwrap()
            .kind,
        AFTERSALE
    );
    assert_eq!(decode(order(json!({"kind": null}))).unwrap().kind, ORDER);
    assert_eq!(
        err(order(json!({"kind": "refund"}))),
        "unknown record kind `refund` (known: order, aftersale)"
    );
    assert_eq!(
        err(order(json!({"kind": 3}))),
        "`kind`: expected a string naming the record kind, found number 3"
    );
    assert_eq!(
        err(json!([1, 2])),
        "a record must be a JSON object, found an array"
    );
    // The id is read for the verdict, whatever the schema, also when decoding fails.
    let e = decode(json!({"kind": "aftersale", "id": 42})).unwrap_err();
    assert_eq!(e.id, Some(RecordId::Num("42".into())));
    assert_eq!(e.message, "missing required field `created_at`");
    let r = decode(json!({"kind": "aftersale", "id": "A-1", "created_at": "2024-02-05 10:00:00"}))
        .unwrap();
    assert_eq!(r.id, Some(RecordId::Str("A-1".into())));
    let r =
        decode(json!({"kind": "aftersale", "id": {"x": 1}, "created_at": "2024-02-05 10:00:00"}))
            .unwrap();
    assert_eq!(r.id, None, "only strings and numbers are ids");
}

#[test]
fn duplicate_keys_keep_the_last() {
    let text = order(json!({}))
        .to_string()
        .replacen('{', r#"{"merchant_kind":"bogus","#, 1);
    let j: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(slot(j, f::MERCHANT_KIND), Val::Enum(0));
}
