//! AST snapshots, one per construct, with spans stripped so they show only structure; and
//! a property test that random and mutated input never panics the parser.

use proptest::prelude::*;
use serde_json::Value;

fn strip_spans(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| k != "span" && k != "name_span");
            m.values_mut().for_each(strip_spans);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_spans),
        _ => {}
    }
}

fn ast(src: &str) -> String {
    let file =
        syntax::parse(syntax::FileId(0), src).unwrap_or_else(|e| panic!("{:?}", e.to_diagnostic()));
    let mut v = serde_json::to_value(&file).expect("serializable");
    strip_spans(&mut v);
    serde_json::to_string_pretty(&v).expect("json")
}

const CONSTRUCTS: &[(&str, &str)] = &[
    ("announcement", "announcement cny2024 \"2024年春节\" { published approximately 2024-01-24 13:40:42 source \"抖音\" zone +08:00 effective [2024-01-24, 2024-02-29] retroactive }"),
    ("types", "enum Mode { spot, presale }\nrecord Report { status: Mode, at: instant }\nfact order { id: string  shipped_at: instant?  tags: set<string>  reports: list<Report> }"),
    ("value", "value ship_within: duration cites \"1.1\" = 48h"),
    ("versions", "value collect_within: duration as v72 cites \"001\" when order.paid_at < 2023-01-01 = 72h"),
    ("exception", "@allow(L009, \"same on purpose\")\nexception baseline.ship_by as auto_extend cites \"2.1.1\" { when order.mode == spot and \"春节买不停\" not in order.tags then max(overridden, 2024-02-22 23:59:59) }"),
    ("priority", "priority merchant_delay > opted_out > auto_extend"),
    ("check", "check late_collection cites \"三\" { after order.shipped_at applies when order.mode in {spot, tiered} event order.collected_at deadline = order.shipped_at + 24h compensation = round(order.order_paid * 5%, 1 CNY) exempt = false }"),
    ("condition_check", "check collected_before_paid { after order.collected_at violated = order.collected_at < order.paid_at }"),
    ("literals", "value x = [2024-02-02 00:00:00.5+08:00, 2024-02-20] value y = -30min value z = 7.50 CNY value w = 2.5% value r = region \"贵州省遵义市\" value s = regions { \"新疆维吾尔自治区全域\", \"内蒙古阿拉善盟\" }"),
    ("aggregates", "value a = any(r in order.reports where r.status == approved) value b = count(r in order.reports) value c = max(r.latest_ship_at for r in order.reports where r.status == approved)"),
    ("precedence", "value p = not a or b and c == d + e * f is some"),
];

#[test]
fn construct_snapshots() {
    for (name, src) in CONSTRUCTS {
        insta::assert_snapshot!(*name, ast(src));
    }
}

#[test]
fn spacing_does_not_change_the_tree() {
    let a = syntax::parse(syntax::FileId(0), "value x = a+b*c").expect("parses");
    let b =
        syntax::parse(syntax::FileId(0), "value   x\n  =  a +\n b * c // comment").expect("parses");
    assert_eq!(a, b);
}

#[test]
fn limits_give_errors_not_crashes() {
    let deep = format!("value x = {}1{}", "(".repeat(10_000), ")".repeat(10_000));
    assert_eq!(
        syntax::parse(syntax::FileId(0), &deep).unwrap_err().code(),
        "E0003"
    );
    let long = format!("value x = 1{}", " + 1".repeat(1_000));
    assert_eq!(
        syntax::parse(syntax::FileId(0), &long).unwrap_err().code(),
        "E0003"
    );
    let nots = format!("value x = {}true", "not ".repeat(1_000));
    assert_eq!(
        syntax::parse(syntax::FileId(0), &nots).unwrap_err().code(),
        "E0003"
    );
}

const SEED: &str = "announcement a \"t\" { published 2024-01-24 13:40:42 }\nvalue w: duration cites \"1\" = 48h\nexception w as x { when order.mode == spot and order.paid_at in [2024-02-02, 2024-02-20 23:59:59] then max(overridden, 2h) }\ncheck c { after order.shipped_at event order.collected_at deadline = order.shipped_at + w }\npriority x > y\n";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
        let _ = syntax::parse(syntax::FileId(0), &s);
    }

    #[test]
    fn mutated_policies_never_panic(cut in 0usize..400, len in 0usize..20, insert in "[a-z(){}\\[\\]<>=.,:\"?@ 0-9%-]{0,8}") {
        let mut s = SEED.to_string();
        let at = s.char_indices().map(|(i, _)| i).nth(cut % SEED.chars().count()).unwrap_or(0);
        let end = s[at..].char_indices().map(|(i, _)| at + i).nth(len).unwrap_or(s.len());
        s.replace_range(at..end, &insert);
        let _ = syntax::parse(syntax::FileId(0), &s);
    }
}
