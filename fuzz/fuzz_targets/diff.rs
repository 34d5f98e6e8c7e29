//! `diff` on small policy pairs: the input is two generated announcement sets (split at
//! the line `// ==== old | new ====`), each over the shipped schema. The semantic diff must
//! not panic; a program compared with itself has no differences; and when the semantic
//! diff finds none, no example record is judged differently (`diff --facts`).
#![no_main]

use libfuzzer_sys::fuzz_target;

/// Separates the old and the new version in one input.
const PAIR_SEPARATOR: &str = "\n// ==== old | new ====\n";

fuzz_target!(|data: &[u8]| {
    edict_fuzz::note_input(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (old, new) = text.split_once(PAIR_SEPARATOR).unwrap_or((text, text));
    let Some(old) = edict_fuzz::compile_and_load(&edict_fuzz::with_schema(old)) else {
        return;
    };
    let Some(new) = edict_fuzz::compile_and_load(&edict_fuzz::with_schema(new)) else {
        return;
    };
    let same = analysis::diff::diff(&old, &old);
    assert!(same.is_empty(), "a program differs from itself: {same:?}");
    let report = analysis::diff::diff(&old, &new);
    let _ = analysis::diff::human(&report);
    if report.is_empty() {
        let records = std::str::from_utf8(edict_fuzz::example_records()).expect("UTF-8");
        let facts = analysis::diff::facts::diff(&old, &new, records);
        assert!(
            facts.changed.is_empty(),
            "the semantic diff finds nothing, yet {} example records change: {:?}",
            facts.changed.len(),
            facts.changed.first()
        );
    }
});
