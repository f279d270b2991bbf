#!/usr/bin/env bash
# Agent benchmarks, with the reference tool in the same run:
#  1. Stack dump of a process with THREADS (1000) threads: our agent (the
#     agent's reply read over TCP) vs `eu-stack -p PID` (Debian's elfutils)
#     on the same process, in ROUNDS (5) alternating rounds of RUNS (6)
#     agent dumps and one eu-stack run, so both see the same machine load.
#     The first dump is reported apart: it loads the debug info that later
#     dumps find cached; WARMUP (3) more dumps are not timed. The agent's
#     reply is read 1 MiB at a time; dumps read 64 KiB at a time (as the
#     gops CLI reads) are shown too.
#  2. Idle cost of a listening agent over IDLE_SECONDS (10): context
#     switches of its threads and resident memory added.
# Usage: BUILD_DIR=build/release bench/run-agent-stack-bench.sh
set -euo pipefail

BUILD_DIR=${BUILD_DIR:-build/release}
THREADS=${THREADS:-1000}
ROUNDS=${ROUNDS:-5}
RUNS=${RUNS:-6}
WARMUP=${WARMUP:-3}
IDLE_SECONDS=${IDLE_SECONDS:-10}
host_bin=$BUILD_DIR/bench/agent_stack_threads
client_bin=$BUILD_DIR/bench/agent_stack_client
idle_bin=$BUILD_DIR/bench/agent_idle_probe
for b in "$host_bin" "$client_bin" "$idle_bin"; do
  [ -x "$b" ] || { echo "missing $b: cmake --build $BUILD_DIR --target agent_stack_bench" >&2; exit 1; }
done
command -v eu-stack >/dev/null || { echo "eu-stack not found: apt-get install elfutils" >&2; exit 1; }

work=$(mktemp -d)
host_pid=
cleanup() {
  [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Share of all CPUs busy over 1 s, from /proc/stat: taken before the host
# starts, it is the machine's other load (the load average would count
# the bench's own 1000 threads, runnable during each dump, for a minute).
cpu_busy_pct() {
  local a b
  a=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  sleep 1
  b=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  echo "$a $b" | awk '{busy = $3 - $1; idle = $4 - $2; printf "%.0f", (busy + idle) ? 100 * busy / (busy + idle) : 0}'
}

echo "== stack dump of a $THREADS-thread process ($(nproc) CPUs, $(uname -r))"
echo "CPU busy before the run (other processes): $(cpu_busy_pct)%"
GOPS_CONFIG_DIR=$work/gops "$host_bin" "$THREADS" >"$work/host.out" &
host_pid=$!
for _ in $(seq 200); do grep -q port= "$work/host.out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' "$work/host.out")
[ -n "$port" ] || { echo "host did not start" >&2; exit 1; }
echo "process: pid $host_pid, $(ls /proc/$host_pid/task | wc -l) threads"

# CPU time of a process (all its threads, so the signal handlers count),
# in ms: utime + stime from /proc/PID/stat. Wall time on a busy machine
# mostly measures the neighbours; CPU time is the cost.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); print ($12 + $13) * 1000 / hz}' "/proc/$1/stat"; }

read -r cold_ms cold_bytes cold_threads < <("$client_bin" "$port" 1)
echo "agent, first dump (loads debug info): ${cold_ms} ms, $cold_threads threads, $cold_bytes bytes"
"$client_bin" "$port" "$WARMUP" >/dev/null  # untimed: caches settle over the first few dumps
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$work/agent.txt"
: >"$work/agent64.txt"
: >"$work/eu.txt"
: >"$work/eu_cpu.txt"
agent_cpu_total=0
for _ in $(seq "$ROUNDS"); do
  cpu_before=$(cpu_ms "$host_pid")
  "$client_bin" "$port" "$RUNS" >>"$work/agent.txt"
  cpu_after=$(cpu_ms "$host_pid")
  agent_cpu_total=$(awk -v t="$agent_cpu_total" -v a="$cpu_before" -v b="$cpu_after" 'BEGIN {print t + b - a}')
  "$client_bin" "$port" 2 64 >>"$work/agent64.txt"
  start=$(date +%s%N)
  /usr/bin/time -f "%U %S" -o "$work/eu.time" eu-stack -p "$host_pid" >"$work/eu.out" 2>"$work/eu.err" || true
  end=$(date +%s%N)
  echo "$(( (end - start) / 1000 ))" | awk '{printf "%.2f\n", $1/1000}' >>"$work/eu.txt"
  awk '{printf "%.1f\n", ($1 + $2) * 1000}' "$work/eu.time" >>"$work/eu_cpu.txt"
done
agent_runs=$(wc -l <"$work/agent.txt")
agent_cpu=$(awk -v t="$agent_cpu_total" -v n="$agent_runs" 'BEGIN {printf "%.1f", t / n}')
agent_median=$(awk '{print $1}' "$work/agent.txt" | median)
agent_min=$(awk '{print $1}' "$work/agent.txt" | sort -n | head -1)
agent_threads=$(awk 'NR==1 {print $3}' "$work/agent.txt")
agent64_median=$(awk '{print $1}' "$work/agent64.txt" | median)
echo "agent, warm ($agent_runs runs): median ${agent_median} ms, min ${agent_min} ms, $agent_threads threads listed, ${agent_cpu} ms CPU per dump (whole process)"
echo "agent, warm, read 64 KiB at a time ($(wc -l <"$work/agent64.txt") runs): median ${agent64_median} ms"
eu_median=$(median <"$work/eu.txt")
eu_cpu=$(median <"$work/eu_cpu.txt")
eu_threads=$(grep -c '^TID ' "$work/eu.out" || true)
echo "eu-stack -p ($ROUNDS runs): median ${eu_median} ms, $eu_threads threads listed, ${eu_cpu} ms CPU (eu-stack itself)"
awk -v a="$agent_median" -v e="$eu_median" 'BEGIN {printf "speedup, wall (eu-stack / agent, medians): %.1fx\n", e/a}'
awk -v a="$agent64_median" -v e="$eu_median" 'BEGIN {printf "speedup, wall, agent read 64 KiB at a time: %.1fx\n", e/a}'
awk -v a="$agent_cpu" -v e="$eu_cpu" 'BEGIN {if (a > 0) printf "speedup, CPU: %.1fx\n", e/a}'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
kill "$host_pid"; wait "$host_pid" 2>/dev/null || true; host_pid=

echo
echo "== idle agent over ${IDLE_SECONDS} s"
GOPS_CONFIG_DIR=$work/gops "$idle_bin" "$IDLE_SECONDS"
