#!/usr/bin/env bash
# Installs what gops needs on Debian 12. Idempotent: a package that is
# already there is not fetched again.
#
#   scripts/setup.sh          # building gops and the agent, and the whole test suite
#   scripts/setup.sh --build  # building gops and the agent only
set -euo pipefail

# Building gops, the agent library and its heap sampler.
build_packages=(
  build-essential cmake ninja-build pkg-config
  libcli11-dev libfmt-dev nlohmann-json3-dev zlib1g-dev
  libdw-dev libelf-dev libunwind-dev libprotozero-dev
  libzydis-dev libiberty-dev libdeflate-dev
)
# The tests' compilers, sanitizer runtimes, real peers and reference tools.
test_packages=(
  clang libclang-rt-14-dev procps iproute2
  libgtest-dev libgmock-dev libbenchmark-dev
  golang-go elfutils hyperfine npm
  libjemalloc2 libtcmalloc-minimal4 time jq man-db groff-base
  valgrind heaptrack strace
  libgoogle-perftools-dev
  golang-github-shirou-gopsutil-dev golang-github-prometheus-client-golang-dev prometheus curl
  delve rustc
)

packages=("${build_packages[@]}")
case "${1:-}" in
  --build) ;;
  "") packages+=("${test_packages[@]}") ;;
  *) echo "usage: scripts/setup.sh [--build]" >&2; exit 2 ;;
esac

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
