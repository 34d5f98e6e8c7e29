"""The Arrow path: judge_arrow against `edict eval`, typed columns, errors."""

import json
import threading

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import edict
from conftest import AS_OF, ORDERS, arrow_rows, cli_eval, flatten, normalize, read_ndjson


def to_table(records, batch_rows=None):
    """Records as an Arrow table (columns inferred from all records; no JSON text)."""
    batch = pa.RecordBatch.from_struct_array(pa.array(records))
    table = pa.Table.from_batches([batch])
    if batch_rows:
        table = pa.Table.from_batches(table.to_batches(max_chunksize=batch_rows))
    return table


def test_schema(engine):
    t = engine.judge_arrow(to_table(read_ndjson(ORDERS)), as_of=AS_OF)
    assert t.schema == edict.findings_schema
    assert t.schema.field("deadline").type == pa.timestamp("us", tz="+08:00")
    assert pa.types.is_decimal128(t.schema.field("compensation").type)


def test_judge_arrow_matches_cli_on_examples(engine):
    records = read_ndjson(ORDERS)
    got = arrow_rows(engine.judge_arrow(to_table(records), as_of=AS_OF))
    assert normalize(got) == normalize(flatten(cli_eval(ORDERS)))
    assert any(r[7] is not None for r in got), "some example pays compensation"


def test_judge_arrow_matches_cli_on_100k(engine, generated, generated_cli):
    table = to_table(read_ndjson(generated), batch_rows=8192)
    assert table.num_rows == 100_000 and len(table.to_batches()) > 1
    got = normalize(arrow_rows(engine.judge_arrow(table, as_of=AS_OF)))
    want = normalize(flatten(generated_cli))
    assert len(got) == len(want)
    bad = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
    assert bad == [], f"first mismatch: {got[bad[0]]} != {want[bad[0]]}"


def test_typed_columns_judge_as_text_columns(engine):
    """Timestamps (with and without a zone), decimal128 and dictionary-free strings give
    the verdicts of the RFC 3339 / decimal text they stand for."""
    records = read_ndjson(ORDERS)
    text = to_table(records)
    typed = text
    for name in ["paid_at", "shipped_at", "collected_at", "first_transit_at", "signed_at"]:
        if name in typed.column_names:
            i = typed.column_names.index(name)
            col = pc.strptime(typed.column(name), format="%Y-%m-%dT%H:%M:%S%z", unit="us")
            if name == "paid_at":  # naive wall-clock Beijing time
                col = pc.cast(pc.add(col.cast(pa.int64()), 8 * 3600 * 1_000_000), pa.timestamp("us"))
            else:
                col = col.cast(pa.timestamp("us", tz="UTC"))
            typed = typed.set_column(i, name, col)
    for name in ["order_paid", "goods_paid"]:
        i = typed.column_names.index(name)
        typed = typed.set_column(i, name, pc.cast(typed.column(name), pa.decimal128(12, 2)))
    assert pa.types.is_timestamp(typed.schema.field("shipped_at").type)
    want = arrow_rows(engine.judge_arrow(text, as_of=AS_OF))
    got = arrow_rows(engine.judge_arrow(typed, as_of=AS_OF))
    assert got == want


def test_batch_reader_and_single_batch(engine):
    table = to_table(read_ndjson(ORDERS), batch_rows=3)
    whole = engine.judge_arrow(table, as_of=AS_OF)
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches())
    assert engine.judge_arrow(reader, as_of=AS_OF).equals(whole)
    first = engine.judge_batch(table.to_batches()[0], AS_OF)
    assert isinstance(first, pa.RecordBatch)
    assert first.to_pylist() == whole.slice(0, first.num_rows).to_pylist()


def test_bad_rows_become_error_rows(engine):
    records = read_ndjson(ORDERS)[:3]
    records[1] = dict(records[1], paid_at="yesterday")
    t = engine.judge_arrow(to_table(records), as_of=AS_OF)
    errors = t.filter(pc.is_valid(t.column("error")))
    assert errors.column("row").to_pylist() == [1]
    assert errors.column("id").to_pylist() == [records[1]["id"]]
    assert "paid_at" in errors.column("error")[0].as_py()
    assert set(t.column("row").to_pylist()) == {0, 1, 2}


def test_missing_required_column_and_wrong_type(engine):
    records = read_ndjson(ORDERS)[:2]
    table = to_table(records).drop_columns(["paid_at"])
    t = engine.judge_arrow(table, as_of=AS_OF)
    assert t.column("error").to_pylist() == ["missing required field `paid_at`"] * 2
    wrong = to_table(records)
    i = wrong.column_names.index("remote_area_service")
    wrong = wrong.set_column(i, "remote_area_service", pa.array([1.5, 2.5]))
    t = engine.judge_arrow(wrong, as_of=AS_OF)
    assert all("remote_area_service" in e for e in t.column("error").to_pylist())


def test_not_arrow_is_a_type_error(engine):
    with pytest.raises(TypeError):
        engine.judge_arrow([{"kind": "order"}], as_of=AS_OF)


def test_gil_is_released(engine, generated):
    """Two threads judging at once both finish with the single-thread result."""
    table = to_table(read_ndjson(generated)[:20000])
    want = engine.judge_arrow(table, as_of=AS_OF)
    results = [None, None]

    def run(k):
        results[k] = engine.judge_arrow(table, as_of=AS_OF)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.equals(want) for r in results)


def test_pandas_frame_matches_cli(engine):
    """A DataFrame read by pandas (ints with gaps become float64, text large_string)."""
    pd = pytest.importorskip("pandas")
    orders = pd.read_json(ORDERS, lines=True, dtype=False)
    table = pa.Table.from_pandas(orders)
    assert table.schema.field("promised_ship_days").type == pa.float64()
    got = arrow_rows(engine.judge_arrow(table, as_of=AS_OF))
    assert normalize(got) == normalize(flatten(cli_eval(ORDERS)))


def test_fractional_float_is_not_an_int(engine):
    rec = read_ndjson(ORDERS)[0]
    table = to_table([dict(rec, promised_ship_days=None), dict(rec, id="F", promised_ship_days=None)])
    i = table.column_names.index("promised_ship_days")
    table = table.set_column(i, "promised_ship_days", pa.array([3.0, 2.5]))
    t = engine.judge_arrow(table, as_of=AS_OF)
    errors = [e for e in t.column("error").to_pylist() if e]
    assert errors == ["`promised_ship_days`: expected int, found 2.5"]
