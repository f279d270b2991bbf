#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, then builds and runs the whole test
# suite in each preset given (default: release, asan, and tsan for the
# tests labelled "tsan": the agent's threads), then runs each fuzzer
# briefly. Exits non-zero on the first failure.
#
#   scripts/run-tests.sh                 # release + asan + tsan + fuzz
#   scripts/run-tests.sh release         # one preset, no fuzzing
#   GOPS_FUZZ_SECONDS=0 scripts/run-tests.sh   # skip the fuzz run
#
# While one preset's tests run, the next preset is built at the lowest CPU
# priority (nice 19): the tests spend much of their time waiting on their
# peers, and the build takes only the CPU they leave idle. The build's
# output is printed when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Real Go binaries of other Go versions and platforms (npm), sha256-checked
# and cached: the binfmt tests read them.
scripts/fetch-go-corpus.sh
# Go toolchains of other releases (Debian's archive, sha256-pinned, unpacked
# in a cache): the agentless Go tests build their test program with each.
scripts/fetch-go-toolchains.sh

presets=("$@")
fuzz_seconds=${GOPS_FUZZ_SECONDS:-}
if ((${#presets[@]} == 0)); then
  presets=(release asan tsan)
  fuzz_seconds=${fuzz_seconds:-5}
fi
fuzzing=false
[[ -n "$fuzz_seconds" && "$fuzz_seconds" != 0 ]] && fuzzing=true

build_preset() {
  local preset=$1
  if [[ $preset == fuzz ]]; then
    scripts/run-fuzz.sh --build-only
    return
  fi
  cmake --preset "$preset"
  if [[ $preset == tsan ]]; then
    cmake --build --preset tsan -j2 --target tsan_tests  # only what the tsan test preset runs
  else
    cmake --build --preset "$preset" -j2
  fi
}

# The build started beside the running tests: its PID (a session of its
# own, so that it can be stopped whole), name and log.
background_pid=""
background_name=""
background_log=""
stop_background() {
  if [[ -n $background_pid ]]; then
    kill -- "-$background_pid" 2>/dev/null || true
    wait "$background_pid" 2>/dev/null || true
    background_pid=""
    rm -f "$background_log"
  fi
}
trap stop_background EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_background_build() {
  background_name=$1
  background_log=$(mktemp "${TMPDIR:-/tmp}/gops-build-$1.XXXXXX")
  setsid nice -n 19 bash -c "set -euo pipefail; $(declare -f build_preset); build_preset $1" >"$background_log" 2>&1 &
  background_pid=$!
}

finish_background_build() {
  [[ -n $background_pid ]] || return 0
  local status=0
  wait "$background_pid" || status=$?
  background_pid=""
  echo "=== build $background_name (ran beside the tests above) ==="
  cat "$background_log"
  rm -f "$background_log"
  if ((status != 0)); then
    echo "run-tests: building $background_name failed" >&2
    exit "$status"
  fi
}

# What is built after each preset's tests start: the next preset, then the
# fuzz targets.
builds=("${presets[@]}")
$fuzzing && builds+=(fuzz)

echo "=== build ${builds[0]} ==="
build_preset "${builds[0]}"
for i in "${!presets[@]}"; do
  preset=${presets[$i]}
  finish_background_build
  if ((i + 1 < ${#builds[@]})); then
    start_background_build "${builds[$((i + 1))]}"
  fi
  echo "=== test $preset ==="
  ctest --preset "$preset" -j3  # the tests mostly wait on their peers
done
finish_background_build
if $fuzzing; then
  echo "=== fuzz (${fuzz_seconds}s per target) ==="
  scripts/run-fuzz.sh "$fuzz_seconds"
fi
