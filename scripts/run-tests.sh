#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, then builds and runs the whole test
# suite in each preset given (default: release, asan, and tsan for the
# tests labelled "tsan": the agent's threads), then runs each fuzzer
# briefly. Exits non-zero on the first failure.
#
#   scripts/run-tests.sh                 # release + asan + tsan + fuzz
#   scripts/run-tests.sh release         # one preset, no fuzzing
#   GOPS_FUZZ_SECONDS=0 scripts/run-tests.sh   # skip the fuzz run
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
for preset in "${presets[@]}"; do
  echo "=== preset $preset ==="
  cmake --preset "$preset"
  if [[ $preset == tsan ]]; then
    cmake --build --preset tsan -j2 --target tsan_tests  # only what the tsan test preset runs
  else
    cmake --build --preset "$preset" -j2
  fi
  ctest --preset "$preset" -j3  # the tests mostly wait on their peers
done
if [[ -n "$fuzz_seconds" && "$fuzz_seconds" != 0 ]]; then
  echo "=== fuzz (${fuzz_seconds}s per target) ==="
  scripts/run-fuzz.sh "$fuzz_seconds"
fi
