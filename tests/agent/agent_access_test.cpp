// Access control with real users: a client socket owned by another uid is
// closed unanswered and counted; the same uid and root are served.
#include <gops/agent.hpp>

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "support/raw_client.hpp"
#include "support/process.hpp"

namespace gops::test {
namespace {

// Asks for the version as `uid`.
std::string ask_as(uid_t uid, std::uint16_t port) { return raw_request_as(uid, port, "\x04"); }

TEST(AgentAccess, OtherUserRefusedSameUserServed) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create a user and switch to it; run the suite as root (CI does)";
  uid_t other = throwaway_user();
  ASSERT_NE(other, 0u) << "could not create a throwaway user";

  TempDir dir;
  agent::Options options;
  options.config_dir = dir.path();
  auto listening = agent::listen(options);
  ASSERT_TRUE(listening.ok) << listening.error;

  EXPECT_EQ(ask_as(other, listening.port), "<closed>");
  std::string same = ask_as(::geteuid(), listening.port);
  EXPECT_NE(same.find("compiler: "), std::string::npos) << same;

  std::string stats = raw_request(listening.port, "\x07").bytes;
  EXPECT_NE(stats.find("agent connections refused: 1\n"), std::string::npos) << stats;
  EXPECT_NE(stats.find("agent connections served: 1\n"), std::string::npos) << stats;
  agent::close();
}

TEST(AgentAccess, AnyoneServesOtherUsers) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create a user and switch to it";
  uid_t other = throwaway_user();
  ASSERT_NE(other, 0u);
  TempDir dir;
  agent::Options options;
  options.config_dir = dir.path();
  options.access = agent::Access::kAnyone;
  auto listening = agent::listen(options);
  ASSERT_TRUE(listening.ok) << listening.error;
  EXPECT_NE(ask_as(other, listening.port).find("compiler: "), std::string::npos);
  agent::close();
}

}  // namespace
}  // namespace gops::test
