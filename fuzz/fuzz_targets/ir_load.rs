//! Loading an IR file (`edict eval set.ir ...`) from arbitrary bytes, and from the shipped
//! program's IR with values overwritten at the JSON level (structurally valid, semantically
//! damaged). A loaded program is evaluated on the example records; none of it may panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn shipped_ir() -> &'static Value {
    static IR: OnceLock<Value> = OnceLock::new();
    IR.get_or_init(|| serde_json::from_str(&edict_fuzz::shipped_program().to_json()).unwrap())
}

/// Every leaf of `v` (numbers, strings, booleans, nulls), depth first.
fn leaves<'a>(v: &'a mut Value, out: &mut Vec<&'a mut Value>) {
    match v {
        Value::Array(a) => a.iter_mut().for_each(|x| leaves(x, out)),
        Value::Object(o) => o.values_mut().for_each(|x| leaves(x, out)),
        _ => out.push(v),
    }
}

fn load_and_judge(text: &str) {
    if let Ok(program) = ir::Program::from_json(text) {
        edict_fuzz::judge(&program, edict_fuzz::example_records());
    }
}

fuzz_target!(|data: &[u8]| {
    edict_fuzz::note_input(data);
    if let Ok(text) = std::str::from_utf8(data) {
        load_and_judge(text);
    }
    // Structured damage: each 4-byte chunk overwrites one leaf of the shipped IR.
    if data.len() >= 4 && data.len() <= 64 {
        let mut ir = shipped_ir().clone();
        let mut all = Vec::new();
        leaves(&mut ir, &mut all);
        // Mostly numbers (ids, slots, indices: where a damaged IR hurts), sometimes any leaf.
        let (mut numbers, mut others): (Vec<_>, Vec<_>) =
            all.into_iter().partition(|v| v.is_number());
        for chunk in data.chunks_exact(4) {
            let pool = if chunk[2] & 0x80 == 0 || others.is_empty() {
                &mut numbers
            } else {
                &mut others
            };
            let Some(len) = std::num::NonZeroUsize::new(pool.len()) else {
                continue;
            };
            let all = pool;
            let at = usize::from(u16::from_le_bytes([chunk[0], chunk[1]])) % len.get();
            let small = i64::from(chunk[3]);
            *all[at] = match chunk[2] % 8 {
                0 => Value::from(small),
                1 => Value::from(small - 128),
                2 => Value::from(u32::MAX - u32::from(chunk[3])),
                3 => Value::from(i64::MAX - small),
                4 => Value::Null,
                5 => Value::from(chunk[3] % 2 == 0),
                6 => Value::from(format!("{}", small)),
                _ => Value::from(small * 1_000_000_000),
            };
        }
        let text = ir.to_string();
        if let Some(path) = std::env::var_os("EDICT_FUZZ_DUMP") {
            // Reproducing: the damaged IR as a file `edict eval` can read.
            let _ = std::fs::write(path, &text);
        }
        load_and_judge(&text);
    }
});
