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

TEST(TargetPortFile, TheDirTheTargetsAgentWouldUse) {
  auto child = test::Child::spawn({"sleep", "60"}, {{"GOPS_CONFIG_DIR", "/their/dir"}});
  ASSERT_TRUE(test::wait_until_exec(child.pid(), "sleep"));
  auto t = target_port_file(child.pid());
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->dir, "/their/dir");
  EXPECT_EQ(t->name, std::to_string(child.pid()));  // our PID namespace is its own
  EXPECT_FALSE(t->relative);
  EXPECT_EQ(shown_path(child.pid(), *t), "/their/dir/" + std::to_string(child.pid()));
}

TEST(TargetPortFile, RelativeTargetDirIsUnderItsWorkingDirectory) {
  auto child = test::Child::spawn({"sleep", "60"}, {{"GOPS_CONFIG_DIR", "rel"}});
  ASSERT_TRUE(test::wait_until_exec(child.pid(), "sleep"));
  auto t = target_port_file(child.pid());
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(t->relative);
  EXPECT_EQ(shown_path(child.pid(), *t), "/proc/" + std::to_string(child.pid()) + "/cwd/rel/" + std::to_string(child.pid()));
}

TEST(TargetPortFile, FoundThroughTheTargetsEnvironmentOnly) {
  test::TempDir theirs;
  auto child = test::Child::spawn({"sleep", "60"}, {{"GOPS_CONFIG_DIR", theirs.path()}});
  ASSERT_TRUE(test::wait_until_exec(child.pid(), "sleep"));
  protocol::EnvLookup ours = [](std::string_view name) -> std::optional<std::string> {
    if (name == "GOPS_CONFIG_DIR") return "/nonexistent/gops-dir";
    return std::nullopt;
  };
  EXPECT_FALSE(target_has_port_file(child.pid()));
  EXPECT_FALSE(has_port_file(child.pid(), ours));
  test::write_file(theirs.path() + "/" + std::to_string(child.pid()), "1234");
  EXPECT_TRUE(target_has_port_file(child.pid()));
  EXPECT_TRUE(has_port_file(child.pid(), ours));
}

}  // namespace
}  // namespace gops::client
