// Stopping every thread of a process for a consistent snapshot, briefly:
// PTRACE_SEIZE + PTRACE_INTERRUPT of each thread (threads created while
// this runs are caught by rescanning until no new one appears), a wait for
// each stop with a deadline, the registers of each stopped thread, and a
// detach that happens on every path: thaw(), the destructor, an error half
// way, and a SIGINT/SIGTERM/SIGHUP/SIGQUIT to this process (blocked while
// the target is stopped, noticed, and delivered after the detach; see
// signal_guard.hpp). Should this process die anyway (SIGKILL, a crash),
// the kernel detaches its tracees and they run on.
//
// A thread that cannot stop (a zombie, or in uninterruptible sleep: state
// D) is not waited for past a short grace time; it is reported with the
// state /proc gives it. Such a thread stays seized until it stops or this
// process exits, whichever comes first; either way it then runs on.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "attach/registers.hpp"
#include "attach/signal_guard.hpp"
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
  static Result<std::unique_ptr<Freeze>> stop(pid_t pid, const FreezeOptions& options = {});

  ~Freeze();
  Freeze(const Freeze&) = delete;
  Freeze& operator=(const Freeze&) = delete;

  pid_t pid() const { return pid_; }
  const std::vector<FrozenThread>& threads() const { return threads_; }
  const FrozenThread* find(pid_t tid) const;

  // A termination signal is waiting: wrap up and thaw.
  bool interrupted() const { return guard_.terminating(); }

  // Lets every thread run again (idempotent). Returns how long the target
  // was stopped: from the first interrupt to the last detach.
  std::chrono::nanoseconds thaw();
  bool thawed() const { return thawed_; }

 private:
  explicit Freeze(pid_t pid) : pid_(pid) {}
  Status stop_all(const FreezeOptions& options);
  Status seize_new_threads(std::vector<std::size_t>& pending);
  void wait_for_stops(std::vector<std::size_t>& pending, const FreezeOptions& options);
  bool poll(FrozenThread& t);  // true when t no longer waits

  // Declared first: destroyed last, after the destructor has detached.
  SignalGuard guard_;
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
