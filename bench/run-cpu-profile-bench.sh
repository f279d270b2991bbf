#!/usr/bin/env bash
# CPU profiler overhead (issue 5), with the reference profiler in the same
# run: one CPU-bound workload (bench/cpu/cpu_profile_bench.cpp) bare, under
# our agent's profiler (100 Hz, per-thread CPU timers) and under gperftools'
# CPU profiler (ProfilerStart, its default 100 Hz), and under our agent's
# tracer (issue 7: `gops-trace`, every thread sampled at 1 kHz of wall
# time, stacks and schedstat read in the handler). The measure is worker
# CPU time per unit of work: a profiler's signal handling is charged to the
# threads it interrupts, and CPU time is steadier than wall time on a busy
# machine. Modes are interleaved, in a rotated order each round; the table
# gives the median per mode and its ratio to the bare run.
# Usage: cmake --build build/release --target cpu_profile_bench_run, or
#        BUILD_DIR=build/release bench/run-cpu-profile-bench.sh
#        (ROUNDS=7 SECONDS=3 THREADS=2)
set -euo pipefail

BUILD_DIR=${BUILD_DIR:-build/release}
BENCH_BIN=$BUILD_DIR/bench/cpu/cpu_profile_bench
GPERF_BIN=$BUILD_DIR/bench/cpu/cpu_profile_bench_gperftools
ROUNDS=${ROUNDS:-7}
SECONDS_PER_RUN=${SECONDS:-3}
THREADS=${THREADS:-2}
for b in "$BENCH_BIN" "$GPERF_BIN"; do
  [ -x "$b" ] || { echo "missing $b: cmake --build $BUILD_DIR --target cpu_profile_bench_run (gperftools: apt-get install libgoogle-perftools-dev)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOPS_CONFIG_DIR=$work/gops

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

# "none" runs the agent's binary; gperftools' binary bare is shown too
# (libprofiler loaded, its handler installed, no timer).
modes=(none gops gperftools none-gperftools-binary gops-trace)
echo "== CPU profiler overhead: $THREADS threads x ${SECONDS_PER_RUN} s, $ROUNDS rounds ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
for round in $(seq "$ROUNDS"); do
  for i in 0 1 2 3 4; do
    mode=${modes[$(( (i + round) % 5 ))]}
    case $mode in
      none | gops | gops-trace) line=$("$BENCH_BIN" "$mode" "$THREADS" "$SECONDS_PER_RUN") ;;
      gperftools) line=$("$GPERF_BIN" gperftools "$THREADS" "$SECONDS_PER_RUN" 2>/dev/null) ;;
      none-gperftools-binary) line=$("$GPERF_BIN" none "$THREADS" "$SECONDS_PER_RUN") ;;
    esac
    echo "$line" >>"$work/$mode.txt"
    echo "round $round: $line"
  done
done

base=$(field ns_per_unit <"$work/none.txt" | median)
echo
echo "| profiler (100 Hz; gops-trace 1 kHz) | CPU ns per unit, median | min | ratio to none | profile bytes |"
echo "|---|---|---|---|---|"
for mode in "${modes[@]}"; do
  med=$(field ns_per_unit <"$work/$mode.txt" | median)
  min=$(field ns_per_unit <"$work/$mode.txt" | sort -g | head -1)
  bytes=$(field profile_bytes <"$work/$mode.txt" | median)
  ratio=$(awk -v m="$med" -v b="$base" 'BEGIN {printf "%.4f", m / b}')
  echo "| $mode | $med | $min | $ratio | $bytes |"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
