"""Edict for Python: load policies, judge dicts and Arrow data.

    import edict
    engine = edict.Policies.load("policies/").engine()
    engine.judge({"kind": "order", ...}, as_of="2024-02-25T12:00:00+08:00")  # a dict
    engine.judge_arrow(table, as_of="2024-02-25T12:00:00+08:00")  # a pyarrow.Table

See README.md next to this package for pandas, Polars, DuckDB and Spark.
"""

from ._edict import (
    EdictError,
    Engine,
    Policies,
    PolicyError,
    RecordError,
    check,
    findings_schema,
)

__all__ = [
    "EdictError",
    "Engine",
    "Policies",
    "PolicyError",
    "RecordError",
    "check",
    "findings_schema",
]
