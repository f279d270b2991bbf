#!/usr/bin/env bash
# CPU profiler overhead, with the reference profiler in the same
# run: one CPU-bound workload (bench/cpu/cpu_profile_bench.cpp) bare, under
# our agent's profiler (100 Hz, per-thread CPU timers) and under gperftools'
# CPU profiler (ProfilerStart, its default 100 Hz), and under our agent's
# tracer (`gops-trace`, every thread sampled at 1 kHz of wall
# time). The measure is worker CPU time per unit of work, taken by the
# workload itself (the thread CPU clocks, in ns): a profiler's signal
# handling is charged to the threads it interrupts, and CPU time is steadier
# than wall time on a busy machine. Modes are interleaved, in a rotated
# order each round; each round's run of a mode is divided by the same
# round's bare run of the same binary (code layout alone moves the two
# binaries' bare runs apart by up to 1%), and the table gives per mode the
# median and the interquartile range (q1-q3) of those ratios, so a 1%
# difference stands out of the machine's drift. `process` is the whole
# process's CPU time per unit (the agent's own thread included) in ratio to
# the bare run's.
# On a shared machine the speed of the work drifts by several % between
# runs seconds apart; bench/cpu/cpu_profile_alternating (PAIRS pairs; 0
# skips it) then switches each profiler on and off every PHASE_MS in one
# process, its workers running throughout, and sets each profiled phase
# against the bare phases on either side. Then bench/cpu/cpu_sample_cost
# (COST_ROUNDS rounds; 0 skips it) measures what one sample costs.
# Usage: cmake --build build/release --target cpu_profile_bench_run, or
#        BUILD_DIR=build/release bench/run-cpu-profile-bench.sh
#        (ROUNDS=15 RUN_SECONDS=2 THREADS=2 PAIRS=60 PHASE_MS=250
#        COST_ROUNDS=9; QUIET_LOAD=1.5 waits
#        up to QUIET_WAIT=600 s for the 1-minute load to fall below it)
set -euo pipefail

BUILD_DIR=${BUILD_DIR:-build/release}
BENCH_BIN=$BUILD_DIR/bench/cpu/cpu_profile_bench
GPERF_BIN=$BUILD_DIR/bench/cpu/cpu_profile_bench_gperftools
COST_BIN=$BUILD_DIR/bench/cpu/cpu_sample_cost
GPERF_COST_BIN=$BUILD_DIR/bench/cpu/cpu_sample_cost_gperftools
ROUNDS=${ROUNDS:-15}
SECONDS_PER_RUN=${RUN_SECONDS:-2}
THREADS=${THREADS:-2}
COST_ROUNDS=${COST_ROUNDS:-9}
ALT_BIN=$BUILD_DIR/bench/cpu/cpu_profile_alternating
GPERF_ALT_BIN=$BUILD_DIR/bench/cpu/cpu_profile_alternating_gperftools
PAIRS=${PAIRS:-60}
PHASE_MS=${PHASE_MS:-250}
for b in "$BENCH_BIN" "$GPERF_BIN" "$COST_BIN" "$GPERF_COST_BIN" "$ALT_BIN" "$GPERF_ALT_BIN"; do
  [ -x "$b" ] || { echo "missing $b: cmake --build $BUILD_DIR --target cpu_profile_bench_run (gperftools: apt-get install libgoogle-perftools-dev)" >&2; exit 1; }
done

if [ -n "${QUIET_LOAD:-}" ]; then
  waited=0
  until awk -v max="$QUIET_LOAD" '{exit !($1 < max)}' /proc/loadavg; do
    if [ "$waited" -ge "${QUIET_WAIT:-600}" ]; then echo "load still $(cut -d' ' -f1 /proc/loadavg) after ${waited} s: running anyway"; break; fi
    sleep 15
    waited=$((waited + 15))
  done
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOPS_CONFIG_DIR=$work/gops

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
# Quantile q (0..1) of the numbers on stdin, interpolated.
quantile() { sort -g | awk -v q="$1" '{a[NR]=$1} END {if (!NR) {print 0; exit} p=1+q*(NR-1); i=int(p); f=p-i; printf "%.4f\n", (i<NR ? a[i]+f*(a[i+1]-a[i]) : a[NR])}'; }

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
    echo "round=$round $line" >>"$work/$mode.txt"
    echo "round $round: $line"
  done
done

# Per round: the mode's value over the bare run's of the same round and binary.
base_of() { case $1 in gperftools) echo none-gperftools-binary ;; *) echo none ;; esac; }
ratios() {  # mode field
  join <(awk '{print $1, $0}' "$work/$(base_of "$1").txt" | sed 's/^round=//' | sort -k1,1) \
       <(awk '{print $1, $0}' "$work/$1.txt" | sed 's/^round=//' | sort -k1,1) |
    awk -v f="$2" '{n=0; for (i=2; i<=NF; i++) if ($i ~ "^" f "=") {split($i, kv, "="); v[++n]=kv[2]} if (n==2 && v[1]>0) printf "%.6f\n", v[2]/v[1]}'
}

echo
echo "| profiler (100 Hz; gops-trace 1 kHz) | worker CPU ns per unit, median | q1-q3 | ratio to bare, median | ratio q1-q3 | process CPU ratio, median | profile bytes |"
echo "|---|---|---|---|---|---|---|"
for mode in "${modes[@]}"; do
  med=$(field ns_per_unit <"$work/$mode.txt" | quantile 0.5)
  q1=$(field ns_per_unit <"$work/$mode.txt" | quantile 0.25)
  q3=$(field ns_per_unit <"$work/$mode.txt" | quantile 0.75)
  r=$(ratios "$mode" ns_per_unit | quantile 0.5)
  r1=$(ratios "$mode" ns_per_unit | quantile 0.25)
  r3=$(ratios "$mode" ns_per_unit | quantile 0.75)
  p=$(ratios "$mode" process_ns_per_unit | quantile 0.5)
  bytes=$(field profile_bytes <"$work/$mode.txt" | quantile 0.5)
  printf "| %s | %.1f | %.1f-%.1f | %.4f | %.4f-%.4f | %.4f | %.0f |\n" "$mode" "$med" "$q1" "$q3" "$r" "$r1" "$r3" "$p" "$bytes"
done
echo "(ratio to bare: to 'none' in the same round, gperftools to 'none-gperftools-binary', the same binary bare)"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$PAIRS" -gt 0 ]; then
  echo
  echo "== Switched on and off every $PHASE_MS ms in one process, $PAIRS pairs, $THREADS threads (load $(cut -d' ' -f1-3 /proc/loadavg))"
  echo "| profiler (100 Hz) | ratio to the bare phases around, median | q1-q3 | samples | CPU ns per sample |"
  echo "|---|---|---|---|---|"
  for run in "$ALT_BIN gops" "$GPERF_ALT_BIN gperftools"; do
    # shellcheck disable=SC2086 # binary and mode
    line=$($run "$THREADS" "$PAIRS" "$PHASE_MS" 2>/dev/null)
    echo "$line" | awk '{for (i=1; i<=NF; i++) {split($i, kv, "="); v[kv[1]]=kv[2]}
      printf "| %s | %s | %s-%s | %s | %s |\n", v["profiler"], v["ratio_median"], v["ratio_q1"], v["ratio_q3"], v["samples"], v["ns_per_sample"]}'
  done
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

if [ "$COST_ROUNDS" -gt 0 ]; then
  echo
  echo "== The cost of one sample (bench/cpu/cpu_sample_cost.cpp)"
  "$COST_BIN" "$COST_ROUNDS"
  CPUPROFILE_FREQUENCY=1 "$GPERF_COST_BIN" "$COST_ROUNDS" 2>&1 | grep -v '^PROFILE:'
fi
