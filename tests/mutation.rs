//! Policy tests pin every number: changing any duration, instant, date, percentage, amount
//! or count in a rule of `policies/` makes at least one policy test fail (or the policies
//! stop checking). Literals in comments, strings and announcement headers are not rules.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Byte ranges of the numeric literals in rule code, with their mutated text.
fn literals(src: &str) -> Vec<(usize, usize, String)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut depth_in_announcement: Option<usize> = None;
    let mut depth = 0usize;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            continue;
        }
        if src[i..].starts_with("announcement") && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            depth_in_announcement = Some(depth);
        }
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth_in_announcement == Some(depth) {
                    depth_in_announcement = None;
                }
            }
            _ => {}
        }
        let word_start = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if c.is_ascii_digit() && word_start && depth_in_announcement.is_none() {
            let start = i;
            let rest = &src[i..];
            // instant or date
            if rest.len() >= 10 && rest.as_bytes()[4] == b'-' && rest.as_bytes()[7] == b'-' {
                let date = &rest[..10];
                let is_instant =
                    rest.len() >= 19 && rest.as_bytes()[10] == b' ' && rest.as_bytes()[13] == b':';
                if is_instant {
                    // +1 second (seconds field; 59 → 58 to stay valid)
                    let sec: u32 = rest[17..19].parse().unwrap_or(0);
                    let new = if sec == 59 { 58 } else { sec + 1 };
                    out.push((start + 17, start + 19, format!("{new:02}")));
                    i += 19;
                } else {
                    let day: u32 = date[8..10].parse().unwrap_or(1);
                    let new = if day >= 28 { day - 1 } else { day + 1 };
                    out.push((start + 8, start + 10, format!("{new:02}")));
                    i += 10;
                }
                continue;
            }
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
                j += 1;
            }
            let num = &src[i..j];
            if let Ok(n) = num.parse::<u64>() {
                out.push((i, j, (n + 1).to_string()));
            } else {
                out.push((i, j, format!("{num}1")));
            }
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

#[test]
fn every_rule_number_is_pinned_by_a_policy_test() {
    let dir = root().join("policies");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("policies/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "edict"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).expect("text"),
            )
        })
        .collect();
    files.sort();
    let tests = [dir.clone()];
    let baseline = check::check(&files).program.expect("policies check");
    let ev = eval::Evaluator::new(&baseline).expect("prepares");
    let report = eval::testing::run_tests(&ev, &tests);
    assert_eq!(
        report.failed(),
        0,
        "the policy tests must pass before mutating"
    );
    let mut survivors = Vec::new();
    let mut tried = 0;
    for f in 0..files.len() {
        for (s, e, new) in literals(&files[f].1) {
            let mut mutated = files.clone();
            let line = files[f].1[..s].matches('\n').count() + 1;
            let old = files[f].1[s..e].to_string();
            mutated[f].1.replace_range(s..e, &new);
            tried += 1;
            let Some(program) = check::check(&mutated).program else {
                continue;
            };
            let Ok(ev) = eval::Evaluator::new(&program) else {
                continue;
            };
            if eval::testing::run_tests(&ev, &tests).failed() == 0 {
                survivors.push(format!("{}:{line}: {old} → {new}", files[f].0));
            }
        }
    }
    assert!(tried > 50, "found only {tried} literals");
    assert!(
        survivors.is_empty(),
        "{} of {tried} mutations survive the policy tests:\n{}",
        survivors.len(),
        survivors.join("\n")
    );
}
