//! The window index changes no output byte: the shipped policies on generated records, and
//! synthetic sets of many windowed announcements on their records, give the same NDJSON
//! verdicts (with explanations too) with the index and without it.

use eval::{Evaluator, PrepareOptions};

fn both(program: &ir::Program, ndjson: &str, as_of: i64, explain: bool) -> (Vec<u8>, Vec<u8>) {
    let indexed = Evaluator::new(program).unwrap_or_else(|e| panic!("{e}"));
    let scanned = Evaluator::with_options(
        program,
        PrepareOptions {
            window_index: false,
            key_filter: false,
            exclusive: false,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run = |ev: &Evaluator<'_>| {
        bench::run_bytes(ev, ndjson, as_of, explain).unwrap_or_else(|e| panic!("{e}"))
    };
    (run(&indexed), run(&scanned))
}

#[test]
fn shipped_policies_same_bytes() {
    let program = bench::shipped_program().unwrap_or_else(|e| panic!("{e}"));
    let input = bench::generated(3000);
    for explain in [false, true] {
        let (a, b) = both(&program, &input, bench::as_of(), explain);
        assert!(!a.is_empty());
        assert!(a == b, "explain={explain}: outputs differ");
    }
}

#[test]
fn synthetic_sets_same_bytes() {
    let as_of = eval::parse_instant("2060-01-01T00:00:00+08:00").unwrap_or_default();
    for n in [10, 300] {
        let program =
            bench::compile(&datagen::synth::policy_set(n)).unwrap_or_else(|e| panic!("{e}"));
        let input = datagen::synth::records(11, n, 2000);
        let (a, b) = both(&program, &input, as_of, false);
        assert!(a == b, "{n} announcements: outputs differ");
        // Records inside a window are decided by its announcement.
        let text = String::from_utf8(a).unwrap_or_default();
        assert!(text.contains(".window\""), "no record fell in a window");
    }
}
