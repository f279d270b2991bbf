#!/usr/bin/env bash
# The process-list benchmark: `gops` (list) against `ps -e` and a Go
# stand-in for the Go gops, at several process counts, in one run on the
# same set of processes.
#
#   bench/run-list-bench.sh [COUNT...]        (default: 65 1000 5000)
#
# COUNT is the number of processes the list sees (every /proc/PID), made
# up of `sleep` processes, 20 Go processes (tests/peers/go/listed) and the
# harness itself. By default the script runs in a PID namespace of its own
# (unshare, needs root): there the list sees exactly COUNT processes and
# nothing else on the machine comes or goes, and when the script ends the
# kernel kills whatever is left in it. LIST_BENCH_NAMESPACE=0 (or no
# unshare) measures on the host instead, topping up the machine's own
# processes to COUNT. Build first:
#   cmake --preset release -B build/bench
#   cmake --build build/bench -j2 --target gops go_listed go_golist
# Environment: BUILD_DIR (build/bench), GOPS_BIN, LISTED_BIN, GOLIST_BIN,
# OUT_DIR (BUILD_DIR/list-bench), RUNS (min runs per command, 15),
# EXACT_RUNS (if set: exactly that many runs, for smoke tests), WARMUP (3),
# GO_PROCESSES (20).
# Output: a markdown table on stdout, hyperfine's JSON per count and the
# table (list-bench.md) in OUT_DIR. Every process started here is killed on
# exit.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=list/population.sh
source "$root/bench/list/population.sh"
# shellcheck source=list/measure.sh
source "$root/bench/list/measure.sh"
# shellcheck source=list/report.sh
source "$root/bench/list/report.sh"

die() { echo "run-list-bench: $*" >&2; exit 1; }

# Into a fresh PID namespace with its own /proc, unless asked not to or not
# allowed. --kill-child: if unshare dies, so does everything inside, and
# unshare dies with this shell (setpriv). unshare ignores SIGINT and SIGTERM
# while it waits, so this shell stays to turn them into a SIGKILL of
# unshare, and so of the whole namespace.
if [[ -z ${LIST_BENCH_IN_NAMESPACE:-} && ${LIST_BENCH_NAMESPACE:-1} != 0 ]]; then
  if unshare --pid --fork --mount-proc true 2>/dev/null; then
    LIST_BENCH_IN_NAMESPACE=1 setpriv --pdeathsig KILL unshare --pid --fork --mount-proc --kill-child "$0" "$@" &
    runner=$!
    trap 'kill -KILL "$runner" 2>/dev/null; wait "$runner"; exit 130' INT TERM HUP
    status=0
    wait "$runner" || status=$?
    exit "$status"
  fi
  echo "run-list-bench: cannot make a PID namespace (unshare needs root): measuring on the host" >&2
fi
where="the host (the machine's own processes count, and may come and go)"
[[ -n ${LIST_BENCH_IN_NAMESPACE:-} ]] && where="a PID namespace of its own (unshare --pid --mount-proc): the list sees only the harness's processes"

build_dir=${BUILD_DIR:-$root/build/bench}
gops=${GOPS_BIN:-$build_dir/gops}
listed=${LISTED_BIN:-$build_dir/go-bin/listed}
golist=${GOLIST_BIN:-$build_dir/go-bin/golist}
out_dir=${OUT_DIR:-$build_dir/list-bench}
runs=${RUNS:-15}
run_count=(--min-runs "$runs")
runs_text="at least $runs"
if [[ -n ${EXACT_RUNS:-} ]]; then
  run_count=(--runs "$EXACT_RUNS")
  runs_text="exactly $EXACT_RUNS"
fi
warmup=${WARMUP:-3}
go_count=${GO_PROCESSES:-20}

counts=("$@")
((${#counts[@]})) || counts=(65 1000 5000)
for n in "${counts[@]}"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "a count must be a positive number, not '$n'"
done
mapfile -t counts < <(printf '%s\n' "${counts[@]}" | sort -n -u)
largest=${counts[-1]}

for tool in hyperfine jq setpriv ps; do
  command -v "$tool" >/dev/null || die "$tool not found: run scripts/setup.sh"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found: run scripts/setup.sh (package time)"
[[ -x $listed ]] || die "$listed not built: cmake --build $build_dir --target go_listed"
[[ -x $golist ]] || die "$golist not built: cmake --build $build_dir --target go_golist"
with_gops=1
if [[ ! -x $gops ]]; then
  echo "run-list-bench: $gops not built: measuring ps -e and the Go stand-in only" >&2
  with_gops=0
fi

# Room for the processes: the per-user limit counts threads (go_listed runs
# a few each), pid_max bounds the PIDs.
needed=$((largest + go_count * 8 + 512))
if [[ $(ulimit -u) != unlimited ]] && (($(ulimit -u) < needed)); then
  ulimit -u "$needed" 2>/dev/null || die "ulimit -u is $(ulimit -u), below the $needed this needs; raise the hard limit"
fi
(($(cat /proc/sys/kernel/pid_max) > needed)) || die "kernel.pid_max is below $needed"
(($(cat /proc/sys/kernel/threads-max) > needed)) || die "kernel.threads-max is below $needed"

mkdir -p "$out_dir"
rows="$out_dir/rows.tsv"
: >"$rows"
population_init "$out_dir/population"
trap population_cleanup EXIT
trap 'exit 130' INT TERM HUP

golist_go=$(go version "$golist" 2>/dev/null | awk '{print $2}' || true)
cat <<EOF2
# gops list benchmark

Machine: $(nproc) CPUs, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg) at start.
Measured in $where.
Commands (each run with hyperfine -N, $warmup warm-up runs, $runs_text runs, output discarded):
  gops:        $gops
  ps -e:       $(command -v ps) -e ($(ps --version 2>&1 | head -n 1))
  Go stand-in: $golist
The Go stand-in is NOT the Go gops: github.com/google/gops cannot be built
here (its dependencies need the Go module proxy, which is unreachable). It
reproduces the Go gops list path with Go (${golist_go:-version unknown}) and the standard
library only: gopsutil v3's process.Processes() (per PID: the /proc mount
check, stat of /proc/PID, the stat line and /proc/stat for the create
time), then goprocess.FindAll's 10 workers (per process: the exe link,
debug/buildinfo.ReadFile of the binary, the port-file stat; for Go ones
the stat line again and the name), and the same columns. It leaves out
cobra's start-up.
EOF2

status=0
for n in "${counts[@]}"; do
  # Under hyperfine the list sees hyperfine too: leave it a place. The
  # counting subshell stands for the list command itself.
  top_up_to $((n - 1)) "$go_count" "$listed"
  seen=$(($(count_processes) + 1))
  echo
  echo "## $seen processes (target $n; ${#spawned[@]} started here, ${#go_pids[@]} of them Go)"
  ((seen <= n + 5)) || echo "  note: the machine already runs more processes than $n; measured at $seen"
  check_lists_our_go "Go stand-in" "$golist" || status=1
  gops_s="-" gops_cpu="-" gops_rss="-"
  commands=()
  if ((with_gops)); then
    check_lists_our_go gops "$gops" || { status=1; echo "  gops does not list the Go processes yet: its time is not comparable"; }
    gops_rss=$(peak_rss_kib "$gops")
    commands+=(--command-name gops "$gops")
  fi
  ps_rss=$(peak_rss_kib ps -e)
  golist_rss=$(peak_rss_kib "$golist")
  commands+=(--command-name "ps -e" "ps -e" --command-name "go stand-in" "$golist")

  json="$out_dir/list-$n.json"
  setpriv --pdeathsig KILL hyperfine -N --style basic --warmup "$warmup" "${run_count[@]}" --export-json "$json" "${commands[@]}" >&2
  declare -A median=() cpu=()
  while IFS=$'\t' read -r name secs cpu_secs; do
    median[$name]=$secs
    cpu[$name]=$cpu_secs
  done < <(hyperfine_summary "$json")
  if ((with_gops)); then
    gops_s=${median[gops]}
    gops_cpu=${cpu[gops]}
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$seen" \
    "$gops_s" "${median[ps -e]}" "${median[go stand-in]}" \
    "$gops_cpu" "${cpu[ps -e]}" "${cpu[go stand-in]}" \
    "$gops_rss" "$ps_rss" "$golist_rss" >>"$rows"
  unset median cpu
done

{
  echo
  echo "## Results"
  echo
  print_table "$rows"
  echo
  print_marginal "$rows"
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
} | tee "$out_dir/list-bench.md"
exit "$status"
