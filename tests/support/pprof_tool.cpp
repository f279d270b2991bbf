#include "support/pprof_tool.hpp"

#include <fstream>
#include <set>

namespace gops::test {

RunResult go_pprof(const std::vector<std::string>& args) {
  static TempDir home;  // pprof may want a writable home for its settings
  std::vector<std::string> argv{"go", "tool", "pprof"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {{"HOME", home.path()}, {"PPROF_TMPDIR", home.path()}, {"PPROF_BINARY_PATH", home.path()}});
}

std::string readelf_build_id(const std::string& path) {
  RunResult r = run({"readelf", "-n", path});
  const std::string key = "Build ID: ";
  auto at = r.out.find(key);
  if (at == std::string::npos) return {};
  auto end = r.out.find_first_of(" \n", at + key.size());
  return r.out.substr(at + key.size(), end - at - key.size());
}

std::vector<std::string> mapped_shared_libraries() {
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> libs;
  std::string line;
  while (std::getline(maps, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    if (path.find(".so") != std::string::npos && line.find(" r-xp ") != std::string::npos) libs.insert(path);
  }
  return {libs.begin(), libs.end()};
}

}  // namespace gops::test
