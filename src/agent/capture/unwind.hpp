// Stack walks from inside a signal handler, shared by the stack dump, the
// CPU profiler and the tracer. Async-signal-safe: libunwind's local
// unwinder (made for signal handlers), the caller's preallocated array, no
// allocation, no locks the interrupted code could hold.
#pragma once

#include <cstdint>

namespace gops::agent {

// Call once, outside any handler, before the first walk: libunwind's
// global cache takes a lock and blocks all signals around it on every step
// (two sigprocmask calls a frame); a cache per thread needs neither. Asked
// for, not promised: a libunwind built without __thread support (Debian's
// 1.6) keeps the global cache. The cached fast path (unw_backtrace) steps
// only on frames it has not seen, so after the first dumps it rarely locks.
void prepare_unwinder();

// Fills `pcs` with the interrupted thread's stack, leaf first: pcs[0] is
// the interrupted instruction (from the handler's `context`, its third
// argument), the rest are return addresses. Returns the depth (<= max).
// Async-signal-safe.
int unwind_from_signal(void* context, std::uintptr_t* pcs, int max);

// Whether the signal interrupted a system call that was blocked (the
// kernel restarts it or fails it with EINTR), i.e. the thread slept until
// this signal woke it. x86-64 only (elsewhere false). Async-signal-safe.
bool interrupted_blocking_syscall(void* context);

}  // namespace gops::agent
