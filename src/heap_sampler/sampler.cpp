#include "heap_sampler/sampler.hpp"

#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unwind.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "common/private_libunwind.hpp"
#include "heap_sampler/real_allocator.hpp"
#include "heap_sampler/sample_store.hpp"

// Bounds of the hook section (see hook_attributes.hpp), from the linker.
extern "C" __attribute__((visibility("hidden"))) const char __start_gops_heap_sampler_text[];
extern "C" __attribute__((visibility("hidden"))) const char __stop_gops_heap_sampler_text[];

namespace gops::heap_sampler {

constinit thread_local ThreadState t_state [[gnu::tls_model("initial-exec")]] = {};

namespace {

std::atomic<std::uint64_t> g_rate{kDefaultRate};

// While sampling is off, a thread still looks at the rate again after this
// many bytes, so that switching it on takes effect.
constexpr std::int64_t kOffRecheckBytes = 64 << 20;

std::uint64_t next_random(ThreadState& state) {
  // xorshift64*: enough for drawing intervals, no state beyond 8 bytes.
  std::uint64_t x = state.rng;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  state.rng = x;
  return x * 0x2545F4914F6CDD1Dull;
}

void seed(ThreadState& state) {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  std::uint64_t s = reinterpret_cast<std::uintptr_t>(&state) ^ (static_cast<std::uint64_t>(now.tv_nsec) << 20) ^
                    static_cast<std::uint64_t>(now.tv_sec);
  s = (s ^ (s >> 33)) * 0xff51afd7ed558ccdull;
  state.rng = s ? s : 0x9E3779B97F4A7C15ull;
}

// Exponentially distributed with mean `rate`: -ln(U) * rate, U in (0, 1].
std::int64_t next_interval(ThreadState& state, std::uint64_t rate) {
  if (rate == 0) return kOffRecheckBytes;
  double u = static_cast<double>((next_random(state) >> 11) + 1) * 0x1.0p-53;
  double bytes = -std::log(u) * static_cast<double>(rate);
  if (bytes > 0x1.0p62) return std::int64_t{1} << 62;
  return static_cast<std::int64_t>(bytes);
}

bool in_hook_section(std::uintptr_t pc) {
  return pc >= reinterpret_cast<std::uintptr_t>(__start_gops_heap_sampler_text) &&
         pc < reinterpret_cast<std::uintptr_t>(__stop_gops_heap_sampler_text);
}

// fork() must not happen while a thread is inside libunwind: Debian's
// libunwind keeps one cache for the process (it turns a per-thread policy
// into the global one) behind a mutex, and a child that inherits it locked
// hangs at its first sample. Captures in flight are counted; the fork
// prepare handler raises a flag and waits for the count to drain.
std::atomic<int> g_captures_in_flight{0};
std::atomic<bool> g_fork_pending{false};

void enter_capture() {
  for (;;) {
    while (g_fork_pending.load()) ::sched_yield();
    g_captures_in_flight.fetch_add(1);
    if (!g_fork_pending.load()) return;
    g_captures_in_flight.fetch_sub(1);
  }
}

void wait_out_captures() {
  g_fork_pending.store(true);
  while (g_captures_in_flight.load() != 0) ::sched_yield();
}

// Where libunwind is not installed: libgcc's unwinder (no cache, no lock
// with glibc's _dl_find_object), called from our own section so that its
// frame is dropped with ours.
struct GccTrace {
  void** out;
  int max;
  int n = 0;
};

_Unwind_Reason_Code on_gcc_frame(_Unwind_Context* context, void* arg) {
  auto* trace = static_cast<GccTrace*>(arg);
  if (trace->n >= trace->max) return _URC_END_OF_STACK;
  trace->out[trace->n++] = reinterpret_cast<void*>(_Unwind_GetIP(context));
  return _URC_NO_REASON;
}

GOPS_HS_HOOK_PATH int gcc_backtrace(void** out, int max) {
  GccTrace trace{out, max};
  _Unwind_Backtrace(on_gcc_frame, &trace);
  return trace.n;
}

// The program's stack at the allocation, leaf first, without our frames.
GOPS_HS_HOOK_PATH std::uint32_t capture(std::uintptr_t* out) {
  constexpr int kSlack = 8;  // our own frames, dropped below
  void* raw[GOPS_HEAP_SAMPLER_MAX_FRAMES + kSlack];
  const private_libunwind::Functions* unw = private_libunwind::get();
  int n = 0;
  int first = 0;
  if (unw != nullptr) {
    enter_capture();
    n = unw->backtrace(raw, GOPS_HEAP_SAMPLER_MAX_FRAMES + kSlack);
    g_captures_in_flight.fetch_sub(1);
  } else {
    n = gcc_backtrace(raw, GOPS_HEAP_SAMPLER_MAX_FRAMES + kSlack);
    // libgcc's own frames, should it report any before ours.
    while (first < n && !in_hook_section(reinterpret_cast<std::uintptr_t>(raw[first]))) ++first;
  }
  while (first < n && in_hook_section(reinterpret_cast<std::uintptr_t>(raw[first]))) ++first;
  std::uint32_t depth = 0;
  for (int i = first; i < n && depth < GOPS_HEAP_SAMPLER_MAX_FRAMES; ++i)
    out[depth++] = reinterpret_cast<std::uintptr_t>(raw[i]);
  return depth;
}

}  // namespace

GOPS_HS_HOOK_PATH bool reach_sampling_point(ThreadState& state, std::size_t size) noexcept {
  std::uint64_t rate = g_rate.load(std::memory_order_relaxed);
  auto request = static_cast<std::int64_t>(size);
  if (state.rng == 0) {
    // First call on this thread: start its first interval here.
    seed(state);
    state.bytes_until_sample = next_interval(state, rate);
    if (request < state.bytes_until_sample) {
      state.bytes_until_sample -= request;
      return false;
    }
  }
  state.bytes_until_sample = next_interval(state, rate);
  return rate != 0;
}

GOPS_HS_HOOK_PATH void record_allocation(ThreadState& state, void* ptr, std::size_t size) noexcept {
  if (state.in_hook || ptr == nullptr) return;
  state.in_hook = true;
  std::uintptr_t pcs[GOPS_HEAP_SAMPLER_MAX_FRAMES];
  std::uint32_t depth = capture(pcs);
  record_sample(ptr, size, pcs, depth);
  state.in_hook = false;
}

std::uint64_t sampling_rate() noexcept { return g_rate.load(std::memory_order_relaxed); }
void set_sampling_rate(std::uint64_t bytes) noexcept {
  g_rate.store(bytes, std::memory_order_relaxed);
  // The caller's own next interval follows the new rate at once (other
  // threads pick it up at their next sample).
  if (t_state.rng != 0) t_state.bytes_until_sample = next_interval(t_state, bytes);
}

namespace {

void before_fork() {
  // A prepare handler registered after ours runs after it, with our locks
  // held: its allocations must not try to sample.
  t_state.in_hook = true;
  wait_out_captures();
  store_before_fork();
  registry_before_fork();
}
void after_fork_parent() {
  registry_after_fork_parent();
  store_after_fork();
  g_fork_pending.store(false);
  t_state.in_hook = false;
}
void after_fork_child() {
  registry_after_fork_child(&t_state);
  store_after_fork();
  g_captures_in_flight.store(0);  // only this thread exists, and it was not capturing
  g_fork_pending.store(false);
  t_state.in_hook = false;
}

std::uint64_t rate_from_env() {
  const char* text = std::getenv(GOPS_HEAP_SAMPLER_RATE_ENV);
  if (!text || !*text) return kDefaultRate;
  char* end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || *text == '-') return kDefaultRate;  // not a plain number: keep the default
  return value;
}

// Runs when the library is loaded (before main for a linked or preloaded
// sampler). The hooks work before this too: nothing here is needed for them
// to be correct.
__attribute__((constructor)) void init_sampler() {
  bool was = t_state.in_hook;
  t_state.in_hook = true;
  (void)real();
  set_sampling_rate(rate_from_env());
  init_thread_registry();
  ::pthread_atfork(before_fork, after_fork_parent, after_fork_child);
  // libunwind loaded now (privately: common/private_libunwind.hpp), not
  // inside the first sampled allocation. A cache per thread needs no lock
  // where libunwind supports it (Debian's 1.6 turns this into the global
  // cache: see enter_capture for fork).
  // Either unwinder set up now, before a sample needs it.
  void* frame[1];
  if (const private_libunwind::Functions* unw = private_libunwind::load()) {
    unw->set_caching_policy(unw->local_addr_space, UNW_CACHE_PER_THREAD);
    unw->backtrace(frame, 1);
  } else {
    gcc_backtrace(frame, 1);
  }
  t_state.in_hook = was;
}

}  // namespace
}  // namespace gops::heap_sampler
