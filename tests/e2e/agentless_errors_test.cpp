// What `gops stack|stats|version` say when reading memory cannot work:
// each a single line and exit status 1, never a crash, a hang or frames
// made up.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "support/go_target.hpp"

namespace gops::test {
namespace {

constexpr const char* kOtherUser = "gops-agentless-test";

uid_t other_user() {
  if (passwd* pw = ::getpwnam(kOtherUser)) return pw->pw_uid;
  run({"useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", kOtherUser});
  passwd* pw = ::getpwnam(kOtherUser);
  return pw ? pw->pw_uid : 0;
}

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

// Its stack is read without an agent (tests/e2e/native_stack_test.cpp);
// the other commands need one, as in the Go gops.
TEST(AgentlessErrors, ANonGoProcessWithoutAgentGetsTheGoGopsError) {
  auto sleeper = Child::spawn({"sleep", "600"});
  TempDir config;
  auto r = run({gops_cli(), "stats", std::to_string(sleeper.pid())}, {{"GOPS_CONFIG_DIR", config.path()}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("gops: couldn't resolve addr or pid " + std::to_string(sleeper.pid()) + " to TCPAddress: couldn't get port for PID", 0), 0u) << r.err;
  EXPECT_EQ(lines(r.err), 1u);
}

TEST(AgentlessErrors, AgentlessOnANonGoProcessSaysSo) {
  auto sleeper = Child::spawn({"sleep", "600"});
  for (const char* command : {"stats", "version"}) {
    auto r = run({gops_cli(), command, "--agentless", std::to_string(sleeper.pid())});
    EXPECT_EQ(r.exit_code, 1) << command;
    EXPECT_NE(r.err.find("process " + std::to_string(sleeper.pid()) + " is not a Go program"), std::string::npos) << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
  }
}

TEST(AgentlessErrors, AgentlessNeedsAPid) {
  for (const char* flag : {"--agentless", "--all", "--freeze", "--threads"}) {
    auto r = run({gops_cli(), "stack", flag, "127.0.0.1:1"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "gops: reading memory (--agentless, --all, --freeze, --threads) needs a local PID, not \"127.0.0.1:1\"\n");
  }
}

TEST(AgentlessErrors, NoSuchProcess) {
  auto t = GoTarget::start({goroutines_binary("stripped")}, {{"PARKED", "1"}});
  pid_t pid = t.pid();
  t.kill();
  t.wait();
  auto r = run({gops_cli(), "stack", "--agentless", std::to_string(pid)});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "gops: no process with PID " + std::to_string(pid) + "\n");
}

TEST(AgentlessErrors, AnotherUsersProcessWithoutTheCapability) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create a user and switch to it (CI runs as root)";
  uid_t uid = other_user();
  ASSERT_NE(uid, 0u);
  auto t = GoTarget::start({goroutines_binary("stripped")}, {{"PARKED", "1"}});
  ASSERT_TRUE(t.started());
  for (const char* command : {"stack", "stats"}) {
    auto r = run({"setpriv", "--reuid=" + std::to_string(uid), "--regid=" + std::to_string(uid), "--clear-groups",
                  gops_cli(), command, t.pid_text()},
                 {{"HOME", "/nonexistent"}});
    EXPECT_EQ(r.exit_code, 1) << command;
    EXPECT_EQ(r.err, "gops: cannot read process " + t.pid_text() + ": it belongs to root (uid 0) and gops runs as " +
                         kOtherUser + " (uid " + std::to_string(uid) +
                         ") without CAP_SYS_PTRACE: run gops as that user, or with sudo\n");
  }
}

// The target dies at a random point of the read: gops either finishes
// (the dump was read first) or says in one line that it exited.
TEST(AgentlessErrors, ATargetKilledMidReadIsOneLine) {
  int finished = 0, exited = 0;
  for (int round = 0; round < 12; ++round) {
    auto t = GoTarget::start({goroutines_binary("stripped")}, {{"PARKED", "1000"}});
    ASSERT_TRUE(t.started());
    std::string out = binary_dir() + "/agentless-kill-" + std::to_string(round) + ".txt";
    pid_t cli = ::fork();
    if (cli == 0) {
      int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 2);
      int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::execl(gops_cli().c_str(), "gops", "stack", "--freeze", t.pid_text().c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500 * round));
    t.kill(SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(cli, &status, 0), cli);
    std::string err = read_file(out);
    ::unlink(out.c_str());
    ASSERT_TRUE(WIFEXITED(status)) << "gops died of signal " << WTERMSIG(status);
    if (WEXITSTATUS(status) == 0) {
      ++finished;
      continue;
    }
    ++exited;
    EXPECT_EQ(WEXITSTATUS(status), 1);
    EXPECT_EQ(lines(err), 1u) << err;
    bool said = err == "gops: process " + t.pid_text() + " exited while gops was reading it\n" ||
                err == "gops: no process with PID " + t.pid_text() + "\n";
    EXPECT_TRUE(said) << err;
  }
  EXPECT_GT(exited, 0) << "no round killed the target during the read";
  (void)finished;
}

}  // namespace
}  // namespace gops::test
