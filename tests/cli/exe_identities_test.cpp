// The executables' identities asked on several threads: the same answers,
// in the PIDs' order, as asking one PID at a time, for every kind of answer
// (an executable, none, an error), whatever the number of threads.
#include "cli/exe_identities.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/process.hpp"

namespace gops::cli {
namespace {

using test::Child;

// What one thread asking one PID at a time gives, as text, to compare.
std::string describe(const Result<std::optional<proc::ExeIdentity>>& r) {
  if (!r) return "error: " + r.message();
  if (!*r) return "none";
  return "exe " + std::to_string((*r)->dev) + ":" + std::to_string((*r)->ino);
}

// Every answer of ask(pids, threads) equals exe_identity's, in order.
// Returns the number of mismatches (0: all equal).
int mismatches(const proc::ProcDir& dir, const std::vector<int>& pids, std::size_t threads) {
  auto asked = ExeIdentities::ask(dir, pids, threads);
  int bad = 0;
  for (std::size_t i = 0; i < pids.size(); ++i) {
    const std::string want = describe(dir.exe_identity(pids[i]));
    const std::string got = describe(asked[i]);
    if (got != want) {
      ADD_FAILURE() << "PID " << pids[i] << " at " << i << " with " << threads << " threads: " << got << ", want " << want;
      ++bad;
    }
  }
  return bad;
}

class ExeIdentitiesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = proc::ProcDir::open();
    ASSERT_TRUE(d.ok()) << d.message();
    dir_.emplace(std::move(*d));
    // Processes whose answers cannot change while the test runs: this one,
    // a child running another binary, PID 1, kthreadd (no executable), a
    // PID reaped (gone), each many times over so that every thread gets
    // blocks of them.
    sleeper_.emplace(Child::spawn({"/bin/sleep", "1000"}));
    Child gone = Child::spawn({"/bin/true"});
    ASSERT_TRUE(gone.wait().has_value());
    const std::vector<int> kinds{::getpid(), sleeper_->pid(), 1, 2, gone.pid()};
    for (int round = 0; round < 200; ++round) pids_.insert(pids_.end(), kinds.begin(), kinds.end());
  }

  std::optional<proc::ProcDir> dir_;
  std::optional<Child> sleeper_;
  std::vector<int> pids_;
};

TEST_F(ExeIdentitiesTest, AnyNumberOfThreadsGivesTheAnswersOfOneAtATimeInOrder) {
  for (std::size_t threads : {1, 2, 3, 4}) EXPECT_EQ(mismatches(*dir_, pids_, threads), 0) << threads << " threads";
  EXPECT_EQ(describe(ExeIdentities::ask(*dir_, pids_, 3)[4]), "none");  // gone
}

TEST_F(ExeIdentitiesTest, ErrorsComeBackAtTheirPlace) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root, to ask as another user";
  // As nobody, another user's processes answer "permission denied": in a
  // child, which gives up root for good.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) ::_exit(2);
    auto asked = ExeIdentities::ask(*dir_, pids_, 3);
    const bool denied = describe(asked[1]).starts_with("error: /proc/") &&
                        describe(asked[1]).ends_with("/exe: permission denied");
    ::_exit(mismatches(*dir_, pids_, 3) == 0 && denied ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

TEST(ExeIdentitiesThreads, OneThreadForFewProcessesAndNeverMoreThanFour) {
  EXPECT_EQ(ExeIdentities::threads_for(0), 1u);
  EXPECT_EQ(ExeIdentities::threads_for(255), 1u);
  EXPECT_GE(ExeIdentities::threads_for(1u << 20), 1u);
  EXPECT_LE(ExeIdentities::threads_for(1u << 20), 4u);
}

}  // namespace
}  // namespace gops::cli
