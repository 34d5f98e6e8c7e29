//! Every fast path of the evaluator against the reference walk, on policy sets of random
//! shapes (`datagen::shapes`: windows, region and enum sets, thresholds, booleans,
//! optionals, memoized flags, status reads, exceptions up to four deep, priorities) and on
//! the shipped policies: the verdict bytes, with and without explanations, are the same
//! with all fast paths on, with all off, with each one off and with each one alone on.

use std::path::Path;

use edict::{Engine, FastPath, Format, Instant, JudgeOptions, Policies, PrepareOptions};

fn records(seed: u64, n: u64) -> String {
    datagen::Generator::new(seed).ndjson(n, datagen::Kind::Order)
}

fn run(engine: &Engine, input: &str, as_of: &str, explain: bool) -> String {
    let opts = JudgeOptions {
        as_of: Instant::parse(as_of).unwrap(),
        explain,
    };
    let mut out = Vec::new();
    engine
        .judge_stream(input.as_bytes(), &mut out, opts, Format::Ndjson)
        .unwrap();
    String::from_utf8(out).unwrap()
}

fn variants() -> Vec<(String, PrepareOptions)> {
    let mut v = vec![
        ("all".to_string(), PrepareOptions::default()),
        ("none".to_string(), PrepareOptions::reference()),
    ];
    for f in FastPath::ALL {
        v.push((
            format!("-{}", f.name()),
            PrepareOptions::default().with(f, false),
        ));
        v.push((
            format!("only {}", f.name()),
            PrepareOptions::reference().with(f, true),
        ));
    }
    v
}

/// Compares every variant with the reference walk; returns how many findings differed from
/// `ok` (so that a test can require the records to exercise the rules).
fn compare(policies: &Policies, input: &str, what: &str) -> usize {
    let reference = Engine::with_options(policies, PrepareOptions::reference()).unwrap();
    let mut interesting = 0;
    for (as_of, explain) in [
        ("2024-03-01T00:00:00+08:00", false),
        ("2022-07-10T00:00:00+08:00", false),
        ("2024-03-01T00:00:00+08:00", true),
    ] {
        let want = run(&reference, input, as_of, explain);
        interesting +=
            want.matches("\"status\":\"").count() - want.matches("\"status\":\"ok\"").count();
        for (name, opts) in variants() {
            let engine = Engine::with_options(policies, opts).unwrap();
            let got = run(&engine, input, as_of, explain);
            if got != want {
                let (line, (a, b)) = got
                    .lines()
                    .zip(want.lines())
                    .enumerate()
                    .find(|(_, (a, b))| a != b)
                    .unwrap_or((0, ("", "")));
                let at = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
                let near = |s: &str| -> String {
                    let skip = s[..at.min(s.len())].chars().count().saturating_sub(300);
                    s.chars().skip(skip).take(600).collect()
                };
                panic!(
                    "{what}: fast paths `{name}` differ from the reference walk (as of {as_of}, \
                     explain {explain}) at record {line}, byte {at}:\n  fast: …{}…\n  walk: …{}…",
                    near(a),
                    near(b)
                );
            }
        }
    }
    interesting
}

#[test]
fn every_fast_path_agrees_with_the_reference_walk_on_random_shapes() {
    let input = records(7, 250);
    let mut interesting = 0;
    for seed in 0..8 {
        let files = datagen::shapes::random_set(seed, 12);
        let policies = match Policies::from_sources(files.clone()) {
            Ok(p) => p,
            Err(e) => {
                let text: Vec<String> = e.diagnostics().iter().map(ToString::to_string).collect();
                panic!("generated set {seed} does not check:\n{}", text.join("\n"));
            }
        };
        interesting += compare(&policies, &input, &format!("generated set {seed}"));
    }
    // The sets must decide things: violations, pendings, exemptions, conflicts, unknowns.
    assert!(
        interesting > 500,
        "only {interesting} findings other than ok"
    );
}

#[test]
fn every_fast_path_agrees_with_the_reference_walk_on_the_shipped_policies() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let policies = Policies::load(dir).unwrap();
    let mut input = records(11, 700);
    input.push_str(&datagen::Generator::new(12).ndjson(150, datagen::Kind::Aftersale));
    assert!(compare(&policies, &input, "shipped policies") > 500);
}

#[test]
fn switch_lists_read_back() {
    assert_eq!(PrepareOptions::parse("all"), Ok(PrepareOptions::default()));
    assert_eq!(
        PrepareOptions::parse("none"),
        Ok(PrepareOptions::reference())
    );
    let o = PrepareOptions::parse("-leads, -direct_bases").unwrap();
    assert!(!o.has(FastPath::Leads) && !o.has(FastPath::DirectBases));
    assert!(FastPath::ALL
        .iter()
        .filter(|f| !matches!(f, FastPath::Leads | FastPath::DirectBases))
        .all(|f| o.has(*f)));
    assert!(PrepareOptions::parse("leads").is_err());
    assert!(PrepareOptions::parse("-nope")
        .unwrap_err()
        .contains("window_index"));
    for f in FastPath::ALL {
        assert_eq!(FastPath::from_name(f.name()), Some(f));
    }
}
