// The C allocation functions, interposed: each forwards to the real
// allocator, then counts the call and asks the sampler. free() first tells
// the sample store (before the address can be handed out again).
//
// Calls made while the sampler itself runs (in_hook) bypass all of this;
// calls made while the real functions are being looked up are served from
// the bootstrap buffer.
#include <malloc.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "heap_sampler/hook_attributes.hpp"
#include "heap_sampler/hooks.hpp"
#include "heap_sampler/real_allocator.hpp"
#include "heap_sampler/sample_store.hpp"
#include "heap_sampler/sampler.hpp"

namespace gops::heap_sampler {
namespace {

enum Call { kAlloc = 0, kFree = 1, kRealloc = 2 };

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

// The aligned forms an allocator may lack, built on posix_memalign.
void* aligned_via_posix(std::size_t alignment, std::size_t size) {
  void* p = nullptr;
  if (alignment < sizeof(void*)) alignment = sizeof(void*);
  int rc = real().posix_memalign(&p, alignment, size);
  if (rc != 0) {
    errno = rc;
    return nullptr;
  }
  return p;
}

void* real_memalign(std::size_t alignment, std::size_t size) {
  if (auto fn = real().memalign) return fn(alignment, size);
  return aligned_via_posix(alignment, size);
}

// in_hook set: the sampler's own call, or one made during the lookup.
void* bypass_alloc(std::size_t size, std::size_t alignment, bool zero) {
  if (resolving_on_this_thread()) return bootstrap_alloc(size, alignment);
  if (zero) return real().calloc(1, size);
  return alignment ? real_memalign(alignment, size) : real().malloc(size);
}

void release(void* p) {
  if (is_bootstrap(p)) return;  // never handed to the real allocator
  real().free(p);
}

GOPS_HS_HOOK_PATH void* malloc_slow(ThreadState& t, std::size_t size) {
  if (t.in_hook) return bypass_alloc(size, 0, false);
  void* p = real().malloc(size);
  count_call(t, kAlloc);
  after_alloc(t, p, size);
  return p;
}

GOPS_HS_HOOK_PATH void free_slow(ThreadState& t, void* ptr) {
  if (t.in_hook) {
    if (ptr) release(ptr);
    return;
  }
  count_call(t, kFree);
  if (ptr == nullptr) return;
  forget(ptr);
  release(ptr);
}

}  // namespace
}  // namespace gops::heap_sampler

using namespace gops::heap_sampler;

extern "C" {

// Fast path: one compare for the thread's state, the sampling countdown
// decided before the call (as Go does), then a tail call into the real
// malloc. Everything else goes out of line.
GOPS_HS_EXPORT_HOOK void* malloc(std::size_t size) {
  ThreadState& t = t_state;
  if (is_plain_call(t) && static_cast<std::int64_t>(size) < t.bytes_until_sample) [[likely]] {
    bump(t.alloc_calls);
    t.bytes_until_sample -= static_cast<std::int64_t>(size);
    return next_malloc()(size);
  }
  return malloc_slow(t, size);
}

// Fast path: the pointer is certainly not sampled (filter) and not from the
// bootstrap buffer; free(nullptr) goes to the real free, which ignores it.
GOPS_HS_EXPORT_HOOK void free(void* ptr) {
  ThreadState& t = t_state;
  if (is_plain_call(t) && !maybe_sampled(ptr) && !is_bootstrap(ptr)) [[likely]] {
    bump(t.free_calls);
    return next_free()(ptr);
  }
  free_slow(t, ptr);
}

GOPS_HS_EXPORT_HOOK void* calloc(std::size_t count, std::size_t size) {
  ThreadState& t = t_state;
  std::size_t bytes = 0;
  if (__builtin_mul_overflow(count, size, &bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  if (t.in_hook) [[unlikely]]
    return bypass_alloc(bytes, 0, true);
  void* p = real().calloc(count, size);
  count_call(t, kAlloc);
  after_alloc(t, p, bytes);
  return p;
}

GOPS_HS_EXPORT_HOOK void* realloc(void* ptr, std::size_t size) {
  ThreadState& t = t_state;
  if (ptr && is_bootstrap(ptr)) [[unlikely]] {
    // Move a bootstrap block into the real allocator (the old one stays).
    void* p = t.in_hook ? bypass_alloc(size, 0, false) : malloc(size);
    if (p) std::memcpy(p, ptr, bootstrap_size(ptr) < size ? bootstrap_size(ptr) : size);
    return p;
  }
  if (t.in_hook) [[unlikely]]
    return real().realloc(ptr, size);
  count_call(t, kRealloc);
  // Forgotten before the call: once realloc returns, the old address may
  // belong to another thread's new block. A failed realloc keeps the block
  // but loses its sample (rare; the estimate absorbs it).
  if (ptr) forget(ptr);
  void* p = real().realloc(ptr, size);
  if (p && size != 0) after_alloc(t, p, size);
  return p;
}

GOPS_HS_EXPORT_HOOK int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
  ThreadState& t = t_state;
  if (t.in_hook) [[unlikely]] {
    if (resolving_on_this_thread()) {
      *out = bootstrap_alloc(size, alignment);
      return *out ? 0 : ENOMEM;
    }
    return real().posix_memalign(out, alignment, size);
  }
  int rc = real().posix_memalign(out, alignment, size);
  count_call(t, kAlloc);
  if (rc == 0) after_alloc(t, *out, size);
  return rc;
}

GOPS_HS_EXPORT_HOOK void* aligned_alloc(std::size_t alignment, std::size_t size) {
  ThreadState& t = t_state;
  if (t.in_hook) [[unlikely]]
    return bypass_alloc(size, alignment, false);
  void* p = real().aligned_alloc ? real().aligned_alloc(alignment, size) : aligned_via_posix(alignment, size);
  count_call(t, kAlloc);
  after_alloc(t, p, size);
  return p;
}

GOPS_HS_EXPORT_HOOK void* memalign(std::size_t alignment, std::size_t size) {
  ThreadState& t = t_state;
  if (t.in_hook) [[unlikely]]
    return bypass_alloc(size, alignment, false);
  void* p = real_memalign(alignment, size);
  count_call(t, kAlloc);
  after_alloc(t, p, size);
  return p;
}

GOPS_HS_EXPORT_HOOK void* valloc(std::size_t size) {
  ThreadState& t = t_state;
  if (t.in_hook) [[unlikely]]
    return bypass_alloc(size, page_size(), false);
  void* p = real().valloc ? real().valloc(size) : aligned_via_posix(page_size(), size);
  count_call(t, kAlloc);
  after_alloc(t, p, size);
  return p;
}

GOPS_HS_EXPORT_HOOK void* pvalloc(std::size_t size) {
  ThreadState& t = t_state;
  std::size_t page = page_size();
  std::size_t rounded = (size + page - 1) / page * page;
  if (rounded < size) {
    errno = ENOMEM;
    return nullptr;
  }
  if (rounded == 0) rounded = page;
  if (t.in_hook) [[unlikely]]
    return bypass_alloc(rounded, page, false);
  void* p = real().pvalloc ? real().pvalloc(size) : aligned_via_posix(page, rounded);
  count_call(t, kAlloc);
  after_alloc(t, p, rounded);
  return p;
}

GOPS_HS_EXPORT_HOOK std::size_t malloc_usable_size(void* ptr) {
  if (ptr == nullptr) return 0;
  if (is_bootstrap(ptr)) return bootstrap_size(ptr);
  auto fn = real().malloc_usable_size;
  return fn ? fn(ptr) : 0;
}

// The aliases need not repeat glibc's attributes on the originals (leaf,
// nothrow, ...): they are only called from new_delete.cpp.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-attributes"
#endif
GOPS_HS_HIDDEN void* gops_heap_sampler_hook_malloc(std::size_t) __attribute__((alias("malloc")));
GOPS_HS_HIDDEN void gops_heap_sampler_hook_free(void*) __attribute__((alias("free")));
GOPS_HS_HIDDEN int gops_heap_sampler_hook_posix_memalign(void**, std::size_t, std::size_t)
    __attribute__((alias("posix_memalign")));
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // extern "C"
