//! Robustness of the `edict` binary against broken input: policy files and folders written
//! by people, record streams and IR files exported by other systems. Nothing here may
//! panic, hang, overflow the stack or destroy data; every failure is a located error.
//!
//! One test per item of the robustness contract (DESIGN.md "Behaviour contracts"):
//! limits, record decoding edge cases, output (closed pipes, atomic writes, IR versions)
//! and hostile policy folders. The fuzz targets are in `fuzz/` (see its README); an input
//! they crash on becomes a test here or in a crate's `tests/regressions.rs`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_edict");
const AS_OF: &str = "2024-03-01T00:00:00+08:00";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("edict-robust-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `edict` with `stdin` fed from a thread (so large inputs cannot deadlock).
fn edict_with(args: &[&str], stdin: Option<Vec<u8>>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(root())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let feeder = stdin.map(|data| {
        let mut pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        })
    });
    let out = child.wait_with_output().unwrap();
    if let Some(f) = feeder {
        f.join().unwrap();
    }
    assert_quiet(&out);
    out
}

fn edict(args: &[&str]) -> Output {
    edict_with(args, None)
}

/// No panic message, no stack overflow, no signal: whatever happened, the binary said so.
fn assert_quiet(out: &Output) {
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "panic: {err}");
    assert!(!err.contains("overflow"), "overflow: {err}");
    assert!(
        out.status.code().is_some(),
        "killed by a signal: {:?}",
        out.status
    );
}

/// The shipped policies compiled once into an IR file.
fn shipped_ir() -> &'static str {
    static IR: OnceLock<String> = OnceLock::new();
    IR.get_or_init(|| {
        let dir = tempdir("shipped-ir");
        let ir = dir.join("set.ir");
        let out = edict(&["compile", "policies", "-o", ir.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        ir.to_str().unwrap().to_string()
    })
}

/// Judges a record stream given as bytes: the output lines as JSON, and the exit status.
fn judge(input: &[u8]) -> (Vec<Value>, Option<i32>) {
    let out = edict_with(
        &["eval", shipped_ir(), "-", "--as-of", AS_OF],
        Some(input.to_vec()),
    );
    let lines = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, out.status.code())
}

fn ndjson(records: &[Value]) -> Vec<u8> {
    records
        .iter()
        .map(|r| r.to_string() + "\n")
        .collect::<String>()
        .into_bytes()
}

/// A valid order: paid, shipped, collected and in transit on time.
fn order(id: &str) -> Value {
    json!({
        "kind": "order", "id": id, "merchant_kind": "shop", "mode": "spot",
        "paid_at": "2024-01-06T10:12:33+08:00", "shipped_at": "2024-01-07T16:40:00+08:00",
        "collected_at": "2024-01-07T19:05:12+08:00", "first_transit_at": "2024-01-08T02:31:00+08:00",
        "signed_at": null, "sender_region": "330782", "receiver_region": "110105",
        "order_paid": "89.90", "goods_paid": "79.90", "tags": [], "reports": [],
        "remote_area_service": false
    })
}

fn with(mut record: Value, key: &str, value: Value) -> Value {
    record[key] = value;
    record
}

fn without(mut record: Value, key: &str) -> Value {
    record.as_object_mut().unwrap().remove(key);
    record
}

fn error_of(line: &Value) -> &str {
    line["error"]
        .as_str()
        .unwrap_or_else(|| panic!("not an error record: {line}"))
}

fn assert_verdict(line: &Value, id: &str) {
    assert!(line.get("error").is_none(), "an error record: {line}");
    assert_eq!(line["id"], id, "{line}");
    assert!(!line["findings"].as_array().unwrap().is_empty(), "{line}");
}

// ------------------------------------------------------------------------------ limits

fn check_file(dir_name: &str, source: &str) -> Output {
    let dir = tempdir(dir_name);
    std::fs::write(dir.join("deep.edict"), source).unwrap();
    edict(&["check", dir.to_str().unwrap(), "--format", "json"])
}

fn assert_limit_error(out: &Output, words: &str) {
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    let first: Value = serde_json::from_str(err.lines().next().unwrap()).unwrap();
    assert_eq!(first["code"], "E0003", "{err}");
    assert!(first["message"].as_str().unwrap().contains(words), "{err}");
    assert!(
        first["primary"]["line"].as_u64().is_some(),
        "located: {err}"
    );
}

#[test]
fn ten_thousand_nested_brackets_are_a_located_limit_error() {
    let n = 10_000;
    let cases = [
        (
            "parens",
            format!("value x = {}1{}", "(".repeat(n), ")".repeat(n)),
        ),
        (
            "squares",
            format!("value x = {}1{}", "[".repeat(n), "]".repeat(n)),
        ),
        (
            "braces",
            format!("value x = {}1{}", "{".repeat(n), "}".repeat(n)),
        ),
        (
            "calls",
            format!("value x = {}1{}", "max(".repeat(n), ", 1)".repeat(n)),
        ),
        (
            "types",
            format!(
                "fact order {{ n: {}int{} }}",
                "list<".repeat(n),
                ">".repeat(n)
            ),
        ),
        ("unclosed", format!("value x = {}", "(".repeat(n))),
    ];
    for (name, source) in cases {
        let out = check_file(name, &source);
        assert_limit_error(&out, "nest");
    }
}

#[test]
fn an_expression_deeper_than_the_limit_is_a_limit_error() {
    // 40 bracket levels of 20 operators each: within both per-level limits, 800 deep.
    let mut e = "1h".to_string();
    for _ in 0..40 {
        e = format!("({e}{})", " + 1h".repeat(20));
    }
    let out = check_file("expr-depth", &format!("value x: duration = {e}"));
    assert_limit_error(&out, "nests");
    // A chain longer than the operator limit.
    let out = check_file("chain", &format!("value x: int = 1{}", " + 1".repeat(300)));
    assert_limit_error(&out, "operators");
}

/// Regression: a valid policy with a long operator chain compiled to an IR that `edict
/// eval` refused ("recursion limit exceeded"): the loader now accepts any depth a
/// compiled program can have.
#[test]
fn the_deepest_expressions_allowed_compile_to_an_ir_that_loads() {
    let dir = tempdir("deep-ir");
    let chain = format!("1h{}", " + 1h".repeat(255));
    let mut nested = "x".to_string();
    for _ in 0..60 {
        nested = format!("({nested} + 1h + 1h + 1h)");
    }
    let types = format!("{}int{}", "list<".repeat(60), ">".repeat(60));
    std::fs::write(
        dir.join("deep.edict"),
        format!(
            "announcement a \"t\" {{ published 2024-01-01 00:00:00 }}\n\
             fact order {{ id: string, paid_at: instant, shipped_at: instant?, n: {types} }}\n\
             value x: duration = {chain}\n\
             value y: duration = {nested}\n\
             check c {{ after order.paid_at event order.shipped_at deadline = order.paid_at + y }}\n"
        ),
    )
    .unwrap();
    let ir = dir.join("deep.ir");
    let out = edict(&["compile", dir.to_str().unwrap(), "-o", ir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let record = br#"{"id":"d1","paid_at":"2024-01-01T00:00:00+08:00","n":[]}"#.to_vec();
    let out = edict_with(
        &["eval", ir.to_str().unwrap(), "-", "--as-of", AS_OF],
        Some(record),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // 256h + 180 × 1h = 436h = 18d 4h after payment.
    assert_eq!(
        v["findings"][0]["deadline"], "2024-01-19T04:00:00+08:00",
        "{v}"
    );
}

#[test]
fn an_ir_file_nested_beyond_the_limit_is_rejected() {
    let dir = tempdir("ir-deep");
    let path = dir.join("deep.ir");
    let n = 200_000;
    let body = format!(
        "{{\"format\":\"edict-ir\",\"version\":1,\"program\":{}1{}}}",
        "[".repeat(n),
        "]".repeat(n)
    );
    std::fs::write(&path, body).unwrap();
    let out = edict_with(&["eval", path.to_str().unwrap(), "-"], Some(Vec::new()));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("levels deep"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_policy_file_over_the_size_limit_is_a_located_error() {
    let dir = tempdir("big-policy");
    let big = format!("// {}\n", "x".repeat(syntax::MAX_FILE_BYTES));
    std::fs::write(dir.join("big.edict"), &big).unwrap();
    let out = edict(&["check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("big.edict") && err.contains("bytes"), "{err}");
    // Named directly, a device never ends: it is read up to the limit, not forever.
    let out = edict(&["check", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("/dev/zero"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_50_mb_record_is_an_error_record_and_the_stream_goes_on() {
    let mut input = ndjson(&[order("before")]);
    input.extend_from_slice(b"{\"id\":\"huge\",\"tags\":[\"");
    input.resize(input.len() + 50 * 1024 * 1024, b'x');
    input.extend_from_slice(b"\"]}\n");
    input.extend(ndjson(&[order("after")]));
    let (lines, code) = judge(&input);
    assert_eq!(lines.len(), 3);
    assert_verdict(&lines[0], "before");
    assert_eq!(lines[1]["line"], 2);
    assert!(error_of(&lines[1]).contains("longer than"), "{}", lines[1]);
    assert_verdict(&lines[2], "after");
    assert_eq!(code, Some(2), "errors happened");
}

#[test]
fn a_json_array_of_many_records_is_streamed_in_order() {
    // No limit on the number of elements: the array is read one element at a time (the
    // eval crate's tests/robust_stream.rs shows verdicts leave before the array ends).
    let n = 20_000;
    let mut input = b"[".to_vec();
    for i in 0..n {
        if i > 0 {
            input.push(b',');
        }
        input.extend(order(&format!("a{i}")).to_string().into_bytes());
    }
    input.push(b']');
    let (lines, code) = judge(&input);
    assert_eq!(code, Some(0));
    assert_eq!(lines.len(), n);
    assert_verdict(&lines[n - 1], &format!("a{}", n - 1));
}

// ------------------------------------------------------------------- record decoding

#[test]
fn invalid_utf8_is_an_error_record_for_that_line_only() {
    let mut input = ndjson(&[order("a")]);
    input.extend_from_slice(b"{\"id\":\"b\",\"tags\":[\"\xE6\x98\"]}\n");
    input.extend(ndjson(&[order("c")]));
    let (lines, code) = judge(&input);
    assert_verdict(&lines[0], "a");
    assert_eq!(lines[1]["line"], 2);
    assert!(
        error_of(&lines[1]).contains("invalid UTF-8"),
        "{}",
        lines[1]
    );
    assert_verdict(&lines[2], "c");
    assert_eq!(code, Some(2));
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let mut input = b"\xEF\xBB\xBF".to_vec();
    input.extend(ndjson(&[order("a"), order("b")]));
    let (lines, code) = judge(&input);
    assert_eq!(code, Some(0));
    assert_verdict(&lines[0], "a");
    assert_verdict(&lines[1], "b");
    // Also before a JSON array.
    let array = format!("\u{FEFF}[{}]", order("c"));
    let (lines, code) = judge(array.as_bytes());
    assert_eq!(code, Some(0));
    assert_verdict(&lines[0], "c");
}

#[test]
fn crlf_line_endings_judge_like_lf() {
    let lf = ndjson(&[order("a"), with(order("b"), "shipped_at", json!(null))]);
    let crlf = text(&lf).replace('\n', "\r\n").into_bytes();
    let (a, code_a) = judge(&lf);
    let (b, code_b) = judge(&crlf);
    assert_eq!((code_a, code_b), (Some(0), Some(0)));
    assert_eq!(a, b);
}

#[test]
fn blank_lines_are_skipped_and_lines_keep_their_numbers() {
    let input = format!(
        "\n{}\n\n  \t\n\r\n{{\"id\":\"x\",\n\n{}\n",
        order("a"),
        order("b")
    );
    let (lines, code) = judge(input.as_bytes());
    assert_eq!(lines.len(), 3);
    assert_verdict(&lines[0], "a");
    assert_eq!(
        lines[1]["line"], 6,
        "the broken record's own line: {}",
        lines[1]
    );
    assert!(error_of(&lines[1]).contains("invalid JSON"));
    assert_verdict(&lines[2], "b");
    assert_eq!(code, Some(2));
}

#[test]
fn duplicate_keys_keep_the_last_one() {
    // Documented acceptance (eval/src/decode.rs): like most JSON readers, the last wins.
    let base = order("dup").to_string();
    let first_bad = base.replacen('{', "{\"merchant_kind\":\"bogus\",", 1);
    let last_bad = base.replacen('}', ",\"merchant_kind\":\"bogus\"}", 1);
    let (lines, _) = judge(format!("{first_bad}\n{last_bad}\n").as_bytes());
    assert_verdict(&lines[0], "dup");
    assert!(
        error_of(&lines[1]).contains("merchant_kind"),
        "{}",
        lines[1]
    );
}

#[test]
fn numbers_where_strings_belong_and_the_reverse() {
    let records = [
        with(order("s1"), "paid_at", json!(1_704_507_153)),
        with(order("s2"), "tags", json!([1])),
        with(order("s3"), "merchant_kind", json!(0)),
        with(order("n1"), "remote_area_service", json!("false")),
        with(order("n2"), "promised_ship_days", json!("3")),
        // The schema declares `id: string`; the error record still carries the number.
        with(order("x"), "id", json!(42)),
        // Documented acceptances: money and region codes may be JSON numbers.
        with(order("m"), "order_paid", json!(89.9)),
        with(order("r"), "sender_region", json!(330782)),
    ];
    let (lines, code) = judge(&ndjson(&records));
    for (line, field) in lines.iter().zip([
        "paid_at",
        "tags[0]",
        "merchant_kind",
        "remote_area_service",
        "promised_ship_days",
    ]) {
        let e = error_of(line);
        assert!(
            e.contains(&format!("`{field}`")) && e.contains("expected"),
            "{e}"
        );
    }
    assert_eq!(lines[5]["id"], 42);
    assert_eq!(
        error_of(&lines[5]),
        "`id`: expected string, found number 42"
    );
    assert_verdict(&lines[6], "m");
    assert_verdict(&lines[7], "r");
    assert_eq!(code, Some(2));
}

#[test]
fn money_with_more_than_two_decimals_is_exact() {
    // Documented acceptance: money is an exact decimal of any scale, never rounded on input.
    let (lines, code) = judge(&ndjson(&[
        with(order("m3"), "order_paid", json!("89.905")),
        with(order("m8"), "goods_paid", json!("0.00000001")),
    ]));
    assert_eq!(code, Some(0));
    assert_verdict(&lines[0], "m3");
    assert_verdict(&lines[1], "m8");
}

#[test]
fn negative_money_is_an_error_record() {
    let (lines, code) = judge(&ndjson(&[
        with(order("neg"), "order_paid", json!("-0.01")),
        with(order("negnum"), "goods_paid", json!(-5)),
        with(order("zero"), "order_paid", json!("-0.00")),
    ]));
    assert!(error_of(&lines[0]).contains("cannot be negative"));
    assert_eq!(lines[0]["id"], "neg", "the id is kept on the error record");
    assert!(error_of(&lines[1]).contains("cannot be negative"));
    assert_verdict(&lines[2], "zero");
    assert_eq!(code, Some(2));
}

#[test]
fn z_colonless_and_missing_offsets_name_the_same_instants() {
    let forms = [
        ("rfc", "2024-01-06T10:12:33+08:00"),
        ("z", "2024-01-06T02:12:33Z"),
        ("colonless", "2024-01-06T10:12:33+0800"),
        ("none", "2024-01-06T10:12:33"),
        ("space", "2024-01-06 10:12:33"),
        ("other", "2024-01-05T21:12:33-05:00"),
    ];
    let records: Vec<Value> = forms
        .iter()
        .map(|(id, t)| with(order(id), "paid_at", json!(t)))
        .collect();
    let (lines, code) = judge(&ndjson(&records));
    assert_eq!(code, Some(0));
    for line in &lines[1..] {
        assert_eq!(line["findings"], lines[0]["findings"], "{}", line["id"]);
    }
}

#[test]
fn a_leap_second_is_an_error_record() {
    let (lines, code) = judge(&ndjson(&[with(
        order("leap"),
        "shipped_at",
        json!("2016-12-31T23:59:60+08:00"),
    )]));
    assert!(error_of(&lines[0]).contains("leap second"), "{}", lines[0]);
    assert_eq!(code, Some(2));
}

#[test]
fn year_10000_and_year_0_are_error_records() {
    let (lines, _) = judge(&ndjson(&[
        with(
            order("y10k"),
            "signed_at",
            json!("10000-01-01T00:00:00+08:00"),
        ),
        with(order("y0"), "paid_at", json!("0000-01-01T00:00:00Z")),
        with(
            order("y9999"),
            "signed_at",
            json!("9999-12-31T23:59:59+08:00"),
        ),
    ]));
    assert!(
        error_of(&lines[0]).contains("years 0001..9999"),
        "{}",
        lines[0]
    );
    assert!(
        error_of(&lines[1]).contains("years 0001..9999"),
        "{}",
        lines[1]
    );
    assert_verdict(&lines[2], "y9999");
}

#[test]
fn null_and_absent_are_the_same_for_every_field() {
    // Optional: none either way, same verdict.
    let (lines, code) = judge(&ndjson(&[
        with(order("o"), "collected_at", json!(null)),
        without(order("o"), "collected_at"),
    ]));
    assert_eq!(code, Some(0));
    assert_eq!(lines[0], lines[1]);
    // Required: an error either way, with the same message.
    let (lines, _) = judge(&ndjson(&[
        with(order("r"), "paid_at", json!(null)),
        without(order("r"), "paid_at"),
    ]));
    assert_eq!(error_of(&lines[0]), "missing required field `paid_at`");
    assert_eq!(error_of(&lines[1]), "missing required field `paid_at`");
    assert_eq!(
        (&lines[0]["id"], &lines[1]["id"]),
        (&json!("r"), &json!("r"))
    );
}

// ---------------------------------------------------------------------------- output

fn big_input(dir: &Path, n: usize) -> PathBuf {
    let path = dir.join("big.ndjson");
    let records: Vec<Value> = (0..n).map(|i| order(&format!("b{i}"))).collect();
    std::fs::write(&path, ndjson(&records)).unwrap();
    path
}

#[test]
fn eval_into_a_closed_pipe_ends_quietly() {
    let dir = tempdir("pipe");
    let input = big_input(&dir, 20_000);
    for format in ["ndjson", "json", "human"] {
        let mut child = Command::new(BIN)
            .args([
                "eval",
                shipped_ir(),
                input.to_str().unwrap(),
                "--as-of",
                AS_OF,
            ])
            .args(["--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut first).unwrap();
        drop(stdout); // `| head -1`
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(!first.is_empty());
        assert_eq!(err, "", "{format}: nothing on stderr");
        assert_eq!(status.code(), Some(0), "{format}");
    }
}

/// Runs `edict` under `sh` with a file-size limit of 512 bytes: writing more kills the
/// process mid-write (SIGXFSZ), like a crash; with the signal ignored the write fails
/// instead (EFBIG), like a full disk.
fn edict_with_tiny_disk(args: &[&str], ignore_signal: bool) -> Output {
    let trap = if ignore_signal { "trap '' XFSZ; " } else { "" };
    Command::new("sh")
        .arg("-c")
        .arg(format!("{trap}ulimit -f 1; exec \"$0\" \"$@\""))
        .arg(BIN)
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp"))
        .collect()
}

#[test]
fn compile_never_leaves_a_truncated_ir() {
    let dir = tempdir("atomic-compile");
    let ir = dir.join("set.ir");
    let ir_s = ir.to_str().unwrap();
    std::fs::write(&ir, "previous IR").unwrap();
    // Crash mid-write: the old file is untouched.
    let out = edict_with_tiny_disk(&["compile", "policies", "-o", ir_s], false);
    assert_eq!(
        out.status.code(),
        None,
        "killed by SIGXFSZ: {:?}",
        out.status
    );
    assert_eq!(std::fs::read_to_string(&ir).unwrap(), "previous IR");
    // Full disk: an error, the old file untouched, no temporary file left.
    let out = edict_with_tiny_disk(&["compile", "policies", "-o", ir_s], true);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot write"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&ir).unwrap(), "previous IR");
    assert_eq!(
        leftovers(&dir).len(),
        1,
        "only the crashed run's temporary file"
    );
    // Invalid policies: nothing is written.
    let bad = tempdir("atomic-compile-bad");
    std::fs::write(bad.join("a.edict"), "value = (").unwrap();
    let out = edict(&["compile", bad.to_str().unwrap(), "-o", ir_s]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&ir).unwrap(), "previous IR");
    // A normal run replaces it whole.
    let out = edict(&["compile", "policies", "-o", ir_s]);
    assert_eq!(out.status.code(), Some(0));
    assert!(ir::Program::from_json(&std::fs::read_to_string(&ir).unwrap()).is_ok());
}

#[test]
fn fmt_never_leaves_a_truncated_policy() {
    let dir = tempdir("atomic-fmt");
    let file = dir.join("a.edict");
    let messy = format!(
        "announcement   a \"t\"{{published 2024-01-01 00:00:00}}\n{}",
        (0..40)
            .map(|i| format!("value   v{i}:int=   {i}\n"))
            .collect::<String>()
    );
    std::fs::write(&file, &messy).unwrap();
    let out = edict_with_tiny_disk(&["fmt", file.to_str().unwrap()], false);
    assert_eq!(
        out.status.code(),
        None,
        "killed by SIGXFSZ: {:?}",
        out.status
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), messy);
    let out = edict_with_tiny_disk(&["fmt", file.to_str().unwrap()], true);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), messy);
    // Without limits it is formatted in place.
    let out = edict(&["fmt", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .starts_with("announcement a \"t\""));
}

/// `fmt` replaces the file a link names, not the link, and keeps the file's permissions.
#[cfg(unix)]
#[test]
fn fmt_keeps_links_and_permissions() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = tempdir("fmt-link");
    std::fs::create_dir(dir.join("shared")).unwrap();
    let real = dir.join("shared/a.edict");
    std::fs::write(&real, "value   x:int=1\n").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::create_dir(dir.join("policies")).unwrap();
    let link = dir.join("policies/a.edict");
    symlink("../shared/a.edict", &link).unwrap();
    let out = edict(&["fmt", link.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_to_string(&real).unwrap(),
        "value x: int = 1\n"
    );
    let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(leftovers(&dir.join("shared")).is_empty());
}

#[test]
fn an_ir_file_from_another_version_names_both_versions() {
    let dir = tempdir("ir-version");
    let ir = std::fs::read_to_string(shipped_ir()).unwrap();
    let version = format!("\"version\":{}", ir::FORMAT_VERSION);
    assert!(ir.contains(&version));
    let path = dir.join("old.ir");
    std::fs::write(&path, ir.replacen(&version, "\"version\":999", 1)).unwrap();
    let out = edict_with(&["eval", path.to_str().unwrap(), "-"], Some(Vec::new()));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("version 999") && err.contains(&format!("version {}", ir::FORMAT_VERSION)),
        "{err}"
    );
}

#[test]
fn a_corrupted_ir_file_is_an_error_not_a_crash() {
    let dir = tempdir("ir-corrupt");
    let ir = std::fs::read(shipped_ir()).unwrap();
    let mut damaged: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        ("binary".into(), vec![0xFF, 0x00, 0x13, 0x37]),
        ("not-ir".into(), b"{\"id\":1}".to_vec()),
        (
            "no-body".into(),
            format!(
                "{{\"format\":\"edict-ir\",\"version\":{}}}",
                ir::FORMAT_VERSION
            )
            .into_bytes(),
        ),
    ];
    for cut in [1, 10, ir.len() / 3, ir.len() / 2, ir.len() - 1] {
        damaged.push((format!("cut-{cut}"), ir[..cut].to_vec()));
    }
    // Ids pointing nowhere.
    let s = text(&ir);
    damaged.push((
        "value-id".into(),
        s.replacen("\"value\":", "\"value\":99999,\"x\":", 1)
            .into_bytes(),
    ));
    // Found by the ir_load fuzzer: a rule that is its own exception overflowed the stack.
    let mut cyclic: Value = serde_json::from_slice(&ir).unwrap();
    let rules = cyclic["program"]["rules"].as_array_mut().unwrap();
    for (i, rule) in rules.iter_mut().enumerate() {
        rule["children"] = json!([i]);
    }
    damaged.push(("self-exception".into(), cyclic.to_string().into_bytes()));
    // Found by the ir_load fuzzer: a nested exception listed as its value's base made
    // `overridden` loop from the exception to the bases and back.
    let mut base: Value = serde_json::from_slice(&ir).unwrap();
    let program = &mut base["program"];
    let rules = program["rules"].as_array().unwrap();
    let nested = rules
        .iter()
        .position(|r| r["parent"].get("Rule").is_some())
        .unwrap();
    let value = rules[nested]["value"].as_u64().unwrap() as usize;
    program["values"][value]["bases"] = json!([nested]);
    damaged.push(("exception-as-base".into(), base.to_string().into_bytes()));
    for (i, at) in [ir.len() / 5, ir.len() / 4, ir.len() / 2]
        .into_iter()
        .enumerate()
    {
        let mut flipped = ir.clone();
        flipped[at] ^= 0x55;
        damaged.push((format!("flip-{i}"), flipped));
    }
    for (name, bytes) in damaged {
        let path = dir.join(format!("{name}.ir"));
        std::fs::write(&path, &bytes).unwrap();
        let records = std::fs::read(root().join("examples/orders.ndjson")).unwrap();
        let out = edict_with(
            &[
                "eval",
                path.to_str().unwrap(),
                "-",
                "--as-of",
                AS_OF,
                "--explain",
            ],
            Some(records),
        );
        let err = text(&out.stderr);
        // A flipped byte inside a string may leave a valid program: then it judges.
        if out.status.code() != Some(0) {
            assert_eq!(out.status.code(), Some(2), "{name}: {err}");
            assert!(err.starts_with("error: "), "{name}: {err}");
        }
    }
}

#[test]
fn an_ir_file_beyond_the_size_limit_is_refused_without_reading_it() {
    let dir = tempdir("ir-huge");
    let path = dir.join("huge.ir");
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(b"{").unwrap();
    // Sparse: takes no disk, but reading it whole would take the memory.
    f.set_len(edict_cli::MAX_IR_BYTES + 1).unwrap();
    drop(f);
    let out = edict(&["eval", path.to_str().unwrap(), "-", "--as-of", AS_OF]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("larger than an IR file can be"), "{err}");
    // Whitespace-only files are empty, whatever their length.
    let blank = dir.join("blank.ir");
    std::fs::write(&blank, b" \n\t\n").unwrap();
    let out = edict(&["eval", blank.to_str().unwrap(), "-", "--as-of", AS_OF]);
    assert!(
        text(&out.stderr).contains("the file is empty"),
        "{}",
        text(&out.stderr)
    );
}

// -------------------------------------------------------------------- policy folders

fn shipped_copy(name: &str) -> PathBuf {
    let dir = tempdir(name);
    for entry in std::fs::read_dir(root().join("policies")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "edict") {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// Checks a folder with a time bound: a hang fails the test instead of blocking it.
fn check_within(dir: &Path, limit: Duration) -> Output {
    let start = Instant::now();
    let mut child = Command::new(BIN)
        .args(["check", dir.to_str().unwrap()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("edict check {} did not end within {limit:?}", dir.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut out = child.wait_with_output().unwrap();
    out.stderr = reader.join().unwrap();
    assert_quiet(&out);
    out
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_entered_once_and_self_links_are_located_errors() {
    use std::os::unix::fs::symlink;
    let dir = shipped_copy("symlinks");
    std::fs::create_dir(dir.join("sub")).unwrap();
    symlink("..", dir.join("sub/up")).unwrap();
    symlink(".", dir.join("here")).unwrap();
    symlink("loop.edict", dir.join("loop.edict")).unwrap();
    let out = check_within(&dir, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("loop.edict: cannot read"), "{err}");
    let errors = err.lines().filter(|l| l.starts_with("error")).count();
    assert_eq!(errors, 1, "the policies themselves are fine: {err}");
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_located_errors() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = shipped_copy("unreadable");
    symlink("nowhere/missing.edict", dir.join("dangling.edict")).unwrap();
    std::fs::write(dir.join("locked.edict"), "// secret").unwrap();
    std::fs::set_permissions(
        dir.join("locked.edict"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let out = check_within(&dir, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("dangling.edict: cannot read"), "{err}");
    // Root reads any file: the permission case is only observable for other users.
    let root_user = std::fs::read(dir.join("locked.edict")).is_ok();
    if !root_user {
        assert!(err.contains("locked.edict: cannot read"), "{err}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn non_utf8_names_and_contents_are_located_errors() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = shipped_copy("non-utf8");
    std::fs::write(dir.join(OsStr::from_bytes(b"bad\xFFname.edict")), "// x").unwrap();
    std::fs::write(dir.join("latin1.edict"), b"// caf\xE9\n").unwrap();
    let out = check_within(&dir, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("name.edict: file name is not UTF-8"), "{err}");
    assert!(
        err.contains("latin1.edict: not UTF-8 text (invalid byte at offset 6)"),
        "{err}"
    );
}

/// Regression: a FIFO named `*.edict` made `edict check` wait forever, and a link to
/// `/dev/zero` read until memory ran out.
#[cfg(unix)]
#[test]
fn pipes_and_devices_in_a_folder_are_skipped_not_read() {
    let dir = shipped_copy("fifo");
    let made = Command::new("mkfifo")
        .arg(dir.join("pipe.edict"))
        .status()
        .unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.edict")).unwrap();
    let out = check_within(&dir, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("pipe.edict: not a regular file"), "{err}");
    assert!(err.contains("zero.edict: not a regular file"), "{err}");
}

#[test]
fn folders_nested_too_deep_are_a_located_error() {
    let dir = shipped_copy("deep-folders");
    let mut deep = dir.clone();
    for i in 0..40 {
        deep = deep.join(format!("d{i}"));
    }
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("lost.edict"), "// too deep to be found").unwrap();
    let out = check_within(&dir, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("folders nest deeper than 32; not followed"),
        "{err}"
    );
}

/// Regression: 10,000 broken files took minutes (every diagnostic re-read every file).
#[test]
fn ten_thousand_files_give_located_errors_in_bounded_time() {
    let dir = tempdir("many");
    for i in 0..10_000 {
        let body = if i % 2 == 0 {
            format!("announcement a{i} \"t\" {{ published 2024-01-01 00:00:00 }}\nvalue v{i}: int = {i}\n")
        } else {
            "value = (\n".to_string()
        };
        std::fs::write(dir.join(format!("p{i:05}.edict")), body).unwrap();
    }
    let out = check_within(&dir, Duration::from_secs(120));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert_eq!(err.matches("[E0001]").count(), 5_000);
    assert!(err.contains("p09999.edict:1:"), "located");
}
