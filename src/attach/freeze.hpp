// Stopping every thread of a process for a consistent snapshot, briefly:
// PTRACE_SEIZE + PTRACE_INTERRUPT of each thread, a wait for each stop
// with a deadline, the registers of each stopped thread, and a detach that
// happens on every path: thaw(), the destructor, an error half way, and a
// SIGINT/SIGTERM/SIGHUP/SIGQUIT to this process (blocked while the target
// is stopped, noticed, and delivered after the detach; see
// signal_guard.hpp). Should this process die anyway (SIGKILL, a crash),
// the kernel detaches its tracees and they run on. The ptrace calls are
// shared out over a few threads of ours (tracer_lanes.hpp).
//
// Threads created while this runs are caught by listing the threads again
// until no new one appears. When every thread seized has stopped, none is
// left to start another, and the kernel's thread count tells whether one
// was missed, without listing 1000 threads again inside the pause.
//
// A thread that cannot stop (a zombie, or in uninterruptible sleep: state
// D) is not waited for past a short grace time; it is reported with the
// state /proc gives it, and let go with the others.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "attach/registers.hpp"
#include "attach/signal_guard.hpp"
#include "attach/tracer_lanes.hpp"
#include "common/result.hpp"

namespace gops::attach {

enum class ThreadStop {
  kStopped,          // stopped; registers valid
  kExited,           // exited before it could stop
  kZombie,           // exited, not yet reaped: nothing to stop
  kUninterruptible,  // in uninterruptible sleep (D) past the grace time
  kNotStopped,       // did not stop in time for another reason (proc_state says)
};

struct FrozenThread {
  pid_t tid = 0;
  ThreadStop stop = ThreadStop::kNotStopped;
  char proc_state = '?';  // what /proc said when it did not stop
  Registers regs;         // when stopped
  int signal = 0;         // a signal that arrived instead of our interrupt: handed back on detach
};

struct FreezeOptions {
  // How long a thread in uninterruptible sleep is waited for.
  std::chrono::milliseconds uninterruptible_grace{20};
  // How long any thread is waited for at most.
  std::chrono::milliseconds stop_timeout{1000};
};

class Freeze {
 public:
  // Stops every thread of `pid`. Errors: the process is gone, ours to
  // read but not to stop (already traced, permissions: access_error.hpp),
  // or a termination signal arrived meanwhile ("interrupted"; the target
  // runs again before this returns).
  // `known`: the thread ids if the caller has just listed them (saves a
  // listing); threads started since are found all the same.
  static Result<std::unique_ptr<Freeze>> stop(pid_t pid, const FreezeOptions& options = {},
                                              std::span<const pid_t> known = {});

  ~Freeze();
  Freeze(const Freeze&) = delete;
  Freeze& operator=(const Freeze&) = delete;

  pid_t pid() const { return pid_; }
  const std::vector<FrozenThread>& threads() const { return threads_; }
  const FrozenThread* find(pid_t tid) const;

  // A termination signal is waiting: wrap up and thaw.
  bool interrupted() const { return guard_.terminating(); }

  // Runs job(lane, lanes) on each of the freeze's threads at once while the
  // target is stopped, for work that must fit in the pause and splits
  // (copying the stopped threads' stacks). Jobs must not throw.
  void share_out(const std::function<void(std::size_t lane, std::size_t lanes)>& job);

  // Lets every thread run again (idempotent). Returns how long the target
  // was stopped: from the first interrupt to the last detach.
  std::chrono::nanoseconds thaw();
  bool thawed() const { return thawed_; }

 private:
  explicit Freeze(pid_t pid) : pid_(pid) {}
  Status stop_all(const FreezeOptions& options, std::span<const pid_t> known);
  Status seize_new_threads(std::span<const pid_t> tids, std::vector<std::size_t>& pending);
  bool none_missed() const;
  void read_stopped_registers();
  // The lane that traces threads_[i].
  bool owns(std::size_t lane, std::size_t i) const { return i % lanes_->size() == lane; }
  void wait_for_stops(std::vector<std::size_t>& pending, const FreezeOptions& options);
  bool poll(FrozenThread& t);  // true when t no longer waits

  // Declared first: destroyed last, after the destructor has detached.
  // The lanes start with the termination signals blocked by the guard.
  SignalGuard guard_;
  std::unique_ptr<TracerLanes> lanes_;  // made once the threads are counted
  pid_t pid_;
  std::vector<FrozenThread> threads_;
  std::vector<bool> seized_;  // parallel to threads_
  std::unordered_map<pid_t, std::size_t> index_;  // tid -> position in threads_
  std::chrono::steady_clock::time_point first_interrupt_{};
  std::chrono::nanoseconds paused_{0};
  bool started_ = false;
  bool thawed_ = false;
};

}  // namespace gops::attach
