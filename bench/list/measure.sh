# shellcheck shell=bash
# Sourced by bench/run-list-bench.sh: one measurement of the three list
# commands at the current process count. Needs hyperfine, jq, /usr/bin/time.

# PIDs (first column) a list command prints, one per line.
listed_pids() {
  "$@" 2>/dev/null | awk '$1 ~ /^[0-9]+$/ { print $1 }'
}

# check_lists_our_go NAME CMD...: does CMD list every Go process we
# spawned? Prints a one-line verdict; returns 1 if any is missing.
# Uses go_pids from population.sh.
# shellcheck disable=SC2154
check_lists_our_go() {
  local name=$1 pid missing=0 pids
  shift
  pids=$(listed_pids "$@")
  for pid in "${go_pids[@]}"; do
    grep -qx "$pid" <<<"$pids" || missing=$((missing + 1))
  done
  local total
  total=$(grep -c . <<<"$pids" || true)
  if ((missing)); then
    echo "  $name: lists $total processes, MISSES $missing of our ${#go_pids[@]} Go processes"
    return 1
  fi
  echo "  $name: lists $total processes, all ${#go_pids[@]} of our Go processes among them"
}

# Peak resident set of one run, in KiB (GNU time's %M).
peak_rss_kib() {
  local f
  f=$(mktemp)
  /usr/bin/time -f %M -o "$f" "$@" >/dev/null 2>&1 || true
  tail -n 1 "$f"
  rm -f "$f"
}

# hyperfine_summary JSON: "name<TAB>median wall seconds<TAB>mean CPU
# seconds (user + system)" per command. CPU time is the steadier figure
# when other work shares the machine.
hyperfine_summary() {
  jq -r '.results[] | [.command, .median, (.user + .system)] | @tsv' "$1"
}
