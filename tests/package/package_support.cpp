#include "package_support.hpp"

#include <stdexcept>

namespace gops::test::package {

std::string cmake() { return GOPS_PACKAGE_CMAKE; }
std::string cpack() { return GOPS_PACKAGE_CPACK; }
std::string cxx() { return GOPS_PACKAGE_CXX; }
std::string pkg_config() { return GOPS_PACKAGE_PKG_CONFIG; }
std::string nm() { return GOPS_PACKAGE_NM; }
std::string version() { return GOPS_PACKAGE_VERSION; }
bool has_heap_sampler() { return GOPS_PACKAGE_HEAP_SAMPLER; }

RunResult install_into(const std::string& prefix) {
  return run({cmake(), "--install", binary_dir(), "--prefix", prefix}, {}, std::chrono::seconds(60));
}

Child start_consumer(const std::string& exe, const std::string& version, const std::string& config_dir,
                     Env env) {
  env["GOPS_CONFIG_DIR"] = config_dir;
  Child child = Child::spawn({exe, version}, env);
  if (!child.wait_for_output("agent listening\n")) throw std::runtime_error(exe + ": the agent did not start");
  return child;
}

}  // namespace gops::test::package
