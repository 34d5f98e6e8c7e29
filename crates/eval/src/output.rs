//! The run loop and output formats: what `edict eval` and `edict explain` call.
//!
//! [`run`] streams records from a reader through the evaluator into a writer, one record at
//! a time (memory does not grow with the input), in one of three [`Format`]s:
//!
//! - `ndjson`: one verdict (or error record) per line, written as soon as it is known;
//! - `json`: the same objects as one JSON array;
//! - `human`: a table for people: id, check, status, deadline, actual, compensation and the
//!   deciding rule, one row per finding (error records as a row saying what is wrong);
//!   with explanations, each record's explanation tree instead.
//!
//! [`explain_id`] finds one record by id in a stream and renders its explanation tree.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::{self, BufRead, Write};
use std::rc::Rc;
use std::str::FromStr;

use ir::Status;

use crate::decode::{Record, RecordId};
use crate::fast::FastDecoder;
use crate::input::{parse, records, Item};
use crate::time::format_instant_short;
use crate::val::format_decimal;
use crate::verdict::{rule_name, ErrorRecord, Literals, Verdict};
use crate::{explain_tree, Evaluator};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// One JSON object per line.
    #[default]
    Ndjson,
    /// One JSON array.
    Json,
    /// A table for people.
    Human,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "ndjson" => Ok(Format::Ndjson),
            "json" => Ok(Format::Json),
            "human" => Ok(Format::Human),
            _ => Err(format!(
                "unknown format `{s}`: expected ndjson, json or human"
            )),
        }
    }
}

/// How to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// The evaluation instant (µs), e.g. from [`crate::parse_instant`].
    pub as_of: i64,
    /// Whether to include explanations in verdicts (`human` then prints each record's
    /// explanation tree instead of table rows).
    pub explain: bool,
    /// The output format.
    pub format: Format,
}

/// What a run saw, for the exit status and a summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Records evaluated.
    pub records: u64,
    /// Records that could not be read (each got an error record).
    pub errors: u64,
    /// Findings per status, indexed like [`Status::ALL`].
    pub by_status: [u64; 7],
    /// Records whose id an earlier record had (the first [`MAX_REPORTED_DUPLICATES`]).
    pub duplicates: Vec<DuplicateId>,
    /// How many records repeated an earlier id, reported or not.
    pub duplicates_total: u64,
    /// Ids were remembered for the first [`MAX_TRACKED_IDS`] distinct ones only: a repeat
    /// of a later one goes unnoticed.
    pub ids_untracked: bool,
}

/// A record whose id an earlier record of the same stream had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateId {
    /// The id, as written.
    pub id: String,
    /// The line of the first record with it.
    pub first_line: u64,
    /// The line of this record.
    pub line: u64,
}

/// How many repeated ids a run lists (the rest are counted).
pub const MAX_REPORTED_DUPLICATES: usize = 100;
/// How many distinct ids a run remembers (16 bytes each): memory stays bounded on any
/// stream.
pub const MAX_TRACKED_IDS: usize = 1 << 22;

/// The ids of a run so far: a 64-bit hash of each and the line it was first seen on.
#[derive(Default)]
struct SeenIds {
    first: std::collections::HashMap<u64, u64>,
}

impl SeenIds {
    fn see(&mut self, id: Option<&RecordId>, line: u64, summary: &mut RunSummary) {
        use std::hash::{Hash, Hasher};
        let Some(id) = id else { return };
        let text = match id {
            RecordId::Str(s) | RecordId::Num(s) => s.as_str(),
        };
        let mut h = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut h);
        let key = h.finish();
        if let Some(&first_line) = self.first.get(&key) {
            summary.duplicates_total += 1;
            if summary.duplicates.len() < MAX_REPORTED_DUPLICATES {
                summary.duplicates.push(DuplicateId {
                    id: text.to_string(),
                    first_line,
                    line,
                });
            }
        } else if self.first.len() < MAX_TRACKED_IDS {
            self.first.insert(key, line);
        } else {
            summary.ids_untracked = true;
        }
    }
}

impl RunSummary {
    /// Findings with status `s`.
    pub fn count(&self, s: Status) -> u64 {
        self.by_status[s as usize]
    }
}

/// Writes verdicts and error records in one format.
#[derive(Debug)]
pub struct VerdictWriter<W: Write> {
    out: W,
    format: Format,
    any: bool,
    buf: String,
}

const HUMAN_HEADER: [(&str, usize); 7] = [
    ("ID", 14),
    ("CHECK", 30),
    ("STATUS", 9),
    ("DEADLINE", 19),
    ("ACTUAL", 19),
    ("COMPENSATION", 12),
    ("RULE", 0),
];

impl<W: Write> VerdictWriter<W> {
    /// Starts the output (the `[` of a JSON array, the header of the table).
    pub fn new(out: W, format: Format) -> io::Result<VerdictWriter<W>> {
        let mut w = VerdictWriter {
            out,
            format,
            any: false,
            buf: String::with_capacity(1024),
        };
        match format {
            Format::Json => w.out.write_all(b"[")?,
            Format::Human => {
                let cells: Vec<String> =
                    HUMAN_HEADER.iter().map(|(h, _)| (*h).to_string()).collect();
                w.buf.clear();
                row(&mut w.buf, &cells);
                w.out.write_all(w.buf.as_bytes())?;
            }
            Format::Ndjson => {}
        }
        Ok(w)
    }

    fn separator(&mut self) {
        if self.format == Format::Json {
            self.buf.push_str(if self.any { ",\n" } else { "\n" });
        }
        self.any = true;
    }

    /// Writes one verdict, with its explanation if given (`human`: the explanation tree
    /// replaces the table rows).
    pub fn verdict(
        &mut self,
        ev: &Evaluator<'_>,
        v: &Verdict,
        explain: Option<&crate::Explanation>,
    ) -> io::Result<()> {
        self.verdict_with(ev, v, explain, None)
    }

    /// [`VerdictWriter::verdict`], with the program's names prepared once when given (they
    /// must be `ev`'s program's).
    fn verdict_with(
        &mut self,
        ev: &Evaluator<'_>,
        v: &Verdict,
        explain: Option<&crate::Explanation>,
        lits: Option<&mut Literals>,
    ) -> io::Result<()> {
        let p = ev.program();
        self.buf.clear();
        self.separator();
        match (self.format, explain) {
            (Format::Ndjson | Format::Json, _) => match lits {
                Some(lits) => v.write_json_with(p, lits, &mut self.buf, explain),
                None => v.write_json(p, &mut self.buf, explain),
            },
            (Format::Human, Some(e)) => {
                self.buf.push('\n');
                self.buf.push_str(&explain_tree(p, v, e));
            }
            (Format::Human, None) => {
                let id = v.id.as_ref().map_or_else(String::new, ToString::to_string);
                if v.findings.is_empty() {
                    row(&mut self.buf, &[id.clone(), "(no check applies)".into()]);
                }
                for f in &v.findings {
                    let t = |x: Option<i64>| x.map_or_else(String::new, format_instant_short);
                    let rule = match f.stop {
                        Some(stop) if v.rules(f).is_empty() => crate::verdict::reason_text(p, stop),
                        _ => {
                            let names: Vec<&str> =
                                v.rules(f).iter().map(|r| rule_name(p, *r)).collect();
                            if f.status == Status::Conflict {
                                names.join(" vs ")
                            } else {
                                names.last().map_or_else(String::new, |s| (*s).to_string())
                            }
                        }
                    };
                    row(
                        &mut self.buf,
                        &[
                            id.clone(),
                            p.checks
                                .get(f.check as usize)
                                .map_or_else(String::new, |c| c.name.clone()),
                            f.status.name().into(),
                            t(f.deadline),
                            t(f.actual),
                            f.compensation.map_or_else(String::new, format_decimal),
                            rule,
                        ],
                    );
                }
            }
        }
        if self.format == Format::Ndjson {
            self.buf.push('\n');
        }
        self.out.write_all(self.buf.as_bytes())
    }

    /// Writes one error record.
    pub fn error(&mut self, e: &ErrorRecord) -> io::Result<()> {
        self.buf.clear();
        self.separator();
        match self.format {
            Format::Ndjson | Format::Json => e.write_json(&mut self.buf),
            Format::Human => {
                let id = e.id.as_ref().map_or_else(String::new, ToString::to_string);
                let mut at = format!("line {}", e.line);
                if let Some(i) = e.index {
                    let _ = write!(at, ", element {i}");
                }
                row(&mut self.buf, &[id, format!("error ({at}): {}", e.error)]);
            }
        }
        if self.format == Format::Ndjson {
            self.buf.push('\n');
        }
        self.out.write_all(self.buf.as_bytes())
    }

    /// Ends the output (the `]` of a JSON array) and flushes.
    pub fn finish(mut self) -> io::Result<W> {
        if self.format == Format::Json {
            self.out
                .write_all(if self.any { b"\n]\n" } else { b"]\n" })?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Appends a table row: cells padded to the header widths, the last one as is.
fn row(out: &mut String, cells: &[String]) {
    let n = cells.len();
    for (i, cell) in cells.iter().enumerate() {
        // Ids and error texts come from records: no control character reaches a terminal.
        let cell = crate::render::escape_controls(cell);
        out.push_str(&cell);
        if i + 1 < n {
            let width = HUMAN_HEADER.get(i).map_or(0, |h| h.1);
            let len = cell.chars().count();
            out.push_str(&" ".repeat(width.saturating_sub(len) + 2));
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out.push('\n');
}

/// The error record for an input item that is not a readable record.
fn item_error(item: &Item, id: Option<RecordId>, error: String) -> ErrorRecord {
    ErrorRecord {
        id,
        line: item.line,
        index: item.index,
        error,
    }
}

/// Decodes an input item, or says why it cannot be evaluated.
pub fn decode_item(ev: &Evaluator<'_>, item: &Item, rec: &mut Record) -> Result<(), ErrorRecord> {
    match &item.json {
        Err(e) => Err(item_error(item, None, e.clone())),
        Ok(json) => crate::decode::decode_into(ev.program(), json, rec)
            .map_err(|e| item_error(item, e.id, e.message)),
    }
}

/// Evaluates every record of `input` and writes the verdicts to `output` (see the module
/// doc). Bad records become error records and the run goes on; only I/O errors stop it.
pub fn run<R: BufRead, W: Write>(
    ev: &Evaluator<'_>,
    input: R,
    output: W,
    opts: &RunOptions,
) -> io::Result<RunSummary> {
    run_buffered(
        ev,
        input,
        io::BufWriter::with_capacity(1 << 16, output),
        opts,
    )
}

/// [`run`] for a stream that may pause (a pipe, a terminal, a socket): the verdicts written
/// so far are flushed before every read of `input`, that is whenever the run could wait
/// for input. A slow producer sees each record's verdict as soon as it is judged; a fast
/// one (or a file) still gets 64 KiB reads and writes, one flush per read.
pub fn run_streaming<R: io::Read, W: Write>(
    ev: &Evaluator<'_>,
    input: R,
    output: W,
    opts: &RunOptions,
) -> io::Result<RunSummary> {
    let out = Rc::new(RefCell::new(io::BufWriter::with_capacity(1 << 16, output)));
    let input = FlushFirst {
        inner: input,
        out: Rc::clone(&out),
    };
    run_buffered(
        ev,
        io::BufReader::with_capacity(1 << 16, input),
        Shared(out),
        opts,
    )
}

/// A reader that flushes the output before each read (see [`run_streaming`]).
struct FlushFirst<R, W: Write> {
    inner: R,
    out: Rc<RefCell<io::BufWriter<W>>>,
}

impl<R: io::Read, W: Write> io::Read for FlushFirst<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.out.borrow_mut().flush()?;
        self.inner.read(buf)
    }
}

/// The output of [`run_streaming`], shared with its input's [`FlushFirst`].
struct Shared<W: Write>(Rc<RefCell<io::BufWriter<W>>>);

impl<W: Write> Write for Shared<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.borrow_mut().write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

/// The body of [`run`] on an output that is already buffered.
fn run_buffered<R: BufRead, W: Write>(
    ev: &Evaluator<'_>,
    input: R,
    output: W,
    opts: &RunOptions,
) -> io::Result<RunSummary> {
    let mut w = VerdictWriter::new(output, opts.format)?;
    let mut scratch = ev.scratch();
    let mut summary = RunSummary::default();
    let mut rec = Record {
        kind: 0,
        id: None,
        slots: Vec::new(),
    };
    let mut verdict = Verdict::default();
    let mut explained = crate::Explanation::default();
    // Lines are decoded straight from their text when they are plain (crate::fast), else
    // parsed and decoded the general way, with the same result either way.
    let mut fast = FastDecoder::new(ev.program());
    // The names every verdict repeats, quoted and escaped once for the whole run.
    let mut lits = Literals::new(ev.program());
    let mut input = records(input).deferring();
    let mut seen = SeenIds::default();
    while let Some(item) = input.next() {
        let item = item?;
        let decoded = match input.deferred_bytes() {
            Some(bytes) if fast.decode(bytes, &mut rec) => Ok(()),
            Some(bytes) => decode_item(
                ev,
                &Item {
                    json: parse(bytes),
                    ..item
                },
                &mut rec,
            ),
            None => decode_item(ev, &item, &mut rec),
        };
        let id = match &decoded {
            Ok(()) => rec.id.as_ref(),
            Err(e) => e.id.as_ref(),
        };
        seen.see(id, item.line, &mut summary);
        if let Err(e) = decoded {
            summary.errors += 1;
            w.error(&e)?;
            continue;
        }
        summary.records += 1;
        let explanation = if opts.explain {
            ev.evaluate_explained_into(
                &mut scratch,
                &rec,
                opts.as_of,
                &mut verdict,
                &mut explained,
            );
            Some(&explained)
        } else {
            ev.evaluate_into(&mut scratch, &rec, opts.as_of, &mut verdict);
            None
        };
        for f in &verdict.findings {
            summary.by_status[f.status as usize] += 1;
        }
        w.verdict_with(ev, &verdict, explanation, Some(&mut lits))?;
    }
    w.finish()?;
    Ok(summary)
}

/// Finds the first record whose id is `id` and renders its explanation tree
/// ([`crate::explain_tree`]); `Ok(None)` when no record has that id. A record with that id
/// that cannot be decoded gives its error record.
pub fn explain_id<R: BufRead>(
    ev: &Evaluator<'_>,
    input: R,
    id: &str,
    as_of: i64,
) -> io::Result<Option<Result<String, ErrorRecord>>> {
    Ok(explain_ids(ev, input, id, as_of, 1)?
        .into_iter()
        .next()
        .map(|(_, r)| r))
}

/// Every record whose id is `id` (at most `most`), with its line: its explanation tree, or
/// the error record of one that cannot be decoded. Ids should be unique; when they are
/// not, each record is explained.
pub fn explain_ids<R: BufRead>(
    ev: &Evaluator<'_>,
    input: R,
    id: &str,
    as_of: i64,
    most: usize,
) -> io::Result<Vec<(u64, Result<String, ErrorRecord>)>> {
    let mut rec = Record {
        kind: 0,
        id: None,
        slots: Vec::new(),
    };
    let mut found = Vec::new();
    for item in records(input) {
        if found.len() >= most {
            break;
        }
        let item = item?;
        let Ok(json) = &item.json else { continue };
        if RecordId::of(json).is_none_or(|r| r.to_string() != id) {
            continue;
        }
        if let Err(e) = decode_item(ev, &item, &mut rec) {
            found.push((item.line, Err(e)));
            continue;
        }
        let mut scratch = ev.scratch();
        let (v, e) = ev.evaluate_explained(&mut scratch, &rec, as_of);
        found.push((item.line, Ok(explain_tree(ev.program(), &v, &e))));
    }
    Ok(found)
}
