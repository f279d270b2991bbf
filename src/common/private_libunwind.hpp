// libunwind's local unwinder, loaded with dlopen(RTLD_LOCAL) instead of
// linked, by the libraries that live in other people's programs (the agent
// and the heap sampler).
//
// Why: libunwind.so also defines the C++ ABI's unwinder (_Unwind_Raise-
// Exception, _Unwind_Resume, ...) and glibc's backtrace(), under the same
// names as libgcc_s and glibc. As a DT_NEEDED of ours it comes before
// libgcc_s in the program's search order, and every exception the program
// throws then goes through libunwind's implementation: a throw through ten
// frames took 98 us instead of 1.4 (Debian 12's libunwind 1.6 blocks all
// signals twice a frame). Loaded privately, its names serve only the calls
// made through this table, and the program keeps its own unwinder.
//
// Header-only, each function inline: the agent and the heap sampler are
// separate libraries that a program may link together.
#pragma once

#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <libunwind.h>

#include <atomic>
#include <mutex>

namespace gops::private_libunwind {

struct Functions {
  int (*init_local)(unw_cursor_t*, unw_context_t*) = nullptr;
  int (*init_local2)(unw_cursor_t*, unw_context_t*, int) = nullptr;
  int (*step)(unw_cursor_t*) = nullptr;
  int (*get_reg)(unw_cursor_t*, unw_regnum_t, unw_word_t*) = nullptr;
  int (*getcontext)(unw_context_t*) = nullptr;
  int (*backtrace)(void**, int) = nullptr;
  int (*set_caching_policy)(unw_addr_space_t, unw_caching_policy_t) = nullptr;
  unw_addr_space_t local_addr_space = nullptr;
};

namespace detail {

// The names the header's macros give these functions on this architecture
// (unw_step is _ULx86_64_step on x86-64).
#define GOPS_UNW_NAME2(x) #x
#define GOPS_UNW_NAME(x) GOPS_UNW_NAME2(x)

inline Functions functions;
inline std::atomic<const Functions*> loaded{nullptr};

template <class Fn>
bool find(void* library, const char* name, Fn& fn) {
  fn = reinterpret_cast<Fn>(::dlsym(library, name));
  return fn != nullptr;
}

inline void load_once() {
  // Already in the process (a program that links libunwind itself) or not,
  // RTLD_LOCAL adds nothing to the global scope.
  void* library = ::dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) return;
  Functions& f = functions;
  void* space = ::dlsym(library, GOPS_UNW_NAME(unw_local_addr_space));
  bool all = find(library, GOPS_UNW_NAME(unw_init_local), f.init_local) &&
             find(library, GOPS_UNW_NAME(unw_init_local2), f.init_local2) &&
             find(library, GOPS_UNW_NAME(unw_step), f.step) && find(library, GOPS_UNW_NAME(unw_get_reg), f.get_reg) &&
             find(library, GOPS_UNW_NAME(unw_tdep_getcontext), f.getcontext) &&
             find(library, "unw_backtrace", f.backtrace) &&
             find(library, GOPS_UNW_NAME(unw_set_caching_policy), f.set_caching_policy) && space != nullptr;
  if (!all) return;  // the handle stays: closing a library is never safe to race with a walk
  f.local_addr_space = *static_cast<unw_addr_space_t*>(space);
  loaded.store(&f, std::memory_order_release);
}

#undef GOPS_UNW_NAME
#undef GOPS_UNW_NAME2

}  // namespace detail

// Loads libunwind on the first call. Not async-signal-safe (dlopen): call
// it before any signal handler or hook needs the functions. nullptr when
// libunwind.so.8 is not installed or lacks one of them.
inline const Functions* load() {
  static std::once_flag once;
  std::call_once(once, detail::load_once);
  return detail::loaded.load(std::memory_order_acquire);
}

// What load() found, or nullptr if it has not run or found nothing.
// Async-signal-safe.
inline const Functions* get() { return detail::loaded.load(std::memory_order_acquire); }

}  // namespace gops::private_libunwind
