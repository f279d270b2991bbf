#!/usr/bin/env bash
# Runs the test suites again and again while both CPUs are kept busy, to
# find the tests that race (a thread or child not yet in the state under
# test): a suite that is green once on a quiet machine must stay green on
# a loaded one.
#
#   scripts/soak-tests.sh [RUNS] [PRESET...]    # default: 10 runs of release and asan
#
# Builds each preset once, then starts the load (Debian's stress-ng --cpu 2
# when installed, else two shell busy loops) and runs `ctest --preset P -j2`
# RUNS times per preset, alternating. Each run's log goes to
# build/soak/PRESET-N.log; a summary line per run and a total at the end.
# Exits non-zero if any run failed.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
shift || true
presets=("$@")
((${#presets[@]})) || presets=(release asan)

for preset in "${presets[@]}"; do
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j2
done

logs=build/soak
mkdir -p "$logs"
loaders=()
stop_load() {
  for pid in "${loaders[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${loaders[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_load EXIT
if command -v stress-ng >/dev/null; then
  stress-ng --cpu 2 --quiet &
  loaders+=($!)
  load="stress-ng --cpu 2"
else
  for _ in 1 2; do
    bash -c 'while :; do :; done' &
    loaders+=($!)
  done
  load="two busy loops"
fi

declare -A green
failed=0
start=$SECONDS
for ((i = 1; i <= runs; i++)); do
  for preset in "${presets[@]}"; do
    log=$logs/$preset-$i.log
    t0=$SECONDS
    if ctest --preset "$preset" -j2 >"$log" 2>&1; then
      green[$preset]=$((${green[$preset]:-0} + 1))
      verdict=green
    else
      failed=1
      verdict="FAILED: $(grep -E '^\s+[0-9]+ - ' "$log" | sed 's/^ *//' | tr '\n' ';')"
    fi
    echo "soak: run $i/$runs $preset, $((SECONDS - t0)) s, load $(cut -d' ' -f1 /proc/loadavg): $verdict"
  done
done
for preset in "${presets[@]}"; do
  echo "soak: $preset ${green[$preset]:-0} of $runs green"
done
echo "soak: $((runs * ${#presets[@]})) suite runs under $load in $(((SECONDS - start) / 60)) min"
exit $failed
