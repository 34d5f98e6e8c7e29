//! [`Engine`]: judges records with a [`Policies`] set. Owns its program (shared), so it can
//! be cloned into threads, kept in a service's state, or swapped whole on reload.

use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};

use crate::error::{LoadError, RecordError};
use crate::verdict::{from_eval, Verdict};
use crate::{Instant, Policies};

pub use eval::{FastPath, Format, PrepareOptions, RunSummary};

/// How to judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JudgeOptions {
    /// The clock that decides `pending` against `violated`.
    pub as_of: Instant,
    /// Whether findings carry their derivation (`explain`).
    pub explain: bool,
}

impl JudgeOptions {
    /// Judging at `as_of`, without explanations.
    pub fn at(as_of: Instant) -> JudgeOptions {
        JudgeOptions {
            as_of,
            explain: false,
        }
    }
}

/// Judges records: `Send + Sync`, cheap to clone.
///
/// ```
/// # let policies = edict::Policies::from_sources([("shop.edict", r#"
/// # fact order {
/// # id: string
/// # paid_at: instant
/// # shipped_at: instant?
/// # }
/// # announcement shop "Shop rules" { published 2024-01-01 00:00:00 }
/// # value dispatch_by: instant = order.paid_at + 48h
/// # check dispatch_on_time {
/// # event order.shipped_at
/// # deadline = dispatch_by
/// # }
/// # "#)]).unwrap();
/// let engine = policies.engine().unwrap();
/// let as_of = edict::Instant::parse("2024-03-01T00:00:00+08:00").unwrap();
/// let record = serde_json::json!({
///     "kind": "order", "id": "O1",
///     "paid_at": "2024-02-01T10:00:00+08:00", "shipped_at": "2024-02-04T09:00:00+08:00",
/// });
/// let verdict = engine.judge(&record, as_of).unwrap();
/// let late = verdict.finding("dispatch_on_time").unwrap();
/// assert_eq!(late.status, edict::Status::Violated);
/// assert_eq!(late.deadline.unwrap().to_string(), "2024-02-03T10:00:00+08:00");
/// assert_eq!(late.deciding_rule().unwrap(), "shop.dispatch_by");
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    policies: Policies,
    ev: eval::Evaluator<'static>,
    /// Working memory, one per concurrent caller, reused.
    scratches: Mutex<Vec<eval::Scratch>>,
}

/// What a judged record gives when explained: the verdict (its findings carry `explain`)
/// and the derivation as the tree `edict explain` prints.
#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    /// The verdict, with `explain` on every finding.
    pub verdict: Verdict,
    /// The derivation tree, for people.
    pub tree: String,
}

impl Engine {
    /// Prepares `policies` for judging.
    pub fn new(policies: &Policies) -> Result<Engine, LoadError> {
        Engine::with_options(policies, PrepareOptions::default())
    }

    /// Prepares `policies` with some of the evaluator's fast paths switched off (verdicts
    /// do not depend on them: [`PrepareOptions::reference`] is the general walk alone).
    pub fn with_options(policies: &Policies, options: PrepareOptions) -> Result<Engine, LoadError> {
        let ev = eval::Evaluator::shared(policies.program_arc(), options).map_err(|e| {
            LoadError::Ir {
                path: "<program>".into(),
                message: e.to_string(),
            }
        })?;
        Ok(Engine {
            inner: Arc::new(Inner {
                policies: policies.clone(),
                ev,
                scratches: Mutex::new(Vec::new()),
            }),
        })
    }

    /// The policies this engine judges with.
    pub fn policies(&self) -> &Policies {
        &self.inner.policies
    }

    /// The evaluator underneath, for the streaming and batch calls of `eval`.
    pub fn evaluator(&self) -> &eval::Evaluator<'static> {
        &self.inner.ev
    }

    fn with_scratch<T>(&self, f: impl FnOnce(&mut eval::Scratch) -> T) -> T {
        let taken = self
            .inner
            .scratches
            .lock()
            .ok()
            .and_then(|mut pool| pool.pop());
        let mut scratch = taken.unwrap_or_else(|| self.inner.ev.scratch());
        let out = f(&mut scratch);
        if let Ok(mut pool) = self.inner.scratches.lock() {
            pool.push(scratch);
        }
        out
    }

    fn decode(&self, record: &serde_json::Value) -> Result<eval::Record, RecordError> {
        self.inner.ev.decode(record).map_err(|e| RecordError {
            id: e.id.map(|id| id.to_string()),
            message: e.message,
        })
    }

    /// Judges one record (a JSON object of a declared fact kind) at `as_of`.
    pub fn judge(
        &self,
        record: &serde_json::Value,
        as_of: Instant,
    ) -> Result<Verdict, RecordError> {
        self.judge_with(record, JudgeOptions::at(as_of))
    }

    /// Judges one record with options (explanations on request).
    pub fn judge_with(
        &self,
        record: &serde_json::Value,
        opts: JudgeOptions,
    ) -> Result<Verdict, RecordError> {
        let rec = self.decode(record)?;
        let p = self.inner.policies.program();
        Ok(self.with_scratch(|s| {
            if opts.explain {
                let (v, e) = self
                    .inner
                    .ev
                    .evaluate_explained(s, &rec, opts.as_of.as_micros());
                from_eval(p, &v, Some(&e))
            } else {
                let v = self.inner.ev.evaluate(s, &rec, opts.as_of.as_micros());
                from_eval(p, &v, None)
            }
        }))
    }

    /// Judges one record given as JSON text.
    pub fn judge_str(&self, json: &str, opts: JudgeOptions) -> Result<Verdict, RecordError> {
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| RecordError {
            id: None,
            message: format!("not JSON: {e}"),
        })?;
        self.judge_with(&value, opts)
    }

    /// Judges one record and explains every finding.
    pub fn explain(
        &self,
        record: &serde_json::Value,
        as_of: Instant,
    ) -> Result<Explained, RecordError> {
        let rec = self.decode(record)?;
        let p = self.inner.policies.program();
        Ok(self.with_scratch(|s| {
            let (v, e) = self.inner.ev.evaluate_explained(s, &rec, as_of.as_micros());
            Explained {
                verdict: from_eval(p, &v, Some(&e)),
                tree: eval::explain_tree(p, &v, &e),
            }
        }))
    }

    /// Judges a stream of records (NDJSON, or one JSON array) and writes one verdict or
    /// error record per input record, exactly as `edict eval` does (the same loop,
    /// `eval::run`).
    /// Bad records become error records and the stream goes on; only I/O errors stop it.
    pub fn judge_stream<R: BufRead, W: Write>(
        &self,
        input: R,
        output: W,
        opts: JudgeOptions,
        format: Format,
    ) -> std::io::Result<RunSummary> {
        eval::run(
            &self.inner.ev,
            input,
            output,
            &eval::RunOptions {
                as_of: opts.as_of.as_micros(),
                explain: opts.explain,
                format,
            },
        )
    }
}
