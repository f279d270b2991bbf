#!/usr/bin/env bash
# The process-list benchmark: `gops`, `gops tree` and `gops --json` against
# `ps -e` and the real Go gops (github.com/google/gops, when GO_GOPS_BIN
# names a build of it), at two or more process counts, in one run on the
# same processes; then the per-process system calls, variant against
# variant (list_scan_variants), at the largest count.
#
#   bench/run-list-bench.sh [COUNT...]        (default: 1100 3100)
#
# COUNT is the number of processes the list sees (every /proc/PID): `sleep`
# processes, 20 Go processes running the tests' Go agent (tests/peers/go/agentpeer,
# each with its port file, so every list marks them `*`) and the harness
# itself. The cost of one more process is the slope between the smallest
# and the largest count. By default the script runs in a PID namespace of
# its own (unshare, needs root): there the list sees exactly COUNT processes
# and nothing else on the machine comes or goes, and when the script ends
# the kernel kills whatever is left in it. LIST_BENCH_NAMESPACE=0 (or no
# unshare) measures on the host instead, topping up the machine's own
# processes to COUNT. Build first:
#   cmake --preset release
#   cmake --build --preset release -j2 --target gops agentpeer list_scan_variants
# The Go gops cannot be built by this repository (its dependencies are not
# all in Debian, and nothing fetched may be committed): build it yourself
# and pass it as GO_GOPS_BIN. Without it the table has no Go gops rows and
# says so.
# BASELINE_GOPS_BIN names another build of gops (an older commit, say) to
# measure in the same run, as "gops (baseline)"; AGENT_DIRS=theirs gives
# each Go agent a config dir of its own, found by the list only through the
# agent's environment (what agents under another HOME or in containers cost).
# Environment: BUILD_DIR (build/release), GOPS_BIN, AGENTPEER_BIN,
# VARIANTS_BIN, GO_GOPS_BIN, OUT_DIR (BUILD_DIR/list-bench), RUNS (min runs
# per command, 30), EXACT_RUNS (if set: exactly that many runs, for smoke
# tests), WARMUP (5), GO_PROCESSES (20), VARIANT_ROUNDS (40; 0 skips the
# variants), QUIET_LOAD (if set: first wait up to QUIET_WAIT=600 s for the
# 1-minute load average to fall below it).
# Output: markdown on stdout; hyperfine's JSON per count and the report
# (list-bench.md) in OUT_DIR. Every process started here is killed on exit.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=list/population.sh
source "$root/bench/list/population.sh"
# shellcheck source=list/measure.sh
source "$root/bench/list/measure.sh"
# shellcheck source=list/report.sh
source "$root/bench/list/report.sh"

die() { echo "run-list-bench: $*" >&2; exit 1; }

# Wait for a quiet machine before making the namespace (its own processes
# would count in the load average).
if [[ -z ${LIST_BENCH_IN_NAMESPACE:-} && -n ${QUIET_LOAD:-} ]]; then
  waited=0
  until awk -v max="$QUIET_LOAD" '{exit !($1 < max)}' /proc/loadavg; do
    if ((waited >= ${QUIET_WAIT:-600})); then
      echo "run-list-bench: load still $(cut -d' ' -f1 /proc/loadavg) after ${waited} s: running anyway" >&2
      break
    fi
    sleep 15
    waited=$((waited + 15))
  done
fi

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

build_dir=${BUILD_DIR:-$root/build/release}
gops=${GOPS_BIN:-$build_dir/gops}
agentpeer=${AGENTPEER_BIN:-$build_dir/go-bin/agentpeer}
variants=${VARIANTS_BIN:-$build_dir/bench/list_scan_variants}
go_gops=${GO_GOPS_BIN:-}
out_dir=${OUT_DIR:-$build_dir/list-bench}
runs=${RUNS:-30}
run_count=(--min-runs "$runs")
runs_text="at least $runs"
if [[ -n ${EXACT_RUNS:-} ]]; then
  run_count=(--runs "$EXACT_RUNS")
  runs_text="exactly $EXACT_RUNS"
fi
warmup=${WARMUP:-5}
go_count=${GO_PROCESSES:-20}
variant_rounds=${VARIANT_ROUNDS:-40}

counts=("$@")
((${#counts[@]})) || counts=(1100 3100)
for n in "${counts[@]}"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "a count must be a positive number, not '$n'"
done
mapfile -t counts < <(printf '%s\n' "${counts[@]}" | sort -n -u)
largest=${counts[-1]}

for tool in hyperfine jq setpriv ps; do
  command -v "$tool" >/dev/null || die "$tool not found: run scripts/setup.sh"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found: run scripts/setup.sh (package time)"
[[ -x $gops ]] || die "$gops not built: cmake --build $build_dir --target gops"
[[ -x $agentpeer ]] || die "$agentpeer not built: cmake --build $build_dir --target agentpeer"
if [[ -n $go_gops && ! -x $go_gops ]]; then die "GO_GOPS_BIN=$go_gops is not an executable"; fi
((variant_rounds == 0)) || [[ -x $variants ]] || die "$variants not built: cmake --build $build_dir --target list_scan_variants (or VARIANT_ROUNDS=0)"

# Room for the processes: the per-user limit counts threads (the Go agents
# run several each), pid_max bounds the PIDs.
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
# The agents write their port files here, and every list command reads it.
export GOPS_CONFIG_DIR=$population_dir/gops

commands=(gops "$gops" "gops tree" "$gops tree" "gops --json" "$gops --json" "ps -e" "ps -e")
baseline=${BASELINE_GOPS_BIN:-}
if [[ -n $baseline ]]; then
  [[ -x $baseline ]] || die "BASELINE_GOPS_BIN=$baseline is not an executable"
  commands+=("gops (baseline)" "$baseline")
fi
if [[ -n $go_gops ]]; then
  commands+=("Go gops" "$go_gops")
  go_gops_text="$go_gops ($(go version "$go_gops" 2>/dev/null | cut -d' ' -f2- || echo "Go version unknown"))"
else
  go_gops_text="not measured: set GO_GOPS_BIN to a build of github.com/google/gops"
fi

{
  echo "# gops list benchmark"
  echo
  echo "Machine: $(nproc) CPUs, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg) at start,"
  echo "CPUs busy over 1 s before the processes start: $(cpu_busy_pct)%."
  echo "Measured in $where."
  echo "Commands (hyperfine -N, $warmup warm-up runs, $runs_text runs each, output discarded):"
  echo "  gops:    $gops (also \`gops tree\`, \`gops --json\`)"
  echo "  ps -e:   $(command -v ps) -e ($(ps --version 2>&1 | head -n 1))"
  echo "  Go gops: $go_gops_text"
  [[ -z $baseline ]] || echo "  gops (baseline): $baseline"
  echo "Go agents' port files: ${AGENT_DIRS:-ours} (ours: in the list's own config dir; theirs: a dir each, named by its environment)."
} | tee "$out_dir/header.md"

status=0
for n in "${counts[@]}"; do
  # Under hyperfine the list sees hyperfine too: leave it a place. The
  # counting subshell stands for the list command itself.
  top_up_to $((n - 1)) "$go_count" "$agentpeer"
  seen=$(($(count_processes) + 1))
  echo
  echo "## $seen processes (target $n; ${#spawned[@]} started here, ${#go_pids[@]} of them Go agents)"
  ((seen <= n + 5)) || echo "  note: the machine already runs more processes than $n; measured at $seen"
  check_lists_our_go gops "$gops" || status=1
  check_marks_our_agents "$gops" || status=1
  [[ -z $go_gops ]] || check_lists_our_go "Go gops" "$go_gops" || status=1

  hyperfine_args=()
  for ((i = 0; i < ${#commands[@]}; i += 2)); do
    hyperfine_args+=(--command-name "${commands[i]}" "${commands[i + 1]}")
  done
  json="$out_dir/list-$n.json"
  setpriv --pdeathsig KILL hyperfine -N --style basic --warmup "$warmup" "${run_count[@]}" \
    --export-json "$json" "${hyperfine_args[@]}" >&2
  for ((i = 0; i < ${#commands[@]}; i += 2)); do
    # shellcheck disable=SC2086 # the command's words, as hyperfine -N splits them
    rss=$(peak_rss_kib ${commands[i + 1]})
    summary=$(hyperfine_summary "$json" "${commands[i]}")
    printf '%s\t%s\t%s\t%s\n' "$seen" "${commands[i]}" "$summary" "$rss" >>"$rows"
  done
  if ((n == largest && variant_rounds > 0)); then
    echo
    echo "### System calls per process, variant against variant ($variant_rounds rounds, list_scan_variants)"
    echo
    setpriv --pdeathsig KILL "$variants" "$variant_rounds" | tee "$out_dir/variants.md"
  fi
done

{
  echo
  echo "## Results"
  echo
  print_table "$rows"
  echo
  print_marginal "$rows"
  echo
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
} | tee "$out_dir/results.md"
{
  cat "$out_dir/header.md" "$out_dir/results.md"
  if [[ -s $out_dir/variants.md ]]; then
    echo
    echo "## System calls per process at $largest processes, variant against variant"
    echo
    cat "$out_dir/variants.md"
  fi
} >"$out_dir/list-bench.md"
exit "$status"
