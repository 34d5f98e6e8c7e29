//! Streaming input and the run loop: broken records cost only themselves.

mod common;

use std::io::{BufReader, Read};

use common::*;
use eval::input::{records, Records};
use eval::{Evaluator, Format, RunOptions};

fn items(text: &[u8]) -> Vec<(u64, Option<u64>, Result<String, String>)> {
    records(text)
        .map(|i| {
            let i = i.unwrap();
            (i.line, i.index, i.json.map(|j| j.to_string()))
        })
        .collect()
}

#[test]
fn ndjson_with_bom_crlf_blank_lines_and_broken_lines() {
    let mut text = b"\xEF\xBB\xBF{\"id\":1}\r\n\r\n   \n{\"id\":2,}\n".to_vec();
    text.extend_from_slice(b"{\"id\":\"\xFF\xFE\"}\n\t{\"id\":4}\n{\"id\":5}");
    let got = items(&text);
    assert_eq!(got.len(), 5);
    assert_eq!(got[0], (1, None, Ok(r#"{"id":1}"#.into())));
    assert_eq!(got[1].0, 4);
    assert_eq!(
        got[1].2,
        Err("invalid JSON: trailing comma (column 9)".into())
    );
    assert_eq!(got[2].0, 5);
    assert_eq!(
        got[2].2,
        Err("invalid UTF-8 at byte 8 of the record".into())
    );
    assert_eq!(got[3], (6, None, Ok(r#"{"id":4}"#.into())));
    assert_eq!(
        got[4],
        (7, None, Ok(r#"{"id":5}"#.into())),
        "last line without newline"
    );
}

#[test]
fn an_overlong_line_is_skipped_without_keeping_it() {
    let text = format!(
        "{{\"id\":1}}\n{{\"id\":\"{}\"}}\n{{\"id\":3}}\n",
        "x".repeat(1000)
    );
    let got: Vec<_> = Records::with_limit(text.as_bytes(), 100)
        .map(|i| i.unwrap())
        .map(|i| (i.line, i.json.map(|j| j.to_string())))
        .collect();
    assert_eq!(got[0], (1, Ok(r#"{"id":1}"#.into())));
    assert_eq!(
        got[1],
        (2, Err("record longer than 100 bytes: skipped".into()))
    );
    assert_eq!(got[2], (3, Ok(r#"{"id":3}"#.into())));
}

#[test]
fn json_arrays_report_index_and_line() {
    let text = b"\n [\n  {\"id\":\"a\"},\n  {\"id\": tru},\n  {\"s\": \"],{\\\"\"},\n  3,\n  {\"id\":\n \"b\"}\n]\n";
    let got = items(text);
    assert_eq!(got[0], (3, Some(0), Ok(r#"{"id":"a"}"#.into())));
    assert_eq!(got[1].0, 4);
    assert_eq!(got[1].1, Some(1));
    assert!(
        got[1]
            .2
            .as_ref()
            .is_err_and(|e| e.starts_with("invalid JSON: expected ident")),
        "{:?}",
        got[1]
    );
    assert_eq!(
        got[2],
        (5, Some(2), Ok(r#"{"s":"],{\""}"#.into())),
        "brackets in strings are text"
    );
    assert_eq!(got[3], (6, Some(3), Ok("3".into())));
    assert_eq!(got[4], (7, Some(4), Ok(r#"{"id":"b"}"#.into())));
    assert_eq!(got.len(), 5);
    assert_eq!(items(b"[]"), vec![]);
    assert_eq!(items(b"  [ ]  \n"), vec![]);
    let unclosed = items(b"[{\"id\":1},\n{\"id\":2}");
    assert_eq!(unclosed[1], (2, Some(1), Ok(r#"{"id":2}"#.into())));
    assert_eq!(
        unclosed[2],
        (
            2,
            None,
            Err("unexpected end of input: the JSON array is not closed".into())
        )
    );
    let trailing = items(b"[{\"id\":1}]\n{\"id\":2}\n");
    assert_eq!(
        trailing[1],
        (
            2,
            None,
            Err("unexpected data after the closing `]` of the JSON array".into())
        )
    );
    let empty_elem = items(b"[{\"id\":1},,{\"id\":2}]");
    assert_eq!(
        empty_elem[1],
        (1, Some(1), Err("empty array element".into()))
    );
    assert_eq!(empty_elem[2].2, Ok(r#"{"id":2}"#.into()));
}

/// A reader producing a huge line lazily, so the test itself does not hold it.
struct Huge {
    parts: Vec<(Vec<u8>, usize)>,
    at: usize,
    done: usize,
}

impl Read for Huge {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while let Some((chunk, times)) = self.parts.get(self.at) {
            if self.done < chunk.len() * times {
                let off = self.done % chunk.len();
                let n = (chunk.len() - off).min(buf.len());
                buf[..n].copy_from_slice(&chunk[off..off + n]);
                self.done += n;
                return Ok(n);
            }
            self.at += 1;
            self.done = 0;
        }
        Ok(0)
    }
}

fn run_text(b: &B, input: impl Read, format: Format, explain: bool) -> (String, eval::RunSummary) {
    let ev = Evaluator::new(&b.p).unwrap();
    let mut out = Vec::new();
    let opts = RunOptions {
        as_of: t("2024-02-25 12:00:00"),
        explain,
        format,
    };
    let summary = eval::run(&ev, BufReader::new(input), &mut out, &opts).unwrap();
    (String::from_utf8(out).unwrap(), summary)
}

fn sample_input() -> String {
    let good = |id: &str, extra: serde_json::Value| {
        order(serde_json::json!({"id": id}))
            .as_object()
            .map(|o| {
                let mut o = o.clone();
                o.extend(extra.as_object().unwrap().clone());
                serde_json::Value::Object(o).to_string()
            })
            .unwrap()
    };
    [
        good("O1", serde_json::json!({"shipped_at": "2024-02-08 09:00:00"})),
        "{\"id\":\"O2\", \"paid_at\": }".to_string(),
        good("O3", serde_json::json!({"merchant_kind": "global"})),
        good("O4", serde_json::json!({"order_paid": "-5"})),
        String::new(),
        good("O5", serde_json::json!({"shipped_at": "2024-02-06 09:00:00", "collected_at": "2024-02-06 10:00:00"})),
    ]
    .join("\n")
}

#[test]
fn every_good_record_gets_a_verdict_and_every_bad_one_an_error() {
    let b = simple();
    let (out, summary) = run_text(&b, sample_input().as_bytes(), Format::Ndjson, false);
    insta::assert_snapshot!("ndjson", out);
    assert_eq!((summary.records, summary.errors), (3, 2));
    assert_eq!(summary.count(ir::Status::Violated), 3);
}

#[test]
fn json_array_output_is_one_valid_document() {
    let b = simple();
    let (out, _) = run_text(&b, sample_input().as_bytes(), Format::Json, false);
    let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(parsed.as_array().map(Vec::len), Some(5));
    let (empty, _) = run_text(&b, &b""[..], Format::Json, false);
    assert_eq!(empty, "[]\n");
}

#[test]
fn human_table() {
    let b = simple();
    let (out, _) = run_text(&b, sample_input().as_bytes(), Format::Human, false);
    insta::assert_snapshot!("human", out);
}

#[test]
fn human_with_explanations_prints_trees() {
    let b = simple();
    let (out, _) = run_text(&b, sample_input().as_bytes(), Format::Human, true);
    assert!(
        out.contains("\nO3 (order) as of 2024-02-25 12:00:00\n"),
        "{out}"
    );
    assert!(
        out.contains("  rules: baseline.ship_within → feb.global_extend\n"),
        "{out}"
    );
    assert!(out.contains("error (line 2): invalid JSON"), "{out}");
}

#[test]
fn a_huge_line_in_the_middle_is_an_error_record() {
    let b = simple();
    let first = format!("{}\n", order(serde_json::json!({"id": "before"})));
    let last = format!("\n{}\n", order(serde_json::json!({"id": "after"})));
    let huge = Huge {
        parts: vec![
            (first.into_bytes(), 1),
            (b"{\"id\":\"big\",\"pad\":\"".to_vec(), 1),
            (vec![b'x'; 1 << 20], 17),
            (b"\"}".to_vec(), 1),
            (last.into_bytes(), 1),
        ],
        at: 0,
        done: 0,
    };
    let (out, summary) = run_text(&b, huge, Format::Ndjson, false);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with(r#"{"id":"before""#));
    assert_eq!(
        lines[1],
        r#"{"line":2,"error":"record longer than 16777216 bytes: skipped"}"#
    );
    assert!(lines[2].starts_with(r#"{"id":"after""#));
    assert_eq!((summary.records, summary.errors), (2, 1));
}

#[test]
fn explain_id_finds_the_record() {
    let b = simple();
    let ev = Evaluator::new(&b.p).unwrap();
    let input = sample_input();
    let tree =
        eval::output::explain_id(&ev, input.as_bytes(), "O3", t("2024-02-25 12:00:00")).unwrap();
    assert!(tree
        .is_some_and(|r| r.is_ok_and(|s| s.starts_with("O3 (order) as of 2024-02-25 12:00:00"))));
    let bad =
        eval::output::explain_id(&ev, input.as_bytes(), "O4", t("2024-02-25 12:00:00")).unwrap();
    assert!(bad.is_some_and(|r| r.is_err_and(|e| e.line == 4)));
    let none =
        eval::output::explain_id(&ev, input.as_bytes(), "nope", t("2024-02-25 12:00:00")).unwrap();
    assert!(none.is_none());
}
