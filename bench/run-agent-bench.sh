#!/usr/bin/env bash
# The agent round-trip benchmark: `gops stats PID` and `gops version PID`
# against the Go test agent (tests/peers/go/agentpeer), next to the floor, a bare
# client (bench/agent_roundtrip.cpp) that only connects, writes the command
# byte and reads the reply, measured the same way in the same run.
# hyperfine, no shell in between (-N); medians of RUNS runs each.
#
#   bench/run-agent-bench.sh
#
# Build first:
#   cmake --preset release -B build/bench
#   cmake --build build/bench -j2 --target gops agentpeer agent_roundtrip
# Environment: BUILD_DIR (build/bench), GOPS_BIN, AGENTPEER_BIN,
# ROUNDTRIP_BIN, RUNS (300), WARMUP (30), OUT_DIR (BUILD_DIR/agent-bench).
# Output: a markdown table on stdout; hyperfine's JSON and the table
# (agent-bench.md) in OUT_DIR.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build/bench}
gops=${GOPS_BIN:-$build_dir/gops}
agentpeer=${AGENTPEER_BIN:-$build_dir/go-bin/agentpeer}
roundtrip=${ROUNDTRIP_BIN:-$build_dir/bench/agent_roundtrip}
runs=${RUNS:-300}
warmup=${WARMUP:-30}
out_dir=${OUT_DIR:-$build_dir/agent-bench}

die() { echo "run-agent-bench: $*" >&2; exit 1; }
for tool in hyperfine jq; do command -v "$tool" >/dev/null || die "$tool is missing (scripts/setup.sh installs it)"; done
for bin in "$gops" "$agentpeer" "$roundtrip"; do [[ -x $bin ]] || die "$bin is missing: build it first (see the header)"; done
mkdir -p "$out_dir"

config_dir=$(mktemp -d)
peer_out=$config_dir/agentpeer.out
peer=
cleanup() {
  [[ -n $peer ]] && kill "$peer" 2>/dev/null && wait "$peer" 2>/dev/null
  rm -rf "$config_dir"
}
trap cleanup EXIT

# No CPU-burning goroutine: on a small machine it would only add noise.
GOPS_CONFIG_DIR=$config_dir AGENTPEER_NO_SPIN=1 "$agentpeer" >"$peer_out" &
peer=$!
for _ in $(seq 100); do grep -q '^ready ' "$peer_out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/^ready //p' "$peer_out")
[[ -n $port ]] || die "agentpeer did not start"

# Every command must work before it is timed.
export GOPS_CONFIG_DIR=$config_dir
"$gops" stats "$peer" | grep -q '^goroutines: ' || die "gops stats $peer failed"
"$gops" version "$peer" | grep -q '^go1\.' || die "gops version $peer failed"
"$roundtrip" "$port" 7 | grep -q '^goroutines: ' || die "agent_roundtrip $port 7 failed"

# Rounds of a few runs of each command, alternating, so that a burst of
# load on a shared machine lands on every command alike; the statistics
# are over all rounds' times together.
rounds=${ROUNDS:-10}
per_round=$(((runs + rounds - 1) / rounds))
json=$out_dir/agent-bench.json
parts=()
for round in $(seq "$rounds"); do
  part=$out_dir/agent-bench.round$round.json
  hyperfine -N --style none --warmup "$((round == 1 ? warmup : 3))" --runs "$per_round" --export-json "$part" \
    -n "gops stats PID" "$gops stats $peer" \
    -n "floor: connect+write+read (stats)" "$roundtrip $port 7" \
    -n "gops version PID" "$gops version $peer" \
    -n "floor: connect+write+read (version)" "$roundtrip $port 4" \
    -n "gops --version (start-up only, no agent)" "$gops --version" >/dev/null
  parts+=("$part")
done
jq -s '{results: (map(.results) | add | group_by(.command) | map({command: .[0].command, times: (map(.times) | add)})
  | map(.times |= sort | . + {median: (.times | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end),
         min: .times[0], mean: ((.times | add) / (.times | length))})) }' "${parts[@]}" >"$json.tmp"
jq '.results |= map(.mean as $m | .stddev = ((.times | map((. - $m) * (. - $m)) | add) / (.times | length) | sqrt))' "$json.tmp" >"$json"
rm -f "$json.tmp" "${parts[@]}"

ms() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median * 1000' "$json"; }
row() {
  local name=$1 floor=$2
  jq -r --arg n "$name" --argjson floor "$(ms "$floor")" '.results[] | select(.command == $n) |
    "| \(.command) | \(.median * 1000 * 1000 | round / 1000) | \(.min * 1000 * 1000 | round / 1000) | \(.stddev * 1000 * 1000 | round / 1000) | \((.median * 1000 - $floor) * 1000 | round / 1000) |"' "$json"
}

{
  echo "Agent round trip, median of $((rounds * per_round)) runs in $rounds alternating rounds (hyperfine -N, $warmup warm-up runs), against agentpeer ($("$gops" version "$peer" | tr -d '\n')) on 127.0.0.1:$port, $(nproc) CPUs"
  echo
  echo "| command | median ms | min ms | stddev ms | over floor ms |"
  echo "|---|---|---|---|---|"
  row "gops stats PID" "floor: connect+write+read (stats)"
  row "gops version PID" "floor: connect+write+read (version)"
  row "floor: connect+write+read (stats)" "floor: connect+write+read (stats)"
  row "floor: connect+write+read (version)" "floor: connect+write+read (version)"
  row "gops --version (start-up only, no agent)" "floor: connect+write+read (stats)"
} | tee "$out_dir/agent-bench.md"
