#!/usr/bin/env bash
# Agentless Go stack dump, with the reference tool in the same
# run: `gops stack PID` reading a 1000-goroutine Go 1.19 program's memory
# (no agent) against delve (`dlv attach PID` + `goroutines -t`, Debian's
# delve; it needs DWARF, so the unstripped build), in ROUNDS (5) alternating
# rounds of RUNS (10) gops dumps and one delve run, after WARMUP (3)
# untimed gops dumps. Then RUNS `gops stack --freeze PID` and the pause
# each reports. Times: wall and CPU (user + system of the command).
# `gops --version` is timed in the same rounds: the start-up every
# command pays (loading, relocations), for reference.
# Usage: BUILD_DIR=build/release bench/run-agentless-go-bench.sh
set -euo pipefail

BUILD_DIR=${BUILD_DIR:-build/release}
GOROUTINES=${GOROUTINES:-1000}
ROUNDS=${ROUNDS:-5}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-3}
gops=$BUILD_DIR/gops
target_bin=$BUILD_DIR/go-bin/goroutines
timer=$BUILD_DIR/bench/goruntime/run_timed
for b in "$gops" "$target_bin" "$timer"; do
  [ -x "$b" ] || { echo "missing $b: cmake --build $BUILD_DIR --target agentless_go_bench" >&2; exit 1; }
done
dlv=$(command -v dlv || true)
[ -n "$dlv" ] || echo "dlv not found (apt-get install delve): delve is left out" >&2

work=$(mktemp -d)
target_pid=
cleanup() {
  [ -n "$target_pid" ] && kill "$target_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# Share of all CPUs busy over 1 s, from /proc/stat: the machine's other load.
cpu_busy_pct() {
  local a b
  a=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  sleep 1
  b=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  echo "$a $b" | awk '{busy = $3 - $1; idle = $4 - $2; printf "%.0f", (busy + idle) ? 100 * busy / (busy + idle) : 0}'
}

echo "== agentless stack dump of a $GOROUTINES-goroutine Go program ($(nproc) CPUs, $(uname -r))"
echo "CPU busy before the run (other processes): $(cpu_busy_pct)%"
PARKED=$GOROUTINES "$target_bin" >"$work/target.out" 2>"$work/target.err" &
target_pid=$!
for _ in $(seq 400); do grep -q '^ready' "$work/target.out" 2>/dev/null && break; sleep 0.05; done
grep -q '^ready' "$work/target.out" || { echo "target did not start" >&2; exit 1; }
echo "target: pid $target_pid, $("$gops" version "$target_pid"), $(ls /proc/$target_pid/task | wc -l) threads"
shown=$("$gops" stack "$target_pid" | grep -c '^goroutine ')
echo "gops shows $shown goroutines"

"$timer" "$WARMUP" "$gops" stack "$target_pid" >/dev/null
: >"$work/gops.txt"
: >"$work/startup.txt"
: >"$work/dlv.txt"
printf 'goroutines -t\nexit\n' >"$work/dlv.init"
for _ in $(seq "$ROUNDS"); do
  "$timer" "$RUNS" "$gops" stack "$target_pid" >>"$work/gops.txt"
  "$timer" "$RUNS" "$gops" --version >>"$work/startup.txt"
  if [ -n "$dlv" ]; then
    # delve's `exit` asks whether to kill the target: stdin is /dev/null,
    # so it does not. It must still run afterwards.
    "$timer" 1 "$dlv" attach "$target_pid" --init "$work/dlv.init" --allow-non-terminal-interactive=true >>"$work/dlv.txt"
    kill -0 "$target_pid" || { echo "delve killed the target" >&2; exit 1; }
  fi
done
bad=$(awk '$3 != 0' "$work/gops.txt" | wc -l)
[ "$bad" = 0 ] || { echo "$bad gops runs failed" >&2; exit 1; }

gops_wall=$(awk '{print $1/1000}' "$work/gops.txt" | median)
gops_cpu=$(awk '{print $2/1000}' "$work/gops.txt" | median)
echo
echo "| command | wall ms (median) | CPU ms (median) | runs |"
echo "|---|---|---|---|"
echo "| gops stack PID (agentless) | $gops_wall | $gops_cpu | $(wc -l <"$work/gops.txt") |"
echo "| gops --version (start-up alone) | $(awk '{print $1/1000}' "$work/startup.txt" | median) | $(awk '{print $2/1000}' "$work/startup.txt" | median) | $(wc -l <"$work/startup.txt") |"
if [ -s "$work/dlv.txt" ]; then
  dlv_wall=$(awk '{print $1/1000}' "$work/dlv.txt" | median)
  dlv_cpu=$(awk '{print $2/1000}' "$work/dlv.txt" | median)
  echo "| dlv attach PID, goroutines -t | $dlv_wall | $dlv_cpu | $(wc -l <"$work/dlv.txt") |"
  echo
  awk -v g="$gops_wall" -v d="$dlv_wall" -v gc="$gops_cpu" -v dc="$dlv_cpu" \
    'BEGIN {printf "gops is %.1fx faster than delve in wall time, %.1fx in CPU time\n", d / g, dc / gc}'
fi

: >"$work/pause.txt"
for _ in $(seq "$RUNS"); do
  "$gops" stack --freeze "$target_pid" | sed -n 's/^(gops: the target was stopped for \([0-9.]*\) ms)$/\1/p' >>"$work/pause.txt"
done
echo "--freeze: the target was stopped for $(median <"$work/pause.txt") ms (median), $(sort -n "$work/pause.txt" | tail -1) ms (max) over $(wc -l <"$work/pause.txt") dumps"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
