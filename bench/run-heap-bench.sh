#!/usr/bin/env bash
# Heap sampler overhead, reference tool in the same run: an
# allocation-heavy program (THREADS threads of small new/delete, OPS pairs in
# all) with no sampler, with the sampler preloaded and linked in at the
# default rate (512 KiB), and under heaptrack (Debian). Rounds alternate
# between the variants so that machine load hits them alike; the table has
# medians of the process's CPU time (user+sys) and of wall time, and each
# variant's ratio to the plain run.
# A second table counts instructions with valgrind's callgrind (one thread,
# CALLGRIND_OPS pairs): exact and independent of the machine's load, which
# timings on a shared machine are not.
# Usage: BUILD_DIR=build/release bench/run-heap-bench.sh
#        (RUNS=7 HEAPTRACK_RUNS=3 THREADS=4 OPS=40000000 CALLGRIND_OPS=1000000)
set -euo pipefail

BUILD_DIR=${BUILD_DIR:-build/release}
BENCH=${BENCH:-$BUILD_DIR/bench/heap/alloc_bench}
BENCH_LINKED=${BENCH_LINKED:-$BUILD_DIR/bench/heap/alloc_bench_linked}
SAMPLER_SO=${SAMPLER_SO:-$BUILD_DIR/src/heap_sampler/libgops_heap_sampler.so}
RUNS=${RUNS:-7}
HEAPTRACK_RUNS=${HEAPTRACK_RUNS:-3}
THREADS=${THREADS:-4}
OPS=${OPS:-40000000}
CALLGRIND_OPS=${CALLGRIND_OPS:-1000000}
for f in "$BENCH" "$BENCH_LINKED" "$SAMPLER_SO"; do
  [ -e "$f" ] || { echo "missing $f: cmake --build $BUILD_DIR --target heap_bench" >&2; exit 1; }
done
have_heaptrack=1
command -v heaptrack >/dev/null || { have_heaptrack=0; echo "heaptrack not found (apt-get install heaptrack): skipped" >&2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# One run: appends "wall cpu" (seconds, as the benchmark itself measures
# them: getrusage, microseconds) to $work/<name>. heaptrack's CPU time is
# taken by /usr/bin/time instead, so that its own interpreter process counts.
measure() {
  local name=$1; shift
  local line
  if [ "$name" = heaptrack ]; then
    line=$(/usr/bin/time -f "TIME %e %U %S" "$@" "$THREADS" "$OPS" 2>&1 >/dev/null | grep '^TIME' || true)
    [ -n "$line" ] || { echo "$name failed" >&2; exit 1; }
    echo "$line" | awk '{printf "%s %.3f\n", $2, $3 + $4}' >>"$work/$name"
    return
  fi
  line=$("$@" "$THREADS" "$OPS" | grep '^wall=' || true)
  [ -n "$line" ] || { echo "$name failed" >&2; exit 1; }
  echo "$line" | sed 's/wall=\([0-9.]*\) cpu=\([0-9.]*\).*/\1 \2/' >>"$work/$name"
}

echo "== alloc_bench: $THREADS threads, $OPS new/delete pairs ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
for round in $(seq "$RUNS"); do
  measure plain "$BENCH"
  measure preloaded env LD_PRELOAD="$SAMPLER_SO" "$BENCH"
  measure linked "$BENCH_LINKED"
  if ((have_heaptrack)) && ((round <= HEAPTRACK_RUNS)); then
    measure heaptrack heaptrack -o "$work/ht.$round" "$BENCH"
  fi
done

base_cpu=$(cut -d' ' -f2 "$work/plain" | median)
base_wall=$(cut -d' ' -f1 "$work/plain" | median)
echo
echo "| variant | runs | CPU s (median) | CPU / plain | wall s (median) | wall / plain |"
echo "|---|---|---|---|---|---|"
for name in plain preloaded linked heaptrack; do
  [ -s "$work/$name" ] || continue
  cpu=$(cut -d' ' -f2 "$work/$name" | median)
  wall=$(cut -d' ' -f1 "$work/$name" | median)
  label=$name
  case $name in
    plain) label="no sampler" ;;
    preloaded) label="sampler, LD_PRELOAD (512 KiB)" ;;
    linked) label="sampler, linked (512 KiB)" ;;
    heaptrack) label="heaptrack" ;;
  esac
  printf "| %s | %d | %.3f | %.3f | %.3f | %.3f |\n" "$label" "$(wc -l <"$work/$name")" "$cpu" \
    "$(echo "$cpu $base_cpu" | awk '{print $1/$2}')" "$wall" "$(echo "$wall $base_wall" | awk '{print $1/$2}')"
done

command -v valgrind >/dev/null || { echo "valgrind not found: no instruction counts" >&2; exit 0; }
# The instructions a pair costs: the difference between a run of 2N pairs
# and one of N, over N (start-up, the allocator lookup included, cancels).
# FREE_CHECK=mark: under valgrind the sampler would otherwise fall back to
# its address filter (memcheck reports the mark's read; callgrind does not
# mind), and outside valgrind it uses the mark. nouserintercepts: callgrind
# must leave our malloc alone.
# per_pair PRELOAD BINARY (PRELOAD: a library or "")
per_pair() {
  local once twice
  once=$(LD_PRELOAD=$1 GOPS_HEAP_SAMPLE_FREE_CHECK=mark instructions_of "$CALLGRIND_OPS" "$2")
  twice=$(LD_PRELOAD=$1 GOPS_HEAP_SAMPLE_FREE_CHECK=mark instructions_of $((2 * CALLGRIND_OPS)) "$2")
  echo "$once $twice $CALLGRIND_OPS" | awk '{printf "%.2f", ($2 - $1) / $3}'
}
instructions_of() {
  local n=$1; shift
  valgrind --tool=callgrind --soname-synonyms=somalloc=nouserintercepts --callgrind-out-file="$work/cg" "$@" \
    1 "$n" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
echo
echo "| variant (callgrind, 1 thread, $CALLGRIND_OPS more pairs) | instructions per new/delete pair | / plain |"
echo "|---|---|---|"
plain_ir=$(per_pair "" "$BENCH")
for variant in plain preloaded linked; do
  case $variant in
    plain) ir=$plain_ir; label="no sampler" ;;
    preloaded) ir=$(per_pair "$SAMPLER_SO" "$BENCH"); label="sampler, LD_PRELOAD" ;;
    linked) ir=$(per_pair "" "$BENCH_LINKED"); label="sampler, linked" ;;
  esac
  printf "| %s | %.1f | %.3f |\n" "$label" "$ir" "$(echo "$ir $plain_ir" | awk '{print $1/$2}')"
done
