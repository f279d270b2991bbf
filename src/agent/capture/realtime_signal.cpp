#include "agent/capture/realtime_signal.hpp"

#include <mutex>

namespace gops::agent {

Result<int> claim_realtime_signal(std::atomic<int>& claimed, SignalHandler handler) {
  if (int sig = claimed.load()) return sig;
  static std::mutex claiming;
  std::lock_guard guard(claiming);
  if (int sig = claimed.load()) return sig;
  for (int sig = SIGRTMAX; sig >= SIGRTMIN; --sig) {
    struct sigaction current{};
    if (::sigaction(sig, nullptr, &current) != 0) continue;
    if ((current.sa_flags & SA_SIGINFO) || current.sa_handler != SIG_DFL) continue;  // taken
    struct sigaction ours{};
    ours.sa_sigaction = handler;
    ours.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sigfillset(&ours.sa_mask);  // nothing else runs inside the handler
    if (::sigaction(sig, &ours, nullptr) != 0) continue;
    claimed.store(sig);
    return sig;
  }
  return Error{"no free real-time signal: the program handles all of SIGRTMIN..SIGRTMAX"};
}

}  // namespace gops::agent
