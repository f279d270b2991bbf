#!/usr/bin/env bash
# Smoke test of the list benchmark's harness (not a timing test): one small
# count, two runs each, two rounds of the variants. Asserts that the script
# succeeds (which includes gops listing every Go agent it started), prints a
# row with numbers for each command, and leaves none of the processes it
# started alive.
#   bench/list/harness_test.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=${1:?usage: harness_test.sh BUILD_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# In the script's own PID namespace (the default) the list sees exactly
# this many; on the host it may see more.
target=80
log="$work/pids"
if ! BUILD_DIR=$build_dir OUT_DIR="$work/out" EXACT_RUNS=2 WARMUP=0 VARIANT_ROUNDS=2 LIST_BENCH_PID_LOG=$log \
  "$root/bench/run-list-bench.sh" "$target" >"$work/stdout" 2>"$work/stderr"; then
  cat "$work/stdout" "$work/stderr" >&2
  fail "run-list-bench.sh failed"
fi
cat "$work/stdout"

for command in gops "gops tree" "gops --json" "ps -e"; do
  row=$(grep -F "| $command |" "$work/stdout" | grep -E '^\| [0-9]+ \|') || fail "no result row for $command"
  # processes, then median, best, CPU and peak RSS: all numbers.
  awk -F'|' '{ if ($2 !~ /^ *[0-9]+ *$/) exit 1; for (i = 4; i <= 7; i++) if ($i !~ /^ *[0-9.]+ *$/) exit 1 }' <<<"$row" ||
    fail "row has a missing value: $row"
done
grep -q "Go gops: not measured" "$work/stdout" || fail "does not say that the Go gops was not measured"
grep -q "^| floor: getppid" "$work/stdout" || fail "no variant table"
[[ -s $work/out/list-$target.json ]] || fail "no hyperfine JSON"

started=$(grep -c '^[0-9]' "$log")
((started >= 20)) || fail "only $started processes were started (at least the 20 Go ones expected)"
ns=$(awk '$1 == "namespace" { print $2; exit }' "$log")
alive=0
if [[ $ns != "$(readlink /proc/self/ns/pid)" ]]; then
  # Run in a PID namespace of its own: its PIDs mean nothing here, so look
  # for any process still in that namespace.
  grep -q "PID namespace of its own" "$work/stdout" || fail "ran in another PID namespace but does not say so"
  awk -F'|' -v n="$target" '$2 + 0 != n { exit 1 }' <<<"$row" || fail "in its own namespace the list must see exactly $target: $row"
  for link in /proc/[0-9]*/ns/pid; do
    [[ $(readlink "$link" 2>/dev/null) == "$ns" ]] && alive=$((alive + 1))
  done
else
  while read -r pid; do
    [[ -d /proc/$pid ]] && alive=$((alive + 1))
  done < <(grep '^[0-9]' "$log")
fi
((alive == 0)) || fail "$alive of the $started started processes outlived the script"
echo "PASS: $started processes started and all gone"
