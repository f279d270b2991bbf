#include "client/interrupt_cleanup.hpp"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace gops::client::interrupt_cleanup {
namespace {

// Read by the handler: plain buffers, published by the `armed` flag.
struct Slot {
  std::atomic<bool> armed{false};
  int dir_fd = AT_FDCWD;
  char name[PATH_MAX] = {};
};
Slot g_slots[kSlots];
std::atomic<bool> g_taken[kSlots];
static_assert(std::atomic<bool>::is_always_lock_free);

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

// Async-signal-safe: atomics, unlinkat, sigaction, raise.
extern "C" void on_signal(int sig) {
  int saved = errno;
  for (Slot& s : g_slots)
    if (s.armed.exchange(false)) ::unlinkat(s.dir_fd, s.name, 0);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigemptyset(&dfl.sa_mask);
  ::sigaction(sig, &dfl, nullptr);
  ::raise(sig);  // blocked while we run: ends the process once we return
  errno = saved;
}

void install_once() {
  static std::atomic<bool> installed{false};
  if (installed.exchange(true)) return;
  for (int sig : kSignals) {
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) != 0 || old.sa_handler == SIG_IGN) continue;
    struct sigaction ours {};
    ours.sa_handler = on_signal;
    ::sigemptyset(&ours.sa_mask);
    for (int other : kSignals) ::sigaddset(&ours.sa_mask, other);  // one cleanup at a time
    ours.sa_flags = SA_RESTART;
    ::sigaction(sig, &ours, nullptr);
  }
}

}  // namespace

int arm(int dir_fd, const char* name) noexcept {
  std::size_t len = std::strlen(name);
  if (len >= sizeof g_slots[0].name) return -1;
  install_once();
  for (int i = 0; i < kSlots; ++i) {
    if (g_taken[i].exchange(true)) continue;
    g_slots[i].dir_fd = dir_fd;
    std::memcpy(g_slots[i].name, name, len + 1);
    g_slots[i].armed.store(true);
    return i;
  }
  return -1;
}

void disarm(int slot) noexcept {
  if (slot < 0 || slot >= kSlots) return;
  g_slots[slot].armed.store(false);
  g_taken[slot].store(false);
}

}  // namespace gops::client::interrupt_cleanup
