#include "agent/stack_capture.hpp"

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

#include "agent/realtime_signal.hpp"
#include "agent/unwind.hpp"

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
std::atomic<pid_t> g_pid{0};  // this process, set before each capture: no getpid() per signal
sem_t g_answered;  // posted by the handler that finished the last awaited slot
// Answers still awaited by the current capture. A hint only (a handler of
// an abandoned capture may still count down here): completion is decided
// by scanning the slots, but the requester sleeps until this says so
// instead of waking for every one of a thousand answers.
std::atomic<std::int64_t> g_pending{0};

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
  Slot* slot = info->si_code == SI_QUEUE && info->si_pid == g_pid.load(std::memory_order_relaxed) ? slot_at(index)
                                                                                                  : nullptr;
  std::uint64_t expected = word(generation, kArmed);
  if (slot != nullptr &&
      slot->state.compare_exchange_strong(expected, word(generation, kWriting), std::memory_order_acq_rel)) {
    int depth = unwind_from_signal(context, slot->pcs, kMaxFrames);
    slot->depth = depth;
    slot->state.store(word(generation, kDone), std::memory_order_release);
    if (g_pending.fetch_sub(1, std::memory_order_acq_rel) == 1) ::sem_post(&g_answered);
  }
  errno = saved_errno;
}

// Claimed once and kept (see realtime_signal.hpp).
Result<int> claim_signal() {
  prepare_unwinder();
  return claim_realtime_signal(g_signal, on_capture_signal);
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
  static const uid_t uid = ::getuid();
  pid_t pid = g_pid.load(std::memory_order_relaxed);
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  info.si_signo = sig;
  info.si_code = SI_QUEUE;
  info.si_pid = pid;
  info.si_uid = uid;
  info.si_value.sival_ptr = reinterpret_cast<void*>(static_cast<std::uintptr_t>(generation << 32 | index));
  return static_cast<int>(::syscall(SYS_rt_tgsigqueueinfo, pid, tid, sig, &info));
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
  g_pid.store(::getpid(), std::memory_order_relaxed);
  std::vector<CapturedStack> out(tids.size());
  std::vector<std::int64_t> slot_of(tids.size(), -1);

  // Arm a slot per thread, then signal it. A slot still being written by a
  // handler from an abandoned capture is skipped, not reused.
  ensure_slots(tids.size() + 64);
  std::uint32_t next = 0;
  std::size_t sent = 0;
  std::int64_t to_send = 0;
  for (std::size_t i = 0; i < tids.size(); ++i) to_send += skip.empty() || !skip[i] ? 1 : 0;
  g_pending.store(to_send, std::memory_order_release);
  for (std::size_t i = 0; i < tids.size(); ++i) {
    out[i].tid = tids[i];
    if (!skip.empty() && skip[i]) continue;
    Slot* slot = nullptr;
    while ((slot = slot_at(next)) != nullptr && (slot->state.load() & 3) == kWriting) ++next;
    if (slot == nullptr) {
      g_pending.fetch_sub(1);
      out[i].missing = "no capture slot left";
      continue;
    }
    slot->tid = tids[i];
    slot->depth = 0;
    slot->state.store(word(generation, kArmed), std::memory_order_release);
    if (send_to(tids[i], *sig, next, generation) != 0) {
      slot->state.store(kIdle);
      g_pending.fetch_sub(1);
      out[i].missing = errno == ESRCH ? "thread exited" : std::string("signal failed: ") + std::strerror(errno);
      continue;
    }
    slot_of[i] = next++;
    ++sent;
  }

  // Wait for the answers, up to the deadline.
  auto started = std::chrono::steady_clock::now();
  auto give_up = started + deadline;
  // Threads that cannot answer (signal masked, stopped): abandoned early,
  // once answers stop coming in (on a busy machine a thousand threads take
  // a while to be scheduled: a fixed grace period would ask about each).
  std::vector<bool> asked(tids.size(), false);
  auto abandon_the_silent = [&] {
    for (std::size_t i = 0; i < tids.size(); ++i) {
      if (slot_of[i] < 0 || asked[i]) continue;
      Slot* slot = slot_at(static_cast<std::uint32_t>(slot_of[i]));
      if (slot->state.load(std::memory_order_acquire) != word(generation, kArmed)) continue;
      asked[i] = true;
      std::string why = why_silent(tids[i]);
      if (why.empty()) continue;
      std::uint64_t armed = word(generation, kArmed);
      if (!slot->state.compare_exchange_strong(armed, kIdle)) continue;  // it just answered
      out[i].missing = why;
      slot_of[i] = -1;
      --sent;
      g_pending.fetch_sub(1);
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
  constexpr auto kStall = std::chrono::milliseconds(20);
  std::int64_t last_pending = g_pending.load();
  auto last_progress = started;
  while (true) {
    auto now = std::chrono::steady_clock::now();
    if (now >= give_up) break;
    std::int64_t pending = g_pending.load(std::memory_order_acquire);
    if (pending <= 0 && count_done() >= sent) break;
    if (pending != last_pending) {
      last_pending = pending;
      last_progress = now;
    } else if (now - last_progress >= kStall) {
      abandon_the_silent();
      last_progress = now;
      continue;
    }
    timespec until{};
    ::clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 5 * 1000 * 1000;  // the last answer posts; re-check now and then regardless
    if (until.tv_nsec >= 1000000000) {
      until.tv_sec += 1;
      until.tv_nsec -= 1000000000;
    }
    ::sem_timedwait(&g_answered, &until);
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
