#!/usr/bin/env bash
# Smoke test of the list benchmark's harness (not a timing test): one small
# count, two runs each. Asserts that the script succeeds (which includes
# gops and the Go stand-in listing every Go process it started), prints a
# table row with numbers for all three commands, and leaves none of the
# processes it started alive.
#   bench/list/harness_test.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=${1:?usage: harness_test.sh BUILD_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

target=$(($(find /proc -maxdepth 1 -name '[0-9]*' | wc -l) + 60))
log="$work/pids"
if ! BUILD_DIR=$build_dir OUT_DIR="$work/out" EXACT_RUNS=2 WARMUP=0 LIST_BENCH_PID_LOG=$log \
  "$root/bench/run-list-bench.sh" "$target" >"$work/stdout" 2>"$work/stderr"; then
  cat "$work/stdout" "$work/stderr" >&2
  fail "run-list-bench.sh failed"
fi
cat "$work/stdout"

row=$(grep -E '^\| [0-9]+ \|' "$work/stdout") || fail "no result row"
# processes, then gops, ps -e, ratio, stand-in, ratio, µs: all numbers.
awk -F'|' '{ for (i = 2; i <= 8; i++) if ($i !~ /^ *[0-9.]+ *$/) exit 1 }' <<<"$row" || fail "row has a missing value: $row"
[[ -s $work/out/list-$target.json ]] || fail "no hyperfine JSON"

started=$(wc -l <"$log")
((started >= 20)) || fail "only $started processes were started (at least the 20 Go ones expected)"
alive=0
while read -r pid; do
  [[ -d /proc/$pid ]] && alive=$((alive + 1))
done <"$log"
((alive == 0)) || fail "$alive of the $started started processes outlived the script"
echo "PASS: $started processes started and all gone"
