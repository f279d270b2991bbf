#!/usr/bin/env bash
# Agentless native stacks against eu-stack: `gops stack PID`, `eu-stack -p
# PID` (names only) and `eu-stack -p PID -s -i` (file:line and inlined
# frames, as gops prints them) on the same process with 1000 threads parked on a
# futex and 5 more (tests/peers/native/threads_target.cpp, no spinner), in
# one run, alternating, with hyperfine (-N, no shell), gops both with its
# kept copies of inflated debug files and with none; then how long gops
# stopped the target, from its last line, over PAUSES dumps.
#
#   bench/run-native-stack-bench.sh
#
# Build first:
#   cmake --preset release -B build/bench
#   cmake --build build/bench -j2 --target gops native_threads_cpp
# Environment: BUILD_DIR (build/bench), GOPS_BIN, PEER_BIN, THREADS (1000),
# RUNS (10 of each), PAUSES (30), OUT_DIR (BUILD_DIR/native-stack-bench).
# Output: a markdown table on stdout; hyperfine's JSON and the table in
# OUT_DIR.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build/bench}
gops=${GOPS_BIN:-$build_dir/gops}
peer_bin=${PEER_BIN:-$build_dir/tests/peers/native/native_threads_cpp}
threads=${THREADS:-1000}
runs=${RUNS:-10}
pauses=${PAUSES:-30}
out_dir=${OUT_DIR:-$build_dir/native-stack-bench}

die() { echo "run-native-stack-bench: $*" >&2; exit 1; }
for tool in hyperfine jq eu-stack; do command -v "$tool" >/dev/null || die "$tool is missing (scripts/setup.sh installs it)"; done
for bin in "$gops" "$peer_bin"; do [[ -x $bin ]] || die "$bin is missing: build it first (see the header)"; done
mkdir -p "$out_dir"

work=$(mktemp -d)
peer=
cleanup() {
  [[ -n $peer ]] && kill "$peer" 2>/dev/null && wait "$peer" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
export XDG_CACHE_HOME=$work/cache
mkdir -p "$XDG_CACHE_HOME"

"$peer_bin" "$threads" quiet >"$work/peer.out" &
peer=$!
for _ in $(seq 600); do grep -q '^ready ' "$work/peer.out" 2>/dev/null && break; sleep 0.1; done
grep -q '^ready ' "$work/peer.out" || die "the peer did not start"

# Both must work before they are timed, and see every thread.
want=$((threads + 4))  # + main, reader, sleeper, poller
got=$("$gops" stack "$peer" | grep -c '^thread ') || true
[[ $got -eq $want ]] || die "gops stack $peer printed $got threads, not $want"
got=$(eu-stack -p "$peer" 2>/dev/null | grep -c '^TID ') || true
[[ $got -eq $want ]] || die "eu-stack -p $peer printed $got threads, not $want"

# gops keeps inflated copies of compressed debug files (libc6-dbg's) in
# its cache dir: here one of the bench's own, timed kept ("gops stack", as
# every run after the first) and emptied before each run ("nothing kept").
json=$out_dir/native-stack-bench.json
hyperfine -N --style basic --runs "$runs" --warmup 1 --export-json "$json" --output=null \
  --prepare true -n "gops stack" "$gops stack $peer" \
  --prepare "rm -rf $XDG_CACHE_HOME/gops" -n "gops stack, nothing kept" "$gops stack $peer" \
  --prepare true -n "eu-stack -p" "eu-stack -p $peer" \
  --prepare true -n "eu-stack -p -s -i" "eu-stack -p $peer -s -i" >&2

# The pause, as gops reports it.
: >"$work/pauses"
for _ in $(seq "$pauses"); do
  "$gops" stack "$peer" | sed -n 's/^(gops: the target was stopped for \([0-9.]*\) ms)$/\1/p' >>"$work/pauses"
done
sort -n "$work/pauses" -o "$work/pauses"
n=$(wc -l <"$work/pauses")
pause_median=$(sed -n "$(((n + 1) / 2))p" "$work/pauses")
pause_min=$(head -1 "$work/pauses")
pause_max=$(tail -1 "$work/pauses")

# Wall time (median) and CPU time (user + system, mean): on a loaded
# machine the wall time is mostly waiting for a CPU, the CPU time is the work.
median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median * 1000' "$json"; }
cpu() { jq -r --arg n "$1" '.results[] | select(.command == $n) | (.user + .system) * 1000' "$json"; }
# gops stops the target with real-time lanes where it may (root, or an
# RLIMIT_RTPRIO above 0; CAP_SYS_NICE alone is not seen here): say which,
# the pause depends on it.
if [[ $(id -u) -eq 0 || $(ulimit -r) != 0 ]]; then lanes="real-time lanes"; else lanes="no real-time priority"; fi
ours=$(median "gops stack")
ours_cpu=$(cpu "gops stack")
{
  echo "| $((threads + 4)) threads, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $lanes | wall, median (ms) | vs gops | CPU (ms) | vs gops |"
  echo "|---|---|---|---|---|"
  printf '| gops stack PID | %.1f | 1 | %.1f | 1 |\n' "$ours" "$ours_cpu"
  for name in "gops stack, nothing kept" "eu-stack -p" "eu-stack -p -s -i"; do
    wall=$(median "$name")
    c=$(cpu "$name")
    awk -v n="$name" -v w="$wall" -v c="$c" -v ow="$ours" -v oc="$ours_cpu" \
      'BEGIN { label = n ~ /nothing kept/ ? "gops stack PID, no debug copy kept" : n " PID"
               printf "| %s | %.1f | %.2fx | %.1f | %.2fx |\n", label, w, w / ow, c, c / oc }'
  done
  echo "| target stopped by gops, ms (median of $n; min, max) | $pause_median ($pause_min, $pause_max) | | | |"
} | tee "$out_dir/native-stack-bench.md"
