#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`: clang, ASan+UBSan) and runs
# each one for SECONDS (default 20), seeded with small synthetic executables,
# /bin/true and the previous runs' corpus. Exits non-zero if a fuzzer finds a
# crash; the crashing input is left in the build dir's fuzz-artifacts/.
#
#   scripts/run-fuzz.sh [SECONDS]     # GOPS_FUZZ_BUILD_DIR overrides build/fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
build=${GOPS_FUZZ_BUILD_DIR:-build/fuzz}
fuzzers=(binfmt_fuzz module_info_fuzz http_request_fuzz)

cmake --preset fuzz -B "$build" >/dev/null
cmake --build "$build" -j2 --target "${fuzzers[@]}" binfmt_fuzz_seeds

seeds=$build/fuzz-seeds
corpus=$build/fuzz-corpus
artifacts=$build/fuzz-artifacts
"$build/fuzz/binfmt_fuzz_seeds" "$seeds"
cp /bin/true "$seeds/binfmt_fuzz/bin-true"
mkdir -p "$artifacts"

status=0
for f in "${fuzzers[@]}"; do
  mkdir -p "$corpus/$f"
  echo "=== $f for ${seconds}s ==="
  seed_dirs=()
  [[ -d "$seeds/$f" ]] && seed_dirs+=("$seeds/$f")
  [[ -d "fuzz/corpus/$f" ]] && seed_dirs+=("fuzz/corpus/$f")  # checked in
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$build/fuzz/$f" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/$f-" "$corpus/$f" "${seed_dirs[@]}" 2>"$build/$f.log"; then
    echo "run-fuzz: $f found a problem; log: $build/$f.log, inputs: $artifacts/" >&2
    tail -40 "$build/$f.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$build/$f.log" | tail -2
  fi
done
exit $status
