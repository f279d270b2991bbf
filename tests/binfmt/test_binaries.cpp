#include "binfmt/test_binaries.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/process.hpp"

namespace gops::binfmt::test {

const std::vector<std::string>& go_program_names() {
  static const std::vector<std::string> names{"buildinfo_plain", "buildinfo_stripped", "buildinfo_trimpath",
                                              "buildinfo_ldflags", "buildinfo_cgo", "buildinfo_dep"};
  return names;
}

std::string go_version_m(const std::string& path) {
  auto r = gops::test::run({GOPS_GO_EXECUTABLE, "version", "-m", path});
  return r.out;
}

std::string corpus_dir() {
  if (const char* d = std::getenv("GOPS_CORPUS_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/gops-corpus";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.cache/gops-corpus";
}

std::vector<CorpusEntry> corpus_manifest() {
  std::vector<CorpusEntry> out;
  std::ifstream in(gops::test::source_dir() + "/tests/corpus/manifest.tsv");
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::istringstream cols(line);
    for (std::string c; std::getline(cols, c, '\t');) f.push_back(c);
    if (f.size() != 8) continue;
    out.push_back({f[0], f[1], f[2], f[5], f[6], f[7], corpus_dir() + "/" + f[0]});
  }
  return out;
}

std::string corpus_missing_reason() {
  for (const auto& e : corpus_manifest())
    if (!std::filesystem::exists(e.path))
      return "corpus binary " + e.path + " missing: run scripts/fetch-go-corpus.sh (or set GOPS_CORPUS_DIR)";
  return {};
}

std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::string s = gops::test::read_file(path);
  return {s.begin(), s.end()};
}

}  // namespace gops::binfmt::test
