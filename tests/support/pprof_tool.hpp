// Test helpers around the real readers of a profile: `go tool pprof` (the
// Go toolchain from Debian) and `readelf -n` for build IDs.
#pragma once

#include <string>
#include <vector>

#include "support/process.hpp"

namespace gops::test {

// Runs `go tool pprof ARGS...` with a private HOME/PPROF_TMPDIR.
RunResult go_pprof(const std::vector<std::string>& args);

// The GNU build ID of an ELF file as `readelf -n` prints it, or "".
std::string readelf_build_id(const std::string& path);

// Paths of the shared libraries this process has mapped (from /proc/self/maps).
std::vector<std::string> mapped_shared_libraries();

}  // namespace gops::test
