#!/usr/bin/env bash
# Compares two `measure` runs at the same moment, one per core, on a machine whose speed
# drifts by up to 2x within minutes (BENCHMARKS.md, "Machine"): both runs see the same
# phase, so their ratio means more than two runs made one after the other.
#
#   crates/bench/scripts/side_by_side.sh PAIRS 'CMD_A' 'CMD_B'
#
# Each CMD is a `measure` invocation (binary and arguments), for example
#
#   crates/bench/scripts/side_by_side.sh 4 'target/release/measure eval 25' \
#       'target/release/measure eval-all 25'
#
# or two builds of the same workload ('/tmp/old/measure eval 25' 'target/release/measure
# eval 25'). Runs PAIRS pairs, swapping the cores between pairs, and prints each pair's
# medians (ns per record), which was faster, and the geometric mean of B/A over the pairs.
# Use an even number of pairs: the two cores need not be equally fast (in the sixth
# session the same run was 7-30% faster on core 1 than on core 0, four pairs of four), and
# swapping them between pairs cancels that in the mean. Run an A/A comparison first (the
# same command twice) to see how far two identical runs drift apart: a difference smaller
# than that says nothing. A measurement, not a test: it asserts nothing. Needs `taskset`
# and 2 cores.
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 PAIRS 'CMD_A' 'CMD_B'" >&2
  exit 2
fi
pairs="$1"
read -r -a cmd_a <<< "$2"
read -r -a cmd_b <<< "$3"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

median() {
  # `measure` prints "...: best X ns/item (...), median Y ns/item (...) [...]".
  sed -n 's/.*median \([0-9.]*\) ns\/item.*/\1/p' "$1"
}

a_wins=0
log_sum=0
for ((i = 1; i <= pairs; i++)); do
  if ((i % 2)); then core_a=0 core_b=1; else core_a=1 core_b=0; fi
  taskset -c "$core_a" "${cmd_a[@]}" > "$out/a" &
  taskset -c "$core_b" "${cmd_b[@]}" > "$out/b"
  wait
  ma="$(median "$out/a")"
  mb="$(median "$out/b")"
  if [[ -z "$ma" || -z "$mb" ]]; then
    echo "pair $i: no median in the output:" >&2
    cat "$out/a" "$out/b" >&2
    exit 1
  fi
  faster="$(awk -v a="$ma" -v b="$mb" 'BEGIN { print (a < b) ? "A" : "B" }')"
  [[ "$faster" == A ]] && a_wins=$((a_wins + 1))
  log_sum="$(awk -v s="$log_sum" -v a="$ma" -v b="$mb" 'BEGIN { printf "%.9f", s + log(b / a) }')"
  printf 'pair %d (A on core %d): A %s ns, B %s ns, B/A %s, faster: %s\n' \
    "$i" "$core_a" "$ma" "$mb" "$(awk -v a="$ma" -v b="$mb" 'BEGIN { printf "%.3f", b / a }')" "$faster"
done
echo "A faster in $a_wins of $pairs pairs; geometric mean of B/A: $(awk -v s="$log_sum" -v n="$pairs" 'BEGIN { printf "%.3f", exp(s / n) }')"
