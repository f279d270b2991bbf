#include "package_support.hpp"

#include <sstream>
#include <stdexcept>
#include <vector>

namespace gops::test::package {

std::string cmake() { return GOPS_PACKAGE_CMAKE; }
std::string cpack() { return GOPS_PACKAGE_CPACK; }
std::string cxx() { return GOPS_PACKAGE_CXX; }
std::string pkg_config() { return GOPS_PACKAGE_PKG_CONFIG; }
std::string nm() { return GOPS_PACKAGE_NM; }
std::string version() { return GOPS_PACKAGE_VERSION; }

RunResult install_into(const std::string& prefix) {
  return run({cmake(), "--install", binary_dir(), "--prefix", prefix}, {}, std::chrono::seconds(60));
}

RunResult build_with_pkg_config(const std::string& pc_dir, const std::string& exe) {
  RunResult flags = run({pkg_config(), "--cflags", "--libs", "gops-agent"}, {{"PKG_CONFIG_PATH", pc_dir}});
  if (flags.exit_code != 0) return flags;
  std::vector<std::string> argv{cxx(), "-std=c++17", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
                                source_dir() + "/tests/package/consumer/main.cpp", "-o", exe};
  std::istringstream words(flags.out);
  for (std::string word; words >> word;) argv.push_back(word);
  RunResult compile = run(argv);
  compile.out = flags.out + compile.out;
  return compile;
}

Child start_consumer(const std::string& exe, const std::string& version, const std::string& config_dir,
                     Env env) {
  env["GOPS_CONFIG_DIR"] = config_dir;
  Child child = Child::spawn({exe, version}, env);
  if (!child.wait_for_output("agent listening\n")) throw std::runtime_error(exe + ": the agent did not start");
  return child;
}

}  // namespace gops::test::package
