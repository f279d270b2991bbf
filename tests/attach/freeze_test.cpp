// The freeze against real processes: every thread stopped (and only
// while frozen), threads appearing meanwhile caught, a zombie thread
// reported instead of waited on, the detach on SIGINT/SIGTERM, and the
// errors for a target someone else traces or another user owns.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include "attach/freeze.hpp"
#include "attach/process_memory.hpp"
#include "target_fixture.hpp"

namespace gops::test {
namespace {

using attach::Freeze;
using attach::ThreadStop;

unsigned long progress_of(const AttachTarget& t) {
  attach::ProcessMemory mem(t.pid);
  auto v = attach::read_value<unsigned long>(mem, t.progress);
  return v ? *v : 0;
}

// Every thread of the target held: each stopped with its registers read,
// and /proc shows each in tracing stop.
void expect_every_thread_stopped(const Freeze& f, pid_t pid) {
  const auto& threads = f.threads();
  EXPECT_EQ(threads.size(), attach::list_threads(pid).size());
  for (const auto& th : threads) {
    EXPECT_EQ(th.stop, ThreadStop::kStopped) << th.tid;
    EXPECT_NE(th.regs.pc, 0u) << th.tid;
    EXPECT_NE(th.regs.sp, 0u) << th.tid;
  }
  EXPECT_EQ(thread_states(pid), std::string(threads.size(), 't')) << "every thread in tracing stop";
}

TEST(Freeze, StopsEveryThreadAndThawLetsThemRun) {
  auto t = AttachTarget::start(8);
  auto f = Freeze::stop(t.pid);
  ASSERT_TRUE(f.ok()) << f.message();
  expect_every_thread_stopped(**f, t.pid);
  unsigned long before = progress_of(t);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(progress_of(t), before) << "the spinners must not move while frozen";

  auto paused = (*f)->thaw();
  EXPECT_GT(paused.count(), 0);
  EXPECT_TRUE(eventually([&] { return progress_of(t) > before; }, std::chrono::seconds(10)));
  EXPECT_EQ(thread_states(t.pid).find('t'), std::string::npos) << thread_states(t.pid);
}

TEST(Freeze, DestroyingTheFreezeDetaches) {
  auto t = AttachTarget::start(4);
  {
    auto f = Freeze::stop(t.pid);
    ASSERT_TRUE(f.ok()) << f.message();
  }
  unsigned long before = progress_of(t);
  EXPECT_TRUE(eventually([&] { return progress_of(t) > before; }, std::chrono::seconds(10)));
  EXPECT_EQ(thread_states(t.pid).find('t'), std::string::npos);
}

// Enough threads for the ptrace work to be shared out over several of ours
// (tracer_lanes.hpp): each is still stopped, read and let go.
TEST(Freeze, ManyThreadsAreStoppedReadAndLetGo) {
  auto t = AttachTarget::start(300, "blocked");
  auto f = Freeze::stop(t.pid);
  ASSERT_TRUE(f.ok()) << f.message();
  expect_every_thread_stopped(**f, t.pid);
  (*f)->thaw();
  EXPECT_EQ(thread_states(t.pid).find('t'), std::string::npos) << "every thread let go by the time thaw returns";
}

TEST(Freeze, ThreadsCreatedMeanwhileAreStoppedToo) {
  auto t = AttachTarget::start(2, "churn");
  for (int round = 0; round < 20; ++round) {
    auto f = Freeze::stop(t.pid);
    ASSERT_TRUE(f.ok()) << f.message();
    // While frozen, nothing runs, so the task list is final: every thread
    // in it must be one we stopped.
    for (pid_t tid : attach::list_threads(t.pid)) {
      const auto* th = (*f)->find(tid);
      ASSERT_NE(th, nullptr) << "thread " << tid << " escaped the freeze";
      EXPECT_EQ(th->stop, ThreadStop::kStopped) << tid;
    }
  }
}

TEST(Freeze, AZombieThreadIsReportedNotWaitedFor) {
  auto t = AttachTarget::start(4, "zombie-main");
  ASSERT_TRUE(eventually([&] {
    auto st = attach::read_task_stat(t.pid, t.pid);
    return st && st->state == 'Z';
  }));
  auto start = std::chrono::steady_clock::now();
  auto f = Freeze::stop(t.pid);
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
  const auto* main_thread = (*f)->find(t.pid);
  ASSERT_NE(main_thread, nullptr);
  EXPECT_EQ(main_thread->stop, ThreadStop::kZombie);
  // Every thread but the zombie (a sanitizer's runtime may add one of its own).
  std::size_t stopped = 0;
  for (const auto& th : (*f)->threads()) stopped += th.stop == ThreadStop::kStopped;
  EXPECT_EQ(stopped, attach::list_threads(t.pid).size() - 1);
  EXPECT_GE(stopped, 4u);
}

// The helper holds the freeze until a signal arrives; it must let the
// target go, say so, and only then die of that signal.
void expect_signal_detaches(int sig) {
  auto t = AttachTarget::start(4);
  auto holder = Child::spawn({GOPS_TEST_FREEZE_HOLDER, "hold", std::to_string(t.pid)});
  ASSERT_TRUE(holder.wait_for_output("frozen")) << "holder did not freeze the target";
  EXPECT_EQ(thread_states(t.pid), std::string(attach::list_threads(t.pid).size(), 't'));
  ::kill(holder.pid(), sig);
  int status = 0;
  ASSERT_EQ(::waitpid(holder.pid(), &status, 0), holder.pid());
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << "status " << status;
  EXPECT_NE(holder.output().find("thawed"), std::string::npos) << "the detach must come before dying";
  unsigned long before = progress_of(t);
  EXPECT_TRUE(eventually([&] { return progress_of(t) > before; }, std::chrono::seconds(10)));
  EXPECT_EQ(thread_states(t.pid).find('t'), std::string::npos) << thread_states(t.pid);
}

TEST(Freeze, SigtermToTheHolderDetachesBeforeItDies) { expect_signal_detaches(SIGTERM); }
TEST(Freeze, SigintToTheHolderDetachesBeforeItDies) { expect_signal_detaches(SIGINT); }

TEST(Freeze, ATargetTracedByADebuggerNamesTheTracer) {
  auto t = AttachTarget::start(2);
  ASSERT_EQ(::ptrace(PTRACE_SEIZE, t.pid, nullptr, nullptr), 0) << std::strerror(errno);
  auto r = run({GOPS_TEST_FREEZE_HOLDER, "hold", std::to_string(t.pid)}, {}, std::chrono::seconds(30));
  ::ptrace(PTRACE_DETACH, t.pid, nullptr, nullptr);  // never stopped: ESRCH is fine, we exit as tracer anyway
  EXPECT_EQ(r.exit_code, 1);
  std::string me = std::to_string(::getpid());
  EXPECT_NE(r.err.find("cannot stop process " + std::to_string(t.pid) + ": it is already traced by PID " + me),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("detach the debugger first"), std::string::npos) << r.err;
}

TEST(Freeze, AnotherUsersProcessIsRefusedWithTheReason) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create a user and switch to it (CI runs as root)";
  uid_t uid = other_user();
  ASSERT_NE(uid, 0u);
  auto t = AttachTarget::start(1);
  auto r = run({"setpriv", "--reuid=" + std::to_string(uid), "--regid=" + std::to_string(uid), "--clear-groups",
                GOPS_TEST_FREEZE_HOLDER, "hold", std::to_string(t.pid)});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "cannot stop process " + std::to_string(t.pid) + ": it belongs to root (uid 0) and gops runs as " +
                       kOtherUser + " (uid " + std::to_string(uid) +
                       ") without CAP_SYS_PTRACE: run gops as that user, or with sudo\n");
  EXPECT_EQ(thread_states(t.pid).find('t'), std::string::npos);
}

// Its threads listed, then the process exits before they are seized: the
// error says it is gone, as when it was gone before.
TEST(Freeze, AProcessThatExitsAfterItsThreadsWereListedIsGone) {
  pid_t pid = 0;
  {
    auto t = AttachTarget::start(2);
    pid = t.pid;
    t.child.kill(SIGKILL);
    ASSERT_TRUE(t.child.wait().has_value());
  }
  std::vector<pid_t> listed = {pid};
  auto f = Freeze::stop(pid, {}, listed);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.message(), "no process with PID " + std::to_string(pid));
}

TEST(Freeze, OwnProcessIsRefused) {
  auto f = Freeze::stop(::getpid());
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.message(), "gops cannot stop its own process");
}

}  // namespace
}  // namespace gops::test
