#include "attach/freeze.hpp"

#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "attach/access_error.hpp"
#include "attach/proc_task.hpp"

namespace gops::attach {
namespace {

using Clock = std::chrono::steady_clock;

// New threads can keep appearing only while some thread runs; bound the
// rescans anyway (a process spawning threads faster than we stop them).
constexpr int kMaxRescans = 64;
// How often pending threads' /proc states are looked at while waiting.
constexpr auto kPollSlice = std::chrono::milliseconds(2);
// Roughly what polling one pending thread costs (a waitpid).
constexpr auto kPollCostPerThread = std::chrono::microseconds(2);

}  // namespace

Result<std::unique_ptr<Freeze>> Freeze::stop(pid_t pid, const FreezeOptions& options) {
  if (pid == ::getpid()) return Error{"gops cannot stop its own process"};
  std::unique_ptr<Freeze> f(new Freeze(pid));
  if (auto s = f->stop_all(options); !s) {
    f->thaw();
    return s.error();
  }
  return f;
}

Freeze::~Freeze() { thaw(); }

const FrozenThread* Freeze::find(pid_t tid) const {
  for (const auto& t : threads_)
    if (t.tid == tid) return &t;
  return nullptr;
}

Status Freeze::seize_new_threads(std::vector<std::size_t>& pending) {
  // Every new thread seized first (PTRACE_SEIZE does not stop it), then all
  // interrupted in one run: the pause starts at the first interrupt, and
  // 1000 seizes no longer fall inside it.
  std::vector<std::size_t> seized_now;
  for (pid_t tid : list_threads(pid_)) {
    if (index_.count(tid)) continue;
    FrozenThread t;
    t.tid = tid;
    if (::ptrace(PTRACE_SEIZE, tid, nullptr, nullptr) != 0) {
      int err = errno;
      if (err == ESRCH) continue;  // gone meanwhile
      auto st = read_task_stat(pid_, tid);
      if (!st) continue;
      if (st->state == 'Z' || st->state == 'X') {
        t.stop = ThreadStop::kZombie;
        t.proc_state = st->state;
        index_.emplace(tid, threads_.size());
        threads_.push_back(t);
        seized_.push_back(false);
        continue;
      }
      return access_error(pid_, err, Access::kAttach);
    }
    index_.emplace(tid, threads_.size());
    seized_now.push_back(threads_.size());
    threads_.push_back(t);
    seized_.push_back(true);
  }
  for (std::size_t i : seized_now) {
    if (!started_) {
      started_ = true;
      first_interrupt_ = Clock::now();
    }
    if (::ptrace(PTRACE_INTERRUPT, threads_[i].tid, nullptr, nullptr) != 0 && errno == ESRCH) {
      threads_[i].stop = ThreadStop::kExited;
      continue;
    }
    pending.push_back(i);
  }
  return Ok{};
}

bool Freeze::poll(FrozenThread& t) {
  int status = 0;
  pid_t r = ::waitpid(t.tid, &status, __WALL | WNOHANG);
  if (r == 0) return false;
  if (r < 0) {
    if (errno == EINTR) return false;
    t.stop = ThreadStop::kExited;  // ECHILD: no longer ours to wait for
    return true;
  }
  if (WIFEXITED(status) || WIFSIGNALED(status)) {
    t.stop = ThreadStop::kExited;
    return true;
  }
  if (!WIFSTOPPED(status)) return false;
  // PTRACE_EVENT_STOP: our interrupt (or a group stop). Anything else is a
  // signal on its way to the thread, caught first by us: the thread is
  // stopped all the same, and gets the signal back when we detach.
  if ((status >> 16) != PTRACE_EVENT_STOP) t.signal = WSTOPSIG(status);
  t.stop = ThreadStop::kStopped;
  if (auto regs = read_registers(t.tid)) t.regs = *regs;
  return true;
}

void Freeze::wait_for_stops(std::vector<std::size_t>& pending, const FreezeOptions& options) {
  const auto start = Clock::now();
  const auto deadline = start + options.stop_timeout;
  auto last_progress = start;
  std::vector<Clock::time_point> seen_d(threads_.size(), Clock::time_point{});
  while (!pending.empty()) {
    std::size_t before = pending.size();
    std::erase_if(pending, [&](std::size_t i) { return poll(threads_[i]); });
    if (pending.empty() || guard_.terminating()) break;
    auto now = Clock::now();
    if (pending.size() < before) last_progress = now;
    if (now >= deadline) break;
    // Threads that cannot stop are not waited on: zombies at once, those
    // in uninterruptible sleep after the grace time. /proc is read only
    // when the stops have stalled (on a loaded machine 1000 threads take
    // tens of milliseconds to be scheduled into their stops, and reading
    // the state of each every round cost more than the stops).
    if (now - last_progress >= kPollSlice) {
      seen_d.resize(threads_.size(), Clock::time_point{});
      std::erase_if(pending, [&](std::size_t i) {
        auto st = read_task_stat(pid_, threads_[i].tid);
        if (!st) return false;
        threads_[i].proc_state = st->state;
        if (st->state == 'Z' || st->state == 'X') {
          threads_[i].stop = ThreadStop::kZombie;
          return true;
        }
        if (st->state != 'D') {
          seen_d[i] = Clock::time_point{};
          return false;
        }
        if (seen_d[i] == Clock::time_point{}) seen_d[i] = now;
        if (now - seen_d[i] < options.uninterruptible_grace) return false;
        threads_[i].stop = ThreadStop::kUninterruptible;
        return true;
      });
      if (pending.empty()) break;
    }
    // The next round after a pause in proportion to its cost (a waitpid
    // per pending thread): a round per SIGCHLD, with 1000 threads
    // trickling into their stops on a busy machine, made the waiting
    // quadratic. Then until the next stop or the slice's end.
    auto quiet_until = now + kPollCostPerThread * pending.size();
    bool stopped_meanwhile = false;
    while (!guard_.terminating()) {
      auto left = quiet_until - Clock::now();
      if (left <= Clock::duration::zero()) break;
      SignalGuard::Woke woke = guard_.wait(left);
      if (woke == SignalGuard::Woke::kTimeout) break;
      stopped_meanwhile |= woke == SignalGuard::Woke::kChild;
    }
    if (guard_.terminating()) break;
    if (!stopped_meanwhile) guard_.wait(std::min<Clock::duration>(deadline - Clock::now(), kPollSlice));
  }
  for (std::size_t i : pending) {
    auto st = read_task_stat(pid_, threads_[i].tid);
    threads_[i].proc_state = st ? st->state : 'X';
    threads_[i].stop = st && st->state == 'D' ? ThreadStop::kUninterruptible : ThreadStop::kNotStopped;
  }
  pending.clear();
}

Status Freeze::stop_all(const FreezeOptions& options) {
  std::vector<std::size_t> pending;
  for (int round = 0; round < kMaxRescans; ++round) {
    std::size_t before = threads_.size();
    if (auto s = seize_new_threads(pending); !s) return s;
    if (threads_.empty()) return access_error(pid_, ESRCH, Access::kAttach);
    if (threads_.size() == before) break;  // no new thread: every one is seen
    wait_for_stops(pending, options);
    if (guard_.terminating()) return Error{"interrupted"};
  }
  bool any = std::any_of(threads_.begin(), threads_.end(), [](const FrozenThread& t) { return t.stop == ThreadStop::kStopped; });
  if (!any) return Error{"process " + std::to_string(pid_) + " has no thread that could be stopped"};
  return Ok{};
}

std::chrono::nanoseconds Freeze::thaw() {
  if (thawed_) return paused_;
  thawed_ = true;
  for (std::size_t i = 0; i < threads_.size(); ++i) {
    FrozenThread& t = threads_[i];
    if (!seized_[i] || t.stop == ThreadStop::kExited) continue;
    // One that has stopped since we gave up on it can be let go now.
    if (t.stop != ThreadStop::kStopped) {
      int status = 0;
      if (::waitpid(t.tid, &status, __WALL | WNOHANG) != t.tid || !WIFSTOPPED(status)) continue;
      if ((status >> 16) != PTRACE_EVENT_STOP) t.signal = WSTOPSIG(status);
    }
    ::ptrace(PTRACE_DETACH, t.tid, nullptr, reinterpret_cast<void*>(static_cast<long>(t.signal)));
  }
  if (started_) paused_ = Clock::now() - first_interrupt_;
  return paused_;
}

}  // namespace gops::attach
