//! The facade and the CLI agree byte for byte: a verdict serialised with serde is the line
//! `edict eval` writes (its stream loop, `Engine::judge_stream`), on the shipped policies
//! with the example records and generated ones, with and without explanations; and the
//! engine can be shared between threads.

use std::path::Path;

use edict::{Format, Instant, JudgeOptions, Policies};

fn policies() -> Policies {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    Policies::load(&dir).expect("the shipped policies load")
}

fn records() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut text = std::fs::read_to_string(root.join("examples/orders.ndjson")).unwrap();
    let gen = datagen::Generator::new(42);
    text.push_str(&gen.ndjson(3000, datagen::Kind::Mixed));
    text
}

fn stream(engine: &edict::Engine, input: &str, opts: JudgeOptions) -> Vec<String> {
    let mut out = Vec::new();
    engine
        .judge_stream(input.as_bytes(), &mut out, opts, Format::Ndjson)
        .unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn serde_verdicts_are_the_lines_eval_writes() {
    let engine = policies().engine().unwrap();
    let input = records();
    for (as_of, explain) in [
        ("2024-03-01T00:00:00+08:00", false),
        ("2022-03-01T00:00:00+08:00", false),
        ("2024-03-01T00:00:00+08:00", true),
    ] {
        let opts = JudgeOptions {
            as_of: Instant::parse(as_of).unwrap(),
            explain,
        };
        let lines = stream(&engine, &input, opts);
        let inputs: Vec<&str> = input.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), inputs.len());
        let mut judged = 0;
        for (line, want) in inputs.iter().zip(&lines) {
            match engine.judge_str(line, opts) {
                Ok(v) => {
                    assert_eq!(&serde_json::to_string(&v).unwrap(), want, "record {line}");
                    // And back: the interchange format reads into the same verdict.
                    let back: edict::Verdict = serde_json::from_str(want).unwrap();
                    assert_eq!(back, v);
                    judged += 1;
                }
                Err(e) => assert!(want.contains("\"error\""), "{e}: {want}"),
            }
        }
        assert!(judged > 2900, "only {judged} records judged");
    }
}

#[test]
fn one_engine_serves_many_threads() {
    let engine = policies().engine().unwrap();
    let input = records();
    let opts = JudgeOptions::at(Instant::parse("2024-03-01T00:00:00+08:00").unwrap());
    let want = stream(&engine, &input, opts);
    std::thread::scope(|s| {
        for _ in 0..4 {
            let engine = engine.clone();
            let (input, want) = (&input, &want);
            s.spawn(move || assert_eq!(&stream(&engine, input, opts), want));
        }
    });
}

#[test]
fn load_errors_are_located_and_matchable() {
    let dir = tempdir();
    std::fs::write(
        dir.join("a.edict"),
        "fact order {\n  id: string\n}\nannouncement a \"A\" {}\nvalue x: int = order.nope\n",
    )
    .unwrap();
    let err = Policies::load(&dir).unwrap_err();
    let edict::LoadError::Invalid(ds) = &err else {
        panic!("expected diagnostics, got {err:?}");
    };
    assert_eq!(ds.len(), 1, "{ds:?}");
    assert_eq!(ds[0].line, Some(5));
    assert!(ds[0].file.ends_with("a.edict"));
    assert!(ds[0].message.contains("nope"), "{}", ds[0].message);

    let empty = tempdir().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert!(matches!(
        Policies::load(&empty),
        Err(edict::LoadError::NoPolicies(_))
    ));
    assert!(matches!(
        Policies::load(dir.join("missing")),
        Err(edict::LoadError::Io { .. })
    ));
    std::fs::write(dir.join("set.ir"), "{\"not\": \"ir\"}").unwrap();
    assert!(matches!(
        Policies::load(dir.join("set.ir")),
        Err(edict::LoadError::Ir { .. })
    ));
}

#[test]
fn an_ir_file_loads_the_same_set() {
    let p = policies();
    let dir = tempdir();
    std::fs::write(dir.join("set.ir"), p.program().to_json()).unwrap();
    let q = Policies::load(dir.join("set.ir")).unwrap();
    assert_eq!(p.hash(), q.hash());
    assert_eq!(p.checks().count(), q.checks().count());
    assert!(p.checks().any(|c| c == "late_shipment"));
}

fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "edict-facade-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
