//! The decision log: one NDJSON line per decision, written by its own thread.
//!
//! Requests hand their inputs and verdict lines over through a bounded queue and never
//! wait: when the queue is full the batch is dropped and its lines are counted in the
//! metrics. The writer thread hashes the inputs, formats the lines and writes them to
//! standard output or to a file rotated by size (`FILE` → `FILE.1` → … → `FILE.N`).

use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::metrics::Metrics;

/// Where decisions are logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogTarget {
    /// Standard output.
    Stdout,
    /// A file, rotated when it reaches `max_bytes`, keeping `keep` old files.
    File {
        /// The file.
        path: PathBuf,
        /// Size at which it is rotated.
        max_bytes: u64,
        /// Rotated files kept.
        keep: u32,
    },
}

/// One request's decisions, as handed to the writer.
pub struct Batch {
    /// When the request was judged.
    pub time: edict::Instant,
    /// The request's id.
    pub request_id: Arc<str>,
    /// The set that judged it.
    pub set_hash: Arc<str>,
    /// The request body.
    pub body: axum::body::Bytes,
    /// Where each record's text is in `body`, one per output line (`None` when the records
    /// could not be told apart).
    pub inputs: Option<Vec<(usize, usize)>>,
    /// The verdict (or error record) lines, NDJSON.
    pub output: axum::body::Bytes,
    /// Number of lines in `output`.
    pub lines: u64,
}

/// The sending side: cheap to clone.
#[derive(Clone)]
pub struct DecisionLog {
    tx: SyncSender<Batch>,
    metrics: Arc<Metrics>,
}

/// Stops the writer (after it has written everything queued) when dropped or joined.
pub struct Writer {
    handle: Option<JoinHandle<()>>,
}

impl Writer {
    /// Waits for the writer to drain its queue; the senders must be gone.
    pub fn join(mut self) {
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Starts the writer thread with a queue of `capacity` batches.
pub fn start(
    target: LogTarget,
    capacity: usize,
    metrics: Arc<Metrics>,
) -> std::io::Result<(DecisionLog, Writer)> {
    let (tx, rx) = sync_channel(capacity.max(1));
    let sink = Sink::open(target)?;
    let m = Arc::clone(&metrics);
    let handle = std::thread::Builder::new()
        .name("decision-log".into())
        .spawn(move || write_loop(rx, sink, &m))?;
    Ok((
        DecisionLog { tx, metrics },
        Writer {
            handle: Some(handle),
        },
    ))
}

impl DecisionLog {
    /// Queues a batch; never blocks. A full queue drops it (counted).
    pub fn send(&self, batch: Batch) {
        let lines = batch.lines;
        match self.tx.try_send(batch) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.metrics.log_dropped(lines);
            }
        }
    }
}

enum Sink {
    Stdout(std::io::BufWriter<std::io::Stdout>),
    File {
        path: PathBuf,
        max_bytes: u64,
        keep: u32,
        file: std::io::BufWriter<std::fs::File>,
        size: u64,
    },
}

fn open_append(path: &PathBuf) -> std::io::Result<(std::fs::File, u64)> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let size = file.metadata()?.len();
    Ok((file, size))
}

impl Sink {
    fn open(target: LogTarget) -> std::io::Result<Sink> {
        Ok(match target {
            LogTarget::Stdout => Sink::Stdout(std::io::BufWriter::with_capacity(
                1 << 16,
                std::io::stdout(),
            )),
            LogTarget::File {
                path,
                max_bytes,
                keep,
            } => {
                let (file, size) = open_append(&path)?;
                Sink::File {
                    path,
                    max_bytes: max_bytes.max(1),
                    keep,
                    file: std::io::BufWriter::with_capacity(1 << 16, file),
                    size,
                }
            }
        })
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::Stdout(s) => s.write_all(bytes),
            Sink::File {
                path,
                max_bytes,
                keep,
                file,
                size,
            } => {
                if *size > 0 && *size + bytes.len() as u64 > *max_bytes {
                    file.flush()?;
                    rotate(path, *keep)?;
                    let (f, s) = open_append(path)?;
                    *file = std::io::BufWriter::with_capacity(1 << 16, f);
                    *size = s;
                }
                file.write_all(bytes)?;
                *size += bytes.len() as u64;
                Ok(())
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Stdout(s) => s.flush(),
            Sink::File { file, .. } => file.flush(),
        }
    }
}

/// `FILE.(N-1)` → `FILE.N`, …, `FILE` → `FILE.1` (with `keep == 0`, `FILE` is removed).
fn rotate(path: &std::path::Path, keep: u32) -> std::io::Result<()> {
    let numbered = |i: u32| {
        let mut p = path.as_os_str().to_os_string();
        p.push(format!(".{i}"));
        PathBuf::from(p)
    };
    if keep == 0 {
        return std::fs::remove_file(path);
    }
    for i in (1..keep).rev() {
        let from = numbered(i);
        if from.exists() {
            std::fs::rename(&from, numbered(i + 1))?;
        }
    }
    std::fs::rename(path, numbered(1))
}

#[derive(Serialize)]
struct Line<'a> {
    time: edict::Instant,
    request_id: &'a str,
    set_hash: &'a str,
    id: Option<&'a serde_json::value::RawValue>,
    input_sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    as_of: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    findings: Option<Vec<LoggedFinding<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct LoggedFinding<'a> {
    check: &'a str,
    status: &'a str,
    /// The deciding rule (the chain's last).
    rule: Option<&'a str>,
}

/// The parts of a verdict line the log keeps.
#[derive(serde::Deserialize)]
struct Parsed<'a> {
    #[serde(borrow, default)]
    id: Option<&'a serde_json::value::RawValue>,
    #[serde(default)]
    as_of: Option<&'a str>,
    #[serde(borrow, default)]
    findings: Option<Vec<ParsedFinding<'a>>>,
    #[serde(default)]
    error: Option<std::borrow::Cow<'a, str>>,
}

#[derive(serde::Deserialize)]
struct ParsedFinding<'a> {
    check: &'a str,
    status: &'a str,
    #[serde(borrow)]
    rules: Vec<&'a str>,
}

fn write_loop(rx: Receiver<Batch>, mut sink: Sink, metrics: &Metrics) {
    let mut buf = Vec::with_capacity(1 << 16);
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        // Everything queued is written before one flush: large writes under load, lines
        // on disk promptly when quiet.
        while let Some(batch) = next.take() {
            buf.clear();
            let n = format_batch(&batch, &mut buf);
            // Line by line, so that rotation happens between lines.
            let written = buf
                .split_inclusive(|b| *b == b'\n')
                .try_for_each(|line| sink.write(line));
            match written {
                Ok(()) => metrics.log_written(n),
                Err(e) => {
                    tracing::warn!(error = %e, "decision log: write failed");
                    metrics.log_dropped(n);
                }
            }
            next = rx.try_recv().ok();
        }
        if let Err(e) = sink.flush() {
            tracing::warn!(error = %e, "decision log: flush failed");
        }
    }
}

/// Formats a batch's lines into `buf`; returns how many.
fn format_batch(batch: &Batch, buf: &mut Vec<u8>) -> u64 {
    let mut n = 0u64;
    let lines = batch
        .output
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty());
    for (i, line) in lines.enumerate() {
        let input_sha256 = batch
            .inputs
            .as_ref()
            .and_then(|v| v.get(i))
            .and_then(|(a, b)| batch.body.get(*a..*b))
            .map(|bytes| hex(&Sha256::digest(bytes)));
        let parsed: Option<Parsed<'_>> = serde_json::from_slice(line).ok();
        let findings = parsed.as_ref().and_then(|p| {
            p.findings.as_ref().map(|fs| {
                fs.iter()
                    .map(|f| LoggedFinding {
                        check: f.check,
                        status: f.status,
                        rule: f.rules.last().copied(),
                    })
                    .collect()
            })
        });
        let entry = Line {
            time: batch.time,
            request_id: &batch.request_id,
            set_hash: &batch.set_hash,
            id: parsed.as_ref().and_then(|p| p.id),
            input_sha256,
            as_of: parsed.as_ref().and_then(|p| p.as_of),
            findings,
            error: match &parsed {
                Some(p) => p.error.as_deref(),
                None => Some("the verdict line could not be read back"),
            },
        };
        if serde_json::to_writer(&mut *buf, &entry).is_ok() {
            buf.push(b'\n');
            n += 1;
        }
    }
    n
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = std::fmt::Write::write_fmt(&mut s, format_args!("{b:02x}"));
    }
    s
}
