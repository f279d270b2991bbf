# shellcheck shell=bash
# Sourced by bench/run-list-bench.sh: what one count's measurement needs
# besides hyperfine itself. Needs jq and /usr/bin/time.

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

# hyperfine_summary JSON NAME: "median wall seconds<TAB>best (minimum)
# wall seconds<TAB>mean CPU seconds (user + system)" of the command named
# NAME. CPU time is the steadier figure when other work shares the machine.
hyperfine_summary() {
  jq -r --arg name "$2" '.results[] | select(.command == $name) | [.median, .min, (.user + .system)] | @tsv' "$1"
}

# Share of all CPUs busy over 1 s, from /proc/stat: the machine's other
# load before the benchmark's processes exist (the load average lags by a
# minute and would soon count the benchmark's own processes).
cpu_busy_pct() {
  local a b
  a=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  sleep 1
  b=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  echo "$a $b" | awk '{busy = $3 - $1; idle = $4 - $2; printf "%.0f", (busy + idle) ? 100 * busy / (busy + idle) : 0}'
}

# check_marks_our_agents CMD...: does `CMD --json` mark every Go agent we
# spawned as an agent (wherever its port file is)? Returns 1 if not.
check_marks_our_agents() {
  local marked
  marked=$("$@" --json 2>/dev/null | jq '[.[] | select(.agent)] | length')
  if ((marked < ${#go_pids[@]})); then
    echo "  $* --json: marks $marked agents, fewer than our ${#go_pids[@]}"
    return 1
  fi
  echo "  $* --json: marks $marked agents, our ${#go_pids[@]} among them"
}
