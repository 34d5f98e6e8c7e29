//! `eval::run` reads plain NDJSON lines by a fast path; it must give exactly the bytes of
//! the general path (every line parsed into a JSON value, then decoded). The reference
//! below is that general loop, written with the public API; both run on hand-written edge
//! cases and on random records built to hit every corner of the fast path's grammar and
//! of decoding (escapes, numbers, nulls, wrong types, duplicates, unknown fields, nesting,
//! bad UTF-8, trailing bytes, blank lines, BOM, CRLF).

mod common;

use common::*;
use eval::output::{decode_item, VerdictWriter};
use eval::{Evaluator, Format, RunOptions};
use proptest::prelude::*;

/// The general path: what `run` did before the fast path existed.
fn reference(ev: &Evaluator<'_>, input: &[u8], opts: &RunOptions) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = VerdictWriter::new(&mut out, opts.format).unwrap_or_else(|e| panic!("{e}"));
    let mut scratch = ev.scratch();
    let mut rec = eval::Record {
        kind: 0,
        id: None,
        slots: Vec::new(),
    };
    let mut verdict = eval::Verdict::default();
    for item in eval::input::records(input) {
        let item = item.unwrap_or_else(|e| panic!("{e}"));
        if let Err(e) = decode_item(ev, &item, &mut rec) {
            w.error(&e).unwrap_or_else(|e| panic!("{e}"));
            continue;
        }
        let explanation = if opts.explain {
            let (v, e) = ev.evaluate_explained(&mut scratch, &rec, opts.as_of);
            verdict = v;
            Some(e)
        } else {
            ev.evaluate_into(&mut scratch, &rec, opts.as_of, &mut verdict);
            None
        };
        w.verdict(ev, &verdict, explanation.as_ref())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    w.finish().unwrap_or_else(|e| panic!("{e}"));
    out
}

fn fast(ev: &Evaluator<'_>, input: &[u8], opts: &RunOptions) -> Vec<u8> {
    let mut out = Vec::new();
    eval::run(ev, input, &mut out, opts).unwrap_or_else(|e| panic!("{e}"));
    out
}

fn same(input: &[u8]) {
    same_in(&simple().p, input);
}

fn same_in(p: &ir::Program, input: &[u8]) {
    let ev = Evaluator::new(p).unwrap_or_else(|e| panic!("{e}"));
    for explain in [false, true] {
        let opts = RunOptions {
            as_of: t("2024-02-25 12:00:00"),
            explain,
            format: Format::Ndjson,
        };
        let (a, b) = (reference(&ev, input, &opts), fast(&ev, input, &opts));
        assert!(
            a == b,
            "input:\n{}\nreference:\n{}\nfast:\n{}",
            String::from_utf8_lossy(input),
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b)
        );
    }
}

const PLAIN: &str = r#"{"kind":"order","id":"O1","paid_at":"2024-02-05T10:00:00+08:00","shipped_at":null,"merchant_kind":"shop","order_paid":"150.00","tags":["a","b"],"reports":[{"status":"approved","latest_ship_at":"2024-02-26 00:00:00"}],"sender_region":"150102","promised_ship_days":3,"origin_status":{"risk":"high","suspended_couriers":6},"festival_opt_out":true}"#;

/// `run` copies the program's names from text quoted and escaped once per run: names that
/// need escaping must come out as `Verdict::write_json` writes them.
#[test]
fn names_needing_escapes() {
    let mut b = simple();
    for c in &mut b.p.checks {
        c.name = format!("{}\"q\\b\n\u{1}春", c.name);
    }
    for r in &mut b.p.rules {
        r.id = format!("{}\t\"é", r.id);
    }
    b.p.kinds[1].name = "after\"sale\\".into();
    let aftersale = r#"{"kind":"after\"sale\\","id":"A","created_at":"2024-02-01 10:00:00"}"#;
    let input = format!("{PLAIN}\n{aftersale}\n{}\n", PLAIN.replace("O1", "O2"));
    same_in(&b.p, input.as_bytes());
    let out = fast(
        &Evaluator::new(&b.p).unwrap_or_else(|e| panic!("{e}")),
        input.as_bytes(),
        &RunOptions {
            as_of: t("2024-02-25 12:00:00"),
            explain: false,
            format: Format::Ndjson,
        },
    );
    let out = String::from_utf8_lossy(&out);
    assert!(
        out.contains(r#""check":"late_shipment\"q\\b\n\u0001春""#),
        "{out}"
    );
    assert!(out.contains(r#""baseline.ship_within\t\"é""#), "{out}");
    assert!(out.contains(r#""kind":"after\"sale\\""#), "{out}");
}

#[test]
fn edge_cases() {
    let cases: Vec<String> = vec![
        PLAIN.into(),
        PLAIN.replace("\"150102\"", "\"内蒙古自治区呼和浩特市新城区\""),
        PLAIN.replace("\"150102\"", "\"内蒙古/呼和浩特市/新城区\""),
        PLAIN.replace("\"150102\"", "150102"),
        PLAIN.replace("\"150102\"", "\"火星\""),
        PLAIN.replace("\"150.00\"", "150"),
        PLAIN.replace("\"150.00\"", "\"-1.00\""),
        PLAIN.replace("\"150.00\"", "\"-0.00\""),
        PLAIN.replace("\"150.00\"", "\"1.\""),
        PLAIN.replace(":3,", ":-0,"),
        PLAIN.replace(":3,", ":3.0,"),
        PLAIN.replace(":3,", ":03,"),
        PLAIN.replace(":3,", ":-3,"),
        PLAIN.replace(":3,", ":1e2,"),
        PLAIN.replace(":3,", ":99999999999999999999,"),
        PLAIN.replace(":3,", ":\"3\","),
        PLAIN.replace("\"O1\"", "42"),
        PLAIN.replace("\"O1\"", "-0"),
        PLAIN.replace("\"O1\"", "null"),
        PLAIN.replace("\"O1\"", "[1]"),
        PLAIN.replace("\"O1\"", "\"O\\u0031\""),
        PLAIN.replace("\"kind\":\"order\",", ""),
        PLAIN.replace("\"kind\":\"order\"", "\"kind\":null"),
        PLAIN.replace("\"kind\":\"order\"", "\"kind\":\"aftersale\""),
        PLAIN.replace("\"kind\":\"order\"", "\"kind\":\"refund\""),
        PLAIN.replace("\"kind\":\"order\"", "\"kind\":7"),
        PLAIN.replace("\"shop\"", "\"shops\""),
        PLAIN.replace("\"shop\"", "\"sh\\u006fp\""),
        PLAIN.replace("\"shipped_at\":null,", ""),
        PLAIN.replace("\"shipped_at\":null", "\"shipped_at\":\"2024-02-07 09:00\""),
        PLAIN.replace(
            "\"shipped_at\":null",
            "\"shipped_at\":\"2024-02-07T09:00:00.123456789Z\"",
        ),
        PLAIN.replace("\"paid_at\"", "\"paid_at\":1,\"x\""),
        PLAIN.replace(",\"festival_opt_out\":true", ",\"festival_opt_out\":1"),
        PLAIN.replace(",\"festival_opt_out\":true", ",\"festival_opt_out\":tru"),
        PLAIN.replace(",\"festival_opt_out\":true", ",\"festival_opt_out\":truex"),
        PLAIN.replace(",\"festival_opt_out\":true", ",\"festival_opt_out\":null"),
        PLAIN.replace("\"tags\":[\"a\",\"b\"]", "\"tags\":[]"),
        PLAIN.replace("\"tags\":[\"a\",\"b\"]", "\"tags\":[ ]"),
        PLAIN.replace("\"tags\":[\"a\",\"b\"]", "\"tags\":[\"a\",]"),
        PLAIN.replace("\"tags\":[\"a\",\"b\"]", "\"tags\":[\"a\" \"b\"]"),
        PLAIN.replace("\"tags\":[\"a\",\"b\"]", "\"tags\":[\"a\",3]"),
        PLAIN.replace("\"tags\":[\"a\",\"b\"]", "\"tags\":\"a\""),
        PLAIN.replace("\"tags\":[\"a\",\"b\"]", "\"tags\":[\"a\tb\"]"),
        PLAIN.replace("\"risk\":\"high\"", "\"risk\":\"high\",\"risk\":\"none\""),
        PLAIN.replace("\"risk\":\"high\"", "\"risk\":\"hi\""),
        PLAIN.replace(",\"suspended_couriers\":6", ""),
        PLAIN.replace(
            "\"merchant_kind\":\"shop\"",
            "\"merchant_kind\":\"shop\",\"merchant_kind\":\"global\"",
        ),
        PLAIN.replace(
            "{\"kind\"",
            "{\"extra\":{\"a\":[1,{\"b\":null},[[]],-2,true]},\"kind\"",
        ),
        PLAIN.replace("{\"kind\"", "{\"extra\":{\"a\":1.5e3},\"kind\""),
        PLAIN.replace("{\"kind\"", "{\"extra\":\"\\\"quoted\\\"\",\"kind\""),
        PLAIN.replace("{\"kind\"", "{\"extra\":[1 2],\"kind\""),
        PLAIN.replace("{\"kind\"", "{\"extra\":{\"a\" 1},\"kind\""),
        PLAIN
            .replace("{\"kind\"", "{ \"kind\"")
            .replace(",", " ,\t")
            .replace(":", " : "),
        format!("{PLAIN} "),
        format!("{PLAIN}\r"),
        format!("{PLAIN} x"),
        format!("{PLAIN}{{}}"),
        format!(
            "{{\"deep\":{}1{}, {}",
            "[".repeat(70),
            "]".repeat(70),
            &PLAIN[1..]
        ),
        format!(
            "{{\"deep\":{}1{}, {}",
            "[".repeat(200),
            "]".repeat(200),
            &PLAIN[1..]
        ),
        // Keys no kind declares may repeat (the general path ignores them); known ones
        // may not. Keys are told apart by every byte, also past the sixteenth.
        PLAIN.replace("{\"kind\"", "{\"extra\":1,\"extra\":[2],\"kind\""),
        PLAIN.replace("\"risk\":\"high\"", "\"risk\":\"high\",\"x\":1,\"x\":[]"),
        PLAIN.replace("\"O1\"", "\"O1\",\"id\":\"O2\""),
        PLAIN.replace("\"promised_ship_days\"", "\"promisedXship_days\""),
        PLAIN.replace(
            "\"promised_ship_days\"",
            "\"promised_ship_days\":4,\"promisedXship_days\"",
        ),
        PLAIN.replace("\"promised_ship_days\"", "\"promised_ship_daysX\""),
        PLAIN.replace("\"paid_at\"", "\"paid_atx\":1,\"paid_at\""),
        PLAIN.replace("\"paid_at\"", "\"paid_a\":1,\"paid_at\""),
        PLAIN.replace("\"paid_at\"", "\"\":1,\"paid_at\""),
        "{\"id\":\"x\"}".into(),
        "{\"id\":1}".into(),
        "{\"kind\":1}".into(),
        "{\"kind\":\"aftersale\",\"id\":\"A\",\"created_at\":\"2024-02-01 10:00:00\",\"id\":\"B\"}"
            .into(),
        "[]".into(),
        "null".into(),
        "{}".into(),
        "{\"kind\":\"aftersale\",\"id\":\"A\",\"created_at\":\"2024-02-01 10:00:00\"}".into(),
        "{".into(),
        "\"just a string\"".into(),
    ];
    let mut cases = cases;
    // A quote, backslash or control byte at every place of a string, around the
    // eight-byte steps of the scan.
    for at in 0..20 {
        for special in ["\\\"", "\\n", "\t", "\u{1f}", "\u{7f}", "é"] {
            let mut tag = "abcdefghijklmnopqrst".to_string();
            tag.insert_str(at, special);
            cases.push(PLAIN.replace("\"a\",\"b\"", &format!("\"{tag}\"")));
        }
    }
    let mut all = String::new();
    for c in &cases {
        same(c.as_bytes());
        all.push_str(c);
        all.push('\n');
    }
    same(all.as_bytes());
    // Blank lines, a BOM, CRLF endings, invalid UTF-8.
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(PLAIN.as_bytes());
    bytes.extend_from_slice(b"\r\n\r\n  \n");
    bytes.extend_from_slice(PLAIN.replace("O1", "O\u{00e9}").as_bytes());
    bytes.extend_from_slice(b"\n{\"kind\":\"order\",\"id\":\"\xff\"}\n");
    bytes.extend_from_slice(PLAIN.as_bytes());
    same(&bytes);
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"2024-02-05T10:00:00+08:00\"".to_string()),
        Just("\"2024-02-05 10:00:00\"".to_string()),
        Just("\"2024-02-30 10:00:00\"".to_string()),
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        Just("\"shop\"".to_string()),
        Just("\"global\"".to_string()),
        Just("\"150.00\"".to_string()),
        Just("\"-3\"".to_string()),
        Just("150".to_string()),
        Just("-0".to_string()),
        Just("0".to_string()),
        Just("12".to_string()),
        Just("1.5".to_string()),
        Just("\"150102\"".to_string()),
        Just("\"新疆/乌鲁木齐市/天山区\"".to_string()),
        Just("\"a\\\"b\"".to_string()),
        Just("[]".to_string()),
        Just("[\"a\",\"b\"]".to_string()),
        Just("[{\"status\":\"approved\",\"latest_ship_at\":\"2024-02-26 00:00:00\"}]".to_string()),
        Just("[{\"status\":\"pending\"}]".to_string()),
        Just("{\"risk\":\"none\",\"suspended_couriers\":2}".to_string()),
        Just("{\"risk\":\"none\",\"suspended_couriers\":2,\"risk\":\"high\"}".to_string()),
        Just("{}".to_string()),
        Just("[1,[2,{}],\"x\"]".to_string()),
        Just("tru".to_string()),
        Just("[1,]".to_string()),
    ]
}

const KEYS: [&str; 16] = [
    "kind",
    "id",
    "paid_at",
    "shipped_at",
    "collected_at",
    "merchant_kind",
    "order_paid",
    "delay_ship_by",
    "festival_opt_out",
    "tags",
    "reports",
    "sender_region",
    "promised_ship_days",
    "origin_status",
    "created_at",
    "unknown",
];

fn record() -> impl Strategy<Value = String> {
    // Start from a valid record most of the time, then override some members.
    (
        prop::bool::weighted(0.7),
        prop::collection::vec((0..KEYS.len(), piece()), 0..6),
        prop_oneof![Just(""), Just(" "), Just("\t")],
    )
        .prop_map(|(base, members, ws)| {
            let mut out = if base {
                PLAIN[..PLAIN.len() - 1].to_string()
            } else {
                "{\"kind\":\"order\"".to_string()
            };
            for (k, v) in members {
                out.push_str(&format!(",{ws}\"{}\"{ws}:{ws}{v}", KEYS[k]));
            }
            out.push('}');
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_records_give_the_same_bytes(lines in prop::collection::vec(record(), 1..12)) {
        same(lines.join("\n").as_bytes());
    }
}
