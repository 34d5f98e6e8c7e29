//! Parsing arbitrary text never panics, hangs or overflows the stack.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    edict_fuzz::note_input(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = syntax::parse(syntax::FileId(0), text);
    }
});
