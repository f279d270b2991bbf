#include "heap_sampler/real_allocator.hpp"

#include "heap_sampler/thread_state.hpp"

#include <dlfcn.h>
#include <sched.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif

#include "heap_sampler/gops_heap_sampler.h"
#include "heap_sampler/tagged_block.hpp"

namespace gops::heap_sampler {
namespace detail {
// dlsym needs a few hundred bytes at most (its error buffer); 64 KiB leaves
// room for whatever a libc version or a preloaded library asks for.
alignas(64) unsigned char g_bootstrap[kBootstrapBytes];
namespace {
void* resolve_then_malloc(std::size_t size) noexcept {
  resolve();
  return g_real.malloc(size);
}
void resolve_then_free(void* ptr) noexcept {
  resolve();
  g_real.free(ptr);
}
}  // namespace
constinit RealAllocator g_real{resolve_then_malloc, resolve_then_free, nullptr, nullptr, nullptr,
                                nullptr,             nullptr,           nullptr, nullptr, nullptr};
std::atomic<bool> g_resolved{false};
}  // namespace detail

namespace {

using detail::g_bootstrap;
using detail::g_real;
using detail::kBootstrapBytes;
std::atomic<std::size_t> g_bootstrap_used{0};
std::atomic<int> g_state{0};  // 0: unresolved, 1: resolving, 2: resolved
constinit thread_local bool t_resolving [[gnu::tls_model("initial-exec")]] = false;

// Each bootstrap block is preceded by its size and the sampled-block mark
// (tagged_block.hpp), so that free() sends it down the slow path.
constexpr std::size_t kHeader = 16;

template <class Fn>
Fn next(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

const void* object_of(const void* fn) {
  Dl_info info{};
  return fn && ::dladdr(fn, &info) ? info.dli_fbase : nullptr;
}

// A function the program's allocator lacks would be found further down the
// search order (jemalloc has no pvalloc: glibc's would answer, with memory
// from another heap). Only the allocator's own functions are kept; the hooks
// build the missing ones on the others.
// Whether sampled blocks can carry a mark (tagged_block.hpp): glibc's
// allocator, and no valgrind tool that checks the reads of its headers
// (GOPS_HEAP_SAMPLE_FREE_CHECK=mark says the tool does not: callgrind).
bool can_tag(const RealAllocator& r) {
  const char* choice = std::getenv(GOPS_HEAP_SAMPLER_FREE_CHECK_ENV);
  if (choice && std::strcmp(choice, "filter") == 0) return false;
  bool asked = choice && std::strcmp(choice, "mark") == 0;
#ifdef RUNNING_ON_VALGRIND
  if (RUNNING_ON_VALGRIND && !asked) return false;
#endif
  // Valgrind's preloaded core, in case the header was missing at build time.
  if (const char* preload = std::getenv("LD_PRELOAD"); !asked && preload && std::strstr(preload, "vgpreload"))
    return false;
  Dl_info info{};
  if (!r.malloc_usable_size || !::dladdr(reinterpret_cast<const void*>(r.malloc), &info) || !info.dli_fname)
    return false;
  const char* slash = std::strrchr(info.dli_fname, '/');
  const char* name = slash ? slash + 1 : info.dli_fname;
  return std::strncmp(name, "libc.so", 7) == 0;
}

template <class Fn>
Fn from_object(const void* object, const char* name) {
  Fn fn = next<Fn>(name);
  return fn && object_of(reinterpret_cast<const void*>(fn)) == object ? fn : nullptr;
}

}  // namespace

void detail::resolve() {
  int expected = 0;
  if (!g_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    while (g_state.load(std::memory_order_acquire) != 2) ::sched_yield();
    return;
  }
  // Calls made by dlsym come back to the hooks: in_hook sends them down the
  // bypass path, which asks resolving_on_this_thread().
  bool was = t_state.in_hook;
  t_state.in_hook = true;
  t_resolving = true;
  RealAllocator r{};
  r.malloc = next<decltype(r.malloc)>("malloc");
  const void* object = object_of(reinterpret_cast<const void*>(r.malloc));
  r.free = from_object<decltype(r.free)>(object, "free");
  r.calloc = from_object<decltype(r.calloc)>(object, "calloc");
  r.realloc = from_object<decltype(r.realloc)>(object, "realloc");
  r.posix_memalign = from_object<decltype(r.posix_memalign)>(object, "posix_memalign");
  r.aligned_alloc = from_object<decltype(r.aligned_alloc)>(object, "aligned_alloc");
  r.memalign = from_object<decltype(r.memalign)>(object, "memalign");
  r.valloc = from_object<decltype(r.valloc)>(object, "valloc");
  // pvalloc is always built on posix_memalign: glibc marks it obsolete and
  // jemalloc, tcmalloc's minimal build and valgrind lack or refuse it.
  r.pvalloc = nullptr;
  r.malloc_usable_size = from_object<decltype(r.malloc_usable_size)>(object, "malloc_usable_size");
  bool tag = can_tag(r);
  t_resolving = false;
  t_state.in_hook = was;
  if (!r.malloc || !r.free || !r.calloc || !r.realloc || !r.posix_memalign) {
    // No allocator behind us (a static executable?): nothing sane to do.
    std::abort();
  }
  // malloc and free are read without synchronisation by the fast paths:
  // each is one atomic store; the others are read after g_resolved.
  RealAllocator rest = r;
  rest.malloc = g_real.malloc;
  rest.free = g_real.free;
  g_real = rest;
  __atomic_store_n(&g_tagging, tag, __ATOMIC_RELAXED);
  __atomic_store_n(&g_real.malloc, r.malloc, __ATOMIC_RELEASE);
  __atomic_store_n(&g_real.free, r.free, __ATOMIC_RELEASE);
  g_state.store(2, std::memory_order_release);
  g_resolved.store(true, std::memory_order_release);
}

bool resolving_on_this_thread() { return t_resolving; }

std::size_t bootstrap_size(const void* p) {
  std::size_t size = 0;
  __builtin_memcpy(&size, static_cast<const unsigned char*>(p) - kHeader, sizeof size);
  return size;
}

void* bootstrap_alloc(std::size_t size, std::size_t alignment) {
  if (alignment < kHeader) alignment = kHeader;
  if (size > kBootstrapBytes || alignment > 4096) return nullptr;
  std::size_t used = g_bootstrap_used.load(std::memory_order_relaxed);
  for (;;) {
    std::size_t start = (used + kHeader + alignment - 1) / alignment * alignment;
    std::size_t end = start + (size + kHeader - 1) / kHeader * kHeader;
    if (end > kBootstrapBytes) return nullptr;
    if (g_bootstrap_used.compare_exchange_weak(used, end, std::memory_order_relaxed)) {
      unsigned char* block = g_bootstrap + start;
      __builtin_memcpy(block - kHeader, &size, sizeof size);
      __builtin_memcpy(block - 8, &kTagWord, sizeof kTagWord);
      return block;  // static storage: already zero, as calloc needs
    }
  }
}

}  // namespace gops::heap_sampler
