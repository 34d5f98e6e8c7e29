#!/bin/sh
# Runs one fuzz target for SECONDS (default 600) at low priority; see README.md.
# usage: fuzz/run.sh TARGET [SECONDS]
set -e
cd "$(dirname "$0")"
target=$1
secs=${2:-600}
mkdir -p corpus/"$target" artifacts/"$target"
RUSTC_BOOTSTRAP=1 exec nice -n 19 cargo fuzz run -s none "$target" corpus/"$target" -- \
  -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len="${MAX_LEN:-16384}" -print_final_stats=1
