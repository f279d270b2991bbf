#include "agent/stack_capture.hpp"

#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <new>
#include <thread>

#if defined(__SANITIZE_THREAD__)
#define GOPS_AGENT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GOPS_AGENT_TSAN 1
#endif
#endif

namespace gops::agent {
namespace {

// A slot's state word: generation << 2 | phase. The generation (one per
// capture) travels in the signal's value, so a signal that arrives late,
// after its capture gave up, finds a different word and leaves.
enum Phase : std::uint64_t { kIdle = 0, kArmed = 1, kWriting = 2, kDone = 3 };

struct Slot {
  std::atomic<std::uint64_t> state{kIdle};
  pid_t tid = 0;
  int depth = 0;
  std::uintptr_t pcs[kMaxFrames];
};

// Slots live in chunks that are allocated outside any handler and never
// freed, so a late handler never touches freed memory.
constexpr int kChunkSlots = 256;
constexpr int kMaxChunks = 64;  // 16384 threads
std::atomic<Slot*> g_chunks[kMaxChunks];
std::atomic<int> g_signal{0};
sem_t g_answered;  // posted by each handler that finished a slot

std::uint64_t word(std::uint64_t generation, Phase phase) { return generation << 2 | phase; }

Slot* slot_at(std::uint32_t index) {
  if (index >= static_cast<std::uint32_t>(kChunkSlots * kMaxChunks)) return nullptr;
  Slot* chunk = g_chunks[index / kChunkSlots].load(std::memory_order_acquire);
  return chunk ? &chunk[index % kChunkSlots] : nullptr;
}

// Async-signal-safe: atomics, libunwind's local unwinder (made for use in
// signal handlers), the slot's preallocated array, sem_post. No malloc, no
// lock that the interrupted code could hold, no stdio.
extern "C" void on_capture_signal(int, siginfo_t* info, void* context) {
  int saved_errno = errno;
  auto value = reinterpret_cast<std::uintptr_t>(info->si_value.sival_ptr);
  auto index = static_cast<std::uint32_t>(value & 0xffffffffu);
  std::uint64_t generation = value >> 32;
  Slot* slot = info->si_code == SI_QUEUE && info->si_pid == ::getpid() ? slot_at(index) : nullptr;
  std::uint64_t expected = word(generation, kArmed);
  if (slot != nullptr &&
      slot->state.compare_exchange_strong(expected, word(generation, kWriting), std::memory_order_acq_rel)) {
    unw_cursor_t cursor;
    int depth = 0;
#ifdef GOPS_AGENT_TSAN
    // ThreadSanitizer runs handlers later, at a safe point, with the context
    // saved when the signal arrived: that stack is gone. Unwind from here.
    (void)context;
    unw_context_t here;
    unw_getcontext(&here);
    int init = unw_init_local(&cursor, &here);
    if (init == 0) unw_step(&cursor);  // this handler's own frame
#else
    // Start at the interrupted instruction, not in this handler.
    int init = unw_init_local2(&cursor, static_cast<unw_context_t*>(context), UNW_INIT_SIGNAL_FRAME);
#endif
    if (init == 0) {
      do {
        unw_word_t ip = 0;
        if (unw_get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0) break;
        slot->pcs[depth++] = static_cast<std::uintptr_t>(ip);
      } while (depth < kMaxFrames && unw_step(&cursor) > 0);
    }
    slot->depth = depth;
    slot->state.store(word(generation, kDone), std::memory_order_release);
    ::sem_post(&g_answered);
  }
  errno = saved_errno;
}

// A real-time signal nobody handles, claimed once and kept: uninstalling
// would let a late signal kill the process with the default action.
Result<int> claim_signal() {
  if (int sig = g_signal.load()) return sig;
  for (int sig = SIGRTMAX; sig >= SIGRTMIN; --sig) {
    struct sigaction current{};
    if (::sigaction(sig, nullptr, &current) != 0) continue;
    if ((current.sa_flags & SA_SIGINFO) || current.sa_handler != SIG_DFL) continue;  // the host's
    struct sigaction ours{};
    ours.sa_sigaction = on_capture_signal;
    ours.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sigfillset(&ours.sa_mask);  // nothing else runs inside the handler
    if (::sigaction(sig, &ours, nullptr) != 0) continue;
    g_signal.store(sig);
    return sig;
  }
  return Error{"no free real-time signal: the program handles all of SIGRTMIN..SIGRTMAX"};
}

bool ensure_slots(std::size_t count) {
  std::size_t chunks = (count + kChunkSlots - 1) / kChunkSlots;
  if (chunks > kMaxChunks) chunks = kMaxChunks;
  for (std::size_t c = 0; c < chunks; ++c) {
    if (g_chunks[c].load()) continue;
    Slot* chunk = new (std::nothrow) Slot[kChunkSlots];
    if (chunk == nullptr) return false;
    g_chunks[c].store(chunk, std::memory_order_release);
  }
  return true;
}

int send_to(pid_t tid, int sig, std::uint32_t index, std::uint64_t generation) {
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  info.si_signo = sig;
  info.si_code = SI_QUEUE;
  info.si_pid = ::getpid();
  info.si_uid = ::getuid();
  info.si_value.sival_ptr = reinterpret_cast<void*>(static_cast<std::uintptr_t>(generation << 32 | index));
  return static_cast<int>(::syscall(SYS_rt_tgsigqueueinfo, ::getpid(), tid, sig, &info));
}

std::mutex g_capture_mutex;
std::uint64_t g_generation = 0;  // guarded by g_capture_mutex

}  // namespace

Result<int> capture_signal() {
  std::lock_guard guard(g_capture_mutex);
  return claim_signal();
}

Result<std::vector<CapturedStack>> capture_stacks(const std::vector<pid_t>& tids, const std::vector<bool>& skip,
                                                  std::chrono::milliseconds deadline,
                                                  const std::function<std::string(pid_t)>& why_silent) {
  std::lock_guard guard(g_capture_mutex);
  static std::once_flag sem_once;
  std::call_once(sem_once, [] { ::sem_init(&g_answered, 0, 0); });
  auto sig = claim_signal();
  if (!sig) return sig.error();
  std::uint64_t generation = ++g_generation & 0xffffffffu;
  std::vector<CapturedStack> out(tids.size());
  std::vector<std::int64_t> slot_of(tids.size(), -1);

  // Arm a slot per thread, then signal it. A slot still being written by a
  // handler from an abandoned capture is skipped, not reused.
  ensure_slots(tids.size() + 64);
  std::uint32_t next = 0;
  std::size_t sent = 0;
  for (std::size_t i = 0; i < tids.size(); ++i) {
    out[i].tid = tids[i];
    if (!skip.empty() && skip[i]) continue;
    Slot* slot = nullptr;
    while ((slot = slot_at(next)) != nullptr && (slot->state.load() & 3) == kWriting) ++next;
    if (slot == nullptr) {
      out[i].missing = "no capture slot left";
      continue;
    }
    slot->tid = tids[i];
    slot->depth = 0;
    slot->state.store(word(generation, kArmed), std::memory_order_release);
    if (send_to(tids[i], *sig, next, generation) != 0) {
      slot->state.store(kIdle);
      out[i].missing = errno == ESRCH ? "thread exited" : std::string("signal failed: ") + std::strerror(errno);
      continue;
    }
    slot_of[i] = next++;
    ++sent;
  }

  // Wait for the answers, up to the deadline.
  auto started = std::chrono::steady_clock::now();
  auto give_up = started + deadline;
  bool asked_why = false;
  // Threads that cannot answer (signal masked, stopped): abandoned early.
  auto abandon_the_silent = [&] {
    asked_why = true;
    for (std::size_t i = 0; i < tids.size(); ++i) {
      if (slot_of[i] < 0) continue;
      Slot* slot = slot_at(static_cast<std::uint32_t>(slot_of[i]));
      if (slot->state.load(std::memory_order_acquire) != word(generation, kArmed)) continue;
      std::string why = why_silent(tids[i]);
      if (why.empty()) continue;
      std::uint64_t armed = word(generation, kArmed);
      if (!slot->state.compare_exchange_strong(armed, kIdle)) continue;  // it just answered
      out[i].missing = why;
      slot_of[i] = -1;
      --sent;
    }
  };
  auto count_done = [&] {
    std::size_t done = 0;
    for (std::size_t i = 0; i < tids.size(); ++i)
      if (slot_of[i] >= 0 && slot_at(static_cast<std::uint32_t>(slot_of[i]))->state.load(std::memory_order_acquire) ==
                                 word(generation, kDone))
        ++done;
    return done;
  };
  std::size_t posts = 0;  // a hint (stale posts of earlier captures count too): scan when it says so
  while (std::chrono::steady_clock::now() < give_up) {
    if (posts >= sent && count_done() >= sent) break;
    if (!asked_why && std::chrono::steady_clock::now() - started > std::chrono::milliseconds(30)) {
      abandon_the_silent();
      continue;
    }
    timespec until{};
    ::clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 20 * 1000 * 1000;  // re-check now and then: posts are counted by scanning
    if (until.tv_nsec >= 1000000000) {
      until.tv_sec += 1;
      until.tv_nsec -= 1000000000;
    }
    if (::sem_timedwait(&g_answered, &until) == 0) {
      ++posts;
    } else if (errno == ETIMEDOUT) {
      posts = sent;  // waited a while: look at the slots themselves
    }
  }

  // Collect; abandon slots that did not answer so a late signal is ignored.
  for (std::size_t i = 0; i < tids.size(); ++i) {
    if (slot_of[i] < 0) continue;
    Slot* slot = slot_at(static_cast<std::uint32_t>(slot_of[i]));
    std::uint64_t armed = word(generation, kArmed);
    if (slot->state.compare_exchange_strong(armed, kIdle)) {
      out[i].missing = "did not answer within " + std::to_string(deadline.count()) + " ms";
      continue;
    }
    // Answering right now: a handler finishes in microseconds.
    for (int spin = 0; spin < 1000 && slot->state.load() == word(generation, kWriting); ++spin)
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    if (slot->state.load(std::memory_order_acquire) != word(generation, kDone)) {
      out[i].missing = "handler did not finish";
      continue;
    }
    out[i].pcs.assign(slot->pcs, slot->pcs + slot->depth);
    slot->state.store(kIdle);
    if (out[i].pcs.empty()) out[i].missing = "unwinding failed";
  }
  // Drain stale posts so the next capture starts from zero (not required
  // for correctness: completion is counted by scanning the slots).
  while (::sem_trywait(&g_answered) == 0) {
  }
  return out;
}

}  // namespace gops::agent
