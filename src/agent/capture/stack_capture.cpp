#include "common/errno_text.hpp"
#include "agent/capture/stack_capture.hpp"

#include <semaphore.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <new>
#include <thread>

#include "agent/capture/realtime_signal.hpp"
#include "agent/capture/unwind.hpp"

namespace gops::agent {
namespace {

// A slot's state word: generation << 3 | phase. The generation (one per
// capture) travels in the signal's value, so a signal that arrives late,
// after its capture gave up, finds a different word and leaves.
enum Phase : std::uint64_t { kIdle = 0, kArmed = 1, kWriting = 2, kDone = 3, kSendFailed = 4 };
constexpr std::uint64_t kGenerationMask = (1u << 28) - 1;  // what a send entry has room for

struct Slot {
  std::atomic<std::uint64_t> state{kIdle};
  pid_t tid = 0;
  int depth = 0;
  std::atomic<int> send_errno{0};  // set by whoever's send failed (kSendFailed)
  char run_state = 0;
  char name[16];  // comm: at most 15 bytes and a NUL
  std::uintptr_t pcs[kMaxFrames];
};

// Slots live in chunks that are allocated outside any handler and never
// freed, so a late handler never touches freed memory.
constexpr int kChunkSlots = 256;
constexpr int kMaxChunks = 64;  // 16384 threads
constexpr std::uint32_t kMaxSlots = kChunkSlots * kMaxChunks;
std::atomic<Slot*> g_chunks[kMaxChunks];
std::atomic<int> g_signal{0};
std::atomic<pid_t> g_pid{0};  // this process, set before each capture: no getpid() per signal
std::atomic<uid_t> g_uid{0};
sem_t g_answered;  // posted by the handler that finished the last awaited slot
// Answers still awaited by the current capture. A hint only (a handler of
// an abandoned capture may still count down here): completion is decided
// by scanning the slots, but the requester sleeps until this says so
// instead of waking for every one of a thousand answers.
std::atomic<std::int64_t> g_pending{0};

// The signals the current capture still has to send, taken in order by the
// requester and by every handler that has answered. Entry i packs
// generation (28 bits) << 36 | tid (22 bits: pid_max is at most 2^22) <<
// 14 | slot index (14 bits), written whole, so a handler of an earlier
// capture reading it finds another generation instead of a torn pair.
std::atomic<std::uint64_t> g_sends[kMaxSlots];
// generation << 36 | entries (18 bits) << 18 | next entry to take (18 bits)
std::atomic<std::uint64_t> g_send_cursor{0};
constexpr std::uint64_t kField18 = (1u << 18) - 1;
constexpr std::uint64_t kField22 = (1u << 22) - 1;
constexpr std::uint64_t kField14 = (1u << 14) - 1;
static_assert(kMaxSlots <= kField14 + 1, "slot index must fit its field");

std::uint64_t word(std::uint64_t generation, Phase phase) { return generation << 3 | phase; }

Slot* slot_at(std::uint32_t index) {
  if (index >= kMaxSlots) return nullptr;
  Slot* chunk = g_chunks[index / kChunkSlots].load(std::memory_order_acquire);
  return chunk ? &chunk[index % kChunkSlots] : nullptr;
}

// Async-signal-safe.
int send_to(pid_t tid, int sig, std::uint32_t index, std::uint64_t generation) {
  pid_t pid = g_pid.load(std::memory_order_relaxed);
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  info.si_signo = sig;
  info.si_code = SI_QUEUE;
  info.si_pid = pid;
  info.si_uid = g_uid.load(std::memory_order_relaxed);
  info.si_value.sival_ptr = reinterpret_cast<void*>(static_cast<std::uintptr_t>(generation << 32 | index));
  return static_cast<int>(::syscall(SYS_rt_tgsigqueueinfo, pid, tid, sig, &info));
}

// Ends a slot that was not answered; true if this call ended it (the
// slot was still armed), and then the pending count is ours to lower.
bool end_unanswered(Slot* slot, std::uint64_t generation, Phase phase) {
  std::uint64_t armed = word(generation, kArmed);
  return slot->state.compare_exchange_strong(armed, word(generation, phase), std::memory_order_acq_rel);
}

void count_answer() {
  if (g_pending.fetch_sub(1, std::memory_order_acq_rel) == 1) ::sem_post(&g_answered);
}

// Takes the next entry of `generation`'s send queue and sends its signal;
// false when the queue is empty or belongs to another capture. Entries
// whose slot is no longer armed (given up on) are passed over.
// Async-signal-safe: atomics and one system call.
bool send_next(std::uint64_t generation) {
  int sig = g_signal.load(std::memory_order_relaxed);
  std::uint64_t cursor = g_send_cursor.load(std::memory_order_acquire);
  for (;;) {
    if ((cursor >> 36) != generation || (cursor & kField18) >= ((cursor >> 18) & kField18)) return false;
    if (!g_send_cursor.compare_exchange_weak(cursor, cursor + 1, std::memory_order_acq_rel)) continue;
    std::uint64_t entry = g_sends[cursor & kField18].load(std::memory_order_acquire);
    cursor = g_send_cursor.load(std::memory_order_acquire);
    if ((entry >> 36) != generation) continue;
    auto tid = static_cast<pid_t>((entry >> 14) & kField22);
    auto index = static_cast<std::uint32_t>(entry & kField14);
    Slot* slot = slot_at(index);
    if (slot == nullptr || slot->state.load(std::memory_order_acquire) != word(generation, kArmed)) continue;
    if (send_to(tid, sig, index, generation) == 0) return true;
    slot->send_errno.store(errno, std::memory_order_relaxed);
    if (end_unanswered(slot, generation, kSendFailed)) count_answer();
  }
}

// Signals each answer sends on. A send costs about as much CPU as an
// answer (the wakeup); two per answer keep every CPU supplied with woken
// threads, so each switches straight to the next instead of being
// preempted by the one it woke or leaving its CPU idle (measured on 2
// CPUs: 1.05 runs per thread with two, 1.3 with one).
constexpr int kPassOn = 2;

// Async-signal-safe: atomics, libunwind's local unwinder (made for use in
// signal handlers), the slot's preallocated array, prctl, the signals sent
// on, sem_post. No malloc, no lock that the interrupted code could hold,
// no stdio.
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
    slot->depth = unwind_once_from_signal(context, slot->pcs, kMaxFrames);
    // Asleep in a system call until this signal came: what /proc would
    // have called 'S'; interrupted anywhere else, it was running.
    slot->run_state = interrupted_blocking_syscall(context) ? 'S' : 'R';
    slot->name[0] = '\0';
    ::prctl(PR_GET_NAME, slot->name, 0, 0, 0);
    slot->name[sizeof slot->name - 1] = '\0';
    slot->state.store(word(generation, kDone), std::memory_order_release);
    for (int i = 0; i < kPassOn; ++i) send_next(generation);
    count_answer();
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

timespec realtime_in(std::chrono::microseconds from_now) {
  timespec until{};
  ::clock_gettime(CLOCK_REALTIME, &until);
  auto ns = static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(from_now).count());
  until.tv_sec += ns / 1000000000;
  until.tv_nsec += ns % 1000000000;
  if (until.tv_nsec >= 1000000000) {
    until.tv_sec += 1;
    until.tv_nsec -= 1000000000;
  }
  return until;
}

std::mutex g_capture_mutex;
std::uint64_t g_generation = 0;  // guarded by g_capture_mutex

}  // namespace

Result<int> capture_signal() {
  std::lock_guard guard(g_capture_mutex);
  return claim_signal();
}

std::string describe(const NoStackReason& reason) {
  switch (reason.kind) {
    case NoStack::kNone: return {};
    case NoStack::kExited: return "thread exited";
    case NoStack::kCannotAnswer: return reason.detail;
    case NoStack::kTimedOut: return "did not answer within " + reason.detail;
    case NoStack::kNoSlot: return "no capture slot left";
    case NoStack::kBadThreadId: return "thread id out of range";
    case NoStack::kSignalFailed: return "signal failed: " + reason.detail;
    case NoStack::kHandlerUnfinished: return "handler did not finish";
    case NoStack::kUnwindFailed: return "unwinding failed";
  }
  return {};
}

Result<std::vector<CapturedStack>> capture_stacks(const std::vector<pid_t>& tids, const std::vector<bool>& skip,
                                                  std::chrono::milliseconds deadline,
                                                  const std::function<NoStackReason(pid_t)>& why_silent,
                                                  const StackSeen& on_stack) {
  std::lock_guard guard(g_capture_mutex);
  static std::once_flag sem_once;
  std::call_once(sem_once, [] { ::sem_init(&g_answered, 0, 0); });
  auto sig = claim_signal();
  if (!sig) return sig.error();
  std::uint64_t generation = ++g_generation & kGenerationMask;
  g_pid.store(::getpid(), std::memory_order_relaxed);
  g_uid.store(::getuid(), std::memory_order_relaxed);
  std::vector<CapturedStack> out(tids.size());
  std::vector<std::int64_t> slot_of(tids.size(), -1);

  // Arm a slot per thread and queue its signal. A slot still being written
  // by a handler from an abandoned capture is skipped, not reused. The
  // queue opens under the new generation only once every entry is written.
  ensure_slots(tids.size() + 64);
  g_send_cursor.store(generation << 36, std::memory_order_release);
  std::uint32_t next = 0;
  std::uint32_t queued = 0;
  for (std::size_t i = 0; i < tids.size(); ++i) {
    out[i].tid = tids[i];
    if (!skip.empty() && skip[i]) continue;
    Slot* slot = nullptr;
    while ((slot = slot_at(next)) != nullptr && (slot->state.load() & 7) == kWriting) ++next;
    if (slot == nullptr) {
      out[i].missing = {NoStack::kNoSlot, {}};
      continue;
    }
    if (tids[i] <= 0 || static_cast<std::uint64_t>(tids[i]) > kField22) {
      out[i].missing = {NoStack::kBadThreadId, {}};
      continue;
    }
    slot->tid = tids[i];
    slot->depth = 0;
    slot->run_state = 0;
    slot->state.store(word(generation, kArmed), std::memory_order_release);
    g_sends[queued++].store(generation << 36 | static_cast<std::uint64_t>(tids[i]) << 14 | next,
                            std::memory_order_relaxed);
    slot_of[i] = next++;
  }
  g_pending.store(queued, std::memory_order_release);
  g_send_cursor.store(generation << 36 | static_cast<std::uint64_t>(queued) << 18, std::memory_order_release);

  // Start the sends: each answer sends the next ones, so a few seeds keep
  // the CPUs busy. A thread that does not answer ends its chain: when the
  // queue stops moving, the requester sends more itself, twice as many
  // each time it has to.
  auto started = std::chrono::steady_clock::now();
  auto give_up = started + deadline;
  constexpr int kSeeds = 2;
  for (int s = 0; s < kSeeds; ++s) send_next(generation);
  auto cursor_taken = [] { return g_send_cursor.load(std::memory_order_acquire) & kField18; };
  std::uint64_t last_taken = cursor_taken();
  auto last_taken_change = started;
  int restart_batch = 4;
  constexpr auto kSendStall = std::chrono::microseconds(500);

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
      NoStackReason why = why_silent(tids[i]);
      if (why.kind == NoStack::kNone) continue;
      if (!end_unanswered(slot, generation, kIdle)) continue;  // it just answered
      out[i].missing = std::move(why);
      slot_of[i] = -1;
      g_pending.fetch_sub(1);
    }
  };
  auto all_ended = [&] {
    for (std::size_t i = 0; i < tids.size(); ++i) {
      if (slot_of[i] < 0) continue;
      std::uint64_t state = slot_at(static_cast<std::uint32_t>(slot_of[i]))->state.load(std::memory_order_acquire);
      if (state == word(generation, kArmed) || state == word(generation, kWriting)) return false;
    }
    return true;
  };
  // The answers handed to on_stack so far: those of the threads before
  // this index. Answers come in about the order of the queue, so the scan
  // waits at the first thread still to answer. A share of the requester's
  // time at a time, then back to the checks above.
  std::size_t handed = 0;
  constexpr auto kHandOverSlice = std::chrono::milliseconds(2);
  auto hand_over_answers = [&] {
    bool any = false;
    auto slice_end = std::chrono::steady_clock::now() + kHandOverSlice;
    for (; handed < tids.size(); ++handed) {
      if (slot_of[handed] < 0) continue;
      Slot* slot = slot_at(static_cast<std::uint32_t>(slot_of[handed]));
      std::uint64_t state = slot->state.load(std::memory_order_acquire);
      if (state == word(generation, kArmed) || state == word(generation, kWriting)) break;
      if (state != word(generation, kDone)) continue;
      on_stack(slot->pcs, slot->depth);  // a done slot is not written again in this capture
      any = true;
      if (std::chrono::steady_clock::now() >= slice_end) {
        ++handed;
        break;
      }
    }
    return any;
  };
  constexpr auto kStall = std::chrono::milliseconds(20);
  std::int64_t last_pending = g_pending.load();
  auto last_progress = started;
  while (true) {
    auto now = std::chrono::steady_clock::now();
    if (now >= give_up) break;
    std::int64_t pending = g_pending.load(std::memory_order_acquire);
    if (pending <= 0 && all_ended()) break;
    bool queue_open = cursor_taken() < queued;
    if (queue_open) {
      if (std::uint64_t taken = cursor_taken(); taken != last_taken) {
        last_taken = taken;
        last_taken_change = now;
        restart_batch = 4;
      } else if (now - last_taken_change >= kSendStall) {
        for (int s = 0; s < restart_batch; ++s) send_next(generation);
        restart_batch = restart_batch < 256 ? restart_batch * 2 : restart_batch;
        last_taken = cursor_taken();
        last_taken_change = now;
      }
    }
    if (pending != last_pending) {
      last_pending = pending;
      last_progress = now;
    } else if (now - last_progress >= kStall) {
      abandon_the_silent();
      last_progress = now;
      continue;
    }
    if (on_stack) {
      // The deadline is the threads' time to answer, counted while this
      // thread waits for them: symbolizing ahead must not use it up, or a
      // thread that cannot answer would reach it before being asked why.
      auto busy_from = std::chrono::steady_clock::now();
      bool gave = hand_over_answers();
      give_up += std::chrono::steady_clock::now() - busy_from;
      if (gave) continue;
    }
    // The last answer posts; re-check now and then regardless (sooner
    // while signals are still to be sent).
    timespec until = realtime_in(queue_open ? kSendStall : std::chrono::microseconds(5000));
    ::sem_timedwait(&g_answered, &until);
  }
  // Close the queue: a late handler sends nothing more for this capture.
  g_send_cursor.store(0, std::memory_order_release);

  // Collect; abandon slots that did not answer so a late signal is ignored.
  for (std::size_t i = 0; i < tids.size(); ++i) {
    if (slot_of[i] < 0) continue;
    Slot* slot = slot_at(static_cast<std::uint32_t>(slot_of[i]));
    if (end_unanswered(slot, generation, kIdle)) {
      out[i].missing = {NoStack::kTimedOut, std::to_string(deadline.count()) + " ms"};
      continue;
    }
    if (slot->state.load(std::memory_order_acquire) == word(generation, kSendFailed)) {
      int err = slot->send_errno.load(std::memory_order_relaxed);
      out[i].missing = err == ESRCH ? NoStackReason{NoStack::kExited, {}} : NoStackReason{NoStack::kSignalFailed, errno_text(err)};
      slot->state.store(kIdle);
      continue;
    }
    // Answering right now: a handler finishes in microseconds.
    for (int spin = 0; spin < 1000 && slot->state.load() == word(generation, kWriting); ++spin)
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    if (slot->state.load(std::memory_order_acquire) != word(generation, kDone)) {
      out[i].missing = {NoStack::kHandlerUnfinished, {}};
      continue;
    }
    out[i].pcs.assign(slot->pcs, slot->pcs + slot->depth);
    out[i].name = slot->name;
    out[i].state = slot->run_state;
    slot->state.store(kIdle);
    if (out[i].pcs.empty()) out[i].missing = {NoStack::kUnwindFailed, {}};
  }
  // Drain stale posts so the next capture starts from zero (not required
  // for correctness: completion is decided by scanning the slots).
  while (::sem_trywait(&g_answered) == 0) {
  }
  return out;
}

}  // namespace gops::agent
