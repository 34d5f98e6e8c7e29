//! Edict's evaluator: runs fact records through a compiled [`ir::Program`] and produces
//! verdicts that explain themselves.
//!
//! The pipeline for one record: [`decode`](Evaluator::decode) a JSON object against the
//! schema declared in the policies (a slot vector, no string lookups afterwards), then
//! [`evaluate`](Evaluator::evaluate) every check of the record's kind, then write the
//! [`Verdict`] (DOMAIN.md §1.3). Explanations are built on request, after evaluation, by
//! re-walking the memoized decision trees ([`Evaluator::evaluate_explained`]), so bulk runs
//! pay nothing for them.
//!
//! Rust programs use this crate through the facade crate `edict` (`Policies::load` →
//! `Engine::judge`), whose front page has compiled, asserting examples; this crate is
//! what it runs: [`Evaluator`] (prepare once, then judge records with a [`Scratch`] per
//! thread), [`run`] (the NDJSON/JSON stream loop of `edict eval`) and [`testing`] (the
//! policy test runner).
//!
//! Every shortcut the evaluator takes is derived from the shape of the IR at preparation
//! and has a switch ([`PrepareOptions`], [`FastPath`]); with all of them off
//! ([`PrepareOptions::reference`]) each value is decided by the general walk of the module
//! `eval`, which the shortcuts are tested against on generated policy sets.
//!
//! The `rules` chain of a finding lists the rules that decided it: the path from the root
//! of the deciding component's tree (the deadline for deadline checks, the violation
//! condition for condition checks, the exemption when exempt) to the deciding rule, base
//! first. When a top-level exception decided, the base path that produced `overridden`
//! comes first; when the first rule is a base that merely names another value (an alias,
//! `deadline = some_value`), it is replaced by that value's chain. On a conflict the
//! chain is the two rules; on `unknown` it is empty and `reason` says why.
//!
//! Evaluation is pure and deterministic: same program, records and `as_of` give the same
//! bytes. Modules: [`decode`] (facts), `eval`/`ops`/`checks` (semantics), [`verdict`],
//! [`explain`] and [`render`] (explanations), [`input`] (streams), [`output`] (formats and
//! the run loop), [`testing`] (policy tests).

#![deny(missing_docs)]

mod checks;
mod compile;
pub mod decode;
mod eval;
pub mod explain;
mod fast;
mod index;
pub mod input;
mod json;
mod ops;
pub mod output;
mod prepare;
pub mod render;
pub mod testing;
mod time;
mod val;
pub mod verdict;

pub use decode::{DecodeError, Record, RecordId};
pub use eval::{Reason, Scratch, Stop};
pub use explain::Explanation;
pub use output::{run, Format, RunOptions, RunSummary};
pub use prepare::{FastPath, PrepareError, PrepareOptions};
pub use render::explain_tree;
pub use time::{format_duration, format_instant, parse_instant};
pub use val::{format_decimal, Val};
pub use verdict::{ErrorRecord, Finding, Verdict};

use ir::Program;

use crate::eval::Cx;
use crate::prepare::Prepared;

/// How many records ahead [`Evaluator::evaluate_all`] requests a record's slots (and twice
/// that, the record itself). Judging a record takes about a microsecond, several memory
/// latencies, so one ahead should do; runs side by side on the two cores could not tell
/// 1, 2 and 3 apart beyond noise (BENCHMARKS.md), and 2 is the safer margin.
const AHEAD: usize = 2;

/// The program an [`Evaluator`] judges with: borrowed, or shared through an `Arc`.
#[derive(Debug)]
enum ProgramRef<'p> {
    Borrowed(&'p Program),
    Shared(std::sync::Arc<Program>),
}

/// A program prepared for evaluation. Cheap to share between threads (`Sync`); each
/// thread evaluates with its own [`Scratch`].
#[derive(Debug)]
pub struct Evaluator<'p> {
    program: ProgramRef<'p>,
    prepared: Prepared,
    /// What explanations need, built on the first one.
    plan: std::sync::OnceLock<explain::Plan>,
}

impl<'p> Evaluator<'p> {
    /// Prepares `program`; a damaged IR (ids out of range) is an error here.
    pub fn new(program: &'p Program) -> Result<Evaluator<'p>, PrepareError> {
        Evaluator::with_options(program, PrepareOptions::default())
    }

    /// As [`Evaluator::new`], with preparation options (verdicts do not depend on them).
    pub fn with_options(
        program: &'p Program,
        options: PrepareOptions,
    ) -> Result<Evaluator<'p>, PrepareError> {
        Ok(Evaluator {
            prepared: prepare::prepare(program, options)?,
            program: ProgramRef::Borrowed(program),
            plan: std::sync::OnceLock::new(),
        })
    }

    /// An evaluator that owns (shares) its program, for programs that keep an evaluator
    /// beyond a borrow (a service, a binding): `Evaluator<'static>` is `Send + Sync`.
    pub fn shared(
        program: std::sync::Arc<Program>,
        options: PrepareOptions,
    ) -> Result<Evaluator<'static>, PrepareError> {
        Ok(Evaluator {
            prepared: prepare::prepare(&program, options)?,
            program: ProgramRef::Shared(program),
            plan: std::sync::OnceLock::new(),
        })
    }

    /// The program being evaluated.
    pub fn program(&self) -> &Program {
        match &self.program {
            ProgramRef::Borrowed(p) => p,
            ProgramRef::Shared(p) => p,
        }
    }

    /// Fresh working memory for this evaluator.
    pub fn scratch(&self) -> Scratch {
        Scratch::new(&self.prepared)
    }

    /// Decodes one JSON record against the program's schema (see [`decode`]).
    pub fn decode(&self, json: &serde_json::Value) -> Result<Record, DecodeError> {
        decode::decode(self.program(), json)
    }

    /// Evaluates every check of the record's kind at `as_of` (µs).
    pub fn evaluate(&self, scratch: &mut Scratch, record: &Record, as_of: i64) -> Verdict {
        let mut v = Verdict::default();
        self.evaluate_into(scratch, record, as_of, &mut v);
        v
    }

    /// As [`Evaluator::evaluate`], reusing `out`'s buffers (no allocation once warm, apart
    /// from copying the record's id).
    pub fn evaluate_into(
        &self,
        scratch: &mut Scratch,
        record: &Record,
        as_of: i64,
        out: &mut Verdict,
    ) {
        record.prefetch();
        self.judge(scratch, record, as_of, out);
    }

    /// Evaluates `records` in order at `as_of`, handing each record and its verdict to
    /// `each`. The verdict is one buffer reused from record to record (copy what you keep).
    ///
    /// The verdicts are those of [`Evaluator::evaluate_into`] called in a loop; this is
    /// the faster way to judge records held in memory (a pre-decoded batch): while one
    /// record is judged, the cache lines of the next few are already requested, where a
    /// loop would wait for each record's first line and then its slots.
    pub fn evaluate_all<'r>(
        &self,
        scratch: &mut Scratch,
        records: &'r [Record],
        as_of: i64,
        out: &mut Verdict,
        mut each: impl FnMut(&'r Record, &Verdict),
    ) {
        for r in records.iter().skip(AHEAD).take(AHEAD) {
            r.prefetch_header();
        }
        for r in records.iter().take(AHEAD) {
            r.prefetch_next();
        }
        for (i, record) in records.iter().enumerate() {
            // Twice as far ahead: the record's own lines; `AHEAD` records ahead: what they
            // point to (their lines were requested rounds ago, so reading them does not
            // wait).
            if let Some(r) = records.get(i + 2 * AHEAD) {
                r.prefetch_header();
            }
            if let Some(r) = records.get(i + AHEAD) {
                r.prefetch_next();
            }
            self.judge(scratch, record, as_of, out);
            each(record, out);
        }
    }

    /// [`Evaluator::evaluate_into`] without the prefetch (the caller's).
    #[inline(always)]
    fn judge(&self, scratch: &mut Scratch, record: &Record, as_of: i64, out: &mut Verdict) {
        scratch.next_record();
        let mut cx = Cx {
            p: &self.prepared,
            s: scratch,
            rec: &record.slots,
            kind: record.kind,
            as_of,
            depth: 0,
            nesting: 0,
        };
        // The derived `clone_from` of an enum allocates: copy into the existing buffer.
        match (&mut out.id, &record.id) {
            (Some(RecordId::Str(a)), Some(RecordId::Str(b)))
            | (Some(RecordId::Num(a)), Some(RecordId::Num(b))) => a.clone_from(b),
            (id, new) => id.clone_from(new),
        }
        out.kind = record.kind;
        out.as_of = as_of;
        out.findings.clear();
        out.chains.clear();
        let Some(checks) = self.prepared.by_kind.get(record.kind as usize) else {
            return;
        };
        let mut o = eval::CheckOut::status(ir::Status::NotApplicable);
        for &c in checks {
            cx.check_into(c, &mut o);
            if o.status == ir::Status::NotApplicable {
                continue;
            }
            let start = out.chains.len() as u32;
            match o.stop {
                Some(Stop::Conflict { a, b }) => out.chains.extend([a, b]),
                Some(Stop::Undefined { .. }) => {}
                None => match (o.decided_by, o.decider) {
                    // A lean deadline's base: its chain is static, pushed here without
                    // the walk's call.
                    // A lean deadline's base: its chain is static, pushed here without
                    // the walk's call.
                    (Some(r), _) => match self
                        .prepared
                        .rules
                        .get(r as usize)
                        .and_then(|rule| rule.chain.as_deref())
                    {
                        Some(chain) => {
                            for &r in chain {
                                out.chains.push(r);
                            }
                        }
                        None => cx.path_into(r, &mut out.chains, 0),
                    },
                    (None, Some(d)) => cx.chain_into(d, &mut out.chains, 0),
                    (None, None) => {}
                },
            }
            let compensation_rule = match (o.compensation, self.prepared.checks.get(c as usize)) {
                (Some(_), Some(pc)) => pc.compensation.and_then(|v| cx.deciding_rule(v, 0)),
                _ => None,
            };
            out.findings.push(Finding {
                check: c,
                status: o.status,
                deadline: o.deadline,
                actual: o.actual,
                compensation: o.compensation,
                compensation_rule,
                stop: o.stop,
                before_exempt: o.before_exempt,
                chain: (start, out.chains.len() as u32),
                reached: o.reached,
            });
        }
    }

    /// Evaluates the record and explains every finding (see [`explain`]).
    pub fn evaluate_explained(
        &self,
        scratch: &mut Scratch,
        record: &Record,
        as_of: i64,
    ) -> (Verdict, Explanation) {
        let (mut verdict, mut explanation) = (Verdict::default(), Explanation::default());
        self.evaluate_explained_into(scratch, record, as_of, &mut verdict, &mut explanation);
        (verdict, explanation)
    }

    /// As [`Evaluator::evaluate_explained`], reusing the buffers of `verdict` and
    /// `explanation` (nothing is allocated once they are warm, apart from copying the
    /// record's id).
    pub fn evaluate_explained_into(
        &self,
        scratch: &mut Scratch,
        record: &Record,
        as_of: i64,
        verdict: &mut Verdict,
        explanation: &mut Explanation,
    ) {
        scratch.ex.explaining = true;
        scratch.ex.tracing = true;
        self.evaluate_into(scratch, record, as_of, verdict);
        scratch.ex.tracing = false;
        let plan = self
            .plan
            .get_or_init(|| explain::Plan::new(self.program(), &self.prepared));
        let mut cx = Cx {
            p: &self.prepared,
            s: scratch,
            rec: &record.slots,
            kind: record.kind,
            as_of,
            depth: 0,
            nesting: 0,
        };
        cx.explain_into(self.program(), plan, verdict, explanation);
        scratch.ex.explaining = false;
    }
}
