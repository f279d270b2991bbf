#include "heap_sampler/thread_registry.hpp"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "heap_sampler/spin_lock.hpp"

namespace gops::heap_sampler {
namespace {

// Threads alive at once with counters of their own; more count into the
// shared atomics (exact too, only slower).
constexpr std::size_t kMaxThreads = 4096;

SpinLock g_lock;
ThreadState* g_slots[kMaxThreads];
std::size_t g_registered = 0;
std::size_t g_hint = 0;

std::atomic<std::uint64_t> g_shared[3];  // alloc, free, realloc: exited and unregistered threads
pthread_key_t g_key;
std::atomic<bool> g_key_ready{false};

std::uint64_t& field(ThreadState& state, int which) {
  return which == 0 ? state.alloc_calls : which == 1 ? state.free_calls : state.realloc_calls;
}

// Under g_lock.
void fold(ThreadState& state) {
  for (int which = 0; which < 3; ++which)
    g_shared[which].fetch_add(read_count(field(state, which)), std::memory_order_relaxed);
}

void remove_slot(ThreadState* state) {
  for (std::size_t i = 0; i < kMaxThreads; ++i) {
    if (g_slots[i] == state) {
      g_slots[i] = nullptr;
      --g_registered;
      return;
    }
  }
}

void on_thread_exit(void* value) {
  auto* state = static_cast<ThreadState*>(value);
  SpinGuard guard(g_lock);
  fold(*state);
  remove_slot(state);
  state->registration = Registration::kRetired;  // later calls count into the shared totals
}

bool try_register(ThreadState& state) {
  {
    SpinGuard guard(g_lock);
    if (g_registered == kMaxThreads) return false;
    for (std::size_t n = 0; n < kMaxThreads; ++n) {
      std::size_t i = (g_hint + n) % kMaxThreads;
      if (g_slots[i] == nullptr) {
        g_slots[i] = &state;
        g_hint = i + 1;
        ++g_registered;
        break;
      }
    }
    state.tid = static_cast<std::int32_t>(::syscall(SYS_gettid));
    state.registration = Registration::kOwn;
  }
  // Outside the lock: setspecific may allocate (keys past the first 32).
  if (::pthread_setspecific(g_key, &state) != 0) {
    SpinGuard guard(g_lock);
    fold(state);
    remove_slot(&state);
    state.registration = Registration::kShared;
  }
  return true;
}

}  // namespace

void init_thread_registry() {
  if (::pthread_key_create(&g_key, on_thread_exit) == 0) g_key_ready.store(true, std::memory_order_release);
}

void count_slow(ThreadState& state, int which) noexcept {
  if (state.registration == Registration::kNew && g_key_ready.load(std::memory_order_acquire)) {
    bool was = state.in_hook;
    state.in_hook = true;
    if (!try_register(state)) state.registration = Registration::kShared;
    state.in_hook = was;
  }
  if (state.registration == Registration::kOwn) bump(field(state, which));
  else g_shared[which].fetch_add(1, std::memory_order_relaxed);
}

void total_counts(gops_heap_sampler_counts& out) noexcept {
  SpinGuard guard(g_lock);
  std::uint64_t sums[3];
  for (int which = 0; which < 3; ++which) sums[which] = g_shared[which].load(std::memory_order_relaxed);
  for (ThreadState* state : g_slots) {
    if (!state) continue;
    for (int which = 0; which < 3; ++which) sums[which] += read_count(field(*state, which));
  }
  out.alloc_calls = sums[0];
  out.free_calls = sums[1];
  out.realloc_calls = sums[2];
}

std::size_t thread_counts(gops_heap_sampler_thread* out, std::size_t capacity) noexcept {
  SpinGuard guard(g_lock);
  std::size_t n = 0;
  for (ThreadState* state : g_slots) {
    if (!state) continue;
    if (n < capacity) {
      out[n] = {};
      out[n].tid = state->tid;
      out[n].counts.alloc_calls = read_count(state->alloc_calls);
      out[n].counts.free_calls = read_count(state->free_calls);
      out[n].counts.realloc_calls = read_count(state->realloc_calls);
    }
    ++n;
  }
  return n;
}

std::size_t registered_threads() noexcept {
  SpinGuard guard(g_lock);
  return g_registered;
}

void registry_before_fork() noexcept { g_lock.lock(); }
void registry_after_fork_parent() noexcept { g_lock.unlock(); }

void registry_after_fork_child(ThreadState* survivor) noexcept {
  for (ThreadState*& state : g_slots) {
    if (!state || state == survivor) continue;
    fold(*state);  // the thread is gone; its memory is still mapped in the child
    state = nullptr;
    --g_registered;
  }
  if (survivor && survivor->registration == Registration::kOwn)
    survivor->tid = static_cast<std::int32_t>(::syscall(SYS_gettid));
  g_lock.unlock();
}

}  // namespace gops::heap_sampler
