//! Properties: instants round-trip, and no input makes the stream or the evaluator panic.

mod common;

use common::*;
use proptest::prelude::*;

proptest! {
    #[test]
    fn instants_round_trip(t in -62_135_596_800_000_000i64..253_402_300_799_999_999i64) {
        // Any instant whose Beijing-time year is 0001..9999 prints and parses back exactly.
        let text = eval::format_instant(t);
        prop_assume!(!text.starts_with("0000") && !text.starts_with("10000"));
        prop_assert_eq!(eval::parse_instant(&text), Ok(t));
        let frac = text.split('.').nth(1).map(|f| f.trim_end_matches("+08:00").to_string());
        prop_assert!(frac.is_none_or(|f| !f.ends_with('0') && f.len() <= 6));
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_every_line_is_answered(lines in proptest::collection::vec("[ -~\u{4e00}-\u{4e10}]{0,60}", 0..12)) {
        let b = simple();
        let ev = eval::Evaluator::new(&b.p).unwrap();
        let mut input = String::new();
        let mut expected = 0;
        for (i, l) in lines.iter().enumerate() {
            // Mix in valid records so evaluation runs too.
            if i % 3 == 0 {
                input.push_str(&order(serde_json::json!({"id": i})).to_string());
                expected += 1;
            } else {
                if !l.trim().is_empty() {
                    expected += 1;
                }
                input.push_str(l);
            }
            input.push('\n');
        }
        let opts = eval::RunOptions { as_of: t("2024-02-25 12:00:00"), explain: true, format: eval::Format::Ndjson };
        let mut out = Vec::new();
        let summary = eval::run(&ev, input.as_bytes(), &mut out, &opts).unwrap();
        let text = String::from_utf8(out).unwrap();
        // The first line is a record, so this is NDJSON: one answer per non-blank line.
        prop_assert_eq!(text.lines().count() as u64, summary.records + summary.errors);
        prop_assert_eq!(summary.records + summary.errors, expected);
    }
}
