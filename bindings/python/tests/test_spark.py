"""examples/spark/judge_orders.py in Spark local mode (local[2]) on 100,000 generated
records (Parquet), compared finding for finding with `edict eval`.

Runs whenever the suite runs (CI installs pyspark and has Java 17); set EDICT_SKIP_SPARK=1
to skip it locally.
"""

import os
import subprocess
import sys

import pytest

from conftest import AS_OF, POLICIES, ROOT, flatten, normalize, read_ndjson

pytestmark = pytest.mark.skipif(
    os.environ.get("EDICT_SKIP_SPARK") == "1", reason="EDICT_SKIP_SPARK=1"
)


def test_spark_example_matches_cli(generated, generated_cli, tmp_path):
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    records = read_ndjson(generated)
    ids = [r["id"] for r in records]
    assert len(set(ids)) == len(ids), "ids identify records across partitions"
    table = pa.Table.from_batches([pa.RecordBatch.from_struct_array(pa.array(records))])
    orders = tmp_path / "orders.parquet"
    pq.write_table(table, orders)
    out = tmp_path / "verdicts.parquet"
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "spark" / "judge_orders.py"),
         "--policies", str(POLICIES), "--input", str(orders), "--output", str(out),
         "--as-of", AS_OF, "--master", "local[2]"],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    assert "late_shipment" in run.stdout and "violated" in run.stdout

    got_t = pq.read_table(out)
    cols = {}
    for name in got_t.column_names:
        col = got_t.column(name)
        if pa.types.is_timestamp(col.type):
            col = pc.cast(col.cast(pa.timestamp("us", tz="UTC")), pa.int64())
        cols[name] = col.to_pylist()
    got = sorted(
        (
            cols["id"][k], cols["check"][k] or "", cols["kind"][k], cols["status"][k],
            cols["deadline"][k], cols["actual"][k],
            None if cols["compensation"][k] is None else cols["compensation"][k].normalize(),
            cols["compensation_rule"][k], cols["rule"][k], cols["rules"][k], cols["reason"][k],
            cols["error"][k] is not None,
        )
        for k in range(got_t.num_rows)
    )
    want = sorted(
        (r[1], r[3] or "", r[2], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12])
        for r in normalize(flatten(generated_cli))
    )
    assert len(got) == len(want) > 100_000
    bad = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
    assert bad == [], f"first mismatch: {got[bad[0]]} != {want[bad[0]]}"
