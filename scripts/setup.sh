#!/usr/bin/env bash
# Installs what gops needs to build and test on Debian 12. Idempotent: a
# package that is already there is not fetched again.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang git procps iproute2
  libclang-rt-14-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev zlib1g-dev
  libdw-dev libelf-dev libunwind-dev libprotozero-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  golang-go elfutils hyperfine npm
  libjemalloc2 libtcmalloc-minimal4 time jq man-db groff-base
  valgrind heaptrack
  libgoogle-perftools-dev
  golang-github-shirou-gopsutil-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# npm may come from elsewhere (the machine's own Node.js): take that one.
if command -v npm >/dev/null; then
  missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]}"

if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
