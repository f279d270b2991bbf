#include "agent/capture/unwind.hpp"

#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>
#include <ucontext.h>

#if defined(__SANITIZE_THREAD__)
#define GOPS_AGENT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GOPS_AGENT_TSAN 1
#endif
#endif

namespace gops::agent {
namespace {

// The interrupted instruction, from the signal's saved context.
[[maybe_unused]] std::uintptr_t interrupted_pc(void* context) {
  const auto* uc = static_cast<const ucontext_t*>(context);
#if defined(__x86_64__)
  return static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  return static_cast<std::uintptr_t>(uc->uc_mcontext.pc);
#else
  (void)uc;
  return 0;
#endif
}

// Async-signal-safe. The slow, careful walk from the saved context:
// libunwind steps with its full machinery (and, past frames without unwind
// info, validates every address with syscalls).
int unwind_with_cursor(void* context, std::uintptr_t* pcs, int max) {
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
      pcs[depth++] = static_cast<std::uintptr_t>(ip);
    } while (depth < max && unw_step(&cursor) > 0);
  }
  return depth;
}

// Async-signal-safe. libunwind's fast path (unw_backtrace: a per-thread
// cache of frame layouts, no syscalls once warm) walks from this handler
// through the signal frame; the frames above the interrupted instruction
// are dropped. When that instruction is not found (no unwind info on the
// way), the careful walk answers instead.
int unwind_interrupted(void* context, std::uintptr_t* pcs, int max) {
#ifndef GOPS_AGENT_TSAN
  constexpr int kHandlerFrames = 4;  // this function, the handler, the signal trampoline, slack
  constexpr int kMaxWalk = 128;
  void* frames[kMaxWalk + kHandlerFrames];
  int n = unw_backtrace(frames, (max < kMaxWalk ? max : kMaxWalk) + kHandlerFrames);
  std::uintptr_t pc = interrupted_pc(context);
  for (int i = 0; pc != 0 && i < n && i <= kHandlerFrames; ++i) {
    if (reinterpret_cast<std::uintptr_t>(frames[i]) != pc) continue;
    int depth = 0;
    for (int j = i; j < n && depth < max; ++j) pcs[depth++] = reinterpret_cast<std::uintptr_t>(frames[j]);
    return depth;
  }
#endif
  return unwind_with_cursor(context, pcs, max);
}

}  // namespace

void prepare_unwinder() { unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD); }

bool interrupted_blocking_syscall(void* context) {
#if defined(__x86_64__)
  const auto* uc = static_cast<const ucontext_t*>(context);
  auto pc = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  auto result = static_cast<long long>(uc->uc_mcontext.gregs[REG_RAX]);
  if (pc == 0) return false;
  const auto* at = reinterpret_cast<const unsigned char*>(pc);
  // A restarted call: the kernel moved the pc back onto the `syscall`
  // instruction (0f 05). The pc is where the thread resumes, so at[0] is
  // mapped, and an 0f opcode continues into at[1].
  if (at[0] == 0x0f && at[1] == 0x05) return true;
  // A failed one: just after the instruction, with -EINTR. The two bytes
  // before the pc are read directly only within the pc's page: when the
  // thread did not come from a syscall, the page before may be unmapped.
  constexpr long long kEintr = 4;
  if (result != -kEintr) return false;
  unsigned char before[2] = {0, 0};
  if ((pc & 0xfff) >= 2) {
    before[0] = at[-2];
    before[1] = at[-1];
  } else {
    iovec local{before, sizeof before};
    iovec remote{reinterpret_cast<void*>(pc - 2), sizeof before};
    if (::process_vm_readv(::getpid(), &local, 1, &remote, 1, 0) != 2) return false;
  }
  return before[0] == 0x0f && before[1] == 0x05;
#else
  (void)context;
  return false;
#endif
}

int unwind_from_signal(void* context, std::uintptr_t* pcs, int max) {
  return max > 0 ? unwind_interrupted(context, pcs, max) : 0;
}

int unwind_once_from_signal(void* context, std::uintptr_t* pcs, int max) {
  return max > 0 ? unwind_with_cursor(context, pcs, max) : 0;
}

}  // namespace gops::agent
