//! Throughput of evaluation on pre-decoded records, without explanations.
//!
//! The program is hand-built (`bench_program` in `tests/common`): 15 deadline checks, each
//! a base with a festival exception and a merchant-delay child, an exemption by region,
//! compensation on every other check, and a report layer on a third of them. Point it at
//! the real policies by loading a compiled IR (`ir::Program::from_json`) instead.
//!
//! Measured on the 2-core workplace machine (shared, loaded): about 230 K records/s for
//! evaluation alone and 125 K/s with verdict JSON; about 30 K instructions per record
//! (valgrind), of which the rule walk and guards are most. The 2 M/s target needs a further
//! step (decision trees compiled whole, guards indexed by time window).

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn bench(c: &mut Criterion) {
    let p = bench_program();
    let ev = eval::Evaluator::new(&p).unwrap_or_else(|e| panic!("{e}"));
    let recs = bench_records(&ev);
    let as_of = t("2024-02-25 12:00:00");
    let mut scratch = ev.scratch();
    let mut out = eval::Verdict::default();
    let mut g = c.benchmark_group("eval");
    g.throughput(Throughput::Elements(recs.len() as u64));
    g.bench_function("15 checks, no explanations", |bench| {
        bench.iter(|| {
            let mut n = 0;
            for r in &recs {
                ev.evaluate_into(&mut scratch, r, as_of, &mut out);
                n += out.findings.len();
            }
            n
        })
    });
    let mut line = String::new();
    g.bench_function("15 checks, verdict JSON", |bench| {
        bench.iter(|| {
            let mut n = 0;
            for r in &recs {
                ev.evaluate_into(&mut scratch, r, as_of, &mut out);
                line.clear();
                out.write_json(&p, &mut line, None);
                n += line.len();
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
