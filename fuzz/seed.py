#!/usr/bin/env python3
"""Fills fuzz/corpus/<target>/ with seeds from the repository (see README.md).

parse, fmt: every policies/*.edict file.  check: each file alone and the whole set joined.
decode: examples/orders.ndjson (whole, and line by line), every record of
policies/tests/*.json merged with its file's defaults, as NDJSON and as a JSON array.
ir_load: the shipped set compiled (needs `cargo build -p edict-cli` at the root first).
compile_eval: each announcement file alone and all joined; diff: pairs of them, the same
and with one number, date or variant changed.
"""
import json, pathlib, subprocess, sys

fuzz = pathlib.Path(__file__).resolve().parent
root = fuzz.parent
corpus = fuzz / "corpus"
SEP = "\n// ==== next file ====\n"


def put(target, name, data):
    d = corpus / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


policies = sorted((root / "policies").glob("*.edict"))
for p in policies:
    for t in ("parse", "fmt", "check"):
        put(t, p.stem, p.read_bytes())
put("check", "all", SEP.join(p.read_text() for p in policies))

examples = (root / "examples" / "orders.ndjson").read_bytes()
put("decode", "orders.ndjson", examples)
for i, line in enumerate(examples.splitlines()):
    put("decode", f"order-{i}", line)
records = []
for f in sorted((root / "policies" / "tests").glob("*.json")):
    doc = json.loads(f.read_text())
    for i, case in enumerate(doc.get("cases", [])):
        for key in ("record", "records"):
            recs = case.get(key)
            if recs is None:
                continue
            for j, r in enumerate(recs if isinstance(recs, list) else [recs]):
                merged = dict(doc.get("defaults", {}))
                merged.update(r)
                text = json.dumps(merged, ensure_ascii=False)
                records.append(text)
                put("decode", f"{f.stem}-{i}-{j}", text)
put("decode", "all.ndjson", "\n".join(records))
put("decode", "all.json", "[\n" + ",\n".join(records) + "\n]")

edict = root / "target" / "debug" / "edict"
if edict.exists():
    out = corpus / "ir_load" / "shipped.ir"
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(edict), "compile", str(root / "policies"), "-o", str(out)], check=True)
else:
    print("no target/debug/edict: build it for the ir_load seed", file=sys.stderr)
# compile_eval, diff: announcements over the shipped schema (the target prepends it).
PAIR = "\n// ==== old | new ====\n"
rules = [p for p in policies if p.stem != "schema"]
for p in rules:
    put("compile_eval", p.stem, p.read_bytes())
everything = SEP.join(p.read_text() for p in rules)
put("compile_eval", "all", everything)
put("diff", "same", everything + PAIR + everything)
base = (root / "policies" / "baseline.edict").read_text()
put("diff", "baseline", base + PAIR + base)
for i, (a, b) in enumerate([("48h", "24h"), ("2023-01-01", "2023-02-01"), ("spot", "presale")]):
    if a in base:
        put("diff", f"baseline-{i}", base + PAIR + base.replace(a, b, 1))
    if a in everything:
        put("diff", f"all-{i}", everything + PAIR + everything.replace(a, b, 1))
for t in ("parse", "check", "decode", "fmt", "ir_load", "compile_eval", "diff"):
    print(t, len(list((corpus / t).glob("*"))), "seeds")
