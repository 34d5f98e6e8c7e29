//! `edict check` + compile: the shipped policies (target < 20 ms) and 1,000 synthetic
//! announcement files (target < 1 s). Sources are read once, outside the timing; the
//! figure is parse, check and compile into the IR (what `edict check` and `edict compile`
//! do after reading the folder).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    let shipped = bench::shipped_files().unwrap_or_else(|e| panic!("{e}"));
    let synthetic = datagen::synth::policy_set(1000);
    let mut g = c.benchmark_group("compile");
    g.bench_function("shipped", |b| {
        b.iter(|| {
            bench::compile(&shipped)
                .map(|p| p.rules.len())
                .unwrap_or_else(|e| panic!("{e}"))
        })
    });
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("synthetic 1000 files", |b| {
        b.iter(|| {
            bench::compile(&synthetic)
                .map(|p| p.rules.len())
                .unwrap_or_else(|e| panic!("{e}"))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
