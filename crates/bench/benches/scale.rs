//! Scale in rules: per-record evaluation cost on synthetic policy sets of 10, 100, 1,000
//! and 10,000 announcements, each adding one windowed exception to the same deadline
//! (distinct windows on `paid_at`, see `datagen::synth`). Target: the cost at 10,000
//! within 2× of the cost at 10.
//!
//! Records: 10,000 synthetic orders whose payment day is drawn over the span the windows
//! cover, so about half of them fall inside some window whatever the size of the set.
//!
//! `indexed` is the evaluator as shipped (window index on); `scan` prepares the same program
//! with the window index, key filter and exclusive lists off, every guard of the list evaluated, to show
//! what the index buys. The scan at 10,000 is measured on 1,000 of the records.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

fn bench(c: &mut Criterion) {
    let as_of = eval::parse_instant("2060-01-01T00:00:00+08:00").unwrap_or_default();
    let mut g = c.benchmark_group("scale/windowed-exceptions");
    g.sample_size(20);
    for n in SIZES {
        let files = datagen::synth::policy_set(n);
        let program = bench::compile(&files).unwrap_or_else(|e| panic!("{e}"));
        for (name, window_index) in [("indexed", true), ("scan", false)] {
            let opts = eval::PrepareOptions {
                window_index,
                key_filter: window_index,
                exclusive: window_index,
                ..Default::default()
            };
            let ev =
                eval::Evaluator::with_options(&program, opts).unwrap_or_else(|e| panic!("{e}"));
            let count = if window_index || n < 10_000 {
                10_000
            } else {
                1_000
            };
            let records = bench::decode_all(&ev, &datagen::synth::records(7, n, count))
                .unwrap_or_else(|e| panic!("{e}"));
            let mut scratch = ev.scratch();
            let mut out = eval::Verdict::default();
            g.throughput(Throughput::Elements(records.len() as u64));
            g.bench_function(BenchmarkId::new(name, n), |b| {
                b.iter(|| {
                    let mut k = 0;
                    for r in &records {
                        ev.evaluate_into(&mut scratch, r, as_of, &mut out);
                        k += out.findings.len();
                    }
                    k
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
