#include "support/go_list.hpp"

#include <gtest/gtest.h>

#include "support/process.hpp"

namespace gops::test {

std::string go_version_of(const std::string& path) {
  auto r = run({"go", "version", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto colon = r.out.find(": ");
  if (colon == std::string::npos) return "";
  return r.out.substr(colon + 2, r.out.find('\n') - colon - 2);
}

std::string row_of(const std::string& list, pid_t pid) {
  for (const auto& line : split_lines(list))
    if (line.starts_with(std::to_string(pid) + " ")) return line;
  return "";
}

}  // namespace gops::test
