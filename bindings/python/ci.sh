#!/usr/bin/env bash
# CI for the Python package: a venv, the wheel built with maturin, the pytest suite
# (parity with `edict eval`, Arrow, errors, explain, and the Spark local-mode example).
# Called by .ci/run after the cargo tests. EDICT_SKIP_SPARK=1 skips the Spark test.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${EDICT_PY_VENV:-$here/target/ci-venv}"

python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q maturin pyarrow pytest pyspark pandas

rm -rf "$here/target/wheels"
(cd "$here" && "$venv/bin/maturin" build --profile ci -q -o "$here/target/wheels")
"$venv/bin/pip" install -q --force-reinstall --no-deps "$here"/target/wheels/edict-*.whl

cd "$root"
set +e
"$venv/bin/python" -m pytest -q "$here/tests"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "bindings/python/ci.sh: pytest collected no tests" >&2
  exit 1
fi
exit "$status"
