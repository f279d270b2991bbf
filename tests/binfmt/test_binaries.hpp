// Where the binfmt tests find their real binaries, and the reference
// (`go version -m` of Debian's Go 1.19) to compare with.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gops::binfmt::test {

// The Go test programs built by tests/peers/go/buildinfo_*.
const std::vector<std::string>& go_program_names();

// `go version -m PATH` run now: its stdout (empty when Go rejects the file).
std::string go_version_m(const std::string& path);

// The corpus cache: $GOPS_CORPUS_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/gops-corpus.
std::string corpus_dir();

struct CorpusEntry {
  std::string name, package, version, go_version, form, format;
  std::string path;  // in corpus_dir()
};
// The entries of tests/corpus/manifest.tsv.
std::vector<CorpusEntry> corpus_manifest();
// Non-empty: why the corpus cannot be used (missing files), naming the fetch script.
std::string corpus_missing_reason();

std::vector<std::uint8_t> read_bytes(const std::string& path);

}  // namespace gops::binfmt::test
