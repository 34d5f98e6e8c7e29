//! The generator is reproducible, and what it generates is valid for the shipped policies
//! and exercises every check of them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use datagen::{Generator, Kind};

/// FNV-1a, 64 bits: a digest that does not depend on any crate.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn same_seed_same_bytes() {
    for kind in [Kind::Order, Kind::Aftersale, Kind::Mixed] {
        let a = Generator::new(42).ndjson(500, kind);
        let b = Generator::new(42).ndjson(500, kind);
        assert_eq!(a, b);
        assert_ne!(a, Generator::new(43).ndjson(500, kind));
    }
}

#[test]
fn a_shorter_run_is_a_prefix() {
    let long = Generator::new(7).ndjson(300, Kind::Mixed);
    let short = Generator::new(7).ndjson(100, Kind::Mixed);
    assert!(long.starts_with(&short));
}

/// Pins the bytes of seed 42: a change here changes every figure measured on generated
/// data. Update the digest only on purpose, and say so in the commit.
#[test]
fn seed_42_is_pinned() {
    let text = Generator::new(42).ndjson(1000, Kind::Mixed);
    assert_eq!(
        format!("{:016x}", fnv(text.as_bytes())),
        "a9a30334a3a6c53a",
        "the generator's output changed"
    );
}

#[test]
fn binary_writes_the_library_output() {
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_edict-datagen"))
            .args(["--seed", "42", "--count", "200", "--kind", "mixed"])
            .output()
            .expect("edict-datagen runs")
    };
    let (a, b) = (run(), run());
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(
        String::from_utf8(a.stdout).expect("utf-8"),
        Generator::new(42).ndjson(200, Kind::Mixed)
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_edict-datagen"))
        .args(["--count", "many"])
        .output()
        .expect("edict-datagen runs");
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn kinds_are_respected() {
    let orders = Generator::new(1).ndjson(200, Kind::Order);
    assert!(orders.lines().all(|l| l.starts_with(r#"{"kind": "order""#)));
    let after = Generator::new(1).ndjson(200, Kind::Aftersale);
    assert!(after
        .lines()
        .all(|l| l.starts_with(r#"{"kind": "aftersale""#)));
    let mixed = Generator::new(1).ndjson(1000, Kind::Mixed);
    let n = mixed
        .lines()
        .filter(|l| l.contains(r#""aftersale""#))
        .count();
    assert!((100..=300).contains(&n), "{n} after-sale records of 1000");
}

#[test]
fn every_place_resolves_in_every_form() {
    let g = regions::gazetteer();
    for p in datagen::places::all() {
        let code: u32 = p.code.parse().expect("a code");
        for text in [p.code, p.full, p.path] {
            assert_eq!(g.resolve_record(text).ok(), Some(code), "{text}");
        }
    }
}

fn shipped_program() -> ir::Program {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("policies/ is readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "edict"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable policy");
            (p.display().to_string(), text)
        })
        .collect();
    files.sort();
    check::check(&files)
        .program
        .expect("the shipped policies compile")
}

#[test]
fn two_thousand_records_judged_without_errors_and_every_check_varies() {
    let program = shipped_program();
    let ev = eval::Evaluator::new(&program).expect("prepares");
    let input = Generator::new(42).ndjson(2000, Kind::Mixed);
    let opts = eval::RunOptions {
        as_of: eval::parse_instant(datagen::DEFAULT_AS_OF).expect("instant"),
        explain: false,
        format: eval::Format::Ndjson,
    };
    let mut out = Vec::new();
    let summary = eval::run(&ev, input.as_bytes(), &mut out, &opts).expect("runs");
    assert_eq!(summary.records, 2000);
    assert_eq!(summary.errors, 0, "{}", String::from_utf8_lossy(&out));

    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8(out).expect("utf-8").lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("verdict JSON");
        assert!(v.get("error").is_none(), "{line}");
        for f in v["findings"].as_array().expect("findings") {
            seen.entry(f["check"].as_str().expect("check").to_string())
                .or_default()
                .insert(f["status"].as_str().expect("status").to_string());
        }
    }
    let mut all_statuses = BTreeSet::new();
    for c in &program.checks {
        let statuses = seen.get(&c.name).cloned().unwrap_or_default();
        assert!(
            statuses.len() >= 2,
            "check {} seen with statuses {statuses:?} only",
            c.name
        );
        all_statuses.extend(statuses);
    }
    for s in ["ok", "violated", "pending", "exempt", "unknown"] {
        assert!(all_statuses.contains(s), "no finding is {s}");
    }
}

#[test]
fn synthetic_sets_compile_and_their_records_decode() {
    for n in [0, 1, 10] {
        let files = datagen::synth::policy_set(n);
        let checked = check::check(&files);
        let program = checked.program.expect("synthetic set compiles");
        assert_eq!(program.announcements.len(), n + 1);
        let ev = eval::Evaluator::new(&program).expect("prepares");
        let input = datagen::synth::records(3, n, 200);
        let opts = eval::RunOptions {
            as_of: eval::parse_instant("2060-01-01T00:00:00+08:00").expect("instant"),
            explain: false,
            format: eval::Format::Ndjson,
        };
        let summary = eval::run(&ev, input.as_bytes(), std::io::sink(), &opts).expect("runs");
        assert_eq!((summary.records, summary.errors), (200, 0));
    }
}
