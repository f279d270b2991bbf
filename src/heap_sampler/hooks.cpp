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
#include <new>

#include "heap_sampler/hook_attributes.hpp"
#include "heap_sampler/hooks.hpp"
#include "heap_sampler/real_allocator.hpp"
#include "heap_sampler/sample_store.hpp"
#include "heap_sampler/sampler.hpp"
#include "heap_sampler/tagged_block.hpp"

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

// A block straight from the real allocator, aligned if asked, zeroed if asked.
void* plain_alloc(std::size_t size, std::size_t alignment, bool zero) {
  if (zero) return real().calloc(1, size);
  return alignment ? real_memalign(alignment, size) : real().malloc(size);
}

// in_hook set: the sampler's own call, or one made during the lookup.
void* bypass_alloc(std::size_t size, std::size_t alignment, bool zero) {
  if (resolving_on_this_thread()) return bootstrap_alloc(size, alignment);
  return plain_alloc(size, alignment, zero);
}

// A block the sampler takes: marked where free() looks for it (glibc), else
// a plain block that the sample store's filter will know.
GOPS_HS_HOOK_PATH void* allocate_sampled(ThreadState& t, std::size_t size, std::size_t alignment, bool zero) {
  void* p = tagging() ? allocate_tagged(size, alignment, zero) : plain_alloc(size, alignment, zero);
  record_allocation(t, p, size);
  return p;
}

// The allocating hooks' common path: count, then the real function unless
// the call reaches the sampling point. `bytes` is what the sample records.
template <class RealAlloc>
GOPS_HS_HOOK_PATH void* allocate(ThreadState& t, std::size_t bytes, std::size_t alignment, bool zero,
                                 RealAlloc real_alloc) {
  if (t.in_hook) [[unlikely]]
    return bypass_alloc(bytes, alignment, zero);
  count_call(t, kAlloc);
  if (!crosses_sampling_point(t, bytes)) [[likely]]
    return real_alloc();
  return allocate_sampled(t, bytes, alignment, zero);
}

// The real allocator's usable size of any block we handed out.
std::size_t usable_size(void* ptr) {
  if (is_bootstrap(ptr)) return bootstrap_size(ptr);
  if (tagging() && carries_tag(ptr)) return tagged_usable_size(ptr);
  auto fn = real().malloc_usable_size;
  return fn ? fn(ptr) : 0;
}

// Gives `ptr` (not null, not bootstrap) back to the real allocator, after
// the sample store has forgotten it (unless the sampler itself frees).
void release(ThreadState& t, void* ptr) {
  if (tagging()) {
    if (!carries_tag(ptr)) return real().free(ptr);
    if (!t.in_hook) detail::forget_slow(ptr);
    return real().free(tagged_base(ptr));
  }
  if (!t.in_hook) forget(ptr);
  real().free(ptr);
}

GOPS_HS_HOOK_PATH void* malloc_slow(ThreadState& t, std::size_t size) {
  return allocate(t, size, 0, false, [size] { return real().malloc(size); });
}

GOPS_HS_HOOK_PATH void free_slow(ThreadState& t, void* ptr) {
  if (!t.in_hook) count_call(t, kFree);
  if (ptr == nullptr || is_bootstrap(ptr)) return;  // bootstrap blocks are never freed
  release(t, ptr);
}

// free() when its one-compare test failed: the thread's first free since
// the marks were switched on (it learns so here), the filter when there are
// no marks, or anything else (the slow path).
GOPS_HS_HOOK_PATH void free_other(ThreadState& t, void* ptr) noexcept {
  if (is_plain_call(t)) {
    bool plain_block = false;
    if (tagging()) {
      t.tagged_frees = true;
      plain_block = ptr == nullptr || !carries_tag(ptr);
    } else {
      plain_block = !maybe_sampled(ptr) && !is_bootstrap(ptr);
    }
    if (plain_block) {
      bump(t.free_calls);
      return next_free()(ptr);
    }
  }
  free_slow(t, ptr);
}

// realloc of a block that is, or is to become, a sampled one: with marks,
// the block moves (a marked block is not one the real realloc knows).
GOPS_HS_HOOK_PATH void* realloc_moving(ThreadState& t, void* ptr, std::size_t size, bool sample) {
  if (size == 0) {
    release(t, ptr);
    return nullptr;
  }
  void* p = sample ? allocate_tagged(size, 0, false) : real().malloc(size);
  if (p == nullptr) return nullptr;  // the old block stays, as realloc promises
  if (ptr) {
    std::size_t old = usable_size(ptr);
    std::memcpy(p, ptr, old < size ? old : size);
    release(t, ptr);
  }
  if (sample) record_allocation(t, p, size);
  return p;
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
  if (count_unsampled_alloc(t, size)) [[likely]]
    return next_malloc()(size);
  return malloc_slow(t, size);
}

// Fast path: a plain call on a block that is certainly not sampled nor from
// the bootstrap buffer. With glibc that is one load of the word before the
// block (glibc's own free reads it next); free(nullptr) goes to the real
// free, which ignores it.
GOPS_HS_EXPORT_HOOK void free(void* ptr) noexcept {
  ThreadState& t = t_state;
  if (is_plain_tagged_free(t) && (ptr == nullptr || !carries_tag(ptr))) [[likely]] {
    bump(t.free_calls);
    return next_free()(ptr);
  }
  free_other(t, ptr);
}

GOPS_HS_EXPORT_HOOK void* calloc(std::size_t count, std::size_t size) {
  ThreadState& t = t_state;
  std::size_t bytes = 0;
  if (__builtin_mul_overflow(count, size, &bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  return allocate(t, bytes, 0, true, [count, size] { return real().calloc(count, size); });
}

GOPS_HS_EXPORT_HOOK void* realloc(void* ptr, std::size_t size) {
  ThreadState& t = t_state;
  if (ptr && is_bootstrap(ptr)) [[unlikely]] {
    // Move a bootstrap block into the real allocator (the old one stays).
    void* p = t.in_hook ? bypass_alloc(size, 0, false) : malloc(size);
    if (p) std::memcpy(p, ptr, bootstrap_size(ptr) < size ? bootstrap_size(ptr) : size);
    return p;
  }
  bool marked = ptr && tagging() && carries_tag(ptr);
  if (t.in_hook) [[unlikely]]
    return marked ? realloc_moving(t, ptr, size, false) : real().realloc(ptr, size);
  count_call(t, kRealloc);
  bool sample = size != 0 && crosses_sampling_point(t, size);
  if (tagging()) {
    if (marked || sample) return realloc_moving(t, ptr, size, sample);
    return real().realloc(ptr, size);
  }
  // Forgotten before the call: once realloc returns, the old address may
  // belong to another thread's new block. A failed realloc keeps the block
  // but loses its sample (rare; the estimate absorbs it).
  if (ptr) forget(ptr);
  void* p = real().realloc(ptr, size);
  if (sample) record_allocation(t, p, size);
  return p;
}

GOPS_HS_EXPORT_HOOK int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
  ThreadState& t = t_state;
  if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment % sizeof(void*) != 0) return EINVAL;
  if (t.in_hook && resolving_on_this_thread()) [[unlikely]] {
    *out = bootstrap_alloc(size, alignment);
    return *out ? 0 : ENOMEM;
  }
  int rc = 0;
  void* p = allocate(t, size, alignment, false, [&] {
    void* block = nullptr;
    rc = real().posix_memalign(&block, alignment, size);
    return block;
  });
  if (rc != 0) return rc;
  if (p == nullptr && size != 0) return errno ? errno : ENOMEM;
  *out = p;
  return 0;
}

GOPS_HS_EXPORT_HOOK void* aligned_alloc(std::size_t alignment, std::size_t size) {
  ThreadState& t = t_state;
  return allocate(t, size, alignment, false, [alignment, size] {
    return real().aligned_alloc ? real().aligned_alloc(alignment, size) : aligned_via_posix(alignment, size);
  });
}

GOPS_HS_EXPORT_HOOK void* memalign(std::size_t alignment, std::size_t size) {
  ThreadState& t = t_state;
  return allocate(t, size, alignment, false, [alignment, size] { return real_memalign(alignment, size); });
}

GOPS_HS_EXPORT_HOOK void* valloc(std::size_t size) {
  ThreadState& t = t_state;
  std::size_t page = page_size();
  return allocate(t, size, page, false, [page, size] {
    return real().valloc ? real().valloc(size) : aligned_via_posix(page, size);
  });
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
  return allocate(t, rounded, page, false, [page, rounded] { return aligned_via_posix(page, rounded); });
}

GOPS_HS_EXPORT_HOOK std::size_t malloc_usable_size(void* ptr) {
  if (ptr == nullptr) return 0;
  return usable_size(ptr);
}

// The aliases need not repeat glibc's attributes on the originals (leaf,
// nothrow, ...): they are only called from new_delete.cpp.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-attributes"
#endif
GOPS_HS_HIDDEN void* gops_heap_sampler_hook_malloc(std::size_t) __attribute__((alias("malloc")));
GOPS_HS_HIDDEN void gops_heap_sampler_hook_free(void*) noexcept __attribute__((alias("free")));
GOPS_HS_HIDDEN int gops_heap_sampler_hook_posix_memalign(void**, std::size_t, std::size_t)
    __attribute__((alias("posix_memalign")));
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // extern "C"

// Every operator delete is free() itself (an alias: no call in between;
// aliases must be defined beside their target, hence here). The size and
// alignment arguments are not needed to give a block back.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wattribute-alias"
#pragma GCC diagnostic ignored "-Wmissing-attributes"
#endif
#define GOPS_HS_DELETE __attribute__((alias("free"), visibility("default")))
void operator delete(void*) noexcept GOPS_HS_DELETE;
void operator delete[](void*) noexcept GOPS_HS_DELETE;
void operator delete(void*, const std::nothrow_t&) noexcept GOPS_HS_DELETE;
void operator delete[](void*, const std::nothrow_t&) noexcept GOPS_HS_DELETE;
void operator delete(void*, std::size_t) noexcept GOPS_HS_DELETE;
void operator delete[](void*, std::size_t) noexcept GOPS_HS_DELETE;
void operator delete(void*, std::align_val_t) noexcept GOPS_HS_DELETE;
void operator delete[](void*, std::align_val_t) noexcept GOPS_HS_DELETE;
void operator delete(void*, std::align_val_t, const std::nothrow_t&) noexcept GOPS_HS_DELETE;
void operator delete[](void*, std::align_val_t, const std::nothrow_t&) noexcept GOPS_HS_DELETE;
void operator delete(void*, std::size_t, std::align_val_t) noexcept GOPS_HS_DELETE;
void operator delete[](void*, std::size_t, std::align_val_t) noexcept GOPS_HS_DELETE;
#undef GOPS_HS_DELETE
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
