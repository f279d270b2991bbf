// ProcDir: the PID listing and the executables' identities the list scan
// asks of every process, on real child processes.
#include "proc/proc_dir.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <future>
#include <limits>
#include <thread>

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

ProcDir open_proc() {
  auto d = ProcDir::open();
  EXPECT_TRUE(d.ok()) << d.message();
  return std::move(*d);
}

ExeIdentity identity_of_file(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return {st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, static_cast<std::uint32_t>(st.st_mtim.tv_nsec)};
}

std::vector<int> readdir_pids() {
  std::vector<int> pids;
  DIR* d = ::opendir("/proc");
  while (dirent* e = d ? ::readdir(d) : nullptr) {
    int pid = 0;
    const char* end = e->d_name + std::strlen(e->d_name);
    auto [p, ec] = std::from_chars(e->d_name, end, pid);
    if (ec == std::errc{} && p == end) pids.push_back(pid);
  }
  if (d) ::closedir(d);
  std::sort(pids.begin(), pids.end());
  return pids;
}

TEST(ProcDir, ListsWhatReaddirListsInAscendingOrderAgainAndAgain) {
  Child a = Child::spawn({kSleep, "1000"});
  Child b = Child::spawn({kSleep, "1000"});
  ProcDir dir = open_proc();
  const std::vector<int> first = dir.pids();
  EXPECT_TRUE(std::is_sorted(first.begin(), first.end()));
  EXPECT_TRUE(std::adjacent_find(first.begin(), first.end()) == first.end());
  for (int pid : {a.pid(), b.pid(), ::getpid(), 1})
    EXPECT_TRUE(std::binary_search(first.begin(), first.end(), pid)) << pid;
  // The same descriptor lists again, from the start. Every process that
  // readdir sees both before and after was there all along: the listing in
  // between must have it.
  const std::vector<int> readdir_before = readdir_pids();
  const std::vector<int> second = dir.pids();
  const std::vector<int> readdir_after = readdir_pids();
  std::size_t stable = 0;
  for (int pid : readdir_before) {
    if (!std::binary_search(readdir_after.begin(), readdir_after.end(), pid)) continue;
    ++stable;
    EXPECT_TRUE(std::binary_search(second.begin(), second.end(), pid)) << pid;
  }
  EXPECT_GE(stable, 4u);
}

TEST(ProcDir, ThreadsAreNotListed) {
  // A second thread of this process: its /proc/TID exists, but is not an
  // entry of /proc.
  std::promise<int> tid;
  std::promise<void> done;
  std::thread t([&] {
    tid.set_value(static_cast<int>(::gettid()));
    done.get_future().wait();
  });
  const int thread_id = tid.get_future().get();
  ProcDir dir = open_proc();
  const auto pids = dir.pids();
  done.set_value();
  t.join();
  EXPECT_NE(thread_id, ::getpid());
  EXPECT_FALSE(std::binary_search(pids.begin(), pids.end(), thread_id)) << thread_id;
  EXPECT_TRUE(std::binary_search(pids.begin(), pids.end(), ::getpid()));
}

TEST(ProcDir, ExeIdentityIsTheBinarysAndSharedByItsProcesses) {
  Child a = Child::spawn({kSleep, "1000"});
  Child b = Child::spawn({kSleep, "1000"});
  ASSERT_TRUE(exec_done(a.pid(), "sleep"));
  ASSERT_TRUE(exec_done(b.pid(), "sleep"));
  ProcDir dir = open_proc();
  auto ia = dir.exe_identity(a.pid());
  auto ib = dir.exe_identity(b.pid());
  ASSERT_TRUE(ia.ok()) << ia.message();
  ASSERT_TRUE(ib.ok()) << ib.message();
  ASSERT_TRUE(ia->has_value());
  EXPECT_EQ(**ia, identity_of_file(kSleep));
  EXPECT_EQ(**ia, **ib);
  auto own = dir.exe_identity(::getpid());
  ASSERT_TRUE(own.ok() && own->has_value());
  EXPECT_NE(**own, **ia);
  EXPECT_EQ(**own, identity_of_file(fs::read_symlink("/proc/self/exe").string()));
}

TEST(ProcDir, ACopyOfABinaryIsAnotherExecutable) {
  TempDir dir_;
  const std::string copy = dir_.path() + "/copied-sleep";
  fs::copy_file(kSleep, copy);
  Child original = Child::spawn({kSleep, "1000"});
  Child copied = Child::spawn({copy, "1000"});
  ASSERT_TRUE(exec_done(original.pid(), "sleep"));
  ASSERT_TRUE(exec_done(copied.pid(), "copied-sleep"));
  ProcDir dir = open_proc();
  auto a = dir.exe_identity(original.pid());
  auto b = dir.exe_identity(copied.pid());
  ASSERT_TRUE(a.ok() && a->has_value());
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_NE(**a, **b);
  EXPECT_EQ(**b, identity_of_file(copy));
}

TEST(ProcDir, ADeletedBinaryStillHasAnIdentity) {
  TempDir dir_;
  const std::string copy = dir_.path() + "/doomed-sleep";
  fs::copy_file(kSleep, copy);
  const ExeIdentity before = identity_of_file(copy);
  Child c = Child::spawn({copy, "1000"});
  ASSERT_TRUE(exec_done(c.pid(), "doomed-sleep"));
  fs::remove(copy);
  ProcDir dir = open_proc();
  auto id = dir.exe_identity(c.pid());
  ASSERT_TRUE(id.ok()) << id.message();
  ASSERT_TRUE(id->has_value());
  EXPECT_EQ((*id)->dev, before.dev);
  EXPECT_EQ((*id)->ino, before.ino);
}

TEST(ProcDir, NoIdentityAndNoErrorForAProcessThatIsGone) {
  Child c = Child::spawn({kSleep, "1000"});
  const int pid = c.pid();
  c.kill(SIGKILL);
  ASSERT_TRUE(c.wait().has_value());  // reaped: as if it exited after the listing
  ProcDir dir = open_proc();
  auto id = dir.exe_identity(pid);
  ASSERT_TRUE(id.ok()) << id.message();
  EXPECT_FALSE(id->has_value());
  // PIDs that never named a process, too.
  for (int bogus : {0, -1, std::numeric_limits<int>::max()}) {
    auto none = dir.exe_identity(bogus);
    ASSERT_TRUE(none.ok()) << bogus << ": " << none.message();
    EXPECT_FALSE(none->has_value()) << bogus;
  }
}

TEST(ProcDir, NoIdentityForAZombieOrAKernelThread) {
  Child c = Child::spawn({kSleep, "1000"});
  ASSERT_TRUE(exec_done(c.pid(), "sleep"));
  c.kill(SIGKILL);  // not reaped: a zombie
  ASSERT_TRUE(test::eventually([&] { return read_stat(c.pid())->state == 'Z'; }));
  ProcDir dir = open_proc();
  auto zombie = dir.exe_identity(c.pid());
  ASSERT_TRUE(zombie.ok()) << zombie.message();
  EXPECT_FALSE(zombie->has_value());
  // kthreadd is PID 2 on a normal machine; in a PID namespace there is none.
  auto s = read_stat(2);
  if (!s.ok() || s->comm != "kthreadd") GTEST_SKIP() << "no kthreadd visible (PID namespace)";
  auto kernel = dir.exe_identity(2);
  ASSERT_TRUE(kernel.ok()) << kernel.message();
  EXPECT_FALSE(kernel->has_value());
}

TEST(ProcDir, OpeningAMissingDirectoryIsAClearError) {
  auto d = ProcDir::open("/nonexistent-proc");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.message(), "cannot open /nonexistent-proc: no such file or directory");
}

}  // namespace
}  // namespace gops::proc
