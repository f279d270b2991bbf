#include "attach/freeze.hpp"

#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "attach/access_error.hpp"
#include "attach/proc_task.hpp"
#include "proc/process.hpp"

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

Result<std::unique_ptr<Freeze>> Freeze::stop(pid_t pid, const FreezeOptions& options, std::span<const pid_t> known) {
  if (pid == ::getpid()) return Error{"gops cannot stop its own process"};
  std::unique_ptr<Freeze> f(new Freeze(pid));
  if (auto s = f->stop_all(options, known); !s) {
    f->thaw();
    return s.error();
  }
  return f;
}

Freeze::~Freeze() { thaw(); }

const FrozenThread* Freeze::find(pid_t tid) const {
  auto it = index_.find(tid);
  return it == index_.end() ? nullptr : &threads_[it->second];
}

Status Freeze::seize_new_threads(std::span<const pid_t> tids, std::vector<std::size_t>& pending) {
  std::vector<std::size_t> fresh;
  for (pid_t tid : tids) {
    if (index_.count(tid)) continue;
    FrozenThread t;
    t.tid = tid;
    index_.emplace(tid, threads_.size());
    fresh.push_back(threads_.size());
    threads_.push_back(t);
    seized_.push_back(false);
  }
  if (fresh.empty()) return Ok{};
  // Every new thread seized first (PTRACE_SEIZE does not stop it), then all
  // interrupted in one run: the pause starts at the first interrupt, and
  // 1000 seizes no longer fall inside it. Each by the lane that will trace
  // it; the lanes write only their own threads' slots.
  std::vector<int> seize_errors(fresh.size(), 0);
  lanes_->run([&](std::size_t lane) {
    for (std::size_t k = 0; k < fresh.size(); ++k)
      if (owns(lane, fresh[k]) && ::ptrace(PTRACE_SEIZE, threads_[fresh[k]].tid, nullptr, nullptr) != 0)
        seize_errors[k] = errno;
  });
  std::vector<std::size_t> seized_now;
  for (std::size_t k = 0; k < fresh.size(); ++k) {
    FrozenThread& t = threads_[fresh[k]];
    if (seize_errors[k] == 0) {
      seized_[fresh[k]] = true;
      seized_now.push_back(fresh[k]);
      continue;
    }
    t.stop = ThreadStop::kExited;  // unless /proc says otherwise
    if (seize_errors[k] == ESRCH) continue;  // gone meanwhile
    auto st = read_task_stat(pid_, t.tid);
    if (!st) continue;
    if (st->state == 'Z' || st->state == 'X') {
      t.stop = ThreadStop::kZombie;
      t.proc_state = st->state;
      continue;
    }
    return access_error(pid_, seize_errors[k], Access::kAttach);
  }
  if (seized_now.empty()) return Ok{};
  if (!started_) {
    started_ = true;
    first_interrupt_ = Clock::now();
  }
  std::vector<char> running(seized_now.size(), 1);
  lanes_->run([&](std::size_t lane) {
    for (std::size_t k = 0; k < seized_now.size(); ++k) {
      if (!owns(lane, seized_now[k])) continue;
      if (::ptrace(PTRACE_INTERRUPT, threads_[seized_now[k]].tid, nullptr, nullptr) != 0 && errno == ESRCH) {
        threads_[seized_now[k]].stop = ThreadStop::kExited;
        running[k] = 0;
      }
    }
  });
  for (std::size_t k = 0; k < seized_now.size(); ++k)
    if (running[k]) pending.push_back(seized_now[k]);
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
  // Its registers are read by its own lane (read_stopped_registers).
  t.stop = ThreadStop::kStopped;
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

// True when every thread of the process is known to be held: each one
// seized has stopped (or exited and been reaped), so none runs to start
// another, and the kernel's count of the process's threads is theirs. A
// zombie main thread counts there until the process ends.
bool Freeze::none_missed() const {
  long held = 0;
  for (const FrozenThread& t : threads_) {
    if (t.stop == ThreadStop::kStopped || (t.stop == ThreadStop::kZombie && t.tid == pid_))
      ++held;
    else if (t.stop != ThreadStop::kExited)
      return false;  // may run, and start threads
  }
  auto stat = proc::read_thread_stat(pid_, pid_);
  return stat && stat->num_threads == held;
}

Status Freeze::stop_all(const FreezeOptions& options, std::span<const pid_t> known) {
  // Every thread listed is gone (or none was): the process has exited.
  auto gone = [this] {
    return std::all_of(threads_.begin(), threads_.end(),
                       [](const FrozenThread& t) { return t.stop == ThreadStop::kExited; });
  };
  std::vector<std::size_t> pending;
  for (int round = 0; round < kMaxRescans; ++round) {
    std::size_t before = threads_.size();
    std::vector<pid_t> listed;
    if (round > 0 || known.empty()) listed = list_threads(pid_);
    std::span<const pid_t> tids = round == 0 && !known.empty() ? known : listed;
    if (!lanes_) {
      auto lanes = TracerLanes::create(TracerLanes::suggested(tids.size()));
      if (!lanes) return lanes.error();
      lanes_ = std::move(*lanes);
    }
    if (auto s = seize_new_threads(tids, pending); !s) return s;
    if (gone()) return access_error(pid_, ESRCH, Access::kAttach);
    if (threads_.size() == before) break;  // no new thread: every one is seen
    wait_for_stops(pending, options);
    if (guard_.terminating()) return Error{"interrupted"};
    if (none_missed()) break;
  }
  read_stopped_registers();
  bool any = std::any_of(threads_.begin(), threads_.end(), [](const FrozenThread& t) { return t.stop == ThreadStop::kStopped; });
  if (!any && gone()) return access_error(pid_, ESRCH, Access::kAttach);
  if (!any) return Error{"process " + std::to_string(pid_) + " has no thread that could be stopped"};
  return Ok{};
}

void Freeze::read_stopped_registers() {
  lanes_->run([&](std::size_t lane) {
    for (std::size_t i = lane; i < threads_.size(); i += lanes_->size()) {
      FrozenThread& t = threads_[i];
      if (t.stop != ThreadStop::kStopped) continue;
      if (auto regs = read_registers(t.tid)) t.regs = *regs;
    }
  });
}

void Freeze::share_out(const std::function<void(std::size_t lane, std::size_t lanes)>& job) {
  if (!lanes_ || thawed_) {
    job(0, 1);
    return;
  }
  const std::size_t lanes = lanes_->size();
  lanes_->run([&](std::size_t lane) { job(lane, lanes); });
}

std::chrono::nanoseconds Freeze::thaw() {
  if (thawed_) return paused_;
  thawed_ = true;
  if (!lanes_) return paused_;  // nothing was seized
  // A thread stopped by a signal on its way to it is let go with it.
  lanes_->run([&](std::size_t lane) {
    for (std::size_t i = lane; i < threads_.size(); i += lanes_->size()) {
      const FrozenThread& t = threads_[i];
      if (seized_[i] && t.stop == ThreadStop::kStopped && t.signal != 0)
        ::ptrace(PTRACE_DETACH, t.tid, nullptr, reinterpret_cast<void*>(static_cast<long>(t.signal)));
    }
  });
  // Every other thread, stopped or not, as each lane ends.
  lanes_.reset();
  if (started_) paused_ = Clock::now() - first_interrupt_;
  return paused_;
}

}  // namespace gops::attach
