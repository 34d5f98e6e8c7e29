//! Streams of any size: a JSON array is judged element by element (verdicts leave before the
//! array ends, nothing grows with the number of elements), oversized or absurdly nested
//! elements are error items, and the stream goes on.

mod common;

use std::cell::Cell;
use std::io::{BufReader, Read, Write};
use std::rc::Rc;

use common::*;
use eval::input::Records;
use eval::{Evaluator, Format, RunOptions};

/// `[rec,rec,…]` with `left` elements, produced lazily; notes how many output bytes had
/// been written when it produced the closing `]`.
struct LazyArray {
    left: usize,
    started: bool,
    rec: Vec<u8>,
    chunk: Vec<u8>,
    at: usize,
    written: Rc<Cell<usize>>,
    written_at_end: Rc<Cell<Option<usize>>>,
}

impl Read for LazyArray {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.chunk.len() {
            self.chunk.clear();
            self.at = 0;
            if self.left > 0 {
                self.chunk.push(if self.started { b',' } else { b'[' });
                self.chunk.extend_from_slice(&self.rec);
                self.started = true;
                self.left -= 1;
            } else if self.written_at_end.get().is_none() {
                self.written_at_end.set(Some(self.written.get()));
                self.chunk.push(b']');
            } else {
                return Ok(0);
            }
        }
        let n = (self.chunk.len() - self.at).min(buf.len());
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Counts what is written.
struct Counter(Rc<Cell<usize>>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.set(self.0.get() + buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_json_array_is_judged_while_it_is_read() {
    let b = simple();
    let ev = Evaluator::new(&b.p).unwrap();
    let n = 100_000;
    let written = Rc::new(Cell::new(0));
    let written_at_end = Rc::new(Cell::new(None));
    let reader = LazyArray {
        left: n,
        started: false,
        rec: order(serde_json::json!({})).to_string().into_bytes(),
        chunk: Vec::new(),
        at: 0,
        written: written.clone(),
        written_at_end: written_at_end.clone(),
    };
    let opts = RunOptions {
        as_of: t("2024-02-25 12:00:00"),
        explain: false,
        format: Format::Ndjson,
    };
    let summary = eval::run(&ev, BufReader::new(reader), Counter(written.clone()), &opts).unwrap();
    assert_eq!(summary.records, n as u64);
    assert_eq!(summary.errors, 0);
    let total = written.get();
    let before_end = written_at_end.get().expect("the array was closed");
    assert!(
        before_end > total / 2,
        "{before_end} of {total} output bytes were written before the array ended"
    );
}

#[test]
fn an_oversized_array_element_is_skipped_and_the_array_goes_on() {
    let big = format!("{{\"id\":\"{}\"}}", "x".repeat(10_000));
    let text = format!("[{{\"id\":1}},\n{big},\n{{\"id\":3}}]");
    let got: Vec<_> = Records::with_limit(text.as_bytes(), 1_000)
        .map(|i| i.unwrap())
        .map(|i| (i.line, i.index, i.json.map(|j| j.to_string())))
        .collect();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].2, Ok(r#"{"id":1}"#.into()));
    assert_eq!(got[1].1, Some(1));
    assert_eq!(
        got[1].2,
        Err("record longer than 1000 bytes: skipped".into())
    );
    assert_eq!(got[2], (3, Some(2), Ok(r#"{"id":3}"#.into())));
}

#[test]
fn absurdly_nested_records_are_error_items_not_stack_overflows() {
    let n = 1_000_000;
    let deep = format!("{}{}", "[".repeat(n), "]".repeat(n));
    let text = format!("{{\"id\":1}}\n{{\"id\":2,\"tags\":{deep}}}\n{{\"id\":3}}\n");
    let got: Vec<_> = eval::input::records(text.as_bytes())
        .map(|i| i.unwrap().json)
        .collect();
    assert_eq!(got.len(), 3);
    assert!(
        got[1]
            .as_ref()
            .is_err_and(|e| e.contains("recursion limit")),
        "{:?}",
        got[1]
    );
    assert!(got[2].is_ok());
    // The same inside a JSON array.
    let array = format!("[{{\"id\":1}},{deep},{{\"id\":3}}]");
    let got: Vec<_> = eval::input::records(array.as_bytes())
        .map(|i| i.unwrap().json)
        .collect();
    assert_eq!(got.len(), 3);
    assert!(got[1].is_err());
    assert!(got[2].is_ok());
}
