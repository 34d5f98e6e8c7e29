#!/usr/bin/env python3
"""Throughput of the Python package (reported in BENCHMARKS.md, never asserted).

    python bindings/python/bench.py --datagen target/release/edict-datagen \
        --cli target/release/edict --count 1000000 [--spark]

1. `judge_arrow` on prebuilt batches (the table is in memory before the clock starts),
   one thread: records per second.
2. With --spark: the same rows as Parquet through examples/spark/judge_orders.py in
   local[2], end to end (JVM start, read, judge, write, summary), beside `edict eval` on
   the same rows as NDJSON (written to /dev/null).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.json as pj
import pyarrow.parquet as pq

import edict

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2024-03-01T00:00:00+08:00"


def load_arrow(ndjson):
    """NDJSON → Arrow with pyarrow's reader; the schema comes from the first 20,000
    records so instants stay text."""
    import json

    with open(ndjson, encoding="utf-8") as f:
        sample = [json.loads(next(f)) for _ in range(20_000)]
    schema = pa.schema(list(pa.array(sample).type))
    return pj.read_json(
        ndjson,
        read_options=pj.ReadOptions(block_size=1 << 24),
        parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"),
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--datagen", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--count", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=65_536)
    ap.add_argument("--spark", action="store_true")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="edict-bench-"))
    ndjson = tmp / "orders.ndjson"
    with open(ndjson, "wb") as f:
        subprocess.run([args.datagen, "--seed", "42", "--count", str(args.count)], check=True, stdout=f)
    table = load_arrow(ndjson)
    table = pa.Table.from_batches(table.combine_chunks().to_batches(max_chunksize=args.batch))
    assert table.num_rows == args.count
    engine = edict.Policies.load(ROOT / "policies").engine()

    engine.judge_arrow(table.slice(0, 10_000), as_of=AS_OF)  # warm up
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        out = engine.judge_arrow(table, as_of=AS_OF)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    print(f"judge_arrow: {args.count:,} records, {out.num_rows:,} findings, "
          f"batches of {args.batch:,}: best of 3 {best:.3f} s = {args.count / best / 1e6:.2f} M records/s (1 thread)")

    # The same rows with instants as timestamp columns and money as decimal128, as a
    # Parquet file written by a typed pipeline would have them.
    import pyarrow.compute as pc

    typed = table
    for i, name in enumerate(typed.column_names):
        col = typed.column(name)
        if pa.types.is_string(col.type) and (name.endswith("_at") or name.endswith("_by")):
            col = pc.strptime(col, format="%Y-%m-%dT%H:%M:%S%z", unit="us", error_is_null=True)
            typed = typed.set_column(i, name, col.cast(pa.timestamp("us", tz="+08:00")))
        elif name in ("order_paid", "goods_paid"):
            typed = typed.set_column(i, name, pc.cast(col, pa.decimal128(12, 2)))
    best_typed = None
    for _ in range(3):
        t0 = time.perf_counter()
        engine.judge_arrow(typed, as_of=AS_OF)
        dt = time.perf_counter() - t0
        best_typed = dt if best_typed is None else min(best_typed, dt)
    print(f"judge_arrow, timestamp and decimal128 columns: best of 3 {best_typed:.3f} s = "
          f"{args.count / best_typed / 1e6:.2f} M records/s (1 thread)")

    if args.spark:
        parquet = tmp / "orders.parquet"
        pq.write_table(table, parquet)
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "examples/spark/judge_orders.py"), "--policies",
             str(ROOT / "policies"), "--input", str(parquet), "--output", str(tmp / "verdicts.parquet"),
             "--as-of", AS_OF, "--master", "local[2]"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        spark_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        with open(os.devnull, "wb") as null:
            r = subprocess.run([args.cli, "eval", str(ROOT / "policies"), str(ndjson), "--as-of", AS_OF], stdout=null)
        cli_s = time.perf_counter() - t0
        assert r.returncode in (0, 2)
        print(f"spark local[2] end to end (Parquet in, Parquet out): {spark_s:.1f} s "
              f"= {args.count / spark_s / 1e3:.0f} k records/s")
        print(f"edict eval on the same rows (NDJSON in, NDJSON to /dev/null): {cli_s:.1f} s "
              f"= {args.count / cli_s / 1e3:.0f} k records/s")


if __name__ == "__main__":
    main()
