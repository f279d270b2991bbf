// Every replaceable form of operator new and delete (plain, array, nothrow,
// aligned, sized), on the interposed malloc family so that C++ allocations
// are counted and sampled with the same call-site attribution.
#include <new>

#include "heap_sampler/hook_attributes.hpp"
#include "heap_sampler/hooks.hpp"
#include "heap_sampler/real_allocator.hpp"
#include "heap_sampler/sampler.hpp"

namespace {

// The standard's loop after a failed allocation: the new-handler, then
// another try, else throw.
GOPS_HS_HOOK_PATH void* new_after_failure(std::size_t size) {
  if (size == 0) size = 1;  // malloc(0) may give null: new(0) may not
  for (;;) {
    std::new_handler handler = std::get_new_handler();
    if (!handler) throw std::bad_alloc();
    handler();
    if (void* p = gops_heap_sampler_hook_malloc(size)) return p;
  }
}

GOPS_HS_HOOK_PATH void* new_slow(std::size_t size) {
  if (size == 0) size = 1;
  if (void* p = gops_heap_sampler_hook_malloc(size)) return p;
  return new_after_failure(size);
}

// Inline in each operator new: malloc's fast path, then the real malloc.
__attribute__((always_inline)) inline void* new_or_throw(std::size_t size) {
  gops::heap_sampler::ThreadState& t = gops::heap_sampler::t_state;
  if (gops::heap_sampler::count_unsampled_alloc(t, size)) [[likely]] {
    if (void* p = gops::heap_sampler::next_malloc()(size)) [[likely]]
      return p;
    return new_after_failure(size);
  }
  return new_slow(size);
}

GOPS_HS_HOOK_PATH void* aligned_or_null(std::size_t size, std::size_t alignment) {
  if (size == 0) size = 1;
  if (alignment < sizeof(void*)) alignment = sizeof(void*);
  void* p = nullptr;
  return gops_heap_sampler_hook_posix_memalign(&p, alignment, size) == 0 ? p : nullptr;
}

GOPS_HS_HOOK_PATH void* aligned_or_throw(std::size_t size, std::size_t alignment) {
  for (;;) {
    if (void* p = aligned_or_null(size, alignment)) return p;
    std::new_handler handler = std::get_new_handler();
    if (!handler) throw std::bad_alloc();
    handler();
  }
}

GOPS_HS_HOOK_PATH void* new_or_null(std::size_t size) noexcept {
  try {
    return new_or_throw(size);
  } catch (...) {
    return nullptr;
  }
}

GOPS_HS_HOOK_PATH void* aligned_new_or_null(std::size_t size, std::size_t alignment) noexcept {
  try {
    return aligned_or_throw(size, alignment);
  } catch (...) {
    return nullptr;
  }
}

}  // namespace

GOPS_HS_EXPORT_HOOK void* operator new(std::size_t size) { return new_or_throw(size); }
GOPS_HS_EXPORT_HOOK void* operator new[](std::size_t size) { return new_or_throw(size); }
GOPS_HS_EXPORT_HOOK void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return new_or_null(size); }
GOPS_HS_EXPORT_HOOK void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return new_or_null(size); }
GOPS_HS_EXPORT_HOOK void* operator new(std::size_t size, std::align_val_t al) {
  return aligned_or_throw(size, static_cast<std::size_t>(al));
}
GOPS_HS_EXPORT_HOOK void* operator new[](std::size_t size, std::align_val_t al) {
  return aligned_or_throw(size, static_cast<std::size_t>(al));
}
GOPS_HS_EXPORT_HOOK void* operator new(std::size_t size, std::align_val_t al, const std::nothrow_t&) noexcept {
  return aligned_new_or_null(size, static_cast<std::size_t>(al));
}
GOPS_HS_EXPORT_HOOK void* operator new[](std::size_t size, std::align_val_t al, const std::nothrow_t&) noexcept {
  return aligned_new_or_null(size, static_cast<std::size_t>(al));
}

// Every operator delete is an alias of free(), defined with it in hooks.cpp.
