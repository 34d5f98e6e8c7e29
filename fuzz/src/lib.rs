//! Shared pieces of the fuzz targets: the shipped policy set, compiled once, and the
//! example records that exercise it.

use std::sync::OnceLock;

/// The line that separates policy files in one `check` input.
pub const FILE_SEPARATOR: &str = "\n// ==== next file ====\n";

/// Repository root (the fuzz crate sits in `fuzz/`).
pub fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The shipped policy files as `(name, text)`, sorted by name.
pub fn shipped_policies() -> &'static [(String, String)] {
    static FILES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let mut files: Vec<(String, String)> = std::fs::read_dir(root().join("policies"))
            .expect("policies/ is readable")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "edict"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).expect("policy is UTF-8");
                (p.file_name().unwrap().to_string_lossy().into_owned(), text)
            })
            .collect();
        files.sort();
        files
    })
}

/// The shipped policy set, compiled.
pub fn shipped_program() -> &'static ir::Program {
    static PROGRAM: OnceLock<ir::Program> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        check::check(shipped_policies())
            .program
            .expect("the shipped policies compile")
    })
}

/// The example order records (examples/orders.ndjson).
pub fn example_records() -> &'static [u8] {
    static RECORDS: OnceLock<Vec<u8>> = OnceLock::new();
    RECORDS.get_or_init(|| {
        std::fs::read(root().join("examples/orders.ndjson")).expect("examples are readable")
    })
}

/// 2024-03-01T00:00:00+08:00, the instant every target judges at.
pub const AS_OF: i64 = 1_709_222_400_000_000;

/// Runs `records` through `program` in every output format; panics only where Edict would.
pub fn judge(program: &ir::Program, records: &[u8]) {
    let Ok(ev) = eval::Evaluator::new(program) else {
        return;
    };
    for (format, explain) in [
        (eval::Format::Ndjson, true),
        (eval::Format::Json, false),
        (eval::Format::Human, false),
    ] {
        let opts = eval::RunOptions {
            as_of: AS_OF,
            explain,
            format,
        };
        let mut out = Vec::new();
        let summary = eval::run(&ev, records, &mut out, &opts).expect("no I/O error on memory");
        if format == eval::Format::Json {
            // The array output is always one valid JSON document.
            serde_json::from_slice::<serde_json::Value>(&out).expect("json output parses");
        }
        let _ = summary;
    }
}

/// With `EDICT_FUZZ_LAST=path` set, writes each input there before running it: a stack
/// overflow kills the process before libFuzzer can save the input (no sanitizer runtime).
pub fn note_input(data: &[u8]) {
    static PATH: OnceLock<Option<std::ffi::OsString>> = OnceLock::new();
    if let Some(path) = PATH.get_or_init(|| std::env::var_os("EDICT_FUZZ_LAST")) {
        let _ = std::fs::write(path, data);
    }
}

/// The general path of `eval::run` (every item parsed to JSON, then decoded), written with
/// the public API: `run`'s fast path for plain NDJSON lines must give exactly these bytes.
pub fn reference_run(ev: &eval::Evaluator<'_>, input: &[u8], opts: &eval::RunOptions) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = eval::output::VerdictWriter::new(&mut out, opts.format).expect("memory");
    let mut scratch = ev.scratch();
    let mut rec = eval::Record {
        kind: 0,
        id: None,
        slots: Vec::new(),
    };
    let mut verdict = eval::Verdict::default();
    for item in eval::input::records(input) {
        let item = item.expect("no I/O error on memory");
        if let Err(e) = eval::output::decode_item(ev, &item, &mut rec) {
            w.error(&e).expect("memory");
            continue;
        }
        let explanation = if opts.explain {
            let (v, e) = ev.evaluate_explained(&mut scratch, &rec, opts.as_of);
            verdict = v;
            Some(e)
        } else {
            ev.evaluate_into(&mut scratch, &rec, opts.as_of, &mut verdict);
            None
        };
        w.verdict(ev, &verdict, explanation.as_ref())
            .expect("memory");
    }
    w.finish().expect("memory");
    out
}

/// Like [`judge`], and every format's output must equal [`reference_run`]'s.
pub fn judge_against_reference(program: &ir::Program, records: &[u8]) {
    let Ok(ev) = eval::Evaluator::new(program) else {
        return;
    };
    for (format, explain) in [
        (eval::Format::Ndjson, true),
        (eval::Format::Ndjson, false),
        (eval::Format::Json, false),
        (eval::Format::Human, false),
    ] {
        let opts = eval::RunOptions {
            as_of: AS_OF,
            explain,
            format,
        };
        let mut out = Vec::new();
        eval::run(&ev, records, &mut out, &opts).expect("no I/O error on memory");
        let want = reference_run(&ev, records, &opts);
        if out != want {
            panic!(
                "run differs from the general path ({format:?}, explain {explain}):\n run: {}\n ref: {}",
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&want)
            );
        }
        if format == eval::Format::Json {
            serde_json::from_slice::<serde_json::Value>(&out).expect("json output parses");
        }
    }
}

/// The shipped `schema.edict` (fact kinds, enums, records): prepended to generated
/// policies so that the example records decode against them.
pub fn shipped_schema() -> (String, String) {
    shipped_policies()
        .iter()
        .find(|(name, _)| name == "schema.edict")
        .cloned()
        .expect("policies/schema.edict exists")
}

/// The files of one generated policy set: the shipped schema, then `text` split at
/// [`FILE_SEPARATOR`] into `gen0.edict`, `gen1.edict`, ...
pub fn with_schema(text: &str) -> Vec<(String, String)> {
    let mut files = vec![shipped_schema()];
    files.extend(
        text.split(FILE_SEPARATOR)
            .enumerate()
            .map(|(i, t)| (format!("gen{i}.edict"), t.to_string())),
    );
    files
}

/// Checks, compiles, writes and reloads the IR of a generated policy set; `None` when the
/// checker rejects it. Panics when a program the checker accepted does not load back or
/// the evaluator refuses it: the checker's limits must cover the evaluator's.
pub fn compile_and_load(files: &[(String, String)]) -> Option<ir::Program> {
    let program = check::check(files).program?;
    let json = program.to_json();
    let back = match ir::Program::from_json(&json) {
        Ok(p) => p,
        Err(e) => panic!("a checked program's IR does not load: {e}"),
    };
    if let Err(e) = eval::Evaluator::new(&back) {
        panic!("the evaluator refuses a checked program: {e}");
    }
    Some(back)
}
