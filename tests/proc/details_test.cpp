// read_details and cpu_seconds on real processes, checked against ps(1),
// the kernel's own clocks and what the test set up.
#include <pwd.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <latch>
#include <sstream>
#include <thread>

#include "proc/process.hpp"
#include "support/process.hpp"

namespace gops::proc {
namespace {

namespace fs = std::filesystem;
using test::Child;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string own_user_name() {
  passwd* pw = ::getpwuid(::getuid());
  return pw != nullptr ? pw->pw_name : "";
}

struct PsView {
  int ppid = 0;
  long nlwp = 0;
  long etimes = 0;
  std::string user;
  double pmem = 0;
};

// The same process as procps' ps sees it: an independent reader.
PsView ps_view(int pid) {
  auto r = test::run({"ps", "-o", "ppid=,nlwp=,etimes=,user=,pmem=", "-p", std::to_string(pid)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  PsView v;
  std::istringstream in(r.out);
  in >> v.ppid >> v.nlwp >> v.etimes >> v.user >> v.pmem;
  EXPECT_FALSE(in.fail()) << "ps printed: " << r.out;
  return v;
}

TEST(Details, AChildAsPsSeesIt) {
  const std::int64_t before_ms = now_ms();
  // The empty argument is dropped from the cmdline (gopsutil splits it with
  // strings.FieldsFunc); the others are joined by single spaces.
  Child c = Child::spawn({GOPS_PROC_PROBE, "wait", "", "two words", "b"});
  const std::int64_t after_ms = now_ms();
  ASSERT_TRUE(c.wait_for_output("waiting"));

  auto d = read_details(c.pid());
  ASSERT_TRUE(d.ok()) << d.message();
  const PsView ps = ps_view(c.pid());
  EXPECT_EQ(d->pid, c.pid());
  EXPECT_EQ(d->ppid, ::getpid());
  EXPECT_EQ(d->ppid, ps.ppid);
  EXPECT_EQ(d->threads, 1);
  EXPECT_EQ(d->threads, ps.nlwp);
  EXPECT_EQ(d->uid, ::getuid());
  ASSERT_TRUE(d->username.has_value());
  EXPECT_EQ(*d->username, own_user_name());
  EXPECT_EQ(*d->username, ps.user);
  EXPECT_EQ(d->cmdline, std::string(GOPS_PROC_PROBE) + " wait two words b");

  // The start is whole seconds (gopsutil truncates the ticks) and btime is
  // itself rounded, so allow a second either side of the spawn.
  EXPECT_GE(d->create_time_ms, (before_ms / 1000 - 1) * 1000);
  EXPECT_LE(d->create_time_ms, (after_ms / 1000 + 1) * 1000);
  EXPECT_EQ(d->create_time_ms % 1000, 0);
  const std::int64_t etime = (now_ms() - d->create_time_ms) / 1000;
  EXPECT_NEAR(static_cast<double>(etime), static_cast<double>(ps.etimes), 2.0);

  // ps prints %mem with one decimal.
  EXPECT_GT(d->memory_percent, 0);
  EXPECT_NEAR(d->memory_percent, ps.pmem, 0.1);
  EXPECT_GE(d->cpu_seconds, 0);
  EXPECT_GE(d->cpu_percent, 0);
  EXPECT_TRUE(d->connections.empty());
  EXPECT_FALSE(d->connections_unreadable);
}

TEST(Details, CpuSecondsFollowTheKernelsClock) {
  // Burn 0.3 s of CPU (by the kernel's precise clock), then compare.
  auto process_cpu = [] {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  };
  const double start = process_cpu();
  volatile std::uint64_t sink = 0;
  while (process_cpu() - start < 0.3)
    for (int i = 0; i < 1000; ++i) sink = sink + static_cast<std::uint64_t>(i);
  const double kernel = process_cpu();

  auto cpu = cpu_seconds(::getpid());
  ASSERT_TRUE(cpu.ok()) << cpu.message();
  EXPECT_GE(*cpu, 0.25);
  // Tick-sampled stat times differ from the precise clock by a few ticks.
  EXPECT_NEAR(*cpu, kernel, 0.1);

  auto d = read_details(::getpid());
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_GE(d->cpu_seconds, *cpu);
  EXPECT_GT(d->cpu_percent, 0);
  const double alive = static_cast<double>(now_ms() - d->create_time_ms) / 1000;
  EXPECT_NEAR(d->cpu_percent, 100 * d->cpu_seconds / alive, 5);
}

TEST(Details, CountsThreads) {
  auto before = read_details(::getpid());
  ASSERT_TRUE(before.ok()) << before.message();
  constexpr int kThreads = 3;
  std::latch started(kThreads), done(1);
  std::vector<std::jthread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      started.count_down();
      done.wait();
    });
  started.wait();
  auto during = read_details(::getpid());
  long tasks = std::distance(fs::directory_iterator("/proc/self/task"), fs::directory_iterator{});
  done.count_down();
  ASSERT_TRUE(during.ok()) << during.message();
  EXPECT_EQ(during->threads, before->threads + kThreads);
  EXPECT_EQ(during->threads, tasks);
}

TEST(Details, AnotherUsersProcessIsReadableButItsSocketsAreNot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run the reader as another user";
  if (test::run({"setpriv", "--version"}).exit_code != 0) GTEST_SKIP() << "no setpriv";
  // A root process with a listening socket, read by an unprivileged user.
  Child target = Child::spawn({GOPS_PROC_PROBE, "listen"});
  ASSERT_TRUE(target.wait_for_output("udp6"));
  const std::string pid = std::to_string(target.pid());
  auto r = test::run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", GOPS_PROC_PROBE, "read", pid});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "stat: proc_probe\n"
            "exe: error: permission denied reading /proc/" + pid + "/exe: PID " + pid +
            " belongs to another user or is protected (run gops as its user or as root)\n"
            "details: ppid=" + std::to_string(::getpid()) + " connections=0 unreadable=1\n");
  // The same reader as root sees the sockets.
  auto root = test::run({GOPS_PROC_PROBE, "read", pid});
  EXPECT_NE(root.out.find("connections=2 unreadable=0"), std::string::npos) << root.out;
}

}  // namespace
}  // namespace gops::proc
