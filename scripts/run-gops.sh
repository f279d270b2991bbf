#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine with what building gops needs (not the
# test toolchain), builds gops (preset `gops`: release, no tests or
# benchmarks) and runs it with the arguments given (none: list the Go
# processes).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --build >&2
cmake --preset gops >/dev/null
cmake --build --preset gops --target gops >&2
exec build/gops/gops "$@"
