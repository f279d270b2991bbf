#include "client/process_env.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "client/port_lookup.hpp"
#include "support/peer_sockets.hpp"
#include "support/process.hpp"

namespace gops::client {
namespace {

TEST(ParseEnviron, EntriesDuplicatesAndJunk) {
  static const char kBlock[] = "HOME=/h\0EMPTY=\0junk\0=nameless\0HOME=/second\0LAST=x";
  std::string block(kBlock, sizeof kBlock - 1);
  auto env = parse_environ(block);
  EXPECT_EQ(env("HOME"), "/h");
  EXPECT_EQ(env("EMPTY"), "");
  EXPECT_EQ(env("LAST"), "x");
  EXPECT_EQ(env("junk"), std::nullopt);
  EXPECT_EQ(env(""), std::nullopt);
  EXPECT_EQ(parse_environ("")("HOME"), std::nullopt);
}

TEST(ProcessEnvironment, ReadsAnotherProcessesEnvironment) {
  auto child = test::Child::spawn({"sleep", "60"}, {{"GOPS_TEST_MARK", "a=b c"}});
  // The child's environ is there once it has exec'd sleep.
  ASSERT_TRUE(test::wait_until_exec(child.pid(), "sleep"));
  auto env = process_environment(child.pid());
  ASSERT_TRUE(env) << env.message();
  EXPECT_EQ((*env)("GOPS_TEST_MARK"), "a=b c");
  EXPECT_FALSE(process_environment(999999999));
}

TEST(CandidateDirs, OwnDirFirstThenTheTargets) {
  auto child = test::Child::spawn({"sleep", "60"}, {{"GOPS_CONFIG_DIR", "/their/dir"}});
  protocol::EnvLookup ours = [](std::string_view name) -> std::optional<std::string> {
    if (name == "HOME") return "/our/home";
    return std::nullopt;
  };
  ASSERT_TRUE(test::wait_until_exec(child.pid(), "sleep"));
  auto dirs = candidate_dirs(child.pid(), ours);
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(dirs[0], "/our/home/.config/gops");
  EXPECT_EQ(dirs[1], "/their/dir");
}

TEST(CandidateDirs, RelativeTargetDirIsUnderItsWorkingDirectory) {
  auto child = test::Child::spawn({"sleep", "60"}, {{"GOPS_CONFIG_DIR", "rel"}});
  protocol::EnvLookup ours = [](std::string_view) -> std::optional<std::string> { return "/o"; };
  ASSERT_TRUE(test::wait_until_exec(child.pid(), "sleep"));
  auto dirs = candidate_dirs(child.pid(), ours);
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(dirs[1], "/proc/" + std::to_string(child.pid()) + "/cwd/rel");
}

}  // namespace
}  // namespace gops::client
