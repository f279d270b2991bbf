#include "agent/host/agent_threads.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

namespace gops::agent {
namespace {

constexpr int kMaxThreads = 80;  // listener + at most 64 workers, with room
std::atomic<pid_t> g_tids[kMaxThreads];

pid_t self() { return static_cast<pid_t>(::syscall(SYS_gettid)); }

}  // namespace

void note_agent_thread_started() noexcept {
  pid_t tid = self();
  for (auto& slot : g_tids) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, tid)) return;
  }
}

void note_agent_thread_ended() noexcept {
  pid_t tid = self();
  for (auto& slot : g_tids) {
    pid_t mine = tid;
    if (slot.compare_exchange_strong(mine, 0)) return;
  }
}

bool is_agent_thread(pid_t tid) noexcept {
  for (const auto& slot : g_tids)
    if (slot.load(std::memory_order_relaxed) == tid) return true;
  return false;
}

}  // namespace gops::agent
