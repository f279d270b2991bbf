// libdw, libelf and Zydis are loaded by gops when a command first calls
// them, not at start-up (src/dynload): with none of them loadable, the
// list works, and a command that needs one fails with one line and leaves
// its target running. (That a stack command loads them and works is what
// the stack tests show.)
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/hide_libraries.hpp"
#include "support/process.hpp"

namespace gops::test {
namespace {

// The state letter of /proc/PID/stat ("S", "T", ...).
char state_of(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() ? '?' : stat[paren + 2];
}

TEST(NativeLibs, WithoutThemTheListWorksAndAStackIsOneLineWithTheTargetLetGo) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for a mount namespace (CI runs as root)";
  // The libraries made unloadable for gops alone, in a mount namespace of
  // its own.
  const std::vector<std::string> hidden =
      hiding_libraries({"libdw.so.1", "libelf.so.1", "libdeflate.so.0", "libZydis.so.4.0"});
  Child sleeper = Child::spawn({"sleep", "1000"});
  ASSERT_TRUE(eventually([&] { return read_file("/proc/" + std::to_string(sleeper.pid()) + "/comm") == "sleep\n"; }));
  const std::string pid = std::to_string(sleeper.pid());
  auto in_namespace = [&](std::vector<std::string> command) {
    std::vector<std::string> argv = hidden;
    argv.insert(argv.end(), command.begin(), command.end());
    return run(argv);
  };
  auto list = in_namespace({gops_cli()});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.err, "");
  auto stack = in_namespace({gops_cli(), "stack", pid});
  EXPECT_EQ(stack.exit_code, 1);
  EXPECT_EQ(stack.err.rfind("gops: cannot load libdw.so.1: ", 0), 0u) << stack.err;
  EXPECT_EQ(split_lines(stack.err).size(), 1u) << stack.err;
  // The target was let go before the library was needed.
  EXPECT_EQ(state_of(sleeper.pid()), 'S');
}

}  // namespace
}  // namespace gops::test
