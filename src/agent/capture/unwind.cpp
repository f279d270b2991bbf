#include "agent/capture/unwind.hpp"

#include <dlfcn.h>
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>
#include <ucontext.h>
#include <unwind.h>

#include <atomic>
#include <mutex>

#include "common/private_libunwind.hpp"

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
  const private_libunwind::Functions* unw = private_libunwind::get();
  if (unw == nullptr) return 0;
  unw_cursor_t cursor;
  int depth = 0;
#ifdef GOPS_AGENT_TSAN
  // ThreadSanitizer runs handlers later, at a safe point, with the context
  // saved when the signal arrived: that stack is gone. Unwind from here.
  (void)context;
  unw_context_t here;
  unw->getcontext(&here);
  int init = unw->init_local(&cursor, &here);
  if (init == 0) unw->step(&cursor);  // this handler's own frame
#else
  // Start at the interrupted instruction, not in this handler.
  int init = unw->init_local2(&cursor, static_cast<unw_context_t*>(context), UNW_INIT_SIGNAL_FRAME);
#endif
  if (init == 0) {
    do {
      unw_word_t ip = 0;
      if (unw->get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0) break;
      pcs[depth++] = static_cast<std::uintptr_t>(ip);
    } while (depth < max && unw->step(&cursor) > 0);
  }
  return depth;
}

#ifndef GOPS_AGENT_TSAN
// libgcc's unwinder, looked up in libgcc_s itself: libunwind exports the
// same _Unwind_* names, and in a program that links libunwind (ours is
// loaded privately: common/private_libunwind.hpp) those come first.
using BacktraceFn = _Unwind_Reason_Code (*)(_Unwind_Trace_Fn, void*);
using GetIpInfoFn = _Unwind_Ptr (*)(_Unwind_Context*, int*);
std::atomic<BacktraceFn> gcc_backtrace{nullptr};
std::atomic<GetIpInfoFn> gcc_get_ip_info{nullptr};

// The walk of libgcc's unwinder from inside the handler: its own frames,
// the signal frame, then the interrupted thread's. Collection starts at
// the interrupted instruction.
struct GccWalk {
  std::uintptr_t* pcs;
  int max;
  std::uintptr_t interrupted;
  int depth = 0;
  int passed = 0;  // frames before the interrupted one
};

_Unwind_Reason_Code on_gcc_frame(_Unwind_Context* context, void* arg) {
  constexpr int kHandlerFrames = 6;  // the walk's, the handler's, the signal trampoline, slack
  auto* walk = static_cast<GccWalk*>(arg);
  int before_insn = 0;
  auto ip = static_cast<std::uintptr_t>(gcc_get_ip_info.load(std::memory_order_relaxed)(context, &before_insn));
  if (walk->depth == 0 && ip != walk->interrupted)
    return ++walk->passed > kHandlerFrames ? _URC_END_OF_STACK : _URC_NO_REASON;
  if (ip == 0) return _URC_END_OF_STACK;
  walk->pcs[walk->depth++] = ip;
  return walk->depth < walk->max ? _URC_NO_REASON : _URC_END_OF_STACK;
}

// Looked up once, outside any handler, and walked once here: libgcc sets
// up its register table on its first walk, behind a pthread_once that a
// handler must not be the first to enter.
void find_gcc_unwinder() {
  void* libgcc = ::dlopen("libgcc_s.so.1", RTLD_LAZY | RTLD_NOLOAD);
  if (libgcc == nullptr) return;
  auto backtrace = reinterpret_cast<BacktraceFn>(::dlsym(libgcc, "_Unwind_Backtrace"));
  auto get_ip_info = reinterpret_cast<GetIpInfoFn>(::dlsym(libgcc, "_Unwind_GetIPInfo"));
  if (backtrace == nullptr || get_ip_info == nullptr) return;
  gcc_get_ip_info.store(get_ip_info);
  std::uintptr_t pcs[4];
  GccWalk warm{pcs, 4, 0};
  backtrace(on_gcc_frame, &warm);
  gcc_backtrace.store(backtrace, std::memory_order_release);
}

// Async-signal-safe with glibc 2.35 or later, where libgcc finds each
// frame's unwind info through _dl_find_object: no lock, no system call,
// no memory of its own. (GCC 12's libgcc does lock first if the program
// registered unwind info of its own, as a JIT does: then a thread caught
// registering some would wait on itself, as libunwind's would caught
// inside dlopen.) A frame without unwind info ends the walk there.
// 0 when libgcc's unwinder is not loaded.
int unwind_with_gcc(void* context, std::uintptr_t* pcs, int max) {
  BacktraceFn backtrace = gcc_backtrace.load(std::memory_order_acquire);
  GccWalk walk{pcs, max, interrupted_pc(context)};
  if (backtrace == nullptr || walk.interrupted == 0) return 0;
  backtrace(on_gcc_frame, &walk);
  return walk.depth;
}
#endif

// Async-signal-safe. libunwind's fast path (unw_backtrace: a per-thread
// cache of frame layouts, no syscalls once warm) walks from this handler
// through the signal frame; the frames above the interrupted instruction
// are dropped. When that instruction is not found (no unwind info on the
// way), the careful walk answers instead.
int unwind_interrupted(void* context, std::uintptr_t* pcs, int max) {
#ifndef GOPS_AGENT_TSAN
  constexpr int kHandlerFrames = 4;  // this function, the handler, the signal trampoline, slack
  constexpr int kMaxWalk = 128;
  const private_libunwind::Functions* unw = private_libunwind::get();
  if (unw == nullptr) return unwind_with_gcc(context, pcs, max);
  void* frames[kMaxWalk + kHandlerFrames];
  int n = unw->backtrace(frames, (max < kMaxWalk ? max : kMaxWalk) + kHandlerFrames);
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

void prepare_unwinder() {
  if (const private_libunwind::Functions* unw = private_libunwind::load())
    unw->set_caching_policy(unw->local_addr_space, UNW_CACHE_PER_THREAD);
#ifndef GOPS_AGENT_TSAN
  static std::once_flag once;
  std::call_once(once, find_gcc_unwinder);
#endif
}

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
  if (max <= 0) return 0;
  int depth = 0;
#ifndef GOPS_AGENT_TSAN
  // Stopped at the interrupted instruction (code without unwind info, such
  // as generated code): libunwind's careful walk guesses on from there.
  depth = unwind_with_gcc(context, pcs, max);
  if (depth > 1) return depth;
#endif
  // Without libunwind the careful walk writes nothing: libgcc's one frame
  // stays.
  int careful = unwind_with_cursor(context, pcs, max);
  return careful > 0 ? careful : depth;
}

}  // namespace gops::agent
