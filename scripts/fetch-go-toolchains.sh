#!/usr/bin/env bash
# Fetches real Go toolchains of other releases from Debian's archive (the
# golang-1.NN-go and golang-1.NN-src packages, pinned by sha256 below) and
# unpacks each into a private GOROOT, for the agentless Go tests: the test
# program built by each release is read and checked against that release's
# own goroutine dump and DWARF. Nothing is installed. Idempotent: a
# toolchain already unpacked from the pinned packages costs no network.
#
#   scripts/fetch-go-toolchains.sh    # into $GOPS_GO_TOOLCHAINS_DIR, else
#                                     # ${XDG_CACHE_HOME:-$HOME/.cache}/gops-go-toolchains
#
# Which releases (each costs ~45 MB of download and a minute of CPU to
# build the test program's standard library once): 1.22, whose g layout
# no esbuild release on npm has (and which has the traceback of 1.21+);
# and the newest, 1.27. The others with Debian packages (1.21, 1.23, 1.24,
# 1.26) were checked by hand with the same tests; esbuild binaries on npm
# (fetch-go-corpus.sh) cover 1.16, 1.17, 1.18, 1.20, 1.23, 1.25 and 1.26
# in the suite, Debian's own go 1.19.
set -euo pipefail

mirror=${GOPS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${GOPS_GO_TOOLCHAINS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gops-go-toolchains}

# release  pool path  sha256
pins=(
  "1.22 pool/main/g/golang-1.22/golang-1.22-go_1.22.12-3~bpo12+1_amd64.deb 97eb8144e79e4a5f47bc12a4521e7b51d790a9e6ebf96113f63c7742892af9cc"
  "1.22 pool/main/g/golang-1.22/golang-1.22-src_1.22.12-3~bpo12+1_all.deb 99f37c5e8252de17e52360d2d49796f61d545668545708b2cb6a0dc0705e1922"
  "1.27 pool/main/g/golang-1.27/golang-1.27-go_1.27.3-1_amd64.deb 0f1ab6483c3db98118aa1faf0365c368b5c07f2e449d8d8f3eba432004b5eee2"
  "1.27 pool/main/g/golang-1.27/golang-1.27-src_1.27.3-1_all.deb a0a57e5e8c815b6deddaf007156594ccb3d8d08c9627303f4ae95eb9a9cba2c7"
)

if [ "$(dpkg --print-architecture 2>/dev/null || echo amd64)" != amd64 ]; then
  echo "fetch-go-toolchains: the pinned toolchains are amd64 builds; skipped on $(uname -m)" >&2
  exit 0
fi

mkdir -p "$cache"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

releases=$(printf '%s\n' "${pins[@]}" | cut -d' ' -f1 | sort -u)
for release in $releases; do
  dest=$cache/go-$release
  stamp=$(printf '%s\n' "${pins[@]}" | awk -v r="$release" '$1 == r {print $3}' | sort | sha256sum | cut -d' ' -f1)
  if [ -f "$dest/.pinned" ] && [ "$(cat "$dest/.pinned")" = "$stamp" ] && [ -x "$dest/usr/lib/go-$release/bin/go" ]; then
    continue
  fi
  rm -rf "$dest.new"
  mkdir -p "$dest.new"
  while read -r _ path sha; do
    deb=$tmp/$(basename "$path")
    echo "fetch-go-toolchains: $path" >&2
    code=$(curl -sS -L -o "$deb" -w '%{http_code}' "$mirror/$path" || true)
    if [ "$code" != 200 ]; then
      echo "fetch-go-toolchains: $mirror/$path answered HTTP $code: Debian has replaced golang-$release; update its pin (path and sha256) in scripts/fetch-go-toolchains.sh" >&2
      exit 1
    fi
    got=$(sha256sum "$deb" | cut -d' ' -f1)
    if [ "$got" != "$sha" ]; then
      echo "fetch-go-toolchains: sha256 mismatch for $path: got $got, want $sha (update the pin in scripts/fetch-go-toolchains.sh if Debian rebuilt it)" >&2
      exit 1
    fi
    dpkg -x "$deb" "$dest.new"
    rm -f "$deb"
  done < <(printf '%s\n' "${pins[@]}" | awk -v r="$release" '$1 == r')
  echo "$stamp" >"$dest.new/.pinned"
  rm -rf "$dest"
  mv "$dest.new" "$dest"
done
echo "fetch-go-toolchains: $cache ready ($(echo $releases | tr '\n' ' '))" >&2
