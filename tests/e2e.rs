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
