// The list's scan over chosen PIDs: what it lists, what it leaves out
// without a word (processes gone since the listing, zombies), and how often
// it reads an executable.
#include "cli/process_scan.hpp"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "proc/process.hpp"
#include "support/go_list.hpp"
#include "support/process.hpp"

namespace gops::cli {
namespace {

namespace fs = std::filesystem;
using test::Child;

const std::string kSleep = fs::canonical("/usr/bin/sleep").string();

// The scan reads the port-file directory of this process's environment.
class ScanTest : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("GOPS_CONFIG_DIR", config_.path().c_str(), 1); }
  void TearDown() override { ::unsetenv("GOPS_CONFIG_DIR"); }

  static Child start_go() {
    Child c = Child::spawn({test::go_bin("listed")});
    EXPECT_TRUE(c.wait_for_output("ready\n"));
    return c;
  }
  static Child start_sleep() {
    Child c = Child::spawn({kSleep, "1000"});
    EXPECT_TRUE(test::eventually([&] {
      auto s = proc::read_stat(c.pid());
      return s.ok() && s->comm == "sleep";
    }));
    return c;
  }
  static ScanResult scan(const std::vector<int>& pids) {
    auto dir = proc::ProcDir::open();
    EXPECT_TRUE(dir.ok()) << dir.message();
    return scan_processes(*dir, pids);
  }

  test::TempDir config_;
};

TEST_F(ScanTest, ListsGoProcessesAndLeavesOutTheGoneWithoutAWord) {
  Child go = start_go();
  Child sleeper = start_sleep();
  // Gone since the listing: killed and reaped, as a process that exits
  // between the directory read and its stat.
  Child gone = start_sleep();
  const int gone_pid = gone.pid();
  gone.kill(SIGKILL);
  ASSERT_TRUE(gone.wait().has_value());
  // Dead but not reaped: a zombie has no executable.
  Child zombie = start_go();
  zombie.kill(SIGKILL);
  ASSERT_TRUE(test::eventually([&] { return proc::read_stat(zombie.pid())->state == 'Z'; }));

  auto r = scan({gone_pid, go.pid(), sleeper.pid(), zombie.pid()});
  EXPECT_TRUE(r.skipped.empty()) << r.skipped.front();
  ASSERT_EQ(r.processes.size(), 1u);
  const ListedProcess& p = r.processes[0];
  EXPECT_EQ(p.pid, go.pid());
  EXPECT_EQ(p.ppid, ::getpid());
  EXPECT_EQ(p.name, "listed");
  EXPECT_EQ(p.path, test::go_bin("listed"));
  EXPECT_EQ(p.version, test::go_version_of(test::go_bin("listed")));
  EXPECT_TRUE(p.go);
  EXPECT_FALSE(p.agent);
}

TEST_F(ScanTest, ReadsEachExecutableOnceAndListsInPidOrder) {
  std::vector<Child> children;
  for (int i = 0; i < 3; ++i) children.push_back(start_go());
  for (int i = 0; i < 3; ++i) children.push_back(start_sleep());
  std::vector<int> pids;
  for (const auto& c : children) pids.push_back(c.pid());
  std::sort(pids.begin(), pids.end());
  auto r = scan(pids);
  EXPECT_TRUE(r.skipped.empty());
  EXPECT_EQ(r.executables_read, 2u);
  ASSERT_EQ(r.processes.size(), 3u);
  for (std::size_t i = 0; i + 1 < r.processes.size(); ++i) EXPECT_LT(r.processes[i].pid, r.processes[i + 1].pid);
}

TEST_F(ScanTest, ANonGoProcessWithAPortFileIsListedAsAnAgent) {
  Child sleeper = start_sleep();
  Child other = start_sleep();  // the same binary, read first, without a port file
  test::write_file(config_.path() + "/" + std::to_string(sleeper.pid()), "12345");
  auto r = scan({other.pid(), sleeper.pid()});
  ASSERT_EQ(r.processes.size(), 1u);
  EXPECT_EQ(r.processes[0].pid, sleeper.pid());
  EXPECT_TRUE(r.processes[0].agent);
  EXPECT_FALSE(r.processes[0].go);
  EXPECT_EQ(r.processes[0].path, kSleep);
}

TEST_F(ScanTest, EveryProcessWhenAskedForAll) {
  Child go = start_go();
  auto r = scan_processes();
  auto it = std::find_if(r.processes.begin(), r.processes.end(), [&](const auto& p) { return p.pid == go.pid(); });
  EXPECT_NE(it, r.processes.end());
  EXPECT_GE(r.executables_read, 2u);  // at least this test's binary and listed
}

}  // namespace
}  // namespace gops::cli
