#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds gops (release preset) and runs it
# with the arguments given (none: list the Go processes).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >&2
cmake --preset release >/dev/null
cmake --build --preset release --target gops >&2
exec build/release/gops "$@"
