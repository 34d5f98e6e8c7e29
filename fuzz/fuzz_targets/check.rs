//! Parse + check + compile of a policy set (files split by [`edict_fuzz::FILE_SEPARATOR`]).
//! A program that compiles must survive its own IR round trip and be evaluable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    edict_fuzz::note_input(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let files: Vec<(String, String)> = text
        .split(edict_fuzz::FILE_SEPARATOR)
        .enumerate()
        .map(|(i, t)| (format!("f{i}.edict"), t.to_string()))
        .collect();
    let checked = check::check(&files);
    if let Some(program) = checked.program {
        let json = program.to_json();
        let back = match ir::Program::from_json(&json) {
            Ok(p) => p,
            Err(e) => panic!("a compiled program does not load back: {e}"),
        };
        assert_eq!(
            back.to_json(),
            json,
            "the IR round trip changes the program"
        );
        edict_fuzz::judge(&back, edict_fuzz::example_records());
    }
});
