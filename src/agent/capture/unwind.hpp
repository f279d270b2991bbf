// Stack walks from inside a signal handler, shared by the stack dump, the
// CPU profiler and the tracer. Async-signal-safe: libunwind's local
// unwinder (made for signal handlers) or libgcc's (lock-free with glibc
// 2.35's _dl_find_object), the caller's preallocated array, no
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
// Async-signal-safe. For threads walked again and again (profiles,
// traces): libunwind's fast path keeps a cache of frame layouts in each
// thread it walks, 256 KiB mapped and cleared on the thread's first walk and
// kept until the thread exits.
int unwind_from_signal(void* context, std::uintptr_t* pcs, int max);

// The same walk without that cache, for a one-off look at every thread (a
// stack dump): a dump of 1000 threads through the cache took 2 s on its
// first run, nearly all of it clearing 1000 new caches (64 page faults
// each), and left the program 260 MB larger. libgcc's unwinder walks
// here, with no cache and no system call; libunwind's careful walk
// (global lock and two sigprocmask calls a frame in Debian's 1.6: 19 000
// system calls for a dump of 1000 threads) is kept for where libgcc's is
// not loaded or stops at the interrupted instruction. Async-signal-safe.
int unwind_once_from_signal(void* context, std::uintptr_t* pcs, int max);

// Whether the signal interrupted a system call that was blocked (the
// kernel restarts it or fails it with EINTR), i.e. the thread slept until
// this signal woke it. x86-64 only (elsewhere false). Async-signal-safe.
bool interrupted_blocking_syscall(void* context);

}  // namespace gops::agent
