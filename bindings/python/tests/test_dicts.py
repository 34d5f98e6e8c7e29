"""The dict path: judge, judge_many and explain against `edict eval`."""

import json

import pytest

import edict
from conftest import AS_OF, ORDERS, POLICIES, ROOT, cli_eval, read_ndjson


def test_judge_matches_cli_on_examples(engine):
    records = read_ndjson(ORDERS)
    expected = cli_eval(ORDERS)
    assert len(records) == len(expected) > 0
    for rec, want in zip(records, expected):
        assert engine.judge(rec, as_of=AS_OF) == want


def test_judge_many_matches_cli_on_100k(engine, generated, generated_cli):
    records = read_ndjson(generated)
    got = engine.judge_many(records, as_of=AS_OF)
    assert len(got) == len(generated_cli) == 100_000
    mismatches = [i for i, (g, w) in enumerate(zip(got, generated_cli)) if g != w]
    assert mismatches == [], f"first mismatch at record {mismatches[:1]}"


def test_as_of_accepts_datetime(engine):
    from datetime import datetime, timedelta, timezone

    rec = read_ndjson(ORDERS)[0]
    beijing = timezone(timedelta(hours=8))
    as_dt = engine.judge(rec, as_of=datetime(2024, 3, 1, tzinfo=beijing))
    naive = engine.judge(rec, as_of=datetime(2024, 3, 1))  # naive: Beijing time
    assert as_dt == naive == engine.judge(rec, as_of=AS_OF)
    assert as_dt["as_of"] == AS_OF


def test_explain_matches_cli(engine):
    rec = read_ndjson(ORDERS)[1]
    out = engine.explain(rec, as_of=AS_OF)
    assert set(out) == {"verdict", "tree"}
    assert all("explain" in f for f in out["verdict"]["findings"])
    # The verdict with explanations is what `edict eval --explain` writes.
    import subprocess
    from conftest import _cmd

    line = subprocess.run(
        _cmd("EDICT_CLI", "edict-cli")
        + ["eval", str(POLICIES), "-", "--as-of", AS_OF, "--explain"],
        cwd=ROOT, input=json.dumps(rec), capture_output=True, text=True, check=True,
    ).stdout
    assert out["verdict"] == json.loads(line)
    tree = subprocess.run(
        _cmd("EDICT_CLI", "edict-cli")
        + ["explain", str(POLICIES), "-", "--id", rec["id"], "--as-of", AS_OF],
        cwd=ROOT, input=json.dumps(rec), capture_output=True, text=True,
    )
    assert tree.returncode == 0, tree.stderr
    assert out["tree"].strip() == tree.stdout.strip()


def test_explain_flag_on_judge(engine):
    rec = read_ndjson(ORDERS)[0]
    plain = engine.judge(rec, as_of=AS_OF)
    explained = engine.judge(rec, as_of=AS_OF, explain=True)
    assert all("explain" not in f for f in plain["findings"])
    assert all("explain" in f for f in explained["findings"])


def test_bad_record_raises_record_error_with_id(engine):
    rec = dict(read_ndjson(ORDERS)[0], paid_at="yesterday")
    with pytest.raises(edict.RecordError) as e:
        engine.judge(rec, as_of=AS_OF)
    assert "paid_at" in str(e.value)
    assert e.value.id == rec["id"]
    with pytest.raises(edict.RecordError):
        engine.judge({"kind": "spaceship", "id": "X"}, as_of=AS_OF)
    with pytest.raises(TypeError):
        engine.judge({"kind": "order", "id": object()}, as_of=AS_OF)


def test_judge_many_errors_are_records_like_the_cli(engine, tmp_path):
    good = read_ndjson(ORDERS)[:2]
    bad = dict(good[0], id="BAD1", order_paid="lots")
    records = [good[0], bad, good[1]]
    path = tmp_path / "mixed.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    got = engine.judge_many(records, as_of=AS_OF)
    want = cli_eval(path)
    assert [("error" in g) for g in got] == [False, True, False]
    assert got[0] == want[0] and got[2] == want[2]
    assert (got[1]["id"], got[1]["line"]) == (want[1]["id"], want[1]["line"]) == ("BAD1", 2)
    assert got[1]["error"] == want[1]["error"]
    with pytest.raises(edict.RecordError):
        engine.judge_many(records, as_of=AS_OF, errors="raise")
    with pytest.raises(ValueError):
        engine.judge_many(records, as_of=AS_OF, errors="ignore")


def test_bad_as_of(engine):
    with pytest.raises(ValueError):
        engine.judge(read_ndjson(ORDERS)[0], as_of="next tuesday")


def test_policy_errors_carry_codes_and_locations(tmp_path):
    (tmp_path / "bad.edict").write_text("value x = nope\n")
    with pytest.raises(edict.PolicyError) as e:
        edict.Policies.load(tmp_path)
    ds = e.value.diagnostics
    assert ds and ds[0]["code"].startswith("E")
    assert ds[0]["file"].endswith("bad.edict") and ds[0]["line"] == 1
    assert ds[0]["column"] is not None and ds[0]["severity"] == "error"
    assert isinstance(e.value, edict.EdictError)
    checked = edict.check(tmp_path)
    assert [d["code"] for d in checked] == [d["code"] for d in ds]


def test_check_clean_and_missing(tmp_path):
    assert [d for d in edict.check(POLICIES) if d["severity"] == "error"] == []
    with pytest.raises(edict.PolicyError):
        edict.check(tmp_path)  # no policy files


def test_from_ir_matches_source(tmp_path, engine):
    import subprocess
    from conftest import _cmd

    ir = tmp_path / "policies.ir.json"
    r = subprocess.run(
        _cmd("EDICT_CLI", "edict-cli") + ["compile", str(POLICIES), "-o", str(ir)],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    from_ir = edict.Policies.from_ir(ir).engine()
    for rec in read_ndjson(ORDERS):
        assert from_ir.judge(rec, as_of=AS_OF) == engine.judge(rec, as_of=AS_OF)
    with pytest.raises(edict.PolicyError):
        edict.Policies.from_ir(ORDERS)


def test_policies_properties():
    p = edict.Policies.load(POLICIES)
    assert "late_shipment" in p.checks
    assert len(p.hash) > 8
