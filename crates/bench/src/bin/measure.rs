//! `measure`: the benches' workloads without criterion, for profilers and noisy machines.
//!
//! ```text
//! cargo run --release -p edict-bench --bin measure -- eval|eval-all|explain|stream|scale N|scan N|shapes N|compile|compile-synth [ROUNDS]
//! ```
//!
//! The eval workloads cycle through a pool of 10,000 pre-decoded records (several MB: an
//! order is 20 slots of 24 bytes plus its id and lists; more than a core's L2 cache);
//! `POOL=N` in the environment sets another pool size, to see how much of the time is
//! memory (`POOL=1000` fits in L2), and `SEED=N` other records than the benchmarks' (seed
//! 42; `crates/bench/scripts/pgo.sh` trains on seed 7). `eval` calls `evaluate_into` once
//! per record; `eval-all` judges the pool with the batch API `evaluate_all`, which requests
//! the next records' cache lines while judging one. `shapes N` judges the same records
//! with a policy set of random shapes and N announcements (`datagen::shapes`, seed `SET`,
//! default 42): the per-record cost on rule sets unlike the shipped one. `FAST_PATHS`
//! switches the evaluator's fast paths (`none`, or `-name,...`; see `eval::FastPath`).
//!
//! Runs the workload ROUNDS times (default 10) after one warm-up round and prints the best
//! and the median time per record (per compile for the compile workloads). The best round is
//! the figure least disturbed by other processes on a shared machine; run it under
//! `perf stat -e instructions:u` for a count that does not depend on load at all.

use std::process::ExitCode;
use std::time::{Duration, Instant};

fn usage() -> ExitCode {
    eprintln!(
        "usage: measure eval|eval-all|explain|explain-json|stream|stream-explain|scale N|scan N|shapes N|compile|compile-synth [ROUNDS] (env: POOL, SEED, SET, FAST_PATHS)"
    );
    ExitCode::from(2)
}

/// The number in environment variable `name`, or `default` when it is unset or not one.
fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Times `f` (which handles `per_round` items) and prints best and median per item.
fn report(label: &str, rounds: usize, per_round: u64, mut f: impl FnMut() -> u64) {
    let mut sink = f();
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            sink = sink.wrapping_add(f());
            t.elapsed()
        })
        .collect();
    times.sort();
    let per = |d: Duration| d.as_secs_f64() / per_round as f64;
    let (best, median) = (per(times[0]), per(times[times.len() / 2]));
    println!(
        "{label}: best {:.1} ns/item ({:.0}/s), median {:.1} ns/item ({:.0}/s) [{} items x {} rounds, check {}]",
        best * 1e9,
        1.0 / best,
        median * 1e9,
        1.0 / median,
        per_round,
        rounds,
        sink % 1000
    );
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(what) = args.first().map(String::as_str) else {
        return usage();
    };
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(0);
    let needs_n = matches!(what, "scale" | "scan" | "shapes");
    let rounds: usize = args
        .get(if needs_n { 2 } else { 1 })
        .and_then(|a| a.parse().ok())
        .unwrap_or(10)
        .max(1);
    match run(what, n, rounds) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => usage(),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The evaluator's fast paths as `FAST_PATHS` says (`all`, `none`, or `-name,...`).
fn fast_paths() -> Result<eval::PrepareOptions, bench::SetupError> {
    let text = std::env::var("FAST_PATHS").unwrap_or_default();
    eval::PrepareOptions::parse(&text).map_err(|e| bench::SetupError(format!("FAST_PATHS: {e}")))
}

fn run(what: &str, n: usize, rounds: usize) -> Result<bool, bench::SetupError> {
    let as_of = bench::as_of();
    match what {
        "eval" | "eval-all" | "explain" | "explain-json" | "shapes" => {
            // `shapes N`: a policy set of random shapes with N announcements
            // (`datagen::shapes`), judged on the same records as the shipped set.
            let program = if what == "shapes" {
                bench::compile(&datagen::shapes::random_set(env_or("SET", 42), n.max(1)))?
            } else {
                bench::shipped_program()?
            };
            let ev = eval::Evaluator::with_options(&program, fast_paths()?)
                .map_err(|e| bench::SetupError(e.to_string()))?;
            let (pool, seed) = (env_or("POOL", 10_000), env_or("SEED", bench::SEED));
            let records = bench::decode_all(&ev, &bench::generated_with(seed, pool))?;
            let mut scratch = ev.scratch();
            let mut out = eval::Verdict::default();
            let mut expl = eval::Explanation::default();
            let mut line = String::new();
            report(what, rounds, records.len() as u64, || {
                let mut k = 0u64;
                if what == "eval-all" {
                    ev.evaluate_all(&mut scratch, &records, as_of, &mut out, |_, v| {
                        k += v.findings.len() as u64
                    });
                    return k;
                }
                for r in &records {
                    match what {
                        "eval" | "shapes" => {
                            ev.evaluate_into(&mut scratch, r, as_of, &mut out);
                            k += out.findings.len() as u64;
                        }
                        "explain" => {
                            ev.evaluate_explained_into(&mut scratch, r, as_of, &mut out, &mut expl);
                            k += (out.findings.len() + expl.findings().len()) as u64;
                        }
                        _ => {
                            ev.evaluate_explained_into(&mut scratch, r, as_of, &mut out, &mut expl);
                            line.clear();
                            out.write_json(&program, &mut line, Some(&expl));
                            k += line.len() as u64;
                        }
                    }
                }
                k
            });
        }
        "stream" | "stream-explain" => {
            let program = bench::shipped_program()?;
            let ev =
                eval::Evaluator::new(&program).map_err(|e| bench::SetupError(e.to_string()))?;
            let input = bench::generated(20_000);
            let opts = eval::RunOptions {
                as_of,
                explain: what == "stream-explain",
                format: eval::Format::Ndjson,
            };
            let mut out = Vec::with_capacity(input.len() * 2);
            report(what, rounds, 20_000, || {
                out.clear();
                match eval::run(&ev, input.as_bytes(), &mut out, &opts) {
                    Ok(s) => s.records + out.len() as u64,
                    Err(_) => 0,
                }
            });
        }
        "scale" | "scan" if n > 0 => {
            let program = bench::compile(&datagen::synth::policy_set(n))?;
            let indexed = what == "scale";
            let opts = eval::PrepareOptions {
                window_index: indexed,
                key_filter: indexed,
                exclusive: indexed,
                ..Default::default()
            };
            let ev = eval::Evaluator::with_options(&program, opts)
                .map_err(|e| bench::SetupError(e.to_string()))?;
            let count = if what == "scan" && n >= 1000 {
                1_000
            } else {
                10_000
            };
            let records = bench::decode_all(&ev, &datagen::synth::records(7, n, count))?;
            let as_of = eval::parse_instant("2060-01-01T00:00:00+08:00").unwrap_or_default();
            let mut scratch = ev.scratch();
            let mut out = eval::Verdict::default();
            report(&format!("{what} {n}"), rounds, records.len() as u64, || {
                let mut k = 0u64;
                for r in &records {
                    ev.evaluate_into(&mut scratch, r, as_of, &mut out);
                    k += out.findings.len() as u64;
                }
                k
            });
        }
        "compile" | "compile-synth" => {
            let files = if what == "compile" {
                bench::shipped_files()?
            } else {
                datagen::synth::policy_set(1000)
            };
            report(what, rounds, 1, || {
                bench::compile(&files).map_or(0, |p| p.rules.len() as u64)
            });
        }
        _ => return Ok(false),
    }
    Ok(true)
}
