#include "attach/signal_guard.hpp"

#include <cerrno>
#include <ctime>

namespace gops::attach {
namespace {

constexpr int kTermination[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

sigset_t termination_set() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : kTermination) sigaddset(&set, sig);
  return set;
}

}  // namespace

SignalGuard::SignalGuard() {
  sigset_t block = termination_set();
  sigaddset(&block, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &block, &old_mask_);
}

SignalGuard::~SignalGuard() {
  // A signal consumed by wait() is made pending again, so restoring the
  // old mask delivers it exactly as if it had never been blocked.
  if (caught_) ::raise(*caught_);
  // Drop a SIGCHLD left by the tracees' stops: it was ours, not the
  // program's (its default action is to ignore it anyway).
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  if (!sigismember(&old_mask_, SIGCHLD)) {
    timespec zero{};
    while (sigtimedwait(&chld, nullptr, &zero) == SIGCHLD) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

bool SignalGuard::pending() const {
  sigset_t set;
  if (sigpending(&set) != 0) return false;
  for (int sig : kTermination)
    if (sigismember(&set, sig) && !sigismember(&old_mask_, sig)) return true;
  return false;
}

SignalGuard::Woke SignalGuard::wait(std::chrono::nanoseconds timeout) {
  sigset_t set = termination_set();
  sigaddset(&set, SIGCHLD);
  if (timeout.count() < 0) timeout = std::chrono::nanoseconds(0);
  timespec ts{static_cast<time_t>(timeout.count() / 1000000000), static_cast<long>(timeout.count() % 1000000000)};
  for (;;) {
    int sig = sigtimedwait(&set, nullptr, &ts);
    if (sig == SIGCHLD) return Woke::kChild;
    if (sig > 0) {
      if (!caught_) caught_ = sig;
      return Woke::kTermination;
    }
    if (errno == EINTR) continue;  // another signal, handled by its handler
    return Woke::kTimeout;
  }
}

}  // namespace gops::attach
