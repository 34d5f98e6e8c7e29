//! compile → IR load → eval: generated announcements (split by
//! [`edict_fuzz::FILE_SEPARATOR`]) over the shipped schema. A program the checker accepts
//! must write an IR that loads back, be accepted by the evaluator, and judge the example
//! records in every output format with no finding stopped by a limit the checker should
//! have enforced (a value "depends on itself" in a program without cycles).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    edict_fuzz::note_input(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(program) = edict_fuzz::compile_and_load(&edict_fuzz::with_schema(text)) else {
        return;
    };
    let ev = eval::Evaluator::new(&program).expect("checked in compile_and_load");
    let opts = eval::RunOptions {
        as_of: edict_fuzz::AS_OF,
        explain: false,
        format: eval::Format::Ndjson,
    };
    let mut out = Vec::new();
    eval::run(&ev, edict_fuzz::example_records(), &mut out, &opts).expect("memory");
    let out = String::from_utf8(out).expect("verdicts are UTF-8");
    assert!(
        !out.contains("depends on itself"),
        "a checked program without cycles stops on a cycle:\n{out}"
    );
    edict_fuzz::judge(&program, edict_fuzz::example_records());
});
