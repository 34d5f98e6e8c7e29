"""Shared fixtures: the repository, the `edict` CLI and the record generator.

The CLI and the generator run as `cargo run -q -p edict-cli --` and
`cargo run -q -p edict-datagen --` from the repository root (as CI builds them); set
EDICT_CLI / EDICT_DATAGEN to a built binary to skip cargo (e.g. target/release/edict).
"""

import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
POLICIES = ROOT / "policies"
ORDERS = ROOT / "examples" / "orders.ndjson"
AS_OF = "2024-03-01T00:00:00+08:00"


def _cmd(env_var, package):
    if os.environ.get(env_var):
        return shlex.split(os.environ[env_var])
    return ["cargo", "run", "-q", "-p", package, "--"]


def cli_eval(facts, as_of=AS_OF):
    """`edict eval policies/ FACTS --as-of AS_OF`: one dict per output line."""
    r = subprocess.run(
        _cmd("EDICT_CLI", "edict-cli") + ["eval", str(POLICIES), str(facts), "--as-of", as_of],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    # Exit 2: some records were error records (written in place); anything else fails.
    assert r.returncode in (0, 2), r.stderr
    out = r.stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def read_ndjson(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def engine():
    import edict

    return edict.Policies.load(POLICIES).engine()


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """100,000 generated records (seed 42) as an NDJSON file."""
    path = tmp_path_factory.mktemp("gen") / "gen100k.ndjson"
    with open(path, "wb") as f:
        subprocess.run(
            _cmd("EDICT_DATAGEN", "edict-datagen") + ["--seed", "42", "--count", "100000"],
            cwd=ROOT,
            check=True,
            stdout=f,
        )
    return path


@pytest.fixture(scope="session")
def generated_cli(generated):
    return cli_eval(generated)


def flatten(verdicts):
    """The CLI's verdict lines as judge_arrow's rows: one tuple per finding, one per error."""
    from datetime import datetime, timedelta, timezone
    from decimal import Decimal

    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)

    def micros(text):
        if text is None:
            return None
        return (datetime.fromisoformat(text) - epoch) // timedelta(microseconds=1)

    rows = []
    for i, v in enumerate(verdicts):
        if "error" in v:
            rows.append((i, None if v.get("id") is None else str(v["id"]), None, None, None,
                         None, None, None, None, None, None, None, True))
            continue
        for f in v["findings"]:
            comp = f.get("compensation")
            rules = f.get("rules") or []
            rows.append((
                i,
                None if v.get("id") is None else str(v["id"]),
                v["kind"],
                f["check"],
                f["status"],
                micros(f.get("deadline")),
                micros(f.get("actual")),
                None if comp is None else Decimal(comp),
                f.get("compensation_rule"),
                rules[-1] if rules else None,
                rules,
                f.get("reason"),
                False,
            ))
    return rows


def arrow_rows(table):
    """judge_arrow's table as the tuples of `flatten`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_timestamp(col.type):
            col = pc.cast(col, pa.int64())
        cols[name] = col.to_pylist()
    rows = []
    for k in range(table.num_rows):
        rows.append((
            cols["row"][k],
            cols["id"][k],
            cols["kind"][k],
            cols["check"][k],
            cols["status"][k],
            cols["deadline"][k],
            cols["actual"][k],
            None if cols["compensation"][k] is None else cols["compensation"][k].normalize(),
            cols["compensation_rule"][k],
            cols["rule"][k],
            cols["rules"][k] if cols["rules"][k] is not None else None,
            cols["reason"][k],
            cols["error"][k] is not None,
        ))
    return rows


def normalize(rows):
    from decimal import Decimal

    out = []
    for r in rows:
        r = list(r)
        if isinstance(r[7], Decimal):
            r[7] = r[7].normalize()
        if r[12]:  # error rows: position, id and the fact of the error
            r[10] = None
        out.append(tuple(r))
    return out
