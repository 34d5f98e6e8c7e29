//! End-to-end tests of the `edict` binary on the shipped policies.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn edict(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edict"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .expect("edict runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The engine is generic: no check id of DOMAIN.md appears in the engine's sources.
#[test]
fn crates_contain_no_domain_check_ids() {
    const CHECK_IDS: &[&str] = &[
        "late_shipment",
        "late_collection",
        "auto_close",
        "false_shipment_no_collection",
        "false_shipment_no_transit",
        "fake_tracking_no_collection",
        "fake_tracking_no_transit",
        "collected_before_paid",
        "refund_after_return",
        "exchange_after_return",
        "refund_unreceived_return",
        "consumer_return_window",
        "logistics_score",
    ];
    let mut offenders = Vec::new();
    let mut stack = vec![root().join("crates")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)
            .expect("readable")
            .filter_map(Result::ok)
        {
            let p = entry.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if p.is_dir() {
                // Engine sources only: tests may read the shipped policies by name.
                if !matches!(name, "tests" | "benches" | "target" | "snapshots" | "fuzz") {
                    stack.push(p);
                }
            } else if name.ends_with(".rs") {
                let src = std::fs::read_to_string(&p).unwrap_or_default();
                for id in CHECK_IDS {
                    if src.contains(id) {
                        offenders.push(format!("{}: {id}", p.display()));
                    }
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "domain words in the engine: {offenders:#?}"
    );
}

/// "The engine knows types, not shipping": no rule, value, check or announcement name of
/// the shipped policies (the ones with an `_` or a digit, which no English word has), and no
/// date they mention, appears in the sources of the engine and the library facade — not
/// in code, not in comments.
#[test]
fn engine_sources_name_no_shipped_rule_or_date() {
    let mut names = std::collections::BTreeSet::new();
    let mut dates = std::collections::BTreeSet::new();
    let policies: Vec<String> = std::fs::read_dir(root().join("policies"))
        .expect("policies/ is readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "edict"))
        .map(|p| std::fs::read_to_string(p).expect("readable"))
        .collect();
    assert!(policies.len() >= 8, "only {} policy files", policies.len());
    for text in &policies {
        let words: Vec<&str> = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .filter(|w| !w.is_empty())
            .collect();
        for pair in words.windows(2) {
            if matches!(pair[0], "value" | "check" | "as" | "announcement")
                && pair[1].len() >= 4
                && pair[1].starts_with(|c: char| c.is_ascii_lowercase())
                && (pair[1].contains('_') || pair[1].bytes().any(|b| b.is_ascii_digit()))
            {
                names.insert(pair[1].to_string());
            }
        }
        for w in &words {
            let b = w.as_bytes();
            if b.len() == 10 && b[4] == b'-' && b[7] == b'-' && w.starts_with("20") {
                dates.insert(w.to_string());
            }
        }
    }
    assert!(names.len() > 30 && dates.len() > 10, "{names:?} {dates:?}");
    let mut offenders = Vec::new();
    for krate in ["eval", "ir", "edict"] {
        let mut stack = vec![root().join("crates").join(krate).join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir)
                .expect("readable")
                .filter_map(Result::ok)
            {
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let src = std::fs::read_to_string(&p).unwrap_or_default();
                for (i, line) in src.lines().enumerate() {
                    let words =
                        line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'));
                    for w in words {
                        if names.contains(w) || dates.contains(w) {
                            offenders.push(format!("{}:{}: {w}", p.display(), i + 1));
                        }
                    }
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "shipped names in the engine: {offenders:#?}"
    );
}

#[test]
fn shipped_policies_check() {
    let out = edict(&["check", "policies"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn a_malformed_file_is_a_located_error_with_exit_2() {
    let dir = tempdir("malformed");
    std::fs::write(
        dir.join("a.edict"),
        "announcement a \"x\" {}\nvalue x: duration = 48h +\n",
    )
    .expect("write");
    let out = edict(&["check", dir.to_str().expect("utf8"), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let line = text(&out.stderr);
    let v: serde_json::Value =
        serde_json::from_str(line.lines().next().expect("a diagnostic")).expect("json");
    assert_eq!(v["code"], "E0001");
    assert_eq!(v["primary"]["line"], 3);
    assert!(!line.contains("panicked"));
}

#[test]
fn compile_writes_a_loadable_ir() {
    let dir = tempdir("compile");
    let ir = dir.join("set.ir");
    let out = edict(&["compile", "policies", "-o", ir.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let program =
        ir::Program::from_json(&std::fs::read_to_string(&ir).expect("written")).expect("loads");
    assert!(!program.checks.is_empty());
}

pub fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("edict-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn edict_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_edict"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("edict runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    child.wait_with_output().expect("finishes")
}

const AS_OF: &str = "2024-03-01T00:00:00+08:00";

#[test]
fn a_stream_with_broken_lines_judges_every_good_record() {
    let good = std::fs::read_to_string(root().join("examples/orders.ndjson")).expect("examples");
    let good: Vec<&str> = good.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(good.len() >= 3);
    let mut input = String::new();
    input.push_str(good[0]);
    input.push('\n');
    input.push_str("{\"id\":\"BROKEN-1\",\"paid_at\":\n"); // truncated JSON
    input.push_str(good[1]);
    input.push('\n');
    // A complete record with one bad value.
    let mut bad: serde_json::Value = serde_json::from_str(good[0]).expect("json");
    bad["id"] = "BROKEN-2".into();
    bad["paid_at"] = "not a time".into();
    input.push_str(&bad.to_string());
    input.push('\n');
    input.push_str(good[2]);
    input.push('\n');
    let out = edict_stdin(&["eval", "policies", "-", "--as-of", AS_OF], &input);
    assert_eq!(out.status.code(), Some(2), "errors happened: exit 2");
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 5, "one output line per input line");
    for (i, v) in lines.iter().enumerate() {
        match i {
            1 => {
                assert_eq!(v["line"], 2);
                assert!(v["error"].is_string());
            }
            3 => {
                assert_eq!(v["line"], 4);
                assert_eq!(v["id"], "BROKEN-2");
                assert!(v["error"].as_str().expect("message").contains("paid_at"));
            }
            _ => assert!(v["findings"].is_array(), "line {}: {v}", i + 1),
        }
    }
}

#[test]
fn renaming_and_reordering_policy_files_changes_no_output_byte() {
    let dir = tempdir("renamed");
    let mut names: Vec<PathBuf> = std::fs::read_dir(root().join("policies"))
        .expect("policies")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "edict"))
        .collect();
    names.sort();
    // Reverse order, new names: file order and names both change.
    for (i, p) in names.iter().rev().enumerate() {
        std::fs::copy(p, dir.join(format!("{i:02}_renamed.edict"))).expect("copy");
    }
    let a = edict(&[
        "eval",
        "policies",
        "examples/orders.ndjson",
        "--as-of",
        AS_OF,
    ]);
    let b = edict(&[
        "eval",
        dir.to_str().expect("utf8"),
        "examples/orders.ndjson",
        "--as-of",
        AS_OF,
    ]);
    assert_eq!(a.status.code(), Some(0), "{}", text(&a.stderr));
    assert!(!a.stdout.is_empty());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn evaluation_is_deterministic_and_ir_files_give_the_same_verdicts() {
    let dir = tempdir("ir");
    let ir = dir.join("set.ir");
    assert_eq!(
        edict(&["compile", "policies", "-o", ir.to_str().expect("utf8")])
            .status
            .code(),
        Some(0)
    );
    let a = edict(&[
        "eval",
        "policies",
        "examples/orders.ndjson",
        "--as-of",
        AS_OF,
        "--explain",
    ]);
    let b = edict(&[
        "eval",
        "policies",
        "examples/orders.ndjson",
        "--as-of",
        AS_OF,
        "--explain",
    ]);
    let c = edict(&[
        "eval",
        ir.to_str().expect("utf8"),
        "examples/orders.ndjson",
        "--as-of",
        AS_OF,
        "--explain",
    ]);
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(a.stdout, c.stdout);
}

#[test]
fn explain_names_the_deciding_rules_and_the_ones_that_lost() {
    let out = edict(&[
        "explain",
        "policies",
        "examples/orders.ndjson",
        "--id",
        "DY240108002",
        "--as-of",
        AS_OF,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(t.contains("late_shipment: violated"), "{t}");
    assert!(t.contains("not applicable"), "{t}");
    assert!(t.contains("policies/"), "rules are located: {t}");
}

#[test]
fn policy_tests_pass_and_end_with_the_count_line() {
    let out = edict(&["test", "policies"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let t = text(&out.stdout);
    let last = t.lines().last().expect("output");
    assert!(last.ends_with(" passed, 0 failed"), "{last}");
    let passed: usize = last
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("count");
    assert!(passed >= 80);
}

/// `excluded` takes records out of a check from another announcement: no finding at all,
/// where an exemption would keep one.
#[test]
fn an_excluded_case_gets_no_finding() {
    let files = vec![
        (
            "schema.edict".to_string(),
            "fact order { id: string  paid_at: instant  shipped_at: instant?  remote: bool }".to_string(),
        ),
        (
            "base.edict".to_string(),
            "announcement base \"b\" {}\ncheck ship { event order.shipped_at deadline = order.paid_at + 48h }".to_string(),
        ),
        (
            "later.edict".to_string(),
            "announcement later \"l\" {}\nexception base.ship.excluded as remote cites \"3.2\" { when order.remote then true }".to_string(),
        ),
    ];
    let program = check::check(&files).program.expect("checks");
    let ev = eval::Evaluator::new(&program).expect("prepares");
    let mut scratch = ev.scratch();
    let as_of = eval::parse_instant("2024-03-01T00:00:00+08:00").expect("instant");
    let judge = |remote: bool, scratch: &mut eval::Scratch| {
        let rec = ev
            .decode(&serde_json::json!({"id": "A", "paid_at": "2024-02-01T00:00:00+08:00", "remote": remote}))
            .expect("decodes");
        ev.evaluate(scratch, &rec, as_of).findings.len()
    };
    assert_eq!(
        judge(false, &mut scratch),
        1,
        "a late unshipped order has a finding"
    );
    assert_eq!(judge(true, &mut scratch), 0, "an excluded order has none");
}

/// `edict lint | head -1` and the like: output larger than a pipe's buffer ends quietly
/// when the reader goes away.
#[test]
fn commands_end_quietly_when_the_reader_goes_away() {
    use std::io::{BufRead, BufReader};
    let dir = tempdir("closed-pipe");
    std::fs::copy(
        root().join("policies/schema.edict"),
        dir.join("schema.edict"),
    )
    .expect("copy");
    for i in 0..400 {
        // Each file yields findings (an unused value without a citation).
        std::fs::write(
            dir.join(format!("a{i:03}.edict")),
            format!("announcement a{i} \"t\" {{}}\nvalue v{i}: int = {i}\n"),
        )
        .expect("write");
    }
    let d = dir.to_str().expect("utf8");
    for args in [
        &["lint", d][..],
        &["lint", d, "--format", "json"][..],
        &["lint", d, "--format", "sarif"][..],
    ] {
        let full = edict(args);
        assert!(
            full.stdout.len() > 128 * 1024,
            "{args:?}: the output must outgrow the pipe buffer ({} bytes)",
            full.stdout.len()
        );
        let mut child = Command::new(env!("CARGO_BIN_EXE_edict"))
            .args(args)
            .current_dir(root())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("edict runs");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("a line");
        // The reader is dropped here: the rest of the output meets a closed pipe.
        let out = child.wait_with_output().expect("finishes");
        let err = text(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(out.status.code().is_some(), "{args:?} ended by a signal");
    }
}

/// `EDICT_FAST_PATHS` switches the evaluator's fast paths from the command line: the
/// verdicts (with explanations) are the same bytes whatever it says, and a bad value is a
/// usage error naming the fast paths there are.
#[test]
fn fast_paths_switch_from_the_environment_without_changing_a_byte() {
    let run = |value: &str| {
        Command::new(env!("CARGO_BIN_EXE_edict"))
            .args([
                "eval",
                "policies",
                "examples/orders.ndjson",
                "--as-of",
                "2024-03-01T00:00:00+08:00",
                "--explain",
            ])
            .env("EDICT_FAST_PATHS", value)
            .current_dir(root())
            .stdin(Stdio::null())
            .output()
            .expect("edict runs")
    };
    let all = run("all");
    assert_eq!(all.status.code(), Some(0), "{}", text(&all.stderr));
    assert!(text(&all.stdout).lines().count() >= 10);
    for value in ["none", "-leads,-shapes", "-window_index"] {
        let other = run(value);
        assert_eq!(other.status.code(), all.status.code(), "{value}");
        assert_eq!(text(&other.stdout), text(&all.stdout), "{value}");
    }
    let bad = run("-nope");
    assert_eq!(bad.status.code(), Some(2));
    assert!(bad.stdout.is_empty());
    assert!(text(&bad.stderr).contains("no fast path `nope`; there are window_index"));
}
