//! The same rule in Edict, zen-engine and datalogic-rs (see the crate doc), on the same
//! 10,000 pre-parsed records: records per second for each engine and mode.
//!
//! ```text
//! cd crates/peer-bench && cargo bench
//! ```

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use peer_bench::*;

const N: usize = 10_000;

fn bench(c: &mut Criterion) {
    let cases = cases(42, N);
    let mut g = c.benchmark_group("peers");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(20);

    let program = edict_program().unwrap_or_else(|e| panic!("{e}"));
    let ev = eval::Evaluator::new(&program).unwrap_or_else(|e| panic!("{e}"));
    let records = edict_records(&ev, &cases).unwrap_or_else(|e| panic!("{e}"));
    let mut scratch = ev.scratch();
    let mut out = eval::Verdict::default();
    let as_of = AS_OF * 1_000_000;
    g.bench_function("edict", |b| {
        b.iter(|| {
            for r in &records {
                ev.evaluate_into(&mut scratch, r, as_of, &mut out);
                black_box(&out);
            }
        })
    });
    let mut explained = eval::Explanation::default();
    g.bench_function("edict+explain", |b| {
        b.iter(|| {
            for r in &records {
                ev.evaluate_explained_into(&mut scratch, r, as_of, &mut out, &mut explained);
                black_box((&out, &explained));
            }
        })
    });

    let decision = zen_decision().unwrap_or_else(|e| panic!("{e}"));
    let inputs: Vec<zen_engine::Variable> = cases.iter().map(|c| c.json_seconds().into()).collect();
    for (name, trace) in [("zen", false), ("zen+trace", true)] {
        let opts = zen_engine::EvaluationOptions {
            trace,
            max_depth: 5,
        };
        g.bench_function(name, |b| {
            b.iter(|| {
                for input in &inputs {
                    let r = pollster::block_on(decision.evaluate_with_opts(input.clone(), opts));
                    black_box(r.is_ok());
                }
            })
        });
    }

    let (engine, logic) = datalogic().unwrap_or_else(|e| panic!("{e}"));
    let parsed = datalogic_records(&cases).unwrap_or_else(|e| panic!("{e}"));
    let mut session = engine.session();
    g.bench_function("datalogic", |b| {
        b.iter(|| {
            for p in &parsed {
                let ok = session.eval_borrowed(&logic, p).is_ok();
                black_box(ok);
                session.reset();
            }
        })
    });
    let traced = engine.trace();
    g.bench_function("datalogic+trace", |b| {
        b.iter(|| {
            for p in &parsed {
                let arena = bumpalo_arena();
                black_box(traced.eval_borrowed(&logic, p, &arena).result.is_ok());
            }
        })
    });
    g.finish();
}

fn bumpalo_arena() -> bumpalo::Bump {
    bumpalo::Bump::new()
}

criterion_group!(benches, bench);
criterion_main!(benches);
