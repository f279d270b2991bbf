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

constexpr const char* kUser = "gops-agent-test";

// The uid of a throwaway system user, created when missing (needs root).
uid_t test_user() {
  if (passwd* pw = ::getpwnam(kUser)) return pw->pw_uid;
  run({"useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", kUser});
  passwd* pw = ::getpwnam(kUser);
  return pw ? pw->pw_uid : 0;
}

// Asks for the version as `uid` from a forked child; what it read, or
// "<closed>" when the agent closed without a byte.
std::string ask_as(uid_t uid, std::uint16_t port) {
  int fds[2];
  if (::pipe(fds) != 0) return "<pipe>";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    if (::setgid(uid) != 0 && ::setgid(65534) != 0) ::_exit(3);
    if (::setuid(uid) != 0) ::_exit(4);
    RawReply r = raw_request(port, "\x04", std::chrono::seconds(10));
    std::string out = !r.connected ? "<no connect>" : r.bytes.empty() ? "<closed>" : r.bytes;
    [[maybe_unused]] ssize_t n = ::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return got;
}

TEST(AgentAccess, OtherUserRefusedSameUserServed) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create a user and switch to it; run the suite as root (CI does)";
  uid_t other = test_user();
  ASSERT_NE(other, 0u) << "could not create user " << kUser;

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
  uid_t other = test_user();
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
