//! The formatter: never panics; what it returns re-parses to the same program and is a
//! fixed point; it only refuses text that does not parse.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    edict_fuzz::note_input(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match fmt::format(text) {
        Ok(out) => {
            let before = syntax::parse(syntax::FileId(0), text).expect("formatted input parses");
            let after = syntax::parse(syntax::FileId(0), &out).expect("formatted output parses");
            assert_eq!(before, after, "formatting changed the program");
            assert_eq!(
                fmt::format(&out).as_deref(),
                Ok(out.as_str()),
                "not idempotent"
            );
        }
        Err(fmt::FmtError::Syntax(_)) => {}
        Err(e) => panic!("the formatter failed on text that parses: {e}"),
    }
});
