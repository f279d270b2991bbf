# shellcheck shell=bash
# Sourced by bench/run-list-bench.sh: grows the machine's process count to a
# target with `sleep` processes and Go processes running the tests' Go agent
# (tests/peers/go/agentpeer: a port file each, in $population_dir/gops), and kills
# them all again. Every spawned process gets PR_SET_PDEATHSIG=KILL (setpriv) and
# then checks that its parent is still this script before it execs its
# program (the death signal is not sent if the parent died before it was
# set), so none outlives the script even if the script is killed with
# SIGKILL.

spawned=()            # PIDs of every process we started
go_pids=()            # the Go ones among them
population_dir=""     # the Go agents' stdout files, and their port files in gops/
go_comm=""            # the kernel's name for the Go program (its file name, cut at 15)

# population_init DIR: DIR holds the Go agents' output and port files
# (emptied first).
population_init() {
  population_dir=$1
  rm -rf "$population_dir"
  mkdir -p "$population_dir/gops"
}

# spawn_orphan_proof PROGRAM ARGS...: starts PROGRAM in the background so
# that it dies with this shell.
spawn_orphan_proof() {
  # shellcheck disable=SC2016 # $PPID and $1 are the child shell's
  setpriv --pdeathsig KILL sh -c '[ "$PPID" = "$1" ] || exit 1; shift; exec "$@"' sh "$$" "$@" &
  spawned+=($!)
}

# The number of processes a /proc walker sees right now (ps -e, gops).
count_processes() {
  local entries
  shopt -s nullglob
  entries=(/proc/[0-9]*)
  shopt -u nullglob
  echo "${#entries[@]}"
}

# spawn_go N AGENTPEER_BIN: N Go agents that write their port file, print
# "ready PORT" and wait (no CPU-burning goroutine). With AGENT_DIRS=theirs
# each writes it in a dir of its own, which the list finds only through
# the agent's environment (as for agents in containers); by default all in
# $population_dir/gops, the list's own dir.
spawn_go() {
  local n=$1 bin=$2 i out dir
  go_comm=${bin##*/}
  go_comm=${go_comm:0:15}
  for ((i = 0; i < n; i++)); do
    out="$population_dir/go-${#go_pids[@]}.out"
    dir=$population_dir/gops
    [[ ${AGENT_DIRS:-ours} == theirs ]] && dir=$population_dir/gops-${#go_pids[@]}
    GOPS_CONFIG_DIR=$dir AGENTPEER_NO_SPIN=1 spawn_orphan_proof "$bin" >"$out" 2>&1 </dev/null
    go_pids+=("${spawned[-1]}")
  done
}

# spawn_sleep N: N `sleep infinity` processes.
spawn_sleep() {
  local n=$1 i
  for ((i = 0; i < n; i++)); do
    spawn_orphan_proof sleep infinity </dev/null >/dev/null 2>&1
  done
}

# Waits until every spawned process has exec'd its program (its comm is no
# longer the forked shell's or setpriv's) and every Go one said "ready"
# (its port file is written), so the list sees the final executables.
# Fails after TIMEOUT seconds.
wait_population_ready() {
  local timeout=${1:-120} deadline comm pid f
  deadline=$((SECONDS + timeout))
  for pid in "${spawned[@]}"; do
    while :; do
      comm=""
      read -r comm 2>/dev/null <"/proc/$pid/comm" || true
      [[ $comm == sleep || (-n $go_comm && $comm == "$go_comm") ]] && break
      if [[ ! -d /proc/$pid ]]; then
        echo "run-list-bench: spawned process $pid exited early" >&2
        return 1
      fi
      if ((SECONDS > deadline)); then
        echo "run-list-bench: process $pid not started after ${timeout}s (comm: '$comm')" >&2
        return 1
      fi
      sleep 0.01
    done
  done
  for f in "$population_dir"/go-*.out; do
    [[ -e $f ]] || continue
    until grep -q ready "$f"; do
      if ((SECONDS > deadline)); then
        echo "run-list-bench: $f: the Go agent never printed ready: $(cat "$f")" >&2
        return 1
      fi
      sleep 0.01
    done
  done
}

# top_up_to TARGET GO_COUNT AGENTPEER_BIN: spawns what is missing so that the
# process count reaches TARGET, of which GO_COUNT are ours and Go. Existing
# processes count toward TARGET; if they already exceed it, only the Go
# ones are added and the count ends above TARGET (the caller reports it).
top_up_to() {
  local target=$1 go_wanted=$2 go_bin=$3 now missing go_missing
  now=$(count_processes)
  go_missing=$((go_wanted - ${#go_pids[@]}))
  ((go_missing < 0)) && go_missing=0
  missing=$((target - now))
  spawn_go "$go_missing" "$go_bin"
  if ((missing > go_missing)); then
    spawn_sleep $((missing - go_missing))
  fi
  wait_population_ready 300
}

# Kills and reaps everything we spawned; safe to call more than once. With
# LIST_BENCH_PID_LOG set, first appends their PID namespace and their PIDs
# to that file (the harness test checks that none survives).
population_cleanup() {
  if ((${#spawned[@]})); then
    if [[ -n ${LIST_BENCH_PID_LOG:-} ]]; then
      # PIDs as seen from our PID namespace, and which namespace that is.
      echo "namespace $(readlink /proc/self/ns/pid)" >>"$LIST_BENCH_PID_LOG"
      printf '%s\n' "${spawned[@]}" >>"$LIST_BENCH_PID_LOG"
    fi
    kill -KILL "${spawned[@]}" 2>/dev/null || true
    wait "${spawned[@]}" 2>/dev/null || true
  fi
  spawned=()
  go_pids=()
  if [[ -n $population_dir ]]; then rm -rf "$population_dir"; fi
  population_dir=""
}
