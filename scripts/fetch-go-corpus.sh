#!/usr/bin/env bash
# Fetches a corpus of real Go binaries built by other Go toolchains (esbuild
# releases published on npm) into a cache dir, for the binfmt tests, the
# fuzzer seeds and the agentless Go tests. The versions are pinned and every
# extracted binary is checked against the sha256 in tests/corpus/manifest.tsv
# and tests/corpus/running.tsv. Idempotent: a binary that is already cached
# with the right hash costs no network.
#
#   scripts/fetch-go-corpus.sh            # into $GOPS_CORPUS_DIR, else
#                                         # ${XDG_CACHE_HOME:-$HOME/.cache}/gops-corpus
#   scripts/fetch-go-corpus.sh --update   # rewrite the manifest's hashes (after a deliberate change)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${GOPS_CORPUS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gops-corpus}
update=0
[ "${1:-}" = "--update" ] && update=1

mkdir -p "$cache"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fetched=0
for manifest in "$root/tests/corpus/manifest.tsv" "$root/tests/corpus/running.tsv"; do
new_manifest=$tmp/$(basename "$manifest")
while IFS=$'\t' read -r name package version member sha go_version form format; do
  if [[ -z "$name" || "$name" == \#* ]]; then
    printf '%s\n' "$name${package:+	$package	$version	$member	$sha	$go_version	$form	$format}" >>"$new_manifest"
    continue
  fi
  dest=$cache/$name
  if [ "$update" = 0 ] && [ -f "$dest" ] && [ "$(sha256sum "$dest" | cut -d' ' -f1)" = "$sha" ]; then
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$package" "$version" "$member" "$sha" "$go_version" "$form" "$format" >>"$new_manifest"
    continue
  fi
  echo "fetch-go-corpus: $package@$version" >&2
  work=$tmp/$name
  mkdir -p "$work"
  (cd "$work" && npm pack --silent "$package@$version" >/dev/null)
  tar xzf "$work"/*.tgz -C "$work" "package/$member"
  got=$(sha256sum "$work/package/$member" | cut -d' ' -f1)
  if [ "$update" = 1 ]; then
    sha=$got
  elif [ "$got" != "$sha" ]; then
    echo "fetch-go-corpus: sha256 mismatch for $package@$version $member: got $got, want $sha" >&2
    exit 1
  fi
  chmod 0755 "$work/package/$member"
  mv -f "$work/package/$member" "$dest"
  rm -rf "$work"
  fetched=$((fetched + 1))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$package" "$version" "$member" "$sha" "$go_version" "$form" "$format" >>"$new_manifest"
done <"$manifest"
[ "$update" = 1 ] && cp "$new_manifest" "$manifest"
done
echo "fetch-go-corpus: $cache ready ($fetched fetched)" >&2
