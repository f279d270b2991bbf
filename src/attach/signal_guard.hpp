// Keeps the termination signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT) from
// killing this process while another one is stopped under ptrace: they
// are blocked for the guard's life, so one that arrives stays pending, the
// code notices it (pending()) and lets go of the target, and when the
// guard ends the signal is delivered as usual and the process dies as it
// would have (exit status and all), after the target runs again.
//
// SIGCHLD is blocked too, so that the freeze can wait for its tracees'
// stops with sigtimedwait() and a deadline.
#pragma once

#include <signal.h>

#include <chrono>
#include <optional>

namespace gops::attach {

class SignalGuard {
 public:
  SignalGuard();
  ~SignalGuard();  // restores the mask: a pending termination signal is delivered now
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

  // A termination signal is pending (the user pressed ^C, or was killed).
  bool pending() const;

  // Waits until a SIGCHLD or a termination signal arrives, or `timeout`
  // passes. A termination signal is taken off the pending set and
  // remembered; it is raised again when the guard ends.
  enum class Woke { kChild, kTermination, kTimeout };
  Woke wait(std::chrono::nanoseconds timeout);

  // Whether a termination signal was seen (by wait() or pending()).
  bool terminating() const { return caught_.has_value() || pending(); }

 private:
  sigset_t old_mask_{};
  std::optional<int> caught_;
};

}  // namespace gops::attach
