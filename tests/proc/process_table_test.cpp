// list_pids, read_stat, exe_path and display_name on real child processes.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "proc/process.hpp"
#include "support/process.hpp"

namespace gops::proc {
namespace {

namespace fs = std::filesystem;
using test::Child;
using test::TempDir;

const std::string kSleep = fs::canonical("/usr/bin/sleep").string();

// Waits until the child has exec'd: its comm is no longer the test's.
bool exec_done(int pid, const std::string& comm) {
  return test::eventually([&] {
    auto s = read_stat(pid);
    return s.ok() && s->comm == comm;
  });
}

TEST(ProcessTable, ListsChildrenInAscendingOrder) {
  Child a = Child::spawn({kSleep, "1000"});
  Child b = Child::spawn({kSleep, "1000"});
  auto pids = list_pids();
  EXPECT_TRUE(std::is_sorted(pids.begin(), pids.end()));
  EXPECT_TRUE(std::adjacent_find(pids.begin(), pids.end()) == pids.end());
  for (int pid : {a.pid(), b.pid(), ::getpid(), 1})
    EXPECT_TRUE(std::binary_search(pids.begin(), pids.end(), pid)) << pid;
}

TEST(ProcessTable, ThreadsAreNotListed) {
  // A thread's /proc/TID exists but is not in the /proc listing.
  std::string task_dir = "/proc/self/task";
  auto pids = list_pids();
  for (const auto& e : fs::directory_iterator(task_dir)) {
    int tid = std::stoi(e.path().filename().string());
    if (tid != ::getpid()) {
      EXPECT_FALSE(std::binary_search(pids.begin(), pids.end(), tid)) << tid;
    }
  }
}

TEST(ProcessTable, ReadsAChildsStatAndExe) {
  Child c = Child::spawn({kSleep, "1000"});
  ASSERT_TRUE(exec_done(c.pid(), "sleep"));
  auto s = read_stat(c.pid());
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->pid, c.pid());
  EXPECT_EQ(s->ppid, ::getpid());
  EXPECT_EQ(s->num_threads, 1);
  EXPECT_TRUE(test::eventually([&] { return read_stat(c.pid())->state == 'S'; }));

  auto exe = exe_path(c.pid());
  ASSERT_TRUE(exe.ok()) << exe.message();
  EXPECT_EQ(*exe, kSleep);
  EXPECT_EQ(display_name(c.pid(), s->comm), "sleep");
}

// The name tests need the child's exec to be complete, argv included (the
// kernel sets the comm before the new argv is in place): proc_probe says
// "waiting" once it runs.
TEST(ProcessTable, LongNamesComeFromArgv0) {
  TempDir dir;
  const std::string name = "a-twenty-byte-name-x";  // 20 bytes: the kernel keeps 15
  ASSERT_EQ(name.size(), 20u);
  const std::string copy = dir.path() + "/" + name;
  fs::copy_file(GOPS_PROC_PROBE, copy);
  Child c = Child::spawn({copy, "wait"});
  ASSERT_TRUE(c.wait_for_output("waiting"));
  auto s = read_stat(c.pid());
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->comm, "a-twenty-byte-n");
  EXPECT_EQ(display_name(c.pid(), s->comm), name);
  EXPECT_EQ(*exe_path(c.pid()), copy);
}

TEST(ProcessTable, LongNameKeptWhenArgv0DoesNotMatch) {
  TempDir dir;
  const std::string name = "a-twenty-byte-name-x";
  const std::string copy = dir.path() + "/" + name;
  fs::copy_file(GOPS_PROC_PROBE, copy);
  // bash's `exec -a` sets argv[0] to something that is not the binary's name.
  Child c = Child::spawn({"bash", "-c", "exec -a /some/dir/other-name " + copy + " wait"});
  ASSERT_TRUE(c.wait_for_output("waiting"));
  EXPECT_EQ(display_name(c.pid(), name.substr(0, 15)), "a-twenty-byte-n");
  // argv[0] with trailing slashes: Go's filepath.Base drops them.
  Child d = Child::spawn({"bash", "-c", "exec -a /x/" + name + "-more// " + copy + " wait"});
  ASSERT_TRUE(d.wait_for_output("waiting"));
  EXPECT_EQ(display_name(d.pid(), name.substr(0, 15)), name + "-more");
  // An empty argv[0]: filepath.Base("") is ".", which does not match.
  Child e = Child::spawn({"bash", "-c", "exec -a '' " + copy + " wait"});
  ASSERT_TRUE(e.wait_for_output("waiting"));
  EXPECT_EQ(display_name(e.pid(), name.substr(0, 15)), "a-twenty-byte-n");
}

TEST(ProcessTable, DeletedExecutableKeepsItsPath) {
  TempDir dir;
  const std::string copy = dir.path() + "/doomed-sleep";
  fs::copy_file(kSleep, copy);
  Child c = Child::spawn({copy, "1000"});
  ASSERT_TRUE(exec_done(c.pid(), "doomed-sleep"));
  fs::remove(copy);
  // The kernel now says "PATH (deleted)"; the suffix is not part of the path.
  ASSERT_TRUE(fs::read_symlink("/proc/" + std::to_string(c.pid()) + "/exe").string().ends_with(" (deleted)"));
  auto exe = exe_path(c.pid());
  ASSERT_TRUE(exe.ok()) << exe.message();
  EXPECT_EQ(*exe, copy);
}

TEST(ProcessTable, DeadPidIsNoSuchProcess) {
  Child c = Child::spawn({kSleep, "1000"});
  const int pid = c.pid();
  c.kill(SIGKILL);
  ASSERT_TRUE(c.wait().has_value());  // reaped: the PID is free
  const std::string want = "no process with PID " + std::to_string(pid);
  auto s = read_stat(pid);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), want);
  auto exe = exe_path(pid);
  ASSERT_FALSE(exe.ok());
  EXPECT_EQ(exe.message(), want);
  EXPECT_EQ(display_name(pid, "sleep"), "sleep");
  auto d = read_details(pid);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.message(), want);
  EXPECT_EQ(cpu_seconds(pid).message(), want);
  EXPECT_EQ(read_stat(0).message(), "no process with PID 0");
  EXPECT_EQ(read_stat(-3).message(), "no process with PID -3");
}

TEST(ProcessTable, ZombieHasStatButNoExe) {
  Child c = Child::spawn({kSleep, "1000"});
  ASSERT_TRUE(exec_done(c.pid(), "sleep"));
  c.kill(SIGKILL);  // not reaped yet: a zombie
  ASSERT_TRUE(test::eventually([&] { return read_stat(c.pid())->state == 'Z'; }));
  auto exe = exe_path(c.pid());
  ASSERT_FALSE(exe.ok());
  EXPECT_EQ(exe.message(), "PID " + std::to_string(c.pid()) + " has no executable (a kernel thread or a zombie)");
}

TEST(ProcessTable, KernelThreadHasNoExe) {
  // kthreadd is PID 2 on a normal machine; in a PID namespace there is none.
  auto s = read_stat(2);
  if (!s.ok() || s->comm != "kthreadd") GTEST_SKIP() << "no kthreadd visible (PID namespace)";
  auto exe = exe_path(2);
  ASSERT_FALSE(exe.ok());
  EXPECT_EQ(exe.message(), "PID 2 has no executable (a kernel thread or a zombie)");
}

TEST(ProcessTable, PidOnesExeIsPermissionDeniedForOthers) {
  auto exe = exe_path(1);
  if (exe.ok()) GTEST_SKIP() << "this user may read PID 1's exe (" << *exe << ")";
  EXPECT_EQ(exe.message(),
            "permission denied reading /proc/1/exe: PID 1 belongs to another user or is protected "
            "(run gops as its user or as root)");
}

}  // namespace
}  // namespace gops::proc
