#!/usr/bin/env bash
# Peak memory of streaming a large NDJSON file through the release `edict eval` binary.
#
#   crates/bench/scripts/stream_rss.sh [COUNT] [WORKDIR]
#
# Generates COUNT records (default 5,000,000; seed 42, mixed orders and after-sales) with
# the release `edict-datagen` into WORKDIR (default: a temporary directory, removed at the
# end), then runs `edict eval policies/ FILE --as-of 2024-03-01T00:00:00+08:00` under
# `/usr/bin/time -v`, verdicts to /dev/null, and prints the peak RSS (target < 100 MB),
# the wall time and the record rate. A measurement, not a test: it asserts nothing.
set -euo pipefail

count="${1:-5000000}"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
work="${2:-}"
if [[ -z "$work" ]]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
as_of="2024-03-01T00:00:00+08:00"

cd "$root"
cargo build --release -q -p edict-cli -p edict-datagen
facts="$work/facts-$count.ndjson"
if [[ ! -s "$facts" ]]; then
  echo "generating $count records into $facts ..." >&2
  ./target/release/edict-datagen --seed 42 --count "$count" --kind mixed > "$facts"
fi
echo "input: $(du -h "$facts" | cut -f1), $(wc -l < "$facts") lines" >&2

log="$work/time.log"
/usr/bin/time -v ./target/release/edict eval policies/ "$facts" --as-of "$as_of" \
  > /dev/null 2> "$log" || { cat "$log" >&2; exit 1; }

rss_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")"
wall="$(awk -F': ' '/Elapsed \(wall clock\) time/ {print $2}' "$log")"
user="$(awk -F': ' '/User time/ {print $2}' "$log")"
secs="$(awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }' <<< "$wall")"
echo "records:        $count"
echo "peak RSS:       $((rss_kb / 1024)) MB ($rss_kb kB)"
echo "wall time:      $wall (user ${user}s)"
awk -v n="$count" -v s="$secs" 'BEGIN { if (s > 0) printf "records/s:      %.0f\n", n / s }'
