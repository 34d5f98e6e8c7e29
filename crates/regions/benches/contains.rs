//! Micro-benchmarks: `RegionSet::contains` and `Gazetteer::resolve_record`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use regions::{gazetteer, Level, RegionSet};

fn bench_contains(c: &mut Criterion) {
    let g = gazetteer();
    let counties: Vec<u32> = g.at_level(Level::County).map(|r| r.code).collect();
    // A realistic policy set: five provinces, a few cities and counties.
    let small = RegionSet::new([
        150000, 540000, 650000, 640000, 450000, 520300, 620200, 429004,
    ]);
    // A worst-ish case: every other county (~1500 ranges).
    let large = RegionSet::new(counties.iter().copied().step_by(2));
    let probes: Vec<u32> = counties.iter().copied().step_by(7).collect();

    c.bench_function("RegionSet::contains small (8 regions)", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % probes.len();
            black_box(small.contains(black_box(probes[i])))
        })
    });
    c.bench_function("RegionSet::contains large (~1500 ranges)", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % probes.len();
            black_box(large.contains(black_box(probes[i])))
        })
    });
}

fn bench_resolve_record(c: &mut Criterion) {
    let g = gazetteer();
    let inputs = [
        ("code", "150102"),
        ("canonical", "内蒙古自治区呼和浩特市新城区"),
        ("short path", "内蒙古呼和浩特市新城区"),
        ("separated path", "内蒙古自治区 / 呼和浩特市 / 新城区"),
    ];
    for (label, text) in inputs {
        c.bench_function(&format!("resolve_record {label}"), |b| {
            b.iter(|| black_box(g.resolve_record(black_box(text))))
        });
    }
}

criterion_group!(benches, bench_contains, bench_resolve_record);
criterion_main!(benches);
