// Every replaceable form of operator new and delete (plain, array, nothrow,
// aligned, sized), on the interposed malloc family so that C++ allocations
// are counted and sampled with the same call-site attribution.
#include <new>

#include "heap_sampler/hook_attributes.hpp"
#include "heap_sampler/hooks.hpp"

namespace {

// The standard's loop: retry through the new-handler, else throw.
GOPS_HS_HOOK_PATH void* new_slow(std::size_t size) {
  if (size == 0) size = 1;
  for (;;) {
    if (void* p = gops_heap_sampler_hook_malloc(size)) return p;
    std::new_handler handler = std::get_new_handler();
    if (!handler) throw std::bad_alloc();
    handler();
  }
}

// Inline in each operator new: one call into malloc on the common path.
__attribute__((always_inline)) inline void* new_or_throw(std::size_t size) {
  if (size == 0) [[unlikely]]
    return new_slow(size);
  void* p = gops_heap_sampler_hook_malloc(size);
  return p ? p : new_slow(size);
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

GOPS_HS_EXPORT_HOOK void operator delete(void* p) noexcept { gops_heap_sampler_hook_free(p); }
GOPS_HS_EXPORT_HOOK void operator delete[](void* p) noexcept { gops_heap_sampler_hook_free(p); }
GOPS_HS_EXPORT_HOOK void operator delete(void* p, const std::nothrow_t&) noexcept { gops_heap_sampler_hook_free(p); }
GOPS_HS_EXPORT_HOOK void operator delete[](void* p, const std::nothrow_t&) noexcept { gops_heap_sampler_hook_free(p); }
GOPS_HS_EXPORT_HOOK void operator delete(void* p, std::size_t) noexcept { gops_heap_sampler_hook_free(p); }
GOPS_HS_EXPORT_HOOK void operator delete[](void* p, std::size_t) noexcept { gops_heap_sampler_hook_free(p); }
GOPS_HS_EXPORT_HOOK void operator delete(void* p, std::align_val_t) noexcept { gops_heap_sampler_hook_free(p); }
GOPS_HS_EXPORT_HOOK void operator delete[](void* p, std::align_val_t) noexcept { gops_heap_sampler_hook_free(p); }
GOPS_HS_EXPORT_HOOK void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { gops_heap_sampler_hook_free(p); }
GOPS_HS_EXPORT_HOOK void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { gops_heap_sampler_hook_free(p); }
GOPS_HS_EXPORT_HOOK void operator delete(void* p, std::size_t, std::align_val_t) noexcept { gops_heap_sampler_hook_free(p); }
GOPS_HS_EXPORT_HOOK void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { gops_heap_sampler_hook_free(p); }
