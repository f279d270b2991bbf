#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, then builds and runs the whole test
# suite in each preset given (default: release and asan).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
presets=("$@")
((${#presets[@]})) || presets=(release asan)
for preset in "${presets[@]}"; do
  echo "=== preset $preset ==="
  cmake --preset "$preset"
  cmake --build --preset "$preset"
  ctest --preset "$preset" -j2
done
