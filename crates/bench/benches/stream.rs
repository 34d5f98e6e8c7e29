//! End to end: NDJSON bytes in, NDJSON verdicts out, through [`eval::run`] (parse, decode,
//! evaluate, write), on the shipped policies. Target ≥ 300,000 records/s.
//!
//! Input: 20,000 generated records (seed 42, mixed) held in memory; output into a reused
//! buffer, so the figure is the engine's, not the disk's. Peak memory on a 5,000,000-record
//! file through the release binary is measured by `scripts/stream_rss.sh`, not here.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn bench(c: &mut Criterion) {
    let program = bench::shipped_program().unwrap_or_else(|e| panic!("{e}"));
    let ev = eval::Evaluator::new(&program).unwrap_or_else(|e| panic!("{e}"));
    let input = bench::generated(20_000);
    let n = input.lines().count() as u64;
    let mut out: Vec<u8> = Vec::with_capacity(input.len() * 2);
    let mut g = c.benchmark_group("stream/shipped");
    g.sample_size(20);
    for (name, explain) in [("ndjson", false), ("ndjson+explain", true)] {
        let opts = eval::RunOptions {
            as_of: bench::as_of(),
            explain,
            format: eval::Format::Ndjson,
        };
        g.throughput(Throughput::Elements(n));
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                let s = eval::run(&ev, input.as_bytes(), &mut out, &opts)
                    .unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(s.errors, 0);
                out.len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
