#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`: clang, ASan+UBSan, every
# object instrumented for coverage) and runs each one for SECONDS (default
# 20), seeded with fuzz/corpus/TARGET (checked in), the generated executables
# for binfmt_fuzz and module_info_fuzz, /bin/true, and the previous runs'
# corpus. Prints each target's executions and the total. Exits non-zero if a
# fuzzer finds a crash; the crashing input is left in the build dir's
# fuzz-artifacts/.
#
#   scripts/run-fuzz.sh [SECONDS] [TARGET...]   # GOPS_FUZZ_BUILD_DIR overrides build/fuzz,
#                                               # GOPS_FUZZ_JOBS (default 2) runs that many at once
#   scripts/run-fuzz.sh --build-only            # build the targets, run nothing
set -euo pipefail
cd "$(dirname "$0")/.."
build_only=false
if [[ ${1:-} == --build-only ]]; then
  build_only=true
  shift
fi
seconds=${1:-20}
shift || true
build=${GOPS_FUZZ_BUILD_DIR:-build/fuzz}
fuzzers=(binfmt_fuzz module_info_fuzz request_parser_fuzz describe_reply_fuzz reply_saver_fuzz port_file_fuzz
  environ_fuzz proc_stat_fuzz proc_text_fuzz net_table_fuzz text_fuzz
  http_request_fuzz)
if (($# > 0)); then fuzzers=("$@"); fi

cmake --preset fuzz -B "$build" >/dev/null
cmake --build "$build" -j2 --target "${fuzzers[@]}" binfmt_fuzz_seeds
if $build_only; then exit 0; fi

seeds=$build/fuzz-seeds
corpus=$build/fuzz-corpus
artifacts=$build/fuzz-artifacts
"$build/fuzz/binfmt_fuzz_seeds" "$seeds"
cp /bin/true "$seeds/binfmt_fuzz/bin-true"
mkdir -p "$artifacts"

# Two targets at a time, one per CPU; each writes its own log.
run_one() {
  local f=$1 seed_dirs=()
  mkdir -p "$corpus/$f"
  [[ -d "$seeds/$f" ]] && seed_dirs+=("$seeds/$f")
  [[ -d "fuzz/corpus/$f" ]] && seed_dirs+=("fuzz/corpus/$f")
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/fuzz/$f" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$f-" "$corpus/$f" "${seed_dirs[@]}" 2>"$build/$f.log"
}
declare -A pid_of
for f in "${fuzzers[@]}"; do
  while (($(jobs -rp | wc -l) >= ${GOPS_FUZZ_JOBS:-2})); do wait -n || true; done
  run_one "$f" &
  pid_of[$f]=$!
done
status=0
total=0
for f in "${fuzzers[@]}"; do
  if ! wait "${pid_of[$f]}"; then
    echo "run-fuzz: $f found a problem; log: $build/$f.log, inputs: $artifacts/" >&2
    tail -40 "$build/$f.log" >&2
    status=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/$f.log" | tail -1)
  cov=$(grep -oE "cov: [0-9]+ ft: [0-9]+" "$build/$f.log" | tail -1 || true)
  printf '%-22s %10s executions in %ss, %s\n' "$f" "${runs:-0}" "$seconds" "${cov:-no coverage line}"
  total=$((total + ${runs:-0}))
done
echo "run-fuzz: ${#fuzzers[@]} targets, $total executions in all"
exit $status
