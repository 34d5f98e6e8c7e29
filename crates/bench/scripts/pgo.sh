#!/usr/bin/env bash
# A profile-guided (PGO) build of `edict` and `measure`, for bulk runs that want the last
# tenth of throughput. The default build is unchanged; this one lands in target/pgo/.
#
#   crates/bench/scripts/pgo.sh [TRAIN_COUNT]
#
# 1. Builds an instrumented `edict` and `measure` into target/pgo-gen/.
# 2. Trains them the way Edict is used, on records of seed 7 (the benchmarks use seed 42):
#    `edict eval` over TRAIN_COUNT generated records (default 200,000), NDJSON verdicts
#    without and with `--explain`, human-readable ones on a tenth of them; and the batch
#    API, `evaluate_all`, through `measure eval-all` (library users judging records held
#    in memory).
# 3. Merges the raw profiles with `llvm-profdata`: $LLVM_PROFDATA, else the newest
#    /usr/lib/llvm-*/bin/llvm-profdata, else the one on PATH. It must read the raw format
#    of rustc's own LLVM (`rustc -vV` names it). Here rustc 1.95 (LLVM 22) writes a format
#    that Debian 12's llvm-19 reads and llvm-14 does not (`apt-get install llvm-19`).
# 4. Builds `edict` and `measure` with the profile into target/pgo/release/, and checks
#    that the PGO `edict` writes the same verdict bytes as the default release build on
#    20,000 records (seed 42), plain and explained.
#
# Measured in BENCHMARKS.md (seventh session). A build recipe, not a test; CI does not run
# it.
set -euo pipefail

count="${1:-200000}"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"

profdata="${LLVM_PROFDATA:-}"
if [[ -z "$profdata" ]]; then
  profdata="$(ls -1 /usr/lib/llvm-*/bin/llvm-profdata 2>/dev/null | sort -V | tail -n 1 || true)"
fi
if [[ -z "$profdata" ]]; then
  profdata="$(command -v llvm-profdata || true)"
fi
if [[ -z "$profdata" ]]; then
  echo "no llvm-profdata: set LLVM_PROFDATA (see the header of $0)" >&2
  exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
as_of="2024-03-01T00:00:00+08:00"

echo "instrumented build (target/pgo-gen) ..." >&2
RUSTFLAGS="-Cprofile-generate=$work/raw" \
  cargo build --release -q -p edict-cli -p edict-bench --bin edict --bin measure \
  --target-dir target/pgo-gen
cargo build --release -q -p edict-cli -p edict-datagen

echo "training on $count records ..." >&2
./target/release/edict-datagen --seed 7 --count "$count" --kind mixed > "$work/train.ndjson"
head -n "$((count / 10))" "$work/train.ndjson" > "$work/train-small.ndjson"
gen=./target/pgo-gen/release/edict
"$gen" eval policies/ "$work/train.ndjson" --as-of "$as_of" > /dev/null
"$gen" eval policies/ "$work/train.ndjson" --as-of "$as_of" --explain > /dev/null
"$gen" eval policies/ "$work/train-small.ndjson" --as-of "$as_of" --format human --explain \
  > /dev/null
SEED=7 ./target/pgo-gen/release/measure eval-all 3 > /dev/null

"$profdata" merge -o "$work/edict.profdata" "$work"/raw/*.profraw

echo "optimized build (target/pgo) ..." >&2
RUSTFLAGS="-Cprofile-use=$work/edict.profdata" \
  cargo build --release -q -p edict-cli -p edict-bench --bin edict --bin measure \
  --target-dir target/pgo

echo "checking verdicts against the default build ..." >&2
./target/release/edict-datagen --seed 42 --count 20000 --kind mixed > "$work/check.ndjson"
for flags in "" "--explain"; do
  # shellcheck disable=SC2086 # the flags are words
  a="$(./target/release/edict eval policies/ "$work/check.ndjson" --as-of "$as_of" $flags | md5sum)"
  # shellcheck disable=SC2086
  b="$(./target/pgo/release/edict eval policies/ "$work/check.ndjson" --as-of "$as_of" $flags | md5sum)"
  if [[ "$a" != "$b" ]]; then
    echo "verdicts differ (flags: '$flags'): $a vs $b" >&2
    exit 1
  fi
done
echo "built target/pgo/release/edict and target/pgo/release/measure (same verdicts)" >&2
