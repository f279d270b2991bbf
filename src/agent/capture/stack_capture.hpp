// Capture step of a stack dump (symbolizing is separate: pprof/source_symbolizer.hpp).
// Each thread is interrupted with one real-time signal that the host does
// not use; the handler unwinds its own stack with libunwind into a slot
// preallocated for it, notes its name and whether it was asleep, and then
// sends the signal on to the next threads still waiting for one: the
// wakeups spread over the CPUs the answering threads run on instead of
// all coming from the requester. The requester waits with a deadline: a
// thread that cannot answer (signals blocked, stopped, stuck) is reported
// without a stack instead of holding the dump up.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace gops::agent {

// Why a thread has no stack in a capture.
enum class NoStack : std::uint8_t {
  kNone,               // it has one
  kExited,             // gone since it was listed: nothing to show
  kCannotAnswer,       // known not to answer (detail: "signals blocked", "stopped", "zombie")
  kTimedOut,           // did not answer by the deadline (detail: the deadline)
  kNoSlot,             // more threads than capture slots
  kBadThreadId,        // a TID the signal queue cannot encode
  kSignalFailed,       // the signal could not be sent (detail: why)
  kHandlerUnfinished,  // answered, but did not finish writing its stack
  kUnwindFailed,       // answered with no frames
};

struct NoStackReason {
  NoStack kind = NoStack::kNone;
  std::string detail;
};

// What a dump says for a thread without a stack ("did not answer within
// 1000 ms", "signals blocked", ...).
std::string describe(const NoStackReason& reason);

struct CapturedStack {
  pid_t tid = 0;
  // pcs[0]: where the thread was interrupted; the rest: return addresses.
  std::vector<std::uintptr_t> pcs;
  // As the thread saw itself when it answered (empty and 0 without an
  // answer): its name, and 'S' when the signal woke it from a blocking
  // system call, else 'R'.
  std::string name;
  char state = 0;
  NoStackReason missing;  // why there is no stack, when pcs is empty
};

inline constexpr int kMaxFrames = 64;

// Captures the stacks of `tids` (threads of this process). Serialized: one
// capture at a time. Not async-signal-safe (its handler is, see the .cpp).
// An error only when no signal could be set up at all.
// `why_silent(tid)` is asked once about each thread still silent after a
// short grace period; a thread it gives a reason for (kind not kNone) is
// given up on at once instead of at the deadline.
// `on_stack`, if set, is handed each stack on the requesting thread as it
// comes in, while the other threads are still answering: the requester
// would otherwise only wait, and can symbolize ahead instead. It is called
// between the capture's own checks, so a long call (loading a module's
// debug info) only delays a restart of stalled sends; the time it takes
// is not counted against the deadline.
using StackSeen = std::function<void(const std::uintptr_t* pcs, int depth)>;
Result<std::vector<CapturedStack>> capture_stacks(const std::vector<pid_t>& tids, const std::vector<bool>& skip,
                                                  std::chrono::milliseconds deadline,
                                                  const std::function<NoStackReason(pid_t)>& why_silent,
                                                  const StackSeen& on_stack = {});

// The real-time signal captures use, claimed on first call (a free one:
// SIG_DFL disposition, scanning down from SIGRTMAX) and kept for the
// process's life. Not async-signal-safe.
Result<int> capture_signal();

}  // namespace gops::agent
