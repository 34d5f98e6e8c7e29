//! Evaluation of pre-decoded records on the shipped policies: records per second without
//! explanations (target ≥ 2,000,000/s/core; one `evaluate_into` per record, and the batch
//! API `evaluate_all`), with explanations built (target ≥ 300,000/s), and with explanations
//! built and written as verdict JSON.
//!
//! Records: 10,000 generated ones (seed 42, mixed orders and after-sales, every period),
//! judged at the generator's snapshot instant.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn bench(c: &mut Criterion) {
    let program = bench::shipped_program().unwrap_or_else(|e| panic!("{e}"));
    let ev = eval::Evaluator::new(&program).unwrap_or_else(|e| panic!("{e}"));
    let records =
        bench::decode_all(&ev, &bench::generated(10_000)).unwrap_or_else(|e| panic!("{e}"));
    let as_of = bench::as_of();
    let mut scratch = ev.scratch();
    let mut out = eval::Verdict::default();
    let mut expl = eval::Explanation::default();
    let mut line = String::new();

    let mut g = c.benchmark_group("eval/shipped");
    g.throughput(Throughput::Elements(records.len() as u64));
    g.bench_function("verdicts", |b| {
        b.iter(|| {
            let mut n = 0;
            for r in &records {
                ev.evaluate_into(&mut scratch, r, as_of, &mut out);
                n += out.findings.len();
            }
            n
        })
    });
    g.bench_function("verdicts, evaluate_all", |b| {
        b.iter(|| {
            let mut n = 0;
            ev.evaluate_all(&mut scratch, &records, as_of, &mut out, |_, v| {
                n += v.findings.len()
            });
            n
        })
    });
    g.bench_function("verdicts+json", |b| {
        b.iter(|| {
            let mut n = 0;
            for r in &records {
                ev.evaluate_into(&mut scratch, r, as_of, &mut out);
                line.clear();
                out.write_json(&program, &mut line, None);
                n += line.len();
            }
            n
        })
    });
    g.sample_size(20);
    g.bench_function("explained", |b| {
        b.iter(|| {
            let mut n = 0;
            for r in &records {
                ev.evaluate_explained_into(&mut scratch, r, as_of, &mut out, &mut expl);
                n += out.findings.len() + expl.findings().len();
            }
            n
        })
    });
    g.bench_function("explained+json", |b| {
        b.iter(|| {
            let mut n = 0;
            for r in &records {
                ev.evaluate_explained_into(&mut scratch, r, as_of, &mut out, &mut expl);
                line.clear();
                out.write_json(&program, &mut line, Some(&expl));
                n += line.len();
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
