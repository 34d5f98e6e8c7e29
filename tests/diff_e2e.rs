//! End-to-end tests of `edict diff`: policy folders, IR files from `edict compile -o`, and
//! `--facts` records; `--exit-code` (1 when anything differs, 0 when not) and
//! `--format json` (valid JSON) in each mode.

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

fn show(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("edict-diff-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

/// A copy of the shipped policy files (not their tests) with the baseline collection rule
/// changed from 24h to 36h.
fn changed_policies(dir: &Path) -> PathBuf {
    let out = dir.join("changed");
    std::fs::create_dir_all(&out).expect("dir");
    let mut changed = false;
    for e in std::fs::read_dir(root().join("policies"))
        .expect("policies")
        .flatten()
    {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "edict") {
            let mut t = std::fs::read_to_string(&p).expect("read");
            if p.file_name().is_some_and(|n| n == "baseline.edict") {
                let before = t.clone();
                t = t.replacen("= order.shipped_at + 24h", "= order.shipped_at + 36h", 1);
                changed = t != before;
            }
            std::fs::write(out.join(p.file_name().expect("name")), t).expect("write");
        }
    }
    assert!(changed, "the baseline collection rule was not found");
    out
}

fn compile(policies: &str, to: &Path) {
    let out = edict(&["compile", policies, "-o", s(to)]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", show(out)))
}

/// One ordinary order of 2024, shipped and collected: the collection deadline applies.
const ORDER: &str = r#"{"kind": "order", "id": "R1", "merchant_kind": "shop", "mode": "spot", "paid_at": "2024-01-06T10:12:33+08:00", "shipped_at": "2024-01-07T16:40:00+08:00", "collected_at": "2024-01-07T19:05:12+08:00", "first_transit_at": "2024-01-08T02:31:00+08:00", "signed_at": "2024-01-09T14:20:00+08:00", "sender_region": "330782", "receiver_region": "北京市朝阳区", "order_paid": "89.90", "goods_paid": "79.90", "tags": [], "reports": [], "remote_area_service": false}"#;

/// Collected 30 hours after shipping: late under 24h, on time under 36h.
const LATE_ORDER: &str = r#"{"kind": "order", "id": "R2", "merchant_kind": "shop", "mode": "spot", "paid_at": "2024-03-04T10:00:00+08:00", "shipped_at": "2024-03-04T12:00:00+08:00", "collected_at": "2024-03-05T18:00:00+08:00", "sender_region": "330782", "receiver_region": "330782", "order_paid": "50", "goods_paid": "45", "tags": [], "reports": [], "remote_area_service": false}"#;

#[test]
fn a_folder_with_itself_has_no_difference() {
    let out = edict(&["diff", "policies", "policies"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(
        text(&out.stdout),
        "no differences: the two versions decide every record alike\n",
        "{}",
        show(&out)
    );
    let out = edict(&["diff", "--exit-code", "policies", "policies"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(
        text(&out.stdout).contains("no differences"),
        "{}",
        show(&out)
    );
    let out = edict(&[
        "diff",
        "--exit-code",
        "--format",
        "json",
        "policies",
        "policies",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let v = json(&out);
    for key in ["values", "rules", "checks", "schema"] {
        assert_eq!(v[key], serde_json::json!([]), "{key}: {}", show(&out));
    }
}

#[test]
fn folders_that_differ() {
    let dir = tempdir("folders");
    let new = changed_policies(&dir);
    let out = edict(&["diff", "policies", s(&new)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "without --exit-code: {}",
        show(&out)
    );
    let human = text(&out.stdout);
    assert!(
        human.contains(
            "rule baseline.collect_v24 changed: order.shipped_at + 24h → order.shipped_at + 36h"
        ),
        "{human}"
    );
    assert!(!human.contains("no differences"), "{human}");
    let out = edict(&["diff", "--exit-code", "policies", s(&new)]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let out = edict(&[
        "diff",
        "--exit-code",
        "--format",
        "json",
        "policies",
        s(&new),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let v = json(&out);
    let values = v["values"].as_array().expect("values");
    let deadline = values
        .iter()
        .find(|x| x["value"] == "baseline.late_collection.deadline")
        .unwrap_or_else(|| panic!("{}", show(&out)));
    // Every region's witnesses were evaluated and show the difference.
    let regions = deadline["regions"].as_array().expect("regions");
    assert!(!regions.is_empty());
    for r in regions {
        let ws = r["witnesses"].as_array().expect("witnesses");
        assert!(!ws.is_empty(), "{r}");
        assert!(ws.iter().all(|w| w["verified"] == true), "{r}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ir_files_from_compile() {
    let dir = tempdir("ir");
    let new = changed_policies(&dir);
    let (old_ir, new_ir) = (dir.join("old.ir"), dir.join("new.ir"));
    compile("policies", &old_ir);
    compile(s(&new), &new_ir);

    let out = edict(&["diff", "--exit-code", s(&old_ir), s(&old_ir)]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(
        text(&out.stdout).starts_with("no differences"),
        "{}",
        show(&out)
    );
    // An IR file and the sources it was compiled from: the same.
    let out = edict(&["diff", "--exit-code", s(&old_ir), "policies"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    let out = edict(&["diff", "--exit-code", s(&old_ir), s(&new_ir)]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let human = text(&out.stdout);
    assert!(
        human.contains("rule baseline.collect_v24 changed"),
        "{human}"
    );
    assert!(
        human.contains("late_collection deadline: differs where"),
        "{human}"
    );
    // The same report from IR files as from the sources.
    let from_sources = edict(&["diff", "policies", s(&new)]);
    assert_eq!(human, text(&from_sources.stdout));

    let out = edict(&[
        "diff",
        "--exit-code",
        "--format",
        "json",
        s(&old_ir),
        s(&new_ir),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let v = json(&out);
    assert!(!v["values"].as_array().expect("values").is_empty());
    assert!(v["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .any(|c| c["rule"] == "baseline.collect_v24" && c["change"] == "changed"));

    // A damaged IR file is an error (2), not a difference.
    let bad = dir.join("bad.ir");
    std::fs::write(&bad, "{\"version\": 1, \"oops\"").expect("write");
    let out = edict(&["diff", "--exit-code", s(&bad), s(&new_ir)]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(!text(&out.stderr).contains("panicked"), "{}", show(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn facts_judged_by_both_versions() {
    let dir = tempdir("facts");
    let new = changed_policies(&dir);
    let facts = dir.join("orders.ndjson");
    std::fs::write(&facts, format!("{ORDER}\n\n{LATE_ORDER}\n")).expect("write");

    // Same rules: nothing changes.
    let out = edict(&[
        "diff",
        "--exit-code",
        "--facts",
        s(&facts),
        "policies",
        "policies",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(
        text(&out.stdout),
        "no differences: the two versions judge all 2 records alike\n",
        "{}",
        show(&out)
    );
    let out = edict(&[
        "diff",
        "--exit-code",
        "--format",
        "json",
        "--facts",
        s(&facts),
        "policies",
        "policies",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let v = json(&out);
    assert_eq!(v["records"], 2);
    assert_eq!(v["changed"], serde_json::json!([]));

    // Changed rules: both records' collection deadlines move; the late one is no longer
    // violated.
    let out = edict(&["diff", "--facts", s(&facts), "policies", s(&new)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "without --exit-code: {}",
        show(&out)
    );
    let human = text(&out.stdout);
    assert!(human.contains("line 1 (id \"R1\"):"), "{human}");
    assert!(human.contains("line 3 (id \"R2\"):"), "{human}");
    assert!(
        human.contains("late_collection: 2 records change"),
        "{human}"
    );
    assert!(
        text(&out.stderr).contains("2 records, 2 change"),
        "{}",
        show(&out)
    );

    let out = edict(&[
        "diff",
        "--exit-code",
        "--facts",
        s(&facts),
        "policies",
        s(&new),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));

    let out = edict(&[
        "diff",
        "--exit-code",
        "--format",
        "json",
        "--facts",
        s(&facts),
        "policies",
        s(&new),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let v = json(&out);
    assert_eq!(v["records"], 2);
    assert_eq!(v["per_check"]["late_collection"], 2);
    let changed = v["changed"].as_array().expect("changed");
    let late = changed
        .iter()
        .find(|c| c["id"] == "R2")
        .unwrap_or_else(|| panic!("{}", show(&out)));
    let status = |side: &str| {
        late[side]
            .as_array()
            .and_then(|xs| xs.iter().find(|o| o["check"] == "late_collection"))
            .map(|o| o["status"].clone())
    };
    assert_eq!(
        status("before"),
        Some(serde_json::json!("violated")),
        "{late}"
    );
    assert_eq!(status("after"), Some(serde_json::json!("ok")), "{late}");

    // IR files and --facts together.
    let (old_ir, new_ir) = (dir.join("old.ir"), dir.join("new.ir"));
    compile("policies", &old_ir);
    compile(s(&new), &new_ir);
    let out = edict(&[
        "diff",
        "--exit-code",
        "--facts",
        s(&facts),
        s(&old_ir),
        s(&new_ir),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(text(&out.stdout), human);

    // A record that cannot be judged is an error (2), named by its line.
    let broken = dir.join("broken.ndjson");
    std::fs::write(&broken, format!("{ORDER}\n{{not json\n")).expect("write");
    let out = edict(&[
        "diff",
        "--exit-code",
        "--facts",
        s(&broken),
        "policies",
        s(&new),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(text(&out.stderr).contains("line 2"), "{}", show(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn markdown_review_comment() {
    let dir = tempdir("markdown");
    let new = changed_policies(&dir);
    let facts = dir.join("orders.ndjson");
    std::fs::write(&facts, format!("{ORDER}\n{LATE_ORDER}\n")).expect("write");
    let out = edict(&["diff", "--format", "markdown", "policies", s(&new)]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let md = text(&out.stdout);
    assert!(md.starts_with("## Edict diff\n"), "{md}");
    assert!(md.contains("| `late_collection` |"), "{md}");
    assert!(md.contains("### `late_collection deadline`"), "{md}");
    assert!(md.contains("  - witness `{"), "{md}");
    // With records: the table counts them (both records' collection deadlines move, the
    // late one is no longer violated).
    let out = edict(&[
        "diff",
        "--format",
        "markdown",
        "--facts",
        s(&facts),
        "policies",
        s(&new),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let md = text(&out.stdout);
    let row = md
        .lines()
        .find(|l| l.starts_with("| `late_collection` |"))
        .unwrap_or_else(|| panic!("{md}"));
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    assert_eq!(cells[4], "2", "{md}");
    assert_eq!(cells[5], "0", "{md}");
    assert_eq!(cells[6], "1", "{md}");
    assert!(md.contains("2 records compared, 2 change"), "{md}");
    // Same rules: no differences.
    let out = edict(&["diff", "--format", "markdown", "policies", "policies"]);
    assert!(
        text(&out.stdout).contains("No differences"),
        "{}",
        show(&out)
    );
}

#[test]
fn a_folder_against_its_state_at_a_git_revision() {
    // A repository holding a copy of the policies, committed, then the collection rule
    // changed in the work tree.
    let dir = tempdir("git");
    let repo = dir.join("repo");
    let _ = std::fs::remove_dir_all(&repo);
    let folder = repo.join("rules");
    std::fs::create_dir_all(&folder).expect("dir");
    for e in std::fs::read_dir(root().join("policies"))
        .expect("policies")
        .flatten()
    {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "edict") {
            std::fs::copy(&p, folder.join(p.file_name().expect("name"))).expect("copy");
        }
    }
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(&repo)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {}", show(&out));
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "policies"]);
    let out = edict(&["diff", "--git", "HEAD", s(&folder)]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(
        text(&out.stdout).starts_with("no differences"),
        "{}",
        show(&out)
    );

    let base = folder.join("baseline.edict");
    let t = std::fs::read_to_string(&base).expect("read");
    std::fs::write(
        &base,
        t.replacen("= order.shipped_at + 24h", "= order.shipped_at + 36h", 1),
    )
    .expect("write");
    for args in [
        vec!["diff", "--exit-code", "--git", "HEAD", s(&folder)],
        vec!["diff", "--exit-code", "--git", "HEAD:rules", s(&folder)],
        vec!["diff", "--exit-code", "git:HEAD", s(&folder)],
    ] {
        let out = edict(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", show(&out));
        assert!(
            text(&out.stdout).contains("rule baseline.collect_v24 changed"),
            "{args:?}: {}",
            show(&out)
        );
    }
    // An unknown revision is an error.
    let out = edict(&["diff", "--git", "no-such-rev", s(&folder)]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
}
