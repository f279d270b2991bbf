#!/usr/bin/env bash
# The agent's HTTP endpoint, what it costs the program: the CPU of one
# /metrics scrape against client_golang's promhttp in a Go program (same
# run, same client), and a CPU profile taken over HTTP against the same
# over the gops port. See bench/http/http_bench.cpp for the method.
#
#   BUILD_DIR=build/release bench/run-http-bench.sh [SCRAPES] [ROUNDS] [WINDOW_SECONDS]
#
# Build first: cmake --build build/release -j2 --target http_bench promgo
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build/release}
bench=$build_dir/bench/http/http_bench
promgo=$build_dir/go-bin/promgo
for bin in "$bench" "$promgo"; do
  [[ -x $bin ]] || { echo "run-http-bench: $bin is missing: build it first (see the header)" >&2; exit 1; }
done
exec "$bench" "$promgo" "${1:-2000}" "${2:-5}" "${3:-3}"
