// Shared by the package tests: the tools the build found, an installed
// prefix, and a consumer program started with its agent.
#pragma once

#include <string>

#include "support/process.hpp"

namespace gops::test::package {

// Paths baked in by CMake (tests/package/CMakeLists.txt).
std::string cmake();
std::string cpack();
std::string cxx();
std::string pkg_config();
std::string nm();
std::string version();  // PROJECT_VERSION

// `cmake --install <build tree> --prefix <prefix>`; the install's output on
// failure.
RunResult install_into(const std::string& prefix);

// Compiles and links tests/package/consumer/main.cpp into `exe` with the
// flags `pkg-config --cflags --libs gops-agent` gives for the .pc files in
// `pc_dir`; the flags (in out) and the compiler's output on failure.
RunResult build_with_pkg_config(const std::string& pc_dir, const std::string& exe);

// Starts a consumer program (tests/package/consumer) that shows `version`
// as its program version, with `env` added; waits until its agent listens.
Child start_consumer(const std::string& exe, const std::string& version, const std::string& config_dir,
                     Env env = {});

}  // namespace gops::test::package
