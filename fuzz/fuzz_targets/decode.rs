//! Record streams (NDJSON or a JSON array, any bytes) against the shipped policies: decoding,
//! evaluation and every output format. Bad records are error records, never panics, and
//! `eval::run` (with its fast path for plain NDJSON lines) writes exactly the bytes of the
//! general path.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    edict_fuzz::note_input(data);
    edict_fuzz::judge_against_reference(edict_fuzz::shipped_program(), data);
});
