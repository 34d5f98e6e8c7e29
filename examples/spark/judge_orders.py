#!/usr/bin/env python3
"""Judge orders with Edict on Spark: `mapInArrow` runs `engine.judge_batch` on each Arrow
batch of each partition (no JSON, no rows through Python), Spark does the distribution.

    python examples/spark/judge_orders.py --policies policies/ \
        --input orders.parquet --output verdicts.parquet --as-of 2024-03-01T00:00:00+08:00

Reads Parquet, or JSON lines when the input ends in .ndjson/.jsonl/.json; writes one row
per finding (edict.findings_schema) as Parquet and prints the count per check and status.
Runs in local mode (local[2]) when no master is configured; unchanged under spark-submit
on a cluster (the policies are shipped with SparkContext.addFile, the wheel with
--py-files or the cluster's Python environment: see README.md here).
"""

import argparse
import os
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

FINDINGS = T.StructType(
    [
        T.StructField("row", T.LongType(), False),
        T.StructField("id", T.StringType()),
        T.StructField("kind", T.StringType()),
        T.StructField("check", T.StringType()),
        T.StructField("status", T.StringType()),
        T.StructField("deadline", T.TimestampType()),
        T.StructField("actual", T.TimestampType()),
        T.StructField("compensation", T.DecimalType(38, 4)),
        T.StructField("compensation_rule", T.StringType()),
        T.StructField("rule", T.StringType()),
        T.StructField("rules", T.ArrayType(T.StringType())),
        T.StructField("reason", T.StringType()),
        T.StructField("error", T.StringType()),
    ]
)


def judge_partitions(policies_name, as_of):
    """The function mapInArrow calls: one engine per Python worker, one findings batch per
    input batch."""

    def run(batches):
        import edict
        from pyspark import SparkFiles

        engine = _ENGINES.get(policies_name)
        if engine is None:
            engine = edict.Policies.load(SparkFiles.get(policies_name)).engine()
            _ENGINES[policies_name] = engine
        for batch in batches:
            yield engine.judge_batch(batch, as_of)

    return run


_ENGINES = {}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--policies", required=True, help="policy folder (or an IR file)")
    ap.add_argument("--input", required=True, help="orders: Parquet, or JSON lines")
    ap.add_argument("--output", required=True, help="where to write the findings (Parquet)")
    ap.add_argument("--as-of", required=True, help="RFC 3339 instant the verdicts are judged at")
    ap.add_argument("--master", default=None, help="default: the configured one, else local[2]")
    args = ap.parse_args(argv)

    from pyspark import SparkConf

    builder = SparkSession.builder.appName("edict-judge-orders")
    master = args.master
    if not master and not SparkConf().contains("spark.master"):  # not under spark-submit
        master = "local[2]"
    if master:
        builder = builder.master(master)
    if (master or "").startswith("local"):
        # Local workers run the driver's Python (the one with edict and pyarrow installed),
        # not whatever `python3` is first on PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        builder.config("spark.sql.session.timeZone", "+08:00")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "10000")
        .getOrCreate()
    )
    policies = os.path.abspath(args.policies.rstrip("/"))
    spark.sparkContext.addFile(policies, recursive=os.path.isdir(policies))
    name = os.path.basename(policies)

    lower = args.input.lower()
    if lower.endswith((".ndjson", ".jsonl", ".json")):
        # Instants stay text (read exactly as `edict eval` reads them).
        orders = spark.read.option("inferTimestamp", "false").json(args.input)
    else:
        orders = spark.read.parquet(args.input)

    findings = orders.mapInArrow(judge_partitions(name, args.as_of), FINDINGS)
    findings.write.mode("overwrite").parquet(args.output)

    written = spark.read.parquet(args.output)
    summary = (
        written.groupBy(F.coalesce("check", F.lit("<error>")).alias("check"), "status")
        .count()
        .orderBy("check", "status")
        .collect()
    )
    print(f"{'check':<32} {'status':<10} {'count':>10}")
    for r in summary:
        print(f"{r['check']:<32} {str(r['status'] or '-'):<10} {r['count']:>10}")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
